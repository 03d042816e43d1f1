/*
 * srv_ua.h - the libevent driver of the UA core (sip_ua.h) and, through
 * srv_media.h, of its calls' media sessions (media_session.h).
 */
#ifndef SRV_UA_H
#define SRV_UA_H

#include <stdbool.h>
#include <stdint.h>

struct addr;
struct cfg;
struct db;
struct event_base;
struct identity;
struct media_stats;
struct sip_ua;
struct sdp_ice;
struct sip_ua_action;
struct sip_ua_call_info;
struct srv_media;
struct srv_media_servers;

struct srv_ua;

/* What the driver tells the rest of the daemon, for the event stream. */
struct srv_ua_ops {
	/* a call's state changed (what: sip_ua.h's event names); ms: its
	 * media's figures (NULL: none) */
	void	(*call)(const char *what, const struct sip_ua_call_info *,
		    const struct media_stats *ms, void *arg);
	/* a DTMF digit came on a call, or (sent) one of ours went out */
	void	(*dtmf)(uint32_t call, char digit, bool sent, void *arg);
	/* a MESSAGE came */
	void	(*message)(const char *from, const char *to, const char *text,
		    void *arg);
	/* the REGISTER of one of our AORs was answered */
	void	(*registered)(const char *aor, unsigned status,
		    const char *reason, void *arg);
	/* [media] ice: the STUN and TURN servers a call gathers from */
	void	(*servers)(struct srv_media_servers *, void *arg);
	/* ICE for SIP: what the UA asks of a call's direct flow (an action
	 * SIP_UA_DIRECT_OPEN, _REMOTE or _CLOSE: srv_sip_direct_*); the
	 * answers come back by srv_ua_direct_ready, _up and _failed */
	void	(*direct)(const struct sip_ua_action *, void *arg);
	void	*arg;
};

/*
 * The UA's socket, next to the SIP listener sip_listen (its outbound
 * proxy), and its AORs of cfg registered; sip_pub: the address peers
 * reach that listener at (for SDP).  DTLS-SRTP with ident's certificate
 * (borrowed; NULL: none); the message history in db (borrowed; NULL:
 * none).  0, or an errno with *cause.
 */
int	srv_ua_new(struct srv_ua **, struct event_base *, const struct cfg *,
	    const struct identity *ident, struct db *db,
	    const struct addr *sip_listen, const struct addr *sip_pub,
	    const struct srv_ua_ops *, char **cause);
/* Messages still waiting are abandoned (their callbacks told so). */
void	srv_ua_free(struct srv_ua *);
struct sip_ua *srv_ua_core(struct srv_ua *);
/* The calls' media (srv_media.h), for their WAV files and DTMF. */
struct srv_media *srv_ua_media(struct srv_ua *);
/* The UA's SIP address, for the proxy (srv_sip_set_ua). */
const struct addr *srv_ua_addr(const struct srv_ua *);
/* Run the core's actions (after a call into it). */
void	srv_ua_drain(struct srv_ua *);
/*
 * An AOR this node publishes by destination list (RFC 7904 §3), on or
 * off: the UA takes its calls with the [ua] answer policy when no phone
 * here has it (sip_ua_host; the daemon tells the proxy, srv_sip_host).
 */
void	srv_ua_host(struct srv_ua *, const char *aor, bool on);
/* What the direct flow of a call the UA moves came to (sip_ua.h's
 * sip_ua_direct_ready, _up, _failed), the UA's actions run. */
void	srv_ua_direct_ready(struct srv_ua *, uint32_t call,
	    const struct sdp_ice *);
void	srv_ua_direct_up(struct srv_ua *, uint32_t call, const char *token);
void	srv_ua_direct_failed(struct srv_ua *, uint32_t call, const char *why);
/* The daemon stops: every call ends. */
void	srv_ua_stop(struct srv_ua *);

/*
 * Send a MESSAGE; cb(the final status, its reason, arg) once it has one,
 * or cb(0, NULL, arg) if abandoned (srv_ua_free).  0, or an error with
 * *err (and no callback).
 */
typedef void (*srv_ua_message_cb)(unsigned status, const char *reason,
	    void *arg);
int	srv_ua_message(struct srv_ua *, const char *from, const char *target,
	    const char *text, srv_ua_message_cb cb, void *arg, char **err);
/* Each call the core knows, with its media's figures (NULL: none), for
 * p2psipctl calls. */
void	srv_ua_calls_each(struct srv_ua *, void (*cb)(const struct
	    sip_ua_call_info *, const struct media_stats *, void *arg),
	    void *arg);

#endif
