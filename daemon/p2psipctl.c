/*
 * p2psipctl.c - the control client.
 *
 * Sends "hello" and one request on the control socket, prints the answer
 * (a table, or the daemon's JSON result with --json) and exits:
 *   0 success, 1 error answer, 2 usage error, 3 no daemon listening.
 * For a streaming command (events) it goes on printing events until the
 * daemon goes away, --count is reached, or it is interrupted.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl_print.h"
#include "ctl_proto.h"
#include "ctl_spec.h"
#include "version.h"
#include "xmalloc.h"

#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_NODAEMON	3
#define SECRET_MAX	1024	/* a passphrase, at most */

struct client {
	const char	*path;
	int		 fd;
	bool		 json;
	int		 timeout_ms;	/* for the answer; -1 forever */
	char		*buf;
	size_t		 len, cap;
};

static void
usage(FILE *f)
{
	const struct ctl_spec	*specs;
	size_t			 n, i;
	char			*u;

	fprintf(f, "usage: p2psipctl [-s SOCKET] [--json] [-t SECONDS] "
	    "COMMAND [ARGS]\n\n"
	    "  -s SOCKET    the daemon's control socket (default %s)\n"
	    "  --json       print the daemon's JSON result\n"
	    "  -t SECONDS   wait this long for an answer (default 30)\n"
	    "\ncommands:\n", "$XDG_RUNTIME_DIR/p2psipd.sock or "
	    "/run/p2psipd/p2psipd.sock");
	specs = ctl_spec_all(&n);
	for (i = 0; i < n; i++) {
		u = ctl_spec_usage(&specs[i], true);
		fprintf(f, "  %-28s %s\n", u, specs[i].summary);
		free(u);
	}
	fprintf(f, "\nExit status: 0 ok, 1 error answer, 2 usage error, "
	    "3 no daemon listening.\nSee p2psipctl(8).\n");
}

/*
 * The command argv starts with: one word, or two for a command whose
 * p2psipctl name has two ("identity export"); *used says how many.
 */
static const struct ctl_spec *
find_command(int argc, char **argv, int *used)
{
	const struct ctl_spec	*spec;
	char			*two;

	*used = 1;
	if ((spec = ctl_spec_find(argv[0], true)) != NULL || argc < 2)
		return spec;
	two = xasprintf("%s %s", argv[0], argv[1]);
	spec = ctl_spec_find(two, true);
	free(two);
	*used = 2;
	return spec;
}

/* No command word: if it starts two-word commands, say which. */
static void
unknown_command(const char *word, const char *what)
{
	const struct ctl_spec	*specs;
	size_t			 n, i, len = strlen(word), k = 0;

	specs = ctl_spec_all(&n);
	for (i = 0; i < n; i++) {
		if (specs[i].alias == NULL ||
		    strncmp(specs[i].alias, word, len) != 0 ||
		    specs[i].alias[len] != ' ')
			continue;
		fprintf(stderr, "%s%s", k++ == 0 ? "p2psipctl: " : ", ",
		    specs[i].alias);
	}
	if (k != 0)
		fprintf(stderr, "\n");
	else
		fprintf(stderr, "p2psipctl: %s \"%s\"%s\n", what, word,
		    strcmp(what, "unknown command") == 0 ?
		    " (\"p2psipctl help\" lists them)" : "");
}

