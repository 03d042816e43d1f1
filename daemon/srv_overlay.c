/*
 * srv_overlay.c - libevent driver for the overlay core (ov_node): one
 * timer at the core's deadline, the core's actions carried out on the
 * links (srv_overlay_link.c), the rows it stores kept in the database,
 * and the answers to the queries and the leave the daemon asked for.
 * Other events go to the daemon (srv_overlay_ops).  No protocol logic
 * here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "db.h"
#include "identity.h"
#include "log.h"
#include "ov_cert.h"
#include "srv.h"
#include "srv_overlay.h"
#include "srv_overlay_int.h"
#include "trace.h"
#include "xmalloc.h"

/* ---- requests waiting for the node ---- */

static struct so_wait *
so_wait_new(struct srv_overlay *so, uint64_t cookie, void *arg)
{
	struct so_wait	*w = xcalloc(1, sizeof *w);

	w->cookie = cookie;
	w->arg = arg;
	w->next = so->waits;
	so->waits = w;
	return w;
}

/* Take the first wait for cookie (0: a leave's). */
static struct so_wait *
so_wait_take(struct srv_overlay *so, uint64_t cookie)
{
	struct so_wait	**pp, *w;

	for (pp = &so->waits; (w = *pp) != NULL; pp = &w->next) {
		if (w->cookie == cookie) {
			*pp = w->next;
			return w;
		}
	}
	return NULL;
}

/* An event of the node: to whoever waits for it, or to the daemon. */
static void
so_node_event(struct srv_overlay *so, struct ov_event *ev)
{
	struct so_wait	*w;

	switch (ev->type) {
	case OV_EV_ROUTE:
		if ((w = so_wait_take(so, ev->cookie)) != NULL)
			w->route(ev, w->arg);
		free(w);
		break;
	case OV_EV_LEFT:
		while ((w = so_wait_take(so, 0)) != NULL) {
			w->left(true, w->arg);
			free(w);
		}
		break;
	default:
		so->ops.event(ev, so->ops.arg);
		break;
	}
}

int
srv_overlay_query(struct srv_overlay *so, enum ov_query q,
    const struct ov_id *target, bool to_node, srv_overlay_route_cb cb,
    void *arg)
{
	uint64_t	cookie = ++so->next_cookie;
	int		rc;

	if ((rc = ov_node_query(so->ov, srv_now_ms(), q, target, to_node,
	    cookie)) != 0)
		return rc;
	so_wait_new(so, cookie, arg)->route = cb;
	srv_overlay_kick(so);
	return 0;
}

int
srv_overlay_leave(struct srv_overlay *so, srv_overlay_left_cb cb, void *arg)
{
	if (ov_node_state(so->ov) != OV_ST_JOINED &&
	    ov_node_state(so->ov) != OV_ST_JOINING &&
	    ov_node_state(so->ov) != OV_ST_CLIENT)
		return ENOTCONN;
	so_wait_new(so, 0, arg)->left = cb;
	ov_node_leave(so->ov, srv_now_ms());
	srv_overlay_kick(so);
	return 0;
}

/* ---- what the node stores, in the database ---- */

static void
so_load_row(void *arg, const uint8_t *res, size_t res_len, uint32_t kind,
    uint64_t generation, const uint8_t *data, size_t len)
{
	struct ov_node	*ov = arg;
	struct ov_id	 id;
	char		 hex[OV_ID_HEXLEN];

	if (res_len != OV_ID_LEN) {
		log_warnx("store: a row with a %zu-byte resource, skipped",
		    res_len);
		return;
	}
	memcpy(id.b, res, OV_ID_LEN);
	if (ov_node_load_row(ov, srv_now_ms(), &id, kind, generation, data,
	    len) != 0)
		log_warnx("store: resource %s kind %u: unreadable, skipped",
		    ov_id_hex(&id, hex), kind);
}

static void
so_cert_copy(void *arg, const uint8_t *p, size_t len)
{
	wbuf_bytes(arg, p, len);
}

