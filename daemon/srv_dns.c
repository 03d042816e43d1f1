/*
 * srv_dns.c - the DNS driver of RFC 3263 server selection: each
 * resolution is a sip_res core (sip_resolve.h) whose queries c-ares makes
 * and parses (NAPTR, SRV, A, AAAA), one at a time, its answers handed
 * back as records.  c-ares runs on the libevent loop: its sockets'
 * readiness (ARES_OPT_SOCK_STATE_CB) and its timeout become events.  A
 * query times out after SD_TIMEOUT_MS, tried SD_TRIES times, so that a
 * DNS server that never answers ends a resolution well within Timer B
 * (32 s).  The c-ares channel (some 70 kB of tables) is made on the
 * first resolution, not at start: most daemons never resolve a name.
 * No protocol logic here.
 */
#include <sys/select.h>

#include <arpa/nameser.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>

#include "addr.h"
#include "log.h"
#include "rng.h"
#include "sip_resolve.h"
#include "sip_uri.h"
#include "srv.h"
#include "srv_dns.h"
#include "xmalloc.h"

#define SD_TIMEOUT_MS	2000
#define SD_TRIES	2
#define SD_SOCKS_MAX	16

struct sd_job {
	struct srv_dns	*sd;
	struct sip_res	*res;
	srv_dns_cb	 cb;
	void		*arg;
	bool		 busy;		/* a query of it is out */
	enum sip_res_qtype qtype;	/* ... of this type */
	struct sd_job	*next;
};

struct sd_sock {
	int		 fd;		/* -1: unused */
	struct event	*ev;
};

struct srv_dns {
	struct event_base *base;
	ares_channel	 ch;		/* NULL until the first resolution */
	struct addr	 server;	/* family 0: the system's */
	struct rng	 rng;
	struct sd_sock	 socks[SD_SOCKS_MAX];
	struct event	*timer;
	struct event	*kick;		/* jobs step from the loop */
	struct sd_job	*jobs;
	bool		 freeing;
	struct srv_dns_stats st;
};

static void	sd_arm(struct srv_dns *);
static int	sd_channel(struct srv_dns *, char **);

/* ---- c-ares on the loop ---- */

static void
sd_sock_ready(evutil_socket_t fd, short what, void *arg)
{
	struct srv_dns	*sd = arg;

	ares_process_fd(sd->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	sd_arm(sd);
}

static void
sd_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct srv_dns	*sd = arg;
	struct sd_sock	*s = NULL;
	unsigned	 i;
	short		 what = (readable ? EV_READ : 0) |
			    (writable ? EV_WRITE : 0);

	for (i = 0; i < SD_SOCKS_MAX; i++)
		if (sd->socks[i].fd == fd)
			s = &sd->socks[i];
	if (s == NULL && what == 0)
		return;
	if (s == NULL) {
		for (i = 0; i < SD_SOCKS_MAX && sd->socks[i].fd != -1; i++)
			;
		if (i == SD_SOCKS_MAX) {
			log_warnx("dns: too many sockets");
			return;
		}
		s = &sd->socks[i];
		s->fd = fd;
	}
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (what == 0) {
		s->fd = -1;
		return;
	}
	s->ev = event_new(sd->base, fd, what | EV_PERSIST, sd_sock_ready, sd);
	event_add(s->ev, NULL);
}

static void
sd_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_dns	*sd = arg;

	(void)fd;
	(void)what;
	ares_process_fd(sd->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	sd_arm(sd);
}

static void
sd_arm(struct srv_dns *sd)
{
	struct timeval	tv, *t;

	if (sd->freeing)
		return;
	if ((t = ares_timeout(sd->ch, NULL, &tv)) != NULL)
		evtimer_add(sd->timer, t);
	else
		evtimer_del(sd->timer);
}

/* ---- resolutions ---- */

static int
sd_errno(int status)
{
	switch (status) {
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
	case ARES_ENONAME:
		return ENOENT;
	case ARES_ETIMEOUT:
		return ETIMEDOUT;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		return ECANCELED;
	default:
		return EIO;
	}
}

