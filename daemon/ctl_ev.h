/*
 * ctl_ev.h - the control socket's events (STYLE.md §8): the daemon and
 * its drivers hand over typed news, and these write it as the JSON
 * objects subscribers get.  Each does nothing when ctl is NULL.
 */
#ifndef CTL_EV_H
#define CTL_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "log.h"
#include "ov_node.h"

struct cfg_change;
struct ctl;
struct media_stats;
struct nat_report;
struct ov_id;
struct sip_ua_call_info;

/* The daemon: it stops (why), its log level changed, a reload ended. */
void	 ctl_ev_shutdown(struct ctl *, const char *reason);
void	 ctl_ev_log_level(struct ctl *, enum log_level);
/* A reload took the file; pending: the changes that need a restart. */
void	 ctl_ev_reload(struct ctl *, const struct cfg_change *pending,
	    size_t npending);
void	 ctl_ev_reload_failed(struct ctl *, const char *error);
/* The "section.key" names of changes, as a JSON array (new). */
json_t	*ctl_ev_changes_json(const struct cfg_change *, size_t n);

/* The overlay: the node's state, a link to a peer up or down. */
void	 ctl_ev_overlay_state(struct ctl *, enum ov_state);
void	 ctl_ev_link(struct ctl *, const struct ov_id *peer, bool up);

/* The SIP driver: a registrar's AOR got its first phone (up) or lost its
 * last; an INVITE proxied here was answered with status. */
void	 ctl_ev_sip_registration(struct ctl *, const char *aor, bool up);
void	 ctl_ev_sip_call(struct ctl *, const char *from, const char *to,
	    const char *call_id, int status);

/*
 * The UA: call's state changed ("call-" what); ms (NULL: none) are its
 * media's figures.  ctl_ev_call_json is the object it carries, and that
 * "calls" lists (new), its duration counted to now (ms).
 */
void	 ctl_ev_call(struct ctl *, const char *what,
	    const struct sip_ua_call_info *, const struct media_stats *ms);
json_t	*ctl_ev_call_json(const struct sip_ua_call_info *,
	    const struct media_stats *ms, uint64_t now);
/* A DTMF digit received on call, or (sent) one we finished sending. */
void	 ctl_ev_dtmf(struct ctl *, uint32_t call, char digit, bool sent);
/* A MESSAGE came; an AOR's REGISTER was answered. */
void	 ctl_ev_message(struct ctl *, const char *from, const char *to,
	    const char *text);
void	 ctl_ev_ua_registration(struct ctl *, const char *aor,
	    unsigned status, const char *reason);

/* NAT discovery ended: what the nat command shows of it, and the
 * object itself (for the command to add to). */
void	 ctl_ev_nat(struct ctl *, const struct nat_report *);
json_t	*ctl_ev_nat_json(const struct nat_report *);

#endif
