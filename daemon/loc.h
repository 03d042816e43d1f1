/*
 * loc.h - the location service: registrations and raw values in the
 * overlay (RFC 6940 §6.4, §7; SIP usage RFC 7904).
 *
 * A registration binds an AOR of the overlay (user@OVERLAY) to a contact
 * URI, or to this node (a destination list through the overlay: peers
 * reach it by AppAttach, and the daemon's UA takes the calls).  It is
 * signed with the user's own key (identity_user), stored as the
 * SIP-REGISTRATION dictionary entry keyed by this node's Node-ID at
 * Resource-ID hash("user@OVERLAY"), kept in the data dir and refreshed
 * before it expires, until removed; after a restart it is published
 * again.  Lookups fetch every binding and verify each.
 *
 * Control commands call in with their client and request id; the answer
 * comes when the overlay does (ctl_answer).
 */
#ifndef LOC_H
#define LOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct d;
struct loc;
struct ov_event;

struct loc	*loc_new(struct d *);
void		 loc_free(struct loc *);

/*
 * "alice", "alice@OVERLAY", "sip:alice@OVERLAY" -> "alice@OVERLAY" in
 * out.  false with *why if it is not an AOR of this overlay.
 */
bool	 loc_aor(const struct loc *, const char *in, char *out, size_t max,
	    const char **why);

/*
 * Each starts a request and answers the control client later; on an
 * immediate failure returns non-zero with *err (allocated) set and answers
 * nothing.  contact NULL: this node.  expires 0: the configured default.
 */
int	 loc_register(struct loc *, unsigned client, const json_t *id,
	    const char *aor, const char *contact, int expires, char **err);
int	 loc_unregister(struct loc *, unsigned client, const json_t *id,
	    const char *aor, char **err);
int	 loc_lookup(struct loc *, unsigned client, const json_t *id,
	    const char *aor, char **err);
/*
 * Look aor ("user@OVERLAY") up for the daemon itself: cb gets the
 * lookup's result (as p2psipctl lookup's) or an error, once.  Non-zero
 * with *err if it could not start (cb is then not called).
 */
typedef void (*loc_done_cb)(const json_t *result, const char *err,
	    void *arg);
int	 loc_lookup_cb(struct loc *, const char *aor, loc_done_cb, void *arg,
	    char **err);
/* A raw value of kind (a name or number) where its policy puts it. */
int	 loc_store(struct loc *, unsigned client, const json_t *id,
	    const char *kind, const char *value, bool hex, const char *user,
	    int index, int lifetime, char **err);
/* Every value (or with stat, the metadata) of kind at resource: 32 hex
 * digits, or a name that is hashed. */
int	 loc_fetch(struct loc *, unsigned client, const json_t *id,
	    const char *kind, const char *resource, bool stat, char **err);

/* A storage event of the overlay core (STORED, FETCHED, STAT). */
void	 loc_event(struct loc *, const struct ov_event *);

/*
 * The AORs this node publishes by destination list (registered with no
 * contact): the daemon's UA takes their calls (srv_ua_host, which the
 * location service calls as they come and go).
 */
void	 loc_hosted_each(const struct loc *, void (*cb)(const char *aor,
	    void *arg), void *arg);

/* Registrations published by this node, for status. */
unsigned loc_registrations(const struct loc *);
/* Registrations not stored yet, or being stored again. */
unsigned loc_publishing(const struct loc *);
/* The registrations as a JSON array. */
json_t	*loc_registrations_json(const struct loc *);

#endif
