/*
 * srv_loc.c - the location service's driver (loc/loc.h): its timer, the
 * database rows of its registrations, and the callbacks of requests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "db.h"
#include "identity.h"
#include "loc.h"
#include "log.h"
#include "log_ctx.h"
#include "ov_msg.h"
#include "rng.h"
#include "srv_loc.h"
#include "srv.h"
#include "xmalloc.h"

/* A request whose result someone waits for. */
struct sl_wait {
	struct sl_wait	*next;
	uint64_t	 cookie;
	srv_loc_done_cb	 cb;
	void		*arg;
};

struct srv_loc {
	struct loc		*loc;
	struct db		*db;
	struct identity		*ident;
	struct srv_loc_ops	 ops;
	struct rng		 rng;
	struct log_ctx		 lc;
	/* the core's deadline: background work (stores, refreshes), and
	 * at normal priority SL_LATE_MS after it, should the background
	 * not get its turn (a daemon saturated with messages) */
	struct event		*timer;
	uint64_t		 timer_at;
	struct event		*late;
	uint64_t		 late_at;
	struct event		*kick;		/* the overlay, after a request */
	struct sl_wait		*waits;
	uint64_t		 next_cookie;
};

/* the background's backstop (struct srv_loc's late) */
#define SL_LATE_MS	50

static void	sl_drain(struct srv_loc *);

/* The user's key and certificate, for the core. */
static int
sl_cred(const char *aor, struct loc_cred *c, char **err, void *arg)
{
	struct srv_loc		*sl = arg;
	struct identity_user	*u;
	int			 rc;

	if ((rc = identity_user(sl->ident, aor, &u, err)) != 0)
		return rc;
	c->crypto = &u->crypto;
	c->bucket = u->bucket;
	c->bucket_len = u->bucket_len;
	return 0;
}

static void
sl_act(struct srv_loc *sl, struct loc_action *a)
{
	struct sl_wait	**pp, *w;

	switch (a->type) {
	case LOC_ACT_RESULT:
		for (pp = &sl->waits; (w = *pp) != NULL; pp = &w->next)
			if (w->cookie == a->res.cookie) {
				*pp = w->next;
				w->cb(&a->res, w->arg);
				free(w);
				break;
			}
		break;
	case LOC_ACT_HOST:
		sl->ops.host(a->aor, a->on, sl->ops.arg);
		break;
	case LOC_ACT_SAVE:
		db_reg_put(sl->db, a->aor, a->contact, a->expires, a->created);
		break;
	case LOC_ACT_FORGET:
		db_reg_del(sl->db, a->aor);
		break;
	}
}

/* Carry out the core's actions; wake up at its deadline. */
static void
sl_drain(struct srv_loc *sl)
{
	struct loc_action	a;
	uint64_t		now = srv_now_ms(), at;

	while (loc_next_action(sl->loc, &a)) {
		sl_act(sl, &a);
		loc_action_clear(&a);
	}
	at = loc_deadline(sl->loc);
	srv_timer_arm(sl->timer, &sl->timer_at, at, now);
	if (at != UINT64_MAX) {
		/* never later than it was: the backstop moves only nearer */
		at = (at > now ? at : now) + SL_LATE_MS;
		if (at < sl->late_at)
			srv_timer_arm(sl->late, &sl->late_at, at, now);
	}
}

static void
sl_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_loc	*sl = arg;

	(void)fd;
	(void)what;
	sl->timer_at = UINT64_MAX;
	/* the background got its turn: no backstop for this deadline */
	srv_timer_arm(sl->late, &sl->late_at, UINT64_MAX, 0);
	loc_tick(sl->loc, srv_now_ms());
	sl_drain(sl);
	sl->ops.kick(sl->ops.arg);
}

/* The overlay node is drained from the event loop, never from within a
 * caller's request (which may itself be draining a core). */
static void
sl_kick(evutil_socket_t fd, short what, void *arg)
{
	struct srv_loc	*sl = arg;

	(void)fd;
	(void)what;
	sl->ops.kick(sl->ops.arg);
}

