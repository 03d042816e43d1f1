/*
 * sdp_oa.c - the offer/answer model (RFC 3264) for the UA core's audio
 * stream: codec choice, directions, and SRTP keying (RFC 4568 SDES,
 * RFC 5763 DTLS-SRTP) under the [media] srtp policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "sdp.h"

#define SUITE_80	"AES_CM_128_HMAC_SHA1_80"
#define SUITE_32	"AES_CM_128_HMAC_SHA1_32"

static bool
proto_is(const char *proto, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(proto, *set) == 0)
			return true;
	return false;
}

static const char *const PROTO_AVP[] = { "RTP/AVP", "RTP/AVPF", NULL };
static const char *const PROTO_SAVP[] = { "RTP/SAVP", "RTP/SAVPF", NULL };
static const char *const PROTO_DTLS[] = { "UDP/TLS/RTP/SAVP",
    "UDP/TLS/RTP/SAVPF", NULL };

static void
fmt_set(struct sdp_fmt *f, unsigned pt, const char *name, const char *fmtp)
{
	memset(f, 0, sizeof *f);
	f->pt = pt;
	snprintf(f->name, sizeof f->name, "%s", name);
	f->rate = 8000;
	f->channels = 1;
	if (fmtp != NULL)
		snprintf(f->fmtp, sizeof f->fmtp, "%s", fmtp);
}

static void
sdp_head(struct sdp *s, const struct sdp_local *l)
{
	memset(s, 0, sizeof *s);
	snprintf(s->user, sizeof s->user, "-");
	s->sess_id = l->sess_id;
	s->version = l->version;
	snprintf(s->origin, sizeof s->origin, "%s", l->addr);
	s->origin_ipv6 = strchr(l->addr, ':') != NULL;
	snprintf(s->name, sizeof s->name, "p2psipd");
}

static void
media_local(struct sdp_media *m, const struct sdp_local *l)
{
	snprintf(m->addr, sizeof m->addr, "%s", l->addr);
	m->ipv6 = strchr(l->addr, ':') != NULL;
	m->port = l->port;
	m->ptime = 20;
}

/* Our ICE attributes into m (RFC 8839 §5). */
static void
media_ice(struct sdp_media *m, const struct sdp_local *l)
{
	if (l->ice == NULL)
		return;
	memcpy(m->ice_ufrag, l->ice->ufrag, sizeof m->ice_ufrag);
	memcpy(m->ice_pwd, l->ice->pwd, sizeof m->ice_pwd);
	memcpy(m->cands, l->ice->cands, sizeof m->cands);
	m->ncands = l->ice->ncands;
	m->end_of_cands = true;		/* no trickling here */
}

/* The peer's ICE from m, when we do ICE too and it gave what it takes:
 * credentials and an RTP candidate (RFC 8839 §4.2).  A peer that is not
 * ICE-capable gets plain media. */
static void
peer_ice(struct sdp_stream *st, const struct sdp_media *m,
    const struct sdp_local *l)
{
	unsigned	i;

	st->ice = false;
	if (l->ice == NULL || m->ice_ufrag[0] == '\0' ||
	    m->ice_pwd[0] == '\0')
		return;
	for (i = 0; i < m->ncands && m->cands[i].component != 1; i++)
		;
	if (i == m->ncands)
		return;
	memcpy(st->peer_ice.ufrag, m->ice_ufrag, sizeof st->peer_ice.ufrag);
	memcpy(st->peer_ice.pwd, m->ice_pwd, sizeof st->peer_ice.pwd);
	memcpy(st->peer_ice.cands, m->cands, sizeof st->peer_ice.cands);
	st->peer_ice.ncands = m->ncands;
	st->ice = true;
}

