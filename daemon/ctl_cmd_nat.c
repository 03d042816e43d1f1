/*
 * ctl_cmd_nat.c - the control commands about NAT traversal: what this
 * host's addresses are, as seen from outside, and how its NAT behaves
 * (nat); the relays found in the overlay and the allocation (relays).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_ev.h"
#include "ctl_proto.h"
#include "d.h"
#include "d_int.h"
#include "loc.h"
#include "nat.h"
#include "nat_relay.h"
#include "ov_id.h"
#include "srv.h"
#include "srv_anchor.h"
#include "srv_loc.h"
#include "srv_nat.h"
#include "srv_relay.h"
#include "xmalloc.h"

static json_t *
addr_json(const struct addr *a)
{
	char	b[ADDR_STRLEN];

	return a != NULL && a->family != 0 ? json_string(addr_str(a, b)) :
	    json_null();
}

static json_t *
nat_json(const struct d *d, const struct nat_report *r)
{
	const struct srv_nat	*sn = d->nat;
	json_t			*o = ctl_ev_nat_json(r);

	json_object_set_new(o, "relayed", addr_json(d->relay != NULL ?
	    srv_relay_relayed(d->relay) : NULL));
	json_object_set_new(o, "stun_server", addr_json(srv_nat_serving(sn) ?
	    srv_nat_addr(sn) : NULL));
	json_object_set_new(o, "probing", json_boolean(r->probing));
	json_object_set_new(o, "age", r->done_at == 0 ? json_null() :
	    json_integer(((int64_t)srv_now_ms() - r->done_at) / 1000));
	json_object_set_new(o, "stun_answered", json_integer(
	    (json_int_t)r->answered));
	json_object_set_new(o, "stun_limited", json_integer(
	    (json_int_t)r->limited));
	json_object_set_new(o, "stun_dropped", json_integer(
	    (json_int_t)r->dropped));
	return o;
}

/* A deferred nat --probe or relays --search. */
struct nat_wait {
	struct ctl_defer	*cd;
	struct d		*d;
};

static void
cmd_nat_done(const struct nat_report *r, void *arg)
{
	struct nat_wait	*w = arg;

	if (r == NULL)
		ctl_defer_drop(w->cd);
	else
		ctl_complete(w->cd, nat_json(w->d, r), NULL, NULL);
	free(w);
}

static void
cmd_nat(struct ctl_call *call)
{
	struct srv_nat	*sn = call->d->nat;
	struct nat_wait	*w;

	if (!json_is_true(json_object_get(call->args, "probe"))) {
		call->result = nat_json(call->d, srv_nat_report(sn));
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->d = call->d;
	w->cd = ctl_call_defer(call);
	srv_nat_probe(sn, cmd_nat_done, w);
}

/* The media relays for phones here (srv_anchor.h); null: off. */
static json_t *
anchor_json(const struct d *d)
{
	struct srv_anchor_info	in;

	if (d->anchor == NULL)
		return json_null();
	srv_anchor_info(d->anchor, &in);
	return json_pack("{s:s, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I}",
	    "mode",
	    srv_anchor_mode_name(in.mode), "ready", (int)in.ready,
	    "ready_relayed", (int)in.ready_relayed, "active",
	    (int)in.active, "calls", (json_int_t)in.calls, "missed",
	    (json_int_t)in.missed, "to_phone", (json_int_t)in.to_phone,
	    "to_peer", (json_int_t)in.to_peer, "dropped",
	    (json_int_t)in.dropped);
}

/* The relay this node offers, the relays found, the allocation. */
static json_t *
relays_json(const struct d *d)
{
	const struct loc_relay	*lr;
	struct nat_relay_info	 ri;
	json_t			*o, *a, *e;
	unsigned		 i, density, stored;
	char			 hex[2 * OV_ID_LEN + 1];

	o = json_object();
	if (d->cfg->nat.relay.family != 0 && d->loc != NULL) {
		stored = loc_relay_advertised(srv_loc_core(d->loc), &density);
		json_object_set_new(o, "advertised", json_pack("{s:o, s:i, "
		    "s:i}", "address", addr_json(&d->cfg->nat.relay),
		    "density", (int)density, "stored", (int)stored));
	} else
		json_object_set_new(o, "advertised", json_null());
	json_object_set_new(o, "relayed", addr_json(d->relay != NULL ?
	    srv_relay_relayed(d->relay) : NULL));
	a = json_array();
	for (i = 0; d->relay != NULL &&
	    i < nat_relay_count(srv_relay_core(d->relay)); i++) {
		nat_relay_info(srv_relay_core(d->relay), i, &ri);
		lr = srv_relay_found(d->relay, i);
		e = json_pack("{s:o, s:o, s:s}", "address",
		    addr_json(&ri.server), "node", lr != NULL ?
		    json_string(ov_id_hex(&lr->node, hex)) : json_null(),
		    "state", nat_relay_state_name(ri.state));
		if (ri.state == NAT_RELAY_REFUSED) {
			json_object_set_new(e, "code", json_integer(ri.code));
			json_object_set_new(e, "why", json_string(ri.why));
		}
		if (ri.state == NAT_RELAY_ALLOCATED) {
			json_object_set_new(e, "relayed", addr_json(
			    &ri.relayed));
			json_object_set_new(e, "mapped", addr_json(&ri.mapped));
		}
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "relays", a);
	json_object_set_new(o, "used", json_boolean(d->relay != NULL));
	json_object_set_new(o, "anchor", anchor_json(d));
	return o;
}

static void
cmd_relays_done(const struct loc_result *r, void *arg)
{
	struct nat_wait	*w = arg;
	json_t		*o;

	if (r == NULL) {
		ctl_defer_drop(w->cd);
		free(w);
		return;
	}
	if (r->error == LOC_OK && w->d->relay != NULL)
		srv_relay_set(w->d->relay, r->relays, r->nrelays);
	o = relays_json(w->d);
	json_object_set_new(o, "finds", json_integer(r->finds));
	json_object_set_new(o, "found", json_integer(r->nrelays));
	ctl_complete(w->cd, o, NULL, NULL);
	free(w);
}

static void
cmd_relays(struct ctl_call *call)
{
	struct nat_wait	*w;
	char		*err;

	if (!json_is_true(json_object_get(call->args, "search"))) {
		call->result = relays_json(call->d);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->d = call->d;
	if (d_relay_search(call->d, cmd_relays_done, w, &err) != 0) {
		ctl_call_fail(call, CTL_E_FAILED, "%s", err);
		free(err);
		free(w);
		return;
	}
	w->cd = ctl_call_defer(call);
}

const struct ctl_exec ctl_cmd_nat_table[] = {
	{ "nat",	cmd_nat },
	{ "relays",	cmd_relays },
	{ NULL,		NULL },
};
