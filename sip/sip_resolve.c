/*
 * sip_resolve.c - RFC 3263 §4 (sip_resolve.h): NAPTR, then SRV, then
 * A/AAAA, one query at a time, into the list of servers to try in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rng.h"
#include "sip_resolve.h"
#include "sip_uri.h"
#include "xmalloc.h"

#define RES_SRV_MAX	8	/* SRV names tried for one URI */

enum res_phase {
	PH_NAPTR,
	PH_SRV,
	PH_ADDR,
	PH_DONE,
};

struct res_srv {			/* an SRV name to try */
	char		 name[SIP_RES_NAME_MAX];
	enum sip_tp	 tp;
};

struct res_host {			/* a server to find addresses of */
	char		 name[SIP_RES_NAME_MAX];
	uint16_t	 port;
	enum sip_tp	 tp;
};

struct sip_res {
	struct sip_res_cfg cfg;
	struct rng	*rng;
	bool		 sips;
	enum sip_tp	 deftp;		/* without SRV (§4.1) */
	char		 host[SIP_RES_NAME_MAX];
	enum res_phase	 ph;
	bool		 asked;		/* q is out */
	struct sip_res_query q;
	struct sip_res_query seen[SIP_RES_QUERIES_MAX];	/* NAPTR, SRV */
	unsigned	 nseen;
	unsigned	 nqueries;
	unsigned	 depth;
	char		 naptr_name[SIP_RES_NAME_MAX];
	struct res_srv	 srvs[RES_SRV_MAX];
	unsigned	 nsrv, isrv;
	struct res_host	 hosts[SIP_RES_TARGETS_MAX];
	unsigned	 nhosts, ihost;
	bool		 aaaa;		/* hosts[ihost]'s AAAA next */
	struct sip_res_target t[SIP_RES_TARGETS_MAX];
	unsigned	 nt;
	bool		 servfail;	/* a query failed other than NXDOMAIN */
	int		 status;
	const char	*why;
};

static const char *const res_qtype_names[] = { "NAPTR", "SRV", "A", "AAAA" };

const char *
sip_res_qtype_name(enum sip_res_qtype t)
{
	return res_qtype_names[t];
}

static uint16_t
res_default_port(enum sip_tp tp)
{
	return tp == SIP_TP_TLS ? 5061 : 5060;
}

static void
res_done(struct sip_res *r, int status, const char *why)
{
	r->ph = PH_DONE;
	r->asked = false;
	r->status = status;
	r->why = why;
}

/* Copy a name: false if it does not fit (or is empty, or the root). */
static bool
res_name(char *out, const char *in)
{
	size_t	n = strlen(in);

	if (n == 0 || n >= SIP_RES_NAME_MAX || strcmp(in, ".") == 0)
		return false;
	memcpy(out, in, n + 1);
	return true;
}

static void
res_add_srv(struct sip_res *r, const char *service, const char *proto,
    enum sip_tp tp)
{
	struct res_srv	*s;
	int		 n;

	if (r->nsrv == RES_SRV_MAX)
		return;
	s = &r->srvs[r->nsrv];
	n = snprintf(s->name, sizeof s->name, "%s.%s.%s", service, proto,
	    r->host);
	if (n < 0 || (size_t)n >= sizeof s->name)
		return;
	s->tp = tp;
	r->nsrv++;
}

static void
res_add_host(struct sip_res *r, const char *name, uint16_t port,
    enum sip_tp tp)
{
	struct res_host	*h;
	unsigned	 i;

	for (i = 0; i < r->nhosts; i++)
		if (strcasecmp(r->hosts[i].name, name) == 0 &&
		    r->hosts[i].port == port && r->hosts[i].tp == tp)
			return;
	if (r->nhosts == SIP_RES_TARGETS_MAX)
		return;
	h = &r->hosts[r->nhosts];
	if (!res_name(h->name, name))
		return;
	h->port = port;
	h->tp = tp;
	r->nhosts++;
}

/* No SRV (§4.2): the URI's host itself, at the default port. */
static void
res_to_host(struct sip_res *r)
{
	r->nhosts = r->ihost = 0;
	res_add_host(r, r->host, res_default_port(r->deftp), r->deftp);
	r->ph = PH_ADDR;
}