static void
media_sdes(struct sdp_media *m, unsigned tag, const char *suite,
    const struct sdp_local *l)
{
	struct sdp_crypto *c = &m->crypto[m->ncrypto++];

	memset(c, 0, sizeof *c);
	c->tag = tag;
	snprintf(c->suite, sizeof c->suite, "%s", suite);
	memcpy(c->key, l->sdes_key, sizeof l->sdes_key);
	c->key_len = sizeof l->sdes_key;
	c->usable = true;
}

static void
media_fp(struct sdp_media *m, enum sdp_setup setup, const struct sdp_local *l)
{
	snprintf(m->fp_hash, sizeof m->fp_hash, "sha-256");
	memcpy(m->fp, l->fp, sizeof l->fp);
	m->fp_len = sizeof l->fp;
	m->setup = setup;
}

void
sdp_oa_offer(struct sdp *s, const struct sdp_local *l)
{
	struct sdp_media *m = &s->media[0];
	const char	*proto = "RTP/AVP";

	sdp_head(s, l);
	s->nmedia = 1;
	snprintf(m->type, sizeof m->type, "audio");
	media_local(m, l);
	m->dir = l->dir;
	fmt_set(&m->fmts[m->nfmts++], 0, "PCMU", NULL);
	fmt_set(&m->fmts[m->nfmts++], 8, "PCMA", NULL);
	if (l->te_pt >= 96 && l->te_pt <= 127)
		fmt_set(&m->fmts[m->nfmts++], (unsigned)l->te_pt,
		    "telephone-event", "0-16");
	if (l->srtp != SDP_SRTP_OFF) {
		/*
		 * require: RTP/SAVP with SDES keys where the signalling is
		 * TLS, else DTLS-SRTP.  offer: RTP/AVP carrying the same
		 * keys or fingerprint, which a peer that cannot do SRTP
		 * ignores ("best-effort SRTP"; RFC 4568 §5 puts crypto in
		 * SAVP only: a deviation, so that the call still works).
		 */
		if (l->sdes_ok) {
			proto = l->srtp == SDP_SRTP_REQUIRE ? "RTP/SAVP" :
			    "RTP/AVP";
			media_sdes(m, 1, SUITE_80, l);
		} else if (l->fp_set) {
			proto = l->srtp == SDP_SRTP_REQUIRE ?
			    "UDP/TLS/RTP/SAVP" : "RTP/AVP";
			media_fp(m, SDP_SETUP_ACTPASS, l);
			/* one association keys RTP and RTCP (RFC 5764
			 * §4.1) when they share the port (RFC 5761) */
			m->rtcp_mux = true;
		}
	}
	snprintf(m->proto, sizeof m->proto, "%s", proto);
	media_ice(m, l);
}

/*
 * RFC 4733 §2.4.1: the DTMF events (0-15) in a telephone-event's a=fmtp
 * list ("0-15", "0-11,16"), as a bit mask.  §2.5.1.1: with no list, the
 * receiver takes 0-15; a list we cannot read (no white space is allowed
 * in it) is taken as none.
 */
static uint16_t
te_events(const char *list)
{
	unsigned long	 lo, hi;
	uint16_t	 mask = 0;
	const char	*p = list;
	char		*end;

	if (*p == '\0')
		return 0xffff;
	for (;;) {
		if (*p < '0' || *p > '9')
			return 0;
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return 0;
			hi = strtoul(p, &end, 10);
		}
		if (hi > 255 || hi < lo)
			return 0;
		for (; lo <= hi && lo < 16; lo++)
			mask |= (uint16_t)(1u << lo);
		if (*end == '\0')
			return mask;
		if (*end != ',')
			return 0;
		p = end + 1;
	}
}

