/*
 * check_ov_ring.c - identifiers on the ring (ov_id) and the CHORD-RELOAD
 * table (ov_chord): arithmetic modulo 2^128, arcs, Resource-IDs, neighbor
 * ordering, responsibility, fingers and next hops (RFC 6940 §10).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "ov_chord.h"
#include "ov_id.h"

/* An id whose top byte is b and the rest zero: easy to read. */
static struct ov_id
id8(uint8_t b)
{
	struct ov_id	id;

	memset(&id, 0, sizeof id);
	id.b[0] = b;
	return id;
}

static bool
all_usable(const struct ov_id *id, void *arg)
{
	(void)id;
	(void)arg;
	return true;
}

static bool
none_usable(const struct ov_id *id, void *arg)
{
	(void)id;
	(void)arg;
	return false;
}

START_TEST(arithmetic)
{
	struct ov_id	a, b, r;
	char		hex[OV_ID_HEXLEN];

	memset(&a, 0xff, sizeof a);
	ov_id_add_u64(&r, &a, 1);		/* wraps to zero */
	ck_assert_str_eq(ov_id_hex(&r, hex),
	    "00000000000000000000000000000000");
	a = id8(0);
	ov_id_add_pow2(&r, &a, 127);
	ck_assert_str_eq(ov_id_hex(&r, hex),
	    "80000000000000000000000000000000");
	ov_id_add_pow2(&r, &a, 63);
	ck_assert_str_eq(ov_id_hex(&r, hex),
	    "00000000000000008000000000000000");
	a = id8(0x10);
	b = id8(0x20);
	ov_id_sub(&r, &a, &b);			/* 0x10 - 0x20 mod 2^128 */
	ck_assert_str_eq(ov_id_hex(&r, hex),
	    "f0000000000000000000000000000000");
	ov_id_add(&r, &r, &b);
	ck_assert(ov_id_eq(&r, &a));
	memset(&r, 0xff, sizeof r);
	ov_id_keep_low(&r, 68);
	ck_assert_str_eq(ov_id_hex(&r, hex),
	    "000000000000000fffffffffffffffff");
	memset(&r, 0xff, sizeof r);
	ov_id_keep_low(&r, 4);
	ck_assert_str_eq(ov_id_hex(&r, hex),
	    "0000000000000000000000000000000f");
}
END_TEST

START_TEST(arcs)
{
	struct ov_id	a = id8(0x10), b = id8(0x20), x = id8(0x18),
			w = id8(0xf0);

	ck_assert(ov_id_in_oo(&a, &x, &b));
	ck_assert(!ov_id_in_oo(&a, &a, &b));
	ck_assert(!ov_id_in_oo(&a, &b, &b));
	ck_assert(ov_id_in_oc(&a, &b, &b));
	ck_assert(!ov_id_in_oc(&a, &a, &b));
	/* the arc wraps through zero */
	ck_assert(ov_id_in_oo(&w, &a, &x));
	ck_assert(!ov_id_in_oo(&w, &b, &a));
	/* (a, a) is all but a; (a, a] is everything */
	ck_assert(ov_id_in_oo(&a, &x, &a));
	ck_assert(!ov_id_in_oo(&a, &a, &a));
	ck_assert(ov_id_in_oc(&a, &a, &a));
	ck_assert(ov_id_closer_succ(&a, &x, &b));
	ck_assert(ov_id_closer_succ(&w, &a, &x));
	ck_assert(ov_id_closer_pred(&b, &x, &a));
	ck_assert_uint_eq(ov_id_arc_ppb(&a, &a), 1000000000);
	a = id8(0);
	b = id8(0x40);
	ck_assert_uint_eq(ov_id_arc_ppb(&a, &b), 250000000);
}
END_TEST

