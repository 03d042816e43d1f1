/*
 * ov_kind.h - Kinds (RFC 6940 §7, §14.6): what a Kind-ID names, its data
 * model and access control policy (§7.3), and the table of Kinds this
 * daemon knows with their default limits.
 */
#ifndef OV_KIND_H
#define OV_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ov_id;
struct ov_signer;
struct ov_value;

/* Kind-IDs (RFC 6940 §14.6; SIP-REGISTRATION: RFC 7904). */
#define OV_KIND_SIP_REGISTRATION	1
#define OV_KIND_TURN_SERVICE		2
#define OV_KIND_CERT_BY_NODE		3
#define OV_KIND_CERT_BY_USER		16
/*
 * SIP-PROXY-PEER (p2psipd's, from the private-use range of §14.6, defined
 * the way §7.4.5 lets an overlay define its own): the peers that take the
 * P2PSIP proxy peer role (draft-marocco-p2psip-interwork), each storing
 * a ProxyPeer value (ov_data.h) under its Node-ID in a dictionary at the
 * service key's Resource-IDs, H("sip-proxy-peer" || i), i = 1..max_i
 * (one byte, as NODE-MULTIPLE's), so that no single peer answers every
 * lookup.
 */
#define OV_KIND_SIP_PROXY_PEER		0xf0005060u
#define OV_SERVICE_PROXY_PEER		"sip-proxy-peer"

enum ov_model {
	OV_MODEL_SINGLE = 1,
	OV_MODEL_ARRAY,
	OV_MODEL_DICT,
};

enum ov_policy {			/* §7.3 */
	OV_POLICY_USER_MATCH = 1,
	OV_POLICY_NODE_MATCH,
	OV_POLICY_USER_NODE_MATCH,
	OV_POLICY_NODE_MULTIPLE,
	/* a service's dictionary: Resource-ID H(service || i), i =
	 * 1..max_i, and the dictionary key the writer's Node-ID (as
	 * USER-NODE-MATCH's key, §7.3.3) */
	OV_POLICY_SERVICE_NODE_MATCH,
};

struct ov_kind {
	uint32_t	 id;
	const char	*name;
	enum ov_model	 model;
	enum ov_policy	 policy;
	uint32_t	 max_count;	/* values of this Kind per resource */
	uint32_t	 max_size;	/* bytes of one value */
	unsigned	 max_i;		/* NODE-MULTIPLE: H(Node-ID || i);
					   SERVICE-NODE-MATCH: H(service ||
					   i), i from 1 */
	const char	*service;	/* SERVICE-NODE-MATCH's */
};

/* SERVICE-NODE-MATCH's i-th Resource-ID of k's service (i one byte). */
void	ov_kind_service_res(const struct ov_kind *k, unsigned i,
	    struct ov_id *res);

/* The Kinds this daemon knows, with their default limits. */
extern const struct ov_kind	ov_kind_all[];
extern const size_t		ov_kind_nall;

const struct ov_kind *ov_kind_find(const struct ov_kind *, size_t n,
	    uint32_t id);
const char	*ov_kind_model_name(enum ov_model);
const char	*ov_kind_policy_name(enum ov_policy);

/*
 * Access control (§7.3): may the signer write value v of Kind k at
 * resource res?
 */
bool	ov_kind_access_ok(const struct ov_kind *k, const struct ov_id *res,
	    const struct ov_value *v, const struct ov_signer *signer);

#endif
