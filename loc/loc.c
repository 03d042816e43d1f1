/*
 * loc.c - the location service core: registrations published and kept
 * fresh, lookups and resolves, raw values (RFC 6940 §7, RFC 7904).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fifo.h"
#include "loc.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_data.h"
#include "ov_node.h"
#include "rng.h"
#include "strmap.h"
#include "wire.h"
#include "xmalloc.h"

/* A registration this node publishes. */
struct loc_reg {
	struct loc_reg	*next;
	struct loc_reg	**pprev;	/* what points at it */
	struct strmap_entry h;		/* in loc->regmap, by aor */
	struct loc_reg	*wnext;		/* in loc's wait queue */
	char		 aor[OV_USER_MAX];
	char		*contact;	/* NULL: this node */
	int		 expires;	/* the value's lifetime, s */
	int64_t		 created;	/* wall clock, s */
	uint64_t	 due_ms;	/* next publish; 0: now */
	bool		 busy;		/* a store of it is out */
	bool		 published;	/* stored at least once this run */
	bool		 waiting;	/* its first store waits for room */
	uint64_t	 generation;
	unsigned	 nreplicas;
};

/* A request out in the overlay. */
struct loc_req {
	struct loc_req	*next;
	enum loc_op	 op;
	uint64_t	 ov_cookie;	/* the overlay node's */
	uint64_t	 cookie;	/* the caller's; 0: nobody waits */
	char		 aor[OV_USER_MAX];
	struct ov_id	 res;
	uint32_t	 kind;
	/* RESOLVE, once fetched: the AppAttaches still out */
	struct loc_result res_out;
	uint64_t	 attach[LOC_BINDINGS_MAX];	/* 0: none out */
	unsigned	 nattach;
};

struct loc {
	struct loc_cfg	 cfg;
	char		*overlay;
	struct ov_node	*ov;
	struct rng	*rng;
	struct log_ctx	 log;
	struct loc_reg	*regs;
	struct strmap	 regmap;
	unsigned	 nregs;
	struct loc_req	*reqs;
	unsigned	 nwaiting;	/* regs with waiting set: these, */
	struct loc_reg	*wait_head;	/* first come, first stored */
	struct loc_reg	*wait_tail;
	bool		 publishing;	/* in loc_publish_due */
	uint64_t	 next_cookie;
	uint64_t	 next_tick;
	uint64_t	 quiet_until;	/* store failures: counted until */
	unsigned	 quieted;
	bool		 freeing;	/* no more actions */
	struct fifo	 actions;	/* struct loc_action */
};

static void	loc_publish_due(struct loc *, uint64_t, bool);

/* ---- results and actions ---- */

void
loc_result_clear(struct loc_result *r)
{
	unsigned	i;

	free(r->contact);
	for (i = 0; i < r->nbindings; i++)
		free(r->bindings[i].contact);
	free(r->bindings);
	for (i = 0; i < r->ncontacts; i++)
		free(r->contacts[i].uri);
	free(r->contacts);
	ov_fetched_free(r->fetched);
	ov_statted_free(r->statted);
	memset(r, 0, sizeof *r);
}

void
loc_action_clear(struct loc_action *a)
{
	loc_result_clear(&a->res);
	free(a->contact);
	memset(a, 0, sizeof *a);
}

static void
loc_act(struct loc *l, struct loc_action *a)
{
	fifo_push(&l->actions, a);
}

bool
loc_next_action(struct loc *l, struct loc_action *out)
{
	return fifo_pop(&l->actions, out);
}

/* ---- requests ---- */

static struct loc_req *
loc_req_new(struct loc *l, enum loc_op op, uint64_t cookie)
{
	struct loc_req	*q = xcalloc(1, sizeof *q);

	q->op = op;
	q->cookie = cookie;
	q->ov_cookie = ++l->next_cookie;
	q->next = l->reqs;
	l->reqs = q;
	return q;
}

static void
loc_req_free(struct loc_req *q)
{
	loc_result_clear(&q->res_out);
	free(q);
}

/* The request the overlay's answer with cookie (or, with attach, one of
 * its AppAttaches) belongs to, taken off the list when take. */
static struct loc_req *
loc_req_find(struct loc *l, uint64_t ov_cookie, bool attach, bool take,
    unsigned *slot)
{
	struct loc_req	**pp, *q;
	unsigned	  i;

	for (pp = &l->reqs; (q = *pp) != NULL; pp = &q->next) {
		if (!attach && q->ov_cookie == ov_cookie)
			goto found;
		for (i = 0; attach && i < LOC_BINDINGS_MAX; i++)
			if (q->attach[i] == ov_cookie) {
				*slot = i;
				goto found;
			}
	}
	return NULL;
found:
	if (take)
		*pp = q->next;
	return q;
}

