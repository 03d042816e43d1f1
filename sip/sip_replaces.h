/*
 * sip_replaces.h - the Replaces header (RFC 3891 §6.1), parsed strictly:
 * the dialog a new INVITE is to take over.  No I/O.
 */
#ifndef SIP_REPLACES_H
#define SIP_REPLACES_H

#include <stdbool.h>

#include "sip_pl.h"

struct sip_msg;

struct sip_replaces {
	struct sip_pl	 call_id;
	struct sip_pl	 to_tag;	/* the recipient's own tag (§3) */
	struct sip_pl	 from_tag;	/* the other end's */
	bool		 early_only;
};

/*
 * m's Replaces header: 0 and *r (views into m); ENOENT: there is none;
 * EBADMSG: more than one (§3), or one that is not
 * callid *(SEMI replaces-param) with exactly one to-tag and one from-tag
 * (§6.1), and *why says which, fit for a 400's reason phrase.
 */
int	sip_replaces_parse(const struct sip_msg *m, struct sip_replaces *r,
	    const char **why);

#endif
