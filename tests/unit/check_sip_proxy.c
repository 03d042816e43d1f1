/*
 * check_sip_proxy.c - the SIP node as a proxy (RFC 3261 §16) on a
 * virtual clock: a call from alice to bob's registered phone and back
 * (100, 180, 200, ACK and BYE along the Record-Route), forking with the
 * other branch cancelled, CANCEL from the caller, the best of several
 * failures, 408 when nobody answers, and the refusals: 404, 403, 483,
 * 482, 481; and what it relays for whom.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "rng.h"
#include "sip_auth.h"
#include "sip_core.h"
#include "sip_resolve.h"
#include "sip_msg.h"
#include "sipflow.h"
#include "stun.h"
#include "wire.h"

#define DOM	"p2psipd.localhost"
#define SELF	"127.0.0.1:5060"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT, 128 };
static struct rng_xoshiro	 xs;
static struct rng		 rng = { rng_xoshiro_fill, &xs };
static struct sip_core		*core;
static uint64_t			 now;
static struct sip_flow		 alice, bob1, bob2;

/* What the node sent: the messages, parsed, and where each went. */
struct sent {
	unsigned	 n;
	struct sip_msg	*m[16];
	struct sip_flow	 to[16];
	unsigned	 lookups;	/* LOOKUP actions */
	unsigned	 resolves;	/* RESOLVE actions (the last's cookie
					   and URI in cookie and aor) */
	unsigned	 calls;		/* CALL actions */
	unsigned	 call_status;	/* the last one's */
	uint64_t	 cookie;	/* the last one's */
	char		 aor[64];
	unsigned	 publishes;	/* PUBLISH actions */
	bool		 publish_up;	/* the last one's */
	char		 publish_aor[64];
};

static void
setup(void)
{
	struct sip_core_cfg	cfg;

	rng_xoshiro_seed(&xs, 5);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(SELF, 0, &cfg.self);
	core = sip_core_new(&cfg, &rng, NULL);
	now = 1000000;
	flow(&alice, "127.0.0.1:5062");
	flow(&bob1, "127.0.0.1:5064");
	flow(&bob2, "127.0.0.1:5066");
}

static void
drain(struct sent *s)
{
	struct sip_core_action	 a;
	const char		*why;
	size_t			 used;

	memset(s, 0, sizeof *s);
	while (sip_core_next_action(core, &a)) {
		if (a.type == SIP_CORE_CALL) {
			s->calls++;
			s->call_status = a.status;
			ck_assert_str_eq(a.from, "sip:alice@" DOM);
		}
		if (a.type == SIP_CORE_RESOLVE) {
			s->resolves++;
			s->cookie = a.cookie;
			snprintf(s->aor, sizeof s->aor, "%s", a.aor);
		}
		if (a.type == SIP_CORE_LOOKUP) {
			s->lookups++;
			s->cookie = a.cookie;
			snprintf(s->aor, sizeof s->aor, "%s", a.aor);
		}
		if (a.type == SIP_CORE_PUBLISH) {
			s->publishes++;
			s->publish_up = a.up;
			snprintf(s->publish_aor, sizeof s->publish_aor, "%s",
			    a.aor);
		}
		if (a.type == SIP_CORE_SEND && s->n < 16) {
			s->m[s->n] = sip_msg_new();
			ck_assert_msg(sip_msg_parse(s->m[s->n], a.data, a.len,
			    false, &lim, &used, &why) == 0, "%s: %.*s", why,
			    (int)a.len, (char *)a.data);
			s->to[s->n++] = a.flow;
		}
		sip_core_action_clear(&a);
	}
}

static void
sent_free(struct sent *s)
{
	unsigned	i;

	for (i = 0; i < s->n; i++)
		sip_msg_free(s->m[i]);
	s->n = 0;
}

static void
teardown(void)
{
	struct sent	s;

	drain(&s);
	sent_free(&s);
	sip_core_free(core);
}

static void
in(const struct sip_flow *f, const char *msg, struct sent *s)
{
	size_t	used;

	(void)sip_core_input(core, now, f, (const uint8_t *)msg, strlen(msg),
	    false, &used);
	drain(s);
}

static void
reg(const char *user, const struct sip_flow *f, int n)
{
	char		m[1024];
	struct sent	s;

	snprintf(m, sizeof m, "REGISTER sip:" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKr%d\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:%s@" DOM ">;tag=r\r\n"
	    "To: <sip:%s@" DOM ">\r\nCall-ID: reg%d\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <sip:%s@127.0.0.1:%u>\r\n\r\n", f->remote.port, n, user,
	    user, n, user, f->remote.port);
	in(f, m, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.m[0]->status, 200);
	sent_free(&s);
}

/* alice's INVITE (or another method) to ruri, with extra header lines. */
static char *
req(char *buf, size_t max, const char *method, const char *ruri,
    const char *branch, const char *extra)
{
	snprintf(buf, max, "%s %s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=%s;rport\r\n"
	    "%sFrom: <sip:alice@" DOM ">;tag=al\r\nTo: <sip:bob@" DOM ">\r\n"
	    "Call-ID: call1\r\nCSeq: 1 %s\r\n"
	    "Contact: <sip:alice@127.0.0.1:5062>\r\n\r\n", method, ruri,
	    branch, extra, method);
	return buf;
}

/* The phone's response to request m (as the proxy forwarded it). */
static char *
resp(char *buf, size_t max, const struct sip_msg *m, unsigned status,
    const char *tag)
{
	const struct sip_hdr	*h;
	size_t			 n;

	n = (size_t)snprintf(buf, max, "SIP/2.0 %u Whatever\r\n", status);
	for (h = sip_msg_hdr(m, SIP_HDR_VIA, NULL); h != NULL;
	    h = sip_msg_hdr(m, SIP_HDR_VIA, h))
		n += (size_t)snprintf(buf + n, max - n, "Via: %.*s\r\n",
		    (int)h->value.l, h->value.p);
	for (h = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL); h != NULL;
	    h = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, h))
		n += (size_t)snprintf(buf + n, max - n,
		    "Record-Route: %.*s\r\n", (int)h->value.l, h->value.p);
	snprintf(buf + n, max - n, "From: <sip:alice@" DOM ">;tag=al\r\n"
	    "To: <sip:bob@" DOM ">;tag=%s\r\nCall-ID: %.*s\r\n"
	    "CSeq: %u %.*s\r\nContact: <sip:bob@127.0.0.1:5064>\r\n\r\n",
	    tag, (int)m->call_id.l, m->call_id.p, m->cseq,
	    (int)m->cseq_method.l, m->cseq_method.p);
	return buf;
}

static const struct sip_msg *
to(const struct sent *s, const struct sip_flow *f, const char *method,
    unsigned status)
{
	unsigned	i;

	for (i = 0; i < s->n; i++)
		if (addr_eq(&s->to[i].remote, &f->remote) &&
		    (method != NULL ? s->m[i]->request &&
		    sip_pl_eq(&s->m[i]->method, method) :
		    s->m[i]->status == status))
			return s->m[i];
	return NULL;
}

/* A parsed copy of m (the proxy's messages go with each drain). */
static struct sip_msg *
copy(const struct sip_msg *m)
{
	struct sip_msg	*c = sip_msg_new();
	struct wbuf	 w;
	const char	*why;
	size_t		 used;

	wbuf_init(&w, 1 << 16);
	sip_msg_write(&w, m);
	ck_assert_int_eq(sip_msg_parse(c, w.p, w.len, true, &lim, &used,
	    &why), 0);
	wbuf_clear(&w);
	return c;
}

