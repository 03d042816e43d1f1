/*
 * ice.c - an ICE agent (RFC 8445), sans I/O: ice.h says what it does.
 *
 * Each component has two bases (§5.1.1.1): its socket (host candidate;
 * the server-reflexive one shares it) and, with a TURN server, its
 * relayed address.  Each base has its own STUN transactions; a relayed
 * base's go through the component's TURN allocation.  A server-reflexive
 * local candidate is never paired: §6.1.2.4 replaces it by its base, and
 * the host pair is already there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "ice.h"
#include "log_ctx.h"
#include "nat_stunc.h"
#include "rng.h"
#include "stun.h"
#include "turn.h"
#include "wire.h"
#include "xmalloc.h"

enum { B_HOST, B_RELAY, B_N };

/* Cookies of our STUN transactions: a pair's index + 1, or these. */
#define CK_SRFLX	(1ULL << 40)
#define CK_CONSENT	(1ULL << 41)

/*
 * When the controlling agent nominates (§8.1.1 leaves it to the agent):
 * once every better pair not failed has had its chance, its first check
 * out for a retransmission and a round trip (of the first valid pair)
 * more, plus Ta: across two NATs the first check of a direct pair is
 * often dropped, the peer's own check not yet having opened the way;
 * and at most ICE_NOMINATE_MS after the first valid pair.  A pair that
 * is never answered takes about 8 s to fail: a host pair across NATs is
 * one.  Media does not wait for this: it goes on the best valid pair
 * meanwhile (§12.1, ice_in_use).
 */
#define ICE_NOMINATE_MS	500

/* Checks' retransmissions (§14.3 leaves them to the agent): about 8 s
 * until a pair fails. */
#define ICE_RTO_MS	200
#define ICE_RC		6
#define ICE_RM		8

enum pair_state {
	P_FROZEN,
	P_WAITING,
	P_PROGRESS,
	P_SUCCEEDED,
	P_FAILED,
};

struct pair {
	unsigned	 comp;
	int		 local;		/* index in ice->lc */
	int		 remote;	/* index in ice->rc */
	int		 base;		/* B_HOST, B_RELAY */
	uint64_t	 prio;
	enum pair_state	 state;
	bool		 valid;		/* in the valid list (§7.2.5.3.2) */
	bool		 nominate;	/* its next check carries USE-CANDIDATE */
	bool		 nominated;
	bool		 use_cand_seen;	/* controlled: the peer nominated it */
	bool		 heard;		/* a check of the peer's came on it */
	bool		 triggered;	/* in the triggered queue */
	bool		 sent_controlling;	/* the role its check claimed */
	int64_t		 sent_at;	/* its first check went out; 0: not */
	char		 foundation[2 * ICE_FOUNDATION_MAX + 2];
};

struct comp {
	struct nat_stunc *stunc[B_N];
	struct turn	*turn;
	bool		 srflx_done, relay_done;
	int		 selected;	/* pair index; -1: none */
	int		 used;		/* the pair media goes on (ice_in_use),
					   as last told; -1: none */
	int64_t		 first_valid;	/* when it got a valid pair; 0: not */
	int64_t		 first_rtt;	/* that pair's check's round trip */
	bool		 nominating;	/* its USE-CANDIDATE check is out */
	int64_t		 consent_at;	/* next consent check */
	int64_t		 consent_ok;	/* last answer */
};

struct ice_lcand {
	struct ice_cand	 c;
	int		 base;
};

struct ice {
	struct ice_cfg	 cfg;
	char		*turn_user, *turn_password;
	struct rng	*rng;
	const struct log_ctx *log;
	enum ice_state	 state;
	bool		 controlling;
	uint64_t	 tiebreaker;
	char		 ufrag[ICE_UFRAG_LEN + 1], pwd[ICE_PWD_LEN + 1];
	char		 rufrag[ICE_CRED_MAX + 1], rpwd[ICE_CRED_MAX + 1];
	bool		 have_remote;
	struct stun_key	 lkey, rkey;	/* short-term: our pwd, the peer's */
	struct comp	 comp[ICE_COMP_MAX];
	struct ice_lcand lc[ICE_CANDS_MAX];
	unsigned	 nlc;
	struct ice_cand	 rc[ICE_CANDS_MAX];
	unsigned	 nrc;
	struct pair	 pairs[ICE_PAIRS_MAX];
	unsigned	 npairs;
	int		 trig[ICE_PAIRS_MAX];	/* the triggered queue */
	unsigned	 ntrig;
	int64_t		 next_check;
	unsigned	 prflx_seq;
	struct ice_stats stats;
	struct fifo	 actions;
};