/*
 * After a request the core took (rc 0) or refused: the waiter, the
 * overlay, and the words for a refusal.
 */
static int
sl_started(struct srv_loc *sl, int rc, uint64_t cookie, srv_loc_done_cb cb,
    void *arg, char **err)
{
	struct sl_wait	*w;
	char		 text[OV_ERROR_TEXT_MAX];

	if (rc != 0) {
		if (*err == NULL)
			*err = xstrdup(ov_msg_error_text(rc, NULL, text,
			    sizeof text));
	} else if (cb != NULL) {
		w = xcalloc(1, sizeof *w);
		w->cookie = cookie;
		w->cb = cb;
		w->arg = arg;
		w->next = sl->waits;
		sl->waits = w;
	}
	sl_drain(sl);
	event_active(sl->kick, EV_TIMEOUT, 0);
	return rc;
}

/* A cookie for a request cb waits for (0: nobody waits). */
static uint64_t
sl_cookie(struct srv_loc *sl, srv_loc_done_cb cb)
{
	return cb != NULL ? ++sl->next_cookie : 0;
}

int
srv_loc_register(struct srv_loc *sl, const char *aor, const char *contact,
    int expires, srv_loc_done_cb cb, void *arg, char **err)
{
	uint64_t	c = sl_cookie(sl, cb);

	return sl_started(sl, loc_register(sl->loc, srv_now_ms(), c, aor,
	    contact, expires, err), c, cb, arg, err);
}

int
srv_loc_unregister(struct srv_loc *sl, const char *aor, srv_loc_done_cb cb,
    void *arg, char **err)
{
	uint64_t	c = sl_cookie(sl, cb);

	return sl_started(sl, loc_unregister(sl->loc, srv_now_ms(), c, aor,
	    err), c, cb, arg, err);
}

int
srv_loc_lookup(struct srv_loc *sl, const char *aor, srv_loc_done_cb cb,
    void *arg, char **err)
{
	uint64_t	c = sl_cookie(sl, cb);

	return sl_started(sl, loc_lookup(sl->loc, srv_now_ms(), c, aor, err), c,
	    cb, arg, err);
}

int
srv_loc_resolve(struct srv_loc *sl, const char *aor, srv_loc_done_cb cb,
    void *arg, char **err)
{
	uint64_t	c = sl_cookie(sl, cb);

	return sl_started(sl, loc_resolve(sl->loc, srv_now_ms(), c, aor, err),
	    c, cb, arg, err);
}

int
srv_loc_store_value(struct srv_loc *sl, const char *kind,
    const uint8_t *value, size_t len, const char *user, uint32_t index,
    int lifetime, srv_loc_done_cb cb, void *arg, char **err)
{
	const struct ov_kind	*k = loc_kind(kind);
	uint64_t		 c = sl_cookie(sl, cb);

	*err = NULL;
	if (k == NULL) {
		*err = xasprintf("%s: not a Kind this node knows", kind);
		return EINVAL;
	}
	return sl_started(sl, loc_store_value(sl->loc, srv_now_ms(), c, k,
	    value, len, user, index, lifetime, err), c, cb, arg, err);
}

int
srv_loc_fetch_values(struct srv_loc *sl, const char *kind,
    const char *resource, bool stat, srv_loc_done_cb cb, void *arg,
    char **err)
{
	const struct ov_kind	*k = loc_kind(kind);
	struct ov_id		 res;
	uint64_t		 c = sl_cookie(sl, cb);

	*err = NULL;
	if (k == NULL) {
		*err = xasprintf("%s: not a Kind this node knows", kind);
		return EINVAL;
	}
	loc_resource(resource, &res);
	return sl_started(sl, loc_fetch_values(sl->loc, srv_now_ms(), c, k,
	    &res, stat, err), c, cb, arg, err);
}

int
srv_loc_relay_search(struct srv_loc *sl, srv_loc_done_cb cb, void *arg,
    char **err)
{
	uint64_t	c = sl_cookie(sl, cb);

	return sl_started(sl, loc_relay_search(sl->loc, srv_now_ms(), c, err),
	    c, cb, arg, err);
}

