/*
 * srv_nat.c - the NAT core's driver: its UDP socket and its timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "log.h"
#include "log_ctx.h"
#include "nat.h"
#include "rng.h"
#include "srv.h"
#include "srv_nat.h"
#include "xmalloc.h"

/* Datagrams read per wake-up at most: a flood waits its turn. */
#define SN_READS	64
/* RFC 8489 §6.2.1's timers, shortened for discovery: a server that
 * does not answer in 2.75 s is taken as gone (and a filtering test as
 * filtered), so a discovery takes seconds, not minutes. */
#define SN_RTO_MS	250
#define SN_RC		4
#define SN_RM		4

/* Someone waiting for the discovery under way. */
struct sn_wait {
	struct sn_wait	*next;
	srv_nat_done_cb	 cb;
	void		*arg;
};

struct srv_nat {
	struct nat		*nat;
	struct srv_nat_ops	 ops;
	struct rng		 rng;
	struct log_ctx		 lc;
	int			 fd;
	struct addr		 addr;
	bool			 serving;
	uint16_t		 peer_port;	/* of peers' STUN servers */
	struct event		*ev_read;
	struct event		*timer;
	uint64_t		 timer_at;
	struct sn_wait		*waits;
};

/* A discovery ended (r), or the driver goes (NULL). */
static void
sn_tell(struct srv_nat *sn, const struct nat_report *r)
{
	struct sn_wait	*w;

	while ((w = sn->waits) != NULL) {
		sn->waits = w->next;
		w->cb(r, w->arg);
		free(w);
	}
	if (r != NULL && sn->ops.report != NULL)
		sn->ops.report(r, sn->ops.arg);
}

static void
sn_drain(struct srv_nat *sn)
{
	struct nat_action	a;
	char			b[ADDR_STRLEN];

	while (nat_next_action(sn->nat, &a)) {
		switch (a.type) {
		case NAT_ACT_SEND:
			if (srv_send_to(sn->fd, a.buf, a.len, &a.to) != 0)
				log_debug("nat: send to %s: %s",
				    addr_str(&a.to, b), strerror(errno));
			break;
		case NAT_ACT_REPORT:
			sn_tell(sn, nat_report(sn->nat));
			break;
		}
	}
	srv_timer_arm(sn->timer, &sn->timer_at, (uint64_t)nat_deadline(sn->nat),
	    srv_now_ms());
}

static void
sn_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv_nat	*sn = arg;
	uint8_t		 buf[2048];
	struct addr	 from;
	ssize_t		 n;
	int		 i;

	(void)what;
	for (i = 0; i < SN_READS; i++) {
		if ((n = srv_recv_from(fd, buf, sizeof buf, &from)) < 0)
			break;
		/* not STUN: nothing else shares this port */
		(void)nat_input(sn->nat, (int64_t)srv_now_ms(), &from, buf,
		    (size_t)n);
	}
	sn_drain(sn);
}

static void
sn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_nat	*sn = arg;

	(void)fd;
	(void)what;
	sn->timer_at = UINT64_MAX;
	nat_tick(sn->nat, (int64_t)srv_now_ms());
	sn_drain(sn);
}

static int
sn_socket(struct srv_nat *sn, const struct cfg *c, char **cause)
{
	struct addr	a = c->nat.stun_listen;
	char		b[ADDR_STRLEN];

	sn->serving = a.family != 0;
	if (!sn->serving) {
		/* discovery alone: the overlay's address, any port */
		a = c->overlay.listen;
		a.port = 0;
	}
	if ((sn->fd = srv_udp_bind(&a)) < 0 && errno == EADDRINUSE &&
	    c->nat.stun_derived) {
		/*
		 * The default port is taken (another daemon or a STUN server
		 * on this host): discovery goes on, serving does not.  A
		 * port the operator named is not second-guessed.
		 */
		log_warnx("nat: %s in use; no stun server here (set [nat] "
		    "stun_listen)", addr_str(&a, b));
		sn->serving = false;
		a = c->overlay.listen;
		a.port = 0;
		sn->fd = srv_udp_bind(&a);
	}
	if (sn->fd < 0) {
		*cause = xasprintf("nat: cannot bind %s%s: %s",
		    addr_str(&a, b), sn->serving ? " ([nat] stun_listen)" :
		    "", strerror(errno));
		return errno != 0 ? errno : EIO;
	}
	srv_local_addr(sn->fd, &sn->addr);
	return 0;
}

