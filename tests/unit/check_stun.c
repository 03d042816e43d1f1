/*
 * check_stun.c - the STUN codec (RFC 8489) against the test vectors of
 * RFC 5769 §2 (parsed, integrity and fingerprint verified, written again
 * byte for byte), the malformed inputs the parser must refuse, the
 * builder's rules, the keys of §9, and the Binding answer a SIP port
 * gives RFC 5626 §8 keep-alives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <zlib.h>

#include "addr.h"
#include "check_main.h"
#include "stun.h"
#include "wire.h"

/* RFC 5769 Appendix A: §2.1, §2.2, §2.3 and §2.4. */
static const uint8_t REQ[] =
    "\x00\x01\x00\x58"
    "\x21\x12\xa4\x42"
    "\xb7\xe7\xa7\x01\xbc\x34\xd6\x86\xfa\x87\xdf\xae"
    "\x80\x22\x00\x10"
      "STUN test client"
    "\x00\x24\x00\x04"
      "\x6e\x00\x01\xff"
    "\x80\x29\x00\x08"
      "\x93\x2f\xf9\xb1\x51\x26\x3b\x36"
    "\x00\x06\x00\x09"
      "\x65\x76\x74\x6a\x3a\x68\x36\x76\x59\x20\x20\x20"
    "\x00\x08\x00\x14"
      "\x9a\xea\xa7\x0c\xbf\xd8\xcb\x56\x78\x1e\xf2\xb5"
      "\xb2\xd3\xf2\x49\xc1\xb5\x71\xa2"
    "\x80\x28\x00\x04"
      "\xe5\x7a\x3b\xcf";

static const uint8_t RESPV4[] =
    "\x01\x01\x00\x3c"
    "\x21\x12\xa4\x42"
    "\xb7\xe7\xa7\x01\xbc\x34\xd6\x86\xfa\x87\xdf\xae"
    "\x80\x22\x00\x0b"
      "\x74\x65\x73\x74\x20\x76\x65\x63\x74\x6f\x72\x20"
    "\x00\x20\x00\x08"
      "\x00\x01\xa1\x47\xe1\x12\xa6\x43"
    "\x00\x08\x00\x14"
      "\x2b\x91\xf5\x99\xfd\x9e\x90\xc3\x8c\x74\x89\xf9"
      "\x2a\xf9\xba\x53\xf0\x6b\xe7\xd7"
    "\x80\x28\x00\x04"
      "\xc0\x7d\x4c\x96";

static const uint8_t RESPV6[] =
    "\x01\x01\x00\x48"
    "\x21\x12\xa4\x42"
    "\xb7\xe7\xa7\x01\xbc\x34\xd6\x86\xfa\x87\xdf\xae"
    "\x80\x22\x00\x0b"
      "\x74\x65\x73\x74\x20\x76\x65\x63\x74\x6f\x72\x20"
    "\x00\x20\x00\x14"
      "\x00\x02\xa1\x47"
      "\x01\x13\xa9\xfa\xa5\xd3\xf1\x79"
      "\xbc\x25\xf4\xb5\xbe\xd2\xb9\xd9"
    "\x00\x08\x00\x14"
      "\xa3\x82\x95\x4e\x4b\xe6\x7b\xf1\x17\x84\xc9\x7c"
      "\x82\x92\xc2\x75\xbf\xe3\xed\x41"
    "\x80\x28\x00\x04"
      "\xc8\xfb\x0b\x4c";

static const uint8_t REQLTC[] =
    "\x00\x01\x00\x60"
    "\x21\x12\xa4\x42"
    "\x78\xad\x34\x33\xc6\xad\x72\xc0\x29\xda\x41\x2e"
    "\x00\x06\x00\x12"
      "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83"
      "\xe3\x82\xaf\xe3\x82\xb9\x00\x00"
    "\x00\x15\x00\x1c"
      "\x66\x2f\x2f\x34\x39\x39\x6b\x39\x35\x34\x64\x36"
      "\x4f\x4c\x33\x34\x6f\x4c\x39\x46\x53\x54\x76\x79"
      "\x36\x34\x73\x41"
    "\x00\x14\x00\x0b"
      "\x65\x78\x61\x6d\x70\x6c\x65\x2e\x6f\x72\x67\x00"
    "\x00\x08\x00\x14"
      "\xf6\x70\x24\x65\x6d\xd6\x4a\x3e\x02\xb8\xe0\x71"
      "\x2e\x85\xc9\xa2\x8c\xa8\x96\x66";

#define VLEN(v)		(sizeof (v) - 1)
#define PASSWORD	"VOkJxbRl1RmTxUk/WvJxBt"
/* §2.4: the user name as USERNAME carries it, the password after
 * SASLprep. */
#define LTC_USER	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83" \
			"\xe3\x82\xaf\xe3\x82\xb9"
#define LTC_PASS	"TheMatrIX"

static const uint8_t TID[STUN_TID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
};

static void
parse_ok(struct stun_msg *m, const uint8_t *p, size_t len)
{
	ck_assert_int_eq(stun_parse(m, p, len), 0);
}

static void
text_is(const struct stun_msg *m, uint16_t type, const char *want)
{
	const char	*s;
	size_t		 len;

	ck_assert_int_eq(stun_get_text(m, type, &s, &len), 0);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(memcmp(s, want, len) == 0);
}

static void
addr_is(const struct stun_msg *m, uint16_t type, const char *want)
{
	struct addr	a;
	char		buf[ADDR_STRLEN];

	ck_assert_int_eq(stun_get_addr(m, type, &a), 0);
	ck_assert_str_eq(addr_str(&a, buf), want);
}

/*
 * A message of type t and transaction id TID whose body is the n bytes
 * given (whole attributes, padding included); with fp, a FINGERPRINT
 * computed here with zlib is appended.  Its length.
 */
