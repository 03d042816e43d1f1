/*
 * check_nat.c - the NAT core on a virtual clock: the STUN client's
 * retransmissions (RFC 8489 §6.2.1) and matching, the discovery of the
 * mapping and filtering behaviour (RFC 5780 §4.3, §4.4) behind modelled
 * NATs of each kind of RFC 4787, and the Binding server with its rate
 * limit.
 *
 * The model network: STUN servers answer what the core sends (an RFC
 * 5780 server from its other address and port when asked), a NAT maps
 * the core's socket per its mapping behaviour and lets answers through
 * per its filtering behaviour, remembering where the inside has sent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "addr.h"
#include "check_main.h"
#include "nat.h"
#include "nat_stunc.h"
#include "rng.h"
#include "stun.h"
#include "wire.h"

enum model_map { M_NONE, M_EI, M_AD, M_APD };
enum model_filt { F_EI, F_AD, F_APD };

#define SENT_MAX	32

struct model {
	enum model_map	 map;
	enum model_filt	 filt;
	struct addr	 host;		/* the core's socket */
	struct addr	 pub;		/* the NAT's public address */
	/* servers: [0] RFC 5780 at A1:P1 with A2:P2 when rfc5780 */
	struct addr	 srv[4];
	unsigned	 nsrv;
	bool		 rfc5780;
	bool		 dead[4];	/* never answers */
	bool		 ignore_change;	/* answers from where it was asked */
	struct addr	 sent[SENT_MAX];	/* where the inside sent to */
	unsigned	 nsent;
	unsigned	 packets;	/* sent by the core */
};

static struct rng_xoshiro	xs;
static struct rng		rng = { rng_xoshiro_fill, &xs };

static struct addr
ad(const char *s)
{
	struct addr	a;

	ck_assert_int_eq(addr_parse(s, 0, &a), 0);
	return a;
}

static void
model_init(struct model *m, enum model_map map, enum model_filt filt,
    bool rfc5780)
{
	memset(m, 0, sizeof *m);
	m->map = map;
	m->filt = filt;
	m->host = ad(map == M_NONE ? "198.51.100.7:3478" : "10.1.0.2:3478");
	m->pub = ad("198.51.100.7:3478");
	m->srv[0] = ad("203.0.113.10:3478");
	m->srv[1] = ad("203.0.113.20:3478");
	m->nsrv = 2;
	m->rfc5780 = rfc5780;
}

/* Where the NAT maps the socket's flow to `to'. */
static struct addr
model_mapped(struct model *m, const struct addr *to)
{
	struct addr	a = m->pub;

	if (m->map == M_AD)
		a.port = (uint16_t)(40000 + to->ip[3]);
	else if (m->map == M_APD)
		a.port = (uint16_t)(40000 + to->ip[3] * 4 + to->port % 4);
	return a;
}

static bool
model_passes(const struct model *m, const struct addr *from)
{
	unsigned	i;

	if (m->map == M_NONE || m->filt == F_EI)
		return true;
	for (i = 0; i < m->nsent; i++)
		if (m->filt == F_AD ? addr_ip_eq(&m->sent[i], from) :
		    addr_eq(&m->sent[i], from))
			return true;
	return false;
}

