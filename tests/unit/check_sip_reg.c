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

#include "check_main.h"
#include "sip_msg.h"
#include "sip_reg.h"
#include "wire.h"

#define DOMAIN	"p2psipd.localhost"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT, 128 };
static struct sip_reg	*reg;
static const struct sip_flow *reg_flow;	/* do_register's; NULL: none */

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
	static char	 buf[32768];
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
	st = sip_reg_register(reg, now_s, reg_flow, &m, "rt", &w);
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

#define INST	"\"<urn:uuid:82c986b9-7614-47a3-5fe3-df05fb5f28f9>\""

/*
 * RFC 5626 §6 (baresip with sipnat=outbound): the contact's parameters
 * parse, every one is kept and listed back; a REGISTER from a new
 * address or with a new Call-ID but the same instance and reg-id
 * replaces the binding; the 200 requires outbound.
 */
START_TEST(outbound_instance)
{
	char				 r[4096];
	struct sip_reg_target		 c[4];
	struct sip_reg_binding_info	 bi;
	struct sip_flow			 tcp;

	ck_assert_uint_eq(do_register("carol", "o1", 1, "Supported: gruu, "
	    "outbound, path\r\nContact: <sip:carol-0x1@127.0.0.1:5085>;"
	    "expires=300;+sip.instance=" INST ";reg-id=1\r\n", r, sizeof r,
	    1000), 200);
	ck_assert_msg(strstr(r, "Require: outbound\r\n") != NULL, "%s", r);
	/* RFC 5626 §5.4: how often to send keepalives (UDP: 29 s) */
	ck_assert_msg(strstr(r, "Flow-Timer: 29\r\n") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "Contact: <sip:carol-0x1@127.0.0.1:5085>;"
	    "+sip.instance=" INST ";reg-id=1;expires=300\r\n") != NULL, "%s",
	    r);
	ck_assert(sip_reg_binding(reg, 1000, 0, 0, &bi));
	ck_assert_str_eq(bi.instance, INST);
	ck_assert_uint_eq(bi.reg_id, 1);
	ck_assert_str_eq(bi.params, ";+sip.instance=" INST ";reg-id=1");
	ck_assert_uint_eq(sip_reg_lookup(reg, 1000, "carol@" DOMAIN, c, 4), 1);
	ck_assert(c[0].outbound);
	/* the phone restarts elsewhere: one binding, the new contact */
	ck_assert_uint_eq(do_register("carol", "o2", 1, "Supported: outbound"
	    "\r\nContact: <sip:carol-0x2@127.0.0.1:5087>;+sip.instance=" INST
	    ";reg-id=1\r\n", r, sizeof r, 1010), 200);
	ck_assert_uint_eq(sip_reg_lookup(reg, 1010, "carol@" DOMAIN, c, 4), 1);
	ck_assert_str_eq(c[0].contact, "sip:carol-0x2@127.0.0.1:5087");
	ck_assert(strstr(r, "5085") == NULL);
	/* a second flow (reg-id 2) of the instance: two bindings, one
	 * target, the one registered last (RFC 5626 §7) */
	ck_assert_uint_eq(do_register("carol", "o3", 1, "Supported: outbound"
	    "\r\nContact: <sip:carol-0x3@127.0.0.1:5089>;+sip.instance=" INST
	    ";reg-id=2\r\n", r, sizeof r, 1020), 200);
	ck_assert(strstr(r, "reg-id=1;") != NULL &&
	    strstr(r, "reg-id=2;") != NULL);
	ck_assert_uint_eq(sip_reg_lookup(reg, 1020, "carol@" DOMAIN, c, 4), 1);
	ck_assert_str_eq(c[0].contact, "sip:carol-0x3@127.0.0.1:5089");
	/* unregistering by instance and reg-id, whatever the URI */
	ck_assert_uint_eq(do_register("carol", "o3", 2, "Contact: <sip:x@"
	    "127.0.0.1:1>;+sip.instance=" INST ";reg-id=2;expires=0\r\n", r,
	    sizeof r, 1030), 200);
	ck_assert_uint_eq(sip_reg_lookup(reg, 1030, "carol@" DOMAIN, c, 4), 1);
	ck_assert_str_eq(c[0].contact, "sip:carol-0x2@127.0.0.1:5087");
	/* over TCP: keepalives every 120 s (RFC 5626 §4.4.1's bound) */
	memset(&tcp, 0, sizeof tcp);
	tcp.tp = SIP_TP_TCP;
	tcp.conn = 7;
	ck_assert_int_eq(addr_parse("127.0.0.1:40000", 0, &tcp.remote), 0);
	reg_flow = &tcp;
	ck_assert_uint_eq(do_register("carol", "o4", 1, "Supported: outbound"
	    "\r\nContact: <sip:carol-0x4@127.0.0.1:5091;transport=tcp>;"
	    "+sip.instance=" INST ";reg-id=3\r\n", r, sizeof r, 1040), 200);
	reg_flow = NULL;
	ck_assert_msg(strstr(r, "Flow-Timer: 120\r\n") != NULL, "%s", r);
}
END_TEST