START_TEST(call_and_dialog)
{
	char			 b[4096], r[4096];
	struct sent		 s;
	const struct sip_msg	*inv, *m;
	struct sip_msg		*inv_copy, *bye;

	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKa1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 100));
	inv = to(&s, &bob1, "INVITE", 0);
	ck_assert_ptr_nonnull(inv);
	/* §16.6: the contact as Request-URI, our Via and Record-Route on
	 * top, one hop fewer */
	ck_assert(sip_pl_eq(&inv->ruri_str, "sip:bob@127.0.0.1:5064"));
	ck_assert_uint_eq(inv->nvia, 2);
	ck_assert(sip_pl_eq(&inv->via.host, "127.0.0.1") &&
	    inv->via.port == 5060);
	ck_assert(sip_pl_eq(&sip_msg_hdr(inv, SIP_HDR_RECORD_ROUTE,
	    NULL)->value, "<sip:" SELF ";lr;ice-sip>"));
	ck_assert_int_eq(inv->max_forwards, 69);
	inv_copy = copy(inv);
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, inv_copy, 180, "bt"), &s);
	m = to(&s, &alice, NULL, 180);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->nvia, 1);		/* ours taken off */
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, inv_copy, 200, "bt"), &s);
	m = to(&s, &alice, NULL, 200);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(s.calls, 1);		/* for the event stream */
	ck_assert_uint_eq(s.call_status, 200);
	ck_assert_ptr_nonnull(sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL));
	sent_free(&s);
	/* the 200 resent by bob: past the transactions, still to alice */
	in(&bob1, resp(r, sizeof r, inv_copy, 200, "bt"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	sent_free(&s);
	/* ACK and BYE follow the route set: our Route goes, bob's contact */
	in(&alice, req(b, sizeof b, "ACK", "sip:bob@127.0.0.1:5064",
	    "z9hG4bKa2", "Max-Forwards: 70\r\nRoute: <sip:" SELF ";lr>\r\n"),
	    &s);
	m = to(&s, &bob1, "ACK", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(sip_msg_hdr(m, SIP_HDR_ROUTE, NULL));
	ck_assert_uint_eq(m->nvia, 2);
	sent_free(&s);
	in(&alice, req(b, sizeof b, "BYE", "sip:bob@127.0.0.1:5064",
	    "z9hG4bKa3", "Max-Forwards: 70\r\nRoute: <sip:" SELF ";lr>\r\n"),
	    &s);
	m = to(&s, &bob1, "BYE", 0);
	ck_assert_ptr_nonnull(m);
	bye = copy(m);
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, bye, 200, "bt"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	sent_free(&s);
	sip_msg_free(bye);
	/* the BYE's record goes at once, the INVITE's is kept for its 2xx
	 * resent (RFC 6026 Timer L: 64 T1), then goes too */
	ck_assert_uint_eq(sip_core_forwards(core), 2);
	now += 1;
	sip_core_tick(core, now);
	ck_assert_uint_eq(sip_core_forwards(core), 1);
	ck_assert_uint_le(sip_core_deadline(core), now + 32000);
	in(&bob1, resp(r, sizeof r, inv_copy, 200, "bt"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	sent_free(&s);
	now += 32000;
	sip_core_tick(core, now);
	ck_assert_uint_eq(sip_core_forwards(core), 0);
	in(&bob1, resp(r, sizeof r, inv_copy, 200, "bt"), &s);
	ck_assert_ptr_null(to(&s, &alice, NULL, 200));
	sent_free(&s);
	sip_msg_free(inv_copy);
}
END_TEST

/* Two phones: both ring, one answers, the other is cancelled. */
START_TEST(forking)
{
	char		 b[4096], r[4096];
	struct sent	 s;
	struct sip_msg	*i1, *i2;

	reg("bob", &bob1, 1);
	reg("bob", &bob2, 2);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKf1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "INVITE", 0));
	ck_assert_ptr_nonnull(to(&s, &bob2, "INVITE", 0));
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	i2 = copy(to(&s, &bob2, "INVITE", 0));
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 180, "t1"), &s);
	sent_free(&s);
	in(&bob2, resp(r, sizeof r, i2, 180, "t2"), &s);
	sent_free(&s);
	in(&bob2, resp(r, sizeof r, i2, 200, "t2"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	/* §16.7 step 10: the ringing one is cancelled */
	ck_assert_ptr_nonnull(to(&s, &bob1, "CANCEL", 0));
	ck_assert(sip_pl_eq(&to(&s, &bob1, "CANCEL", 0)->via.branch,
	    "") == false);
	sent_free(&s);
	sip_msg_free(i1);
	sip_msg_free(i2);
}
END_TEST

/* The caller cancels: 200 to the CANCEL, CANCEL onward, 487 back. */
START_TEST(cancel)
{
	char		 b[4096], r[4096];
	struct sent	 s;
	struct sip_msg	*i1;

	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKc1",
	    "Max-Forwards: 70\r\n"), &s);
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 180, "t1"), &s);
	sent_free(&s);
	in(&alice, req(b, sizeof b, "CANCEL", "sip:bob@" DOM, "z9hG4bKc1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	ck_assert_ptr_nonnull(to(&s, &bob1, "CANCEL", 0));
	ck_assert(sip_pl_eq(&to(&s, &bob1, "CANCEL", 0)->via.branch,
	    "z9hG4bKc1") == false);
	ck_assert_uint_eq(to(&s, &bob1, "CANCEL", 0)->via.branch.l,
	    i1->via.branch.l);
	ck_assert(memcmp(to(&s, &bob1, "CANCEL", 0)->via.branch.p,
	    i1->via.branch.p, i1->via.branch.l) == 0);
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 487, "t1"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 487));
	ck_assert_ptr_nonnull(to(&s, &bob1, "ACK", 0));	/* our ICT's */
	sent_free(&s);
	/* cancelled before bob's phone said anything: the CANCEL waits
	 * for its first 1xx (§9.1) */
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKc2",
	    "Max-Forwards: 70\r\n"), &s);
	sip_msg_free(i1);
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "CANCEL", "sip:bob@" DOM, "z9hG4bKc2",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	ck_assert_ptr_null(to(&s, &bob1, "CANCEL", 0));
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 180, "t2"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "CANCEL", 0));
	sent_free(&s);
	/* a CANCEL for nothing: 481 */
	in(&alice, req(b, sizeof b, "CANCEL", "sip:bob@" DOM, "z9hG4bKzz",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 481));
	sent_free(&s);
	sip_msg_free(i1);
}
END_TEST

/* Both phones fail: the best failure (§16.7 step 6); nobody: 408. */
START_TEST(best_and_timeout)
{
	char		 b[4096], r[4096];
	struct sent	 s;
	struct sip_msg	*i1, *i2;
	uint64_t	 cookie;

	reg("bob", &bob1, 1);
	reg("bob", &bob2, 2);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKb1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	cookie = s.cookie;
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	i2 = copy(to(&s, &bob2, "INVITE", 0));
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 503, "t1"), &s);
	ck_assert_ptr_null(to(&s, &alice, NULL, 503));	/* not yet */
	sent_free(&s);
	in(&bob2, resp(r, sizeof r, i2, 486, "t2"), &s);
	/* not yet: bob may have phones at other peers */
	ck_assert_ptr_null(to(&s, &alice, NULL, 486));
	sent_free(&s);
	sip_core_lookup_done(core, now, cookie, NULL, NULL, 0, false);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 486));	/* 4xx < 5xx */
	ck_assert_uint_eq(s.calls, 1);
	ck_assert_uint_eq(s.call_status, 486);
	sent_free(&s);
	sip_msg_free(i1);
	sip_msg_free(i2);
	/* nobody answers at all: Timer B, 408 */
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKb2",
	    "Max-Forwards: 70\r\n"), &s);
	cookie = s.cookie;
	sent_free(&s);
	sip_core_lookup_done(core, now, cookie, NULL, NULL, 0, true);
	drain(&s);
	ck_assert_uint_eq(s.n, 0);	/* the phones here still may answer */
	sent_free(&s);
	while (sip_core_deadline(core) <= now + 40000) {
		now = sip_core_deadline(core);
		sip_core_tick(core, now);
		drain(&s);
		if (to(&s, &alice, NULL, 408) != NULL)
			break;
		sent_free(&s);
	}
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 408));
	sent_free(&s);
}
END_TEST

START_TEST(refused)
{
	char		 b[4096];
	struct sent	 s;

	/* nobody here: the overlay is asked; no registration there: 404 */
	in(&alice, req(b, sizeof b, "INVITE", "sip:nobody@" DOM, "z9hG4bKx1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	ck_assert_str_eq(s.aor, "nobody@" DOM);
	ck_assert_ptr_null(to(&s, &alice, NULL, 404));
	sip_core_lookup_done(core, now, s.cookie, NULL, NULL, 0, false);
	sent_free(&s);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 404));
	ck_assert_uint_eq(s.calls, 1);	/* for the event stream */
	ck_assert_uint_eq(s.call_status, 404);
	sent_free(&s);
	/* the overlay could not say: 480 */
	in(&alice, req(b, sizeof b, "INVITE", "sip:nobody@" DOM, "z9hG4bKx6",
	    "Max-Forwards: 70\r\n"), &s);
	sip_core_lookup_done(core, now, s.cookie, NULL, NULL, 0, true);
	sent_free(&s);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 480));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@example.org",
	    "z9hG4bKx2", "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 403));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:bob@" DOM, "z9hG4bKx3",
	    "Max-Forwards: 0\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 483));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:bob@" DOM, "z9hG4bKx4",
	    "Max-Forwards: 5\r\nVia: SIP/2.0/UDP " SELF ";branch=z9hG4bKo\r\n"),
	    &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 482));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "INVITE", "tel:+123", "z9hG4bKx5",
	    "Max-Forwards: 5\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 416));
	sent_free(&s);
}
END_TEST

/*
 * A phone at another daemon: the overlay gives that peer's contact, and
 * the request goes straight there; at the peer, the Request-URI naming
 * it finds its own phone.  Our own contact is never a target.
 */
