/*
 * ctl_spec.h - what each control command takes.
 *
 * One table (ctl_spec.c) describes every command's arguments.  The daemon
 * checks requests against it; p2psipctl turns its command line into the
 * request's "args" with it and prints help from it; the usage strings are
 * generated from it, so they can't drift.  The daemon binds each entry to
 * the function that runs it in ctl_cmd.c.
 */
#ifndef CTL_SPEC_H
#define CTL_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum ctl_arg_type {
	CTL_ARG_STRING,
	CTL_ARG_INT,
	CTL_ARG_BOOL,		/* "--name" on the command line */
	CTL_ARG_PATH,		/* a string; p2psipctl makes it absolute */
};

#define CTL_ARG_REQUIRED	0x1
#define CTL_ARG_POSITIONAL	0x2	/* given without "--name" */
#define CTL_ARG_CLIENT		0x4	/* p2psipctl's own: never sent */
/* A secret (a string): sent, but never from p2psipctl's command line,
 * where ps shows it; p2psipctl reads it from --NAME-file's first line,
 * else $P2PSIPD_NAME, else the terminal */
#define CTL_ARG_SECRET		0x8
#define CTL_ARG_SECRET_NEW	0x10	/* a new one: the terminal asks twice */

struct ctl_arg {
	const char		*name;
	enum ctl_arg_type	 type;
	unsigned		 flags;
	long long		 min, max;	/* CTL_ARG_INT bounds */
	const char		*help;
};

#define CTL_CMD_READONLY	0x1	/* changes nothing */
#define CTL_CMD_STREAM		0x2	/* the connection becomes an event
					   stream after the answer */

struct ctl_spec {
	const char		*name;
	const char		*alias;	/* p2psipctl's name, if different */
	const char		*summary;
	const struct ctl_arg	*args;	/* terminated by a NULL name */
	unsigned		 flags;
};

/* The command named name (or, if alias is true, whose alias it is). */
const struct ctl_spec *ctl_spec_find(const char *name, bool alias);
/* All commands, in the order help lists them; *n is set. */
const struct ctl_spec *ctl_spec_all(size_t *n);

/*
 * "log-level [LEVEL]": an allocated usage line built from the args; with
 * cli true, as p2psipctl takes it (its alias, its own options).
 */
char	*ctl_spec_usage(const struct ctl_spec *, bool cli);

/*
 * Check a request's args object against the spec: no unknown members (a
 * CTL_ARG_CLIENT one counts as unknown when client is false),
 * every value of its type and within bounds, every required one present.
 * 0, or EINVAL with *msg set (allocated).
 */
int	 ctl_spec_check(const struct ctl_spec *, const json_t *args,
	    bool client, char **msg);

/*
 * Build the args object from a command line (argv after the command
 * name).  Words that are not options go to the positional arguments in
 * order, but an optional one takes a word only when there are more
 * than the required ones need ("[CALL] DIGITS": one word is DIGITS).
 * Relative CTL_ARG_PATH values are made absolute against cwd.
 * CTL_ARG_CLIENT values are included; the caller takes them out before
 * sending.  0 and *out set (caller decrefs), or EINVAL with *msg set
 * (allocated).
 */
int	 ctl_spec_parse_argv(const struct ctl_spec *, int argc,
	    const char *const *argv, const char *cwd, json_t **out, char **msg);

/* The table as JSON, for the help command: one command or all. */
json_t	*ctl_spec_to_json(const struct ctl_spec *);

#endif
