/*
 * sip_reg.c - REGISTER processing (RFC 3261 §10.3 steps 1-8) and the
 * bindings it keeps, with RFC 5626 §6 (outbound) and RFC 5627's
 * instance ids: a Contact with "+sip.instance" is bound by its instance
 * (and "reg-id", when outbound applies), not by its URI, so a phone that
 * registers again from a new address or with a new Call-ID replaces its
 * binding.  Every contact parameter is kept as it came (§10.3 step 8
 * lists them back).  AORs sit in a hash and, for listing, an array;
 * each holds up to max_contacts bindings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_msg.h"
#include "sip_reg.h"
#include "strmap.h"
#include "wire.h"
#include "xmalloc.h"

struct sip_binding {
	char		*contact;
	char		*params;	/* the Contact's parameters but
					   expires, as they came: ";a=b..." */
	char		*instance;	/* "+sip.instance" (quotes kept), or
					   NULL */
	uint32_t	 reg_id;	/* RFC 5626 reg-id; 0: none */
	char		*call_id;
	uint32_t	 cseq;
	uint64_t	 expires_at;	/* wall clock, s */
	uint64_t	 updated;	/* s, when last registered */
	char		*ua;
	struct sip_flow	 flow;
	bool		 nated;		/* sip_reg_nated */
	struct sip_hop	*hops[2];	/* the contact's address, the
					   flow's (NULL: none, or the same) */
};

/* An address phones registered here are reached at, and how many
 * bindings name it (sip_reg_is_phone). */
struct sip_hop {
	struct strmap_entry	 h;		/* in reg->hops, by key */
	unsigned		 refs;
	char			 key[ADDR_STRLEN];
};

struct sip_aor {
	char			*aor;
	struct strmap_entry	 h;		/* in reg->aors, by aor */
	unsigned		 idx;		/* in reg->list */
	struct sip_binding	*b;
	unsigned		 nb;
};

struct sip_change {
	char	*aor;
	bool	 up;
};

struct sip_reg {
	struct sip_reg_cfg	 cfg;
	char			*domain;
	struct strmap		 aors;
	struct strmap		 hops;		/* of sip_hop */
	struct sip_aor		**list;
	unsigned		 naors, list_cap;
	uint64_t		 next_expiry;
	struct sip_change	*changes;
	unsigned		 nchanges, changes_cap, changes_read;
	char			*last_change;
};

/* One contact of a REGISTER, checked before anything is applied. */
struct sip_reg_contact {
	struct sip_pl	 uri;
	struct sip_pl	 params;	/* all of them, expires too */
	struct sip_pl	 instance;	/* empty: none */
	uint32_t	 reg_id;	/* 0: none, or ignored (§6) */
	uint32_t	 expires;
};

#define SIP_REG_CONTACTS_MAX	32
#define SIP_REG_PARAMS_MAX	32	/* a Contact's parameters, at most */
#define SIP_REG_PARAMS_LEN	1024	/* ... and their text */
#define SIP_REG_REGID_MAX	2147483647u	/* RFC 5626 §11.2 */

struct sip_reg *
sip_reg_new(const struct sip_reg_cfg *cfg)
{
	struct sip_reg	*r = xcalloc(1, sizeof *r);

	r->cfg = *cfg;
	if (r->cfg.default_expires == 0)
		r->cfg.default_expires = 3600;
	if (r->cfg.min_expires == 0)
		r->cfg.min_expires = 60;
	if (r->cfg.max_expires == 0)
		r->cfg.max_expires = 86400;
	if (r->cfg.max_contacts == 0)
		r->cfg.max_contacts = 10;
	if (r->cfg.max_aors == 0)
		r->cfg.max_aors = 100000;
	if (r->cfg.flow_timer_udp == 0)
		r->cfg.flow_timer_udp = 29;
	if (r->cfg.flow_timer_stream == 0)
		r->cfg.flow_timer_stream = 120;
	r->domain = xstrdup(cfg->domain);
	r->cfg.domain = r->domain;
	r->next_expiry = UINT64_MAX;
	return r;
}

