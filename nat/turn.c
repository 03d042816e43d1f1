/*
 * turn.c - a TURN client's allocation (RFC 8656).
 */
#define _DEFAULT_SOURCE		/* explicit_bzero */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "log_ctx.h"
#include "nat_stunc.h"
#include "stun.h"
#include "turn.h"
#include "wire.h"
#include "xmalloc.h"

/* What a transaction was: the cookie's high half; a peer's index low. */
enum turn_op {
	TURN_OP_ALLOCATE = 1,
	TURN_OP_REFRESH,
	TURN_OP_PERMIT,
	TURN_OP_CHANNEL,
	TURN_OP_RELEASE,
};

#define TURN_STALE_MAX		3	/* 438s in a row for one request */
#define TURN_EARLY_S		60	/* refresh this long before expiry */
#define TURN_TI_MS		39500	/* RFC 8489 §6.2.2 */
#define TURN_RX_MAX		(2 * (TURN_MSG_MAX + 4))
/* RFC 8489 §9.2: a nonce that starts so offers its security features */
#define TURN_NONCE_COOKIE	"obMatJos2"

struct turn_peer {
	bool		 used;
	struct addr	 addr;
	bool		 want_channel;
	uint16_t	 channel;	/* 0: none asked */
	bool		 permitted, bound;
	bool		 busy_perm, busy_chan;	/* a request under way */
	int64_t		 perm_at, chan_at;	/* refresh due */
	unsigned	 stale;
};

struct turn {
	struct turn_cfg		 cfg;
	char			*user, *password;
	const struct log_ctx	*log;
	struct nat_stunc	*stunc;
	struct fifo		 actions;
	enum turn_state		 state;
	struct addr		 relayed, mapped;
	unsigned		 lifetime_s;
	int64_t			 refresh_at;	/* INT64_MAX: none */
	bool			 busy_refresh;
	unsigned		 stale;		/* of Allocate, Refresh */
	/* the long-term credentials (RFC 8489 §9.2) */
	bool			 auth;
	char			 realm[STUN_TEXT_MAX + 1];
	char			 nonce[STUN_TEXT_MAX + 1];
	uint8_t			 algs[64];	/* PASSWORD-ALGORITHMS */
	size_t			 algs_len;
	uint16_t		 alg;
	struct stun_key		 key;
	struct turn_peer	 peers[TURN_PEERS_MAX];
	uint16_t		 next_channel;
	uint8_t			 rx[TURN_RX_MAX];	/* TCP */
	size_t			 rx_len;
};

static const char *const turn_state_names[] = {
	"idle", "allocating", "allocated", "failed", "released",
};

const char *
turn_state_name(enum turn_state s)
{
	return (unsigned)s < sizeof turn_state_names /
	    sizeof turn_state_names[0] ? turn_state_names[s] : "?";
}

int
turn_new(struct turn **out, const struct turn_cfg *cfg, struct rng *rng,
    const struct log_ctx *log)
{
	struct turn		*t;
	struct nat_stunc_cfg	 sc = cfg->stun;
	int			 rc;

	if ((cfg->server.family != 4 && cfg->server.family != 6) ||
	    cfg->user == NULL || cfg->password == NULL ||
	    !stun_opaque_ok(cfg->user) || !stun_opaque_ok(cfg->password) ||
	    strlen(cfg->user) > STUN_TEXT_MAX)
		return EINVAL;
	if (cfg->tcp) {
		sc.rto_ms = TURN_TI_MS;
		sc.rc = 1;
		sc.rm = 1;
	}
	t = xcalloc(1, sizeof *t);
	if ((rc = nat_stunc_new(&t->stunc, &sc, rng)) != 0) {
		free(t);
		return rc;
	}
	t->cfg = *cfg;
	t->user = xstrdup(cfg->user);
	t->password = xstrdup(cfg->password);
	t->cfg.user = t->user;
	t->cfg.password = t->password;
	if (t->cfg.lifetime_s == 0)
		t->cfg.lifetime_s = TURN_LIFETIME;
	t->log = log;
	t->refresh_at = INT64_MAX;
	t->next_channel = TURN_CHAN_MIN;
	fifo_init(&t->actions, sizeof(struct turn_action));
	*out = t;
	return 0;
}

