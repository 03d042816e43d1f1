/*
 * ctlbatch - many control requests to many daemons, pipelined, for the
 * system tests and benchmarks.
 *
 *   ctlbatch [-w WINDOW] [-g TOTAL] [-t SECONDS] SOCKET...
 *
 * Each line of standard input is "N COMMAND [JSON-ARGS]": a request for
 * the daemon at the N-th SOCKET (from 0).  Up to WINDOW requests (default
 * 32) are in flight on each connection, and TOTAL (default: no limit) in
 * all; -g 1 sends one request at a time, in input order.  Each answer prints one line, in
 * the order they come:
 *
 *   LINE ok RESULT-JSON
 *   LINE error CODE MESSAGE
 *
 * LINE counts input lines from 1.  A request without an answer after
 * SECONDS (default 60) is reported "LINE error timeout -" at the end.
 * Exit status 0 when every request was answered (ok or error), 1 if not
 * or on a set-up failure.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "xmalloc.h"

#define CONN_MAX	128
#define BUF_MAX		(1 << 20)

struct req {
	unsigned	 conn;
	char		*line;		/* encoded, with "\n" */
	bool		 sent, done;
};

struct conn {
	int		 fd;
	unsigned	 inflight;
	char		*in;
	size_t		 inlen;
	char		*out;		/* pending output */
	size_t		 outlen;
};

static struct req	*reqs;
static size_t		 nreqs;
static struct conn	 conns[CONN_MAX];
static unsigned		 nconns;
static size_t		 inflight, total = SIZE_MAX;
static size_t		 serial_next;	/* -g 1: the next to send */

