/*
 * srv_loc.h - the location service's driver: runs the loc/ core under
 * libevent, keeps its registrations in the database, and hands each
 * request's result to whoever asked.
 */
#ifndef SRV_LOC_H
#define SRV_LOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr;
struct db;
struct event_base;
struct identity;
struct loc;
struct loc_cfg;
struct loc_result;
struct ov_event;
struct ov_node;
struct srv_loc;

/* What the driver tells the rest of the daemon. */
struct srv_loc_ops {
	/* the overlay node has requests to send: drain it (soon) */
	void	(*kick)(void *arg);
	/* aor is (on), or is no longer, this node's UA's (loc.h) */
	void	(*host)(const char *aor, bool on, void *arg);
	void	*arg;
};

/*
 * Run a location service on node ov (borrowed): the users' keys come
 * from ident, the registrations kept from db (both borrowed).  The
 * registrations an earlier run kept are published again once the node
 * is in the overlay.
 */
struct srv_loc *srv_loc_new(struct event_base *, const struct loc_cfg *,
	    struct ov_node *, struct identity *, struct db *,
	    const struct srv_loc_ops *);
void	 srv_loc_free(struct srv_loc *);

/* The core, for what it tells (loc_aor, loc_regs_each, counts). */
struct loc *srv_loc_core(const struct srv_loc *);

/*
 * A request's result, once (the result is borrowed for the call); NULL
 * when the request is abandoned (srv_loc_free): then cb only frees what
 * arg holds.  The requests take the core's arguments (loc.h) and return
 * as it does, with *err always set on failure; cb NULL: nobody waits (a
 * phone's registration).
 */
typedef void (*srv_loc_done_cb)(const struct loc_result *, void *arg);

int	 srv_loc_register(struct srv_loc *, const char *aor,
	    const char *contact, int expires, srv_loc_done_cb, void *arg,
	    char **err);
int	 srv_loc_unregister(struct srv_loc *, const char *aor,
	    srv_loc_done_cb, void *arg, char **err);
int	 srv_loc_lookup(struct srv_loc *, const char *aor, srv_loc_done_cb,
	    void *arg, char **err);
int	 srv_loc_resolve(struct srv_loc *, const char *aor, srv_loc_done_cb,
	    void *arg, char **err);
int	 srv_loc_store_value(struct srv_loc *, const char *kind,
	    const uint8_t *value, size_t len, const char *user,
	    uint32_t index, int lifetime, srv_loc_done_cb, void *arg,
	    char **err);
int	 srv_loc_fetch_values(struct srv_loc *, const char *kind,
	    const char *resource, bool stat, srv_loc_done_cb, void *arg,
	    char **err);

/* An event of the overlay node: true if it was the location service's. */
/* Relay agent peers (loc_relay_search, loc_relay_advertise). */
int	 srv_loc_relay_search(struct srv_loc *, srv_loc_done_cb, void *arg,
	    char **err);
void	 srv_loc_relay_advertise(struct srv_loc *, const struct addr *relay,
	    unsigned density);
/* Proxy peers (loc.h's loc_proxy_*): found, and this node advertised
 * (sip_tls NULL: no more). */
int	 srv_loc_proxy_search(struct srv_loc *, srv_loc_done_cb, void *arg,
	    char **err);
void	 srv_loc_proxy_advertise(struct srv_loc *, const struct addr *sip_tls);
bool	 srv_loc_input(struct srv_loc *, struct ov_event *);

/* The AORs published by destination list (registered with no contact). */
void	 srv_loc_hosted_each(const struct srv_loc *,
	    void (*cb)(const char *aor, void *arg), void *arg);

#endif