/* The codec and telephone-event of m we can use, in m's order. */
static bool
pick_codec(const struct sdp_media *m, struct sdp_stream *st,
    const struct sdp_media *only)
{
	unsigned	i, j;
	bool		found = false;

	st->te_pt = -1;
	for (i = 0; i < m->nfmts; i++) {
		const struct sdp_fmt *f = &m->fmts[i];
		bool ok = only == NULL;

		for (j = 0; only != NULL && j < only->nfmts; j++)
			ok |= only->fmts[j].pt == f->pt;
		if (!ok || f->rate != 8000 || f->channels > 1)
			continue;
		if (strcasecmp(f->name, "telephone-event") == 0) {
			if (st->te_pt < 0) {
				st->te_pt = (int)f->pt;
				st->te_events = te_events(f->fmtp);
			}
		} else if (!found && (strcasecmp(f->name, "PCMU") == 0 ||
		    strcasecmp(f->name, "PCMA") == 0)) {
			st->codec = strcasecmp(f->name, "PCMU") == 0 ?
			    SDP_PCMU : SDP_PCMA;
			st->pt = f->pt;
			found = true;
		}
	}
	return found;
}

static const struct sdp_crypto *
pick_crypto(const struct sdp_media *m, unsigned tag)
{
	unsigned	i;

	for (i = 0; i < m->ncrypto; i++) {
		const struct sdp_crypto *c = &m->crypto[i];

		if (c->usable && c->key_len == 30 && (tag == 0 ||
		    c->tag == tag) && (strcmp(c->suite, SUITE_80) == 0 ||
		    strcmp(c->suite, SUITE_32) == 0))
			return c;
	}
	return NULL;
}

static bool
has_fp(const struct sdp_media *m)
{
	return strcmp(m->fp_hash, "sha-256") == 0 && m->fp_len == 32;
}

/* Our direction, given the peer's and what we want (RFC 3264 §6.1). */
static enum sdp_dir
dir_mirror(enum sdp_dir peer, enum sdp_dir want)
{
	bool	send = (peer == SDP_SENDRECV || peer == SDP_RECVONLY) &&
		    (want == SDP_SENDRECV || want == SDP_SENDONLY);
	bool	recv = (peer == SDP_SENDRECV || peer == SDP_SENDONLY) &&
		    (want == SDP_SENDRECV || want == SDP_RECVONLY);

	return send && recv ? SDP_SENDRECV : send ? SDP_SENDONLY :
	    recv ? SDP_RECVONLY : SDP_INACTIVE;
}

/* The peer's RTP address and ports into st: false if not an IP. */
static bool
peer_addr(struct sdp_stream *st, const struct sdp_media *m)
{
	unsigned char	buf[16];

	if (inet_pton(m->ipv6 ? AF_INET6 : AF_INET, m->addr, buf) != 1)
		return false;
	memcpy(st->addr, m->addr, sizeof st->addr);
	st->ipv6 = m->ipv6;
	st->port = m->port;
	st->rtcp_mux = m->rtcp_mux;
	st->rtcp_port = m->rtcp_mux ? m->port : m->rtcp_port != 0 ?
	    m->rtcp_port : (uint16_t)(m->port + 1);
	st->ptime = m->ptime != 0 ? m->ptime : 20;
	return true;
}

/*
 * Can we take offered stream om?  The keying it allows under our
 * policy into st; NULL, or why not.
 */
static const char *
answer_keying(const struct sdp_media *om, const struct sdp_local *l,
    struct sdp_stream *st, const struct sdp_crypto **cr)
{
	bool	avp = proto_is(om->proto, PROTO_AVP);