/* A binding takes (a != NULL) or lets go of (*hop) an address. */
static void
sip_hop_ref(struct sip_reg *r, const struct addr *a, struct sip_hop **hop)
{
	struct strmap_entry	*e;
	char			 key[ADDR_STRLEN];

	addr_str(a, key);
	if ((e = strmap_find(&r->hops, key)) != NULL) {
		*hop = STRMAP_ITEM(e, struct sip_hop, h);
		(*hop)->refs++;
		return;
	}
	*hop = xcalloc(1, sizeof **hop);
	memcpy((*hop)->key, key, sizeof key);
	(*hop)->refs = 1;
	strmap_add(&r->hops, &(*hop)->h, (*hop)->key);
}

static void
sip_hop_unref(struct sip_reg *r, struct sip_hop *hop)
{
	if (hop == NULL || --hop->refs > 0)
		return;
	strmap_del(&r->hops, &hop->h);
	free(hop);
}

/* Free what b holds and zero it: a slot emptied by sip_binding_del
 * keeps no pointer a binding moved elsewhere still owns. */
static void
sip_binding_clear(struct sip_reg *r, struct sip_binding *b)
{
	sip_hop_unref(r, b->hops[0]);
	sip_hop_unref(r, b->hops[1]);
	free(b->contact);
	free(b->params);
	free(b->instance);
	free(b->call_id);
	free(b->ua);
	memset(b, 0, sizeof *b);
}

static void
sip_aor_free(struct sip_reg *r, struct sip_aor *a)
{
	unsigned	i;

	for (i = 0; i < a->nb; i++)
		sip_binding_clear(r, &a->b[i]);
	free(a->b);
	free(a->aor);
	free(a);
}

void
sip_reg_free(struct sip_reg *r)
{
	unsigned	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->naors; i++)
		sip_aor_free(r, r->list[i]);
	for (i = r->changes_read; i < r->nchanges; i++)
		free(r->changes[i].aor);
	free(r->changes);
	free(r->last_change);
	free(r->list);
	strmap_clear(&r->aors);
	strmap_clear(&r->hops);
	free(r->domain);
	free(r);
}

static struct sip_aor *
sip_aor_find(const struct sip_reg *r, const char *aor)
{
	struct strmap_entry	*e = strmap_find(&r->aors, aor);

	return e != NULL ? STRMAP_ITEM(e, struct sip_aor, h) : NULL;
}

static void
sip_reg_change(struct sip_reg *r, const char *aor, bool up)
{
	if (r->nchanges == r->changes_cap) {
		r->changes_cap = r->changes_cap != 0 ? r->changes_cap * 2 : 16;
		r->changes = xreallocarray(r->changes, r->changes_cap,
		    sizeof *r->changes);
	}
	r->changes[r->nchanges].aor = xstrdup(aor);
	r->changes[r->nchanges++].up = up;
}

bool
sip_reg_next_change(struct sip_reg *r, const char **aor, bool *up)
{
	free(r->last_change);
	r->last_change = NULL;
	if (r->changes_read == r->nchanges) {
		r->changes_read = r->nchanges = 0;
		return false;
	}
	r->last_change = r->changes[r->changes_read].aor;
	*aor = r->last_change;
	*up = r->changes[r->changes_read++].up;
	return true;
}

static struct sip_aor *
sip_aor_add(struct sip_reg *r, const char *aor)
{
	struct sip_aor	*a = xcalloc(1, sizeof *a);

	a->aor = xstrdup(aor);
	strmap_add(&r->aors, &a->h, a->aor);
	if (r->naors == r->list_cap) {
		r->list_cap = r->list_cap != 0 ? r->list_cap * 2 : 64;
		r->list = xreallocarray(r->list, r->list_cap, sizeof *r->list);
	}
	a->idx = r->naors;
	r->list[r->naors++] = a;
	a->b = xcalloc(r->cfg.max_contacts, sizeof *a->b);
	return a;
}

/* a lost its last binding: out of the hash and the list. */
static void
sip_aor_del(struct sip_reg *r, struct sip_aor *a)
{
	sip_reg_change(r, a->aor, false);
	strmap_del(&r->aors, &a->h);
	r->list[a->idx] = r->list[--r->naors];
	r->list[a->idx]->idx = a->idx;
	sip_aor_free(r, a);
}