/* The server at `to' answers req; its answer's source goes to *from. */
static size_t
model_answer(struct model *m, const struct addr *to, const uint8_t *req,
    size_t len, uint8_t *out, struct addr *from)
{
	struct stun_msg		 q;
	struct stun_builder	 b;
	struct wbuf		 w;
	const struct stun_attr	*cr;
	struct addr		 other = ad("203.0.113.11:3479"), mapped;
	uint8_t			*p;
	size_t			 n;
	unsigned		 i, flags = 0;
	bool			 known = false, primary;

	for (i = 0; i < m->nsrv; i++)
		if (addr_ip_eq(to, &m->srv[i]) && !m->dead[i])
			known = true;
	primary = addr_ip_eq(to, &m->srv[0]) ||
	    (m->rfc5780 && addr_ip_eq(to, &other));
	if (!known && !(m->rfc5780 && addr_ip_eq(to, &other)))
		return 0;
	ck_assert_int_eq(stun_parse(&q, req, len), 0);
	ck_assert(stun_check_fingerprint(&q));
	if ((cr = stun_attr_find(&q, STUN_A_CHANGE_REQUEST)) != NULL)
		flags = cr->val[3];
	*from = *to;
	if (m->rfc5780 && primary && !m->ignore_change) {
		if (flags & STUN_CHANGE_IP)
			memcpy(from->ip, other.ip, 4);
		if (flags & STUN_CHANGE_PORT)
			from->port = addr_ip_eq(to, &other) ?
			    m->srv[0].port : other.port;
	}
	mapped = model_mapped(m, to);
	wbuf_init(&w, 576);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_SUCCESS, q.tid);
	stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, &mapped);
	if (m->rfc5780 && primary) {
		stun_build_addr(&b, STUN_A_RESPONSE_ORIGIN, from);
		stun_build_addr(&b, STUN_A_OTHER_ADDRESS, &other);
	}
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_end(&b), 0);
	p = wbuf_take(&w, &n);
	memcpy(out, p, n);
	free(p);
	return n;
}

/* Run the core and the model until the discovery is over (bounded). */
static int64_t
model_run(struct model *m, struct nat *n, int64_t now)
{
	struct nat_action	a;
	uint8_t			buf[576];
	struct addr		from;
	size_t			len;
	int			i;

	for (i = 0; i < 1000; i++) {
		while (nat_next_action(n, &a)) {
			if (a.type != NAT_ACT_SEND)
				continue;
			m->packets++;
			if (m->nsent < SENT_MAX)
				m->sent[m->nsent++] = a.to;
			len = model_answer(m, &a.to, a.buf, a.len, buf, &from);
			if (len > 0 && model_passes(m, &from))
				ck_assert(nat_input(n, now + 20, &from, buf,
				    len));
		}
		if (!nat_report(n)->probing)
			return now;
		now = nat_deadline(n);
		ck_assert(now < INT64_MAX);
		nat_tick(n, now);
	}
	ck_abort_msg("discovery did not end");
	return now;
}

static struct nat *
model_nat(struct model *m, bool use_servers)
{
	struct nat_cfg	 c;
	struct nat	*n;

	memset(&c, 0, sizeof c);
	c.serve = true;
	c.software = "p2psipd";
	c.serve_rate = 10;
	c.host = m->host;
	if (use_servers) {
		memcpy(c.servers, m->srv, m->nsrv * sizeof m->srv[0]);
		c.nservers = m->nsrv;
	}
	c.probe_interval_ms = 600000;
	c.stun.rto_ms = 250;
	c.stun.rc = 4;
	c.stun.rm = 4;
	ck_assert_int_eq(nat_new(&n, &c, &rng, NULL), 0);
	return n;
}

/* A discovery from scratch against the model: its report. */
static const struct nat_report *
discover(struct model *m)
{
	static struct nat_report	 rep;
	struct nat			*n;

	n = model_nat(m, true);
	nat_probe(n, 1000);
	ck_assert(nat_report(n)->probing);
	model_run(m, n, 1000);
	rep = *nat_report(n);
	nat_free(n);
	return &rep;
}

