/*
 * check_ov_node.c - one overlay node against scripted peers: what each
 * kind of bad input earns (an RFC 6940 error, a closed link, or a silent
 * drop) and that the node answers the basic methods.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "identity.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_data.h"
#include "ov_fh.h"
#include "ov_msg.h"
#include "ov_node.h"
#include "rng.h"
#include "db.h"
#include "tmpdir.h"
#include "wire.h"

#define OVERLAY	"test.p2psipd"

/* A scripted peer: its identity, signer and framing state. */
struct peer {
	struct ov_id	 id;
	struct ov_crypto c;
	struct ov_fh	 fh;		/* its end of the link */
	uint32_t	 link;
	bool		 closed;
};

/* Every peer connected, so that what the node sends reaches its own. */
static struct peer	*peers[8];
static unsigned		 npeers;

static uint64_t
toy_sum(const struct ov_id *key, const uint8_t *p, size_t n)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < OV_ID_LEN; i++)
		h = (h ^ key->b[i]) * 1099511628211ULL;
	while (n-- > 0)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

static size_t
toy_sign(const uint8_t *d, size_t n, uint8_t *out, size_t max, void *arg)
{
	uint64_t	h = toy_sum(arg, d, n);

	(void)max;
	memcpy(out, &h, 8);
	return 8;
}

static int
toy_verify(const struct ov_sig *sig, const uint8_t *certs, size_t clen,
    const uint8_t *d, size_t n, struct ov_signer *who, void *arg)
{
	uint64_t	h;

	(void)arg;
	if (clen != 3 + OV_ID_LEN || sig->value_len != 8)
		return EBADMSG;
	memset(who, 0, sizeof *who);
	memcpy(who->node.b, certs + 3, OV_ID_LEN);
	h = toy_sum(&who->node, d, n);
	return memcmp(sig->value, &h, 8) == 0 ? 0 : EBADMSG;
}

static void
crypto_init(struct ov_crypto *c, struct ov_id *id)
{
	memset(c, 0, sizeof *c);
	c->sign = toy_sign;
	c->verify = toy_verify;
	c->arg = id;
	c->hash_alg = 4;
	c->sig_alg = 3;
	c->id_hash_alg = 4;
	c->cert = id->b;
	c->cert_len = OV_ID_LEN;
	c->cert_hash = id->b;
	c->cert_hash_len = OV_ID_LEN;
}

static struct ov_id		 node_id;
static struct ov_crypto		 node_crypto;
static struct rng_xoshiro	 xs;
static struct rng		 rng = { rng_xoshiro_fill, &xs };
static uint64_t			 now;

/* The node's configuration, its identity and random source reset. */
static void
node_cfg(struct ov_node_cfg *c)
{
	memset(&node_id, 0x50, sizeof node_id);
	crypto_init(&node_crypto, &node_id);
	rng_xoshiro_seed(&xs, 7);
	memset(c, 0, sizeof *c);
	c->overlay = OVERLAY;
	c->self = node_id;
	addr_parse("127.0.0.1:6084", 0, &c->self_addr);
	c->npred = c->nsucc = 3;
	c->nfingers = 16;
	c->initial_ttl = 100;
	c->max_message_size = 5000;
	c->reliability_ms = 3000;
	c->update_interval_ms = 600000;
	c->finger_interval_ms = 3600000;
	c->probe_interval_ms = 60000;
	c->link_timeout_ms = 30000;
	c->max_links = 8;
	c->max_pending = 4;
}

static struct ov_node *
node_new(void)
{
	struct ov_node_cfg	 cfg;
	struct ov_node		*n;

	node_cfg(&cfg);
	ck_assert_int_eq(ov_node_new(&n, &cfg, &node_crypto, &rng, NULL), 0);
	now = 1000;
	ov_node_start(n, now);
	ck_assert_int_eq(ov_node_state(n), OV_ST_ALONE);
	return n;
}

static void
peer_connect(struct ov_node *n, struct peer *p, uint8_t b)
{
	struct addr	a;

	memset(p, 0, sizeof *p);
	memset(&p->id, b, sizeof p->id);
	crypto_init(&p->c, &p->id);
	ov_fh_init(&p->fh);
	peers[npeers++] = p;
	addr_parse("127.0.0.1:40000", 0, &a);
	a.port = (uint16_t)(40000 + b);
	p->link = ov_node_link_accepted(n, now, &a);
	ck_assert_uint_ne(p->link, 0);
	ov_node_link_up(n, now, p->link, &p->id);
}

static void
peer_done(struct peer *p)
{
	ov_fh_clear(&p->fh);
	npeers = 0;
}

/* A forwarding header from p to dest (a node if node, else resource). */
static void
fwd_init(struct ov_fwd *f, const struct ov_id *dest, bool node)
{
	memset(f, 0, sizeof *f);
	f->overlay = ov_msg_overlay_hash(OVERLAY);
	f->version = OV_VERSION;
	f->ttl = 100;
	f->fragment = OV_FRAG_UNFRAGMENTED;
	f->tid = 0x0102030405060708ULL;
	if (node)
		ov_msg_dest_node(&f->dest[f->ndest++], dest);
	else
		ov_msg_dest_resource(&f->dest[f->ndest++], dest);
}