/* "p2psipctl help [COMMAND]": from the local table, no daemon needed. */
static int
help(int argc, char **argv, bool json)
{
	const struct ctl_spec	*spec = NULL;
	const struct ctl_arg	*a;
	json_t			*j;
	char			*u, *s;
	int			 used = 0;

	if (argc > 1 && ((spec = find_command(argc - 1, argv + 1,
	    &used)) == NULL || used != argc - 1)) {
		unknown_command(argv[1], "no command");
		return EXIT_USAGE;
	}
	if (json) {
		j = ctl_spec_to_json(spec);
		s = json_dumps(j, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(j);
		return 0;
	}
	if (spec == NULL) {
		usage(stdout);
		return 0;
	}
	u = ctl_spec_usage(spec, true);
	printf("usage: p2psipctl %s\n\n%s\n", u, spec->summary);
	free(u);
	for (a = spec->args; a->name != NULL; a++) {
		if (a->flags & CTL_ARG_SECRET)
			continue;	/* --NAME-file tells where from */
		s = a->flags & CTL_ARG_POSITIONAL ? xstrdup(a->name) :
		    xasprintf("--%s", a->name);
		printf("  %-16s %s\n", s, a->help);
		free(s);
	}
	return 0;
}

static int
client_connect(struct client *c)
{
	struct sockaddr_un	sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof sun.sun_path) {
		fprintf(stderr, "p2psipctl: %s: path too long\n", c->path);
		return EXIT_USAGE;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "p2psipctl: socket: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == 0)
		return 0;
	if (errno == ENOENT || errno == ECONNREFUSED) {
		fprintf(stderr, "p2psipctl: no daemon is listening on %s "
		    "(is p2psipd running?)\n", c->path);
		return EXIT_NODAEMON;
	}
	fprintf(stderr, "p2psipctl: %s: %s\n", c->path, strerror(errno));
	return errno == EACCES || errno == EPERM ? EXIT_ERROR :
	    EXIT_NODAEMON;
}

/* 0, or the errno of a failed send. */
static int
client_send(struct client *c, const char *s)
{
	size_t	len = strlen(s), off = 0;
	ssize_t	n;

	while (off < len) {
		n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno;
		off += (size_t)n;
	}
	return 0;
}

/*
 * Read the next line into msg.  0, or an exit status: EXIT_ERROR on a
 * timeout, a bad line or a lost connection (*eof set for a clean close).
 */
static int
client_read(struct client *c, struct ctl_msg *msg, bool *eof)
{
	struct pollfd	 pfd = { c->fd, POLLIN, 0 };
	size_t		 linelen, used;
	ssize_t		 n;
	int		 rc;

	*eof = false;
	for (;;) {
		rc = ctl_line_find(c->buf, c->len, CTL_REPLY_MAX, &linelen,
		    &used);
		if (rc == 0)
			break;
		if (rc == EMSGSIZE) {
			fprintf(stderr, "p2psipctl: answer too long\n");
			return EXIT_ERROR;
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap * 2 + 65536;
			c->buf = xrealloc(c->buf, c->cap);
		}
		if ((rc = poll(&pfd, 1, c->timeout_ms)) == 0) {
			fprintf(stderr, "p2psipctl: no answer from the daemon "
			    "after %d s\n", c->timeout_ms / 1000);
			return EXIT_ERROR;
		}
		if (rc == -1 && errno == EINTR)
			return EXIT_ERROR;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*eof = n == 0;
			return EXIT_ERROR;
		}
		c->len += (size_t)n;
	}
	rc = ctl_msg_parse(c->buf, linelen, msg);
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	if (rc != 0) {
		fprintf(stderr, "p2psipctl: bad line from the daemon\n");
		return EXIT_ERROR;
	}
	return 0;
}

/* Read until the answer with id want; events before it are skipped. */
static int
client_answer(struct client *c, json_int_t want, struct ctl_msg *msg)
{
	bool	eof;
	int	rc;

	for (;;) {
		if ((rc = client_read(c, msg, &eof)) != 0) {
			if (eof)
				fprintf(stderr, "p2psipctl: the daemon closed "
				    "the connection\n");
			return rc;
		}
		if (msg->type == CTL_MSG_ERROR && json_is_null(msg->id))
			return 0;	/* refused before reading us */
		if (msg->type != CTL_MSG_EVENT && json_is_integer(msg->id) &&
		    json_integer_value(msg->id) == want)
			return 0;
		ctl_msg_clear(msg);
	}
}

static int
client_error(const struct ctl_msg *msg)
{
	fprintf(stderr, "p2psipctl: %s (%s)\n", msg->message, msg->code);
	return EXIT_ERROR;
}

static void
print_json(const json_t *v)
{
	char	*s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	printf("%s\n", s);
	free(s);
	fflush(stdout);
}

/* Check the daemon speaks our protocol version. */
static int
client_hello(struct client *c)
{
	struct ctl_msg	 msg;
	json_t		*v;
	int		 rc;

	if ((rc = client_answer(c, 0, &msg)) != 0)
		return rc;
	if (msg.type == CTL_MSG_ERROR)
		rc = client_error(&msg);
	else if (!json_is_integer(v = json_object_get(msg.result,
	    "protocol")) || json_integer_value(v) < CTL_PROTOCOL_VERSION) {
		fprintf(stderr, "p2psipctl: the daemon speaks an older control "
		    "protocol than this p2psipctl (%d); upgrade p2psipd\n",
		    CTL_PROTOCOL_VERSION);
		rc = EXIT_ERROR;
	}
	ctl_msg_clear(&msg);
	return rc;
}

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* After a stream's answer: print events until EOF, count or signal. */
static int
client_stream(struct client *c, long long count)
{
	struct ctl_msg	msg;
	struct sigaction sa;
	bool		eof;
	int		rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: poll returns */
	sigaction(SIGTERM, &sa, NULL);
	c->timeout_ms = -1;
	while (count != 0 && !interrupted) {
		if ((rc = client_read(c, &msg, &eof)) != 0)
			return eof || interrupted ? 0 : rc;
		if (msg.type == CTL_MSG_EVENT) {
			if (c->json)
				print_json(msg.root);
			else
				ctl_print_event(stdout, msg.root);
			if (count > 0)
				count--;
		}
		ctl_msg_clear(&msg);
	}
	return 0;
}

