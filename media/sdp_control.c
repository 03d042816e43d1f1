/*
 * sdp_control.c - the control stream of ICE for SIP (sdp.h): which m=
 * line is one, and whether it can be used.
 */
#include <errno.h>
#include <string.h>

#include "sdp.h"

int
sdp_control_of(const struct sdp *s, struct sdp_control *c, const char **why)
{
	const struct sdp_media	*m;
	unsigned		 i, n = 0;
	int			 found = -1;

	memset(c, 0, sizeof *c);
	for (i = 0; i < s->nmedia; i++)
		if (strcmp(s->media[i].type, "control") == 0 &&
		    s->media[i].port != 0) {
			found = (int)i;
			n++;
		}
	if (found < 0)
		return ENOENT;
	*why = "more than one control stream";
	if (n > 1)
		return EBADMSG;
	m = &s->media[found];
	*why = "control stream: not " SDP_CONTROL_PROTO " sip";
	if (strcmp(m->proto, SDP_CONTROL_PROTO) != 0 ||
	    strcmp(m->fmt0, "sip") != 0)
		return EBADMSG;
	*why = "control stream: no ICE credentials";
	if (m->ice_ufrag[0] == '\0' || m->ice_pwd[0] == '\0')
		return EBADMSG;
	for (i = 0; i < m->ncands; i++)
		if (m->cands[i].component == 1)
			c->ice.cands[c->ice.ncands++] = m->cands[i];
	*why = "control stream: no candidate";
	if (c->ice.ncands == 0)
		return EBADMSG;
	*why = "control stream: no SHA-256 fingerprint";
	if (strcmp(m->fp_hash, "sha-256") != 0 || m->fp_len != sizeof c->fp)
		return EBADMSG;
	*why = "control stream: no DTLS role (a=setup)";
	if (m->setup == SDP_SETUP_NONE || m->setup == SDP_SETUP_HOLDCONN)
		return EBADMSG;
	c->idx = (unsigned)found;
	c->port = m->port;
	memcpy(c->addr, m->addr, sizeof c->addr);
	memcpy(c->ice.ufrag, m->ice_ufrag, sizeof c->ice.ufrag);
	memcpy(c->ice.pwd, m->ice_pwd, sizeof c->ice.pwd);
	memcpy(c->fp, m->fp, sizeof c->fp);
	c->setup = m->setup;
	*why = NULL;
	return 0;
}
