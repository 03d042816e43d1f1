/*
 * ov_id.c - ring arithmetic on 128-bit identifiers (RFC 6940 §10.1).
 */
#include <errno.h>
#include <string.h>

#include <openssl/sha.h>

#include "hex.h"
#include "ov_id.h"

/* As two 64-bit halves, most significant first. */
struct u128 {
	uint64_t	hi, lo;
};

static struct u128
load(const struct ov_id *id)
{
	struct u128	v = { 0, 0 };
	int		i;

	for (i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | id->b[i];
		v.lo = v.lo << 8 | id->b[8 + i];
	}
	return v;
}

static void
store(struct ov_id *id, struct u128 v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		id->b[i] = (uint8_t)v.hi;
		id->b[8 + i] = (uint8_t)v.lo;
		v.hi >>= 8;
		v.lo >>= 8;
	}
}

static struct u128
sub(struct u128 a, struct u128 b)
{
	struct u128	r;

	r.lo = a.lo - b.lo;
	r.hi = a.hi - b.hi - (a.lo < b.lo);
	return r;
}

static int
cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

int
ov_id_cmp(const struct ov_id *a, const struct ov_id *b)
{
	return memcmp(a->b, b->b, OV_ID_LEN);
}

bool
ov_id_eq(const struct ov_id *a, const struct ov_id *b)
{
	return memcmp(a->b, b->b, OV_ID_LEN) == 0;
}

bool
ov_id_is_wildcard(const struct ov_id *id)
{
	int	i;

	for (i = 0; i < OV_ID_LEN; i++)
		if (id->b[i] != 0xff)
			return false;
	return true;
}

void
ov_id_wildcard(struct ov_id *id)
{
	memset(id->b, 0xff, OV_ID_LEN);
}

void
ov_id_add_pow2(struct ov_id *out, const struct ov_id *a, unsigned bit)
{
	struct u128	v = load(a), d = { 0, 0 };

	if (bit >= 64)
		d.hi = (uint64_t)1 << (bit - 64);
	else
		d.lo = (uint64_t)1 << bit;
	v.lo += d.lo;
	v.hi += d.hi + (v.lo < d.lo);
	store(out, v);
}

void
ov_id_add_u64(struct ov_id *out, const struct ov_id *a, uint64_t x)
{
	struct u128	v = load(a);

	v.lo += x;
	v.hi += v.lo < x;
	store(out, v);
}

void
ov_id_add(struct ov_id *out, const struct ov_id *a, const struct ov_id *b)
{
	struct u128	va = load(a), vb = load(b);

	va.lo += vb.lo;
	va.hi += vb.hi + (va.lo < vb.lo);
	store(out, va);
}

void
ov_id_keep_low(struct ov_id *id, unsigned bits)
{
	struct u128	v = load(id);

	if (bits >= 128)
		return;
	if (bits >= 64) {
		v.hi &= bits == 64 ? 0 : (~(uint64_t)0 >> (128 - bits));
	} else {
		v.hi = 0;
		v.lo &= bits == 0 ? 0 : (~(uint64_t)0 >> (64 - bits));
	}
	store(id, v);
}

void
ov_id_sub(struct ov_id *out, const struct ov_id *a, const struct ov_id *b)
{
	store(out, sub(load(a), load(b)));
}

bool
ov_id_in_oo(const struct ov_id *a, const struct ov_id *x,
    const struct ov_id *b)
{
	struct u128	va = load(a), dx, db;

	dx = sub(load(x), va);
	db = sub(load(b), va);
	if (dx.hi == 0 && dx.lo == 0)
		return false;
	if (db.hi == 0 && db.lo == 0)
		return true;		/* (a, a): all but a */
	return cmp(dx, db) < 0;
}

bool
ov_id_in_oc(const struct ov_id *a, const struct ov_id *x,
    const struct ov_id *b)
{
	struct u128	va = load(a), dx, db;

	dx = sub(load(x), va);
	db = sub(load(b), va);
	if (db.hi == 0 && db.lo == 0)
		return true;		/* (a, a]: the whole ring */
	if (dx.hi == 0 && dx.lo == 0)
		return false;
	return cmp(dx, db) <= 0;
}

bool
ov_id_closer_succ(const struct ov_id *self, const struct ov_id *x,
    const struct ov_id *y)
{
	struct u128	s = load(self);

	return cmp(sub(load(x), s), sub(load(y), s)) < 0;
}

bool
ov_id_closer_pred(const struct ov_id *self, const struct ov_id *x,
    const struct ov_id *y)
{
	struct u128	s = load(self);

	return cmp(sub(s, load(x)), sub(s, load(y))) < 0;
}

char *
ov_id_hex(const struct ov_id *id, char *out)
{
	return hex_encode(id->b, OV_ID_LEN, out);
}

int
ov_id_from_hex(const char *s, struct ov_id *id)
{
	if (strlen(s) != 2 * OV_ID_LEN || hex_decode(s, OV_ID_LEN, id->b) != 0)
		return EINVAL;
	return 0;
}

void
ov_id_resource(const void *name, size_t len, struct ov_id *out)
{
	uint8_t	md[SHA_DIGEST_LENGTH];

	SHA1(name, len, md);
	memcpy(out->b, md, OV_ID_LEN);
}

uint32_t
ov_id_arc_ppb(const struct ov_id *a, const struct ov_id *b)
{
	struct u128	d = sub(load(b), load(a));

	if (d.hi == 0 && d.lo == 0)
		return 1000000000;	/* (a, a]: everything */
	/* d / 2^128 * 1e9 from the top 32 bits: error under 1 ppb. */
	return (uint32_t)(((d.hi >> 32) * 1000000000ULL) >> 32);
}
