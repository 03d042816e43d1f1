/*
 * ctl_cmd_overlay.c - control commands about the overlay: ring, peers,
 * route, leave, join, trace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "d.h"
#include "ov_chord.h"
#include "ov_id.h"
#include "ov_node.h"
#include "srv.h"
#include "srv_overlay.h"
#include "xmalloc.h"

static json_t *
hex_json(const struct ov_id *id)
{
	char	hex[OV_ID_HEXLEN];

	return json_string(ov_id_hex(id, hex));
}

static json_t *
ids_json(const struct ov_id *ids, unsigned n)
{
	json_t		*a = json_array();
	unsigned	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, hex_json(&ids[i]));
	return a;
}

static void
cmd_ring(struct ctl_call *call)
{
	struct ov_node		*ov = srv_overlay_node(call->d->ov);
	const struct ov_chord	*c = ov_node_chord(ov);
	struct ov_id		 f[OV_FINGER_MAX];
	unsigned		 nf = ov_chord_fingers(c, f, OV_FINGER_MAX);

	call->result = json_pack("{s:o, s:s, s:o, s:o, s:o}",
	    "self", hex_json(ov_node_id(ov)),
	    "state", ov_node_state_name(ov_node_state(ov)),
	    "predecessors", ids_json(c->pred, c->npred),
	    "successors", ids_json(c->succ, c->nsucc),
	    "fingers", ids_json(f, nf));
}

static void
cmd_peers(struct ctl_call *call)
{
	struct ov_node		*ov = srv_overlay_node(call->d->ov);
	struct ov_link_info	 li;
	json_t			*peers = json_array();
	char			 a[ADDR_STRLEN];
	uint64_t		 now = srv_now_ms();
	unsigned		 i;

	for (i = 0; ov_node_link_info(ov, now, i, &li); i++) {
		json_array_append_new(peers, json_pack("{s:o, s:s, s:s, s:I, "
		    "s:s, s:I, s:I, s:i}",
		    "node_id", li.has_peer ? hex_json(&li.peer) : json_null(),
		    "address", addr_str(&li.remote, a),
		    "direction", li.outgoing ? "out" : "in",
		    "age", (json_int_t)(li.age_ms / 1000),
		    "state", !li.up ? "connecting" : li.suspect ? "suspect" :
		    li.ready ? "peer" : "attached",
		    "bytes_in", (json_int_t)li.bytes_in,
		    "bytes_out", (json_int_t)li.bytes_out,
		    "rtt_ms", (int)li.srtt_ms));
	}
	call->result = json_pack("{s:o}", "peers", peers);
}

/* A route or probe query, and the answer owed for it. */
struct cmd_query {
	struct ctl_defer	*cd;
	enum ov_query		 q;
	struct ov_id		 target;
	bool			 to_node;
};

static void
cmd_query_done(const struct ov_event *ev, void *arg)
{
	struct cmd_query	*cq = arg;
	json_t			*r, *path;
	char			*err;
	unsigned		 i;

	if (ev == NULL)
		ctl_defer_drop(cq->cd);
	else if (ev->error != 0) {
		err = d_overlay_error(ev->error, ev->why);
		ctl_complete(cq->cd, NULL, CTL_E_FAILED, err);
		free(err);
	} else {
		path = json_array();
		for (i = 0; i < ev->npath; i++)
			json_array_append_new(path, hex_json(&ev->path[i]));
		r = json_object();
		json_object_set_new(r, cq->to_node ? "node_id" :
		    "resource_id", hex_json(&cq->target));
		json_object_set_new(r, "responsible",
		    hex_json(&ev->responsible));
		json_object_set_new(r, "hops", json_integer(ev->hops));
		json_object_set_new(r, "path", path);
		if (cq->q != OV_Q_PROBE)
			json_object_set_new(r, "routing", json_string(
			    cq->q == OV_Q_ITERATIVE ? "iterative" :
			    "recursive"));
		if (ev->has_probe) {
			json_object_set_new(r, "responsible_ppb",
			    json_integer(ev->responsible_ppb));
			json_object_set_new(r, "num_resources",
			    json_integer(ev->num_resources));
			json_object_set_new(r, "uptime",
			    json_integer(ev->uptime_s));
		}
		json_object_set_new(r, "rtt_ms",
		    json_real(ctl_defer_ms(cq->cd)));
		ctl_complete(cq->cd, r, NULL, NULL);
	}
	free(cq);
}

