/*
 * ctl_cmd_daemon.c - control commands about the daemon itself: status,
 * log-level, reload, subscribe, shutdown, hello, help.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_ev.h"
#include "ctl_proto.h"
#include "ctl_spec.h"
#include "d.h"
#include "identity.h"
#include "loc.h"
#include "srv_loc.h"
#include "ov_node.h"
#include "srv_overlay.h"
#include "db.h"
#include "version.h"
#include "xmalloc.h"

static json_t *
cmd_time_json(int64_t t)
{
	char		buf[32];
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
cmd_overlay_json(struct d *d)
{
	struct ov_node		*ov = srv_overlay_node(d->ov);
	const struct ov_stats	*st = ov_node_stats(ov);
	const struct ov_chord	*c = ov_node_chord(ov);
	struct ov_link_info	 li;
	char			 a[ADDR_STRLEN];
	unsigned		 n;

	for (n = 0; ov_node_link_info(ov, 0, n, &li); n++)
		;
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:{s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I}, s:I, s:{s:I, s:I}}",
	    "name", d->cfg->overlay.name,
	    "listen", addr_str(srv_overlay_listen_addr(d->ov), a),
	    "links", (int)n,
	    "predecessors", (int)c->npred,
	    "successors", (int)c->nsucc,
	    "messages",
	    "sent", (json_int_t)st->msgs_sent,
	    "received", (json_int_t)st->msgs_recv,
	    "forwarded", (json_int_t)st->forwarded,
	    "rerouted", (json_int_t)st->rerouted,
	    "retransmitted", (json_int_t)st->retransmits,
	    "errors_sent", (json_int_t)st->errors_sent,
	    "bad_input", (json_int_t)st->bad_input,
	    "pns_swaps", (json_int_t)st->pns_swaps,
	    "location_cache",
	    "hits", (json_int_t)st->lcache_hits,
	    "attaches", (json_int_t)st->lcache_attaches);
}

/* What this node holds for the overlay, and publishes itself. */
static json_t *
cmd_storage_json(struct d *d)
{
	struct ov_held_stats	st;

	ov_node_held_stats(srv_overlay_node(d->ov), &st);
	return json_pack("{s:I, s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:i, s:i}",
	    "values", (json_int_t)st.values,
	    "bytes", (json_int_t)st.bytes,
	    "certificates", (int)st.certificates,
	    "resources", (int)st.resources,
	    "responsible", (int)st.responsible,
	    "replicas", d->cfg->storage.replicas,
	    "replica_stores_sent", (json_int_t)st.replica_stores_sent,
	    "flood_refused", (json_int_t)st.flood_refused,
	    "registrations", (int)loc_registrations(srv_loc_core(d->loc)),
	    "publishing", (int)loc_publishing(srv_loc_core(d->loc)));
}

