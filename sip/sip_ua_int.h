/*
 * sip_ua_int.h - what the files of the UA core share (sip_ua.h is its
 * API): the UA's records (its AORs, calls, forked dialogs and MESSAGEs
 * out) and the functions one part calls in another.  sip_ua.c holds the
 * object, its actions and the transaction layer's reports, sip_ua_aor.c
 * the AORs and their registration, sip_ua_dlg.c calls and their
 * dialogs, sip_ua_uac.c the INVITE client, sip_ua_uas.c the requests
 * that come (the INVITE server), sip_ua_msg.c MESSAGE.
 */
#ifndef SIP_UA_INT_H
#define SIP_UA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fifo.h"
#include "sdp.h"
#include "sip_msg.h"
#include "sip_txn.h"
#include "sip_ua.h"

struct log_ctx;
struct rng;
struct wbuf;

#define UA_ALLOW	"INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE"
#define UA_TE_PT	101		/* telephone-event's payload type */
#define UA_LINGER_MS	32000		/* an ended call is kept (64*T1) */
#define UA_REG_RETRY_S	30		/* after a failed REGISTER */
#define UA_AUTH_TRIES	2		/* 401s in a row before we give up */
#define UA_FORKS_MAX	8		/* forked dialogs kept for one call */

enum ua_kind {		/* what a client transaction's cookie names */
	K_INVITE = 1,
	K_BYE,
	K_CANCEL,
	K_MESSAGE,
	K_REGISTER,
	K_NONE,		/* an answer of no interest */
	K_FORK,		/* the BYE ending a forked dialog */
	K_MOVE,		/* the re-INVITE with our control stream */
	K_REFRESH,	/* a re-INVITE with the media as it is */
	K_REPLACE,	/* the INVITE with Replaces on the direct flow */
};

#define COOKIE(id, k)	(((uint64_t)(id) << 4) | (k))
#define COOKIE_ID(c)	((uint32_t)((c) >> 4))
#define COOKIE_KIND(c)	((c) & 15)

struct ua_aor {
	uint32_t	 id;
	char		*aor;		/* user@domain */
	char		*user;
	char		*password;	/* NULL: none */
	enum sip_ua_answer answer;
	char		 call_id[40];
	uint32_t	 cseq;
	bool		 registered;
	bool		 pending;	/* a REGISTER is out */
	bool		 removing;	/* unregistering, then gone */
	uint64_t	 refresh_at;	/* ms; send the next one */
	char		*challenge;	/* the last WWW-Authenticate */
	uint32_t	 nc;
	unsigned	 auth_tries;
	/* a public registration (sip_ua_public_add): the registrar's URI,
	 * the contact registered, the digest user; NULL: ours */
	char		*registrar;
	char		*contact;
	char		*auth_user;
	struct ua_aor	*next;
};

/*
 * A dialog another 2xx for our forked INVITE made (§12.1.2, §13.2.2.4):
 * ACKed and ended with BYE at once; kept while its 2xx may be resent
 * (64*T1, §13.3.1.4) to ACK it again, and until its BYE is answered.
 */
struct ua_fork {
	uint32_t	 id;
	char		*tag;		/* its To-tag, the remote tag */
	uint8_t		*ack;		/* its ACK, resent */
	size_t		 ack_len;
	uint64_t	 until;		/* its 2xx is resent until then */
	bool		 bye_done;	/* the BYE answered (or given up) */
	struct ua_fork	*next;
};

/*
 * A call's move to a direct flow (ICE for SIP, sip_ua_move.c).  The
 * mover (the call's answerer) gathers, offers its control stream in a
 * re-INVITE, checks and, once the flow is up, sends the INVITE with
 * Replaces on it; the other end answers with its own control stream
 * once gathered, checks, and takes the replacement that comes on that
 * flow.
 */
enum ua_mv {
	MV_NONE,
	MV_GATHERING,		/* mover: candidates asked for */
	MV_OFFERED,		/* mover: the re-INVITE is out */
	MV_ANSWERING,		/* the other: the re-INVITE's answer waits for
				   our candidates */
	MV_CHECKING,		/* ICE and DTLS, then (the other) the
				   replacement awaited */
	MV_REPLACING,		/* mover: the INVITE with Replaces is out */
	MV_DONE,		/* the call is on the direct flow */
	MV_FAILED,		/* it stays where it was */
};

struct ua_move {
	enum ua_mv	 state;
	bool		 mover;
	bool		 open;		/* the driver holds a flow for it */
	char		*token;		/* the flow's, once up */
	char		*why;		/* FAILED: why */
	uint64_t	 moved;		/* ms */
	struct sip_ua_direct peer;	/* its control stream */
	struct sdp_ice	 ice;		/* ours */
	struct sdp	*ans;		/* ANSWERING: our answer, its control
					   stream (m= line idx) to fill */
	unsigned	 idx;
	enum sdp_setup	 peer_setup;
	uint8_t		*bye;		/* the replaced dialog's BYE, once the
					   replacement is ACKed */
	size_t		 bye_len;
	char		*old_call_id;	/* the replaced dialog: a BYE in it */
	char		*old_tag;	/* (our tag) is answered 200 */
};

