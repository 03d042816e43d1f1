/*
 * fuzz_resolve.c - libFuzzer target for RFC 3263 resolution
 * (sip_resolve.h): the input is a SIP URI (up to the first newline) and
 * then, for each query the resolver asks, its answer: a byte saying
 * records or a failure (NXDOMAIN, timeout, server failure), then the
 * records, drawn from the bytes (names from a small set, so that chains
 * and loops happen).  Whatever comes, the resolver asks at most
 * SIP_RES_QUERIES_MAX queries, ignores an answer to nothing asked, ends
 * with a status and its reason (0 only with servers), and lists at most
 * SIP_RES_TARGETS_MAX servers, each with an address and a port.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sip_resolve.h"
#include "sip_uri.h"

static const char *const names[] = {
	"example.com", "_sip._udp.example.com", "_sip._tcp.example.com",
	"_sips._tcp.example.com", "a.example.com", "b.example.com", ".", "",
	"loop.example",
};
static const char *const services[] = {
	"SIP+D2U", "SIP+D2T", "SIPS+D2T", "SIP+D2S", "sips+d2t", "E2U+sip",
	"",
};
static const char *const flags[] = { "s", "S", "", "a", "u" };

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static unsigned
take(struct in *in, unsigned mod)
{
	unsigned	v;

	if (in->n == 0)
		return 0;
	v = *in->p++;
	in->n--;
	return mod == 0 ? v : v % mod;
}

static void
fill_rng(void *buf, size_t len, void *arg)
{
	struct in	*in = arg;
	uint8_t		*b = buf;
	size_t		 i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)take(in, 0);
}

static void
answer(struct sip_res *r, const struct sip_res_query *q, struct in *in)
{
	static struct sip_res_naptr	 nv[SIP_RES_RECORDS_MAX + 2];
	static struct sip_res_srv	 sv[SIP_RES_RECORDS_MAX + 2];
	struct addr			 av[8];
	unsigned			 k = take(in, 8), n, i;

	if (k == 0) {
		sip_res_failed(r, ENOENT);
		return;
	}
	if (k == 1) {
		sip_res_failed(r, ETIMEDOUT);
		return;
	}
	if (k == 2) {
		sip_res_failed(r, EIO);
		return;
	}
	n = take(in, SIP_RES_RECORDS_MAX + 2);
	switch (q->type) {
	case SIP_RES_NAPTR:
		for (i = 0; i < n; i++) {
			nv[i].order = (uint16_t)take(in, 4);
			nv[i].pref = (uint16_t)take(in, 4);
			snprintf(nv[i].flags, sizeof nv[i].flags, "%s",
			    flags[take(in, 5)]);
			snprintf(nv[i].service, sizeof nv[i].service, "%s",
			    services[take(in, 7)]);
			snprintf(nv[i].replacement, sizeof nv[i].replacement,
			    "%s", names[take(in, 9)]);
		}
		sip_res_naptr(r, nv, n);
		break;
	case SIP_RES_SRV:
		for (i = 0; i < n; i++) {
			sv[i].prio = (uint16_t)take(in, 3);
			sv[i].weight = (uint16_t)(take(in, 0) << 8 |
			    take(in, 0));
			sv[i].port = (uint16_t)(5060 + take(in, 3));
			snprintf(sv[i].target, sizeof sv[i].target, "%s",
			    names[take(in, 9)]);
		}
		sip_res_srv(r, sv, n);
		break;
	case SIP_RES_A:
	case SIP_RES_AAAA:
		n = n % 8;
		for (i = 0; i < n; i++) {
			memset(&av[i], 0, sizeof av[i]);
			av[i].family = take(in, 2) ? 4 : 6;
			av[i].ip[0] = (uint8_t)take(in, 0);
			av[i].ip[15] = (uint8_t)take(in, 0);
		}
		sip_res_addrs(r, av, n);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_res_target	 t[SIP_RES_TARGETS_MAX + 1];
	struct sip_res_cfg	 cfg;
	struct sip_res_query	 q;
	struct sip_res		*r;
	struct sip_uri		 u;
	struct in		 in;
	struct rng		 rng = { fill_rng, &in };
	const uint8_t		*nl = memchr(data, '\n', size);
	const char		*why;
	unsigned		 asked = 0, n, i;
	int			 st;

	if (nl == NULL || sip_uri_parse(&u, (const char *)data,
	    (size_t)(nl - data)) != 0)
		return 0;
	in.p = nl + 1;
	in.n = size - (size_t)(nl + 1 - data);
	cfg.tls = take(&in, 2);
	cfg.ipv6 = take(&in, 2);
	if (sip_res_new(&r, &u, &cfg, &rng) != 0)
		return 0;
	while (sip_res_next_query(r, &q)) {
		if (++asked > SIP_RES_QUERIES_MAX || q.name[0] == '\0' ||
		    strlen(q.name) >= SIP_RES_NAME_MAX)
			abort();
		/* an answer to nothing asked is ignored */
		if (take(&in, 16) == 0)
			sip_res_failed(r, ENOENT);
		else
			answer(r, &q, &in);
		sip_res_failed(r, ENOENT);	/* not asked: ignored */
	}
	st = sip_res_status(r, &why);
	if (st == EINPROGRESS || why == NULL)
		abort();
	n = sip_res_targets(r, t, SIP_RES_TARGETS_MAX + 1);
	if (n > SIP_RES_TARGETS_MAX || (st == 0 && n == 0))
		abort();
	for (i = 0; i < n; i++)
		if ((t[i].addr.family != 4 && t[i].addr.family != 6) ||
		    t[i].addr.port == 0)
			abort();
	sip_res_free(r);
	return 0;
}
