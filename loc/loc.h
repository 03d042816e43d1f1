/*
 * loc.h - the location service core: registrations and raw values in the
 * overlay (RFC 6940 §7; SIP usage, RFC 7904), sans I/O.
 *
 * A registration binds an AOR of the overlay (user@OVERLAY) to a contact
 * URI, or to this node (a destination list through the overlay: peers
 * reach it by AppAttach, and the node's UA takes the calls).  It is
 * signed with the user's own key (the cred callback), stored as the
 * SIP-REGISTRATION dictionary entry keyed by this node's Node-ID at
 * Resource-ID hash("user@OVERLAY"), refreshed halfway through its
 * lifetime and tried again, with jitter, when a store fails, until it is
 * removed.  Lookups fetch every binding and verify each; a resolve also
 * asks the last node of each destination list where it takes SIP
 * (AppAttach, RFC 7904 §5) and gives contacts.
 *
 * The core stands on an overlay node (ov_node.h), which it asks to store
 * and fetch; the node's storage events come back through loc_input.  It
 * never reads a clock or touches the network: requests and events carry
 * now (monotonic ms), outcomes are queued actions (loc_next_action).  The
 * driver drains the overlay node after every call in here.
 */
#ifndef LOC_H
#define LOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_data.h"
#include "ov_id.h"
#include "ov_msg.h"
#include "ov_node.h"

struct log_ctx;
struct ov_crypto;
struct ov_event;
struct ov_fetched;
struct ov_kind;
struct ov_node;
struct ov_statted;
struct rng;
struct loc;

#define LOC_TICK_MS	1000	/* due refreshes are looked for this often */
#define LOC_HOLD_MS	500	/* a storing peer's flood refusal: no stores
				   for so long */
#define LOC_PUBLISH_BATCH 8	/* registrations stored a tick, at most */
#define LOC_RETRY_MS	5000	/* a store that failed: again after about */
#define LOC_QUIET_MS	10000	/* store failures logged at most this often */
#define LOC_VALUE_MAX	4096	/* a raw value */
#define LOC_CONTACT_MAX	512	/* a registration's contact URI */
#define LOC_BINDINGS_MAX 16	/* bindings a resolve gives */

/* How a user signs: its key, and the certificate that goes along. */
struct loc_cred {
	const struct ov_crypto	*crypto;
	const uint8_t		*bucket;	/* GenericCertificate entries */
	size_t			 bucket_len;
};

/* The signing credentials of user aor: 0, or an errno with *err
 * (allocated) set. */
typedef int (*loc_cred_cb)(const char *aor, struct loc_cred *, char **err,
	    void *arg);

struct loc_cfg {
	const char	*overlay;	/* its name: AORs are user@overlay */
	int		 default_expires;	/* s, when none is given */
	int		 max_lifetime;		/* s, the most allowed */
	int64_t		 wall_offset_ms;	/* wall clock - now */
	loc_cred_cb	 cred;
	void		*cred_arg;
};

enum loc_op {
	LOC_OP_REGISTER,
	LOC_OP_REFRESH,		/* no caller waits */
	LOC_OP_UNREGISTER,
	LOC_OP_LOOKUP,		/* the bindings, as stored */
	LOC_OP_RESOLVE,		/* the bindings as contacts */
	LOC_OP_STORE,		/* a raw value */
	LOC_OP_FETCH,		/* raw values */
	LOC_OP_STAT,		/* their metadata */
	LOC_OP_ADVERTISE,	/* a relay's TURN-SERVICE value (no caller) */
	LOC_OP_RELAYS,		/* relays found by Find and Fetch */
	LOC_OP_PROXIES,		/* proxy peers found at the service key */
};

enum loc_error {
	LOC_OK,
	LOC_E_NO_REGISTRATION,	/* a lookup found no binding */
	LOC_E_OVERLAY,		/* the overlay failed: code, why */
};

/* A binding found by a lookup (a SipRegistration, RFC 7904 §3). */
struct loc_binding {
	bool		 has_node;	/* the key: the Node-ID that stored it */
	struct ov_id	 node;
	bool		 bad;		/* not a SipRegistration */
	char		*contact;	/* a URI; NULL: a destination list */
	struct ov_id	 dest[OV_SIPREG_DEST_MAX];
	bool		 dest_ok[OV_SIPREG_DEST_MAX];	/* a Node-ID */
	unsigned	 ndest;
	uint32_t	 expires;	/* s */
	char		 user[OV_USER_MAX];	/* who signed it */
};

/* A relay agent peer's TURN server (RFC 6940 §9), as found. */
struct loc_relay {
	struct addr	 addr;		/* where the TURN server answers */
	struct ov_id	 node;		/* the peer that advertises it */
	uint8_t		 iteration;	/* at H(node || iteration) */
};

/* A proxy peer (draft-marocco-p2psip-interwork), as found. */
struct loc_proxy {
	struct addr	 sip_tls;	/* where it takes SIP over TLS */
	struct ov_id	 node;		/* whose certificate answers there */
};

