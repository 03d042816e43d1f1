/*
 * srv_ua.h - the libevent driver of the UA core (sip_ua.h) and of its
 * calls' media sessions (media_session.h).
 */
#ifndef SRV_UA_H
#define SRV_UA_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct cfg;
struct d;
struct event_base;
struct sip_ua;

struct srv_ua;

/* After srv_sip_new: the UA's socket, its AORs of cfg registered. */
int	srv_ua_new(struct srv_ua **, struct d *, struct event_base *,
	    const struct cfg *, char **cause);
void	srv_ua_free(struct srv_ua *);
struct sip_ua *srv_ua_core(struct srv_ua *);
/* Run the core's actions (after a call into it). */
void	srv_ua_drain(struct srv_ua *);
/*
 * An AOR this node publishes by destination list (RFC 7904 §3), on or
 * off: the UA takes its calls with the [ua] answer policy when no phone
 * here has it (sip_ua_host, srv_sip_host).
 */
void	srv_ua_host(struct srv_ua *, const char *aor, bool on);
/* The daemon stops: every call ends. */
void	srv_ua_stop(struct srv_ua *);

/*
 * Place a call (sip_ua_call) playing the WAV file play (NULL: silence)
 * and recording what it hears to record (NULL: not).  0 and *id, or an
 * error with *err (allocated): a WAV that cannot be played fails here,
 * before any call is placed.
 */
int	srv_ua_call(struct srv_ua *, const char *from, const char *target,
	    const char *play, const char *record, uint32_t duration_s,
	    uint32_t *id, char **err);
/* Answer a ringing call (0: the oldest), with play and record as for
 * srv_ua_call.  0, or an error with *err. */
int	srv_ua_answer(struct srv_ua *, uint32_t id, const char *play,
	    const char *record, uint32_t *answered, char **err);
/*
 * Queue digits to send on call id's RTP stream (0: the newest call) as
 * telephone-events of duration_ms each (media_session_dtmf).  0 and *call, or
 * an error with *err (allocated): a character that is no digit is
 * named, and nothing is queued.
 */
int	srv_ua_dtmf(struct srv_ua *, uint32_t id, const char *digits,
	    unsigned duration_ms, uint32_t *call, char **err);
/* Send a MESSAGE; the control client's request id gets the final
 * response.  0, or an error with *err. */
int	srv_ua_message(struct srv_ua *, unsigned client, const json_t *id,
	    const char *from, const char *target, const char *text,
	    char **err);
/* The calls, for p2psipctl calls. */
json_t	*srv_ua_calls_json(struct srv_ua *);

#endif
