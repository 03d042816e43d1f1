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
};

struct ov_kind {
	uint32_t	 id;
	const char	*name;
	enum ov_model	 model;
	enum ov_policy	 policy;
	uint32_t	 max_count;	/* values of this Kind per resource */
	uint32_t	 max_size;	/* bytes of one value */
	unsigned	 max_i;		/* NODE-MULTIPLE: H(Node-ID || i) */
};

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
