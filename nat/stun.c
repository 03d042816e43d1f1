/*
 * stun.c - STUN message codec and the Binding answer (RFC 8489).
 *
 * Implemented:
 *   §5		header: two zero bits, method and class (Figure 3),
 *		length a multiple of 4, magic cookie, 96-bit transaction id;
 *   §14	attribute layout: TLV padded to 4 bytes, and the values of
 *		§14.1-§14.15 (addresses, USERNAME, USERHASH, ERROR-CODE,
 *		UNKNOWN-ATTRIBUTES, REALM, NONCE, PASSWORD-ALGORITHM(S),
 *		SOFTWARE, ALTERNATE-SERVER/-DOMAIN);
 *   §9		attributes after MESSAGE-INTEGRITY(-SHA256) ignored;
 *   §14.5, §14.6 MESSAGE-INTEGRITY (HMAC-SHA1) and
 *		MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256), written and checked
 *		with the length field adjusted;
 *   §7, §14.7	FINGERPRINT (CRC-32 of zlib XOR 0x5354554e);
 *   §9.1.1, §9.2.2, §18.5.1 short-term and long-term (MD5, SHA-256)
 *		keys, with OpaqueString (RFC 8265 §4.2) reduced to ASCII;
 *   §6.3, §6.3.1, §6.3.1.1, §6.3.2, §12 receiving a message as a server
 *		without credentials: the Binding answer that RFC 5626 §8
 *		asks of a SIP edge proxy and registrar on its UDP port;
 *   RFC 7983 §7 demultiplexing (stun_is_message).
 * Not here: client transactions and retransmissions (§6.2), the
 * credential procedures of §9.1.2-§9.2.5 (nonces, 401/438), RFC 3489
 * compatibility (§11: RFC 5626 §8 needs none), TCP framing (§6.2.2).
 * There are no states: each function works on one message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "addr.h"
#include "stun.h"
#include "wire.h"
#include "xmalloc.h"

#define STUN_PAD(n)	((4 - (n) % 4) % 4)
#define STUN_BODY_MAX	65532	/* the largest multiple of 4 in 16 bits */

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t
stun_type(uint16_t m, uint8_t c)
{
	return (uint16_t)((m & 0x000F) | (m & 0x0070) << 1 |
	    (m & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7);
}

bool
stun_is_message(const uint8_t *p, size_t len)
{
	size_t	n;

	if (len < STUN_HDR_LEN || (p[0] & 0xC0) != 0)
		return false;
	n = wire_be16(p + 2);
	return n % 4 == 0 && STUN_HDR_LEN + n == len &&
	    wire_be32(p + 4) == STUN_MAGIC;
}

bool
stun_attr_known(uint16_t type)
{
	switch (type) {
	case STUN_A_MAPPED_ADDRESS:
	case STUN_A_USERNAME:
	case STUN_A_MESSAGE_INTEGRITY:
	case STUN_A_ERROR_CODE:
	case STUN_A_UNKNOWN_ATTRIBUTES:
	case STUN_A_REALM:
	case STUN_A_NONCE:
	case STUN_A_MESSAGE_INTEGRITY_SHA256:
	case STUN_A_PASSWORD_ALGORITHM:
	case STUN_A_USERHASH:
	case STUN_A_XOR_MAPPED_ADDRESS:
	/* RFC 8656 §18: what a TURN client reads */
	case STUN_A_CHANNEL_NUMBER:
	case STUN_A_LIFETIME:
	case STUN_A_XOR_PEER_ADDRESS:
	case STUN_A_DATA:
	case STUN_A_XOR_RELAYED_ADDRESS:
	case STUN_A_RESERVATION_TOKEN:
	/* RFC 8445 §16.1: an ICE check's; RFC 5769 §2.1 carries them. */
	case STUN_A_PRIORITY:
	case STUN_A_USE_CANDIDATE:
	case STUN_A_ICE_CONTROLLED:
	case STUN_A_ICE_CONTROLLING:
	case STUN_A_PASSWORD_ALGORITHMS:
	case STUN_A_ALTERNATE_DOMAIN:
	case STUN_A_SOFTWARE:
	case STUN_A_ALTERNATE_SERVER:
	case STUN_A_FINGERPRINT:
		return true;
	default:
		return false;
	}
}

/*
 * Keep attribute a, or ignore it: §9 has a receiver ignore what follows
 * MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT,
 * and what follows MESSAGE-INTEGRITY-SHA256 except FINGERPRINT.  The
 * sizes of the three are fixed by §14.5-§14.7.
 */
static int
stun_take(struct stun_msg *m, const struct stun_attr *a)
{
	unsigned	i;
	bool		sealed = m->mi.val != NULL || m->mi256.val != NULL;

	switch (a->type) {
	case STUN_A_FINGERPRINT:
		if (a->len != 4)
			return EBADMSG;
		m->fp = *a;
		break;
	case STUN_A_MESSAGE_INTEGRITY:
		if (sealed)
			return 0;
		if (a->len != STUN_MI_LEN)
			return EBADMSG;
		m->mi = *a;
		break;
	case STUN_A_MESSAGE_INTEGRITY_SHA256:
		if (m->mi256.val != NULL)
			return 0;
		if (a->len < 16 || a->len > STUN_MI256_LEN || a->len % 4 != 0)
			return EBADMSG;
		m->mi256 = *a;
		break;
	default:
		if (sealed)
			return 0;
		if (a->type >= 0x8000 || stun_attr_known(a->type))
			break;
		for (i = 0; i < m->nunknown; i++)
			if (m->unknown[i] == a->type)
				break;
		if (i == m->nunknown)
			m->unknown[m->nunknown++] = a->type;
		break;
	}
	m->attrs[m->nattrs++] = *a;
	return 0;
}

int
stun_parse(struct stun_msg *m, const uint8_t *p, size_t len)
{
	struct rbuf		r;
	struct stun_attr	a;
	unsigned		n = 0;
	uint16_t		t;

	memset(m, 0, sizeof *m);
	if (!stun_is_message(p, len))
		return EBADMSG;
	t = wire_be16(p);
	m->buf = p;
	m->len = len;
	m->method = (uint16_t)((t & 0x000F) | (t & 0x00E0) >> 1 |
	    (t & 0x3E00) >> 2);
	m->cls = (uint8_t)((t >> 4 & 1) | (t >> 7 & 2));
	memcpy(m->tid, p + 8, STUN_TID_LEN);
	rbuf_init(&r, p, len);
	rbuf_bytes(&r, STUN_HDR_LEN);
	while (rbuf_left(&r) > 0) {
		/* §14.7: FINGERPRINT is the last attribute. */
		if (m->fp.val != NULL || ++n > STUN_MAX_ATTRS)
			return EBADMSG;
		a.off = r.off;
		a.type = rbuf_u16(&r);
		a.len = rbuf_u16(&r);
		a.val = rbuf_bytes(&r, a.len);
		rbuf_bytes(&r, STUN_PAD(a.len));
		if (r.err || stun_take(m, &a) != 0)
			return EBADMSG;
	}
	return 0;
}

const struct stun_attr *
stun_attr_find(const struct stun_msg *m, uint16_t type)
{
	unsigned	i;

	for (i = 0; i < m->nattrs; i++)
		if (m->attrs[i].type == type)
			return &m->attrs[i];
	return NULL;
}

/* §14.2: the magic cookie and then the transaction id, which IPv4
 * addresses use the first 4 bytes of. */
static void
stun_xor_mask(uint8_t mask[16], const uint8_t tid[STUN_TID_LEN])
{
	mask[0] = STUN_MAGIC >> 24;
	mask[1] = STUN_MAGIC >> 16 & 0xFF;
	mask[2] = STUN_MAGIC >> 8 & 0xFF;
	mask[3] = STUN_MAGIC & 0xFF;
	memcpy(mask + 4, tid, STUN_TID_LEN);
}

/* 1: XORed, 0: plain, -1: not an address. */
static int
stun_addr_xored(uint16_t type)
{
	switch (type) {
	case STUN_A_MAPPED_ADDRESS:
	case STUN_A_ALTERNATE_SERVER:
	case STUN_A_RESPONSE_ORIGIN:
	case STUN_A_OTHER_ADDRESS:
		return 0;
	case STUN_A_XOR_MAPPED_ADDRESS:
	case STUN_A_XOR_PEER_ADDRESS:
	case STUN_A_XOR_RELAYED_ADDRESS:
		return 1;
	default:
		return -1;
	}
}

int
stun_get_addr(const struct stun_msg *m, uint16_t type, struct addr *out)
{
	const struct stun_attr	*a;
	uint8_t			 mask[16];
	size_t			 alen, i;
	int			 x;

	if ((x = stun_addr_xored(type)) < 0)
		return EINVAL;
	if ((a = stun_attr_find(m, type)) == NULL)
		return ENOENT;
	/* §14.1: the first byte is ignored; family 1 or 2. */
	if (a->len < 4)
		return EBADMSG;
	if (a->val[1] == 1)
		alen = 4;
	else if (a->val[1] == 2)
		alen = 16;
	else
		return EBADMSG;
	if (a->len != 4 + alen)
		return EBADMSG;
	if (x)
		stun_xor_mask(mask, m->tid);
	else
		memset(mask, 0, sizeof mask);
	memset(out, 0, sizeof *out);
	out->family = alen == 4 ? 4 : 6;
	out->port = (uint16_t)(wire_be16(a->val + 2) ^ (x ? STUN_MAGIC >> 16 : 0));
	for (i = 0; i < alen; i++)
		out->ip[i] = a->val[4 + i] ^ mask[i];
	return 0;
}

int
stun_get_text(const struct stun_msg *m, uint16_t type, const char **s,
    size_t *len)
{
	const struct stun_attr	*a;
	size_t			 max;

	switch (type) {
	case STUN_A_USERNAME:
	case STUN_A_REALM:
	case STUN_A_NONCE:
	case STUN_A_SOFTWARE:
		max = STUN_TEXT_MAX;
		break;
	case STUN_A_ALTERNATE_DOMAIN:
		max = 255;		/* §14.16 */
		break;
	default:
		return EINVAL;
	}
	if ((a = stun_attr_find(m, type)) == NULL)
		return ENOENT;
	if (a->len > max)
		return EBADMSG;
	*s = (const char *)a->val;
	*len = a->len;
	return 0;
}

int
stun_get_error(const struct stun_msg *m, unsigned *code, const char **reason,
    size_t *len)
{
	const struct stun_attr	*a;
	unsigned		 cls, num;

	if ((a = stun_attr_find(m, STUN_A_ERROR_CODE)) == NULL)
		return ENOENT;
	if (a->len < 4 || a->len - 4 > STUN_TEXT_MAX)
		return EBADMSG;
	/* §14.8: the reserved bits are ignored; class 3-6, number 0-99. */
	cls = a->val[2] & 0x07;
	num = a->val[3];
	if (cls < 3 || cls > 6 || num > 99)
		return EBADMSG;
	*code = cls * 100 + num;
	*reason = (const char *)a->val + 4;
	*len = a->len - 4u;
	return 0;
}

int
stun_get_unknown(const struct stun_msg *m, uint16_t *types, size_t max,
    size_t *n)
{
	const struct stun_attr	*a;
	size_t			 i;

	if ((a = stun_attr_find(m, STUN_A_UNKNOWN_ATTRIBUTES)) == NULL)
		return ENOENT;
	if (a->len % 2 != 0)
		return EBADMSG;
	*n = a->len / 2u;
	for (i = 0; i < *n && i < max; i++)
		types[i] = wire_be16(a->val + 2 * i);
	return 0;
}

int
stun_get_userhash(const struct stun_msg *m, const uint8_t **hash)
{
	const struct stun_attr	*a;

	if ((a = stun_attr_find(m, STUN_A_USERHASH)) == NULL)
		return ENOENT;
	if (a->len != 32)
		return EBADMSG;
	*hash = a->val;
	return 0;
}

int
stun_get_password_alg(const struct stun_msg *m, uint16_t *alg,
    const uint8_t **params, size_t *plen)
{
	const struct stun_attr	*a;
	size_t			 n;

	if ((a = stun_attr_find(m, STUN_A_PASSWORD_ALGORITHM)) == NULL)
		return ENOENT;
	if (a->len < 4)
		return EBADMSG;
	/* §14.12: the parameters' own padding may be counted or not. */
	n = wire_be16(a->val + 2);
	if (a->len < 4 + n || a->len > 4 + n + STUN_PAD(n))
		return EBADMSG;
	*alg = wire_be16(a->val);
	*params = a->val + 4;
	*plen = n;
	return 0;
}

int
stun_get_password_algs(const struct stun_msg *m, uint16_t *algs, size_t max,
    size_t *n)
{
	const struct stun_attr	*a;
	struct rbuf		 r;
	uint16_t		 alg;
	size_t			 plen;

	if ((a = stun_attr_find(m, STUN_A_PASSWORD_ALGORITHMS)) == NULL)
		return ENOENT;
	*n = 0;
	rbuf_init(&r, a->val, a->len);
	while (rbuf_left(&r) > 0) {
		alg = rbuf_u16(&r);
		plen = rbuf_u16(&r);
		rbuf_bytes(&r, plen);
		rbuf_bytes(&r, STUN_PAD(plen));	/* §14.11 */
		if (r.err)
			return EBADMSG;
		if (*n < max)
			algs[*n] = alg;
		(*n)++;
	}
	return 0;
}

bool
stun_opaque_ok(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7E)
			return false;
	return true;
}

