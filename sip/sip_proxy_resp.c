/*
 * sip_proxy_resp.c - the responses to what the proxy forwarded (RFC 3261
 * §16.7): provisional ones on at once, a 2xx at once and others' 2xx
 * past the transaction, the best final response once every branch is
 * done (a lookup in the overlay asked again when its answer came from
 * the cache and went stale), the other branches cancelled after a 2xx
 * or 6xx (§9.1), branches that time out (§16.8) or whose transport fails
 * (§16.9), and 2xx resent that no transaction takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_anchor.h"
#include "sip_cache.h"
#include "sip_msg.h"
#include "sip_proxy.h"
#include "sip_proxy_int.h"
#include "wire.h"

/* ---- responses (§16.7) ---- */

/* The INVITE of f got its final status: tell the user of the proxy. */
void
sip_proxy_resp_report(struct sip_proxy *p, const struct sip_fwd *f,
    unsigned status)
{
	if (f->invite && p->cfg.call != NULL)
		p->cfg.call(f->req, status, p->cfg.arg);
	/* a call that did not come about relays no media */
	if (f->invite && status >= 300 && f->req->to_tag.l == 0 &&
	    p->cfg.anchor != NULL)
		sip_anchor_end(p->cfg.anchor, f->req);
}

/*
 * The response without its top Via (ours), as bytes; its body edited
 * if it goes between a phone and a peer in a call whose media we relay
 * (from: the branch's flow it came on).
 */
static uint8_t *
sip_strip_via(struct sip_proxy *p, const struct sip_fwd *f,
    const struct sip_flow *from, const struct sip_msg *m, size_t *len)
{
	const struct sip_hdr	*top = sip_msg_hdr(m, SIP_HDR_VIA, NULL);
	struct wbuf		 w;
	uint8_t			*edited;
	size_t			 elen = 0;
	char			 line[64];
	unsigned		 i;

	wbuf_init(&w, p->cfg.max_len);
	snprintf(line, sizeof line, "SIP/2.0 %03u ", m->status);
	wbuf_bytes(&w, line, strlen(line));
	wbuf_bytes(&w, m->reason.p, m->reason.l);
	wbuf_bytes(&w, "\r\n", 2);
	for (i = 0; i < m->nhdrs; i++)
		if (&m->hdrs[i] != top &&
		    m->hdrs[i].id != SIP_HDR_CONTENT_LENGTH)
			sip_msg_header_copy(&w, &m->hdrs[i]);
	/* §13.2.1: an INVITE's 18x or 2xx answers its offer, or offers
	 * when it had none */
	if (m->status > 100 && m->status < 300 &&
	    (edited = sip_proxy_anchor(p, m, from, &f->from,
	    f->offerless, &elen)) != NULL) {
		sip_msg_end(&w, edited, elen);
		free(edited);
	} else
		sip_msg_end(&w, m->body.p, m->body.l);
	if (w.err) {
		wbuf_clear(&w);
		return NULL;
	}
	return wbuf_take(&w, len);
}

/* §16.7 step 6: 6xx first, else the lowest class, first come. */
static bool
sip_better(unsigned status, unsigned best)
{
	if (best == 0)
		return true;
	if (best >= 600)
		return false;
	if (status >= 600)
		return true;
	return status / 100 < best / 100;
}

/* A CANCEL for branch b (§9.1), in a client transaction of its own. */
void
sip_proxy_resp_cancel_branch(struct sip_proxy *p, uint64_t now,
    struct sip_fwd *f, struct sip_branch *b)
{
	const struct sip_hdr	*h;
	struct sip_msg		 r;
	struct wbuf		 w;
	const char		*why;
	size_t			 used;
	uint64_t		 txn;
	char			 cseq[32];