static int
run(struct client *c, const struct ctl_spec *spec, json_t *args)
{
	struct ctl_msg	 msg;
	json_t		*id, *v;
	long long	 count = -1;
	char		*hello, *req;
	int		 rc;

	if ((v = json_object_get(args, "count")) != NULL &&
	    (spec->flags & CTL_CMD_STREAM)) {
		count = json_integer_value(v);
		json_object_del(args, "count");
	}
	if ((rc = client_connect(c)) != 0)
		return rc;
	id = json_integer(0);
	hello = ctl_encode_request(id, "hello", NULL);
	json_integer_set(id, 1);
	req = ctl_encode_request(id, spec->name, args);
	json_decref(id);
	if ((rc = client_send(c, hello)) == 0)
		rc = client_send(c, req);
	free(hello);
	free(req);
	if (rc != 0 && rc != EPIPE && rc != ECONNRESET) {
		fprintf(stderr, "p2psipctl: send: %s\n", strerror(rc));
		return EXIT_ERROR;
	}
	/* After EPIPE the daemon may still have said why it refused us. */
	if ((rc = client_hello(c)) != 0)
		return rc;
	if ((rc = client_answer(c, 1, &msg)) != 0)
		return rc;
	if (msg.type == CTL_MSG_ERROR) {
		rc = client_error(&msg);
		ctl_msg_clear(&msg);
		return rc;
	}
	if (spec->flags & CTL_CMD_STREAM) {
		ctl_msg_clear(&msg);
		return client_stream(c, count);
	}
	if (c->json)
		print_json(msg.result);
	else
		ctl_print_result(stdout, msg.result);
	ctl_msg_clear(&msg);
	return 0;
}

/* Global options into c: -1 to go on (optind at the command), else the
 * exit status. */
static int
parse_opts(int argc, char **argv, struct client *c)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL,	'j' },
		{ "help",	no_argument,		NULL,	'h' },
		{ "version",	no_argument,		NULL,	'V' },
		{ NULL,		0,			NULL,	0 }
	};
	char	*end;
	long	 t;
	int	 ch;

	/* "+": options end at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+s:t:jh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			c->path = optarg;
			break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || t < 1 ||
			    t > 86400) {
				fprintf(stderr, "p2psipctl: -t: seconds from 1 "
				    "to 86400\n");
				return EXIT_USAGE;
			}
			c->timeout_ms = (int)t * 1000;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("p2psipctl %s\n", P2PSIPD_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* A line into buf (at most SECRET_MAX bytes, the newline dropped) from
 * fd; false if it is longer, or nothing could be read. */
