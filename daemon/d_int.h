/*
 * d_int.h - what the files of the daemon share: d.c (set-up, signals,
 * reload, clean shutdown) and d_wire.c (the drivers, wired together).
 */
#ifndef D_INT_H
#define D_INT_H

struct d;

/*
 * d_wire.c: start the drivers (overlay, location service, SIP, the UA),
 * each told what to tell the others and the event stream.  0, or an
 * errno with *cause (d_wire_free undoes what was done).
 */
int	 d_wire_new(struct d *, char **cause);
/* Free the drivers, the UA first.  Any of them may be missing. */
void	 d_wire_free(struct d *);
/*
 * Find the overlay's relays for the allocation.  cb NULL: what is found
 * goes to the allocation; else to cb (srv_loc_done_cb), which hands it on
 * with srv_relay_set.  0, or an errno with *err (allocated): ENOTSUP
 * without relay credentials.
 */
struct loc_result;
int	 d_relay_search(struct d *, void (*cb)(const struct loc_result *,
	    void *), void *arg, char **err);

/*
 * d_interwork.c.  d_interwork_servers is the SIP driver's dns op: the
 * next hops for uri, another domain's (done later, or at once; 0, or
 * ENOTSUP: none can be found).  d_interwork_advertise: a proxy peer
 * advertises itself in the overlay.
 */
#include <stdbool.h>
struct sip_res_target;
typedef void (*d_servers_done)(int status, const char *why,
	    const struct sip_res_target *, unsigned n, void *arg);
int	 d_interwork_servers(const char *uri, bool tls, d_servers_done done,
	    void *done_arg, void *arg);
void	 d_interwork_advertise(struct d *);

#endif
