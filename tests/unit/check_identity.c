/*
 * check_identity.c - a user's key moved between daemons: identity_export
 * writes it (PKCS #12, mode 0600, never over a file unless asked),
 * identity_import takes it on another node, which issues its own
 * certificate for the same key and keeps it across restarts; a wrong
 * passphrase, another overlay's user, garbage, a truncated file and a
 * user held here with another key are refused with nothing changed.
 * Of many users only IDENTITY_USERS_MAX stay loaded; one that went
 * comes back from the store, the same key and certificate.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"
#include "identity.h"
#include "identity_int.h"
#include "ov_cert.h"
#include "db.h"
#include "tmpdir.h"
#include "xmalloc.h"

#define OVERLAY	"overlay.example.org"
#define ALICE	"alice@" OVERLAY
#define PASS	"correct horse battery"

static void
setup(void)
{
	tmpdir_make("check_identity");
}

static void
teardown(void)
{
	tmpdir_remove();
}

/* The identity in dir/name (made the first time), with its store. */
static struct identity *
load(const char *name, const char *overlay)
{
	struct identity	*ident = NULL;
	struct db	*st = NULL;
	char		*sub = xasprintf("%s/%s", dir, name), *path;
	char		*cause = NULL;

	(void)mkdir(sub, 0700);
	ck_assert_msg(identity_load(&ident, sub, overlay, NULL, &cause) == 0,
	    "identity_load: %s", cause);
	path = xasprintf("%s/p2psipd.db", sub);
	ck_assert_msg(db_open(&st, path, &cause) == 0, "store: %s", cause);
	identity_set_db(ident, st);
	free(path);
	free(sub);
	return ident;
}

static void
drop(struct identity *ident)
{
	db_close(ident->db);
	identity_free(ident);
}

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
count_user(void *arg, const struct identity_user *u, int64_t created)
{
	(void)u;
	(void)created;
	(*(unsigned *)arg)++;
}

static unsigned
users(struct identity *ident)
{
	unsigned	n = 0;
	char		*cause = NULL;

	ck_assert_int_eq(identity_users_each(ident, count_user, &n, &cause),
	    0);
	return n;
}

/* Import that must fail with rc and a cause containing want. */
static void
import_fails(struct identity *ident, const char *file, const char *pass,
    bool force, int rc, const char *want)
{
	struct identity_user	*u = NULL;
	char			*cause = NULL;
	bool			 replaced = false;

	ck_assert_int_eq(identity_import(ident, file, pass, force, &u,
	    &replaced, &cause), rc);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause: %s", cause);
	free(cause);
}

/* Does u's certificate name node (a signature by u verifies so)? */
static void
signs_for(struct identity *verifier, struct identity_user *u,
    struct identity *node)
{
	struct ov_signer	 who;
	struct ov_sig		 sig;
	uint8_t			 data[64], value[128], *certs;
	size_t			 n, len;

	memset(data, 0x5a, sizeof data);
	n = u->crypto.sign(data, sizeof data, value, sizeof value,
	    u->crypto.arg);
	ck_assert_uint_gt(n, 0);
	memset(&sig, 0, sizeof sig);
	sig.hash_alg = OV_HASH_SHA256;
	sig.sig_alg = OV_SIG_ECDSA;
	sig.id_type = OV_SIGNER_CERT_HASH;
	sig.id_hash_alg = OV_HASH_SHA256;
	sig.id_hash = u->hash;
	sig.id_hash_len = OV_CERT_HASH_LEN;
	sig.value = value;
	sig.value_len = (uint16_t)n;
	len = u->bucket_len + 3 + node->der_len;
	certs = xmalloc(len);
	memcpy(certs, u->bucket, u->bucket_len);
	certs[u->bucket_len] = OV_CERT_X509;
	certs[u->bucket_len + 1] = (uint8_t)(node->der_len >> 8);
	certs[u->bucket_len + 2] = (uint8_t)node->der_len;
	memcpy(certs + u->bucket_len + 3, node->der, node->der_len);
	ck_assert_int_eq(verifier->crypto.verify(&sig, certs, len, data,
	    sizeof data, &who, verifier->crypto.arg), 0);
	ck_assert(ov_id_eq(&who.node, &node->id));
	ck_assert_str_eq(who.user, u->name);
	free(certs);
}

/*
 * a exports alice; b imports her: the same key, b's own certificate
 * (naming b), kept in b's store; the file is mode 0600 and is not
 * written over unless asked.
 */
