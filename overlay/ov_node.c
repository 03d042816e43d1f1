/*
 * ov_node.c - the overlay node: lifecycle, action queue, timers, API.
 *
 * States (enum ov_state):
 *   INIT -> ALONE           empty bootstrap list: a new overlay (§6.4.2.1)
 *   INIT -> JOINING         through the bootstrap list (§10.5, §11.4)
 *   JOINING -> JOINED       Join answered by the admitting peer
 *   JOINING -> ALONE        no bootstrap entry answered; keep probing
 *   ALONE -> JOINING        a probe found an overlay: join it (§10.7.4.4)
 *   JOINED -> ALONE         every link lost; keep probing
 *   JOINED|ALONE -> LEAVING -> ALONE (no rejoin)   ov_node_leave (§10.9)
 *
 * Every entry point ends with ov_link_flush_all, which turns what was
 * written to the links into SEND actions: one write per link per call.
 *
 * The entry points for queries, storage and applications hand over to
 * ov_query.c, ov_client.c and ov_app.c; the values this node holds
 * (ov_held.c) are set up, counted and persisted here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"
#include "xmalloc.h"

const char *
ov_node_state_name(enum ov_state s)
{
	switch (s) {
	case OV_ST_INIT:	return "init";
	case OV_ST_JOINING:	return "joining";
	case OV_ST_JOINED:	return "joined";
	case OV_ST_ALONE:	return "alone";
	case OV_ST_LEAVING:	return "leaving";
	case OV_ST_CLIENT:	return "client";
	}
	return "?";
}

static void
ov_node_storage_init(struct ov_node *n)
{
	struct ov_held_limits	lim;

	if (n->cfg.replicas == 0)
		n->cfg.replicas = 3;
	if (n->cfg.max_lifetime_s == 0)
		n->cfg.max_lifetime_s = 86400;
	if (n->cfg.store_max_bytes == 0)
		n->cfg.store_max_bytes = 64 << 20;
	if (n->cfg.peer_store_rate == 0)
		n->cfg.peer_store_rate = 1000;
	if (n->cfg.peer_store_burst == 0)
		n->cfg.peer_store_burst = 2000;
	n->flood = xcalloc(OV_FLOOD_SLOTS, sizeof *n->flood);
	lim.max_lifetime_s = n->cfg.max_lifetime_s;
	lim.max_bytes = n->cfg.store_max_bytes;
	if (n->cfg.kinds == NULL) {
		n->cfg.kinds = ov_kind_all;
		n->cfg.nkinds = ov_kind_nall;
	}
	n->kinds = xreallocarray(NULL, n->cfg.nkinds, sizeof *n->kinds);
	memcpy(n->kinds, n->cfg.kinds, n->cfg.nkinds * sizeof *n->kinds);
	n->cfg.kinds = n->kinds;
	ov_held_init(&n->held, n->kinds, n->cfg.nkinds, &lim);
}

int
ov_node_new(struct ov_node **out, const struct ov_node_cfg *cfg,
    const struct ov_crypto *crypto, struct rng *rng,
    const struct log_ctx *log)
{
	struct ov_node	*n;
	unsigned	 i;

	if (cfg->overlay == NULL || cfg->initial_ttl == 0 ||
	    cfg->replicas > cfg->nsucc + 1 ||
	    cfg->max_message_size < 256 || cfg->reliability_ms < 200 ||
	    cfg->max_links < 2 || cfg->max_pending < 4 ||
	    cfg->finger_density_bits > OV_DENSITY_BITS_MAX ||
	    cfg->nfingers << cfg->finger_density_bits > OV_FINGER_MAX)
		return EINVAL;
	n = xcalloc(1, sizeof *n);
	fifo_init(&n->acts, sizeof(struct ov_action));
	n->cfg = *cfg;
	n->cfg.overlay = NULL;		/* only the hash is kept */
	ov_node_storage_init(n);
	n->overlay_hash = ov_msg_overlay_hash(cfg->overlay);
	if (cfg->nbootstrap > 0) {
		n->boot = xcalloc(cfg->nbootstrap, sizeof *n->boot);
		memcpy(n->boot, cfg->bootstrap,
		    cfg->nbootstrap * sizeof *n->boot);
		n->boot_self = xcalloc(cfg->nbootstrap, sizeof *n->boot_self);
		n->boot_ok = xcalloc(cfg->nbootstrap, sizeof *n->boot_ok);
		/* our own listening address: skip it without connecting (an
		 * entry that only turns out to be us is marked on connect) */
		for (i = 0; i < cfg->nbootstrap; i++)
			n->boot_self[i] = cfg->self_addr.family != 0 &&
			    addr_eq(&cfg->bootstrap[i], &cfg->self_addr);
	}
	n->cfg.bootstrap = n->boot;
	n->crypto = crypto;
	n->rng = rng;
	n->log = log;
	n->next_link_id = 1;
	ov_chord_init(&n->chord, &cfg->self, cfg->npred, cfg->nsucc,
	    cfg->nfingers << cfg->finger_density_bits,
	    cfg->finger_density_bits);
	if (cfg->pns)
		n->pns = xcalloc(n->chord.nfinger_slots + 1, sizeof *n->pns);
	ov_lcache_init(n);
	*out = n;
	return 0;
}