START_TEST(hex_and_resource)
{
	struct ov_id	id;
	char		hex[OV_ID_HEXLEN];

	/* §10.2: the first 128 bits of SHA-1 of the name */
	ov_id_resource("sip:alice@example.org", 21, &id);
	ck_assert_str_eq(ov_id_hex(&id, hex),
	    "fdfbd5d7a777037523f569849c4acc7b");
	ck_assert_int_eq(ov_id_from_hex("FDFBD5D7A777037523F569849C4ACC7B",
	    &id), 0);
	ck_assert_str_eq(ov_id_hex(&id, hex),
	    "fdfbd5d7a777037523f569849c4acc7b");
	ck_assert_int_ne(ov_id_from_hex("fdfb", &id), 0);
	ck_assert_int_ne(ov_id_from_hex("gdfbd5d7a777037523f569849c4acc7b",
	    &id), 0);
	ov_id_wildcard(&id);
	ck_assert(ov_id_is_wildcard(&id));
}
END_TEST

START_TEST(neighbors)
{
	struct ov_chord	c;
	struct ov_id	self = id8(0x50), ids[8];
	unsigned	i;

	ov_chord_init(&c, &self, 2, 3, 16, 0);
	ck_assert(ov_chord_responsible(&c, &ids[0]));	/* ring of one */
	for (i = 0; i < 8; i++)
		ids[i] = id8((uint8_t)(0x10 * i + 0x08));	/* 08..78 */
	for (i = 0; i < 8; i++)
		ov_chord_add_neighbor(&c, &ids[i]);
	/* successors 58 68 78, predecessors 48 38: closest first */
	ck_assert_uint_eq(c.nsucc, 3);
	ck_assert(ov_id_eq(&c.succ[0], &ids[5]));
	ck_assert(ov_id_eq(&c.succ[2], &ids[7]));
	ck_assert_uint_eq(c.npred, 2);
	ck_assert(ov_id_eq(&c.pred[0], &ids[4]));
	ck_assert(ov_id_eq(&c.pred[1], &ids[3]));
	/* self never enters; a known id changes nothing */
	ck_assert(!ov_chord_add_neighbor(&c, &self));
	ck_assert(!ov_chord_add_neighbor(&c, &ids[5]));
	ck_assert(!ov_chord_wants_neighbor(&c, &ids[0]));
	/* responsible for (48, 50] */
	ck_assert(ov_chord_responsible(&c, &self));
	ck_assert(!ov_chord_responsible(&c, &ids[4]));
	ck_assert(ov_chord_responsible(&c, &(struct ov_id){ .b = { 0x49 } }));
	/* a closer one pushes the farthest out */
	ck_assert(ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x55 } }));
	ck_assert_uint_eq(c.nsucc, 3);
	ck_assert(ov_id_eq(&c.succ[2], &ids[6]));
	ck_assert(ov_chord_remove(&c, &ids[4]));
	ck_assert(ov_id_eq(&c.pred[0], &ids[3]));
	ck_assert(!ov_chord_remove(&c, &ids[4]));
	ov_chord_free(&c);
}
END_TEST

START_TEST(fingers)
{
	struct ov_chord	c;
	struct ov_id	self = id8(0), t, f[4];

	ov_chord_init(&c, &self, 3, 3, 16, 0);
	ov_chord_finger_target(&c, 1, &t);	/* half way round */
	ck_assert(ov_id_eq(&t, &(struct ov_id){ .b = { 0x80 } }));
	ck_assert(ov_chord_finger_fits(&c, 1, &t));
	ck_assert(ov_chord_finger_fits(&c, 1, &(struct ov_id){ .b = { 0xff } }));
	ck_assert(!ov_chord_finger_fits(&c, 1, &(struct ov_id){ .b = { 0x7f } }));
	ck_assert(ov_chord_finger_fits(&c, 2, &(struct ov_id){ .b = { 0x7f } }));
	ck_assert(!ov_chord_finger_fits(&c, 2, &(struct ov_id){ .b = { 0x3f } }));
	ck_assert(ov_chord_set_finger(&c, 1, &(struct ov_id){ .b = { 0x90 } }));
	ck_assert(ov_chord_set_finger(&c, 2, &(struct ov_id){ .b = { 0x41 } }));
	ck_assert(ov_chord_set_finger(&c, 3, &(struct ov_id){ .b = { 0x41 } }));
	ck_assert(!ov_chord_set_finger(&c, 3, &(struct ov_id){ .b = { 0x41 } }));
	ck_assert(!ov_chord_set_finger(&c, 17, &t));
	/* distinct, ascending */
	ck_assert_uint_eq(ov_chord_fingers(&c, f, 4), 2);
	ck_assert_uint_eq(f[0].b[0], 0x41);
	ck_assert_uint_eq(f[1].b[0], 0x90);
	ov_chord_clear_finger(&c, 1);
	ck_assert(!ov_chord_finger(&c, 1, &t));
	/* slots past the farthest successor's arc are not needed */
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x01 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x02 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x03 } });
	ck_assert_uint_eq(ov_chord_finger_needed(&c), 6);
	ov_chord_free(&c);
}
END_TEST