START_TEST(stunc_retransmits)
{
	struct nat_stunc_cfg	 c = { 500, 7, 16 };
	struct nat_stunc	*s;
	struct nat_stunc_action	 a;
	struct addr		 srv = ad("203.0.113.10:3478");
	static const int64_t	 want[] = { 0, 500, 1500, 3500, 7500, 15500,
				    31500 };
	int64_t			 now = 0;
	unsigned		 sends = 0;
	struct stun_msg		 q;

	rng_xoshiro_seed(&xs, 1);
	ck_assert_int_eq(nat_stunc_new(&s, &c, &rng), 0);
	ck_assert_int_eq(nat_stunc_binding(s, 0, &srv, 0, 42), 0);
	ck_assert_int_eq(nat_stunc_pending(s), 1);
	for (;;) {
		while (nat_stunc_next_action(s, &a)) {
			if (a.type == NAT_STUNC_SEND) {
				ck_assert_int_lt(sends, 7);
				ck_assert_int_eq(now, want[sends]);
				ck_assert(addr_eq(&a.to, &srv));
				ck_assert_int_eq(stun_parse(&q, a.buf, a.len),
				    0);
				ck_assert_int_eq(q.cls, STUN_REQUEST);
				ck_assert(stun_check_fingerprint(&q));
				sends++;
				continue;
			}
			/* §6.2.1: Rm * RTO after the last request */
			ck_assert_int_eq(a.res.error, ETIMEDOUT);
			ck_assert_int_eq(a.res.cookie, 42);
			ck_assert_int_eq(now, 39500);
			ck_assert_int_eq(sends, 7);
			ck_assert_int_eq(nat_stunc_pending(s), 0);
			ck_assert_int_eq(nat_stunc_deadline(s), INT64_MAX);
			nat_stunc_free(s);
			return;
		}
		now = nat_stunc_deadline(s);
		ck_assert_int_le(now, 39500);
		nat_stunc_tick(s, now);
	}
}
END_TEST

START_TEST(stunc_matches)
{
	struct nat_stunc_cfg	 c = { 500, 7, 16 };
	struct nat_stunc	*s;
	struct nat_stunc_action	 a;
	struct addr		 srv = ad("203.0.113.10:3478"), other, m;
	struct stun_msg		 q;
	struct stun_builder	 b;
	struct wbuf		 w;
	uint8_t			 req[576], tid[STUN_TID_LEN], *p;
	size_t			 len, n;

	rng_xoshiro_seed(&xs, 2);
	ck_assert_int_eq(nat_stunc_new(&s, &c, &rng), 0);
	ck_assert_int_eq(nat_stunc_binding(s, 100, &srv, STUN_CHANGE_PORT, 7),
	    0);
	ck_assert(nat_stunc_next_action(s, &a));
	memcpy(req, a.buf, a.len);
	len = a.len;
	ck_assert_int_eq(stun_parse(&q, req, len), 0);
	ck_assert_ptr_nonnull(stun_attr_find(&q, STUN_A_CHANGE_REQUEST));
	ck_assert_int_eq(stun_attr_find(&q, STUN_A_CHANGE_REQUEST)->val[3],
	    STUN_CHANGE_PORT);
	/* not STUN, a request, another transaction: not ours */
	ck_assert(!nat_stunc_input(s, 150, &srv, (const uint8_t *)"OPTIONS",
	    7));
	ck_assert(!nat_stunc_input(s, 150, &srv, req, len));
	memcpy(tid, q.tid, sizeof tid);
	tid[0] ^= 1;
	m = ad("198.51.100.7:40001");
	wbuf_init(&w, 576);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_SUCCESS, tid);
	stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, &m);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert(!nat_stunc_input(s, 150, &srv, w.p, w.len));
	wbuf_clear(&w);
	/* the right one, from another port: taken, fields decoded */
	other = ad("203.0.113.10:3479");
	wbuf_init(&w, 576);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_SUCCESS, q.tid);
	stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, &m);
	stun_build_addr(&b, STUN_A_RESPONSE_ORIGIN, &other);
	stun_build_addr(&b, STUN_A_OTHER_ADDRESS, &other);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_end(&b), 0);
	p = wbuf_take(&w, &n);
	/* a bad FINGERPRINT first: not taken */
	p[n - 1] ^= 1;
	ck_assert(!nat_stunc_input(s, 160, &other, p, n));
	p[n - 1] ^= 1;
	ck_assert(nat_stunc_input(s, 160, &other, p, n));
	ck_assert(nat_stunc_next_action(s, &a));
	ck_assert_int_eq(a.type, NAT_STUNC_RESULT);
	ck_assert_int_eq(a.res.error, 0);
	ck_assert_int_eq(a.res.cookie, 7);
	ck_assert_int_eq(a.res.rtt_ms, 60);
	ck_assert(addr_eq(&a.res.mapped, &m));
	ck_assert(addr_eq(&a.res.from, &other));
	ck_assert(addr_eq(&a.res.origin, &other));
	ck_assert(addr_eq(&a.res.server, &srv));
	/* a second copy of the answer: the transaction is over */
	ck_assert(!nat_stunc_input(s, 170, &other, p, n));
	free(p);
	ck_assert_int_eq(nat_stunc_deadline(s), INT64_MAX);
	/* cancelled: no result ever */
	ck_assert_int_eq(nat_stunc_binding(s, 200, &srv, 0, 8), 0);
	nat_stunc_cancel(s, 8);
	while (nat_stunc_next_action(s, &a))
		ck_assert_int_eq(a.type, NAT_STUNC_SEND);
	ck_assert_int_eq(nat_stunc_pending(s), 0);
	nat_stunc_free(s);
}
END_TEST