int
stun_key_short(struct stun_key *k, const char *password)
{
	size_t	len = strlen(password);

	memset(k, 0, sizeof *k);
	if (len == 0 || len > STUN_KEY_MAX || !stun_opaque_ok(password))
		return EINVAL;
	memcpy(k->b, password, len);
	k->len = len;
	return 0;
}

/* §9.2.2: "with any trailing nulls removed". */
static size_t
stun_trim(const void *p, size_t len)
{
	while (len > 0 && ((const uint8_t *)p)[len - 1] == '\0')
		len--;
	return len;
}

int
stun_key_long(struct stun_key *k, uint16_t alg, const void *user,
    size_t ulen, const void *realm, size_t rlen, const void *password,
    size_t plen)
{
	EVP_MD_CTX	*ctx;
	const EVP_MD	*md;
	unsigned	 n;
	int		 rc = EIO;

	memset(k, 0, sizeof *k);
	if (alg == STUN_PWALG_MD5)
		md = EVP_md5();
	else if (alg == STUN_PWALG_SHA256)
		md = EVP_sha256();
	else
		return EINVAL;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return EIO;
	if (EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, user, stun_trim(user, ulen)) == 1 &&
	    EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	    EVP_DigestUpdate(ctx, realm, stun_trim(realm, rlen)) == 1 &&
	    EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	    EVP_DigestUpdate(ctx, password, stun_trim(password, plen)) == 1 &&
	    EVP_DigestFinal_ex(ctx, k->b, &n) == 1) {
		k->len = n;
		rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

void
stun_key_clear(struct stun_key *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

bool
stun_check_fingerprint(const struct stun_msg *m)
{
	uint32_t	crc;

	if (m->fp.val == NULL)
		return false;
	/* Last (§14.7), so the length field already counts it. */
	crc = (uint32_t)crc32(0L, m->buf, (uInt)m->fp.off) ^ STUN_FP_XOR;
	return crc == wire_be32(m->fp.val);
}

/*
 * §14.5, §14.6: the HMAC of the message up to attribute a, with the
 * length field pointing at a's end.
 */
static int
stun_check_mac(const struct stun_msg *m, const struct stun_attr *a,
    const EVP_MD *md, const struct stun_key *k)
{
	uint8_t		*copy, mac[EVP_MAX_MD_SIZE];
	unsigned	 n;
	int		 rc;

	if (a->val == NULL)
		return ENOENT;
	if (k->len == 0)
		return EINVAL;
	copy = xmalloc(a->off);
	memcpy(copy, m->buf, a->off);
	put16(copy + 2, a->off + 4 + a->len - STUN_HDR_LEN);
	if (HMAC(md, k->b, (int)k->len, copy, a->off, mac, &n) == NULL)
		rc = EIO;
	else if (n < a->len || CRYPTO_memcmp(mac, a->val, a->len) != 0)
		rc = EACCES;
	else
		rc = 0;
	free(copy);
	return rc;
}

int
stun_check_integrity(const struct stun_msg *m, const struct stun_key *k)
{
	return stun_check_mac(m, &m->mi, EVP_sha1(), k);
}

int
stun_check_integrity_sha256(const struct stun_msg *m,
    const struct stun_key *k)
{
	return stun_check_mac(m, &m->mi256, EVP_sha256(), k);
}

static void
stun_build_fail(struct stun_builder *b, int err)
{
	if (b->err == 0)
		b->err = err;
}

void
stun_build_begin(struct stun_builder *b, struct wbuf *w, uint16_t method,
    uint8_t cls, const uint8_t tid[STUN_TID_LEN])
{
	memset(b, 0, sizeof *b);
	b->w = w;
	b->start = w->len;
	memcpy(b->tid, tid, STUN_TID_LEN);
	if (method > 0x0FFF || cls > STUN_ERROR)
		stun_build_fail(b, EINVAL);
	wbuf_u16(w, stun_type(method, cls));
	wbuf_u16(w, 0);
	wbuf_u32(w, STUN_MAGIC);
	wbuf_bytes(w, tid, STUN_TID_LEN);
}

/* §9, §14.7: what may still come after what was written. */
static bool
stun_build_allowed(const struct stun_builder *b, uint16_t type)
{
	if (b->fp)
		return false;
	if (type == STUN_A_FINGERPRINT)
		return true;
	if (type == STUN_A_MESSAGE_INTEGRITY_SHA256)
		return !b->mi256;
	return !b->mi && !b->mi256;
}

void
stun_build_attr(struct stun_builder *b, uint16_t type, const void *val,
    size_t len)
{
	struct wbuf	*w = b->w;
	size_t		 i, body;

	if (len > 0xFFFF || !stun_build_allowed(b, type)) {
		stun_build_fail(b, EINVAL);
		return;
	}
	b->mi |= type == STUN_A_MESSAGE_INTEGRITY;
	b->mi256 |= type == STUN_A_MESSAGE_INTEGRITY_SHA256;
	b->fp |= type == STUN_A_FINGERPRINT;
	wbuf_u16(w, type);
	wbuf_u16(w, (uint16_t)len);
	wbuf_bytes(w, val, len);
	for (i = 0; i < STUN_PAD(len); i++)
		wbuf_u8(w, b->pad);
	if (w->err)
		return;
	body = w->len - b->start - STUN_HDR_LEN;
	if (body > STUN_BODY_MAX) {
		stun_build_fail(b, EMSGSIZE);
		return;
	}
	put16(w->p + b->start + 2, body);
}

void
stun_build_addr(struct stun_builder *b, uint16_t type, const struct addr *a)
{
	uint8_t	v[20], mask[16];
	size_t	alen, i;
	int	x;

	if ((x = stun_addr_xored(type)) < 0 ||
	    (a->family != 4 && a->family != 6)) {
		stun_build_fail(b, EINVAL);
		return;
	}
	alen = a->family == 4 ? 4 : 16;
	if (x)
		stun_xor_mask(mask, b->tid);
	else
		memset(mask, 0, sizeof mask);
	v[0] = 0;
	v[1] = a->family == 4 ? 1 : 2;
	put16(v + 2, a->port ^ (x ? STUN_MAGIC >> 16 : 0));
	for (i = 0; i < alen; i++)
		v[4 + i] = a->ip[i] ^ mask[i];
	stun_build_attr(b, type, v, 4 + alen);
}

void
stun_build_error(struct stun_builder *b, unsigned code, const char *reason)
{
	uint8_t	v[4 + 127];
	size_t	len = strlen(reason);

	if (code < 300 || code > 699 || len > 127) {
		stun_build_fail(b, EINVAL);
		return;
	}
	v[0] = v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, len);
	stun_build_attr(b, STUN_A_ERROR_CODE, v, 4 + len);
}

void
stun_build_unknown(struct stun_builder *b, const uint16_t *types, size_t n)
{
	uint8_t	v[2 * STUN_MAX_ATTRS];
	size_t	i;

	if (n > STUN_MAX_ATTRS) {
		stun_build_fail(b, EINVAL);
		return;
	}
	for (i = 0; i < n; i++)
		put16(v + 2 * i, types[i]);
	stun_build_attr(b, STUN_A_UNKNOWN_ATTRIBUTES, v, 2 * n);
}

/*
 * §14.5, §14.6: the attribute goes in with a dummy value, so the length
 * field points at its end, and the HMAC of everything before it is then
 * written over the dummy.
 */
static void
stun_build_mac(struct stun_builder *b, uint16_t type, const EVP_MD *md,
    size_t maclen, const struct stun_key *k)
{
	uint8_t		zero[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	size_t		off = b->w->len;
	unsigned	n;

	if (k->len == 0) {
		stun_build_fail(b, EINVAL);
		return;
	}
	memset(zero, 0, sizeof zero);
	stun_build_attr(b, type, zero, maclen);
	if (b->err != 0 || b->w->err)
		return;
	if (HMAC(md, k->b, (int)k->len, b->w->p + b->start, off - b->start,
	    mac, &n) == NULL || n < maclen) {
		stun_build_fail(b, EIO);
		return;
	}
	memcpy(b->w->p + off + 4, mac, maclen);
}

void
stun_build_integrity(struct stun_builder *b, const struct stun_key *k)
{
	stun_build_mac(b, STUN_A_MESSAGE_INTEGRITY, EVP_sha1(), STUN_MI_LEN,
	    k);
}

void
stun_build_integrity_sha256(struct stun_builder *b, const struct stun_key *k)
{
	stun_build_mac(b, STUN_A_MESSAGE_INTEGRITY_SHA256, EVP_sha256(),
	    STUN_MI256_LEN, k);
}

void
stun_build_fingerprint(struct stun_builder *b)
{
	static const uint8_t	zero[4];
	size_t			off = b->w->len;
	uint32_t		crc;

	stun_build_attr(b, STUN_A_FINGERPRINT, zero, 4);
	if (b->err != 0 || b->w->err)
		return;
	crc = (uint32_t)crc32(0L, b->w->p + b->start,
	    (uInt)(off - b->start)) ^ STUN_FP_XOR;
	wbuf_put_u32_at(b->w, off + 4, crc);
}

int
stun_build_end(struct stun_builder *b)
{
	if (b->err != 0)
		return b->err;
	return b->w->err ? EMSGSIZE : 0;
}

/*
 * RFC 8489 §6.3 with the usage of RFC 5626 §8: the server keeps no
 * transactions and asks no credentials (RFC 8489 §12: a basic server
 * SHOULD NOT use them; RFC 5626 §8: Binding requests need no
 * attributes), so a USERNAME or MESSAGE-INTEGRITY a request carries is
 * not checked, and the response carries none.  A request is reprocessed
 * on every retransmission: Binding is idempotent (§6.3.1).  400 is never
 * sent: what fails the checks of §5 and §14 is silently discarded
 * (§6.3), and this server reads no attribute of a request whose value
 * could be malformed.
 */
int
stun_binding_answer(const uint8_t *req, size_t len, const struct addr *from,
    const char *software, struct wbuf *out)
{
	struct stun_msg		m;
	struct stun_builder	b;
	size_t			slen = 0;

	if ((from->family != 4 && from->family != 6) ||
	    (software != NULL && (slen = strlen(software)) >= 128))
		return EINVAL;
	if (stun_parse(&m, req, len) != 0)
		return EBADMSG;
	/* §7: a FINGERPRINT present must be right; none is needed. */
	if (m.fp.val != NULL && !stun_check_fingerprint(&m))
		return EBADMSG;
	if (m.method != STUN_BINDING || m.cls == STUN_SUCCESS ||
	    m.cls == STUN_ERROR)
		return ENOTSUP;
	if (m.cls == STUN_INDICATION)
		return ENOMSG;
	if (m.nunknown > 0) {
		/* §6.3.1, §6.3.1.1 */
		stun_build_begin(&b, out, STUN_BINDING, STUN_ERROR, m.tid);
		stun_build_error(&b, 420, "Unknown Attribute");
		stun_build_unknown(&b, m.unknown, m.nunknown);
	} else {
		stun_build_begin(&b, out, STUN_BINDING, STUN_SUCCESS, m.tid);
		stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, from);
	}
	if (software != NULL)
		stun_build_attr(&b, STUN_A_SOFTWARE, software, slen);
	stun_build_fingerprint(&b);
	return stun_build_end(&b);
}
