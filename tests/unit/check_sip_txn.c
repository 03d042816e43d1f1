/*
 * check_sip_txn.c - the four RFC 3261 §17 transaction state machines
 * with a virtual clock: every timer (A to K, and the 100 Trying after
 * 200 ms), retransmissions absorbed, the ACK for a non-2xx, where a
 * response goes (§18.2.2, RFC 3581), matching, and the limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "sip_msg.h"
#include "sip_txn.h"
#include "wire.h"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT, 128 };
static struct sip_txn_layer	*txl;
static uint64_t		 now;
static struct sip_flow	 udp, tcp;

static void
setup(void)
{
	struct sip_txn_layer_cfg	cfg = { 0 };

	txl = sip_txn_layer_new(&cfg, NULL);
	now = 1000;
	memset(&udp, 0, sizeof udp);
	udp.tp = SIP_TP_UDP;
	addr_parse("192.0.2.1:40000", 0, &udp.remote);
	tcp = udp;
	tcp.tp = SIP_TP_TCP;
	tcp.conn = 7;
}

static void
teardown(void)
{
	sip_txn_layer_free(txl);
}

/* A request's bytes. */
static char *
request(char *buf, size_t max, const char *method, const char *branch,
    bool rport)
{
	snprintf(buf, max, "%s sip:bob@p2psipd.localhost SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=%s%s\r\n"
	    "Max-Forwards: 70\r\n"
	    "Route: <sip:p1.example.org;lr>\r\n"
	    "From: <sip:alice@p2psipd.localhost>;tag=a1\r\n"
	    "To: <sip:bob@p2psipd.localhost>\r\n"
	    "Call-ID: c1@192.0.2.1\r\n"
	    "CSeq: 5 %s\r\n"
	    "Content-Length: 0\r\n\r\n", method, branch, rport ? ";rport" : "",
	    method);
	return buf;
}

static struct sip_msg *
parsed(const void *p, size_t len)
{
	struct sip_msg	*m = sip_msg_new();
	const char	*why;
	size_t		 used;

	ck_assert_msg(sip_msg_parse(m, p, len, false, &lim, &used, &why) == 0,
	    "%s", why);
	return m;
}

/* A response to the request in buf, as its server would send it. */
static struct sip_msg *
response(const char *req, unsigned status, const char *tag)
{
	struct sip_msg	*r = parsed(req, strlen(req)), *m;
	struct wbuf	 w;

	wbuf_init(&w, 1 << 16);
	sip_msg_reply(&w, r, status, "Whatever", tag);
	sip_msg_end(&w, NULL, 0);
	m = parsed(w.p, w.len);
	wbuf_clear(&w);
	sip_msg_free(r);
	return m;
}

struct seen {
	unsigned	sends, requests, responses, timeouts;
	unsigned	transport_errors;
	uint64_t	txn;
	unsigned	status;		/* of the last response event */
	char		last[2048];	/* the last bytes sent */
	struct sip_flow	to;
};

static void
drain(struct seen *s)
{
	struct sip_action	a;

	memset(s, 0, sizeof *s);
	while (sip_txn_layer_next_action(txl, &a)) {
		switch (a.type) {
		case SIP_ACT_SEND:
			s->sends++;
			snprintf(s->last, sizeof s->last, "%.*s", (int)a.len,
			    (const char *)a.data);
			s->to = a.flow;
			break;
		case SIP_ACT_REQUEST:
			s->requests++;
			s->txn = a.txn;
			break;
		case SIP_ACT_RESPONSE:
			s->responses++;
			s->txn = a.txn;
			s->status = a.msg->status;
			break;
		case SIP_ACT_TIMEOUT:
			s->timeouts++;
			s->txn = a.txn;
			break;
		case SIP_ACT_TRANSPORT_ERROR:
			s->transport_errors++;
			s->txn = a.txn;
			break;
		}
		free(a.data);
		sip_msg_free(a.msg);
	}
}

/* Run the clock to t, counting what happens on the way. */
static void
run_to(uint64_t t, struct seen *total)
{
	struct seen	s;

	memset(total, 0, sizeof *total);
	while (sip_txn_layer_deadline(txl) <= t) {
		now = sip_txn_layer_deadline(txl);
		sip_txn_layer_tick(txl, now);
		drain(&s);
		total->sends += s.sends;
		total->timeouts += s.timeouts;
		total->responses += s.responses;
	}
	now = t;
}