void
turn_free(struct turn *t)
{
	if (t == NULL)
		return;
	nat_stunc_free(t->stunc);
	fifo_clear(&t->actions);
	stun_key_clear(&t->key);
	free(t->user);
	if (t->password != NULL)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
	free(t);
}

enum turn_state
turn_state(const struct turn *t)
{
	return t->state;
}

const struct addr *
turn_relayed(const struct turn *t)
{
	return &t->relayed;
}

const struct addr *
turn_mapped(const struct turn *t)
{
	return &t->mapped;
}

static void
turn_push(struct turn *t, struct turn_action *a)
{
	fifo_push(&t->actions, a);
}

/* Bytes to the server; over TCP ChannelData is padded (§12.5). */
static void
turn_out(struct turn *t, const uint8_t *buf, size_t len)
{
	struct turn_action	a;

	memset(&a, 0, sizeof a);
	a.type = TURN_ACT_SEND;
	memcpy(a.buf, buf, len);
	a.len = len;
	if (t->cfg.tcp && (buf[0] & 0xc0) == 0x40)
		while (a.len % 4 != 0)
			a.buf[a.len++] = 0;
	turn_push(t, &a);
}

static void
turn_fail(struct turn *t, unsigned code, const char *why)
{
	struct turn_action	a;
	char			b[ADDR_STRLEN];

	t->state = TURN_FAILED;
	t->refresh_at = INT64_MAX;
	nat_stunc_cancel_all(t->stunc);
	lc_warn(t->log, "turn: %s: failed: %u %s", addr_str(&t->cfg.server, b),
	    code, why);
	memset(&a, 0, sizeof a);
	a.type = TURN_ACT_FAILED;
	a.code = code;
	snprintf(a.why, sizeof a.why, "%s", why);
	turn_push(t, &a);
}

/* The attributes of the long-term credential mechanism, then integrity. */
static void
turn_sign(struct turn *t, struct stun_builder *b)
{
	uint8_t	alg[4];

	if (!t->auth) {
		stun_build_fingerprint(b);
		return;
	}
	stun_build_attr(b, STUN_A_USERNAME, t->user, strlen(t->user));
	stun_build_attr(b, STUN_A_REALM, t->realm, strlen(t->realm));
	stun_build_attr(b, STUN_A_NONCE, t->nonce, strlen(t->nonce));
	if (t->algs_len > 0) {
		/* §9.2.4: the list as the server gave it, and the choice */
		stun_build_attr(b, STUN_A_PASSWORD_ALGORITHMS, t->algs,
		    t->algs_len);
		wire_put_be16(alg, t->alg);
		wire_put_be16(alg + 2, 0);
		stun_build_attr(b, STUN_A_PASSWORD_ALGORITHM, alg, sizeof alg);
	}
	stun_build_integrity(b, &t->key);
	stun_build_fingerprint(b);
}