START_TEST(through_the_overlay)
{
	static const char *const peer[] = { "sip:carol@" SELF,
	    "sip:carol@127.0.0.1:6070" };
	char			 b[4096];
	struct sent		 s;
	const struct sip_msg	*m;
	struct sip_flow		 p2;

	flow(&p2, "127.0.0.1:6070");
	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@" DOM, "z9hG4bKo1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	sip_core_lookup_done(core, now, s.cookie, peer, NULL, 2, false);
	sent_free(&s);
	drain(&s);
	m = to(&s, &p2, "INVITE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert(sip_pl_eq(&m->ruri_str, "sip:carol@127.0.0.1:6070"));
	ck_assert_ptr_null(to(&s, &alice, "INVITE", 0));
	ck_assert_uint_eq(s.n, 1);
	sent_free(&s);
	/* at the peer: sip:bob@SELF is bob's, registered here */
	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" SELF, "z9hG4bKo2",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 0);
	m = to(&s, &bob1, "INVITE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert(sip_pl_eq(&m->ruri_str, "sip:bob@127.0.0.1:5064"));
	sent_free(&s);
	/* and sip:nobody@SELF is not looked up again: 404 */
	in(&alice, req(b, sizeof b, "INVITE", "sip:nobody@" SELF, "z9hG4bKo3",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 0);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 404));
	sent_free(&s);
}
END_TEST

/*
 * bob has a phone here and one at another peer: the phone here rings at
 * once, the other once the overlay answers (§16.5: every contact); the
 * 2xx of one cancels the other (§16.7 step 10).
 */
START_TEST(here_and_there)
{
	static const char *const peer[] = { "sip:bob@127.0.0.1:6070" };
	char		 b[4096], r[4096];
	struct sent	 s;
	struct sip_flow	 p2;
	struct sip_msg	*i1, *i2;
	uint64_t	 cookie;

	flow(&p2, "127.0.0.1:6070");
	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKh1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	cookie = s.cookie;
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	ck_assert_ptr_null(to(&s, &p2, "INVITE", 0));
	sent_free(&s);
	sip_core_lookup_done(core, now, cookie, peer, NULL, 1, false);
	drain(&s);
	i2 = copy(to(&s, &p2, "INVITE", 0));
	ck_assert_ptr_null(to(&s, &bob1, "INVITE", 0));	/* not twice */
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 180, "t1"), &s);
	sent_free(&s);
	in(&p2, resp(r, sizeof r, i2, 180, "t2"), &s);
	sent_free(&s);
	in(&p2, resp(r, sizeof r, i2, 200, "t2"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	ck_assert_ptr_nonnull(to(&s, &bob1, "CANCEL", 0));
	sent_free(&s);
	sip_msg_free(i1);
	sip_msg_free(i2);
	/* the caller cancels while the overlay is asked: the phone here
	 * is cancelled, and no branch comes of the answer */
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKh2",
	    "Max-Forwards: 70\r\n"), &s);
	cookie = s.cookie;
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 180, "t3"), &s);
	sent_free(&s);
	in(&alice, req(b, sizeof b, "CANCEL", "sip:bob@" DOM, "z9hG4bKh2",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "CANCEL", 0));
	sent_free(&s);
	sip_core_lookup_done(core, now, cookie, peer, NULL, 1, false);
	drain(&s);
	ck_assert_ptr_null(to(&s, &p2, "INVITE", 0));
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, i1, 487, "t3"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 487));
	sent_free(&s);
	sip_msg_free(i1);
}
END_TEST

/*
 * An AOR this node publishes by destination list (RFC 7904 §3): with no
 * phone here, its requests go to the daemon's UA (sip:user@UA), also
 * those for user@DOMAIN (beside the overlay's other contacts); a phone
 * registered here comes first, and its registration is not published
 * while the destination list is; published again once it is not.
 */
START_TEST(destination_list)
{
	char			 b[4096];
	struct sent		 s;
	const struct sip_msg	*m;
	struct sip_flow		 ua;
	unsigned		 i;

	flow(&ua, "127.0.0.1:7000");
	/* hosted, but no UA known yet: nobody takes it */
	sip_core_host(core, now, "carol@" DOM, true);
	ck_assert(sip_core_hosts(core, "carol@" DOM));
	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@" SELF, "z9hG4bKd1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 404));
	sent_free(&s);
	sip_core_set_ua(core, &ua.remote);
	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@" SELF, "z9hG4bKd2",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 0);
	m = to(&s, &ua, "INVITE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert(sip_pl_eq(&m->ruri_str, "sip:carol@127.0.0.1:7000"));
	for (i = 0; s.m[i] != m; i++)
		;
	ck_assert_uint_eq(s.to[i].tp, SIP_TP_UDP);
	sent_free(&s);
	/* user@DOMAIN: the UA at once, and the overlay is asked */
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:carol@" DOM, "z9hG4bKd3",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	ck_assert_ptr_nonnull(to(&s, &ua, "MESSAGE", 0));
	sent_free(&s);
	/* another AOR, not hosted: 404 */
	in(&alice, req(b, sizeof b, "INVITE", "sip:dave@" SELF, "z9hG4bKd4",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 404));
	ck_assert_ptr_null(to(&s, &ua, "INVITE", 0));
	sent_free(&s);
	/* a phone registers carol here: not published, and it comes
	 * first */
	reg("carol", &bob1, 7);
	drain(&s);
	ck_assert_uint_eq(s.publishes, 0);
	sent_free(&s);
	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@" SELF, "z9hG4bKd5",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "INVITE", 0));
	ck_assert_ptr_null(to(&s, &ua, "INVITE", 0));
	sent_free(&s);
	/* no longer published by destination list: the phone's is */
	sip_core_host(core, now, "carol@" DOM, false);
	drain(&s);
	ck_assert_uint_eq(s.publishes, 1);
	ck_assert(s.publish_up);
	ck_assert_str_eq(s.publish_aor, "carol@" DOM);
	sent_free(&s);
	ck_assert(!sip_core_hosts(core, "carol@" DOM));
}
END_TEST

/* A REGISTER sent from elsewhere than the phone (§10.2.1): requests go
 * to the Contact's address, not back where the REGISTER came from. */
START_TEST(contact_not_source)
{
	char		 m[1024], b[4096];
	struct sent	 s;

	snprintf(m, sizeof m, "REGISTER sip:" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5066;branch=z9hG4bKr9\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:bob@" DOM ">;tag=r\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: reg9\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <sip:bob@127.0.0.1:5064>\r\n\r\n");
	in(&bob2, m, &s);
	ck_assert_uint_eq(s.m[0]->status, 200);
	sent_free(&s);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKn1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "INVITE", 0));
	ck_assert_ptr_null(to(&s, &bob2, "INVITE", 0));
	sent_free(&s);
}
END_TEST

/*
 * A phone behind a NAT (RFC 3581 §4, RFC 5626 §5.3): it registers its
 * private Contact itself (one Via naming the Contact's address) from
 * the NAT's mapping; the INVITE goes to the mapping, and our
 * Record-Route on its side carries the flow's token, so that the
 * requests inside the dialog take the flow too, whatever their
 * Request-URI says, from anyone (the dialog was let in).  A token
 * changed by a single digit is no token: the request goes by its
 * Request-URI, and from a stranger, to a phone, is refused.
 */
