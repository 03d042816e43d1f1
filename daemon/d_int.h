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

#endif