/* §17.1.2.2: E at T1 doubling to T2, F at 64*T1: 408 to the user. */
START_TEST(nict_udp_retransmits_and_times_out)
{
	char		 req[1024];
	uint64_t	 txn, start = now, expect[] = { 500, 1500, 3500, 7500,
			    11500, 15500 };
	struct seen	 s;
	unsigned	 i;

	request(req, sizeof req, "OPTIONS", "z9hG4bKn1", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 42, &txn), 0);
	drain(&s);
	ck_assert_uint_eq(s.sends, 1);
	for (i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		ck_assert_uint_eq(sip_txn_layer_deadline(txl), start + expect[i]);
		run_to(start + expect[i], &s);
		ck_assert_uint_eq(s.sends, 1);
	}
	run_to(start + 31999, &s);
	ck_assert_uint_eq(s.timeouts, 0);
	ck_assert_uint_eq(s.sends, 4);		/* 19.5, 23.5, 27.5, 31.5 */
	run_to(start + 32000, &s);
	ck_assert_uint_eq(s.timeouts, 1);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
	/* the same branch again is a new transaction now */
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 43, &txn), 0);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 44, &txn), EEXIST);
}
END_TEST

START_TEST(nict_final_then_timer_k)
{
	char		 req[1024];
	uint64_t	 txn;
	struct seen	 s;

	request(req, sizeof req, "REGISTER", "z9hG4bKn2", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 1, &txn), 0);
	drain(&s);
	now += 100;
	sip_txn_layer_input(txl, now, &udp, response(req, 100, NULL));
	drain(&s);
	ck_assert_uint_eq(s.responses, 1);
	ck_assert_uint_eq(s.status, 100);
	/* Proceeding: E goes on, at T2 */
	run_to(now + 4000, &s);
	ck_assert_uint_ge(s.sends, 1);
	sip_txn_layer_input(txl, now, &udp, response(req, 200, "b1"));
	drain(&s);
	ck_assert_uint_eq(s.responses, 1);
	ck_assert_uint_eq(s.txn, txn);
	ck_assert_uint_eq(s.status, 200);
	/* Completed: a retransmitted 200 is absorbed; K = T4 */
	sip_txn_layer_input(txl, now, &udp, response(req, 200, "b1"));
	drain(&s);
	ck_assert_uint_eq(s.responses, 0);
	ck_assert_uint_eq(s.sends, 0);
	run_to(now + 4999, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 1);
	run_to(now + 1, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
	ck_assert_uint_eq(s.sends, 0);
}
END_TEST

/* Reliable: no retransmissions, F still, K zero. */
START_TEST(nict_tcp)
{
	char		 req[1024];
	uint64_t	 txn, start = now;
	struct seen	 s;

	request(req, sizeof req, "MESSAGE", "z9hG4bKn3", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &tcp, (uint8_t *)req,
	    strlen(req), 1, &txn), 0);
	drain(&s);
	ck_assert_uint_eq(s.to.conn, 7);
	ck_assert_uint_eq(sip_txn_layer_deadline(txl), start + 32000);
	sip_txn_layer_input(txl, now, &tcp, response(req, 202, "t"));
	drain(&s);
	ck_assert_uint_eq(s.responses, 1);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
	ck_assert_uint_eq(sip_txn_layer_deadline(txl), UINT64_MAX);
}
END_TEST

/* §17.1.4: a transport error ends the client transactions on that
 * flow still waiting, and only those. */
START_TEST(transport_error)
{
	char		 r1[1024], r2[1024];
	uint64_t	 t1, t2;
	struct seen	 s;
	struct sip_flow	 other = tcp;

	request(r1, sizeof r1, "INVITE", "z9hG4bKe1", false);
	request(r2, sizeof r2, "MESSAGE", "z9hG4bKe2", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &tcp, (uint8_t *)r1,
	    strlen(r1), 1, &t1), 0);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)r2,
	    strlen(r2), 2, &t2), 0);
	drain(&s);
	other.conn = 8;
	sip_txn_layer_transport_error(txl, now, &other);
	drain(&s);
	ck_assert_uint_eq(s.transport_errors, 0);
	sip_txn_layer_transport_error(txl, now, &tcp);
	drain(&s);
	ck_assert_uint_eq(s.transport_errors, 1);
	ck_assert_uint_eq(s.txn, t1);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 1);	/* the UDP one */
	/* nothing is left of it: no Timer B later */
	now += 64000;
	sip_txn_layer_tick(txl, now);
	drain(&s);
	ck_assert_uint_eq(s.timeouts, 1);
	ck_assert_uint_eq(s.txn, t2);
}
END_TEST