START_TEST(behaviour_rfc5780)
{
	static const struct {
		enum model_map		map;
		enum model_filt		filt;
		enum nat_mapping	want_map;
		enum nat_filtering	want_filt;
	} t[] = {
		{ M_EI, F_EI, NAT_MAP_EI, NAT_FILT_EI },	/* full cone */
		{ M_EI, F_AD, NAT_MAP_EI, NAT_FILT_AD },
		{ M_EI, F_APD, NAT_MAP_EI, NAT_FILT_APD },	/* Linux */
		{ M_AD, F_AD, NAT_MAP_AD, NAT_FILT_AD },
		{ M_APD, F_APD, NAT_MAP_APD, NAT_FILT_APD },	/* symmetric */
		{ M_NONE, F_EI, NAT_MAP_NONE, NAT_FILT_EI },	/* public */
	};
	const struct nat_report	*r;
	struct model		 m;
	struct addr		 first;
	size_t			 i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		rng_xoshiro_seed(&xs, 10 + i);
		model_init(&m, t[i].map, t[i].filt, true);
		r = discover(&m);
		first = model_mapped(&m, &m.srv[0]);
		ck_assert_msg(r->mapping == t[i].want_map,
		    "case %zu: mapping %s", i, nat_mapping_name(r->mapping));
		ck_assert_msg(r->filtering == t[i].want_filt,
		    "case %zu: filtering %s", i,
		    nat_filtering_name(r->filtering));
		ck_assert(addr_eq(&r->reflexive, &first));
		ck_assert(addr_eq(&r->server, &m.srv[0]));
		ck_assert(r->server_rfc5780);
		ck_assert(!r->probing);
		ck_assert_str_eq(r->why, "");
	}
	/* a server that ignores CHANGE-REQUEST: filtering not claimed */
	model_init(&m, M_EI, F_APD, true);
	m.ignore_change = true;
	r = discover(&m);
	ck_assert_int_eq(r->filtering, NAT_FILT_UNKNOWN);
	ck_assert_int_eq(r->mapping, NAT_MAP_EI);
}
END_TEST

START_TEST(behaviour_two_servers)
{
	const struct nat_report	*r;
	struct model		 m;

	rng_xoshiro_seed(&xs, 20);
	model_init(&m, M_EI, F_APD, false);
	r = discover(&m);
	ck_assert_int_eq(r->mapping, NAT_MAP_EI);
	ck_assert_int_eq(r->filtering, NAT_FILT_UNKNOWN);
	ck_assert(!r->server_rfc5780);
	ck_assert_ptr_nonnull(strstr(r->why, "filtering unknown"));

	model_init(&m, M_APD, F_APD, false);
	r = discover(&m);
	ck_assert_int_eq(r->mapping, NAT_MAP_DEP);

	/* one server only: the address, no behaviour */
	model_init(&m, M_APD, F_APD, false);
	m.nsrv = 1;
	r = discover(&m);
	ck_assert_int_ne(r->reflexive.family, 0);
	ck_assert_int_eq(r->mapping, NAT_MAP_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(r->why, "no second STUN server"));

	/* the first server dead: the second gives the address */
	model_init(&m, M_EI, F_APD, false);
	m.dead[0] = true;
	r = discover(&m);
	ck_assert(addr_eq(&r->server, &m.srv[1]));
	ck_assert(addr_eq(&r->reflexive, &m.pub));

	/* both dead: nothing, and why */
	model_init(&m, M_EI, F_APD, false);
	m.dead[0] = m.dead[1] = true;
	r = discover(&m);
	ck_assert_int_eq(r->reflexive.family, 0);
	ck_assert_str_eq(r->why, "no STUN server answered");
}
END_TEST