static bool
secret_line(int fd, char *buf)
{
	size_t	n = 0;
	ssize_t	r;
	char	ch;

	for (;;) {
		if ((r = read(fd, &ch, 1)) == -1 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n == SECRET_MAX)
			return false;
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return r >= 0;
}

/* The first line of path into buf: 0, or EXIT_USAGE with a message. */
static int
secret_file(const char *path, char *buf)
{
	int	fd, ok;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "p2psipctl: %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	ok = secret_line(fd, buf);
	close(fd);
	if (!ok || buf[0] == '\0') {
		fprintf(stderr, "p2psipctl: %s: its first line must hold the "
		    "passphrase (1 to %d bytes)\n", path, SECRET_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

/* Ask the terminal for a line into buf, not echoed. */
static bool
secret_ask(int tty, const char *prompt, char *buf)
{
	struct termios	old, quiet;
	bool		ok;

	if (tcgetattr(tty, &old) == -1)
		return false;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	(void)!write(tty, prompt, strlen(prompt));
	if (tcsetattr(tty, TCSAFLUSH, &quiet) == -1)
		return false;
	ok = secret_line(tty, buf);
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	(void)!write(tty, "\n", 1);
	return ok && buf[0] != '\0';
}

/* From the terminal (twice if again): 0, or EXIT_USAGE with a message. */
static int
secret_tty(const char *name, const char *env, bool again, char *buf)
{
	char	*prompt, check[SECRET_MAX + 1];
	int	 tty, rc = 0;

	if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
		fprintf(stderr, "p2psipctl: a %s is needed: --%s-file FILE, "
		    "%s, or a terminal to ask on\n", name, name, env);
		return EXIT_USAGE;
	}
	prompt = xasprintf("%c%s: ", toupper((unsigned char)name[0]),
	    name + 1);
	if (!secret_ask(tty, prompt, buf) ||
	    (again && !secret_ask(tty, "Again: ", check))) {
		fprintf(stderr, "p2psipctl: no %s given\n", name);
		rc = EXIT_USAGE;
	} else if (again && strcmp(buf, check) != 0) {
		fprintf(stderr, "p2psipctl: the two differ\n");
		rc = EXIT_USAGE;
	}
	memset(check, 0, sizeof check);
	free(prompt);
	close(tty);
	return rc;
}

/*
 * A secret argument (CTL_ARG_SECRET) never comes from the command line,
 * where ps shows it: from the first line of --NAME-file's file, else
 * $P2PSIPD_NAME, else the terminal.  0, or EXIT_USAGE with a message.
 */
static int
secret_args(const struct ctl_spec *spec, json_t *args)
{
	const struct ctl_arg	*a;
	const char		*v;
	char			 buf[SECRET_MAX + 1], *file, *env, *p;
	json_t			*s;
	int			 rc = 0;

	for (a = spec->args; rc == 0 && a->name != NULL; a++) {
		if (!(a->flags & CTL_ARG_SECRET))
			continue;
		file = xasprintf("%s-file", a->name);
		env = xasprintf("P2PSIPD_%s", a->name);
		for (p = env; *p != '\0'; p++)
			*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		if ((v = json_string_value(json_object_get(args, file))) !=
		    NULL)
			rc = secret_file(v, buf);
		else if ((v = getenv(env)) != NULL && *v != '\0' &&
		    strlen(v) <= SECRET_MAX)
			memcpy(buf, v, strlen(v) + 1);
		else
			rc = secret_tty(a->name, env,
			    (a->flags & CTL_ARG_SECRET_NEW) != 0, buf);
		json_object_del(args, file);
		if (rc == 0 && (s = json_string(buf)) == NULL) {
			fprintf(stderr, "p2psipctl: the %s is not valid "
			    "UTF-8\n", a->name);
			rc = EXIT_USAGE;
		} else if (rc == 0)
			json_object_set_new(args, a->name, s);
		memset(buf, 0, sizeof buf);
		free(file);
		free(env);
	}
	return rc;
}

/* The command's args from its words: 0, or EXIT_USAGE with a message. */
static int
command_args(const struct ctl_spec *spec, int argc, char **argv,
    json_t **args)
{
	char	 cwd[PATH_MAX], *msg = NULL, *u;

	if (getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	if (ctl_spec_parse_argv(spec, argc, (const char *const *)argv,
	    cwd[0] != '\0' ? cwd : NULL, args, &msg) == 0)
		return 0;
	u = ctl_spec_usage(spec, true);
	fprintf(stderr, "p2psipctl: %s\nusage: p2psipctl %s\n", msg, u);
	free(u);
	free(msg);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct client		 c;
	const struct ctl_spec	*spec;
	json_t			*args;
	char			*sock = NULL;
	int			 rc, used;

	memset(&c, 0, sizeof c);
	c.fd = -1;
	c.timeout_ms = 30000;
	if ((rc = parse_opts(argc, argv, &c)) >= 0)
		return rc;
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "help") == 0)
		return help(argc, argv, c.json);
	if ((spec = find_command(argc, argv, &used)) == NULL) {
		unknown_command(argv[0], "unknown command");
		return EXIT_USAGE;
	}
	if ((rc = command_args(spec, argc - used, argv + used, &args)) != 0)
		return rc;
	if ((rc = secret_args(spec, args)) != 0) {
		json_decref(args);
		return rc;
	}
	if (c.path == NULL)
		c.path = sock = cfg_default_control_socket();
	rc = run(&c, spec, args);
	json_decref(args);
	if (c.fd != -1)
		close(c.fd);
	free(c.buf);
	free(sock);
	return rc;
}
