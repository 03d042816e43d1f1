/*
 * ov_stored.c - StoredData (RFC 6940 §7.1, §7.2): its codec, its
 * signature, and its metadata for Stat (§7.4.3.2).
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ov_cert.h"
#include "ov_stored.h"
#include "wire.h"

/* Boolean (TLS presentation language): 0 or 1, nothing else. */
static bool
ov_stored_bool(struct rbuf *r)
{
	uint8_t	b = rbuf_u8(r);

	if (b > 1)
		r->err = true;
	return b == 1;
}

/* ---- StoredDataValue and StoredData ---- */

static void
ov_stored_value_decode(struct rbuf *r, enum ov_model m, struct ov_value *v)
{
	struct rbuf	k, d;

	memset(v, 0, sizeof *v);
	if (m == OV_MODEL_ARRAY)
		v->index = rbuf_u32(r);
	else if (m == OV_MODEL_DICT) {
		rbuf_vec(r, 2, &k);
		v->key = k.p;
		v->key_len = (uint16_t)k.len;
	}
	v->exists = ov_stored_bool(r);
	rbuf_vec(r, 4, &d);
	v->data = d.p;
	v->len = (uint32_t)d.len;
	if (!v->exists && v->len != 0)		/* §7.4.1.3: value = {} */
		r->err = true;
}

/* The StoredDataValue; zero_index for the signature input (§7.4.2.2). */
static void
ov_stored_value_encode(struct wbuf *w, enum ov_model m,
    const struct ov_value *v, bool zero_index)
{
	if (m == OV_MODEL_ARRAY)
		wbuf_u32(w, zero_index ? 0 : v->index);
	else if (m == OV_MODEL_DICT) {
		wbuf_u16(w, v->key_len);
		wbuf_bytes(w, v->key, v->key_len);
	}
	wbuf_u8(w, v->exists ? 1 : 0);
	wbuf_u32(w, v->len);
	wbuf_bytes(w, v->data, v->len);
}

int
ov_stored_decode(struct rbuf *r, enum ov_model m, struct ov_stored *s)
{
	struct rbuf	v;

	memset(s, 0, sizeof *s);
	rbuf_vec(r, 4, &v);
	s->storage_time = rbuf_u64(&v);
	s->lifetime = rbuf_u32(&v);
	ov_stored_value_decode(&v, m, &s->v);
	ov_msg_sig_decode(&v, &s->sig);
	if (!rbuf_done(&v))
		r->err = true;
	return r->err ? EBADMSG : 0;
}

void
ov_stored_encode(struct wbuf *w, enum ov_model m, const struct ov_stored *s)
{
	size_t	mark = wbuf_vec_begin(w, 4);

	wbuf_u64(w, s->storage_time);
	wbuf_u32(w, s->lifetime);
	ov_stored_value_encode(w, m, &s->v, false);
	ov_msg_sig_encode(w, &s->sig);
	wbuf_vec_end(w, mark, 4);
}

/* resource_id || kind || storage_time || StoredDataValue || SignerIdentity */
static void
ov_stored_sig_input(struct wbuf *w, const struct ov_id *res, uint32_t kind,
    enum ov_model m, const struct ov_stored *s)
{
	/*
	 * §7.1 names "the Resource-ID" without saying whether the length
	 * byte of the ResourceId vector is part of it; we sign its bytes
	 * alone.  Chord-reload's are all 16 bytes, so nothing is ambiguous.
	 */
	wbuf_bytes(w, res->b, OV_ID_LEN);
	wbuf_u32(w, kind);
	wbuf_u64(w, s->storage_time);
	ov_stored_value_encode(w, m, &s->v, true);
	wbuf_bytes(w, s->sig.identity, s->sig.identity_len);
}

int
ov_stored_sign(struct ov_stored *s, struct ov_sigbuf *b,
    const struct ov_id *res, uint32_t kind, enum ov_model m,
    const struct ov_crypto *c)
{
	struct wbuf	in;
	size_t		n;

	if (c->cert_hash_len > sizeof b->identity - 5)
		return EIO;
	b->identity[0] = OV_SIGNER_CERT_HASH;
	b->identity[1] = 0;
	b->identity[2] = (uint8_t)(2 + c->cert_hash_len);
	b->identity[3] = c->id_hash_alg;
	b->identity[4] = (uint8_t)c->cert_hash_len;
	memcpy(b->identity + 5, c->cert_hash, c->cert_hash_len);
	memset(&s->sig, 0, sizeof s->sig);
	s->sig.hash_alg = c->hash_alg;
	s->sig.sig_alg = c->sig_alg;
	s->sig.identity = b->identity;
	s->sig.identity_len = 5 + c->cert_hash_len;
	s->sig.id_type = OV_SIGNER_CERT_HASH;
	s->sig.id_hash_alg = c->id_hash_alg;
	s->sig.id_hash = b->identity + 5;
	s->sig.id_hash_len = (uint8_t)c->cert_hash_len;
	wbuf_init(&in, 1 << 24);
	ov_stored_sig_input(&in, res, kind, m, s);
	n = in.err ? 0 : c->sign(in.p, in.len, b->value, sizeof b->value,
	    c->arg);
	wbuf_clear(&in);
	if (n == 0)
		return EIO;
	s->sig.value = b->value;
	s->sig.value_len = (uint16_t)n;
	return 0;
}