/* ov_certs_load_cb: a bucket the rows name, read back for an answer. */
static int
so_cert_load(void *arg, const uint8_t *hash, struct wbuf *out)
{
	struct srv_overlay	*so = arg;

	return db_cert_get(so->db, hash, OV_CERTS_HASH_LEN, so_cert_copy, out);
}

/* Load what the database holds into the node before it starts. */
static void
so_load(struct srv_overlay *so)
{
	struct ov_held_stats	st;

	/* the values' certificates stay in the database, not in memory */
	ov_node_set_cert_store(so->ov, so_cert_load, so);
	if (db_rows_each(so->db, so_load_row, so->ov) != 0)
		log_warnx("store: cannot read the overlay data");
	ov_node_held_stats(so->ov, &st);
	if (st.values != 0)
		log_info("store: %llu values of %u resources kept from the "
		    "last run", (unsigned long long)st.values, st.resources);
	/* rows of expired values are rewritten (emptied) by so_persist */
}

/* Write what the node changed to the database (after each kick). */
static void
so_persist(struct srv_overlay *so)
{
	struct ov_id	 res;
	uint32_t	 kind;
	uint64_t	 gen;
	uint8_t		 hash[OV_CERTS_HASH_LEN];
	uint8_t		*blob;
	size_t		 len;

	/* the certificates first: the rows name them (in the daemon's
	 * batch of writes, db_batch) */
	while (ov_node_take_cert(so->ov, hash, &blob, &len)) {
		db_cert_put(so->db, hash, OV_CERTS_HASH_LEN, blob, len);
		free(blob);
	}
	while (ov_node_take_row(so->ov, &res, &kind, &gen, &blob, &len)) {
		db_row_put(so->db, res.b, OV_ID_LEN, kind, gen, blob, len);
		free(blob);
	}
}

/* ---- the core's actions ---- */

static void
so_act(struct srv_overlay *so, struct ov_action *a)
{
	struct so_link	*sl;

	switch (a->type) {
	case OV_ACT_CONNECT:
		srv_overlay_link_connect(so, a);
		break;
	case OV_ACT_SEND:
		srv_overlay_link_send(so, a);
		break;
	case OV_ACT_CLOSE:
		if ((sl = srv_overlay_link_get(so, a->link)) != NULL)
			srv_overlay_link_close(sl);
		break;
	case OV_ACT_TRACE:
		if (so->trace != NULL &&
		    (sl = srv_overlay_link_get(so, a->link)) != NULL)
			trace_write(so->trace, sl->id, sl->passive ?
			    &so->listen : &sl->local, &sl->remote, sl->passive,
			    a->outbound, a->data, a->len);
		break;
	case OV_ACT_EVENT:
		so_node_event(so, &a->ev);
		ov_node_fetched_free(a->ev.fetched);
		ov_node_statted_free(a->ev.statted);
		break;
	}
	free(a->data);
}

static void
so_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_overlay	*so = arg;

	(void)fd;
	(void)what;
	so->timer_at = UINT64_MAX;
	ov_node_tick(so->ov, srv_now_ms());
	srv_overlay_kick(so);
}

/* Carry out the core's actions, then wake up at its next deadline. */
void
srv_overlay_kick(struct srv_overlay *so)
{
	struct ov_action	a;

	/* a user's new key is on disk before a value it signed goes out */
	db_sync(so->db);
	while (ov_node_next_action(so->ov, &a))
		so_act(so, &a);
	so_persist(so);
	srv_timer_arm(so->timer, &so->timer_at, ov_node_deadline(so->ov),
	    srv_now_ms());
}

/* ---- set-up ---- */

static int
so_tls(struct srv_overlay *so, char **cause)
{
	/* mutual authentication (§6.6.5): a certificate is required */
	if ((so->ctx = srv_tls_ctx(so->ident, true)) == NULL) {
		*cause = xstrdup("overlay: cannot set up TLS");
		return EIO;
	}
	return 0;
}