/* §17.1.1: A doubling without cap, 1xx stops it, a 486 gets its ACK. */
START_TEST(ict_non2xx_ack)
{
	char		 req[1024];
	uint64_t	 txn, start = now;
	struct seen	 s;
	struct sip_msg	*ack;

	request(req, sizeof req, "INVITE", "z9hG4bKi1", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 9, &txn), 0);
	drain(&s);
	run_to(start + 500 + 1000 + 2000 + 4000 + 8000, &s);
	ck_assert_uint_eq(s.sends, 5);
	ck_assert_uint_eq(sip_txn_layer_deadline(txl), start + 16000 + 15500);
	sip_txn_layer_input(txl, now, &udp, response(req, 180, "bt"));
	drain(&s);
	ck_assert_uint_eq(s.responses, 1);
	run_to(now + 60000, &s);
	ck_assert_uint_eq(s.sends, 0);		/* Proceeding: quiet */
	ck_assert_uint_eq(s.timeouts, 0);
	sip_txn_layer_input(txl, now, &udp, response(req, 486, "bt"));
	drain(&s);
	ck_assert_uint_eq(s.responses, 1);
	ck_assert_uint_eq(s.status, 486);
	ck_assert_uint_eq(s.sends, 1);
	ack = parsed(s.last, strlen(s.last));
	ck_assert(sip_pl_eq(&ack->method, "ACK"));
	ck_assert(sip_pl_eq(&ack->via.branch, "z9hG4bKi1"));
	ck_assert(sip_pl_eq(&ack->to_tag, "bt"));
	ck_assert(sip_pl_eq(&ack->cseq_method, "ACK"));
	ck_assert_uint_eq(ack->cseq, 5);
	ck_assert_ptr_nonnull(sip_msg_hdr(ack, SIP_HDR_ROUTE, NULL));
	sip_msg_free(ack);
	/* the 486 again: the ACK again, nothing for the user */
	sip_txn_layer_input(txl, now, &udp, response(req, 486, "bt"));
	drain(&s);
	ck_assert_uint_eq(s.sends, 1);
	ck_assert_uint_eq(s.responses, 0);
	/* Timer D, 32 s */
	run_to(now + 31999, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 1);
	run_to(now + 1, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
}
END_TEST

/* A 2xx ends the INVITE client transaction; its resends are strays. */
START_TEST(ict_2xx)
{
	char		 req[1024];
	uint64_t	 txn;
	struct seen	 s;

	request(req, sizeof req, "INVITE", "z9hG4bKi2", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 9, &txn), 0);
	drain(&s);
	sip_txn_layer_input(txl, now, &udp, response(req, 200, "x"));
	drain(&s);
	ck_assert_uint_eq(s.txn, txn);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
	sip_txn_layer_input(txl, now, &udp, response(req, 200, "x"));
	drain(&s);
	ck_assert_uint_eq(s.responses, 1);
	ck_assert_uint_eq(s.txn, 0);
	/* Timer B on an INVITE nobody answers */
	request(req, sizeof req, "INVITE", "z9hG4bKi3", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 9, &txn), 0);
	run_to(now + 32000, &s);
	ck_assert_uint_eq(s.timeouts, 1);
}
END_TEST