static size_t
raw(uint8_t *out, uint16_t t, const void *body, size_t n, bool fp)
{
	size_t		len = STUN_HDR_LEN + n + (fp ? 8 : 0);
	uint32_t	crc;

	out[0] = (uint8_t)(t >> 8);
	out[1] = (uint8_t)t;
	out[2] = (uint8_t)((len - STUN_HDR_LEN) >> 8);
	out[3] = (uint8_t)(len - STUN_HDR_LEN);
	memcpy(out + 4, "\x21\x12\xa4\x42", 4);
	memcpy(out + 8, TID, STUN_TID_LEN);
	if (n > 0)
		memcpy(out + STUN_HDR_LEN, body, n);
	if (fp) {
		memcpy(out + STUN_HDR_LEN + n, "\x80\x28\x00\x04", 4);
		crc = (uint32_t)crc32(0L, out, (uInt)(STUN_HDR_LEN + n)) ^
		    STUN_FP_XOR;
		out[len - 4] = (uint8_t)(crc >> 24);
		out[len - 3] = (uint8_t)(crc >> 16);
		out[len - 2] = (uint8_t)(crc >> 8);
		out[len - 1] = (uint8_t)crc;
	}
	return len;
}

START_TEST(vector_request)
{
	struct stun_msg	m;
	struct stun_key	k;

	parse_ok(&m, REQ, VLEN(REQ));
	ck_assert_uint_eq(m.method, STUN_BINDING);
	ck_assert_uint_eq(m.cls, STUN_REQUEST);
	ck_assert(memcmp(m.tid, REQ + 8, STUN_TID_LEN) == 0);
	ck_assert_uint_eq(m.nattrs, 6);
	ck_assert_uint_eq(m.attrs[1].type, STUN_A_PRIORITY);
	ck_assert_uint_eq(m.attrs[2].type, STUN_A_ICE_CONTROLLED);
	ck_assert_uint_eq(m.nunknown, 0);
	text_is(&m, STUN_A_SOFTWARE, "STUN test client");
	text_is(&m, STUN_A_USERNAME, "evtj:h6vY");
	ck_assert(stun_check_fingerprint(&m));
	ck_assert_int_eq(stun_key_short(&k, PASSWORD), 0);
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	ck_assert_int_eq(stun_check_integrity_sha256(&m, &k), ENOENT);
	ck_assert_int_eq(stun_key_short(&k, "VOkJxbRl1RmTxUk/WvJxBu"), 0);
	ck_assert_int_eq(stun_check_integrity(&m, &k), EACCES);
	stun_key_clear(&k);
}
END_TEST

START_TEST(vector_responses)
{
	struct stun_msg	m;
	struct stun_key	k;
	struct addr	a;

	ck_assert_int_eq(stun_key_short(&k, PASSWORD), 0);
	parse_ok(&m, RESPV4, VLEN(RESPV4));
	ck_assert_uint_eq(m.method, STUN_BINDING);
	ck_assert_uint_eq(m.cls, STUN_SUCCESS);
	text_is(&m, STUN_A_SOFTWARE, "test vector");
	addr_is(&m, STUN_A_XOR_MAPPED_ADDRESS, "192.0.2.1:32853");
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	ck_assert(stun_check_fingerprint(&m));

	parse_ok(&m, RESPV6, VLEN(RESPV6));
	addr_is(&m, STUN_A_XOR_MAPPED_ADDRESS,
	    "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	ck_assert(stun_check_fingerprint(&m));
	ck_assert_int_eq(stun_get_addr(&m, STUN_A_MAPPED_ADDRESS, &a),
	    ENOENT);
}
END_TEST

START_TEST(vector_long_term)
{
	struct stun_msg	m;
	struct stun_key	k;

	parse_ok(&m, REQLTC, VLEN(REQLTC));
	ck_assert_uint_eq(m.cls, STUN_REQUEST);
	text_is(&m, STUN_A_USERNAME, LTC_USER);
	text_is(&m, STUN_A_NONCE, "f//499k954d6OL34oL9FSTvy64sA");
	text_is(&m, STUN_A_REALM, "example.org");
	ck_assert(m.fp.val == NULL);
	ck_assert(!stun_check_fingerprint(&m));
	ck_assert_int_eq(stun_key_long(&k, STUN_PWALG_MD5, LTC_USER,
	    strlen(LTC_USER), "example.org", 11, LTC_PASS, 9), 0);
	ck_assert_uint_eq(k.len, 16);
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	/* the password before SASLprep is another key */
	ck_assert_int_eq(stun_key_long(&k, STUN_PWALG_MD5, LTC_USER,
	    strlen(LTC_USER), "example.org", 11,
	    "The\xc2\xad" "M\xc2\xaatr\xe2\x85\xa8", 12), 0);
	ck_assert_int_eq(stun_check_integrity(&m, &k), EACCES);
	ck_assert_int_eq(stun_key_long(&k, STUN_PWALG_SHA256, LTC_USER,
	    strlen(LTC_USER), "example.org", 11, LTC_PASS, 9), 0);
	ck_assert_uint_eq(k.len, 32);
	ck_assert_int_eq(stun_check_integrity(&m, &k), EACCES);
	stun_key_clear(&k);
}
END_TEST

/* Write m again from its attributes with the key and padding byte. */
static void
reencode(const struct stun_msg *m, const struct stun_key *k, uint8_t pad,
    struct wbuf *w)
{
	struct stun_builder	b;
	unsigned		i;

	stun_build_begin(&b, w, m->method, m->cls, m->tid);
	b.pad = pad;
	for (i = 0; i < m->nattrs; i++) {
		if (m->attrs[i].type == STUN_A_MESSAGE_INTEGRITY ||
		    m->attrs[i].type == STUN_A_FINGERPRINT)
			continue;
		stun_build_attr(&b, m->attrs[i].type, m->attrs[i].val,
		    m->attrs[i].len);
	}
	if (m->mi.val != NULL)
		stun_build_integrity(&b, k);
	if (m->fp.val != NULL)
		stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_end(&b), 0);
}

