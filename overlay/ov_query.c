/*
 * ov_query.c - requests the node's user asks for: a routed Ping, a Probe
 * (RFC 6940 §6.4.2.5) and iterative routing with RouteQuery (§6.4.2.4,
 * §10.8).
 *
 * A Ping or Probe is routed recursively; its answer retraces the request's
 * path and arrives with a via list naming the nodes it passed (§6.3.2.2),
 * which is the path we report.  An iterative query asks our own next hop
 * where it would route the target, then asks the node it names, and so
 * on, until a node names itself: the node responsible.
 *
 * The node answers the same requests from others: a Ping with a random
 * response_id and its wall clock, a Probe with what it knows of itself,
 * a RouteQuery with its next hop (§6.4.2.4).
 */
#include <errno.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"
#include "xmalloc.h"

/* The answers to a ProbeReq for every type we know (§6.4.2.5.2). */
static void
ov_query_probe_fill(const struct ov_node *n, uint64_t now,
    const struct ov_probe *req, struct ov_probe *ans)
{
	unsigned	i;

	memset(ans, 0, sizeof *ans);
	for (i = 0; i < req->n; i++) {
		switch (req->type[i]) {
		case OV_PROBE_RESPONSIBLE_SET:
			/* the share of the ring we answer for, in ppb */
			ans->value[ans->n] = n->chord.npred == 0 ? 1000000000 :
			    ov_id_arc_ppb(&n->chord.pred[0], &n->cfg.self);
			break;
		case OV_PROBE_NUM_RESOURCES:
			ans->value[ans->n] = 0;	/* no storage yet */
			break;
		case OV_PROBE_UPTIME:
			ans->value[ans->n] = ov_node_uptime(n, now);
			break;
		default:
			continue;	/* only the types we know */
		}
		ans->type[ans->n++] = req->type[i];
	}
}

static void
ov_query_probe_all(struct ov_probe *p)
{
	memset(p, 0, sizeof *p);
	p->type[p->n++] = OV_PROBE_RESPONSIBLE_SET;
	p->type[p->n++] = OV_PROBE_NUM_RESOURCES;
	p->type[p->n++] = OV_PROBE_UPTIME;
}

static void
ov_query_take_probe(struct ov_event *ev, const struct ov_probe *p)
{
	unsigned	i;

	ev->has_probe = true;
	for (i = 0; i < p->n; i++) {
		switch (p->type[i]) {
		case OV_PROBE_RESPONSIBLE_SET:
			ev->responsible_ppb = p->value[i];
			break;
		case OV_PROBE_NUM_RESOURCES:
			ev->num_resources = p->value[i];
			break;
		case OV_PROBE_UPTIME:
			ev->uptime_s = p->value[i];
			break;
		}
	}
}

/* Send one request of t's kind (first step, or the next iterative one). */
static struct ov_txn *
ov_query_send(struct ov_node *n, uint64_t now, enum ov_query q,
    const struct ov_id *target, bool to_node, const struct ov_id *ask)
{
	struct ov_route_query	 rq;
	struct ov_probe		 pr;
	struct ov_txn		*t = NULL;
	struct wbuf		 w;

	wbuf_init(&w, 64);
	switch (q) {
	case OV_Q_PING:
		ov_body_ping_req_encode(&w, 0);
		t = ov_txn_start(n, now, OV_TX_QUERY, OV_PING_REQ, w.p, w.len,
		    target, to_node, NULL, 0);
		break;
	case OV_Q_PROBE:
		ov_query_probe_all(&pr);
		ov_body_probe_req_encode(&w, &pr);
		t = ov_txn_start(n, now, OV_TX_QUERY, OV_PROBE_REQ, w.p, w.len,
		    target, to_node, NULL, 0);
		break;
	case OV_Q_ITERATIVE:
		memset(&rq, 0, sizeof rq);
		ov_msg_dest_resource(&rq.dest, target);
		ov_body_route_query_encode(&w, &rq);
		t = ov_txn_start(n, now, OV_TX_QUERY, OV_ROUTEQUERY_REQ, w.p,
		    w.len, ask, true, NULL, 0);
		break;
	}
	wbuf_clear(&w);
	if (t != NULL) {
		t->query = q;
		t->query_ms = now;
	}
	return t;
}

static void
ov_query_here(struct ov_node *n, uint64_t now, enum ov_query q,
    uint64_t cookie)
{
	struct ov_probe	req, ans;
	struct ov_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_ROUTE;
	ev.cookie = cookie;
	ev.responsible = n->cfg.self;
	if (q == OV_Q_PROBE) {
		ov_query_probe_all(&req);
		ov_query_probe_fill(n, now, &req, &ans);
		ov_query_take_probe(&ev, &ans);
	}
	ov_node_event(n, &ev);
}

int
ov_query_start(struct ov_node *n, uint64_t now, enum ov_query q,
    const struct ov_id *target, bool to_node, uint64_t cookie)
{
	struct ov_txn	*t;
	struct ov_id	 ask;

	if (n->state != OV_ST_JOINED && n->state != OV_ST_ALONE)
		return ENOTCONN;
	if (q == OV_Q_ITERATIVE && to_node)
		return EINVAL;
	if (to_node ? ov_id_eq(target, &n->cfg.self) :
	    ov_route_responsible(n, target)) {
		ov_query_here(n, now, q, cookie);
		return 0;
	}
	if (q == OV_Q_ITERATIVE &&
	    !ov_route_next_hop(n, target, NULL, &ask))
		return ENOTCONN;
	t = ov_query_send(n, now, q, target, to_node, &ask);
	if (t == NULL)
		return EBUSY;
	t->cookie = cookie;
	t->query_target = *target;
	ov_link_flush_all(n, now);
	return 0;
}