/* §17.2.2: retransmissions absorbed or answered; J; where it goes. */
START_TEST(nist)
{
	char		 req[1024];
	struct seen	 s;
	struct sip_msg	*m;
	uint64_t	 txn;
	struct wbuf	 w;

	request(req, sizeof req, "REGISTER", "z9hG4bKs1", false);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_uint_eq(s.requests, 1);
	txn = s.txn;
	ck_assert_uint_ne(txn, 0);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_uint_eq(s.requests + s.sends, 0);	/* Trying: quiet */
	m = parsed(req, strlen(req));
	wbuf_init(&w, 1 << 16);
	sip_msg_reply(&w, m, 200, "OK", "t1");
	sip_msg_end(&w, NULL, 0);
	ck_assert_int_eq(sip_txn_layer_respond(txl, now, txn, w.p, w.len), 0);
	drain(&s);
	ck_assert_uint_eq(s.sends, 1);
	/* no rport: to the source address at the Via's port (§18.2.2) */
	ck_assert_uint_eq(s.to.remote.port, 5062);
	ck_assert_int_eq(sip_txn_layer_respond(txl, now, txn, w.p, w.len), ENOENT);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_uint_eq(s.sends, 1);
	ck_assert(strncmp(s.last, "SIP/2.0 200 OK", 14) == 0);
	run_to(now + 32000, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
	/* rport: the source port (RFC 3581 §4); TCP: no Timer J */
	request(req, sizeof req, "REGISTER", "z9hG4bKs2", true);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_int_eq(sip_txn_layer_respond(txl, now, s.txn, w.p, w.len), 0);
	drain(&s);
	ck_assert_uint_eq(s.to.remote.port, 40000);
	request(req, sizeof req, "REGISTER", "z9hG4bKs3", false);
	sip_txn_layer_input(txl, now, &tcp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_int_eq(sip_txn_layer_respond(txl, now, s.txn, w.p, w.len), 0);
	drain(&s);
	ck_assert_uint_eq(s.to.conn, 7);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 1);	/* s2's J */
	wbuf_clear(&w);
	sip_msg_free(m);
}
END_TEST

/* §17.2.1: 100 after 200 ms, G to T2, ACK: Confirmed, I. */
START_TEST(ist_non2xx)
{
	char		 req[1024], ackb[1024];
	struct seen	 s;
	struct sip_msg	*m;
	uint64_t	 txn, t0;
	struct wbuf	 w;

	request(req, sizeof req, "INVITE", "z9hG4bKs4", true);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	txn = s.txn;
	run_to(now + 199, &s);
	ck_assert_uint_eq(s.sends, 0);
	run_to(now + 1, &s);
	ck_assert_uint_eq(s.sends, 1);		/* 100 Trying */
	/* the INVITE again: the 100 again */
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_uint_eq(s.sends, 1);
	ck_assert(strncmp(s.last, "SIP/2.0 100 Trying", 18) == 0);
	m = parsed(req, strlen(req));
	wbuf_init(&w, 1 << 16);
	sip_msg_reply(&w, m, 486, "Busy Here", "t2");
	sip_msg_end(&w, NULL, 0);
	ck_assert_int_eq(sip_txn_layer_respond(txl, now, txn, w.p, w.len), 0);
	drain(&s);
	t0 = now;
	run_to(t0 + 500 + 1000 + 2000 + 4000 + 4000, &s);
	ck_assert_uint_eq(s.sends, 5);		/* G: 0.5 1 2 4 4 */
	/* the ACK (its branch is the INVITE's, §17.1.1.3) */
	snprintf(ackb, sizeof ackb, "ACK sip:bob@p2psipd.localhost SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKs4;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:alice@p2psipd.localhost>;tag=a1\r\n"
	    "To: <sip:bob@p2psipd.localhost>;tag=t2\r\n"
	    "Call-ID: c1@192.0.2.1\r\nCSeq: 5 ACK\r\n\r\n");
	sip_txn_layer_input(txl, now, &udp, parsed(ackb, strlen(ackb)));
	drain(&s);
	ck_assert_uint_eq(s.requests, 0);
	run_to(now + 4999, &s);
	ck_assert_uint_eq(s.sends, 0);		/* Confirmed: G stopped */
	sip_txn_layer_input(txl, now, &udp, parsed(ackb, strlen(ackb)));
	drain(&s);
	ck_assert_uint_eq(s.requests, 0);
	run_to(now + 1, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);	/* Timer I */
	/* an ACK no transaction takes goes to the user */
	sip_txn_layer_input(txl, now, &udp, parsed(ackb, strlen(ackb)));
	drain(&s);
	ck_assert_uint_eq(s.requests, 1);
	ck_assert_uint_eq(s.txn, 0);
	wbuf_clear(&w);
	sip_msg_free(m);
}
END_TEST

/* Timer H: no ACK ever comes. */
START_TEST(ist_timer_h)
{
	char		 req[1024];
	struct seen	 s;
	struct sip_msg	*m;
	struct wbuf	 w;

	request(req, sizeof req, "INVITE", "z9hG4bKs5", false);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	m = parsed(req, strlen(req));
	wbuf_init(&w, 1 << 16);
	sip_msg_reply(&w, m, 404, "Not Found", "t3");
	sip_msg_end(&w, NULL, 0);
	ck_assert_int_eq(sip_txn_layer_respond(txl, now, s.txn, w.p, w.len), 0);
	run_to(now + 31999, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 1);
	run_to(now + 1, &s);
	ck_assert_uint_eq(sip_txn_layer_count(txl), 0);
	wbuf_clear(&w);
	sip_msg_free(m);
}
END_TEST

/* §17.1.3: branch and CSeq method; beyond max_txns, 503. */
START_TEST(matching_and_limit)
{
	struct sip_txn_layer_cfg	 cfg = { .max_txns = 2 };
	char			 req[1024], req2[1024];
	uint64_t		 txn;
	struct seen		 s;
	struct sip_msg		*r;

	request(req, sizeof req, "INVITE", "z9hG4bKm1", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 1, &txn), 0);
	/* a CANCEL has the INVITE's branch, and its own transaction */
	request(req2, sizeof req2, "CANCEL", "z9hG4bKm1", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req2,
	    strlen(req2), 2, &txn), 0);
	drain(&s);
	sip_txn_layer_input(txl, now, &udp, response(req2, 200, "c"));
	drain(&s);
	ck_assert_uint_eq(s.txn, txn);
	r = response(req, 487, "c");
	sip_txn_layer_input(txl, now, &udp, r);
	drain(&s);
	ck_assert_uint_eq(s.status, 487);
	ck_assert_uint_ne(s.txn, txn);
	ck_assert_uint_ne(s.txn, 0);
	/* a branch without the magic cookie cannot start one */
	request(req, sizeof req, "OPTIONS", "old-style", false);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 1, &txn), EINVAL);
	sip_txn_layer_free(txl);
	txl = sip_txn_layer_new(&cfg, NULL);
	request(req, sizeof req, "OPTIONS", "z9hG4bKm2", false);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	request(req, sizeof req, "OPTIONS", "z9hG4bKm3", false);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	request(req, sizeof req, "OPTIONS", "z9hG4bKm4", false);
	sip_txn_layer_input(txl, now, &udp, parsed(req, strlen(req)));
	drain(&s);
	ck_assert_uint_eq(s.requests, 2);
	ck_assert_uint_eq(s.sends, 1);
	ck_assert(strncmp(s.last, "SIP/2.0 503", 11) == 0);
	ck_assert_int_eq(sip_txn_layer_request(txl, now, &udp, (uint8_t *)req,
	    strlen(req), 1, &txn), EBUSY);
}
END_TEST

