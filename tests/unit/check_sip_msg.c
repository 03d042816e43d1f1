/*
 * check_sip_msg.c - the RFC 3261 parser and writer: messages in every
 * header form (compact names, lists, folding, quoted strings, escapes,
 * IPv6), datagram and stream framing, a table of malformed messages,
 * each refused with the reason a 400 would carry, and RFC 4475's
 * torture messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "sip_msg.h"
#include "wire.h"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT,
    SIP_HDRS_MAX_DEFAULT };

#define HDRS(method) \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n" \
	"Max-Forwards: 70\r\n" \
	"To: Bob <sip:bob@p2psipd.localhost>\r\n" \
	"From: Alice <sip:alice@p2psipd.localhost>;tag=1928301774\r\n" \
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n" \
	"CSeq: 314159 " method "\r\n"

static int
parse(struct sip_msg *m, const char *s, bool stream, size_t *used,
    const char **why)
{
	return sip_msg_parse(m, (const uint8_t *)s, strlen(s), stream, &lim,
	    used, why);
}

static void
pl_is(const struct sip_pl *pl, const char *want)
{
	ck_assert_msg(sip_pl_eq(pl, want), "got '%.*s', want '%s'",
	    (int)pl->l, pl->p, want);
}

/* Every view of a parsed message (sip_msg_dup copies them all). */
#define VIEWS(m) { &(m)->method, &(m)->ruri_str, &(m)->ruri.user, \
	&(m)->ruri.password, &(m)->ruri.host, &(m)->ruri.params, \
	&(m)->ruri.headers, &(m)->reason, &(m)->via.transport, \
	&(m)->via.host, &(m)->via.params, &(m)->via.branch, \
	&(m)->via.received, &(m)->from.display, &(m)->from.uri_str, \
	&(m)->from.params, &(m)->from.uri.user, &(m)->from.uri.host, \
	&(m)->from.uri.params, &(m)->to.display, &(m)->to.uri_str, \
	&(m)->to.params, &(m)->to.uri.user, &(m)->to.uri.host, \
	&(m)->to.uri.params, &(m)->from_tag, &(m)->to_tag, &(m)->call_id, \
	&(m)->cseq_method, &(m)->content_type, &(m)->body }

/* Every view of a equals b's, as text. */
static void
views_eq(const struct sip_msg *a, const struct sip_msg *b)
{
	const struct sip_pl	*pa[] = VIEWS(a), *pb[] = VIEWS(b);
	unsigned		 i;

	for (i = 0; i < sizeof pa / sizeof pa[0]; i++)
		ck_assert_msg(pa[i]->l == pb[i]->l && (pa[i]->l == 0 ||
		    memcmp(pa[i]->p, pb[i]->p, pa[i]->l) == 0),
		    "view %u: '%.*s' against '%.*s'", i, (int)pa[i]->l,
		    pa[i]->p, (int)pb[i]->l, pb[i]->p);
	ck_assert_uint_eq(a->nhdrs, b->nhdrs);
	for (i = 0; i < a->nhdrs; i++) {
		ck_assert_int_eq(a->hdrs[i].id, b->hdrs[i].id);
		ck_assert(a->hdrs[i].name.l == b->hdrs[i].name.l &&
		    memcmp(a->hdrs[i].name.p, b->hdrs[i].name.p,
		    a->hdrs[i].name.l) == 0);
		ck_assert(a->hdrs[i].value.l == b->hdrs[i].value.l &&
		    memcmp(a->hdrs[i].value.p, b->hdrs[i].value.p,
		    a->hdrs[i].value.l) == 0);
	}
	ck_assert(a->request == b->request && a->status == b->status &&
	    a->cseq == b->cseq && a->nvia == b->nvia &&
	    a->via.port == b->via.port && a->via.rport == b->via.rport &&
	    a->via.rport_value == b->via.rport_value &&
	    a->max_forwards == b->max_forwards && a->expires == b->expires);
}

/*
 * m's copy (sip_msg_dup) against ref, a parse of the same: m's bytes are
 * overwritten and freed first, so a view left pointing at them shows.
 */
static void
dup_matches(struct sip_msg *m, const struct sip_msg *ref)
{
	struct sip_msg	*d = sip_msg_dup(m);

	memset(m->buf, 'X', m->buf_len);
	if (m->body_buf != NULL)
		memset(m->body_buf, 'X', m->body.l);
	if (m->via_buf != NULL)
		memset(m->via_buf, 'X', m->via_buf_len);
	memset(m->hdrs, 0, m->nhdrs * sizeof *m->hdrs);
	sip_msg_clear(m);
	views_eq(d, ref);
	sip_msg_free(d);
}

