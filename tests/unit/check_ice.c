/*
 * check_ice.c - the ICE agent (nat/ice.h, RFC 8445) on a virtual clock:
 * two agents on a model network, the one behind a NAT (endpoint-
 * independent mapping, address-and-port-dependent filtering) with a STUN
 * server outside.  They gather, check, nominate (regular nomination) and
 * send media on the selected pairs (and on the first valid pair before
 * one is selected, RFC 8445 §12.1); a server-reflexive pair is selected
 * where only it gets through; a peer-reflexive candidate is learned from
 * a check; a role conflict is settled (§7.3.1.1); checks with the wrong
 * username or integrity are dropped and counted; consent (RFC 7675) is
 * lost 30 s after the peer goes silent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "addr.h"
#include "check_main.h"
#include "ice.h"
#include "rng.h"
#include "stun.h"
#include "wire.h"

/* The model network: agent 0 (behind the NAT when nat), agent 1 public,
 * a STUN server. */
struct net {
	struct ice	*ag[2];
	struct addr	 host[2][ICE_COMP_MAX];
	bool		 nat;		/* agent 0 behind a NAT */
	struct addr	 pub[ICE_COMP_MAX];	/* its public side */
	struct addr	 sent[64];	/* where agent 0 has sent (filtering) */
	unsigned	 nsent;
	struct addr	 stun;
	bool		 silent[2];	/* drops all an agent sends */
	unsigned	 media[2];	/* media datagrams each got */
	int64_t		 now;
	unsigned	 ncomp;
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
net_init(struct net *n, bool nat, unsigned ncomp, bool controlling0,
    bool controlling1)
{
	struct ice_cfg	c;
	unsigned	i, k;

	memset(n, 0, sizeof *n);
	n->nat = nat;
	n->ncomp = ncomp;
	n->now = 1000;
	n->stun = ad("198.51.100.1:3478");
	for (k = 0; k < ncomp; k++) {
		n->host[0][k] = ad(nat ? "10.0.0.1:5000" : "198.51.100.5:5000");
		n->host[0][k].port = (uint16_t)(5000 + k);
		n->pub[k] = ad("203.0.113.1:5000");
		n->pub[k].port = (uint16_t)(7000 + k);
		n->host[1][k] = ad("198.51.100.2:6000");
		n->host[1][k].port = (uint16_t)(6000 + k);
	}
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof c);
		c.controlling = i == 0 ? controlling0 : controlling1;
		c.ncomp = ncomp;
		for (k = 0; k < ncomp; k++)
			c.host[k] = n->host[i][k];
		c.stun_server = n->stun;
		ck_assert_int_eq(ice_new(&n->ag[i], &c, &rng, NULL), 0);
	}
}

static void
net_free(struct net *n)
{
	ice_free(n->ag[0]);
	ice_free(n->ag[1]);
}

/* Agent i's component k: which one has address a as a host. */
static bool
net_host(const struct net *n, const struct addr *a, unsigned *i,
    unsigned *k)
{
	unsigned	x, y;

	for (x = 0; x < 2; x++)
		for (y = 0; y < n->ncomp; y++)
			if (addr_eq(&n->host[x][y], a) && (x == 1 || !n->nat)) {
				*i = x;
				*k = y;
				return true;
			}
	return false;
}

static void
net_deliver(struct net *n, unsigned i, unsigned k, const struct addr *from,
    const uint8_t *buf, size_t len)
{
	if (!ice_input(n->ag[i], n->now, k + 1, from, buf, len))
		n->media[i]++;
}