struct ua_call {
	uint32_t	 id;
	bool		 outgoing;
	enum sip_ua_state state;
	char		*aor;		/* ours, user@domain */
	char		*peer;		/* the remote URI */
	char		*call_id;
	char		*local_hdr;	/* From or To value with our tag */
	char		*remote_hdr;	/* with theirs, once known */
	char		*remote_tag;	/* theirs, once known (NULL: not) */
	char		*target;	/* remote target (§12.1) */
	char		*routes;	/* "Route: ..\r\n" lines */
	char		*ruri;		/* the INVITE's Request-URI */
	uint32_t	 local_cseq;
	uint32_t	 remote_cseq;
	unsigned	 status;
	char		*reason;
	uint64_t	 created, answered, ended;
	uint32_t	 duration_s;	/* hang up after, answered */
	/* the INVITE client */
	char		 branch[32];	/* of the INVITE, for CANCEL */
	bool		 provisional;	/* a 1xx came: CANCEL may go */
	bool		 cancel;	/* hung up before one came */
	uint8_t		*ack;		/* the ACK for the 2xx, resent */
	size_t		 ack_len;
	struct ua_fork	*forks;		/* other 2xx's dialogs */
	unsigned	 nforks;
	/* the INVITE server */
	uint64_t	 txn;
	struct sip_msg	*invite;
	uint8_t		*ok;		/* our 2xx, resent until ACKed */
	size_t		 ok_len;
	uint64_t	 ok_next;
	uint32_t	 ok_iv;
	uint64_t	 ok_until;
	bool		 late_offer;	/* our offer went in the 2xx */
	/* our re-INVITE (§14.1): its CSeq, the ACK for its 2xx, resent */
	uint32_t	 re_cseq;
	uint8_t		*re_ack;
	size_t		 re_ack_len;
	bool		 refreshing;	/* a refresh is out */
	/* media */
	uint16_t	 port;		/* 0: none asked for */
	bool		 gathering;	/* the driver gathers ICE candidates:
					   the INVITE, or the answer, waits */
	bool		 answer_wanted;	/* answered meanwhile */
	char		*contact_user;	/* UAC: the INVITE's Contact user */
	struct sdp_ice	 ice;		/* ours, once gathered */
	char		 def_addr[SDP_ADDR_MAX];	/* the default
							   candidate's */
	struct sdp_local local;
	struct sdp	*offer;		/* ours (UAC, or a late offer) */
	char		*answer;	/* ours (UAS), as sent */
	bool		 media;
	struct sdp_stream stream;
	struct ua_move	 mv;
	struct ua_call	*next;
};

struct ua_msg {
	uint32_t	 id;
	uint64_t	 cookie;
	struct ua_msg	*next;
};

struct sip_ua {
	struct sip_ua_cfg cfg;
	char		*domain;
	char		*media_addr;
	char		*user_agent;
	struct rng	*rng;
	struct log_ctx	*log;
	struct sip_txn_layer *txl;
	struct sip_flow	 proxy;
	char		 self[ADDR_STRLEN];
	struct fifo	 acts;
	struct ua_aor	*aors;
	unsigned	 naors;
	struct ua_aor	*publics;	/* public registrations */
	struct ua_aor	*hosted;	/* AORs published by destination
					   list: taken, not registered */
	struct ua_call	*calls;
	unsigned	 ncalls;
	struct ua_msg	*msgs;
	uint32_t	 next_id;
	struct sdp	*scratch;	/* offers and answers parsed */
	bool		 in_proxy;	/* what is being taken came from the
					   daemon's proxy */
	uint64_t	 now;		/* the last time given */
};

/* sip_ua.c: actions and helpers */
void	 sip_ua_push(struct sip_ua *, struct sip_ua_action *);
/* The driver sends data (taken) to the proxy. */
void	 sip_ua_send(struct sip_ua *, uint8_t *data, size_t len);
void	 sip_ua_send_copy(struct sip_ua *, const uint8_t *, size_t);
/* A CALL action: c's state changed (event: static). */
void	 sip_ua_event(struct sip_ua *, struct ua_call *c, const char *event);
char	*sip_ua_pl_dup(const struct sip_pl *);
void	 sip_ua_tag(struct sip_ua *, char *out, size_t max);
void	 sip_ua_branch(struct sip_ua *, char *out, size_t max);
/* Via, Max-Forwards and (if set) User-Agent. */
void	 sip_ua_via(struct sip_ua *, struct wbuf *, const char *branch);
/* Hand request w (cleared) to the transaction layer: 0, or its error. */
int	 sip_ua_request(struct sip_ua *, uint64_t now, struct wbuf *w,
	    uint64_t cookie);