int
srv_nat_new(struct srv_nat **out, struct event_base *base,
    const struct cfg *c, const struct srv_nat_ops *ops, char **cause)
{
	struct srv_nat	*sn = xcalloc(1, sizeof *sn);
	struct nat_cfg	 nc;
	int		 rc, i;
	char		 b[ADDR_STRLEN];

	sn->ops = *ops;
	sn->fd = -1;
	sn->timer_at = UINT64_MAX;
	sn->rng.fill = srv_rand;
	sn->lc.cb = srv_log;
	sn->lc.level = LC_DEBUG;
	if ((rc = sn_socket(sn, c, cause)) != 0)
		goto fail;
	sn->peer_port = c->nat.stun_listen.family != 0 ?
	    c->nat.stun_listen.port : CFG_STUN_PORT;
	memset(&nc, 0, sizeof nc);
	nc.serve = sn->serving;
	nc.software = "p2psipd";
	nc.serve_rate = (unsigned)c->nat.stun_rate;
	nc.host = sn->addr;
	for (i = 0; i < c->nat.stun_servers.n && i < NAT_SERVERS_MAX; i++)
		nc.servers[nc.nservers++] = c->nat.stun_servers.v[i];
	nc.probe_interval_ms = (unsigned)c->nat.probe_interval * 1000u;
	nc.stun.rto_ms = SN_RTO_MS;
	nc.stun.rc = SN_RC;
	nc.stun.rm = SN_RM;
	if ((rc = nat_new(&sn->nat, &nc, &sn->rng, &sn->lc)) != 0) {
		*cause = xstrdup("nat: bad settings");
		goto fail;
	}
	sn->ev_read = event_new(base, sn->fd, EV_READ | EV_PERSIST, sn_read,
	    sn);
	sn->timer = evtimer_new(base, sn_timer, sn);
	if (sn->ev_read == NULL || sn->timer == NULL ||
	    event_add(sn->ev_read, NULL) != 0)
		fatalx("nat: cannot make events");
	if (sn->serving)
		log_info("nat: stun server on %s", addr_str(&sn->addr, b));
	/* configured servers: now; the overlay's once there are some */
	if (nc.nservers > 0)
		nat_probe(sn->nat, (int64_t)srv_now_ms());
	sn_drain(sn);
	*out = sn;
	return 0;
fail:
	srv_nat_free(sn);
	return rc;
}

void
srv_nat_free(struct srv_nat *sn)
{
	if (sn == NULL)
		return;
	sn_tell(sn, NULL);
	if (sn->ev_read != NULL)
		event_free(sn->ev_read);
	if (sn->timer != NULL)
		event_free(sn->timer);
	if (sn->fd >= 0)
		close(sn->fd);
	nat_free(sn->nat);
	free(sn);
}

void
srv_nat_set_peers(struct srv_nat *sn, const struct addr *hosts, unsigned n)
{
	struct addr	a[NAT_SERVERS_MAX];
	unsigned	i, k = 0, j;

	for (i = 0; i < n && k < NAT_SERVERS_MAX; i++) {
		for (j = 0; j < k; j++)
			if (addr_ip_eq(&a[j], &hosts[i]))
				break;
		if (j < k || addr_ip_eq(&hosts[i], &sn->addr))
			continue;
		a[k] = hosts[i];
		a[k++].port = sn->peer_port;
	}
	nat_set_peers(sn->nat, (int64_t)srv_now_ms(), a, k);
	sn_drain(sn);
}

void
srv_nat_probe(struct srv_nat *sn, srv_nat_done_cb cb, void *arg)
{
	struct sn_wait	*w;

	if (cb != NULL) {
		w = xcalloc(1, sizeof *w);
		w->cb = cb;
		w->arg = arg;
		w->next = sn->waits;
		sn->waits = w;
	}
	nat_probe(sn->nat, (int64_t)srv_now_ms());
	sn_drain(sn);
}

const struct nat_report *
srv_nat_report(const struct srv_nat *sn)
{
	return nat_report(sn->nat);
}

const struct addr *
srv_nat_addr(const struct srv_nat *sn)
{
	return &sn->addr;
}

bool
srv_nat_serving(const struct srv_nat *sn)
{
	return sn->serving;
}
