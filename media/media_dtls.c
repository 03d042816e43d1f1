/*
 * media_dtls.c - DTLS-SRTP for one media stream, and DTLS for an
 * application's datagrams, sans I/O (media_dtls.h).
 *
 * OpenSSL reads from a memory BIO each datagram as it is fed in, and
 * writes through a BIO of ours that hands every write out as one
 * datagram (a DTLS write is one datagram: RFC 6347 §4.1.1).
 */
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "media_dtls.h"
#include "xmalloc.h"

struct media_dtls {
	SSL		*ssl;
	BIO		*rbio;
	enum media_dtls_state state;
	uint8_t		 peer_fp[32];
	uint64_t	 timer;		/* retransmission; UINT64_MAX: none */
	uint64_t	 giveup;
	void		(*out)(void *, const uint8_t *, size_t);
	void		(*in)(void *, const uint8_t *, size_t);	/* an
						   application's: its data */
	void		*arg;
	struct media_dtls_keys keys;
	char		 err[160];
};

/* RFC 5764 §4.1.2's profiles we offer, strongest first, and the SRTP
 * suite each is (RFC 4568 §6.2). */
static const struct {
	unsigned long	 id;
	const char	*suite;
} profiles[] = {
	{ SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80" },
	{ SRTP_AES128_CM_SHA1_32, "AES_CM_128_HMAC_SHA1_32" },
};
#define PROFILES	"SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"

/* ---- the datagram BIO ---- */

static BIO_METHOD	*dgram_method;

static int
dgram_write(BIO *b, const char *data, int len)
{
	struct media_dtls	*d = BIO_get_data(b);

	if (len <= 0)
		return 0;
	d->out(d->arg, (const uint8_t *)data, (size_t)len);
	return len;
}

static long
dgram_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return MEDIA_DTLS_MTU;
	default:
		return 0;
	}
}

static int
dgram_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *
dgram_meth(void)
{
	BIO_METHOD	*m;

	if (dgram_method != NULL)
		return dgram_method;
	if ((m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "p2psipd datagram")) == NULL)
		return NULL;
	if (!BIO_meth_set_write(m, dgram_write) ||
	    !BIO_meth_set_ctrl(m, dgram_ctrl) ||
	    !BIO_meth_set_create(m, dgram_create)) {
		BIO_meth_free(m);
		return NULL;
	}
	return dgram_method = m;
}

/* ---- the context ---- */

/* RFC 5763 §5: the certificate is self-signed; what binds it to the
 * call is its fingerprint in the signalling, checked once done. */
static int
accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