/* A call target as a URI (allocated), or NULL. */
char	*sip_ua_target_uri(const struct sip_ua *, const char *target);

/* sip_ua_aor.c: AORs and their registration */
struct ua_aor *sip_ua_aor_find(const struct sip_ua *, const char *aor);
struct ua_aor *sip_ua_aor_from(const struct sip_ua *, const char *from);
struct ua_aor *sip_ua_aor_by_id(const struct sip_ua *, uint32_t id);
/* ... and one published by destination list: where it is or goes. */
struct ua_aor **sip_ua_aor_hosted(struct sip_ua *, const char *aor);
void	 sip_ua_aor_gone(struct sip_ua *, struct ua_aor *);
void	 sip_ua_aor_free(struct ua_aor *);
void	 sip_ua_aor_register(struct sip_ua *, uint64_t now, struct ua_aor *,
	    uint32_t expires);
void	 sip_ua_aor_registered(struct sip_ua *, struct ua_aor *,
	    unsigned status, const char *reason);
void	 sip_ua_aor_response(struct sip_ua *, uint64_t now, struct ua_aor *,
	    const struct sip_msg *);
/* Those of a list (ours, or the public ones) due, registered again;
 * the earliest refresh of a list. */
void	 sip_ua_aor_refresh(struct sip_ua *, uint64_t now, struct ua_aor *);
uint64_t sip_ua_aor_next(const struct ua_aor *);

/* sip_ua_dlg.c: calls and their dialogs */
struct ua_call *sip_ua_dlg_by_id(const struct sip_ua *, uint32_t id);
struct ua_call *sip_ua_dlg_of(const struct sip_ua *, const struct sip_msg *,
	    bool ours_in_from);
struct ua_call *sip_ua_dlg_new(struct sip_ua *, uint64_t now, bool outgoing,
	    const char *aor);
void	 sip_ua_dlg_free(struct ua_call *);
void	 sip_ua_dlg_fork_free(struct ua_fork *);
int	 sip_ua_dlg_media_local(struct sip_ua *, struct ua_call *,
	    bool sdes_ok);
/* sip_ua_uac.c: c's INVITE, its media ready: 0, or the error that
 * ended the call */
int	 sip_ua_uac_invite(struct sip_ua *, uint64_t now, struct ua_call *);
/* sip_ua_uas.c: c's offer answered (or ours made), its media ready */
void	 sip_ua_uas_ready(struct sip_ua *, uint64_t now, struct ua_call *);
void	 sip_ua_dlg_media_start(struct sip_ua *, struct ua_call *);
void	 sip_ua_dlg_end(struct sip_ua *, uint64_t now, struct ua_call *,
	    unsigned status, const char *reason);
void	 sip_ua_dlg_start(struct sip_ua *, const struct ua_call *,
	    struct wbuf *, const char *method, uint32_t cseq,
	    const char *branch, const char *target, const char *remote,
	    const char *routes);
void	 sip_ua_dlg_request(struct sip_ua *, struct ua_call *, struct wbuf *,
	    const char *method, uint32_t cseq, const char *branch);
void	 sip_ua_dlg_bye(struct sip_ua *, uint64_t now, struct ua_call *);
/* c's BYE (the next CSeq) into w, which the caller clears. */
void	 sip_ua_dlg_bye_make(struct sip_ua *, struct ua_call *, struct wbuf *);
void	 sip_ua_dlg_sdp_body(struct wbuf *, const struct sdp *);
/* Contact (our AOR's user at the UA) and Allow, for c's dialog. */
void	 sip_ua_dlg_contact_hdr(const struct sip_ua *, const struct ua_call *,
	    struct wbuf *);
/* Our SDP as it is now (our answer, or our offer), allocated; NULL:
 * none. */
struct sdp *sip_ua_dlg_current_sdp(const struct ua_call *);
/* A re-INVITE in c's dialog offering s (§14.1), in a client
 * transaction of cookie kind: 0, or its error. */
int	 sip_ua_dlg_reinvite(struct sip_ua *, uint64_t now, struct ua_call *,
	    const struct sdp *s, unsigned kind);
/* The ACK for its 2xx, sent and kept; and sent again for a resent 2xx
 * (true: m was one). */
void	 sip_ua_dlg_reinvite_ack(struct sip_ua *, struct ua_call *);
bool	 sip_ua_dlg_2xx_again(struct sip_ua *, const struct sip_msg *m);
/* A response to our refresh (m NULL: none came, status why). */
void	 sip_ua_dlg_refreshed(struct sip_ua *, uint64_t now, struct ua_call *,
	    const struct sip_msg *m, unsigned status);
