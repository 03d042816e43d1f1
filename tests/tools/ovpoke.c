/*
 * ovpoke - a scripted RELOAD peer for the system tests.
 *
 * It opens a TLS link to a daemon's overlay port with an identity of its
 * own (or any certificate and key it is given), then runs its steps in
 * order, printing one line for what each earned:
 *
 *   answer CODE hops N       an answer, e.g. "answer ping_ans hops 1";
 *                            an AppAttachAns adds "cand IP:PORT" (its
 *                            first candidate, or "-")
 *   error CODE NAME          a RELOAD Error response
 *   silence                  nothing within the timeout
 *   closed                   the daemon closed the link
 *
 * Steps:  ping[,OPT...]  probe[,OPT...]  rq=NAME[,OPT...]  raw=HEX
 *         flood=N[,OPT...]  (N Pings, not reading the answers; then
 *         "closed" or "open")
 *         appattach=APP[,OPT...]  (AppAttachReq for Application-ID APP,
 *         RFC 6940 §6.5.2, with a No-ICE host candidate of ours)
 * OPT:    ttl=N  overlay=NAME  badsig  loop  to=NODE-ID  res=NAME
 *
 * A request goes to the daemon's own Node-ID (from its certificate)
 * unless to= or res= says otherwise.  Exit status 0 if every step ran,
 * 1 on a set-up failure.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "identity.h"
#include "log.h"
#include "ov_body.h"
#include "ov_cert.h"
#include "ov_fh.h"
#include "ov_id.h"
#include "ov_msg.h"
#include "wire.h"
#include "xmalloc.h"

struct poke {
	SSL			*ssl;
	int			 fd;
	struct identity		*ident;		/* NULL: cannot sign */
	struct ov_id		 peer;		/* the daemon's Node-ID */
	bool			 have_peer;
	const char		*overlay;
	struct ov_fh		 fh;
	int			 timeout_ms;
	int			 rcvbuf;	/* 0: the kernel's */
	bool			 closed;
};