/* Build and send the request of op (for peer i). */
static int
turn_request(struct turn *t, int64_t now, enum turn_op op, unsigned i)
{
	static const uint16_t	 methods[] = { 0, STUN_ALLOCATE, STUN_REFRESH,
				    STUN_CREATE_PERMISSION, STUN_CHANNEL_BIND,
				    STUN_REFRESH };
	struct turn_peer	*p = &t->peers[i];
	struct stun_builder	 b;
	struct wbuf		 w;
	uint8_t			 tid[STUN_TID_LEN], v[4];
	int			 rc;

	nat_stunc_tid(t->stunc, tid);
	wbuf_init(&w, NAT_STUNC_DGRAM_MAX);
	stun_build_begin(&b, &w, methods[op], STUN_REQUEST, tid);
	switch (op) {
	case TURN_OP_ALLOCATE:
		/* §7.1: UDP between the server and the peers (17) */
		memset(v, 0, sizeof v);
		v[0] = 17;
		stun_build_attr(&b, STUN_A_REQUESTED_TRANSPORT, v, 4);
		/* FALLTHROUGH */
	case TURN_OP_REFRESH:
		wire_put_be32(v, t->cfg.lifetime_s);
		stun_build_attr(&b, STUN_A_LIFETIME, v, 4);
		break;
	case TURN_OP_RELEASE:
		wire_put_be32(v, 0);
		stun_build_attr(&b, STUN_A_LIFETIME, v, 4);
		break;
	case TURN_OP_CHANNEL:
		wire_put_be16(v, p->channel);
		wire_put_be16(v + 2, 0);
		stun_build_attr(&b, STUN_A_CHANNEL_NUMBER, v, 4);
		/* FALLTHROUGH */
	case TURN_OP_PERMIT:
		stun_build_addr(&b, STUN_A_XOR_PEER_ADDRESS, &p->addr);
		break;
	}
	turn_sign(t, &b);
	if ((rc = stun_build_end(&b)) == 0)
		rc = nat_stunc_request(t->stunc, now, &t->cfg.server, w.p,
		    w.len, (uint64_t)op << 16 | i);
	wbuf_clear(&w);
	return rc;
}

static void	turn_drain(struct turn *, int64_t);

int
turn_allocate(struct turn *t, int64_t now)
{
	int	rc;

	if (t->state != TURN_IDLE)
		return EALREADY;
	t->state = TURN_ALLOCATING;
	rc = turn_request(t, now, TURN_OP_ALLOCATE, 0);
	turn_drain(t, now);
	return rc;
}

int
turn_release(struct turn *t, int64_t now)
{
	int	rc;

	if (t->state != TURN_ALLOCATED)
		return ENOTCONN;
	nat_stunc_cancel_all(t->stunc);
	t->state = TURN_RELEASED;
	t->refresh_at = INT64_MAX;
	rc = turn_request(t, now, TURN_OP_RELEASE, 0);
	turn_drain(t, now);
	return rc;
}

static struct turn_peer *
turn_peer_find(struct turn *t, const struct addr *a, bool by_ip)
{
	unsigned	i;

	for (i = 0; i < TURN_PEERS_MAX; i++)
		if (t->peers[i].used && (by_ip ?
		    addr_ip_eq(&t->peers[i].addr, a) :
		    addr_eq(&t->peers[i].addr, a)))
			return &t->peers[i];
	return NULL;
}

static void
turn_peer_ask(struct turn *t, int64_t now, struct turn_peer *p)
{
	unsigned	i = (unsigned)(p - t->peers);

	if (p->want_channel && !p->busy_chan) {
		if (p->channel == 0) {
			if (t->next_channel > TURN_CHAN_MAX)
				return;
			p->channel = t->next_channel++;
		}
		if (turn_request(t, now, TURN_OP_CHANNEL, i) == 0) {
			p->busy_chan = true;
			p->chan_at = INT64_MAX;
		}
	} else if (!p->want_channel && !p->busy_perm &&
	    turn_request(t, now, TURN_OP_PERMIT, i) == 0) {
		p->busy_perm = true;
		p->perm_at = INT64_MAX;
	}
}

int
turn_permit(struct turn *t, int64_t now, const struct addr *peer,
    bool channel)
{
	struct turn_peer	*p;
	unsigned		 i;

	if (peer->family != t->cfg.server.family)
		return EINVAL;
	if (t->state != TURN_ALLOCATED)
		return ENOTCONN;
	if ((p = turn_peer_find(t, peer, false)) == NULL) {
		for (i = 0; i < TURN_PEERS_MAX && t->peers[i].used; i++)
			;
		if (i == TURN_PEERS_MAX)
			return ENOBUFS;
		p = &t->peers[i];
		memset(p, 0, sizeof *p);
		p->used = true;
		p->addr = *peer;
	}
	p->want_channel |= channel;
	turn_peer_ask(t, now, p);
	turn_drain(t, now);
	return 0;
}