	if (b->done || sip_msg_parse(&r, b->req, b->req_len, true,
	    &sip_proxy_lim, &used, &why) != 0)
		return;
	wbuf_init(&w, p->cfg.max_len);
	wbuf_bytes(&w, "CANCEL ", 7);
	wbuf_bytes(&w, r.ruri_str.p, r.ruri_str.l);
	wbuf_bytes(&w, " SIP/2.0\r\n", 10);
	sip_msg_header(&w, "Via", &sip_msg_hdr(&r, SIP_HDR_VIA, NULL)->value);
	for (h = sip_msg_hdr(&r, SIP_HDR_ROUTE, NULL); h != NULL;
	    h = sip_msg_hdr(&r, SIP_HDR_ROUTE, h))
		sip_msg_header(&w, "Route", &h->value);
	sip_msg_header(&w, "Max-Forwards", &SIP_PL("70"));
	sip_msg_header(&w, "From", &sip_msg_hdr(&r, SIP_HDR_FROM, NULL)->value);
	sip_msg_header(&w, "To", &sip_msg_hdr(&r, SIP_HDR_TO, NULL)->value);
	sip_msg_header(&w, "Call-ID", &r.call_id);
	snprintf(cseq, sizeof cseq, "%u CANCEL", r.cseq);
	sip_msg_header(&w, "CSeq", &(struct sip_pl){ cseq, strlen(cseq) });
	sip_msg_end(&w, NULL, 0);
	/* its answer is of no interest: the cookie names no branch */
	if (!w.err)
		(void)sip_txn_layer_request(p->txl, now, &b->flow, w.p, w.len,
		    f->id * 16 + 15, &txn);
	wbuf_clear(&w);
	sip_msg_clear(&r);
	b->cancel = false;
}

/* Did f end in what a stale registration gives: no answer, or 404, 408,
 * 480 or 503 (the AOR is not, or no longer, there)? */
static bool
sip_stale(const struct sip_fwd *f)
{
	return f->best == NULL || f->best_status == 404 ||
	    f->best_status == 408 || f->best_status == 480 ||
	    f->best_status == 503;
}

/* Every branch is done: the best final response goes back. */
void
sip_proxy_resp_finish(struct sip_proxy *p, uint64_t now, struct sip_fwd *f)
{
	char		 aor[512];
	unsigned	 i;

	if (f->looking || f->resolving)
		return;			/* more branches may come */
	for (i = 0; i < f->nb; i++)
		if (!f->b[i].done)
			return;
	/* RFC 3263 §4.3: no answer, unreachable or 503: the next server */
	if (sip_proxy_req_failover(p, now, f))
		return;
	if (!f->final_sent && f->overlay && sip_stale(f)) {
		/* the peers the overlay named failed: their registrations
		 * may have moved; if that answer came from the cache, the
		 * overlay is asked again, once */
		sip_cache_drop(p->cache, sip_proxy_aor_of(p, f->req, aor,
		    sizeof aor));
		if (f->cached) {
			f->cached = false;
			sip_proxy_req_lookup(p, now, f, aor);
			if (f->looking || f->final_sent)
				return;
		}
	}
	if (!f->final_sent) {
		f->final_sent = true;
		sip_proxy_resp_report(p, f, f->best != NULL ? f->best_status :
		    f->unreachable ? (f->by_token ? 430 : 480) : 408);
		if (f->best != NULL)
			(void)sip_txn_layer_respond(p->txl, now, f->stxn,
			    f->best, f->best_len);
		else if (f->unreachable && f->by_token)
			/* RFC 5626 §5.3: the flow the token names failed */
			sip_proxy_status(p, now, f->stxn, f->req, 430,
			    "Flow Failed");
		else if (f->unreachable)
			sip_proxy_status(p, now, f->stxn, f->req, 480,
			    "Temporarily Unavailable (peer unreachable)");
		else
			sip_proxy_status(p, now, f->stxn, f->req, 408,
			    "Request Timeout");
	}
	sip_fwd_done(p, f, now);
}

static void
sip_branch_final(struct sip_proxy *p, uint64_t now, struct sip_fwd *f,
    struct sip_branch *b, unsigned status, uint8_t *resp, size_t len)
{
	unsigned	i;

	b->done = true;
	if (status < 300)
		f->got_2xx = true;
	if (status < 300 && !f->final_sent) {
		/* §16.7 step 5: a 2xx goes back at once */
		(void)sip_txn_layer_respond(p->txl, now, f->stxn, resp, len);
		f->final_sent = true;
		free(resp);
		sip_proxy_resp_report(p, f, status);
	} else if (status < 300)
		/* another branch's 2xx too, past the transaction */
		p->cfg.emit(&f->from, resp, len, p->cfg.arg);
	else if (status >= 300 && !f->final_sent &&
	    sip_better(status, f->best_status)) {
		free(f->best);
		f->best = resp;
		f->best_len = len;
		f->best_status = status;
	} else
		free(resp);
	/* §16.7 step 5/9: a 2xx or 6xx ends the other branches, and
	 * those the overlay would give */
	if (status < 300 || status >= 600)
		f->looking = false;
	if (f->invite && (status < 300 || status >= 600))
		for (i = 0; i < f->nb; i++)
			if (!f->b[i].done && f->b[i].provisional)
				sip_proxy_resp_cancel_branch(p, now, f,
				    &f->b[i]);
	sip_proxy_resp_finish(p, now, f);
}