START_TEST(invite_parsed)
{
	const char	*s = "INVITE sip:bob@p2psipd.localhost SIP/2.0\r\n"
	    HDRS("INVITE")
	    "Contact: <sip:alice@192.0.2.1:5060;transport=udp>\r\n"
	    "Content-Type: application/sdp\r\n"
	    "Content-Length: 4\r\n"
	    "\r\n"
	    "v=0\n";
	struct sip_msg	 m;
	const char	*why;
	size_t		 used;

	ck_assert_int_eq(parse(&m, s, true, &used, &why), 0);
	ck_assert_uint_eq(used, strlen(s));
	ck_assert(m.request);
	pl_is(&m.method, "INVITE");
	ck_assert(m.ruri_sip);
	pl_is(&m.ruri.user, "bob");
	pl_is(&m.ruri.host, "p2psipd.localhost");
	pl_is(&m.via.transport, "UDP");
	pl_is(&m.via.host, "192.0.2.1");
	ck_assert_uint_eq(m.via.port, 5060);
	pl_is(&m.via.branch, "z9hG4bK776asdhds");
	ck_assert_uint_eq(m.nvia, 1);
	pl_is(&m.from.display, "Alice");
	pl_is(&m.from.uri.user, "alice");
	pl_is(&m.from_tag, "1928301774");
	ck_assert_uint_eq(m.to_tag.l, 0);
	pl_is(&m.call_id, "a84b4c76e66710@pc33.example.com");
	ck_assert_uint_eq(m.cseq, 314159);
	pl_is(&m.cseq_method, "INVITE");
	ck_assert_int_eq(m.max_forwards, 70);
	ck_assert_int_eq(m.expires, -1);
	pl_is(&m.content_type, "application/sdp");
	pl_is(&m.body, "v=0\n");
	sip_msg_clear(&m);
}
END_TEST

/* Compact names, lists in one line and over several, folding, case. */
START_TEST(header_forms)
{
	const char	*s = "REGISTER sip:p2psipd.localhost SIP/2.0\r\n"
	    "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;rport,\r\n"
	    "  SIP/2.0/TCP [2001:db8::1]:5070 ; branch=z9hG4bKb ;"
	    "received=192.0.2.9\r\n"
	    "VIA: SIP / 2.0 / TLS proxy.example.org;branch=z9hG4bKc\r\n"
	    "max-forwards: 69\r\n"
	    "t: \"A \\\"quoted\\\" name\" <sip:al%69ce@p2psipd.localhost>\r\n"
	    "f: sip:alice@p2psipd.localhost;tag=88sja8x\r\n"
	    "i: 843817637684230@998sdasdh09\r\n"
	    "CSeq: 1826 REGISTER\r\n"
	    "m: <sip:alice@192.0.2.1>;expires=60, \"Two, with a comma\" "
	    "<sip:alice@[2001:db8::2]:5062;lr>\r\n"
	    "Expires: 7200\r\n"
	    "X-Custom:value with  spaces\r\n"
	    "Subject: a folded\r\n"
	    "\tsubject line\r\n"
	    "l: 0\r\n"
	    "\r\n";
	struct sip_msg		 m;
	const struct sip_hdr	*h;
	struct sip_addr		 a;
	struct sip_via		 v;
	struct sip_pl		 p;
	const char		*why;
	size_t			 used;

	ck_assert_msg(parse(&m, s, false, &used, &why) == 0, "%s", why);
	ck_assert_uint_eq(m.nvia, 3);
	ck_assert(m.via.rport);
	ck_assert_uint_eq(m.via.rport_value, 0);
	h = sip_msg_hdr(&m, SIP_HDR_VIA, NULL);
	h = sip_msg_hdr(&m, SIP_HDR_VIA, h);
	ck_assert_int_eq(sip_msg_via_parse(&v, &h->value), 0);
	pl_is(&v.transport, "TCP");
	ck_assert(v.ipv6);
	pl_is(&v.host, "2001:db8::1");
	ck_assert_uint_eq(v.port, 5070);
	pl_is(&v.branch, "z9hG4bKb");
	pl_is(&v.received, "192.0.2.9");
	h = sip_msg_hdr(&m, SIP_HDR_VIA, h);
	ck_assert_int_eq(sip_msg_via_parse(&v, &h->value), 0);
	pl_is(&v.transport, "TLS");
	pl_is(&h->name, "VIA");
	ck_assert_int_eq(m.max_forwards, 69);
	pl_is(&m.to.display, "A \\\"quoted\\\" name");
	pl_is(&m.to.uri.user, "al%69ce");
	/* without <>, ;tag is the header's parameter (§20.10) */
	pl_is(&m.from.uri_str, "sip:alice@p2psipd.localhost");
	pl_is(&m.from_tag, "88sja8x");
	ck_assert_uint_eq(m.from.uri.params.l, 0);
	h = sip_msg_hdr(&m, SIP_HDR_CONTACT, NULL);
	ck_assert_int_eq(sip_uri_addr_parse(&a, &h->value, true), 0);
	ck_assert(sip_uri_param(&a.params, "expires", &p));
	pl_is(&p, "60");
	h = sip_msg_hdr(&m, SIP_HDR_CONTACT, h);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(sip_uri_addr_parse(&a, &h->value, true), 0);
	pl_is(&a.display, "Two, with a comma");
	ck_assert(a.uri.ipv6);
	ck_assert_uint_eq(a.uri.port, 5062);
	ck_assert(sip_uri_param(&a.uri.params, "lr", &p) && p.l == 0);
	ck_assert_ptr_null(sip_msg_hdr(&m, SIP_HDR_CONTACT, h));
	ck_assert_int_eq(m.expires, 7200);
	h = sip_msg_hdr_named(&m, "x-custom", NULL);
	ck_assert_ptr_nonnull(h);
	pl_is(&h->value, "value with  spaces");
	h = sip_msg_hdr(&m, SIP_HDR_SUBJECT, NULL);
	pl_is(&h->value, "a folded  \tsubject line");
	ck_assert_uint_eq(m.body.l, 0);
	sip_msg_clear(&m);
}
END_TEST