static void
sip_binding_del(struct sip_reg *r, struct sip_aor *a, unsigned i)
{
	sip_binding_clear(r, &a->b[i]);
	a->b[i] = a->b[--a->nb];
	/* the last slot's pointers are b[i]'s now (a binding added next
	 * goes there, and is cleared first) */
	memset(&a->b[a->nb], 0, sizeof a->b[0]);
}

void
sip_reg_expire(struct sip_reg *r, uint64_t now_s)
{
	struct sip_aor	*a;
	unsigned	 i, j;

	if (now_s < r->next_expiry)
		return;
	r->next_expiry = UINT64_MAX;
	for (i = 0; i < r->naors; ) {
		a = r->list[i];
		for (j = 0; j < a->nb; ) {
			if (a->b[j].expires_at <= now_s) {
				sip_binding_del(r, a, j);
				continue;
			}
			if (a->b[j].expires_at < r->next_expiry)
				r->next_expiry = a->b[j].expires_at;
			j++;
		}
		if (a->nb == 0)
			sip_aor_del(r, a);	/* list[i] is another now */
		else
			i++;
	}
}

uint64_t
sip_reg_deadline(const struct sip_reg *r)
{
	return r->next_expiry;
}

/* ---- REGISTER ---- */

/*
 * A Contact's parameters (RFC 3261 §20.10, RFC 5626 §6, RFC 5627):
 * bounded, with its expires, "+sip.instance" (a quoted "<URN>") and
 * "reg-id" (1 to 2^31-1) picked out.  0, or 400 with *why.
 */
static unsigned
sip_reg_params(struct sip_reg_contact *c, uint32_t *e, const char **why)
{
	struct sip_pl	 rest = c->params, n, v;
	unsigned	 count = 0;

	if (rest.l > SIP_REG_PARAMS_LEN) {
		*why = "Contact Parameters Too Long";
		return 400;
	}
	while (sip_uri_param_next(&rest, &n, &v, NULL)) {
		if (++count > SIP_REG_PARAMS_MAX) {
			*why = "Too Many Contact Parameters";
			return 400;
		}
		if (sip_pl_caseeq(&n, "expires") &&
		    sip_pl_u32(&v, UINT32_MAX, e) != 0) {
			*why = "Bad Contact Expires";
			return 400;
		}
		if (sip_pl_caseeq(&n, "+sip.instance")) {
			if (v.l < 4 || v.p[0] != '"' || v.p[1] != '<' ||
			    v.p[v.l - 2] != '>' || v.p[v.l - 1] != '"') {
				*why = "Bad +sip.instance";
				return 400;
			}
			c->instance = v;
		}
		if (sip_pl_caseeq(&n, "reg-id") && (sip_pl_u32(&v,
		    SIP_REG_REGID_MAX, &c->reg_id) != 0 || c->reg_id == 0)) {
			*why = "Bad reg-id";
			return 400;
		}
	}
	return 0;
}

/* Does a Supported header of m name option tag? */
static bool
sip_reg_supported(const struct sip_msg *m, const char *tag)
{
	const struct sip_hdr	*h;

	for (h = sip_msg_hdr(m, SIP_HDR_SUPPORTED, NULL); h != NULL;
	    h = sip_msg_hdr(m, SIP_HDR_SUPPORTED, h))
		if (sip_pl_caseeq(&h->value, tag))
			return true;
	return false;
}

/*
 * RFC 5626 §6: outbound applies to a reg-id only with an instance id,
 * on the first hop (one Via: we are the phone's edge proxy too; we keep
 * no Path, so a REGISTER from behind another proxy cannot have it), and
 * for one contact with a non-zero expiry at most.  0, or the status.
 */
