/*
 * ctl_spec.c - the control commands' argument table.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_spec.h"
#include "xmalloc.h"

static const struct ctl_arg no_args[] = { { NULL, 0, 0, 0, 0, NULL } };

static const struct ctl_arg help_args[] = {
	{ "command", CTL_ARG_STRING, CTL_ARG_POSITIONAL, 0, 0,
	    "the command to describe" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg log_level_args[] = {
	{ "level", CTL_ARG_STRING, CTL_ARG_POSITIONAL, 0, 0,
	    "error, warn, info or debug; without it, show the level" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg subscribe_args[] = {
	{ "count", CTL_ARG_INT, CTL_ARG_CLIENT, 1, 1000000,
	    "exit after COUNT events" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg nat_args[] = {
	{ "probe", CTL_ARG_BOOL, 0, 0, 0,
	    "discover again now and wait for the result (a few seconds)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg relays_args[] = {
	{ "search", CTL_ARG_BOOL, 0, 0, 0,
	    "look for relays in the overlay now and use what is found" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg route_args[] = {
	{ "name", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "a resource name, e.g. an AOR; its Resource-ID is routed to" },
	{ "iterative", CTL_ARG_BOOL, 0, 0, 0,
	    "ask node after node with RouteQuery instead of routing a Ping" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg probe_args[] = {
	{ "target", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "a Node-ID (32 hex digits), or a resource name: the node "
	    "responsible for it is probed" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg trace_args[] = {
	{ "action", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "start or stop" },
	{ "file", CTL_ARG_PATH, CTL_ARG_POSITIONAL, 0, 0,
	    "the pcap file to write (start)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg register_args[] = {
	{ "aor", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "user@OVERLAY, sip:user@OVERLAY, or just user" },
	{ "contact", CTL_ARG_STRING, CTL_ARG_POSITIONAL, 0, 0,
	    "a contact URI; without it, a destination list naming this "
	    "node, whose UA takes the calls (needs [sip] tls_listen)" },
	{ "expires", CTL_ARG_INT, 0, 10, 31536000,
	    "lifetime in seconds, refreshed until unregister "
	    "(default [storage] registration_expires)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg aor_args[] = {
	{ "aor", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "user@OVERLAY, sip:user@OVERLAY, or just user" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg store_args[] = {
	{ "kind", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "sip-registration, turn-service, certificate-by-node, "
	    "certificate-by-user, or a Kind-ID" },
	{ "value", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "the value (text, or hex digits with --hex)" },
	{ "hex", CTL_ARG_BOOL, 0, 0, 0, "VALUE is hex digits" },
	{ "user", CTL_ARG_STRING, 0, 0, 0,
	    "write as this user (Kinds of users: at hash(USER))" },
	{ "index", CTL_ARG_INT, 0, 0, 255,
	    "array index; turn-service: the i of hash(Node-ID || i)" },
	{ "lifetime", CTL_ARG_INT, 0, 1, 31536000,
	    "seconds (default [storage] registration_expires)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg fetch_args[] = {
	{ "kind", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "a Kind name or Kind-ID, as for store" },
	{ "resource", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "a Resource-ID (32 hex digits) or a name that is hashed" },
	{ "stat", CTL_ARG_BOOL, 0, 0, 0,
	    "only the values' metadata (Stat): length, digest, times" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg ua_args[] = {
	{ "action", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "add, remove or list" },
	{ "aor", CTL_ARG_STRING, CTL_ARG_POSITIONAL, 0, 0,
	    "user, or user@OVERLAY (add, remove)" },
	{ "answer", CTL_ARG_STRING, 0, 0, 0,
	    "ring, auto or reject (add; default [ua] answer)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg call_args[] = {
	{ "target", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "an AOR of the overlay (user or user@OVERLAY) or a SIP URI" },
	{ "from", CTL_ARG_STRING, 0, 0, 0,
	    "the AOR of ours to call from (default: the first)" },
	{ "play", CTL_ARG_PATH, 0, 0, 0,
	    "a WAV file to play (PCM, 8-48 kHz, mono or stereo)" },
	{ "record", CTL_ARG_PATH, 0, 0, 0,
	    "a WAV file to record what is heard into" },
	{ "duration", CTL_ARG_INT, 0, 1, 86400,
	    "hang up this many seconds after the answer" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg answer_args[] = {
	{ "call", CTL_ARG_INT, CTL_ARG_POSITIONAL, 1, 4294967295LL,
	    "the call (default: the one ringing longest)" },
	{ "play", CTL_ARG_PATH, 0, 0, 0, "a WAV file to play" },
	{ "record", CTL_ARG_PATH, 0, 0, 0,
	    "a WAV file to record what is heard into" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg hangup_args[] = {
	{ "call", CTL_ARG_INT, CTL_ARG_POSITIONAL, 1, 4294967295LL,
	    "the call (default: the newest)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg dtmf_args[] = {
	{ "call", CTL_ARG_INT, CTL_ARG_POSITIONAL, 1, 4294967295LL,
	    "the call (default: the newest)" },
	{ "digits", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "0-9, *, #, A-D: sent as RFC 4733 telephone-events" },
	{ "duration", CTL_ARG_INT, 0, 40, 8000,
	    "each digit's tone in ms (default 100)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg message_args[] = {
	{ "target", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "an AOR of the overlay or a SIP URI" },
	{ "text", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "the message (plain text)" },
	{ "from", CTL_ARG_STRING, 0, 0, 0,
	    "the AOR of ours to send from (default: the first)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg register_public_args[] = {
	{ "aor", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "the public AOR, user@domain of another domain" },
	{ "registrar", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "its registrar, a SIP URI (sip:domain)" },
	{ "user", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0,
	    0, "the Digest user name there" },
	{ "password-file", CTL_ARG_PATH, CTL_ARG_CLIENT, 0, 0,
	    "the Digest password is this file's first line (else "
	    "$P2PSIPD_PASSWORD, else the terminal is asked)" },
	{ "password", CTL_ARG_STRING, CTL_ARG_SECRET, 0, 0,
	    "the Digest password there" },
	{ "contact", CTL_ARG_STRING, 0, 0, 0,
	    "the AOR of ours registered there (default: the UA's first)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg unregister_public_args[] = {
	{ "aor", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "the public AOR register-public registered" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg resolve_args[] = {
	{ "uri", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0,
	    0, "a sip: or sips: URI" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg history_args[] = {
	{ "limit", CTL_ARG_INT, 0, 1, 10000,
	    "the newest LIMIT messages (default 50)" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg id_export_args[] = {
	{ "aor", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "the user: user, user@OVERLAY or sip:user@OVERLAY" },
	{ "file", CTL_ARG_PATH, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "the PKCS #12 file to write (mode 0600)" },
	{ "passphrase-file", CTL_ARG_PATH, CTL_ARG_CLIENT, 0, 0,
	    "the passphrase is this file's first line (else "
	    "$P2PSIPD_PASSPHRASE, else the terminal is asked)" },
	{ "passphrase", CTL_ARG_STRING, CTL_ARG_SECRET | CTL_ARG_SECRET_NEW,
	    0, 0, "the passphrase that encrypts the file, 8 to 1024 "
	    "characters" },
	{ "force", CTL_ARG_BOOL, 0, 0, 0, "replace FILE if it exists" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_arg id_import_args[] = {
	{ "file", CTL_ARG_PATH, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED, 0, 0,
	    "a file identity export wrote, on a node of this overlay" },
	{ "passphrase-file", CTL_ARG_PATH, CTL_ARG_CLIENT, 0, 0,
	    "the passphrase is this file's first line (else "
	    "$P2PSIPD_PASSPHRASE, else the terminal is asked)" },
	{ "passphrase", CTL_ARG_STRING, CTL_ARG_SECRET, 0, 0,
	    "the passphrase the file was exported with" },
	{ "force", CTL_ARG_BOOL, 0, 0, 0,
	    "replace another key this node holds for the user" },
	{ NULL, 0, 0, 0, 0, NULL }
};

static const struct ctl_spec ctl_specs[] = {
	{ "status", NULL, "show the node's state, version and uptime",
	    no_args, CTL_CMD_READONLY },
	{ "ring", NULL, "this node's predecessors, successors and fingers",
	    no_args, CTL_CMD_READONLY },
	{ "peers", NULL, "open overlay links: Node-ID, address, age, bytes",
	    no_args, CTL_CMD_READONLY },
	{ "route", NULL, "find the node responsible for NAME, and the path",
	    route_args, CTL_CMD_READONLY },
	{ "probe", NULL, "ask a node its share of the ring and its uptime",
	    probe_args, CTL_CMD_READONLY },
	{ "leave", NULL, "leave the overlay gracefully (stay up, alone)",
	    no_args, 0 },
	{ "join", NULL, "join the overlay again after leave",
	    no_args, 0 },
	{ "trace", NULL, "start or stop writing overlay messages to a pcap",
	    trace_args, 0 },
	{ "register", NULL, "publish a binding for AOR in the overlay",
	    register_args, 0 },
	{ "unregister", NULL, "remove this node's binding for AOR",
	    aor_args, 0 },
	{ "lookup", NULL, "every binding of AOR: contact or route, node, "
	    "expiry", aor_args, CTL_CMD_READONLY },
	{ "published", NULL, "the registrations this node publishes",
	    no_args, CTL_CMD_READONLY },
	{ "registrations", NULL, "the phones registered here: AOR, contact, "
	    "expiry", no_args, CTL_CMD_READONLY },
	{ "resolve", NULL, "the servers a SIP URI's requests go to, in the "
	    "order to try them (RFC 3263: NAPTR, SRV, A/AAAA)", resolve_args,
	    CTL_CMD_READONLY },
	{ "ua", NULL, "the AORs the daemon's own UA answers for: add, "
	    "remove, list", ua_args, 0 },
	{ "call", NULL, "call TARGET from the daemon's UA, with a WAV to "
	    "play and one to record", call_args, 0 },
	{ "answer", NULL, "answer a call ringing at the daemon's UA",
	    answer_args, 0 },
	{ "hangup", NULL, "end a call of the daemon's UA (cancel, reject or "
	    "bye)", hangup_args, 0 },
	{ "register-public", NULL, "register an AOR of ours as a contact of "
	    "a public AOR at another domain's registrar, through a proxy "
	    "peer (this daemon, or one found in the overlay), kept refreshed",
	    register_public_args, 0 },
	{ "unregister-public", NULL, "end a public registration "
	    "(register-public)", unregister_public_args, 0 },
	{ "refresh", NULL, "re-INVITE a call of the daemon's UA with its "
	    "media as it is (the dialog checked on its path)", hangup_args,
	    0 },
	{ "dtmf", NULL, "send DTMF digits on a call of the daemon's UA "
	    "(telephone-events)", dtmf_args, 0 },
	{ "calls", NULL, "the UA's calls: state, peer, codec, SRTP, "
	    "duration, packets", no_args, CTL_CMD_READONLY },
	{ "message", NULL, "send TEXT to TARGET (SIP MESSAGE); waits for "
	    "the final response", message_args, 0 },
	{ "history", NULL, "the messages sent and received, oldest first",
	    history_args, CTL_CMD_READONLY },
	{ "identity-export", "identity export", "write a user's key and "
	    "certificate to FILE, encrypted", id_export_args, 0 },
	{ "identity-import", "identity import", "take a user's key from "
	    "FILE: this node publishes for the user too", id_import_args, 0 },
	{ "identity-list", "identity list", "the users this node holds keys "
	    "for, with the keys' ids", no_args, CTL_CMD_READONLY },
	{ "store", NULL, "store a raw value of a Kind where its policy puts "
	    "it", store_args, 0 },
	{ "fetch", NULL, "fetch (or stat) the values of a Kind at a resource",
	    fetch_args, CTL_CMD_READONLY },
	{ "nat", NULL, "this host's addresses as seen from outside "
	    "(STUN) and its NAT's behaviour", nat_args, CTL_CMD_READONLY },
	{ "relays", NULL, "the relay this node offers, the relays found in "
	    "the overlay (TURN), the allocation, the phones' media relays",
	    relays_args, 0 },
	{ "log-level", NULL, "show or set the log level",
	    log_level_args, 0 },
	{ "reload", NULL, "re-read the config file (as SIGHUP does)",
	    no_args, 0 },
	{ "subscribe", "events", "stream events as they happen",
	    subscribe_args, CTL_CMD_READONLY | CTL_CMD_STREAM },
	{ "shutdown", NULL, "stop the daemon cleanly",
	    no_args, 0 },
	{ "hello", NULL, "show the control protocol version",
	    no_args, CTL_CMD_READONLY },
	{ "help", NULL, "list the commands, or describe one",
	    help_args, CTL_CMD_READONLY },
};
#define CTL_NSPECS	(sizeof ctl_specs / sizeof ctl_specs[0])

const struct ctl_spec *
ctl_spec_find(const char *name, bool alias)
{
	size_t	i;

	for (i = 0; i < CTL_NSPECS; i++) {
		if (strcmp(ctl_specs[i].name, name) == 0)
			return &ctl_specs[i];
		if (alias && ctl_specs[i].alias != NULL &&
		    strcmp(ctl_specs[i].alias, name) == 0)
			return &ctl_specs[i];
	}
	return NULL;
}

const struct ctl_spec *
ctl_spec_all(size_t *n)
{
	*n = CTL_NSPECS;
	return ctl_specs;
}

static const char *
ctl_arg_type_name(enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_STRING:	return "string";
	case CTL_ARG_INT:	return "integer";
	case CTL_ARG_BOOL:	return "boolean";
	case CTL_ARG_PATH:	return "path";
	}
	return "?";
}

/* "a string", "an integer": for messages. */
static const char *
ctl_arg_type_article(enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_STRING:	return "a string";
	case CTL_ARG_INT:	return "an integer";
	case CTL_ARG_BOOL:	return "a boolean";
	case CTL_ARG_PATH:	return "an absolute path";
	}
	return "?";
}