START_TEST(peers_and_interval)
{
	struct model		 m;
	struct nat		*n;
	int64_t			 now;
	const struct nat_report	*r;

	rng_xoshiro_seed(&xs, 30);
	model_init(&m, M_EI, F_APD, false);
	n = model_nat(&m, false);
	/* no server yet: said so, and nothing sent */
	nat_probe(n, 0);
	r = nat_report(n);
	ck_assert(!r->probing);
	ck_assert_ptr_nonnull(strstr(r->why, "no overlay peer"));
	now = model_run(&m, n, 0);
	ck_assert_int_eq(m.packets, 0);
	/* the overlay's peers arrive: discovery starts by itself */
	nat_set_peers(n, 5000, m.srv, 2);
	ck_assert(r->probing);
	now = model_run(&m, n, 5000);
	ck_assert_int_eq(r->mapping, NAT_MAP_EI);
	ck_assert(addr_eq(&r->reflexive, &m.pub));
	/* the same peers again: no new discovery */
	nat_set_peers(n, now, m.srv, 2);
	ck_assert(!r->probing);
	/* again after the interval */
	ck_assert_int_eq(nat_deadline(n), r->done_at + 600000);
	nat_tick(n, r->done_at + 600000);
	ck_assert(r->probing);
	model_run(&m, n, r->done_at + 600000);
	ck_assert(!r->probing);
	nat_free(n);
}
END_TEST

START_TEST(peers_order)
{
	struct model		 m;
	struct nat		*n;
	struct nat_action	 a;
	struct addr		 p[3];
	const struct nat_report	*r;

	rng_xoshiro_seed(&xs, 31);
	model_init(&m, M_EI, F_APD, false);
	n = model_nat(&m, false);
	r = nat_report(n);
	/* a peer on our side of the NAT is asked last */
	p[0] = ad("10.1.0.3:3478");
	p[1] = m.srv[0];
	nat_set_peers(n, 0, p, 2);
	ck_assert(nat_next_action(n, &a));
	ck_assert(addr_eq(&a.to, &m.srv[0]));
	while (nat_next_action(n, &a))
		;
	nat_free(n);

	/* one public peer: the address, no behaviour; a second one
	 * arrives: discovery again, and the mapping is told */
	n = model_nat(&m, false);
	r = nat_report(n);
	nat_set_peers(n, 0, m.srv, 1);
	model_run(&m, n, 0);
	ck_assert_int_ne(r->reflexive.family, 0);
	ck_assert_int_eq(r->mapping, NAT_MAP_UNKNOWN);
	p[0] = m.srv[0];
	p[1] = ad("10.1.0.3:3478");	/* never answers */
	p[2] = m.srv[1];
	nat_set_peers(n, 10000, p, 3);
	ck_assert(r->probing);
	model_run(&m, n, 10000);
	ck_assert_int_eq(r->mapping, NAT_MAP_EI);
	nat_free(n);
}
END_TEST

static int
serve_one(struct nat *n, int64_t now, const struct addr *from,
    const uint8_t *req, size_t len, struct stun_msg *out, uint8_t *buf)
{
	struct nat_action	a;

	ck_assert(nat_input(n, now, from, req, len));
	if (!nat_next_action(n, &a))
		return ENOENT;
	ck_assert_int_eq(a.type, NAT_ACT_SEND);
	ck_assert(addr_eq(&a.to, from));
	memcpy(buf, a.buf, a.len);
	ck_assert_int_eq(stun_parse(out, buf, a.len), 0);
	return 0;
}

