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

#endif