int
ov_stored_verify(const struct ov_stored *s, const struct ov_id *res,
    uint32_t kind, enum ov_model m, const uint8_t *certs, size_t certs_len,
    const struct ov_crypto *c, struct ov_signer *signer)
{
	struct wbuf	in;
	int		rc;

	/* §7.4.1.1: anonymous data is only what a Fetch synthesizes. */
	if (s->sig.id_type == OV_SIGNER_NONE || s->sig.value_len == 0)
		return EBADMSG;
	wbuf_init(&in, 1 << 24);
	ov_stored_sig_input(&in, res, kind, m, s);
	rc = in.err ? EBADMSG : c->verify(&s->sig, certs, certs_len, in.p,
	    in.len, signer, c->arg);
	wbuf_clear(&in);
	return rc;
}

/* ---- StoredMetaData (§7.4.3.2) ---- */

void
ov_stored_meta(const struct ov_stored *s, struct ov_meta *m)
{
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	uint8_t		 len[4];
	unsigned	 n = 0;

	memset(m, 0, sizeof *m);
	m->storage_time = s->storage_time;
	m->lifetime = s->lifetime;
	m->index = s->v.index;
	m->key = s->v.key;
	m->key_len = s->v.key_len;
	m->exists = s->v.exists;
	m->value_length = s->v.len;
	m->hash_alg = OV_HASH_SHA256;
	m->hash_len = SHA256_DIGEST_LENGTH;
	len[0] = (uint8_t)(s->v.len >> 24);
	len[1] = (uint8_t)(s->v.len >> 16);
	len[2] = (uint8_t)(s->v.len >> 8);
	len[3] = (uint8_t)s->v.len;
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, len, sizeof len) != 1 ||
	    EVP_DigestUpdate(c, s->v.data, s->v.len) != 1 ||
	    EVP_DigestFinal_ex(c, m->hash, &n) != 1)
		m->hash_len = 0;	/* out of memory: no digest */
	EVP_MD_CTX_free(c);
}

/*
 * StoredMetaData.  Its length field covers the rest of the structure, as
 * StoredData's does ("the same as the corresponding fields"); Wireshark
 * reads it so too.
 */
void
ov_stored_meta_decode(struct rbuf *r, enum ov_model model, struct ov_meta *m)
{
	struct rbuf	v, k, h;

	memset(m, 0, sizeof *m);
	rbuf_vec(r, 4, &v);
	m->storage_time = rbuf_u64(&v);
	m->lifetime = rbuf_u32(&v);
	if (model == OV_MODEL_ARRAY)
		m->index = rbuf_u32(&v);
	else if (model == OV_MODEL_DICT) {
		rbuf_vec(&v, 2, &k);
		m->key = k.p;
		m->key_len = (uint16_t)k.len;
	}
	m->exists = ov_stored_bool(&v);
	m->value_length = rbuf_u32(&v);
	m->hash_alg = rbuf_u8(&v);
	rbuf_vec(&v, 1, &h);
	if (h.len > OV_META_HASH_MAX || !rbuf_done(&v)) {
		r->err = true;
		return;
	}
	m->hash_len = (uint8_t)h.len;
	memcpy(m->hash, h.p, h.len);
}

void
ov_stored_meta_encode(struct wbuf *w, enum ov_model model,
    const struct ov_meta *m)
{
	size_t	mark = wbuf_vec_begin(w, 4), h;

	wbuf_u64(w, m->storage_time);
	wbuf_u32(w, m->lifetime);
	if (model == OV_MODEL_ARRAY)
		wbuf_u32(w, m->index);
	else if (model == OV_MODEL_DICT) {
		wbuf_u16(w, m->key_len);
		wbuf_bytes(w, m->key, m->key_len);
	}
	wbuf_u8(w, m->exists ? 1 : 0);
	wbuf_u32(w, m->value_length);
	wbuf_u8(w, m->hash_alg);
	h = wbuf_vec_begin(w, 1);
	wbuf_bytes(w, m->hash, m->hash_len);
	wbuf_vec_end(w, h, 1);
	wbuf_vec_end(w, mark, 4);
}