START_TEST(behind_a_nat)
{
	char			 m[1024], b[4096], route[512];
	struct sent		 s;
	const struct sip_msg	*i1;
	const struct sip_hdr	*rr;
	struct sip_flow		 nat, stranger;

	flow(&nat, "127.0.0.9:40000");		/* the NAT's mapping */
	flow(&stranger, "192.0.2.50:5060");
	snprintf(m, sizeof m, "REGISTER sip:" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKn1;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:bob@" DOM ">;tag=r\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: regn\r\nCSeq: 1 REGISTER\r\n"
	    "Contact: <sip:bob@10.0.0.5:5060>\r\n\r\n");
	in(&nat, m, &s);
	ck_assert_uint_eq(s.m[0]->status, 200);
	ck_assert(addr_eq(&s.to[0].remote, &nat.remote));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKn2",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(i1 = to(&s, &nat, "INVITE", 0));
	ck_assert(sip_pl_eq(&i1->ruri_str, "sip:bob@10.0.0.5:5060"));
	/* two Record-Routes: bob's side (his flow's token) on top */
	rr = sip_msg_hdr(i1, SIP_HDR_RECORD_ROUTE, NULL);
	ck_assert_ptr_nonnull(rr);
	ck_assert_uint_eq(rr->value.l, 5 + 68 + strlen("@" SELF ";lr;ice-sip>"));
	snprintf(route, sizeof route, "Max-Forwards: 70\r\n"
	    "Route: <sip:" SELF ";lr>\r\nRoute: %.*s\r\n", (int)rr->value.l,
	    rr->value.p);
	ck_assert_ptr_nonnull(sip_msg_hdr(i1, SIP_HDR_RECORD_ROUTE, rr));
	sent_free(&s);
	/* the ACK and the BYE, by the route set: on the flow */
	in(&alice, req(b, sizeof b, "ACK", "sip:bob@10.0.0.5:5060",
	    "z9hG4bKn3", route), &s);
	ck_assert_ptr_nonnull(to(&s, &nat, "ACK", 0));
	sent_free(&s);
	in(&stranger, req(b, sizeof b, "BYE", "sip:bob@10.0.0.5:5060",
	    "z9hG4bKn4", route), &s);
	ck_assert_ptr_nonnull(to(&s, &nat, "BYE", 0));
	sent_free(&s);
	/* the flow fails under a request the token sent there: 430 (RFC
	 * 5626 §5.3), not the 480 of a peer we cannot reach */
	in(&alice, req(b, sizeof b, "INFO", "sip:bob@10.0.0.5:5060",
	    "z9hG4bKn7", route), &s);
	ck_assert_ptr_nonnull(to(&s, &nat, "INFO", 0));
	sent_free(&s);
	sip_core_transport_error(core, now, &nat);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 430));
	sent_free(&s);
	/* a token not ours */
	route[strlen("Max-Forwards: 70\r\nRoute: <sip:" SELF ";lr>\r\n"
	    "Route: <sip:") + 3] ^= 1;
	in(&stranger, req(b, sizeof b, "BYE", "sip:bob@10.0.0.5:5060",
	    "z9hG4bKn5", route), &s);
	ck_assert_ptr_null(to(&s, &nat, "BYE", 0));
	ck_assert_ptr_nonnull(to(&s, &stranger, NULL, 403));
	sent_free(&s);
	in(&alice, req(b, sizeof b, "BYE", "sip:bob@10.0.0.5:5060",
	    "z9hG4bKn6", route), &s);
	ck_assert_ptr_null(to(&s, &nat, "BYE", 0));
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(addr_str(&s.to[0].remote, b), "10.0.0.5:5060");
	sent_free(&s);
}
END_TEST

/* §16.7 step 3: a response whose only Via is ours is not sent on; its
 * branch ends as one that timed out (408 when nothing better came). */
START_TEST(only_our_via)
{
	char		 b[4096], r[4096], *v2;
	struct sent	 s;
	struct sip_msg	*i1;
	uint64_t	 cookie;

	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKv1",
	    "Max-Forwards: 70\r\n"), &s);
	cookie = s.cookie;
	i1 = copy(to(&s, &bob1, "INVITE", 0));
	sent_free(&s);
	sip_core_lookup_done(core, now, cookie, NULL, NULL, 0, false);
	drain(&s);
	sent_free(&s);
	resp(r, sizeof r, i1, 486, "t1");
	/* drop the second Via line (alice's) */
	v2 = strstr(strstr(r, "Via: ") + 5, "Via: ");
	ck_assert_ptr_nonnull(v2);
	memmove(v2, strstr(v2, "\r\n") + 2, strlen(strstr(v2, "\r\n") + 2) + 1);
	in(&bob1, r, &s);
	ck_assert_ptr_null(to(&s, &alice, NULL, 486));
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 408));
	sent_free(&s);
	sip_msg_free(i1);
}
END_TEST

/* §18.1.1: a request over 1300 bytes goes on over TCP, its Via saying
 * so; but over UDP to a phone on this host, where the path MTU is
 * known. */
START_TEST(large_over_tcp)
{
	static const char *const peer[] = { "sip:carol@192.0.2.7:6070" };
	char			 b[8192], extra[2200];
	struct sent		 s;
	struct sip_flow		 p2;
	const struct sip_msg	*m;
	unsigned		 i;

	flow(&p2, "192.0.2.7:6070");
	p2.tp = SIP_TP_TCP;
	p2.conn = 0;
	snprintf(extra, sizeof extra, "Max-Forwards: 70\r\nX-Pad: ");
	for (i = strlen(extra); i < 1500; i++)
		extra[i] = 'p';
	memcpy(extra + i, "\r\n", 3);
	/* to a peer daemon the overlay named */
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:carol@" DOM, "z9hG4bKl1",
	    extra), &s);
	ck_assert_uint_eq(s.lookups, 1);
	sip_core_lookup_done(core, now, s.cookie, peer, NULL, 1, false);
	sent_free(&s);
	drain(&s);
	m = to(&s, &p2, "MESSAGE", 0);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < s.n && s.m[i] != m; i++)
		;
	ck_assert_int_eq(s.to[i].tp, SIP_TP_TCP);
	ck_assert(sip_pl_eq(&m->via.transport, "TCP"));
	sent_free(&s);
	/* a small one stays on UDP */
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:carol@" DOM, "z9hG4bKl2",
	    "Max-Forwards: 70\r\n"), &s);
	sip_core_lookup_done(core, now, s.cookie, peer, NULL, 1, false);
	sent_free(&s);
	drain(&s);
	p2.tp = SIP_TP_UDP;
	m = to(&s, &p2, "MESSAGE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert(sip_pl_eq(&m->via.transport, "UDP"));
	sent_free(&s);
	/* a large one to a phone registered here (loopback) stays on UDP */
	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:bob@" DOM, "z9hG4bKl3",
	    extra), &s);
	m = to(&s, &bob1, "MESSAGE", 0);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < s.n && s.m[i] != m; i++)
		;
	ck_assert_int_eq(s.to[i].tp, SIP_TP_UDP);
	ck_assert(sip_pl_eq(&m->via.transport, "UDP"));
	sent_free(&s);
}
END_TEST

/* ... and on a phone's own UDP flow (RFC 5626 §5.3: an outbound
 * registration, or a phone behind a NAT), which no TCP connection would
 * reach. */
START_TEST(large_on_own_flow)
{
	struct sip_core_cfg	 cfg;
	struct addr		 local;
	char			 b[8192], extra[2200];
	struct sent		 s;
	struct sip_flow		 ph;
	const struct sip_msg	*m;
	unsigned		 i;

	/* a registrar that takes the phone's REGISTER without Digest */
	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(SELF, 0, &cfg.self);
	addr_parse("198.51.100.9:1", 0, &local);
	cfg.local = &local;
	cfg.nlocal = 1;
	core = sip_core_new(&cfg, &rng, NULL);
	flow(&ph, "198.51.100.9:40000");
	snprintf(b, sizeof b, "REGISTER sip:" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 198.51.100.9:40000;branch=z9hG4bKo1;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:dave@" DOM ">;tag=r\r\n"
	    "To: <sip:dave@" DOM ">\r\nCall-ID: rego\r\nCSeq: 1 REGISTER\r\n"
	    "Supported: outbound\r\n"
	    "Contact: <sip:dave@198.51.100.9:40000;ob>;reg-id=1;"
	    "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000000000001>\""
	    "\r\n\r\n");
	in(&ph, b, &s);
	ck_assert_uint_eq(s.m[0]->status, 200);
	sent_free(&s);
	snprintf(extra, sizeof extra, "Max-Forwards: 70\r\nX-Pad: ");
	for (i = strlen(extra); i < 1500; i++)
		extra[i] = 'p';
	memcpy(extra + i, "\r\n", 3);
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:dave@" DOM, "z9hG4bKo2",
	    extra), &s);
	m = to(&s, &ph, "MESSAGE", 0);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < s.n && s.m[i] != m; i++)
		;
	ck_assert_int_eq(s.to[i].tp, SIP_TP_UDP);
	ck_assert(sip_pl_eq(&m->via.transport, "UDP"));
	sent_free(&s);
}
END_TEST

/*
 * A proxy peer ([interwork] proxy_peer): a request for another domain,
 * from a phone here or a peer of the overlay, goes where RFC 3263 says,
 * the next server after a 503 or an unreachable one (§4.3); DNS that
 * finds nothing gives 503, DNS that does not answer 408, both with the
 * reason; from anyone else, 403 and no DNS.
 */