static const char ice_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const char *
ice_state_name(enum ice_state s)
{
	static const char *const names[] = { "gathering", "gathered",
	    "checking", "completed", "failed" };

	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

const char *
ice_cand_type_name(enum ice_cand_type t)
{
	static const char *const names[] = { "host", "srflx", "prflx",
	    "relay" };

	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

uint32_t
ice_priority(enum ice_cand_type t, unsigned local_pref, unsigned component)
{
	static const unsigned type_pref[] = { 126, 100, 110, 0 };	/* §5.1.2.2 */

	return (uint32_t)type_pref[t] << 24 | (uint32_t)(local_pref & 0xffff)
	    << 8 | (uint32_t)(256 - component);
}

static void
ice_act(struct ice *ice, const struct ice_action *a)
{
	fifo_push(&ice->actions, a);
}

static void
ice_set_state(struct ice *ice, enum ice_state s)
{
	struct ice_action	*a;

	if (ice->state == s)
		return;
	lc_debug(ice->log, "ice: %s -> %s", ice_state_name(ice->state),
	    ice_state_name(s));
	ice->state = s;
	if (s != ICE_COMPLETED && s != ICE_FAILED)
		return;
	a = xcalloc(1, sizeof *a);
	a->type = ICE_ACT_STATE;
	a->state = s;
	ice_act(ice, a);
	free(a);
}

/* A datagram out of component c's socket. */
static void
ice_out(struct ice *ice, unsigned c, const struct addr *to,
    const uint8_t *buf, size_t len)
{
	struct ice_action	*a;

	if (len > sizeof a->buf)
		return;
	a = xcalloc(1, sizeof *a);
	a->type = ICE_ACT_SEND;
	a->component = c + 1;
	a->to = *to;
	memcpy(a->buf, buf, len);
	a->len = len;
	ice_act(ice, a);
	free(a);
}

static void	ice_turn_drain(struct ice *, int64_t now, unsigned c);
static int64_t	ice_nominate_at(const struct ice *, unsigned, int);
static void	ice_tell_use(struct ice *);
static void	ice_stunc_drain(struct ice *, int64_t now, unsigned c, int b);
static void	ice_request(struct ice *, int64_t now, unsigned c, int b,
		    const struct addr *from, const uint8_t *, size_t);
static void	ice_start_checks(struct ice *, int64_t now);

/* ---- set-up ---- */

static void
ice_random(struct ice *ice, char *out, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		out[i] = ice_chars[rng_below(ice->rng, 64)];
	out[n] = '\0';
}

static bool
ice_cred_ok(const char *s, size_t min)
{
	size_t	n = strlen(s);

	return n >= min && n <= ICE_CRED_MAX && strspn(s, ice_chars) == n;
}

int
ice_new(struct ice **out, const struct ice_cfg *cfg, struct rng *rng,
    const struct log_ctx *log)
{
	struct ice		*ice;
	struct nat_stunc_cfg	 sc = { ICE_RTO_MS, ICE_RC, ICE_RM };
	unsigned		 c;
	int			 b;

	if (cfg->ncomp < 1 || cfg->ncomp > ICE_COMP_MAX || rng == NULL)
		return EINVAL;
	for (c = 0; c < cfg->ncomp; c++)
		if (cfg->host[c].family != 4 && cfg->host[c].family != 6)
			return EINVAL;
	if (cfg->turn_server.family != 0 && (cfg->turn_user == NULL ||
	    cfg->turn_password == NULL))
		return EINVAL;
	ice = xcalloc(1, sizeof *ice);
	ice->cfg = *cfg;
	if (ice->cfg.ta_ms == 0)
		ice->cfg.ta_ms = ICE_TA_MS;
	if (cfg->turn_server.family != 0) {
		ice->turn_user = xstrdup(cfg->turn_user);
		ice->turn_password = xstrdup(cfg->turn_password);
	}
	ice->cfg.turn_user = ice->turn_user;
	ice->cfg.turn_password = ice->turn_password;
	ice->rng = rng;
	ice->log = log;
	ice->controlling = cfg->controlling;
	ice->tiebreaker = rng_u64(rng);
	ice_random(ice, ice->ufrag, ICE_UFRAG_LEN);
	ice_random(ice, ice->pwd, ICE_PWD_LEN);
	(void)stun_key_short(&ice->lkey, ice->pwd);
	ice->next_check = INT64_MAX;
	fifo_init(&ice->actions, sizeof(struct ice_action));
	for (c = 0; c < ICE_COMP_MAX; c++) {
		ice->comp[c].selected = -1;
		ice->comp[c].used = -1;
		ice->comp[c].consent_at = INT64_MAX;
		for (b = 0; b < B_N && c < cfg->ncomp; b++)
			if (nat_stunc_new(&ice->comp[c].stunc[b], &sc, rng) !=
			    0) {
				ice_free(ice);
				return EINVAL;
			}
	}
	*out = ice;
	return 0;
}

void
ice_free(struct ice *ice)
{
	struct ice_action	*a;
	unsigned		 c;
	int			 b;

	if (ice == NULL)
		return;
	for (c = 0; c < ICE_COMP_MAX; c++) {
		for (b = 0; b < B_N; b++)
			nat_stunc_free(ice->comp[c].stunc[b]);
		turn_free(ice->comp[c].turn);
	}
	a = xmalloc(sizeof *a);
	while (fifo_pop(&ice->actions, a))
		;
	free(a);
	fifo_clear(&ice->actions);
	stun_key_clear(&ice->lkey);
	stun_key_clear(&ice->rkey);
	free(ice->turn_user);
	free(ice->turn_password);
	free(ice);
}

const char *
ice_ufrag(const struct ice *ice)
{
	return ice->ufrag;
}

const char *
ice_pwd(const struct ice *ice)
{
	return ice->pwd;
}

bool
ice_controlling(const struct ice *ice)
{
	return ice->controlling;
}

void
ice_set_role(struct ice *ice, bool controlling)
{
	if (ice->npairs == 0)
		ice->controlling = controlling;
}

enum ice_state
ice_state(const struct ice *ice)
{
	return ice->state;
}

const struct ice_stats *
ice_stats(const struct ice *ice)
{
	return &ice->stats;
}

/* ---- candidates ---- */

static int
ice_add_local(struct ice *ice, unsigned c, enum ice_cand_type t,
    const struct addr *a, const struct addr *related, int base)
{
	struct ice_lcand	*l;
	unsigned		 i;

	for (i = 0; i < ice->nlc; i++)
		if (ice->lc[i].c.component == c + 1 &&
		    addr_eq(&ice->lc[i].c.addr, a))
			return (int)i;	/* §5.1.3: the same address once */
	if (ice->nlc == ICE_CANDS_MAX)
		return -1;
	l = &ice->lc[ice->nlc];
	memset(l, 0, sizeof *l);
	l->c.component = c + 1;
	l->c.type = t;
	l->c.addr = *a;
	if (related != NULL)
		l->c.related = *related;
	/* §5.1.1.3: one foundation per type and base address (one STUN
	 * and one TURN server); a prflx one: its own */
	if (t == ICE_PRFLX)
		snprintf(l->c.foundation, sizeof l->c.foundation, "p%u",
		    ++ice->prflx_seq);
	else
		snprintf(l->c.foundation, sizeof l->c.foundation, "%c%u",
		    "hspr"[t], (unsigned)a->family);
	l->c.priority = ice_priority(t, 65535, c + 1);
	l->base = base;
	return (int)ice->nlc++;
}

unsigned
ice_local(const struct ice *ice, struct ice_cand *out)
{
	unsigned	i, n = 0;

	for (i = 0; i < ice->nlc; i++)
		if (ice->lc[i].c.type != ICE_PRFLX)	/* §5.1.3: not sent */
			out[n++] = ice->lc[i].c;
	return n;
}

static void
ice_gather_check(struct ice *ice)
{
	unsigned	c;

	if (ice->state != ICE_GATHERING)
		return;
	for (c = 0; c < ice->cfg.ncomp; c++)
		if (!ice->comp[c].srflx_done || !ice->comp[c].relay_done)
			return;
	ice->state = ICE_GATHERED;
	{
		struct ice_action	*a = xcalloc(1, sizeof *a);

		a->type = ICE_ACT_GATHERED;
		ice_act(ice, a);
		free(a);
	}
}

void
ice_gather(struct ice *ice, int64_t now)
{
	struct turn_cfg	tc;
	unsigned	c;

	if (ice->state != ICE_GATHERING || ice->nlc > 0)
		return;
	for (c = 0; c < ice->cfg.ncomp; c++)
		(void)ice_add_local(ice, c, ICE_HOST, &ice->cfg.host[c], NULL,
		    B_HOST);
	for (c = 0; c < ice->cfg.ncomp; c++) {
		struct comp	*k = &ice->comp[c];

		k->srflx_done = ice->cfg.stun_server.family == 0 ||
		    nat_stunc_binding(k->stunc[B_HOST], now,
		    &ice->cfg.stun_server, 0, CK_SRFLX) != 0;
		k->relay_done = true;
		if (ice->cfg.turn_server.family != 0) {
			memset(&tc, 0, sizeof tc);
			tc.server = ice->cfg.turn_server;
			tc.user = ice->turn_user;
			tc.password = ice->turn_password;
			tc.stun.rto_ms = 500;
			tc.stun.rc = 5;
			tc.stun.rm = 4;
			k->relay_done = turn_new(&k->turn, &tc, ice->rng,
			    ice->log) != 0 || turn_allocate(k->turn, now) != 0;
		}
		ice_stunc_drain(ice, now, c, B_HOST);
		ice_turn_drain(ice, now, c);
	}
	ice_gather_check(ice);
}

void
ice_gather_end(struct ice *ice, int64_t now)
{
	unsigned	c;

	if (ice->state != ICE_GATHERING)
		return;
	for (c = 0; c < ice->cfg.ncomp; c++)
		ice->comp[c].srflx_done = ice->comp[c].relay_done = true;
	ice_gather_check(ice);
	ice_start_checks(ice, now);
}

/* ---- pairs ---- */

/* §6.1.2.3 */
static uint64_t
ice_pair_prio(const struct ice *ice, uint32_t l, uint32_t r)
{
	uint64_t	g = ice->controlling ? l : r;
	uint64_t	d = ice->controlling ? r : l;

	return ((g < d ? g : d) << 32) + 2 * (g > d ? g : d) + (g > d);
}

static int
ice_pair_find(const struct ice *ice, int local, int remote)
{
	unsigned	i;

	for (i = 0; i < ice->npairs; i++)
		if (ice->pairs[i].local == local &&
		    ice->pairs[i].remote == remote)
			return (int)i;
	return -1;
}

/*
 * May a relayed base reach addr?  A relay on a public address cannot
 * reach a private one, and a check sent there costs the allocation
 * itself: coturn ends an allocation whose relay socket fails to send
 * (ENETUNREACH).  Such pairs are not formed (RFC 8445 §6.1.2.4 prunes
 * pairs that cannot work; this is one more kind), nor permissions asked.
 */
static bool
ice_relay_reaches(const struct ice *ice, const struct addr *a)
{
	return !addr_is_private(a) || addr_is_private(&ice->cfg.turn_server);
}

/* The pair (local, remote): the one there is, or a new one (-1: none,
 * or full). */
static int
ice_pair_add(struct ice *ice, int local, int remote, enum pair_state st)
{
	const struct ice_lcand	*l = &ice->lc[local];
	const struct ice_cand	*r = &ice->rc[remote];
	struct pair		*p;
	char			 f[sizeof p->foundation];
	int			 i;

	if ((i = ice_pair_find(ice, local, remote)) >= 0)
		return i;
	if (ice->npairs == ICE_PAIRS_MAX ||
	    (l->base == B_RELAY && !ice_relay_reaches(ice, &r->addr)))
		return -1;
	p = &ice->pairs[ice->npairs];
	memset(p, 0, sizeof *p);
	p->comp = l->c.component - 1;
	p->local = local;
	p->remote = remote;
	p->base = l->base;
	p->prio = ice_pair_prio(ice, l->c.priority, r->priority);
	p->state = st;
	snprintf(f, sizeof f, "%s:%s", l->c.foundation, r->foundation);
	memcpy(p->foundation, f, sizeof f);
	return (int)ice->npairs++;
}

static void
ice_pairs_reprioritize(struct ice *ice)
{
	unsigned	i;

	for (i = 0; i < ice->npairs; i++)
		ice->pairs[i].prio = ice_pair_prio(ice,
		    ice->lc[ice->pairs[i].local].c.priority,
		    ice->rc[ice->pairs[i].remote].priority);
}

/* §6.1.2: pair, prune (srflx: its base's pair is there), unfreeze. */
static void
ice_form_checklist(struct ice *ice)
{
	unsigned	 i, j, k;
	const char	*seen[ICE_PAIRS_MAX];
	unsigned	 nseen = 0;
	int		 best;

	for (i = 0; i < ice->nlc; i++) {
		if (ice->lc[i].c.type == ICE_SRFLX ||
		    ice->lc[i].c.type == ICE_PRFLX)
			continue;
		for (j = 0; j < ice->nrc; j++)
			if (ice->rc[j].component == ice->lc[i].c.component &&
			    ice->rc[j].addr.family == ice->lc[i].c.addr.family)
				(void)ice_pair_add(ice, (int)i, (int)j,
				    P_FROZEN);
	}
	/* §6.1.2.6: per foundation, the pair of the lowest component and
	 * highest priority waits; the rest stay frozen */
	for (i = 0; i < ice->npairs; i++) {
		for (k = 0; k < nseen; k++)
			if (strcmp(seen[k], ice->pairs[i].foundation) == 0)
				break;
		if (k < nseen)
			continue;
		seen[nseen++] = ice->pairs[i].foundation;
		best = -1;
		for (j = 0; j < ice->npairs; j++) {
			const struct pair *p = &ice->pairs[j];

			if (strcmp(p->foundation, ice->pairs[i].foundation) !=
			    0)
				continue;
			if (best < 0 || p->comp < ice->pairs[best].comp ||
			    (p->comp == ice->pairs[best].comp &&
			    p->prio > ice->pairs[best].prio))
				best = (int)j;
		}
		if (best >= 0 && ice->pairs[best].state == P_FROZEN)
			ice->pairs[best].state = P_WAITING;
	}
}

static void
ice_trigger(struct ice *ice, int pi)
{
	if (ice->pairs[pi].triggered || ice->ntrig == ICE_PAIRS_MAX)
		return;
	ice->pairs[pi].triggered = true;
	ice->trig[ice->ntrig++] = pi;
}

static void
ice_start_checks(struct ice *ice, int64_t now)
{
	unsigned	i;
	char		b1[ADDR_STRLEN], b2[ADDR_STRLEN];

	if (!ice->have_remote || ice->state != ICE_GATHERED)
		return;
	ice_form_checklist(ice);
	for (i = 0; i < ice->npairs; i++)
		lc_debug(ice->log, "ice: pair %u: %s %s -> %s %s (%s)%s", i,
		    ice_cand_type_name(ice->lc[ice->pairs[i].local].c.type),
		    addr_str(&ice->lc[ice->pairs[i].local].c.addr, b1),
		    ice_cand_type_name(ice->rc[ice->pairs[i].remote].type),
		    addr_str(&ice->rc[ice->pairs[i].remote].addr, b2),
		    ice->pairs[i].foundation, ice->pairs[i].state == P_WAITING ?
		    " waiting" : "");
	ice_set_state(ice, ICE_CHECKING);
	ice->next_check = now;
}

int
ice_set_remote(struct ice *ice, int64_t now, const char *ufrag,
    const char *pwd, const struct ice_cand *cands, unsigned n)
{
	unsigned	i, c;
	bool		have[ICE_COMP_MAX] = { false, false };

	if (!ice_cred_ok(ufrag, 4) || !ice_cred_ok(pwd, 22) ||
	    ice->have_remote)
		return EINVAL;
	for (i = 0; i < n && ice->nrc < ICE_CANDS_MAX; i++) {
		if (cands[i].component < 1 ||
		    cands[i].component > ice->cfg.ncomp ||
		    (cands[i].addr.family != 4 && cands[i].addr.family != 6))
			continue;
		ice->rc[ice->nrc++] = cands[i];
		have[cands[i].component - 1] = true;
	}
	for (c = 0; c < ice->cfg.ncomp; c++)
		if (!have[c])
			return EINVAL;
	snprintf(ice->rufrag, sizeof ice->rufrag, "%s", ufrag);
	snprintf(ice->rpwd, sizeof ice->rpwd, "%s", pwd);
	(void)stun_key_short(&ice->rkey, ice->rpwd);
	ice->have_remote = true;
	/* a relayed base needs a permission for every peer it checks */
	for (c = 0; c < ice->cfg.ncomp; c++)
		for (i = 0; ice->comp[c].turn != NULL && i < ice->nrc; i++)
			if (ice->rc[i].component == c + 1 &&
			    ice_relay_reaches(ice, &ice->rc[i].addr) &&
			    turn_state(ice->comp[c].turn) == TURN_ALLOCATED)
				(void)turn_permit(ice->comp[c].turn, now,
				    &ice->rc[i].addr, false);
	for (c = 0; c < ice->cfg.ncomp; c++)
		ice_turn_drain(ice, now, c);
	ice_start_checks(ice, now);
	return 0;
}

/* ---- checks ---- */

/* Send pair pi's check (§7.2.4): a transaction on its base. */
static void
ice_send_check(struct ice *ice, int64_t now, int pi, uint64_t cookie)
{
	struct pair		*p = &ice->pairs[pi];
	struct comp		*k = &ice->comp[p->comp];
	struct stun_builder	 b;
	struct wbuf		 w;
	uint8_t			 tid[STUN_TID_LEN], v[8];
	char			 user[2 * ICE_CRED_MAX + 2];
	uint32_t		 prio;

	nat_stunc_tid(k->stunc[p->base], tid);
	wbuf_init(&w, NAT_STUNC_DGRAM_MAX);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, tid);
	snprintf(user, sizeof user, "%s:%s", ice->rufrag, ice->ufrag);
	stun_build_attr(&b, STUN_A_USERNAME, user, strlen(user));
	/* §7.1.1: the priority a prflx candidate learned from it gets */
	prio = ice_priority(ICE_PRFLX, 65535, p->comp + 1);
	wire_put_be32(v, prio);
	stun_build_attr(&b, STUN_A_PRIORITY, v, 4);
	wire_put_be32(v, (uint32_t)(ice->tiebreaker >> 32));
	wire_put_be32(v + 4, (uint32_t)ice->tiebreaker);
	stun_build_attr(&b, ice->controlling ? STUN_A_ICE_CONTROLLING :
	    STUN_A_ICE_CONTROLLED, v, 8);
	if (cookie != CK_CONSENT)
		p->sent_controlling = ice->controlling;
	if (ice->controlling && p->nominate && cookie != CK_CONSENT)
		stun_build_attr(&b, STUN_A_USE_CANDIDATE, NULL, 0);
	stun_build_integrity(&b, &ice->rkey);
	stun_build_fingerprint(&b);
	if (stun_build_end(&b) == 0 && nat_stunc_request(k->stunc[p->base],
	    now, &ice->rc[p->remote].addr, w.p, w.len, cookie) == 0)
		ice->stats.checks_sent++;
	else if (cookie != CK_CONSENT)
		p->state = P_FAILED;
	wbuf_clear(&w);
	ice_stunc_drain(ice, now, p->comp, p->base);
}

/* §6.1.4.2: one check each Ta; false when there was none to make. */
static bool
ice_next_check(struct ice *ice, int64_t now)
{
	int		pi = -1;
	unsigned	i;

	while (ice->ntrig > 0 && pi < 0) {
		const struct pair *p;

		pi = ice->trig[0];
		memmove(ice->trig, ice->trig + 1, --ice->ntrig *
		    sizeof ice->trig[0]);
		p = &ice->pairs[pi];
		ice->pairs[pi].triggered = false;
		/* a check under way goes on (§7.3.1.4 would restart it:
		 * two agents that both do so keep each other checking);
		 * a pair done needs none, but its nomination */
		if (p->nominated || (p->state == P_PROGRESS && !p->nominate) ||
		    (p->state == P_SUCCEEDED && !p->nominate))
			pi = -1;
	}
	for (i = 0; pi < 0 && i < ice->npairs; i++)
		if (ice->pairs[i].state == P_WAITING && (pi < 0 ||
		    ice->pairs[i].prio > ice->pairs[pi].prio))
			pi = (int)i;
	for (i = 0; pi < 0 && i < ice->npairs; i++)
		if (ice->pairs[i].state == P_FROZEN && (pi < 0 ||
		    ice->pairs[i].prio > ice->pairs[pi].prio))
			pi = (int)i;
	if (pi < 0)
		return false;
	/* a new check replaces one under way (§7.2.5.4) */
	nat_stunc_cancel(ice->comp[ice->pairs[pi].comp].stunc[
	    ice->pairs[pi].base], (uint64_t)pi + 1);
	ice->pairs[pi].state = P_PROGRESS;
	if (ice->pairs[pi].sent_at == 0)
		ice->pairs[pi].sent_at = now;
	ice_send_check(ice, now, pi, (uint64_t)pi + 1);
	return true;
}

/* Has component c nothing left to find? */
static bool
ice_comp_settled(const struct ice *ice, unsigned c)
{
	unsigned	i;

	for (i = 0; i < ice->npairs; i++)
		if (ice->pairs[i].comp == c &&
		    (ice->pairs[i].state == P_WAITING ||
		    ice->pairs[i].state == P_FROZEN ||
		    ice->pairs[i].state == P_PROGRESS))
			return false;
	return true;
}

static int
ice_best_valid(const struct ice *ice, unsigned c)
{
	unsigned	i;
	int		best = -1;

	for (i = 0; i < ice->npairs; i++)
		if (ice->pairs[i].comp == c && ice->pairs[i].valid &&
		    (best < 0 || ice->pairs[i].prio > ice->pairs[best].prio))
			best = (int)i;
	return best;
}

/*
 * The stream's state: a component with a nominated pair has it selected;
 * all of them: completed.  A component whose checks are all over with no
 * valid pair: failed.  The controlling agent nominates (§8.1.1, regular)
 * a component's best valid pair once no pair of it is still being
 * checked, or once its best valid pair is the best pair it has.
 */
static void
ice_update(struct ice *ice, int64_t now)
{
	unsigned	c, i, done = 0;
	int		best;
	char		b1[ADDR_STRLEN], b2[ADDR_STRLEN];

	if (ice->state != ICE_CHECKING)
		return;
	for (c = 0; c < ice->cfg.ncomp; c++) {
		struct comp	*k = &ice->comp[c];

		if (k->selected >= 0) {
			done++;
			continue;
		}
		for (i = 0; i < ice->npairs; i++)
			if (ice->pairs[i].comp == c &&
			    ice->pairs[i].nominated) {
				k->selected = (int)i;
				k->consent_ok = now;
				k->consent_at = now + ICE_CONSENT_MS;
				lc_info(ice->log, "ice: component %u: %s %s -> "
				    "%s", c + 1, ice_cand_type_name(ice->lc[
				    ice->pairs[i].local].c.type), addr_str(
				    &ice->lc[ice->pairs[i].local].c.addr, b1),
				    addr_str(&ice->rc[ice->pairs[i].remote].
				    addr, b2));
				break;
			}
		if (k->selected >= 0) {
			done++;
			continue;
		}
		best = ice_best_valid(ice, c);
		if (best < 0) {
			if (ice_comp_settled(ice, c)) {
				ice_set_state(ice, ICE_FAILED);
				return;
			}
			continue;
		}
		if (!ice->controlling || ice->pairs[best].nominate)
			continue;
		if (ice_comp_settled(ice, c) ||
		    now >= ice_nominate_at(ice, c, best)) {
			ice->pairs[best].nominate = true;
			k->nominating = true;
			ice_trigger(ice, best);
			if (ice->next_check == INT64_MAX)
				ice->next_check = now;
		}
	}
	if (done == ice->cfg.ncomp)
		ice_set_state(ice, ICE_COMPLETED);
	ice_tell_use(ice);
}

/* When the controlling agent nominates best, the best valid pair of
 * component c (see ICE_NOMINATE_MS). */
static int64_t
ice_nominate_at(const struct ice *ice, unsigned c, int best)
{
	const struct comp	*k = &ice->comp[c];
	const struct pair	*p;
	int64_t			 at = k->first_valid, cap, wait;
	unsigned		 i;

	cap = k->first_valid + ICE_NOMINATE_MS;
	wait = ICE_RTO_MS + 2 * k->first_rtt + (int64_t)ice->cfg.ta_ms;
	for (i = 0; i < ice->npairs; i++) {
		p = &ice->pairs[i];
		if (p->comp != c || p->state == P_FAILED || p->valid ||
		    p->prio <= ice->pairs[best].prio)
			continue;
		if (p->sent_at == 0)
			return cap;	/* not checked yet */
		if (p->sent_at + wait > at)
			at = p->sent_at + wait;
	}
	return at < cap ? at : cap;
}

/* §7.2.5.3: a check of pair pi succeeded, mapped as seen by the peer. */
static void
ice_check_ok(struct ice *ice, int64_t now, int pi, const struct addr *mapped)
{
	struct pair	*p = &ice->pairs[pi];
	int		 li = p->local, vi;
	unsigned	 i;
	bool		 nominated = p->nominate;
	char		 b1[ADDR_STRLEN];

	p->state = P_SUCCEEDED;
	lc_debug(ice->log, "ice: pair %d: succeeded%s, %lld ms after its first "
	    "check, mapped %s", pi, nominated ? " (nominated)" : "",
	    p->sent_at != 0 ? (long long)(now - p->sent_at) : -1LL,
	    addr_str(mapped, b1));
	/* the valid pair: its local candidate is the mapped address; a new
	 * one is peer-reflexive, on the same base (§7.2.5.3.1) */
	for (i = 0; i < ice->nlc; i++)
		if (ice->lc[i].c.component == p->comp + 1 &&
		    addr_eq(&ice->lc[i].c.addr, mapped))
			break;
	if (i < ice->nlc)
		li = (int)i;
	else if (mapped->family != 0)
		li = ice_add_local(ice, p->comp, ICE_PRFLX, mapped,
		    &ice->lc[p->local].c.addr, p->base);
	if (li < 0)
		li = p->local;
	vi = ice_pair_add(ice, li, p->remote, P_SUCCEEDED);
	if (vi < 0)
		vi = pi;
	if (ice->comp[ice->pairs[pi].comp].first_valid == 0) {
		ice->comp[ice->pairs[pi].comp].first_valid = now;
		ice->comp[ice->pairs[pi].comp].first_rtt =
		    ice->pairs[pi].sent_at != 0 ? now - ice->pairs[pi].sent_at :
		    ICE_NOMINATE_MS;
	}
	p = &ice->pairs[pi];	/* the array is fixed: still there */
	ice->pairs[vi].valid = true;
	ice->pairs[vi].base = ice->pairs[pi].base;
	if (nominated || ice->pairs[pi].use_cand_seen ||
	    ice->pairs[vi].use_cand_seen)
		ice->pairs[vi].nominated = true;
	/* §7.2.5.3.3: the same foundation may go on */
	for (i = 0; i < ice->npairs; i++)
		if (ice->pairs[i].state == P_FROZEN &&
		    strcmp(ice->pairs[i].foundation, p->foundation) == 0)
			ice->pairs[i].state = P_WAITING;
	ice_update(ice, now);
}

static void
ice_switch_role(struct ice *ice)
{
	ice->controlling = !ice->controlling;
	ice->stats.role_conflicts++;
	ice_pairs_reprioritize(ice);
	lc_debug(ice->log, "ice: role conflict: now %s", ice->controlling ?
	    "controlling" : "controlled");
}

/* The answer to one of our transactions on component c. */
static void
ice_result(struct ice *ice, int64_t now, unsigned c,
    const struct nat_stunc_result *r)
{
	struct comp	*k = &ice->comp[c];
	struct stun_msg	 m;
	int		 pi;

	if (r->cookie == CK_SRFLX) {
		if (r->error == 0 && r->mapped.family != 0)
			(void)ice_add_local(ice, c, ICE_SRFLX, &r->mapped,
			    &ice->cfg.host[c], B_HOST);
		k->srflx_done = true;
		ice_gather_check(ice);
		ice_start_checks(ice, now);
		return;
	}
	/* a check's, or consent's: signed with the peer's password */
	if (r->error == 0 && (stun_parse(&m, r->msg, r->msg_len) != 0 ||
	    stun_check_integrity(&m, &ice->rkey) != 0)) {
		ice->stats.dropped++;
		return;		/* §7.2.5.2.3: as if none came */
	}
	if (r->cookie == CK_CONSENT) {
		if (r->error == 0)
			k->consent_ok = now;
		return;
	}
	pi = (int)(r->cookie - 1);
	if (pi < 0 || (unsigned)pi >= ice->npairs)
		return;
	if (r->error == EPROTO && r->code == 487) {
		/* §7.2.5.1: a role conflict: take the other role than the
		 * check claimed (unless a request made us already), check
		 * again */
		if (ice->controlling == ice->pairs[pi].sent_controlling)
			ice_switch_role(ice);
		ice->pairs[pi].state = P_WAITING;
		ice_trigger(ice, pi);
		return;
	}
	/* §7.2.5.2.1: the answer must come from where the check went */
	if (r->error != 0 || !addr_eq(&r->from, &ice->rc[ice->pairs[pi].
	    remote].addr)) {
		ice->pairs[pi].state = P_FAILED;
		ice_update(ice, now);
		return;
	}
	ice_check_ok(ice, now, pi, &r->mapped);
}

static void
ice_stunc_drain(struct ice *ice, int64_t now, unsigned c, int b)
{
	struct comp			*k = &ice->comp[c];
	struct nat_stunc_action		*a = xmalloc(sizeof *a);

	while (nat_stunc_next_action(k->stunc[b], a)) {
		if (a->type == NAT_STUNC_RESULT) {
			ice_result(ice, now, c, &a->res);
			continue;
		}
		if (b == B_HOST)
			ice_out(ice, c, &a->to, a->buf, a->len);
		else if (k->turn != NULL)
			(void)turn_send(k->turn, now, &a->to, a->buf, a->len);
	}
	free(a);
	if (b == B_RELAY)
		ice_turn_drain(ice, now, c);
}

static void
ice_turn_drain(struct ice *ice, int64_t now, unsigned c)
{
	struct comp		*k = &ice->comp[c];
	struct turn_action	*a;
	struct ice_action	*d;
	unsigned		 i;

	if (k->turn == NULL)
		return;
	a = xmalloc(sizeof *a);
	while (turn_next_action(k->turn, a)) {
		switch (a->type) {
		case TURN_ACT_SEND:
			ice_out(ice, c, &ice->cfg.turn_server, a->buf, a->len);
			break;
		case TURN_ACT_ALLOCATED:
			(void)ice_add_local(ice, c, ICE_RELAYED, &a->relayed,
			    &a->mapped, B_RELAY);
			k->relay_done = true;
			for (i = 0; ice->have_remote && i < ice->nrc; i++)
				if (ice->rc[i].component == c + 1 &&
				    ice_relay_reaches(ice, &ice->rc[i].addr))
					(void)turn_permit(k->turn, now,
					    &ice->rc[i].addr, false);
			ice_gather_check(ice);
			ice_start_checks(ice, now);
			break;
		case TURN_ACT_FAILED:
			lc_debug(ice->log, "ice: component %u: no relay: %u %s",
			    c + 1, a->code, a->why);
			k->relay_done = true;
			ice_gather_check(ice);
			ice_start_checks(ice, now);
			break;
		case TURN_ACT_DATA:
			if (stun_is_message(a->buf, a->len)) {
				if (!nat_stunc_input(k->stunc[B_RELAY], now,
				    &a->peer, a->buf, a->len))
					ice_request(ice, now, c, B_RELAY,
					    &a->peer, a->buf, a->len);
				else
					ice_stunc_drain(ice, now, c, B_RELAY);
				break;
			}
			d = xcalloc(1, sizeof *d);
			d->type = ICE_ACT_DATA;
			d->component = c + 1;
			d->to = a->peer;
			memcpy(d->buf, a->buf, a->len);
			d->len = a->len;
			ice_act(ice, d);
			free(d);
			break;
		default:
			break;
		}
	}
	free(a);
}

/* An answer to a check, from base b of component c (§7.3.1.5). */
static void
ice_answer(struct ice *ice, int64_t now, unsigned c, int b,
    const struct addr *to, const struct stun_msg *m, unsigned code)
{
	struct stun_builder	 bl;
	struct wbuf		 w;

	wbuf_init(&w, NAT_STUNC_DGRAM_MAX);
	stun_build_begin(&bl, &w, STUN_BINDING, code ? STUN_ERROR :
	    STUN_SUCCESS, m->tid);
	if (code)
		stun_build_error(&bl, code, "Role Conflict");
	else
		stun_build_addr(&bl, STUN_A_XOR_MAPPED_ADDRESS, to);
	stun_build_integrity(&bl, &ice->lkey);
	stun_build_fingerprint(&bl);
	if (stun_build_end(&bl) == 0) {
		if (b == B_HOST)
			ice_out(ice, c, to, w.p, w.len);
		else if (ice->comp[c].turn != NULL)
			(void)turn_send(ice->comp[c].turn, now, to, w.p,
			    w.len);
	}
	wbuf_clear(&w);
}

/* A check from the peer (§7.3). */
static void
ice_request(struct ice *ice, int64_t now, unsigned c, int b,
    const struct addr *from, const uint8_t *buf, size_t len)
{
	struct stun_msg		 m;
	const struct stun_attr	*a;
	const char		*user;
	size_t			 ulen, n;
	uint64_t		 tb;
	uint32_t		 prio = 0;
	unsigned		 i;
	int			 li = -1, ri = -1, pi;
	bool			 conflict = false;

	n = strlen(ice->ufrag);
	if (stun_parse(&m, buf, len) != 0 || m.cls != STUN_REQUEST ||
	    m.method != STUN_BINDING || (m.fp.val != NULL &&
	    !stun_check_fingerprint(&m)) ||
	    stun_get_text(&m, STUN_A_USERNAME, &user, &ulen) != 0 ||
	    ulen <= n || memcmp(user, ice->ufrag, n) != 0 || user[n] != ':' ||
	    stun_check_integrity(&m, &ice->lkey) != 0) {
		/* §7.3: not for us, or forged: dropped, counted */
		ice->stats.dropped++;
		return;
	}
	if ((a = stun_attr_find(&m, STUN_A_PRIORITY)) != NULL && a->len == 4)
		prio = wire_be32(a->val);
	/* §7.3.1.1: role conflicts */
	if ((a = stun_attr_find(&m, ice->controlling ?
	    STUN_A_ICE_CONTROLLING : STUN_A_ICE_CONTROLLED)) != NULL &&
	    a->len == 8) {
		tb = (uint64_t)wire_be32(a->val) << 32 | wire_be32(a->val + 4);
		if (ice->controlling == (ice->tiebreaker >= tb))
			conflict = true;	/* 487: the peer switches */
		else
			ice_switch_role(ice);
	}
	if (conflict) {
		ice->stats.role_conflicts++;
		ice_answer(ice, now, c, b, from, &m, 487);
		return;
	}
	ice->stats.checks_recv++;
	ice_answer(ice, now, c, b, from, &m, 0);
	if (!ice->have_remote || ice->state == ICE_FAILED)
		return;		/* §7.3.1.4: pairs once the answer is in */
	/* §7.3.1.3: an unknown source is a peer-reflexive candidate */
	for (i = 0; i < ice->nrc; i++)
		if (ice->rc[i].component == c + 1 &&
		    addr_eq(&ice->rc[i].addr, from))
			ri = (int)i;
	if (ri < 0) {
		if (ice->nrc == ICE_CANDS_MAX)
			return;
		ri = (int)ice->nrc++;
		memset(&ice->rc[ri], 0, sizeof ice->rc[ri]);
		ice->rc[ri].component = c + 1;
		ice->rc[ri].type = ICE_PRFLX;
		ice->rc[ri].addr = *from;
		ice->rc[ri].priority = prio;
		snprintf(ice->rc[ri].foundation, sizeof ice->rc[ri].foundation,
		    "r%u", ++ice->prflx_seq);
		if (b == B_RELAY && ice->comp[c].turn != NULL)
			(void)turn_permit(ice->comp[c].turn, now, from, false);
	}
	/* the local candidate: the base it came in on */
	for (i = 0; i < ice->nlc; i++)
		if (ice->lc[i].c.component == c + 1 && ice->lc[i].base == b &&
		    (ice->lc[i].c.type == ICE_HOST ||
		    ice->lc[i].c.type == ICE_RELAYED))
			li = (int)i;
	if (li < 0 || (pi = ice_pair_add(ice, li, ri, P_WAITING)) < 0)
		return;
	ice->pairs[pi].heard = true;
	/* §7.3.1.4: a triggered check, unless it succeeded already */
	if (ice->pairs[pi].state != P_SUCCEEDED && !ice->pairs[pi].valid) {
		if (ice->pairs[pi].state != P_PROGRESS)
			ice->pairs[pi].state = P_WAITING;
		ice_trigger(ice, pi);
		if (ice->next_check == INT64_MAX)
			ice->next_check = now;
	}
	/* §7.3.1.5: nomination by the controlling peer */
	if (!ice->controlling && stun_attr_find(&m, STUN_A_USE_CANDIDATE)) {
		ice->pairs[pi].use_cand_seen = true;
		for (i = 0; i < ice->npairs; i++)
			if (ice->pairs[i].valid && ice->pairs[i].comp == c &&
			    ice->pairs[i].remote == ri &&
			    ice->pairs[i].base == b)
				ice->pairs[i].nominated = true;
	}
	ice_update(ice, now);
}

bool
ice_input(struct ice *ice, int64_t now, unsigned component,
    const struct addr *from, const uint8_t *buf, size_t len)
{
	struct comp	*k;
	unsigned	 c = component - 1;

	if (component < 1 || component > ice->cfg.ncomp)
		return false;
	k = &ice->comp[c];
	if (k->turn != NULL && addr_eq(from, &ice->cfg.turn_server)) {
		(void)turn_input(k->turn, now, from, buf, len);
		ice_turn_drain(ice, now, c);
		return true;
	}
	if (!stun_is_message(buf, len))
		return false;		/* media: the caller's */
	if (nat_stunc_input(k->stunc[B_HOST], now, from, buf, len))
		ice_stunc_drain(ice, now, c, B_HOST);
	else
		ice_request(ice, now, c, B_HOST, from, buf, len);
	return true;
}

/* Pair pi as the user sees it. */
static void
ice_pair_info(const struct ice *ice, int pi, struct ice_pair_info *out)
{
	const struct pair	*p = &ice->pairs[pi];

	out->component = p->comp + 1;
	out->local = ice->lc[p->local].c;
	out->remote = ice->rc[p->remote];
	out->nominated = p->nominated;
	out->priority = p->prio;
}

/*
 * The pair component c's media goes on: the selected one, or before
 * there is one the best valid pair (§12.1: "An ICE agent MAY send data on
 * any valid pair before selected pairs have been produced"); -1: none.
 */
static int
ice_in_use(const struct ice *ice, unsigned c)
{
	if (ice->state != ICE_CHECKING && ice->state != ICE_COMPLETED)
		return -1;
	if (ice->comp[c].selected >= 0)
		return ice->comp[c].selected;
	return ice_best_valid(ice, c);
}

/* Tell the user when a component's pair in use changes. */
static void
ice_tell_use(struct ice *ice)
{
	struct ice_action	*a;
	unsigned		 c;
	int			 u;

	for (c = 0; c < ice->cfg.ncomp; c++) {
		if ((u = ice_in_use(ice, c)) == ice->comp[c].used || u < 0)
			continue;
		ice->comp[c].used = u;
		a = xcalloc(1, sizeof *a);
		a->type = ICE_ACT_PAIR;
		a->component = c + 1;
		ice_act(ice, a);
		free(a);
	}
}

bool
ice_usable(const struct ice *ice, unsigned component,
    struct ice_pair_info *out)
{
	int			 u;

	if (component < 1 || component > ice->cfg.ncomp ||
	    (u = ice_in_use(ice, component - 1)) < 0)
		return false;
	ice_pair_info(ice, u, out);
	return true;
}

bool
ice_from_valid(const struct ice *ice, unsigned component,
    const struct addr *from)
{
	unsigned	i;

	for (i = 0; i < ice->npairs; i++)
		if (ice->pairs[i].comp + 1 == component &&
		    ice->pairs[i].valid &&
		    addr_eq(&ice->rc[ice->pairs[i].remote].addr, from))
			return true;
	return false;
}

bool
ice_from_checked(const struct ice *ice, unsigned component,
    const struct addr *from)
{
	unsigned	i;

	for (i = 0; i < ice->npairs; i++)
		if (ice->pairs[i].comp + 1 == component &&
		    ice->pairs[i].heard && ice->pairs[i].base == B_HOST &&
		    addr_eq(&ice->rc[ice->pairs[i].remote].addr, from))
			return true;
	return false;
}

bool
ice_direct(const struct ice *ice, unsigned component, struct addr *to)
{
	int	u;

	if (component < 1 || component > ice->cfg.ncomp ||
	    (u = ice_in_use(ice, component - 1)) < 0 ||
	    ice->pairs[u].base != B_HOST)
		return false;
	*to = ice->rc[ice->pairs[u].remote].addr;
	return true;
}

int
ice_send(struct ice *ice, int64_t now, unsigned component, const void *buf,
    size_t len)
{
	const struct pair	*p;
	struct comp		*k;
	int			 rc, u;

	if (component < 1 || component > ice->cfg.ncomp)
		return EINVAL;
	k = &ice->comp[component - 1];
	if ((u = ice_in_use(ice, component - 1)) < 0)
		return ENOTCONN;
	if (len > TURN_DATA_MAX)
		return EMSGSIZE;
	p = &ice->pairs[u];
	if (p->base == B_HOST) {
		ice_out(ice, component - 1, &ice->rc[p->remote].addr, buf,
		    len);
		return 0;
	}
	rc = turn_send(k->turn, now, &ice->rc[p->remote].addr, buf, len);
	ice_turn_drain(ice, now, component - 1);
	return rc;
}

bool
ice_selected(const struct ice *ice, unsigned component,
    struct ice_pair_info *out)
{
	const struct comp	*k;

	if (component < 1 || component > ice->cfg.ncomp)
		return false;
	k = &ice->comp[component - 1];
	if (k->selected < 0)
		return false;
	ice_pair_info(ice, k->selected, out);
	return true;
}

/* RFC 7675 §5.1: consent checks on the selected pairs. */
static void
ice_consent(struct ice *ice, int64_t now)
{
	unsigned	c;

	for (c = 0; ice->state == ICE_COMPLETED && c < ice->cfg.ncomp; c++) {
		struct comp	*k = &ice->comp[c];

		if (k->selected < 0)
			continue;
		if (now - k->consent_ok >= ICE_CONSENT_LOST_MS) {
			lc_info(ice->log, "ice: component %u: consent lost",
			    c + 1);
			ice_set_state(ice, ICE_FAILED);
			return;
		}
		if (now < k->consent_at)
			continue;
		nat_stunc_cancel(k->stunc[ice->pairs[k->selected].base],
		    CK_CONSENT);
		ice_send_check(ice, now, k->selected, CK_CONSENT);
		/* 4 to 6 s (§5.1: randomized, +/- 20%) */
		k->consent_at = now + ICE_CONSENT_MS * 4 / 5 +
		    (int64_t)rng_below(ice->rng, ICE_CONSENT_MS * 2 / 5);
	}
}

void
ice_tick(struct ice *ice, int64_t now)
{
	unsigned	c;
	int		b;

	for (c = 0; c < ice->cfg.ncomp; c++) {
		for (b = 0; b < B_N; b++) {
			nat_stunc_tick(ice->comp[c].stunc[b], now);
			ice_stunc_drain(ice, now, c, b);
		}
		if (ice->comp[c].turn != NULL) {
			turn_tick(ice->comp[c].turn, now);
			ice_turn_drain(ice, now, c);
		}
	}
	if (ice->state == ICE_CHECKING && now >= ice->next_check)
		ice->next_check = ice_next_check(ice, now) ?
		    now + ice->cfg.ta_ms : INT64_MAX;
	ice_update(ice, now);
	ice_consent(ice, now);
}

int64_t
ice_deadline(const struct ice *ice)
{
	int64_t		d = INT64_MAX, x;
	unsigned	c;
	int		b, best;

	for (c = 0; c < ice->cfg.ncomp; c++) {
		for (b = 0; b < B_N; b++)
			if ((x = nat_stunc_deadline(ice->comp[c].stunc[b])) <
			    d)
				d = x;
		if (ice->comp[c].turn != NULL &&
		    (x = turn_deadline(ice->comp[c].turn)) < d)
			d = x;
		if (ice->state == ICE_COMPLETED && ice->comp[c].selected >= 0) {
			if ((x = ice->comp[c].consent_at) < d)
				d = x;
			if ((x = ice->comp[c].consent_ok +
			    ICE_CONSENT_LOST_MS) < d)
				d = x;
		}
	}
	if (ice->state == ICE_CHECKING && ice->next_check < d)
		d = ice->next_check;
	for (c = 0; ice->state == ICE_CHECKING && ice->controlling &&
	    c < ice->cfg.ncomp; c++)
		if (ice->comp[c].first_valid != 0 && ice->comp[c].selected < 0 &&
		    !ice->comp[c].nominating &&
		    (best = ice_best_valid(ice, c)) >= 0 &&
		    (x = ice_nominate_at(ice, c, best)) < d)
			d = x;
	return d;
}

bool
ice_next_action(struct ice *ice, struct ice_action *a)
{
	return fifo_pop(&ice->actions, a);
}