/* Sign and frame a message from p and hand it to the node. */
static void
peer_send(struct ov_node *n, struct peer *p, const struct ov_fwd *f,
    uint16_t code, const uint8_t *body, size_t len, bool bad_sig)
{
	struct wbuf	w, fr;

	wbuf_init(&w, 1 << 20);
	ov_msg_fwd_encode(&w, f);
	ck_assert_int_eq(ov_msg_sign_encode(&w, f, code, body, len, &p->c), 0);
	if (bad_sig)
		w.p[w.len - 1] ^= 0xff;
	wbuf_init(&fr, 1 << 20);
	ov_fh_data(&p->fh, now, &fr, w.p, w.len);
	ov_node_link_input(n, now, p->link, fr.p, fr.len);
	wbuf_clear(&w);
	wbuf_clear(&fr);
}

static void
peer_raw(struct ov_node *n, struct peer *p, const void *b, size_t len)
{
	ov_node_link_input(n, now, p->link, b, len);
}

/*
 * Drain the node's actions; decode what it sent p into out (at most max
 * messages, each kept in bufs[i], freed by the caller).  Returns how many.
 */
static unsigned
collect(struct ov_node *n, struct peer *p, struct ov_msg *out,
    uint8_t **bufs, unsigned max)
{
	struct ov_action	a;
	struct ov_fh_frame	f;
	unsigned		k = 0, i;
	uint16_t		err;

	while (ov_node_next_action(n, &a)) {
		for (i = 0; i < npeers; i++) {
			if (a.type == OV_ACT_CLOSE && a.link == peers[i]->link)
				peers[i]->closed = true;
			if (a.type == OV_ACT_SEND && a.link == peers[i]->link)
				ov_fh_input(&peers[i]->fh, a.data, a.len);
		}
		free(a.data);
	}
	while (k < max && ov_fh_next(&p->fh, now, 1 << 20, &f) == 0) {
		if (f.type != OV_FH_DATA)
			continue;
		bufs[k] = malloc(f.len);
		memcpy(bufs[k], f.msg, f.len);
		ck_assert_int_eq(ov_msg_decode(bufs[k], f.len, &out[k], &err),
		    0);
		k++;
	}
	return k;
}

static void
free_bufs(uint8_t **bufs, unsigned k)
{
	while (k-- > 0)
		free(bufs[k]);
}

/* The node's single answer to p must be an error with code want. */
static void
expect_error(struct ov_node *n, struct peer *p, uint16_t want)
{
	struct ov_msg	 m[4];
	uint8_t		*bufs[4];
	unsigned	 k = collect(n, p, m, bufs, 4);
	uint16_t	 code;
	const uint8_t	*info;
	size_t		 ilen;
	struct ov_id	 signer;

	ck_assert_uint_eq(k, 1);
	ck_assert_uint_eq(m[0].code, OV_ERROR);
	ck_assert_int_eq(ov_body_error_decode(m[0].body, m[0].body_len, &code,
	    &info, &ilen), 0);
	ck_assert_msg(code == want, "got %s, want %s", ov_msg_error_name(code),
	    ov_msg_error_name(want));
	ck_assert_int_eq(ov_msg_verify(&m[0], &node_crypto, &signer), 0);
	ck_assert(ov_id_eq(&signer, &node_id));
	free_bufs(bufs, k);
}

static void
expect_silence(struct ov_node *n, struct peer *p)
{
	struct ov_msg	 m[4];
	uint8_t		*bufs[4];
	unsigned	 k = collect(n, p, m, bufs, 4);

	ck_assert_uint_eq(k, 0);
	free_bufs(bufs, k);
}

START_TEST(ping_answered)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	struct ov_msg	 m[4];
	uint8_t		*bufs[4], body[2] = { 0, 0 };
	struct ov_id	 signer, any;
	uint64_t	 rid, t;

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	ck_assert_uint_eq(collect(n, &p, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].code, OV_PING_ANS);
	ck_assert_uint_eq(m[0].fwd.tid, f.tid);
	ck_assert_int_eq(ov_body_ping_ans_decode(m[0].body, m[0].body_len, &rid,
	    &t), 0);
	/* answered back to its sender, signed by the node */
	ck_assert(ov_msg_dest_id(&m[0].fwd.dest[0], &any) &&
	    ov_id_eq(&any, &p.id));
	ck_assert_int_eq(ov_msg_verify(&m[0], &node_crypto, &signer), 0);
	free_bufs(bufs, 1);
	/* the node acknowledged the data frame: its sender's RTT */
	ck_assert(!ov_fh_suspect(&p.fh, now + 5000));
	/* alone, it answers for any Resource-ID too */
	memset(&any, 0x99, sizeof any);
	fwd_init(&f, &any, false);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	ck_assert_uint_eq(collect(n, &p, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].code, OV_PING_ANS);
	free_bufs(bufs, 1);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

START_TEST(wrong_overlay)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	uint8_t		 body[2] = { 0, 0 };

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	f.overlay ^= 1;
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	expect_error(n, &p, OV_E_INCOMPATIBLE_WITH_OVERLAY);
	ck_assert(p.closed);		/* and the link is closed */
	ck_assert_uint_eq(ov_node_stats(n)->bad_input, 1);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