/* A place a resolve found: where to send the AOR's requests. */
struct loc_contact {
	char		*uri;		/* ";lr": a peer that forwards the
					   request as it is (a client's
					   gateway, RFC 6940 §4.2.1) */
	bool		 has_node;	/* the peer that answers there */
	struct ov_id	 node;
	/* we are node's gateway: on the connection it keeps to us (uri is
	 * the AOR, has_node set) */
	bool		 flow;
};

struct loc_result {
	enum loc_op	 op;
	uint64_t	 cookie;	/* the caller's */
	enum loc_error	 error;
	int		 code;		/* LOC_E_OVERLAY: an errno, or an RFC
					   6940 error code + 1000 */
	char		 why[OV_WHY_MAX];	/* the refusing peer's words */
	char		 aor[OV_USER_MAX];	/* "": a raw value's */
	uint32_t	 kind;
	struct ov_id	 res;
	uint64_t	 generation;
	unsigned	 nreplicas;	/* REGISTER, STORE */
	/* REGISTER: the registration as it stands (contact NULL: by
	 * destination list to this node) */
	bool		 has_reg;
	char		*contact;
	int		 expires;
	/* LOOKUP */
	struct loc_binding *bindings;
	unsigned	 nbindings;
	unsigned	 refused;	/* LOOKUP, FETCH: values that failed
					   their checks */
	/* FETCH, STAT: what the overlay gave (freed with the result) */
	struct ov_fetched *fetched;
	struct ov_statted *statted;
	/* RESOLVE: incomplete when a binding could not be reached */
	struct loc_contact *contacts;
	unsigned	 ncontacts;
	bool		 incomplete;
	/* RELAYS: distinct by address, in the order found */
	struct loc_relay *relays;
	unsigned	 nrelays;
	unsigned	 finds;		/* Finds it took; PROXIES: Fetches */
	/* PROXIES: distinct, in random order */
	struct loc_proxy *proxies;
	unsigned	 nproxies;
};

void	 loc_result_clear(struct loc_result *);

enum loc_action_type {
	LOC_ACT_RESULT,		/* a request with a cookie finished */
	LOC_ACT_HOST,		/* aor is (on), or is no longer, published
				   by destination list: this node's UA
				   takes its calls meanwhile */
	LOC_ACT_SAVE,		/* keep the registration across restarts */
	LOC_ACT_FORGET,		/* keep aor's no more */
};

struct loc_action {
	enum loc_action_type type;
	struct loc_result res;		/* RESULT: loc_action_clear frees */
	char		 aor[OV_USER_MAX];	/* HOST, SAVE, FORGET */
	bool		 on;			/* HOST */
	char		*contact;		/* SAVE; NULL: this node */
	int		 expires;		/* SAVE, s */
	int64_t		 created;		/* SAVE, Unix s */
};

void	 loc_action_clear(struct loc_action *);

/* cfg is copied (overlay too); node, rng and log are borrowed. */
int	 loc_new(struct loc **, const struct loc_cfg *, struct ov_node *,
	    struct rng *, const struct log_ctx *);
void	 loc_free(struct loc *);

/*
 * "alice", "alice@OVERLAY", "sip:alice@OVERLAY" -> "alice@OVERLAY" in
 * out.  false with *why if it is not an AOR of this overlay.
 */
bool	 loc_aor(const struct loc *, const char *in, char *out, size_t max,
	    const char **why);
/* A user name as users' certificates carry it: 1 to 127 of
 * [A-Za-z0-9._~+@-], not starting with '.'. */
bool	 loc_user_ok(const char *name);
/* A Kind by name ("sip-registration") or number; NULL: none known. */
const struct ov_kind *loc_kind(const char *name);
/* 32 hex digits: that Resource-ID; anything else: its hash. */
void	 loc_resource(const char *name, struct ov_id *res);

/*
 * A registration kept from an earlier run: published again as soon as
 * the node is in the overlay.
 */
void	 loc_load(struct loc *, const char *aor, const char *contact,
	    int expires, int64_t created);

/*
 * Requests.  Each returns 0 when it started (a RESULT action with cookie
 * follows), or an errno: with *err (allocated) saying why, or *err NULL
 * when the overlay node refused it (ENOTCONN, EBUSY...: the caller words
 * it).  aor: as loc_aor takes it.  A registration with cookie 0 is a
 * phone's, that nobody waits for: it is kept, stored at a later tick (in
 * the order phones came), and again until it is removed, also when the
 * node is not in the overlay yet or too busy (no RESULT follows).
 * contact NULL: by destination list to this node.  expires 0: the
 * configured default.
 */
int	 loc_register(struct loc *, uint64_t now, uint64_t cookie,
	    const char *aor, const char *contact, int expires, char **err);
int	 loc_unregister(struct loc *, uint64_t now, uint64_t cookie,
	    const char *aor, char **err);
int	 loc_lookup(struct loc *, uint64_t now, uint64_t cookie,
	    const char *aor, char **err);