static SSL_CTX *
dtls_ctx(X509 *cert, EVP_PKEY *key, uint8_t fp[32], bool srtp)
{
	SSL_CTX		*ctx = SSL_CTX_new(DTLS_method());
	unsigned	 n = 0;

	if (ctx == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    /* (this one returns 0 on success) */
	    (srtp && SSL_CTX_set_tlsext_use_srtp(ctx, PROFILES) != 0) ||
	    X509_digest(cert, EVP_sha256(), fp, &n) != 1 || n != 32) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

SSL_CTX *
media_dtls_ctx(X509 *cert, EVP_PKEY *key, uint8_t fp[32])
{
	return dtls_ctx(cert, key, fp, true);
}

SSL_CTX *
media_dtls_ctx_app(X509 *cert, EVP_PKEY *key, uint8_t fp[32])
{
	return dtls_ctx(cert, key, fp, false);
}

/* ---- an association ---- */

static void
dtls_fail(struct media_dtls *d, const char *what)
{
	unsigned long	e = ERR_get_error();
	char		ossl[120];

	if (e != 0) {
		ERR_error_string_n(e, ossl, sizeof ossl);
		snprintf(d->err, sizeof d->err, "%s (%s)", what, ossl);
	} else
		snprintf(d->err, sizeof d->err, "%s", what);
	ERR_clear_error();
	d->state = MEDIA_DTLS_FAILED;
	d->timer = UINT64_MAX;
}

/* Done: the peer is who the SDP said (RFC 5763 §5), and the keys are
 * RFC 5764 §4.2's: client key, server key, client salt, server salt. */
static void
dtls_done(struct media_dtls *d)
{
	static const char	 label[] = "EXTRACTOR-dtls_srtp";
	SRTP_PROTECTION_PROFILE	*p = SSL_get_selected_srtp_profile(d->ssl);
	X509			*x = SSL_get0_peer_certificate(d->ssl);
	uint8_t			 md[EVP_MAX_MD_SIZE], km[60];
	unsigned		 n = 0;
	size_t			 i;
	const uint8_t		*ck = km, *sk = km + 16, *cs = km + 32,
				*ss = km + 46;
	bool			 client = !SSL_is_server(d->ssl);

	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1 ||
	    n != 32 || CRYPTO_memcmp(md, d->peer_fp, 32) != 0) {
		dtls_fail(d, "the peer's DTLS certificate is not the one its "
		    "SDP fingerprint names");
		return;
	}
	if (d->in != NULL) {		/* no SRTP: application data */
		d->state = MEDIA_DTLS_KEYED;
		return;
	}
	for (i = 0; p != NULL && i < sizeof profiles / sizeof profiles[0];
	    i++)
		if (p->id == profiles[i].id)
			d->keys.suite = profiles[i].suite;
	if (d->keys.suite == NULL) {
		dtls_fail(d, "no SRTP profile agreed in DTLS (RFC 5764 §4.1.1)");
		return;
	}
	if (SSL_export_keying_material(d->ssl, km, sizeof km, label,
	    sizeof label - 1, NULL, 0, 0) != 1) {
		dtls_fail(d, "no SRTP keys from DTLS");
		return;
	}
	memcpy(d->keys.tx, client ? ck : sk, 16);
	memcpy(d->keys.tx + 16, client ? cs : ss, 14);
	memcpy(d->keys.rx, client ? sk : ck, 16);
	memcpy(d->keys.rx + 16, client ? ss : cs, 14);
	OPENSSL_cleanse(km, sizeof km);
	d->state = MEDIA_DTLS_KEYED;
}

