/*
 * ctl_cmd_loc.c - control commands of the location service: register,
 * unregister, lookup, store, fetch, published; the JSON of its results.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "d.h"
#include "hex.h"
#include "loc.h"
#include "srv_loc.h"
#include "srv_sip.h"
#include "xmalloc.h"

static int
arg_int(const struct ctl_call *call, const char *name)
{
	return (int)json_integer_value(json_object_get(call->args, name));
}

/* ---- the results, as JSON ---- */

static json_t *
loc_hex(const uint8_t *p, size_t len)
{
	char	*s = xmalloc(2 * len + 1);
	json_t	*j = json_string(hex_encode(p, len, s));

	free(s);
	return j;
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

static json_t *
loc_binding_json(const struct loc_binding *b)
{
	json_t		*j, *dl;
	char		 hex[OV_ID_HEXLEN];
	unsigned	 i;

	j = json_object();
	json_object_set_new(j, "node_id", b->has_node ?
	    json_string(ov_id_hex(&b->node, hex)) : json_null());
	if (b->bad) {
		json_object_set_new(j, "error", json_string("not a "
		    "SipRegistration"));
	} else if (b->contact != NULL) {
		json_object_set_new(j, "contact", json_string(b->contact));
	} else {
		dl = json_array();
		for (i = 0; i < b->ndest; i++)
			json_array_append_new(dl, b->dest_ok[i] ?
			    json_string(ov_id_hex(&b->dest[i], hex)) :
			    json_null());
		json_object_set_new(j, "destination_list", dl);
	}
	json_object_set_new(j, "expires", json_integer(b->expires));
	json_object_set_new(j, "user", json_string(b->user));
	return j;
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
	json_object_set_new(v, "node_id", loc_hex(fv->signer.node.b,
	    OV_ID_LEN));
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

/* A lookup's, fetch's or stat's answer. */
static json_t *
loc_found_json(const struct loc_result *r)
{
	const struct ov_kind	*k = ov_kind_find(ov_kind_all, ov_kind_nall,
				    r->kind);
	const struct ov_stat_ans *st = r->statted != NULL ?
				    &r->statted->ans : NULL;
	json_t			*j, *vals = json_array();
	char			 hex[OV_ID_HEXLEN];
	unsigned		 i;

	j = json_object();
	if (r->op == LOC_OP_LOOKUP)
		json_object_set_new(j, "aor", json_string(r->aor));
	else
		json_object_set_new(j, "kind", json_string(k->name));
	json_object_set_new(j, "resource_id",
	    json_string(ov_id_hex(&r->res, hex)));
	json_object_set_new(j, "generation",
	    json_integer((json_int_t)r->generation));
	for (i = 0; i < r->nbindings; i++)
		json_array_append_new(vals, loc_binding_json(&r->bindings[i]));
	for (i = 0; r->fetched != NULL && i < r->fetched->n; i++)
		json_array_append_new(vals, loc_value_json(k,
		    &r->fetched->v[i]));
	for (i = 0; st != NULL && i < st->kinds[0].nvalues; i++)
		json_array_append_new(vals, loc_meta_json(k,
		    &st->kinds[0].values[i]));
	if (r->refused != 0)
		json_object_set_new(j, "refused", json_integer(r->refused));
	json_object_set_new(j, r->op == LOC_OP_LOOKUP ? "bindings" : "values",
	    vals);
	return j;
}

/* A register's, unregister's or store's answer. */
static json_t *
loc_stored_json(const struct loc_result *r)
{
	char	 hex[OV_ID_HEXLEN];
	json_t	*j = json_object();

	if (r->aor[0] != '\0')
		json_object_set_new(j, "aor", json_string(r->aor));
	else
		json_object_set_new(j, "kind", json_string(ov_kind_find(
		    ov_kind_all, ov_kind_nall, r->kind)->name));
	json_object_set_new(j, "resource_id",
	    json_string(ov_id_hex(&r->res, hex)));
	if (r->has_reg) {
		json_object_set_new(j, "contact", r->contact != NULL ?
		    json_string(r->contact) : json_null());
		json_object_set_new(j, "expires", json_integer(r->expires));
	}
	json_object_set_new(j, "generation",
	    json_integer((json_int_t)r->generation));
	json_object_set_new(j, "replicas", json_integer(r->nreplicas));
	return j;
}

/* The answer owed (arg) to a request of the location service. */
static void
cmd_done(const struct loc_result *r, void *arg)
{
	struct ctl_defer	*cd = arg;
	json_t			*j;
	char			*err;

	if (r == NULL) {
		ctl_defer_drop(cd);
		return;
	}
	if (r->error == LOC_E_NO_REGISTRATION) {
		err = xasprintf("%s: no registration", r->aor);
		ctl_complete(cd, NULL, CTL_E_FAILED, err);
		free(err);
		return;
	}
	if (r->error != LOC_OK) {
		err = d_overlay_error(r->code, r->why);
		ctl_complete(cd, NULL, CTL_E_FAILED, err);
		free(err);
		return;
	}
	j = r->op == LOC_OP_LOOKUP || r->op == LOC_OP_FETCH ||
	    r->op == LOC_OP_STAT ? loc_found_json(r) : loc_stored_json(r);
	json_object_set_new(j, "ms", json_real(ctl_defer_ms(cd)));
	ctl_complete(cd, j, NULL, NULL);
}

/* ---- the commands ---- */

/* After srv_loc_*: deferred (cd answers), or failed now with err. */
static void
cmd_started(struct ctl_call *call, struct ctl_defer *cd, int rc, char *err)
{
	if (rc != 0) {
		ctl_defer_drop(cd);
		call->deferred = false;
		ctl_call_fail(call, CTL_E_FAILED, "%s", err != NULL ? err :
		    "failed");
	}
	free(err);
}

static void
cmd_register(struct ctl_call *call)
{
	struct ctl_defer	*cd;
	const char		*contact = arg_str(call, "contact"), *why;
	char			*err = NULL, aor[OV_USER_MAX];
	int			 rc;

	/* RFC 7904 §5: peers reach this node's destination lists' AORs by
	 * AppAttach, over TLS (RFC 6940 §6.5.1.13) */
	if (contact == NULL && call->d->sip != NULL &&
	    loc_aor(srv_loc_core(call->d->loc), arg_str(call, "aor"), aor,
	    sizeof aor, &why) &&
	    srv_sip_public_addr(call->d->sip, true)->family == 0) {
		ctl_call_fail(call, CTL_E_FAILED, "without a contact, peers "
		    "reach this node over SIP over TLS, and [sip] tls_listen "
		    "is off");
		return;
	}
	cd = ctl_call_defer(call);
	rc = srv_loc_register(call->d->loc, arg_str(call, "aor"), contact,
	    arg_int(call, "expires"), cmd_done, cd, &err);
	cmd_started(call, cd, rc, err);
}

static void
cmd_unregister(struct ctl_call *call)
{
	struct ctl_defer	*cd = ctl_call_defer(call);
	char			*err = NULL;
	int			 rc;

	rc = srv_loc_unregister(call->d->loc, arg_str(call, "aor"), cmd_done,
	    cd, &err);
	cmd_started(call, cd, rc, err);
}

static void
cmd_lookup(struct ctl_call *call)
{
	struct ctl_defer	*cd = ctl_call_defer(call);
	char			*err = NULL;
	int			 rc;

	rc = srv_loc_lookup(call->d->loc, arg_str(call, "aor"), cmd_done, cd,
	    &err);
	cmd_started(call, cd, rc, err);
}

static void
cmd_store(struct ctl_call *call)
{
	struct ctl_defer	*cd;
	const char		*value = arg_str(call, "value");
	uint8_t			 buf[LOC_VALUE_MAX];
	size_t			 len = strlen(value);
	char			*err = NULL;
	int			 rc;

	if (loc_kind(arg_str(call, "kind")) == NULL) {
		ctl_call_fail(call, CTL_E_FAILED, "%s: not a Kind this node "
		    "knows", arg_str(call, "kind"));
		return;
	}
	if (json_is_true(json_object_get(call->args, "hex"))) {
		if (len % 2 != 0 || len / 2 > sizeof buf) {
			ctl_call_fail(call, CTL_E_FAILED, "--hex: an even "
			    "number of hex digits, at most 8192");
			return;
		}
		len /= 2;
		if (hex_decode(value, len, buf) != 0) {
			ctl_call_fail(call, CTL_E_FAILED, "--hex: not hex "
			    "digits");
			return;
		}
	} else {
		if (len > sizeof buf) {
			ctl_call_fail(call, CTL_E_FAILED, "a value of at most "
			    "%d bytes", LOC_VALUE_MAX);
			return;
		}
		memcpy(buf, value, len);
	}
	cd = ctl_call_defer(call);
	rc = srv_loc_store_value(call->d->loc, arg_str(call, "kind"), buf,
	    len, arg_str(call, "user"), (uint32_t)arg_int(call, "index"),
	    arg_int(call, "lifetime"), cmd_done, cd, &err);
	cmd_started(call, cd, rc, err);
}

static void
cmd_fetch(struct ctl_call *call)
{
	struct ctl_defer	*cd = ctl_call_defer(call);
	char			*err = NULL;
	int			 rc;

	rc = srv_loc_fetch_values(call->d->loc, arg_str(call, "kind"),
	    arg_str(call, "resource"),
	    json_is_true(json_object_get(call->args, "stat")), cmd_done, cd,
	    &err);
	cmd_started(call, cd, rc, err);
}

static void
cmd_reg_json(const struct loc_reg_info *ri, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s?, s:i, s:b}",
	    "aor", ri->aor, "contact", ri->contact, "expires", ri->expires,
	    "published", ri->published));
}

static void
cmd_registrations(struct ctl_call *call)
{
	json_t	*a = json_array();

	loc_regs_each(srv_loc_core(call->d->loc), cmd_reg_json, a);
	call->result = json_pack("{s:o}", "registrations", a);
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