START_TEST(response_parsed)
{
	const char	*s = "SIP/2.0 180 Ringing\r\n" HDRS("INVITE")
	    "\r\n";
	const char	*s2 = "SIP/2.0 200 \r\n" HDRS("BYE") "\r\n";
	struct sip_msg	 m;
	const char	*why;
	size_t		 used;

	ck_assert_int_eq(parse(&m, s, false, &used, &why), 0);
	ck_assert(!m.request);
	ck_assert_uint_eq(m.status, 180);
	pl_is(&m.reason, "Ringing");
	sip_msg_clear(&m);
	/* an empty reason phrase is a phrase */
	ck_assert_int_eq(parse(&m, s2, false, &used, &why), 0);
	ck_assert_uint_eq(m.status, 200);
	ck_assert_uint_eq(m.reason.l, 0);
	sip_msg_clear(&m);
}
END_TEST

/* §18.3 framing on a stream: keepalives, partial messages, pipelining. */
START_TEST(stream_framing)
{
	const char	*one = "OPTIONS sip:p2psipd.localhost SIP/2.0\r\n"
	    HDRS("OPTIONS") "Content-Length: 5\r\n\r\nhello";
	char		 buf[2048];
	struct sip_msg	 m;
	const char	*why;
	size_t		 used, n = strlen(one), i;

	snprintf(buf, sizeof buf, "\r\n\r\n%s%s", one, one);
	ck_assert_int_eq(parse(&m, buf, true, &used, &why), 0);
	ck_assert_uint_eq(used, 4 + n);
	pl_is(&m.body, "hello");
	sip_msg_clear(&m);
	ck_assert_int_eq(parse(&m, buf + used, true, &used, &why), 0);
	ck_assert_uint_eq(used, n);
	sip_msg_clear(&m);
	/* every prefix of a message is "more, please" */
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sip_msg_parse(&m, (const uint8_t *)one, i,
		    true, &lim, &used, &why), ENODATA);
		ck_assert_uint_eq(used, 0);
	}
	/* keepalives alone: consumed, nothing else */
	ck_assert_int_eq(parse(&m, "\r\n\r\n", true, &used, &why), ENODATA);
	ck_assert_uint_eq(used, 4);
	/* on a datagram: no Content-Length, the rest is the body; past
	 * Content-Length, dropped */
	snprintf(buf, sizeof buf, "MESSAGE sip:b@p2psipd.localhost SIP/2.0"
	    "\r\n%s\r\nhi there", HDRS("MESSAGE"));
	ck_assert_int_eq(parse(&m, buf, false, &used, &why), 0);
	pl_is(&m.body, "hi there");
	sip_msg_clear(&m);
	snprintf(buf, sizeof buf, "MESSAGE sip:b@p2psipd.localhost SIP/2.0"
	    "\r\n%sContent-Length: 2\r\n\r\nhi there", HDRS("MESSAGE"));
	ck_assert_int_eq(parse(&m, buf, false, &used, &why), 0);
	pl_is(&m.body, "hi");
	ck_assert_uint_eq(used, strlen(buf));
	sip_msg_clear(&m);
}
END_TEST