/* What agent i's component k sent to `to'. */
static void
net_route(struct net *n, unsigned i, unsigned k, const struct addr *to,
    const uint8_t *buf, size_t len)
{
	struct addr	src = n->host[i][k];
	uint8_t		out[600];
	struct wbuf	w;
	unsigned	j, c;

	if (n->silent[i])
		return;
	if (i == 0 && n->nat) {
		src = n->pub[k];
		if (n->nsent < 64)
			n->sent[n->nsent++] = *to;
	}
	if (addr_eq(to, &n->stun)) {
		wbuf_init(&w, sizeof out);
		if (stun_binding_answer(buf, len, &src, NULL, &w) == 0) {
			memcpy(out, w.p, w.len);
			net_deliver(n, i, k, &n->stun, out, w.len);
		}
		wbuf_clear(&w);
		return;
	}
	if (n->nat && i == 1) {
		for (c = 0; c < n->ncomp; c++)
			if (addr_eq(to, &n->pub[c]))
				break;
		if (c < n->ncomp) {
			/* APD filtering: only where agent 0 has sent */
			for (j = 0; j < n->nsent; j++)
				if (addr_eq(&n->sent[j], &src))
					break;
			if (j < n->nsent)
				net_deliver(n, 0, c, &src, buf, len);
			return;
		}
	}
	if (net_host(n, to, &j, &c))
		net_deliver(n, j, c, &src, buf, len);
}

/* Carry out both agents' actions until quiet. */
static void
net_pump(struct net *n)
{
	struct ice_action	*a = malloc(sizeof *a);
	bool			 more = true;
	unsigned		 i, rounds = 0;

	ck_assert_ptr_nonnull(a);
	while (more) {
		ck_assert_uint_lt(rounds++, 10000);
		more = false;
		for (i = 0; i < 2; i++)
			while (ice_next_action(n->ag[i], a)) {
				more = true;
				if (a->type == ICE_ACT_SEND)
					net_route(n, i, a->component - 1,
					    &a->to, a->buf, a->len);
			}
	}
	free(a);
}

/* Run the clock to t at most, stopping when done() holds. */
static void
net_run(struct net *n, int64_t until, bool (*done)(struct net *))
{
	int64_t		d;
	unsigned	i;

	net_pump(n);
	while (n->now < until && (done == NULL || !done(n))) {
		d = ice_deadline(n->ag[0]);
		if (ice_deadline(n->ag[1]) < d)
			d = ice_deadline(n->ag[1]);
		n->now = d > until ? until : d < n->now ? n->now : d;
		for (i = 0; i < 2; i++)
			ice_tick(n->ag[i], n->now);
		net_pump(n);
	}
}

static bool
both_gathered(struct net *n)
{
	return ice_state(n->ag[0]) == ICE_GATHERED &&
	    ice_state(n->ag[1]) == ICE_GATHERED;
}

static bool
both_done(struct net *n)
{
	return ice_state(n->ag[0]) >= ICE_COMPLETED &&
	    ice_state(n->ag[1]) >= ICE_COMPLETED;
}

/* Gather, swap candidates (agent 0 gets cands1 instead of agent 1's when
 * given), check until done holds (NULL: both are done). */
static void
net_connect_until(struct net *n, const struct ice_cand *cands1,
    unsigned ncands1, bool (*done)(struct net *))
{
	struct ice_cand	c[2][ICE_CANDS_MAX];
	unsigned	nc[2], i;

	ice_gather(n->ag[0], n->now);
	ice_gather(n->ag[1], n->now);
	net_run(n, n->now + 10000, both_gathered);
	ck_assert(both_gathered(n));
	for (i = 0; i < 2; i++)
		nc[i] = ice_local(n->ag[i], c[i]);
	ck_assert_int_eq(ice_set_remote(n->ag[0], n->now,
	    ice_ufrag(n->ag[1]), ice_pwd(n->ag[1]), cands1 != NULL ? cands1 :
	    c[1], cands1 != NULL ? ncands1 : nc[1]), 0);
	ck_assert_int_eq(ice_set_remote(n->ag[1], n->now,
	    ice_ufrag(n->ag[0]), ice_pwd(n->ag[0]), c[0], nc[0]), 0);
	net_run(n, n->now + 20000, done != NULL ? done : both_done);
}

static void
net_connect(struct net *n, const struct ice_cand *cands1, unsigned ncands1)
{
	net_connect_until(n, cands1, ncands1, NULL);
}

