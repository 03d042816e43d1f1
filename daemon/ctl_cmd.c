/*
 * ctl_cmd.c - parse, check and dispatch control requests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "d.h"
#include "ctl_spec.h"
#include "log.h"
#include "xmalloc.h"

static const struct ctl_exec *const ctl_cmd_tables[] = {
	ctl_cmd_daemon_table,
	ctl_cmd_overlay_table,
	ctl_cmd_loc_table,
	ctl_cmd_sip_table,
	ctl_cmd_ua_table,
	ctl_cmd_identity_table,
	ctl_cmd_nat_table,
};
#define CTL_NTABLES	(sizeof ctl_cmd_tables / sizeof ctl_cmd_tables[0])

static const struct ctl_exec *
ctl_cmd_find(const char *name)
{
	const struct ctl_exec	*e;
	size_t			 i;

	for (i = 0; i < CTL_NTABLES; i++)
		for (e = ctl_cmd_tables[i]; e->name != NULL; e++)
			if (strcmp(e->name, name) == 0)
				return e;
	return NULL;
}

void
ctl_call_fail(struct ctl_call *call, const char *code, const char *fmt, ...)
{
	va_list	ap;

	free(call->message);
	va_start(ap, fmt);
	call->message = xvasprintf(fmt, ap);
	va_end(ap);
	call->code = code;
	json_decref(call->result);
	call->result = NULL;
}

char *
ctl_cmd_handle(struct d *d, unsigned client, const char *line, size_t len,
    unsigned *flags)
{
	struct ctl_req		 req;
	struct ctl_call		 call;
	const struct ctl_spec	*spec;
	const struct ctl_exec	*e;
	const char		*code;
	char			*msg = NULL, *answer;
	json_t			*id = NULL;

	*flags = 0;
	if (ctl_req_parse(line, len, &req, &code, &msg, &id) != 0) {
		log_debug("control: %s: %s", code, msg);
		answer = ctl_encode_error(id, code, msg);
		json_decref(id);
		free(msg);
		return answer;
	}
	json_decref(id);
	memset(&call, 0, sizeof call);
	call.d = d;
	call.client = client;
	call.id = req.id;
	call.args = req.args;
	if ((spec = ctl_spec_find(req.cmd, false)) == NULL ||
	    (e = ctl_cmd_find(spec->name)) == NULL)
		ctl_call_fail(&call, CTL_E_UNKNOWN, "unknown command \"%.64s\""
		    " (\"help\" lists them)", req.cmd);
	else if (ctl_spec_check(spec, req.args, false, &msg) != 0) {
		ctl_call_fail(&call, CTL_E_ARGS, "%s", msg);
		free(msg);
	} else {
		log_debug("control: run %s", spec->name);
		e->exec(&call);
	}
	if (call.code != NULL)
		answer = ctl_encode_error(req.id, call.code, call.message);
	else if (call.deferred)
		answer = NULL;
	else
		answer = ctl_encode_result(req.id, call.result);
	*flags = call.code != NULL ? 0 : call.flags;
	json_decref(call.result);
	free(call.message);
	ctl_req_clear(&req);
	return answer;
}

struct ctl_defer *
ctl_call_defer(struct ctl_call *call)
{
	call->deferred = true;
	return ctl_defer_new(call->d->ctl, call->client, call->id);
}

bool
ctl_cmd_check_tables(char **cause)
{
	const struct ctl_spec	*specs;
	const struct ctl_exec	*e;
	size_t			 n, i;

	specs = ctl_spec_all(&n);
	for (i = 0; i < n; i++) {
		if (ctl_cmd_find(specs[i].name) == NULL) {
			*cause = xasprintf("command %s has no exec function",
			    specs[i].name);
			return false;
		}
	}
	for (i = 0; i < CTL_NTABLES; i++) {
		for (e = ctl_cmd_tables[i]; e->name != NULL; e++) {
			if (ctl_spec_find(e->name, false) == NULL) {
				*cause = xasprintf("command %s has no spec",
				    e->name);
				return false;
			}
		}
	}
	return true;
}