START_TEST(round_trip)
{
	struct identity		*a = load("a", OVERLAY);
	struct identity		*b = load("b", OVERLAY);
	struct identity_user	*ua, *ub, *u;
	struct stat		 sb;
	uint8_t			 ka[OV_KEY_ID_LEN], kb[OV_KEY_ID_LEN];
	char			*file = path_of("alice.p12"), *cause = NULL;
	bool			 replaced = true;

	/* nobody to export yet; a short passphrase */
	ck_assert_int_eq(identity_export(a, ALICE, file, PASS, false, &u,
	    &cause), ENOENT);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(identity_user(a, ALICE, &ua, &cause), 0);
	ck_assert_int_eq(identity_export(a, ALICE, file, "short", false, &u,
	    &cause), EINVAL);
	free(cause);
	cause = NULL;
	ck_assert_int_ne(access(file, F_OK), 0);
	ck_assert_msg(identity_export(a, ALICE, file, PASS, false, &u,
	    &cause) == 0, "export: %s", cause);
	ck_assert_ptr_eq(u, ua);
	ck_assert_int_eq(stat(file, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	/* not over an existing file, unless asked */
	ck_assert_int_eq(identity_export(a, ALICE, file, PASS, false, &u,
	    &cause), EEXIST);
	ck_assert_ptr_nonnull(strstr(cause, "--force"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(identity_export(a, ALICE, file, PASS, true, &u,
	    &cause), 0);

	ck_assert_msg(identity_import(b, file, PASS, false, &ub, &replaced,
	    &cause) == 0, "import: %s", cause);
	ck_assert(!replaced);
	ck_assert_str_eq(ub->name, ALICE);
	ck_assert_int_eq(EVP_PKEY_eq(ua->key, ub->key), 1);
	ck_assert(memcmp(ua->hash, ub->hash, sizeof ua->hash) != 0);
	ck_assert_int_eq(identity_user_key_id(ua, ka), 0);
	ck_assert_int_eq(identity_user_key_id(ub, kb), 0);
	ck_assert_mem_eq(ka, kb, sizeof ka);
	signs_for(a, ub, b);
	ck_assert_uint_eq(users(b), 1);
	/* the same again: nothing to replace */
	ck_assert_int_eq(identity_import(b, file, PASS, false, &u, &replaced,
	    &cause), 0);
	ck_assert(!replaced);
	ck_assert_ptr_eq(u, ub);
	/* b restarts: alice's key is in its store */
	drop(b);
	b = load("b", OVERLAY);
	ck_assert_int_eq(identity_user(b, ALICE, &ub, &cause), 0);
	ck_assert_int_eq(ub->created, 0);
	ck_assert_int_eq(EVP_PKEY_eq(ua->key, ub->key), 1);
	signs_for(a, ub, b);
	free(file);
	drop(a);
	drop(b);
}
END_TEST

/* Bytes into dir/name. */
static char *
write_file(const char *name, const void *p, size_t len)
{
	char	*path = path_of(name);
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/*
 * What import refuses, each time with nothing stored: a wrong
 * passphrase, a user of another overlay, garbage, a truncated file, a
 * file that is not there; and a user held here with another key unless
 * forced, which then signs with the imported key.
 */
START_TEST(bad_imports)
{
	struct identity		*a = load("a", OVERLAY);
	struct identity		*b = load("b", OVERLAY);
	struct identity		*o = load("o", "other.example.net");
	struct identity_user	*ua, *ub, *uo, *u;
	uint8_t			 buf[4096], kb[OV_KEY_ID_LEN];
	uint8_t			 k[OV_KEY_ID_LEN];
	char			*file = path_of("alice.p12");
	char			*ofile = path_of("other.p12"), *junk, *cut;
	char			*cause = NULL;
	bool			 replaced;
	FILE			*f;
	size_t			 n;

	ck_assert_int_eq(identity_user(a, ALICE, &ua, &cause), 0);
	ck_assert_int_eq(identity_export(a, ALICE, file, PASS, false, &u,
	    &cause), 0);
	ck_assert_int_eq(identity_user(o, "alice@other.example.net", &uo,
	    &cause), 0);
	ck_assert_int_eq(identity_export(o, "alice@other.example.net", ofile,
	    PASS, false, &u, &cause), 0);

	import_fails(b, file, "not the passphrase", false, EINVAL,
	    "wrong passphrase");
	import_fails(b, ofile, PASS, false, EINVAL,
	    "alice@other.example.net is not a user of this overlay "
	    "(" OVERLAY ")");
	junk = write_file("junk", "not a PKCS #12 file at all\n", 27);
	import_fails(b, junk, PASS, false, EINVAL, "not a PKCS #12 file");
	ck_assert_ptr_nonnull(f = fopen(file, "r"));
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	cut = write_file("cut", buf, n / 2);
	import_fails(b, cut, PASS, false, EINVAL, "not a PKCS #12 file");
	buf[n - 40] ^= 0x01;	/* inside the MAC or the data it covers */
	free(cut);
	cut = write_file("flipped", buf, n);
	import_fails(b, cut, PASS, false, EINVAL, "or a damaged file");
	import_fails(b, dir, PASS, false, EINVAL, "not a regular file");
	free(junk);
	junk = path_of("nowhere");
	import_fails(b, junk, PASS, false, ENOENT, "No such file");
	ck_assert_uint_eq(users(b), 0);

	/* b has an alice of its own: kept unless forced */
	ck_assert_int_eq(identity_user(b, ALICE, &ub, &cause), 0);
	ck_assert_int_eq(identity_user_key_id(ub, kb), 0);
	import_fails(b, file, PASS, false, EEXIST, "--force replaces it");
	ck_assert_int_eq(identity_user_key_id(ub, k), 0);
	ck_assert_mem_eq(k, kb, sizeof k);
	ck_assert_int_eq(EVP_PKEY_eq(ua->key, ub->key), 0);
	ck_assert_int_eq(identity_import(b, file, PASS, true, &u, &replaced,
	    &cause), 0);
	ck_assert(replaced);
	/* the user b held is the one replaced: its signer is alice's key */
	ck_assert_ptr_eq(u, ub);
	ck_assert_int_eq(EVP_PKEY_eq(ua->key, ub->key), 1);
	signs_for(a, ub, b);
	ck_assert_uint_eq(users(b), 1);
	free(junk);
	free(cut);
	free(file);
	free(ofile);
	drop(a);
	drop(b);
	drop(o);
}
END_TEST

START_TEST(users_bounded)
{
	struct identity		*a = load("a", OVERLAY);
	struct identity_user	*u;
	uint8_t			 k0[OV_KEY_ID_LEN], k1[OV_KEY_ID_LEN];
	uint8_t			 h0[OV_CERT_HASH_LEN];
	char			 name[64], *cause = NULL;
	unsigned		 i;

	for (i = 0; i < IDENTITY_USERS_MAX + 8; i++) {
		snprintf(name, sizeof name, "u%u@" OVERLAY, i);
		ck_assert_msg(identity_user(a, name, &u, &cause) == 0,
		    "%s: %s", name, cause);
		if (i == 0) {
			ck_assert_int_eq(identity_user_key_id(u, k0), 0);
			memcpy(h0, u->hash, sizeof h0);
		}
		/* the first, used again, outlives the next ones */
		if (i == 8)
			ck_assert_int_eq(identity_user(a, "u0@" OVERLAY, &u,
			    &cause), 0);
	}
	ck_assert_uint_eq(a->nusers, IDENTITY_USERS_MAX);
	ck_assert_ptr_nonnull(strmap_find(&a->users_by_name, "u0@" OVERLAY));
	ck_assert_ptr_null(strmap_find(&a->users_by_name, "u1@" OVERLAY));
	ck_assert(identity_user_held(a, "u1@" OVERLAY));	/* stored */
	ck_assert_uint_eq(users(a), IDENTITY_USERS_MAX + 8);
	/* u0 went at last; back from the store, as it was */
	for (i = 0; i < IDENTITY_USERS_MAX; i++) {
		snprintf(name, sizeof name, "v%u@" OVERLAY, i);
		ck_assert_int_eq(identity_user(a, name, &u, &cause), 0);
	}
	ck_assert_ptr_null(strmap_find(&a->users_by_name, "u0@" OVERLAY));
	ck_assert_int_eq(identity_user(a, "u0@" OVERLAY, &u, &cause), 0);
	ck_assert_int_eq(identity_user_key_id(u, k1), 0);
	ck_assert_mem_eq(k0, k1, sizeof k0);
	ck_assert_mem_eq(h0, u->hash, sizeof h0);
	ck_assert_uint_eq(a->nusers, IDENTITY_USERS_MAX);
	drop(a);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("identity");
	TCase	*tc = tcase_create("move");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, bad_imports);
	tcase_add_test(tc, users_bounded);
	suite_add_tcase(s, tc);
	return s;
}
