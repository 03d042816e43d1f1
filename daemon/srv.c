/*
 * srv.c - what the daemon's libevent drivers (srv_*.c, ctl.c) share: the
 * clock, the rng and log_ctx callbacks the cores are given, struct addr
 * <-> struct sockaddr, TLS contexts, timers, making directories.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#ifdef __linux__
/* SO_RCVBUFFORCE, SO_MEMINFO: hidden by _POSIX_C_SOURCE */
#include <asm/socket.h>
#include <linux/sock_diag.h>
#endif

#include <errno.h>
#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "identity.h"
#include "log.h"
#include "log_ctx.h"
#include "slab.h"
#include "srv.h"
#include "xmalloc.h"

uint64_t
srv_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
srv_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
srv_mkdirs(const char *path, char **cause)
{
	char		*copy, *p, c;
	struct stat	 st;
	int		 rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST)
			rc = errno;
		else if (stat(copy, &st) == -1)
			rc = errno;
		else if (!S_ISDIR(st.st_mode))
			rc = ENOTDIR;
		if (rc != 0)
			*cause = xasprintf("%s: cannot create directory: %s",
			    copy, strerror(rc));
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

static uint8_t	 srv_pool[1024];
static size_t	 srv_pool_left;

/* A forked child draws its own. */
static void
srv_rand_forked(void)
{
	OPENSSL_cleanse(srv_pool, sizeof srv_pool);
	srv_pool_left = 0;
}

void
srv_rand(void *buf, size_t len, void *arg)
{
	/*
	 * OpenSSL's DRBG, drawn a pool at a time: each RAND_bytes call
	 * takes its locks, and the cores ask for 8 bytes at a time (a
	 * branch, a tag: 5% of a proxied call).  A fork empties the pool
	 * (pthread_atfork: asking getpid() each time was a system call a
	 * draw, 2.7% of a proxied call).
	 */
	static bool	 hooked;
	uint8_t		*out = buf;
	size_t		 n;

	(void)arg;
	if (!hooked) {
		if (pthread_atfork(NULL, NULL, srv_rand_forked) != 0)
			fatalx("pthread_atfork failed");
		hooked = true;
	}
	if (len > sizeof srv_pool / 4) {
		if (RAND_bytes(buf, (int)len) != 1)
			fatalx("RAND_bytes failed");
		return;
	}
	while (len > 0) {
		if (srv_pool_left == 0) {
			if (RAND_bytes(srv_pool, (int)sizeof srv_pool) != 1)
				fatalx("RAND_bytes failed");
			srv_pool_left = sizeof srv_pool;
		}
		n = len < srv_pool_left ? len : srv_pool_left;
		memcpy(out, srv_pool + sizeof srv_pool - srv_pool_left, n);
		/* what was handed out is not kept */
		OPENSSL_cleanse(srv_pool + sizeof srv_pool - srv_pool_left, n);
		srv_pool_left -= n;
		out += n;
		len -= n;
	}
}

void
srv_log(int level, const char *tag, const char *msg, void *arg)
{
	(void)tag;
	(void)arg;
	if (level <= LC_WARN)
		log_warnx("%s", msg);
	else if (level == LC_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

void
srv_addr_from(const struct sockaddr *sa, struct addr *a)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		a->family = 4;
		memcpy(a->ip, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		a->family = 6;
		memcpy(a->ip, &in6->sin6_addr, 16);
		a->port = ntohs(in6->sin6_port);
	}
}

ssize_t
srv_recv_from(int fd, void *buf, size_t len, struct addr *from)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = sizeof ss;
	ssize_t			n;

	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&ss, &sl);
	if (n >= 0)
		srv_addr_from((struct sockaddr *)&ss, from);
	return n;
}

int
srv_udp_tune(int fd, int bytes)
{
	int		got = 0;
	socklen_t	sl = sizeof got;

	if (bytes > 0) {
#ifdef SO_RCVBUFFORCE
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
		    sizeof bytes) == -1)
#endif
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes,
			    sizeof bytes);
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &sl) == -1)
		return -1;
	return got;
}

void
srv_trim(void)
{
	slab_trim();
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

uint32_t
srv_udp_drops(int fd)
{
#if defined(SO_MEMINFO) && defined(__linux__)
	uint32_t	mi[SK_MEMINFO_VARS];
	socklen_t	sl = sizeof mi;

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &sl) == 0 &&
	    sl > SK_MEMINFO_DROPS * sizeof mi[0])
		return mi[SK_MEMINFO_DROPS];
