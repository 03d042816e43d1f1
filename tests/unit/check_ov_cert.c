/*
 * check_ov_cert.c - real ECDSA P-256 signatures as the overlay makes and
 * checks them (RFC 6940 §6.3.4): a daemon identity signs, the signer
 * cache verifies and names the signer, again once the certificate is
 * cached; tampering, an unknown signer, a certificate that did not sign
 * and a foreign algorithm are refused.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "identity.h"
#include "ov_cert.h"
#include "ov_msg.h"
#include "tmpdir.h"
#include "xmalloc.h"

static void
setup(void)
{
	tmpdir_make("check_ov_cert");
}

static void
teardown(void)
{
	tmpdir_remove();
}

/* An identity in its own subdirectory of dir. */
static struct identity *
make_identity(const char *name)
{
	struct identity	*ident = NULL;
	char		*sub = xasprintf("%s/%s", dir, name), *cause = NULL;

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_msg(identity_load(&ident, sub, "overlay.example.org",
	    &cause) == 0, "identity_load: %s", cause ? cause : "?");
	free(sub);
	return ident;
}

/* The certificates bucket of a security block: one X.509 entry. */
static uint8_t *
bucket(const struct identity *ident, size_t *len)
{
	uint8_t	*b = xmalloc(3 + ident->der_len);

	b[0] = OV_CERT_X509;
	b[1] = (uint8_t)(ident->der_len >> 8);
	b[2] = (uint8_t)ident->der_len;
	memcpy(b + 3, ident->der, ident->der_len);
	*len = 3 + ident->der_len;
	return b;
}

struct signed_data {
	uint8_t		data[600];
	uint8_t		value[128];
	struct ov_sig	sig;
};

/* Sign s's data with c, named by its certificate's hash. */
static void
sign_with(const struct ov_crypto *c, struct signed_data *s)
{
	size_t	n;

	memset(s->data, 0x5a, sizeof s->data);
	n = c->sign(s->data, sizeof s->data, s->value, sizeof s->value,
	    c->arg);
	ck_assert_uint_gt(n, 0);
	memset(&s->sig, 0, sizeof s->sig);
	s->sig.hash_alg = OV_HASH_SHA256;
	s->sig.sig_alg = OV_SIG_ECDSA;
	s->sig.id_type = OV_SIGNER_CERT_HASH;
	s->sig.id_hash_alg = OV_HASH_SHA256;
	s->sig.id_hash = c->cert_hash;
	s->sig.id_hash_len = OV_CERT_HASH_LEN;
	s->sig.value = s->value;
	s->sig.value_len = (uint16_t)n;
}

static void
sign(const struct identity *ident, struct signed_data *s)
{
	sign_with(&ident->crypto, s);
}

static int
verify(const struct identity *by, const struct signed_data *s,
    const uint8_t *certs, size_t certs_len, struct ov_id *signer)
{
	struct ov_signer	who;
	int			rc;

	rc = by->crypto.verify(&s->sig, certs, certs_len, s->data,
	    sizeof s->data, &who, by->crypto.arg);
	if (rc == 0)
		*signer = who.node;
	return rc;
}

START_TEST(sign_and_verify)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct signed_data	 s;
	struct ov_id		 signer;
	uint8_t			*certs;
	size_t			 len;
	int			 i;

	certs = bucket(a, &len);
	sign(a, &s);
	/* The first check parses the certificate, the next ones use it. */
	for (i = 0; i < 3; i++) {
		memset(&signer, 0, sizeof signer);
		ck_assert_int_eq(verify(b, &s, certs, len, &signer), 0);
		ck_assert(ov_id_eq(&signer, &a->id));
	}
	/* Every signature differs (ECDSA's k) but each one verifies. */
	sign(a, &s);
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), 0);
	free(certs);
	identity_free(a);
	identity_free(b);
}
END_TEST

START_TEST(tampering_refused)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct signed_data	 s;
	struct ov_id		 signer;
	uint8_t			*certs, other[OV_CERT_HASH_LEN];
	size_t			 len;

	certs = bucket(a, &len);
	sign(a, &s);
	s.data[100] ^= 1;			/* the data */
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	s.data[100] ^= 1;
	s.value[s.sig.value_len - 1] ^= 1;	/* the signature */
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	s.value[s.sig.value_len - 1] ^= 1;
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), 0);
	s.sig.hash_alg = 2;			/* sha1: not ours */
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	s.sig.hash_alg = OV_HASH_SHA256;
	memset(other, 0xee, sizeof other);	/* a signer not in the bucket */
	s.sig.id_hash = other;
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	free(certs);
	identity_free(a);
	identity_free(b);
}
END_TEST

