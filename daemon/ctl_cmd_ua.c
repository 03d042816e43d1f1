/*
 * ctl_cmd_ua.c - control commands for the daemon's own user agent: its
 * AORs, calls, messages and their history.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_cmd.h"
#include "ctl_ev.h"
#include "ctl_proto.h"
#include "d.h"
#include "ice.h"
#include "media_session.h"
#include "rtp.h"
#include "sip_ua.h"
#include "srv.h"
#include "srv_media.h"
#include "srv_ua.h"
#include "srv_wav.h"
#include "db.h"
#include "xmalloc.h"

static uint32_t
arg_u32(const struct ctl_call *call, const char *name)
{
	return (uint32_t)json_integer_value(json_object_get(call->args,
	    name));
}

static void
cmd_ua(struct ctl_call *call)
{
	struct sip_ua		*ua = srv_ua_core(call->d->ua);
	const char		*action = arg_str(call, "action");
	const char		*aor = arg_str(call, "aor");
	const char		*ans = arg_str(call, "answer"), *a;
	enum sip_ua_answer	 pol = (enum sip_ua_answer)call->d->cfg->ua.answer;
	json_t			*list;
	unsigned		 i;
	bool			 reg;
	const char		*registrar, *contact;
	json_t			*pub;
	int			 rc;

	if (strcmp(action, "list") == 0) {
		list = json_array();
		for (i = 0; (a = sip_ua_aor(ua, i, &pol, &reg)) != NULL; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, "
			    "s:b}", "aor", a, "answer", sip_ua_answer_name(pol),
			    "registered", reg));
		pub = json_array();
		for (i = 0; (a = sip_ua_public(ua, i, &registrar, &contact,
		    &reg)) != NULL; i++)
			json_array_append_new(pub, json_pack("{s:s, s:s, s:s, "
			    "s:b}", "aor", a, "registrar", registrar, "contact",
			    contact, "registered", reg));
		call->result = json_pack("{s:o, s:o}", "aors", list, "public",
		    pub);
		return;
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "remove") != 0) {
		ctl_call_fail(call, CTL_E_ARGS, "ua: '%s': expected add, remove "
		    "or list", action);
		return;
	}
	if (aor == NULL) {
		ctl_call_fail(call, CTL_E_ARGS, "ua %s: an AOR is needed",
		    action);
		return;
	}
	if (ans != NULL && sip_ua_answer_parse(ans, &pol) != 0) {
		ctl_call_fail(call, CTL_E_ARGS, "ua: --answer '%s': expected "
		    "ring, auto or reject", ans);
		return;
	}
	if (strcmp(action, "add") == 0)
		rc = sip_ua_aor_add(ua, srv_now_ms(), aor,
		    cfg_user_password(call->d->cfg, aor), pol);
	else
		rc = sip_ua_aor_remove(ua, srv_now_ms(), aor);
	srv_ua_drain(call->d->ua);
	switch (rc) {
	case 0:
	case EEXIST:	/* add again: its policy changes */
		call->result = json_pack("{s:s, s:s}", "aor", aor, "action",
		    action);
		break;
	case EINVAL:
		ctl_call_fail(call, CTL_E_ARGS, "%s: not an AOR of the overlay "
		    "%s", aor, call->d->cfg->overlay.name);
		break;
	case ENOENT:
		ctl_call_fail(call, CTL_E_FAILED, "%s: not an AOR of this UA",
		    aor);
		break;
	default:
		ctl_call_fail(call, CTL_E_FAILED, "%s: %s", aor, strerror(rc));
		break;
	}
}

/*
 * Place a call (sip_ua_call) playing the WAV file play (NULL: silence)
 * and recording what it hears to record (NULL: not).  0 and *id, or an
 * error with *err (allocated): a WAV that cannot be played fails here,
 * before any call is placed.
 */