/* Malformed messages and the reason each gets. */
static const struct {
	const char	*msg;
	bool		 stream;
	int		 rc;
	const char	*why;
} bad[] = {
	{ "INVITE sip:b@x.org SIP/2.0\r\n" HDRS("INVITE") "\r\n", true,
	    EBADMSG, "Missing Content-Length" },
	{ "INVITE sip:b@x.org SIP/2.0\r\n" HDRS("BYE") "\r\n", false,
	    EBADMSG, "CSeq Method Does Not Match" },
	{ "INVITE sip:b@x.org SIP/3.0\r\n" HDRS("INVITE") "\r\n", false,
	    EPROTONOSUPPORT, "Version Not Supported" },
	{ "INVITE sip:b@x.org SIP/2.00\r\n" HDRS("INVITE") "\r\n", false,
	    EBADMSG, "Bad Request Line" },
	{ "INVITE  sip:b@x.org SIP/2.0\r\n" HDRS("INVITE") "\r\n", false,
	    EBADMSG, "Bad Request Line" },
	{ "INVITE <sip:b@x.org> SIP/2.0\r\n" HDRS("INVITE") "\r\n", false,
	    EBADMSG, "Bad Request-URI" },
	{ "INVITE sip:b@x..org SIP/2.0\r\n" HDRS("INVITE") "\r\n", false,
	    EBADMSG, "Bad Request-URI" },
	{ "INVITE sip:b@x.org:99999 SIP/2.0\r\n" HDRS("INVITE") "\r\n",
	    false, EBADMSG, "Bad Request-URI" },
	{ "INVITE sip:b@x.org;p=\"q\" SIP/2.0\r\n" HDRS("INVITE") "\r\n",
	    false, EBADMSG, "Bad Request-URI" },
	{ "INV(TE sip:b@x.org SIP/2.0\r\n" HDRS("INV(TE") "\r\n", false,
	    EBADMSG, "Bad Request Line" },
	{ "SIP/2.0 99 Early\r\n" HDRS("INVITE") "\r\n", false, EBADMSG,
	    "Bad Status Line" },
	{ "SIP/2.0 1000 Big\r\n" HDRS("INVITE") "\r\n", false, EBADMSG,
	    "Bad Status Line" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n", false, EBADMSG, "Missing Via" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n", false, EBADMSG, "Bad Via" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\"x\"\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n", false, EBADMSG, "Bad Via" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n", false, EBADMSG, "Bad Call-ID" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCall-ID: d\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n", false, EBADMSG, "Bad Call-ID" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n", false, EBADMSG, "Bad To" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: \"unterminated <sip:a@x.org>;tag=1\r\nCall-ID: c\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n", false, EBADMSG, "Bad From" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "To: <sip:c@x.org>\r\n\r\n", false, EBADMSG, "Bad To" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\n"
	    "CSeq: 2147483648 OPTIONS\r\n\r\n", false, EBADMSG, "Bad CSeq" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 256\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n", false, EBADMSG, "Bad Max-Forwards" },
	{ "OPTIONS sip:x.org SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nMax-Forwards: 9\r\n"
	    "CSeq: 1 OPTIONS\r\n\r\n", false, EBADMSG, "Bad Max-Forwards" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "Content-Length: -1\r\n\r\n", false, EBADMSG,
	    "Bad Content-Length" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", false,
	    EBADMSG, "Bad Content-Length" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "Content-Length: 10\r\n\r\nabc", false, EBADMSG,
	    "Content-Length Beyond The Datagram" },
	{ "OPTIONS sip:x.org SIP/2.0\n" HDRS("OPTIONS") "\r\n", false,
	    EBADMSG, "Bad Line Ending" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "Bad Name: x\r\n\r\n", false, EBADMSG, "Bad Header Name" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "Allow: INVITE,,ACK\r\n\r\n", false, EBADMSG,
	    "Empty Header List Element" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "Contact:\r\n\r\n", false, EBADMSG, "Empty Header" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS")
	    "X: a\001b\r\n\r\n", false, EBADMSG,
	    "Control Character In Header" },
	{ "OPTIONS sip:x.org SIP/2.0\r\n" HDRS("OPTIONS"), false, EBADMSG,
	    "No End Of Headers" },
};

START_TEST(malformed_refused)
{
	struct sip_msg	 m;
	const char	*why;
	size_t		 used;
	int		 rc;

	rc = parse(&m, bad[_i].msg, bad[_i].stream, &used, &why);
	ck_assert_msg(rc == bad[_i].rc, "case %d: rc %d", _i, rc);
	ck_assert_msg(why != NULL && strcmp(why, bad[_i].why) == 0,
	    "case %d: why '%s', want '%s'", _i, why ? why : "(null)",
	    bad[_i].why);
	ck_assert_ptr_null(m.buf);
}
END_TEST

/* The limits: the whole message, and how many header entries. */
START_TEST(limits)
{
	struct sip_limits	 small = { 400, 8 };
	char			 buf[4096];
	struct sip_msg		 m;
	const char		*why;
	size_t			 used;
	int			 n, i;

	n = snprintf(buf, sizeof buf, "OPTIONS sip:x.org SIP/2.0\r\n%s",
	    HDRS("OPTIONS"));
	for (i = 0; i < 3; i++)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "X-%d: y\r\n",
		    i);
	snprintf(buf + n, sizeof buf - (size_t)n, "\r\n");
	ck_assert_int_eq(sip_msg_parse(&m, (const uint8_t *)buf, strlen(buf),
	    false, &small, &used, &why), EBADMSG);
	ck_assert_str_eq(why, "Too Many Headers");
	small.max_hdrs = 9;
	ck_assert_int_eq(sip_msg_parse(&m, (const uint8_t *)buf, strlen(buf),
	    false, &small, &used, &why), 0);
	sip_msg_clear(&m);
	/* a header section that never ends, or a body past the limit */
	memset(buf, 'x', sizeof buf);
	memcpy(buf, "OPTIONS sip:x.org SIP/2.0\r\nX: ", 30);
	ck_assert_int_eq(sip_msg_parse(&m, (const uint8_t *)buf, sizeof buf,
	    true, &small, &used, &why), EMSGSIZE);
	n = snprintf(buf, sizeof buf, "OPTIONS sip:x.org SIP/2.0\r\n%s"
	    "Content-Length: 300\r\n\r\n", HDRS("OPTIONS"));
	ck_assert_int_eq(sip_msg_parse(&m, (const uint8_t *)buf, (size_t)n,
	    true, &small, &used, &why), EMSGSIZE);
}
END_TEST

