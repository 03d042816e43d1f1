/*
 * loc.c - the location service: registrations and raw values in the
 * overlay (RFC 6940 §7, RFC 7904).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "d.h"
#include "hex.h"
#include "identity.h"
#include "loc.h"
#include "log.h"
#include "ov_data.h"
#include "ov_node.h"
#include "srv_overlay.h"
#include "srv_sip.h"
#include "srv_ua.h"
#include "srv_util.h"
#include "db.h"
#include "strmap.h"
#include "wire.h"
#include "xmalloc.h"

#define LOC_TICK_MS	1000	/* due refreshes are looked for this often */
#define LOC_RETRY_MS	5000	/* a refresh that failed: again after */
#define LOC_QUIET_MS	10000	/* store failures logged at most this often */
#define LOC_VALUE_MAX	4096	/* a raw value, as given */

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
	uint64_t	 due_ms;	/* next publish (monotonic); 0: now */
	bool		 busy;		/* a store of it is out */
	bool		 published;	/* stored at least once this run */
	bool		 waiting;	/* its first store waits for room */
	uint64_t	 generation;
	unsigned	 nreplicas;
};

enum loc_op_kind {
	LOC_OP_REGISTER,
	LOC_OP_REFRESH,		/* no client */
	LOC_OP_UNREGISTER,
	LOC_OP_LOOKUP,
	LOC_OP_STORE,
	LOC_OP_FETCH,
};

struct loc_op {
	struct loc_op	*next;
	enum loc_op_kind kind;
	uint64_t	 cookie;
	unsigned	 client;
	json_t		*id;
	uint64_t	 start_us;
	char		 aor[OV_USER_MAX];
	struct ov_id	 res;
	uint32_t	 kind_id;
	loc_done_cb	 cb;		/* instead of a control client */
	void		*cb_arg;
};

struct loc {
	struct d	*d;
	struct loc_reg	*regs;
	struct strmap	 regmap;
	unsigned	 nregs;
	struct loc_op	*ops;
	unsigned	 nwaiting;	/* regs with waiting set: these, */
	struct loc_reg	*wait_head;	/* first come, first stored */
	struct loc_reg	*wait_tail;
	bool		 publishing;	/* in loc_publish_due (answers may
					 * come back within it) */
	uint64_t	 next_cookie;
	struct event	*timer;
	uint64_t	 quiet_until;	/* store failures: counted until */
	unsigned	 quieted;
	bool		 freeing;	/* the UA is gone: no more news */
};

static void	loc_publish_due(struct loc *, bool);

/* ---- helpers ---- */

static struct ov_node *
loc_ov(const struct loc *l)
{
	return srv_overlay_node(l->d->ov);
}

static uint64_t
loc_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static json_t *
loc_hex(const uint8_t *p, size_t len)
{
	char	*s = xmalloc(2 * len + 1);
	json_t	*j = json_string(hex_encode(p, len, s));

	free(s);
	return j;
}

static json_t *
loc_id_json(const struct ov_id *id)
{
	return loc_hex(id->b, OV_ID_LEN);
}

/* Printable ASCII as a string, anything else null (value_hex has it). */
static json_t *
loc_text(const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return json_null();
	return json_stringn((const char *)p, len);
}

static struct loc_op *
loc_op_new(struct loc *l, enum loc_op_kind kind, unsigned client,
    const json_t *id)
{
	struct loc_op	*op = xcalloc(1, sizeof *op);

	op->kind = kind;
	op->cookie = ++l->next_cookie;
	op->client = client;
	op->id = id != NULL ? json_deep_copy(id) : NULL;
	op->start_us = d_now_us();
	op->next = l->ops;
	l->ops = op;
	return op;
}

static struct loc_op *
loc_op_take(struct loc *l, uint64_t cookie)
{
	struct loc_op	**pp, *op;

	for (pp = &l->ops; (op = *pp) != NULL; pp = &op->next) {
		if (op->cookie == cookie) {
			*pp = op->next;
			return op;
		}
	}
	return NULL;
}

