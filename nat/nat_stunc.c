/*
 * nat_stunc.c - STUN Binding client transactions over UDP (RFC 8489
 * §6.2.1, §7.3.3).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "nat_stunc.h"
#include "rng.h"
#include "stun.h"
#include "wire.h"
#include "xmalloc.h"

struct nat_stunc_txn {
	bool		 used;
	uint64_t	 cookie;
	uint8_t		 tid[STUN_TID_LEN];
	struct addr	 server;
	uint8_t		 req[NAT_STUNC_DGRAM_MAX];
	size_t		 len;
	unsigned	 sent;		/* requests so far */
	int64_t		 last;		/* the last one, sent at */
	int64_t		 due;		/* the next one, or the failure */
};

struct nat_stunc {
	struct nat_stunc_cfg	 cfg;
	struct rng		*rng;
	struct nat_stunc_txn	 txn[NAT_STUNC_MAX];
	struct fifo		 actions;
};

int
nat_stunc_new(struct nat_stunc **out, const struct nat_stunc_cfg *cfg,
    struct rng *rng)
{
	struct nat_stunc	*c;

	if (cfg->rto_ms == 0 || cfg->rc == 0 || cfg->rm == 0)
		return EINVAL;
	c = xcalloc(1, sizeof *c);
	c->cfg = *cfg;
	c->rng = rng;
	fifo_init(&c->actions, sizeof(struct nat_stunc_action));
	*out = c;
	return 0;
}

void
nat_stunc_free(struct nat_stunc *c)
{
	if (c == NULL)
		return;
	fifo_clear(&c->actions);
	free(c);
}

static void
nat_stunc_send(struct nat_stunc *c, struct nat_stunc_txn *t, int64_t now)
{
	struct nat_stunc_action	a;
	/* §6.2.1: RTO doubles after each; the last waits rm*RTO */
	int64_t			rto = (int64_t)c->cfg.rto_ms << t->sent;

	memset(&a, 0, sizeof a);
	a.type = NAT_STUNC_SEND;
	a.to = t->server;
	memcpy(a.buf, t->req, t->len);
	a.len = t->len;
	fifo_push(&c->actions, &a);
	t->sent++;
	t->last = now;
	t->due = now + (t->sent < c->cfg.rc ? rto :
	    (int64_t)c->cfg.rm * c->cfg.rto_ms);
}

static void
nat_stunc_done(struct nat_stunc *c, struct nat_stunc_txn *t,
    const struct nat_stunc_result *r)
{
	struct nat_stunc_action	a;

	memset(&a, 0, sizeof a);
	a.type = NAT_STUNC_RESULT;
	a.res = *r;
	a.res.cookie = t->cookie;
	a.res.server = t->server;
	fifo_push(&c->actions, &a);
	memset(t, 0, sizeof *t);
}

void
nat_stunc_tid(struct nat_stunc *c, uint8_t tid[STUN_TID_LEN])
{
	c->rng->fill(tid, STUN_TID_LEN, c->rng->arg);
}

int
nat_stunc_request(struct nat_stunc *c, int64_t now, const struct addr *to,
    const uint8_t *msg, size_t len, uint64_t cookie)
{
	struct nat_stunc_txn	*t = NULL;
	size_t			 i;

	if ((to->family != 4 && to->family != 6) || len < STUN_HDR_LEN ||
	    !stun_is_message(msg, len) || (msg[0] & 0x01) || (msg[1] & 0x10))
		return EINVAL;
	if (len > NAT_STUNC_DGRAM_MAX)
		return EMSGSIZE;
	for (i = 0; i < NAT_STUNC_MAX && t == NULL; i++)
		if (!c->txn[i].used)
			t = &c->txn[i];
	if (t == NULL)
		return ENOBUFS;
	memset(t, 0, sizeof *t);
	memcpy(t->tid, msg + 8, STUN_TID_LEN);
	memcpy(t->req, msg, len);
	t->len = len;
	t->used = true;
	t->cookie = cookie;
	t->server = *to;
	nat_stunc_send(c, t, now);
	return 0;
}

int
nat_stunc_binding(struct nat_stunc *c, int64_t now, const struct addr *server,
    unsigned change, uint64_t cookie)
{
	struct stun_builder	 b;
	struct wbuf		 w;
	uint8_t			 flags[4] = { 0, 0, 0, 0 }, tid[STUN_TID_LEN];
	int			 rc;

	if (server->family != 4 && server->family != 6)
		return EINVAL;
	nat_stunc_tid(c, tid);
	wbuf_init(&w, NAT_STUNC_DGRAM_MAX);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
	if (change != 0) {
		flags[3] = (uint8_t)(change & (STUN_CHANGE_IP |
		    STUN_CHANGE_PORT));
		stun_build_attr(&b, STUN_A_CHANGE_REQUEST, flags, sizeof flags);
	}
	/* §7.3.1: FINGERPRINT lets a server that shares its port with
	 * another protocol tell STUN apart (RFC 5626 §8) */
	stun_build_fingerprint(&b);
	rc = stun_build_end(&b) != 0 ? EMSGSIZE :
	    nat_stunc_request(c, now, server, w.p, w.len, cookie);
	wbuf_clear(&w);
	return rc;
}