void
turn_forget(struct turn *t, const struct addr *peer)
{
	struct turn_peer	*p;

	/* the server lets them expire (§9, §12: no way to remove one) */
	if ((p = turn_peer_find(t, peer, false)) != NULL) {
		nat_stunc_cancel(t->stunc, (uint64_t)TURN_OP_PERMIT << 16 |
		    (uint64_t)(p - t->peers));
		nat_stunc_cancel(t->stunc, (uint64_t)TURN_OP_CHANNEL << 16 |
		    (uint64_t)(p - t->peers));
		memset(p, 0, sizeof *p);
	}
}

int
turn_send(struct turn *t, int64_t now, const struct addr *peer,
    const void *data, size_t len)
{
	struct turn_peer	*p;
	struct stun_builder	 b;
	struct wbuf		 w;
	uint8_t			 tid[STUN_TID_LEN], buf[TURN_MSG_MAX];
	int			 rc;

	(void)now;
	if (t->state != TURN_ALLOCATED)
		return ENOTCONN;
	if (len > TURN_DATA_MAX)
		return EMSGSIZE;
	p = turn_peer_find(t, peer, false);
	if (p != NULL && p->bound) {
		/* §12.4 */
		wire_put_be16(buf, p->channel);
		wire_put_be16(buf + 2, (uint16_t)len);
		memcpy(buf + 4, data, len);
		turn_out(t, buf, 4 + len);
		return 0;
	}
	/* §11.1: a Send indication, never authenticated */
	nat_stunc_tid(t->stunc, tid);
	wbuf_init(&w, TURN_MSG_MAX);
	stun_build_begin(&b, &w, STUN_SEND, STUN_INDICATION, tid);
	stun_build_addr(&b, STUN_A_XOR_PEER_ADDRESS, peer);
	stun_build_attr(&b, STUN_A_DATA, data, len);
	if ((rc = stun_build_end(&b)) == 0)
		turn_out(t, w.p, w.len);
	wbuf_clear(&w);
	return rc;
}

/* Take REALM and NONCE (and the security features) of a 401 or 438. */
static int
turn_take_nonce(struct turn *t, const struct stun_msg *m)
{
	const char		*s;
	const struct stun_attr	*a;
	uint16_t		 algs[8], alg = STUN_PWALG_MD5;
	size_t			 n, i;

	if (stun_get_text(m, STUN_A_NONCE, &s, &n) != 0 || n == 0 ||
	    memchr(s, '\0', n) != NULL)
		return EBADMSG;
	memcpy(t->nonce, s, n);
	t->nonce[n] = '\0';
	if (stun_get_text(m, STUN_A_REALM, &s, &n) == 0) {
		if (memchr(s, '\0', n) != NULL)
			return EBADMSG;
		memcpy(t->realm, s, n);
		t->realm[n] = '\0';
	}
	if (t->realm[0] == '\0')
		return EBADMSG;
	t->algs_len = 0;
	if (strncmp(t->nonce, TURN_NONCE_COOKIE,
	    strlen(TURN_NONCE_COOKIE)) == 0 &&
	    (a = stun_attr_find(m, STUN_A_PASSWORD_ALGORITHMS)) != NULL &&
	    a->len <= sizeof t->algs &&
	    stun_get_password_algs(m, algs, 8, &n) == 0 && n > 0) {
		/* §9.2.4: MD5 when offered, else SHA-256 */
		alg = 0;
		for (i = 0; i < n && i < 8; i++)
			if (algs[i] == STUN_PWALG_MD5 ||
			    (algs[i] == STUN_PWALG_SHA256 && alg == 0))
				alg = algs[i];
		if (alg == 0)
			return ENOTSUP;
		memcpy(t->algs, a->val, a->len);
		t->algs_len = a->len;
	}
	t->alg = alg;
	stun_key_clear(&t->key);
	if (stun_key_long(&t->key, alg, t->user, strlen(t->user), t->realm,
	    strlen(t->realm), t->password, strlen(t->password)) != 0)
		return EIO;
	t->auth = true;
	return 0;
}

