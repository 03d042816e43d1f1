/*
 * nat.c - the NAT traversal core: the Binding server and the discovery
 * of the reflexive address and the NAT's behaviour (RFC 5780 §4).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "log_ctx.h"
#include "nat.h"
#include "nat_stunc.h"
#include "stun.h"
#include "wire.h"
#include "xmalloc.h"

/* The steps of a discovery; each is a cookie of the client. */
enum nat_step {
	NAT_STEP_IDLE,
	NAT_STEP_T1,		/* Test I to servers[si] */
	NAT_STEP_FILTER,	/* §4.4 tests II and III, at once */
	NAT_STEP_MAP2,		/* §4.3 test II: other address, port */
	NAT_STEP_MAP3,		/* §4.3 test III: other address and port */
	NAT_STEP_ALT,		/* Test I to a server of another address */
};

#define NAT_C_T1		1
#define NAT_C_FILT_IP		2	/* change IP and port */
#define NAT_C_FILT_PORT		3	/* change port */
#define NAT_C_MAP2		4
#define NAT_C_MAP3		5
#define NAT_C_ALT		6

struct nat_slot {
	uint8_t		ip[16];
	int64_t		last;		/* ms */
	uint32_t	milli;		/* tokens, in thousandths */
};

struct nat {
	struct nat_cfg		 cfg;
	const struct log_ctx	*log;
	struct nat_stunc	*stunc;
	struct fifo		 actions;
	struct nat_report	 rep;

	struct addr		 peers[NAT_SERVERS_MAX];
	unsigned		 npeers;
	/* the discovery under way */
	enum nat_step		 step;
	struct addr		 srv[NAT_SERVERS_MAX];	/* asked, in order */
	unsigned		 nsrv, si;	/* si: Test I's */
	unsigned		 ai;		/* the second's */
	struct addr		 m1, m2;	/* Test I's, test II's mapping */
	struct addr		 other;
	int			 filt_ip, filt_port;	/* -1 waiting, 0 no
						   answer, 1 one, 2 one
						   from a wrong place */
	int64_t			 next_probe;	/* INT64_MAX: none planned */

	struct nat_slot		 slots[NAT_RATE_SLOTS];
};

static const char *const nat_map_names[] = {
	"unknown", "none", "endpoint-independent", "address-dependent",
	"address-and-port-dependent", "address-or-port-dependent",
};

static const char *const nat_filt_names[] = {
	"unknown", "endpoint-independent", "address-dependent",
	"address-and-port-dependent",
};

const char *
nat_mapping_name(enum nat_mapping m)
{
	return (unsigned)m < sizeof nat_map_names / sizeof nat_map_names[0] ?
	    nat_map_names[m] : "unknown";
}

const char *
nat_filtering_name(enum nat_filtering f)
{
	return (unsigned)f < sizeof nat_filt_names / sizeof nat_filt_names[0] ?
	    nat_filt_names[f] : "unknown";
}

int
nat_new(struct nat **out, const struct nat_cfg *cfg, struct rng *rng,
    const struct log_ctx *log)
{
	struct nat	*n;
	int		 rc;

	if (cfg->nservers > NAT_SERVERS_MAX || cfg->serve_rate == 0 ||
	    cfg->probe_interval_ms == 0)
		return EINVAL;
	n = xcalloc(1, sizeof *n);
	n->cfg = *cfg;
	n->log = log;
	if ((rc = nat_stunc_new(&n->stunc, &cfg->stun, rng)) != 0) {
		free(n);
		return rc;
	}
	fifo_init(&n->actions, sizeof(struct nat_action));
	n->rep.host = cfg->host;
	snprintf(n->rep.why, sizeof n->rep.why, "not probed yet: no STUN "
	    "server configured, no overlay peer yet");
	n->next_probe = INT64_MAX;
	*out = n;
	return 0;
}

void
nat_free(struct nat *n)
{
	if (n == NULL)
		return;
	nat_stunc_free(n->stunc);
	fifo_clear(&n->actions);
	free(n);
}

int
nat_report_nated(const struct nat_report *r)
{
	if (r->reflexive.family == 0)
		return -1;
	return !addr_ip_eq(&r->reflexive, &r->host);
}

const struct nat_report *
nat_report(const struct nat *n)
{
	return &n->rep;
}

/* Move what the client queued to our own queue. */
static void nat_step_result(struct nat *, int64_t,
    const struct nat_stunc_result *);

