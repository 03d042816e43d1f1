/*
 * ov_link.c - overlay links: framing, output batching, failure detection
 * and garbage collection (RFC 6940 §6.6.2, §6.6.5, §10.7.1).
 *
 * A link is closed by marking it; the flush writes what it still has,
 * emits CLOSE and only then forgets it and repairs the routing table, so
 * no handler ever runs on a freed link.
 *
 * Ownership: the side that wanted a link (it connected to a bootstrap
 * entry, or its Attach made the other side connect) owns it and is the
 * only one to close it when no longer needed.  The other side keeps it
 * until it fails.  This keeps one side from dropping a finger the other
 * relies on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

#define OV_LINK_OUT_MAX	(1u << 24)	/* one flush's worth */
#define OV_GC_EVERY_MS	10000

/* The position in n->links of the first link with an id >= id. */
static unsigned
ov_link_at(const struct ov_node *n, uint32_t id)
{
	unsigned	lo = 0, hi = n->nlinks, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (n->link_ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* When l next needs ov_link_health, or UINT64_MAX. */
static uint64_t
ov_link_due(const struct ov_node *n, const struct ov_link *l)
{
	uint64_t	suspect_at, dead_at;

	if (!l->up)
		return l->opened_ms + n->cfg.link_timeout_ms + 1;
	if (l->fh.unacked_since == 0)
		return UINT64_MAX;
	dead_at = ov_fh_dead_deadline(&l->fh, n->cfg.link_timeout_ms);
	if (l->suspect)
		return dead_at;
	/* dead before suspect: a link_timeout shorter than the RTO */
	suspect_at = ov_fh_deadline(&l->fh);
	return suspect_at < dead_at ? suspect_at : dead_at;
}

/*
 * n->link_due keeps each link's, beside n->links: ov_link_deadline reads
 * a compact array rather than every link's state (it runs after every
 * event).  Whatever changes what ov_link_due reads calls this.
 */
void
ov_link_due_update(struct ov_node *n, const struct ov_link *l)
{
	unsigned	at = ov_link_at(n, l->id);

	if (at < n->nlinks && n->links[at] == l)
		n->link_due[at] = ov_link_due(n, l);
}

struct ov_link *
ov_link_new(struct ov_node *n, uint64_t now, bool outgoing,
    const struct addr *remote)
{
	struct ov_link	*l;
	unsigned	 at;

	if (n->nlinks == n->links_cap) {
		n->links_cap = n->links_cap != 0 ? n->links_cap * 2 : 16;
		n->links = xreallocarray(n->links, n->links_cap,
		    sizeof *n->links);
		n->link_ids = xreallocarray(n->link_ids, n->links_cap,
		    sizeof *n->link_ids);
		n->link_due = xreallocarray(n->link_due, n->links_cap,
		    sizeof *n->link_due);
	}
	l = xcalloc(1, sizeof *l);
	l->id = n->next_link_id++;
	if (n->next_link_id == 0)
		n->next_link_id = 1;
	at = ov_link_at(n, l->id);
	l->outgoing = outgoing;
	l->remote = *remote;
	l->boot_idx = -1;
	l->opened_ms = now;
	l->last_msg_ms = now;
	ov_fh_init(&l->fh);
	wbuf_init(&l->out, OV_LINK_OUT_MAX);
	/* at the end but once the ids wrap */
	memmove(&n->links[at + 1], &n->links[at],
	    (n->nlinks - at) * sizeof n->links[0]);
	memmove(&n->link_ids[at + 1], &n->link_ids[at],
	    (n->nlinks - at) * sizeof n->link_ids[0]);
	memmove(&n->link_due[at + 1], &n->link_due[at],
	    (n->nlinks - at) * sizeof n->link_due[0]);
	n->links[at] = l;
	n->link_ids[at] = l->id;
	n->link_due[at] = ov_link_due(n, l);
	n->nlinks++;
	n->stats.links_opened++;
	return l;
}

struct ov_link *
ov_link_get(struct ov_node *n, uint32_t id)
{
	unsigned	at = ov_link_at(n, id);

	return at < n->nlinks && n->links[at]->id == id ? n->links[at] : NULL;
}

/* l has something for the next flush: frames to write, or its close. */
static void
ov_link_queue(struct ov_node *n, struct ov_link *l)
{
	if (l->queued)
		return;
	if (n->nflushq == n->flushq_cap && n->flushq_head > 0) {
		/* the taken ones make room */
		memmove(&n->flushq[0], &n->flushq[n->flushq_head],
		    (n->nflushq - n->flushq_head) * sizeof n->flushq[0]);
		n->nflushq -= n->flushq_head;
		n->flushq_head = 0;
	}
	if (n->nflushq == n->flushq_cap) {
		n->flushq_cap = n->flushq_cap ? n->flushq_cap * 2 : 16;
		n->flushq = xreallocarray(n->flushq, n->flushq_cap,
		    sizeof *n->flushq);
	}
	n->flushq[n->nflushq++] = l;
	l->queued = true;
}

struct ov_link *
ov_link_to(struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->nlinks; i++) {
		if (n->links[i]->up && !n->links[i]->closing &&
		    ov_id_eq(&n->links[i]->peer, peer))
			return n->links[i];
	}
	return NULL;
}

bool
ov_link_usable(const struct ov_id *id, void *arg)
{
	struct ov_node	*n = arg;
	struct ov_link	*l = ov_link_to(n, id);

	return l != NULL && l->ready && !l->suspect;
}

void
ov_link_send_msg(struct ov_node *n, uint64_t now, struct ov_link *l,
    const uint8_t *msg, size_t len)
{
	if (l->closing)
		return;
	ov_fh_data(&l->fh, now, &l->out, msg, len);
	ov_link_due_update(n, l);
	ov_link_queue(n, l);
	l->last_msg_ms = now;
	n->stats.msgs_sent++;
}

void
ov_link_close(struct ov_node *n, uint64_t now, struct ov_link *l,
    const char *why)
{
	char	hex[OV_ID_HEXLEN], a[ADDR_STRLEN];

	(void)now;
	if (l->closing)
		return;
	ov_log(n, "overlay: link %u %s %s: closed: %s", l->id,
	    l->up ? ov_id_hex(&l->peer, hex) : "-", addr_str(&l->remote, a),
	    why);
	l->closing = true;
	n->hop_stale = true;
	ov_link_queue(n, l);
}

/* Drop the kept requests whose frames the peer has acknowledged. */
static void
ov_link_kept_prune(struct ov_link *l)
{
	unsigned	i, k = 0;

	for (i = 0; i < l->nkept; i++) {
		if (ov_fh_acked(&l->fh, l->kept[i].seq))
			free(l->kept[i].msg);
		else
			l->kept[k++] = l->kept[i];
	}
	l->nkept = k;
	if (k == 0) {
		free(l->kept);
		l->kept = NULL;
		l->kept_cap = 0;
	}
}

/* Keep a request just forwarded on l (its frame the last one sent). */
void
ov_link_keep(struct ov_link *l, const struct ov_id *dest,
    const struct ov_id *from, const uint8_t *msg, size_t len)
{
	struct ov_kept	*k;

	ov_link_kept_prune(l);
	if (l->nkept == OV_KEPT_MAX) {
		free(l->kept[0].msg);
		memmove(&l->kept[0], &l->kept[1],
		    (l->nkept - 1) * sizeof l->kept[0]);
		l->nkept--;
	}
	if (l->nkept == l->kept_cap) {
		l->kept_cap = l->kept_cap ? l->kept_cap * 2 : 4;
		l->kept = xreallocarray(l->kept, l->kept_cap, sizeof *l->kept);
	}
	k = &l->kept[l->nkept++];
	k->seq = l->fh.tx_seq - 1;
	k->dest = *dest;
	k->from = *from;
	k->msg = xmalloc(len);
	memcpy(k->msg, msg, len);
	k->len = len;
}

void
ov_link_kept_clear(struct ov_link *l)
{
	unsigned	i;

	for (i = 0; i < l->nkept; i++)
		free(l->kept[i].msg);
	free(l->kept);
	l->kept = NULL;
	l->nkept = l->kept_cap = 0;
}

/* Forget a link that is gone, then let the topology repair (§10.7.1). */
void
ov_link_gone(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	struct ov_event	ev;
	struct ov_id	peer = l->peer;
	bool		had_peer = l->up;
	uint32_t	id = l->id;
	unsigned	i;

	i = ov_link_at(n, id);
	if (i < n->nlinks && n->links[i] == l) {
		memmove(&n->links[i], &n->links[i + 1],
		    (n->nlinks - i - 1) * sizeof n->links[0]);
		memmove(&n->link_ids[i], &n->link_ids[i + 1],
		    (n->nlinks - i - 1) * sizeof n->link_ids[0]);
		memmove(&n->link_due[i], &n->link_due[i + 1],
		    (n->nlinks - i - 1) * sizeof n->link_due[0]);
		n->nlinks--;
		if (l->suspect)
			n->nsuspect--;
		n->hop_stale = true;
	}
	for (i = n->flushq_head; l->queued && i < n->nflushq; i++) {
		if (n->flushq[i] == l) {
			n->flushq[i] = n->flushq[--n->nflushq];
			break;
		}
	}
	if (!had_peer)
		n->stats.links_failed++;
	ov_fh_clear(&l->fh);
	wbuf_clear(&l->out);
	ov_link_kept_clear(l);
	free(l);
	if (had_peer) {
		memset(&ev, 0, sizeof ev);
		ev.type = OV_EV_LINK;
		ev.peer = peer;
		ev.up = false;
		ov_node_event(n, &ev);
	}
	ov_topo_link_lost(n, now, id, &peer, had_peer);
}

static void
ov_link_trace(struct ov_node *n, struct ov_link *l, bool outbound,
    const uint8_t *p, size_t len)
{
	struct ov_action	a;

	memset(&a, 0, sizeof a);
	a.type = OV_ACT_TRACE;
	a.link = l->id;
	a.outbound = outbound;
	a.data = xmalloc(len);
	memcpy(a.data, p, len);
	a.len = len;
	ov_node_act_push(n, &a);
}

/* One trace record per frame: the dissector wants a frame per segment. */
static void
ov_link_trace_out(struct ov_node *n, struct ov_link *l)
{
	size_t	off = 0, len;

	while ((len = ov_fh_frame_len(l->out.p + off, l->out.len - off)) > 0) {
		ov_link_trace(n, l, true, l->out.p + off, len);
		off += len;
	}
}

void
ov_link_input(struct ov_node *n, uint64_t now, struct ov_link *l,
    const uint8_t *p, size_t len)
{
	struct ov_fh_frame	f;
	int			rc;

	l->bytes_in += len;
	ov_fh_input(&l->fh, p, len);
	while (!l->closing) {
		rc = ov_fh_next(&l->fh, now, n->cfg.max_message_size, &f);
		if (rc == ENODATA)
			break;
		if (rc != 0) {
			n->stats.bad_input++;
			ov_link_close(n, now, l, rc == EMSGSIZE ?
			    "frame larger than max_message_size" :
			    "not a RELOAD framing header");
			break;
		}
		if (n->trace)
			ov_link_trace(n, l, false, f.raw, f.raw_len);
		if (f.type == OV_FH_ACK)
			continue;
		ov_fh_ack(&l->fh, &l->out, f.seq);
		ov_link_queue(n, l);
		l->last_msg_ms = now;
		n->stats.msgs_recv++;
		ov_route_input(n, now, l, f.msg, f.len);
	}
	ov_link_due_update(n, l);	/* acks moved the RTO timer */
}

/* Write one link's pending output; close it (it is gone) if marked. */
static void
ov_link_flush(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	struct ov_action	a;

	if (l->out.len > 0 && !l->out.err) {
		if (n->trace)
			ov_link_trace_out(n, l);
		memset(&a, 0, sizeof a);
		a.type = OV_ACT_SEND;
		a.link = l->id;
		a.data = wbuf_take(&l->out, &a.len);
		l->bytes_out += a.len;
		ov_node_act_push(n, &a);
	}
	wbuf_clear(&l->out);
	if (!l->closing)
		return;
	memset(&a, 0, sizeof a);
	a.type = OV_ACT_CLOSE;
	a.link = l->id;
	ov_node_act_push(n, &a);
	/* repair may queue other links: ov_link_flush_all goes on */
	ov_link_gone(n, now, l);
}

void
ov_link_flush_all(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;

	/*
	 * The queued links, not every link.  A flush that closes a link
	 * repairs the topology, which may queue more; each close takes a
	 * link away for good, so this ends.
	 */
	while (n->flushq_head < n->nflushq) {
		l = n->flushq[n->flushq_head++];
		if (n->flushq_head == n->nflushq)
			n->flushq_head = n->nflushq = 0;
		l->queued = false;
		ov_link_flush(n, now, l);
	}
}

static void
ov_link_health(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	bool	suspect;

	if (!l->up) {
		if (now - l->opened_ms > n->cfg.link_timeout_ms)
			ov_link_close(n, now, l, "never came up");
		return;
	}
	if (ov_fh_dead(&l->fh, now, n->cfg.link_timeout_ms)) {
		ov_link_close(n, now, l, "no acknowledgement");
		return;
	}
	suspect = ov_fh_suspect(&l->fh, now);
	if (suspect != l->suspect) {
		l->suspect = suspect;
		n->hop_stale = true;
		if (suspect)
			n->nsuspect++;
		else
			n->nsuspect--;
		ov_debug(n, "overlay: link %u: %s", l->id, suspect ?
		    "suspect, out of the routing table" : "acks resumed");
		if (suspect) {
			ov_route_rescue(n, now, l);
			ov_txn_rescue(n, now, l);
		}
	}
}

void
ov_link_tick(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;
	unsigned	 i;
	bool		 gc = now >= n->gc_ms;

	if (gc)
		n->gc_ms = now + OV_GC_EVERY_MS;
	for (i = 0; i < n->nlinks; i++) {
		/*
		 * A link with nothing due is not touched, but for the GC:
		 * its health changes only at its due time (ov_link_due),
		 * but for a suspect one's acks resuming, and while there
		 * is one every link is looked at, as before.
		 */
		if (!gc && n->nsuspect == 0 && n->link_due[i] > now)
			continue;
		l = n->links[i];
		if (l->closing)
			continue;
		ov_link_health(n, now, l);
		if (n->links[i] == l)
			n->link_due[i] = ov_link_due(n, l);
		else
			ov_link_due_update(n, l);
		if (gc)
			ov_link_kept_prune(l);
		if (gc && l->up && l->owned && !l->closing &&
		    now - l->last_msg_ms > n->cfg.link_timeout_ms &&
		    !ov_topo_needs_link(n, l) && !ov_txn_uses_link(n, l->id))
			ov_link_close(n, now, l, "no longer needed");
	}
}

uint64_t
ov_link_deadline(const struct ov_node *n)
{
	uint64_t	d = n->nlinks > 0 ? n->gc_ms : UINT64_MAX;
	unsigned	i;

	for (i = 0; i < n->nlinks; i++)
		if (n->link_due[i] < d)
			d = n->link_due[i];
	return d;
}