static void
turn_schedule(struct turn *t, int64_t now, unsigned lifetime)
{
	unsigned	early = lifetime > 2 * TURN_EARLY_S ? TURN_EARLY_S :
			    lifetime / 2;

	t->lifetime_s = lifetime;
	t->refresh_at = now + (int64_t)(lifetime - early) * 1000;
}

static void
turn_peer_result(struct turn *t, int64_t now, enum turn_op op,
    struct turn_peer *p, bool ok, unsigned code)
{
	struct turn_action	a;
	bool			was = op == TURN_OP_CHANNEL ? p->bound :
				    p->permitted;

	if (op == TURN_OP_CHANNEL) {
		p->busy_chan = false;
		p->bound = ok;
		/* §12: a channel lasts 10 min, its permission 5 */
		p->chan_at = ok ? now + (TURN_PERM_LIFETIME - TURN_EARLY_S) *
		    1000 : INT64_MAX;
	} else {
		p->busy_perm = false;
		p->perm_at = ok ? now + (TURN_PERM_LIFETIME - TURN_EARLY_S) *
		    1000 : INT64_MAX;
	}
	p->permitted = ok;
	if (ok == was && ok)
		return;		/* a refresh */
	memset(&a, 0, sizeof a);
	a.type = op == TURN_OP_CHANNEL ? TURN_ACT_CHANNEL : TURN_ACT_PERMITTED;
	a.peer = p->addr;
	a.ok = ok;
	a.code = code;
	a.channel = p->channel;
	turn_push(t, &a);
}

static void
turn_allocated(struct turn *t, int64_t now, const struct stun_msg *m)
{
	struct turn_action	 a;
	const struct stun_attr	*lt;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];

	if (stun_get_addr(m, STUN_A_XOR_RELAYED_ADDRESS, &t->relayed) != 0 ||
	    (lt = stun_attr_find(m, STUN_A_LIFETIME)) == NULL ||
	    lt->len != 4) {
		turn_fail(t, 0, "Allocate success without a relayed address "
		    "or lifetime");
		return;
	}
	if (stun_get_addr(m, STUN_A_XOR_MAPPED_ADDRESS, &t->mapped) != 0)
		memset(&t->mapped, 0, sizeof t->mapped);
	t->state = TURN_ALLOCATED;
	turn_schedule(t, now, wire_be32(lt->val));
	lc_info(t->log, "turn: %s: allocated relayed=%s lifetime=%u",
	    addr_str(&t->cfg.server, b1), addr_str(&t->relayed, b2),
	    t->lifetime_s);
	memset(&a, 0, sizeof a);
	a.type = TURN_ACT_ALLOCATED;
	a.relayed = t->relayed;
	a.mapped = t->mapped;
	a.lifetime_s = t->lifetime_s;
	turn_push(t, &a);
}

/* A transaction of ours ended (r) with the parsed response m (NULL: no
 * answer). */