static int
ua_call(struct srv_ua *su, const char *from, const char *target,
    const char *play, const char *record, uint32_t duration_s, uint32_t *id,
    char **err)
{
	struct sip_ua	*ua = srv_ua_core(su);
	int16_t		*pcm = NULL;
	size_t		 n = 0;
	const char	*why;
	int		 rc;

	/* the file is checked before anything goes out */
	if (play != NULL && (rc = srv_wav_load(play, &pcm, &n, err)) != 0)
		return rc;
	if ((rc = sip_ua_call(ua, srv_now_ms(), from, target, duration_s, id,
	    &why)) != 0) {
		free(pcm);
		*err = xstrdup(why);
		srv_ua_drain(su);
		return rc;
	}
	rc = srv_media_attach(srv_ua_media(su), *id, pcm, n, record, err);
	if (rc != 0)
		(void)sip_ua_hangup(ua, srv_now_ms(), *id);
	srv_ua_drain(su);
	return rc;
}

/* Answer a ringing call (0: the oldest), with play and record as for
 * ua_call.  0, or an error with *err. */
static int
ua_answer(struct srv_ua *su, uint32_t id, const char *play,
    const char *record, uint32_t *answered, char **err)
{
	struct sip_ua		*ua = srv_ua_core(su);
	struct sip_ua_call_info	 ci;
	int16_t			*pcm = NULL;
	size_t			 n = 0;
	int			 rc;

	if (id == 0)
		id = sip_ua_ringing(ua);
	if (id == 0 || !sip_ua_call_info(ua, id, &ci) ||
	    ci.state != SIP_UA_INCOMING) {
		*err = xstrdup(id == 0 ? "no call rings" :
		    "no such call ringing");
		return ENOENT;
	}
	if (play != NULL && (rc = srv_wav_load(play, &pcm, &n, err)) != 0)
		return rc;
	if ((rc = srv_media_attach(srv_ua_media(su), id, pcm, n, record,
	    err)) != 0)
		return rc;
	rc = sip_ua_answer(ua, srv_now_ms(), id);
	srv_ua_drain(su);
	*answered = id;
	if (rc != 0)
		*err = xstrdup("the call cannot be answered");
	return rc;
}

/*
 * Queue digits to send on call id's RTP stream (0: the newest call) as
 * telephone-events of duration_ms each (media_session_dtmf).  0 and *call, or
 * an error with *err (allocated): a character that is no digit is
 * named, and nothing is queued.
 */
static int
ua_dtmf(struct srv_ua *su, uint32_t id, const char *digits,
    unsigned duration_ms, uint32_t *call, char **err)
{
	struct sip_ua		*ua = srv_ua_core(su);
	struct sip_ua_call_info	 ci;
	const char		*p;
	int			 rc;

	/* a bad digit is named before anything is queued */
	for (p = digits; *p != '\0'; p++)
		if (rtp_dtmf_event(*p) < 0) {
			*err = xasprintf("'%c' is not a DTMF digit (0-9, *, #, "
			    "A-D)", *p >= ' ' && *p < 127 ? *p : '?');
			return EINVAL;
		}
	if (id == 0)
		id = sip_ua_newest(ua);
	if (id == 0 || !sip_ua_call_info(ua, id, &ci)) {
		*err = xstrdup(id == 0 ? "no call" : "no such call");
		return ENOENT;
	}
	if (ci.state != SIP_UA_ACTIVE) {
		*err = xstrdup(ci.state == SIP_UA_ENDED ? "the call has ended" :
		    "the call is not answered");
		return ENOTCONN;
	}
	if ((rc = srv_media_dtmf(srv_ua_media(su), id, digits, duration_ms,
	    err)) != 0)
		return rc;
	*call = id;
	return 0;
}

static void
cmd_call(struct ctl_call *call)
{
	char		*err = NULL;
	uint32_t	 id;

	if (ua_call(call->d->ua, arg_str(call, "from"),
	    arg_str(call, "target"), arg_str(call, "play"),
	    arg_str(call, "record"), arg_u32(call, "duration"), &id,
	    &err) != 0) {
		ctl_call_fail(call, CTL_E_FAILED, "%s", err);
		free(err);
		return;
	}
	call->result = json_pack("{s:i}", "call", (int)id);
}

