/*
 * ov_msg.c - RELOAD forwarding header, message contents and security
 * block (RFC 6940 §6.3.2, §6.3.3, §6.3.4).
 *
 * Wire layout (all integers big-endian):
 *   ForwardingHeader  relo_token(4) overlay(4) configuration_sequence(2)
 *                     version(1) ttl(1) fragment(4) length(4)
 *                     transaction_id(8) max_response_length(4)
 *                     via_list_length(2) destination_list_length(2)
 *                     options_length(2) via_list dest_list options
 *   MessageContents   message_code(2) message_body<0..2^32-1>
 *                     extensions<0..2^32-1>
 *   SecurityBlock     certificates<0..2^16-1> Signature
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "ov_msg.h"
#include "wire.h"

#define OV_FWD_FIXED	38	/* forwarding header before the lists */

static const struct {
	uint16_t	 code;
	const char	*name;
} ov_codes[] = {
	{ OV_PROBE_REQ, "probe_req" }, { OV_PROBE_ANS, "probe_ans" },
	{ OV_ATTACH_REQ, "attach_req" }, { OV_ATTACH_ANS, "attach_ans" },
	{ OV_STORE_REQ, "store_req" }, { OV_STORE_ANS, "store_ans" },
	{ OV_FETCH_REQ, "fetch_req" }, { OV_FETCH_ANS, "fetch_ans" },
	{ OV_FIND_REQ, "find_req" }, { OV_FIND_ANS, "find_ans" },
	{ OV_JOIN_REQ, "join_req" }, { OV_JOIN_ANS, "join_ans" },
	{ OV_LEAVE_REQ, "leave_req" }, { OV_LEAVE_ANS, "leave_ans" },
	{ OV_UPDATE_REQ, "update_req" }, { OV_UPDATE_ANS, "update_ans" },
	{ OV_ROUTEQUERY_REQ, "route_query_req" },
	{ OV_ROUTEQUERY_ANS, "route_query_ans" },
	{ OV_PING_REQ, "ping_req" }, { OV_PING_ANS, "ping_ans" },
	{ OV_STAT_REQ, "stat_req" }, { OV_STAT_ANS, "stat_ans" },
	{ OV_APPATTACH_REQ, "app_attach_req" },
	{ OV_APPATTACH_ANS, "app_attach_ans" },
	{ OV_CONFIGUPDATE_REQ, "config_update_req" },
	{ OV_CONFIGUPDATE_ANS, "config_update_ans" },
	{ OV_ERROR, "error" },
};

uint32_t
ov_msg_overlay_hash(const char *name)
{
	uint8_t	md[SHA_DIGEST_LENGTH];

	SHA1((const uint8_t *)name, strlen(name), md);
	return (uint32_t)md[16] << 24 | (uint32_t)md[17] << 16 |
	    (uint32_t)md[18] << 8 | md[19];
}

const char *
ov_msg_code_name(uint16_t code)
{
	size_t	i;

	for (i = 0; i < sizeof ov_codes / sizeof ov_codes[0]; i++)
		if (ov_codes[i].code == code)
			return ov_codes[i].name;
	return "unknown";
}

const char *
ov_msg_error_text(int error, const char *why, char *buf, size_t max)
{
	const char	*s = NULL;

	switch (error) {
	case ETIMEDOUT:
		s = "no answer (timed out)";
		break;
	case ELOOP:
		s = "the nodes asked name each other in a loop";
		break;
	case ENOTCONN:
		s = "not in an overlay yet";
		break;
	case EBUSY:
		s = "too many requests in flight";
		break;
	case EBADMSG:
		s = "the answer was malformed";
		break;
	}
	if (s != NULL)
		snprintf(buf, max, "%s", s);
	else if (error > 1000)
		snprintf(buf, max, "refused: %s%s%s",
		    ov_msg_error_name((uint16_t)(error - 1000)),
		    why != NULL && *why != '\0' ? ": " : "",
		    why != NULL ? why : "");
	else
		snprintf(buf, max, "failed: %s", strerror(error));
	return buf;
}

