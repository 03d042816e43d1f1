/*
 * fuzz_stun.c - libFuzzer target for the STUN codec (RFC 8489).  Parsing
 * never crashes or reads past the input, and a parsed message is what
 * stun_is_message says is STUN.  Every decoder runs on what parsed.  A
 * parsed message written again (its attributes, then MESSAGE-INTEGRITY,
 * -SHA256 and FINGERPRINT computed anew) parses to the same method,
 * class, id, attributes and unknown types, with integrity and
 * fingerprint right; writing that again gives the same bytes.  Every
 * input is also given to stun_binding_answer, whose answers must parse,
 * carry a right FINGERPRINT and the request's id.  Last, the NAT core
 * takes every input, once as a datagram at its Binding server and once
 * as the answer to a Binding request of its client whose transaction id
 * is the input's: whatever comes, it ends the transaction or ignores it,
 * and anything it then sends is STUN.  A TURN client allocating takes
 * it as the server's answer over UDP, and over TCP as a stream (twice,
 * so frames may span), and stays in a state it can be freed from.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "nat.h"
#include "nat_stunc.h"
#include "rng.h"
#include "ice.h"
#include "turn.h"
#include "stun.h"
#include "wire.h"

#define MAX_INPUT	4096

static void
decode_all(const struct stun_msg *m)
{
	static const uint16_t	 addrs[] = { STUN_A_MAPPED_ADDRESS,
	    STUN_A_XOR_MAPPED_ADDRESS, STUN_A_ALTERNATE_SERVER,
	    STUN_A_XOR_PEER_ADDRESS, STUN_A_XOR_RELAYED_ADDRESS };
	static const uint16_t	 texts[] = { STUN_A_USERNAME, STUN_A_REALM,
	    STUN_A_NONCE, STUN_A_SOFTWARE, STUN_A_ALTERNATE_DOMAIN };
	struct addr		 a;
	const char		*s;
	const uint8_t		*p;
	uint16_t		 u[8], alg;
	size_t			 i, n;
	unsigned		 code;

	for (i = 0; i < sizeof addrs / sizeof addrs[0]; i++)
		if (stun_get_addr(m, addrs[i], &a) == 0 &&
		    a.family != 4 && a.family != 6)
			abort();
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (stun_get_text(m, texts[i], &s, &n) == 0 &&
		    n > STUN_TEXT_MAX)
			abort();
	if (stun_get_error(m, &code, &s, &n) == 0 &&
	    (code < 300 || code > 699))
		abort();
	stun_get_unknown(m, u, 8, &n);
	stun_get_userhash(m, &p);
	stun_get_password_alg(m, &alg, &p, &n);
	stun_get_password_algs(m, u, 8, &n);
}

/* m's attributes, then integrity and fingerprint made with k. */
static void
rewrite(const struct stun_msg *m, const struct stun_key *k, struct wbuf *w)
{
	struct stun_builder	b;
	const struct stun_attr	*a;
	unsigned		i;

	wbuf_init(w, 2 * MAX_INPUT);
	stun_build_begin(&b, w, m->method, m->cls, m->tid);
	for (i = 0; i < m->nattrs; i++) {
		a = &m->attrs[i];
		if (a->type != STUN_A_MESSAGE_INTEGRITY &&
		    a->type != STUN_A_MESSAGE_INTEGRITY_SHA256 &&
		    a->type != STUN_A_FINGERPRINT)
			stun_build_attr(&b, a->type, a->val, a->len);
	}
	if (m->mi.val != NULL)
		stun_build_integrity(&b, k);
	if (m->mi256.val != NULL)
		stun_build_integrity_sha256(&b, k);
	if (m->fp.val != NULL)
		stun_build_fingerprint(&b);
	if (stun_build_end(&b) != 0)
		abort();
}

static bool
same_attr(const struct stun_attr *a, const struct stun_attr *b)
{
	if (a->type != b->type)
		return false;
	/* a truncated -SHA256 is written whole */
	if (a->type == STUN_A_MESSAGE_INTEGRITY_SHA256 ||
	    a->type == STUN_A_MESSAGE_INTEGRITY ||
	    a->type == STUN_A_FINGERPRINT)
		return true;
	return a->len == b->len && memcmp(a->val, b->val, a->len) == 0;
}