static void
turn_result(struct turn *t, int64_t now, const struct nat_stunc_result *r)
{
	enum turn_op		 op = (enum turn_op)(r->cookie >> 16);
	struct turn_peer	*p = &t->peers[(r->cookie & 0xffff) %
				    TURN_PEERS_MAX];
	struct stun_msg		 m;
	unsigned		 code = r->code;
	char			 why[96];
	unsigned		*stale = op == TURN_OP_PERMIT ||
				    op == TURN_OP_CHANNEL ? &p->stale :
				    &t->stale;
	bool			 ok = false;

	if (op == TURN_OP_RELEASE)
		goto released;
	if (r->error == ETIMEDOUT || r->msg_len == 0 ||
	    stun_parse(&m, r->msg, r->msg_len) != 0)
		goto failed;
	/* §9.2.5: an answer to a signed request must be signed; one that
	 * is not is taken as no answer */
	if (t->auth && !(r->error == EPROTO && (code == 401 || code == 438)) &&
	    stun_check_integrity(&m, &t->key) != 0)
		goto failed;
	if (r->error == EPROTO && (code == 401 || code == 438) &&
	    *stale < TURN_STALE_MAX &&
	    (code == 438 || !t->auth || op != TURN_OP_ALLOCATE)) {
		/* §9.2.5: first contact, or a nonce gone stale */
		(*stale)++;
		if (turn_take_nonce(t, &m) == 0 &&
		    turn_request(t, now, op, (unsigned)(r->cookie & 0xffff)) ==
		    0)
			return;
	}
	*stale = 0;
	ok = r->error == 0;
failed:
	switch (op) {
	case TURN_OP_ALLOCATE:
		if (ok) {
			turn_allocated(t, now, &m);
			return;
		}
		snprintf(why, sizeof why, "%s", r->error == ETIMEDOUT ?
		    "no answer" : code == 401 ? "credentials refused" :
		    "Allocate refused");
		turn_fail(t, code, why);
		return;
	case TURN_OP_REFRESH:
		t->busy_refresh = false;
		if (ok) {
			const struct stun_attr *lt =
			    stun_attr_find(&m, STUN_A_LIFETIME);

			turn_schedule(t, now, lt != NULL && lt->len == 4 ?
			    wire_be32(lt->val) : t->lifetime_s);
			return;
		}
		/* §8.3: 437, or no answer: the allocation is gone */
		turn_fail(t, code, "Refresh failed: the allocation is lost");
		return;
	case TURN_OP_PERMIT:
	case TURN_OP_CHANNEL:
		if (p->used)
			turn_peer_result(t, now, op, p, ok, code);
		return;
	case TURN_OP_RELEASE:
		break;
	}
released:
	{
		struct turn_action	a;

		memset(&a, 0, sizeof a);
		a.type = TURN_ACT_RELEASED;
		turn_push(t, &a);
	}
}

static void
turn_drain(struct turn *t, int64_t now)
{
	struct nat_stunc_action	a;

	while (nat_stunc_next_action(t->stunc, &a)) {
		if (a.type == NAT_STUNC_SEND)
			turn_out(t, a.buf, a.len);
		else
			turn_result(t, now, &a.res);
	}
}

/* A Data indication (§11.4) or ChannelData (§12.6) from the server. */
static void
turn_data(struct turn *t, const uint8_t *buf, size_t len)
{
	struct turn_action	 a;
	struct stun_msg		 m;
	const struct stun_attr	*d;
	unsigned		 i;
	uint16_t		 ch, n;

	memset(&a, 0, sizeof a);
	a.type = TURN_ACT_DATA;
	if ((buf[0] & 0xc0) == 0x40) {
		ch = wire_be16(buf);
		n = wire_be16(buf + 2);
		if ((size_t)n + 4 > len || n > TURN_DATA_MAX)
			return;
		for (i = 0; i < TURN_PEERS_MAX; i++)
			if (t->peers[i].used && t->peers[i].bound &&
			    t->peers[i].channel == ch)
				break;
		if (i == TURN_PEERS_MAX)
			return;		/* §12.6: not a channel of ours */
		a.peer = t->peers[i].addr;
		memcpy(a.buf, buf + 4, n);
		a.len = n;
	} else {
		if (stun_parse(&m, buf, len) != 0 || m.method != STUN_DATA ||
		    m.cls != STUN_INDICATION ||
		    stun_get_addr(&m, STUN_A_XOR_PEER_ADDRESS, &a.peer) != 0 ||
		    (d = stun_attr_find(&m, STUN_A_DATA)) == NULL ||
		    d->len > TURN_DATA_MAX)
			return;
		memcpy(a.buf, d->val, d->len);
		a.len = d->len;
	}
	turn_push(t, &a);
}