static void
cmd_answer(struct ctl_call *call)
{
	char		*err = NULL;
	uint32_t	 id;

	if (ua_answer(call->d->ua, arg_u32(call, "call"),
	    arg_str(call, "play"), arg_str(call, "record"), &id, &err) != 0) {
		ctl_call_fail(call, CTL_E_FAILED, "%s", err);
		free(err);
		return;
	}
	call->result = json_pack("{s:i}", "call", (int)id);
}

static void
cmd_hangup(struct ctl_call *call)
{
	struct sip_ua	*ua = srv_ua_core(call->d->ua);
	uint32_t	 id = arg_u32(call, "call");
	int		 rc;

	if (id == 0)
		id = sip_ua_newest(ua);
	rc = sip_ua_hangup(ua, srv_now_ms(), id);
	srv_ua_drain(call->d->ua);
	if (rc == ENOENT)
		ctl_call_fail(call, CTL_E_FAILED, "no such call");
	else if (rc == EALREADY)
		ctl_call_fail(call, CTL_E_FAILED, "the call has ended already");
	else
		call->result = json_pack("{s:i}", "call", (int)id);
}

static void
cmd_register_public(struct ctl_call *call)
{
	struct sip_ua	*ua = srv_ua_core(call->d->ua);
	const char	*aor = arg_str(call, "aor"), *why;
	int		 rc;

	if (arg_str(call, "registrar") == NULL || arg_str(call, "user") ==
	    NULL || arg_str(call, "password") == NULL) {
		ctl_call_fail(call, CTL_E_ARGS, "register-public: AOR REGISTRAR "
		    "USER, and the password");
		return;
	}
	rc = sip_ua_public_add(ua, srv_now_ms(), aor,
	    arg_str(call, "registrar"), arg_str(call, "user"),
	    arg_str(call, "password"), arg_str(call, "contact"), &why);
	srv_ua_drain(call->d->ua);
	if (rc != 0)
		ctl_call_fail(call, rc == EINVAL ? CTL_E_ARGS : CTL_E_FAILED,
		    "%s", why);
	else
		call->result = json_pack("{s:s}", "aor", aor);
}

static void
cmd_unregister_public(struct ctl_call *call)
{
	const char	*aor = arg_str(call, "aor");
	int		 rc;

	rc = sip_ua_public_remove(srv_ua_core(call->d->ua), srv_now_ms(), aor);
	srv_ua_drain(call->d->ua);
	if (rc != 0)
		ctl_call_fail(call, CTL_E_FAILED, "no public registration of %s",
		    aor);
	else
		call->result = json_pack("{s:s}", "aor", aor);
}

static void
cmd_refresh(struct ctl_call *call)
{
	struct sip_ua	*ua = srv_ua_core(call->d->ua);
	uint32_t	 id = arg_u32(call, "call");
	int		 rc;

	if (id == 0)
		id = sip_ua_newest(ua);
	rc = sip_ua_refresh(ua, srv_now_ms(), id);
	srv_ua_drain(call->d->ua);
	if (rc == ENOENT)
		ctl_call_fail(call, CTL_E_FAILED, "no such call");
	else if (rc == ENOTCONN)
		ctl_call_fail(call, CTL_E_FAILED, "the call is not answered");
	else if (rc == EBUSY)
		ctl_call_fail(call, CTL_E_FAILED, "a re-INVITE of the call is "
		    "under way");
	else if (rc != 0)
		ctl_call_fail(call, CTL_E_FAILED, "%s", strerror(rc));
	else
		call->result = json_pack("{s:i}", "call", (int)id);
}

static void
cmd_dtmf(struct ctl_call *call)
{
	const char	*digits = arg_str(call, "digits");
	uint32_t	 dur = arg_u32(call, "duration"), id;
	char		*err = NULL;
	int		 rc;

	if ((rc = ua_dtmf(call->d->ua, arg_u32(call, "call"), digits,
	    dur != 0 ? dur : MEDIA_DTMF_MS, &id, &err)) != 0) {
		ctl_call_fail(call, rc == EINVAL ? CTL_E_ARGS : CTL_E_FAILED,
		    "%s", err);
		free(err);
		return;
	}
	call->result = json_pack("{s:i, s:s, s:s}", "call", (int)id,
	    "digits", digits, "state", "queued");
}