static int
so_listen(struct srv_overlay *so, char **cause)
{
	struct sockaddr_storage	ss;
	socklen_t		len = srv_addr_to(&so->listen, &ss);
	char			a[ADDR_STRLEN];

	so->listener = evconnlistener_new_bind(so->base,
	    srv_overlay_link_accept, so,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE, 64, (struct sockaddr *)&ss, (int)len);
	if (so->listener == NULL) {
		*cause = xasprintf("overlay: cannot listen on %s: %s",
		    addr_str(&so->listen, a), strerror(errno));
		return errno != 0 ? errno : EADDRINUSE;
	}
	log_info("overlay: listening on %s", addr_str(&so->listen, a));
	return 0;
}

/* The kinds the node knows, with [storage]'s limits (allocated). */
static struct ov_kind *
so_kinds(const struct cfg *c)
{
	struct ov_kind	*kinds;
	size_t		 i;

	kinds = xreallocarray(NULL, ov_kind_nall, sizeof *kinds);
	memcpy(kinds, ov_kind_all, ov_kind_nall * sizeof *kinds);
	for (i = 0; i < ov_kind_nall; i++) {
		switch (kinds[i].id) {
		case OV_KIND_SIP_REGISTRATION:
			kinds[i].max_count =
			    (uint32_t)c->storage.sip_registration_max_count;
			kinds[i].max_size =
			    (uint32_t)c->storage.sip_registration_max_size;
			break;
		case OV_KIND_TURN_SERVICE:
			kinds[i].max_count =
			    (uint32_t)c->storage.turn_service_max_count;
			kinds[i].max_size =
			    (uint32_t)c->storage.turn_service_max_size;
			break;
		case OV_KIND_SIP_PROXY_PEER:	/* the table's */
			break;
		default:
			kinds[i].max_count =
			    (uint32_t)c->storage.certificate_max_count;
			kinds[i].max_size =
			    (uint32_t)c->storage.certificate_max_size;
			break;
		}
	}
	return kinds;
}

static void
so_node_cfg(const struct cfg *c, struct srv_overlay *so,
    struct ov_node_cfg *nc)
{
	struct ov_kind	*kinds;

	memset(nc, 0, sizeof *nc);
	nc->overlay = c->overlay.name;
	nc->self = so->ident->id;
	if (!addr_is_any(&so->listen)) {
		nc->self_addr = so->listen;
		so->addr_known = true;
	}
	nc->bootstrap = c->overlay.bootstrap.v;
	nc->nbootstrap = (unsigned)c->overlay.bootstrap.n;
	nc->npred = (unsigned)c->overlay.predecessors;
	nc->nsucc = (unsigned)c->overlay.successors;
	nc->nfingers = (unsigned)c->overlay.fingers;
	nc->finger_density_bits = (unsigned)c->overlay.finger_density;
	nc->pns = c->overlay.pns != 0;
	nc->location_cache = (unsigned)c->overlay.location_cache;
	nc->initial_ttl = (uint8_t)c->overlay.initial_ttl;
	nc->max_message_size = (uint32_t)c->overlay.max_message_size;
	nc->reliability_ms = (uint32_t)c->overlay.reliability_timer;
	nc->update_interval_ms = (uint32_t)c->overlay.update_interval * 1000;
	nc->finger_interval_ms = (uint32_t)c->overlay.finger_interval * 1000;
	nc->probe_interval_ms = (uint32_t)c->overlay.probe_interval * 1000;
	nc->partition_interval_ms =
	    (uint32_t)c->overlay.partition_check * 1000;
	nc->link_timeout_ms = (uint32_t)c->overlay.link_timeout * 1000;
	nc->max_links = (unsigned)c->overlay.max_links;
	nc->max_pending = (unsigned)c->overlay.max_pending;
	nc->wall_offset_ms = (int64_t)time(NULL) * 1000 - (int64_t)srv_now_ms();
	nc->replicas = (unsigned)c->storage.replicas;
	nc->enrollment = ov_cert_enrollment(so->ident->cache);
	nc->replica_holddown_ms = (uint32_t)c->storage.replica_holddown * 1000;
	nc->max_lifetime_s = (uint32_t)c->storage.max_lifetime;
	nc->store_max_bytes = (uint64_t)c->storage.quota << 20;
	nc->peer_store_rate = (uint32_t)c->storage.peer_store_rate;
	nc->peer_store_burst = (uint32_t)c->storage.peer_store_burst;
	/* copied by ov_node_new; the caller frees it */
	kinds = so_kinds(c);
	nc->kinds = kinds;
	nc->nkinds = ov_kind_nall;
}
int
srv_overlay_new(struct srv_overlay **out, struct event_base *base,
    const struct cfg *c, struct identity *ident, struct db *db,
    const struct srv_overlay_ops *ops, char **cause)
{
	struct srv_overlay	*so = xcalloc(1, sizeof *so);
	struct ov_node_cfg	 nc;
	int			 rc;

	so->ops = *ops;
	so->base = base;
	so->ident = ident;
	so->db = db;
	so->listen = c->overlay.listen;
	so->link_timeout_s = c->overlay.link_timeout;
	so->timer_at = UINT64_MAX;
	so->rng.fill = srv_rand;
	so->lc.cb = srv_log;
	so->lc.level = LC_DEBUG;
	if ((rc = so_tls(so, cause)) != 0 || (rc = so_listen(so, cause)) != 0)
		goto fail;
	so_node_cfg(c, so, &nc);
	rc = ov_node_new(&so->ov, &nc, &ident->crypto, &so->rng, &so->lc);
	free((void *)nc.kinds);
	if (rc != 0) {
		*cause = xstrdup("overlay: bad settings");
		goto fail;
	}
	so->timer = evtimer_new(base, so_timer, so);
	so->reap = event_new(base, -1, 0, srv_overlay_link_reap, so);
	if (so->timer == NULL || so->reap == NULL)
		fatalx("overlay: cannot make events");
	so_load(so);
	if (c->nat.mode == CFG_NAT_CLIENT)
		ov_node_set_client(so->ov, srv_now_ms(), true);
	ov_node_start(so->ov, srv_now_ms());
	*out = so;
	srv_overlay_kick(so);
	return 0;
fail:
	srv_overlay_free(so);
	return rc;
}