/* Media both ways on each component's selected pair. */
static void
media_flows(struct net *n)
{
	unsigned	k, i;

	for (k = 1; k <= n->ncomp; k++)
		for (i = 0; i < 2; i++)
			ck_assert_int_eq(ice_send(n->ag[i], n->now, k,
			    "\x80\x00media", 7), 0);
	net_pump(n);
	ck_assert_uint_eq(n->media[0], n->ncomp);
	ck_assert_uint_eq(n->media[1], n->ncomp);
}

static void
setup(void)
{
	rng_xoshiro_seed(&xs, 11);
}

/* Two public hosts, RTP and RTCP: host pairs, both complete. */
START_TEST(direct)
{
	struct net		n;
	struct ice_pair_info	p;
	struct ice_cand		c[ICE_CANDS_MAX];

	setup();
	net_init(&n, false, 2, true, false);
	ck_assert_int_eq(ice_send(n.ag[0], n.now, 1, "x", 1), ENOTCONN);
	net_connect(&n, NULL, 0);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	ck_assert_int_eq(ice_state(n.ag[1]), ICE_COMPLETED);
	/* host and srflx (the same address here: one candidate) */
	ck_assert_uint_eq(ice_local(n.ag[0], c), 2);
	ck_assert(ice_selected(n.ag[0], 1, &p));
	ck_assert_int_eq(p.local.type, ICE_HOST);
	ck_assert(addr_eq(&p.remote.addr, &n.host[1][0]));
	ck_assert(ice_selected(n.ag[1], 2, &p));
	ck_assert(addr_eq(&p.remote.addr, &n.host[0][1]));
	ck_assert(p.nominated);
	{
		struct addr	to;

		ck_assert(ice_direct(n.ag[1], 2, &to));
		ck_assert(addr_eq(&to, &n.host[0][1]));
		ck_assert(!ice_direct(n.ag[1], 3, &to));
	}
	media_flows(&n);
	ck_assert_uint_eq(ice_stats(n.ag[0])->dropped, 0);
	net_free(&n);
}
END_TEST

/* Behind an APD-filtering NAT: only the server-reflexive pair works.  The
 * controlling agent (1) does not wait for the host pair, which nothing
 * answers, to fail: it nominates within a second (ICE_NOMINATE_MS). */
START_TEST(behind_nat)
{
	struct net		n;
	struct ice_pair_info	p;
	struct ice_cand		c[ICE_CANDS_MAX];
	unsigned		nc, i, srflx = 0;
	int64_t			t0;

	setup();
	net_init(&n, true, 1, false, true);
	t0 = n.now;
	net_connect(&n, NULL, 0);
	ck_assert_int_lt(n.now - t0, 2000);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	ck_assert_int_eq(ice_state(n.ag[1]), ICE_COMPLETED);
	nc = ice_local(n.ag[0], c);
	for (i = 0; i < nc; i++)
		if (c[i].type == ICE_SRFLX) {
			srflx++;
			ck_assert(addr_eq(&c[i].addr, &n.pub[0]));
			ck_assert(addr_eq(&c[i].related, &n.host[0][0]));
			ck_assert_str_ne(c[i].foundation, c[0].foundation);
		}
	ck_assert_uint_eq(srflx, 1);
	/* agent 0's valid pair: its srflx candidate as the peer saw it */
	ck_assert(ice_selected(n.ag[0], 1, &p));
	ck_assert_int_eq(p.local.type, ICE_SRFLX);
	ck_assert(ice_selected(n.ag[1], 1, &p));
	ck_assert(addr_eq(&p.remote.addr, &n.pub[0]));
	media_flows(&n);
	net_free(&n);
}
END_TEST

static bool
usable1(struct net *n)
{
	struct ice_pair_info	p;

	return ice_usable(n->ag[1], 1, &p);
}

/* RFC 8445 §12.1: media goes on the first valid pair while the
 * controlling agent (1) still waits for the host pair to nominate; the
 * pair it selects later is that one. */
