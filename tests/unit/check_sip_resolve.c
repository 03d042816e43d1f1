/*
 * check_sip_resolve.c - RFC 3263 §4 target selection (sip_resolve.h)
 * against a made-up zone: a numeric host, an explicit port, a transport
 * parameter, NAPTR with its services filtered (SIPS only for sips:,
 * SIPS+D2T only with TLS, SCTP never) and ordered, no NAPTR (SRV per
 * transport), no SRV (A at the default port), SRV by priority and
 * weight (RFC 2782) into a failover list, AAAA, and the ways it ends
 * badly: a NAPTR loop, a chain too long, an answer too large, a server
 * that never answers, one that fails, and no server at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "rng.h"
#include "sip_resolve.h"
#include "sip_uri.h"

static struct rng_xoshiro	xs;
static struct rng		rng = { rng_xoshiro_fill, &xs };

/* One name's records of one type, or its failure. */
struct rr {
	enum sip_res_qtype	 type;
	const char		*name;
	int			 fail;		/* 0, ENOENT, ETIMEDOUT, EIO */
	unsigned		 n;
	struct sip_res_naptr	 naptr[40];
	struct sip_res_srv	 srv[40];
	const char		*addr[4];
};

#define ZONE_MAX	16
static struct rr	zone[ZONE_MAX];
static unsigned		nzone;
static char		asked[64][300];	/* "TYPE name", in order */
static unsigned		nasked;

static void
setup(void)
{
	rng_xoshiro_seed(&xs, 3);
	memset(zone, 0, sizeof zone);
	nzone = 0;
	nasked = 0;
}

static struct rr *
rr(enum sip_res_qtype type, const char *name)
{
	struct rr	*r = &zone[nzone++];

	ck_assert_uint_le(nzone, ZONE_MAX);
	r->type = type;
	r->name = name;
	return r;
}

static void
naptr(struct rr *r, uint16_t order, uint16_t pref, const char *flags,
    const char *service, const char *replacement)
{
	struct sip_res_naptr	*n = &r->naptr[r->n++];

	n->order = order;
	n->pref = pref;
	snprintf(n->flags, sizeof n->flags, "%s", flags);
	snprintf(n->service, sizeof n->service, "%s", service);
	snprintf(n->replacement, sizeof n->replacement, "%s", replacement);
}

static void
srv(struct rr *r, uint16_t prio, uint16_t weight, uint16_t port,
    const char *target)
{
	struct sip_res_srv	*s = &r->srv[r->n++];

	s->prio = prio;
	s->weight = weight;
	s->port = port;
	snprintf(s->target, sizeof s->target, "%s", target);
}

static void
a(enum sip_res_qtype type, const char *name, const char *ip)
{
	struct rr	*r = rr(type, name);

	r->addr[r->n++] = ip;
}

/* Resolve uri against the zone: its status; the targets as
 * "tp:addr,..." into out. */
static int
resolve(const char *uri, bool tls, bool ipv6, char *out, size_t max)
{
	struct sip_res_cfg	 cfg = { tls, ipv6 };
	struct sip_res_target	 t[SIP_RES_TARGETS_MAX];
	struct sip_res_query	 q;
	struct sip_res		*r;
	struct sip_uri		 u;
	struct addr		 ad[4];
	const char		*why;
	char			 b[ADDR_STRLEN];
	unsigned		 i, j, n, guard = 0;
	size_t			 l = 0;
	int			 st;

	ck_assert_int_eq(sip_uri_parse(&u, uri, strlen(uri)), 0);
	if ((st = sip_res_new(&r, &u, &cfg, &rng)) != 0)
		return -st;
	while (sip_res_next_query(r, &q)) {
		ck_assert_uint_lt(guard++, 100);
		snprintf(asked[nasked++ % 64], sizeof asked[0], "%s %s",
		    sip_res_qtype_name(q.type), q.name);
		for (i = 0; i < nzone; i++)
			if (zone[i].type == q.type &&
			    strcmp(zone[i].name, q.name) == 0)
				break;
		if (i == nzone) {
			sip_res_failed(r, ENOENT);
			continue;
		}
		if (zone[i].fail != 0) {
			sip_res_failed(r, zone[i].fail);
			continue;
		}
		switch (q.type) {
		case SIP_RES_NAPTR:
			sip_res_naptr(r, zone[i].naptr, zone[i].n);
			break;
		case SIP_RES_SRV:
			sip_res_srv(r, zone[i].srv, zone[i].n);
			break;
		case SIP_RES_A:
		case SIP_RES_AAAA:
			for (j = 0; j < zone[i].n; j++)
				ck_assert_int_eq(addr_parse_ip(zone[i].addr[j],
				    &ad[j]), 0);
			sip_res_addrs(r, ad, zone[i].n);
			break;
		}
	}
	st = sip_res_status(r, &why);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_ne(st, EINPROGRESS);
	n = sip_res_targets(r, t, SIP_RES_TARGETS_MAX);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		l += (size_t)snprintf(out + l, max - l, "%s%s:%s", i ? "," : "",
		    sip_txn_tp_name(t[i].tp), addr_str(&t[i].addr, b));
	sip_res_free(r);
	return st;
}