struct req_opts {
	int		 ttl;
	const char	*overlay;
	bool		 badsig;
	bool		 loop;
	bool		 to_node;
	struct ov_id	 dest;
};

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "ovpoke: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static int
poke_verify(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

static void
poke_connect(struct poke *pk, const char *where, const char *certf,
    const char *keyf)
{
	struct addr		 a;
	struct sockaddr_in	 sin;
	SSL_CTX			*ctx;
	X509			*x;
	FILE			*f;
	EVP_PKEY		*key;

	if (addr_parse(where, 0, &a) != 0 || a.family != 4)
		die("address: IPv4:port");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, a.ip, 4);
	sin.sin_port = htons(a.port);
	if ((pk->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket failed");
	if (pk->rcvbuf > 0)
		setsockopt(pk->fd, SOL_SOCKET, SO_RCVBUF, &pk->rcvbuf,
		    sizeof pk->rcvbuf);
	if (connect(pk->fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		die("connect failed");
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, poke_verify);
	if (certf != NULL) {
		if ((f = fopen(keyf, "r")) == NULL ||
		    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
			die("cannot read the key");
		fclose(f);
		if (SSL_CTX_use_certificate_file(ctx, certf,
		    SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1)
			die("cannot use the certificate");
		EVP_PKEY_free(key);
	} else if (pk->ident != NULL) {
		if (SSL_CTX_use_certificate(ctx, pk->ident->cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, pk->ident->key) != 1)
			die("cannot use the identity");
	}
	pk->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);
	SSL_set_fd(pk->ssl, pk->fd);
	if (SSL_connect(pk->ssl) != 1)
		die("TLS handshake failed");
	if ((x = SSL_get1_peer_certificate(pk->ssl)) != NULL &&
	    ov_cert_node_id(x, &pk->peer) == 0)
		pk->have_peer = true;
	X509_free(x);
}

static void
poke_write(struct poke *pk, const uint8_t *p, size_t len)
{
	int	n;

	while (len > 0 && !pk->closed) {
		if ((n = SSL_write(pk->ssl, p, (int)len)) <= 0) {
			pk->closed = true;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Read what arrives within ms; false if nothing did (or closed). */
static bool
poke_read(struct poke *pk, int ms)
{
	struct pollfd	pfd = { .fd = pk->fd, .events = POLLIN };
	uint8_t		buf[16384];
	int		n;

	if (pk->closed)
		return false;
	if (SSL_pending(pk->ssl) == 0 && poll(&pfd, 1, ms) <= 0)
		return false;
	n = SSL_read(pk->ssl, buf, sizeof buf);
	if (n <= 0) {
		pk->closed = true;
		return false;
	}
	ov_fh_input(&pk->fh, buf, (size_t)n);
	return true;
}

static void
poke_sign_send(struct poke *pk, const struct ov_fwd *f, uint16_t code,
    const uint8_t *body, size_t len, bool badsig)
{
	struct wbuf	w, fr;

	if (pk->ident == NULL)
		die("no identity to sign with");
	wbuf_init(&w, 1 << 16);
	ov_msg_fwd_encode(&w, f);
	if (ov_msg_sign_encode(&w, f, code, body, len, &pk->ident->crypto) != 0)
		die("cannot sign");
	if (badsig)
		w.p[w.len - 1] ^= 0x55;		/* the signature's last byte */
	wbuf_init(&fr, 1 << 17);
	ov_fh_data(&pk->fh, 0, &fr, w.p, w.len);
	poke_write(pk, fr.p, fr.len);
	wbuf_clear(&w);
	wbuf_clear(&fr);
}

static void
poke_app_attached(const struct ov_msg *m)
{
	struct ov_app_attach	a;
	char			buf[ADDR_STRLEN];

	if (ov_body_app_attach_decode(m->body, m->body_len, &a) != 0) {
		printf("answer %s hops %u malformed\n",
		    ov_msg_code_name(m->code), m->fwd.nvia + 1);
		return;
	}
	printf("answer %s hops %u cand %s\n", ov_msg_code_name(m->code),
	    m->fwd.nvia + 1, a.ncand > 0 ? addr_str(&a.cand[0].addr, buf) :
	    "-");
}

/* Wait for the answer to tid and print what it was. */
static void
poke_expect(struct poke *pk, uint64_t tid)
{
	struct ov_fh_frame	 f;
	struct ov_msg		 m;
	struct wbuf		 acks;
	const uint8_t		*info;
	size_t			 ilen;
	uint16_t		 err, code;
	int			 waited = 0;

	wbuf_init(&acks, 4096);
	for (;;) {
		while (ov_fh_next(&pk->fh, 0, 1 << 20, &f) == 0) {
			if (f.type != OV_FH_DATA)
				continue;
			ov_fh_ack(&pk->fh, &acks, f.seq);
			if (ov_msg_decode(f.msg, f.len, &m, &err) != 0 ||
			    m.fwd.tid != tid)
				continue;	/* the daemon's own requests */
			poke_write(pk, acks.p, acks.len);
			wbuf_clear(&acks);
			if (m.code == OV_ERROR && ov_body_error_decode(m.body,
			    m.body_len, &code, &info, &ilen) == 0)
				printf("error %u %s\n", code,
				    ov_msg_error_name(code));
			else if (m.code == OV_APPATTACH_ANS)
				poke_app_attached(&m);
			else
				printf("answer %s hops %u\n",
				    ov_msg_code_name(m.code), m.fwd.nvia + 1);
			return;
		}
		if (acks.len > 0) {
			poke_write(pk, acks.p, acks.len);
			wbuf_clear(&acks);
			wbuf_init(&acks, 4096);
		}
		if (waited >= pk->timeout_ms)
			break;
		if (!poke_read(pk, 100)) {
			if (pk->closed)
				break;
			waited += 100;
		}
	}
	wbuf_clear(&acks);
	printf("%s\n", pk->closed ? "closed" : "silence");
}

static void
poke_opts(struct poke *pk, char *s, struct req_opts *o)
{
	char	*tok, *save = NULL;

	memset(o, 0, sizeof *o);
	o->ttl = 100;
	o->overlay = pk->overlay;
	o->to_node = true;
	if (pk->have_peer)
		o->dest = pk->peer;
	if (s == NULL)
		return;
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "ttl=", 4) == 0)
			o->ttl = atoi(tok + 4);
		else if (strncmp(tok, "overlay=", 8) == 0)
			o->overlay = tok + 8;
		else if (strcmp(tok, "badsig") == 0)
			o->badsig = true;
		else if (strcmp(tok, "loop") == 0)
			o->loop = true;
		else if (strncmp(tok, "to=", 3) == 0) {
			if (ov_id_from_hex(tok + 3, &o->dest) != 0)
				die("to=: 32 hex digits");
		} else if (strncmp(tok, "res=", 4) == 0) {
			ov_id_resource(tok + 4, strlen(tok + 4), &o->dest);
			o->to_node = false;
		} else
			die("unknown option");
	}
}

static uint64_t
poke_request(struct poke *pk, const struct req_opts *o, uint16_t code,
    const uint8_t *body, size_t len)
{
	struct ov_fwd	*f = xcalloc(1, sizeof *f);
	uint64_t	 tid;

	f->overlay = ov_msg_overlay_hash(o->overlay);
	f->version = OV_VERSION;
	f->ttl = (uint8_t)o->ttl;
	f->fragment = OV_FRAG_UNFRAGMENTED;
	RAND_bytes((unsigned char *)&f->tid, sizeof f->tid);
	if (o->loop && pk->have_peer)
		ov_msg_dest_node(&f->via[f->nvia++], &pk->peer);
	if (o->to_node)
		ov_msg_dest_node(&f->dest[f->ndest++], &o->dest);
	else
		ov_msg_dest_resource(&f->dest[f->ndest++], &o->dest);
	poke_sign_send(pk, f, code, body, len, o->badsig);
	tid = f->tid;
	free(f);
	return tid;
}

static void
poke_discard(struct poke *pk)
{
	struct ov_fh_frame	f;

	while (ov_fh_next(&pk->fh, 0, 1 << 20, &f) == 0)
		;
}

static void
poke_step(struct poke *pk, char *step)
{
	struct req_opts		 o;
	struct ov_probe		 pr;
	struct ov_route_query	 rq;
	struct ov_id		 res;
	struct wbuf		 w;
	char			*opts = strchr(step, ','), *name;
	uint16_t		 code;
	long			 i, n;

	if (opts != NULL)
		*opts++ = '\0';
	wbuf_init(&w, 1 << 16);
	if (strcmp(step, "ping") == 0) {
		ov_body_ping_req_encode(&w, 0);
		code = OV_PING_REQ;
	} else if (strcmp(step, "probe") == 0) {
		memset(&pr, 0, sizeof pr);
		pr.type[pr.n++] = OV_PROBE_RESPONSIBLE_SET;
		pr.type[pr.n++] = OV_PROBE_UPTIME;
		ov_body_probe_req_encode(&w, &pr);
		code = OV_PROBE_REQ;
	} else if (strncmp(step, "rq=", 3) == 0) {
		name = step + 3;
		ov_id_resource(name, strlen(name), &res);
		memset(&rq, 0, sizeof rq);
		ov_msg_dest_resource(&rq.dest, &res);
		ov_body_route_query_encode(&w, &rq);
		code = OV_ROUTEQUERY_REQ;
	} else if (strncmp(step, "appattach=", 10) == 0) {
		struct ov_app_attach	a;

		memset(&a, 0, sizeof a);
		strcpy(a.ufrag, "poke");
		strcpy(a.password, "poke");
		strcpy(a.role, "active");
		a.application = (uint16_t)atoi(step + 10);
		a.ncand = 1;
		addr_parse("127.0.0.1:9", 0, &a.cand[0].addr);
		a.cand[0].link_type = OV_LINK_TLS_TCP_FH_NO_ICE;
		a.cand[0].cand_type = OV_CAND_HOST;
		ov_body_app_attach_encode(&w, &a);
		code = OV_APPATTACH_REQ;
	} else if (strncmp(step, "raw=", 4) == 0) {
		for (i = 4; step[i] != '\0' && step[i + 1] != '\0'; i += 2) {
			unsigned	b;

			if (sscanf(step + i, "%2x", &b) != 1)
				die("raw=: hex");
			wbuf_u8(&w, (uint8_t)b);
		}
		poke_write(pk, w.p, w.len);
		wbuf_clear(&w);
		while (poke_read(pk, pk->timeout_ms))
			;
		printf("%s\n", pk->closed ? "closed" : "open");
		return;
	} else if (strncmp(step, "flood=", 6) == 0) {
		n = atol(step + 6);
		ov_body_ping_req_encode(&w, 0);
		poke_opts(pk, opts, &o);
		for (i = 0; i < n && !pk->closed; i++)
			poke_request(pk, &o, OV_PING_REQ, w.p, w.len);
		wbuf_clear(&w);
		/* now read (and drop) until the daemon has closed, or not */
		while (poke_read(pk, pk->timeout_ms))
			poke_discard(pk);
		printf("%s\n", pk->closed ? "closed" : "open");
		return;
	} else
		die("unknown step");
	poke_opts(pk, opts, &o);
	poke_expect(pk, poke_request(pk, &o, code, w.p, w.len));
	wbuf_clear(&w);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: ovpoke [-d IDENTITY-DIR] [-c CERT -k KEY] "
	    "[-n OVERLAY] [-r RCVBUF] [-t MS] IP:PORT STEP...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct poke	 pk;
	const char	*dir = NULL, *certf = NULL, *keyf = NULL;
	char		*cause = NULL;
	int		 ch, i;

	signal(SIGPIPE, SIG_IGN);	/* a closed link is a result here */
	memset(&pk, 0, sizeof pk);
	pk.overlay = "p2psipd.localhost";
	pk.timeout_ms = 2000;
	while ((ch = getopt(argc, argv, "c:d:k:n:r:t:")) != -1) {
		switch (ch) {
		case 'c':	certf = optarg;			break;
		case 'd':	dir = optarg;			break;
		case 'k':	keyf = optarg;			break;
		case 'n':	pk.overlay = optarg;		break;
		case 'r':	pk.rcvbuf = atoi(optarg);	break;
		case 't':	pk.timeout_ms = atoi(optarg);	break;
		default:	usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (certf == NULL) != (keyf == NULL))
		usage();
	log_init(true, LOG_LEVEL_WARN);
	if (dir != NULL && identity_load(&pk.ident, dir, pk.overlay, NULL,
	    &cause) != 0)
		die(cause);
	ov_fh_init(&pk.fh);
	poke_connect(&pk, argv[0], certf, keyf);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++)
		poke_step(&pk, argv[i]);
	ov_fh_clear(&pk.fh);
	SSL_free(pk.ssl);
	close(pk.fd);
	identity_free(pk.ident);
	return 0;
}
