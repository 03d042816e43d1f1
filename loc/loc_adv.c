/*
 * loc_adv.c - values this node keeps stored about itself at several
 * Resource-IDs of one Kind: its relay's TURN-SERVICE values (RFC 6940
 * §9, loc_relay.c) and its proxy peer's SIP-PROXY-PEER values
 * (loc_proxy.c).  Each iteration is stored once the node is in an
 * overlay, again halfway through its lifetime, and after a failure a
 * while later.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loc.h"
#include "loc_int.h"
#include "log_ctx.h"
#include "ov_data.h"
#include "ov_kind.h"
#include "ov_node.h"
#include "rng.h"
#include "wire.h"

void
loc_adv_set(struct loc_adv *a, uint32_t kind, const char *what,
    uint32_t lifetime, const struct addr *addr, unsigned n)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->what = what;
	a->lifetime = lifetime;
	if (addr != NULL) {
		a->addr = *addr;
		a->n = n;
	}
}

unsigned
loc_adv_count(const struct loc_adv *a)
{
	unsigned	i, n = 0;

	for (i = 1; i <= a->n; i++)
		n += a->stored[i];
	return n;
}

/* The value of iteration i of a, and where it goes. */
static void
loc_adv_value(const struct loc *l, const struct loc_adv *a,
    const struct ov_kind *k, unsigned i, struct wbuf *w, struct ov_id *res)
{
	const struct ov_id	*self = ov_node_id(l->ov);
	struct ov_turn_server	 ts;
	struct ov_proxy_peer	 pp;
	uint8_t			 ni[OV_ID_LEN + 1];

	if (k->policy == OV_POLICY_SERVICE_NODE_MATCH) {
		pp.sip_tls = a->addr;
		ov_data_proxy_peer_encode(w, &pp);
		ov_kind_service_res(k, i, res);
		return;
	}
	memset(&ts, 0, sizeof ts);
	ts.iteration = (uint8_t)i;
	ts.addr = a->addr;
	ov_data_turn_server_encode(w, &ts);
	/* §7.3.4 NODE-MULTIPLE: H(Node-ID || i), i one byte (ov_kind.c) */
	memcpy(ni, self->b, OV_ID_LEN);
	ni[OV_ID_LEN] = (uint8_t)i;
	ov_id_resource(ni, sizeof ni, res);
}

/* Store iteration i of a. */
static int
loc_adv_store(struct loc *l, uint64_t now, struct loc_adv *a, unsigned i)
{
	const struct ov_kind	*k;
	struct ov_stored	 s;
	struct loc_req		*q;
	struct wbuf		 w;
	int			 rc;

	k = ov_kind_find(ov_kind_all, ov_kind_nall, a->kind);
	if (k == NULL)
		return EINVAL;
	q = loc_req_new(l, LOC_OP_ADVERTISE, 0);
	q->kind = k->id;
	q->adv_of = a;
	q->adv = (uint8_t)i;
	wbuf_init(&w, 64);
	loc_adv_value(l, a, k, i, &w, &q->res);
	memset(&s, 0, sizeof s);
	s.storage_time = loc_wall_ms(l, now);
	s.lifetime = a->lifetime;
	s.v.exists = true;
	s.v.data = w.p;
	s.v.len = (uint32_t)w.len;
	if (k->model == OV_MODEL_DICT) {	/* keyed by who we are */
		s.v.key = ov_node_id(l->ov)->b;
		s.v.key_len = OV_ID_LEN;
	}
	rc = w.err ? EINVAL : loc_send(l, now, q, k, &s, NULL);
	wbuf_clear(&w);
	if (rc != 0)
		loc_req_drop(l, q);
	return rc;
}

void
loc_adv_due(struct loc *l, uint64_t now, struct loc_adv *a)
{
	unsigned	i;

	if (a->n == 0 || !ov_node_member(l->ov))
		return;
	for (i = 1; i <= a->n; i++) {
		if (a->busy[i] || a->due[i] > now)
			continue;
		if (loc_adv_store(l, now, a, i) == 0)
			a->busy[i] = true;
		else
			a->due[i] = now + LOC_RETRY_MS;
	}
}

void
loc_adv_stored(struct loc *l, uint64_t now, struct loc_req *q,
    const struct ov_event *ev)
{
	struct loc_adv	*a = q->adv_of;
	unsigned	 i = q->adv;
	char		 b[ADDR_STRLEN];

	/* a stale answer (advertising stopped or changed since) is
	 * harmless: the iteration is stored again when due */
	if (i >= 1 && i <= a->n && a->busy[i]) {
		a->busy[i] = false;
		if (ev->error == 0) {
			if (!a->stored[i] && i == a->n)
				lc_info(&l->log, "%s: %s advertised at %u "
				    "Resource-IDs", a->what,
				    addr_str(&a->addr, b), a->n);
			a->stored[i] = true;
			a->due[i] = now + a->lifetime * 1000ULL / 2;
		} else {
			lc_warn(&l->log, "%s: cannot advertise %s (%u): "
			    "%d %s", a->what, addr_str(&a->addr, b), i,
			    ev->error, ev->why);
			a->due[i] = now + LOC_RETRY_MS / 2 +
			    rng_below(l->rng, LOC_RETRY_MS);
		}
	}
	loc_req_free(q);
}