START_TEST(next_hop)
{
	struct ov_chord	c;
	struct ov_id	self = id8(0x50), hop, k, extra = id8(0xc0);

	ov_chord_init(&c, &self, 2, 2, 16, 0);
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x60 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x70 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x40 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x30 } });
	ov_chord_set_finger(&c, 1, &(struct ov_id){ .b = { 0xd0 } });
	/* in (60, 70]: the owner 70 is known from the successor list */
	k = id8(0x65);
	ck_assert(ov_chord_next_hop(&c, &k, NULL, 0, all_usable, NULL, &hop));
	ck_assert_uint_eq(hop.b[0], 0x70);
	/* in (30, 40]: owner 40 from the predecessor list */
	k = id8(0x35);
	ck_assert(ov_chord_next_hop(&c, &k, NULL, 0, all_usable, NULL, &hop));
	ck_assert_uint_eq(hop.b[0], 0x40);
	/* far: the largest known id in (self, k] (§10.3) */
	k = id8(0xe0);
	ck_assert(ov_chord_next_hop(&c, &k, NULL, 0, all_usable, NULL, &hop));
	ck_assert_uint_eq(hop.b[0], 0xd0);
	k = id8(0xcf);
	ck_assert(ov_chord_next_hop(&c, &k, NULL, 0, all_usable, NULL, &hop));
	ck_assert_uint_eq(hop.b[0], 0x70);
	/* another connection is closer */
	ck_assert(ov_chord_next_hop(&c, &k, &extra, 1, all_usable, NULL,
	    &hop));
	ck_assert_uint_eq(hop.b[0], 0xc0);
	/* nothing before k: the smallest beyond it */
	k = id8(0x20);
	ck_assert(ov_chord_next_hop(&c, &k, NULL, 0, all_usable, NULL, &hop));
	ck_assert_uint_eq(hop.b[0], 0xd0);
	ck_assert(!ov_chord_next_hop(&c, &k, NULL, 0, none_usable, NULL,
	    &hop));
	ov_chord_free(&c);
}
END_TEST

/* At 4 slots an octave each octave's range is split in four, farthest
 * first; the table is needed down to the farthest successor's arc. */
START_TEST(finger_density)
{
	struct ov_chord	c;
	struct ov_id	self = id8(0), t;
	static const uint8_t start[] = { 0xe0, 0xc0, 0xa0, 0x80, 0x70 };
	unsigned	i;

	ov_chord_init(&c, &self, 3, 3, 16 << 2, 2);
	ck_assert_uint_eq(c.nfinger_slots, 64);
	for (i = 1; i <= 5; i++) {
		ov_chord_finger_target(&c, i, &t);
		ck_assert_uint_eq(t.b[0], start[i - 1]);
		ck_assert(ov_chord_finger_fits(&c, i, &t));
		t.b[0]--;			/* one below: the next slot's */
		ck_assert(!ov_chord_finger_fits(&c, i, &t));
		ck_assert(ov_chord_finger_fits(&c, i + 1, &t));
	}
	ck_assert(ov_chord_finger_fits(&c, 1, &(struct ov_id){ .b = { 0xff } }));
	ck_assert_uint_eq(ov_chord_finger_width_bits(&c, 1), 125);
	ck_assert_uint_eq(ov_chord_finger_width_bits(&c, 4), 125);
	ck_assert_uint_eq(ov_chord_finger_width_bits(&c, 5), 124);
	/* slot 5 starts at 0x70: [0x70, 0x80) */
	ck_assert(ov_chord_finger_fits(&c, 5, &(struct ov_id){ .b = { 0x7f } }));
	ck_assert(!ov_chord_finger_fits(&c, 6, &(struct ov_id){ .b = { 0x70 } }));
	/* successors up to 0x03: octave 7 ([2, 4) << 120) has one part
	 * above 0x03 (it starts at 0x03.8) */
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x01 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x02 } });
	ov_chord_add_neighbor(&c, &(struct ov_id){ .b = { 0x03 } });
	ck_assert_uint_eq(ov_chord_finger_needed(&c), 6 * 4 + 1);
	ov_chord_free(&c);
}
END_TEST

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
id_order(const void *a, const void *b)
{
	return ov_id_cmp(a, b);
}