static unsigned
sip_reg_outbound(const struct sip_msg *m, struct sip_reg_contact *c,
    unsigned nc, bool *outbound, const char **why)
{
	unsigned	i, live = 0, regid = 0;

	*outbound = false;
	for (i = 0; i < nc; i++) {
		if (c[i].instance.l == 0)
			c[i].reg_id = 0;	/* §6: ignored */
		live += c[i].expires != 0;
		regid += c[i].reg_id != 0;
	}
	if (regid == 0)
		return 0;
	if (m->nvia > 1) {
		if (sip_reg_supported(m, "outbound")) {
			*why = "First Hop Lacks Outbound Support";
			return 439;
		}
		for (i = 0; i < nc; i++)
			c[i].reg_id = 0;
		return 0;
	}
	if (live > 1) {
		*why = "Bad Request (reg-id with several contacts)";
		return 400;
	}
	*outbound = sip_reg_supported(m, "outbound");
	return 0;
}

/*
 * Steps 5 and 6: the Contacts and their expiry; 0, or the status to
 * refuse with (reason in *why).
 */
static unsigned
sip_reg_contacts(const struct sip_reg *r, const struct sip_msg *m,
    struct sip_reg_contact *c, unsigned *nc, bool *star, const char **why)
{
	const struct sip_hdr	*h;
	struct sip_addr		 a;
	uint32_t		 e;
	unsigned		 st;

	*nc = 0;
	*star = false;
	for (h = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL); h != NULL;
	    h = sip_msg_hdr(m, SIP_HDR_CONTACT, h)) {
		if (sip_uri_addr_parse(&a, &h->value, true) != 0) {
			*why = "Bad Contact";
			return 400;
		}
		if (a.star) {
			*star = true;
			continue;
		}
		if (*nc == SIP_REG_CONTACTS_MAX) {
			*why = "Too Many Contacts";
			return 400;
		}
		memset(&c[*nc], 0, sizeof c[*nc]);
		c[*nc].uri = a.uri_str;
		c[*nc].params = a.params;
		e = m->expires >= 0 ? (uint32_t)m->expires :
		    r->cfg.default_expires;
		if ((st = sip_reg_params(&c[*nc], &e, why)) != 0)
			return st;
		if (e != 0 && e < r->cfg.min_expires) {
			*why = "Interval Too Brief";
			return 423;
		}
		c[(*nc)++].expires = e > r->cfg.max_expires ?
		    r->cfg.max_expires : e;
	}
	/* §10.3 step 6: "*" alone, with Expires: 0 */
	if (*star && (*nc != 0 || m->expires != 0)) {
		*why = "Bad Star Contact";
		return 400;
	}
	return 0;
}

/*
 * The binding a contact names: by its instance id and reg-id (RFC 5626
 * §6; RFC 5627 §7.1.2 for an instance without reg-id), else by URI
 * (§10.3 step 7).
 */
static int
sip_binding_find(const struct sip_aor *a, const struct sip_reg_contact *c)
{
	unsigned	i;

	for (i = 0; a != NULL && i < a->nb; i++) {
		if (c->instance.l != 0 ? a->b[i].instance != NULL &&
		    sip_pl_eq(&c->instance, a->b[i].instance) &&
		    a->b[i].reg_id == c->reg_id :
		    sip_pl_eq(&c->uri, a->b[i].contact))
			return (int)i;
	}
	return -1;
}

/*
 * Step 7: may this request change binding b (Call-ID, CSeq)?  Step 7
 * says a higher CSeq; the same one is taken too, as a retransmission of
 * the request that set b: the registrar answers statelessly (§8.2.7), so
 * it must give a retransmission the answer the first one got.
 */
static bool
sip_binding_newer(const struct sip_binding *b, const struct sip_msg *m)
{
	return !sip_pl_eq(&m->call_id, b->call_id) || m->cseq >= b->cseq;
}

/* A contact's parameters as they came, but expires: ";a=b...". */
static char *
sip_params_kept(const struct sip_pl *params)
{
	struct sip_pl	 rest = *params, n, v, whole;
	char		*out = xmalloc(params->l + 1);
	size_t		 len = 0;

	while (sip_uri_param_next(&rest, &n, &v, &whole)) {
		if (sip_pl_caseeq(&n, "expires"))
			continue;
		memcpy(out + len, whole.p, whole.l);
		len += whole.l;
	}
	out[len] = '\0';
	return out;
}

