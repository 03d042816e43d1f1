/*
 * check_turn.c - the TURN client core (RFC 8656) against a model server
 * on a virtual clock: the long-term credential mechanism (a 401 first, a
 * stale nonce, wrong credentials), Allocate, Refresh before the lifetime
 * ends, CreatePermission and ChannelBind and their refreshes, Send
 * indications and ChannelData out, Data indications and ChannelData in,
 * release; the same over a TCP stream cut at every byte; answers that
 * are not signed, or come from elsewhere, are not taken.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "addr.h"
#include "check_main.h"
#include "rng.h"
#include "stun.h"
#include "nat_relay.h"
#include "turn.h"
#include "wire.h"

#define REALM	"lab.test"

struct server {
	struct stun_key	 key;
	char		 nonce[32];
	unsigned	 nonces;	/* handed out */
	bool		 stale_next;	/* the next signed request: 438 */
	bool		 unsigned_answers;
	bool		 silent;
	unsigned	 allocs, refreshes, perms, binds, sends, chdata;
	unsigned	 released;
	uint16_t	 channel;
	struct addr	 peer;
	uint8_t		 last[TURN_MSG_MAX];
	size_t		 last_len;
	/* what the core was sent back, to feed it */
	uint8_t		 out[8][TURN_MSG_MAX];
	size_t		 out_len[8];
	unsigned	 nout;
};

static struct rng_xoshiro	xs;
static struct rng		rng = { rng_xoshiro_fill, &xs };
static struct addr		SERVER, RELAYED, MAPPED, PEER;

static struct addr
ad(const char *s)
{
	struct addr	a;

	ck_assert_int_eq(addr_parse(s, 0, &a), 0);
	return a;
}

static void
setup(void)
{
	SERVER = ad("203.0.113.10:3478");
	RELAYED = ad("203.0.113.10:50000");
	MAPPED = ad("198.51.100.7:40001");
	PEER = ad("198.51.100.9:6000");
	rng_xoshiro_seed(&xs, 7);
}

static void
server_init(struct server *s)
{
	memset(s, 0, sizeof *s);
	ck_assert_int_eq(stun_key_long(&s->key, STUN_PWALG_MD5, "lab", 3,
	    REALM, strlen(REALM), "labpass", 7), 0);
	snprintf(s->nonce, sizeof s->nonce, "nonce%u", s->nonces++);
}

static void
server_reply(struct server *s, struct stun_builder *b, bool sign)
{
	size_t	n;

	if (sign && !s->unsigned_answers)
		stun_build_integrity(b, &s->key);
	stun_build_fingerprint(b);
	ck_assert_int_eq(stun_build_end(b), 0);
	ck_assert_int_lt(s->nout, 8);
	n = b->w->len;
	memcpy(s->out[s->nout], b->w->p, n);
	s->out_len[s->nout++] = n;
}

