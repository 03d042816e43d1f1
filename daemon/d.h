/*
 * d.h - the running daemon: its event loop, config, store, control
 * socket and drivers, and the lifecycle operations the control commands
 * call.  Only main.c and the control commands (ctl_cmd*.c) see it; the
 * drivers are told what they need (d_wire.c).
 */
#ifndef D_H
#define D_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "log.h"

struct cfg;
struct cfg_change;
struct ctl;
struct db;
struct event;
struct event_base;
struct identity;
struct srv_loc;
struct srv_nat;
struct srv_relay;
struct srv_anchor;
struct srv_dns;
struct sip_res_target;
struct srv_overlay;
struct srv_sip;
struct srv_ua;

enum d_state {
	D_RUNNING,
	D_STOPPING,
};

struct d {
	struct event_base	*base;
	struct cfg		*cfg;		/* the config in effect */
	const char		*cfg_file;	/* -c FILE, or NULL */
	const char *const	*overrides;	/* -o, re-applied on reload */
	size_t			 noverrides;
	struct db		*db;
	struct ctl		*ctl;
	struct identity		*ident;
	struct srv_nat		*nat;		/* STUN, NAT discovery */
	struct srv_relay	*relay;		/* a TURN allocation, or NULL */
	struct srv_anchor	*anchor;	/* phones' media relays, or
						   NULL ([media] anchor off) */
	struct event		*relay_retry;	/* search again for relays */
	struct srv_overlay	*ov;
	char			 mode_why[160];	/* why a peer, or a client */
	uint64_t		 gw_ask;	/* a client: the AppAttach for
						   its gateway's SIP, 0: none */
	struct event		*gw_retry;	/* ... asked again */
	struct srv_loc		*loc;		/* the location service */
	struct srv_sip		*sip;		/* SIP for local phones */
	struct srv_ua		*ua;		/* the daemon's own UA */
	struct srv_dns		*dns;		/* RFC 3263 (interworking) */
	/* not a proxy peer: the overlay's, as last found (d_interwork.c) */
	struct sip_res_target	*proxies;	/* LOC_PROXIES_MAX */
	unsigned		 nproxies, proxies_next;
	uint64_t		 proxies_until;	/* monotonic ms */
	bool			 ov_left;	/* stopping: overlay has left */
	bool			 ctl_done;	/* stopping: clients drained */
	struct event		*ev_term, *ev_int, *ev_hup;
	struct event		*ev_stop;	/* shutdown deadline */
	struct event		*ev_trim;	/* memory back to the system */
	/* the store's batch of writes committed: when the loop has
	 * nothing else to do, at the latest D_FLUSH_MS after it opened */
	struct event		*ev_flush, *ev_flush_late;
	int			 lock_fd;
	enum d_state		 state;
	uint64_t		 start_ms;	/* monotonic */
	int64_t			 start_time;	/* wall clock, Unix seconds */
	long long		 starts;	/* runs of this data dir */
	const char		*previous_exit;	/* "clean", "unclean", "none" */
};

/*
 * Set up a daemon from cfg (which it takes over): create the data dir,
 * take its lock, open the store, bind the control socket, whose requests
 * go to handle (its argument: the daemon), start the drivers, catch
 * signals.  cfg_file and overrides are kept (borrowed) for reloads.  0
 * and *out set, or an errno-style code with *cause allocated.
 */
int	 d_new(struct d **out, struct cfg *cfg, const char *cfg_file,
	    const char *const *overrides, size_t noverrides,
	    ctl_handle_cb handle, char **cause);

/* Run the event loop until d_stop; returns the exit status. */
int	 d_run(struct d *);

/* Close everything in order (control socket, store, lock).  NULL ok. */
void	 d_free(struct d *);

/*
 * Begin a clean shutdown; reason goes to the log and the event stream.
 * The node leaves the overlay (RFC 6940 §10.9) and control clients get
 * their last answers before the loop ends, within D_STOP_GRACE_MS.
 */
#define D_STOP_GRACE_MS	3000
#define D_TRIM_S	10	/* d_trim */
#define D_FLUSH_MS	100	/* d_flush */
void	 d_stop(struct d *, const char *reason);

/*
 * Re-read the config file with the same overrides and apply what can
 * change at run time.  On success returns 0 and fills pending (room for
 * D_PENDING_MAX) with the *npending keys that differ from the config in
 * effect but need a restart; on error returns non-zero with *cause set
 * (allocated) and changes nothing.
 */
#define D_PENDING_MAX	64
int	 d_reload(struct d *, struct cfg_change *pending, size_t *npending,
	    char **cause);

void	 d_set_log_level(struct d *, enum log_level);

/* Seconds since start. */
uint64_t d_uptime(const struct d *);

const char *d_state_name(enum d_state);

/*
 * What an overlay request's error (an errno, or an RFC 6940 error code +
 * 1000) means, for a control client (allocated): with why, the refusing
 * peer's reason (NULL or "": none given).
 */
char	*d_overlay_error(int error, const char *why);

#endif
