/*
 * check_ov_codec.c - the RELOAD message codec (RFC 6940 §6.3), method
 * bodies (§6.4.2, §6.5, §10.7-10.9) and the framing header (§6.6.2):
 * round trips, the wire bytes of fixed fields, and every malformed form
 * with the error code it earns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "ov_body.h"
#include "ov_fh.h"
#include "ov_msg.h"
#include "wire.h"

/* A toy signer: the signature is a keyed sum; the "certificate" is the
 * Node-ID itself. */
static struct ov_id	signer_id = { { 0x11, 0x22, 0x33 } };

static uint64_t
toy_sum(const uint8_t *p, size_t n)
{
	uint64_t	h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

static size_t
toy_sign(const uint8_t *d, size_t n, uint8_t *out, size_t max, void *arg)
{
	uint64_t	h = toy_sum(d, n);

	(void)arg;
	ck_assert_uint_ge(max, 8);
	memcpy(out, &h, 8);
	return 8;
}

static int
toy_verify(const struct ov_sig *sig, const uint8_t *certs, size_t clen,
    const uint8_t *d, size_t n, struct ov_signer *who, void *arg)
{
	uint64_t	h = toy_sum(d, n);

	(void)arg;
	if (clen != 3 + OV_ID_LEN || sig->value_len != 8 ||
	    memcmp(sig->value, &h, 8) != 0)
		return EBADMSG;
	memset(who, 0, sizeof *who);
	memcpy(who->node.b, certs + 3, OV_ID_LEN);
	return 0;
}

static const struct ov_crypto toy = {
	.sign = toy_sign, .verify = toy_verify, .hash_alg = 4, .sig_alg = 3,
	.id_hash_alg = 4, .cert = signer_id.b, .cert_len = OV_ID_LEN,
	.cert_hash = signer_id.b, .cert_hash_len = OV_ID_LEN,
};

/* A Ping request to resource 0xab.., via one node, encoded and signed. */
static uint8_t *
ping_msg(size_t *len, struct ov_id *via, struct ov_id *res)
{
	struct ov_fwd	f;
	struct wbuf	w;
	uint8_t		body[2] = { 0, 0 };

	memset(&f, 0, sizeof f);
	memset(res->b, 0xab, OV_ID_LEN);
	memset(via->b, 0x42, OV_ID_LEN);
	f.overlay = 0x01020304;
	f.version = OV_VERSION;
	f.ttl = 100;
	f.fragment = OV_FRAG_UNFRAGMENTED;
	f.tid = 0x1122334455667788ULL;
	ov_msg_dest_node(&f.via[f.nvia++], via);
	ov_msg_dest_resource(&f.dest[f.ndest++], res);
	wbuf_init(&w, 5000);
	ov_msg_fwd_encode(&w, &f);
	ck_assert_int_eq(ov_msg_sign_encode(&w, &f, OV_PING_REQ, body, 2,
	    &toy), 0);
	return wbuf_take(&w, len);
}

START_TEST(message_round_trip)
{
	struct ov_msg	 m;
	struct ov_id	 via, res, id, signer;
	uint16_t	 err = 99;
	size_t		 len;
	uint8_t		*p = ping_msg(&len, &via, &res);

	/* fixed fields on the wire (§6.3.2) */
	ck_assert_uint_eq(p[0], 0xd2);
	ck_assert_uint_eq(p[3], 0x4f);			/* "RELO" token */
	ck_assert_uint_eq(p[10], OV_VERSION);
	ck_assert_uint_eq(p[11], 100);			/* ttl */
	ck_assert_uint_eq(p[12], 0xc0);			/* fragment */
	ck_assert_uint_eq((size_t)p[16] << 24 | (size_t)p[17] << 16 |
	    (size_t)p[18] << 8 | p[19], len);		/* length */
	ck_assert_int_eq(ov_msg_decode(p, len, &m, &err), 0);
	ck_assert_uint_eq(m.fwd.overlay, 0x01020304);
	ck_assert_uint_eq(m.fwd.tid, 0x1122334455667788ULL);
	ck_assert_uint_eq(m.fwd.nvia, 1);
	ck_assert_uint_eq(m.fwd.ndest, 1);
	ck_assert(ov_msg_dest_id(&m.fwd.via[0], &id) && ov_id_eq(&id, &via));
	ck_assert_uint_eq(m.fwd.dest[0].type, OV_DEST_RESOURCE);
	ck_assert(ov_msg_dest_id(&m.fwd.dest[0], &id) && ov_id_eq(&id, &res));
	ck_assert_uint_eq(m.code, OV_PING_REQ);
	ck_assert_uint_eq(m.body_len, 2);
	ck_assert_uint_eq(m.sig.hash_alg, 4);
	ck_assert_uint_eq(m.sig.sig_alg, 3);
	ck_assert_uint_eq(m.sig.id_type, OV_SIGNER_CERT_HASH);
	ck_assert_int_eq(ov_msg_verify(&m, &toy, &signer), 0);
	ck_assert(ov_id_eq(&signer, &signer_id));
	/* one bit of the signed contents changed: verification fails */
	p[m.body - p + 1] ^= 1;
	ck_assert_int_eq(ov_msg_decode(p, len, &m, &err), 0);
	ck_assert_int_ne(ov_msg_verify(&m, &toy, &signer), 0);
	free(p);
}
END_TEST

/* Re-encoding a decoded header gives the same bytes (forwarding path). */
START_TEST(header_reencode)
{
	struct ov_fwd	 f;
	struct ov_id	 via, res;
	struct wbuf	 w;
	size_t		 len, hdr;
	uint16_t	 err;
	uint8_t		*p = ping_msg(&len, &via, &res);

	ck_assert_int_eq(ov_msg_fwd_decode(p, len, &f, &hdr, &err), 0);
	wbuf_init(&w, 5000);
	ov_msg_fwd_encode(&w, &f);
	wbuf_bytes(&w, p + hdr, len - hdr);
	ov_msg_finish(&w);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(w.p, p, len);
	wbuf_clear(&w);
	free(p);
}
END_TEST

/* Corruptions of a good message and the error each earns (0: drop). */
static const struct {
	const char	*what;
	size_t		 off;		/* byte to change */
	uint8_t		 val;
	uint16_t	 err;
} corruptions[] = {
	{ "token", 0, 0x00, 0 },
	{ "length field", 19, 0x01, OV_E_INVALID_MESSAGE },
	{ "via type", 38, 0x09, OV_E_INVALID_MESSAGE },
	{ "via length", 39, 0x0f, OV_E_INVALID_MESSAGE },
};

START_TEST(header_errors)
{
	struct ov_msg	 m;
	struct ov_id	 via, res;
	uint16_t	 err = 99;
	size_t		 len;
	int		 i = _i;
	uint8_t		*p = ping_msg(&len, &via, &res);

	p[corruptions[i].off] = corruptions[i].val;
	ck_assert_msg(ov_msg_decode(p, len, &m, &err) == EBADMSG, "%s",
	    corruptions[i].what);
	ck_assert_uint_eq(err, corruptions[i].err);
	free(p);
}
END_TEST

START_TEST(truncations)
{
	struct ov_msg	 m;
	struct ov_id	 via, res;
	uint16_t	 err;
	size_t		 len, cut;
	uint8_t		*p = ping_msg(&len, &via, &res), *q;

	/* every prefix is refused, never read past */
	for (cut = 0; cut < len; cut++) {
		q = malloc(cut + 1);
		memcpy(q, p, cut);
		ck_assert_int_eq(ov_msg_decode(q, cut, &m, &err), EBADMSG);
		free(q);
	}
	free(p);
}
END_TEST

START_TEST(empty_destination_list)
{
	struct ov_fwd	f;
	struct wbuf	w;
	struct ov_msg	m;
	uint16_t	err;

	memset(&f, 0, sizeof f);
	f.version = OV_VERSION;
	f.fragment = OV_FRAG_UNFRAGMENTED;
	wbuf_init(&w, 5000);
	ov_msg_fwd_encode(&w, &f);
	ov_msg_finish(&w);
	ck_assert_int_eq(ov_msg_decode(w.p, w.len, &m, &err), EBADMSG);
	ck_assert_uint_eq(err, OV_E_INVALID_MESSAGE);
	wbuf_clear(&w);
}
END_TEST

START_TEST(compact_opaque_destination)
{
	const uint8_t	 in[] = { 0x81, 0x02, 0x01, 0x10 };
	struct ov_dest	 d;
	struct rbuf	 r;
	struct wbuf	 w;

	rbuf_init(&r, in, sizeof in);
	ck_assert_int_eq(ov_msg_dest_decode(&r, &d), 0);
	ck_assert_uint_eq(d.type, OV_DEST_OPAQUE);
	ck_assert(d.compact);
	ck_assert_int_eq(ov_msg_dest_decode(&r, &d), EBADMSG);	/* len 16 */
	wbuf_init(&w, 64);
	rbuf_init(&r, in, 2);
	ov_msg_dest_decode(&r, &d);
	ov_msg_dest_encode(&w, &d);
	ck_assert_uint_eq(w.len, 2);
	ck_assert_mem_eq(w.p, in, 2);
	wbuf_clear(&w);
}
END_TEST

START_TEST(update_body)
{
	struct ov_update	*u = calloc(1, sizeof *u), *v = calloc(1,
				    sizeof *v);
	struct wbuf		 w;

	u->uptime = 77;
	u->type = OV_UPD_FULL;
	u->npred = 1;
	u->pred[0].b[0] = 1;
	u->nsucc = 2;
	u->succ[1].b[0] = 3;
	u->nfinger = 1;
	u->finger[0].b[15] = 9;
	wbuf_init(&w, 5000);
	ov_body_update_encode(&w, u);
	/* uptime(4) type(1) and three NodeId lists<0..2^16-1> */
	ck_assert_uint_eq(w.len, 5 + 2 + 16 + 2 + 32 + 2 + 16);
	ck_assert_int_eq(ov_body_update_decode(w.p, w.len, v), 0);
	ck_assert_uint_eq(v->uptime, 77);
	ck_assert_uint_eq(v->nsucc, 2);
	ck_assert_uint_eq(v->succ[1].b[0], 3);
	ck_assert_uint_eq(v->finger[0].b[15], 9);
	ck_assert_int_eq(ov_body_update_decode(w.p, w.len - 1, v), EBADMSG);
	w.p[4] = 7;				/* unknown type */
	ck_assert_int_eq(ov_body_update_decode(w.p, w.len, v), EBADMSG);
	w.p[4] = OV_UPD_PEER_READY;		/* then it must end there */
	ck_assert_int_eq(ov_body_update_decode(w.p, w.len, v), EBADMSG);
	ck_assert_int_eq(ov_body_update_decode(w.p, 5, v), 0);
	wbuf_clear(&w);
	free(u);
	free(v);
}
END_TEST

START_TEST(attach_body)
{
	struct ov_attach	a, b;
	struct wbuf		w;

	memset(&a, 0, sizeof a);
	strcpy(a.ufrag, "uf");
	strcpy(a.password, "pw");
	strcpy(a.role, "passive");
	a.ncand = 1;
	ck_assert_int_eq(addr_parse("192.0.2.1:6084", 0, &a.cand[0].addr), 0);
	a.cand[0].link_type = OV_LINK_TLS_TCP_FH_NO_ICE;
	a.cand[0].cand_type = OV_CAND_HOST;
	a.cand[0].priority = 5;
	a.send_update = true;
	wbuf_init(&w, 5000);
	ov_body_attach_encode(&w, &a);
	ck_assert_int_eq(ov_body_attach_decode(w.p, w.len, &b), 0);
	ck_assert_str_eq(b.role, "passive");
	ck_assert_uint_eq(b.ncand, 1);
	ck_assert(addr_eq(&b.cand[0].addr, &a.cand[0].addr));
	ck_assert(b.send_update);
	/* the §6.3.1.1 example: IPv4 192.0.2.1 port 6084 */
	/* after ufrag<1+2> password<1+2> role<1+7> candidates-length(2) */
	ck_assert_mem_eq(w.p + 3 + 3 + 8 + 2,
	    "\x01\x06\xc0\x00\x02\x01\x17\xc4", 8);
	w.p[w.len - 1] = 2;			/* Boolean must be 0 or 1 */
	ck_assert_int_eq(ov_body_attach_decode(w.p, w.len, &b), EBADMSG);
	wbuf_clear(&w);
	/* a DTLS candidate is understood but not usable here: skipped */
	a.cand[0].link_type = 3;
	wbuf_init(&w, 5000);
	ov_body_attach_encode(&w, &a);
	ck_assert_int_eq(ov_body_attach_decode(w.p, w.len, &b), 0);
	ck_assert_uint_eq(b.ncand, 0);
	wbuf_clear(&w);
}
END_TEST

/* AppAttachReq/Ans (RFC 6940 §6.5.2.1): the Application-ID after the
 * password, then role and candidates, and no send_update. */
START_TEST(app_attach_body)
{
	struct ov_app_attach	a, b;
	struct wbuf		w;

	memset(&a, 0, sizeof a);
	strcpy(a.ufrag, "uf");
	strcpy(a.password, "pw");
	a.application = OV_APP_SIP;
	strcpy(a.role, "active");
	a.ncand = 1;
	ck_assert_int_eq(addr_parse("192.0.2.1:5061", 0, &a.cand[0].addr), 0);
	a.cand[0].link_type = OV_LINK_TLS_TCP_FH_NO_ICE;
	a.cand[0].cand_type = OV_CAND_HOST;
	a.cand[0].priority = 5;
	wbuf_init(&w, 5000);
	ov_body_app_attach_encode(&w, &a);
	/* ufrag<1+2> password<1+2>, application 5060 (0x13c4), role<1+6> */
	ck_assert_mem_eq(w.p, "\x02uf\x02pw\x13\xc4\x06" "active", 15);
	/* candidates<2>: IPv4 192.0.2.1 port 5061, TLS-TCP-FH-NO-ICE */
	ck_assert_mem_eq(w.p + 17, "\x01\x06\xc0\x00\x02\x01\x13\xc5\x04", 9);
	ck_assert_int_eq(ov_body_app_attach_decode(w.p, w.len, &b), 0);
	ck_assert_uint_eq(b.application, OV_APP_SIP);
	ck_assert_str_eq(b.role, "active");
	ck_assert_str_eq(b.ufrag, "uf");
	ck_assert_uint_eq(b.ncand, 1);
	ck_assert_uint_eq(b.nskipped, 0);
	ck_assert(addr_eq(&b.cand[0].addr, &a.cand[0].addr));
	/* strict: a trailing byte, or one short */
	ck_assert_int_eq(ov_body_app_attach_decode(w.p, w.len - 1, &b),
	    EBADMSG);
	wbuf_u8(&w, 0);
	ck_assert_int_eq(ov_body_app_attach_decode(w.p, w.len, &b), EBADMSG);
	wbuf_clear(&w);
	/* an ICE candidate (TLS-TCP-FH) is understood, skipped, counted */
	a.cand[0].link_type = 3;
	wbuf_init(&w, 5000);
	ov_body_app_attach_encode(&w, &a);
	ck_assert_int_eq(ov_body_app_attach_decode(w.p, w.len, &b), 0);
	ck_assert_uint_eq(b.ncand, 0);
	ck_assert_uint_eq(b.nskipped, 1);
	wbuf_clear(&w);
	/* no candidates at all */
	a.ncand = 0;
	wbuf_init(&w, 5000);
	ov_body_app_attach_encode(&w, &a);
	ck_assert_uint_eq(w.len, 17);
	ck_assert_int_eq(ov_body_app_attach_decode(w.p, w.len, &b), 0);
	ck_assert_uint_eq(b.ncand + b.nskipped, 0);
	wbuf_clear(&w);
}
END_TEST

START_TEST(small_bodies)
{
	struct wbuf		 w;
	struct ov_leave		 l, l2;
	struct ov_probe		 pr, pa;
	struct ov_route_query	 q, q2;
	struct ov_id		 id = { { 5 } }, out;
	uint64_t		 rid, t;
	uint16_t		 code;
	const uint8_t		*info;
	size_t			 ilen;

	wbuf_init(&w, 5000);
	ov_body_join_req_encode(&w, &id);
	ck_assert_int_eq(ov_body_join_req_decode(w.p, w.len, &out), 0);
	ck_assert(ov_id_eq(&out, &id));
	ck_assert_int_eq(ov_body_join_req_decode(w.p, w.len - 1, &out),
	    EBADMSG);
	wbuf_clear(&w);

	memset(&l, 0, sizeof l);
	l.id = id;
	l.type = OV_LEAVE_FROM_PRED;
	l.n = 1;
	wbuf_init(&w, 5000);
	ov_body_leave_encode(&w, &l);
	ck_assert_int_eq(ov_body_leave_decode(w.p, w.len, &l2), 0);
	ck_assert_uint_eq(l2.type, OV_LEAVE_FROM_PRED);
	ck_assert_uint_eq(l2.n, 1);
	w.p[18] = 9;
	ck_assert_int_eq(ov_body_leave_decode(w.p, w.len, &l2), EBADMSG);
	wbuf_clear(&w);

	pr.n = 2;
	pr.type[0] = OV_PROBE_UPTIME;
	pr.type[1] = OV_PROBE_RESPONSIBLE_SET;
	pr.value[0] = 12;
	pr.value[1] = 500000000;
	wbuf_init(&w, 5000);
	ov_body_probe_ans_encode(&w, &pr);
	ck_assert_int_eq(ov_body_probe_ans_decode(w.p, w.len, &pa), 0);
	ck_assert_uint_eq(pa.value[1], 500000000);
	wbuf_clear(&w);

	q.send_update = true;
	ov_msg_dest_resource(&q.dest, &id);
	wbuf_init(&w, 5000);
	ov_body_route_query_encode(&w, &q);
	ck_assert_int_eq(ov_body_route_query_decode(w.p, w.len, &q2), 0);
	ck_assert(q2.send_update && ov_msg_dest_id(&q2.dest, &out) &&
	    ov_id_eq(&out, &id));
	wbuf_clear(&w);

	wbuf_init(&w, 5000);
	ov_body_ping_ans_encode(&w, 1, 2);
	ck_assert_int_eq(ov_body_ping_ans_decode(w.p, w.len, &rid, &t), 0);
	ck_assert_uint_eq(t, 2);
	ck_assert_int_eq(ov_body_ping_ans_decode(w.p, 15, &rid, &t), EBADMSG);
	wbuf_clear(&w);

	wbuf_init(&w, 5000);
	ov_body_error_encode(&w, OV_E_TTL_EXCEEDED, "gone");
	ck_assert_int_eq(ov_body_error_decode(w.p, w.len, &code, &info,
	    &ilen), 0);
	ck_assert_uint_eq(code, OV_E_TTL_EXCEEDED);
	ck_assert_uint_eq(ilen, 4);
	ck_assert_str_eq(ov_msg_error_name(code), "Error_TTL_Exceeded");
	wbuf_clear(&w);
	ck_assert_int_eq(ov_body_empty_decode((const uint8_t *)"", 0), 0);
	ck_assert_int_eq(ov_body_empty_decode((const uint8_t *)"x", 1),
	    EBADMSG);
}
END_TEST

START_TEST(framing)
{
	struct ov_fh		 tx, rx;
	struct ov_fh_frame	 f;
	struct wbuf		 w, acks;
	size_t			 i;

	ov_fh_init(&tx);
	ov_fh_init(&rx);
	wbuf_init(&w, 1 << 20);
	ov_fh_data(&tx, 1000, &w, (const uint8_t *)"hello", 5);
	ov_fh_data(&tx, 1000, &w, (const uint8_t *)"world!", 6);
	/* data(128) sequence(4) length(3) message */
	ck_assert_mem_eq(w.p, "\x80\x00\x00\x00\x00\x00\x00\x05hello", 13);
	/* fed a byte at a time, the frames still come out whole */
	for (i = 0; i < w.len; i++)
		ov_fh_input(&rx, w.p + i, 1);
	wbuf_init(&acks, 1024);
	ck_assert_int_eq(ov_fh_next(&rx, 1010, 5000, &f), 0);
	ck_assert_uint_eq(f.type, OV_FH_DATA);
	ck_assert_uint_eq(f.len, 5);
	ck_assert_uint_eq(f.raw_len, 13);
	ck_assert_uint_eq(ov_fh_frame_len(f.raw, 13), 13);
	ck_assert_uint_eq(ov_fh_frame_len(f.raw, 12), 0);
	ov_fh_ack(&rx, &acks, f.seq);
	ck_assert_int_eq(ov_fh_next(&rx, 1010, 5000, &f), 0);
	ck_assert_mem_eq(f.msg, "world!", 6);
	ov_fh_ack(&rx, &acks, f.seq);
	ck_assert_int_eq(ov_fh_next(&rx, 1010, 5000, &f), ENODATA);
	/* the second ack says N-1 = seq 0 was received too: the low bit */
	ck_assert_mem_eq(acks.p + 9, "\x81\x00\x00\x00\x01\x00\x00\x00\x01",
	    9);
	ck_assert(ov_fh_suspect(&tx, 2001));	/* RTO 1 s, no ack yet */
	ov_fh_input(&tx, acks.p, acks.len);
	/* acks come out too, for the trace, already counted */
	ck_assert_int_eq(ov_fh_next(&tx, 1020, 5000, &f), 0);
	ck_assert_uint_eq(f.type, OV_FH_ACK);
	ck_assert_uint_eq(f.seq, 0);
	ck_assert_uint_eq(f.raw_len, OV_FH_ACK_LEN);
	ck_assert_int_eq(ov_fh_next(&tx, 1020, 5000, &f), 0);
	ck_assert_uint_eq(f.seq, 1);
	ck_assert_int_eq(ov_fh_next(&tx, 1020, 5000, &f), ENODATA);
	ck_assert(!ov_fh_suspect(&tx, 5000));	/* all acknowledged */
	ck_assert_uint_eq(ov_fh_srtt_ms(&tx), 20);
	ck_assert_uint_eq(ov_fh_rto_ms(&tx), OV_FH_RTO_MIN_MS);
	wbuf_clear(&w);
	wbuf_clear(&acks);
	ov_fh_clear(&tx);
	ov_fh_clear(&rx);
}
END_TEST

START_TEST(framing_errors)
{
	struct ov_fh		fh;
	struct ov_fh_frame	f;

	ov_fh_init(&fh);
	/* announced too large: refused from the header alone */
	ov_fh_input(&fh, (const uint8_t *)"\x80\0\0\0\0\x01\x00\x00", 8);
	ck_assert_int_eq(ov_fh_next(&fh, 0, 5000, &f), EMSGSIZE);
	ov_fh_clear(&fh);
	ov_fh_input(&fh, (const uint8_t *)"GET / HTTP/1.1\r\n", 16);
	ck_assert_int_eq(ov_fh_next(&fh, 0, 5000, &f), EBADMSG);
	ov_fh_clear(&fh);
	/* an ack for a frame never sent is ignored */
	ov_fh_input(&fh, (const uint8_t *)"\x81\0\0\0\x07\0\0\0\0", 9);
	ck_assert_int_eq(ov_fh_next(&fh, 0, 5000, &f), 0);
	ck_assert_uint_eq(f.type, OV_FH_ACK);
	ck_assert_int_eq(ov_fh_next(&fh, 0, 5000, &f), ENODATA);
	ck_assert(!fh.any_acked);
	ov_fh_clear(&fh);
}
END_TEST

START_TEST(rto_estimator)
{
	struct ov_fh	fh;
	struct wbuf	w;
	uint32_t	seq;
	uint8_t		ack[9];
	struct ov_fh_frame f;

	ov_fh_init(&fh);
	wbuf_init(&w, 1 << 20);
	/* RTT samples of 800 ms: SRTT 800, RTTVAR 400, RTO 2400 (§2.2) */
	ov_fh_data(&fh, 10000, &w, (const uint8_t *)"x", 1);
	seq = 0;
	memcpy(ack, "\x81\0\0\0\0\0\0\0\0", 9);
	ack[4] = (uint8_t)seq;
	ov_fh_input(&fh, ack, 9);
	ck_assert_int_eq(ov_fh_next(&fh, 10800, 5000, &f), 0);
	ck_assert_uint_eq(f.type, OV_FH_ACK);
	ck_assert_uint_eq(ov_fh_srtt_ms(&fh), 800);
	ck_assert_uint_eq(ov_fh_rto_ms(&fh), 2400);
	ck_assert(!ov_fh_dead(&fh, 100000, 30000));
	ov_fh_data(&fh, 20000, &w, (const uint8_t *)"y", 1);
	/* unacked five RTOs (12 s), or the timeout if that is sooner */
	ck_assert(!ov_fh_dead(&fh, 32000, 30000));
	ck_assert(ov_fh_dead(&fh, 32001, 30000));
	ck_assert_uint_eq(ov_fh_dead_deadline(&fh, 30000), 32001);
	ck_assert(!ov_fh_dead(&fh, 30000, 10000));
	ck_assert(ov_fh_dead(&fh, 30001, 10000));
	ck_assert(ov_fh_dead(&fh, 50001, 30000));
	wbuf_clear(&w);
	ov_fh_clear(&fh);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ov_codec");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, message_round_trip);
	tcase_add_test(tc, header_reencode);
	tcase_add_loop_test(tc, header_errors, 0,
	    sizeof corruptions / sizeof corruptions[0]);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, empty_destination_list);
	tcase_add_test(tc, compact_opaque_destination);
	tcase_add_test(tc, update_body);
	tcase_add_test(tc, attach_body);
	tcase_add_test(tc, app_attach_body);
	tcase_add_test(tc, small_bodies);
	tcase_add_test(tc, framing);
	tcase_add_test(tc, framing_errors);
	tcase_add_test(tc, rto_estimator);
	suite_add_tcase(s, tc);
	return s;
}
