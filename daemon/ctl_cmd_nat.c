/*
 * ctl_cmd_nat.c - the control command about NAT traversal: what this
 * host's addresses are, as seen from outside, and how its NAT behaves.
 */
#include <stdlib.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_ev.h"
#include "ctl_proto.h"
#include "d.h"
#include "nat.h"
#include "srv.h"
#include "srv_nat.h"

static json_t *
nat_json(const struct srv_nat *sn, const struct nat_report *r)
{
	json_t	*o = ctl_ev_nat_json(r);
	char	 b[ADDR_STRLEN];

	json_object_set_new(o, "stun_server", srv_nat_serving(sn) ?
	    json_string(addr_str(srv_nat_addr(sn), b)) : json_null());
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

struct cmd_nat_wait {
	struct ctl_defer	*cd;
	struct srv_nat		*sn;
};

static void
cmd_nat_done(const struct nat_report *r, void *arg)
{
	struct cmd_nat_wait	*w = arg;

	if (r == NULL)
		ctl_defer_drop(w->cd);
	else
		ctl_complete(w->cd, nat_json(w->sn, r), NULL, NULL);
	free(w);
}

static void
cmd_nat(struct ctl_call *call)
{
	struct srv_nat		*sn = call->d->nat;
	struct cmd_nat_wait	*w;

	if (!json_is_true(json_object_get(call->args, "probe"))) {
		call->result = nat_json(sn, srv_nat_report(sn));
		return;
	}
	w = calloc(1, sizeof *w);
	if (w == NULL) {
		ctl_call_fail(call, CTL_E_FAILED, "out of memory");
		return;
	}
	w->sn = sn;
	w->cd = ctl_call_defer(call);
	srv_nat_probe(sn, cmd_nat_done, w);
}

const struct ctl_exec ctl_cmd_nat_table[] = {
	{ "nat",	cmd_nat },
	{ NULL,		NULL },
};