static void
nat_drain(struct nat *n, int64_t now)
{
	struct nat_stunc_action	 sa;
	struct nat_action	 a;

	while (nat_stunc_next_action(n->stunc, &sa)) {
		if (sa.type == NAT_STUNC_RESULT) {
			nat_step_result(n, now, &sa.res);
			continue;
		}
		memset(&a, 0, sizeof a);
		a.type = NAT_ACT_SEND;
		a.to = sa.to;
		memcpy(a.buf, sa.buf, sa.len);
		a.len = sa.len;
		fifo_push(&n->actions, &a);
	}
}

static void
nat_ask(struct nat *n, int64_t now, const struct addr *to, unsigned change,
    uint64_t cookie)
{
	char	b[ADDR_STRLEN];

	lc_debug(n->log, "nat: stun: ask %s change=%u test=%llu",
	    addr_str(to, b), change, (unsigned long long)cookie);
	/* at most a few at once: the table has room */
	(void)nat_stunc_binding(n->stunc, now, to, change, cookie);
}

static void
nat_finish(struct nat *n, int64_t now, const char *why)
{
	struct nat_action	 a;
	char			 b[ADDR_STRLEN];

	n->step = NAT_STEP_IDLE;
	n->rep.probing = false;
	n->rep.done_at = now;
	snprintf(n->rep.why, sizeof n->rep.why, "%s", why);
	n->next_probe = now + n->cfg.probe_interval_ms;
	if (n->rep.reflexive.family != 0)
		lc_info(n->log, "nat: reflexive=%s mapping=%s filtering=%s%s%s",
		    addr_str(&n->rep.reflexive, b),
		    nat_mapping_name(n->rep.mapping),
		    nat_filtering_name(n->rep.filtering),
		    *why != '\0' ? " why=" : "", why);
	else
		lc_warn(n->log, "nat: no reflexive address: %s", why);
	memset(&a, 0, sizeof a);
	a.type = NAT_ACT_REPORT;
	fifo_push(&n->actions, &a);
}

/* The servers to ask: the config's, or else the overlay's. */
static void
nat_pick_servers(struct nat *n)
{
	const struct addr	*from = n->cfg.nservers > 0 ?
				    n->cfg.servers : n->peers;

	n->nsrv = n->cfg.nservers > 0 ? n->cfg.nservers : n->npeers;
	memcpy(n->srv, from, n->nsrv * sizeof *from);
	n->si = 0;
}

void
nat_probe(struct nat *n, int64_t now)
{
	if (n->step != NAT_STEP_IDLE)
		return;
	nat_pick_servers(n);
	n->rep.probing = true;
	n->next_probe = INT64_MAX;
	if (n->nsrv == 0) {
		n->rep.reflexive.family = 0;
		n->rep.mapping = NAT_MAP_UNKNOWN;
		n->rep.filtering = NAT_FILT_UNKNOWN;
		nat_finish(n, now, n->cfg.nservers == 0 ?
		    "no STUN server: none configured, no overlay peer" :
		    "no STUN server");
		return;
	}
	memset(&n->m1, 0, sizeof n->m1);
	memset(&n->m2, 0, sizeof n->m2);
	memset(&n->other, 0, sizeof n->other);
	n->step = NAT_STEP_T1;
	nat_ask(n, now, &n->srv[0], 0, NAT_C_T1);
	nat_drain(n, now);
}

void
nat_set_peers(struct nat *n, int64_t now, const struct addr *a, unsigned cnt)
{
	unsigned	had = n->npeers, i, k = 0, pass;

	/* public addresses first: a peer behind the same NAT would see
	 * our host address and tell us there is no NAT */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < cnt && k < NAT_SERVERS_MAX; i++)
			if (addr_is_private(&a[i]) == (pass == 1))
				n->peers[k++] = a[i];
	n->npeers = k;
	/* the first peers; or more, when those before gave no address
	 * or too few told the behaviour */
	if (n->cfg.nservers == 0 && k > 0 && n->step == NAT_STEP_IDLE &&
	    (had == 0 || n->rep.reflexive.family == 0 ||
	    (n->rep.mapping == NAT_MAP_UNKNOWN && k > had)))
		nat_probe(n, now);
}

/*
 * No RFC 5780 server: the next server of another address than Test I's
 * tells whether the mapping depends on the destination.
 */
static void
nat_next_alt(struct nat *n, int64_t now)
{
	while (++n->ai < n->nsrv)
		if (!addr_ip_eq(&n->srv[n->ai], &n->srv[n->si]))
			break;
	if (n->ai >= n->nsrv) {
		nat_finish(n, now, "no second STUN server of another address "
		    "answered: behaviour unknown");
		return;
	}
	n->step = NAT_STEP_ALT;
	nat_ask(n, now, &n->srv[n->ai], 0, NAT_C_ALT);
}