const char *
ov_msg_error_name(uint16_t e)
{
	static const char *const names[] = {
		[OV_E_FORBIDDEN] = "Error_Forbidden",
		[OV_E_NOT_FOUND] = "Error_Not_Found",
		[OV_E_REQUEST_TIMEOUT] = "Error_Request_Timeout",
		[OV_E_GENERATION_COUNTER_TOO_LOW] =
		    "Error_Generation_Counter_Too_Low",
		[OV_E_INCOMPATIBLE_WITH_OVERLAY] =
		    "Error_Incompatible_with_Overlay",
		[OV_E_UNSUPPORTED_FORWARDING_OPTION] =
		    "Error_Unsupported_Forwarding_Option",
		[OV_E_DATA_TOO_LARGE] = "Error_Data_Too_Large",
		[OV_E_DATA_TOO_OLD] = "Error_Data_Too_Old",
		[OV_E_TTL_EXCEEDED] = "Error_TTL_Exceeded",
		[OV_E_MESSAGE_TOO_LARGE] = "Error_Message_Too_Large",
		[OV_E_UNKNOWN_KIND] = "Error_Unknown_Kind",
		[OV_E_UNKNOWN_EXTENSION] = "Error_Unknown_Extension",
		[OV_E_RESPONSE_TOO_LARGE] = "Error_Response_Too_Large",
		[OV_E_CONFIG_TOO_OLD] = "Error_Config_Too_Old",
		[OV_E_CONFIG_TOO_NEW] = "Error_Config_Too_New",
		[OV_E_IN_PROGRESS] = "Error_In_Progress",
		[OV_E_INVALID_MESSAGE] = "Error_Invalid_Message",
	};

	if (e < sizeof names / sizeof names[0] && names[e] != NULL)
		return names[e];
	return "Error_Unknown";
}

int
ov_msg_dest_decode(struct rbuf *r, struct ov_dest *d)
{
	struct rbuf	v;

	memset(d, 0, sizeof *d);
	if (rbuf_left(r) < 2)
		return EBADMSG;
	if (r->p[r->off] & 0x80) {
		/* The 16-bit compressed form of an opaque id (§6.3.2.2). */
		d->type = OV_DEST_OPAQUE;
		d->compact = true;
		d->len = 2;
		d->data = rbuf_bytes(r, 2);
		return 0;
	}
	d->type = rbuf_u8(r);
	rbuf_vec(r, 1, &v);
	if (r->err)
		return EBADMSG;
	switch (d->type) {
	case OV_DEST_NODE:
		if (v.len != OV_ID_LEN)
			return EBADMSG;
		d->len = OV_ID_LEN;
		d->data = v.p;
		return 0;
	case OV_DEST_RESOURCE:
	case OV_DEST_OPAQUE:
		/* ResourceId and opaque_id are vectors<0..2^8-1> in turn. */
		d->len = rbuf_u8(&v);
		d->data = rbuf_bytes(&v, d->len);
		return rbuf_done(&v) ? 0 : EBADMSG;
	}
	return EBADMSG;
}

static size_t
ov_dest_wire_len(const struct ov_dest *d)
{
	if (d->compact)
		return 2;
	return d->type == OV_DEST_NODE ? 2u + d->len : 3u + d->len;
}

void
ov_msg_dest_encode(struct wbuf *w, const struct ov_dest *d)
{
	if (d->compact) {
		wbuf_bytes(w, d->data, 2);
		return;
	}
	wbuf_u8(w, d->type);
	if (d->type == OV_DEST_NODE) {
		wbuf_u8(w, d->len);
	} else {
		wbuf_u8(w, (uint8_t)(d->len + 1));
		wbuf_u8(w, d->len);
	}
	wbuf_bytes(w, d->data, d->len);
}

void
ov_msg_dest_node(struct ov_dest *d, const struct ov_id *id)
{
	memset(d, 0, sizeof *d);
	d->type = OV_DEST_NODE;
	d->len = OV_ID_LEN;
	d->data = id->b;
}

void
ov_msg_dest_resource(struct ov_dest *d, const struct ov_id *id)
{
	memset(d, 0, sizeof *d);
	d->type = OV_DEST_RESOURCE;
	d->len = OV_ID_LEN;
	d->data = id->b;
}

bool
ov_msg_dest_id(const struct ov_dest *d, struct ov_id *out)
{
	if ((d->type != OV_DEST_NODE && d->type != OV_DEST_RESOURCE) ||
	    d->len != OV_ID_LEN)
		return false;
	memcpy(out->b, d->data, OV_ID_LEN);
	return true;
}

