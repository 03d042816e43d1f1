/*
 * ctl_cmd.h - running control commands.
 *
 * The control socket (ctl.c) hands each request line to ctl_cmd_handle
 * (main.c wires them, through d_new), which parses it, checks it against
 * the command's spec (ctl_spec.h) and runs the command's exec function
 * from the tables in ctl_cmd_*.c.
 */
#ifndef CTL_CMD_H
#define CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct d;

/* One command being run. */
struct ctl_call {
	struct d	*d;
	unsigned	 client;	/* who asked */
	const json_t	*id;		/* the request's id; copy to keep */
	const json_t	*args;		/* checked against the spec */
	json_t		*result;	/* exec sets it (owned) on success */
	const char	*code;		/* set by ctl_call_fail */
	char		*message;
	unsigned	 flags;		/* CTL_CALL_* (ctl.h) */
	bool		 deferred;	/* exec will answer later:
					   ctl_call_defer */
};

typedef void (*ctl_exec_cb)(struct ctl_call *);

/* A string argument of the call, as its spec checked it (NULL: not
 * given). */
static inline const char *
arg_str(const struct ctl_call *call, const char *name)
{
	return json_string_value(json_object_get(call->args, name));
}

struct ctl_exec {
	const char	*name;
	ctl_exec_cb	 exec;
};

/* The call answers later, through the handle returned (ctl.h). */
struct ctl_defer *ctl_call_defer(struct ctl_call *);

/* Mark the call failed with an error code from ctl_proto.h. */
void	 ctl_call_fail(struct ctl_call *, const char *code, const char *fmt,
	    ...) __attribute__((__format__(__printf__, 3, 4)));

/*
 * Run one request line from client and return the answer line (allocated,
 * ending in "\n"), or NULL when the command answers later.  *flags gets
 * the call's CTL_CALL_* flags (ctl.h).
 */
char	*ctl_cmd_handle(struct d *, unsigned client, const char *line,
	    size_t len, unsigned *flags);

/*
 * Check that every command in the spec table has an exec function and
 * every exec function a spec.  false with *cause (allocated) if not.
 */
bool	 ctl_cmd_check_tables(char **cause);

/* The tables of ctl_cmd_*.c, each ending with a NULL name. */
extern const struct ctl_exec ctl_cmd_daemon_table[];
extern const struct ctl_exec ctl_cmd_overlay_table[];
extern const struct ctl_exec ctl_cmd_loc_table[];
extern const struct ctl_exec ctl_cmd_sip_table[];
extern const struct ctl_exec ctl_cmd_ua_table[];
extern const struct ctl_exec ctl_cmd_nat_table[];
extern const struct ctl_exec ctl_cmd_identity_table[];

/* The SIP figures of status (ctl_cmd_sip.c). */
json_t	*ctl_cmd_sip_status_json(struct d *);
json_t	*ctl_cmd_interwork_json(struct d *);

#endif