/* URIs: the forms §19.1.1 allows, and what it does not. */
START_TEST(uris)
{
	static const char *const good[] = {
		"sip:alice@atlanta.com",
		"sip:alice:secretword@atlanta.com;transport=tcp",
		"sips:alice@atlanta.com?subject=project%20x&priority=urgent",
		"sip:+1-212-555-1212:1234@gateway.com;user=phone",
		"sips:1212@gateway.com",
		"sip:alice@192.0.2.4",
		"sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
		"sip:alice;day=tuesday@atlanta.com",
		"sip:[2001:db8::10]:5070;lr",
		"SIP:ALICE@ATLANTA.COM.",
	};
	static const char *const nogood[] = {
		"sip:", "sip:@x.org", "sip:a@", "sip:a@x.org:", "sip:a@x.org:0",
		"sip:a@-x.org", "sip:a@x-.org", "sip:a@1.2.3", "sip:a@1.2.3.256",
		"sip:a@[2001:db8::g]", "sip:a@[::1", "sip:a b@x.org",
		"sip:a@x.org;", "sip:a@x.org?", "sip:a@x.org?h", "sip:a%4@x.org",
		"http://x.org", "sip:a@x.org;a\"b",
	};
	struct sip_uri	u;
	struct sip_pl	v;
	unsigned	i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(sip_uri_parse(&u, good[i], strlen(good[i])) == 0,
		    "refused %s", good[i]);
	for (i = 0; i < sizeof nogood / sizeof nogood[0]; i++)
		ck_assert_msg(sip_uri_parse(&u, nogood[i], strlen(nogood[i])) ==
		    EBADMSG, "took %s", nogood[i]);
	ck_assert_int_eq(sip_uri_parse(&u, good[1], strlen(good[1])), 0);
	pl_is(&u.user, "alice");
	pl_is(&u.password, "secretword");
	ck_assert(sip_uri_param(&u.params, "TRANSPORT", &v));
	pl_is(&v, "tcp");
	ck_assert_int_eq(sip_uri_parse(&u, good[7], strlen(good[7])), 0);
	pl_is(&u.user, "alice;day=tuesday");
	pl_is(&u.host, "atlanta.com");
	ck_assert_int_eq(sip_uri_parse(&u, good[2], strlen(good[2])), 0);
	ck_assert(u.sips);
	pl_is(&u.headers, "?subject=project%20x&priority=urgent");
}
END_TEST