/* Send query q toward target; the answer comes later. */
static void
cmd_query(struct ctl_call *call, enum ov_query q, const struct ov_id *target,
    bool to_node)
{
	struct cmd_query	*cq = xcalloc(1, sizeof *cq);
	int			 rc;

	cq->q = q;
	cq->target = *target;
	cq->to_node = to_node;
	cq->cd = ctl_call_defer(call);
	if ((rc = srv_overlay_query(call->d->ov, q, target, to_node,
	    cmd_query_done, cq)) != 0) {
		ctl_defer_drop(cq->cd);
		free(cq);
		call->deferred = false;
		ctl_call_fail(call, CTL_E_FAILED, "%s", rc == EBUSY ?
		    "too many requests in flight" : "not in an overlay yet");
	}
}

static void
cmd_route(struct ctl_call *call)
{
	const char	*name = json_string_value(json_object_get(call->args,
			    "name"));
	enum ov_query	 q = json_is_true(json_object_get(call->args,
			    "iterative")) ? OV_Q_ITERATIVE : OV_Q_PING;
	struct ov_id	 res;

	ov_id_resource(name, strlen(name), &res);
	cmd_query(call, q, &res, false);
}

/* TARGET: 32 hex digits name a node; anything else is a resource name. */
static void
cmd_probe(struct ctl_call *call)
{
	const char	*target = json_string_value(json_object_get(call->args,
			    "target"));
	struct ov_id	 id;
	bool		 node;

	node = strlen(target) == 2 * OV_ID_LEN &&
	    ov_id_from_hex(target, &id) == 0;
	if (!node)
		ov_id_resource(target, strlen(target), &id);
	cmd_query(call, OV_Q_PROBE, &id, node);
}

static void
cmd_leave_done(bool left, void *arg)
{
	struct ctl_defer	*cd = arg;

	if (left)
		ctl_complete(cd, json_pack("{s:s}", "state", "alone"), NULL,
		    NULL);
	else
		ctl_defer_drop(cd);
}

static void
cmd_leave(struct ctl_call *call)
{
	struct ctl_defer	*cd = ctl_call_defer(call);

	if (srv_overlay_leave(call->d->ov, cmd_leave_done, cd) != 0) {
		ctl_defer_drop(cd);
		call->deferred = false;
		ctl_call_fail(call, CTL_E_FAILED, "not in an overlay");
	}
}

static void
cmd_join(struct ctl_call *call)
{
	struct ov_node	*ov = srv_overlay_node(call->d->ov);

	if (ov_node_state(ov) != OV_ST_ALONE) {
		ctl_call_fail(call, CTL_E_FAILED, "already %s",
		    ov_node_state_name(ov_node_state(ov)));
		return;
	}
	ov_node_start(ov, srv_now_ms());
	srv_overlay_kick(call->d->ov);
	call->result = json_pack("{s:s}", "state",
	    ov_node_state_name(ov_node_state(ov)));
}

static void
cmd_trace(struct ctl_call *call)
{
	const char	*action = json_string_value(json_object_get(call->args,
			    "action"));
	json_t		*file = json_object_get(call->args, "file");
	char		*cause = NULL;
	long long	 n;

	if (strcmp(action, "start") == 0) {
		if (file == NULL) {
			ctl_call_fail(call, CTL_E_ARGS, "trace start needs "
			    "a file");
		} else if (srv_overlay_trace_start(call->d->ov,
		    json_string_value(file), &cause) != 0) {
			ctl_call_fail(call, CTL_E_FAILED, "%s", cause);
			free(cause);
		} else
			call->result = json_pack("{s:s}", "file",
			    json_string_value(file));
	} else if (strcmp(action, "stop") == 0) {
		if ((n = srv_overlay_trace_stop(call->d->ov)) < 0)
			ctl_call_fail(call, CTL_E_FAILED, "no trace running");
		else
			call->result = json_pack("{s:I}", "frames",
			    (json_int_t)n);
	} else
		ctl_call_fail(call, CTL_E_ARGS, "trace: start or stop, not "
		    "\"%.32s\"", action);
}

const struct ctl_exec ctl_cmd_overlay_table[] = {
	{ "ring",	cmd_ring },
	{ "peers",	cmd_peers },
	{ "route",	cmd_route },
	{ "probe",	cmd_probe },
	{ "leave",	cmd_leave },
	{ "join",	cmd_join },
	{ "trace",	cmd_trace },
	{ NULL,		NULL }
};