/* No NAPTR (§4.1): an SRV query for each transport we support. */
static void
res_no_naptr(struct sip_res *r)
{
	r->nsrv = r->isrv = 0;
	if (!r->sips) {
		res_add_srv(r, "_sip", "_udp", SIP_TP_UDP);
		res_add_srv(r, "_sip", "_tcp", SIP_TP_TCP);
	}
	if (r->cfg.tls)
		res_add_srv(r, "_sips", "_tcp", SIP_TP_TLS);
	r->ph = r->nsrv > 0 ? PH_SRV : PH_ADDR;
	if (r->nsrv == 0)
		res_to_host(r);
}

int
sip_res_new(struct sip_res **out, const struct sip_uri *u,
    const struct sip_res_cfg *cfg, struct rng *rng)
{
	struct sip_res	*r;
	struct sip_pl	 v;
	struct addr	 a;
	enum sip_tp	 tp = SIP_TP_UDP;
	bool		 given = false;

	if (u->host.l == 0 || u->host.l >= SIP_RES_NAME_MAX)
		return EINVAL;
	if (sip_uri_param(&u->params, "transport", &v)) {
		given = true;
		if (sip_pl_caseeq(&v, "udp"))
			tp = SIP_TP_UDP;
		else if (sip_pl_caseeq(&v, "tcp"))
			tp = SIP_TP_TCP;
		else if (sip_pl_caseeq(&v, "tls"))
			tp = SIP_TP_TLS;
		else
			return EINVAL;		/* sctp, ws...: not ours */
	}
	/* RFC 3261 §26.2.2: sips: is TLS on every hop */
	if (u->sips) {
		if (given && tp == SIP_TP_UDP)
			return EINVAL;
		tp = SIP_TP_TLS;
	}
	if (tp == SIP_TP_TLS && !cfg->tls)
		return EINVAL;
	r = xcalloc(1, sizeof *r);
	r->cfg = *cfg;
	r->rng = rng;
	r->sips = u->sips;
	r->deftp = tp;
	memcpy(r->host, u->host.p, u->host.l);
	r->host[u->host.l] = '\0';
	*out = r;
	r->status = EINPROGRESS;
	r->why = "resolving";
	/* §4.2: a numeric host is the address */
	if (addr_parse_ip(r->host, &a) == 0) {
		a.port = u->port != 0 ? u->port : res_default_port(tp);
		r->t[0] = (struct sip_res_target){ .tp = tp, .addr = a };
		r->nt = 1;
		res_done(r, 0, "a numeric host");
		return 0;
	}
	if (u->port != 0) {			/* §4.2: A/AAAA, that port */
		res_add_host(r, r->host, u->port, tp);
		r->ph = PH_ADDR;
	} else if (given) {			/* §4.2: that transport's SRV */
		res_add_srv(r, tp == SIP_TP_TLS ? "_sips" : "_sip",
		    tp == SIP_TP_UDP ? "_udp" : "_tcp", tp);
		r->ph = PH_SRV;
	} else {				/* §4.1: NAPTR */
		memcpy(r->naptr_name, r->host, sizeof r->naptr_name);
		r->ph = PH_NAPTR;
	}
	return 0;
}

void
sip_res_free(struct sip_res *r)
{
	free(r);
}

/* Has this NAPTR or SRV name been asked already (a loop)? */
static bool
res_seen(struct sip_res *r, const struct sip_res_query *q)
{
	unsigned	i;

	for (i = 0; i < r->nseen; i++)
		if (r->seen[i].type == q->type &&
		    strcasecmp(r->seen[i].name, q->name) == 0)
			return true;
	if (r->nseen < SIP_RES_QUERIES_MAX)
		r->seen[r->nseen++] = *q;
	return false;
}

