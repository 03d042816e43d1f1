/*
 * ov_body.c - encode and decode method bodies (RFC 6940 §6.4.2, §6.5,
 * §10.7-10.9).  Every decoder consumes its whole input or fails.
 */
#include <errno.h>
#include <string.h>

#include "ov_body.h"
#include "wire.h"

/* NodeId list<0..2^16-1> */
static void
ov_ids_encode(struct wbuf *w, const struct ov_id *ids, unsigned n)
{
	size_t		mark = wbuf_vec_begin(w, 2);
	unsigned	i;

	for (i = 0; i < n; i++)
		wbuf_bytes(w, ids[i].b, OV_ID_LEN);
	wbuf_vec_end(w, mark, 2);
}

static void
ov_ids_decode(struct rbuf *r, struct ov_id *ids, unsigned max, unsigned *n)
{
	struct rbuf	v;

	rbuf_vec(r, 2, &v);
	*n = 0;
	if (v.len % OV_ID_LEN != 0 || v.len / OV_ID_LEN > max) {
		r->err = true;
		return;
	}
	while (rbuf_left(&v) > 0)
		rbuf_copy(&v, ids[(*n)++].b, OV_ID_LEN);
}

void
ov_body_update_encode(struct wbuf *w, const struct ov_update *u)
{
	wbuf_u32(w, u->uptime);
	wbuf_u8(w, u->type);
	if (u->type == OV_UPD_PEER_READY)
		return;
	ov_ids_encode(w, u->pred, u->npred);
	ov_ids_encode(w, u->succ, u->nsucc);
	if (u->type == OV_UPD_FULL)
		ov_ids_encode(w, u->finger, u->nfinger);
}