/* Header faults and the error each earns (the link stays open). */
static const struct {
	const char	*what;
	uint8_t		 ttl, version;
	uint32_t	 fragment;
	uint16_t	 err;
} header_faults[] = {
	{ "TTL above initial-ttl", 101, OV_VERSION, OV_FRAG_UNFRAGMENTED,
	    OV_E_TTL_EXCEEDED },
	{ "version 0.1", 100, 1, OV_FRAG_UNFRAGMENTED,
	    OV_E_INCOMPATIBLE_WITH_OVERLAY },
	{ "a fragment", 100, OV_VERSION, 0x80000000u, OV_E_INVALID_MESSAGE },
};

START_TEST(header_fault)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	uint8_t		 body[2] = { 0, 0 };

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	f.ttl = header_faults[_i].ttl;
	f.version = header_faults[_i].version;
	f.fragment = header_faults[_i].fragment;
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	expect_error(n, &p, header_faults[_i].err);
	ck_assert(!p.closed);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

/* Forwarding: TTL 0 and a loop in the via list. */
START_TEST(forwarding_faults)
{
	struct ov_node	*n = node_new();
	struct peer	 p, q;
	struct ov_fwd	 f;
	struct ov_msg	 m[4];
	uint8_t		*bufs[4], body[2] = { 0, 0 };

	peer_connect(n, &p, 0x10);
	peer_connect(n, &q, 0x20);
	/* to q through the node, with no hops left */
	fwd_init(&f, &q.id, true);
	f.ttl = 0;
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	expect_error(n, &p, OV_E_TTL_EXCEEDED);
	/* a via list naming the node: it came round in a loop */
	fwd_init(&f, &q.id, true);
	ov_msg_dest_node(&f.via[f.nvia++], &node_id);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	/* a destination list naming q twice (§13.6.5) */
	fwd_init(&f, &q.id, true);
	ov_msg_dest_node(&f.dest[f.ndest++], &q.id);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	/* ours in the via list but for us: a Ping back home, answered */
	fwd_init(&f, &node_id, true);
	ov_msg_dest_node(&f.via[f.nvia++], &node_id);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	ck_assert_uint_eq(collect(n, &p, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].code, OV_PING_ANS);
	free_bufs(bufs, 1);
	/* a good one is forwarded, TTL down by one, p appended to the via */
	fwd_init(&f, &q.id, true);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, false);
	expect_silence(n, &p);
	ck_assert_uint_eq(collect(n, &q, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].fwd.ttl, 99);
	ck_assert_uint_eq(m[0].fwd.nvia, 1);
	ck_assert_mem_eq(m[0].fwd.via[0].data, p.id.b, OV_ID_LEN);
	free_bufs(bufs, 1);
	ck_assert_uint_eq(ov_node_stats(n)->forwarded, 1);
	peer_done(&p);
	peer_done(&q);
	ov_node_free(n);
}
END_TEST

START_TEST(bad_signature_dropped)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	uint8_t		 body[2] = { 0, 0 };

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	peer_send(n, &p, &f, OV_PING_REQ, body, 2, true);
	expect_silence(n, &p);			/* §6.3.4: simply drop */
	ck_assert(!p.closed);
	ck_assert_uint_eq(ov_node_stats(n)->bad_input, 1);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

START_TEST(garbage_closes_the_link)
{
	struct ov_node	*n = node_new();
	struct peer	 p, q;

	peer_connect(n, &p, 0x10);
	peer_raw(n, &p, "\x16\x03\x01\x00\x05hello", 10);
	expect_silence(n, &p);
	ck_assert(p.closed);
	/* a frame announcing more than max_message_size */
	peer_connect(n, &q, 0x20);
	peer_raw(n, &q, "\x80\0\0\0\0\x00\x20\x00", 8);
	expect_silence(n, &q);
	ck_assert(q.closed);
	ck_assert_uint_eq(ov_node_stats(n)->bad_input, 2);
	peer_done(&p);
	peer_done(&q);
	ov_node_free(n);
}
END_TEST