/* The server takes one message of the core. */
static void
server_take(struct server *s, const uint8_t *buf, size_t len)
{
	struct stun_msg		 m;
	struct stun_builder	 b;
	struct wbuf		 w;
	const char		*txt;
	size_t			 n;
	uint8_t			 v[4];
	const struct stun_attr	*a;

	memcpy(s->last, buf, len);
	s->last_len = len;
	if (s->silent)
		return;
	if ((buf[0] & 0xc0) == 0x40) {
		ck_assert_int_eq(wire_be16(buf), s->channel);
		ck_assert_int_le(4 + wire_be16(buf + 2), len);
		s->chdata++;
		return;
	}
	ck_assert_int_eq(stun_parse(&m, buf, len), 0);
	if (m.cls == STUN_INDICATION) {
		ck_assert_int_eq(m.method, STUN_SEND);
		ck_assert_int_eq(stun_get_addr(&m, STUN_A_XOR_PEER_ADDRESS,
		    &s->peer), 0);
		ck_assert_ptr_nonnull(stun_attr_find(&m, STUN_A_DATA));
		s->sends++;
		return;
	}
	ck_assert_int_eq(m.cls, STUN_REQUEST);
	wbuf_init(&w, TURN_MSG_MAX);
	if (m.mi.val == NULL) {
		stun_build_begin(&b, &w, m.method, STUN_ERROR, m.tid);
		stun_build_error(&b, 401, "Unauthorized");
		stun_build_attr(&b, STUN_A_REALM, REALM, strlen(REALM));
		stun_build_attr(&b, STUN_A_NONCE, s->nonce, strlen(s->nonce));
		server_reply(s, &b, false);
		goto out;
	}
	ck_assert_int_eq(stun_get_text(&m, STUN_A_USERNAME, &txt, &n), 0);
	if (n != 3 || memcmp(txt, "lab", 3) != 0 ||
	    stun_check_integrity(&m, &s->key) != 0) {
		stun_build_begin(&b, &w, m.method, STUN_ERROR, m.tid);
		stun_build_error(&b, 401, "Unauthorized");
		stun_build_attr(&b, STUN_A_REALM, REALM, strlen(REALM));
		stun_build_attr(&b, STUN_A_NONCE, s->nonce, strlen(s->nonce));
		server_reply(s, &b, false);
		goto out;
	}
	ck_assert_int_eq(stun_get_text(&m, STUN_A_NONCE, &txt, &n), 0);
	if (s->stale_next || n != strlen(s->nonce) ||
	    memcmp(txt, s->nonce, n) != 0) {
		s->stale_next = false;
		snprintf(s->nonce, sizeof s->nonce, "nonce%u", s->nonces++);
		stun_build_begin(&b, &w, m.method, STUN_ERROR, m.tid);
		stun_build_error(&b, 438, "Stale Nonce");
		stun_build_attr(&b, STUN_A_REALM, REALM, strlen(REALM));
		stun_build_attr(&b, STUN_A_NONCE, s->nonce, strlen(s->nonce));
		server_reply(s, &b, false);
		goto out;
	}
	stun_build_begin(&b, &w, m.method, STUN_SUCCESS, m.tid);
	switch (m.method) {
	case STUN_ALLOCATE:
		a = stun_attr_find(&m, STUN_A_REQUESTED_TRANSPORT);
		ck_assert_ptr_nonnull(a);
		ck_assert_int_eq(a->val[0], 17);
		s->allocs++;
		stun_build_addr(&b, STUN_A_XOR_RELAYED_ADDRESS, &RELAYED);
		stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, &MAPPED);
		wire_put_be32(v, 600);
		stun_build_attr(&b, STUN_A_LIFETIME, v, 4);
		break;
	case STUN_REFRESH:
		a = stun_attr_find(&m, STUN_A_LIFETIME);
		ck_assert_ptr_nonnull(a);
		if (wire_be32(a->val) == 0)
			s->released++;
		else
			s->refreshes++;
		stun_build_attr(&b, STUN_A_LIFETIME, a->val, 4);
		break;
	case STUN_CREATE_PERMISSION:
		ck_assert_int_eq(stun_get_addr(&m, STUN_A_XOR_PEER_ADDRESS,
		    &s->peer), 0);
		s->perms++;
		break;
	case STUN_CHANNEL_BIND:
		ck_assert_int_eq(stun_get_addr(&m, STUN_A_XOR_PEER_ADDRESS,
		    &s->peer), 0);
		a = stun_attr_find(&m, STUN_A_CHANNEL_NUMBER);
		ck_assert_ptr_nonnull(a);
		s->channel = wire_be16(a->val);
		ck_assert_int_ge(s->channel, TURN_CHAN_MIN);
		s->binds++;
		break;
	default:
		ck_abort_msg("method %u", m.method);
	}
	server_reply(s, &b, true);
out:
	wbuf_clear(&w);
}

/* Run until quiet: the core's messages to the server, the answers
 * back (over TCP as a stream cut into single bytes). */
static void
pump(struct turn *t, struct server *s, int64_t now, bool tcp,
    struct turn_action *acts, unsigned *nacts)
{
	struct turn_action	a;
	unsigned		i, k, rounds = 0;
	size_t			j;

	for (;;) {
		ck_assert_int_lt(rounds++, 100);
		while (turn_next_action(t, &a)) {
			if (a.type == TURN_ACT_SEND) {
				if (tcp && (a.buf[0] & 0xc0) == 0x40)
					ck_assert_int_eq(a.len % 4, 0);
				server_take(s, a.buf, a.len);
			} else if (acts != NULL) {
				ck_assert_int_lt(*nacts, 16);
				acts[(*nacts)++] = a;
			}
		}
		if (s->nout == 0)
			return;
		k = s->nout;
		s->nout = 0;
		for (i = 0; i < k; i++) {
			if (!tcp) {
				ck_assert(turn_input(t, now, &SERVER,
				    s->out[i], s->out_len[i]));
				continue;
			}
			for (j = 0; j < s->out_len[i]; j++)
				ck_assert(turn_input(t, now, NULL,
				    s->out[i] + j, 1));
		}
	}
}

