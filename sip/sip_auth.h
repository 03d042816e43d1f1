/*
 * sip_auth.h - HTTP Digest authentication of requests (RFC 3261 §22,
 * RFC 2617 §3, RFC 8760 for SHA-256), for the registrar: the users and
 * their passwords (kept as H(user:realm:password) only), challenges with
 * nonces that need no state (a time and a MAC of it under a secret of
 * this process), and the check of an Authorization header.  No I/O.
 */
#ifndef SIP_AUTH_H
#define SIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng;
struct sip_msg;

#define SIP_AUTH_NONCE_S	300	/* a nonce's life; then stale */
#define SIP_AUTH_CHALLENGE_MAX	256	/* a WWW-Authenticate value */

struct sip_auth;

/* realm: the overlay's name. */
struct sip_auth *sip_auth_new(const char *realm, struct rng *);
void	sip_auth_free(struct sip_auth *);
/* Replace the users: n names and passwords. */
void	sip_auth_set_users(struct sip_auth *, const char *const *names,
	    const char *const *passwords, unsigned n);
unsigned sip_auth_users(const struct sip_auth *);

enum sip_auth_result {
	SIP_AUTH_OK,
	SIP_AUTH_CHALLENGE,	/* no credentials for us, a stale nonce or
				   wrong ones: 401 with the challenge */
	SIP_AUTH_BAD,		/* credentials we cannot read: 400, why */
	SIP_AUTH_FORBIDDEN,	/* right password, wrong AOR: 403, why */
};

/*
 * Check request m (at now_s, seconds on any clock that does not go
 * back) for user, who must be the
 * one authenticated (§22.4: the registrar checks that the user may
 * change the AOR's bindings; here an AOR is its own user).  proxy: the
 * credentials are in Proxy-Authorization (§22.3), else Authorization.
 * On SIP_AUTH_CHALLENGE, challenge holds a WWW-Authenticate (or
 * Proxy-Authenticate) value; on SIP_AUTH_BAD and SIP_AUTH_FORBIDDEN,
 * *why a reason phrase.
 */
/* Does the digest's uri name this request's target?  (RFC 2617
 * §3.2.2.5 asks for the Request-URI; phones also give the URI of the
 * registrar's address.) */
typedef bool (*sip_auth_uri_cb)(const char *uri, const struct sip_msg *,
	    void *arg);

enum sip_auth_result sip_auth_check(struct sip_auth *, uint64_t now_s,
	    const struct sip_msg *m, bool proxy, const char *user,
	    sip_auth_uri_cb, void *arg, char challenge[SIP_AUTH_CHALLENGE_MAX],
	    const char **why);
/* Is there a password for user? */
bool	sip_auth_has_user(const struct sip_auth *, const char *user);

/*
 * The digest response (RFC 2617 §3.2.2.1) in lowercase hex into out
 * (65 bytes), for algorithm "MD5" or "SHA-256" (RFC 8760 §2); qop NULL:
 * the RFC 2069 form.  0, or EINVAL for another algorithm.
 */
int	sip_auth_response(const char *algorithm, const char *user,
	    const char *realm, const char *password, const char *method,
	    const char *uri, const char *nonce, const char *nc,
	    const char *cnonce, const char *qop, char out[65]);

/*
 * The client's side (§22.2): the Authorization (or Proxy-Authorization)
 * value answering challenge, a WWW-Authenticate (Proxy-Authenticate)
 * value, for method and uri as user with password; nc is the nonce
 * count (from 1), cnonce ours.  0 and out, or EINVAL: not a Digest
 * challenge we can answer, or out too small.
 */
struct sip_pl;
int	sip_auth_answer(const struct sip_pl *challenge, const char *user,
	    const char *password, const char *method, const char *uri,
	    uint32_t nc, const char *cnonce, char *out, size_t max);

#endif
