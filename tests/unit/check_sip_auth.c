/*
 * check_sip_auth.c - Digest authentication of REGISTER (RFC 3261 §22):
 * the digest against the RFCs' own examples, and the registrar's
 * answers to phones elsewhere than this host: 401 with a challenge,
 * 200 for the right password, 401 again for a wrong one or a stale
 * nonce, 403 for another user's AOR or when no users are set, 400 for
 * credentials it cannot read; phones on this host need none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "rng.h"
#include "sip_auth.h"
#include "sip_core.h"
#include "sip_msg.h"
#include "sipflow.h"

#define DOM	"p2psipd.localhost"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT, 128 };
static struct rng_xoshiro	 xs;
static struct rng		 rng = { rng_xoshiro_fill, &xs };
static struct sip_core		*core;
static uint64_t			 now;
static struct sip_flow		 far, here;
static unsigned			 cseq;

/* RFC 2617 §3.5 (MD5, qop=auth) */
START_TEST(rfc2617_example)
{
	char	out[65];

	ck_assert_int_eq(sip_auth_response("MD5", "Mufasa",
	    "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
	    "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
	    "auth", out), 0);
	ck_assert_str_eq(out, "6629fae49393a05397450978507c4ef1");
}
END_TEST

/* RFC 7616 §3.9.1 (the same digest with SHA-256, RFC 8760 §2) */
START_TEST(rfc7616_example)
{
	static const char *nonce =
	    "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
	static const char *cnonce =
	    "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
	char	out[65];

	ck_assert_int_eq(sip_auth_response("MD5", "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", nonce, "00000001", cnonce, "auth", out), 0);
	ck_assert_str_eq(out, "8ca523f5e9506fed4657c9700eebdbec");
	ck_assert_int_eq(sip_auth_response("SHA-256", "Mufasa",
	    "http-auth@example.org", "Circle of Life", "GET",
	    "/dir/index.html", nonce, "00000001", cnonce, "auth", out), 0);
	ck_assert_str_eq(out,
	    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
	ck_assert_int_ne(sip_auth_response("SHA-512-256", "a", "b", "c", "d",
	    "e", "f", NULL, NULL, NULL, out), 0);
}
END_TEST

static void
setup(void)
{
	static const char *const names[] = { "alice", "bob" };
	static const char *const pw[] = { "wonderland", "builder" };
	struct sip_core_cfg	 cfg;
	struct addr		 mine;

	rng_xoshiro_seed(&xs, 9);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse("127.0.0.1:5060", 0, &cfg.self);
	/* an address of this host's besides loopback */
	addr_parse("198.51.100.7:1", 0, &mine);
	cfg.local = &mine;
	cfg.nlocal = 1;
	core = sip_core_new(&cfg, &rng, NULL);
	sip_core_set_users(core, names, pw, 2);
	now = 5000000;
	cseq = 0;
	flow(&far, "192.0.2.10:5062");
	flow(&here, "198.51.100.7:5062");
}

static void
teardown(void)
{
	sip_core_free(core);
}

/*
 * A REGISTER for user's AOR from f, with an Authorization value (NULL:
 * none); the status it got and, for a 401, the challenge in ch.
 */
static unsigned
reg(const struct sip_flow *f, const char *user, const char *authz,
    char *ch, size_t chmax)
{
	struct sip_core_action	 a;
	struct sip_msg		 m;
	const struct sip_hdr	*h;
	char			 buf[2048];
	const char		*why;
	size_t			 used;
	unsigned		 status = 0;

	cseq++;
	snprintf(buf, sizeof buf, "REGISTER sip:" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKa%u\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:%s@" DOM ">;tag=r\r\n"
	    "To: <sip:%s@" DOM ">\r\nCall-ID: auth1\r\nCSeq: %u REGISTER\r\n"
	    "%s%s%sContact: <sip:%s@192.0.2.10:5062>\r\n\r\n", cseq, user,
	    user, cseq, authz != NULL ? "Authorization: " : "",
	    authz != NULL ? authz : "", authz != NULL ? "\r\n" : "", user);
	(void)sip_core_input(core, now, f, (uint8_t *)buf, strlen(buf), false,
	    &used);
	while (sip_core_next_action(core, &a)) {
		if (a.type == SIP_CORE_SEND) {
			ck_assert_int_eq(sip_msg_parse(&m, a.data, a.len, false,
			    &lim, &used, &why), 0);
			status = m.status;
			h = sip_msg_hdr_named(&m, "WWW-Authenticate", NULL);
			if (ch != NULL)
				snprintf(ch, chmax, "%.*s", h != NULL ?
				    (int)h->value.l : 0, h != NULL ?
				    h->value.p : "");
			sip_msg_clear(&m);
		}
		sip_core_action_clear(&a);
	}
	return status;
}

/* The value of name="..." in a challenge. */
static void
param(const char *ch, const char *name, char *out, size_t max)
{
	char		 key[32];
	const char	*p;

	snprintf(key, sizeof key, "%s=\"", name);
	p = strstr(ch, key);
	ck_assert_ptr_nonnull(p);
	p += strlen(key);
	snprintf(out, max, "%.*s", (int)strcspn(p, "\""), p);
}

/* The Authorization value for a challenge, for the digest-uri uri. */
static void
answer_uri(const char *ch, const char *user, const char *pw,
    const char *uri, char *out, size_t max)
{
	char	nonce[64], resp[65];

	param(ch, "nonce", nonce, sizeof nonce);
	ck_assert_int_eq(sip_auth_response("MD5", user, DOM, pw, "REGISTER",
	    uri, nonce, "00000001", "c0ffee", "auth", resp), 0);
	snprintf(out, max, "Digest username=\"%s\", realm=\"" DOM "\", "
	    "nonce=\"%s\", uri=\"%s\", response=\"%s\", "
	    "algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c0ffee\"", user,
	    nonce, uri, resp);
}

/* ... as a phone would make it, for the Request-URI. */
static void
answer(const char *ch, const char *user, const char *pw, char *out,
    size_t max)
{
	answer_uri(ch, user, pw, "sip:" DOM, out, max);
}

START_TEST(challenge_and_answer)
{
	char	ch[512], az[1024], realm[64];

	ck_assert_uint_eq(reg(&far, "alice", NULL, ch, sizeof ch), 401);
	param(ch, "realm", realm, sizeof realm);
	ck_assert_str_eq(realm, DOM);
	ck_assert_ptr_nonnull(strstr(ch, "qop=\"auth\""));
	answer(ch, "alice", "wonderland", az, sizeof az);
	ck_assert_uint_eq(reg(&far, "alice", az, NULL, 0), 200);
	ck_assert_uint_eq(sip_core_stats(core)->auth_challenged, 1);
	/* the wrong password: challenged again */
	answer(ch, "alice", "looking-glass", az, sizeof az);
	ck_assert_uint_eq(reg(&far, "alice", az, NULL, 0), 401);
	/* nobody of that name: the same answer */
	answer(ch, "carol", "wonderland", az, sizeof az);
	ck_assert_uint_eq(reg(&far, "carol", az, NULL, 0), 401);
	/* alice's password for bob's AOR (§22.4, §10.3 step 6) */
	answer(ch, "alice", "wonderland", az, sizeof az);
	ck_assert_uint_eq(reg(&far, "bob", az, NULL, 0), 403);
	/* a nonce we did not make */
	ck_assert_uint_eq(reg(&far, "alice", "Digest username=\"alice\", "
	    "realm=\"" DOM "\", nonce=\"0000000000000000000000000000000000000"
	    "000\", uri=\"sip:" DOM "\", response=\"0\"", NULL, 0), 401);
	/* a stale one: right password, but stale=true */
	answer(ch, "alice", "wonderland", az, sizeof az);
	now += (SIP_AUTH_NONCE_S + 1) * 1000ull;
	ck_assert_uint_eq(reg(&far, "alice", az, ch, sizeof ch), 401);
	ck_assert_ptr_nonnull(strstr(ch, "stale=true"));
	answer(ch, "alice", "wonderland", az, sizeof az);
	ck_assert_uint_eq(reg(&far, "alice", az, NULL, 0), 200);
}
END_TEST

START_TEST(bad_credentials)
{
	char	ch[512], az[1024];

	ck_assert_uint_eq(reg(&far, "alice", "Basic YWxpY2U6eA==", NULL, 0),
	    400);
	ck_assert_uint_eq(reg(&far, "alice", "Digest username=\"alice\", "
	    "realm=\"" DOM "\"", NULL, 0), 400);
	ck_assert_uint_eq(reg(&far, "alice", "Digest username=\"alice, "
	    "realm=x", NULL, 0), 400);
	ck_assert_uint_eq(reg(&far, "alice", NULL, ch, sizeof ch), 401);
	answer(ch, "alice", "wonderland", az, sizeof az);
	ck_assert_uint_eq(reg(&far, "alice", az, NULL, 0), 200);
	/* the registrar's address as the digest-uri, as sipp writes it */
	answer_uri(ch, "alice", "wonderland", "sip:127.0.0.1:5060", az,
	    sizeof az);
	ck_assert_uint_eq(reg(&far, "alice", az, NULL, 0), 200);
	/* the digest of a request to somewhere else */
	answer_uri(ch, "alice", "wonderland", "sip:example.org", az,
	    sizeof az);
	ck_assert_uint_eq(reg(&far, "alice", az, NULL, 0), 400);
}
END_TEST

START_TEST(this_host_and_no_users)
{
	/* loopback and this host's other addresses need no password */
	ck_assert_uint_eq(reg(&here, "carol", NULL, NULL, 0), 200);
	flow(&here, "127.0.0.1:5070");
	ck_assert_uint_eq(reg(&here, "dave", NULL, NULL, 0), 200);
	/* another domain: the registrar's 403, not a challenge */
	ck_assert_uint_eq(sip_core_stats(core)->auth_challenged, 0);
	sip_core_set_users(core, NULL, NULL, 0);
	ck_assert_uint_eq(reg(&far, "alice", NULL, NULL, 0), 403);
	ck_assert_uint_eq(sip_core_stats(core)->auth_refused, 1);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_auth");
	TCase	*tc = tcase_create("digest");

	tcase_add_test(tc, rfc2617_example);
	tcase_add_test(tc, rfc7616_example);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, challenge_and_answer);
	tcase_add_test(tc, bad_credentials);
	tcase_add_test(tc, this_host_and_no_users);
	suite_add_tcase(s, tc);
	return s;
}
