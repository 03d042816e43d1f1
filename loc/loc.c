/*
 * loc.c - the location service core: its requests and actions, the
 * overlay's events, time, set-up (loc_reg.c publishes registrations,
 * loc_find.c looks them up; RFC 6940 §7, RFC 7904; loc_relay.c
 * advertises and finds relay agent peers, RFC 6940 §9).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fifo.h"
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
	free(r->relays);
	free(r->proxies);
	ov_node_fetched_free(r->fetched);
	ov_node_statted_free(r->statted);
	memset(r, 0, sizeof *r);
}

void
loc_action_clear(struct loc_action *a)
{
	loc_result_clear(&a->res);
	free(a->contact);
	memset(a, 0, sizeof *a);
}

void
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

struct loc_req *
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

void
loc_req_free(struct loc_req *q)
{
	loc_result_clear(&q->res_out);
	free(q);
}

/* The request the overlay's answer with cookie (or, with attach, one of
 * its AppAttaches) belongs to, taken off the list when take. */
struct loc_req *
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
void
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
void
loc_req_drop(struct loc *l, struct loc_req *q)
{
	loc_req_unlink(l, q);
	loc_req_free(q);
}

/* The caller's answer to q (r moved into the action); q is freed. */
void
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

struct loc_req *
loc_search_new(struct loc *l, enum loc_op op, uint32_t kind, uint64_t cookie)
{
	struct loc_req	*q;

	if (!ov_node_member(l->ov))
		return NULL;
	q = loc_req_new(l, op, cookie);
	loc_req_unlink(l, q);
	q->kind = kind;
	return q;
}

bool
loc_search_fetched(struct loc_req *q, const struct ov_event *ev,
    void (*add)(struct loc_result *, const struct ov_fetched_value *))
{
	unsigned	i;

	if (ev->type != OV_EV_FETCHED) {	/* not ours to have */
		loc_req_free(q);
		return false;
	}
	if (ev->error == 0 && ev->fetched != NULL) {
		q->res_out.refused += ev->fetched->refused;
		for (i = 0; i < ev->fetched->n; i++)
			add(&q->res_out, &ev->fetched->v[i]);
	}
	return true;
}

/* An overlay failure as the result of q. */
void
loc_fail(struct loc *l, struct loc_req *q, int code, const char *why)
{
	struct loc_result	r;

	memset(&r, 0, sizeof r);
	r.error = LOC_E_OVERLAY;
	r.code = code;
	snprintf(r.why, sizeof r.why, "%s", why != NULL ? why : "");
	loc_answer(l, q, &r);
}

bool
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
int
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
		    ov_kind_find(ov_kind_all, ov_kind_nall, (uint32_t)n) : NULL;
	for (i = 0; i < ov_kind_nall; i++) {
		kn = ov_kind_all[i].name;
		for (j = 0; kn[j] != '\0' && j + 1 < sizeof want; j++)
			want[j] = kn[j] == '_' ? '-' : (char)tolower(
			    (unsigned char)kn[j]);
		want[j] = '\0';
		if (strcasecmp(want, name) == 0)
			return &ov_kind_all[i];
	}
	return NULL;
}

void
loc_resource(const char *name, struct ov_id *res)
{
	if (strlen(name) != 2 * OV_ID_LEN || ov_id_from_hex(name, res) != 0)
		ov_id_resource(name, strlen(name), res);
}

uint64_t
loc_wall_ms(const struct loc *l, uint64_t now)
{
	return (uint64_t)((int64_t)now + l->cfg.wall_offset_ms);
}

bool
loc_input(struct loc *l, uint64_t now, struct ov_event *ev)
{
	struct loc_req	*q;
	unsigned	 slot = 0;

	l->no_room = false;		/* an answer: room for one more store */
	switch (ev->type) {
	case OV_EV_STORED:
	case OV_EV_FETCHED:
	case OV_EV_STAT:
		if ((q = loc_req_find(l, ev->cookie, false, true, NULL)) ==
		    NULL)
			return false;
		if (q->op == LOC_OP_ADVERTISE)
			loc_adv_stored(l, now, q, ev);
		else if (q->op == LOC_OP_RELAYS)
			loc_relay_fetched(l, now, q, ev);
		else if (q->op == LOC_OP_PROXIES)
			loc_proxy_fetched(l, now, q, ev);
		else if (ev->type == OV_EV_STORED)
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
	case OV_EV_FOUND:
		if ((q = loc_req_find(l, ev->cookie, false, true, NULL)) ==
		    NULL)
			return false;
		loc_relay_found(l, now, q, ev);
		return true;
	default:
		return false;
	}
}

void
loc_tick(struct loc *l, uint64_t now)
{
	if (l->hold_until != 0 && now >= l->hold_until)
		l->hold_until = 0;		/* the waiting go on */
	if (now >= l->next_tick) {
		if (ov_node_member(l->ov))
			loc_reroute(l);
		l->scan = true;
		l->no_room = false;
		loc_adv_due(l, now, &l->relay);
		loc_adv_due(l, now, &l->proxy);
		loc_quiet_end(l, now);
		l->next_tick = now + LOC_TICK_MS;
	}
	loc_publish_due(l, now);
}

uint64_t
loc_deadline(const struct loc *l)
{
	if (loc_publish_ready(l))
		return 0;			/* the next batch of stores */
	if (l->hold_until != 0 && l->hold_until < l->next_tick)
		return l->hold_until;
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
