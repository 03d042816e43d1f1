/*
 * loc_reg.c - registrations and raw values this node stores: published,
 * refreshed halfway through their lifetime, tried again with jitter,
 * waiting for room in order (RFC 6940 §7.4.1, RFC 7904 §3).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loc.h"
#include "loc_int.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_data.h"
#include "ov_node.h"
#include "rng.h"
#include "strmap.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- registrations ---- */

/*
 * Is r stored as a destination list to this node (RFC 7904 §3)?  Those
 * without a contact are; so are a phone's (contact: our own SIP
 * address) while this node is a client (RFC 6940 §4.2.1), which nobody
 * reaches at its own address: callers come through its gateway.
 */
static bool
loc_by_route(const struct loc *l, const struct loc_reg *r)
{
	return r->contact == NULL || (r->phone && ov_node_client(l->ov));
}

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
void
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
	lc_warn(&l->log, "location: cannot %s %s (tried again): %s",
	    r->published ? "refresh" : "publish", r->aor, why);
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

void
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
	size_t		 len = strnlen(aor, OV_USER_MAX - 1);
	struct loc_reg	*r = xcalloc(1, sizeof *r + len + 1);

	memcpy(r->aor, aor, len);
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

/* ---- storing ---- */

int
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
	const struct ov_kind	*k = ov_kind_find(ov_kind_all, ov_kind_nall,
				    OV_KIND_SIP_REGISTRATION);
	struct loc_cred		 c;
	struct ov_sipreg	 sr;
	struct ov_stored	 s;
	struct ov_id		 route[2];
	struct wbuf		 w;
	unsigned		 i;
	int			 rc;

	/* RFC 7904 §3: the Resource Name is the AOR without its scheme */
	ov_id_resource(r->aor, strlen(r->aor), &q->res);
	/*
	 * No room for the Store: the user's key is not loaded for it.  A
	 * registrar with thousands of new users waiting would make or load
	 * each key only to drop it past the loaded users' bound and load
	 * it again (slowly: a key's DER decoder) when room comes.
	 */
	if (!ov_node_can_store(l->ov, &q->res))
		return EBUSY;
	memset(&c, 0, sizeof c);
	if ((rc = l->cfg.cred(r->aor, &c, err, l->cfg.cred_arg)) != 0)
		return rc;
	snprintf(q->aor, sizeof q->aor, "%s", r->aor);
	q->kind = k->id;
	memset(&sr, 0, sizeof sr);
	/*
	 * The value's form follows the route to this node as it is now (not
	 * as the last tick saw it): stored before the first tick, it would
	 * be stored again at that tick for nothing.
	 */
	loc_reroute(l);
	r->route_gen = l->route_gen;
	if (!loc_by_route(l, r)) {
		sr.type = OV_SIPREG_URI;
		sr.uri = (const uint8_t *)r->contact;
		sr.uri_len = (uint16_t)strlen(r->contact);
	} else {
		/* a client is reached through its gateway (RFC 6940
		 * §4.2.1) */
		sr.type = OV_SIPREG_ROUTE;
		sr.ndest = ov_node_self_route(l->ov, route);
		for (i = 0; i < sr.ndest; i++)
			ov_msg_dest_node(&sr.dest[i], &route[i]);
	}
	wbuf_init(&w, 1024);
	ov_data_sipreg_encode(&w, &sr);
	memset(&s, 0, sizeof s);
	s.storage_time = loc_wall_ms(l, now);
	/* §7.4.1.1: a value replaces the stored one only if newer; a change
	 * (or the removal) in the millisecond of the last store is one
	 * millisecond later */
	if (s.storage_time <= r->stored_ms)
		s.storage_time = r->stored_ms + 1;
	r->stored_ms = s.storage_time;
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
	r->phone = contact != NULL && cookie == 0;
	if (cookie == 0) {
		/*
		 * A phone's (nobody waits for the answer): stored in its
		 * turn by loc_publish_due, which the driver runs after the
		 * registrar's answers.  A first store makes the user's key
		 * and certificate and signs; a round of new phones would
		 * otherwise wait on all of that before their 200 OK.
		 */
		loc_wait(l, r);
		return 0;
	}
	q = loc_req_new(l, LOC_OP_REGISTER, cookie);
	r->busy = true;
	if ((rc = loc_store_reg(l, now, q, r, false, err)) != 0) {
		loc_req_drop(l, q);
		r->busy = false;
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
	case OV_POLICY_SERVICE_NODE_MATCH:
		ov_kind_service_res(k, index, &q->res);
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

void
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

	if (r != NULL) {
		r->busy = false;
		first = !r->published;
		if (ev->error == 0) {
			r->published = true;
			r->generation = ev->generation;
			r->nreplicas = ev->nreplicas;
			/* refresh halfway through the lifetime; at once if
			 * the route to us changed meanwhile */
			r->due_ms = loc_by_route(l, r) &&
			    r->route_gen != l->route_gen ? 0 :
			    now + (uint64_t)r->expires * 500;
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
		} else if (ev->error == OV_E_FORBIDDEN + 1000 &&
		    strcmp(ev->why, OV_WHY_FLOOD) == 0) {
			/*
			 * Past the storing peer's allowance for us: all
			 * stores wait a little (its allowance refills) and
			 * this one goes again then, in its turn, rather than
			 * each on its own timer into the next refusal.
			 */
			loc_store_failed(l, now, r, ov_msg_error_text(ev->error,
			    ev->why, text, sizeof text));
			l->hold_until = now + LOC_HOLD_MS;
			loc_wait(l, r);
		} else {
			/* a phone's AOR (nobody to tell), or a refresh:
			 * stored again later, until it is withdrawn */
			loc_store_failed(l, now, r, ov_msg_error_text(ev->error,
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
		    ov_msg_error_text(rc, NULL, text, sizeof text));
		free(err);
		r->due_ms = now + loc_retry_ms(l);
	}
	if (r->waiting)
		loc_unwait(l, r);
	return 0;
}

/*
 * The destination list that reaches this node changed (a client has a
 * new gateway): the registrations that name it are stored again.
 */
void
loc_reroute(struct loc *l)
{
	struct ov_id	 route[2];
	struct loc_reg	*r;
	unsigned	 n = ov_node_self_route(l->ov, route);

	if (n == l->nroute && memcmp(route, l->route, n * sizeof route[0]) ==
	    0)
		return;
	memcpy(l->route, route, n * sizeof route[0]);
	l->nroute = n;
	l->route_gen++;
	for (r = l->regs; r != NULL; r = r->next)
		if ((r->contact == NULL || r->phone) &&
		    r->route_gen != l->route_gen) {
			r->due_ms = 0;
			l->scan = true;
		}
}

/*
 * What waits for room goes first, in order; then, while a scan is on
 * (each tick starts one), every registration due for a refresh.  At most
 * LOC_PUBLISH_BATCH stores a call: each signs, a first one makes the
 * user's key and certificate, and a storing peer's answers and the
 * registrar's phones go between batches (loc_deadline says when the next
 * may go).  Without room the rest waits for an answer (loc_input).
 */
void
loc_publish_due(struct loc *l, uint64_t now)
{
	struct loc_reg	*r;
	unsigned	 n = 0;
	int		 rc = 0;

	if (!ov_node_member(l->ov) || l->publishing || l->no_room ||
	    l->hold_until != 0)
		return;
	l->publishing = true;
	while ((r = l->wait_head) != NULL && n < LOC_PUBLISH_BATCH &&
	    rc == 0) {
		if (r->busy)		/* stored since, by a new REGISTER */
			loc_unwait(l, r);
		else if ((rc = loc_publish_one(l, now, r)) == 0)
			n++;
	}
	for (r = l->scan && l->wait_head == NULL ? l->regs : NULL; r != NULL &&
	    n < LOC_PUBLISH_BATCH && rc == 0; r = r->next)
		if (!r->busy && r->due_ms <= now &&
		    (rc = loc_publish_one(l, now, r)) == 0)
			n++;
	if (rc == EBUSY)
		l->no_room = true;
	else if (r == NULL && l->wait_head == NULL)
		l->scan = false;		/* all looked at */
	l->publishing = false;
}

bool
loc_publish_ready(const struct loc *l)
{
	return (l->wait_head != NULL || l->scan) && !l->no_room &&
	    l->hold_until == 0 && !l->publishing && ov_node_member(l->ov);
}