START_TEST(numeric_and_port)
{
	char	out[512];

	ck_assert_int_eq(resolve("sip:bob@192.0.2.1", false, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "UDP:192.0.2.1:5060");
	ck_assert_uint_eq(nasked, 0);
	ck_assert_int_eq(resolve("sips:bob@192.0.2.1", true, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "TLS:192.0.2.1:5061");
	ck_assert_int_eq(resolve("sip:bob@[2001:db8::1]:5070;transport=tcp",
	    false, false, out, sizeof out), 0);
	ck_assert_str_eq(out, "TCP:[2001:db8::1]:5070");
	/* §4.2: a name with a port: A only, that port */
	a(SIP_RES_A, "example.com", "192.0.2.7");
	ck_assert_int_eq(resolve("sip:bob@example.com:5080", false, false,
	    out, sizeof out), 0);
	ck_assert_str_eq(out, "UDP:192.0.2.7:5080");
	ck_assert_uint_eq(nasked, 1);
	ck_assert_str_eq(asked[0], "A example.com");
	/* a transport we do not have; sips without TLS */
	ck_assert_int_eq(resolve("sip:bob@example.com;transport=sctp", true,
	    false, out, sizeof out), -EINVAL);
	ck_assert_int_eq(resolve("sips:bob@example.com", false, false, out,
	    sizeof out), -EINVAL);
}
END_TEST

/* RFC 3263 §4.1's own example: SIPS+D2T first, then SIP+D2T, then
 * SIP+D2U; without TLS the first usable is TCP. */
START_TEST(naptr_rfc_example)
{
	struct rr	*r = rr(SIP_RES_NAPTR, "example.com");
	char		 out[512];

	naptr(r, 90, 50, "s", "SIP+D2T", "_sip._tcp.example.com");
	naptr(r, 100, 50, "s", "SIP+D2U", "_sip._udp.example.com");
	naptr(r, 50, 50, "s", "SIPS+D2T", "_sips._tcp.example.com");
	naptr(r, 40, 50, "s", "SIP+D2S", "_sip._sctp.example.com");
	r = rr(SIP_RES_SRV, "_sip._tcp.example.com");
	srv(r, 0, 1, 5060, "server1.example.com");
	srv(r, 0, 2, 5060, "server2.example.com");
	r = rr(SIP_RES_SRV, "_sips._tcp.example.com");
	srv(r, 0, 0, 5061, "server1.example.com");
	a(SIP_RES_A, "server1.example.com", "192.0.2.1");
	a(SIP_RES_A, "server2.example.com", "192.0.2.2");
	ck_assert_int_eq(resolve("sip:user@example.com", false, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(asked[0], "NAPTR example.com");
	ck_assert_str_eq(asked[1], "SRV _sip._tcp.example.com");
	/* both servers, for failover, in an order RFC 2782 allows */
	ck_assert(strcmp(out, "TCP:192.0.2.1:5060,TCP:192.0.2.2:5060") == 0 ||
	    strcmp(out, "TCP:192.0.2.2:5060,TCP:192.0.2.1:5060") == 0);
	/* with TLS: SIPS+D2T (order 50) */
	nasked = 0;
	ck_assert_int_eq(resolve("sip:user@example.com", true, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "TLS:192.0.2.1:5061");
	/* a sips: URI: SIPS services only */
	ck_assert_int_eq(resolve("sips:user@example.com", true, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "TLS:192.0.2.1:5061");
}
END_TEST

/* No NAPTR: SRV for each transport we have, the first that answers;
 * no SRV either: A at the default port (§4.2). */
START_TEST(no_naptr_no_srv)
{
	struct rr	*r;
	char		 out[512];

	r = rr(SIP_RES_SRV, "_sip._tcp.example.org");
	srv(r, 10, 0, 5070, "sip.example.org");
	a(SIP_RES_A, "sip.example.org", "198.51.100.4");
	ck_assert_int_eq(resolve("sip:carol@example.org", false, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "TCP:198.51.100.4:5070");
	ck_assert_str_eq(asked[0], "NAPTR example.org");
	ck_assert_str_eq(asked[1], "SRV _sip._udp.example.org");
	ck_assert_str_eq(asked[2], "SRV _sip._tcp.example.org");
	/* nothing but an A record */
	a(SIP_RES_A, "plain.example", "203.0.113.9");
	nasked = 0;
	ck_assert_int_eq(resolve("sip:dave@plain.example", true, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "UDP:203.0.113.9:5060");
	ck_assert_uint_eq(nasked, 5);	/* NAPTR, 3 SRV, A */
	/* a transport parameter: its SRV, then A */
	nasked = 0;
	ck_assert_int_eq(resolve("sip:dave@plain.example;transport=tcp", true,
	    false, out, sizeof out), 0);
	ck_assert_str_eq(asked[0], "SRV _sip._tcp.plain.example");
	ck_assert_str_eq(out, "TCP:203.0.113.9:5060");
	/* nothing at all */
	ck_assert_int_eq(resolve("sip:x@nowhere.example", true, false, out,
	    sizeof out), ENOENT);
	ck_assert_str_eq(out, "");
}
END_TEST

/* RFC 2782: lower priority first; within one, by weight at random
 * (weight 0 rarely first); "." means no service; AAAA too. */
START_TEST(srv_order_and_aaaa)
{
	struct rr	*r;
	char		 out[512];
	unsigned	 k, heavy_first = 0;

	r = rr(SIP_RES_SRV, "_sip._udp.example.net");
	srv(r, 20, 0, 5060, "backup.example.net");
	srv(r, 10, 90, 5060, "heavy.example.net");
	srv(r, 10, 10, 5060, "light.example.net");
	a(SIP_RES_A, "backup.example.net", "192.0.2.30");
	a(SIP_RES_A, "heavy.example.net", "192.0.2.10");
	a(SIP_RES_A, "light.example.net", "192.0.2.20");
	a(SIP_RES_AAAA, "heavy.example.net", "2001:db8::10");
	for (k = 0; k < 200; k++) {
		ck_assert_int_eq(resolve("sip:e@example.net;transport=udp",
		    false, false, out, sizeof out), 0);
		/* the backup (priority 20) always last */
		ck_assert_ptr_nonnull(strstr(out, ",UDP:192.0.2.30:5060"));
		ck_assert_uint_eq(strlen(strstr(out, ",UDP:192.0.2.30:5060")),
		    strlen(",UDP:192.0.2.30:5060"));
		if (strncmp(out, "UDP:192.0.2.10:", 15) == 0)
			heavy_first++;
	}
	/* weight 90 of 100: first about 90% of the time */
	ck_assert_uint_gt(heavy_first, 150);
	ck_assert_uint_lt(heavy_first, 199);
	/* with IPv6: its AAAA after its A */
	ck_assert_int_eq(resolve("sip:e@example.net;transport=udp", false,
	    true, out, sizeof out), 0);
	ck_assert_ptr_nonnull(strstr(out, "UDP:[2001:db8::10]:5060"));
	/* "." : the service is not there (RFC 2782); then A */
	r = rr(SIP_RES_SRV, "_sip._udp.dot.example");
	srv(r, 0, 0, 0, ".");
	a(SIP_RES_A, "dot.example", "192.0.2.99");
	ck_assert_int_eq(resolve("sip:f@dot.example;transport=udp", false,
	    false, out, sizeof out), 0);
	ck_assert_str_eq(out, "UDP:192.0.2.99:5060");
}
END_TEST

/* NAPTR chains (RFC 2915 §4): followed, but a loop or too long a chain
 * ends it (503's reason), as does an answer too large; a server that
 * never answers, or fails. */
START_TEST(bad_dns)
{
	struct rr	*r;
	char		 out[512];
	unsigned	 i;

	/* a -> b -> a */
	r = rr(SIP_RES_NAPTR, "loop-a.example");
	naptr(r, 10, 10, "", "", "loop-b.example");
	r = rr(SIP_RES_NAPTR, "loop-b.example");
	naptr(r, 10, 10, "", "", "loop-a.example");
	ck_assert_int_eq(resolve("sip:u@loop-a.example", true, false, out,
	    sizeof out), ELOOP);
	/* a chain of 6 */
	r = rr(SIP_RES_NAPTR, "c1.example");
	naptr(r, 10, 10, "", "", "c2.example");
	r = rr(SIP_RES_NAPTR, "c2.example");
	naptr(r, 10, 10, "", "", "c3.example");
	r = rr(SIP_RES_NAPTR, "c3.example");
	naptr(r, 10, 10, "", "", "c4.example");
	r = rr(SIP_RES_NAPTR, "c4.example");
	naptr(r, 10, 10, "", "", "c5.example");
	r = rr(SIP_RES_NAPTR, "c5.example");
	naptr(r, 10, 10, "", "", "c6.example");
	ck_assert_int_eq(resolve("sip:u@c1.example", true, false, out,
	    sizeof out), ELOOP);
	/* one hop is fine */
	setup();
	r = rr(SIP_RES_NAPTR, "hop.example");
	naptr(r, 10, 10, "", "", "real.example");
	r = rr(SIP_RES_NAPTR, "real.example");
	naptr(r, 10, 10, "S", "sip+d2u", "_sip._udp.real.example");
	r = rr(SIP_RES_SRV, "_sip._udp.real.example");
	srv(r, 0, 0, 5090, "pbx.real.example");
	a(SIP_RES_A, "pbx.real.example", "192.0.2.50");
	ck_assert_int_eq(resolve("sip:u@hop.example", false, false, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "UDP:192.0.2.50:5090");
	/* an answer over the limit */
	r = rr(SIP_RES_SRV, "_sip._udp.big.example");
	for (i = 0; i < SIP_RES_RECORDS_MAX + 1; i++)
		srv(r, 0, 0, 5060, "x.big.example");
	ck_assert_int_eq(resolve("sip:u@big.example;transport=udp", false,
	    false, out, sizeof out), EMSGSIZE);
	/* no answer at all: it stops at once */
	r = rr(SIP_RES_NAPTR, "silent.example");
	r->fail = ETIMEDOUT;
	nasked = 0;
	ck_assert_int_eq(resolve("sip:u@silent.example", false, false, out,
	    sizeof out), ETIMEDOUT);
	ck_assert_uint_eq(nasked, 1);
	/* the server fails every query */
	r = rr(SIP_RES_NAPTR, "broken.example");
	r->fail = EIO;
	r = rr(SIP_RES_A, "broken.example");
	r->fail = EIO;
	ck_assert_int_eq(resolve("sip:u@broken.example", false, false, out,
	    sizeof out), EIO);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_resolve");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, numeric_and_port);
	tcase_add_test(tc, naptr_rfc_example);
	tcase_add_test(tc, no_naptr_no_srv);
	tcase_add_test(tc, srv_order_and_aaaa);
	tcase_add_test(tc, bad_dns);
	suite_add_tcase(s, tc);
	return s;
}
