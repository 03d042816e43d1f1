/*
 * check_sip_reg.c - the registrar (RFC 3261 §10.3): bindings added,
 * refreshed, removed one by one and with "*", expiring; what it
 * refuses (stale CSeq, intervals too brief, foreign domains, unknown
 * extensions, too many contacts); and the AOR changes the daemon turns
 * into overlay registrations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "sip_msg.h"
#include "sip_reg.h"
#include "wire.h"

#define DOMAIN	"p2psipd.localhost"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT, 128 };
static struct sip_reg	*reg;

static void
setup(void)
{
	struct sip_reg_cfg	cfg = { .domain = DOMAIN, .max_contacts = 3 };

	reg = sip_reg_new(&cfg);
}

static void
teardown(void)
{
	sip_reg_free(reg);
}

/* REGISTER for user with the given extra header lines; its response. */
static unsigned
do_register(const char *user, const char *callid, unsigned cseq,
    const char *extra, char *resp, size_t max, uint64_t now_s)
{
	char		 buf[2048];
	struct sip_msg	 m;
	struct wbuf	 w;
	const char	*why;
	size_t		 used;
	unsigned	 st;

	snprintf(buf, sizeof buf, "REGISTER sip:" DOMAIN " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK%u\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:%s@" DOMAIN ">;tag=f\r\n"
	    "To: <sip:%s@" DOMAIN ">\r\n"
	    "Call-ID: %s\r\nCSeq: %u REGISTER\r\n%s"
	    "Content-Length: 0\r\n\r\n", cseq, user, user, callid, cseq,
	    extra);
	ck_assert_msg(sip_msg_parse(&m, (uint8_t *)buf, strlen(buf), false,
	    &lim, &used, &why) == 0, "%s", why);
	wbuf_init(&w, 1 << 16);
	st = sip_reg_register(reg, now_s, NULL, &m, "rt", &w);
	ck_assert(!w.err);
	snprintf(resp, max, "%.*s", (int)w.len, (const char *)w.p);
	wbuf_clear(&w);
	sip_msg_clear(&m);
	return st;
}

/* The changes since the last call: "+aor" or "-aor", space-separated. */
static void
changes(char *out, size_t max)
{
	const char	*aor;
	bool		 up;
	size_t		 n = 0;

	out[0] = '\0';
	while (sip_reg_next_change(reg, &aor, &up))
		n += (size_t)snprintf(out + n, max - n, "%s%c%s",
		    n ? " " : "", up ? '+' : '-', aor);
}

START_TEST(add_refresh_remove)
{
	char		 r[4096], ch[256];
	struct sip_reg_target	 c[4];

	ck_assert_uint_eq(do_register("alice", "c1", 1,
	    "Contact: <sip:alice@127.0.0.1:5062>\r\nExpires: 600\r\n", r,
	    sizeof r, 1000), 200);
	ck_assert(strstr(r, "Contact: <sip:alice@127.0.0.1:5062>;expires=600"
	    "\r\n") != NULL);
	ck_assert(strstr(r, "To: <sip:alice@" DOMAIN ">;tag=rt\r\n") != NULL);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "+alice@" DOMAIN);
	ck_assert_uint_eq(sip_reg_lookup(reg, 1000, "alice@" DOMAIN, c, 4), 1);
	ck_assert_str_eq(c[0].contact, "sip:alice@127.0.0.1:5062");
	/* a refresh: a higher CSeq; the same again is a retransmission,
	 * answered alike (stateless, §8.2.7); a lower one is stale (step 7) */
	ck_assert_uint_eq(do_register("alice", "c1", 2,
	    "Contact: <sip:alice@127.0.0.1:5062>;expires=300\r\n", r,
	    sizeof r, 1100), 200);
	ck_assert(strstr(r, ";expires=300") != NULL);
	ck_assert_uint_eq(do_register("alice", "c1", 2,
	    "Contact: <sip:alice@127.0.0.1:5062>;expires=300\r\n", r,
	    sizeof r, 1101), 200);
	ck_assert(strstr(r, ";expires=300") != NULL);
	ck_assert_uint_eq(do_register("alice", "c1", 1,
	    "Contact: <sip:alice@127.0.0.1:5062>\r\n", r, sizeof r, 1100),
	    500);
	ck_assert(strncmp(r, "SIP/2.0 500 Stale CSeq", 22) == 0);
	/* another phone, another Call-ID: two bindings, no change */
	ck_assert_uint_eq(do_register("alice", "c2", 1,
	    "Contact: <sip:alice@127.0.0.1:5064>\r\n", r, sizeof r, 1100), 200);
	ck_assert_uint_eq(sip_reg_lookup(reg, 1100, "alice@" DOMAIN, c, 4), 2);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "");
	/* a query lists both */
	ck_assert_uint_eq(do_register("alice", "c3", 1, "", r, sizeof r,
	    1100), 200);
	ck_assert(strstr(r, "5062>") != NULL && strstr(r, "5064>") != NULL);
	/* one removed, then the other: the AOR goes */
	ck_assert_uint_eq(do_register("alice", "c1", 3,
	    "Contact: <sip:alice@127.0.0.1:5062>;expires=0\r\n", r, sizeof r,
	    1200), 200);
	ck_assert(strstr(r, "5062>") == NULL && strstr(r, "5064>") != NULL);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "");
	ck_assert_uint_eq(do_register("alice", "c2", 2,
	    "Contact: <sip:alice@127.0.0.1:5064>\r\nExpires: 0\r\n", r,
	    sizeof r, 1200), 200);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "-alice@" DOMAIN);
	ck_assert_uint_eq(sip_reg_aors(reg), 0);
}
END_TEST