START_TEST(proxy_peer)
{
	struct sip_core_cfg	 cfg;
	struct sip_res_target	 srv[3];
	char			 b[4096], r[4096], route[512];
	struct sent		 s;
	struct sip_flow		 s1, s2, s3, peer, stranger;
	const struct sip_msg	*m;
	const struct sip_hdr	*rr;
	struct sip_msg		*c;

	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(SELF, 0, &cfg.self);
	cfg.proxy_peer = true;
	core = sip_core_new(&cfg, &rng, NULL);
	flow(&s1, "192.0.2.10:5060");
	flow(&s2, "192.0.2.11:5070");
	s2.tp = SIP_TP_TCP;
	flow(&s3, "192.0.2.12:5060");
	flow(&stranger, "203.0.113.66:5060");
	srv[0] = (struct sip_res_target){ .tp = SIP_TP_UDP, .addr = s1.remote };
	srv[1] = (struct sip_res_target){ .tp = SIP_TP_TCP, .addr = s2.remote };
	srv[2] = (struct sip_res_target){ .tp = SIP_TP_UDP, .addr = s3.remote };
	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@example.org",
	    "z9hG4bKpp1", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 1);
	ck_assert_str_eq(s.aor, "sip:carol@example.org");
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 100));
	sent_free(&s);
	sip_core_resolve_done(core, now, s.cookie, 0, "resolved", srv, 3);
	drain(&s);
	ck_assert_ptr_nonnull(m = to(&s, &s1, "INVITE", 0));
	ck_assert(sip_pl_eq(&m->ruri_str, "sip:carol@example.org"));
	sent_free(&s);
	/* the first cannot be reached: the second, over TCP */
	sip_core_transport_error(core, now, &s1);
	drain(&s);
	ck_assert_ptr_nonnull(m = to(&s, &s2, "INVITE", 0));
	ck_assert(sip_pl_eq(&m->via.transport, "TCP"));
	c = copy(m);
	sent_free(&s);
	/* it answers 503: the third */
	s2.conn = 1;
	in(&s2, resp(r, sizeof r, c, 503, "t2"), &s);
	ck_assert_ptr_nonnull(m = to(&s, &s3, "INVITE", 0));
	ck_assert_ptr_null(to(&s, &alice, NULL, 503));
	sip_msg_free(c);
	c = copy(m);
	sent_free(&s);
	in(&s3, resp(r, sizeof r, c, 200, "t3"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 200));
	sip_msg_free(c);
	sent_free(&s);
	/* from a peer of the overlay: the same; our Record-Routes name
	 * the overlay (draft-marocco-p2psip-interwork §3.1) and the peer's
	 * flow (a token), so that the outside's requests in the dialog
	 * come back to it, and only those */
	flow(&peer, "127.0.0.1:5062");	/* where its Via says */
	peer.tp = SIP_TP_TLS;
	peer.conn = 7;
	peer.peer = true;
	in(&peer, req(b, sizeof b, "INVITE", "sip:dave@example.net",
	    "z9hG4bKpp5", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 1);
	sent_free(&s);
	sip_core_resolve_done(core, now, s.cookie, 0, "resolved", srv + 2, 1);
	drain(&s);
	ck_assert_ptr_nonnull(m = to(&s, &s3, "INVITE", 0));
	rr = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL);
	ck_assert_ptr_nonnull(rr);
	rr = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, rr);	/* the peer's side */
	ck_assert_ptr_nonnull(rr);
	ck_assert_uint_eq(rr->value.l, 5 + 68 + strlen("@" SELF
	    ";lr;ice-sip;overlay=" DOM ">"));
	snprintf(route, sizeof route, "Max-Forwards: 70\r\nRoute: %.*s\r\n",
	    (int)rr->value.l, rr->value.p);
	sent_free(&s);
	/* the callee's BYE, from the outside: on the peer's flow */
	in(&s3, req(b, sizeof b, "BYE", "sip:alice@198.51.100.20:5062",
	    "z9hG4bKpp6", route), &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert(s.m[0]->request && sip_pl_eq(&s.m[0]->method, "BYE"));
	ck_assert_int_eq(s.to[0].tp, SIP_TP_TLS);
	ck_assert_uint_eq(s.to[0].conn, 7);
	sent_free(&s);
	/* a Route of ours whose token we did not make: not on any flow,
	 * and refused for claiming the overlay (§3.1) */
	route[strlen("Max-Forwards: 70\r\nRoute: <sip:") + 3] ^= 1;
	in(&stranger, req(b, sizeof b, "BYE", "sip:alice@198.51.100.20:5062",
	    "z9hG4bKpp7", route), &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_nonnull(m = to(&s, &stranger, NULL, 403));
	ck_assert_ptr_nonnull(strstr(m->reason.p, "not ours"));
	sent_free(&s);
	/* nor with no token at all, from a peer */
	in(&peer, req(b, sizeof b, "BYE", "sip:carol@example.org",
	    "z9hG4bKpp8", "Max-Forwards: 70\r\nRoute: <sip:" SELF
	    ";lr;overlay=" DOM ">\r\n"), &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_nonnull(m = to(&s, &peer, NULL, 403));
	ck_assert_ptr_nonnull(strstr(m->reason.p, "not ours"));
	sent_free(&s);
	in(&peer, req(b, sizeof b, "MESSAGE", "sip:dave@example.net",
	    "z9hG4bKpp2", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 1);
	sent_free(&s);
	/* DNS finds nothing: 503, with why */
	sip_core_resolve_done(core, now, s.cookie, ELOOP, "a NAPTR loop", NULL,
	    0);
	drain(&s);
	ck_assert_ptr_nonnull(m = to(&s, &peer, NULL, 503));
	ck_assert_ptr_nonnull(strstr(m->reason.p, "a NAPTR loop"));
	sent_free(&s);
	/* DNS does not answer: 408 */
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:erin@example.com",
	    "z9hG4bKpp3", "Max-Forwards: 70\r\n"), &s);
	sent_free(&s);
	sip_core_resolve_done(core, now, s.cookie, ETIMEDOUT,
	    "the DNS server did not answer", NULL, 0);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 408));
	sent_free(&s);
	/* a stranger: 403, no DNS */
	in(&stranger, req(b, sizeof b, "MESSAGE", "sip:frank@example.com",
	    "z9hG4bKpp4", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 0);
	ck_assert_ptr_nonnull(to(&s, &stranger, NULL, 403));
	sent_free(&s);
}
END_TEST

/*
 * Not a proxy peer (other_domains): a request of this host's for another
 * domain goes to the overlay's proxy peers the driver found, over TLS
 * pinned to each one's Node-ID, the next after one that cannot be
 * reached; a public registration's REGISTER too; none found gives 503
 * saying so; a peer's request for another domain is not ours to carry
 * (403, nothing asked).
 */