static int
ov_list_decode(const uint8_t *p, size_t len, struct ov_dest *out,
    unsigned *n)
{
	struct rbuf	r;

	rbuf_init(&r, p, len);
	*n = 0;
	while (rbuf_left(&r) > 0) {
		if (*n == OV_LIST_MAX || ov_msg_dest_decode(&r, &out[*n]) != 0)
			return EBADMSG;
		(*n)++;
	}
	return r.err ? EBADMSG : 0;
}

/* Forwarding options: only their flags matter to us (we know none). */
static int
ov_options_decode(const uint8_t *p, size_t len, uint8_t *flags)
{
	struct rbuf	r, v;

	rbuf_init(&r, p, len);
	*flags = 0;
	while (rbuf_left(&r) > 0) {
		rbuf_u8(&r);			/* type */
		*flags |= rbuf_u8(&r);
		rbuf_vec(&r, 2, &v);
	}
	return r.err ? EBADMSG : 0;
}

static int
ov_fail(uint16_t *err, uint16_t code)
{
	*err = code;
	return EBADMSG;
}

int
ov_msg_fwd_decode(const uint8_t *buf, size_t len, struct ov_fwd *f,
    size_t *hdrlen, uint16_t *err)
{
	struct rbuf	 r;
	uint16_t	 vlen, dlen, olen;
	const uint8_t	*via, *dst;

	rbuf_init(&r, buf, len);
	*err = 0;
	if (rbuf_u32(&r) != OV_RELO_TOKEN)
		return ov_fail(err, 0);		/* not RELOAD: drop */
	f->overlay = rbuf_u32(&r);
	f->config_seq = rbuf_u16(&r);
	f->version = rbuf_u8(&r);
	f->ttl = rbuf_u8(&r);
	f->fragment = rbuf_u32(&r);
	f->length = rbuf_u32(&r);
	f->tid = rbuf_u64(&r);
	f->max_response_length = rbuf_u32(&r);
	vlen = rbuf_u16(&r);
	dlen = rbuf_u16(&r);
	olen = rbuf_u16(&r);
	via = rbuf_bytes(&r, vlen);
	dst = rbuf_bytes(&r, dlen);
	f->options = rbuf_bytes(&r, olen);
	f->options_len = olen;
	if (r.err || f->length != len)
		return ov_fail(err, OV_E_INVALID_MESSAGE);
	if (ov_list_decode(via, vlen, f->via, &f->nvia) != 0 ||
	    ov_list_decode(dst, dlen, f->dest, &f->ndest) != 0 ||
	    f->ndest == 0 ||
	    ov_options_decode(f->options, olen, &f->options_flags) != 0)
		return ov_fail(err, OV_E_INVALID_MESSAGE);
	*hdrlen = r.off;
	return 0;
}

static size_t
ov_list_wire_len(const struct ov_dest *l, unsigned n)
{
	size_t		len = 0;
	unsigned	i;

	for (i = 0; i < n; i++)
		len += ov_dest_wire_len(&l[i]);
	return len;
}

void
ov_msg_fwd_encode(struct wbuf *w, const struct ov_fwd *f)
{
	size_t		vlen = ov_list_wire_len(f->via, f->nvia);
	size_t		dlen = ov_list_wire_len(f->dest, f->ndest);
	unsigned	i;

	if (vlen > 0xffff || dlen > 0xffff) {
		w->err = true;
		return;
	}
	wbuf_u32(w, OV_RELO_TOKEN);
	wbuf_u32(w, f->overlay);
	wbuf_u16(w, f->config_seq);
	wbuf_u8(w, f->version);
	wbuf_u8(w, f->ttl);
	wbuf_u32(w, f->fragment);
	wbuf_u32(w, 0);			/* length: ov_msg_finish */
	wbuf_u64(w, f->tid);
	wbuf_u32(w, f->max_response_length);
	wbuf_u16(w, (uint16_t)vlen);
	wbuf_u16(w, (uint16_t)dlen);
	wbuf_u16(w, f->options_len);
	for (i = 0; i < f->nvia; i++)
		ov_msg_dest_encode(w, &f->via[i]);
	for (i = 0; i < f->ndest; i++)
		ov_msg_dest_encode(w, &f->dest[i]);
	wbuf_bytes(w, f->options, f->options_len);
}

