/*
 * sip_proxy.c - a stateful proxy (RFC 3261 §16): the object, the AORs
 * this node publishes by destination list (RFC 7904 §3), which no phone
 * here has and which go to the daemon's own UA, the helpers its files
 * share, and time (a done request's record is kept a while for the 2xx
 * resent).  One record per proxied request, its branches indexed by the
 * client transactions' cookies (sip_proxy_int.h).
 *
 * sip_proxy_req.c takes the requests: validation (§16.3), Route
 * processing (§16.4), targets from the registrar, the overlay or the
 * Request-URI (§16.5), forwarding in parallel with a Via and, for
 * INVITE, a Record-Route of ours (§16.6), ACKs for 2xx forwarded
 * statelessly (§16.11), CANCEL (§16.10).  sip_proxy_resp.c sends the
 * best response back (§16.7) and 2xx retransmissions (§16.7 step 5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>

#include "hex.h"
#include "rng.h"
#include "sip_anchor.h"
#include "sip_cache.h"
#include "sip_msg.h"
#include "sip_proxy.h"
#include "sip_proxy_int.h"
#include "sip_reg.h"
#include "slab.h"
#include "strmap.h"
#include "xmalloc.h"

const struct sip_limits sip_proxy_lim = { SIP_MSG_MAX_DEFAULT,
    SIP_HDRS_LIMIT };

/* An HMAC-SHA256 context keyed with key, or NULL (flow tokens then fail). */
static EVP_MAC_CTX *
sip_ft_mac_new(const uint8_t *key, size_t len)
{
	EVP_MAC		*mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX	*ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	char		 md[] = "SHA256";
	OSSL_PARAM	 params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, md, 0),
		OSSL_PARAM_END
	};

	EVP_MAC_free(mac);		/* the context keeps it */
	if (ctx != NULL && EVP_MAC_init(ctx, key, len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

struct sip_proxy *
sip_proxy_new(const struct sip_proxy_cfg *cfg, struct sip_txn_layer *txl,
    const struct sip_reg *reg, struct rng *rng, struct log_ctx *log)
{
	struct sip_proxy	*p = xcalloc(1, sizeof *p);

	p->cfg = *cfg;
	p->domain = xstrdup(cfg->domain);
	p->cfg.domain = p->domain;
	if (p->cfg.max_len == 0)
		p->cfg.max_len = SIP_MSG_MAX_DEFAULT;
	addr_str(&cfg->self, p->self);
	if (cfg->self_tls.family != 0)
		addr_str(&cfg->self_tls, p->self_tls);
	p->txl = txl;
	p->reg = reg;
	p->rng = rng;
	p->log = log;
	p->next_id = 1;
	LIST_INIT(&p->fwds);
	STAILQ_INIT(&p->kept);
	STAILQ_INIT(&p->gone);
	p->nbuckets = SIP_FWD_BUCKETS;
	p->buckets = xcalloc(p->nbuckets, sizeof *p->buckets);
	p->cache = sip_cache_new(cfg->lookup_cache_ms, SIP_CACHE_MAX);
	rng->fill(p->ft_key, sizeof p->ft_key, rng->arg);
	p->ft_mac = sip_ft_mac_new(p->ft_key, sizeof p->ft_key);
	return p;
}

static void	sip_proxy_host_clear(struct sip_proxy *);

static void
sip_fwd_free(struct sip_fwd *f)
{
	unsigned	i;

	for (i = 0; i < f->nb; i++)
		free(f->b[i].req);
	slab_free(f->b);
	sip_msg_free(f->req);
	free(f->best);
	free(f->servers);
	slab_free(f);
}

void
sip_proxy_free(struct sip_proxy *p)
{
	struct sip_fwd	*f;

	if (p == NULL)
		return;
	while ((f = LIST_FIRST(&p->fwds)) != NULL) {
		LIST_REMOVE(f, entry);
		sip_fwd_free(f);
	}
	free(p->buckets);
	sip_proxy_host_clear(p);
	sip_cache_free(p->cache);
	EVP_MAC_CTX_free(p->ft_mac);
	free(p->domain);
	free(p);
}

unsigned
sip_proxy_pending(const struct sip_proxy *p)
{
	return p->nfwds;
}

void
sip_proxy_stats(const struct sip_proxy *p, struct sip_proxy_stats *st)
{
	st->lookups = p->lookups;
	st->cache_hits = p->cache_hits;
	st->cached = sip_cache_size(p->cache);
}

/* ---- AORs published by destination list ---- */

void
sip_proxy_set_ua(struct sip_proxy *p, const struct addr *ua)
{
	if (ua != NULL)
		p->ua = *ua;
	else
		memset(&p->ua, 0, sizeof p->ua);
}

static struct sip_hosted *
sip_hosted_find(const struct sip_proxy *p, const char *aor)
{
	struct strmap_entry	*e = strmap_find(&p->hosted, aor);

	return e != NULL ? STRMAP_ITEM(e, struct sip_hosted, h) : NULL;
}

void
sip_proxy_host(struct sip_proxy *p, const char *aor, bool on)
{
	struct sip_hosted	*x = sip_hosted_find(p, aor);

	if (on && x == NULL) {
		x = xcalloc(1, sizeof *x);
		x->aor = xstrdup(aor);
		strmap_add(&p->hosted, &x->h, x->aor);
	} else if (!on && x != NULL) {
		strmap_del(&p->hosted, &x->h);
		free(x->aor);
		free(x);
	}
}

bool
sip_proxy_hosts(const struct sip_proxy *p, const char *aor)
{
	return sip_hosted_find(p, aor) != NULL;
}

static void
sip_proxy_host_clear(struct sip_proxy *p)
{
	struct sip_hosted	*x;
	unsigned		 i;

	for (i = 0; i < p->hosted.nb; i++) {
		while (p->hosted.b[i] != NULL) {
			x = STRMAP_ITEM(p->hosted.b[i], struct sip_hosted, h);
			strmap_del(&p->hosted, &x->h);
			free(x->aor);
			free(x);
		}
	}
	strmap_clear(&p->hosted);
}

/* ---- helpers ---- */

/*
 * RFC 5626 §5.2 flow tokens: the flow (transport, connection, address
 * and port; 24 bytes) and an HMAC-SHA256 over them with a key of ours,
 * cut to SIP_FT_MAC bytes, in hex.  A token that comes back with the
 * right MAC is one we made: no one can steer us to a flow of their
 * choosing with it.
 */
#define SIP_FT_RAW	24
#define SIP_FT_MAC	10

static void
sip_ft_raw(const struct sip_flow *f, uint8_t *raw)
{
	raw[0] = (uint8_t)f->tp;
	raw[1] = (uint8_t)(f->conn >> 24);
	raw[2] = (uint8_t)(f->conn >> 16);
	raw[3] = (uint8_t)(f->conn >> 8);
	raw[4] = (uint8_t)f->conn;
	raw[5] = f->remote.family;
	memcpy(raw + 6, f->remote.ip, 16);
	raw[22] = (uint8_t)(f->remote.port >> 8);
	raw[23] = (uint8_t)f->remote.port;
}

/* false if it cannot be made: then no token is taken (fail closed) */
static bool
sip_ft_mac(const struct sip_proxy *p, const uint8_t *raw, uint8_t *mac)
{
	uint8_t		full[EVP_MAX_MD_SIZE];
	size_t		len = 0;

	/* a NULL key: the one the context was made with */
	if (p->ft_mac == NULL || EVP_MAC_init(p->ft_mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(p->ft_mac, raw, SIP_FT_RAW) != 1 ||
	    EVP_MAC_final(p->ft_mac, full, &len, sizeof full) != 1 ||
	    len < SIP_FT_MAC) {
		memset(mac, 0, SIP_FT_MAC);
		return false;
	}
	memcpy(mac, full, SIP_FT_MAC);
	return true;
}

void
sip_proxy_flow_token(const struct sip_proxy *p, const struct sip_flow *f,
    char *out)
{
	uint8_t	raw[SIP_FT_RAW + SIP_FT_MAC];

	sip_ft_raw(f, raw);
	(void)sip_ft_mac(p, raw, raw + SIP_FT_RAW);	/* else refused back */
	hex_encode(raw, sizeof raw, out);
}

bool
sip_proxy_flow_untoken(const struct sip_proxy *p, const struct sip_pl *user,
    struct sip_flow *f)
{
	uint8_t	raw[SIP_FT_RAW + SIP_FT_MAC], mac[SIP_FT_MAC];

	if (user->l != SIP_FLOW_TOKEN_LEN ||
	    hex_decode(user->p, sizeof raw, raw) != 0)
		return false;
	if (!sip_ft_mac(p, raw, mac) ||
	    CRYPTO_memcmp(mac, raw + SIP_FT_RAW, SIP_FT_MAC) != 0 ||
	    raw[0] > SIP_TP_DTLS || (raw[5] != 4 && raw[5] != 6))
		return false;
	memset(f, 0, sizeof *f);
	f->tp = (enum sip_tp)raw[0];
	f->conn = (uint32_t)raw[1] << 24 | (uint32_t)raw[2] << 16 |
	    (uint32_t)raw[3] << 8 | raw[4];
	f->remote.family = raw[5];
	memcpy(f->remote.ip, raw + 6, 16);
	f->remote.port = (uint16_t)(raw[22] << 8 | raw[23]);
	return true;
}

/* A URI's host:port as a flow (IP literals only: no DNS here). */
int
sip_proxy_uri_flow(const struct sip_uri *u, struct sip_flow *f)
{
	struct sip_pl	tp;

	memset(f, 0, sizeof f[0]);
	if (sip_uri_addr(u, &f->remote) != 0)
		return EINVAL;
	f->tp = SIP_TP_UDP;
	if (u->sips || (sip_uri_param(&u->params, "transport", &tp) &&
	    sip_pl_caseeq(&tp, "tls")))
		f->tp = SIP_TP_TLS;
	else if (sip_uri_param(&u->params, "transport", &tp) &&
	    sip_pl_caseeq(&tp, "tcp"))
		f->tp = SIP_TP_TCP;
	return 0;
}

/* Does a reach the socket bound to listen? */
static bool
sip_proxy_bound(const struct sip_proxy *p, const struct addr *listen,
    const struct addr *a)
{
	if (listen->family == 0 || a->port != listen->port)
		return false;
	if (addr_is_any(listen))
		return addr_is_among(a, p->cfg.local, p->cfg.nlocal);
	return addr_ip_eq(a, listen);
}

bool
sip_proxy_is_self(const struct sip_proxy *p, const struct sip_uri *u)
{
	struct sip_flow	f;

	return sip_proxy_uri_flow(u, &f) == 0 &&
	    (addr_eq(&f.remote, &p->cfg.self) ||
	    (p->cfg.self_tls.family != 0 &&
	    addr_eq(&f.remote, &p->cfg.self_tls)) ||
	    sip_proxy_bound(p, &p->cfg.listen, &f.remote) ||
	    sip_proxy_bound(p, &p->cfg.listen_tls, &f.remote));
}

/* Is f a phone's (registered here), not a peer's nor our UA's? */
static bool
sip_proxy_phone_flow(const struct sip_proxy *p, const struct sip_flow *f)
{
	return !f->peer && sip_reg_is_phone(p->reg, &f->remote);
}

static bool
sip_proxy_ua_flow(const struct sip_proxy *p, const struct sip_flow *f)
{
	return p->ua.family != 0 && addr_eq(&f->remote, &p->ua);
}

uint8_t *
sip_proxy_anchor(struct sip_proxy *p, const struct sip_msg *m,
    const struct sip_flow *from, const struct sip_flow *to, bool offer,
    size_t *len)
{
	bool	from_phone, to_phone;

	/* on every request and response with a body: off, at once */
	if (p->cfg.anchor == NULL || m->body.l == 0 ||
	    sip_anchor_mode(p->cfg.anchor) == SIP_ANCHOR_OFF ||
	    sip_proxy_ua_flow(p, from) || sip_proxy_ua_flow(p, to))
		return NULL;
	from_phone = sip_proxy_phone_flow(p, from);
	to_phone = sip_proxy_phone_flow(p, to);
	if (from_phone == to_phone)	/* phone to phone, peer to peer */
		return NULL;
	return sip_anchor_body(p->cfg.anchor, m, to_phone, to_phone ?
	    &to->remote : &from->remote, offer, len);
}

/* Answer the request in server transaction stxn with a bare status. */
void
sip_proxy_status(struct sip_proxy *p, uint64_t now, uint64_t stxn,
    const struct sip_msg *m, unsigned status, const char *reason)
{
	char	tag[24];

	sip_msg_tag(p->rng, tag, sizeof tag);
	(void)sip_txn_layer_respond_status(p->txl, now, stxn, m, status, reason,
	    status > 100 ? tag : NULL, NULL, NULL);
}

struct sip_fwd *
sip_proxy_fwd_by_id(const struct sip_proxy *p, uint64_t id)
{
	struct sip_fwd	*f;

	for (f = p->buckets[id & (p->nbuckets - 1)]; f != NULL; f = f->hnext)
		if (f->id == id)
			return f;
	return NULL;
}

/* ---- the records' tables ---- */

/* The buckets at n: twice as many as they fill up, so that a bucket
 * holds about one record; half as many once a quarter full. */
static void
sip_fwd_rehash(struct sip_proxy *p, unsigned n)
{
	struct sip_fwd	**b, *f, *next;
	unsigned	  i;

	b = xcalloc(n, sizeof *b);
	for (i = 0; i < p->nbuckets; i++)
		for (f = p->buckets[i]; f != NULL; f = next) {
			next = f->hnext;
			f->hnext = b[f->id & (n - 1)];
			b[f->id & (n - 1)] = f;
		}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = n;
}

void
sip_fwd_add(struct sip_proxy *p, struct sip_fwd *f)
{
	if (p->nfwds + 1 > p->nbuckets)
		sip_fwd_rehash(p, p->nbuckets * 2);
	LIST_INSERT_HEAD(&p->fwds, f, entry);
	f->hnext = p->buckets[f->id & (p->nbuckets - 1)];
	p->buckets[f->id & (p->nbuckets - 1)] = f;
	p->nfwds++;
}

static void
sip_fwd_remove(struct sip_proxy *p, struct sip_fwd *f)
{
	struct sip_fwd	**hp;

	LIST_REMOVE(f, entry);
	for (hp = &p->buckets[f->id & (p->nbuckets - 1)]; *hp != f;
	    hp = &(*hp)->hnext)
		;
	*hp = f->hnext;
	p->nfwds--;
	sip_fwd_free(f);
	if (p->nbuckets > SIP_FWD_BUCKETS && p->nfwds < p->nbuckets / 4)
		sip_fwd_rehash(p, p->nbuckets / 2);
}

/*
 * Every branch has its final answer (or there were none), and ours has
 * gone.  A non-INVITE's record has nothing left to do: its transactions
 * take what comes (a response resent).  An INVITE's that got a 2xx is
 * kept SIP_KEEP_MS for the 2xx resent (sip_proxy_stray): that needs its
 * branches' ids and flows and where responses go, not the requests.
 * Idempotent; the record is freed at the next tick, as its callers may
 * still look at it.
 */
void
sip_fwd_done(struct sip_proxy *p, struct sip_fwd *f, uint64_t now)
{
	unsigned	i;

	if (f->done_at != 0)
		return;
	f->done_at = now;
	f->looking = f->resolving = false;
	for (i = 0; i < f->nb; i++) {
		free(f->b[i].req);
		f->b[i].req = NULL;
		f->b[i].req_len = 0;
	}
	free(f->best);
	f->best = NULL;
	free(f->servers);
	f->servers = NULL;
	f->nservers = 0;
	if (f->invite && f->got_2xx) {
		sip_msg_free(f->req);
		f->req = NULL;
		STAILQ_INSERT_TAIL(&p->kept, f, done);
	} else
		STAILQ_INSERT_TAIL(&p->gone, f, done);
}

const char *
sip_proxy_aor_of(const struct sip_proxy *p, const struct sip_msg *m, char *aor,
    size_t max)
{
	snprintf(aor, max, "%.*s@%s", (int)m->ruri.user.l, m->ruri.user.p,
	    p->domain);
	return aor;
}

/* ---- time ---- */

/* The records done: what is past its time goes, oldest first; each
 * costs what it frees, not what is kept.  So do the lookup cache's
 * expired entries. */
void
sip_proxy_tick(struct sip_proxy *p, uint64_t now)
{
	struct sip_fwd	*f;

	sip_cache_expire(p->cache, now);
	while ((f = STAILQ_FIRST(&p->gone)) != NULL) {
		STAILQ_REMOVE_HEAD(&p->gone, done);
		sip_fwd_remove(p, f);
	}
	while ((f = STAILQ_FIRST(&p->kept)) != NULL &&
	    now >= f->done_at + SIP_KEEP_MS) {
		STAILQ_REMOVE_HEAD(&p->kept, done);
		sip_fwd_remove(p, f);
	}
}

uint64_t
sip_proxy_deadline(const struct sip_proxy *p)
{
	uint64_t	d = sip_cache_deadline(p->cache), f = UINT64_MAX;

	if (!STAILQ_EMPTY(&p->gone))
		f = STAILQ_FIRST(&p->gone)->done_at;
	else if (!STAILQ_EMPTY(&p->kept))
		f = STAILQ_FIRST(&p->kept)->done_at + SIP_KEEP_MS;
	return d < f ? d : f;
}