START_TEST(to_proxy_peers)
{
	static const uint8_t	 n1[SIP_NODE_LEN] = { 0x91, 1 };
	static const uint8_t	 n2[SIP_NODE_LEN] = { 0x92, 2 };
	struct sip_core_cfg	 cfg;
	struct sip_res_target	 pp[2];
	char			 b[4096];
	struct sent		 s;
	struct sip_flow		 f1, f2, peer;
	const struct sip_msg	*m;
	const struct sip_hdr	*rr;

	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(SELF, 0, &cfg.self);
	addr_parse("127.0.0.1:5061", 0, &cfg.self_tls);
	cfg.other_domains = true;
	core = sip_core_new(&cfg, &rng, NULL);
	flow(&f1, "192.0.2.31:5061");
	flow(&f2, "192.0.2.32:5061");
	memset(pp, 0, sizeof pp);
	pp[0].tp = pp[1].tp = SIP_TP_TLS;
	pp[0].addr = f1.remote;
	pp[1].addr = f2.remote;
	pp[0].pinned = pp[1].pinned = true;
	memcpy(pp[0].node, n1, SIP_NODE_LEN);
	memcpy(pp[1].node, n2, SIP_NODE_LEN);

	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@example.org",
	    "z9hG4bKop1", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 1);
	sent_free(&s);
	sip_core_resolve_done(core, now, s.cookie, 0, "proxy peers", pp, 2);
	drain(&s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_nonnull(m = to(&s, &f1, "INVITE", 0));
	ck_assert(sip_pl_eq(&m->ruri_str, "sip:carol@example.org"));
	ck_assert_int_eq(s.to[0].tp, SIP_TP_TLS);
	ck_assert(s.to[0].pinned);
	ck_assert_mem_eq(s.to[0].node, n1, SIP_NODE_LEN);
	rr = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL);
	ck_assert_ptr_nonnull(rr);
	snprintf(b, sizeof b, "%.*s", (int)rr->value.l, rr->value.p);
	ck_assert_ptr_nonnull(strstr(b, ";overlay=" DOM ">"));
	f1 = s.to[0];		/* as the driver reports it: pinned too */
	sent_free(&s);
	sip_core_transport_error(core, now, &f1);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &f2, "INVITE", 0));
	ck_assert(s.to[0].pinned);
	ck_assert_mem_eq(s.to[0].node, n2, SIP_NODE_LEN);
	sent_free(&s);

	/* a public registration: proxied the same way, not taken */
	in(&alice, req(b, sizeof b, "REGISTER", "sip:example.org",
	    "z9hG4bKop2", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 1);
	ck_assert_str_eq(s.aor, "sip:example.org");
	sent_free(&s);
	/* no proxy peer in the overlay */
	sip_core_resolve_done(core, now, s.cookie, EHOSTUNREACH,
	    "no proxy peer in the overlay", NULL, 0);
	drain(&s);
	ck_assert_ptr_nonnull(m = to(&s, &alice, NULL, 503));
	ck_assert(sip_pl_eq(&m->reason,
	    "Service Unavailable (no proxy peer in the overlay)"));
	sent_free(&s);

	/* a peer's (elsewhere than this host): not ours to carry */
	flow(&peer, "192.0.2.77:5061");
	peer.tp = SIP_TP_TLS;
	peer.conn = 3;
	peer.peer = true;
	in(&peer, req(b, sizeof b, "INVITE", "sip:dave@example.net",
	    "z9hG4bKop3", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.resolves, 0);
	ck_assert_ptr_nonnull(to(&s, &peer, NULL, 403));
	sent_free(&s);
}
END_TEST

/*
 * With a TLS address of our own: a peer's TLS contact gets the request
 * over TLS, pinned to the Node-ID that registered it, with our TLS
 * address in the Via and a Record-Route for each side (RFC 5658 §4);
 * the dialog's requests lose both our Routes; a peer we cannot reach
 * gives the caller 480.
 */
START_TEST(tls_to_peer)
{
	static const char *const peer[] = {
	    "sip:carol@127.0.0.1:6071;transport=tls" };
	static const uint8_t node[SIP_NODE_LEN] = { 0xca, 0x70, 1, 2, 3 };
	const uint8_t *const nodes[] = { node };
	struct sip_core_cfg	 cfg;
	char			 b[4096];
	struct sent		 s;
	const struct sip_msg	*m;
	const struct sip_hdr	*rr;
	struct sip_flow		 p2, failed;

	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(SELF, 0, &cfg.self);
	addr_parse("127.0.0.1:5061", 0, &cfg.self_tls);
	core = sip_core_new(&cfg, &rng, NULL);
	flow(&p2, "127.0.0.1:6071");

	in(&alice, req(b, sizeof b, "INVITE", "sip:carol@" DOM, "z9hG4bKt1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	sip_core_lookup_done(core, now, s.cookie, peer, nodes, 1, false);
	sent_free(&s);
	drain(&s);
	ck_assert_uint_eq(s.n, 1);
	m = to(&s, &p2, "INVITE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(s.to[0].tp, SIP_TP_TLS);
	ck_assert(s.to[0].pinned);
	ck_assert_mem_eq(s.to[0].node, node, SIP_NODE_LEN);
	ck_assert(sip_pl_eq(&m->via.transport, "TLS"));
	ck_assert_uint_eq(m->via.port, 5061);
	rr = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL);
	ck_assert(sip_pl_eq(&rr->value,
	    "<sip:127.0.0.1:5061;transport=tls;lr;ice-sip>"));
	/* alice's side: her flow's token (RFC 5626 §5.3, the first hop) */
	rr = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, rr);
	ck_assert_uint_eq(rr->value.l, 5 + 68 + strlen("@" SELF ";lr;ice-sip>"));
	ck_assert(memcmp(rr->value.p, "<sip:", 5) == 0);
	ck_assert(memcmp(rr->value.p + 5 + 68, "@" SELF ";lr;ice-sip>",
	    strlen("@" SELF ";lr;ice-sip>")) == 0);
	ck_assert_ptr_null(sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, rr));
	failed = s.to[0];
	sent_free(&s);
	/* the connection to it fails (or meets another node) */
	failed.pinned = false;
	sip_core_transport_error(core, now, &failed);	/* not this one */
	drain(&s);
	ck_assert_uint_eq(s.n, 0);
	failed.pinned = true;
	sip_core_transport_error(core, now, &failed);
	drain(&s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 480));
	sent_free(&s);

	/* the dialog's requests, along the route set: both our Routes go */
	in(&alice, req(b, sizeof b, "BYE", "sip:carol@127.0.0.1:7000",
	    "z9hG4bKt2", "Max-Forwards: 70\r\nRoute: <sip:" SELF ";lr>\r\n"
	    "Route: <sip:127.0.0.1:5061;transport=tls;lr>\r\n"
	    "Route: <sip:127.0.0.1:6071;transport=tls;lr>\r\n"), &s);
	m = to(&s, &p2, "BYE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(s.to[0].tp, SIP_TP_TLS);
	ck_assert(!s.to[0].pinned);
	rr = sip_msg_hdr(m, SIP_HDR_ROUTE, NULL);
	ck_assert(sip_pl_eq(&rr->value,
	    "<sip:127.0.0.1:6071;transport=tls;lr>"));
	ck_assert_ptr_null(sip_msg_hdr(m, SIP_HDR_ROUTE, rr));
	sent_free(&s);
}
END_TEST

/*
 * A direct flow (ICE for SIP, SIP over DTLS): a request from the peer
 * on it is answered on it (§18.2.2: the association it came on); the
 * dialog's Record-Route names it by a flow token, so that the phone's
 * requests in the dialog go back on it, with a Via of DTLS-UDP; and a
 * Route with the token (sip_core_flow_token) sends any request there.
 */
START_TEST(direct_flow)
{
	char			 r[4096], tok[SIP_CORE_TOKEN_LEN + 1],
				 rt[256];
	struct sent		 s;
	const struct sip_msg	*inv, *m;
	struct sip_msg		*inv_copy;
	const struct sip_hdr	*rr;
	struct sip_flow		 d;

	memset(&d, 0, sizeof d);
	d.tp = SIP_TP_DTLS;
	d.conn = 9;
	d.peer = true;
	ck_assert_int_eq(addr_parse("203.0.113.5:40000", 0, &d.remote), 0);
	reg("bob", &bob1, 1);
	in(&d, "INVITE sip:bob@" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/DTLS-UDP 203.0.113.5:40000;branch=z9hG4bKd1\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:alice@" DOM ">;tag=al\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: direct1\r\n"
	    "CSeq: 1 INVITE\r\nContact: <sip:alice@203.0.113.5:5060>\r\n"
	    "\r\n", &s);
	/* the 100 on the association it came on */
	ck_assert_ptr_nonnull(to(&s, &d, NULL, 100));
	ck_assert_int_eq(s.to[0].tp, SIP_TP_DTLS);
	ck_assert_uint_eq(s.to[0].conn, 9);
	inv = to(&s, &bob1, "INVITE", 0);
	ck_assert_ptr_nonnull(inv);
	/* two Record-Routes: bob's side, and the direct flow's token */
	rr = sip_msg_hdr(inv, SIP_HDR_RECORD_ROUTE, NULL);
	ck_assert_ptr_nonnull(rr);
	rr = sip_msg_hdr(inv, SIP_HDR_RECORD_ROUTE, rr);
	ck_assert_ptr_nonnull(rr);
	sip_core_flow_token(core, &d, tok);
	snprintf(rt, sizeof rt, "<sip:%s@" SELF ";lr;ice-sip>", tok);
	ck_assert_msg(sip_pl_eq(&rr->value, rt), "%.*s", (int)rr->value.l,
	    rr->value.p);
	inv_copy = copy(inv);
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, inv_copy, 200, "bt"), &s);
	m = to(&s, &d, NULL, 200);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(s.to[0].tp, SIP_TP_DTLS);
	ck_assert_uint_eq(s.to[0].conn, 9);
	sent_free(&s);
	sip_msg_free(inv_copy);
	/* bob's BYE along the route set goes on the direct flow */
	snprintf(r, sizeof r, "BYE sip:alice@203.0.113.5:5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5064;branch=z9hG4bKd2;rport\r\n"
	    "Max-Forwards: 70\r\nRoute: <sip:" SELF ";lr>\r\n"
	    "Route: %s\r\nFrom: <sip:bob@" DOM ">;tag=bt\r\n"
	    "To: <sip:alice@" DOM ">;tag=al\r\nCall-ID: direct1\r\n"
	    "CSeq: 1 BYE\r\n\r\n", rt);
	in(&bob1, r, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.to[0].tp, SIP_TP_DTLS);
	ck_assert_uint_eq(s.to[0].conn, 9);
	ck_assert(addr_eq(&s.to[0].remote, &d.remote));
	ck_assert(sip_pl_eq(&s.m[0]->via.transport, "DTLS-UDP"));
	ck_assert_ptr_null(sip_msg_hdr(s.m[0], SIP_HDR_ROUTE, NULL));
	sent_free(&s);
	/* a token of another proxy (a bad MAC) names no flow: refused */
	tok[0] = tok[0] == '0' ? '1' : '0';
	snprintf(r, sizeof r, "BYE sip:alice@203.0.113.5:5060 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5064;branch=z9hG4bKd3;rport\r\n"
	    "Max-Forwards: 70\r\nRoute: <sip:%s@" SELF ";lr>\r\n"
	    "From: <sip:bob@" DOM ">;tag=bt\r\n"
	    "To: <sip:alice@" DOM ">;tag=al\r\nCall-ID: direct1\r\n"
	    "CSeq: 2 BYE\r\n\r\n", tok);
	in(&bob1, r, &s);
	ck_assert_ptr_null(to(&s, &d, "BYE", 0));
	sent_free(&s);
}
END_TEST