static void
cmd_status(struct ctl_call *call)
{
	struct d	*d = call->d;
	struct ov_node	*ov;
	struct ov_id	 gw;
	json_t		*store;
	char		 hex[OV_ID_HEXLEN];

	store = json_pack("{s:s, s:i, s:I, s:s}",
	    "path", db_path(d->db),
	    "schema_version", db_schema_version(d->db),
	    "starts", (json_int_t)d->starts,
	    "previous_exit", d->previous_exit);
	call->result = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:o, s:s, "
	    "s:s*, s:s, s:s, s:i, s:o, s:o}",
	    "version", P2PSIPD_VERSION,
	    "pid", (json_int_t)getpid(),
	    "state", d->state == D_STOPPING ? "stopping" :
	    ov_node_state_name(ov_node_state(srv_overlay_node(d->ov))),
	    "node_id", ov_id_hex(&d->ident->id, hex),
	    "overlay", d->cfg->overlay.name,
	    "uptime", (json_int_t)d_uptime(d),
	    "started", cmd_time_json(d->start_time),
	    "log_level", log_level_name(log_getlevel()),
	    "config", d->cfg_file,
	    "data_dir", d->cfg->node.data_dir,
	    "control_socket", d->cfg->node.control_socket,
	    "control_clients", (int)ctl_nclients(d->ctl),
	    "store", store,
	    "ring", cmd_overlay_json(d));
	json_object_set_new(call->result, "storage", cmd_storage_json(d));
	json_object_set_new(call->result, "sip", ctl_cmd_sip_status_json(d));
	json_object_set_new(call->result, "interwork",
	    ctl_cmd_interwork_json(d));
	/* a peer or a client (RFC 6940 §4.2.1), and why; how links come to
	 * be: we take connections, or (behind a NAT) we make them all */
	ov = srv_overlay_node(d->ov);
	json_object_set_new(call->result, "mode", json_string(
	    ov_node_client(ov) ? "client" : "peer"));
	json_object_set_new(call->result, "mode_why",
	    json_string(d->mode_why));
	if (ov_node_gateway(ov, &gw))
		json_object_set_new(call->result, "gateway",
		    json_string(ov_id_hex(&gw, hex)));
	json_object_set_new(call->result, "links", json_string(
	    ov_node_client(ov) ? "outbound, to its gateway only (a client)" :
	    ov_node_active(ov) ?
	    "outbound (behind a NAT: this node connects to its peers)" :
	    "inbound and outbound"));
}

static void
cmd_log_level(struct ctl_call *call)
{
	json_t		*v = json_object_get(call->args, "level");
	enum log_level	 level;

	if (v != NULL) {
		if (log_level_parse(json_string_value(v), &level) != 0) {
			ctl_call_fail(call, CTL_E_ARGS, "unknown log level "
			    "\"%.32s\" (error, warn, info or debug)",
			    json_string_value(v));
			return;
		}
		d_set_log_level(call->d, level);
	}
	call->result = json_pack("{s:s}", "level",
	    log_level_name(log_getlevel()));
}

static void
cmd_reload(struct ctl_call *call)
{
	struct cfg_change	 pending[D_PENDING_MAX];
	size_t			 n;
	char			*cause = NULL;

	if (d_reload(call->d, pending, &n, &cause) != 0) {
		ctl_call_fail(call, CTL_E_FAILED, "%s", cause);
		free(cause);
		return;
	}
	call->result = json_pack("{s:s, s:o}", "log_level",
	    log_level_name(log_getlevel()), "pending_restart",
	    ctl_ev_changes_json(pending, n));
}

static void
cmd_subscribe(struct ctl_call *call)
{
	call->flags |= CTL_CALL_SUBSCRIBE;
	call->result = json_pack("{s:b}", "subscribed", 1);
}

static void
cmd_shutdown(struct ctl_call *call)
{
	d_stop(call->d, "control command");
	call->result = json_pack("{s:b}", "stopping", 1);
}

static void
cmd_hello(struct ctl_call *call)
{
	call->result = json_pack("{s:i, s:s}", "protocol",
	    CTL_PROTOCOL_VERSION, "version", P2PSIPD_VERSION);
}

static void
cmd_help(struct ctl_call *call)
{
	json_t			*v = json_object_get(call->args, "command");
	const struct ctl_spec	*spec = NULL;

	if (v != NULL &&
	    (spec = ctl_spec_find(json_string_value(v), true)) == NULL) {
		ctl_call_fail(call, CTL_E_ARGS, "no command \"%.64s\"",
		    json_string_value(v));
		return;
	}
	call->result = ctl_spec_to_json(spec);
}

const struct ctl_exec ctl_cmd_daemon_table[] = {
	{ "status",	cmd_status },
	{ "log-level",	cmd_log_level },
	{ "reload",	cmd_reload },
	{ "subscribe",	cmd_subscribe },
	{ "shutdown",	cmd_shutdown },
	{ "hello",	cmd_hello },
	{ "help",	cmd_help },
	{ NULL,		NULL }
};