/* Append "s" to *buf (allocated). */
static void
ctl_cat(char **buf, const char *s)
{
	size_t	a = strlen(*buf), b = strlen(s);

	*buf = xrealloc(*buf, a + b + 1);
	memcpy(*buf + a, s, b + 1);
}

static char *
ctl_upper(const char *s)
{
	char	*u = xstrdup(s), *p;

	for (p = u; *p != '\0'; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	return u;
}

char *
ctl_spec_usage(const struct ctl_spec *spec, bool cli)
{
	const struct ctl_arg	*a;
	char			*u, *up, *part;

	u = xstrdup(cli && spec->alias != NULL ? spec->alias : spec->name);
	for (a = spec->args; a->name != NULL; a++) {
		if ((!cli && (a->flags & CTL_ARG_CLIENT)) ||
		    (cli && (a->flags & CTL_ARG_SECRET)))
			continue;
		up = ctl_upper(a->name);
		if (a->flags & CTL_ARG_POSITIONAL)
			part = xasprintf(a->flags & CTL_ARG_REQUIRED ?
			    " %s" : " [%s]", up);
		else if (a->type == CTL_ARG_BOOL)
			part = xasprintf(" [--%s]", a->name);
		else
			part = xasprintf(a->flags & CTL_ARG_REQUIRED ?
			    " --%s %s" : " [--%s %s]", a->name, up);
		ctl_cat(&u, part);
		free(part);
		free(up);
	}
	return u;
}

static const struct ctl_arg *
ctl_arg_find(const struct ctl_spec *spec, const char *name)
{
	const struct ctl_arg	*a;

	for (a = spec->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static int
ctl_check_value(const struct ctl_arg *a, const json_t *v, char **msg)
{
	long long	i;

	switch (a->type) {
	case CTL_ARG_STRING:
	case CTL_ARG_PATH:
		if (!json_is_string(v))
			break;
		if (a->type == CTL_ARG_PATH &&
		    (json_string_value(v)[0] != '/' ||
		    json_string_length(v) >= PATH_MAX)) {
			*msg = xasprintf("argument \"%s\" must be an absolute "
			    "path", a->name);
			return EINVAL;
		}
		return 0;
	case CTL_ARG_INT:
		if (!json_is_integer(v))
			break;
		i = json_integer_value(v);
		if (a->min != a->max && (i < a->min || i > a->max)) {
			*msg = xasprintf("argument \"%s\" must be between %lld "
			    "and %lld", a->name, a->min, a->max);
			return EINVAL;
		}
		return 0;
	case CTL_ARG_BOOL:
		if (json_is_boolean(v))
			return 0;
		break;
	}
	*msg = xasprintf("argument \"%s\" must be %s", a->name,
	    ctl_arg_type_article(a->type));
	return EINVAL;
}

int
ctl_spec_check(const struct ctl_spec *spec, const json_t *args, bool client,
    char **msg)
{
	const struct ctl_arg	*a;
	const char		*key;
	json_t			*v;

	json_object_foreach((json_t *)args, key, v) {
		if ((a = ctl_arg_find(spec, key)) == NULL ||
		    (!client && (a->flags & CTL_ARG_CLIENT))) {
			*msg = xasprintf("%s takes no argument \"%.64s\"",
			    spec->name, key);
			return EINVAL;
		}
		if (ctl_check_value(a, v, msg) != 0)
			return EINVAL;
	}
	for (a = spec->args; a->name != NULL; a++) {
		if ((a->flags & CTL_ARG_REQUIRED) &&
		    json_object_get(args, a->name) == NULL) {
			*msg = xasprintf("%s needs argument \"%s\"",
			    spec->name, a->name);
			return EINVAL;
		}
	}
	return 0;
}

/* The JSON value of one command-line word for argument a. */
static json_t *
ctl_argv_value(const struct ctl_arg *a, const char *word, const char *cwd,
    char **msg)
{
	long long	 i;
	char		*end, *abs = NULL;
	json_t		*v;

	switch (a->type) {
	case CTL_ARG_INT:
		errno = 0;
		i = strtoll(word, &end, 10);
		if (*word == '\0' || *end != '\0' || errno != 0) {
			*msg = xasprintf("%s: not an integer: %s", a->name,
			    word);
			return NULL;
		}
		return json_integer(i);
	case CTL_ARG_BOOL:
		return json_true();
	case CTL_ARG_PATH:
		if (word[0] != '/' && cwd != NULL)
			word = abs = xasprintf("%s/%s", cwd, word);
		break;
	case CTL_ARG_STRING:
		break;
	}
	if ((v = json_string(word)) == NULL)
		*msg = xasprintf("%s: not valid UTF-8", a->name);
	free(abs);
	return v;
}

int
ctl_spec_parse_argv(const struct ctl_spec *spec, int argc,
    const char *const *argv, const char *cwd, json_t **out, char **msg)
{
	const struct ctl_arg	 *a;
	const char		**words;
	json_t			 *args, *v;
	char			 *up;
	int			  i, nw = 0, npos = 0, spare, rc = EINVAL;

	for (a = spec->args; a->name != NULL; a++)
		if (a->flags & CTL_ARG_POSITIONAL)
			npos++;
	words = xreallocarray(NULL, (size_t)argc + 1, sizeof *words);
	args = json_object();
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0') {
			if (nw == npos) {
				*msg = xasprintf("unexpected argument: %s",
				    argv[i]);
				goto out;
			}
			words[nw++] = argv[i];
			continue;
		}
		a = ctl_arg_find(spec, argv[i] + 2);
		if (a == NULL || (a->flags & CTL_ARG_POSITIONAL)) {
			*msg = xasprintf("unknown option %s", argv[i]);
			goto out;
		}
		if (a->flags & CTL_ARG_SECRET) {
			up = ctl_upper(a->name);
			*msg = xasprintf("%s: never on the command line (ps "
			    "shows it): use --%s-file, P2PSIPD_%s or the "
			    "terminal", argv[i], a->name, up);
			free(up);
			goto out;
		}
		if (a->type != CTL_ARG_BOOL && ++i == argc) {
			*msg = xasprintf("option --%s needs a value", a->name);
			goto out;
		}
		if (json_object_get(args, a->name) != NULL) {
			*msg = xasprintf("%s given twice", a->name);
			goto out;
		}
		if ((v = ctl_argv_value(a, argv[i], cwd, msg)) == NULL)
			goto out;
		json_object_set_new(args, a->name, v);
	}
	/* the words go to the positional arguments in order, the required
	 * ones first served: an optional one takes a word only if there
	 * are more than the required ones need ("dtmf [CALL] DIGITS") */
	spare = nw;
	for (a = spec->args; a->name != NULL; a++)
		if ((a->flags & CTL_ARG_POSITIONAL) &&
		    (a->flags & CTL_ARG_REQUIRED))
			spare--;
	for (a = spec->args, i = 0; a->name != NULL && i < nw; a++) {
		if (!(a->flags & CTL_ARG_POSITIONAL) ||
		    (!(a->flags & CTL_ARG_REQUIRED) && spare-- <= 0))
			continue;
		if ((v = ctl_argv_value(a, words[i++], cwd, msg)) == NULL)
			goto out;
		json_object_set_new(args, a->name, v);
	}
	if (ctl_spec_check(spec, args, true, msg) != 0)
		goto out;
	*out = args;
	args = NULL;
	rc = 0;
out:
	json_decref(args);
	free(words);
	return rc;
}

static json_t *
ctl_spec_one(const struct ctl_spec *spec)
{
	const struct ctl_arg	*a;
	json_t			*args, *o;
	char			*usage;

	args = json_array();
	for (a = spec->args; a->name != NULL; a++) {
		if (a->flags & CTL_ARG_CLIENT)
			continue;
		o = json_pack("{s:s, s:s, s:b, s:b, s:s}", "name", a->name,
		    "type", ctl_arg_type_name(a->type),
		    "required", (a->flags & CTL_ARG_REQUIRED) != 0,
		    "positional", (a->flags & CTL_ARG_POSITIONAL) != 0,
		    "help", a->help);
		json_array_append_new(args, o);
	}
	usage = ctl_spec_usage(spec, false);
	o = json_pack("{s:s, s:s, s:s, s:o, s:b, s:b}", "name", spec->name,
	    "usage", usage, "summary", spec->summary, "args", args,
	    "readonly", (spec->flags & CTL_CMD_READONLY) != 0,
	    "stream", (spec->flags & CTL_CMD_STREAM) != 0);
	free(usage);
	return o;
}

json_t *
ctl_spec_to_json(const struct ctl_spec *spec)
{
	json_t	*cmds;
	size_t	 i;

	if (spec != NULL)
		return ctl_spec_one(spec);
	cmds = json_array();
	for (i = 0; i < CTL_NSPECS; i++)
		json_array_append_new(cmds, ctl_spec_one(&ctl_specs[i]));
	return json_pack("{s:o}", "commands", cmds);
}