/*
 * Listening on a wildcard, published at another address ([sip]
 * advertise): Via and Record-Route give the published one, and a Route
 * to any address of this host at our port is ours (popped); at another
 * port it is not.
 */
START_TEST(wildcard_listen)
{
	struct sip_core_cfg	 cfg;
	struct addr		 local[2];
	char			 b[4096];
	struct sent		 s;
	const struct sip_msg	*m;
	struct sip_flow		 other;

	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse("192.0.2.1:5060", 0, &cfg.self);
	addr_parse("0.0.0.0:5060", 0, &cfg.listen);
	addr_parse("10.0.0.1:1", 0, &local[0]);
	addr_parse("198.51.100.7:1", 0, &local[1]);
	cfg.local = local;
	cfg.nlocal = 2;
	core = sip_core_new(&cfg, &rng, NULL);
	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKw1",
	    "Max-Forwards: 70\r\nRoute: <sip:198.51.100.7:5060;lr>\r\n"), &s);
	m = to(&s, &bob1, "INVITE", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(sip_msg_hdr(m, SIP_HDR_ROUTE, NULL));
	ck_assert(sip_pl_eq(&m->via.host, "192.0.2.1") && m->via.port == 5060);
	ck_assert(sip_pl_eq(&sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE,
	    NULL)->value, "<sip:192.0.2.1:5060;lr;ice-sip>"));
	sent_free(&s);
	/* the published address and loopback are us too */
	in(&alice, req(b, sizeof b, "OPTIONS", "sip:bob@" DOM, "z9hG4bKw2",
	    "Max-Forwards: 70\r\nRoute: <sip:192.0.2.1:5060;lr>\r\n"
	    "Route: <sip:127.0.0.1:5060;lr>\r\n"), &s);
	m = to(&s, &bob1, "OPTIONS", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(sip_msg_hdr(m, SIP_HDR_ROUTE, NULL));
	sent_free(&s);
	/* another port of this host is not */
	in(&alice, req(b, sizeof b, "OPTIONS", "sip:bob@" DOM, "z9hG4bKw3",
	    "Max-Forwards: 70\r\nRoute: <sip:10.0.0.1:5070;lr>\r\n"), &s);
	flow(&other, "10.0.0.1:5070");
	m = to(&s, &other, "OPTIONS", 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(sip_msg_hdr(m, SIP_HDR_ROUTE, NULL));
	sent_free(&s);
}
END_TEST

/* carol's peer answers status to the request it got (in s). */
static void
peer_answers(const struct sent *s, const struct sip_flow *peer,
    const char *method, unsigned status, struct sent *out)
{
	char		 r[4096];
	const struct sip_msg *m = to(s, peer, method, 0);
	struct sip_msg	*c;

	ck_assert_ptr_nonnull(m);
	c = copy(m);
	in(peer, resp(r, sizeof r, c, status, "ct"), out);
	sip_msg_free(c);
}

/*
 * The overlay's answer for an AOR is kept ([sip] lookup_cache): the next
 * request goes straight to the peer.  When that peer says 404 (carol
 * moved), the entry goes and the overlay is asked again at once; the
 * request reaches carol where she is now.  Past lookup_cache the entry
 * goes, asked for or not.
 */
START_TEST(lookup_cache)
{
	static const char *const was[] = { "sip:carol@127.0.0.1:6070" };
	static const char *const is[] = { "sip:carol@127.0.0.1:6072" };
	struct sip_core_cfg	 cfg;
	char			 b[4096];
	struct sent		 s, s2;
	struct sip_flow		 p1, p2;
	struct sip_proxy_stats	 st;

	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(SELF, 0, &cfg.self);
	cfg.lookup_cache_ms = 30000;
	core = sip_core_new(&cfg, &rng, NULL);
	flow(&p1, "127.0.0.1:6070");
	flow(&p2, "127.0.0.1:6072");
	in(&alice, req(b, sizeof b, "OPTIONS", "sip:carol@" DOM, "z9hG4bKc1",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	sip_core_lookup_done(core, now, s.cookie, was, NULL, 1, false);
	drain(&s);
	peer_answers(&s, &p1, "OPTIONS", 200, &s2);
	ck_assert_ptr_nonnull(to(&s2, &alice, NULL, 200));
	sent_free(&s);
	sent_free(&s2);
	/* again, 10 s later: from the cache */
	now += 10000;
	in(&alice, req(b, sizeof b, "OPTIONS", "sip:carol@" DOM, "z9hG4bKc2",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 0);
	peer_answers(&s, &p1, "OPTIONS", 404, &s2);
	sent_free(&s);
	/* 404 there: asked again, not answered yet */
	ck_assert_uint_eq(s2.lookups, 1);
	ck_assert_ptr_null(to(&s2, &alice, NULL, 404));
	sip_core_lookup_done(core, now, s2.cookie, is, NULL, 1, false);
	sent_free(&s2);
	drain(&s);
	peer_answers(&s, &p2, "OPTIONS", 200, &s2);
	ck_assert_ptr_nonnull(to(&s2, &alice, NULL, 200));
	sent_free(&s);
	sent_free(&s2);
	/* the new answer is kept; past lookup_cache it is asked again */
	in(&alice, req(b, sizeof b, "OPTIONS", "sip:carol@" DOM, "z9hG4bKc3",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 0);
	ck_assert_ptr_nonnull(to(&s, &p2, "OPTIONS", 0));
	sent_free(&s);
	/* nobody asks: the entry goes at its time all the same */
	sip_core_lookup_stats(core, &st);
	ck_assert_uint_eq(st.cached, 1);
	ck_assert_uint_le(sip_core_deadline(core), now + 30000);
	sip_core_tick(core, now + 30000);
	sip_core_lookup_stats(core, &st);
	ck_assert_uint_eq(st.cached, 0);
	now += 30000;
	in(&alice, req(b, sizeof b, "OPTIONS", "sip:carol@" DOM, "z9hG4bKc4",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.lookups, 1);
	sent_free(&s);
	sip_core_lookup_stats(core, &st);
	ck_assert_uint_eq(st.lookups, 3);
	ck_assert_uint_eq(st.cache_hits, 2);
}
END_TEST

/* §16.8: bob's phone rings and rings; past Timer C (over 3 min after
 * its last 1xx) the proxy cancels it and alice gets 408. */
START_TEST(timer_c)
{
	char		 b[4096], r[4096];
	struct sent	 s, s2;
	struct sip_msg	*inv;

	reg("bob", &bob1, 1);
	in(&alice, req(b, sizeof b, "INVITE", "sip:bob@" DOM, "z9hG4bKtc",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "INVITE", 0));
	inv = copy(to(&s, &bob1, "INVITE", 0));
	ck_assert_uint_eq(s.lookups, 1);	/* nobody elsewhere */
	sip_core_lookup_done(core, now, s.cookie, NULL, NULL, 0, false);
	sent_free(&s);
	drain(&s);
	sent_free(&s);
	in(&bob1, resp(r, sizeof r, inv, 180, "bt"), &s);
	ck_assert_ptr_nonnull(to(&s, &alice, NULL, 180));
	sent_free(&s);
	now += 180000;			/* 3 min: still ringing */
	sip_core_tick(core, now);
	drain(&s);
	ck_assert_ptr_null(to(&s, &bob1, "CANCEL", 0));
	sent_free(&s);
	now += 40000;
	sip_core_tick(core, now);
	drain(&s2);
	ck_assert_ptr_nonnull(to(&s2, &bob1, "CANCEL", 0));
	ck_assert_ptr_nonnull(to(&s2, &alice, NULL, 408));
	sent_free(&s2);
	sip_msg_free(inv);
}
END_TEST

/* The registrar answers statelessly (§8.2.7): no transaction stays, and
 * a retransmission gets the same answer. */
START_TEST(register_stateless)
{
	const char	*m = "REGISTER sip:" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5064;branch=z9hG4bKsl;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:bob@" DOM ">;tag=r\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: sl1\r\nCSeq: 7 REGISTER\r\n"
	    "Contact: <sip:bob@127.0.0.1:5064>\r\n\r\n";
	struct sent	 s;
	int		 i;

	for (i = 0; i < 2; i++) {
		in(&bob1, m, &s);
		ck_assert_uint_eq(s.n, 1);
		ck_assert_uint_eq(s.m[0]->status, 200);
		ck_assert(addr_eq(&s.to[0].remote, &bob1.remote));
		ck_assert_uint_eq(sip_core_transactions(core), 0);
		sent_free(&s);
	}
	ck_assert_uint_eq(sip_core_stats(core)->responses_sent, 2);
}
END_TEST

/*
 * Not an open relay (RFC 3261 §26.1.1): from another host, a request to
 * an outside address (Request-URI or Route) gets 403 and goes nowhere,
 * or 407 for a user of [users], who may use the proxy with Digest; an
 * ACK to outside is dropped; a request for a user of the overlay is
 * taken from anyone; one to a phone registered here only from another
 * daemon of the overlay; this host's own phones go anywhere.
 */
START_TEST(not_an_open_relay)
{
	const char		*names[] = { "alice" }, *pw[] = { "secret" };
	char			 b[4096], auth[512], ch[600], uri[64];
	struct sip_flow		 out, peer, far;
	const struct sip_msg	*r;
	const struct sip_hdr	*h;
	struct sent		 s;

	flow(&out, "192.0.2.50:5062");
	flow(&far, "198.51.100.7:5060");
	reg("bob", &bob1, 1);
	/* to an IP literal, and by Route */
	in(&out, req(b, sizeof b, "INVITE", "sip:victim@198.51.100.7",
	    "z9hG4bKo1", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_nonnull(r = to(&s, &out, NULL, 403));
	ck_assert(sip_pl_eq(&r->reason, "Forbidden (relaying denied)"));
	sent_free(&s);
	in(&out, req(b, sizeof b, "MESSAGE", "sip:bob@" DOM, "z9hG4bKo2",
	    "Route: <sip:198.51.100.7;lr>\r\nMax-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_ptr_nonnull(to(&s, &out, NULL, 403));
	sent_free(&s);
	in(&out, req(b, sizeof b, "ACK", "sip:victim@198.51.100.7",
	    "z9hG4bKo3", "Max-Forwards: 70\r\n"), &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(sip_core_stats(core)->relay_refused, 3);
	/* inside a dialog of bob's, from a stranger: 403; from another
	 * daemon (TLS, its Node-ID checked): forwarded */
	in(&out, req(b, sizeof b, "BYE", "sip:bob@127.0.0.1:5064",
	    "z9hG4bKo4", "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &out, NULL, 403));
	sent_free(&s);
	peer = out;
	peer.tp = SIP_TP_TLS;
	peer.conn = 7;
	peer.peer = true;
	in(&peer, req(b, sizeof b, "BYE", "sip:bob@127.0.0.1:5064",
	    "z9hG4bKo5", "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "BYE", 0));
	sent_free(&s);
	/* a user of the overlay, from anyone */
	in(&out, req(b, sizeof b, "MESSAGE", "sip:bob@" DOM, "z9hG4bKo6",
	    "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &bob1, "MESSAGE", 0));
	sent_free(&s);
	/* From a user of [users]: 407, then with Digest, forwarded */
	sip_core_set_users(core, names, pw, 1);
	in(&out, req(b, sizeof b, "MESSAGE", "sip:victim@198.51.100.7",
	    "z9hG4bKo7", "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(r = to(&s, &out, NULL, 407));
	ck_assert_ptr_nonnull(h = sip_msg_hdr_named(r, "Proxy-Authenticate",
	    NULL));
	snprintf(ch, sizeof ch, "%.*s", (int)h->value.l, h->value.p);
	sent_free(&s);
	snprintf(uri, sizeof uri, "sip:victim@198.51.100.7");
	ck_assert_int_eq(sip_auth_answer(&(struct sip_pl){ ch, strlen(ch) },
	    "alice", "secret", "MESSAGE", uri, 1, "c0ffee", auth,
	    sizeof auth), 0);
	snprintf(ch, sizeof ch, "Max-Forwards: 70\r\nProxy-Authorization: "
	    "%s\r\n", auth);
	in(&out, req(b, sizeof b, "MESSAGE", uri, "z9hG4bKo8", ch), &s);
	ck_assert_ptr_nonnull(to(&s, &far, "MESSAGE", 0));
	sent_free(&s);
	ck_assert_uint_eq(sip_core_stats(core)->relay_challenged, 1);
	/* this host's phones: anywhere */
	in(&alice, req(b, sizeof b, "MESSAGE", "sip:victim@198.51.100.7",
	    "z9hG4bKo9", "Max-Forwards: 70\r\n"), &s);
	ck_assert_ptr_nonnull(to(&s, &far, "MESSAGE", 0));
	sent_free(&s);
	ck_assert_uint_eq(sip_core_stats(core)->relay_refused, 4);
}
END_TEST

/*
 * RFC 5626 §4.4.2, §5.4: a phone registered with outbound keeps its UDP
 * flow alive with STUN Binding requests to the SIP port; each gets a
 * success response with the address it came from (RFC 8489 §6.3), on
 * the flow it came on.  A stream's bytes are never taken for STUN.
 */
START_TEST(stun_keepalive)
{
	static const uint8_t	 tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7,
				    8, 9, 10, 11, 12 };
	struct stun_builder	 b;
	struct stun_msg		 m;
	struct sip_core_action	 a;
	struct wbuf		 w;
	struct addr		 mapped;
	struct sip_flow		 phone;
	size_t			 used;
	unsigned		 n = 0;

	flow(&phone, "192.0.2.9:40000");
	wbuf_init(&w, 512);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert_int_eq(sip_core_input(core, now, &phone, w.p, w.len, false,
	    &used), 0);
	ck_assert_uint_eq(used, w.len);
	while (sip_core_next_action(core, &a)) {
		ck_assert_int_eq(a.type, SIP_CORE_SEND);
		ck_assert(addr_eq(&a.flow.remote, &phone.remote));
		ck_assert_int_eq(stun_parse(&m, a.data, a.len), 0);
		ck_assert_uint_eq(m.cls, STUN_SUCCESS);
		ck_assert(memcmp(m.tid, tid, sizeof tid) == 0);
		ck_assert_int_eq(stun_get_addr(&m, STUN_A_XOR_MAPPED_ADDRESS,
		    &mapped), 0);
		ck_assert(addr_eq(&mapped, &phone.remote));
		n++;
		sip_core_action_clear(&a);
	}
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(sip_core_stats(core)->keepalives, 1);
	ck_assert_uint_eq(sip_core_stats(core)->bad_dropped, 0);
	wbuf_clear(&w);
}
END_TEST

/*
 * A datagram of CRLFs only is the NAT keepalive Linphone sends on UDP
 * every 30 s (RFC 5626 §4.4.1 has CRLF pings on streams only): counted
 * as a keepalive, not answered, not taken for a bad message.  Anything
 * else after the CRLFs is still not SIP.
 */
START_TEST(crlf_datagram)
{
	static const char	*ka[] = { "\r\n\r\n", "\r\n", "\n" };
	const struct sip_core_stats	*st;
	struct sip_core_action		 a;
	struct sip_flow			 phone;
	size_t				 i, used;

	st = sip_core_stats(core);
	flow(&phone, "192.0.2.9:40000");
	for (i = 0; i < sizeof ka / sizeof ka[0]; i++) {
		ck_assert_int_eq(sip_core_input(core, now, &phone,
		    (const uint8_t *)ka[i], strlen(ka[i]), false, &used), 0);
		ck_assert_uint_eq(used, strlen(ka[i]));
		ck_assert(!sip_core_next_action(core, &a));
	}
	ck_assert_uint_eq(st->keepalives, 3);
	ck_assert_uint_eq(st->bad_dropped + st->bad_answered, 0);
	ck_assert_int_eq(sip_core_input(core, now, &phone,
	    (const uint8_t *)"\r\n\r\nx", 5, false, &used), 0);
	ck_assert_uint_eq(used, 5);
	while (sip_core_next_action(core, &a))
		sip_core_action_clear(&a);
	ck_assert_uint_eq(st->keepalives, 3);
	ck_assert_uint_eq(st->bad_dropped + st->bad_answered, 1);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_proxy");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, call_and_dialog);
	tcase_add_test(tc, forking);
	tcase_add_test(tc, cancel);
	tcase_add_test(tc, best_and_timeout);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, through_the_overlay);
	tcase_add_test(tc, here_and_there);
	tcase_add_test(tc, destination_list);
	tcase_add_test(tc, contact_not_source);
	tcase_add_test(tc, behind_a_nat);
	tcase_add_test(tc, only_our_via);
	tcase_add_test(tc, large_over_tcp);
	tcase_add_test(tc, large_on_own_flow);
	tcase_add_test(tc, proxy_peer);
	tcase_add_test(tc, to_proxy_peers);
	tcase_add_test(tc, tls_to_peer);
	tcase_add_test(tc, direct_flow);
	tcase_add_test(tc, wildcard_listen);
	tcase_add_test(tc, register_stateless);
	tcase_add_test(tc, not_an_open_relay);
	tcase_add_test(tc, stun_keepalive);
	tcase_add_test(tc, crlf_datagram);
	tcase_add_test(tc, lookup_cache);
	tcase_add_test(tc, timer_c);
	suite_add_tcase(s, tc);
	return s;
}