START_TEST(malformed_bodies)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	uint8_t		 junk[3] = { 1, 2, 3 };
	struct ov_id	 other;
	struct wbuf	 w;

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	peer_send(n, &p, &f, OV_UPDATE_REQ, junk, 3, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	peer_send(n, &p, &f, OV_ATTACH_REQ, junk, 3, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	peer_send(n, &p, &f, OV_STORE_REQ, junk, 3, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	peer_send(n, &p, &f, OV_FETCH_REQ, junk, 3, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	peer_send(n, &p, &f, OV_APPATTACH_REQ, junk, 3, false);
	expect_error(n, &p, OV_E_INVALID_MESSAGE);
	/* a method this peer does not serve */
	peer_send(n, &p, &f, OV_CONFIGUPDATE_REQ, junk, 3, false);
	expect_error(n, &p, OV_E_FORBIDDEN);
	/* a Join for somebody else than its signer (§6.4.2.1) */
	memset(&other, 0x77, sizeof other);
	wbuf_init(&w, 64);
	ov_body_join_req_encode(&w, &other);
	peer_send(n, &p, &f, OV_JOIN_REQ, w.p, w.len, false);
	expect_error(n, &p, OV_E_FORBIDDEN);
	wbuf_clear(&w);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

START_TEST(join_admitted)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	struct ov_msg	 m[4];
	uint8_t		*bufs[4];
	struct wbuf	 w;
	unsigned	 k, i;
	bool		 ans = false, upd = false;

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	wbuf_init(&w, 64);
	ov_body_join_req_encode(&w, &p.id);
	peer_send(n, &p, &f, OV_JOIN_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	k = collect(n, &p, m, bufs, 4);
	for (i = 0; i < k; i++) {
		ans |= m[i].code == OV_JOIN_ANS;
		upd |= m[i].code == OV_UPDATE_REQ;
	}
	/* §10.5 steps 5 and 7: JoinAns, then an Update naming it */
	ck_assert(ans && upd);
	ck_assert_int_eq(ov_node_state(n), OV_ST_JOINED);
	ck_assert_uint_eq(ov_node_chord(n)->npred, 1);
	ck_assert(ov_id_eq(&ov_node_chord(n)->pred[0], &p.id));
	free_bufs(bufs, k);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

/* p stores a TURN-SERVICE value (at hash(p || 0)), written at time t. */
static void
peer_store(struct ov_node *n, struct peer *p, uint64_t t)
{
	uint8_t			 at[OV_ID_LEN + 1];
	struct ov_store_req	 req;
	struct ov_stored	 s;
	struct ov_sigbuf	 sb;
	struct ov_fwd		 f;
	struct wbuf		 w;

	memcpy(at, p->id.b, OV_ID_LEN);
	at[OV_ID_LEN] = 0;
	memset(&req, 0, sizeof req);
	ov_id_resource(at, sizeof at, &req.resource);
	memset(&s, 0, sizeof s);
	s.storage_time = t;
	s.lifetime = 60;
	s.v.exists = true;
	s.v.data = (const uint8_t *)"relay";
	s.v.len = 5;
	ck_assert_int_eq(ov_stored_sign(&s, &sb, &req.resource,
	    OV_KIND_TURN_SERVICE, OV_MODEL_SINGLE, &p->c), 0);
	req.nkinds = 1;
	req.kinds[0].kind = OV_KIND_TURN_SERVICE;
	req.kinds[0].k = ov_kind_find(ov_kind_all, ov_kind_nall,
	    OV_KIND_TURN_SERVICE);
	req.kinds[0].nvalues = 1;
	req.kinds[0].values = &s;
	wbuf_init(&w, 4096);
	ov_data_store_req_encode(&w, &req);
	fwd_init(&f, &req.resource, false);
	peer_send(n, p, &f, OV_STORE_REQ, w.p, w.len, false);
	wbuf_clear(&w);
}

/* The node's answer to p: 0 for a StoreAns, or the Error's code and info. */
static uint16_t
answer(struct ov_node *n, struct peer *p, char *why, size_t max)
{
	struct ov_msg	 m[4];
	uint8_t		*bufs[4];
	const uint8_t	*info;
	size_t		 ilen;
	uint16_t	 code = 0;

	ck_assert_uint_eq(collect(n, p, m, bufs, 4), 1);
	why[0] = '\0';
	if (m[0].code == OV_ERROR) {
		ck_assert_int_eq(ov_body_error_decode(m[0].body, m[0].body_len,
		    &code, &info, &ilen), 0);
		ck_assert_uint_lt(ilen, max);
		memcpy(why, info, ilen);
		why[ilen] = '\0';
	} else
		ck_assert_uint_eq(m[0].code, OV_STORE_ANS);
	free_bufs(bufs, 1);
	return code;
}

/*
 * A peer that floods stores: its burst goes in, then it is refused with
 * the reason until its allowance refills; another peer is not held up.
 */
START_TEST(store_flood_limited)
{
	struct ov_node_cfg	 cfg;
	struct ov_held_stats	 st;
	struct ov_node		*n;
	struct peer		 p, q;
	char			 why[128];
	uint64_t		 t = 1000;
	int			 i;

	node_cfg(&cfg);
	cfg.peer_store_rate = 2;
	cfg.peer_store_burst = 3;
	ck_assert_int_eq(ov_node_new(&n, &cfg, &node_crypto, &rng, NULL), 0);
	now = 1000;
	ov_node_start(n, now);
	peer_connect(n, &p, 0x10);
	peer_connect(n, &q, 0x20);
	for (i = 0; i < 3; i++) {
		peer_store(n, &p, t++);
		ck_assert_uint_eq(answer(n, &p, why, sizeof why), 0);
	}
	peer_store(n, &p, t++);
	ck_assert_uint_eq(answer(n, &p, why, sizeof why), OV_E_FORBIDDEN);
	ck_assert_str_eq(why, "too many stores from this peer; try again later");
	peer_store(n, &q, t++);
	ck_assert_uint_eq(answer(n, &q, why, sizeof why), 0);
	/* half a second: one more store's worth at 2 a second */
	now += 500;
	peer_store(n, &p, t++);
	ck_assert_uint_eq(answer(n, &p, why, sizeof why), 0);
	peer_store(n, &p, t++);
	ck_assert_uint_eq(answer(n, &p, why, sizeof why), OV_E_FORBIDDEN);
	ov_node_held_stats(n, &st);
	ck_assert_uint_eq(st.flood_refused, 2);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

/* A daemon identity (real P-256 keys) in dir/name, with its store. */
static struct identity *
real_identity(const char *name)
{
	struct identity	*ident = NULL;
	struct db	*st = NULL;
	char		*sub = xasprintf("%s/%s", dir, name), *path;
	char		*cause = NULL;

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_msg(identity_load(&ident, sub, OVERLAY, NULL, &cause) == 0,
	    "identity_load: %s", cause);
	path = xasprintf("%s/p2psipd.db", sub);
	ck_assert_msg(db_open(&st, path, &cause) == 0, "store: %s", cause);
	identity_set_db(ident, st);
	free(path);
	free(sub);
	return ident;
}

static void
real_identity_free(struct identity *ident)
{
	db_close(ident->db);
	identity_free(ident);
}

/* p on a link to n, as ident's node. */
static void
peer_connect_as(struct ov_node *n, struct peer *p, struct identity *ident,
    uint16_t port)
{
	struct addr	a;

	memset(p, 0, sizeof *p);
	p->id = ident->id;
	p->c = ident->crypto;
	ov_fh_init(&p->fh);
	peers[npeers++] = p;
	addr_parse("127.0.0.1:40000", 0, &a);
	a.port = port;
	p->link = ov_node_link_accepted(n, now, &a);
	ck_assert_uint_ne(p->link, 0);
	ov_node_link_up(n, now, p->link, &p->id);
}

/*
 * p stores u's SIP-REGISTRATION (RFC 7904) as a daemon does: the value
 * signed with the user's key, keyed by p's Node-ID (USER-NODE-MATCH),
 * the StoreReq signed by p with the user's certificate in its bucket.
 */
static void
peer_store_user(struct ov_node *n, struct peer *p,
    const struct identity_user *u, uint64_t t)
{
	struct ov_store_req	 req;
	struct ov_sipreg	 sr;
	struct ov_stored	 s;
	struct ov_sigbuf	 sb;
	struct ov_fwd		 f;
	struct wbuf		 w, v;

	memset(&req, 0, sizeof req);
	ov_id_resource(u->name, strlen(u->name), &req.resource);
	memset(&sr, 0, sizeof sr);
	sr.type = OV_SIPREG_ROUTE;
	sr.ndest = 1;
	ov_msg_dest_node(&sr.dest[0], &p->id);
	wbuf_init(&v, 1024);
	ov_data_sipreg_encode(&v, &sr);
	memset(&s, 0, sizeof s);
	s.storage_time = t;
	s.lifetime = 60;
	s.v.key = p->id.b;
	s.v.key_len = OV_ID_LEN;
	s.v.exists = true;
	s.v.data = v.p;
	s.v.len = (uint32_t)v.len;
	ck_assert_int_eq(ov_stored_sign(&s, &sb, &req.resource,
	    OV_KIND_SIP_REGISTRATION, OV_MODEL_DICT, &u->crypto), 0);
	req.nkinds = 1;
	req.kinds[0].kind = OV_KIND_SIP_REGISTRATION;
	req.kinds[0].k = ov_kind_find(ov_kind_all, ov_kind_nall,
	    OV_KIND_SIP_REGISTRATION);
	req.kinds[0].nvalues = 1;
	req.kinds[0].values = &s;
	wbuf_init(&w, 4096);
	ov_data_store_req_encode(&w, &req);
	fwd_init(&f, &req.resource, false);
	{
		struct wbuf	m, fr;

		wbuf_init(&m, 1 << 20);
		ov_msg_fwd_encode(&m, &f);
		ck_assert_int_eq(ov_msg_sign_encode_certs(&m, &f,
		    OV_STORE_REQ, w.p, w.len, &p->c, u->bucket,
		    u->bucket_len), 0);
		wbuf_init(&fr, 1 << 20);
		ov_fh_data(&p->fh, now, &fr, m.p, m.len);
		ov_node_link_input(n, now, p->link, fr.p, fr.len);
		wbuf_clear(&m);
		wbuf_clear(&fr);
	}
	wbuf_clear(&w);
	wbuf_clear(&v);
}

/*
 * One user on two nodes (§11.3.1, §7.3.3): the storing peer pins the
 * user name to the first writer's key.  a's alice stores; b, with a key
 * of its own for alice, is refused; b imports alice's key (issuing its
 * own certificate for it) and stores beside a; c, with its own key, is
 * still refused.
 */
START_TEST(user_pinned_to_key)
{
	const char		*alice = "alice@" OVERLAY;
	struct identity		*in, *ia, *ib, *ic;
	struct identity_user	*ua, *ub, *uc;
	struct ov_node_cfg	 cfg;
	struct ov_node		*n;
	struct peer		 a, b, c;
	char			 why[128], *cause = NULL, *file, *pass;
	bool			 replaced;
	uint64_t		 t = 1000;

	tmpdir_make("check_ov_node");
	in = real_identity("n");
	ia = real_identity("a");
	ib = real_identity("b");
	ic = real_identity("c");
	node_cfg(&cfg);
	cfg.self = in->id;
	ck_assert_int_eq(ov_node_new(&n, &cfg, &in->crypto, &rng, NULL), 0);
	now = 1000;
	ov_node_start(n, now);
	peer_connect_as(n, &a, ia, 40001);
	peer_connect_as(n, &b, ib, 40002);
	peer_connect_as(n, &c, ic, 40003);
	ck_assert_int_eq(identity_user(ia, alice, &ua, &cause), 0);
	ck_assert_int_eq(identity_user(ib, alice, &ub, &cause), 0);
	ck_assert_int_eq(identity_user(ic, alice, &uc, &cause), 0);
	peer_store_user(n, &a, ua, t++);
	ck_assert_uint_eq(answer(n, &a, why, sizeof why), 0);
	peer_store_user(n, &b, ub, t++);
	ck_assert_uint_eq(answer(n, &b, why, sizeof why), OV_E_FORBIDDEN);
	ck_assert_str_eq(why, "the user name belongs to another key");
	/* b takes alice's key from a: another certificate, the same key */
	file = xasprintf("%s/alice.p12", dir);
	pass = xstrdup("correct horse");
	ck_assert_msg(identity_export(ia, alice, file, pass, false, &ua,
	    &cause) == 0, "export: %s", cause);
	ck_assert_msg(identity_import(ib, file, pass, true, &ub, &replaced,
	    &cause) == 0, "import: %s", cause);
	ck_assert(replaced);
	ck_assert(memcmp(ua->hash, ub->hash, sizeof ua->hash) != 0);
	peer_store_user(n, &b, ub, t++);
	ck_assert_uint_eq(answer(n, &b, why, sizeof why), 0);
	peer_store_user(n, &a, ua, t++);
	ck_assert_uint_eq(answer(n, &a, why, sizeof why), 0);
	peer_store_user(n, &c, uc, t++);
	ck_assert_uint_eq(answer(n, &c, why, sizeof why), OV_E_FORBIDDEN);
	ck_assert_str_eq(why, "the user name belongs to another key");
	free(file);
	free(pass);
	peer_done(&a);
	ov_fh_clear(&b.fh);
	ov_fh_clear(&c.fh);
	ov_node_free(n);
	real_identity_free(in);
	real_identity_free(ia);
	real_identity_free(ib);
	real_identity_free(ic);
	tmpdir_remove();
}
END_TEST

START_TEST(transaction_limit)
{
	struct ov_node	*n = node_new();
	struct peer	 p;
	struct ov_fwd	 f;
	struct ov_id	 r;
	struct wbuf	 w;
	unsigned	 i;

	/* joined with one peer, routes go out and wait for answers */
	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	wbuf_init(&w, 64);
	ov_body_join_req_encode(&w, &p.id);
	peer_send(n, &p, &f, OV_JOIN_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	expect_silence(n, &(struct peer){ .link = 0 });
	memset(&r, 0x05, sizeof r);	/* p's part of the ring */
	for (i = 0; i < 16; i++)
		if (ov_node_route(n, now, &r, i) == EBUSY)
			break;
	/* max_pending is 4; the Update to p holds one */
	ck_assert_uint_le(i, 4);
	ck_assert_uint_ge(i, 2);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

/* An AppAttach body for application, with a candidate at addr (NULL:
 * none) of link type link. */
static void
app_attach_body(struct wbuf *w, uint16_t application, const char *addr,
    uint8_t link, const char *role)
{
	struct ov_app_attach	a;

	memset(&a, 0, sizeof a);
	strcpy(a.ufrag, "uf");
	strcpy(a.password, "pw");
	strcpy(a.role, role);
	a.application = application;
	if (addr != NULL) {
		a.ncand = 1;
		ck_assert_int_eq(addr_parse(addr, 0, &a.cand[0].addr), 0);
		a.cand[0].link_type = link;
		a.cand[0].cand_type = OV_CAND_HOST;
		a.cand[0].priority = 1;
	}
	wbuf_init(w, 512);
	ov_body_app_attach_encode(w, &a);
}

/*
 * AppAttach for SIP (RFC 6940 §6.5.2, RFC 7904 §5), answered with where
 * the node takes SIP over TLS; refused for another application
 * (Error_Not_Found, §6.5.2.2) and for a request with only ICE
 * candidates (the overlay is No-ICE, §6.5.1.5); one whose signature
 * does not verify is dropped.
 */
START_TEST(app_attach_answered)
{
	struct ov_node		*n = node_new();
	struct ov_app_attach	 a;
	struct peer		 p;
	struct ov_fwd		 f;
	struct ov_msg		 m[4];
	struct ov_id		 signer;
	struct addr		 sip;
	uint8_t			*bufs[4];
	struct wbuf		 w;

	peer_connect(n, &p, 0x10);
	fwd_init(&f, &node_id, true);
	/* not served yet: Error_Not_Found */
	app_attach_body(&w, OV_APP_SIP, "127.0.0.1:40010",
	    OV_LINK_TLS_TCP_FH_NO_ICE, "active");
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, false);
	expect_error(n, &p, OV_E_NOT_FOUND);
	ck_assert_int_eq(addr_parse("192.0.2.7:5061", 0, &sip), 0);
	ck_assert_int_eq(ov_node_app_serve(n, OV_APP_SIP, &sip), 0);
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	ck_assert_uint_eq(collect(n, &p, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].code, OV_APPATTACH_ANS);
	ck_assert_uint_eq(m[0].fwd.tid, f.tid);
	ck_assert_int_eq(ov_msg_verify(&m[0], &node_crypto, &signer), 0);
	ck_assert(ov_id_eq(&signer, &node_id));
	ck_assert_int_eq(ov_body_app_attach_decode(m[0].body, m[0].body_len,
	    &a), 0);
	ck_assert_uint_eq(a.application, OV_APP_SIP);
	ck_assert_str_eq(a.role, "passive");
	ck_assert_uint_eq(a.ncand, 1);
	ck_assert(addr_eq(&a.cand[0].addr, &sip));
	ck_assert_uint_eq(a.cand[0].link_type, OV_LINK_TLS_TCP_FH_NO_ICE);
	ck_assert_uint_eq(a.cand[0].cand_type, OV_CAND_HOST);
	free_bufs(bufs, 1);
	/* another application: Error_Not_Found (§6.5.2.2) */
	app_attach_body(&w, 5061, "127.0.0.1:40010",
	    OV_LINK_TLS_TCP_FH_NO_ICE, "active");
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	expect_error(n, &p, OV_E_NOT_FOUND);
	/* ICE candidates only (TLS-TCP-FH): not in a No-ICE overlay */
	app_attach_body(&w, OV_APP_SIP, "127.0.0.1:40010", 3, "active");
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	expect_error(n, &p, OV_E_INCOMPATIBLE_WITH_OVERLAY);
	/* no candidate at all is fine: the requester connects */
	app_attach_body(&w, OV_APP_SIP, NULL, 0, "active");
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	ck_assert_uint_eq(collect(n, &p, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].code, OV_APPATTACH_ANS);
	free_bufs(bufs, 1);
	/* a signature that is not the certificate's (a certificate that
	 * does not bind the sender's Node-ID fails the same check,
	 * check_ov_cert): dropped, nothing answered (§6.3.4) */
	app_attach_body(&w, OV_APP_SIP, NULL, 0, "active");
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, true);
	wbuf_clear(&w);
	expect_silence(n, &p);
	/* served no more */
	ck_assert_int_eq(ov_node_app_serve(n, OV_APP_SIP, NULL), 0);
	app_attach_body(&w, OV_APP_SIP, NULL, 0, "active");
	peer_send(n, &p, &f, OV_APPATTACH_REQ, w.p, w.len, false);
	wbuf_clear(&w);
	expect_error(n, &p, OV_E_NOT_FOUND);
	peer_done(&p);
	ov_node_free(n);
}
END_TEST

/* Drain the node's actions (what it sends goes to its peers) and take
 * the first event of type; false if there is none. */
static bool
take_event(struct ov_node *n, enum ov_event_type type, struct ov_event *ev)
{
	struct ov_action	a;
	unsigned		i;
	bool			found = false;

	while (ov_node_next_action(n, &a)) {
		for (i = 0; i < npeers; i++)
			if (a.type == OV_ACT_SEND && a.link == peers[i]->link)
				ov_fh_input(&peers[i]->fh, a.data, a.len);
		if (a.type == OV_ACT_EVENT && a.ev.type == type && !found) {
			*ev = a.ev;
			found = true;
		}
		free(a.data);
	}
	return found;
}

/* The AppAttachReq the node sent p: its transaction id and body. */
static uint64_t
app_attach_sent(struct ov_node *n, struct peer *p, struct ov_app_attach *a,
    struct ov_id *dest)
{
	struct ov_msg	 m[4];
	uint8_t		*bufs[4];
	uint64_t	 tid;

	ck_assert_uint_eq(collect(n, p, m, bufs, 4), 1);
	ck_assert_uint_eq(m[0].code, OV_APPATTACH_REQ);
	ck_assert_uint_eq(m[0].fwd.ndest, 1);
	ck_assert(ov_msg_dest_id(&m[0].fwd.dest[0], dest));
	ck_assert_int_eq(ov_body_app_attach_decode(m[0].body, m[0].body_len, a),
	    0);
	tid = m[0].fwd.tid;
	free_bufs(bufs, 1);
	return tid;
}

/* The node asks p where it takes SIP: p's answer, p's refusal, an
 * answer signed by another node (ignored), no answer at all. */
START_TEST(app_attach_asked)
{
	struct ov_node		*n = node_new();
	struct ov_app_attach	 a;
	struct ov_event		 ev;
	struct peer		 p, q;
	struct ov_fwd		 f;
	struct ov_id		 dest;
	struct addr		 want, sip;
	struct wbuf		 w;
	int			 i;

	peer_connect(n, &p, 0x10);
	peer_connect(n, &q, 0x20);
	ck_assert_int_eq(addr_parse("192.0.2.7:5061", 0, &sip), 0);
	ck_assert_int_eq(ov_node_app_serve(n, OV_APP_SIP, &sip), 0);
	/* not to ourselves, nor along a route naming a node twice */
	ck_assert_int_eq(ov_node_app_attach(n, now, &node_id, 1, OV_APP_SIP,
	    1), EINVAL);
	{
		struct ov_id	twice[2] = { p.id, p.id };

		ck_assert_int_eq(ov_node_app_attach(n, now, twice, 2,
		    OV_APP_SIP, 1), EINVAL);
	}
	ck_assert_int_eq(ov_node_app_attach(n, now, &p.id, 1, OV_APP_SIP, 7),
	    0);
	fwd_init(&f, &node_id, true);
	f.tid = app_attach_sent(n, &p, &a, &dest);
	ck_assert(ov_id_eq(&dest, &p.id));
	ck_assert_uint_eq(a.application, OV_APP_SIP);
	ck_assert_str_eq(a.role, "active");
	ck_assert_uint_eq(a.ncand, 1);	/* ours, as we serve SIP */
	ck_assert(addr_eq(&a.cand[0].addr, &sip));
	/* q answers in p's place: not the node asked, ignored */
	app_attach_body(&w, OV_APP_SIP, "192.0.2.9:5061",
	    OV_LINK_TLS_TCP_FH_NO_ICE, "passive");
	peer_send(n, &q, &f, OV_APPATTACH_ANS, w.p, w.len, false);
	ck_assert(!take_event(n, OV_EV_APP_ATTACH, &ev));
	peer_send(n, &p, &f, OV_APPATTACH_ANS, w.p, w.len, false);
	wbuf_clear(&w);
	ck_assert(take_event(n, OV_EV_APP_ATTACH, &ev));
	ck_assert_uint_eq(ev.cookie, 7);
	ck_assert_int_eq(ev.error, 0);
	ck_assert(ov_id_eq(&ev.peer, &p.id));
	ck_assert_uint_eq(ev.application, OV_APP_SIP);
	ck_assert_int_eq(addr_parse("192.0.2.9:5061", 0, &want), 0);
	ck_assert(addr_eq(&ev.app_addr, &want));
	/* p refuses: the RFC error and its words */
	ck_assert_int_eq(ov_node_app_attach(n, now, &p.id, 1, OV_APP_SIP, 8),
	    0);
	f.tid = app_attach_sent(n, &p, &a, &dest);
	wbuf_init(&w, 128);
	ov_body_error_encode(&w, OV_E_NOT_FOUND, "no SIP here");
	peer_send(n, &p, &f, OV_ERROR, w.p, w.len, false);
	wbuf_clear(&w);
	ck_assert(take_event(n, OV_EV_APP_ATTACH, &ev));
	ck_assert_uint_eq(ev.cookie, 8);
	ck_assert_int_eq(ev.error, 1000 + OV_E_NOT_FOUND);
	ck_assert_str_eq(ev.why, "no SIP here");
	/* an answer without a usable candidate */
	ck_assert_int_eq(ov_node_app_attach(n, now, &p.id, 1, OV_APP_SIP, 9),
	    0);
	f.tid = app_attach_sent(n, &p, &a, &dest);
	app_attach_body(&w, OV_APP_SIP, NULL, 0, "passive");
	peer_send(n, &p, &f, OV_APPATTACH_ANS, w.p, w.len, false);
	wbuf_clear(&w);
	ck_assert(take_event(n, OV_EV_APP_ATTACH, &ev));
	ck_assert_int_eq(ev.error, EPROTO);
	/* silence: sent five times (§6.2.1), then ETIMEDOUT */
	ck_assert_int_eq(ov_node_app_attach(n, now, &p.id, 1, OV_APP_SIP,
	    10), 0);
	for (i = 0; i < 6; i++) {
		now += 3000;
		ov_node_tick(n, now);
		if (take_event(n, OV_EV_APP_ATTACH, &ev))
			break;
	}
	ck_assert_int_lt(i, 6);
	ck_assert_uint_eq(ev.cookie, 10);
	ck_assert_int_eq(ev.error, ETIMEDOUT);
	peer_done(&p);
	peer_done(&q);
	ov_node_free(n);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ov_node");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, ping_answered);
	tcase_add_test(tc, wrong_overlay);
	tcase_add_loop_test(tc, header_fault, 0,
	    sizeof header_faults / sizeof header_faults[0]);
	tcase_add_test(tc, forwarding_faults);
	tcase_add_test(tc, bad_signature_dropped);
	tcase_add_test(tc, garbage_closes_the_link);
	tcase_add_test(tc, malformed_bodies);
	tcase_add_test(tc, join_admitted);
	tcase_add_test(tc, transaction_limit);
	tcase_add_test(tc, store_flood_limited);
	tcase_add_test(tc, user_pinned_to_key);
	tcase_add_test(tc, app_attach_answered);
	tcase_add_test(tc, app_attach_asked);
	suite_add_tcase(s, tc);
	return s;
}