void
srv_overlay_free(struct srv_overlay *so)
{
	struct so_wait	*w;

	if (so == NULL)
		return;
	while ((w = so->waits) != NULL) {
		so->waits = w->next;
		if (w->route != NULL)
			w->route(NULL, w->arg);
		else
			w->left(false, w->arg);
		free(w);
	}
	srv_overlay_link_free_all(so);
	if (so->listener != NULL)
		evconnlistener_free(so->listener);
	if (so->timer != NULL)
		event_free(so->timer);
	if (so->reap != NULL)
		event_free(so->reap);
	ov_node_free(so->ov);
	trace_close(so->trace);
	SSL_CTX_free(so->ctx);
	free(so);
}

struct ov_node *
srv_overlay_node(struct srv_overlay *so)
{
	return so->ov;
}

const struct addr *
srv_overlay_listen_addr(const struct srv_overlay *so)
{
	return &so->listen;
}

bool
srv_overlay_peer_host(struct srv_overlay *so, const struct addr *a)
{
	struct ov_link_info	li;
	uint64_t		now = srv_now_ms();
	unsigned		i;

	for (i = 0; ov_node_link_info(so->ov, now, i, &li); i++)
		if (li.up && li.has_peer && addr_ip_eq(a, &li.remote))
			return true;
	return false;
}

int
srv_overlay_trace_start(struct srv_overlay *so, const char *path,
    char **cause)
{
	struct trace	*t;
	int		 rc;

	if ((rc = trace_open(&t, path, cause)) != 0)
		return rc;
	trace_close(so->trace);
	so->trace = t;
	ov_node_set_trace(so->ov, true);
	log_info("overlay: tracing to %s", path);
	return 0;
}

long long
srv_overlay_trace_stop(struct srv_overlay *so)
{
	long long	n;

	if (so->trace == NULL)
		return -1;
	n = (long long)trace_frames(so->trace);
	log_info("overlay: trace %s: %lld frames", trace_path(so->trace), n);
	trace_close(so->trace);
	so->trace = NULL;
	ov_node_set_trace(so->ov, false);
	return n;
}

const char *
srv_overlay_trace_path(const struct srv_overlay *so)
{
	return so->trace != NULL ? trace_path(so->trace) : NULL;
}