static void
sd_naptr(struct sd_job *j, const unsigned char *buf, int len)
{
	struct sip_res_naptr	*v = xcalloc(SIP_RES_RECORDS_MAX + 1,
				    sizeof *v);
	struct ares_naptr_reply	*r = NULL, *p;
	unsigned		 n = 0;
	int			 rc;

	if ((rc = ares_parse_naptr_reply(buf, len, &r)) != ARES_SUCCESS) {
		sip_res_failed(j->res, sd_errno(rc));
		free(v);
		return;
	}
	for (p = r; p != NULL; p = p->next, n++) {
		if (n > SIP_RES_RECORDS_MAX)
			continue;	/* counted: too many ends it */
		v[n].order = p->order;
		v[n].pref = p->preference;
		snprintf(v[n].flags, sizeof v[n].flags, "%s",
		    (const char *)p->flags);
		snprintf(v[n].service, sizeof v[n].service, "%s",
		    (const char *)p->service);
		snprintf(v[n].replacement, sizeof v[n].replacement, "%s",
		    p->replacement);
	}
	ares_free_data(r);
	sip_res_naptr(j->res, v, n);
	free(v);
}

static void
sd_srv(struct sd_job *j, const unsigned char *buf, int len)
{
	struct sip_res_srv	*v = xcalloc(SIP_RES_RECORDS_MAX + 1,
				    sizeof *v);
	struct ares_srv_reply	*r = NULL, *p;
	unsigned		 n = 0;
	int			 rc;

	if ((rc = ares_parse_srv_reply(buf, len, &r)) != ARES_SUCCESS) {
		sip_res_failed(j->res, sd_errno(rc));
		free(v);
		return;
	}
	for (p = r; p != NULL; p = p->next, n++) {
		if (n > SIP_RES_RECORDS_MAX)
			continue;
		v[n].prio = p->priority;
		v[n].weight = p->weight;
		v[n].port = p->port;
		snprintf(v[n].target, sizeof v[n].target, "%s", p->host);
	}
	ares_free_data(r);
	sip_res_srv(j->res, v, n);
	free(v);
}

static void
sd_addrs(struct sd_job *j, bool v6, const unsigned char *buf, int len)
{
	struct ares_addrttl	a4[SIP_RES_RECORDS_MAX + 1];
	struct ares_addr6ttl	a6[SIP_RES_RECORDS_MAX + 1];
	struct addr		a[SIP_RES_RECORDS_MAX + 1];
	int			n = SIP_RES_RECORDS_MAX + 1, i, rc;

	rc = v6 ? ares_parse_aaaa_reply(buf, len, NULL, a6, &n) :
	    ares_parse_a_reply(buf, len, NULL, a4, &n);
	if (rc != ARES_SUCCESS) {
		sip_res_failed(j->res, sd_errno(rc));
		return;
	}
	for (i = 0; i < n; i++) {
		memset(&a[i], 0, sizeof a[i]);
		a[i].family = v6 ? 6 : 4;
		if (v6)
			memcpy(a[i].ip, &a6[i].ip6addr, 16);
		else
			memcpy(a[i].ip, &a4[i].ipaddr, 4);
	}
	sip_res_addrs(j->res, a, (unsigned)n);
}

static void
sd_answer(void *arg, int status, int timeouts, unsigned char *buf, int len)
{
	struct sd_job	*j = arg;
	struct srv_dns	*sd = j->sd;

	(void)timeouts;
	j->busy = false;
	if (status == ARES_EDESTRUCTION || sd->freeing)
		return;
	if (status != ARES_SUCCESS) {
		if (status == ARES_ETIMEOUT)
			sd->st.timeouts++;
		else
			sd->st.failures++;
		sip_res_failed(j->res, sd_errno(status));
	} else {
		sd->st.answers++;
		switch (j->qtype) {
		case SIP_RES_NAPTR:
			sd_naptr(j, buf, len);
			break;
		case SIP_RES_SRV:
			sd_srv(j, buf, len);
			break;
		case SIP_RES_A:
		case SIP_RES_AAAA:
			sd_addrs(j, j->qtype == SIP_RES_AAAA, buf, len);
			break;
		}
	}
	/* the next step from the loop, not from inside c-ares */
	event_active(sd->kick, EV_TIMEOUT, 0);
}