void
ov_msg_finish(struct wbuf *w)
{
	wbuf_put_u32_at(w, 16, (uint32_t)w->len);
}

/* MessageContents (§6.3.3): code, body, extensions. */
static int
ov_contents_decode(struct rbuf *r, struct ov_msg *m)
{
	struct rbuf	body, exts, ext;
	size_t		start = r->off;

	m->code = rbuf_u16(r);
	rbuf_vec(r, 4, &body);
	rbuf_vec(r, 4, &exts);
	if (r->err || m->code == 0)
		return EBADMSG;
	m->body = body.p;
	m->body_len = (uint32_t)body.len;
	while (rbuf_left(&exts) > 0) {
		rbuf_u16(&exts);			/* type */
		m->critical_ext |= rbuf_u8(&exts) != 0;
		rbuf_vec(&exts, 4, &ext);
	}
	if (exts.err)
		return EBADMSG;
	m->contents = r->p + start;
	m->contents_len = r->off - start;
	return 0;
}

/* SignerIdentity (§6.3.4): type(1) length(2) value. */
static void
ov_signer_decode(struct rbuf *r, struct ov_sig *s)
{
	struct rbuf	v, h;
	size_t		start = r->off;

	s->id_type = rbuf_u8(r);
	rbuf_vec(r, 2, &v);
	if (r->err)
		return;
	s->identity = r->p + start;
	s->identity_len = r->off - start;
	switch (s->id_type) {
	case OV_SIGNER_CERT_HASH:
	case OV_SIGNER_CERT_HASH_NODE_ID:
		s->id_hash_alg = rbuf_u8(&v);
		rbuf_vec(&v, 1, &h);
		s->id_hash = h.p;
		s->id_hash_len = (uint8_t)h.len;
		if (!rbuf_done(&v))
			r->err = true;
		break;
	case OV_SIGNER_NONE:
		if (v.len != 0)
			r->err = true;
		break;
	default:
		r->err = true;
	}
}

int
ov_msg_sig_decode(struct rbuf *r, struct ov_sig *s)
{
	struct rbuf	val;

	memset(s, 0, sizeof *s);
	s->hash_alg = rbuf_u8(r);
	s->sig_alg = rbuf_u8(r);
	ov_signer_decode(r, s);
	rbuf_vec(r, 2, &val);
	s->value = val.p;
	s->value_len = (uint16_t)val.len;
	return r->err ? EBADMSG : 0;
}

void
ov_msg_sig_encode(struct wbuf *w, const struct ov_sig *s)
{
	wbuf_u8(w, s->hash_alg);
	wbuf_u8(w, s->sig_alg);
	if (s->identity_len != 0)
		wbuf_bytes(w, s->identity, s->identity_len);
	else {				/* §7.4.2.2: none, for synthetic */
		wbuf_u8(w, OV_SIGNER_NONE);
		wbuf_u16(w, 0);
	}
	wbuf_u16(w, s->value_len);
	wbuf_bytes(w, s->value, s->value_len);
}

bool
ov_msg_certs_next(struct rbuf *r, struct ov_cert_item *it)
{
	struct rbuf	der;
	size_t		start = r->off;

	if (r->err || rbuf_left(r) == 0)
		return false;
	it->type = rbuf_u8(r);
	rbuf_vec(r, 2, &der);
	if (r->err)
		return false;
	it->der = der.p;
	it->der_len = der.len;
	it->entry = r->p + start;
	it->entry_len = r->off - start;
	return true;
}

/* SecurityBlock: certificates<0..2^16-1>, Signature. */
static int
ov_secblock_decode(struct rbuf *r, struct ov_msg *m)
{
	struct ov_cert_item	it;
	struct rbuf		certs;

	rbuf_vec(r, 2, &certs);
	m->certs = certs.p;
	m->certs_len = (uint16_t)certs.len;
	while (ov_msg_certs_next(&certs, &it))
		;
	if (certs.err || ov_msg_sig_decode(r, &m->sig) != 0)
		return EBADMSG;
	return rbuf_done(r) ? 0 : EBADMSG;
}

