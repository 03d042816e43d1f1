/*
 * trace.c - pcap (LINKTYPE_RAW) of framed overlay messages as TCP.
 *
 * File format: the classic pcap header (magic a1b2c3d4, version 2.4) and
 * per packet a record header; each packet is an IPv4 or IPv6 header, a
 * TCP header (PSH|ACK, sequence numbers tracked per link and direction)
 * and the bytes.  Checksums are computed so that no tool complains.
 */
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "xmalloc.h"

#define LINKTYPE_RAW	101
#define SEG_MAX		60000	/* payload per packet */
#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_PUSH		0x08
#define TH_ACK		0x10

struct trace_conn {
	uint32_t	 link;
	uint32_t	 seq[2];	/* next sequence: [0] ours, [1] theirs */
};

struct trace {
	FILE			*f;
	char			*path;
	uint64_t		 frames;
	struct trace_conn	*conns;
	unsigned		 nconns, cap;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t	i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int
trace_open(struct trace **out, const char *path, char **cause)
{
	struct trace	*t;
	uint8_t		 h[24];
	uint32_t	 magic = 0xa1b2c3d4, snap = 262144, lt = LINKTYPE_RAW;
	uint16_t	 maj = 2, min = 4;
	FILE		*f;

	if ((f = fopen(path, "w")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return errno;
	}
	/* the header is in host byte order: readers detect it */
	memset(h, 0, sizeof h);
	memcpy(h, &magic, 4);
	memcpy(h + 4, &maj, 2);
	memcpy(h + 6, &min, 2);
	memcpy(h + 16, &snap, 4);
	memcpy(h + 20, &lt, 4);
	if (fwrite(h, 1, sizeof h, f) != sizeof h || fflush(f) != 0) {
		*cause = xasprintf("%s: cannot write", path);
		fclose(f);
		return EIO;
	}
	t = xcalloc(1, sizeof *t);
	t->f = f;
	t->path = xstrdup(path);
	*out = t;
	return 0;
}

void
trace_close(struct trace *t)
{
	if (t == NULL)
		return;
	fclose(t->f);
	free(t->conns);
	free(t->path);
	free(t);
}

const char *
trace_path(const struct trace *t)
{
	return t->path;
}

uint64_t
trace_frames(const struct trace *t)
{
	return t->frames;
}

/* One packet from src to dst (ports set), with flags and payload. */
static void
trace_packet(struct trace *t, const struct addr *src, const struct addr *dst,
    uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
    size_t len)
{
	uint8_t		 pkt[40 + 20], pseudo[40];
	uint32_t	 rec[4];	/* pcap record header, host order */
	size_t		 iplen = src->family == 6 ? 40 : 20, alen;
	uint8_t		*tcp = pkt + iplen;
	struct timeval	 tv;
	uint32_t	 s;

	memset(pkt, 0, sizeof pkt);
	alen = src->family == 6 ? 16 : 4;
	if (src->family == 6) {
		pkt[0] = 0x60;
		put16(pkt + 4, (uint16_t)(20 + len));
		pkt[6] = 6;			/* TCP */
		pkt[7] = 64;
		memcpy(pkt + 8, src->ip, 16);
		memcpy(pkt + 24, dst->ip, 16);
	} else {
		pkt[0] = 0x45;
		put16(pkt + 2, (uint16_t)(20 + 20 + len));
		pkt[8] = 64;
		pkt[9] = 6;
		memcpy(pkt + 12, src->ip, 4);
		memcpy(pkt + 16, dst->ip, 4);
		put16(pkt + 10, fold(sum16(pkt, 20, 0)));
	}
	put16(tcp, src->port);
	put16(tcp + 2, dst->port);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	/* checksum over the pseudo header, the TCP header and the data */
	memset(pseudo, 0, sizeof pseudo);
	memcpy(pseudo, src->ip, alen);
	memcpy(pseudo + alen, dst->ip, alen);
	s = sum16(pseudo, 2 * alen, 6 + (uint32_t)(20 + len));
	s = sum16(tcp, 20, s);
	s = sum16(data, len, s);
	put16(tcp + 16, fold(s));
	gettimeofday(&tv, NULL);
	rec[0] = (uint32_t)tv.tv_sec;
	rec[1] = (uint32_t)tv.tv_usec;
	rec[2] = rec[3] = (uint32_t)(iplen + 20 + len);
	fwrite(rec, 1, sizeof rec, t->f);
	fwrite(pkt, 1, iplen + 20, t->f);
	if (len > 0)
		fwrite(data, 1, len, t->f);
}

static struct trace_conn *
trace_conn(struct trace *t, uint32_t link, bool *fresh)
{
	unsigned	i;

	*fresh = false;
	for (i = 0; i < t->nconns; i++)
		if (t->conns[i].link == link)
			return &t->conns[i];
	if (t->nconns == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->conns = xreallocarray(t->conns, t->cap, sizeof *t->conns);
	}
	t->conns[t->nconns].link = link;
	t->conns[t->nconns].seq[0] = 1000;
	t->conns[t->nconns].seq[1] = 5000;
	*fresh = true;
	return &t->conns[t->nconns++];
}

void
trace_write(struct trace *t, uint32_t link, const struct addr *local,
    const struct addr *remote, bool passive, bool outbound,
    const uint8_t *data, size_t len)
{
	struct trace_conn	*c;
	struct addr		 me = *local, them = *remote;
	bool			 fresh;
	size_t			 off, n;
	int			 d = outbound ? 0 : 1;

	if (t == NULL || len == 0 || me.family != them.family)
		return;
	/* The passive side's port reads 6084: Wireshark's RELOAD port. */
	if (passive)
		me.port = TRACE_PORT;
	else
		them.port = TRACE_PORT;
	c = trace_conn(t, link, &fresh);
	if (fresh) {
		/* the handshake, from the active side */
		const struct addr	*a = passive ? &them : &me;
		const struct addr	*p = passive ? &me : &them;
		uint32_t		*as = &c->seq[passive ? 1 : 0];
		uint32_t		*ps = &c->seq[passive ? 0 : 1];

		trace_packet(t, a, p, (*as)++, 0, TH_SYN, NULL, 0);
		trace_packet(t, p, a, (*ps)++, *as, TH_SYN | TH_ACK, NULL, 0);
		trace_packet(t, a, p, *as, *ps, TH_ACK, NULL, 0);
	}
	for (off = 0; off < len; off += n) {
		n = len - off > SEG_MAX ? SEG_MAX : len - off;
		if (outbound)
			trace_packet(t, &me, &them, c->seq[d], c->seq[1],
			    TH_PUSH | TH_ACK, data + off, n);
		else
			trace_packet(t, &them, &me, c->seq[d], c->seq[0],
			    TH_PUSH | TH_ACK, data + off, n);
		c->seq[d] += (uint32_t)n;
	}
	t->frames++;
	fflush(t->f);
}
