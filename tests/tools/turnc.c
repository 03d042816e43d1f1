/*
 * turnc - the TURN client core (nat/turn.h) on real sockets, for the
 * system tests: allocate on SERVER, permit PEER, send COUNT messages to
 * it by Send indication, then bind a channel and send COUNT more by
 * ChannelData, expect each echoed back (turnutils_peer echoes), release.
 *
 *   turnc [-t] [-w MS] SERVER USER PASSWORD PEER [COUNT]
 *
 * -t: TCP to the server (else UDP); -w: once PEER is permitted, hold the
 * allocation MS milliseconds before sending (for others to try the
 * relayed address).  Prints one line per step:
 *   allocated RELAYED mapped MAPPED lifetime S
 *   permitted PEER | channel N PEER
 *   echoed K/COUNT send | echoed K/COUNT channel
 *   released
 *   data from ADDR (anything relayed from another than PEER)
 *   failed CODE WHY
 * Exit status 0 when every message came back, 1 otherwise, 2 on bad
 * arguments.  Every wait is bounded (10 s a step).
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "addr.h"
#include "rng.h"
#include "turn.h"

#define STEP_MS		10000

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fill(void *buf, size_t len, void *arg)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		abort();
}

static socklen_t
to_sa(const struct addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (a->family == 4) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->ip, 4);
		return sizeof *s4;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(a->port);
	memcpy(&s6->sin6_addr, a->ip, 16);
	return sizeof *s6;
}

struct run {
	struct turn	*t;
	int		 fd;
	bool		 tcp;
	struct addr	 server, peer;
	unsigned	 echoed;
	bool		 allocated, permitted, bound, released, failed;
};

/* Carry out the core's actions. */
static void
drain(struct run *r)
{
	struct turn_action	a;
	struct sockaddr_storage	ss;
	socklen_t		sl = to_sa(&r->server, &ss);
	char			b1[ADDR_STRLEN], b2[ADDR_STRLEN];

	while (turn_next_action(r->t, &a)) {
		switch (a.type) {
		case TURN_ACT_SEND:
			if ((r->tcp ? send(r->fd, a.buf, a.len, 0) :
			    sendto(r->fd, a.buf, a.len, 0,
			    (struct sockaddr *)&ss, sl)) != (ssize_t)a.len)
				perror("turnc: send");
			break;
		case TURN_ACT_ALLOCATED:
			printf("allocated %s mapped %s lifetime %u\n",
			    addr_str(&a.relayed, b1), addr_str(&a.mapped, b2),
			    a.lifetime_s);
			r->allocated = true;
			break;
		case TURN_ACT_FAILED:
			printf("failed %u %s\n", a.code, a.why);
			r->failed = true;
			break;
		case TURN_ACT_PERMITTED:
			printf("%s %s\n", a.ok ? "permitted" : "refused",
			    addr_str(&a.peer, b1));
			r->permitted = a.ok;
			r->failed |= !a.ok;
			break;
		case TURN_ACT_CHANNEL:
			printf("channel %#x %s%s\n", a.channel,
			    addr_str(&a.peer, b1), a.ok ? "" : " refused");
			r->bound = a.ok;
			r->failed |= !a.ok;
			break;
		case TURN_ACT_DATA:
			if (addr_eq(&a.peer, &r->peer))
				r->echoed++;
			else
				printf("data from %s\n", addr_str(&a.peer,
				    b1));
			break;
		case TURN_ACT_RELEASED:
			printf("released\n");
			r->released = true;
			break;
		}
	}
	fflush(stdout);
}

/* Run the loop until *flag or failure, for ms at most. */
static bool
wait_ms(struct run *r, bool *flag, unsigned *count, unsigned want, int ms)
{
	int64_t			 end = now_ms() + ms, now, dl;
	struct pollfd		 pfd = { r->fd, POLLIN, 0 };
	uint8_t			 buf[4096];
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	struct addr		 from;
	ssize_t			 n;
	int			 left;

	for (;;) {
		drain(r);
		if (r->failed)
			return false;
		if ((flag != NULL && *flag) || (count != NULL &&
		    *count >= want))
			return true;
		now = now_ms();
		if (now >= end)
			return false;
		dl = turn_deadline(r->t);
		left = (int)((dl < end ? dl : end) - now);
		if (poll(&pfd, 1, left < 0 ? 0 : left) > 0) {
			sl = sizeof ss;
			n = recvfrom(r->fd, buf, sizeof buf, 0,
			    (struct sockaddr *)&ss, &sl);
			if (n <= 0) {
				printf("failed 0 the server closed\n");
				return false;
			}
			memset(&from, 0, sizeof from);
			from = r->server;	/* TCP: the connection's */
			if (!r->tcp && ss.ss_family == AF_INET) {
				struct sockaddr_in *s4 =
				    (struct sockaddr_in *)&ss;

				from.family = 4;
				from.port = ntohs(s4->sin_port);
				memcpy(from.ip, &s4->sin_addr, 4);
			}
			(void)turn_input(r->t, now_ms(), &from, buf,
			    (size_t)n);
		}
		turn_tick(r->t, now_ms());
	}
}

