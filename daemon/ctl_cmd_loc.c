/*
 * ctl_cmd_loc.c - control commands of the location service: register,
 * unregister, lookup, store, fetch.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "d.h"
#include "loc.h"

static const char *
arg_str(const struct ctl_call *call, const char *name)
{
	return json_string_value(json_object_get(call->args, name));
}

static int
arg_int(const struct ctl_call *call, const char *name)
{
	return (int)json_integer_value(json_object_get(call->args, name));
}

/* After loc_*: deferred, or failed now with err. */
static void
cmd_started(struct ctl_call *call, int rc, char *err)
{
	if (rc == 0)
		call->deferred = true;
	else
		ctl_call_fail(call, CTL_E_FAILED, "%s", err != NULL ? err :
		    "failed");
	free(err);
}

static void
cmd_register(struct ctl_call *call)
{
	char	*err = NULL;
	int	 rc;

	rc = loc_register(call->d->loc, call->client, call->id,
	    arg_str(call, "aor"), arg_str(call, "contact"),
	    arg_int(call, "expires"), &err);
	cmd_started(call, rc, err);
}

static void
cmd_unregister(struct ctl_call *call)
{
	char	*err = NULL;
	int	 rc;

	rc = loc_unregister(call->d->loc, call->client, call->id,
	    arg_str(call, "aor"), &err);
	cmd_started(call, rc, err);
}

static void
cmd_lookup(struct ctl_call *call)
{
	char	*err = NULL;
	int	 rc;

	rc = loc_lookup(call->d->loc, call->client, call->id,
	    arg_str(call, "aor"), &err);
	cmd_started(call, rc, err);
}

static void
cmd_store(struct ctl_call *call)
{
	char	*err = NULL;
	int	 rc;

	rc = loc_store(call->d->loc, call->client, call->id,
	    arg_str(call, "kind"), arg_str(call, "value"),
	    json_is_true(json_object_get(call->args, "hex")),
	    arg_str(call, "user"), arg_int(call, "index"),
	    arg_int(call, "lifetime"), &err);
	cmd_started(call, rc, err);
}

static void
cmd_fetch(struct ctl_call *call)
{
	char	*err = NULL;
	int	 rc;

	rc = loc_fetch(call->d->loc, call->client, call->id,
	    arg_str(call, "kind"), arg_str(call, "resource"),
	    json_is_true(json_object_get(call->args, "stat")), &err);
	cmd_started(call, rc, err);
}

static void
cmd_registrations(struct ctl_call *call)
{
	call->result = json_pack("{s:o}", "registrations",
	    loc_registrations_json(call->d->loc));
}

const struct ctl_exec ctl_cmd_loc_table[] = {
	{ "register",		cmd_register },
	{ "unregister",		cmd_unregister },
	{ "lookup",		cmd_lookup },
	{ "store",		cmd_store },
	{ "fetch",		cmd_fetch },
	{ "published",		cmd_registrations },
	{ NULL,			NULL }
};