	*cr = NULL;
	st->keying = SDP_KEYING_NONE;
	if (proto_is(om->proto, PROTO_SAVP) || (avp && om->ncrypto > 0 &&
	    l->srtp != SDP_SRTP_OFF)) {
		if (l->srtp == SDP_SRTP_OFF)
			return "SRTP offered, and [media] srtp is off";
		if (!l->sdes_ok) {
			/* RFC 4568 §8.3: keys in the clear are no keys */
			if (!avp)
				return "SDES keys over signalling that is "
				    "not TLS";
		} else if ((*cr = pick_crypto(om, 0)) != NULL) {
			st->keying = SDP_KEYING_SDES;
			return NULL;
		} else if (!avp)
			return "no SDES crypto suite in common";
	}
	if (proto_is(om->proto, PROTO_DTLS) || (avp && has_fp(om) &&
	    l->srtp != SDP_SRTP_OFF)) {
		if (l->srtp == SDP_SRTP_OFF)
			return "DTLS-SRTP offered, and [media] srtp is off";
		if (!l->fp_set || !has_fp(om)) {
			if (!avp)
				return "no SHA-256 fingerprint for "
				    "DTLS-SRTP";
		} else if (om->setup == SDP_SETUP_HOLDCONN) {
			if (!avp)
				return "a=setup:holdconn";
		} else {
			st->keying = SDP_KEYING_DTLS;
			return NULL;
		}
	}
	if (!avp)
		return "RTP profile not supported";
	if (l->srtp == SDP_SRTP_REQUIRE)
		return "SRTP is required here ([media] srtp = require)";
	return NULL;
}

static void
media_reject(struct sdp_media *am, const struct sdp_media *om)
{
	memset(am, 0, sizeof *am);
	memcpy(am->type, om->type, sizeof am->type);
	memcpy(am->proto, om->proto, sizeof am->proto);
	memcpy(am->fmts, om->fmts, sizeof am->fmts);
	am->nfmts = om->nfmts;
	memcpy(am->fmt0, om->fmt0, sizeof am->fmt0);
	memcpy(am->addr, om->addr, sizeof am->addr);
	am->ipv6 = om->ipv6;
	am->dir = om->dir;
}

int
sdp_oa_answer(struct sdp *ans, struct sdp_stream *st, const struct sdp *offer,
    const struct sdp_local *l, const char **why)
{
	const char	*no = "no audio stream offered";
	unsigned	 i;
	bool		 taken = false;

	memset(st, 0, sizeof *st);
	sdp_head(ans, l);
	ans->nmedia = offer->nmedia;
	for (i = 0; i < offer->nmedia; i++) {
		const struct sdp_media	*om = &offer->media[i];
		struct sdp_media	*am = &ans->media[i];
		const struct sdp_crypto	*cr;
		struct sdp_stream	 t;
		const char		*e;

		media_reject(am, om);
		if (taken || strcmp(om->type, "audio") != 0 || om->port == 0)
			continue;
		memset(&t, 0, sizeof t);
		if (!pick_codec(om, &t, NULL)) {
			no = "no common codec (PCMU or PCMA at 8000 Hz)";
			continue;
		}
		if ((e = answer_keying(om, l, &t, &cr)) != NULL) {
			no = e;
			continue;
		}
		if (!peer_addr(&t, om)) {
			no = "c= is not an IP address";
			continue;
		}
		/* The stream is ours: the answer lists what we chose, in
		 * the offer's payload types (§6.1). */
		taken = true;
		media_local(am, l);
		am->nfmts = 0;
		fmt_set(&am->fmts[am->nfmts++], t.pt,
		    t.codec == SDP_PCMU ? "PCMU" : "PCMA", NULL);
		if (t.te_pt >= 0)
			fmt_set(&am->fmts[am->nfmts++], (unsigned)t.te_pt,
			    "telephone-event", "0-16");
		t.dir = dir_mirror(om->dir, l->dir);
		am->dir = t.dir;
		am->rtcp_mux = om->rtcp_mux;
		if (t.keying == SDP_KEYING_SDES) {
			media_sdes(am, cr->tag, cr->suite, l);
			memcpy(t.suite, cr->suite, sizeof t.suite);
			memcpy(t.tx_key, l->sdes_key, sizeof t.tx_key);
			memcpy(t.rx_key, cr->key, sizeof t.rx_key);
		} else if (t.keying == SDP_KEYING_DTLS) {
			/* RFC 5763 §5: an actpass or passive offerer makes
			 * us the client; an active one (or, RFC 4145 §4, one
			 * that says nothing) the server. */
			t.dtls_client = om->setup == SDP_SETUP_ACTPASS ||
			    om->setup == SDP_SETUP_PASSIVE;
			media_fp(am, t.dtls_client ? SDP_SETUP_ACTIVE :
			    SDP_SETUP_PASSIVE, l);
			memcpy(t.peer_fp, om->fp, sizeof t.peer_fp);
		}
		/* ICE when the offer has it: ours in the answer; the
		 * offerer controls unless it is lite (§6.1.1) */
		peer_ice(&t, om, l);
		if (t.ice)
			media_ice(am, l);
		t.ice_controlling = om->ice_lite;
		*st = t;
	}
	if (!taken) {
		*why = no;
		return ENOTSUP;
	}
	return 0;
}