/*
 * Is the phone that sent REGISTER m on UDP flow f, for contact address
 * ca, behind a NAT?  It sent it itself (one Via, RFC 3261 §8.1.1.7: the
 * Via's sent-by is where it listens, here the Contact's address, so not
 * a registration on another's behalf, §10.2.1), but it came from
 * another address: the NAT's mapping (RFC 3581 §4 sees the same for the
 * response).  Requests for that contact then go to the address it came
 * from, on the flow, as an outbound registration's do (RFC 5626 §5.3):
 * a NAT filtering by address and port lets in nothing else.
 */
static bool
sip_reg_nated(const struct sip_flow *f, const struct sip_msg *m,
    const struct addr *ca)
{
	const struct sip_hdr	*h = sip_msg_hdr(m, SIP_HDR_VIA, NULL);
	struct sip_via		 v;
	struct sip_uri		 u;
	struct addr		 va;

	if (f == NULL || f->tp != SIP_TP_UDP || m->nvia != 1 || h == NULL ||
	    sip_msg_via_parse(&v, &h->value) != 0)
		return false;
	memset(&u, 0, sizeof u);
	u.host = v.host;
	u.ipv6 = v.ipv6;
	u.port = v.port;
	return sip_uri_addr(&u, &va) == 0 && addr_eq(&va, ca) &&
	    !addr_eq(ca, &f->remote);
}

static void
sip_binding_set(struct sip_reg *r, struct sip_binding *b,
    const struct sip_flow *f, const struct sip_msg *m,
    const struct sip_reg_contact *c, uint64_t now_s)
{
	const struct sip_hdr	*ua = sip_msg_hdr(m, SIP_HDR_USER_AGENT, NULL);
	struct sip_uri		 u;
	struct addr		 a;

	sip_binding_clear(r, b);
	b->contact = xstrndup(c->uri.p, c->uri.l);
	b->params = sip_params_kept(&c->params);
	b->instance = c->instance.l != 0 ? xstrndup(c->instance.p,
	    c->instance.l) : NULL;
	b->reg_id = c->reg_id;
	b->call_id = xstrndup(m->call_id.p, m->call_id.l);
	b->cseq = m->cseq;
	b->expires_at = now_s + c->expires;
	b->updated = now_s;
	b->ua = ua != NULL ? xstrndup(ua->value.p, ua->value.l) : xstrdup("");
	if (f != NULL)
		b->flow = *f;
	else
		memset(&b->flow, 0, sizeof b->flow);
	/* where requests for it go: the contact's address, its flow's */
	b->nated = false;
	if (sip_uri_parse(&u, b->contact, strlen(b->contact)) == 0 &&
	    sip_uri_addr(&u, &a) == 0) {
		sip_hop_ref(r, &a, &b->hops[0]);
		b->nated = sip_reg_nated(f, m, &a);
	}
	if (f != NULL && (b->hops[0] == NULL ||
	    !addr_eq(&f->remote, &a)))
		sip_hop_ref(r, &f->remote, &b->hops[1]);
}

/* Steps 6-7 checked for every contact before any is applied. */
static unsigned
sip_reg_check(const struct sip_reg *r, const struct sip_aor *a,
    const struct sip_msg *m, const struct sip_reg_contact *c, unsigned nc,
    bool star, const char **why)
{
	unsigned	i, adds = 0;
	int		k;

	for (i = 0; star && a != NULL && i < a->nb; i++) {
		if (!sip_binding_newer(&a->b[i], m)) {
			*why = "Stale CSeq";
			return 500;
		}
	}
	for (i = 0; i < nc; i++) {
		k = sip_binding_find(a, &c[i]);
		if (k >= 0 && !sip_binding_newer(&a->b[k], m)) {
			*why = "Stale CSeq";
			return 500;
		}
		adds += k < 0 && c[i].expires != 0;
	}
	if ((a != NULL ? a->nb : 0) + adds > r->cfg.max_contacts) {
		*why = "Too Many Contacts";
		return 403;
	}
	if (a == NULL && adds != 0 && r->naors >= r->cfg.max_aors) {
		*why = "Registrar Full";
		return 503;
	}
	return 0;
}

