/*
 * d_interwork.c - where this node's requests for other SIP domains go
 * (draft-marocco-p2psip-interwork), the SIP driver's `dns` op: a proxy
 * peer asks DNS (RFC 3263, srv_dns.c); any other peer sends them to the
 * overlay's proxy peers, found at the service key (loc_proxy.c) and kept
 * D_PROXIES_KEEP_S, each pinned to the Node-ID that advertised it.  And
 * a proxy peer advertises itself there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "d.h"
#include "d_int.h"
#include "loc.h"
#include "log.h"
#include "sip_resolve.h"
#include "srv.h"
#include "srv_dns.h"
#include "srv_loc.h"
#include "srv_sip.h"
#include "xmalloc.h"

#define D_PROXIES_KEEP_S	30	/* the proxy peers found, kept */

/* A search the SIP driver waits on. */
struct d_proxy_wait {
	struct d	*d;
	d_servers_done	 done;
	void		*done_arg;
};

/* The proxy peers kept, from the next one on (each request starts at
 * another: the load spread, failover down the rest). */
static void
d_proxies_give(struct d *d, d_servers_done done, void *done_arg)
{
	struct sip_res_target	t[LOC_PROXIES_MAX];
	unsigned		i, n = d->nproxies;

	for (i = 0; i < n; i++)
		t[i] = d->proxies[(d->proxies_next + i) % n];
	d->proxies_next = (d->proxies_next + 1) % n;
	done(0, "proxy peers", t, n, done_arg);
}

static void
d_proxies_found(const struct loc_result *r, void *arg)
{
	struct d_proxy_wait	*w = arg;
	struct d		*d = w->d;
	unsigned		 i;

	if (r == NULL) {		/* shutting down */
		w->done(ECANCELED, "stopping", NULL, 0, w->done_arg);
		free(w);
		return;
	}
	if (r->error != LOC_OK || r->nproxies == 0) {
		w->done(EHOSTUNREACH, r->error != LOC_OK ? "the overlay did "
		    "not answer for proxy peers" : "no proxy peer in the "
		    "overlay", NULL, 0, w->done_arg);
		free(w);
		return;
	}
	if (d->proxies == NULL)
		d->proxies = xcalloc(LOC_PROXIES_MAX, sizeof *d->proxies);
	memset(d->proxies, 0, LOC_PROXIES_MAX * sizeof *d->proxies);
	for (i = 0; i < r->nproxies && i < LOC_PROXIES_MAX; i++) {
		d->proxies[i].tp = SIP_TP_TLS;
		d->proxies[i].addr = r->proxies[i].sip_tls;
		d->proxies[i].pinned = true;
		memcpy(d->proxies[i].node, r->proxies[i].node.b,
		    SIP_NODE_LEN);
	}
	d->nproxies = i;
	d->proxies_next = 0;
	d->proxies_until = srv_now_ms() + D_PROXIES_KEEP_S * 1000ULL;
	log_debug("interwork: %u proxy peers found", d->nproxies);
	d_proxies_give(d, w->done, w->done_arg);
	free(w);
}

int
d_interwork_servers(const char *uri, bool tls, d_servers_done done,
    void *done_arg, void *arg)
{
	struct d		*d = arg;
	struct d_proxy_wait	*w;
	char			*err = NULL;
	int			 rc;

	if (d->cfg->interwork.proxy_peer)
		return d->dns == NULL ? ENOTSUP :
		    srv_dns_resolve(d->dns, uri, tls, done, done_arg);
	if (d->loc == NULL)
		return ENOTSUP;
	/* the proxy peers take SIP over TLS only (RFC 6940 §11.3) */
	if (!tls) {
		done(EHOSTUNREACH, "no SIP over TLS ([sip] tls_listen) to "
		    "reach a proxy peer", NULL, 0, done_arg);
		return 0;
	}
	if (d->nproxies > 0 && srv_now_ms() < d->proxies_until) {
		d_proxies_give(d, done, done_arg);
		return 0;
	}
	w = xcalloc(1, sizeof *w);
	w->d = d;
	w->done = done;
	w->done_arg = done_arg;
	if ((rc = srv_loc_proxy_search(d->loc, d_proxies_found, w,
	    &err)) != 0) {
		free(w);
		free(err);
		/* not in an overlay (yet): no proxy peer */
		done(EHOSTUNREACH, "not in an overlay: no proxy peer", NULL, 0,
		    done_arg);
	}
	return 0;
}

void
d_interwork_advertise(struct d *d)
{
	const struct addr	*tls = srv_sip_public_addr(d->sip, true);

	if (!d->cfg->interwork.proxy_peer || d->loc == NULL)
		return;
	if (tls->family == 0) {
		log_warnx("interwork: a proxy peer, but no SIP over TLS "
		    "([sip] tls): the overlay's peers cannot reach it, and "
		    "it is not advertised");
		return;
	}
	srv_loc_proxy_advertise(d->loc, tls);
}
