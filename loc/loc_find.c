/*
 * loc_find.c - lookups, resolves and fetches: the bindings of an AOR,
 * the contacts they lead to (AppAttach along destination lists, RFC 7904
 * §5), and raw values (RFC 6940 §7.4.2, §7.4.3).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loc.h"
#include "loc_int.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_data.h"
#include "ov_node.h"
#include "rng.h"
#include "strmap.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- fetching ---- */

static int
loc_ask(struct loc *l, uint64_t now, struct loc_req *q, bool stat)
{
	int	rc;

	rc = (stat ? ov_node_stat : ov_node_fetch)(l->ov, now, &q->res,
	    q->kind, q->ov_cookie);
	if (rc != 0)
		loc_req_drop(l, q);
	return rc;
}

/* Fetch aor's SIP-REGISTRATION for op (a lookup or a resolve). */
static int
loc_ask_aor(struct loc *l, uint64_t now, enum loc_op op, uint64_t cookie,
    const char *aor_in, char **err)
{
	struct loc_req	*q;
	char		 aor[OV_USER_MAX];

	*err = NULL;
	if (loc_aor_arg(l, aor_in, aor, sizeof aor, err) != 0)
		return EINVAL;
	q = loc_req_new(l, op, cookie);
	snprintf(q->aor, sizeof q->aor, "%s", aor);
	q->kind = OV_KIND_SIP_REGISTRATION;
	ov_id_resource(aor, strlen(aor), &q->res);
	return loc_ask(l, now, q, false);
}

int
loc_lookup(struct loc *l, uint64_t now, uint64_t cookie, const char *aor,
    char **err)
{
	return loc_ask_aor(l, now, LOC_OP_LOOKUP, cookie, aor, err);
}

int
loc_resolve(struct loc *l, uint64_t now, uint64_t cookie, const char *aor,
    char **err)
{
	return loc_ask_aor(l, now, LOC_OP_RESOLVE, cookie, aor, err);
}

int
loc_fetch_values(struct loc *l, uint64_t now, uint64_t cookie,
    const struct ov_kind *k, const struct ov_id *res, bool stat, char **err)
{
	struct loc_req	*q = loc_req_new(l, stat ? LOC_OP_STAT : LOC_OP_FETCH,
			    cookie);

	*err = NULL;
	q->kind = k->id;
	q->res = *res;
	return loc_ask(l, now, q, stat);
}

/* ---- answers ---- */

/* The live bindings of a fetched SIP-REGISTRATION, as lookups give. */
static void
loc_bindings(const struct ov_fetched *f, struct loc_result *r)
{
	const struct ov_fetched_value	*fv;
	struct loc_binding		*b;
	struct ov_sipreg		 sr;
	unsigned			 i, j;

	r->bindings = xcalloc(f->n > 0 ? f->n : 1, sizeof *r->bindings);
	for (i = 0; i < f->n; i++) {
		fv = &f->v[i];
		if (!fv->s.v.exists)
			continue;
		b = &r->bindings[r->nbindings++];
		if ((b->has_node = fv->s.v.key_len == OV_ID_LEN))
			memcpy(b->node.b, fv->s.v.key, OV_ID_LEN);
		b->expires = fv->s.lifetime;
		snprintf(b->user, sizeof b->user, "%s", fv->signer.user);
		if (ov_data_sipreg_decode(fv->s.v.data, fv->s.v.len, &sr) != 0)
			b->bad = true;
		else if (sr.type == OV_SIPREG_URI)
			b->contact = xstrndup((const char *)sr.uri,
			    sr.uri_len);
		else {
			b->ndest = sr.ndest;
			for (j = 0; j < sr.ndest; j++)
				b->dest_ok[j] = ov_msg_dest_id(&sr.dest[j],
				    &b->dest[j]);
		}
	}
	r->refused = f->refused;
}

/* The RESOLVE q has no AppAttach left out: answer it with the contacts
 * it found, in order. */
static void
loc_resolved(struct loc *l, struct loc_req *q)
{
	struct loc_result	r = q->res_out;
	unsigned		i, n = 0;

	for (i = 0; i < r.ncontacts; i++)
		if (r.contacts[i].uri != NULL)
			r.contacts[n++] = r.contacts[i];
	r.ncontacts = n;

	memset(&q->res_out, 0, sizeof q->res_out);
	loc_answer(l, q, &r);
}

/*
 * A destination list (RFC 7904 §3) for the RESOLVE q: AppAttach along it
 * to its last node (RFC 7904 §5), which must be the one whose
 * certificate answers at the address it gives; or, if it is a client
 * (RFC 6940 §4.2.1) that answers with its gateway's address (ov_app.c),
 * the node before it on the list.  A list ending here is none of ours to
 * reach: the proxy gives such requests to our phones or UA.  A list
 * ending [us, node] names a client of ours: the request goes on the
 * connection it keeps to us (its certificate checked when it came).
 */