/* Test I answered: the filtering tests need the other address. */
static void
nat_after_t1(struct nat *n, int64_t now, const struct nat_stunc_result *r)
{
	const struct addr	*s = &n->srv[n->si];

	n->m1 = r->mapped;
	n->rep.reflexive = r->mapped;
	n->rep.server = *s;
	n->rep.mapping = NAT_MAP_UNKNOWN;
	n->rep.filtering = NAT_FILT_UNKNOWN;
	n->rep.server_rfc5780 = false;
	if (addr_eq(&r->mapped, &n->cfg.host))
		n->rep.mapping = NAT_MAP_NONE;
	/* §4.3: the other address must differ in address and port */
	if (r->other.family == s->family && !addr_ip_eq(&r->other, s) &&
	    r->other.port != s->port) {
		n->other = r->other;
		n->rep.server_rfc5780 = true;
		n->step = NAT_STEP_FILTER;
		n->filt_ip = n->filt_port = -1;
		nat_ask(n, now, s, STUN_CHANGE_IP | STUN_CHANGE_PORT,
		    NAT_C_FILT_IP);
		nat_ask(n, now, s, STUN_CHANGE_PORT, NAT_C_FILT_PORT);
		return;
	}
	if (n->rep.mapping == NAT_MAP_NONE) {
		nat_finish(n, now, "");
		return;
	}
	n->ai = n->si;
	nat_next_alt(n, now);
}

/* §4.4: a response from where the server was asked to answer from. */
static int
nat_filter_seen(const struct nat *n, const struct nat_stunc_result *r,
    bool ip)
{
	const struct addr	*s = &n->srv[n->si];

	if (r->error != 0)
		return 0;
	if (ip ? !addr_ip_eq(&r->from, &n->other) : !addr_ip_eq(&r->from, s))
		return 2;	/* the server did not do as asked */
	return r->from.port != s->port ? 1 : 2;
}

static void
nat_after_filter(struct nat *n, int64_t now)
{
	struct addr	t2;

	if (n->filt_ip < 0 || n->filt_port < 0)
		return;
	if (n->filt_ip == 1)
		n->rep.filtering = NAT_FILT_EI;
	else if (n->filt_ip == 0 && n->filt_port == 1)
		n->rep.filtering = NAT_FILT_AD;
	else if (n->filt_ip == 0 && n->filt_port == 0)
		n->rep.filtering = NAT_FILT_APD;
	if (n->rep.mapping == NAT_MAP_NONE) {
		nat_finish(n, now, "");
		return;
	}
	/* §4.3 test II: the other address, the primary port */
	t2 = n->other;
	t2.port = n->srv[n->si].port;
	n->step = NAT_STEP_MAP2;
	nat_ask(n, now, &t2, 0, NAT_C_MAP2);
}

static void
nat_step_result(struct nat *n, int64_t now, const struct nat_stunc_result *r)
{
	char	b[ADDR_STRLEN];

	if (r->error != 0)
		lc_debug(n->log, "nat: stun: %s test=%llu: %s %u",
		    addr_str(&r->server, b), (unsigned long long)r->cookie,
		    r->error == ETIMEDOUT ? "no answer" : "error", r->code);
	switch (r->cookie) {
	case NAT_C_T1:
		if (n->step != NAT_STEP_T1)
			return;
		if (r->error == 0) {
			nat_after_t1(n, now, r);
			return;
		}
		if (++n->si < n->nsrv) {
			nat_ask(n, now, &n->srv[n->si], 0, NAT_C_T1);
			return;
		}
		n->rep.reflexive.family = 0;
		nat_finish(n, now, "no STUN server answered");
		return;
	case NAT_C_FILT_IP:
	case NAT_C_FILT_PORT:
		if (n->step != NAT_STEP_FILTER)
			return;
		if (r->cookie == NAT_C_FILT_IP)
			n->filt_ip = nat_filter_seen(n, r, true);
		else
			n->filt_port = nat_filter_seen(n, r, false);
		nat_after_filter(n, now);
		return;
	case NAT_C_MAP2:
		if (n->step != NAT_STEP_MAP2)
			return;
		if (r->error != 0) {
			nat_finish(n, now, "the server's other address did "
			    "not answer: mapping unknown");
			return;
		}
		n->m2 = r->mapped;
		if (addr_eq(&n->m2, &n->m1)) {
			n->rep.mapping = NAT_MAP_EI;
			nat_finish(n, now, "");
			return;
		}
		n->step = NAT_STEP_MAP3;
		nat_ask(n, now, &n->other, 0, NAT_C_MAP3);
		return;
	case NAT_C_MAP3:
		if (n->step != NAT_STEP_MAP3)
			return;
		if (r->error != 0) {
			n->rep.mapping = NAT_MAP_DEP;
			nat_finish(n, now, "the server's other port did not "
			    "answer");
			return;
		}
		n->rep.mapping = addr_eq(&r->mapped, &n->m2) ? NAT_MAP_AD :
		    NAT_MAP_APD;
		nat_finish(n, now, "");
		return;
	case NAT_C_ALT:
		if (n->step != NAT_STEP_ALT)
			return;
		/* one on our side of the NAT sees the host address */
		if (r->error != 0 || addr_eq(&r->mapped, &n->cfg.host)) {
			nat_next_alt(n, now);
			return;
		}
		n->rep.mapping = addr_eq(&r->mapped, &n->m1) ? NAT_MAP_EI :
		    NAT_MAP_DEP;
		nat_finish(n, now, "no RFC 5780 server: filtering unknown");
		return;
	}
}