/* A signature by a names a's certificate, but b's is in the bucket. */
START_TEST(wrong_certificate_refused)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct identity		*c = make_identity("c");
	struct signed_data	 s;
	struct ov_id		 signer;
	uint8_t			*certs;
	size_t			 len;

	certs = bucket(b, &len);
	sign(a, &s);
	ck_assert_int_eq(verify(c, &s, certs, len, &signer), EBADMSG);
	/* b's hash with b's certificate, but a's signature. */
	s.sig.id_hash = b->hash;
	ck_assert_int_eq(verify(c, &s, certs, len, &signer), EBADMSG);
	free(certs);
	identity_free(a);
	identity_free(b);
	identity_free(c);
}
END_TEST

static uint8_t *
bucket2(const struct identity_user *u, const struct identity *node,
    size_t *len)
{
	size_t	 nlen = 0;
	uint8_t	*nb = node != NULL ? bucket(node, &nlen) : NULL;
	uint8_t	*b = xmalloc(u->bucket_len + nlen);

	memcpy(b, u->bucket, u->bucket_len);
	if (nb != NULL)
		memcpy(b + u->bucket_len, nb, nlen);
	free(nb);
	*len = u->bucket_len + nlen;
	return b;
}

/*
 * A user's certificate is issued by its node (rfc822Name + the node's
 * reload:// URI): a verifier names both the node and the user, but only
 * with the issuing node's certificate in the bucket.  The user's key and
 * certificate are kept across restarts.
 */
START_TEST(user_certificates)
{
	const char		*alice = "alice@overlay.example.org";
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct identity		*v = make_identity("v"), *w = make_identity("w");
	struct identity_user	*u, *ub;
	struct ov_signer	 who;
	struct signed_data	 s;
	uint8_t			*certs, hash[OV_CERT_HASH_LEN];
	size_t			 len;
	char			*cause = NULL, *sub;

	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	ck_assert_int_eq(u->created, 1);
	memcpy(hash, u->hash, sizeof hash);
	sign_with(&u->crypto, &s);
	/* alone, the user's certificate proves nothing */
	certs = bucket2(u, NULL, &len);
	ck_assert_int_eq(v->crypto.verify(&s.sig, certs, len, s.data,
	    sizeof s.data, &who, v->crypto.arg), EBADMSG);
	free(certs);
	/* nor with another node's certificate */
	certs = bucket2(u, b, &len);
	ck_assert_int_eq(v->crypto.verify(&s.sig, certs, len, s.data,
	    sizeof s.data, &who, v->crypto.arg), EBADMSG);
	free(certs);
	certs = bucket2(u, a, &len);
	ck_assert_int_eq(w->crypto.verify(&s.sig, certs, len, s.data,
	    sizeof s.data, &who, w->crypto.arg), 0);
	ck_assert(ov_id_eq(&who.node, &a->id));
	ck_assert_str_eq(who.user, alice);
	ck_assert(who.issuer != NULL && who.issuer_len == a->der_len);
	ck_assert_mem_eq(who.issuer, a->der, a->der_len);
	free(certs);
	/* another node may name a user alice too: its own key, though */
	ck_assert_int_eq(identity_user(b, alice, &ub, &cause), 0);
	ck_assert(memcmp(ub->hash, hash, sizeof hash) != 0);
	/* names that are not file names */
	ck_assert(!identity_user_name_ok("../etc"));
	ck_assert(!identity_user_name_ok(""));
	ck_assert(!identity_user_name_ok("a,URI:x"));
	ck_assert_int_eq(identity_user(a, ".hidden", &ub, &cause), EINVAL);
	free(cause);
	cause = NULL;
	/* a restart finds the same key and certificate */
	identity_free(a);
	sub = xasprintf("%s/a", dir);
	ck_assert_int_eq(identity_load(&a, sub, "overlay.example.org",
	    &cause), 0);
	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	ck_assert_int_eq(u->created, 0);
	ck_assert_mem_eq(u->hash, hash, sizeof hash);
	free(sub);
	identity_free(a);
	identity_free(b);
	identity_free(v);
	identity_free(w);
}
END_TEST

static Suite *
ov_cert_suite(void)
{
	Suite	*s = suite_create("ov_cert");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, tampering_refused);
	tcase_add_test(tc, wrong_certificate_refused);
	tcase_add_test(tc, user_certificates);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ov_cert_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