bool
sip_res_next_query(struct sip_res *r, struct sip_res_query *q)
{
	if (r->asked || r->ph == PH_DONE)
		return false;
	memset(&r->q, 0, sizeof r->q);
	switch (r->ph) {
	case PH_NAPTR:
		r->q.type = SIP_RES_NAPTR;
		memcpy(r->q.name, r->naptr_name, sizeof r->q.name);
		break;
	case PH_SRV:
		r->q.type = SIP_RES_SRV;
		memcpy(r->q.name, r->srvs[r->isrv].name, sizeof r->q.name);
		break;
	case PH_ADDR:
		if (r->ihost == r->nhosts) {
			if (r->nt > 0)
				res_done(r, 0, "resolved");
			else if (r->servfail)
				res_done(r, EIO, "the DNS server failed");
			else
				res_done(r, ENOENT, "no server found for the "
				    "domain");
			return false;
		}
		r->q.type = r->aaaa ? SIP_RES_AAAA : SIP_RES_A;
		memcpy(r->q.name, r->hosts[r->ihost].name, sizeof r->q.name);
		break;
	case PH_DONE:
		return false;
	}
	if (r->nqueries == SIP_RES_QUERIES_MAX) {
		res_done(r, ELOOP, "too many DNS queries (a loop?)");
		return false;
	}
	if (r->q.type != SIP_RES_A && r->q.type != SIP_RES_AAAA &&
	    res_seen(r, &r->q)) {
		res_done(r, ELOOP, r->q.type == SIP_RES_NAPTR ?
		    "a NAPTR loop" : "an SRV loop");
		return false;
	}
	r->nqueries++;
	r->asked = true;
	*q = r->q;
	return true;
}

/* The answer is to the query asked (and of this type)? */
static bool
res_answer(struct sip_res *r, bool is_type, unsigned n)
{
	if (!r->asked || !is_type)
		return false;
	r->asked = false;
	if (n > SIP_RES_RECORDS_MAX) {
		res_done(r, EMSGSIZE, "a DNS answer of too many records");
		return false;
	}
	return true;
}

/* ---- NAPTR (§4.1, RFC 2915) ---- */

/* What a terminal record's service gives us: its transport, or -1. */
static int
res_service(const struct sip_res *r, const char *service)
{
	if (strcasecmp(service, "SIPS+D2T") == 0)
		return r->cfg.tls ? SIP_TP_TLS : -1;
	if (r->sips)			/* §4.1: SIPS services only */
		return -1;
	if (strcasecmp(service, "SIP+D2T") == 0)
		return SIP_TP_TCP;
	if (strcasecmp(service, "SIP+D2U") == 0)
		return SIP_TP_UDP;
	return -1;			/* D2S (SCTP), others: not ours */
}

static int
res_naptr_cmp(const void *a, const void *b)
{
	const struct sip_res_naptr *x = *(const struct sip_res_naptr *const *)a;
	const struct sip_res_naptr *y = *(const struct sip_res_naptr *const *)b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return 0;
}

void
sip_res_naptr(struct sip_res *r, const struct sip_res_naptr *rec, unsigned n)
{
	const struct sip_res_naptr *v[SIP_RES_RECORDS_MAX];
	unsigned	 i, k = 0;
	int		 tp;

	if (!res_answer(r, r->q.type == SIP_RES_NAPTR, n))
		return;
	for (i = 0; i < n; i++)
		v[k++] = &rec[i];
	qsort(v, k, sizeof v[0], res_naptr_cmp);
	r->nsrv = r->isrv = 0;
	for (i = 0; i < k; i++) {
		if (v[i]->flags[0] == '\0') {
			/* RFC 2915 §4: non-terminal, another NAPTR lookup;
			 * the first such, if nothing terminal came before */
			if (r->nsrv > 0)
				break;
			if (++r->depth > SIP_RES_DEPTH_MAX) {
				res_done(r, ELOOP, "a NAPTR chain too long");
				return;
			}
			if (!res_name(r->naptr_name, v[i]->replacement))
				continue;
			return;				/* stays PH_NAPTR */
		}
		if (strcasecmp(v[i]->flags, "s") != 0 ||
		    (tp = res_service(r, v[i]->service)) < 0 ||
		    r->nsrv == RES_SRV_MAX ||
		    !res_name(r->srvs[r->nsrv].name, v[i]->replacement))
			continue;
		r->srvs[r->nsrv++].tp = (enum sip_tp)tp;
	}
	if (r->nsrv > 0)
		r->ph = PH_SRV;
	else
		res_no_naptr(r);	/* none we can use: as if none */
}

/* ---- SRV (§4.2, RFC 2782) ---- */

/* RFC 2782 "Usage rules": by priority, and within one by weight, at
 * random (those of weight 0 first in the running sum). */
