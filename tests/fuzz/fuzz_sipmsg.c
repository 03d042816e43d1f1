/*
 * fuzz_sipmsg.c - libFuzzer target for the SIP parser (RFC 3261): the
 * first byte picks datagram or stream framing.  Parsing never crashes or
 * reads past the input; a parsed message written out parses to the same
 * start line, headers and body, and writing that again gives the same
 * bytes.  Every Via, address and parameter value is parsed too, and a
 * Replaces (RFC 3891).  The
 * same bytes then go to a SIP node (sip_core: transactions, registrar;
 * over the stream, from elsewhere than this host, Digest authentication)
 * as a datagram and as a stream, with time moving on, and every action
 * it takes is drained.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sip_core.h"
#include "sip_msg.h"
#include "sip_replaces.h"
#include "wire.h"

#define FUZZ_MAX	(1 << 16)

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT, 256 };
/* written out: long names and a Content-Length added */
static const struct sip_limits lim2 = { 1 << 20, 257 };

static bool
same(const struct sip_pl *a, const struct sip_pl *b)
{
	return a->l == b->l && (a->l == 0 || memcmp(a->p, b->p, a->l) == 0);
}

/* The values inside the headers. */
static void
fuzz_values(const struct sip_msg *m)
{
	struct sip_addr	a;
	struct sip_via	v;
	struct sip_pl	p;
	struct sip_replaces r;
	const char	*why;
	unsigned	i;
	int		rc;

	for (i = 0; i < m->nhdrs; i++) {
		switch (m->hdrs[i].id) {
		case SIP_HDR_VIA:
			(void)sip_msg_via_parse(&v, &m->hdrs[i].value);
			break;
		case SIP_HDR_CONTACT:
		case SIP_HDR_ROUTE:
		case SIP_HDR_RECORD_ROUTE:
			if (sip_uri_addr_parse(&a, &m->hdrs[i].value, true) == 0)
				(void)sip_uri_param(&a.params, "expires", &p);
			break;
		default:
			break;
		}
	}
	/* RFC 3891: its views stay inside the message */
	rc = sip_replaces_parse(m, &r, &why);
	if ((rc == EBADMSG && why == NULL) || (rc == 0 &&
	    (r.call_id.l == 0 || r.to_tag.l == 0 || r.from_tag.l == 0)))
		abort();
}

/* One node for the whole run, as a daemon has: state carries over. */
static struct sip_core *
fuzz_core(void)
{
	static struct rng_xoshiro	 xs;
	static struct rng		 rng = { rng_xoshiro_fill, &xs };
	static struct sip_core		*core;
	struct sip_core_cfg		 cfg;

	if (core == NULL) {
		rng_xoshiro_seed(&xs, 1);
		memset(&cfg, 0, sizeof cfg);
		cfg.domain = "p2psipd.localhost";
		cfg.reg.max_aors = 1000;
		cfg.txl.max_txns = 1000;
		core = sip_core_new(&cfg, &rng, NULL);
		sip_core_set_users(core, (const char *const[]){ "alice" },
		    (const char *const[]){ "x" }, 1);
	}
	return core;
}

static void
fuzz_node(const uint8_t *p, size_t n)
{
	static uint64_t		 now = 1000;
	struct sip_core		*c = fuzz_core();
	struct sip_core_action	 a;
	struct sip_flow		 f;
	size_t			 used, off;

	memset(&f, 0, sizeof f);
	addr_parse("127.0.0.1:5062", 0, &f.remote);
	f.tp = SIP_TP_UDP;
	(void)sip_core_input(c, now, &f, p, n, false, &used);
	/* over TCP from elsewhere: a REGISTER meets Digest (sip_auth) */
	f.tp = SIP_TP_TCP;
	f.conn = 1;
	addr_parse("192.0.2.1:5062", 0, &f.remote);
	for (off = 0; off < n; off += used)
		if (sip_core_input(c, now, &f, p + off, n - off, true,
		    &used) != 0 || used == 0)
			break;
	now += 700;
	sip_core_tick(c, now);
	while (sip_core_next_action(c, &a)) {
		sip_core_action_clear(&a);
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg	 m, m2;
	struct wbuf	 w, w2;
	const char	*why;
	size_t		 used, used2;
	bool		 stream;
	unsigned	 i, j;

	if (size < 1 || size > FUZZ_MAX)
		return 0;
	stream = data[0] & 1;
	fuzz_node(data + 1, size - 1);
	if (sip_msg_parse(&m, data + 1, size - 1, stream, &lim, &used,
	    &why) != 0)
		return 0;
	if (used > size - 1)
		abort();
	fuzz_values(&m);
	wbuf_init(&w, 1 << 20);
	sip_msg_write(&w, &m);
	if (w.err || sip_msg_parse(&m2, w.p, w.len, true, &lim2, &used2,
	    &why) != 0 || used2 != w.len)
		abort();
	if (m2.request != m.request || !same(&m2.method, &m.method) ||
	    !same(&m2.ruri_str, &m.ruri_str) || m2.status != m.status ||
	    !same(&m2.reason, &m.reason) || !same(&m2.body, &m.body) ||
	    m2.cseq != m.cseq)
		abort();
	/* the same headers, but for the one Content-Length written */
	for (i = j = 0; i < m.nhdrs; i++) {
		if (m.hdrs[i].id == SIP_HDR_CONTENT_LENGTH)
			continue;
		if (j >= m2.nhdrs || m2.hdrs[j].id != m.hdrs[i].id ||
		    !same(&m2.hdrs[j].value, &m.hdrs[i].value))
			abort();
		j++;
	}
	if (j + 1 != m2.nhdrs ||
	    m2.hdrs[j].id != SIP_HDR_CONTENT_LENGTH)
		abort();
	/* the canonical form is a fixed point */
	wbuf_init(&w2, 1 << 20);
	sip_msg_write(&w2, &m2);
	if (w2.err || w2.len != w.len || memcmp(w2.p, w.p, w.len) != 0)
		abort();
	wbuf_clear(&w);
	wbuf_clear(&w2);
	sip_msg_clear(&m);
	sip_msg_clear(&m2);
	return 0;
}