/* Take q off the list of requests out. */
static void
loc_req_unlink(struct loc *l, struct loc_req *q)
{
	struct loc_req	**pp;

	for (pp = &l->reqs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
}

/* Forget q (started, then failed at once: the caller reports it). */
static void
loc_req_drop(struct loc *l, struct loc_req *q)
{
	loc_req_unlink(l, q);
	loc_req_free(q);
}

/* The caller's answer to q (r moved into the action); q is freed. */
static void
loc_answer(struct loc *l, struct loc_req *q, struct loc_result *r)
{
	struct loc_action	a;

	r->op = q->op;
	r->cookie = q->cookie;
	snprintf(r->aor, sizeof r->aor, "%s", q->aor);
	r->kind = q->kind;
	r->res = q->res;
	if (q->cookie == 0 || l->freeing) {
		loc_result_clear(r);
	} else {
		memset(&a, 0, sizeof a);
		a.type = LOC_ACT_RESULT;
		a.res = *r;
		memset(r, 0, sizeof *r);
		loc_act(l, &a);
	}
	loc_req_free(q);
}

/* An overlay failure as the result of q. */
static void
loc_fail(struct loc *l, struct loc_req *q, int code, const char *why)
{
	struct loc_result	r;

	memset(&r, 0, sizeof r);
	r.error = LOC_E_OVERLAY;
	r.code = code;
	snprintf(r.why, sizeof r.why, "%s", why != NULL ? why : "");
	loc_answer(l, q, &r);
}

/* ---- registrations ---- */

static struct loc_reg *
loc_reg_find(const struct loc *l, const char *aor)
{
	struct strmap_entry	*e = strmap_find(&l->regmap, aor);

	return e != NULL ? STRMAP_ITEM(e, struct loc_reg, h) : NULL;
}

/*
 * When a failed store is tried again: LOC_RETRY_MS, give or take half,
 * so that stores a peer refused at once (its flood limit) come back
 * spread out, as its allowance refills, not all at once again.
 */
static uint64_t
loc_retry_ms(struct loc *l)
{
	return LOC_RETRY_MS / 2 + rng_below(l->rng, LOC_RETRY_MS);
}

/* The failures loc_store_failed only counted, once the quiet is over. */
static void
loc_quiet_end(struct loc *l, uint64_t now)
{
	if (l->quieted == 0 || now < l->quiet_until)
		return;
	lc_warn(&l->log, "location: %u more stores failed in %d s (tried again)",
	    l->quieted, LOC_QUIET_MS / 1000);
	l->quieted = 0;
}

/*
 * A store of r failed; it is tried again.  Logged, but within
 * LOC_QUIET_MS of the last such line only counted (a storing peer's
 * flood limit refuses thousands at once); the count is logged after.
 */
static void
loc_store_failed(struct loc *l, uint64_t now, const struct loc_reg *r,
    const char *why)
{
	if (now < l->quiet_until) {
		l->quieted++;
		return;
	}
	loc_quiet_end(l, now);		/* the last quiet's count first */
	lc_warn(&l->log, "location: cannot %s %s (tried again in about %d s): %s",
	    r->published ? "refresh" : "publish", r->aor, LOC_RETRY_MS / 1000,
	    why);
	l->quiet_until = now + LOC_QUIET_MS;
}

/* r waits for room to be stored: last in the queue. */
static void
loc_wait(struct loc *l, struct loc_reg *r)
{
	if (r->waiting)
		return;
	r->waiting = true;
	r->due_ms = 0;
	r->wnext = NULL;
	if (l->wait_tail != NULL)
		l->wait_tail->wnext = r;
	else
		l->wait_head = r;
	l->wait_tail = r;
	l->nwaiting++;
}

/* r waits no more (stored, or gone). */
static void
loc_unwait(struct loc *l, struct loc_reg *r)
{
	struct loc_reg	**pp, *prev = NULL;

	for (pp = &l->wait_head; *pp != r; pp = &(*pp)->wnext)
		prev = *pp;
	*pp = r->wnext;
	if (l->wait_tail == r)
		l->wait_tail = prev;
	r->waiting = false;
	l->nwaiting--;
}

/*
 * r is (on), or is no longer, published by destination list: this
 * node's UA takes its calls meanwhile (RFC 7904 §3: this node takes
 * them).
 */
static void
loc_host(struct loc *l, const struct loc_reg *r, bool on)
{
	struct loc_action	a;

	if (l->freeing)
		return;
	memset(&a, 0, sizeof a);
	a.type = LOC_ACT_HOST;
	snprintf(a.aor, sizeof a.aor, "%s", r->aor);
	a.on = on;
	loc_act(l, &a);
}

static void
loc_reg_remove(struct loc *l, struct loc_reg *r)
{
	if (r->contact == NULL)
		loc_host(l, r, false);
	*r->pprev = r->next;
	if (r->next != NULL)
		r->next->pprev = r->pprev;
	strmap_del(&l->regmap, &r->h);
	l->nregs--;
	if (r->waiting)
		loc_unwait(l, r);
	free(r->contact);
	free(r);
}

static struct loc_reg *
loc_reg_add(struct loc *l, const char *aor, const char *contact, int expires,
    int64_t created)
{
	struct loc_reg	*r = xcalloc(1, sizeof *r);

	snprintf(r->aor, sizeof r->aor, "%s", aor);
	r->contact = contact != NULL ? xstrdup(contact) : NULL;
	r->expires = expires;
	r->created = created;
	r->next = l->regs;
	if (r->next != NULL)
		r->next->pprev = &r->next;
	r->pprev = &l->regs;
	l->regs = r;
	strmap_add(&l->regmap, &r->h, r->aor);
	l->nregs++;
	if (contact == NULL)
		loc_host(l, r, true);
	return r;
}

void
loc_load(struct loc *l, const char *aor, const char *contact, int expires,
    int64_t created)
{
	if (loc_reg_find(l, aor) == NULL)
		loc_reg_add(l, aor, contact, expires, created);
}

/* A user name as users' certificates carry it. */
static bool
loc_user_ok(const char *name)
{
	size_t	len = strlen(name);

	return len > 0 && len < OV_USER_MAX && name[0] != '.' &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._~+@-") == len;
}

bool
loc_aor(const struct loc *l, const char *in, char *out, size_t max,
    const char **why)
{
	const char	*overlay = l->overlay, *at;

	if (strncasecmp(in, "sip:", 4) == 0)
		in += 4;
	if ((at = strchr(in, '@')) == NULL) {
		if ((size_t)snprintf(out, max, "%s@%s", in, overlay) >= max)
			goto fail;
	} else {
		if (strcasecmp(at + 1, overlay) != 0) {
			*why = "the AOR's domain is not the overlay's name";
			return false;
		}
		if ((size_t)snprintf(out, max, "%.*s@%s", (int)(at - in), in,
		    overlay) >= max)
			goto fail;
	}
	if (out[0] == '@' || !loc_user_ok(out)) {
		*why = "the user part must be letters, digits or ._~+-";
		return false;
	}
	return true;
fail:
	*why = "the AOR is too long";
	return false;
}

/* loc_aor for a request's argument: 0, or EINVAL with *err naming it. */
static int
loc_aor_arg(const struct loc *l, const char *in, char *out, size_t max,
    char **err)
{
	const char	*why;

	if (loc_aor(l, in, out, max, &why))
		return 0;
	*err = xasprintf("%s: %s", in, why);
	return EINVAL;
}

/* ---- kinds and resources ---- */

const struct ov_kind *
loc_kind(const char *name)
{
	char		 want[64];
	const char	*kn;
	size_t		 i, j;
	char		*end;
	long		 n;

	n = strtol(name, &end, 10);
	if (*name != '\0' && *end == '\0')
		return n >= 0 && n <= UINT32_MAX ?
		    ov_kind_find(ov_kinds, ov_nkinds, (uint32_t)n) : NULL;
	for (i = 0; i < ov_nkinds; i++) {
		kn = ov_kinds[i].name;
		for (j = 0; kn[j] != '\0' && j + 1 < sizeof want; j++)
			want[j] = kn[j] == '_' ? '-' : (char)tolower(
			    (unsigned char)kn[j]);
		want[j] = '\0';
		if (strcasecmp(want, name) == 0)
			return &ov_kinds[i];
	}
	return NULL;
}

void
loc_resource(const char *name, struct ov_id *res)
{
	if (strlen(name) != 2 * OV_ID_LEN || ov_id_from_hex(name, res) != 0)
		ov_id_resource(name, strlen(name), res);
}

/* ---- storing ---- */

static uint64_t
loc_wall_ms(const struct loc *l, uint64_t now)
{
	return (uint64_t)((int64_t)now + l->cfg.wall_offset_ms);
}

/*
 * Sign s for kind at q->res (as the user c, or as this node with c NULL)
 * and send it.  0 or an errno.
 */
static int
loc_send(struct loc *l, uint64_t now, struct loc_req *q,
    const struct ov_kind *k, struct ov_stored *s, const struct loc_cred *c)
{
	struct ov_sigbuf	 sb;
	struct ov_kind_data	 kd;
	int			 rc;

	rc = c != NULL ? ov_stored_sign(s, &sb, &q->res, k->id, k->model,
	    c->crypto) : ov_node_sign(l->ov, &q->res, k->id, s, &sb);
	if (rc != 0)
		return EIO;
	memset(&kd, 0, sizeof kd);
	kd.kind = k->id;
	kd.k = k;
	kd.nvalues = 1;
	kd.values = s;
	return ov_node_store(l->ov, now, &q->res, &kd,
	    c != NULL ? c->bucket : NULL, c != NULL ? c->bucket_len : 0,
	    q->ov_cookie);
}

/*
 * Store r's binding (or, with remove, its removal: exists false) for q.
 * 0, or an errno (*err set, or NULL for the overlay's refusal).
 */
static int
loc_store_reg(struct loc *l, uint64_t now, struct loc_req *q,
    struct loc_reg *r, bool remove, char **err)
{
	const struct ov_kind	*k = ov_kind_find(ov_kinds, ov_nkinds,
				    OV_KIND_SIP_REGISTRATION);
	struct loc_cred		 c;
	struct ov_sipreg	 sr;
	struct ov_stored	 s;
	struct wbuf		 w;
	int			 rc;

	memset(&c, 0, sizeof c);
	if ((rc = l->cfg.cred(r->aor, &c, err, l->cfg.cred_arg)) != 0)
		return rc;
	snprintf(q->aor, sizeof q->aor, "%s", r->aor);
	q->kind = k->id;
	/* RFC 7904 §3: the Resource Name is the AOR without its scheme */
	ov_id_resource(r->aor, strlen(r->aor), &q->res);
	memset(&sr, 0, sizeof sr);
	if (r->contact != NULL) {
		sr.type = OV_SIPREG_URI;
		sr.uri = (const uint8_t *)r->contact;
		sr.uri_len = (uint16_t)strlen(r->contact);
	} else {
		sr.type = OV_SIPREG_ROUTE;
		sr.ndest = 1;
		ov_dest_node(&sr.dest[0], ov_node_id(l->ov));
	}
	wbuf_init(&w, 1024);
	ov_sipreg_encode(&w, &sr);
	memset(&s, 0, sizeof s);
	s.storage_time = loc_wall_ms(l, now);
	s.lifetime = (uint32_t)r->expires;
	s.v.key = ov_node_id(l->ov)->b;
	s.v.key_len = OV_ID_LEN;
	s.v.exists = !remove;
	s.v.data = remove ? NULL : w.p;
	s.v.len = remove ? 0 : (uint32_t)w.len;
	rc = loc_send(l, now, q, k, &s, &c);
	wbuf_clear(&w);
	return rc;
}

int
loc_register(struct loc *l, uint64_t now, uint64_t cookie,
    const char *aor_in, const char *contact, int expires, char **err)
{
	struct loc_reg	*r;
	struct loc_req	*q;
	char		 aor[OV_USER_MAX];
	int		 rc;

	*err = NULL;
	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	if (contact != NULL && (strlen(contact) > LOC_CONTACT_MAX ||
	    strchr(contact, ':') == NULL)) {
		*err = xasprintf("%s: not a URI", contact);
		return EINVAL;
	}
	if (expires == 0)
		expires = l->cfg.default_expires;
	if (expires > l->cfg.max_lifetime) {
		*err = xasprintf("--expires %d is beyond [storage] "
		    "max_lifetime (%d)", expires, l->cfg.max_lifetime);
		return EINVAL;
	}
	if ((r = loc_reg_find(l, aor)) != NULL && r->busy) {
		*err = xasprintf("%s: a store of it is under way", aor);
		return EBUSY;
	}
	if (r == NULL)
		r = loc_reg_add(l, aor, contact, expires,
		    (int64_t)(loc_wall_ms(l, now) / 1000));
	else {
		if ((r->contact == NULL) != (contact == NULL))
			loc_host(l, r, contact == NULL);
		free(r->contact);
		r->contact = contact != NULL ? xstrdup(contact) : NULL;
		r->expires = expires;
	}
	q = loc_req_new(l, LOC_OP_REGISTER, cookie);
	r->busy = true;
	if ((rc = loc_store_reg(l, now, q, r, false, err)) != 0) {
		loc_req_drop(l, q);
		r->busy = false;
		if ((rc == EBUSY || rc == ENOTCONN) && cookie == 0) {
			/* a phone's (nobody waits for the answer): it goes
			 * out as soon as a request in flight is answered, or
			 * once the node is in the overlay */
			free(*err);
			*err = NULL;
			loc_wait(l, r);
			return 0;
		}
		if (!r->published)
			loc_reg_remove(l, r);
		return rc;
	}
	return 0;
}

int
loc_unregister(struct loc *l, uint64_t now, uint64_t cookie,
    const char *aor_in, char **err)
{
	struct loc_reg		*r;
	struct loc_req		*q;
	struct loc_action	 a;
	char			 aor[OV_USER_MAX];
	int			 rc;

	*err = NULL;
	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	if ((r = loc_reg_find(l, aor)) == NULL) {
		*err = xasprintf("%s: not registered through this node", aor);
		return ENOENT;
	}
	q = loc_req_new(l, LOC_OP_UNREGISTER, cookie);
	if ((rc = loc_store_reg(l, now, q, r, true, err)) != 0) {
		loc_req_drop(l, q);
		if (rc != ENOTCONN || r->published)
			return rc;
		/* never published (the node was not in the overlay yet):
		 * nothing to remove there */
		free(*err);
		*err = NULL;
	}
	/* gone here at once: no refresh brings it back */
	memset(&a, 0, sizeof a);
	a.type = LOC_ACT_FORGET;
	snprintf(a.aor, sizeof a.aor, "%s", r->aor);
	loc_act(l, &a);
	loc_reg_remove(l, r);
	return 0;
}

int
loc_store_value(struct loc *l, uint64_t now, uint64_t cookie,
    const struct ov_kind *k, const uint8_t *value, size_t len,
    const char *user, uint32_t index, int lifetime, char **err)
{
	const struct ov_id	*self = ov_node_id(l->ov);
	struct loc_cred		 c;
	struct ov_stored	 s;
	struct loc_req		*q;
	uint8_t			 ni[OV_ID_LEN + 1];
	char			 aor[OV_USER_MAX];
	int			 rc;

	*err = NULL;
	if (len > LOC_VALUE_MAX) {
		*err = xasprintf("a value of at most %d bytes", LOC_VALUE_MAX);
		return EINVAL;
	}
	if ((k->policy == OV_POLICY_USER_MATCH ||
	    k->policy == OV_POLICY_USER_NODE_MATCH) && user == NULL) {
		*err = xasprintf("%s is written by a user: give --user AOR",
		    k->name);
		return EINVAL;
	}
	memset(&c, 0, sizeof c);
	if (user != NULL) {
		if (loc_aor_arg(l, user, aor, sizeof aor, err) != 0)
			return EINVAL;
		if ((rc = l->cfg.cred(aor, &c, err, l->cfg.cred_arg)) != 0)
			return rc;
	}
	if (lifetime == 0)
		lifetime = l->cfg.default_expires;
	q = loc_req_new(l, LOC_OP_STORE, cookie);
	q->kind = k->id;
	/* §7.3: where the Kind's policy lets this writer store */
	switch (k->policy) {
	case OV_POLICY_USER_MATCH:
	case OV_POLICY_USER_NODE_MATCH:
		ov_id_resource(aor, strlen(aor), &q->res);
		break;
	case OV_POLICY_NODE_MATCH:
		ov_id_resource(self->b, OV_ID_LEN, &q->res);
		break;
	case OV_POLICY_NODE_MULTIPLE:
		memcpy(ni, self->b, OV_ID_LEN);
		ni[OV_ID_LEN] = (uint8_t)index;
		ov_id_resource(ni, sizeof ni, &q->res);
		break;
	}
	memset(&s, 0, sizeof s);
	s.storage_time = loc_wall_ms(l, now);
	s.lifetime = (uint32_t)lifetime;
	s.v.index = index;
	s.v.key = self->b;
	s.v.key_len = OV_ID_LEN;
	s.v.exists = true;
	s.v.data = value;
	s.v.len = (uint32_t)len;
	if ((rc = loc_send(l, now, q, k, &s, user != NULL ? &c : NULL)) != 0)
		loc_req_drop(l, q);
	return rc;
}

/* ---- fetching ---- */

static int
loc_ask(struct loc *l, uint64_t now, struct loc_req *q, bool stat)
{
	int	rc;

	rc = (stat ? ov_node_stat : ov_node_fetch)(l->ov, now, &q->res,
	    q->kind, q->ov_cookie);
	if (rc != 0)
		loc_req_drop(l, q);
	return rc;
}

/* Fetch aor's SIP-REGISTRATION for op (a lookup or a resolve). */
static int
loc_ask_aor(struct loc *l, uint64_t now, enum loc_op op, uint64_t cookie,
    const char *aor_in, char **err)
{
	struct loc_req	*q;
	char		 aor[OV_USER_MAX];

	*err = NULL;
	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	q = loc_req_new(l, op, cookie);
	snprintf(q->aor, sizeof q->aor, "%s", aor);
	q->kind = OV_KIND_SIP_REGISTRATION;
	ov_id_resource(aor, strlen(aor), &q->res);
	return loc_ask(l, now, q, false);
}

int
loc_lookup(struct loc *l, uint64_t now, uint64_t cookie, const char *aor,
    char **err)
{
	return loc_ask_aor(l, now, LOC_OP_LOOKUP, cookie, aor, err);
}

int
loc_resolve(struct loc *l, uint64_t now, uint64_t cookie, const char *aor,
    char **err)
{
	return loc_ask_aor(l, now, LOC_OP_RESOLVE, cookie, aor, err);
}

int
loc_fetch_values(struct loc *l, uint64_t now, uint64_t cookie,
    const struct ov_kind *k, const struct ov_id *res, bool stat, char **err)
{
	struct loc_req	*q = loc_req_new(l, stat ? LOC_OP_STAT : LOC_OP_FETCH,
			    cookie);

	*err = NULL;
	q->kind = k->id;
	q->res = *res;
	return loc_ask(l, now, q, stat);
}

/* ---- answers ---- */

/* The live bindings of a fetched SIP-REGISTRATION, as lookups give. */
static void
loc_bindings(const struct ov_fetched *f, struct loc_result *r)
{
	const struct ov_fetched_value	*fv;
	struct loc_binding		*b;
	struct ov_sipreg		 sr;
	unsigned			 i, j;

	r->bindings = xcalloc(f->n > 0 ? f->n : 1, sizeof *r->bindings);
	for (i = 0; i < f->n; i++) {
		fv = &f->v[i];
		if (!fv->s.v.exists)
			continue;
		b = &r->bindings[r->nbindings++];
		if ((b->has_node = fv->s.v.key_len == OV_ID_LEN))
			memcpy(b->node.b, fv->s.v.key, OV_ID_LEN);
		b->expires = fv->s.lifetime;
		snprintf(b->user, sizeof b->user, "%s", fv->signer.user);
		if (ov_sipreg_decode(fv->s.v.data, fv->s.v.len, &sr) != 0)
			b->bad = true;
		else if (sr.type == OV_SIPREG_URI)
			b->contact = xstrndup((const char *)sr.uri,
			    sr.uri_len);
		else {
			b->ndest = sr.ndest;
			for (j = 0; j < sr.ndest; j++)
				b->dest_ok[j] = ov_dest_id(&sr.dest[j],
				    &b->dest[j]);
		}
	}
	r->refused = f->refused;
}

/* The RESOLVE q has no AppAttach left out: answer it with the contacts
 * it found, in order. */
static void
loc_resolved(struct loc *l, struct loc_req *q)
{
	struct loc_result	r = q->res_out;
	unsigned		i, n = 0;

	for (i = 0; i < r.ncontacts; i++)
		if (r.contacts[i].uri != NULL)
			r.contacts[n++] = r.contacts[i];
	r.ncontacts = n;

	memset(&q->res_out, 0, sizeof q->res_out);
	loc_answer(l, q, &r);
}

/*
 * A destination list (RFC 7904 §3) for the RESOLVE q: AppAttach along it
 * to its last node (RFC 7904 §5), which must be the one whose
 * certificate answers at the address it gives.  A list ending here is
 * none of ours to reach: the proxy gives such requests to our phones or
 * UA.
 */
static void
loc_resolve_route(struct loc *l, uint64_t now, struct loc_req *q,
    const struct loc_binding *b)
{
	struct loc_result	*r = &q->res_out;
	char			 hex[OV_ID_HEXLEN];
	unsigned		 j, slot;
	int			 rc;

	if (b->ndest == 0) {
		r->incomplete = true;
		return;
	}
	for (j = 0; j < b->ndest; j++)
		if (!b->dest_ok[j]) {
			r->incomplete = true;	/* not a Node-ID: no route */
			return;
		}
	if (ov_id_eq(&b->dest[b->ndest - 1], ov_node_id(l->ov)))
		return;
	slot = r->ncontacts++;
	q->attach[slot] = ++l->next_cookie;
	rc = ov_node_app_attach(l->ov, now, b->dest, b->ndest, OV_APP_SIP,
	    q->attach[slot]);
	if (rc != 0) {
		lc_info(&l->log, "sip: AppAttach to node %s: %s", ov_id_hex(
		    &b->dest[b->ndest - 1], hex), strerror(rc));
		q->attach[slot] = 0;
		r->incomplete = true;
		return;
	}
	r->contacts[slot].has_node = true;
	r->contacts[slot].node = b->dest[b->ndest - 1];
	q->nattach++;
}

/* The bindings of a RESOLVE: contacts at once, AppAttach for the
 * destination lists. */
static void
loc_resolve_start(struct loc *l, uint64_t now, struct loc_req *q,
    struct loc_result *found)
{
	struct loc_result	*r = &q->res_out;
	struct loc_binding	*b;
	unsigned		 i;

	r->error = found->error;
	r->code = found->code;
	r->generation = found->generation;
	r->contacts = xcalloc(LOC_BINDINGS_MAX, sizeof *r->contacts);
	for (i = 0; i < found->nbindings && r->ncontacts < LOC_BINDINGS_MAX;
	    i++) {
		b = &found->bindings[i];
		if (b->contact != NULL) {
			/* the dictionary key: the Node-ID of the peer that
			 * stored it (RFC 7904 §3, checked where it is
			 * stored) */
			r->contacts[r->ncontacts].uri = b->contact;
			r->contacts[r->ncontacts].has_node = b->has_node;
			r->contacts[r->ncontacts++].node = b->node;
			b->contact = NULL;
		} else if (!b->bad)
			loc_resolve_route(l, now, q, b);
	}
	loc_result_clear(found);
	if (q->nattach == 0)
		loc_resolved(l, q);
	else {
		q->next = l->reqs;	/* out again, for its AppAttaches */
		l->reqs = q;
	}
}

/* An AppAttach of a RESOLVE answered. */
static void
loc_app_attached(struct loc *l, struct loc_req *q, unsigned slot,
    const struct ov_event *ev)
{
	struct loc_result	*r = &q->res_out;
	char			 a[ADDR_STRLEN], hex[OV_ID_HEXLEN];
	char			 text[OV_ERROR_TEXT_MAX];

	q->attach[slot] = 0;
	q->nattach--;
	if (ev->error != 0) {
		lc_info(&l->log, "sip: %.*s: AppAttach to node %s: %s",
		    (int)strcspn(q->aor, "@"), q->aor, ov_id_hex(&ev->peer,
		    hex), ov_error_text(ev->error, ev->why, text,
		    sizeof text));
		r->incomplete = true;
	} else {
		/* No-ICE: the candidate is where it takes SIP over TLS */
		r->contacts[slot].uri = xasprintf("sip:%.*s@%s;transport=tls",
		    (int)strcspn(q->aor, "@"), q->aor, addr_str(&ev->app_addr,
		    a));
		lc_debug(&l->log, "sip: %.*s: node %s takes SIP at %s",
		    (int)strcspn(q->aor, "@"), q->aor, ov_id_hex(&ev->peer,
		    hex), a);
	}
	if (q->nattach > 0)
		return;
	loc_req_unlink(l, q);
	loc_resolved(l, q);
}

static void
loc_fetched(struct loc *l, uint64_t now, struct loc_req *q,
    struct ov_event *ev)
{
	struct loc_result	r;

	memset(&r, 0, sizeof r);
	r.generation = ev->generation;
	if (q->op == LOC_OP_LOOKUP || q->op == LOC_OP_RESOLVE) {
		if (ev->fetched != NULL)
			loc_bindings(ev->fetched, &r);
		if (r.nbindings == 0)
			r.error = LOC_E_NO_REGISTRATION;
	} else {
		r.fetched = ev->fetched;
		r.statted = ev->statted;
		ev->fetched = NULL;
		ev->statted = NULL;
		if (r.fetched != NULL)
			r.refused = r.fetched->refused;
	}
	if (q->op == LOC_OP_RESOLVE)
		loc_resolve_start(l, now, q, &r);
	else
		loc_answer(l, q, &r);
}

static void
loc_stored(struct loc *l, uint64_t now, struct loc_req *q,
    const struct ov_event *ev)
{
	struct loc_reg		*r = q->op == LOC_OP_REGISTER ||
				    q->op == LOC_OP_REFRESH ?
				    loc_reg_find(l, q->aor) : NULL;
	struct loc_action	 a;
	struct loc_result	 res;
	char			 text[OV_ERROR_TEXT_MAX];
	bool			 first;

	if (l->nwaiting > 0)
		loc_publish_due(l, now, false);	/* room for one more */
	if (r != NULL) {
		r->busy = false;
		first = !r->published;
		if (ev->error == 0) {
			r->published = true;
			r->generation = ev->generation;
			r->nreplicas = ev->nreplicas;
			/* refresh halfway through the lifetime */
			r->due_ms = now + (uint64_t)r->expires * 500;
			if (q->op == LOC_OP_REGISTER || first) {
				memset(&a, 0, sizeof a);
				a.type = LOC_ACT_SAVE;
				snprintf(a.aor, sizeof a.aor, "%s", r->aor);
				a.contact = r->contact != NULL ?
				    xstrdup(r->contact) : NULL;
				a.expires = r->expires;
				a.created = r->created;
				loc_act(l, &a);
			}
		} else if (q->op == LOC_OP_REGISTER && !r->published &&
		    q->cookie != 0) {
			/* the caller is told; nothing stays */
			loc_reg_remove(l, r);
			r = NULL;
		} else {
			/* a phone's AOR (nobody to tell), or a refresh:
			 * stored again later, until it is withdrawn */
			loc_store_failed(l, now, r, ov_error_text(ev->error,
			    ev->why, text, sizeof text));
			r->due_ms = now + loc_retry_ms(l);
		}
	}
	if (ev->error != 0) {
		loc_fail(l, q, ev->error, ev->why);
		return;
	}
	memset(&res, 0, sizeof res);
	if (r != NULL) {
		res.has_reg = true;
		res.contact = r->contact != NULL ? xstrdup(r->contact) : NULL;
		res.expires = r->expires;
	}
	res.generation = ev->generation;
	res.nreplicas = ev->nreplicas;
	loc_answer(l, q, &res);
}

bool
loc_input(struct loc *l, uint64_t now, struct ov_event *ev)
{
	struct loc_req	*q;
	unsigned	 slot = 0;

	switch (ev->type) {
	case OV_EV_STORED:
	case OV_EV_FETCHED:
	case OV_EV_STAT:
		if ((q = loc_req_find(l, ev->cookie, false, true, NULL)) ==
		    NULL)
			return false;
		if (ev->type == OV_EV_STORED)
			loc_stored(l, now, q, ev);
		else if (ev->error != 0)
			loc_fail(l, q, ev->error, ev->why);
		else
			loc_fetched(l, now, q, ev);
		return true;
	case OV_EV_APP_ATTACH:
		if ((q = loc_req_find(l, ev->cookie, true, false, &slot)) ==
		    NULL)
			return false;
		loc_app_attached(l, q, slot, ev);
		return true;
	default:
		return false;
	}
}

/* ---- refresh ---- */

/* Store r now: 0, or EBUSY (no room: the rest later). */
static int
loc_publish_one(struct loc *l, uint64_t now, struct loc_reg *r)
{
	struct loc_req	*q = loc_req_new(l, LOC_OP_REFRESH, 0);
	char		*err = NULL, text[OV_ERROR_TEXT_MAX];
	int		 rc;

	r->busy = true;
	if ((rc = loc_store_reg(l, now, q, r, false, &err)) != 0) {
		r->busy = false;
		loc_req_drop(l, q);
		if (rc == EBUSY && err == NULL)
			return EBUSY;
		loc_store_failed(l, now, r, err != NULL ? err :
		    ov_error_text(rc, NULL, text, sizeof text));
		free(err);
		r->due_ms = now + loc_retry_ms(l);
	}
	if (r->waiting)
		loc_unwait(l, r);
	return 0;
}

/*
 * What waits for room goes first, in order; then, with scan, every
 * registration due for a refresh.
 */
static void
loc_publish_due(struct loc *l, uint64_t now, bool scan)
{
	struct loc_reg	*r;
	enum ov_state	 st = ov_node_state(l->ov);

	if ((st != OV_ST_JOINED && st != OV_ST_ALONE) || l->publishing)
		return;
	l->publishing = true;
	while ((r = l->wait_head) != NULL) {
		if (r->busy)		/* stored since, by a new REGISTER */
			loc_unwait(l, r);
		else if (loc_publish_one(l, now, r) == EBUSY)
			break;
	}
	for (r = scan && l->wait_head == NULL ? l->regs : NULL; r != NULL;
	    r = r->next)
		if (!r->busy && r->due_ms <= now &&
		    loc_publish_one(l, now, r) == EBUSY)
			break;
	l->publishing = false;
}

void
loc_tick(struct loc *l, uint64_t now)
{
	if (now < l->next_tick)
		return;
	loc_publish_due(l, now, true);
	loc_quiet_end(l, now);
	l->next_tick = now + LOC_TICK_MS;
}

uint64_t
loc_deadline(const struct loc *l)
{
	return l->next_tick;
}

/* ---- set-up ---- */

int
loc_new(struct loc **out, const struct loc_cfg *cfg, struct ov_node *ov,
    struct rng *rng, const struct log_ctx *log)
{
	struct loc	*l;

	if (cfg->overlay == NULL || cfg->cred == NULL || ov == NULL ||
	    rng == NULL)
		return EINVAL;
	l = xcalloc(1, sizeof *l);
	l->cfg = *cfg;
	l->overlay = xstrdup(cfg->overlay);
	l->cfg.overlay = l->overlay;
	l->ov = ov;
	l->rng = rng;
	if (log != NULL)
		l->log = *log;
	fifo_init(&l->actions, sizeof(struct loc_action));
	*out = l;
	return 0;
}

void
loc_free(struct loc *l)
{
	struct loc_req		*q;
	struct loc_action	 a;

	if (l == NULL)
		return;
	l->freeing = true;
	while (l->regs != NULL)
		loc_reg_remove(l, l->regs);
	strmap_clear(&l->regmap);
	while ((q = l->reqs) != NULL) {
		l->reqs = q->next;
		loc_req_free(q);
	}
	while (loc_next_action(l, &a))
		loc_action_clear(&a);
	fifo_clear(&l->actions);
	free(l->overlay);
	free(l);
}

/* ---- what it publishes ---- */

void
loc_regs_each(const struct loc *l, loc_reg_cb cb, void *arg)
{
	const struct loc_reg	*r;
	struct loc_reg_info	 ri;

	for (r = l->regs; r != NULL; r = r->next) {
		ri.aor = r->aor;
		ri.contact = r->contact;
		ri.expires = r->expires;
		ri.published = r->published;
		ri.pending = !r->published || r->busy || r->waiting;
		cb(&ri, arg);
	}
}

unsigned
loc_registrations(const struct loc *l)
{
	return l->nregs;
}

unsigned
loc_publishing(const struct loc *l)
{
	const struct loc_reg	*r;
	unsigned		 n = 0;

	for (r = l->regs; r != NULL; r = r->next)
		n += !r->published || r->busy || r->waiting;
	return n;
}
