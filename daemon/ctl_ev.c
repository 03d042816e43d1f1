/*
 * ctl_ev.c - the control socket's events as JSON: one function a kind of
 * news, each building the object that ctl_event sends to subscribers.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_ev.h"
#include "media_session.h"
#include "nat.h"
#include "ov_id.h"
#include "sip_ua.h"
#include "srv.h"
#include "xmalloc.h"

/* Send fields (taken) as event name. */
static void
ctl_ev_send(struct ctl *ctl, const char *name, json_t *fields)
{
	if (ctl != NULL && fields != NULL)
		ctl_event(ctl, name, fields);
	json_decref(fields);
}

void
ctl_ev_shutdown(struct ctl *ctl, const char *reason)
{
	ctl_ev_send(ctl, "shutdown", json_pack("{s:s}", "reason", reason));
}

void
ctl_ev_log_level(struct ctl *ctl, enum log_level level)
{
	ctl_ev_send(ctl, "log-level", json_pack("{s:s}", "level",
	    log_level_name(level)));
}

json_t *
ctl_ev_changes_json(const struct cfg_change *ch, size_t n)
{
	json_t	*a = json_array();
	char	*name;
	size_t	 i;

	for (i = 0; i < n; i++) {
		name = xasprintf("%s.%s", ch[i].section, ch[i].key);
		json_array_append_new(a, json_string(name));
		free(name);
	}
	return a;
}

void
ctl_ev_reload(struct ctl *ctl, const struct cfg_change *pending, size_t n)
{
	ctl_ev_send(ctl, "reload", json_pack("{s:b, s:o}", "ok", 1,
	    "pending_restart", ctl_ev_changes_json(pending, n)));
}

void
ctl_ev_reload_failed(struct ctl *ctl, const char *error)
{
	ctl_ev_send(ctl, "reload", json_pack("{s:b, s:s}", "ok", 0, "error",
	    error));
}

void
ctl_ev_overlay_state(struct ctl *ctl, enum ov_state state)
{
	ctl_ev_send(ctl, "overlay", json_pack("{s:s}", "state",
	    ov_node_state_name(state)));
}

void
ctl_ev_link(struct ctl *ctl, const struct ov_id *peer, bool up)
{
	char	hex[OV_ID_HEXLEN];

	ctl_ev_send(ctl, "link", json_pack("{s:s, s:b}", "peer",
	    ov_id_hex(peer, hex), "up", up));
}

void
ctl_ev_sip_registration(struct ctl *ctl, const char *aor, bool up)
{
	ctl_ev_send(ctl, "sip-registration", json_pack("{s:s, s:s}", "aor",
	    aor, "state", up ? "registered" : "unregistered"));
}

void
ctl_ev_sip_call(struct ctl *ctl, const char *from, const char *to,
    const char *call_id, int status)
{
	ctl_ev_send(ctl, "sip-call", json_pack("{s:s, s:s, s:s, s:i}", "from",
	    from, "to", to, "call_id", call_id, "status", status));
}

static const char *
ctl_ev_keying(const struct sdp_stream *st)
{
	return st->keying == SDP_KEYING_SDES ? "sdes" :
	    st->keying == SDP_KEYING_DTLS ? "dtls" : "none";
}

json_t *
ctl_ev_call_json(const struct sip_ua_call_info *ci,
    const struct media_stats *ms, uint64_t now)
{
	uint64_t	 dur = 0;
	json_t		*o;

	if (ci->answered != 0)
		dur = (ci->ended != 0 ? ci->ended : now) - ci->answered;
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:f}",
	    "id", (int)ci->id, "state", sip_ua_state_name(ci->state),
	    "direction", ci->outgoing ? "out" : "in", "aor", ci->aor,
	    "peer", ci->peer, "codec", !ci->media ? "" :
	    ci->stream.codec == SDP_PCMA ? "PCMA" : "PCMU",
	    "srtp", !ci->media ? "" : ctl_ev_keying(&ci->stream),
	    "status", (int)ci->status, "reason", ci->reason,
	    "duration", dur / 1000.0);
	if (ms != NULL)
		json_object_update_new(o, json_pack("{s:I, s:I, s:I, s:f, "
		    "s:I, s:I, s:b}", "sent", (json_int_t)ms->sent,
		    "received", (json_int_t)ms->received,
		    "lost", (json_int_t)ms->lost,
		    "jitter_ms", ms->jitter_ms,
		    "unexpected", (json_int_t)ms->unexpected,
		    "auth_failed", (json_int_t)ms->auth_failed,
		    "latched", ms->latched));
	/* ICE for SIP: its signalling's path, and when it went direct (s
	 * after the answer) */
	json_object_update_new(o, json_pack("{s:s, s:o, s:s, s:s}", "path",
	    ci->path, "moved", ci->moved == 0 ? json_null() :
	    json_real((double)(ci->moved - ci->answered) / 1000.0), "move",
	    ci->move, "move_why", ci->move_why));
	json_object_update_new(o, json_pack("{s:s, s:s, s:s}", "call_id",
	    ci->call_id, "local_tag", ci->local_tag, "remote_tag",
	    ci->remote_tag));
	return o;
}

void
ctl_ev_call(struct ctl *ctl, const char *what,
    const struct sip_ua_call_info *ci, const struct media_stats *ms)
{
	char	name[32];

	if (ctl == NULL)
		return;
	snprintf(name, sizeof name, "call-%s", what);
	ctl_ev_send(ctl, name, ctl_ev_call_json(ci, ms, srv_now_ms()));
}

void
ctl_ev_dtmf(struct ctl *ctl, uint32_t call, char digit, bool sent)
{
	char	d[2] = { digit, '\0' };

	ctl_ev_send(ctl, sent ? "dtmf-sent" : "dtmf", json_pack("{s:i, s:s}",
	    "call", (int)call, "digit", d));
}

void
ctl_ev_message(struct ctl *ctl, const char *from, const char *to,
    const char *text)
{
	ctl_ev_send(ctl, "message", json_pack("{s:s, s:s, s:s}", "from", from,
	    "to", to, "text", text));
}

void
ctl_ev_ua_registration(struct ctl *ctl, const char *aor, unsigned status,
    const char *reason)
{
	ctl_ev_send(ctl, "ua-registration", json_pack("{s:s, s:i, s:s}",
	    "aor", aor, "status", (int)status, "reason", reason));
}

static json_t *
ctl_ev_addr(const struct addr *a)
{
	char	b[ADDR_STRLEN];

	return a->family != 0 ? json_string(addr_str(a, b)) : json_null();
}

json_t *
ctl_ev_nat_json(const struct nat_report *r)
{
	/* relayed: no TURN allocation yet */
	return json_pack("{s:o, s:o, s:n, s:s, s:s, s:o, s:b, s:s}",
	    "host", ctl_ev_addr(&r->host),
	    "reflexive", ctl_ev_addr(&r->reflexive),
	    "relayed",
	    "mapping", nat_mapping_name(r->mapping),
	    "filtering", nat_filtering_name(r->filtering),
	    "server", ctl_ev_addr(&r->server),
	    "rfc5780", r->server_rfc5780,
	    "why", r->why);
}

void
ctl_ev_nat(struct ctl *ctl, const struct nat_report *r)
{
	ctl_ev_send(ctl, "nat", ctl_ev_nat_json(r));
}