static void
same_bytes(const uint8_t *v, size_t len, const struct stun_key *k,
    uint8_t pad)
{
	struct stun_msg	m;
	struct wbuf	w;

	parse_ok(&m, v, len);
	wbuf_init(&w, 1500);
	reencode(&m, k, pad, &w);
	ck_assert_uint_eq(w.len, len);
	ck_assert(memcmp(w.p, v, len) == 0);
	wbuf_clear(&w);
}

START_TEST(vectors_written_again)
{
	struct stun_key	k;

	/* §2: the first three pad with spaces, the last with NULs. */
	ck_assert_int_eq(stun_key_short(&k, PASSWORD), 0);
	same_bytes(REQ, VLEN(REQ), &k, ' ');
	same_bytes(RESPV4, VLEN(RESPV4), &k, ' ');
	same_bytes(RESPV6, VLEN(RESPV6), &k, ' ');
	ck_assert_int_eq(stun_key_long(&k, STUN_PWALG_MD5, LTC_USER,
	    strlen(LTC_USER), "example.org", 11, LTC_PASS, 9), 0);
	same_bytes(REQLTC, VLEN(REQLTC), &k, 0);
}
END_TEST

START_TEST(build_addresses)
{
	struct stun_builder	b;
	struct stun_msg		m;
	struct wbuf		w;
	struct addr		a4, a6, got;

	ck_assert_int_eq(addr_parse("192.0.2.1:32853", 0, &a4), 0);
	ck_assert_int_eq(addr_parse("[2001:db8::1]:5060", 0, &a6), 0);
	wbuf_init(&w, 1500);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_SUCCESS,
	    RESPV4 + 8);
	stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, &a4);
	stun_build_addr(&b, STUN_A_MAPPED_ADDRESS, &a6);
	stun_build_addr(&b, STUN_A_ALTERNATE_SERVER, &a4);
	stun_build_addr(&b, STUN_A_XOR_RELAYED_ADDRESS, &a6);
	ck_assert_int_eq(stun_build_end(&b), 0);
	/* the XOR of §14.2 as RFC 5769 §2.2 shows it */
	ck_assert(memcmp(w.p + STUN_HDR_LEN, "\x00\x20\x00\x08"
	    "\x00\x01\xa1\x47\xe1\x12\xa6\x43", 12) == 0);
	/* MAPPED-ADDRESS is plain */
	ck_assert(memcmp(w.p + 32, "\x00\x01\x00\x14\x00\x02\x13\xc4"
	    "\x20\x01\x0d\xb8", 12) == 0);
	parse_ok(&m, w.p, w.len);
	ck_assert_uint_eq(m.nattrs, 4);
	addr_is(&m, STUN_A_XOR_MAPPED_ADDRESS, "192.0.2.1:32853");
	addr_is(&m, STUN_A_MAPPED_ADDRESS, "[2001:db8::1]:5060");
	addr_is(&m, STUN_A_ALTERNATE_SERVER, "192.0.2.1:32853");
	addr_is(&m, STUN_A_XOR_RELAYED_ADDRESS, "[2001:db8::1]:5060");
	ck_assert_int_eq(stun_get_addr(&m, STUN_A_SOFTWARE, &got), EINVAL);
	wbuf_clear(&w);
}
END_TEST

START_TEST(build_integrity_both)
{
	struct stun_builder	b;
	struct stun_msg		m;
	struct stun_key		k, other;
	struct wbuf		w;

	ck_assert_int_eq(stun_key_short(&k, "secret"), 0);
	ck_assert_int_eq(stun_key_short(&other, "secreT"), 0);
	wbuf_init(&w, 1500);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_attr(&b, STUN_A_USERNAME, "alice", 5);
	stun_build_integrity(&b, &k);
	stun_build_integrity_sha256(&b, &k);
	stun_build_fingerprint(&b);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert_uint_eq(w.len, 20 + 12 + 24 + 36 + 8);
	parse_ok(&m, w.p, w.len);
	ck_assert_uint_eq(m.nattrs, 4);
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	ck_assert_int_eq(stun_check_integrity_sha256(&m, &k), 0);
	ck_assert_int_eq(stun_check_integrity_sha256(&m, &other), EACCES);
	ck_assert(stun_check_fingerprint(&m));
	/* a changed user name: integrity and fingerprint both fail */
	w.p[STUN_HDR_LEN + 4] ^= 0x20;
	parse_ok(&m, w.p, w.len);
	ck_assert_int_eq(stun_check_integrity(&m, &k), EACCES);
	ck_assert_int_eq(stun_check_integrity_sha256(&m, &k), EACCES);
	ck_assert(!stun_check_fingerprint(&m));
	/* a changed -SHA256 leaves MESSAGE-INTEGRITY right; a changed
	 * MESSAGE-INTEGRITY breaks both, the second covering the first */
	w.p[STUN_HDR_LEN + 4] ^= 0x20;
	w.p[STUN_HDR_LEN + 36 + 4] ^= 1;
	parse_ok(&m, w.p, w.len);
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	ck_assert_int_eq(stun_check_integrity_sha256(&m, &k), EACCES);
	w.p[STUN_HDR_LEN + 36 + 4] ^= 1;
	w.p[STUN_HDR_LEN + 12 + 4] ^= 1;
	parse_ok(&m, w.p, w.len);
	ck_assert_int_eq(stun_check_integrity(&m, &k), EACCES);
	ck_assert_int_eq(stun_check_integrity_sha256(&m, &k), EACCES);
	wbuf_clear(&w);
	stun_key_clear(&k);
	ck_assert_uint_eq(k.len, 0);
}
END_TEST

