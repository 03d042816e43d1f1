/*
 * ctl.h - the control socket server (STYLE.md §8).
 *
 * A Unix stream socket, mode 0600, open to the daemon's own uid and root
 * (SO_PEERCRED).  Many clients at once; each sends request lines and gets
 * answer lines in order; after "subscribe" it also gets event lines.  A
 * client that never sends, sends half a line or stops reading costs a
 * bounded amount of memory and blocks nobody.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>

#include <jansson.h>

struct ctl;
struct event_base;

/* Connections served at once; more get a "busy" error and are closed. */
#define CTL_CLIENTS_MAX		64
/* Output queued for one client before it is dropped as too slow. */
#define CTL_OUTPUT_MAX		(4 * 1024 * 1024)

/* After a request's answer is written (a handler's *flags): */
#define CTL_CALL_SUBSCRIBE	0x1	/* send this client events */

/*
 * What runs a request: given client's line (len bytes, without its
 * newline), it returns the answer line (allocated, ending in "\n"), or
 * NULL when the answer comes later (ctl_complete), and sets *flags
 * (CTL_CALL_*).
 */
typedef char *(*ctl_handle_cb)(unsigned client, const char *line,
	    size_t len, unsigned *flags, void *arg);

/*
 * Bind the socket at path.  Refuses (EADDRINUSE) when a daemon answers
 * there already; removes a stale socket; creates the parent directory
 * (mode 0700) if it is missing.  Each request line goes to handle(arg).
 */
int	 ctl_new(struct ctl **out, struct event_base *, const char *path,
	    ctl_handle_cb handle, void *arg, char **cause);

typedef void (*ctl_done_cb)(void *arg);

/*
 * Begin shutting down: stop listening (and unlink the socket), close every
 * client once what is queued for it has been written, and call done(arg)
 * when no client is left (from the event loop, never from inside this
 * call).
 */
void	 ctl_shutdown(struct ctl *, ctl_done_cb done, void *arg);

/* Close everything at once and unlink the socket if still bound. */
void	 ctl_free(struct ctl *);

/* Send {"event":event, ...fields} to every subscriber; fields borrowed. */
void	 ctl_event(struct ctl *, const char *event, const json_t *fields);

unsigned ctl_nclients(const struct ctl *);

/*
 * An answer owed to a control client: a command that answers later takes
 * one (ctl_call_defer), and whoever finishes the work answers through it.
 * ctl_complete sends the result (taken over) or, with code set, the error
 * (nothing if the client has gone) and frees the handle; ctl_defer_drop
 * frees it unanswered (shutting down).  Every handle ends in one of them.
 */
struct ctl_defer;

struct ctl_defer *ctl_defer_new(struct ctl *, unsigned client,
	    const json_t *id);
void	 ctl_complete(struct ctl_defer *, json_t *result, const char *code,
	    const char *message);
void	 ctl_defer_drop(struct ctl_defer *);
/* Milliseconds since the request came in (for "ms" in results). */
double	 ctl_defer_ms(const struct ctl_defer *);

#endif
