/*
 * srv.h - what the daemon's libevent drivers (srv_*.c, ctl.c) share.
 */
#ifndef SRV_H
#define SRV_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Monotonic milliseconds: the clock the daemon hands its cores. */
uint64_t srv_now_ms(void);
/* Monotonic microseconds, for latencies. */
uint64_t srv_now_us(void);

/*
 * mkdir -p path; directories it makes get mode 0700.  0, or an errno with
 * *cause (allocated) naming the directory that failed.
 */
int	srv_mkdirs(const char *path, char **cause);

/* A struct rng fill callback: OpenSSL's RAND_bytes (fatal if it fails). */
void	srv_rand(void *buf, size_t len, void *arg);
/* A struct log_ctx callback: the daemon's log. */
void	srv_log(int level, const char *tag, const char *msg, void *arg);

void	srv_addr_from(const struct sockaddr *, struct addr *);
/* a as a sockaddr in ss; its length. */
socklen_t srv_addr_to(const struct addr *, struct sockaddr_storage *ss);
/* The local address of socket fd (zeroed if unknown). */
void	srv_local_addr(int fd, struct addr *);
/* A datagram from fd into buf and where it came from: its length, or
 * -1 (errno; EAGAIN: none waiting). */
ssize_t	srv_recv_from(int fd, void *buf, size_t len, struct addr *from);
/*
 * A UDP socket that takes bursts: its receive buffer made bytes large
 * (SO_RCVBUFFORCE where we may, past net.core.rmem_max; else SO_RCVBUF,
 * which the kernel caps there; 0: left as it is).  Returns the buffer
 * the kernel gave (bytes, as getsockopt says: twice what is asked, for
 * its overhead), or -1.
 */
int	srv_udp_tune(int fd, int bytes);
/*
 * The datagrams the kernel dropped at fd for want of room so far: the
 * socket's count, asked when wanted (SO_MEMINFO, Linux 4.6 and later;
 * 0 elsewhere).  SO_RXQ_OVFL would carry the same count on every
 * datagram, and only on one that comes after the drops.
 */
uint32_t srv_udp_drops(int fd);
/* Free memory the allocators hold back to the system: empty slabs
 * (slab.h), and glibc's malloc_trim (nothing elsewhere). */
void	srv_trim(void);
/* A non-blocking UDP socket bound to a: its fd, or -1 (errno). */
int	srv_udp_bind(const struct addr *a);
/*
 * n (1 or 2) UDP sockets on bind's address at ports next to each other
 * in [min, max] (a range of [media] rtp_ports), the first even (RFC 3550
 * §11: RTP on an even port, RTCP on the next), tried from *next on,
 * which moves past what was tried: 0, fd[0..n) and *port the first's;
 * EADDRINUSE: none free in SRV_PORT_TRIES tries.
 */
#define SRV_PORT_TRIES	64
int	srv_udp_ports(const struct addr *bind, int min, int max, int *next,
	    unsigned n, int *fd, uint16_t *port);
/* A datagram to to on fd: 0, or -1 (errno). */
int	srv_send_to(int fd, const void *buf, size_t len,
	    const struct addr *to);

struct identity;
struct ssl_ctx_st;
/*
 * A TLS context with the node's certificate and key, TLS 1.2 or later.
 * The peer's certificate is asked for (required: need_peer) and taken
 * as it is: the caller checks the Node-ID it binds once TLS is up
 * (RFC 6940 §11.3).  No session cache or tickets.  SSLKEYLOGFILE logs
 * the keys.  NULL if OpenSSL refuses.
 */
struct ssl_ctx_st *srv_tls_ctx(const struct identity *, int need_peer);

struct bufferevent;
struct ov_id;
/*
 * The Node-ID the peer's certificate binds on TLS connection bev, once
 * it is up (RFC 6940 §11.3; in enrollment mode, a certificate the
 * overlay's CA issued, valid now).  0, or -1 with *why.
 */
int	srv_tls_peer_id(struct bufferevent *, struct identity *,
	    struct ov_id *, const char **why);

struct event;
/*
 * Arm timer for a core's deadline at (monotonic ms, UINT64_MAX: none),
 * now being now; *armed_at remembers it, so an unchanged deadline costs
 * nothing.
 */
void	srv_timer_arm(struct event *timer, uint64_t *armed_at, uint64_t at,
	    uint64_t now);
/*
 * The event loop's priorities (event_base_priority_init with
 * SRV_PRIORITIES): events run at SRV_PRIO_NORMAL (libevent's default,
 * half of them) unless set otherwise; SRV_PRIO_BACKGROUND runs only when
 * nothing at normal is ready (work that may wait for the phones' and
 * peers' messages: stores, refreshes), SRV_PRIO_IDLE when nothing else
 * is (the store's commits, one for all that a busy moment wrote).
 */
#define SRV_PRIORITIES		5
#define SRV_PRIO_NORMAL		2
#define SRV_PRIO_BACKGROUND	3
#define SRV_PRIO_IDLE		4

#endif