int
ov_msg_decode(const uint8_t *buf, size_t len, struct ov_msg *m,
    uint16_t *err)
{
	struct rbuf	r;

	memset(m, 0, sizeof *m);
	if (ov_msg_fwd_decode(buf, len, &m->fwd, &m->fwd_len, err) != 0)
		return EBADMSG;
	m->raw = buf;
	m->raw_len = len;
	rbuf_init(&r, buf + m->fwd_len, len - m->fwd_len);
	if (ov_contents_decode(&r, m) != 0 ||
	    ov_secblock_decode(&r, m) != 0)
		return ov_fail(err, OV_E_INVALID_MESSAGE);
	return 0;
}

/* overlay || transaction_id || MessageContents || SignerIdentity */
static void
ov_sig_input(struct wbuf *w, uint32_t overlay, uint64_t tid,
    const uint8_t *contents, size_t clen, const uint8_t *ident, size_t ilen)
{
	wbuf_u32(w, overlay);
	wbuf_u64(w, tid);
	wbuf_bytes(w, contents, clen);
	wbuf_bytes(w, ident, ilen);
}

int
ov_msg_sig_input(const struct ov_msg *m, struct wbuf *w)
{
	ov_sig_input(w, m->fwd.overlay, m->fwd.tid, m->contents,
	    m->contents_len, m->sig.identity, m->sig.identity_len);
	return w->err ? EMSGSIZE : 0;
}

int
ov_msg_sign_encode(struct wbuf *w, const struct ov_fwd *f, uint16_t code,
    const uint8_t *body, size_t body_len, const struct ov_crypto *c)
{
	return ov_msg_sign_encode_certs(w, f, code, body, body_len, c, NULL,
	    0);
}

int
ov_msg_sign_encode_certs(struct wbuf *w, const struct ov_fwd *f,
    uint16_t code, const uint8_t *body, size_t body_len,
    const struct ov_crypto *c, const uint8_t *certs, size_t certs_len)
{
	struct wbuf	in;
	uint8_t		sig[OV_SIG_MAX];
	size_t		cstart, cend, istart, mark, siglen;

	cstart = w->len;
	wbuf_u16(w, code);
	mark = wbuf_vec_begin(w, 4);
	wbuf_bytes(w, body, body_len);
	wbuf_vec_end(w, mark, 4);
	wbuf_u32(w, 0);				/* no extensions */
	cend = w->len;
	/* certificates: ours, the one the signature refers to */
	mark = wbuf_vec_begin(w, 2);
	wbuf_u8(w, OV_CERT_X509);
	wbuf_u16(w, (uint16_t)c->cert_len);
	wbuf_bytes(w, c->cert, c->cert_len);
	wbuf_bytes(w, certs, certs_len);
	wbuf_vec_end(w, mark, 2);
	wbuf_u8(w, c->hash_alg);
	wbuf_u8(w, c->sig_alg);
	istart = w->len;
	wbuf_u8(w, OV_SIGNER_CERT_HASH);
	wbuf_u16(w, (uint16_t)(2 + c->cert_hash_len));
	wbuf_u8(w, c->id_hash_alg);
	wbuf_u8(w, (uint8_t)c->cert_hash_len);
	wbuf_bytes(w, c->cert_hash, c->cert_hash_len);
	if (w->err || c->cert_len > 0xffff)
		return EMSGSIZE;
	wbuf_init(&in, 1 << 20);
	ov_sig_input(&in, f->overlay, f->tid, w->p + cstart, cend - cstart,
	    w->p + istart, w->len - istart);
	siglen = in.err ? 0 : c->sign(in.p, in.len, sig, sizeof sig, c->arg);
	wbuf_clear(&in);
	if (siglen == 0)
		return EIO;
	wbuf_u16(w, (uint16_t)siglen);
	wbuf_bytes(w, sig, siglen);
	ov_msg_finish(w);
	return w->err ? EMSGSIZE : 0;
}

int
ov_msg_verify(const struct ov_msg *m, const struct ov_crypto *c,
    struct ov_id *signer)
{
	struct ov_signer s;
	struct wbuf	 in;
	int		 rc;

	wbuf_init(&in, 1 << 20);
	if (ov_msg_sig_input(m, &in) != 0) {
		wbuf_clear(&in);
		return EBADMSG;
	}
	rc = c->verify(&m->sig, m->certs, m->certs_len, in.p, in.len, &s,
	    c->arg);
	wbuf_clear(&in);
	if (rc == 0)
		*signer = s.node;
	return rc;
}
