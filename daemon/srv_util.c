/*
 * srv_util.c - what the libevent drivers share: the rng and log_ctx
 * callbacks the cores are given, and struct addr <-> struct sockaddr.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "log.h"
#include "log_ctx.h"
#include "srv_util.h"

void
srv_rand(void *buf, size_t len, void *arg)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		fatalx("RAND_bytes failed");
}

void
srv_log(int level, const char *tag, const char *msg, void *arg)
{
	(void)tag;
	(void)arg;
	if (level <= LC_WARN)
		log_warnx("%s", msg);
	else if (level == LC_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

void
srv_addr_from(const struct sockaddr *sa, struct addr *a)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		a->family = 4;
		memcpy(a->ip, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		a->family = 6;
		memcpy(a->ip, &in6->sin6_addr, 16);
		a->port = ntohs(in6->sin6_port);
	}
}

socklen_t
srv_addr_to(const struct addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == 6) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->ip, 16);
		in6->sin6_port = htons(a->port);
		return sizeof *in6;
	}
	struct sockaddr_in *in = (void *)ss;

	in->sin_family = AF_INET;
	memcpy(&in->sin_addr, a->ip, 4);
	in->sin_port = htons(a->port);
	return sizeof *in;
}

void
srv_local_addr(int fd, struct addr *a)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	memset(a, 0, sizeof *a);
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		srv_addr_from((struct sockaddr *)&ss, a);
}


void
srv_timer_arm(struct event *timer, uint64_t *armed_at, uint64_t at,
    uint64_t now)
{
	struct timeval	tv;
	uint64_t	in;

	if (at == *armed_at)
		return;
	*armed_at = at;
	if (at == UINT64_MAX) {
		evtimer_del(timer);
		return;
	}
	in = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(in / 1000);
	tv.tv_usec = (suseconds_t)(in % 1000) * 1000;
	evtimer_add(timer, &tv);
}