void
nat_stunc_cancel(struct nat_stunc *c, uint64_t cookie)
{
	size_t	i;

	for (i = 0; i < NAT_STUNC_MAX; i++)
		if (c->txn[i].used && c->txn[i].cookie == cookie)
			memset(&c->txn[i], 0, sizeof c->txn[i]);
}

void
nat_stunc_cancel_all(struct nat_stunc *c)
{
	memset(c->txn, 0, sizeof c->txn);
}

bool
nat_stunc_input(struct nat_stunc *c, int64_t now, const struct addr *from,
    const uint8_t *buf, size_t len)
{
	struct nat_stunc_result	 r;
	struct nat_stunc_txn	*t = NULL;
	struct stun_msg		 m;
	const char		*why;
	size_t			 wlen, i;

	if (!stun_is_message(buf, len) || stun_parse(&m, buf, len) != 0 ||
	    (m.cls != STUN_SUCCESS && m.cls != STUN_ERROR))
		return false;
	for (i = 0; i < NAT_STUNC_MAX && t == NULL; i++)
		if (c->txn[i].used &&
		    memcmp(c->txn[i].tid, m.tid, STUN_TID_LEN) == 0 &&
		    wire_be16(c->txn[i].req) == stun_type(m.method,
		    STUN_REQUEST))
			t = &c->txn[i];
	/* §7.3.1: a FINGERPRINT present must be right */
	if (t == NULL || (m.fp.val != NULL && !stun_check_fingerprint(&m)))
		return false;
	memset(&r, 0, sizeof r);
	r.from = *from;
	r.rtt_ms = now - t->last;
	if (len <= sizeof r.msg) {
		memcpy(r.msg, buf, len);
		r.msg_len = len;
	}
	if (m.cls == STUN_ERROR) {
		r.error = EPROTO;
		if (stun_get_error(&m, &r.code, &why, &wlen) != 0)
			r.code = 0;
	} else if (r.msg_len == 0) {
		r.error = EMSGSIZE;
	} else if (m.method != STUN_BINDING) {
		/* the caller reads its own attributes from msg */
	} else if (stun_get_addr(&m, STUN_A_XOR_MAPPED_ADDRESS,
	    &r.mapped) != 0 &&
	    /* §14.1: a server of RFC 3489 gives only MAPPED-ADDRESS */
	    stun_get_addr(&m, STUN_A_MAPPED_ADDRESS, &r.mapped) != 0) {
		r.error = EBADMSG;
	} else {
		if (stun_get_addr(&m, STUN_A_OTHER_ADDRESS, &r.other) != 0)
			memset(&r.other, 0, sizeof r.other);
		if (stun_get_addr(&m, STUN_A_RESPONSE_ORIGIN, &r.origin) != 0)
			memset(&r.origin, 0, sizeof r.origin);
	}
	nat_stunc_done(c, t, &r);
	return true;
}

void
nat_stunc_tick(struct nat_stunc *c, int64_t now)
{
	struct nat_stunc_result	 r;
	struct nat_stunc_txn	*t;
	size_t			 i;

	for (i = 0; i < NAT_STUNC_MAX; i++) {
		t = &c->txn[i];
		if (!t->used || t->due > now)
			continue;
		if (t->sent < c->cfg.rc) {
			nat_stunc_send(c, t, now);
			continue;
		}
		memset(&r, 0, sizeof r);
		r.error = ETIMEDOUT;
		nat_stunc_done(c, t, &r);
	}
}

int64_t
nat_stunc_deadline(const struct nat_stunc *c)
{
	int64_t	d = INT64_MAX;
	size_t	i;

	for (i = 0; i < NAT_STUNC_MAX; i++)
		if (c->txn[i].used && c->txn[i].due < d)
			d = c->txn[i].due;
	return d;
}

bool
nat_stunc_next_action(struct nat_stunc *c, struct nat_stunc_action *a)
{
	return fifo_pop(&c->actions, a);
}

unsigned
nat_stunc_pending(const struct nat_stunc *c)
{
	unsigned	n = 0;
	size_t		i;

	for (i = 0; i < NAT_STUNC_MAX; i++)
		n += c->txn[i].used;
	return n;
}