/* Written out and parsed again, a message says the same. */
START_TEST(write_round_trip)
{
	const char	*s = "INVITE sip:bob@p2psipd.localhost SIP/2.0\r\n"
	    "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa, SIP/2.0/TCP h2\r\n"
	    "f: <sip:alice@p2psipd.localhost>;tag=1\r\n"
	    "t: sip:bob@p2psipd.localhost\r\n"
	    "i: abc\r\nCSeq: 7 INVITE\r\nMax-Forwards: 3\r\n"
	    "X-Foo: bar\r\nl: 3\r\n\r\nabc";
	struct sip_msg	 m, m2;
	struct wbuf	 w;
	const char	*why;
	size_t		 used;
	unsigned	 i;

	ck_assert_int_eq(parse(&m, s, true, &used, &why), 0);
	wbuf_init(&w, 1 << 16);
	sip_msg_write(&w, &m);
	ck_assert(!w.err);
	ck_assert_int_eq(sip_msg_parse(&m2, w.p, w.len, true, &lim, &used,
	    &why), 0);
	ck_assert_uint_eq(used, w.len);
	ck_assert_uint_eq(m2.nhdrs, m.nhdrs);
	for (i = 0; i < m.nhdrs; i++) {
		ck_assert_int_eq(m2.hdrs[i].id, m.hdrs[i].id);
		ck_assert(m2.hdrs[i].value.l == m.hdrs[i].value.l &&
		    memcmp(m2.hdrs[i].value.p, m.hdrs[i].value.p,
		    m.hdrs[i].value.l) == 0);
	}
	pl_is(&m2.body, "abc");
	ck_assert(strstr((const char *)w.p, "Via: SIP/2.0/UDP") != NULL);
	ck_assert(strstr((const char *)w.p, "Content-Length: 3\r\n") != NULL);
	wbuf_clear(&w);
	sip_msg_clear(&m);
	sip_msg_clear(&m2);
}
END_TEST

/* §18.2.1, RFC 3581 §4: received and rport filled in on the top Via. */
START_TEST(via_received)
{
	const char	*s = "OPTIONS sip:x.org SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP phone.example.org:5062;rport;branch=z9hG4bKv;"
	    "received=1.1.1.1\r\nVia: SIP/2.0/UDP h2;branch=z9hG4bKw\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n";
	const char	*s2 = "OPTIONS sip:x.org SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bKv\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:b@x.org>\r\n"
	    "From: <sip:a@x.org>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
	    "\r\n";
	struct sip_msg	 m, ref;
	const char	*why;
	size_t		 used;

	ck_assert_int_eq(parse(&m, s, false, &used, &why), 0);
	sip_msg_via_received(&m, "192.0.2.9", 40001);
	pl_is(&m.hdrs[0].value, "SIP/2.0/UDP phone.example.org:5062;"
	    "branch=z9hG4bKv;received=192.0.2.9;rport=40001");
	pl_is(&m.via.received, "192.0.2.9");
	ck_assert_uint_eq(m.via.rport_value, 40001);
	pl_is(&m.via.branch, "z9hG4bKv");
	pl_is(&m.hdrs[1].value, "SIP/2.0/UDP h2;branch=z9hG4bKw");
	/* the amended Via's own copy is copied too */
	ck_assert_int_eq(parse(&ref, s, false, &used, &why), 0);
	sip_msg_via_received(&ref, "192.0.2.9", 40001);
	dup_matches(&m, &ref);
	sip_msg_clear(&ref);
	/* from the address it names, without rport: unchanged */
	ck_assert_int_eq(parse(&m, s2, false, &used, &why), 0);
	sip_msg_via_received(&m, "192.0.2.5", 5062);
	ck_assert_uint_eq(m.via.received.l, 0);
	sip_msg_via_received(&m, "192.0.2.6", 5062);
	pl_is(&m.via.received, "192.0.2.6");
	ck_assert(!m.via.rport);
	sip_msg_clear(&m);
}
END_TEST