int
ov_body_update_decode(const uint8_t *p, size_t len, struct ov_update *u)
{
	struct rbuf	r;

	rbuf_init(&r, p, len);
	memset(u, 0, offsetof(struct ov_update, pred));
	u->uptime = rbuf_u32(&r);
	u->type = rbuf_u8(&r);
	switch (u->type) {
	case OV_UPD_PEER_READY:
		break;
	case OV_UPD_NEIGHBORS:
	case OV_UPD_FULL:
		ov_ids_decode(&r, u->pred, OV_UPD_NEIGH_MAX, &u->npred);
		ov_ids_decode(&r, u->succ, OV_UPD_NEIGH_MAX, &u->nsucc);
		if (u->type == OV_UPD_FULL)
			ov_ids_decode(&r, u->finger, OV_UPD_FINGER_MAX,
			    &u->nfinger);
		break;
	default:
		return EBADMSG;
	}
	return rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_join_req_encode(struct wbuf *w, const struct ov_id *id)
{
	wbuf_bytes(w, id->b, OV_ID_LEN);
	wbuf_u16(w, 0);			/* overlay_specific_data */
}

int
ov_body_join_req_decode(const uint8_t *p, size_t len, struct ov_id *id)
{
	struct rbuf	r, v;

	rbuf_init(&r, p, len);
	rbuf_copy(&r, id->b, OV_ID_LEN);
	rbuf_vec(&r, 2, &v);
	return rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_join_ans_encode(struct wbuf *w)
{
	wbuf_u16(w, 0);
}

void
ov_body_leave_encode(struct wbuf *w, const struct ov_leave *l)
{
	size_t	mark;

	wbuf_bytes(w, l->id.b, OV_ID_LEN);
	mark = wbuf_vec_begin(w, 2);	/* overlay_specific_data */
	wbuf_u8(w, l->type);
	ov_ids_encode(w, l->ids, l->n);
	wbuf_vec_end(w, mark, 2);
}

int
ov_body_leave_decode(const uint8_t *p, size_t len, struct ov_leave *l)
{
	struct rbuf	r, v;

	rbuf_init(&r, p, len);
	rbuf_copy(&r, l->id.b, OV_ID_LEN);
	rbuf_vec(&r, 2, &v);
	l->type = rbuf_u8(&v);
	if (l->type != OV_LEAVE_FROM_SUCC && l->type != OV_LEAVE_FROM_PRED)
		return EBADMSG;
	ov_ids_decode(&v, l->ids, OV_UPD_NEIGH_MAX, &l->n);
	return rbuf_done(&v) && rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_route_query_encode(struct wbuf *w, const struct ov_route_query *q)
{
	wbuf_u8(w, q->send_update ? 1 : 0);
	ov_msg_dest_encode(w, &q->dest);
	wbuf_u16(w, 0);			/* overlay_specific_data */
}

int
ov_body_route_query_decode(const uint8_t *p, size_t len,
    struct ov_route_query *q)
{
	struct rbuf	r, v;
	uint8_t		b;

	rbuf_init(&r, p, len);
	b = rbuf_u8(&r);
	if (b > 1 || ov_msg_dest_decode(&r, &q->dest) != 0)
		return EBADMSG;
	q->send_update = b == 1;
	rbuf_vec(&r, 2, &v);
	return rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_route_query_ans_encode(struct wbuf *w, const struct ov_id *next)
{
	wbuf_bytes(w, next->b, OV_ID_LEN);
}

int
ov_body_route_query_ans_decode(const uint8_t *p, size_t len, struct ov_id *next)
{
	if (len != OV_ID_LEN)
		return EBADMSG;
	memcpy(next->b, p, OV_ID_LEN);
	return 0;
}

void
ov_body_probe_req_encode(struct wbuf *w, const struct ov_probe *pr)
{
	wbuf_u8(w, (uint8_t)pr->n);
	wbuf_bytes(w, pr->type, pr->n);
}

int
ov_body_probe_req_decode(const uint8_t *p, size_t len, struct ov_probe *pr)
{
	struct rbuf	r, v;

	rbuf_init(&r, p, len);
	rbuf_vec(&r, 1, &v);
	if (v.len > OV_PROBE_MAX || !rbuf_done(&r))
		return EBADMSG;
	pr->n = (unsigned)v.len;
	rbuf_copy(&v, pr->type, v.len);
	return 0;
}

void
ov_body_probe_ans_encode(struct wbuf *w, const struct ov_probe *pr)
{
	size_t		mark = wbuf_vec_begin(w, 2);
	unsigned	i;

	for (i = 0; i < pr->n; i++) {
		wbuf_u8(w, pr->type[i]);
		wbuf_u8(w, 4);
		wbuf_u32(w, pr->value[i]);
	}
	wbuf_vec_end(w, mark, 2);
}

int
ov_body_probe_ans_decode(const uint8_t *p, size_t len, struct ov_probe *pr)
{
	struct rbuf	r, v, val;

	rbuf_init(&r, p, len);
	rbuf_vec(&r, 2, &v);
	pr->n = 0;
	while (rbuf_left(&v) > 0 && pr->n < OV_PROBE_MAX) {
		pr->type[pr->n] = rbuf_u8(&v);
		rbuf_vec(&v, 1, &val);
		/* Unknown types have other lengths: keep only known ones. */
		pr->value[pr->n] = val.len == 4 ? rbuf_u32(&val) : 0;
		pr->n++;
	}
	return rbuf_done(&v) && rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_addr_encode(struct wbuf *w, const struct addr *a)
{
	if (a->family == 6) {
		wbuf_u8(w, 2);
		wbuf_u8(w, 18);
		wbuf_bytes(w, a->ip, 16);
	} else {
		wbuf_u8(w, 1);
		wbuf_u8(w, 6);
		wbuf_bytes(w, a->ip, 4);
	}
	wbuf_u16(w, a->port);
}

int
ov_body_addr_decode(struct rbuf *r, struct addr *a)
{
	struct rbuf	v;
	uint8_t		type = rbuf_u8(r);

	memset(a, 0, sizeof *a);
	rbuf_vec(r, 1, &v);
	if (type == 1 && v.len == 6) {
		a->family = 4;
		rbuf_copy(&v, a->ip, 4);
	} else if (type == 2 && v.len == 18) {
		a->family = 6;
		rbuf_copy(&v, a->ip, 16);
	} else
		return r->err ? EBADMSG : ENOENT;	/* unknown: skip */
	a->port = rbuf_u16(&v);
	return r->err ? EBADMSG : 0;
}

/* opaque<0..2^8-1> into a C string (truncated to fit). */
static void
ov_str8_decode(struct rbuf *r, char *out, size_t max)
{
	struct rbuf	v;
	size_t		n;

	rbuf_vec(r, 1, &v);
	n = v.len < max - 1 ? v.len : max - 1;
	memcpy(out, v.p != NULL ? v.p : (const uint8_t *)"", n);
	out[n] = '\0';
}

static void
ov_str8_encode(struct wbuf *w, const char *s)
{
	size_t	n = strlen(s);

	wbuf_u8(w, (uint8_t)n);
	wbuf_bytes(w, s, n);
}

static void
ov_cand_encode(struct wbuf *w, const struct ov_candidate *c)
{
	ov_body_addr_encode(w, &c->addr);
	wbuf_u8(w, c->link_type);
	ov_str8_encode(w, "1");		/* foundation */
	wbuf_u32(w, c->priority);
	wbuf_u8(w, c->cand_type);
	if (c->cand_type != OV_CAND_HOST)
		ov_body_addr_encode(w, &c->rel);	/* rel_addr_port */
	wbuf_u16(w, 0);			/* no ICE extensions */
}

/* One IceCandidate; 0, ENOENT (understood but not usable) or EBADMSG. */
static int
ov_cand_decode(struct rbuf *r, struct ov_candidate *c)
{
	struct rbuf	v;
	int		rc, relrc = 0;

	memset(&c->rel, 0, sizeof c->rel);
	rc = ov_body_addr_decode(r, &c->addr);
	c->link_type = rbuf_u8(r);
	rbuf_vec(r, 1, &v);			/* foundation */
	c->priority = rbuf_u32(r);
	c->cand_type = rbuf_u8(r);
	if (c->cand_type == 2 || c->cand_type == 3 ||
	    c->cand_type == OV_CAND_RELAY)
		relrc = ov_body_addr_decode(r, &c->rel);	/* rel_addr_port */
	else if (c->cand_type != OV_CAND_HOST)
		return EBADMSG;
	rbuf_vec(r, 2, &v);			/* extensions */
	if (r->err || rc == EBADMSG || relrc == EBADMSG)
		return EBADMSG;
	return rc == 0 && c->link_type == OV_LINK_TLS_TCP_FH_NO_ICE &&
	    (c->cand_type == OV_CAND_HOST || c->cand_type == OV_CAND_RELAY) ?
	    0 : ENOENT;
}

/* IceCandidate candidates<0..2^16-1> (§6.5.1.1). */
static void
ov_cands_encode(struct wbuf *w, const struct ov_candidate *cand,
    unsigned n)
{
	size_t		mark = wbuf_vec_begin(w, 2);
	unsigned	i;

	for (i = 0; i < n; i++)
		ov_cand_encode(w, &cand[i]);
	wbuf_vec_end(w, mark, 2);
}

/* The same, read: the ones we can use (at most OV_CAND_MAX) into cand,
 * *skipped counting the others (relay ones too unless relay).  0, or
 * EBADMSG. */
static int
ov_cands_decode(struct rbuf *r, struct ov_candidate *cand, unsigned *n,
    unsigned *skipped, bool relay)
{
	struct rbuf		v;
	struct ov_candidate	c;
	int			rc;

	rbuf_vec(r, 2, &v);
	while (rbuf_left(&v) > 0) {
		if ((rc = ov_cand_decode(&v, &c)) == EBADMSG)
			return EBADMSG;
		if (rc == 0 && *n < OV_CAND_MAX &&
		    (relay || c.cand_type == OV_CAND_HOST))
			cand[(*n)++] = c;
		else
			(*skipped)++;
	}
	return rbuf_done(&v) ? 0 : EBADMSG;
}

void
ov_body_attach_encode(struct wbuf *w, const struct ov_attach *a)
{
	ov_str8_encode(w, a->ufrag);
	ov_str8_encode(w, a->password);
	ov_str8_encode(w, a->role);
	ov_cands_encode(w, a->cand, a->ncand);
	wbuf_u8(w, a->send_update ? 1 : 0);
}

int
ov_body_attach_decode(const uint8_t *p, size_t len, struct ov_attach *a)
{
	struct rbuf	r;
	unsigned	skipped = 0;
	uint8_t		b;

	rbuf_init(&r, p, len);
	memset(a, 0, sizeof *a);
	ov_str8_decode(&r, a->ufrag, sizeof a->ufrag);
	ov_str8_decode(&r, a->password, sizeof a->password);
	ov_str8_decode(&r, a->role, sizeof a->role);
	if (ov_cands_decode(&r, a->cand, &a->ncand, &skipped, false) != 0)
		return EBADMSG;
	b = rbuf_u8(&r);
	a->send_update = b == 1;
	return b <= 1 && rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_app_attach_encode(struct wbuf *w, const struct ov_app_attach *a)
{
	ov_str8_encode(w, a->ufrag);
	ov_str8_encode(w, a->password);
	wbuf_u16(w, a->application);
	ov_str8_encode(w, a->role);
	ov_cands_encode(w, a->cand, a->ncand);
}

int
ov_body_app_attach_decode(const uint8_t *p, size_t len, struct ov_app_attach *a)
{
	struct rbuf	r;

	rbuf_init(&r, p, len);
	memset(a, 0, sizeof *a);
	ov_str8_decode(&r, a->ufrag, sizeof a->ufrag);
	ov_str8_decode(&r, a->password, sizeof a->password);
	a->application = rbuf_u16(&r);
	ov_str8_decode(&r, a->role, sizeof a->role);
	if (ov_cands_decode(&r, a->cand, &a->ncand, &a->nskipped, true) != 0)
		return EBADMSG;
	return rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_ping_req_encode(struct wbuf *w, size_t padding)
{
	size_t	i;

	wbuf_u16(w, (uint16_t)padding);
	for (i = 0; i < padding; i++)
		wbuf_u8(w, 0);
}

int
ov_body_ping_req_decode(const uint8_t *p, size_t len)
{
	struct rbuf	r, v;

	rbuf_init(&r, p, len);
	rbuf_vec(&r, 2, &v);
	return rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_ping_ans_encode(struct wbuf *w, uint64_t response_id, uint64_t time)
{
	wbuf_u64(w, response_id);
	wbuf_u64(w, time);
}

int
ov_body_ping_ans_decode(const uint8_t *p, size_t len, uint64_t *response_id,
    uint64_t *time)
{
	struct rbuf	r;

	rbuf_init(&r, p, len);
	*response_id = rbuf_u64(&r);
	*time = rbuf_u64(&r);
	return rbuf_done(&r) ? 0 : EBADMSG;
}

void
ov_body_error_encode(struct wbuf *w, uint16_t code, const char *info)
{
	size_t	n = info != NULL ? strlen(info) : 0;

	wbuf_u16(w, code);
	wbuf_u16(w, (uint16_t)n);
	wbuf_bytes(w, info, n);
}

int
ov_body_error_decode(const uint8_t *p, size_t len, uint16_t *code,
    const uint8_t **info, size_t *info_len)
{
	struct rbuf	r, v;

	rbuf_init(&r, p, len);
	*code = rbuf_u16(&r);
	rbuf_vec(&r, 2, &v);
	*info = v.p;
	*info_len = v.len;
	return rbuf_done(&r) ? 0 : EBADMSG;
}

int
ov_body_empty_decode(const uint8_t *p, size_t len)
{
	(void)p;
	return len == 0 ? 0 : EBADMSG;
}

/*
 * An Error's error_info as words, if it is printable text: some codes
 * carry binary (Error_Unknown_Kind its Kinds, §7.4.1.2).
 */
void
ov_body_error_why(char *out, size_t max, const uint8_t *info, size_t len)
{
	size_t	i;

	out[0] = '\0';
	for (i = 0; i < len; i++)
		if (info[i] < 0x20 || info[i] > 0x7e)
			return;
	if (len >= max)
		len = max - 1;
	memcpy(out, info, len);
	out[len] = '\0';
}