int
sdp_oa_accept(struct sdp_stream *st, const struct sdp *offer,
    const struct sdp *ans, const struct sdp_local *l, const char **why)
{
	const struct sdp_media	*om = &offer->media[0], *am = &ans->media[0];
	const struct sdp_crypto	*cr;

	memset(st, 0, sizeof *st);
	if (ans->nmedia != offer->nmedia || offer->nmedia == 0 ||
	    strcmp(am->type, om->type) != 0) {
		*why = "the answer's m= lines do not match the offer's";
		return EBADMSG;
	}
	if (am->port == 0) {
		*why = "the peer rejected the audio stream";
		return ENOTSUP;
	}
	if (strcmp(am->proto, om->proto) != 0) {
		*why = "the answer changed the stream's protocol";
		return EBADMSG;
	}
	if (!pick_codec(am, st, om)) {
		*why = "the answer chose no codec we offered";
		return ENOTSUP;
	}
	if (!peer_addr(st, am)) {
		*why = "the answer's c= is not an IP address";
		return ENOTSUP;
	}
	st->dir = dir_mirror(am->dir, l->dir);
	if (om->ncrypto > 0 && (cr = pick_crypto(am,
	    om->crypto[0].tag)) != NULL) {
		st->keying = SDP_KEYING_SDES;
		memcpy(st->suite, cr->suite, sizeof st->suite);
		memcpy(st->tx_key, l->sdes_key, sizeof st->tx_key);
		memcpy(st->rx_key, cr->key, sizeof st->rx_key);
	} else if (om->fp_len > 0 && has_fp(am)) {
		if (am->setup == SDP_SETUP_ACTPASS ||
		    am->setup == SDP_SETUP_HOLDCONN) {
			/* RFC 5763 §5: the answerer picks a role */
			*why = "the answer's a=setup is not active or passive";
			return EBADMSG;
		}
		st->keying = SDP_KEYING_DTLS;
		/* RFC 4145 §4: no a=setup is active */
		st->dtls_client = am->setup == SDP_SETUP_PASSIVE;
		memcpy(st->peer_fp, am->fp, sizeof st->peer_fp);
	} else if (!proto_is(om->proto, PROTO_AVP)) {
		*why = "the answer carries no SRTP keying we offered";
		return ENOTSUP;
	}
	if (st->keying == SDP_KEYING_NONE && l->srtp == SDP_SRTP_REQUIRE) {
		*why = "SRTP is required here ([media] srtp = require)";
		return ENOTSUP;
	}
	peer_ice(st, am, l);
	st->ice_controlling = true;	/* we offered; we are not lite */
	return 0;
}

const struct sdp_cand *
sdp_ice_default(const struct sdp_ice *ice)
{
	static const enum sdp_cand_type pref[] = { SDP_CAND_RELAY,
	    SDP_CAND_SRFLX, SDP_CAND_HOST };
	unsigned	i, j;

	for (j = 0; j < 3; j++)
		for (i = 0; i < ice->ncands; i++)
			if (ice->cands[i].component == 1 &&
			    ice->cands[i].type == pref[j])
				return &ice->cands[i];
	return NULL;
}