static void
ov_node_storage_free(struct ov_node *n)
{
	ov_held_clear(&n->held);
	free(n->kinds);
	free(n->flood);
	free(n->resends);
}

void
ov_node_free(struct ov_node *n)
{
	struct ov_action	a;
	unsigned		i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nlinks; i++) {
		ov_fh_clear(&n->links[i]->fh);
		wbuf_clear(&n->links[i]->out);
		ov_link_kept_clear(n->links[i]);
		free(n->links[i]);
	}
	free(n->links);
	free(n->link_ids);
	free(n->link_due);
	free(n->flushq);
	free(n->pns);
	ov_chord_free(&n->chord);
	free(n->hop_peers);
	free(n->hop_tab);
	ov_lcache_free(n);
	ov_txn_free_all(n);
	ov_node_storage_free(n);
	free(n->expects);
	while (ov_node_next_action(n, &a)) {
		free(a.data);
		if (a.type == OV_ACT_EVENT)
			ov_node_fetched_free(a.ev.fetched);
	}
	fifo_clear(&n->acts);
	for (i = 0; i < OV_EARLY_MAX; i++)
		free(n->early[i].u);
	free(n->boot);
	free(n->boot_self);
	free(n->boot_ok);
	free(n);
}

void
ov_node_act_push(struct ov_node *n, const struct ov_action *a)
{
	fifo_push(&n->acts, a);
}

bool
ov_node_next_action(struct ov_node *n, struct ov_action *a)
{
	return fifo_pop(&n->acts, a);
}

void
ov_node_event(struct ov_node *n, const struct ov_event *ev)
{
	struct ov_action	a;

	memset(&a, 0, sizeof a);
	a.type = OV_ACT_EVENT;
	a.ev = *ev;
	ov_node_act_push(n, &a);
}

void
ov_node_set_state(struct ov_node *n, enum ov_state s)
{
	struct ov_event	ev;

	if (n->state == s)
		return;
	ov_log(n, "overlay: state %s -> %s", ov_node_state_name(n->state),
	    ov_node_state_name(s));
	n->state = s;
	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_STATE;
	ev.state = s;
	ov_node_event(n, &ev);
}

uint64_t
ov_node_tid_new(struct ov_node *n)
{
	uint64_t	tid;

	do
		tid = rng_u64(n->rng);
	while (tid == 0);
	return tid;
}

uint32_t
ov_node_uptime(const struct ov_node *n, uint64_t now)
{
	return (uint32_t)((now - n->start_ms) / 1000);
}

uint64_t
ov_node_wall(const struct ov_node *n, uint64_t now)
{
	return (uint64_t)((int64_t)now + n->cfg.wall_offset_ms);
}

void
ov_node_start(struct ov_node *n, uint64_t now)
{
	if (!n->started) {
		n->started = true;
		n->start_ms = now;
	}
	n->no_rejoin = false;
	ov_join_start(n, now);
	ov_link_flush_all(n, now);
}

void
ov_node_set_addr(struct ov_node *n, const struct addr *a)
{
	n->cfg.self_addr = *a;
}

uint32_t
ov_node_link_accepted(struct ov_node *n, uint64_t now,
    const struct addr *remote)
{
	struct ov_link	*l;

	/* Twice max_links: the Attach policy shapes the rest (ov_topo.c). */
	if (n->nlinks >= ov_link_hard_max(n) || n->state == OV_ST_LEAVING ||
	    (n->state == OV_ST_ALONE && n->no_rejoin)) {
		ov_debug(n, "overlay: refused a connection: %u links",
		    n->nlinks);
		return 0;
	}
	l = ov_link_new(n, now, false, remote);
	return l->id;
}