/* The first of the sorted ring ids at or after k. */
static unsigned
ring_owner(const struct ov_id *ids, unsigned n, const struct ov_id *k)
{
	unsigned	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (ov_id_cmp(&ids[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo % n;
}

#define RING_N		2048
#define RING_LOOKUPS	1000

/*
 * Mean hops of greedy routing over a ring whose tables are all right, at
 * density 2^bits.  Each hop is ov_chord_next_hop's choice.
 */
static double
ring_mean_hops(unsigned bits)
{
	static struct ov_id	 ids[RING_N];
	static struct ov_chord	 tab[RING_N];
	struct ov_id		 t, k, hop;
	uint64_t		 seed = 0x9e3779b97f4a7c15ull, v;
	unsigned		 i, j, cur, hops = 0;

	for (i = 0; i < RING_N; i++)
		for (j = 0; j < OV_ID_LEN; j += 8) {
			v = xorshift(&seed);
			memcpy(&ids[i].b[j], &v, 8);
		}
	qsort(ids, RING_N, sizeof ids[0], id_order);
	for (i = 0; i < RING_N; i++) {
		ov_chord_init(&tab[i], &ids[i], 3, 3, 16u << bits, bits);
		for (j = 1; j <= 3; j++) {
			ov_chord_add_neighbor(&tab[i], &ids[(i + j) % RING_N]);
			ov_chord_add_neighbor(&tab[i],
			    &ids[(i + RING_N - j) % RING_N]);
		}
		for (j = 1; j <= ov_chord_finger_needed(&tab[i]); j++) {
			ov_chord_finger_target(&tab[i], j, &t);
			t = ids[ring_owner(ids, RING_N, &t)];
			if (ov_chord_finger_fits(&tab[i], j, &t))
				ov_chord_set_finger(&tab[i], j, &t);
		}
	}
	for (i = 0; i < RING_LOOKUPS; i++) {
		for (j = 0; j < OV_ID_LEN; j += 8) {
			v = xorshift(&seed);
			memcpy(&k.b[j], &v, 8);
		}
		cur = (unsigned)(xorshift(&seed) % RING_N);
		for (j = 0; !ov_chord_responsible(&tab[cur], &k); j++) {
			ck_assert_uint_lt(j, 40);
			ck_assert(ov_chord_next_hop(&tab[cur], &k, NULL, 0,
			    all_usable, NULL, &hop));
			cur = ring_owner(ids, RING_N, &hop);
			hops++;
		}
	}
	for (i = 0; i < RING_N; i++)
		ov_chord_free(&tab[i]);
	return (double)hops / RING_LOOKUPS;
}

/* Denser fingers shorten routes: about log2(N) / (bits + 1) hops. */
START_TEST(density_shortens_routes)
{
	double	h1 = ring_mean_hops(0), h8 = ring_mean_hops(3);

	/* log2(2048) = 11: Chord 5.7 here, 8 an octave 3.2 */
	ck_assert_double_le(h1, 6.5);
	ck_assert_double_ge(h1, 4.5);
	ck_assert_double_le(h8, 3.5);
	ck_assert_double_le(h8, h1 * 0.6);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ov_ring");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, arithmetic);
	tcase_add_test(tc, arcs);
	tcase_add_test(tc, hex_and_resource);
	tcase_add_test(tc, neighbors);
	tcase_add_test(tc, fingers);
	tcase_add_test(tc, next_hop);
	tcase_add_test(tc, finger_density);
	tcase_add_test(tc, density_shortens_routes);
	suite_add_tcase(s, tc);
	return s;
}