static int
conn_open(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
read_input(void)
{
	char		*line = NULL, *cmd, *rest, *end;
	size_t		 cap = 0, rcap = 0;
	json_t		*args, *id;
	json_error_t	 jerr;
	unsigned long	 n;

	while (getline(&line, &cap, stdin) != -1) {
		line[strcspn(line, "\n")] = '\0';
		n = strtoul(line, &end, 10);
		if (end == line || n >= nconns || *end != ' ') {
			fprintf(stderr, "ctlbatch: line %zu: bad socket "
			    "number\n", nreqs + 1);
			exit(1);
		}
		cmd = end + 1;
		rest = strchr(cmd, ' ');
		if (rest != NULL)
			*rest++ = '\0';
		args = rest != NULL ? json_loads(rest, 0, &jerr) :
		    json_object();
		if (args == NULL) {
			fprintf(stderr, "ctlbatch: line %zu: %s\n", nreqs + 1,
			    jerr.text);
			exit(1);
		}
		if (nreqs == rcap) {
			rcap = rcap ? rcap * 2 : 1024;
			reqs = xreallocarray(reqs, rcap, sizeof *reqs);
		}
		id = json_integer((json_int_t)nreqs + 1);
		reqs[nreqs].conn = (unsigned)n;
		reqs[nreqs].line = ctl_encode_request(id, cmd, args);
		reqs[nreqs].sent = reqs[nreqs].done = false;
		nreqs++;
		json_decref(id);
		json_decref(args);
	}
	free(line);
}

/* Queue requests for c while its window has room. */
static void
fill(unsigned ci, size_t *next, unsigned window)
{
	struct conn	*c = &conns[ci];
	size_t		 i, len;

	for (i = next[ci]; i < nreqs && c->inflight < window &&
	    inflight < total; i++) {
		if (reqs[i].conn != ci || reqs[i].sent)
			continue;
		if (total == 1 && i != serial_next)
			break;
		serial_next = i + 1;
		len = strlen(reqs[i].line);
		c->out = xrealloc(c->out, c->outlen + len);
		memcpy(c->out + c->outlen, reqs[i].line, len);
		c->outlen += len;
		reqs[i].sent = true;
		c->inflight++;
		inflight++;
	}
	while (next[ci] < nreqs && (reqs[next[ci]].conn != ci ||
	    reqs[next[ci]].sent))
		next[ci]++;
}

static void
answer(struct conn *c, const char *line, size_t len, size_t *ndone)
{
	struct ctl_msg	 m;
	json_int_t	 id;
	char		*s;

	if (ctl_msg_parse(line, len, &m) != 0 || m.type == CTL_MSG_EVENT ||
	    !json_is_integer(m.id)) {
		if (m.type != CTL_MSG_EVENT)
			fprintf(stderr, "ctlbatch: unexpected: %.*s\n",
			    (int)len, line);
		ctl_msg_clear(&m);
		return;
	}
	id = json_integer_value(m.id);
	if (id >= 1 && (size_t)id <= nreqs && !reqs[id - 1].done) {
		reqs[id - 1].done = true;
		(*ndone)++;
		c->inflight--;
		inflight--;
		if (m.type == CTL_MSG_RESULT) {
			s = json_dumps(m.result, JSON_COMPACT);
			printf("%lld ok %s\n", (long long)id, s);
			free(s);
		} else
			printf("%lld error %s %s\n", (long long)id, m.code,
			    m.message != NULL ? m.message : "-");
	}
	ctl_msg_clear(&m);
}

int
main(int argc, char **argv)
{
	struct pollfd	 pfd[CONN_MAX];
	size_t		 next[CONN_MAX] = { 0 }, ndone = 0, used, ll, i;
	unsigned	 window = 32, ci;
	time_t		 deadline;
	long		 timeout = 60;
	ssize_t		 n;
	int		 ch;

	while ((ch = getopt(argc, argv, "g:w:t:")) != -1) {
		if (ch == 'w')
			window = (unsigned)atoi(optarg);
		else if (ch == 'g')
			total = (size_t)atol(optarg);
		else if (ch == 't')
			timeout = atol(optarg);
		else
			return 1;
	}
	if (optind == argc || argc - optind > CONN_MAX || window == 0 ||
	    total == 0) {
		fprintf(stderr, "usage: ctlbatch [-w WINDOW] [-g TOTAL] "
		    "[-t SECONDS] SOCKET...\n");
		return 1;
	}
	for (; optind < argc; optind++) {
		if ((conns[nconns].fd = conn_open(argv[optind])) == -1) {
			fprintf(stderr, "ctlbatch: %s: %s\n", argv[optind],
			    strerror(errno));
			return 1;
		}
		conns[nconns].in = xmalloc(BUF_MAX);
		nconns++;
	}
	read_input();
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = time(NULL) + timeout;
	while (ndone < nreqs && time(NULL) < deadline) {
		for (ci = 0; ci < nconns; ci++) {
			fill(ci, next, window);
			pfd[ci].fd = conns[ci].fd;
			pfd[ci].events = POLLIN |
			    (conns[ci].outlen ? POLLOUT : 0);
		}
		if (poll(pfd, nconns, 1000) == -1 && errno != EINTR)
			return 1;
		for (ci = 0; ci < nconns; ci++) {
			struct conn	*c = &conns[ci];

			if ((pfd[ci].revents & POLLOUT) && c->outlen > 0) {
				n = write(c->fd, c->out, c->outlen);
				if (n > 0) {
					memmove(c->out, c->out + n,
					    c->outlen - (size_t)n);
					c->outlen -= (size_t)n;
				}
			}
			if (!(pfd[ci].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(c->fd, c->in + c->inlen, BUF_MAX - c->inlen);
			if (n <= 0) {
				fprintf(stderr, "ctlbatch: connection %u "
				    "closed\n", ci);
				return 1;
			}
			c->inlen += (size_t)n;
			while (ctl_line_find(c->in, c->inlen, BUF_MAX, &ll,
			    &used) == 0) {
				answer(c, c->in, ll, &ndone);
				memmove(c->in, c->in + used, c->inlen - used);
				c->inlen -= used;
			}
		}
	}
	for (i = 0; i < nreqs; i++) {
		if (!reqs[i].done)
			printf("%zu error timeout -\n", i + 1);
		free(reqs[i].line);
	}
	free(reqs);
	for (ci = 0; ci < nconns; ci++) {
		close(conns[ci].fd);
		free(conns[ci].in);
		free(conns[ci].out);
	}
	return ndone == nreqs ? 0 : 1;
}