void
ov_node_link_up(struct ov_node *n, uint64_t now, uint32_t id,
    const struct ov_id *peer)
{
	struct ov_link	*l = ov_link_get(n, id);

	if (l == NULL || l->up)
		return;
	l->peer = *peer;
	l->up = true;
	n->hop_stale = true;
	ov_link_due_update(n, l);
	l->last_msg_ms = now;
	ov_attach_link_up(n, now, l);
	ov_link_flush_all(n, now);
}

void
ov_node_link_input(struct ov_node *n, uint64_t now, uint32_t id,
    const uint8_t *p, size_t len)
{
	struct ov_link	*l = ov_link_get(n, id);

	if (l == NULL || !l->up)
		return;
	ov_link_input(n, now, l, p, len);
	ov_link_flush_all(n, now);
}

void
ov_node_link_down(struct ov_node *n, uint64_t now, uint32_t id)
{
	struct ov_link	*l = ov_link_get(n, id);

	if (l == NULL)
		return;
	ov_link_gone(n, now, l);
	ov_link_flush_all(n, now);
}

void
ov_node_tick(struct ov_node *n, uint64_t now)
{
	ov_txn_tick(n, now);
	ov_link_tick(n, now);
	ov_topo_tick(n, now);
	ov_replica_tick(n, now);
	ov_link_flush_all(n, now);
}

uint64_t
ov_node_deadline(const struct ov_node *n)
{
	uint64_t	d = ov_txn_deadline(n), t;

	if ((t = ov_link_deadline(n)) < d)
		d = t;
	if ((t = ov_topo_deadline(n)) < d)
		d = t;
	if ((t = ov_replica_deadline(n)) < d)
		d = t;
	return d;
}

void
ov_node_leave(struct ov_node *n, uint64_t now)
{
	ov_leave_start(n, now);
	ov_link_flush_all(n, now);
}

void
ov_node_set_trace(struct ov_node *n, bool on)
{
	n->trace = on;
}

enum ov_state
ov_node_state(const struct ov_node *n)
{
	return n->state;
}

const struct ov_chord *
ov_node_chord(const struct ov_node *n)
{
	return &n->chord;
}

const struct ov_stats *
ov_node_stats(const struct ov_node *n)
{
	return &n->stats;
}

const struct ov_id *
ov_node_id(const struct ov_node *n)
{
	return &n->cfg.self;
}

bool
ov_node_link_info(const struct ov_node *n, uint64_t now, unsigned i,
    struct ov_link_info *info)
{
	const struct ov_link	*l;

	if (i >= n->nlinks)
		return false;
	l = n->links[i];
	memset(info, 0, sizeof *info);
	info->id = l->id;
	info->up = l->up;
	info->has_peer = l->up;
	info->peer = l->peer;
	info->remote = l->remote;
	info->outgoing = l->outgoing;
	info->ready = l->ready;
	info->suspect = l->suspect;
	info->age_ms = now - l->opened_ms;
	info->bytes_in = l->bytes_in;
	info->bytes_out = l->bytes_out;
	info->srtt_ms = ov_fh_srtt_ms(&l->fh);
	return true;
}

/* ---- queries ---- */

int
ov_node_query(struct ov_node *n, uint64_t now, enum ov_query q,
    const struct ov_id *target, bool to_node, uint64_t cookie)
{
	return ov_query_start(n, now, q, target, to_node, cookie);
}

int
ov_node_route(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint64_t cookie)
{
	return ov_query_start(n, now, OV_Q_PING, res, false, cookie);
}

/* ---- storage ---- */

int
ov_node_sign(struct ov_node *n, const struct ov_id *res, uint32_t kind,
    struct ov_stored *s, struct ov_sigbuf *b)
{
	const struct ov_kind	*k = ov_kind_find(n->held.kinds,
				    n->held.nkinds, kind);

	if (k == NULL)
		return EINVAL;
	return ov_stored_sign(s, b, res, kind, k->model, n->crypto);
}

int
ov_node_store(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_kind_data *kd, const uint8_t *certs, size_t certs_len,
    uint64_t cookie)
{
	return ov_client_store(n, now, res, kd, certs, certs_len, cookie);
}

