/*
 * sip_reg.h - the registrar for this host's phones (RFC 3261 §10.3,
 * RFC 5626 §6), sans I/O.
 *
 * It keeps each AOR's contacts (bindings) with their parameters, expiry,
 * Call-ID and CSeq, answers REGISTER (add, refresh, remove one with
 * expires=0, all with "*"; a contact with "+sip.instance" replaces the
 * binding of its instance and reg-id, RFC 5626 §6), and says when an AOR gets its first binding or loses its
 * last: the daemon then publishes or withdraws the AOR's registration in
 * the overlay, pointing at itself.  The AOR's domain must be the
 * overlay's name.
 */
#ifndef SIP_REG_H
#define SIP_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_txn.h"

struct sip_msg;
struct wbuf;

struct sip_reg_cfg {
	const char	*domain;	/* the overlay's name */
	uint32_t	 default_expires;	/* s [3600] */
	uint32_t	 min_expires;		/* s [60]: less is 423 */
	uint32_t	 max_expires;		/* s [86400]: more is cut */
	unsigned	 max_contacts;		/* per AOR [10] */
	unsigned	 max_aors;		/* [100000] */
	/* RFC 5626 §5.4: the Flow-Timer of an outbound registration's
	 * 200, s: on UDP [29], on TCP and TLS [120] */
	uint32_t	 flow_timer_udp;
	uint32_t	 flow_timer_stream;
};

struct sip_reg;

struct sip_reg *sip_reg_new(const struct sip_reg_cfg *);
void	sip_reg_free(struct sip_reg *);

/*
 * Answer a REGISTER that came on flow (kept with its bindings: requests
 * for them go back the way the phone reaches us, as RFC 5626 does) at
 * now_s (seconds) with the response's bytes in w; to_tag is the tag the
 * response's To gets.  Returns its status.
 */
unsigned sip_reg_register(struct sip_reg *, uint64_t now_s,
	    const struct sip_flow *, const struct sip_msg *,
	    const char *to_tag, struct wbuf *w);

/* Drop the bindings that expired by now_s. */
void	sip_reg_expire(struct sip_reg *, uint64_t now_s);
/* When the next binding expires (seconds), or UINT64_MAX. */
uint64_t sip_reg_deadline(const struct sip_reg *);

/*
 * An AOR whose first binding came (up) or whose last went (!up) since
 * the last call: false when there is none.  aor is "user@domain",
 * valid until the next call.
 */
bool	sip_reg_next_change(struct sip_reg *, const char **aor, bool *up);

/* The bindings, for p2psipctl registrations: the i-th AOR's j-th. */
struct sip_reg_binding_info {
	const char	*aor;
	const char	*contact;	/* the URI, as registered */
	uint32_t	 expires_in;	/* s */
	const char	*user_agent;	/* "" if none */
	const char	*params;	/* the Contact's, but expires: ";a=b" */
	const char	*instance;	/* "+sip.instance" as given, quotes
					   and all; "" if none */
	uint32_t	 reg_id;	/* RFC 5626 outbound's; 0: none */
};
bool	sip_reg_binding(const struct sip_reg *, uint64_t now_s, unsigned i,
	    unsigned j, struct sip_reg_binding_info *);
unsigned sip_reg_aors(const struct sip_reg *);
/*
 * The contacts of aor ("user@domain"), at most max, into out: one per
 * instance id, the one registered last (RFC 5626 §7).
 */
struct sip_reg_target {
	const char	*contact;	/* the URI */
	struct sip_flow	 flow;		/* how its REGISTER came */
	bool		 outbound;	/* RFC 5626: requests go on flow */
	bool		 nated;		/* behind a NAT: requests go on
					   flow too (sip_reg.c) */
};
unsigned sip_reg_lookup(const struct sip_reg *, uint64_t now_s,
	    const char *aor, struct sip_reg_target *out, unsigned max);
/* Is a where a binding's requests go: its contact's address (an IP
 * literal's) or the address its REGISTER came from? */
struct addr;
bool	sip_reg_is_phone(const struct sip_reg *, const struct addr *);

#endif
