/*
 * ctl_cmd_identity.c - control commands for users' keys: export a
 * user's key to a file, import it on another node (one user on several
 * nodes), list the users held.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "d.h"
#include "hex.h"
#include "identity.h"
#include "loc.h"
#include "srv_loc.h"
#include "xmalloc.h"

/* The id of u's key, hex; json null if it cannot be had. */
static json_t *
key_id_json(const struct identity_user *u)
{
	uint8_t	id[OV_KEY_ID_LEN];
	char	hex[2 * OV_KEY_ID_LEN + 1];

	if (identity_user_key_id(u, id) != 0)
		return json_null();
	hex_encode(id, sizeof id, hex);
	return json_string(hex);
}

/* The passphrase, or NULL with the call failed. */
static const char *
passphrase(struct ctl_call *call)
{
	const char	*pass = arg_str(call, "passphrase");

	if (pass == NULL || *pass == '\0')
		ctl_call_fail(call, CTL_E_ARGS, "a passphrase is needed "
		    "(p2psipctl: --passphrase-file FILE, P2PSIPD_PASSPHRASE, "
		    "or the terminal)");
	return pass != NULL && *pass != '\0' ? pass : NULL;
}

static void
cmd_identity_export(struct ctl_call *call)
{
	struct identity_user	*u;
	const char		*pass, *file = arg_str(call, "file"), *why;
	char			 aor[OV_USER_MAX], *cause = NULL;

	if (!loc_aor(srv_loc_core(call->d->loc), arg_str(call, "aor"), aor, sizeof aor,
	    &why)) {
		ctl_call_fail(call, CTL_E_ARGS, "%s: %s", arg_str(call, "aor"),
		    why);
		return;
	}
	if ((pass = passphrase(call)) == NULL)
		return;
	if (identity_export(call->d->ident, aor, file, pass,
	    json_is_true(json_object_get(call->args, "force")), &u,
	    &cause) != 0) {
		ctl_call_fail(call, CTL_E_FAILED, "%s", cause);
		free(cause);
		return;
	}
	call->result = json_pack("{s:s, s:s, s:o}", "aor", aor, "file", file,
	    "key_id", key_id_json(u));
}

static void
cmd_identity_import(struct ctl_call *call)
{
	struct identity_user	*u;
	const char		*pass;
	char			*cause = NULL;
	bool			 replaced = false;

	if ((pass = passphrase(call)) == NULL)
		return;
	if (identity_import(call->d->ident, arg_str(call, "file"), pass,
	    json_is_true(json_object_get(call->args, "force")), &u, &replaced,
	    &cause) != 0) {
		ctl_call_fail(call, CTL_E_FAILED, "%s", cause);
		free(cause);
		return;
	}
	call->result = json_pack("{s:s, s:o, s:b}", "aor", u->name, "key_id",
	    key_id_json(u), "replaced", replaced);
}

static void
identity_row(void *arg, const struct identity_user *u, int64_t created)
{
	json_array_append_new(arg, json_pack("{s:s, s:o, s:I}", "aor",
	    u->name, "key_id", key_id_json(u), "created",
	    (json_int_t)created));
}

static void
cmd_identity_list(struct ctl_call *call)
{
	json_t	*list = json_array();
	char	*cause = NULL;

	if (identity_users_each(call->d->ident, identity_row, list,
	    &cause) != 0) {
		json_decref(list);
		ctl_call_fail(call, CTL_E_FAILED, "%s", cause);
		free(cause);
		return;
	}
	call->result = json_pack("{s:o}", "identities", list);
}

const struct ctl_exec ctl_cmd_identity_table[] = {
	{ "identity-export", cmd_identity_export },
	{ "identity-import", cmd_identity_import },
	{ "identity-list", cmd_identity_list },
	{ NULL, NULL }
};