START_TEST(server)
{
	struct model		 m;
	struct nat		*n;
	struct stun_builder	 b;
	struct wbuf		 w;
	struct stun_msg		 r;
	struct addr		 from = ad("192.0.2.9:5060"), got,
				 other = ad("192.0.2.10:5060");
	uint8_t			 tid[STUN_TID_LEN] = { 1, 2, 3 }, buf[576],
				 flags[4] = { 0, 0, 0, STUN_CHANGE_IP };
	uint16_t		 unk[4];
	size_t			 nunk;
	unsigned		 i, ok = 0;

	model_init(&m, M_NONE, F_EI, false);
	n = model_nat(&m, false);
	/* not STUN: not the core's */
	ck_assert(!nat_input(n, 0, &from, (const uint8_t *)"\r\n\r\n", 4));
	wbuf_init(&w, 576);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert_int_eq(serve_one(n, 0, &from, w.p, w.len, &r, buf), 0);
	ck_assert_int_eq(r.cls, STUN_SUCCESS);
	ck_assert_int_eq(stun_get_addr(&r, STUN_A_XOR_MAPPED_ADDRESS, &got),
	    0);
	ck_assert(addr_eq(&got, &from));
	/* the rate limit: 10 a second from one source, then refused, then
	 * again as time goes; another source is not held back */
	for (i = 0; i < 20; i++)
		ok += serve_one(n, 0, &from, w.p, w.len, &r, buf) == 0;
	ck_assert_int_eq(ok, 9);
	ck_assert_int_eq(nat_report(n)->limited, 11);
	ck_assert_int_eq(serve_one(n, 0, &other, w.p, w.len, &r, buf), 0);
	ck_assert_int_eq(serve_one(n, 200, &from, w.p, w.len, &r, buf), 0);
	ck_assert_int_eq(serve_one(n, 200, &from, w.p, w.len, &r, buf), 0);
	ck_assert_int_eq(serve_one(n, 200, &from, w.p, w.len, &r, buf),
	    ENOENT);
	ck_assert_int_eq(nat_report(n)->answered, 13);
	wbuf_clear(&w);
	/* RFC 5780 §7.2: CHANGE-REQUEST is not done here: 420 */
	wbuf_init(&w, 576);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
	stun_build_attr(&b, STUN_A_CHANGE_REQUEST, flags, sizeof flags);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert_int_eq(serve_one(n, 5000, &from, w.p, w.len, &r, buf), 0);
	ck_assert_int_eq(r.cls, STUN_ERROR);
	ck_assert_int_eq(stun_get_unknown(&r, unk, 4, &nunk), 0);
	ck_assert_int_eq(nunk, 1);
	ck_assert_int_eq(unk[0], STUN_A_CHANGE_REQUEST);
	/* an answer nobody asked for: taken and dropped, counted */
	ck_assert(nat_input(n, 5000, &from, buf, r.len));
	ck_assert_int_eq(nat_report(n)->dropped, 1);
	wbuf_clear(&w);
	nat_free(n);
}
END_TEST

START_TEST(server_off)
{
	struct nat_cfg		 c;
	struct nat		*n;
	struct nat_action	 a;
	struct stun_builder	 b;
	struct wbuf		 w;
	struct addr		 from = ad("192.0.2.9:5060");
	uint8_t			 tid[STUN_TID_LEN] = { 9 };

	memset(&c, 0, sizeof c);
	c.serve_rate = 10;
	c.probe_interval_ms = 1000;
	c.stun.rto_ms = c.stun.rc = c.stun.rm = 1;
	ck_assert_int_eq(nat_new(&n, &c, &rng, NULL), 0);
	wbuf_init(&w, 576);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert(nat_input(n, 0, &from, w.p, w.len));
	ck_assert(!nat_next_action(n, &a));
	ck_assert_int_eq(nat_report(n)->dropped, 1);
	wbuf_clear(&w);
	nat_free(n);
	c.serve_rate = 0;
	ck_assert_int_eq(nat_new(&n, &c, &rng, NULL), EINVAL);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("nat");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, stunc_retransmits);
	tcase_add_test(tc, stunc_matches);
	tcase_add_test(tc, behaviour_rfc5780);
	tcase_add_test(tc, behaviour_two_servers);
	tcase_add_test(tc, peers_and_interval);
	tcase_add_test(tc, peers_order);
	tcase_add_test(tc, server);
	tcase_add_test(tc, server_off);
	suite_add_tcase(s, tc);
	return s;
}