static bool
wait_for(struct run *r, bool *flag, unsigned *count, unsigned want)
{
	return wait_ms(r, flag, count, want, STEP_MS);
}

/* Keep the allocation going for ms: false only on failure. */
static bool
hold(struct run *r, int ms)
{
	(void)wait_ms(r, NULL, NULL, 0, ms);
	return !r->failed;
}

static bool
echo(struct run *r, unsigned count, const char *how)
{
	char		msg[64];
	unsigned	i;

	r->echoed = 0;
	for (i = 0; i < count; i++) {
		snprintf(msg, sizeof msg, "turnc %s %u", how, i);
		if (turn_send(r->t, now_ms(), &r->peer, msg, strlen(msg)) != 0)
			return false;
		drain(r);
	}
	wait_for(r, NULL, &r->echoed, count);
	printf("echoed %u/%u %s\n", r->echoed, count, how);
	fflush(stdout);
	return r->echoed == count;
}

int
main(int argc, char **argv)
{
	struct turn_cfg		 c;
	struct rng		 rng = { fill, NULL };
	struct run		 r;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	unsigned		 count = 10;
	bool			 ok;
	int			 argi = 1, hold_ms = 0;

	memset(&r, 0, sizeof r);
	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (strcmp(argv[argi], "-t") == 0)
			r.tcp = true;
		else if (strcmp(argv[argi], "-w") == 0 && argi + 1 < argc &&
		    (hold_ms = atoi(argv[argi + 1])) > 0 && hold_ms <= 60000)
			argi++;
		else
			break;
	}
	if (argc - argi < 4 || argc - argi > 5 ||
	    addr_parse(argv[argi], 3478, &r.server) != 0 ||
	    addr_parse(argv[argi + 3], 0, &r.peer) != 0 ||
	    (argc - argi == 5 && (count = (unsigned)atoi(argv[argi + 4])) ==
	    0)) {
		fprintf(stderr, "usage: turnc [-t] [-w MS] SERVER USER "
		    "PASSWORD PEER [COUNT]\n");
		return 2;
	}
	memset(&c, 0, sizeof c);
	c.server = r.server;
	c.tcp = r.tcp;
	c.user = argv[argi + 1];
	c.password = argv[argi + 2];
	c.stun.rto_ms = 500;
	c.stun.rc = 7;
	c.stun.rm = 16;
	if (turn_new(&r.t, &c, &rng, NULL) != 0) {
		fprintf(stderr, "turnc: bad settings\n");
		return 2;
	}
	sl = to_sa(&r.server, &ss);
	r.fd = socket(ss.ss_family, r.tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (r.fd < 0 || (r.tcp && connect(r.fd, (struct sockaddr *)&ss,
	    sl) != 0)) {
		perror("turnc: socket");
		return 1;
	}
	ok = turn_allocate(r.t, now_ms()) == 0 &&
	    wait_for(&r, &r.allocated, NULL, 0) &&
	    turn_permit(r.t, now_ms(), &r.peer, false) == 0 &&
	    wait_for(&r, &r.permitted, NULL, 0) &&
	    hold(&r, hold_ms) &&
	    echo(&r, count, "send") &&
	    turn_permit(r.t, now_ms(), &r.peer, true) == 0 &&
	    wait_for(&r, &r.bound, NULL, 0) &&
	    echo(&r, count, "channel") &&
	    turn_release(r.t, now_ms()) == 0 &&
	    wait_for(&r, &r.released, NULL, 0);
	if (!ok && !r.failed)
		printf("failed 0 timed out\n");
	turn_free(r.t);
	close(r.fd);
	return ok ? 0 : 1;
}