int	 loc_resolve(struct loc *, uint64_t now, uint64_t cookie,
	    const char *aor, char **err);
/*
 * A raw value of kind where its policy puts it (§7.3): as user (an AOR)
 * for the Kinds users write, else as this node.  lifetime 0: the default.
 */
int	 loc_store_value(struct loc *, uint64_t now, uint64_t cookie,
	    const struct ov_kind *, const uint8_t *value, size_t len,
	    const char *user, uint32_t index, int lifetime, char **err);
/* Every value (stat: the metadata) of kind at res. */
int	 loc_fetch_values(struct loc *, uint64_t now, uint64_t cookie,
	    const struct ov_kind *, const struct ov_id *res, bool stat,
	    char **err);

/*
 * An event of the overlay node: true if it answers one of ours (STORED,
 * FETCHED, STAT, APP_ATTACH).  The answer to a raw fetch or stat is taken
 * over (ev->fetched or ev->statted becomes NULL, freed with the result);
 * whatever the event still carries stays the caller's to free.
 */
bool	 loc_input(struct loc *, uint64_t now, struct ov_event *);
/*
 * The core's work in time: loc_tick at loc_deadline (UINT64_MAX: idle; 0:
 * registrations wait to be stored and there is room, a batch a tick).
 * What loc_tick does is background work (stores, refreshes): a driver
 * may let its own requests' answers go first.
 */
void	 loc_tick(struct loc *, uint64_t now);
uint64_t loc_deadline(const struct loc *);
bool	 loc_next_action(struct loc *, struct loc_action *);

/*
 * Relay agent peers (RFC 6940 §9).  loc_relay_advertise: keep relay (a
 * TURN server beside this peer) stored as TURN-SERVICE at H(Node-ID || d)
 * for d = 1..density (at most LOC_RELAY_DENSITY_MAX), refreshed halfway
 * through its lifetime and tried again when a store fails, from the time
 * the node is in an overlay; relay NULL: no more (the values stored
 * expire).  0, or EINVAL (density out of range).
 *
 * loc_relay_search: find relays the way §9 says: Find TURN-SERVICE at a
 * random Resource-ID, Fetch what the storing peer names, go on from just
 * past it (R(n+1) = nearest(1 + R(n)), §7.4.4) and jump to another random
 * one when the walk comes round or finds nothing; stop after
 * LOC_RELAY_FINDS Finds or LOC_RELAYS_MAX relays.  A RESULT (RELAYS)
 * follows with the relays, none too (a failed step is skipped).
 */
#define LOC_RELAY_DENSITY_MAX	20	/* the Kind's max iteration */
#define LOC_RELAY_LIFETIME	1800	/* s, a stored TurnServer */
#define LOC_RELAY_FINDS		8
#define LOC_RELAYS_MAX		8
int	 loc_relay_advertise(struct loc *, uint64_t now, const struct addr *,
	    unsigned density);
int	 loc_relay_search(struct loc *, uint64_t now, uint64_t cookie,
	    char **err);
/* TurnServer values stored at least once this run, of density. */
unsigned loc_relay_advertised(const struct loc *, unsigned *density);

/*
 * Proxy peers (draft-marocco-p2psip-interwork).  loc_proxy_advertise:
 * keep this node stored as a proxy peer taking SIP over TLS at sip_tls
 * (NULL: no more; the values stored expire), a SIP-PROXY-PEER value at
 * each of the service key's Resource-IDs (ov_kind.h), refreshed and
 * retried as loc_relay_advertise's.  0, or EINVAL.
 *
 * loc_proxy_search: Fetch the proxy peers at one of the service key's
 * Resource-IDs, at random (the load spread over them), another if that
 * one has none, up to LOC_PROXY_FETCHES.  A RESULT (PROXIES) follows,
 * with up to LOC_PROXIES_MAX in random order, or none.
 */
#define LOC_PROXY_LIFETIME	600	/* s, a stored ProxyPeer */
#define LOC_PROXY_FETCHES	3
#define LOC_PROXIES_MAX		8
int	 loc_proxy_advertise(struct loc *, uint64_t now,
	    const struct addr *sip_tls);
int	 loc_proxy_search(struct loc *, uint64_t now, uint64_t cookie,
	    char **err);
/* ProxyPeer values stored at least once this run, of *spread. */
unsigned loc_proxy_advertised(const struct loc *, unsigned *spread);

/* The registrations this node publishes. */
struct loc_reg_info {
	const char	*aor;
	const char	*contact;	/* NULL: by destination list */
	int		 expires;
	bool		 published;	/* stored at least once this run */
	bool		 pending;	/* not stored yet, or being stored */
};
typedef void (*loc_reg_cb)(const struct loc_reg_info *, void *arg);
void	 loc_regs_each(const struct loc *, loc_reg_cb, void *arg);
unsigned loc_registrations(const struct loc *);
unsigned loc_publishing(const struct loc *);

#endif