/* A hex digit's value, or 16. */
static unsigned
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 16;
}

/* The record one of whose branches m's top Via names (that branch
 * into *bp), or NULL. */
static struct sip_fwd *
sip_fwd_by_branch(const struct sip_proxy *p, const struct sip_msg *m,
    const struct sip_branch **bp)
{
	const struct sip_pl	*br = &m->via.branch;
	struct sip_fwd		*f;
	uint64_t		 id = 0;
	size_t			 k;
	unsigned		 i, d;

	/* our branches end with "-" and the record's id in hex */
	for (k = br->l; k > 0 && br->p[k - 1] != '-'; k--)
		;
	if (k == 0 || br->l - k == 0 || br->l - k > 16)
		return NULL;
	for (; k < br->l; k++) {
		if ((d = hex_digit(br->p[k])) > 15)
			return NULL;
		id = id << 4 | d;
	}
	if ((f = sip_proxy_fwd_by_id(p, id)) == NULL)
		return NULL;
	for (i = 0; i < f->nb; i++)
		if (sip_pl_eq(br, f->b[i].branch)) {
			*bp = &f->b[i];
			return f;
		}
	return NULL;
}

/* A 2xx resent, which no transaction takes: along the next Via. */
static void
sip_proxy_stray(struct sip_proxy *p, const struct sip_msg *m)
{
	const struct sip_branch	*b;
	struct sip_fwd		*f;
	uint8_t			*resp;
	size_t			 len;

	if (m->status < 200 || m->status >= 300 || m->nvia < 2 ||
	    (f = sip_fwd_by_branch(p, m, &b)) == NULL)
		return;
	if ((resp = sip_strip_via(p, f, &b->flow, m, &len)) != NULL)
		p->cfg.emit(&f->from, resp, len, p->cfg.arg);
}

void
sip_proxy_response(struct sip_proxy *p, uint64_t now, uint64_t cookie,
    uint64_t txn, const struct sip_msg *m)
{
	struct sip_fwd		*f;
	struct sip_branch	*b;
	uint8_t			*resp;
	size_t			 len;

	if (txn == 0) {
		sip_proxy_stray(p, m);
		return;
	}
	if ((f = sip_proxy_fwd_by_id(p, cookie / 16)) == NULL ||
	    cookie % 16 >= f->nb)
		return;			/* a CANCEL's answer */
	b = &f->b[cookie % 16];
	if (b->done || m->status == 100)
		return;
	if (m->nvia < 2) {
		/* §16.7 step 3: no Via left but ours: not to be sent on;
		 * the branch counts as one that timed out */
		if (m->status >= 200) {
			b->done = true;
			sip_proxy_resp_finish(p, now, f);
		}
		return;
	}
	if ((resp = sip_strip_via(p, f, &b->flow, m, &len)) == NULL)
		return;
	if (m->status < 200) {
		b->provisional = true;
		if (b->cancel)
			sip_proxy_resp_cancel_branch(p, now, f, b);
		if (!f->final_sent)
			(void)sip_txn_layer_respond(p->txl, now, f->stxn, resp,
			    len);
		free(resp);
		return;
	}
	sip_branch_final(p, now, f, b, m->status, resp, len);
}

void
sip_proxy_timeout(struct sip_proxy *p, uint64_t now, uint64_t cookie,
    bool transport)
{
	struct sip_fwd	*f = sip_proxy_fwd_by_id(p, cookie / 16);

	if (f == NULL || cookie % 16 >= f->nb || f->b[cookie % 16].done)
		return;
	/* §16.8: an INVITE branch that rang past Timer C (the client
	 * transaction's 3 min in Proceeding) is cancelled */
	if (f->invite && !transport && f->b[cookie % 16].provisional)
		sip_proxy_resp_cancel_branch(p, now, f, &f->b[cookie % 16]);
	f->b[cookie % 16].done = true;		/* a 408 (§16.7 step 2) */
	/* §16.9 has a transport error count as a 503, which §16.7 step 6
	 * turns into a 500 upstream; a peer we cannot reach gets a 480
	 * instead, which tells the caller to try later */
	if (transport)
		f->unreachable = true;
	sip_proxy_resp_finish(p, now, f);
}