/* Answer op's client (result taken over) and free op. */
static void
loc_op_done(struct loc *l, struct loc_op *op, json_t *result, char *err)
{
	if (op->cb != NULL)
		op->cb(result, err, op->cb_arg);
	if (op->id != NULL) {
		if (result != NULL)
			json_object_set_new(result, "ms", json_real(
			    (double)(d_now_us() - op->start_us) / 1000));
		ctl_answer(l->d->ctl, op->client, op->id, result,
		    err != NULL ? CTL_E_FAILED : NULL, err);
	}
	json_decref(result);
	json_decref(op->id);
	free(err);
	free(op);
}

/* Forget op without answering: the caller reports the failure. */
static void
loc_op_drop(struct loc *l, uint64_t cookie)
{
	struct loc_op	*op = loc_op_take(l, cookie);

	if (op != NULL) {
		json_decref(op->id);
		free(op);
	}
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
loc_retry_ms(void)
{
	uint32_t	v;

	srv_rand(&v, sizeof v, NULL);
	return LOC_RETRY_MS / 2 + v % LOC_RETRY_MS;
}

/* The failures loc_store_failed only counted, once the quiet is over. */
static void
loc_quiet_end(struct loc *l)
{
	if (l->quieted == 0 || d_now_ms() < l->quiet_until)
		return;
	log_warnx("location: %u more stores failed in %d s (tried again)",
	    l->quieted, LOC_QUIET_MS / 1000);
	l->quieted = 0;
}

/*
 * A store of r failed; it is tried again.  Logged, but within
 * LOC_QUIET_MS of the last such line only counted (a storing peer's
 * flood limit refuses thousands at once); the count is logged after.
 */
static void
loc_store_failed(struct loc *l, const struct loc_reg *r, const char *why)
{
	uint64_t	now = d_now_ms();

	if (now < l->quiet_until) {
		l->quieted++;
		return;
	}
	loc_quiet_end(l);		/* the last quiet's count first */
	log_warnx("location: cannot %s %s (tried again in about %d s): %s",
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
 * r is (on), or is no longer, published by destination list: the
 * daemon's UA takes its calls meanwhile (RFC 7904 §3: this node takes
 * them).
 */
static void
loc_host(struct loc *l, const struct loc_reg *r, bool on)
{
	if (l->d->ua != NULL && !l->freeing)
		srv_ua_host(l->d->ua, r->aor, on);
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

bool
loc_aor(const struct loc *l, const char *in, char *out, size_t max,
    const char **why)
{
	const char	*overlay = l->d->cfg->overlay.name, *at;

	if (strncasecmp(in, "sip:", 4) == 0)
		in += 4;
	if ((at = strchr(in, '@')) == NULL) {
		if ((size_t)snprintf(out, max, "%s@%s", in, overlay) >= max)
			goto long_;
	} else {
		if (strcasecmp(at + 1, overlay) != 0) {
			*why = "the AOR's domain is not the overlay's name";
			return false;
		}
		if ((size_t)snprintf(out, max, "%.*s@%s", (int)(at - in), in,
		    overlay) >= max)
			goto long_;
	}
	if (out[0] == '@' || !identity_user_name_ok(out)) {
		*why = "the user part must be letters, digits or ._~+-";
		return false;
	}
	return true;
long_:
	*why = "the AOR is too long";
	return false;
}

/* loc_aor for a command's argument: 0, or EINVAL with *err naming it. */
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

static const struct ov_kind *
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

/* 32 hex digits: that Resource-ID; anything else: its hash. */
static void
loc_resource(const char *name, struct ov_id *res)
{
	if (strlen(name) != 2 * OV_ID_LEN || ov_id_from_hex(name, res) != 0)
		ov_id_resource(name, strlen(name), res);
}

/* ---- storing ---- */

/*
 * Sign s for kind at res (as user u, or as this node with u NULL) and
 * send it; op's cookie names the answer.  0 or an errno.
 */
static int
loc_send(struct loc *l, struct loc_op *op, const struct ov_kind *k,
    struct ov_stored *s, const struct identity_user *u)
{
	struct ov_sigbuf	 sb;
	struct ov_kind_data	 kd;
	int			 rc;

	rc = u != NULL ? ov_stored_sign(s, &sb, &op->res, k->id, k->model,
	    &u->crypto) : ov_node_sign(loc_ov(l), &op->res, k->id, s, &sb);
	if (rc != 0)
		return EIO;
	memset(&kd, 0, sizeof kd);
	kd.kind = k->id;
	kd.k = k;
	kd.nvalues = 1;
	kd.values = s;
	rc = ov_node_store(loc_ov(l), d_now_ms(), &op->res, &kd,
	    u != NULL ? u->bucket : NULL, u != NULL ? u->bucket_len : 0,
	    op->cookie);
	if (rc == 0)
		srv_overlay_kick(l->d->ov);
	return rc;
}

/* Store r's binding (or, with remove, its removal: exists false). */
static int
loc_store_reg(struct loc *l, struct loc_op *op, struct loc_reg *r,
    bool remove, char **err)
{
	const struct ov_kind	*k = ov_kind_find(ov_kinds, ov_nkinds,
				    OV_KIND_SIP_REGISTRATION);
	struct identity_user	*u;
	struct ov_sipreg	 sr;
	struct ov_stored	 s;
	struct wbuf		 w;
	char			*cause = NULL;
	int			 rc;

	if ((rc = identity_user(l->d->ident, r->aor, &u, &cause)) != 0) {
		*err = cause;
		return rc;
	}
	snprintf(op->aor, sizeof op->aor, "%s", r->aor);
	op->kind_id = k->id;
	/* RFC 7904 §3: the Resource Name is the AOR without its scheme */
	ov_id_resource(r->aor, strlen(r->aor), &op->res);
	memset(&sr, 0, sizeof sr);
	if (r->contact != NULL) {
		sr.type = OV_SIPREG_URI;
		sr.uri = (const uint8_t *)r->contact;
		sr.uri_len = (uint16_t)strlen(r->contact);
	} else {
		sr.type = OV_SIPREG_ROUTE;
		sr.ndest = 1;
		ov_dest_node(&sr.dest[0], ov_node_id(loc_ov(l)));
	}
	wbuf_init(&w, 1024);
	ov_sipreg_encode(&w, &sr);
	memset(&s, 0, sizeof s);
	s.storage_time = loc_wall_ms();
	s.lifetime = (uint32_t)r->expires;
	s.v.key = ov_node_id(loc_ov(l))->b;
	s.v.key_len = OV_ID_LEN;
	s.v.exists = !remove;
	s.v.data = remove ? NULL : w.p;
	s.v.len = remove ? 0 : (uint32_t)w.len;
	rc = loc_send(l, op, k, &s, u);
	wbuf_clear(&w);
	if (rc != 0)
		*err = d_overlay_error(rc, NULL);
	return rc;
}

int
loc_register(struct loc *l, unsigned client, const json_t *id,
    const char *aor_in, const char *contact, int expires, char **err)
{
	struct loc_reg	*r;
	struct loc_op	*op;
	char		 aor[OV_USER_MAX];
	int		 rc;

	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	if (contact != NULL && (strlen(contact) > 512 ||
	    strchr(contact, ':') == NULL)) {
		*err = xasprintf("%s: not a URI", contact);
		return EINVAL;
	}
	/* RFC 7904 §5: peers reach this node's destination lists' AORs by
	 * AppAttach, over TLS (RFC 6940 §6.5.1.13) */
	if (contact == NULL && l->d->sip != NULL &&
	    srv_sip_public_addr(l->d->sip, true)->family == 0) {
		*err = xstrdup("without a contact, peers reach this node over "
		    "SIP over TLS, and [sip] tls_listen is off");
		return EINVAL;
	}
	if (expires == 0)
		expires = l->d->cfg->storage.registration_expires;
	if (expires > l->d->cfg->storage.max_lifetime) {
		*err = xasprintf("--expires %d is beyond [storage] "
		    "max_lifetime (%d)", expires,
		    l->d->cfg->storage.max_lifetime);
		return EINVAL;
	}
	if ((r = loc_reg_find(l, aor)) != NULL && r->busy) {
		*err = xasprintf("%s: a store of it is under way", aor);
		return EBUSY;
	}
	if (r == NULL)
		r = loc_reg_add(l, aor, contact, expires, time(NULL));
	else {
		if ((r->contact == NULL) != (contact == NULL))
			loc_host(l, r, contact == NULL);
		free(r->contact);
		r->contact = contact != NULL ? xstrdup(contact) : NULL;
		r->expires = expires;
	}
	op = loc_op_new(l, LOC_OP_REGISTER, client, id);
	/* busy first: the answer may come before loc_store_reg returns */
	r->busy = true;
	if ((rc = loc_store_reg(l, op, r, false, err)) != 0) {
		loc_op_drop(l, op->cookie);
		r->busy = false;
		if ((rc == EBUSY || rc == ENOTCONN) && id == NULL &&
		    client == 0) {
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
loc_unregister(struct loc *l, unsigned client, const json_t *id,
    const char *aor_in, char **err)
{
	struct loc_reg	*r;
	struct loc_op	*op;
	char		 aor[OV_USER_MAX];
	int		 rc;

	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	if ((r = loc_reg_find(l, aor)) == NULL) {
		*err = xasprintf("%s: not registered through this node", aor);
		return ENOENT;
	}
	op = loc_op_new(l, LOC_OP_UNREGISTER, client, id);
	if ((rc = loc_store_reg(l, op, r, true, err)) != 0) {
		loc_op_drop(l, op->cookie);
		if (rc != ENOTCONN || r->published)
			return rc;
		/* never published (the node was not in the overlay yet):
		 * nothing to remove there */
		free(*err);
		*err = NULL;
	}
	/* gone here at once: no refresh brings it back */
	db_reg_del(l->d->db, r->aor);
	loc_reg_remove(l, r);
	return 0;
}

int
loc_store(struct loc *l, unsigned client, const json_t *id,
    const char *kind, const char *value, bool hex, const char *user,
    int index, int lifetime, char **err)
{
	const struct ov_kind	*k = loc_kind(kind);
	const struct ov_id	*self = ov_node_id(loc_ov(l));
	struct identity_user	*u = NULL;
	struct ov_stored	 s;
	struct loc_op		*op;
	uint8_t			 buf[LOC_VALUE_MAX], ni[OV_ID_LEN + 1];
	char			 aor[OV_USER_MAX], *cause = NULL;
	size_t			 len = strlen(value);
	int			 rc;

	if (k == NULL) {
		*err = xasprintf("%s: not a Kind this node knows", kind);
		return EINVAL;
	}
	if (hex) {
		if (len % 2 != 0 || len / 2 > sizeof buf) {
			*err = xstrdup("--hex: an even number of hex digits, "
			    "at most 8192");
			return EINVAL;
		}
		len /= 2;
		if (hex_decode(value, len, buf) != 0) {
			*err = xstrdup("--hex: not hex digits");
			return EINVAL;
		}
	} else {
		if (len > sizeof buf) {
			*err = xasprintf("a value of at most %d bytes",
			    LOC_VALUE_MAX);
			return EINVAL;
		}
		memcpy(buf, value, len);
	}
	if ((k->policy == OV_POLICY_USER_MATCH ||
	    k->policy == OV_POLICY_USER_NODE_MATCH) && user == NULL) {
		*err = xasprintf("%s is written by a user: give --user AOR",
		    k->name);
		return EINVAL;
	}
	if (user != NULL) {
		if (loc_aor_arg(l, user, aor, sizeof aor, err) != 0)
			return EINVAL;
		if ((rc = identity_user(l->d->ident, aor, &u, &cause)) != 0) {
			*err = cause;
			return rc;
		}
	}
	if (lifetime == 0)
		lifetime = l->d->cfg->storage.registration_expires;
	op = loc_op_new(l, LOC_OP_STORE, client, id);
	op->kind_id = k->id;
	/* §7.3: where the Kind's policy lets this writer store */
	switch (k->policy) {
	case OV_POLICY_USER_MATCH:
	case OV_POLICY_USER_NODE_MATCH:
		ov_id_resource(aor, strlen(aor), &op->res);
		break;
	case OV_POLICY_NODE_MATCH:
		ov_id_resource(self->b, OV_ID_LEN, &op->res);
		break;
	case OV_POLICY_NODE_MULTIPLE:
		memcpy(ni, self->b, OV_ID_LEN);
		ni[OV_ID_LEN] = (uint8_t)index;
		ov_id_resource(ni, sizeof ni, &op->res);
		break;
	}
	memset(&s, 0, sizeof s);
	s.storage_time = loc_wall_ms();
	s.lifetime = (uint32_t)lifetime;
	s.v.index = (uint32_t)index;
	s.v.key = self->b;
	s.v.key_len = OV_ID_LEN;
	s.v.exists = true;
	s.v.data = buf;
	s.v.len = (uint32_t)len;
	if ((rc = loc_send(l, op, k, &s, u)) != 0) {
		*err = d_overlay_error(rc, NULL);
		loc_op_drop(l, op->cookie);
	}
	return rc;
}

/* ---- fetching ---- */

static int
loc_ask(struct loc *l, struct loc_op *op, bool stat, char **err)
{
	int	rc;

	rc = (stat ? ov_node_stat : ov_node_fetch)(loc_ov(l), d_now_ms(),
	    &op->res, op->kind_id, op->cookie);
	if (rc != 0) {
		*err = d_overlay_error(rc, NULL);
		loc_op_drop(l, op->cookie);
		return rc;
	}
	srv_overlay_kick(l->d->ov);
	return 0;
}

/* Fetch aor's SIP-REGISTRATION for op; failing at once, op is gone. */
static int
loc_ask_aor(struct loc *l, struct loc_op *op, const char *aor, char **err)
{
	snprintf(op->aor, sizeof op->aor, "%s", aor);
	op->kind_id = OV_KIND_SIP_REGISTRATION;
	ov_id_resource(aor, strlen(aor), &op->res);
	return loc_ask(l, op, false, err);
}

int
loc_lookup_cb(struct loc *l, const char *aor, loc_done_cb cb, void *arg,
    char **err)
{
	struct loc_op	*op = loc_op_new(l, LOC_OP_LOOKUP, 0, NULL);

	op->cb = cb;
	op->cb_arg = arg;
	return loc_ask_aor(l, op, aor, err);
}

int
loc_lookup(struct loc *l, unsigned client, const json_t *id,
    const char *aor_in, char **err)
{
	struct loc_op	*op;
	char		 aor[OV_USER_MAX];

	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	op = loc_op_new(l, LOC_OP_LOOKUP, client, id);
	return loc_ask_aor(l, op, aor, err);
}

int
loc_fetch(struct loc *l, unsigned client, const json_t *id,
    const char *kind, const char *resource, bool stat, char **err)
{
	const struct ov_kind	*k = loc_kind(kind);
	struct loc_op		*op;

	if (k == NULL) {
		*err = xasprintf("%s: not a Kind this node knows", kind);
		return EINVAL;
	}
	op = loc_op_new(l, LOC_OP_FETCH, client, id);
	op->kind_id = k->id;
	loc_resource(resource, &op->res);
	return loc_ask(l, op, stat, err);
}

/* ---- answers ---- */

static json_t *
loc_binding_json(const struct ov_fetched_value *fv)
{
	struct ov_sipreg	 sr;
	json_t			*b, *dl;
	struct ov_id		 nid;
	char			 hex[OV_ID_HEXLEN];
	unsigned		 i;

	b = json_object();
	json_object_set_new(b, "node_id", fv->s.v.key_len == OV_ID_LEN ?
	    loc_hex(fv->s.v.key, OV_ID_LEN) : json_null());
	if (ov_sipreg_decode(fv->s.v.data, fv->s.v.len, &sr) != 0) {
		json_object_set_new(b, "error", json_string("not a "
		    "SipRegistration"));
	} else if (sr.type == OV_SIPREG_URI) {
		json_object_set_new(b, "contact", json_stringn(
		    (const char *)sr.uri, sr.uri_len));
	} else {
		dl = json_array();
		for (i = 0; i < sr.ndest; i++)
			json_array_append_new(dl, ov_dest_id(&sr.dest[i],
			    &nid) ? json_string(ov_id_hex(&nid, hex)) :
			    json_null());
		json_object_set_new(b, "destination_list", dl);
	}
	json_object_set_new(b, "expires", json_integer(fv->s.lifetime));
	json_object_set_new(b, "user", json_string(fv->signer.user));
	return b;
}

static json_t *
loc_value_json(const struct ov_kind *k, const struct ov_fetched_value *fv)
{
	json_t	*v = json_object();

	if (k->model == OV_MODEL_ARRAY)
		json_object_set_new(v, "index", json_integer(fv->s.v.index));
	else if (k->model == OV_MODEL_DICT)
		json_object_set_new(v, "key", loc_hex(fv->s.v.key,
		    fv->s.v.key_len));
	json_object_set_new(v, "exists", json_boolean(fv->s.v.exists));
	json_object_set_new(v, "value", loc_text(fv->s.v.data, fv->s.v.len));
	json_object_set_new(v, "value_hex", loc_hex(fv->s.v.data,
	    fv->s.v.len));
	json_object_set_new(v, "storage_time",
	    json_integer((json_int_t)fv->s.storage_time));
	json_object_set_new(v, "expires", json_integer(fv->s.lifetime));
	json_object_set_new(v, "node_id", loc_id_json(&fv->signer.node));
	json_object_set_new(v, "user", fv->signer.user[0] != '\0' ?
	    json_string(fv->signer.user) : json_null());
	return v;
}

static json_t *
loc_meta_json(const struct ov_kind *k, const struct ov_meta *m)
{
	json_t	*v = json_object();

	if (k->model == OV_MODEL_ARRAY)
		json_object_set_new(v, "index", json_integer(m->index));
	else if (k->model == OV_MODEL_DICT)
		json_object_set_new(v, "key", loc_hex(m->key, m->key_len));
	json_object_set_new(v, "exists", json_boolean(m->exists));
	json_object_set_new(v, "length", json_integer(m->value_length));
	json_object_set_new(v, "sha256", loc_hex(m->hash, m->hash_len));
	json_object_set_new(v, "storage_time",
	    json_integer((json_int_t)m->storage_time));
	json_object_set_new(v, "expires", json_integer(m->lifetime));
	return v;
}

static void
loc_fetched(struct loc *l, struct loc_op *op, const struct ov_event *ev)
{
	const struct ov_kind	*k = ov_kind_find(ov_kinds, ov_nkinds,
				    op->kind_id);
	const struct ov_fetched	*f = ev->fetched;
	const struct ov_statted	*st = ev->statted;
	json_t			*r, *vals = json_array();
	char			 hex[OV_ID_HEXLEN];
	uint32_t		 i;

	r = json_object();
	if (op->kind == LOC_OP_LOOKUP)
		json_object_set_new(r, "aor", json_string(op->aor));
	else
		json_object_set_new(r, "kind", json_string(k->name));
	json_object_set_new(r, "resource_id",
	    json_string(ov_id_hex(&op->res, hex)));
	json_object_set_new(r, "generation",
	    json_integer((json_int_t)ev->generation));
	for (i = 0; f != NULL && i < f->n; i++) {
		if (op->kind != LOC_OP_LOOKUP)
			json_array_append_new(vals, loc_value_json(k,
			    &f->v[i]));
		else if (f->v[i].s.v.exists)
			json_array_append_new(vals, loc_binding_json(&f->v[i]));
	}
	for (i = 0; st != NULL && i < st->ans.kinds[0].nvalues; i++)
		json_array_append_new(vals, loc_meta_json(k,
		    &st->ans.kinds[0].values[i]));
	if (f != NULL && f->refused != 0)
		json_object_set_new(r, "refused", json_integer(f->refused));
	if (op->kind == LOC_OP_LOOKUP && json_array_size(vals) == 0) {
		json_decref(vals);
		json_decref(r);
		loc_op_done(l, op, NULL, xasprintf("%s: no registration",
		    op->aor));
		return;
	}
	json_object_set_new(r, op->kind == LOC_OP_LOOKUP ? "bindings" :
	    "values", vals);
	loc_op_done(l, op, r, NULL);
}

static void
loc_stored(struct loc *l, struct loc_op *op, const struct ov_event *ev)
{
	struct loc_reg	*r = op->kind == LOC_OP_REGISTER ||
			    op->kind == LOC_OP_REFRESH ?
			    loc_reg_find(l, op->aor) : NULL;
	char		 hex[OV_ID_HEXLEN], *why;
	json_t		*res;
	bool		 first;

	if (l->nwaiting > 0)
		loc_publish_due(l, false);	/* room for one more */
	if (r != NULL) {
		r->busy = false;
		first = !r->published;
		if (ev->error == 0) {
			r->published = true;
			r->generation = ev->generation;
			r->nreplicas = ev->nreplicas;
			/* refresh halfway through the lifetime */
			r->due_ms = d_now_ms() + (uint64_t)r->expires * 500;
			if (op->kind == LOC_OP_REGISTER || first)
				db_reg_put(l->d->db, r->aor, r->contact,
				    r->expires, r->created);
		} else if (op->kind == LOC_OP_REGISTER && !r->published &&
		    (op->id != NULL || op->cb != NULL)) {
			/* the client is told; nothing stays */
			loc_reg_remove(l, r);
			r = NULL;
		} else {
			/* a phone's AOR (nobody to tell), or a refresh:
			 * stored again later, until it is withdrawn */
			why = d_overlay_error(ev->error, ev->why);
			loc_store_failed(l, r, why);
			free(why);
			r->due_ms = d_now_ms() + loc_retry_ms();
		}
	}
	if (ev->error != 0) {
		loc_op_done(l, op, NULL, d_overlay_error(ev->error,
		    ev->why));
		return;
	}
	res = json_object();
	if (op->aor[0] != '\0')
		json_object_set_new(res, "aor", json_string(op->aor));
	else
		json_object_set_new(res, "kind", json_string(ov_kind_find(
		    ov_kinds, ov_nkinds, op->kind_id)->name));
	json_object_set_new(res, "resource_id",
	    json_string(ov_id_hex(&op->res, hex)));
	if (r != NULL) {
		json_object_set_new(res, "contact", r->contact != NULL ?
		    json_string(r->contact) : json_null());
		json_object_set_new(res, "expires", json_integer(r->expires));
	}
	json_object_set_new(res, "generation",
	    json_integer((json_int_t)ev->generation));
	json_object_set_new(res, "replicas", json_integer(ev->nreplicas));
	loc_op_done(l, op, res, NULL);
}

void
loc_event(struct loc *l, const struct ov_event *ev)
{
	struct loc_op	*op = loc_op_take(l, ev->cookie);

	if (op == NULL)
		return;
	if (ev->type == OV_EV_STORED)
		loc_stored(l, op, ev);
	else if (ev->error != 0)
		loc_op_done(l, op, NULL, d_overlay_error(ev->error,
		    ev->why));
	else
		loc_fetched(l, op, ev);
}

/* ---- refresh ---- */

/* Store r now: 0, or EBUSY (no room: the rest later). */
static int
loc_publish_one(struct loc *l, struct loc_reg *r, uint64_t now)
{
	struct loc_op	*op = loc_op_new(l, LOC_OP_REFRESH, 0, NULL);
	char		*err = NULL;
	int		 rc;

	r->busy = true;
	if ((rc = loc_store_reg(l, op, r, false, &err)) != 0) {
		r->busy = false;
		loc_op_drop(l, op->cookie);
		if (rc == EBUSY) {
			free(err);
			return EBUSY;
		}
		loc_store_failed(l, r, err);
		free(err);
		r->due_ms = now + loc_retry_ms();
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
loc_publish_due(struct loc *l, bool scan)
{
	struct loc_reg	*r;
	uint64_t	 now = d_now_ms();
	enum ov_state	 st = ov_node_state(loc_ov(l));

	if ((st != OV_ST_JOINED && st != OV_ST_ALONE) || l->publishing)
		return;
	l->publishing = true;
	while ((r = l->wait_head) != NULL) {
		if (r->busy)		/* stored since, by a new REGISTER */
			loc_unwait(l, r);
		else if (loc_publish_one(l, r, now) == EBUSY)
			break;
	}
	for (r = scan && l->wait_head == NULL ? l->regs : NULL; r != NULL;
	    r = r->next)
		if (!r->busy && r->due_ms <= now &&
		    loc_publish_one(l, r, now) == EBUSY)
			break;
	l->publishing = false;
}

static void
loc_timer(evutil_socket_t fd, short what, void *arg)
{
	struct loc	*l = arg;
	struct timeval	 tv = { LOC_TICK_MS / 1000, 0 };

	(void)fd;
	(void)what;
	loc_publish_due(l, true);
	loc_quiet_end(l);
	evtimer_add(l->timer, &tv);
}

static void
loc_load_reg(void *arg, const char *aor, const char *contact, int expires,
    int64_t created)
{
	struct loc	*l = arg;

	/* published again as soon as the node is in the overlay */
	loc_reg_add(l, aor, contact, expires, created);
}

struct loc *
loc_new(struct d *d)
{
	struct loc	*l = xcalloc(1, sizeof *l);
	struct timeval	 tv = { 0, 100000 };

	l->d = d;
	if (db_regs_each(d->db, loc_load_reg, l) != 0)
		log_warnx("location: cannot read the registrations");
	if (l->nregs != 0)
		log_info("location: %u registrations to publish again",
		    l->nregs);
	if ((l->timer = evtimer_new(d->base, loc_timer, l)) == NULL)
		fatalx("location: cannot make a timer");
	evtimer_add(l->timer, &tv);
	return l;
}

void
loc_free(struct loc *l)
{
	struct loc_op	*op;

	if (l == NULL)
		return;
	l->freeing = true;
	while (l->regs != NULL)
		loc_reg_remove(l, l->regs);
	strmap_clear(&l->regmap);
	while ((op = l->ops) != NULL) {
		l->ops = op->next;
		json_decref(op->id);
		free(op);
	}
	if (l->timer != NULL)
		event_free(l->timer);
	free(l);
}

void
loc_hosted_each(const struct loc *l, void (*cb)(const char *, void *),
    void *arg)
{
	const struct loc_reg	*r;

	for (r = l->regs; r != NULL; r = r->next)
		if (r->contact == NULL)
			cb(r->aor, arg);
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

json_t *
loc_registrations_json(const struct loc *l)
{
	const struct loc_reg	*r;
	json_t			*a = json_array();

	for (r = l->regs; r != NULL; r = r->next)
		json_array_append_new(a, json_pack("{s:s, s:s?, s:i, s:b}",
		    "aor", r->aor, "contact", r->contact, "expires",
		    r->expires, "published", r->published));
	return a;
}