char	*sip_ua_dlg_routes(const struct sip_msg *, bool reverse);
/* c's dialog as the UAS of INVITE m makes it (§12.1.1: its Call-ID, our
 * To with a new tag, its From, Contact, Record-Routes in order, CSeq),
 * and as the UAC of 2xx m (§12.1.2: its To, Contact, Record-Routes
 * reversed); a Contact missing keeps the remote target. */
void	 sip_ua_dlg_uas_of(struct sip_ua *, struct ua_call *,
	    const struct sip_msg *m);
void	 sip_ua_dlg_uac_of(struct ua_call *, const struct sip_msg *m);
/* The call's local tag (§19.3), "" if it has none yet. */
const char *sip_ua_dlg_local_tag(const struct ua_call *);
/* The ACK (CSeq cseq) for a 2xx in c's dialog: made once into *ack,
 * sent each time. */
void	 sip_ua_dlg_ack(struct sip_ua *, struct ua_call *, uint32_t cseq,
	    uint8_t **ack, size_t *len);
char	*sip_ua_dlg_contact(const struct sip_msg *);
bool	 sip_ua_dlg_is_sdp(const struct sip_msg *);
bool	 sip_ua_dlg_tag_is(const char *tag, const struct sip_pl *);

/* sip_ua_uac.c: the INVITE client */
void	 sip_ua_uac_cancel(struct sip_ua *, uint64_t now, struct ua_call *);
struct ua_fork *sip_ua_uac_fork_of(const struct ua_call *,
	    const struct sip_pl *tag);
void	 sip_ua_uac_fork_done(struct sip_ua *, uint32_t id, unsigned status);
void	 sip_ua_uac_2xx(struct sip_ua *, uint64_t now, struct ua_call *,
	    const struct sip_msg *);
void	 sip_ua_uac_response(struct sip_ua *, uint64_t now, struct ua_call *,
	    const struct sip_msg *);

/* sip_ua_uas.c: requests that come */
void	 sip_ua_uas_request(struct sip_ua *, uint64_t now, uint64_t txn,
	    struct sip_msg **);
void	 sip_ua_uas_respond(struct sip_ua *, uint64_t now, uint64_t txn,
	    const struct sip_msg *, unsigned status, const char *reason,
	    const char *hname, const char *hvalue);

/* sip_ua_uas.c: our 2xx to c's INVITE (or re-INVITE), resent until
 * ACKed */
void	 sip_ua_uas_ok(struct sip_ua *, uint64_t now, struct ua_call *);

/* sip_ua_move.c: ICE for SIP */
/* c is confirmed, answered here: move it if it may. */
void	 sip_ua_move_start(struct sip_ua *, uint64_t now, struct ua_call *);
/* A re-INVITE's usable control stream ctl, answered by ans (taken if
 * true: the answer waits for our candidates; false: ans's control
 * stream stays rejected). */
struct sdp_control;
bool	 sip_ua_move_offered(struct sip_ua *, struct ua_call *,
	    const struct sdp_control *, struct sdp *ans);
/* A response to a K_MOVE or K_REPLACE request (m NULL: none came,
 * status says why). */
void	 sip_ua_move_response(struct sip_ua *, uint64_t now, struct ua_call *,
	    unsigned kind, const struct sip_msg *m, unsigned status);
/* Did replacement m for c come on c's own direct flow? */
bool	 sip_ua_move_authorized(const struct sip_ua *, const struct ua_call *,
	    const struct sip_msg *);
/* c's dialog becomes the one INVITE m (in txn) starts: ours answers. */
void	 sip_ua_move_replaced(struct sip_ua *, uint64_t now, struct ua_call *,
	    uint64_t txn, struct sip_msg **mp);
/* The replacement was ACKed: the old dialog's BYE goes. */
void	 sip_ua_move_acked(struct sip_ua *, uint64_t now, struct ua_call *);
/* A BYE in a dialog one of ours replaced: answered (true), or not one. */
bool	 sip_ua_move_old_bye(struct sip_ua *, uint64_t now, uint64_t txn,
	    const struct sip_msg *);
void	 sip_ua_move_free(struct ua_move *);
/* c is forgotten: its direct flow too. */
void	 sip_ua_move_gone(struct sip_ua *, struct ua_call *);
void	 sip_ua_move_info(const struct ua_call *, struct sip_ua_call_info *);

/* sip_ua_msg.c: MESSAGE */
void	 sip_ua_msg_done(struct sip_ua *, uint32_t id, unsigned status,
	    const char *reason);
void	 sip_ua_msg_in(struct sip_ua *, uint64_t now, uint64_t txn,
	    const struct sip_msg *, struct ua_aor *);

#endif
