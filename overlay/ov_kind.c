/*
 * ov_kind.c - Kinds (RFC 6940 §7, §14.6): the table of those this
 * daemon knows, their data models, and access control (§7.3).
 */
#include <stdio.h>
#include <string.h>

#include "ov_kind.h"
#include "ov_msg.h"
#include "ov_stored.h"

/*
 * Default limits: SIP-REGISTRATION as RFC 7904's example configuration
 * gives it, TURN-SERVICE's iteration bound from §9, certificates sized
 * for a P-256 certificate with a few names.
 */
const struct ov_kind ov_kind_all[] = {
	{ OV_KIND_SIP_REGISTRATION, "SIP-REGISTRATION", OV_MODEL_DICT,
	    OV_POLICY_USER_NODE_MATCH, 10, 1000, 0, NULL },
	{ OV_KIND_TURN_SERVICE, "TURN-SERVICE", OV_MODEL_SINGLE,
	    OV_POLICY_NODE_MULTIPLE, 1, 100, 20, NULL },
	{ OV_KIND_CERT_BY_NODE, "CERTIFICATE_BY_NODE", OV_MODEL_ARRAY,
	    OV_POLICY_NODE_MATCH, 4, 2048, 0, NULL },
	{ OV_KIND_CERT_BY_USER, "CERTIFICATE_BY_USER", OV_MODEL_ARRAY,
	    OV_POLICY_USER_MATCH, 4, 2048, 0, NULL },
	/* 8 Resource-IDs, up to 32 proxy peers at each, an address each */
	{ OV_KIND_SIP_PROXY_PEER, "SIP-PROXY-PEER", OV_MODEL_DICT,
	    OV_POLICY_SERVICE_NODE_MATCH, 32, 64, 8, OV_SERVICE_PROXY_PEER },
};
const size_t ov_kind_nall = sizeof ov_kind_all / sizeof ov_kind_all[0];

const struct ov_kind *
ov_kind_find(const struct ov_kind *t, size_t n, uint32_t id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

const char *
ov_kind_model_name(enum ov_model m)
{
	switch (m) {
	case OV_MODEL_SINGLE:
		return "single";
	case OV_MODEL_ARRAY:
		return "array";
	case OV_MODEL_DICT:
		return "dictionary";
	}
	return "?";
}

const char *
ov_kind_policy_name(enum ov_policy p)
{
	switch (p) {
	case OV_POLICY_USER_MATCH:
		return "USER-MATCH";
	case OV_POLICY_NODE_MATCH:
		return "NODE-MATCH";
	case OV_POLICY_USER_NODE_MATCH:
		return "USER-NODE-MATCH";
	case OV_POLICY_NODE_MULTIPLE:
		return "NODE-MULTIPLE";
	case OV_POLICY_SERVICE_NODE_MATCH:
		return "SERVICE-NODE-MATCH";
	}
	return "?";
}

/* ---- access control (§7.3) ---- */

void
ov_kind_service_res(const struct ov_kind *k, unsigned i, struct ov_id *res)
{
	uint8_t	buf[64];
	size_t	n = strlen(k->service);

	if (n > sizeof buf - 1)
		n = sizeof buf - 1;
	memcpy(buf, k->service, n);
	buf[n] = (uint8_t)i;
	ov_id_resource(buf, n + 1, res);
}

/*
 * USER-MATCH: the user name hashes to the Resource-ID.  RFC 7904 names
 * registrations by the AOR ("sip:alice@example.org") while a certificate
 * carries the rfc822Name "alice@example.org"; the hash of either matches.
 */
static bool
ov_kind_user_match(const struct ov_id *res, const char *user)
{
	char		aor[4 + OV_USER_MAX];
	struct ov_id	h;

	if (user[0] == '\0')
		return false;
	ov_id_resource(user, strlen(user), &h);
	if (ov_id_eq(&h, res))
		return true;
	snprintf(aor, sizeof aor, "sip:%s", user);
	ov_id_resource(aor, strlen(aor), &h);
	return ov_id_eq(&h, res);
}

bool
ov_kind_access_ok(const struct ov_kind *k, const struct ov_id *res,
    const struct ov_value *v, const struct ov_signer *who)
{
	uint8_t		buf[OV_ID_LEN + 1];
	struct ov_id	h;
	unsigned	i;

	switch (k->policy) {
	case OV_POLICY_USER_MATCH:
		return ov_kind_user_match(res, who->user);
	case OV_POLICY_NODE_MATCH:
		ov_id_resource(who->node.b, OV_ID_LEN, &h);
		return ov_id_eq(&h, res);
	case OV_POLICY_USER_NODE_MATCH:
		return k->model == OV_MODEL_DICT &&
		    ov_kind_user_match(res, who->user) &&
		    v->key_len == OV_ID_LEN &&
		    memcmp(v->key, who->node.b, OV_ID_LEN) == 0;
	case OV_POLICY_NODE_MULTIPLE:
		/* §7.3.4 does not say how i is written: one byte here */
		memcpy(buf, who->node.b, OV_ID_LEN);
		for (i = 0; i <= k->max_i && i < 256; i++) {
			buf[OV_ID_LEN] = (uint8_t)i;
			ov_id_resource(buf, sizeof buf, &h);
			if (ov_id_eq(&h, res))
				return true;
		}
		return false;
	case OV_POLICY_SERVICE_NODE_MATCH:
		if (k->model != OV_MODEL_DICT || k->service == NULL ||
		    v->key_len != OV_ID_LEN ||
		    memcmp(v->key, who->node.b, OV_ID_LEN) != 0)
			return false;
		for (i = 1; i <= k->max_i && i < 256; i++) {
			ov_kind_service_res(k, i, &h);
			if (ov_id_eq(&h, res))
				return true;
		}
		return false;
	}
	return false;
}