/*
 * Linphone: "+sip.instance" without reg-id (RFC 5627): bound by the
 * instance, no outbound; a reg-id with no instance, or from behind
 * another hop, is ignored (RFC 5626 §6) or refused with 439.
 */
START_TEST(instance_without_outbound)
{
	char				 r[4096];
	struct sip_reg_target		 c[4];
	struct sip_reg_binding_info	 bi;

	ck_assert_uint_eq(do_register("dave", "l1", 20, "Supported: replaces,"
	    " outbound, gruu\r\nContact: <sip:dave@127.0.0.1:15090;transport="
	    "udp>;+sip.instance=" INST "\r\nExpires: 3600\r\n", r, sizeof r,
	    1000), 200);
	ck_assert(strstr(r, "Require:") == NULL);
	ck_assert(strstr(r, "Flow-Timer:") == NULL);
	ck_assert_uint_eq(do_register("dave", "l2", 21, "Contact: <sip:dave@"
	    "127.0.0.1:15092;transport=udp>;+sip.instance=" INST "\r\n", r,
	    sizeof r, 1000), 200);
	ck_assert_uint_eq(sip_reg_lookup(reg, 1000, "dave@" DOMAIN, c, 4), 1);
	ck_assert_str_eq(c[0].contact, "sip:dave@127.0.0.1:15092;"
	    "transport=udp");
	ck_assert(!c[0].outbound);
	/* reg-id without an instance: ignored, kept as a parameter */
	ck_assert_uint_eq(do_register("erin", "e1", 1, "Supported: outbound"
	    "\r\nContact: <sip:erin@127.0.0.1:5100>;reg-id=1\r\n", r,
	    sizeof r, 1000), 200);
	ck_assert(strstr(r, "Require:") == NULL);
	ck_assert(sip_reg_binding(reg, 1000, 1, 0, &bi));
	ck_assert_uint_eq(bi.reg_id, 0);
	ck_assert_str_eq(bi.params, ";reg-id=1");
	/* from behind another proxy (two Vias), no Path: 439 with
	 * Supported: outbound, else reg-id ignored */
	ck_assert_uint_eq(do_register("erin", "e2", 1, "Via: SIP/2.0/UDP "
	    "127.0.0.1:5200;branch=z9hG4bKx\r\nSupported: outbound\r\n"
	    "Contact: <sip:erin@127.0.0.1:5101>;+sip.instance=" INST
	    ";reg-id=1\r\n", r, sizeof r, 1000), 439);
	ck_assert(strncmp(r, "SIP/2.0 439 First Hop Lacks Outbound Support",
	    44) == 0);
	ck_assert_uint_eq(do_register("erin", "e3", 1, "Via: SIP/2.0/UDP "
	    "127.0.0.1:5200;branch=z9hG4bKx\r\nContact: <sip:erin@127.0.0.1:"
	    "5101>;+sip.instance=" INST ";reg-id=1\r\n", r, sizeof r, 1000),
	    200);
	ck_assert(strstr(r, "Require:") == NULL);
}
END_TEST

/* Contacts a registrar must refuse with a 400 naming the fault, and
 * nothing stored. */