/*
 * The Binding server's rate limit: a token bucket per source address
 * (hashed into NAT_RATE_SLOTS; a collision shares a bucket), serve_rate
 * answers a second, as many at once.
 */
static bool
nat_rate_ok(struct nat *n, int64_t now, const struct addr *from)
{
	struct nat_slot	*s;
	uint32_t	 h = 2166136261u, cap = n->cfg.serve_rate * 1000u;
	int64_t		 add;
	size_t		 i;

	for (i = 0; i < 16; i++)
		h = (h ^ from->ip[i]) * 16777619u;
	s = &n->slots[h % NAT_RATE_SLOTS];
	if (memcmp(s->ip, from->ip, sizeof s->ip) != 0) {
		memcpy(s->ip, from->ip, sizeof s->ip);
		s->milli = cap;
		s->last = now;
	}
	add = (now - s->last) * (int64_t)n->cfg.serve_rate;
	if (add > 0) {
		s->milli = add >= (int64_t)(cap - s->milli) ? cap :
		    s->milli + (uint32_t)add;
		s->last = now;
	}
	if (s->milli < 1000)
		return false;
	s->milli -= 1000;
	return true;
}

static void
nat_serve(struct nat *n, int64_t now, const struct addr *from,
    const uint8_t *buf, size_t len)
{
	struct nat_action	a;
	struct wbuf		w;
	uint8_t			*p;
	int			rc;

	if (!n->cfg.serve) {
		n->rep.dropped++;
		return;
	}
	if (!nat_rate_ok(n, now, from)) {
		n->rep.limited++;
		return;
	}
	wbuf_init(&w, NAT_STUNC_DGRAM_MAX);
	rc = stun_binding_answer(buf, len, from, n->cfg.software, &w);
	if (rc != 0) {
		/* §6.3: what is not a Binding request gets nothing */
		if (rc != ENOMSG)
			n->rep.dropped++;
		wbuf_clear(&w);
		return;
	}
	memset(&a, 0, sizeof a);
	a.type = NAT_ACT_SEND;
	a.to = *from;
	p = wbuf_take(&w, &a.len);
	memcpy(a.buf, p, a.len);
	free(p);
	fifo_push(&n->actions, &a);
	n->rep.answered++;
}

bool
nat_input(struct nat *n, int64_t now, const struct addr *from,
    const uint8_t *buf, size_t len)
{
	if (!stun_is_message(buf, len))
		return false;
	/* §5: class bit C1 clear, a request or an indication, is the
	 * server's; set, a response, the client's */
	if ((buf[0] & 0x01) == 0) {
		nat_serve(n, now, from, buf, len);
		return true;
	}
	if (nat_stunc_input(n->stunc, now, from, buf, len)) {
		nat_drain(n, now);
		return true;
	}
	n->rep.dropped++;
	return true;
}

void
nat_tick(struct nat *n, int64_t now)
{
	nat_stunc_tick(n->stunc, now);
	nat_drain(n, now);
	if (n->step == NAT_STEP_IDLE && now >= n->next_probe)
		nat_probe(n, now);
}

int64_t
nat_deadline(const struct nat *n)
{
	int64_t	d = nat_stunc_deadline(n->stunc);

	return n->step == NAT_STEP_IDLE && n->next_probe < d ?
	    n->next_probe : d;
}

bool
nat_next_action(struct nat *n, struct nat_action *a)
{
	return fifo_pop(&n->actions, a);
}