static void
roundtrip(const struct stun_msg *m, const struct stun_key *k)
{
	static struct stun_msg	m2;
	struct wbuf		w1, w2;
	unsigned		i;

	rewrite(m, k, &w1);
	if (stun_parse(&m2, w1.p, w1.len) != 0)
		abort();
	if (m2.method != m->method || m2.cls != m->cls ||
	    memcmp(m2.tid, m->tid, STUN_TID_LEN) != 0 ||
	    m2.nattrs != m->nattrs || m2.nunknown != m->nunknown ||
	    memcmp(m2.unknown, m->unknown, m->nunknown * 2) != 0)
		abort();
	for (i = 0; i < m->nattrs; i++)
		if (!same_attr(&m->attrs[i], &m2.attrs[i]))
			abort();
	if (m2.mi.val != NULL && stun_check_integrity(&m2, k) != 0)
		abort();
	if (m2.mi256.val != NULL && stun_check_integrity_sha256(&m2, k) != 0)
		abort();
	if (m2.fp.val != NULL && !stun_check_fingerprint(&m2))
		abort();
	rewrite(&m2, k, &w2);
	if (w1.len != w2.len || memcmp(w1.p, w2.p, w1.len) != 0)
		abort();
	wbuf_clear(&w1);
	wbuf_clear(&w2);
}

static void
answer(const uint8_t *data, size_t size, const struct addr *from)
{
	static struct stun_msg	r;
	struct addr		got;
	struct wbuf		w;
	int			rc;

	wbuf_init(&w, 1500);
	rc = stun_binding_answer(data, size, from, "fuzz", &w);
	if (rc == 0) {
		if (stun_parse(&r, w.p, w.len) != 0 ||
		    !stun_check_fingerprint(&r) ||
		    memcmp(r.tid, data + 8, STUN_TID_LEN) != 0 ||
		    r.method != STUN_BINDING)
			abort();
		if (r.cls == STUN_SUCCESS &&
		    (stun_get_addr(&r, STUN_A_XOR_MAPPED_ADDRESS, &got) != 0 ||
		    !addr_eq(&got, from)))
			abort();
		if (r.cls != STUN_SUCCESS && r.cls != STUN_ERROR)
			abort();
	} else if (rc != EBADMSG && rc != ENOMSG && rc != ENOTSUP)
		abort();
	wbuf_clear(&w);
}

/* The rng of the client: the transaction id is the input's. */
static void
tid_fill(void *buf, size_t len, void *arg)
{
	const uint8_t	*data = arg;

	memcpy(buf, data + 8, len);
}

static void
nat_core(const uint8_t *data, size_t size, const struct addr *from)
{
	struct nat_stunc_cfg	 c = { 500, 7, 16 };
	struct nat_cfg		 nc;
	struct nat_stunc	*sc;
	struct nat		*n;
	struct nat_stunc_action	 a;
	struct nat_action	 na;
	struct rng		 r = { tid_fill, (void *)data };
	bool			 taken;

	if (size < STUN_HDR_LEN)
		return;
	if (nat_stunc_new(&sc, &c, &r) != 0 ||
	    nat_stunc_binding(sc, 0, from, STUN_CHANGE_PORT, 1) != 0)
		abort();
	while (nat_stunc_next_action(sc, &a))
		;
	taken = nat_stunc_input(sc, 10, from, data, size);
	if (taken != (nat_stunc_pending(sc) == 0))
		abort();
	if (taken && (!nat_stunc_next_action(sc, &a) ||
	    a.type != NAT_STUNC_RESULT || a.res.cookie != 1))
		abort();
	nat_stunc_free(sc);

	memset(&nc, 0, sizeof nc);
	nc.serve = true;
	nc.serve_rate = 100;
	nc.probe_interval_ms = 1000;
	nc.stun = c;
	if (nat_new(&n, &nc, &r, NULL) != 0)
		abort();
	(void)nat_input(n, 0, from, data, size);
	while (nat_next_action(n, &na))
		if (na.type == NAT_ACT_SEND && !stun_is_message(na.buf, na.len))
			abort();
	nat_free(n);
}

