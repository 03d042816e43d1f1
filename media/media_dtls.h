/*
 * media_dtls.h - DTLS-SRTP (RFC 5763, RFC 5764) for one media stream,
 * and DTLS (RFC 6347) for an application's messages, sans I/O: a DTLS 1.2 association over OpenSSL memory BIOs, fed the
 * datagrams that came and handing out, through a callback, the ones to
 * send.  When the handshake is done and the peer's certificate matches
 * the fingerprint its SDP gave (RFC 5763 §5), the SRTP keys are
 * exported (RFC 5764 §4.2) for libsrtp.
 *
 * Deviation (RFC 6347 §4.2.4): OpenSSL times its retransmissions by the
 * wall clock, not by the time it is given; media_dtls_deadline converts
 * its timer to the caller's clock.
 */
#ifndef MEDIA_DTLS_H
#define MEDIA_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#define MEDIA_DTLS_MTU		1200	/* no IP fragments on any path */
/* An application's records: one message each, so the link MTU bounds
 * the message.  Past the path's MTU such a datagram goes in IP
 * fragments, as a large SIP request over UDP does (RFC 3261 §18.1.1
 * would take TCP; a direct flow found by ICE has only UDP). */
#define MEDIA_DTLS_APP_MTU	9000
#define MEDIA_DTLS_APP_MAX	8192	/* a message, at most */
#define MEDIA_DTLS_GIVEUP_MS	10000	/* a handshake not done by then */

enum media_dtls_state {
	MEDIA_DTLS_HANDSHAKE,
	MEDIA_DTLS_KEYED,
	MEDIA_DTLS_FAILED,
};

/* The keys one association exported: the SRTP suite (RFC 4568's name)
 * and the master key || salt we send with and the peer's. */
struct media_dtls_keys {
	const char	*suite;
	uint8_t		 tx[30];
	uint8_t		 rx[30];
};

struct media_dtls;

/* RFC 7983 §7: a datagram whose first byte is 20-63 is DTLS. */
static inline bool
media_dtls_is(const uint8_t *p, size_t len)
{
	return len > 0 && p[0] >= 20 && p[0] <= 63;
}

/*
 * A context for DTLS-SRTP with certificate cert and key (a node's own)
 * and the certificate's SHA-256 fingerprint into fp (RFC 8122).  NULL
 * if OpenSSL refuses them.
 */
SSL_CTX	*media_dtls_ctx(X509 *cert, EVP_PKEY *key, uint8_t fp[32]);

/*
 * An association from ctx: as the client (setup:active) or server,
 * the peer's certificate to have SHA-256 fingerprint peer_fp.  Each
 * datagram to send goes to out(arg, data, len).
 */
struct media_dtls *media_dtls_new(SSL_CTX *ctx, bool client,
	    const uint8_t peer_fp[32], uint64_t now,
	    void (*out)(void *, const uint8_t *, size_t), void *arg);
void	media_dtls_free(struct media_dtls *);

/*
 * DTLS for an application's messages (SIP over a direct flow, ICE for
 * SIP): a context without DTLS-SRTP, and an association that, once the
 * handshake is done and the peer's certificate has fingerprint peer_fp
 * (state KEYED), hands each message that comes to in(arg, data, len).
 * media_dtls_write sends one message as one record: 0, ENOTCONN (not
 * done, or not an application's), EMSGSIZE (over MEDIA_DTLS_APP_MAX).
 */
SSL_CTX	*media_dtls_ctx_app(X509 *cert, EVP_PKEY *key, uint8_t fp[32]);
struct media_dtls *media_dtls_new_app(SSL_CTX *ctx, bool client,
	    const uint8_t peer_fp[32], uint64_t now,
	    void (*out)(void *, const uint8_t *, size_t),
	    void (*in)(void *, const uint8_t *, size_t), void *arg);
int	media_dtls_write(struct media_dtls *, const void *, size_t);

/* A datagram that came (its first byte is 20-63, RFC 7983 §7). */
void	media_dtls_input(struct media_dtls *, uint64_t now,
	    const uint8_t *data, size_t len);
/* Time passed: retransmit, or give up. */
void	media_dtls_tick(struct media_dtls *, uint64_t now);
/* When to tick next; UINT64_MAX: nothing to time. */
uint64_t media_dtls_deadline(const struct media_dtls *);

enum media_dtls_state media_dtls_state(const struct media_dtls *);
/* Why it failed, when it did. */
const char *media_dtls_error(const struct media_dtls *);
/* Once keyed: the keys (0), else EAGAIN. */
int	media_dtls_keys(const struct media_dtls *, struct media_dtls_keys *);
/* Once keyed, the peer's certificate (the caller frees it), else NULL. */
X509	*media_dtls_peer_cert(const struct media_dtls *);
/* The peer's fingerprint still the one given? (a re-INVITE) */
bool	media_dtls_peer_is(const struct media_dtls *, const uint8_t fp[32]);

#endif
