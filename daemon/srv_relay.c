/*
 * srv_relay.c - the relay allocation's driver: its socket and its timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "loc.h"
#include "log.h"
#include "log_ctx.h"
#include "nat_relay.h"
#include "rng.h"
#include "srv.h"
#include "srv_relay.h"
#include "xmalloc.h"

#define SR_READS	64

struct srv_relay {
	struct nat_relay	*core;
	struct rng		 rng;
	struct log_ctx		 lc;
	int			 fd;
	struct event		*ev_read;
	struct event		*timer;
	uint64_t		 timer_at;
	struct loc_relay	 found[NAT_RELAYS_MAX];
	unsigned		 nfound;
};

static void
sr_drain(struct srv_relay *sr)
{
	uint8_t		buf[TURN_MSG_MAX];
	struct addr	to;
	size_t		len;
	char		b[ADDR_STRLEN];

	while (nat_relay_next_send(sr->core, &to, buf, &len))
		if (srv_send_to(sr->fd, buf, len, &to) != 0)
			log_debug("relay: send to %s: %s", addr_str(&to, b),
			    strerror(errno));
	srv_timer_arm(sr->timer, &sr->timer_at,
	    (uint64_t)nat_relay_deadline(sr->core), srv_now_ms());
}

static void
sr_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv_relay	*sr = arg;
	uint8_t			 buf[2048];
	struct addr		 from;
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < SR_READS; i++) {
		if ((n = srv_recv_from(fd, buf, sizeof buf, &from)) < 0)
			break;
		(void)nat_relay_input(sr->core, (int64_t)srv_now_ms(), &from,
		    buf, (size_t)n);
	}
	sr_drain(sr);
}

static void
sr_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_relay	*sr = arg;

	(void)fd;
	(void)what;
	sr->timer_at = UINT64_MAX;
	nat_relay_tick(sr->core, (int64_t)srv_now_ms());
	sr_drain(sr);
}

int
srv_relay_new(struct srv_relay **out, struct event_base *base,
    const struct cfg *c, char **cause)
{
	struct srv_relay	*sr;
	struct nat_relay_cfg	 nc;
	struct addr		 a;
	char			 b[ADDR_STRLEN];

	*out = NULL;
	if (c->nat.relay_user[0] == '\0')
		return 0;
	sr = xcalloc(1, sizeof *sr);
	sr->fd = -1;
	sr->timer_at = UINT64_MAX;
	sr->rng.fill = srv_rand;
	sr->lc.cb = srv_log;
	sr->lc.level = LC_DEBUG;
	a = c->overlay.listen;
	a.port = 0;
	if ((sr->fd = srv_udp_bind(&a)) < 0) {
		*cause = xasprintf("relay: cannot bind %s: %s", addr_str(&a, b),
		    strerror(errno));
		srv_relay_free(sr);
		return EIO;
	}
	memset(&nc, 0, sizeof nc);
	nc.user = c->nat.relay_user;
	nc.password = c->nat.relay_password;
	/* RFC 8489 §6.2.1's timers: a relay is given the full 39.5 s */
	nc.stun.rto_ms = 500;
	nc.stun.rc = 7;
	nc.stun.rm = 16;
	if (nat_relay_new(&sr->core, &nc, &sr->rng, &sr->lc) != 0) {
		*cause = xstrdup("relay: bad settings");
		srv_relay_free(sr);
		return EINVAL;
	}
	sr->ev_read = event_new(base, sr->fd, EV_READ | EV_PERSIST, sr_read,
	    sr);
	sr->timer = evtimer_new(base, sr_timer, sr);
	if (sr->ev_read == NULL || sr->timer == NULL ||
	    event_add(sr->ev_read, NULL) != 0)
		fatalx("relay: cannot make events");
	*out = sr;
	return 0;
}

void
srv_relay_free(struct srv_relay *sr)
{
	if (sr == NULL)
		return;
	if (sr->ev_read != NULL)
		event_free(sr->ev_read);
	if (sr->timer != NULL)
		event_free(sr->timer);
	if (sr->fd >= 0)
		close(sr->fd);
	nat_relay_free(sr->core);
	free(sr);
}

void
srv_relay_set(struct srv_relay *sr, const struct loc_relay *r, unsigned n)
{
	struct addr	a[NAT_RELAYS_MAX];
	unsigned	i;

	if (n > NAT_RELAYS_MAX)
		n = NAT_RELAYS_MAX;
	for (i = 0; i < n; i++) {
		sr->found[i] = r[i];
		a[i] = r[i].addr;
	}
	sr->nfound = n;
	nat_relay_set(sr->core, (int64_t)srv_now_ms(), a, n);
	sr_drain(sr);
}

const struct nat_relay *
srv_relay_core(const struct srv_relay *sr)
{
	return sr->core;
}

const struct loc_relay *
srv_relay_found(const struct srv_relay *sr, unsigned i)
{
	struct nat_relay_info	ri;
	unsigned		j;

	nat_relay_info(sr->core, i, &ri);
	for (j = 0; j < sr->nfound; j++)
		if (addr_eq(&sr->found[j].addr, &ri.server))
			return &sr->found[j];
	return NULL;
}

const struct addr *
srv_relay_relayed(const struct srv_relay *sr)
{
	return nat_relay_relayed(sr->core);
}

const struct addr *
srv_relay_server(const struct srv_relay *sr)
{
	return nat_relay_server(sr->core);
}