/* A request the parser refuses is answered from its raw lines. */
START_TEST(bad_reply)
{
	const char	*s = "INVITE sip:b@x.org SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bKq\r\nv: SIP/2.0/UDP h2\r\n"
	    "f: <sip:a@x.org>;tag=1\r\nTo: <sip:b@x.org>\r\n"
	    "Call-ID: c\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\n\r\n";
	struct wbuf	 w;

	wbuf_init(&w, 1 << 16);
	ck_assert_int_eq(sip_msg_bad_reply((const uint8_t *)s, strlen(s), 400,
	    "CSeq Method Does Not Match", &w), 0);
	ck_assert_uint_eq(w.len, strlen("SIP/2.0 400 CSeq Method Does Not "
	    "Match\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKq\r\nVia: SIP/2.0/UDP "
	    "h2\r\nFrom: <sip:a@x.org>;tag=1\r\nTo: <sip:b@x.org>\r\n"
	    "Call-ID: c\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n"));
	wbuf_clear(&w);
	/* a response, garbage, or no Call-ID: nothing to answer */
	wbuf_init(&w, 1 << 16);
	ck_assert_int_eq(sip_msg_bad_reply((const uint8_t *)"SIP/2.0 200 OK"
	    "\r\n\r\n", 18, 400, "x", &w), EBADMSG);
	ck_assert_int_eq(sip_msg_bad_reply((const uint8_t *)"\x16\x03\x01",
	    3, 400, "x", &w), EBADMSG);
	ck_assert_int_eq(sip_msg_bad_reply((const uint8_t *)s, 80, 400, "x",
	    &w), EBADMSG);
	wbuf_clear(&w);
}
END_TEST

/*
 * RFC 4475's torture messages (tests/data/rfc4475, byte for byte), each
 * as a datagram: what §3 asks of a parser.  OK: well formed, must parse
 * (and survive a write and a parse again); BAD: a 400 (or an error) is
 * what the RFC wants, and the request gets one; ANSWER: the RFC allows
 * a 400 or a liberal reading, we refuse, but never in silence; DROP: a
 * broken response, dropped; VERSION: a 505.
 */
enum torture_want { T_OK, T_BAD, T_ANSWER, T_DROP, T_VERSION };

static const struct {
	const char		*name;
	enum torture_want	 want;
} torture[] = {
	{ "wsinv", T_OK }, { "intmeth", T_OK }, { "esc01", T_OK },
	{ "escnull", T_OK }, { "esc02", T_OK }, { "lwsdisp", T_OK },
	{ "longreq", T_OK }, { "dblreq", T_OK }, { "semiuri", T_OK },
	{ "transports", T_OK }, { "mpart01", T_OK }, { "unreason", T_OK },
	{ "noreason", T_OK }, { "badinv01", T_BAD }, { "clerr", T_BAD },
	{ "ncl", T_BAD }, { "scalar02", T_BAD }, { "scalarlg", T_DROP },
	{ "quotbal", T_ANSWER }, { "ltgtruri", T_ANSWER },
	{ "lwsruri", T_ANSWER }, { "lwsstart", T_ANSWER },
	{ "trws", T_ANSWER }, { "escruri", T_OK }, { "baddate", T_OK },
	{ "regbadct", T_OK }, { "badaspec", T_ANSWER }, { "baddn", T_ANSWER },
	{ "badvers", T_VERSION }, { "mismatch01", T_BAD },
	{ "mismatch02", T_BAD }, { "bigcode", T_DROP }, { "badbranch", T_OK },
	{ "insuf", T_BAD }, { "unkscm", T_OK }, { "novelsc", T_OK },
	{ "unksm2", T_OK }, { "bext01", T_OK }, { "invut", T_OK },
	{ "regaut01", T_OK }, { "multi01", T_BAD }, { "mcl01", T_BAD },
	{ "bcast", T_OK }, { "zeromf", T_OK }, { "cparam01", T_OK },
	{ "cparam02", T_OK }, { "regescrt", T_OK }, { "sdp01", T_OK },
	{ "inv2543", T_OK },
};

/* tests/data/rfc4475/NAME.dat (the tests run from the top directory),
 * into buf; its length. */
static size_t
torture_read(const char *name, uint8_t *buf, size_t max)
{
	char	 path[256];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof path, "tests/data/rfc4475/%s.dat", name);
	ck_assert_msg((f = fopen(path, "rb")) != NULL, "%s", path);
	n = fread(buf, 1, max, f);
	ck_assert(!ferror(f) && n < max);
	fclose(f);
	return n;
}