static void
sip_reg_apply(struct sip_reg *r, struct sip_aor *a, uint64_t now_s,
    const struct sip_flow *f, const struct sip_msg *m,
    const struct sip_reg_contact *c, unsigned nc, bool star)
{
	unsigned	i;
	int		k;

	while (star && a->nb > 0)
		sip_binding_del(r, a, a->nb - 1);
	for (i = 0; i < nc; i++) {
		k = sip_binding_find(a, &c[i]);
		if (c[i].expires == 0) {
			if (k >= 0)
				sip_binding_del(r, a, (unsigned)k);
			continue;
		}
		if (k < 0)
			k = (int)a->nb++;
		sip_binding_set(r, &a->b[k], f, m, &c[i], now_s);
		if (now_s + c[i].expires < r->next_expiry)
			r->next_expiry = now_s + c[i].expires;
	}
}

/*
 * Step 8: 200 with every binding the AOR has now, each with the
 * parameters it was registered with; RFC 5626 §6: "Require: outbound"
 * when outbound applied to this request's reg-id, and with it
 * Flow-Timer (§5.4, §6: a registrar with a direct flow to the phone),
 * how often the phone is to send keepalives on flow f: 29 s on UDP,
 * below the 30 s UDP timeout of many NATs (§4.4.2), and 120 s on a
 * stream (§4.4.1's default bound).
 */
static unsigned
sip_reg_ok(const struct sip_reg *r, struct wbuf *w, const struct sip_aor *a,
    uint64_t now_s, const struct sip_flow *f, const struct sip_msg *m,
    const char *to_tag, bool outbound)
{
	char		line[64];
	unsigned	i;

	sip_msg_reply(w, m, 200, "OK", to_tag);
	if (outbound) {
		sip_msg_header(w, "Require", &SIP_PL("outbound"));
		snprintf(line, sizeof line, "%u", f != NULL &&
		    sip_txn_tp_reliable(f->tp) ? r->cfg.flow_timer_stream :
		    r->cfg.flow_timer_udp);
		sip_msg_header(w, "Flow-Timer",
		    &(struct sip_pl){ line, strlen(line) });
	}
	for (i = 0; a != NULL && i < a->nb; i++) {
		wbuf_bytes(w, "Contact: <", 10);
		wbuf_bytes(w, a->b[i].contact, strlen(a->b[i].contact));
		wbuf_bytes(w, ">", 1);
		wbuf_bytes(w, a->b[i].params, strlen(a->b[i].params));
		snprintf(line, sizeof line, ";expires=%llu\r\n",
		    (unsigned long long)(a->b[i].expires_at - now_s));
		wbuf_bytes(w, line, strlen(line));
	}
	sip_msg_end(w, NULL, 0);
	return 200;
}

/* Steps 1, 2 and 5: the domain, extensions and the AOR ("user@domain"). */
static unsigned
sip_reg_aor(const struct sip_reg *r, const struct sip_msg *m, char *aor,
    size_t max, const char **why)
{
	if (!m->ruri_sip || !sip_pl_caseeq(&m->ruri.host, r->domain) ||
	    !m->to.uri_sip || !sip_pl_caseeq(&m->to.uri.host, r->domain)) {
		*why = "Forbidden (not this overlay's domain)";
		return 403;
	}
	if (sip_msg_hdr(m, SIP_HDR_REQUIRE, NULL) != NULL) {
		*why = "Bad Extension";
		return 420;
	}
	if (m->to.uri.user.l == 0 || m->to.uri.user.l + 1 +
	    strlen(r->domain) >= max) {
		*why = "Bad To";
		return 400;
	}
	snprintf(aor, max, "%.*s@%s", (int)m->to.uri.user.l,
	    m->to.uri.user.p, r->domain);
	return 0;
}