/* One whole message from the server. */
static void
turn_message(struct turn *t, int64_t now, const uint8_t *buf, size_t len)
{
	if ((buf[0] & 0xc0) == 0x40 ||
	    (len >= STUN_HDR_LEN && (buf[0] & 0x01) == 0 && (buf[1] & 0x10)))
		turn_data(t, buf, len);
	else if (nat_stunc_input(t->stunc, now, &t->cfg.server, buf, len))
		turn_drain(t, now);
}

/* The length of the frame at the head of the TCP stream; 0: more
 * bytes needed; SIZE_MAX: not a frame. */
static size_t
turn_frame(const uint8_t *p, size_t have)
{
	size_t	n;

	if (have < 4)
		return 0;
	if ((p[0] & 0xc0) == 0x40)
		n = (4 + (size_t)wire_be16(p + 2) + 3) & ~(size_t)3;
	else if ((p[0] & 0xc0) == 0)
		n = STUN_HDR_LEN + wire_be16(p + 2);
	else
		return SIZE_MAX;
	if (n > TURN_MSG_MAX + 4)
		return SIZE_MAX;
	return n <= have ? n : 0;
}

bool
turn_input(struct turn *t, int64_t now, const struct addr *from,
    const uint8_t *buf, size_t len)
{
	size_t	n, take;

	if (!t->cfg.tcp) {
		if (from == NULL || !addr_eq(from, &t->cfg.server) ||
		    len < 4 || (buf[0] & 0x80) != 0)
			return false;
		if ((buf[0] & 0xc0) == 0 && !stun_is_message(buf, len))
			return false;
		turn_message(t, now, buf, len);
		return true;
	}
	while (len > 0 && t->state != TURN_FAILED) {
		take = len < TURN_RX_MAX - t->rx_len ? len :
		    TURN_RX_MAX - t->rx_len;
		memcpy(t->rx + t->rx_len, buf, take);
		t->rx_len += take;
		buf += take;
		len -= take;
		while ((n = turn_frame(t->rx, t->rx_len)) != 0) {
			if (n == SIZE_MAX) {
				turn_fail(t, 0, "the server's stream is "
				    "not TURN");
				t->rx_len = 0;
				return true;
			}
			turn_message(t, now, t->rx, n);
			memmove(t->rx, t->rx + n, t->rx_len - n);
			t->rx_len -= n;
		}
	}
	return true;
}

void
turn_tick(struct turn *t, int64_t now)
{
	unsigned	i;

	nat_stunc_tick(t->stunc, now);
	turn_drain(t, now);
	if (t->state != TURN_ALLOCATED)
		return;
	if (now >= t->refresh_at && !t->busy_refresh &&
	    turn_request(t, now, TURN_OP_REFRESH, 0) == 0) {
		t->busy_refresh = true;
		t->refresh_at = INT64_MAX;
	}
	for (i = 0; i < TURN_PEERS_MAX; i++) {
		struct turn_peer	*p = &t->peers[i];

		if (p->used && ((p->want_channel && now >= p->chan_at) ||
		    (!p->want_channel && now >= p->perm_at)))
			turn_peer_ask(t, now, p);
	}
	turn_drain(t, now);
}

int64_t
turn_deadline(const struct turn *t)
{
	int64_t		d = nat_stunc_deadline(t->stunc);
	unsigned	i;

	if (t->state != TURN_ALLOCATED)
		return d;
	if (t->refresh_at < d)
		d = t->refresh_at;
	for (i = 0; i < TURN_PEERS_MAX; i++) {
		const struct turn_peer	*p = &t->peers[i];

		if (!p->used)
			continue;
		if (p->want_channel ? p->chan_at < d : p->perm_at < d)
			d = p->want_channel ? p->chan_at : p->perm_at;
	}
	return d;
}

bool
turn_next_action(struct turn *t, struct turn_action *a)
{
	return fifo_pop(&t->actions, a);
}