struct calls_arg {
	json_t		*list;
	struct d	*d;
};

/* A call's ICE (RFC 8445): its state and the selected pair; null when
 * it does none. */
static json_t *
calls_ice(struct d *d, uint32_t id)
{
	struct ice_pair_info	 p;
	const char		*state;
	bool			 sel = false;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	json_t			*o;

	if ((state = srv_media_ice(srv_ua_media(d->ua), id, &p, &sel)) ==
	    NULL)
		return json_null();
	o = json_pack("{s:s}", "state", state);
	if (sel)
		json_object_update_new(o, json_pack("{s:s, s:s, s:s, s:s}",
		    "local", addr_str(&p.local.addr, b1), "local_type",
		    ice_cand_type_name(p.local.type), "remote",
		    addr_str(&p.remote.addr, b2), "remote_type",
		    ice_cand_type_name(p.remote.type)));
	return o;
}

static void
calls_row(const struct sip_ua_call_info *ci, const struct media_stats *ms,
    void *arg)
{
	struct calls_arg	*ca = arg;
	json_t			*o = ctl_ev_call_json(ci, ms, srv_now_ms());

	json_object_set_new(o, "ice", calls_ice(ca->d, ci->id));
	json_array_append_new(ca->list, o);
}

static void
cmd_calls(struct ctl_call *call)
{
	struct calls_arg	ca = { json_array(), call->d };

	srv_ua_calls_each(call->d->ua, calls_row, &ca);
	call->result = json_pack("{s:o}", "calls", ca.list);
}

/* The answer owed (arg) to a MESSAGE sent: its final response. */
static void
message_done(unsigned status, const char *reason, void *arg)
{
	struct ctl_defer	*cd = arg;
	char			*msg;

	if (status == 0)
		ctl_defer_drop(cd);
	else if (status >= 200 && status < 300)
		ctl_complete(cd, json_pack("{s:i, s:s}", "status", (int)status,
		    "reason", reason), NULL, NULL);
	else {
		msg = xasprintf("%u %s", status, reason);
		ctl_complete(cd, NULL, CTL_E_FAILED, msg);
		free(msg);
	}
}

static void
cmd_message(struct ctl_call *call)
{
	struct ctl_defer	*cd = ctl_call_defer(call);
	char			*err = NULL;

	if (srv_ua_message(call->d->ua, arg_str(call, "from"),
	    arg_str(call, "target"), arg_str(call, "text"), message_done, cd,
	    &err) != 0) {
		ctl_defer_drop(cd);
		call->deferred = false;
		ctl_call_fail(call, CTL_E_FAILED, "%s", err);
		free(err);
	}
}

static void
history_row(void *arg, int64_t time, bool incoming, const char *aor,
    const char *peer, const char *text, int status)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i}",
	    "time", (json_int_t)time, "direction", incoming ? "in" : "out",
	    "aor", aor, "peer", peer, "text", text, "status", status));
}

static void
cmd_history(struct ctl_call *call)
{
	json_t	*list = json_array();
	int	 limit = (int)arg_u32(call, "limit");

	if (db_msgs_each(call->d->db, limit > 0 ? limit : 50,
	    history_row, list) != 0) {
		json_decref(list);
		ctl_call_fail(call, CTL_E_FAILED, "cannot read the history");
		return;
	}
	call->result = json_pack("{s:o}", "messages", list);
}

const struct ctl_exec ctl_cmd_ua_table[] = {
	{ "ua",		cmd_ua },
	{ "call",	cmd_call },
	{ "answer",	cmd_answer },
	{ "hangup",	cmd_hangup },
	{ "refresh",	cmd_refresh },
	{ "register-public", cmd_register_public },
	{ "unregister-public", cmd_unregister_public },
	{ "dtmf",	cmd_dtmf },
	{ "calls",	cmd_calls },
	{ "message",	cmd_message },
	{ "history",	cmd_history },
	{ NULL,		NULL }
};