START_TEST(bad_contacts)
{
	static char	big[12 * 1024], r[16384], extra[14 * 1024];
	size_t		n = 0;
	unsigned	i;

	ck_assert_uint_eq(do_register("fay", "f1", 1, "Contact: <sip:f@"
	    "127.0.0.1>;+sip.instance=" INST ";reg-id=1, <sip:f@127.0.0.2>;"
	    "+sip.instance=" INST ";reg-id=2\r\n", r, sizeof r, 1000), 400);
	ck_assert(strstr(r, "reg-id with several contacts") != NULL);
	ck_assert_uint_eq(do_register("fay", "f1", 2, "Contact: <sip:f@"
	    "127.0.0.1>;+sip.instance=\"urn:uuid:1\"\r\n", r, sizeof r, 1000),
	    400);
	ck_assert(strncmp(r, "SIP/2.0 400 Bad +sip.instance", 29) == 0);
	ck_assert_uint_eq(do_register("fay", "f1", 3, "Contact: <sip:f@"
	    "127.0.0.1>;+sip.instance=" INST ";reg-id=0\r\n", r, sizeof r,
	    1000), 400);
	ck_assert(strncmp(r, "SIP/2.0 400 Bad reg-id", 22) == 0);
	ck_assert_uint_eq(do_register("fay", "f1", 4, "Contact: <sip:f@"
	    "127.0.0.1>;+sip.instance=" INST ";reg-id=2147483648\r\n", r,
	    sizeof r, 1000), 400);
	ck_assert_uint_eq(do_register("fay", "f1", 5, "Contact: <sip:f@"
	    "127.0.0.1>;a=\"open\\\"\";b\r\n", r, sizeof r, 1000), 200);
	ck_assert(strstr(r, ";a=\"open\\\"\";b;expires=") != NULL);
	ck_assert_uint_eq(do_register("fay", "f1", 6, "Contact: <sip:f@"
	    "127.0.0.1>;expires=0\r\n", r, sizeof r, 1000), 200);
	ck_assert_uint_eq(do_register("fay", "f1", 7, "Contact: <sip:f@"
	    "127.0.0.1>;=x\r\n", r, sizeof r, 1000), 400);
	ck_assert(strncmp(r, "SIP/2.0 400 Bad Contact", 23) == 0);
	ck_assert_uint_eq(do_register("fay", "f1", 7, "Contact: <sip:f@"
	    "127.0.0.1>;a=\r\n", r, sizeof r, 1000), 400);
	ck_assert_uint_eq(do_register("fay", "f1", 7, "Contact: <sip:f@"
	    "127.0.0.1>;a=[::1\r\n", r, sizeof r, 1000), 400);
	/* a 10 KiB quoted string */
	big[n++] = '"';
	while (n < 10 * 1024)
		big[n++] = 'x';
	big[n++] = '"';
	big[n] = '\0';
	snprintf(extra, sizeof extra, "Contact: <sip:f@127.0.0.1>;p=%s\r\n",
	    big);
	ck_assert_uint_eq(do_register("fay", "f1", 8, extra, r, sizeof r,
	    1000), 400);
	ck_assert(strncmp(r, "SIP/2.0 400 Contact Parameters Too Long",
	    39) == 0);
	/* 200 parameters */
	n = (size_t)snprintf(extra, sizeof extra, "Contact: <sip:f@127.0.0.1>");
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ";p%u", i);
	snprintf(extra + n, sizeof extra - n, "\r\n");
	ck_assert_uint_eq(do_register("fay", "f1", 9, extra, r, sizeof r,
	    1000), 400);
	ck_assert(strncmp(r, "SIP/2.0 400 Too Many Contact Parameters",
	    39) == 0);
	ck_assert_uint_eq(sip_reg_aors(reg), 0);
}
END_TEST

/*
 * RFC 4475 §3.3.12-14: the torture REGISTERs for example.com, at a
 * registrar of that domain: they succeed, and the 200 keeps a contact
 * parameter out of the URI, a URI parameter and escaped headers in it.
 */
START_TEST(rfc4475_registers)
{
	static const struct {
		const char	*name;
		const char	*contact;
	} t[] = {
		{ "cparam01", "Contact: <sip:+19725552222@gw1.example.net>;"
		    "unknownparam;expires=3600\r\n" },
		{ "cparam02", "Contact: <sip:+19725552222@gw1.example.net;"
		    "unknownparam>;expires=3600\r\n" },
		{ "regescrt", "Contact: <sip:user@example.com?Route=%3Csip:"
		    "sip.example.com%3E>;expires=3600\r\n" },
	};
	struct sip_reg_cfg	 cfg = { .domain = "example.com" };
	struct sip_reg		*ex = sip_reg_new(&cfg);
	uint8_t			 buf[2048];
	char			 path[128], resp[4096];
	struct sip_msg		 m;
	struct wbuf		 w;
	const char		*why;
	FILE			*f;
	size_t			 len, used;
	unsigned		 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(path, sizeof path, "tests/data/rfc4475/%s.dat",
		    t[i].name);
		ck_assert((f = fopen(path, "rb")) != NULL);
		len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		ck_assert_int_eq(sip_msg_parse(&m, buf, len, false, &lim,
		    &used, &why), 0);
		wbuf_init(&w, 1 << 16);
		ck_assert_uint_eq(sip_reg_register(ex, 1000, NULL, &m, "t",
		    &w), 200);
		snprintf(resp, sizeof resp, "%.*s", (int)w.len,
		    (const char *)w.p);
		ck_assert_msg(strstr(resp, t[i].contact) != NULL, "%s: %s",
		    t[i].name, resp);
		wbuf_clear(&w);
		sip_msg_clear(&m);
	}
	sip_reg_free(ex);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_reg");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, add_refresh_remove);
	tcase_add_test(tc, star_and_expiry);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, many_aors);
	tcase_add_test(tc, outbound_instance);
	tcase_add_test(tc, instance_without_outbound);
	tcase_add_test(tc, bad_contacts);
	tcase_add_test(tc, rfc4475_registers);
	suite_add_tcase(s, tc);
	return s;
}