#else
	(void)fd;
#endif
	return 0;
}

int
srv_udp_bind(const struct addr *a)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = srv_addr_to(a, &ss);
	int			fd;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
srv_udp_ports(const struct addr *bind, int min, int max, int *next,
    unsigned n, int *fd, uint16_t *port)
{
	struct addr	a = *bind;
	int		i, span = (max - min + 1) / 2;

	for (i = 0; i < SRV_PORT_TRIES && i < span; i++) {
		a.port = (uint16_t)*next;
		*next += 2;
		if (*next + 1 > max)
			*next = min;
		if ((fd[0] = srv_udp_bind(&a)) == -1)
			continue;
		if (n == 2) {
			a.port++;
			if ((fd[1] = srv_udp_bind(&a)) == -1) {
				close(fd[0]);
				continue;
			}
			a.port--;
		}
		*port = a.port;
		return 0;
	}
	return EADDRINUSE;
}

int
srv_send_to(int fd, const void *buf, size_t len, const struct addr *to)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = srv_addr_to(to, &ss);

	return sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) == -1 ?
	    -1 : 0;
}

socklen_t
srv_addr_to(const struct addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == 6) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->ip, 16);
		in6->sin6_port = htons(a->port);
		return sizeof *in6;
	}
	struct sockaddr_in *in = (void *)ss;

	in->sin_family = AF_INET;
	memcpy(&in->sin_addr, a->ip, 4);
	in->sin_port = htons(a->port);
	return sizeof *in;
}

void
srv_local_addr(int fd, struct addr *a)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	memset(a, 0, sizeof *a);
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		srv_addr_from((struct sockaddr *)&ss, a);
}


void
srv_timer_arm(struct event *timer, uint64_t *armed_at, uint64_t at,
    uint64_t now)
{
	struct timeval	tv;
	uint64_t	in;

	if (at == *armed_at)
		return;
	*armed_at = at;
	if (at == UINT64_MAX) {
		evtimer_del(timer);
		return;
	}
	in = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(in / 1000);
	tv.tv_usec = (suseconds_t)(in % 1000) * 1000;
	evtimer_add(timer, &tv);
}

/* ---- TLS ---- */

static FILE	*keylog;	/* SSLKEYLOGFILE: one per process */

static int
srv_tls_verify(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;	/* self-signed: the Node-ID binding is checked later */
}

static void
srv_keylog_line(const SSL *ssl, const char *line)
{
	(void)ssl;
	if (keylog != NULL) {
		fprintf(keylog, "%s\n", line);
		fflush(keylog);
	}
}

int
srv_tls_peer_id(struct bufferevent *bev, struct identity *ident,
    struct ov_id *id, const char **why)
{
	X509	*x = SSL_get1_peer_certificate(bufferevent_openssl_get_ssl(bev));
	int	 rc;

	ov_cert_cache_now(ident->cache, (int64_t)time(NULL));
	rc = x != NULL && ov_cert_bound_id(ident->cache, x, id) == 0 ? 0 : -1;
	X509_free(x);
	if (rc != 0)
		*why = ov_cert_enrollment(ident->cache) ?
		    "the certificate is not one the overlay's CA issued, "
		    "valid now, naming a Node-ID (RFC 6940 §11.3)" :
		    "the certificate binds no Node-ID (RFC 6940 §11.3.1)";
	return rc;
}

SSL_CTX *
srv_tls_ctx(const struct identity *ident, int need_peer)
{
	const char	*kl = getenv("SSLKEYLOGFILE");
	SSL_CTX		*ctx = SSL_CTX_new(TLS_method());

	if (ctx == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, ident->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, ident->key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (need_peer ?
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), srv_tls_verify);
	/* Links are long-lived and never resumed: no session cache, no
	 * tickets (they cost a signature per handshake and a session kept
	 * per link), no idle buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (kl != NULL && *kl != '\0' && keylog == NULL) {
		if ((keylog = fopen(kl, "a")) == NULL)
			log_warn("tls: SSLKEYLOGFILE %s", kl);
		else
			log_info("tls: logging TLS keys to %s", kl);
	}
	if (keylog != NULL)
		SSL_CTX_set_keylog_callback(ctx, srv_keylog_line);
	return ctx;
}