START_TEST(media_before_selection)
{
	struct net		n;
	struct ice_pair_info	p, q;

	setup();
	net_init(&n, true, 1, false, true);
	ck_assert(!ice_usable(n.ag[1], 1, &p));
	net_connect_until(&n, NULL, 0, usable1);
	ck_assert_int_eq(ice_state(n.ag[1]), ICE_CHECKING);
	ck_assert(!ice_selected(n.ag[1], 1, &q));
	ck_assert(ice_usable(n.ag[1], 1, &p));
	ck_assert(addr_eq(&p.remote.addr, &n.pub[0]));
	ck_assert(ice_from_valid(n.ag[1], 1, &n.pub[0]));
	ck_assert(!ice_from_valid(n.ag[1], 1, &n.host[0][0]));
	ck_assert_int_eq(ice_send(n.ag[1], n.now, 1, "\x80\x00media", 7), 0);
	net_pump(&n);
	ck_assert_uint_eq(n.media[0], 1);
	net_run(&n, n.now + 20000, both_done);
	ck_assert_int_eq(ice_state(n.ag[1]), ICE_COMPLETED);
	ck_assert(ice_selected(n.ag[1], 1, &q));
	ck_assert(addr_eq(&q.remote.addr, &p.remote.addr));
	net_free(&n);
}
END_TEST

/* Agent 1 signals a candidate that does not work; its checks show agent
 * 0 where it really is: a peer-reflexive remote candidate. */
START_TEST(peer_reflexive)
{
	struct net		n;
	struct ice_pair_info	p;
	struct ice_cand		bogus;

	setup();
	net_init(&n, false, 1, true, false);
	memset(&bogus, 0, sizeof bogus);
	snprintf(bogus.foundation, sizeof bogus.foundation, "x");
	bogus.component = 1;
	bogus.type = ICE_HOST;
	bogus.addr = ad("192.0.2.99:9");
	bogus.priority = ice_priority(ICE_HOST, 65535, 1);
	net_connect(&n, &bogus, 1);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	ck_assert(ice_selected(n.ag[0], 1, &p));
	ck_assert_int_eq(p.remote.type, ICE_PRFLX);
	ck_assert(addr_eq(&p.remote.addr, &n.host[1][0]));
	media_flows(&n);
	net_free(&n);
}
END_TEST

/* Both think they control: the tie-breakers settle it (§7.3.1.1). */
START_TEST(role_conflict)
{
	struct net	n;

	setup();
	net_init(&n, false, 1, true, true);
	net_connect(&n, NULL, 0);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	ck_assert_int_eq(ice_state(n.ag[1]), ICE_COMPLETED);
	ck_assert(ice_controlling(n.ag[0]) != ice_controlling(n.ag[1]));
	ck_assert_uint_gt(ice_stats(n.ag[0])->role_conflicts +
	    ice_stats(n.ag[1])->role_conflicts, 0);
	media_flows(&n);
	net_free(&n);
}
END_TEST

/* A check with another username, or the wrong password: no answer,
 * counted; garbage the same. */
START_TEST(bad_checks_dropped)
{
	struct net		 n;
	struct stun_builder	 b;
	struct stun_key		 k;
	struct wbuf		 w;
	uint8_t			 tid[STUN_TID_LEN] = { 1, 2, 3 };
	char			 user[64];
	struct addr		 from = ad("192.0.2.7:4000");
	struct ice_action	*a = malloc(sizeof *a);
	unsigned		 round;

	setup();
	ck_assert_ptr_nonnull(a);
	net_init(&n, false, 1, true, false);
	net_connect(&n, NULL, 0);
	while (ice_next_action(n.ag[0], a))
		;
	for (round = 0; round < 3; round++) {
		wbuf_init(&w, 600);
		stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
		snprintf(user, sizeof user, "%s:peer", round == 0 ? "nobody" :
		    ice_ufrag(n.ag[0]));
		stun_build_attr(&b, STUN_A_USERNAME, user, strlen(user));
		ck_assert_int_eq(stun_key_short(&k, round == 1 ?
		    "not-the-password-at-all" : ice_pwd(n.ag[0])), 0);
		if (round != 2)
			stun_build_integrity(&b, &k);
		stun_key_clear(&k);
		stun_build_fingerprint(&b);
		ck_assert_int_eq(stun_build_end(&b), 0);
		ck_assert(ice_input(n.ag[0], n.now, 1, &from, w.p, w.len));
		wbuf_clear(&w);
	}
	/* not STUN: media, the caller's */
	ck_assert(!ice_input(n.ag[0], n.now, 1, &from,
	    (const uint8_t *)"\x80\x00media", 7));
	ck_assert(!ice_next_action(n.ag[0], a));
	ck_assert_uint_eq(ice_stats(n.ag[0])->dropped, 3);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	/* bad remote credentials are refused */
	ck_assert_int_eq(ice_set_remote(n.ag[0], n.now, "ab", "x", NULL, 0),
	    EINVAL);
	free(a);
	net_free(&n);
}
END_TEST