static void
sd_job_free(struct srv_dns *sd, struct sd_job *j)
{
	struct sd_job	**p;

	for (p = &sd->jobs; *p != NULL; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
	sip_res_free(j->res);
	free(j);
}

/* j's next query, or its end: false when it ended (and is freed). */
static bool
sd_step(struct srv_dns *sd, struct sd_job *j)
{
	static const int	 types[] = { ns_t_naptr, ns_t_srv, ns_t_a,
				    ns_t_aaaa };
	struct sip_res_target	 t[SIP_RES_TARGETS_MAX];
	struct sip_res_query	 q;
	const char		*why;
	unsigned		 n;
	int			 st;

	if (j->busy)
		return true;
	if (sip_res_next_query(j->res, &q)) {
		j->busy = true;
		j->qtype = q.type;
		sd->st.queries++;
		log_debug("dns: %s %s", sip_res_qtype_name(q.type), q.name);
		ares_query(sd->ch, q.name, ns_c_in, types[q.type], sd_answer,
		    j);
		sd_arm(sd);
		return true;
	}
	st = sip_res_status(j->res, &why);
	n = sip_res_targets(j->res, t, SIP_RES_TARGETS_MAX);
	sd->st.resolutions++;
	j->cb(st, why, t, n, j->arg);
	sd_job_free(sd, j);
	return false;
}

static void
sd_kick(evutil_socket_t fd, short what, void *arg)
{
	struct srv_dns	*sd = arg;
	struct sd_job	*j, *next;

	(void)fd;
	(void)what;
	for (j = sd->jobs; j != NULL; j = next) {
		next = j->next;
		(void)sd_step(sd, j);
	}
}

int
srv_dns_resolve(struct srv_dns *sd, const char *uri, bool tls, srv_dns_cb cb,
    void *arg)
{
	struct sip_res_cfg	 cfg = { tls, true };
	struct sip_uri		 u;
	struct sd_job		*j;
	char			*cause;
	int			 rc;

	if (sip_uri_parse(&u, uri, strlen(uri)) != 0)
		return EINVAL;
	if (sd->ch == NULL && (rc = sd_channel(sd, &cause)) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return rc;
	}
	j = xcalloc(1, sizeof *j);
	if ((rc = sip_res_new(&j->res, &u, &cfg, &sd->rng)) != 0) {
		free(j);
		return rc;
	}
	j->sd = sd;
	j->cb = cb;
	j->arg = arg;
	j->next = sd->jobs;
	sd->jobs = j;
	event_active(sd->kick, EV_TIMEOUT, 0);
	return 0;
}

const struct srv_dns_stats *
srv_dns_stats(const struct srv_dns *sd)
{
	return &sd->st;
}

/* A c-ares channel for sd, in sd->ch: 0, or an error and *cause. */
static int
sd_channel(struct srv_dns *sd, char **cause)
{
	struct ares_options	 o;
	char			 csv[ADDR_STRLEN + 8];
	int			 rc;

	memset(&o, 0, sizeof o);
	o.sock_state_cb = sd_sock_state;
	o.sock_state_cb_data = sd;
	o.timeout = SD_TIMEOUT_MS;
	o.tries = SD_TRIES;
	if ((rc = ares_init_options(&sd->ch, &o, ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)) != ARES_SUCCESS) {
		sd->ch = NULL;
		*cause = xasprintf("dns: %s", ares_strerror(rc));
		return EIO;
	}
	if (sd->server.family != 0 && (rc = ares_set_servers_ports_csv(sd->ch,
	    addr_str(&sd->server, csv))) != ARES_SUCCESS) {
		*cause = xasprintf("dns: [interwork] dns_server: %s",
		    ares_strerror(rc));
		ares_destroy(sd->ch);
		sd->ch = NULL;
		return EINVAL;
	}
	return 0;
}

int
srv_dns_new(struct srv_dns **out, struct event_base *base,
    const struct addr *server, char **cause)
{
	struct srv_dns		*sd = xcalloc(1, sizeof *sd);
	unsigned		 i;
	int			 rc;

	sd->base = base;
	sd->rng.fill = srv_rand;
	if (server != NULL)
		sd->server = *server;
	for (i = 0; i < SD_SOCKS_MAX; i++)
		sd->socks[i].fd = -1;
	/* A channel made and dropped: a bad server is told at start. */
	if ((rc = sd_channel(sd, cause)) != 0) {
		free(sd);
		return rc;
	}
	ares_destroy(sd->ch);
	sd->ch = NULL;
	sd->timer = evtimer_new(base, sd_timer, sd);
	sd->kick = event_new(base, -1, 0, sd_kick, sd);
	*out = sd;
	return 0;
}

void
srv_dns_free(struct srv_dns *sd)
{
	struct sd_job	*j;
	unsigned	 i;

	if (sd == NULL)
		return;
	sd->freeing = true;
	if (sd->ch != NULL)
		ares_destroy(sd->ch);	/* answers ARES_EDESTRUCTION */
	while ((j = sd->jobs) != NULL) {
		j->cb(ECANCELED, "the daemon stops", NULL, 0, j->arg);
		sd_job_free(sd, j);
	}
	for (i = 0; i < SD_SOCKS_MAX; i++)
		if (sd->socks[i].ev != NULL)
			event_free(sd->socks[i].ev);
	event_free(sd->timer);
	event_free(sd->kick);
	free(sd);
}