/* Thousands of transactions: the heap keeps them in deadline order. */
START_TEST(many)
{
	char		 req[1024], branch[32];
	uint64_t	 txn, last = 0;
	struct seen	 s;
	unsigned	 i, ended = 0;

	for (i = 0; i < 5000; i++) {
		snprintf(branch, sizeof branch, "z9hG4bK%u", i);
		request(req, sizeof req, "OPTIONS", branch, false);
		ck_assert_int_eq(sip_txn_layer_request(txl, now + i % 97, &udp,
		    (uint8_t *)req, strlen(req), i, &txn), 0);
	}
	drain(&s);
	while (sip_txn_layer_count(txl) > 0) {
		ck_assert_uint_ge(sip_txn_layer_deadline(txl), last);
		last = sip_txn_layer_deadline(txl);
		sip_txn_layer_tick(txl, last);
		drain(&s);
		ended += s.timeouts;
	}
	ck_assert_uint_eq(ended, 5000);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_txn");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nict_udp_retransmits_and_times_out);
	tcase_add_test(tc, nict_final_then_timer_k);
	tcase_add_test(tc, nict_tcp);
	tcase_add_test(tc, transport_error);
	tcase_add_test(tc, ict_non2xx_ack);
	tcase_add_test(tc, ict_2xx);
	tcase_add_test(tc, nist);
	tcase_add_test(tc, ist_non2xx);
	tcase_add_test(tc, ist_timer_h);
	tcase_add_test(tc, matching_and_limit);
	tcase_add_test(tc, many);
	suite_add_tcase(s, tc);
	return s;
}
