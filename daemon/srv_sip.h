/*
 * srv_sip.h - the libevent driver of the SIP core: UDP and TCP on
 * [sip] listen and TLS on [sip] tls_listen, for the phones of this host
 * and the peers of the overlay.
 */
#ifndef SRV_SIP_H
#define SRV_SIP_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

struct cfg;
struct event_base;
struct identity;
struct loc_result;
struct sip_anchor;
struct sip_anchor_ev;
struct sdp_ice;
struct sip_core;
struct sip_res_target;
struct sip_ua_direct;
struct srv_media_servers;
struct srv_sip;

/* What the driver asks of the rest of the daemon, and tells it. */
struct srv_sip_ops {
	/* the registrar's aor got its first binding (up), or lost its
	 * last: publish contact for it in the overlay, or withdraw it;
	 * 0, or an errno with *err (allocated) */
	int	(*publish)(const char *aor, const char *contact, bool up,
		    char **err, void *arg);
	/* resolve aor for the proxy: 0 and done(result, done_arg) once,
	 * later (a NULL result: abandoned), or an errno with *err */
	int	(*resolve)(const char *aor, void (*done)(const struct
		    loc_result *, void *), void *done_arg, char **err,
		    void *arg);
	/* does an overlay link, its Node-ID checked, lead to a's host? */
	bool	(*peer_host)(const struct addr *a, void *arg);
	/* for the control socket's events */
	void	(*registration)(const char *aor, bool up, void *arg);
	void	(*call)(const char *from, const char *to, const char *call_id,
		    int status, void *arg);
	/* what a media relay for a phone is to do (sip_anchor.h) */
	void	(*anchor)(const struct sip_anchor_ev *, void *arg);
	/* RFC 3263 for a proxy peer ([interwork] proxy_peer): the servers
	 * of SIP URI uri, done(status, why, servers, n, done_arg) once,
	 * later (status ECANCELED: abandoned); 0, or an errno */
	int	(*dns)(const char *uri, bool tls, void (*done)(int, const char *,
		    const struct sip_res_target *, unsigned, void *),
		    void *done_arg, void *arg);
	void	*arg;
};

/*
 * Bind [sip] listen (UDP and TCP) and tls_listen; TLS with ident's
 * certificate (borrowed).  0, or an errno with *cause.
 */
int	srv_sip_new(struct srv_sip **, struct event_base *, const struct cfg *,
	    struct identity *, const struct srv_sip_ops *, char **cause);
void	srv_sip_free(struct srv_sip *);
/* Take [users] from cfg (at start, and on reload). */
void	srv_sip_set_users(struct srv_sip *, const struct cfg *);

/*
 * The daemon's UA (its SIP address), and the AORs this node publishes by
 * destination list (RFC 7904 §3), which go to it (sip_core_host).
 */
void	srv_sip_set_ua(struct srv_sip *, const struct addr *);
void	srv_sip_host(struct srv_sip *, const char *aor, bool on);

const struct sip_core *srv_sip_core(const struct srv_sip *);
/* The UDP port's receive buffer (bytes, as the kernel counts it) and the
 * datagrams the kernel dropped there for want of room (srv_udp_drops). */
void	srv_sip_udp_stats(const struct srv_sip *, int *rcvbuf,
	    uint32_t *drops);
/* The proxy's part of the media relays (sip_core_anchor). */
struct sip_anchor *srv_sip_anchor(struct srv_sip *);
const struct addr *srv_sip_listen_addr(const struct srv_sip *);
/* family 0: no TLS listener */
const struct addr *srv_sip_tls_addr(const struct srv_sip *);
/* The address, TLS or not, that contacts, Via and Record-Route give:
 * [sip] advertise, or where we listen (family 0: no TLS listener) */
const struct addr *srv_sip_public_addr(const struct srv_sip *, bool tls);
/* Connections open, TLS or TCP. */
unsigned srv_sip_connections(const struct srv_sip *, bool tls);
/*
 * A client of the overlay (RFC 6940 §4.2.1) keeps a TLS connection to
 * its gateway's SIP at to, whose certificate must bind node
 * (SIP_NODE_LEN bytes), and pings it with CRLFs (RFC 5626 §4.4.1) so
 * that the NAT keeps it and the gateway knows whose it is; opened again
 * when it closes.  The gateway sends the client's requests on it.  to
 * NULL: no longer.
 */
void	 srv_sip_keep(struct srv_sip *, const struct addr *to,
	    const uint8_t *node);
/* The remote address of a TLS connection whose certificate binds node
 * (SIP_NODE_LEN bytes), either way; NULL: none. */
const struct addr *srv_sip_conn_of_node(const struct srv_sip *,
	    const uint8_t *node);

/*
 * ICE for SIP's direct flows (srv_sip_direct.c), one per call the UA
 * moves: what the driver tells of call's flow (to the UA's
 * sip_ua_direct_ready, _up and _failed).
 */
struct srv_sip_direct_ops {
	void	(*ready)(uint32_t call, const struct sdp_ice *ice, void *arg);
	void	(*up)(uint32_t call, const char *token, void *arg);
	void	(*failed)(uint32_t call, const char *why, void *arg);
	void	*arg;
};
void	 srv_sip_direct_set_ops(struct srv_sip *,
	    const struct srv_sip_direct_ops *);
/* Gather call's flow's candidates from sv's STUN server (ready follows,
 * from the event loop): 0, or ENOTSUP (no DTLS certificate, no ops),
 * EADDRNOTAVAIL (a wildcard listener not published), an errno. */
int	 srv_sip_direct_open(struct srv_sip *, uint32_t call,
	    const struct srv_media_servers *sv);
/* The peer's side (its control stream): checks, then DTLS (up or
 * failed follows).  0, ENOENT, EINVAL. */
int	 srv_sip_direct_remote(struct srv_sip *, uint32_t call,
	    const struct sip_ua_direct *);
void	 srv_sip_direct_close(struct srv_sip *, uint32_t call);
/* Direct flows held (up: those whose DTLS is up). */
unsigned srv_sip_directs(const struct srv_sip *, bool up);

#endif