void
srv_loc_relay_advertise(struct srv_loc *sl, const struct addr *relay,
    unsigned density)
{
	(void)loc_relay_advertise(sl->loc, srv_now_ms(), relay, density);
	sl_drain(sl);
	event_active(sl->kick, EV_TIMEOUT, 0);
}

int
srv_loc_proxy_search(struct srv_loc *sl, srv_loc_done_cb cb, void *arg,
    char **err)
{
	uint64_t	c = sl_cookie(sl, cb);

	return sl_started(sl, loc_proxy_search(sl->loc, srv_now_ms(), c, err),
	    c, cb, arg, err);
}

void
srv_loc_proxy_advertise(struct srv_loc *sl, const struct addr *sip_tls)
{
	(void)loc_proxy_advertise(sl->loc, srv_now_ms(), sip_tls);
	sl_drain(sl);
	event_active(sl->kick, EV_TIMEOUT, 0);
}

bool
srv_loc_input(struct srv_loc *sl, struct ov_event *ev)
{
	if (!loc_input(sl->loc, srv_now_ms(), ev))
		return false;
	sl_drain(sl);
	return true;
}

struct loc *
srv_loc_core(const struct srv_loc *sl)
{
	return sl->loc;
}

struct sl_hosted {
	void	(*cb)(const char *, void *);
	void	*arg;
};

static void
sl_hosted(const struct loc_reg_info *ri, void *arg)
{
	struct sl_hosted	*h = arg;

	if (ri->contact == NULL)
		h->cb(ri->aor, h->arg);
}

void
srv_loc_hosted_each(const struct srv_loc *sl,
    void (*cb)(const char *, void *), void *arg)
{
	struct sl_hosted	h = { cb, arg };

	loc_regs_each(sl->loc, sl_hosted, &h);
}

/* ---- set-up ---- */

static void
sl_load(void *arg, const char *aor, const char *contact, int expires,
    int64_t created)
{
	struct srv_loc	*sl = arg;

	loc_load(sl->loc, aor, contact, expires, created);
}

struct srv_loc *
srv_loc_new(struct event_base *base, const struct loc_cfg *cfg,
    struct ov_node *ov, struct identity *ident, struct db *db,
    const struct srv_loc_ops *ops)
{
	struct srv_loc	*sl = xcalloc(1, sizeof *sl);
	struct loc_cfg	 lcfg = *cfg;

	sl->db = db;
	sl->ident = ident;
	sl->ops = *ops;
	sl->rng.fill = srv_rand;
	sl->lc.cb = srv_log;
	sl->lc.level = LC_DEBUG;
	lcfg.cred = sl_cred;
	lcfg.cred_arg = sl;
	if (loc_new(&sl->loc, &lcfg, ov, &sl->rng, &sl->lc) != 0)
		fatalx("location: cannot set up");
	if ((sl->timer = evtimer_new(base, sl_timer, sl)) == NULL ||
	    event_priority_set(sl->timer, SRV_PRIO_BACKGROUND) != 0 ||
	    (sl->late = evtimer_new(base, sl_timer, sl)) == NULL ||
	    (sl->kick = evtimer_new(base, sl_kick, sl)) == NULL)
		fatalx("location: cannot make a timer");
	sl->timer_at = UINT64_MAX;
	sl->late_at = UINT64_MAX;
	if (db_regs_each(db, sl_load, sl) != 0)
		log_warnx("location: cannot read the registrations");
	if (loc_registrations(sl->loc) != 0)
		log_info("location: %u registrations to publish again",
		    loc_registrations(sl->loc));
	sl_drain(sl);
	return sl;
}

void
srv_loc_free(struct srv_loc *sl)
{
	struct sl_wait	*w;

	if (sl == NULL)
		return;
	loc_free(sl->loc);
	while ((w = sl->waits) != NULL) {
		sl->waits = w->next;
		w->cb(NULL, w->arg);
		free(w);
	}
	if (sl->timer != NULL)
		event_free(sl->timer);
	if (sl->late != NULL)
		event_free(sl->late);
	if (sl->kick != NULL)
		event_free(sl->kick);
	free(sl);
}