static void
loc_resolve_route(struct loc *l, uint64_t now, struct loc_req *q,
    const struct loc_binding *b)
{
	struct loc_result	*r = &q->res_out;
	char			 hex[OV_ID_HEXLEN];
	unsigned		 j, slot;
	int			 rc;

	if (b->ndest == 0) {
		r->incomplete = true;
		return;
	}
	for (j = 0; j < b->ndest; j++)
		if (!b->dest_ok[j]) {
			r->incomplete = true;	/* not a Node-ID: no route */
			return;
		}
	if (ov_id_eq(&b->dest[b->ndest - 1], ov_node_id(l->ov)))
		return;
	slot = r->ncontacts++;
	if (b->ndest >= 2 && ov_id_eq(&b->dest[b->ndest - 2],
	    ov_node_id(l->ov))) {
		r->contacts[slot].uri = xasprintf("sip:%s", q->aor);
		r->contacts[slot].has_node = true;
		r->contacts[slot].node = b->dest[b->ndest - 1];
		r->contacts[slot].flow = true;
		return;
	}
	q->has_gw[slot] = b->ndest >= 2;
	if (q->has_gw[slot])
		q->gw[slot] = b->dest[b->ndest - 2];
	q->attach[slot] = ++l->next_cookie;
	rc = ov_node_app_attach(l->ov, now, b->dest, b->ndest, OV_APP_SIP,
	    q->attach[slot]);
	if (rc != 0) {
		lc_info(&l->log, "sip: AppAttach to node %s: %s", ov_id_hex(
		    &b->dest[b->ndest - 1], hex), strerror(rc));
		q->attach[slot] = 0;
		r->incomplete = true;
		return;
	}
	r->contacts[slot].has_node = true;
	r->contacts[slot].node = b->dest[b->ndest - 1];
	q->nattach++;
}

/* The bindings of a RESOLVE: contacts at once, AppAttach for the
 * destination lists. */
static void
loc_resolve_start(struct loc *l, uint64_t now, struct loc_req *q,
    struct loc_result *found)
{
	struct loc_result	*r = &q->res_out;
	struct loc_binding	*b;
	unsigned		 i;

	r->error = found->error;
	r->code = found->code;
	r->generation = found->generation;
	r->contacts = xcalloc(LOC_BINDINGS_MAX, sizeof *r->contacts);
	for (i = 0; i < found->nbindings && r->ncontacts < LOC_BINDINGS_MAX;
	    i++) {
		b = &found->bindings[i];
		if (b->contact != NULL) {
			/* the dictionary key: the Node-ID of the peer that
			 * stored it (RFC 7904 §3, checked where it is
			 * stored) */
			r->contacts[r->ncontacts].uri = b->contact;
			r->contacts[r->ncontacts].has_node = b->has_node;
			r->contacts[r->ncontacts++].node = b->node;
			b->contact = NULL;
		} else if (!b->bad)
			loc_resolve_route(l, now, q, b);
	}
	loc_result_clear(found);
	if (q->nattach == 0)
		loc_resolved(l, q);
	else {
		q->next = l->reqs;	/* out again, for its AppAttaches */
		l->reqs = q;
	}
}

/* An AppAttach of a RESOLVE answered. */
void
loc_app_attached(struct loc *l, struct loc_req *q, unsigned slot,
    const struct ov_event *ev)
{
	struct loc_result	*r = &q->res_out;
	char			 a[ADDR_STRLEN], hex[OV_ID_HEXLEN];
	char			 text[OV_ERROR_TEXT_MAX];

	q->attach[slot] = 0;
	q->nattach--;
	if (ev->error != 0) {
		lc_info(&l->log, "sip: %.*s: AppAttach to node %s: %s",
		    (int)strcspn(q->aor, "@"), q->aor, ov_id_hex(&ev->peer,
		    hex), ov_msg_error_text(ev->error, ev->why, text,
		    sizeof text));
		r->incomplete = true;
	} else if (ev->app_relayed && !q->has_gw[slot]) {
		lc_info(&l->log, "sip: %.*s: node %s answered through a "
		    "gateway, but its route names none", (int)strcspn(q->aor,
		    "@"), q->aor, ov_id_hex(&ev->peer, hex));
		r->incomplete = true;
	} else if (ev->app_relayed) {
		/* a client: its gateway takes the request as it is and
		 * forwards it on the client's connection */
		r->contacts[slot].uri = xasprintf("sip:%s;transport=tls;lr",
		    addr_str(&ev->app_addr, a));
		r->contacts[slot].node = q->gw[slot];
		lc_debug(&l->log, "sip: %.*s: node %s takes SIP through its "
		    "gateway at %s", (int)strcspn(q->aor, "@"), q->aor,
		    ov_id_hex(&ev->peer, hex), a);
	} else {
		/* No-ICE: the candidate is where it takes SIP over TLS */
		r->contacts[slot].uri = xasprintf("sip:%.*s@%s;transport=tls",
		    (int)strcspn(q->aor, "@"), q->aor, addr_str(&ev->app_addr,
		    a));
		lc_debug(&l->log, "sip: %.*s: node %s takes SIP at %s",
		    (int)strcspn(q->aor, "@"), q->aor, ov_id_hex(&ev->peer,
		    hex), a);
	}
	if (q->nattach > 0)
		return;
	loc_req_unlink(l, q);
	loc_resolved(l, q);
}

void
loc_fetched(struct loc *l, uint64_t now, struct loc_req *q,
    struct ov_event *ev)
{
	struct loc_result	r;

	memset(&r, 0, sizeof r);
	r.generation = ev->generation;
	if (q->op == LOC_OP_LOOKUP || q->op == LOC_OP_RESOLVE) {
		if (ev->fetched != NULL)
			loc_bindings(ev->fetched, &r);
		if (r.nbindings == 0)
			r.error = LOC_E_NO_REGISTRATION;
	} else {
		r.fetched = ev->fetched;
		r.statted = ev->statted;
		ev->fetched = NULL;
		ev->statted = NULL;
		if (r.fetched != NULL)
			r.refused = r.fetched->refused;
	}
	if (q->op == LOC_OP_RESOLVE)
		loc_resolve_start(l, now, q, &r);
	else
		loc_answer(l, q, &r);
}