static struct turn *
client(bool tcp, const char *password)
{
	struct turn_cfg	 c;
	struct turn	*t;

	memset(&c, 0, sizeof c);
	c.server = SERVER;
	c.tcp = tcp;
	c.user = "lab";
	c.password = password;
	c.stun.rto_ms = 500;
	c.stun.rc = 7;
	c.stun.rm = 16;
	ck_assert_int_eq(turn_new(&t, &c, &rng, NULL), 0);
	return t;
}

static void
allocation(bool tcp)
{
	struct server		 s;
	struct turn		*t;
	struct turn_action	 acts[16];
	unsigned		 n = 0, i;
	uint8_t			 msg[TURN_MSG_MAX];
	struct stun_builder	 b;
	struct wbuf		 w;
	uint8_t			 tid[STUN_TID_LEN] = { 5 };
	int64_t			 now = 0, end;

	setup();
	server_init(&s);
	t = client(tcp, "labpass");
	ck_assert_int_eq(turn_allocate(t, now), 0);
	ck_assert_int_eq(turn_allocate(t, now), EALREADY);
	pump(t, &s, now, tcp, acts, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(acts[0].type, TURN_ACT_ALLOCATED);
	ck_assert(addr_eq(&acts[0].relayed, &RELAYED));
	ck_assert(addr_eq(&acts[0].mapped, &MAPPED));
	ck_assert_int_eq(acts[0].lifetime_s, 600);
	ck_assert_int_eq(turn_state(t), TURN_ALLOCATED);
	ck_assert_int_eq(s.allocs, 1);

	/* a permission, then a channel */
	n = 0;
	ck_assert_int_eq(turn_permit(t, now, &PEER, false), 0);
	pump(t, &s, now, tcp, acts, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(acts[0].type, TURN_ACT_PERMITTED);
	ck_assert(acts[0].ok);
	ck_assert(addr_eq(&s.peer, &PEER));
	/* before a channel: a Send indication */
	ck_assert_int_eq(turn_send(t, now, &PEER, "hello", 5), 0);
	pump(t, &s, now, tcp, NULL, NULL);
	ck_assert_int_eq(s.sends, 1);
	n = 0;
	ck_assert_int_eq(turn_permit(t, now, &PEER, true), 0);
	pump(t, &s, now, tcp, acts, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(acts[0].type, TURN_ACT_CHANNEL);
	ck_assert(acts[0].ok);
	ck_assert_int_eq(acts[0].channel, TURN_CHAN_MIN);
	ck_assert_int_eq(s.binds, 1);
	ck_assert_int_eq(turn_send(t, now, &PEER, "hello", 5), 0);
	pump(t, &s, now, tcp, NULL, NULL);
	ck_assert_int_eq(s.chdata, 1);
	ck_assert_int_eq(s.sends, 1);
	ck_assert_int_eq(turn_send(t, now, &PEER, msg, TURN_DATA_MAX + 1),
	    EMSGSIZE);

	/* in: ChannelData, and a Data indication */
	wire_put_be16(msg, TURN_CHAN_MIN);
	wire_put_be16(msg + 2, 3);
	memcpy(msg + 4, "abc\0", 4);
	n = 0;
	if (tcp)
		for (i = 0; i < 8; i++)
			ck_assert(turn_input(t, now, NULL, msg + i, 1));
	else
		ck_assert(turn_input(t, now, &SERVER, msg, 7));
	wbuf_init(&w, TURN_MSG_MAX);
	stun_build_begin(&b, &w, STUN_DATA, STUN_INDICATION, tid);
	stun_build_addr(&b, STUN_A_XOR_PEER_ADDRESS, &PEER);
	stun_build_attr(&b, STUN_A_DATA, "xyz", 3);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert(turn_input(t, now, tcp ? NULL : &SERVER, w.p, w.len));
	/* from elsewhere over UDP: not the server's */
	if (!tcp)
		ck_assert(!turn_input(t, now, &PEER, w.p, w.len));
	wbuf_clear(&w);
	pump(t, &s, now, tcp, acts, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(acts[0].type, TURN_ACT_DATA);
	ck_assert_int_eq(acts[0].len, 3);
	ck_assert_mem_eq(acts[0].buf, "abc", 3);
	ck_assert(addr_eq(&acts[0].peer, &PEER));
	ck_assert_int_eq(acts[1].type, TURN_ACT_DATA);
	ck_assert_mem_eq(acts[1].buf, "xyz", 3);

	/* time passes: the channel before 5 min (its permission), the
	 * allocation before 10; a stale nonce on the way is taken */
	end = now + 30 * 60 * 1000;
	s.stale_next = true;
	while ((now = turn_deadline(t)) <= end) {
		turn_tick(t, now);
		n = 0;
		pump(t, &s, now, tcp, acts, &n);
		ck_assert_int_eq(n, 0);		/* refreshes: no news */
		ck_assert_int_eq(turn_state(t), TURN_ALLOCATED);
	}
	ck_assert_int_ge(s.refreshes, 3);
	ck_assert_int_ge(s.binds, 7);
	ck_assert_int_ge(s.nonces, 2);

	/* release */
	n = 0;
	ck_assert_int_eq(turn_release(t, now), 0);
	pump(t, &s, now, tcp, acts, &n);
	ck_assert_int_eq(s.released, 1);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(acts[0].type, TURN_ACT_RELEASED);
	ck_assert_int_eq(turn_send(t, now, &PEER, "x", 1), ENOTCONN);
	turn_free(t);
}

START_TEST(udp)
{
	allocation(false);
}
END_TEST

START_TEST(tcp)
{
	allocation(true);
}
END_TEST

START_TEST(wrong_password)
{
	struct server		 s;
	struct turn		*t;
	struct turn_action	 acts[16];
	unsigned		 n = 0;

	setup();
	server_init(&s);
	t = client(false, "guess");
	ck_assert_int_eq(turn_allocate(t, 0), 0);
	pump(t, &s, 0, false, acts, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(acts[0].type, TURN_ACT_FAILED);
	ck_assert_int_eq(acts[0].code, 401);
	ck_assert_int_eq(turn_state(t), TURN_FAILED);
	ck_assert_int_eq(s.allocs, 0);
	ck_assert_int_eq(turn_permit(t, 0, &PEER, false), ENOTCONN);
	turn_free(t);
}
END_TEST

START_TEST(unsigned_answer)
{
	struct server		 s;
	struct turn		*t;
	struct turn_action	 acts[16];
	unsigned		 n = 0;

	setup();
	server_init(&s);
	s.unsigned_answers = true;
	t = client(false, "labpass");
	ck_assert_int_eq(turn_allocate(t, 0), 0);
	pump(t, &s, 0, false, acts, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(acts[0].type, TURN_ACT_FAILED);
	ck_assert_int_eq(turn_relayed(t)->family, 0);
	turn_free(t);
}
END_TEST

START_TEST(no_answer)
{
	struct server		 s;
	struct turn		*t;
	struct turn_action	 a;
	int64_t			 now = 0;
	unsigned		 sends = 0, i;
	bool			 failed = false;

	setup();
	server_init(&s);
	t = client(false, "labpass");
	ck_assert_int_eq(turn_allocate(t, 0), 0);
	for (i = 0; i < 20 && !failed; i++) {
		while (turn_next_action(t, &a)) {
			if (a.type == TURN_ACT_SEND)
				sends++;
			else if (a.type == TURN_ACT_FAILED) {
				ck_assert_int_eq(a.code, 0);
				ck_assert_str_eq(a.why, "no answer");
				failed = true;
			}
		}
		if (failed)
			break;
		now = turn_deadline(t);
		turn_tick(t, now);
	}
	ck_assert(failed);
	ck_assert_int_eq(sends, 7);
	ck_assert_int_eq(now, 39500);
	turn_free(t);
}
END_TEST

START_TEST(tcp_garbage)
{
	struct turn		*t;
	struct turn_action	 a;
	static const uint8_t	 junk[] = "GET / HTTP/1.1\r\n\r\n";

	setup();
	t = client(true, "labpass");
	ck_assert_int_eq(turn_allocate(t, 0), 0);
	while (turn_next_action(t, &a))
		;
	ck_assert(turn_input(t, 0, NULL, junk, sizeof junk - 1));
	ck_assert_int_eq(turn_state(t), TURN_FAILED);
	ck_assert(turn_next_action(t, &a));
	ck_assert_int_eq(a.type, TURN_ACT_FAILED);
	turn_free(t);
}
END_TEST

START_TEST(bad_config)
{
	struct turn_cfg	 c;
	struct turn	*t;

	setup();
	memset(&c, 0, sizeof c);
	c.server = SERVER;
	c.user = "lab";
	c.password = "pass\x01word";
	c.stun.rto_ms = c.stun.rc = c.stun.rm = 1;
	ck_assert_int_eq(turn_new(&t, &c, &rng, NULL), EINVAL);
	c.password = "labpass";
	c.server.family = 0;
	ck_assert_int_eq(turn_new(&t, &c, &rng, NULL), EINVAL);
}
END_TEST

/*
 * nat_relay: the first relay of three that grants an allocation keeps
 * it.  One does not answer (skipped once its transaction times out), one
 * refuses the credentials (401 twice: skipped), the third allocates;
 * when all have failed, the list is tried again later.
 */
START_TEST(relay_list)
{
	struct nat_relay_cfg	 c;
	struct nat_relay	*nr;
	struct nat_relay_info	 ri;
	struct server		 refuser, good;
	struct server		*to;
	struct addr		 list[3], dst;
	uint8_t			 buf[TURN_MSG_MAX];
	size_t			 len;
	int64_t			 now = 1000, dl;
	unsigned		 i, rounds;

	setup();
	list[0] = ad("203.0.113.30:3478");	/* silent */
	list[1] = ad("203.0.113.31:3478");	/* another password */
	list[2] = SERVER;
	server_init(&refuser);
	ck_assert_int_eq(stun_key_long(&refuser.key, STUN_PWALG_MD5, "lab", 3,
	    REALM, strlen(REALM), "other", 5), 0);
	server_init(&good);
	memset(&c, 0, sizeof c);
	c.user = "lab";
	c.password = "labpass";
	c.stun.rto_ms = 500;
	c.stun.rc = 3;
	c.stun.rm = 4;
	ck_assert_int_eq(nat_relay_new(&nr, &c, &rng, NULL), 0);
	ck_assert_ptr_null(nat_relay_relayed(nr));
	nat_relay_set(nr, now, list, 3);
	ck_assert_uint_eq(nat_relay_count(nr), 3);
	for (rounds = 0; nat_relay_relayed(nr) == NULL; rounds++) {
		ck_assert_uint_lt(rounds, 200);
		while (nat_relay_next_send(nr, &dst, buf, &len)) {
			to = addr_eq(&dst, &list[1]) ? &refuser :
			    addr_eq(&dst, &SERVER) ? &good : NULL;
			if (to == NULL)
				continue;
			server_take(to, buf, len);
			for (i = 0; i < to->nout; i++)
				ck_assert(nat_relay_input(nr, now, &dst,
				    to->out[i], to->out_len[i]));
			to->nout = 0;
		}
		if (nat_relay_relayed(nr) != NULL)
			break;
		dl = nat_relay_deadline(nr);
		ck_assert_int_lt(dl, INT64_MAX);
		if (dl > now)
			now = dl;
		nat_relay_tick(nr, now);
	}
	ck_assert(addr_eq(nat_relay_relayed(nr), &RELAYED));
	ck_assert(addr_eq(nat_relay_server(nr), &SERVER));
	nat_relay_info(nr, 0, &ri);
	ck_assert_int_eq(ri.state, NAT_RELAY_SILENT);
	nat_relay_info(nr, 1, &ri);
	ck_assert_int_eq(ri.state, NAT_RELAY_REFUSED);
	ck_assert_uint_eq(ri.code, 401);
	nat_relay_info(nr, 2, &ri);
	ck_assert_int_eq(ri.state, NAT_RELAY_ALLOCATED);
	ck_assert(addr_eq(&ri.mapped, &MAPPED));
	ck_assert_str_eq(nat_relay_state_name(ri.state), "allocated");
	ck_assert_uint_eq(good.allocs, 1);
	/* bytes from elsewhere are not the allocation's */
	ck_assert(!nat_relay_input(nr, now, &list[0], buf, 20));
	/* the list again, the good one kept; then without it: all failed,
	 * nothing allocated, tried again after NAT_RELAY_RETRY_MS */
	nat_relay_set(nr, now, list, 3);
	ck_assert(addr_eq(nat_relay_relayed(nr), &RELAYED));
	nat_relay_set(nr, now, list, 2);
	ck_assert_ptr_null(nat_relay_relayed(nr));
	ck_assert_ptr_null(nat_relay_server(nr));
	ck_assert_int_eq(nat_relay_deadline(nr), now + NAT_RELAY_RETRY_MS);
	nat_relay_tick(nr, now + NAT_RELAY_RETRY_MS);
	nat_relay_info(nr, 0, &ri);
	ck_assert_int_eq(ri.state, NAT_RELAY_TRYING);
	nat_relay_free(nr);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("turn");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, udp);
	tcase_add_test(tc, tcp);
	tcase_add_test(tc, wrong_password);
	tcase_add_test(tc, unsigned_answer);
	tcase_add_test(tc, no_answer);
	tcase_add_test(tc, tcp_garbage);
	tcase_add_test(tc, bad_config);
	tcase_add_test(tc, relay_list);
	suite_add_tcase(s, tc);
	return s;
}