static void
dtls_timer(struct media_dtls *d, uint64_t now)
{
	struct timeval	tv;

	d->timer = d->state != MEDIA_DTLS_FAILED &&
	    DTLSv1_get_timeout(d->ssl, &tv) == 1 ?
	    now + (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000 :
	    UINT64_MAX;
}

/* Run the handshake, or read what came after it: an application's
 * data, or nothing (DTLS-SRTP carries no application data, RFC 5764
 * §4.4: dropped). */
static void
dtls_run(struct media_dtls *d, uint64_t now)
{
	uint8_t		buf[MEDIA_DTLS_APP_MTU];
	int		r, e;

	ERR_clear_error();
	if (d->state == MEDIA_DTLS_HANDSHAKE) {
		if ((r = SSL_do_handshake(d->ssl)) == 1)
			dtls_done(d);
		else if ((e = SSL_get_error(d->ssl, r)) != SSL_ERROR_WANT_READ &&
		    e != SSL_ERROR_WANT_WRITE)
			dtls_fail(d, "the DTLS handshake failed");
	}
	/* A flight of ours lost after we were done is sent again here
	 * when the peer repeats its own (RFC 6347 §4.2.4). */
	while (d->state == MEDIA_DTLS_KEYED &&
	    (r = SSL_read(d->ssl, buf, sizeof buf)) > 0)
		if (d->in != NULL)
			d->in(d->arg, buf, (size_t)r);
	ERR_clear_error();
	dtls_timer(d, now);
}

static struct media_dtls *
dtls_new(SSL_CTX *ctx, bool client, const uint8_t peer_fp[32],
    uint64_t now, void (*out)(void *, const uint8_t *, size_t),
    void (*in)(void *, const uint8_t *, size_t), void *arg)
{
	struct media_dtls	*d = xcalloc(1, sizeof *d);
	BIO			*wbio = NULL;
	BIO_METHOD		*m = dgram_meth();

	d->out = out;
	d->in = in;
	d->arg = arg;
	memcpy(d->peer_fp, peer_fp, sizeof d->peer_fp);
	d->timer = UINT64_MAX;
	d->giveup = now + MEDIA_DTLS_GIVEUP_MS;
	if (m == NULL || (d->ssl = SSL_new(ctx)) == NULL ||
	    (d->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (wbio = BIO_new(m)) == NULL) {
		BIO_free(d->rbio);
		d->rbio = NULL;
		dtls_fail(d, "DTLS cannot start");
		return d;
	}
	BIO_set_mem_eof_return(d->rbio, -1);	/* empty: try again */
	BIO_set_data(wbio, d);
	SSL_set_bio(d->ssl, d->rbio, wbio);	/* the SSL owns both */
	DTLS_set_link_mtu(d->ssl, in != NULL ? MEDIA_DTLS_APP_MTU :
	    MEDIA_DTLS_MTU);
	if (client) {
		SSL_set_connect_state(d->ssl);
		dtls_run(d, now);		/* the ClientHello */
	} else
		SSL_set_accept_state(d->ssl);
	return d;
}

struct media_dtls *
media_dtls_new(SSL_CTX *ctx, bool client, const uint8_t peer_fp[32],
    uint64_t now, void (*out)(void *, const uint8_t *, size_t), void *arg)
{
	return dtls_new(ctx, client, peer_fp, now, out, NULL, arg);
}

struct media_dtls *
media_dtls_new_app(SSL_CTX *ctx, bool client, const uint8_t peer_fp[32],
    uint64_t now, void (*out)(void *, const uint8_t *, size_t),
    void (*in)(void *, const uint8_t *, size_t), void *arg)
{
	return dtls_new(ctx, client, peer_fp, now, out, in, arg);
}

int
media_dtls_write(struct media_dtls *d, const void *data, size_t len)
{
	int	r;

	if (d->in == NULL || d->state != MEDIA_DTLS_KEYED)
		return ENOTCONN;
	if (len == 0 || len > MEDIA_DTLS_APP_MAX)
		return EMSGSIZE;
	ERR_clear_error();
	r = SSL_write(d->ssl, data, (int)len);
	ERR_clear_error();
	return r == (int)len ? 0 : EMSGSIZE;
}

void
media_dtls_free(struct media_dtls *d)
{
	if (d == NULL)
		return;
	SSL_free(d->ssl);
	OPENSSL_cleanse(&d->keys, sizeof d->keys);
	free(d);
}

void
media_dtls_input(struct media_dtls *d, uint64_t now, const uint8_t *data,
    size_t len)
{
	if (d->state == MEDIA_DTLS_FAILED || len > MEDIA_DTLS_APP_MTU * 2 ||
	    BIO_write(d->rbio, data, (int)len) != (int)len)
		return;
	dtls_run(d, now);
	/* a datagram it could not use is not left for the next one */
	(void)BIO_reset(d->rbio);
}

void
media_dtls_tick(struct media_dtls *d, uint64_t now)
{
	if (d->state == MEDIA_DTLS_HANDSHAKE && now >= d->giveup) {
		dtls_fail(d, "no DTLS handshake in 10 s");
		return;
	}
	if (d->state == MEDIA_DTLS_FAILED || now < d->timer)
		return;
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0) {
		dtls_fail(d, "DTLS retransmission failed");
		return;
	}
	dtls_timer(d, now);
}

uint64_t
media_dtls_deadline(const struct media_dtls *d)
{
	if (d->state == MEDIA_DTLS_HANDSHAKE && d->giveup < d->timer)
		return d->giveup;
	return d->timer;
}

enum media_dtls_state
media_dtls_state(const struct media_dtls *d)
{
	return d->state;
}

const char *
media_dtls_error(const struct media_dtls *d)
{
	return d->err;
}

int
media_dtls_keys(const struct media_dtls *d, struct media_dtls_keys *k)
{
	if (d->state != MEDIA_DTLS_KEYED)
		return EAGAIN;
	*k = d->keys;
	return 0;
}

X509 *
media_dtls_peer_cert(const struct media_dtls *d)
{
	return d->state == MEDIA_DTLS_KEYED ?
	    SSL_get1_peer_certificate(d->ssl) : NULL;
}

bool
media_dtls_peer_is(const struct media_dtls *d, const uint8_t fp[32])
{
	return CRYPTO_memcmp(d->peer_fp, fp, sizeof d->peer_fp) == 0;
}