START_TEST(star_and_expiry)
{
	char	r[4096], ch[256];

	ck_assert_uint_eq(do_register("bob", "b1", 1,
	    "Contact: <sip:bob@127.0.0.1:5070>;expires=100, "
	    "<sip:bob@127.0.0.1:5071>;expires=200\r\n", r, sizeof r, 1000),
	    200);
	ck_assert_uint_eq(do_register("carol", "k1", 1,
	    "Contact: <sip:carol@127.0.0.1:5072>;expires=150\r\n", r,
	    sizeof r, 1000), 200);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "+bob@" DOMAIN " +carol@" DOMAIN);
	ck_assert_uint_eq(sip_reg_deadline(reg), 1100);
	sip_reg_expire(reg, 1099);
	ck_assert_uint_eq(sip_reg_aors(reg), 2);
	sip_reg_expire(reg, 1100);
	ck_assert_uint_eq(sip_reg_deadline(reg), 1150);
	sip_reg_expire(reg, 1150);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "-carol@" DOMAIN);
	/* "*" needs Expires: 0 and no other contact */
	ck_assert_uint_eq(do_register("bob", "b1", 2, "Contact: *\r\n", r,
	    sizeof r, 1160), 400);
	ck_assert(strncmp(r, "SIP/2.0 400 Bad Star Contact", 28) == 0);
	ck_assert_uint_eq(do_register("bob", "b1", 3,
	    "Contact: *\r\nExpires: 0\r\n", r, sizeof r, 1160), 200);
	changes(ch, sizeof ch);
	ck_assert_str_eq(ch, "-bob@" DOMAIN);
	ck_assert_uint_eq(sip_reg_deadline(reg), 1200);	/* stale: harmless */
	sip_reg_expire(reg, 1200);
	ck_assert_uint_eq(sip_reg_deadline(reg), UINT64_MAX);
}
END_TEST

START_TEST(refused)
{
	char		 buf[2048], r[4096];
	struct sip_msg	 m;
	struct wbuf	 w;
	const char	*why;
	size_t		 used;

	ck_assert_uint_eq(do_register("dave", "d1", 1,
	    "Contact: <sip:dave@127.0.0.1>;expires=30\r\n", r, sizeof r, 1000),
	    423);
	ck_assert(strstr(r, "Min-Expires: 60\r\n") != NULL);
	ck_assert_uint_eq(do_register("dave", "d1", 2,
	    "Require: gruu\r\nContact: <sip:dave@127.0.0.1>\r\n", r, sizeof r,
	    1000), 420);
	ck_assert(strstr(r, "Unsupported: gruu\r\n") != NULL);
	ck_assert_uint_eq(do_register("dave", "d1", 3,
	    "Contact: <sip:a@127.0.0.1:1>, <sip:a@127.0.0.1:2>, "
	    "<sip:a@127.0.0.1:3>, <sip:a@127.0.0.1:4>\r\n", r, sizeof r, 1000),
	    403);
	ck_assert_uint_eq(do_register("dave", "d1", 4,
	    "Contact: sip:a@127.0.0.1;expires=x\r\n", r, sizeof r, 1000), 400);
	ck_assert_uint_eq(sip_reg_aors(reg), 0);
	/* a foreign domain */
	snprintf(buf, sizeof buf, "REGISTER sip:example.org SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKx\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:e@example.org>;tag=f\r\n"
	    "To: <sip:e@example.org>\r\nCall-ID: e1\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <sip:e@127.0.0.1>\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(sip_msg_parse(&m, (uint8_t *)buf, strlen(buf), false,
	    &lim, &used, &why), 0);
	wbuf_init(&w, 1 << 16);
	ck_assert_uint_eq(sip_reg_register(reg, 1000, NULL, &m, "t", &w), 403);
	ck_assert(memcmp(w.p, "SIP/2.0 403 Forbidden (not this overlay's "
	    "domain)", 48) == 0);
	wbuf_clear(&w);
	sip_msg_clear(&m);
}
END_TEST

/* Many AORs: the hash grows, every one is found, listing covers all. */
START_TEST(many_aors)
{
	char				 user[32], r[4096], aor[64], con[64];
	struct sip_reg_binding_info	 bi;
	struct sip_reg_target		 c[2];
	unsigned			 i, n = 0;

	for (i = 0; i < 3000; i++) {
		snprintf(user, sizeof user, "u%u", i);
		snprintf(con, sizeof con, "Contact: <sip:u%u@127.0.0.1>\r\n",
		    i);
		ck_assert_uint_eq(do_register(user, "x", 1, con, r, sizeof r,
		    1000), 200);
	}
	ck_assert_uint_eq(sip_reg_aors(reg), 3000);
	for (i = 0; i < 3000; i++) {
		snprintf(aor, sizeof aor, "u%u@" DOMAIN, i);
		ck_assert_uint_eq(sip_reg_lookup(reg, 1000, aor, c, 2), 1);
	}
	for (i = 0; sip_reg_binding(reg, 1000, i, 0, &bi); i++)
		n++;
	ck_assert_uint_eq(n, 3000);
	ck_assert_uint_eq(bi.expires_in, 3600);	/* the default */
}
END_TEST

static Suite *
sip_reg_suite(void)
{
	Suite	*s = suite_create("sip_reg");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_refresh_remove);
	tcase_add_test(tc, star_and_expiry);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, many_aors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sip_reg_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