START_TEST(rfc4475_torture)
{
	static uint8_t	 buf[8192];
	struct sip_msg	 m, m2;
	struct wbuf	 w, r;
	const char	*why;
	size_t		 len, used;
	int		 rc;

	len = torture_read(torture[_i].name, buf, sizeof buf);
	rc = sip_msg_parse(&m, buf, len, false, &lim, &used, &why);
	wbuf_init(&r, 1 << 16);
	switch (torture[_i].want) {
	case T_OK:
		ck_assert_msg(rc == 0, "%s: %s", torture[_i].name, why);
		/* dblreq: the octets past Content-Length are dropped */
		ck_assert_uint_eq(used, len);
		wbuf_init(&w, 1 << 16);
		sip_msg_write(&w, &m);
		ck_assert_msg(sip_msg_parse(&m2, w.p, w.len, true, &lim,
		    &used, &why) == 0, "%s again: %s", torture[_i].name, why);
		ck_assert(m2.request == m.request && m2.cseq == m.cseq &&
		    m2.call_id.l == m.call_id.l && m2.body.l == m.body.l);
		sip_msg_clear(&m2);
		wbuf_clear(&w);
		/* its copy is what a parse gives */
		ck_assert_int_eq(sip_msg_parse(&m2, buf, len, false, &lim,
		    &used, &why), 0);
		dup_matches(&m, &m2);
		sip_msg_clear(&m2);
		break;
	case T_BAD:
	case T_ANSWER:
		ck_assert_msg(rc == EBADMSG, "%s parsed", torture[_i].name);
		ck_assert_msg(sip_msg_bad_reply(buf, len, 400, why, &r) == 0,
		    "%s: no 400", torture[_i].name);
		ck_assert(memcmp(r.p, "SIP/2.0 400 ", 12) == 0);
		break;
	case T_DROP:
		ck_assert_int_eq(rc, EBADMSG);
		ck_assert_int_eq(sip_msg_bad_reply(buf, len, 400, why, &r),
		    EBADMSG);
		break;
	case T_VERSION:
		ck_assert_int_eq(rc, EPROTONOSUPPORT);
		ck_assert_int_eq(sip_msg_bad_reply(buf, len, 505, why, &r), 0);
		ck_assert(memcmp(r.p, "SIP/2.0 505 Version Not Supported\r\n",
		    35) == 0);
		break;
	}
	wbuf_clear(&r);
}
END_TEST

/* RFC 4475 §3.1.1.1, §3.1.1.2: the hard parts read right. */
START_TEST(rfc4475_values)
{
	static uint8_t	 buf[8192];
	struct sip_msg	 m;
	const char	*why;
	size_t		 len, used;

	len = torture_read("wsinv", buf, sizeof buf);
	ck_assert_int_eq(sip_msg_parse(&m, buf, len, false, &lim, &used,
	    &why), 0);
	pl_is(&m.to.uri_str, "sip:vivekg@chair-dnrc.example.com");
	pl_is(&m.to_tag, "1918181833n");
	pl_is(&m.from_tag, "98asjd8");
	ck_assert_int_eq(m.max_forwards, 68);
	ck_assert_uint_eq(m.cseq, 9);
	ck_assert_uint_eq(m.nvia, 3);
	ck_assert_uint_eq(m.body.l, 150);
	sip_msg_clear(&m);
	len = torture_read("intmeth", buf, sizeof buf);
	ck_assert_int_eq(sip_msg_parse(&m, buf, len, false, &lim, &used,
	    &why), 0);
	pl_is(&m.method, "!interesting-Method0123456789_*+`.%indeed'~");
	/* "BEL:\<07> NUL:\<00> DEL:\<7f>", quotes dropped, escapes kept */
	ck_assert_uint_eq(m.to.display.l, 20);
	ck_assert(m.to.display.p[5] == '\a' && m.to.display.p[12] == '\0' &&
	    m.to.display.p[19] == 0x7f);
	sip_msg_clear(&m);
	len = torture_read("inv2543", buf, sizeof buf);
	ck_assert_int_eq(sip_msg_parse(&m, buf, len, false, &lim, &used,
	    &why), 0);
	ck_assert_int_eq(m.max_forwards, -1);	/* none: §16.6 adds it */
	sip_msg_clear(&m);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_msg");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, invite_parsed);
	tcase_add_test(tc, header_forms);
	tcase_add_test(tc, response_parsed);
	tcase_add_test(tc, stream_framing);
	tcase_add_loop_test(tc, malformed_refused, 0,
	    (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, limits);
	tcase_add_test(tc, uris);
	tcase_add_test(tc, write_round_trip);
	tcase_add_test(tc, via_received);
	tcase_add_test(tc, bad_reply);
	tcase_add_loop_test(tc, rfc4475_torture, 0,
	    (int)(sizeof torture / sizeof torture[0]));
	tcase_add_test(tc, rfc4475_values);
	suite_add_tcase(s, tc);
	return s;
}