/* RFC 7675: consent checks keep it; a silent peer loses it in 30 s. */
START_TEST(consent)
{
	struct net	n;
	int64_t		t;

	setup();
	net_init(&n, false, 1, true, false);
	net_connect(&n, NULL, 0);
	t = n.now;
	net_run(&n, t + 60000, NULL);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	ck_assert_int_eq(ice_state(n.ag[1]), ICE_COMPLETED);
	n.silent[1] = true;
	t = n.now;
	net_run(&n, t + 25000, NULL);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_COMPLETED);
	net_run(&n, t + 40000, NULL);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_FAILED);
	ck_assert_int_eq(ice_send(n.ag[0], n.now, 1, "x", 1), ENOTCONN);
	net_free(&n);
}
END_TEST

/* Nothing gets through: the checks end, the stream fails. */
START_TEST(no_path)
{
	struct net	n;

	setup();
	net_init(&n, false, 1, true, false);
	n.silent[0] = n.silent[1] = true;
	ice_gather(n.ag[0], n.now);
	ice_gather(n.ag[1], n.now);
	net_run(&n, n.now + 10000, both_gathered);
	{
		struct ice_cand	c[ICE_CANDS_MAX];
		unsigned	nc = ice_local(n.ag[1], c);

		ck_assert_int_eq(ice_set_remote(n.ag[0], n.now,
		    ice_ufrag(n.ag[1]), ice_pwd(n.ag[1]), c, nc), 0);
	}
	net_run(&n, n.now + 30000, NULL);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_FAILED);
	net_free(&n);
}
END_TEST

/* The STUN server never answers: gathering ends when told, with the
 * host candidate alone, and the checks go on. */
START_TEST(gather_end)
{
	struct net		n;
	struct ice_cand		c[ICE_CANDS_MAX];

	setup();
	net_init(&n, false, 1, true, false);
	ice_free(n.ag[0]);
	{
		struct ice_cfg	cf;

		memset(&cf, 0, sizeof cf);
		cf.controlling = true;
		cf.ncomp = 1;
		cf.host[0] = n.host[0][0];
		cf.stun_server = ad("192.0.2.250:3478");	/* nobody */
		ck_assert_int_eq(ice_new(&n.ag[0], &cf, &rng, NULL), 0);
	}
	ice_gather(n.ag[0], n.now);
	net_run(&n, n.now + 300, NULL);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_GATHERING);
	ice_gather_end(n.ag[0], n.now);
	ck_assert_int_eq(ice_state(n.ag[0]), ICE_GATHERED);
	ck_assert_uint_eq(ice_local(n.ag[0], c), 1);
	ck_assert_int_eq(c[0].type, ICE_HOST);
	net_free(&n);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ice");
	TCase	*tc = tcase_create("agent");

	tcase_add_test(tc, direct);
	tcase_add_test(tc, behind_nat);
	tcase_add_test(tc, media_before_selection);
	tcase_add_test(tc, peer_reflexive);
	tcase_add_test(tc, role_conflict);
	tcase_add_test(tc, bad_checks_dropped);
	tcase_add_test(tc, consent);
	tcase_add_test(tc, no_path);
	tcase_add_test(tc, gather_end);
	suite_add_tcase(s, tc);
	return s;
}