/*
 * The path of a routed answer: the link it came on, then its via list
 * backwards (each forwarder appended the hop before it; the answerer is
 * first).  Entries that are not Node-IDs (compressed via lists) are left
 * out.
 */
static void
ov_query_path(const struct ov_msg *m, const struct ov_link *l,
    struct ov_event *ev)
{
	unsigned	i;

	ev->hops = m->fwd.nvia + 1;
	if (l != NULL && l->up)
		ev->path[ev->npath++] = l->peer;
	for (i = m->fwd.nvia; i-- > 0 && ev->npath < OV_PATH_MAX; )
		if (m->fwd.via[i].type == OV_DEST_NODE &&
		    ov_msg_dest_id(&m->fwd.via[i], &ev->path[ev->npath]))
			ev->npath++;
}

/* An iterative step answered: finish, or ask the next node.  true: done. */
static bool
ov_query_iterate(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer, struct ov_event *ev)
{
	struct ov_txn	*next;
	struct ov_id	 peer;
	unsigned	 i;

	if (ov_body_route_query_ans_decode(m->body, m->body_len, &peer) != 0) {
		ev->error = EBADMSG;
		return true;
	}
	memcpy(ev->path, t->path, t->npath * sizeof *t->path);
	ev->npath = t->npath;
	if (ev->npath < OV_PATH_MAX)
		ev->path[ev->npath++] = *signer;
	ev->hops = ev->npath;
	if (ov_id_eq(&peer, signer) || ov_id_eq(&peer, &n->cfg.self)) {
		ev->responsible = peer;
		return true;
	}
	for (i = 0; i < ev->npath; i++)
		if (ov_id_eq(&ev->path[i], &peer))
			break;
	if (i < ev->npath || ev->npath == OV_PATH_MAX) {
		ev->error = ELOOP;
		return true;
	}
	if ((next = ov_query_send(n, now, OV_Q_ITERATIVE, &t->query_target,
	    false, &peer)) == NULL) {
		ev->error = EBUSY;
		return true;
	}
	next->cookie = t->cookie;
	next->query_target = t->query_target;
	next->query_ms = t->query_ms;
	memcpy(next->path, ev->path, ev->npath * sizeof *ev->path);
	next->npath = ev->npath;
	return false;
}

void
ov_query_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer,
    const struct ov_link *l, int error)
{
	struct ov_event	 ev;
	struct ov_probe	 pr;
	const uint8_t	*info;
	size_t		 ilen;
	uint16_t	 code;

	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_ROUTE;
	ev.cookie = t->cookie;
	ev.rtt_ms = now - t->query_ms;
	if (m == NULL) {
		ev.error = error;
	} else if (m->code == OV_ERROR) {
		ev.error = ov_body_error_decode(m->body, m->body_len, &code,
		    &info, &ilen) == 0 ? 1000 + code : EBADMSG;
	} else if (t->query == OV_Q_ITERATIVE) {
		if (!ov_query_iterate(n, now, t, m, signer, &ev))
			return;
	} else {
		ev.responsible = *signer;
		ov_query_path(m, l, &ev);
		if (t->query == OV_Q_PROBE) {
			if (ov_body_probe_ans_decode(m->body, m->body_len,
			    &pr) == 0)
				ov_query_take_probe(&ev, &pr);
			else
				ev.error = EBADMSG;
		}
	}
	ov_node_event(n, &ev);
}

/* ---- answering Ping, Probe and RouteQuery ---- */

void
ov_query_ping_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct wbuf	w;

	if (ov_body_ping_req_decode(m->body, m->body_len) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad PingReq");
		return;
	}
	wbuf_init(&w, 64);
	ov_body_ping_ans_encode(&w, rng_u64(n->rng),
	    (uint64_t)((int64_t)now + n->cfg.wall_offset_ms));
	ov_route_answer(n, now, l, m, OV_PING_ANS, w.p, w.len);
	wbuf_clear(&w);
}

void
ov_query_probe_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct ov_probe	req, ans;
	struct wbuf	w;

	if (ov_body_probe_req_decode(m->body, m->body_len, &req) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad ProbeReq");
		return;
	}
	ov_query_probe_fill(n, now, &req, &ans);
	wbuf_init(&w, 256);
	ov_body_probe_ans_encode(&w, &ans);
	ov_route_answer(n, now, l, m, OV_PROBE_ANS, w.p, w.len);
	wbuf_clear(&w);
}

/* A RouteQuery (§6.4.2.4): our next hop toward the destination, and an
 * Update if asked (§10.8). */
void
ov_query_route_query_request(struct ov_node *n, uint64_t now,
    struct ov_link *l, const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_route_query	q;
	struct ov_id		dest, next;
	struct wbuf		w;

	if (ov_body_route_query_decode(m->body, m->body_len, &q) != 0 ||
	    !ov_msg_dest_id(&q.dest, &dest)) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad RouteQueryReq");
		return;
	}
	if (ov_route_responsible(n, &dest))
		next = n->cfg.self;
	else if (!ov_route_next_hop(n, &dest, NULL, &next)) {
		ov_route_error(n, now, l, &m->fwd, OV_E_NOT_FOUND, "no route");
		return;
	}
	wbuf_init(&w, 64);
	ov_body_route_query_ans_encode(&w, &next);
	ov_route_answer(n, now, l, m, OV_ROUTEQUERY_ANS, w.p, w.len);
	wbuf_clear(&w);
	if (q.send_update && ov_link_to(n, s) != NULL)	/* §10.8 */
		ov_update_send(n, now, s, OV_UPD_FULL);
}