static void
res_srv_order(struct sip_res *r, const struct sip_res_srv **v, unsigned n)
{
	const struct sip_res_srv *t;
	unsigned	 i, j, lo, hi, pick;
	uint64_t	 total, x, sum;

	for (i = 1; i < n; i++)			/* stable by priority */
		for (j = i; j > 0 && v[j - 1]->prio > v[j]->prio; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (lo = 0; lo < n; lo = hi) {
		for (hi = lo; hi < n && v[hi]->prio == v[lo]->prio; hi++)
			;
		for (i = lo; i + 1 < hi; i++) {
			/* weight 0 first, then the order they came in */
			for (j = i + 1; j < hi; j++)
				if (v[j]->weight == 0 && v[i]->weight != 0) {
					t = v[i];
					v[i] = v[j];
					v[j] = t;
				}
			total = 0;
			for (j = i; j < hi; j++)
				total += v[j]->weight;
			x = rng_below(r->rng, total + 1);
			for (pick = i, sum = 0, j = i; j < hi; j++) {
				sum += v[j]->weight;
				if (sum >= x) {
					pick = j;
					break;
				}
			}
			t = v[i];
			v[i] = v[pick];
			v[pick] = t;
		}
	}
}

/* This SRV name gave nothing: the next, or the host itself (§4.2). */
static void
res_srv_next(struct sip_res *r)
{
	if (++r->isrv < r->nsrv)
		return;
	res_to_host(r);
}

void
sip_res_srv(struct sip_res *r, const struct sip_res_srv *rec, unsigned n)
{
	const struct sip_res_srv *v[SIP_RES_RECORDS_MAX];
	unsigned	 i, k = 0;

	if (!res_answer(r, r->q.type == SIP_RES_SRV, n))
		return;
	for (i = 0; i < n; i++)
		if (strcmp(rec[i].target, ".") != 0 && rec[i].target[0] != '\0')
			v[k++] = &rec[i];
	if (k == 0) {			/* none, or "." (RFC 2782: not here) */
		res_srv_next(r);
		return;
	}
	res_srv_order(r, v, k);
	r->nhosts = r->ihost = 0;
	for (i = 0; i < k; i++)
		res_add_host(r, v[i]->target, v[i]->port,
		    r->srvs[r->isrv].tp);
	r->ph = PH_ADDR;
}

/* ---- A, AAAA ---- */

static void
res_host_next(struct sip_res *r)
{
	if (r->cfg.ipv6 && !r->aaaa)
		r->aaaa = true;
	else {
		r->aaaa = false;
		r->ihost++;
	}
}

void
sip_res_addrs(struct sip_res *r, const struct addr *a, unsigned n)
{
	const struct res_host	*h;
	struct sip_res_target	 t;
	unsigned		 i, j;

	if (!res_answer(r, r->q.type == SIP_RES_A || r->q.type ==
	    SIP_RES_AAAA, n))
		return;
	h = &r->hosts[r->ihost];
	memset(&t, 0, sizeof t);
	for (i = 0; i < n && r->nt < SIP_RES_TARGETS_MAX; i++) {
		if (a[i].family != (r->q.type == SIP_RES_A ? 4 : 6))
			continue;
		t.tp = h->tp;
		t.addr = a[i];
		t.addr.port = h->port;
		for (j = 0; j < r->nt; j++)
			if (r->t[j].tp == t.tp && addr_eq(&r->t[j].addr,
			    &t.addr))
				break;
		if (j == r->nt)
			r->t[r->nt++] = t;
	}
	res_host_next(r);
}

void
sip_res_failed(struct sip_res *r, int err)
{
	if (!r->asked)
		return;
	r->asked = false;
	if (err == ETIMEDOUT) {
		/* a DNS server that does not answer: no more queries (each
		 * would wait as long), whatever was found is what there is */
		res_done(r, r->nt > 0 ? 0 : ETIMEDOUT, r->nt > 0 ?
		    "resolved (in part: the DNS server stopped answering)" :
		    "the DNS server did not answer");
		return;
	}
	/* another failure (SERVFAIL, REFUSED...): on to the next step as
	 * if the name had none, and said if nothing is found */
	if (err != ENOENT)
		r->servfail = true;
	switch (r->q.type) {
	case SIP_RES_NAPTR:
		res_no_naptr(r);
		break;
	case SIP_RES_SRV:
		res_srv_next(r);
		break;
	case SIP_RES_A:
	case SIP_RES_AAAA:
		res_host_next(r);
		break;
	}
}

int
sip_res_status(const struct sip_res *r, const char **why)
{
	*why = r->why;
	return r->status;
}

unsigned
sip_res_targets(const struct sip_res *r, struct sip_res_target *t,
    unsigned max)
{
	unsigned	n = r->nt < max ? r->nt : max;

	memcpy(t, r->t, n * sizeof t[0]);
	return n;
}