/* §9: a receiver ignores what follows MESSAGE-INTEGRITY but
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; the HMAC stays valid since
 * the length field is adjusted for it (§14.5). */
START_TEST(after_integrity_ignored)
{
	struct stun_builder	b;
	struct stun_msg		m;
	struct stun_key		k;
	struct wbuf		w;
	uint8_t			body[200], msg[256];
	size_t			n, len;

	ck_assert_int_eq(stun_key_short(&k, "secret"), 0);
	wbuf_init(&w, 1500);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_attr(&b, STUN_A_USERNAME, "bob", 3);
	stun_build_integrity(&b, &k);
	ck_assert_int_eq(stun_build_end(&b), 0);
	n = w.len - STUN_HDR_LEN;
	memcpy(body, w.p + STUN_HDR_LEN, n);
	/* SOFTWARE, an unknown comprehension-required type, another MI */
	memcpy(body + n, "\x80\x22\x00\x02xy\0\0" "\x07\x77\x00\x00"
	    "\x00\x08\x00\x02zz\0\0", 20);
	len = raw(msg, 0x0001, body, n + 20, true);
	parse_ok(&m, msg, len);
	ck_assert_uint_eq(m.nattrs, 3);
	ck_assert_uint_eq(m.attrs[0].type, STUN_A_USERNAME);
	ck_assert_uint_eq(m.attrs[1].type, STUN_A_MESSAGE_INTEGRITY);
	ck_assert_uint_eq(m.attrs[2].type, STUN_A_FINGERPRINT);
	ck_assert_uint_eq(m.nunknown, 0);
	ck_assert(stun_attr_find(&m, STUN_A_SOFTWARE) == NULL);
	ck_assert_int_eq(stun_check_integrity(&m, &k), 0);
	ck_assert(stun_check_fingerprint(&m));
	wbuf_clear(&w);
}
END_TEST

START_TEST(after_sha256_ignored)
{
	struct stun_msg	m;
	uint8_t		msg[200], body[100];
	size_t		len;

	/* MI-SHA256 (16 bytes, truncated), then MI and SOFTWARE: ignored */
	memset(body, 0, sizeof body);
	memcpy(body, "\x00\x1c\x00\x10", 4);
	memcpy(body + 20, "\x00\x08\x00\x14", 4);
	memcpy(body + 44, "\x80\x22\x00\x01x\0\0\0", 8);
	len = raw(msg, 0x0001, body, 52, true);
	parse_ok(&m, msg, len);
	ck_assert_uint_eq(m.nattrs, 2);
	ck_assert(m.mi.val == NULL);
	ck_assert_uint_eq(m.mi256.len, 16);
	ck_assert_uint_eq(m.attrs[1].type, STUN_A_FINGERPRINT);
}
END_TEST

/* Malformed messages: each refused with EBADMSG. */
static void
refused(const uint8_t *p, size_t len)
{
	struct stun_msg	m;

	ck_assert_int_eq(stun_parse(&m, p, len), EBADMSG);
}

START_TEST(malformed)
{
	uint8_t		msg[1024], body[1024];
	size_t		len, i;
	struct stun_msg	m;

	memcpy(msg, REQ, VLEN(REQ));
	msg[4] ^= 1;					/* cookie */
	refused(msg, VLEN(REQ));
	ck_assert(!stun_is_message(msg, VLEN(REQ)));
	memcpy(msg, REQ, VLEN(REQ));
	msg[0] |= 0x40;					/* leading bits */
	refused(msg, VLEN(REQ));
	refused(REQ, VLEN(REQ) - 4);			/* truncated */
	refused(REQ, 19);
	refused(REQ, 0);
	memcpy(msg, REQ, VLEN(REQ));
	msg[VLEN(REQ)] = 0;
	refused(msg, VLEN(REQ) + 1);			/* trailing byte */
	/* a length that is no multiple of 4, with as many bytes */
	memcpy(msg, REQ, VLEN(REQ));
	msg[3] = 0x57;
	refused(msg, VLEN(REQ) - 1);
	/* an attribute running past the end */
	len = raw(msg, 0x0001, "\x80\x22\x00\x09" "abcd", 8, false);
	refused(msg, len);
	len = raw(msg, 0x0001, "\x80\x22\x00\x05" "abcd", 8, false);
	refused(msg, len);				/* its padding */
	/* FINGERPRINT not last, or not 4 bytes */
	len = raw(msg, 0x0001, "\x80\x22\x00\x04" "abcd", 8, true);
	memcpy(msg + len, "\x80\x22\x00\x00", 4);
	msg[3] += 4;
	refused(msg, len + 4);
	len = raw(msg, 0x0001, "\x80\x28\x00\x08" "abcdefgh", 12, false);
	refused(msg, len);
	/* MESSAGE-INTEGRITY of 16 bytes; -SHA256 of 12, 36 and 18 */
	memset(body, 0, sizeof body);
	memcpy(body, "\x00\x08\x00\x10", 4);
	refused(msg, raw(msg, 0x0001, body, 20, false));
	memcpy(body, "\x00\x1c\x00\x0c", 4);
	refused(msg, raw(msg, 0x0001, body, 16, false));
	memcpy(body, "\x00\x1c\x00\x24", 4);
	refused(msg, raw(msg, 0x0001, body, 40, false));
	memcpy(body, "\x00\x1c\x00\x12", 4);
	refused(msg, raw(msg, 0x0001, body, 24, false));
	/* 64 attributes pass, 65 are too many */
	memset(body, 0, sizeof body);
	for (i = 0; i < 65; i++)
		memcpy(body + 4 * i, "\x80\x01\x00\x00", 4);
	len = raw(msg, 0x0001, body, 4 * 64, false);
	parse_ok(&m, msg, len);
	ck_assert_uint_eq(m.nattrs, 64);
	refused(msg, raw(msg, 0x0001, body, 4 * 65, false));
	/* a wrong CRC parses, and fails the check */
	memcpy(msg, REQ, VLEN(REQ));
	msg[VLEN(REQ) - 1] ^= 0x80;
	parse_ok(&m, msg, VLEN(REQ));
	ck_assert(!stun_check_fingerprint(&m));
}
END_TEST