int
ov_node_fetch(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t cookie)
{
	return ov_client_ask(n, now, res, kind, false, cookie);
}

int
ov_node_stat(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t cookie)
{
	return ov_client_ask(n, now, res, kind, true, cookie);
}

void
ov_node_set_active(struct ov_node *n, bool active)
{
	n->active = active;
}

bool
ov_node_active(const struct ov_node *n)
{
	return n->active;
}

void
ov_node_set_client(struct ov_node *n, uint64_t now, bool client)
{
	ov_cm_set(n, now, client);
	ov_link_flush_all(n, now);
}

bool
ov_node_client(const struct ov_node *n)
{
	return n->client_mode;
}

bool
ov_node_gateway(const struct ov_node *n, struct ov_id *gw)
{
	if (n->state != OV_ST_CLIENT)
		return false;
	*gw = n->gw;
	return true;
}

unsigned
ov_node_self_route(const struct ov_node *n, struct ov_id route[2])
{
	unsigned	k = 0;

	if (n->state == OV_ST_CLIENT)
		route[k++] = n->gw;
	route[k++] = n->cfg.self;
	return k;
}

bool
ov_node_member(const struct ov_node *n)
{
	return n->state == OV_ST_JOINED || n->state == OV_ST_ALONE ||
	    n->state == OV_ST_CLIENT;
}

bool
ov_node_can_store(const struct ov_node *n, const struct ov_id *res)
{
	return ov_route_responsible(n, res) || n->ntxns < n->cfg.max_pending;
}

int
ov_node_find(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t cookie)
{
	return ov_client_find(n, now, res, kind, cookie);
}

void
ov_node_fetched_free(struct ov_fetched *f)
{
	if (f == NULL)
		return;
	free(f->v);
	free(f->body);
	free(f);
}

void
ov_node_statted_free(struct ov_statted *st)
{
	if (st == NULL)
		return;
	ov_data_stat_ans_free(&st->ans);
	free(st->body);
	free(st);
}

/* ---- applications ---- */

int
ov_node_app_serve(struct ov_node *n, uint16_t application,
    const struct addr *addr)
{
	return ov_app_serve(n, application, addr);
}

int
ov_node_app_serve_relayed(struct ov_node *n, uint16_t application,
    const struct addr *via)
{
	return ov_app_serve_relayed(n, application, via);
}

int
ov_node_app_attach(struct ov_node *n, uint64_t now, const struct ov_id *route,
    unsigned nroute, uint16_t application, uint64_t cookie)
{
	return ov_app_ask(n, now, route, nroute, application, cookie);
}

/* ---- what this node holds: status and persistence ---- */

void
ov_node_held_stats(const struct ov_node *n, struct ov_held_stats *s)
{
	unsigned	i;

	memset(s, 0, sizeof *s);
	s->values = n->held.values;
	s->bytes = n->held.bytes;
	s->resources = n->held.nres;
	for (i = 0; i < n->held.nres; i++)
		s->responsible += ov_chord_responsible(&n->chord,
		    &n->held.res[i]->id);
	s->replica_stores_sent = n->replica_sent;
	s->flood_refused = n->flood_refused;
	s->certificates = ov_certs_count(&n->held.certs);
}

bool
ov_node_holds(const struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind)
{
	struct ov_held_kind	*sk;
	unsigned		 i;

	sk = ov_held_res_kind(ov_held_find(&n->held, res), kind);
	for (i = 0; sk != NULL && i < sk->n; i++)
		if (sk->v[i].expires_ms > ov_node_wall(n, now))
			return true;
	return false;
}

bool
ov_node_take_row(struct ov_node *n, struct ov_id *res, uint32_t *kind,
    uint64_t *generation, uint8_t **blob, size_t *len)
{
	return ov_held_take_row(&n->held, res, kind, generation, blob, len);
}

int
ov_node_load_row(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t generation, const uint8_t *blob, size_t len)
{
	return ov_held_load(&n->held, res, kind, generation, blob, len,
	    ov_node_wall(n, now));
}

void
ov_node_set_cert_store(struct ov_node *n, ov_certs_load_cb load, void *arg)
{
	ov_certs_set_store(&n->held.certs, load, arg);
}

bool
ov_node_take_cert(struct ov_node *n, uint8_t *hash, uint8_t **bucket,
    size_t *len)
{
	return ov_certs_take(&n->held.certs, hash, bucket, len);
}