unsigned
sip_reg_register(struct sip_reg *r, uint64_t now_s, const struct sip_flow *f,
    const struct sip_msg *m, const char *to_tag, struct wbuf *w)
{
	struct sip_reg_contact	 c[SIP_REG_CONTACTS_MAX];
	struct sip_aor		*a;
	const char		*why = NULL;
	unsigned		 nc, st;
	bool			 star, ob;
	char			 aor[512], line[48];

	if ((st = sip_reg_aor(r, m, aor, sizeof aor, &why)) != 0 ||
	    (st = sip_reg_contacts(r, m, c, &nc, &star, &why)) != 0 ||
	    (st = sip_reg_outbound(m, c, nc, &ob, &why)) != 0 ||
	    (st = sip_reg_check(r, a = sip_aor_find(r, aor), m, c, nc, star,
	    &why)) != 0) {
		sip_msg_reply(w, m, st, why, to_tag);
		if (st == 423) {
			snprintf(line, sizeof line, "%u", r->cfg.min_expires);
			sip_msg_header(w, "Min-Expires",
			    &(struct sip_pl){ line, strlen(line) });
		}
		if (st == 420)
			sip_msg_header(w, "Unsupported", &sip_msg_hdr(m,
			    SIP_HDR_REQUIRE, NULL)->value);
		sip_msg_end(w, NULL, 0);
		return st;
	}
	if (nc == 0 && !star)		/* a query (§10.2.3) */
		return sip_reg_ok(r, w, a, now_s, f, m, to_tag, ob);
	if (a == NULL) {
		a = sip_aor_add(r, aor);
		sip_reg_apply(r, a, now_s, f, m, c, nc, star);
		if (a->nb != 0)
			sip_reg_change(r, aor, true);
		st = sip_reg_ok(r, w, a, now_s, f, m, to_tag, ob);
		if (a->nb == 0) {
			/* nothing came of it: no change to report */
			r->list[a->idx] = r->list[--r->naors];
			r->list[a->idx]->idx = a->idx;
			strmap_del(&r->aors, &a->h);
			sip_aor_free(r, a);
		}
		return st;
	}
	sip_reg_apply(r, a, now_s, f, m, c, nc, star);
	st = sip_reg_ok(r, w, a, now_s, f, m, to_tag, ob);
	if (a->nb == 0)
		sip_aor_del(r, a);
	return st;
}

/* ---- reading ---- */

unsigned
sip_reg_aors(const struct sip_reg *r)
{
	return r->naors;
}

bool
sip_reg_binding(const struct sip_reg *r, uint64_t now_s, unsigned i,
    unsigned j, struct sip_reg_binding_info *out)
{
	const struct sip_binding	*b;

	if (i >= r->naors || j >= r->list[i]->nb)
		return false;
	b = &r->list[i]->b[j];
	out->aor = r->list[i]->aor;
	out->contact = b->contact;
	out->expires_in = b->expires_at > now_s ?
	    (uint32_t)(b->expires_at - now_s) : 0;
	out->user_agent = b->ua;
	out->params = b->params;
	out->instance = b->instance != NULL ? b->instance : "";
	out->reg_id = b->reg_id;
	return true;
}

/*
 * RFC 5626 §7: one target per instance at a time.  Is another live
 * binding of a for b's instance registered later (or as late, and
 * earlier in the list)?
 */
static bool
sip_binding_shadowed(const struct sip_aor *a, unsigned i, uint64_t now_s)
{
	const struct sip_binding	*b = &a->b[i], *o;
	unsigned			 j;

	if (b->instance == NULL)
		return false;
	for (j = 0; j < a->nb; j++) {
		o = &a->b[j];
		if (j == i || o->instance == NULL || o->expires_at <= now_s ||
		    strcmp(o->instance, b->instance) != 0)
			continue;
		if (o->updated > b->updated || (o->updated == b->updated &&
		    j < i))
			return true;
	}
	return false;
}

bool
sip_reg_is_phone(const struct sip_reg *r, const struct addr *a)
{
	char	key[ADDR_STRLEN];

	return strmap_find(&r->hops, addr_str(a, key)) != NULL;
}

unsigned
sip_reg_lookup(const struct sip_reg *r, uint64_t now_s, const char *aor,
    struct sip_reg_target *out, unsigned max)
{
	const struct sip_aor	*a = sip_aor_find(r, aor);
	unsigned		 i, n = 0;

	for (i = 0; a != NULL && i < a->nb && n < max; i++) {
		if (a->b[i].expires_at > now_s &&
		    !sip_binding_shadowed(a, i, now_s)) {
			out[n].contact = a->b[i].contact;
			out[n].flow = a->b[i].flow;
			out[n].nated = a->b[i].nated;
			out[n++].outbound = a->b[i].reg_id != 0;
		}
	}
	return n;
}