static void
turn_core(const uint8_t *data, size_t size, const struct addr *server,
    bool tcp)
{
	struct turn_cfg		 c;
	struct turn		*t;
	struct turn_action	 a;
	struct rng		 r = { tid_fill, (void *)data };

	memset(&c, 0, sizeof c);
	c.server = *server;
	c.tcp = tcp;
	c.user = "lab";
	c.password = "labpass";
	c.stun.rto_ms = 500;
	c.stun.rc = 7;
	c.stun.rm = 16;
	if (turn_new(&t, &c, &r, NULL) != 0 || turn_allocate(t, 0) != 0)
		abort();
	(void)turn_input(t, 10, server, data, size);
	if (tcp)
		(void)turn_input(t, 10, server, data, size);
	while (turn_next_action(t, &a))
		if (a.type == TURN_ACT_SEND && a.len == 0)
			abort();
	turn_tick(t, 100000);
	while (turn_next_action(t, &a))
		;
	turn_free(t);
}

/* An ICE agent checking with a peer at from takes the input from the
 * peer, from elsewhere, and as media. */
static void
ice_core(const uint8_t *data, size_t size, const struct addr *from)
{
	struct ice_cfg		 c;
	struct ice		*ice;
	struct ice_cand		 rc;
	struct ice_action	*a = malloc(sizeof *a);
	struct rng_xoshiro	 xs;
	struct rng		 r = { rng_xoshiro_fill, &xs };
	struct addr		 other;

	if (a == NULL)
		abort();
	rng_xoshiro_seed(&xs, size);
	memset(&c, 0, sizeof c);
	c.controlling = size % 2 == 0;
	c.ncomp = 1;
	if (addr_parse("192.0.2.10:5000", 0, &c.host[0]) != 0 ||
	    addr_parse("192.0.2.77:7000", 0, &other) != 0 ||
	    ice_new(&ice, &c, &r, NULL) != 0)
		abort();
	ice_gather(ice, 0);
	memset(&rc, 0, sizeof rc);
	snprintf(rc.foundation, sizeof rc.foundation, "1");
	rc.component = 1;
	rc.addr = *from;
	rc.priority = ice_priority(ICE_HOST, 65535, 1);
	if (ice_set_remote(ice, 0, "peerufrag", "peerpasswordpeerpassword", &rc,
	    1) != 0)
		abort();
	ice_tick(ice, 0);
	(void)ice_input(ice, 10, 1, from, data, size);
	(void)ice_input(ice, 10, 1, &other, data, size);
	while (ice_next_action(ice, a))
		if (a->type == ICE_ACT_SEND && a->len == 0)
			abort();
	ice_tick(ice, 100000);
	while (ice_next_action(ice, a))
		;
	ice_free(ice);
	free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stun_msg	m;
	struct stun_key		k;
	struct addr		from4, from6;

	if (size > MAX_INPUT)
		return 0;
	if (stun_parse(&m, data, size) == 0) {
		if (!stun_is_message(data, size))
			abort();
		decode_all(&m);
		stun_check_fingerprint(&m);
		if (stun_key_short(&k, "VOkJxbRl1RmTxUk/WvJxBt") != 0)
			abort();
		stun_check_integrity(&m, &k);
		stun_check_integrity_sha256(&m, &k);
		roundtrip(&m, &k);
	}
	if (addr_parse("192.0.2.1:32853", 0, &from4) != 0 ||
	    addr_parse("[2001:db8::1]:5060", 0, &from6) != 0)
		abort();
	answer(data, size, &from4);
	answer(data, size, &from6);
	nat_core(data, size, &from4);
	ice_core(data, size, &from4);
	if (size >= STUN_HDR_LEN) {
		turn_core(data, size, &from4, false);
		turn_core(data, size, &from4, true);
	}
	return 0;
}
