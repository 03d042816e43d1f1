/*
 * ctl_cmd_sip.c - control commands for SIP: the phones registered here,
 * where a SIP URI's requests would go (RFC 3263), and the SIP figures of
 * status.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_proto.h"
#include "cfg.h"
#include "d.h"
#include "hex.h"
#include "loc.h"
#include "sip_core.h"
#include "sip_resolve.h"
#include "slab.h"
#include "srv.h"
#include "srv_dns.h"
#include "srv_loc.h"
#include "srv_sip.h"

json_t *
ctl_cmd_sip_status_json(struct d *d)
{
	const struct sip_core		*c = srv_sip_core(d->sip);
	const struct sip_core_stats	*st = sip_core_stats(c);
	const struct addr		*tls = srv_sip_tls_addr(d->sip);
	const struct addr		*pub = srv_sip_public_addr(d->sip, false);
	const struct addr		*tpub = srv_sip_public_addr(d->sip, true);
	char				 a[ADDR_STRLEN], t[ADDR_STRLEN];
	char				 p[ADDR_STRLEN], tp[ADDR_STRLEN];
	struct sip_proxy_stats		 ls;
	struct slab_stats		 ss;
	uint32_t			 drops;
	int				 rcvbuf;

	sip_core_lookup_stats(c, &ls);
	srv_sip_udp_stats(d->sip, &rcvbuf, &drops);
	slab_stats(&ss);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:i, s:i, "
	    "s:i, s:i, s:I}",
	    "listen", addr_str(srv_sip_listen_addr(d->sip), a),
	    "tls_listen", tls->family != 0 ? addr_str(tls, t) : "",
	    "advertise", addr_str(pub, p),
	    "tls_advertise", tpub->family != 0 ? addr_str(tpub, tp) : "",
	    "requests", (json_int_t)st->requests,
	    "registers", (json_int_t)st->registers,
	    "auth_challenged", (json_int_t)st->auth_challenged,
	    "auth_refused", (json_int_t)st->auth_refused,
	    "responses_sent", (json_int_t)st->responses_sent,
	    "bad_answered", (json_int_t)st->bad_answered,
	    "bad_dropped", (json_int_t)st->bad_dropped,
	    "keepalives", (json_int_t)st->keepalives,
	    "relay_refused", (json_int_t)st->relay_refused,
	    "relay_challenged", (json_int_t)st->relay_challenged,
	    "lookups", (json_int_t)ls.lookups,
	    "lookup_cache_hits", (json_int_t)ls.cache_hits,
	    "lookup_cached", (int)ls.cached,
	    "transactions", (int)sip_core_transactions(c),
	    "forwards", (int)sip_core_forwards(c),
	    "state_bytes", (json_int_t)ss.bytes,
	    "tcp_connections", (int)srv_sip_connections(d->sip, false),
	    "tls_connections", (int)srv_sip_connections(d->sip, true),
	    "registrations", (int)sip_reg_aors(sip_core_reg(c)),
	    "udp_buffer", rcvbuf, "udp_drops", (json_int_t)drops);
}

/* Interworking: this node as a proxy peer, or the proxy peers it knows. */
json_t *
ctl_cmd_interwork_json(struct d *d)
{
	json_t		*o = json_object(), *a = json_array();
	unsigned	 i, spread = 0, stored = 0;
	char		 hex[2 * SIP_NODE_LEN + 1], b[ADDR_STRLEN];

	json_object_set_new(o, "proxy_peer",
	    json_boolean(d->cfg->interwork.proxy_peer));
	if (d->loc != NULL)
		stored = loc_proxy_advertised(srv_loc_core(d->loc), &spread);
	json_object_set_new(o, "advertised", json_integer(stored));
	json_object_set_new(o, "spread", json_integer(spread));
	for (i = 0; i < d->nproxies; i++) {
		hex_encode(d->proxies[i].node, SIP_NODE_LEN, hex);
		json_array_append_new(a, json_pack("{s:s, s:s}", "address",
		    addr_str(&d->proxies[i].addr, b), "node", hex));
	}
	json_object_set_new(o, "proxy_peers", a);
	return o;
}

/* Every binding of every AOR registered by a phone of this host. */
static void
cmd_registrations(struct ctl_call *call)
{
	const struct sip_reg		*r = sip_core_reg(srv_sip_core(
					    call->d->sip));
	struct sip_reg_binding_info	 bi;
	json_t				*list = json_array();
	uint64_t			 now_s = srv_now_ms() / 1000;
	unsigned			 i, j;

	for (i = 0; i < sip_reg_aors(r); i++)
		for (j = 0; sip_reg_binding(r, now_s, i, j, &bi); j++)
			json_array_append_new(list, json_pack("{s:s, s:s, "
			    "s:s, s:i, s:s, s:s, s:i}", "aor", bi.aor,
			    "contact", bi.contact, "params", bi.params,
			    "expires", (int)bi.expires_in, "user_agent",
			    bi.user_agent, "instance", bi.instance, "reg_id",
			    (int)bi.reg_id));
	call->result = json_pack("{s:o}", "registrations", list);
}

/* The servers of an RFC 3263 resolution, in the order to try them. */
static void
resolved(int status, const char *why, const struct sip_res_target *t,
    unsigned n, void *arg)
{
	struct ctl_defer	*cd = arg;
	json_t			*list;
	char			 a[ADDR_STRLEN];
	unsigned		 i;

	if (status == ECANCELED) {
		ctl_defer_drop(cd);
		return;
	}
	if (n == 0) {
		ctl_complete(cd, NULL, CTL_E_FAILED, why);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}",
		    "transport", sip_txn_tp_name(t[i].tp), "address",
		    addr_str(&t[i].addr, a)));
	ctl_complete(cd, json_pack("{s:o, s:s}", "servers", list, "reason",
	    why), NULL, NULL);
}

static void
cmd_resolve(struct ctl_call *call)
{
	struct ctl_defer	*cd;
	const char		*uri = arg_str(call, "uri");
	int			 rc;

	cd = ctl_call_defer(call);
	if ((rc = srv_dns_resolve(call->d->dns, uri, srv_sip_tls_addr(
	    call->d->sip)->family != 0, resolved, cd)) != 0)
		ctl_complete(cd, NULL, CTL_E_ARGS, rc == EINVAL ?
		    "not a SIP URI whose transport this daemon has" :
		    strerror(rc));
}

const struct ctl_exec ctl_cmd_sip_table[] = {
	{ "registrations",	cmd_registrations },
	{ "resolve",		cmd_resolve },
	{ NULL,			NULL }
};