START_TEST(unknown_attributes)
{
	struct stun_msg	m;
	uint8_t		msg[200];
	size_t		len;

	/* RFC 3489's RESPONSE-ADDRESS is no longer known; 0x0777 twice is
	 * listed once; 0x8777 is comprehension-optional */
	len = raw(msg, 0x0001, "\x00\x02\x00\x00" "\x07\x77\x00\x01x\0\0\0"
	    "\x87\x77\x00\x00" "\x07\x77\x00\x00" "\x00\x24\x00\x04" "abcd",
	    28, false);
	parse_ok(&m, msg, len);
	ck_assert_uint_eq(m.nattrs, 5);
	ck_assert_uint_eq(m.nunknown, 2);
	ck_assert_uint_eq(m.unknown[0], 0x0002);
	ck_assert_uint_eq(m.unknown[1], 0x0777);
}
END_TEST

START_TEST(decode_values)
{
	struct stun_builder	b;
	struct stun_msg		m;
	struct wbuf		w;
	const uint16_t		 unk[3] = { 0x0002, 0x0777, 0x1234 };
	uint16_t		 got[4], alg;
	const uint8_t		*h, *params;
	const char		*s;
	size_t			 n, len;
	unsigned		 code;
	uint8_t			 hash[32];

	memset(hash, 0xab, sizeof hash);
	wbuf_init(&w, 1500);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_ERROR, TID);
	stun_build_error(&b, 420, "Unknown Attribute");
	stun_build_unknown(&b, unk, 3);
	stun_build_attr(&b, STUN_A_USERHASH, hash, 32);
	stun_build_attr(&b, STUN_A_PASSWORD_ALGORITHM, "\x00\x02\x00\x00", 4);
	stun_build_attr(&b, STUN_A_PASSWORD_ALGORITHMS,
	    "\x00\x02\x00\x00" "\x00\x01\x00\x00" "\x12\x34\x00\x02xy\0\0",
	    16);
	stun_build_attr(&b, STUN_A_ALTERNATE_DOMAIN, "example.org", 11);
	ck_assert_int_eq(stun_build_end(&b), 0);
	parse_ok(&m, w.p, w.len);
	ck_assert_uint_eq(m.cls, STUN_ERROR);
	ck_assert_int_eq(stun_get_error(&m, &code, &s, &len), 0);
	ck_assert_uint_eq(code, 420);
	ck_assert_uint_eq(len, 17);
	ck_assert(memcmp(s, "Unknown Attribute", 17) == 0);
	ck_assert_int_eq(stun_get_unknown(&m, got, 2, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(got[0], 0x0002);
	ck_assert_uint_eq(got[1], 0x0777);
	ck_assert_int_eq(stun_get_userhash(&m, &h), 0);
	ck_assert(memcmp(h, hash, 32) == 0);
	ck_assert_int_eq(stun_get_password_alg(&m, &alg, &params, &n), 0);
	ck_assert_uint_eq(alg, STUN_PWALG_SHA256);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(stun_get_password_algs(&m, got, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(got[0], STUN_PWALG_SHA256);
	ck_assert_uint_eq(got[2], 0x1234);
	text_is(&m, STUN_A_ALTERNATE_DOMAIN, "example.org");
	ck_assert_int_eq(stun_get_text(&m, STUN_A_USERNAME, &s, &len),
	    ENOENT);
	ck_assert_int_eq(stun_get_text(&m, STUN_A_USERHASH, &s, &len),
	    EINVAL);
	wbuf_clear(&w);
}
END_TEST

/* One attribute of type t with the value given, decoded by get. */
static struct stun_msg *
one_attr(uint16_t t, const void *val, size_t len)
{
	static struct stun_msg	m;
	static uint8_t		msg[2048];
	uint8_t			body[1024];
	size_t			n;

	memset(body, 0, sizeof body);
	body[0] = (uint8_t)(t >> 8);
	body[1] = (uint8_t)t;
	body[2] = (uint8_t)(len >> 8);
	body[3] = (uint8_t)len;
	memcpy(body + 4, val, len);
	n = raw(msg, 0x0101, body, 4 + len + (4 - len % 4) % 4, false);
	parse_ok(&m, msg, n);
	return &m;
}

START_TEST(decode_refusals)
{
	struct addr	 a;
	const char	*s;
	const uint8_t	*h, *p;
	char		 big[800];
	uint16_t	 u[4];
	size_t		 n;
	unsigned	 code;

	ck_assert_int_eq(stun_get_addr(one_attr(STUN_A_XOR_MAPPED_ADDRESS,
	    "\x00\x03\x00\x01" "abcd", 8), STUN_A_XOR_MAPPED_ADDRESS, &a),
	    EBADMSG);				/* family 3 */
	ck_assert_int_eq(stun_get_addr(one_attr(STUN_A_MAPPED_ADDRESS,
	    "\x00\x01\x00\x01" "abcdefgh", 12), STUN_A_MAPPED_ADDRESS, &a),
	    EBADMSG);				/* v4 with 8 bytes */
	ck_assert_int_eq(stun_get_addr(one_attr(STUN_A_MAPPED_ADDRESS,
	    "\x00\x02", 2), STUN_A_MAPPED_ADDRESS, &a), EBADMSG);
	ck_assert_int_eq(stun_get_error(one_attr(STUN_A_ERROR_CODE,
	    "\x00\x00\x07\x00", 4), &code, &s, &n), EBADMSG);
	ck_assert_int_eq(stun_get_error(one_attr(STUN_A_ERROR_CODE,
	    "\x00\x00\x04\x64", 4), &code, &s, &n), EBADMSG);
	ck_assert_int_eq(stun_get_error(one_attr(STUN_A_ERROR_CODE,
	    "\x00\x00\x04", 3), &code, &s, &n), EBADMSG);
	/* reserved bits are ignored */
	ck_assert_int_eq(stun_get_error(one_attr(STUN_A_ERROR_CODE,
	    "\xff\xff\xfc\x26", 4), &code, &s, &n), 0);
	ck_assert_uint_eq(code, 438);
	ck_assert_int_eq(stun_get_unknown(one_attr(STUN_A_UNKNOWN_ATTRIBUTES,
	    "\x00\x02\x00", 3), u, 4, &n), EBADMSG);
	ck_assert_int_eq(stun_get_userhash(one_attr(STUN_A_USERHASH,
	    big, 31), &h), EBADMSG);
	ck_assert_int_eq(stun_get_password_alg(one_attr(
	    STUN_A_PASSWORD_ALGORITHM, "\x00\x01\x00\x04" "ab", 6), u, &p,
	    &n), EBADMSG);
	ck_assert_int_eq(stun_get_password_algs(one_attr(
	    STUN_A_PASSWORD_ALGORITHMS, "\x00\x01\x00\x00\x00\x02", 6), u,
	    4, &n), EBADMSG);
	memset(big, 'a', sizeof big);
	ck_assert_int_eq(stun_get_text(one_attr(STUN_A_USERNAME, big,
	    STUN_TEXT_MAX), STUN_A_USERNAME, &s, &n), 0);
	ck_assert_int_eq(stun_get_text(one_attr(STUN_A_USERNAME, big,
	    STUN_TEXT_MAX + 1), STUN_A_USERNAME, &s, &n), EBADMSG);
	ck_assert_int_eq(stun_get_text(one_attr(STUN_A_ALTERNATE_DOMAIN, big,
	    256), STUN_A_ALTERNATE_DOMAIN, &s, &n), EBADMSG);
}
END_TEST

START_TEST(builder_rules)
{
	struct stun_builder	b;
	struct stun_key		k;
	struct wbuf		w;
	struct addr		none;
	static uint8_t		big[65535];

	ck_assert_int_eq(stun_key_short(&k, "pw"), 0);
	wbuf_init(&w, 70000);
	/* nothing after FINGERPRINT */
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_fingerprint(&b);
	stun_build_attr(&b, STUN_A_SOFTWARE, "x", 1);
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	/* only -SHA256 and FINGERPRINT after MESSAGE-INTEGRITY */
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_integrity(&b, &k);
	stun_build_attr(&b, STUN_A_SOFTWARE, "x", 1);
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_integrity_sha256(&b, &k);
	stun_build_integrity(&b, &k);
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	/* values */
	memset(&none, 0, sizeof none);
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_SUCCESS, TID);
	stun_build_addr(&b, STUN_A_XOR_MAPPED_ADDRESS, &none);
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_ERROR, TID);
	stun_build_error(&b, 700, "x");
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	wbuf_clear(&w);
	stun_build_begin(&b, &w, 0x1000, STUN_REQUEST, TID);
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	memset(&k, 0, sizeof k);
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_integrity(&b, &k);
	ck_assert_int_eq(stun_build_end(&b), EINVAL);
	/* the 16-bit length field, and the wbuf's maximum */
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_attr(&b, 0x8001, big, 65528);
	ck_assert_int_eq(stun_build_end(&b), 0);
	ck_assert_uint_eq(w.len, STUN_MAX_LEN);
	wbuf_clear(&w);
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_attr(&b, 0x8001, big, 65529);
	ck_assert_int_eq(stun_build_end(&b), EMSGSIZE);
	wbuf_clear(&w);
	w.max = 40;
	stun_build_begin(&b, &w, STUN_BINDING, STUN_REQUEST, TID);
	stun_build_attr(&b, STUN_A_SOFTWARE, big, 17);
	ck_assert_int_eq(stun_build_end(&b), EMSGSIZE);
	wbuf_clear(&w);
}
END_TEST

START_TEST(keys)
{
	struct stun_key	k, k2;
	char		long_pw[STUN_KEY_MAX + 2];

	/* RFC 8489 §9.2.2's example */
	ck_assert_int_eq(stun_key_long(&k, STUN_PWALG_MD5, "user", 4,
	    "realm", 5, "pass", 4), 0);
	ck_assert_uint_eq(k.len, 16);
	ck_assert(memcmp(k.b, "\x84\x93\xfb\xc5\x3b\xa5\x82\xfb\x4c\x04"
	    "\x4c\x45\x6b\xdc\x40\xeb", 16) == 0);
	/* trailing NULs are removed */
	ck_assert_int_eq(stun_key_long(&k2, STUN_PWALG_MD5, "user\0", 5,
	    "realm\0\0", 7, "pass\0", 5), 0);
	ck_assert(memcmp(k.b, k2.b, 16) == 0);
	ck_assert_int_eq(stun_key_long(&k2, STUN_PWALG_SHA256, "user", 4,
	    "realm", 5, "pass", 4), 0);
	ck_assert_uint_eq(k2.len, 32);
	ck_assert_int_eq(stun_key_long(&k2, 3, "user", 4, "realm", 5,
	    "pass", 4), EINVAL);
	/* short-term: the password's bytes, printable ASCII only */
	ck_assert_int_eq(stun_key_short(&k, "pass word~"), 0);
	ck_assert_uint_eq(k.len, 10);
	ck_assert(memcmp(k.b, "pass word~", 10) == 0);
	ck_assert_int_eq(stun_key_short(&k, ""), EINVAL);
	ck_assert_int_eq(stun_key_short(&k, "p\xc3\xa4ss"), EINVAL);
	ck_assert_int_eq(stun_key_short(&k, "pa\tss"), EINVAL);
	ck_assert_int_eq(stun_key_short(&k, "pa\x7fss"), EINVAL);
	memset(long_pw, 'x', sizeof long_pw);
	long_pw[STUN_KEY_MAX] = '\0';
	ck_assert_int_eq(stun_key_short(&k, long_pw), 0);
	long_pw[STUN_KEY_MAX] = 'x';
	long_pw[STUN_KEY_MAX + 1] = '\0';
	ck_assert_int_eq(stun_key_short(&k, long_pw), EINVAL);
	ck_assert(stun_opaque_ok("example.org"));
	ck_assert(!stun_opaque_ok("\xe3\x83\x9e"));
}
END_TEST

START_TEST(demux)
{
	static const char	sip[] = "REGISTER sip:example.org SIP/2.0\r\n"
				    "Via: x\r\n\r\n";
	uint8_t			msg[64];

	ck_assert(stun_is_message(REQ, VLEN(REQ)));
	ck_assert(stun_is_message(RESPV6, VLEN(RESPV6)));
	ck_assert(stun_is_message(REQLTC, VLEN(REQLTC)));
	ck_assert(stun_is_message(msg, raw(msg, 0x0001, NULL, 0, false)));
	ck_assert(!stun_is_message((const uint8_t *)sip, strlen(sip)));
	ck_assert(!stun_is_message((const uint8_t *)"\r\n\r\n", 4));
	ck_assert(!stun_is_message(REQ, VLEN(REQ) - 1));
	ck_assert(!stun_is_message(REQ, 12));
	memcpy(msg, REQ, 20);
	msg[0] = 22;				/* DTLS, RFC 7983 */
	ck_assert(!stun_is_message(msg, 20));
	msg[0] = 0x80;				/* RTP */
	ck_assert(!stun_is_message(msg, 20));
	ck_assert_uint_eq(stun_type(STUN_BINDING, STUN_INDICATION), 0x0011);
	ck_assert_uint_eq(stun_type(STUN_BINDING, STUN_ERROR), 0x0111);
	ck_assert_uint_eq(stun_type(0x0FFF, STUN_SUCCESS), 0x3FEF);
}
END_TEST

/* The answer to req from `from', parsed into m (bytes kept in w). */
static int
answer(const uint8_t *req, size_t len, const char *from, const char *sw,
    struct wbuf *w, struct stun_msg *m)
{
	struct addr	a;
	int		rc;

	ck_assert_int_eq(addr_parse(from, 0, &a), 0);
	wbuf_init(w, 1500);
	rc = stun_binding_answer(req, len, &a, sw, w);
	if (rc == 0) {
		parse_ok(m, w->p, w->len);
		ck_assert(stun_check_fingerprint(m));
		ck_assert(memcmp(m->tid, req + 8, STUN_TID_LEN) == 0);
		ck_assert_uint_eq(m->method, STUN_BINDING);
	} else
		ck_assert_uint_eq(w->len, 0);
	return rc;
}

START_TEST(binding_success)
{
	struct stun_msg	m;
	struct wbuf	w, w2;
	struct addr	a;
	uint8_t		req[64];
	size_t		len;

	/* RFC 5626 §8: a request with no attributes at all */
	len = raw(req, 0x0001, NULL, 0, false);
	ck_assert_int_eq(answer(req, len, "192.0.2.1:32853", "p2psipd", &w,
	    &m), 0);
	ck_assert_uint_eq(m.cls, STUN_SUCCESS);
	ck_assert_uint_eq(m.nattrs, 3);
	addr_is(&m, STUN_A_XOR_MAPPED_ADDRESS, "192.0.2.1:32853");
	text_is(&m, STUN_A_SOFTWARE, "p2psipd");
	/* a retransmission gets the same bytes (§6.3.1) */
	ck_assert_int_eq(addr_parse("192.0.2.1:32853", 0, &a), 0);
	wbuf_init(&w2, 1500);
	ck_assert_int_eq(stun_binding_answer(req, len, &a, "p2psipd", &w2), 0);
	ck_assert_uint_eq(w2.len, w.len);
	ck_assert(memcmp(w2.p, w.p, w.len) == 0);
	wbuf_clear(&w2);
	wbuf_clear(&w);

	/* IPv6, no SOFTWARE, a request with a FINGERPRINT */
	len = raw(req, 0x0001, NULL, 0, true);
	ck_assert_int_eq(answer(req, len, "[2001:db8::7]:5060", NULL, &w, &m),
	    0);
	ck_assert_uint_eq(m.nattrs, 2);
	addr_is(&m, STUN_A_XOR_MAPPED_ADDRESS, "[2001:db8::7]:5060");
	ck_assert(stun_attr_find(&m, STUN_A_SOFTWARE) == NULL);
	wbuf_clear(&w);

	/* credentials are not asked for, nor checked (§12, RFC 5626 §8) */
	ck_assert_int_eq(answer(REQ, VLEN(REQ), "10.0.0.1:5062", "x", &w, &m),
	    0);
	ck_assert_uint_eq(m.cls, STUN_SUCCESS);
	ck_assert(m.mi.val == NULL);
	wbuf_clear(&w);
	ck_assert_int_eq(answer(REQLTC, VLEN(REQLTC), "10.0.0.1:5062", "x",
	    &w, &m), 0);
	ck_assert_uint_eq(m.cls, STUN_SUCCESS);
	wbuf_clear(&w);
}
END_TEST

START_TEST(binding_unknown)
{
	struct stun_msg	m;
	struct wbuf	w;
	const char	*s;
	uint16_t	u[4];
	size_t		len, n;
	unsigned	code;
	uint8_t		req[128];

	len = raw(req, 0x0001, "\x87\x77\x00\x00" "\x00\x03\x00\x04" "abcd"
	    "\x40\x00\x00\x00", 16, true);
	ck_assert_int_eq(answer(req, len, "192.0.2.1:32853", "p2psipd", &w,
	    &m), 0);
	ck_assert_uint_eq(m.cls, STUN_ERROR);
	ck_assert_int_eq(stun_get_error(&m, &code, &s, &n), 0);
	ck_assert_uint_eq(code, 420);
	ck_assert_int_eq(stun_get_unknown(&m, u, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(u[0], 0x0003);
	ck_assert_uint_eq(u[1], 0x4000);
	ck_assert(stun_attr_find(&m, STUN_A_XOR_MAPPED_ADDRESS) == NULL);
	text_is(&m, STUN_A_SOFTWARE, "p2psipd");
	wbuf_clear(&w);
}
END_TEST

START_TEST(binding_no_answer)
{
	struct stun_msg	m;
	struct wbuf	w;
	struct addr	a;
	uint8_t		req[128];
	char		sw[129];
	size_t		len;

	/* a wrong FINGERPRINT: silently discarded (§6.3) */
	len = raw(req, 0x0001, NULL, 0, true);
	req[len - 1] ^= 1;
	ck_assert_int_eq(answer(req, len, "192.0.2.1:1", NULL, &w, &m),
	    EBADMSG);
	wbuf_clear(&w);
	/* Binding indications are keep-alives (§6.3.2), also with an
	 * unknown attribute */
	len = raw(req, 0x0011, NULL, 0, true);
	ck_assert_int_eq(answer(req, len, "192.0.2.1:1", NULL, &w, &m),
	    ENOMSG);
	wbuf_clear(&w);
	len = raw(req, 0x0011, "\x07\x77\x00\x00", 4, false);
	ck_assert_int_eq(answer(req, len, "192.0.2.1:1", NULL, &w, &m),
	    ENOMSG);
	wbuf_clear(&w);
	/* responses, and other methods (Allocate, RFC 8656) */
	ck_assert_int_eq(answer(RESPV4, VLEN(RESPV4), "192.0.2.1:1", NULL,
	    &w, &m), ENOTSUP);
	wbuf_clear(&w);
	len = raw(req, 0x0111, NULL, 0, false);
	ck_assert_int_eq(answer(req, len, "192.0.2.1:1", NULL, &w, &m),
	    ENOTSUP);
	wbuf_clear(&w);
	len = raw(req, 0x0003, NULL, 0, false);
	ck_assert_int_eq(answer(req, len, "192.0.2.1:1", NULL, &w, &m),
	    ENOTSUP);
	wbuf_clear(&w);
	/* not STUN: SIP, a keep-alive CRLF, a truncated request */
	ck_assert_int_eq(answer((const uint8_t *)"OPTIONS sip:a SIP/2.0\r\n"
	    "\r\n", 25, "192.0.2.1:1", NULL, &w, &m), EBADMSG);
	wbuf_clear(&w);
	ck_assert_int_eq(answer((const uint8_t *)"\r\n\r\n", 4,
	    "192.0.2.1:1", NULL, &w, &m), EBADMSG);
	wbuf_clear(&w);
	ck_assert_int_eq(answer(REQ, VLEN(REQ) - 8, "192.0.2.1:1", NULL, &w,
	    &m), EBADMSG);
	wbuf_clear(&w);
	/* the caller's mistakes */
	len = raw(req, 0x0001, NULL, 0, false);
	memset(&a, 0, sizeof a);
	wbuf_init(&w, 1500);
	ck_assert_int_eq(stun_binding_answer(req, len, &a, NULL, &w), EINVAL);
	ck_assert_int_eq(addr_parse("192.0.2.1:1", 0, &a), 0);
	memset(sw, 's', sizeof sw - 1);
	sw[128] = '\0';
	ck_assert_int_eq(stun_binding_answer(req, len, &a, sw, &w), EINVAL);
	sw[127] = '\0';
	ck_assert_int_eq(stun_binding_answer(req, len, &a, sw, &w), 0);
	wbuf_clear(&w);
	w.max = 40;
	ck_assert_int_eq(stun_binding_answer(req, len, &a, "p2psipd", &w),
	    EMSGSIZE);
	ck_assert(w.err);
	wbuf_clear(&w);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("stun");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, vector_request);
	tcase_add_test(tc, vector_responses);
	tcase_add_test(tc, vector_long_term);
	tcase_add_test(tc, vectors_written_again);
	tcase_add_test(tc, build_addresses);
	tcase_add_test(tc, build_integrity_both);
	tcase_add_test(tc, after_integrity_ignored);
	tcase_add_test(tc, after_sha256_ignored);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, unknown_attributes);
	tcase_add_test(tc, decode_values);
	tcase_add_test(tc, decode_refusals);
	tcase_add_test(tc, builder_rules);
	tcase_add_test(tc, keys);
	tcase_add_test(tc, demux);
	tcase_add_test(tc, binding_success);
	tcase_add_test(tc, binding_unknown);
	tcase_add_test(tc, binding_no_answer);
	suite_add_tcase(s, tc);
	return s;
}
