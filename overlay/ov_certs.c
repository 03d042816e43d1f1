/*
 * ov_certs.c - certificate buckets kept once by content, counted by the
 * values that use them, and, with a store, read back when needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "ov_certs.h"
#include "xmalloc.h"

struct ov_certs_ent {
	uint8_t		 hash[OV_CERTS_HASH_LEN];
	uint32_t	 refs;
	uint32_t	 len;
	uint8_t		*data;		/* NULL: in the store only */
	bool		 stored;	/* the store has it */
	bool		 pending;	/* in the pending list */
};

void
ov_certs_init(struct ov_certs *c)
{
	memset(c, 0, sizeof *c);
	wbuf_init(&c->scratch, 0xffff);
}

void
ov_certs_clear(struct ov_certs *c)
{
	unsigned	i;

	for (i = 0; i < c->n; i++) {
		free(c->ent[i]->data);
		free(c->ent[i]);
	}
	free(c->ent);
	free(c->pending);
	wbuf_clear(&c->scratch);
	ov_certs_init(c);
}

void
ov_certs_set_store(struct ov_certs *c, ov_certs_load_cb load, void *arg)
{
	c->load = load;
	c->arg = arg;
}

/* Binary search: the position of hash, or where it would go. */
static unsigned
ov_certs_pos(const struct ov_certs *c, const uint8_t *hash, bool *found)
{
	unsigned	lo = 0, hi = c->n, mid;
	int		d;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = memcmp(c->ent[mid]->hash, hash, OV_CERTS_HASH_LEN);
		if (d == 0) {
			*found = true;
			return mid;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ov_certs_remove(struct ov_certs *c, struct ov_certs_ent *e)
{
	bool		found;
	unsigned	i = ov_certs_pos(c, e->hash, &found);

	if (found) {
		memmove(&c->ent[i], &c->ent[i + 1],
		    (c->n - i - 1) * sizeof *c->ent);
		c->n--;
	}
	free(e->data);
	free(e);
}

static void
ov_certs_mark(struct ov_certs *c, struct ov_certs_ent *e)
{
	if (e->pending)
		return;
	if (c->npending == c->pcap) {
		c->pcap = c->pcap != 0 ? c->pcap * 2 : 16;
		c->pending = xreallocarray(c->pending, c->pcap,
		    sizeof *c->pending);
	}
	c->pending[c->npending++] = e;
	e->pending = true;
}

/* The entry for hash, made (with no users) if it is new. */
static struct ov_certs_ent *
ov_certs_get_ent(struct ov_certs *c, const uint8_t *hash, bool *made)
{
	bool			 found;
	unsigned		 i = ov_certs_pos(c, hash, &found);
	struct ov_certs_ent	*e;

	*made = !found;
	if (found)
		return c->ent[i];
	if (c->n == c->cap) {
		c->cap = c->cap != 0 ? c->cap * 2 : 64;
		c->ent = xreallocarray(c->ent, c->cap, sizeof *c->ent);
	}
	memmove(&c->ent[i + 1], &c->ent[i], (c->n - i) * sizeof *c->ent);
	e = xcalloc(1, sizeof *e);
	memcpy(e->hash, hash, OV_CERTS_HASH_LEN);
	c->ent[i] = e;
	c->n++;
	return e;
}

struct ov_certs_ent *
ov_certs_ref(struct ov_certs *c, const uint8_t *bucket, size_t len)
{
	uint8_t			 hash[OV_CERTS_HASH_LEN];
	struct ov_certs_ent	*e;
	bool			 made;

	if (len == 0)
		return NULL;
	SHA256(bucket, len, hash);
	e = ov_certs_get_ent(c, hash, &made);
	if (made) {
		e->data = xmalloc(len);
		memcpy(e->data, bucket, len);
		e->len = (uint32_t)len;
		if (c->load != NULL)
			ov_certs_mark(c, e);	/* to write */
	}
	e->refs++;
	return e;
}

struct ov_certs_ent *
ov_certs_ref_hash(struct ov_certs *c, const uint8_t *hash)
{
	struct ov_certs_ent	*e;
	bool			 made;

	e = ov_certs_get_ent(c, hash, &made);
	if (made)
		e->stored = true;
	e->refs++;
	return e;
}

void
ov_certs_unref(struct ov_certs *c, struct ov_certs_ent *e)
{
	if (e == NULL || --e->refs != 0)
		return;
	if (c->load == NULL)
		ov_certs_remove(c, e);
	else
		ov_certs_mark(c, e);	/* to delete, unless used again */
}

const uint8_t *
ov_certs_hash(const struct ov_certs_ent *e)
{
	return e->hash;
}

int
ov_certs_get(struct ov_certs *c, const struct ov_certs_ent *e,
    const uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	if (e == NULL)
		return 0;
	if (e->data != NULL) {
		*p = e->data;
		*len = e->len;
		return 0;
	}
	c->scratch.len = 0;
	c->scratch.err = false;
	if (c->load == NULL || c->load(c->arg, e->hash, &c->scratch) != 0 ||
	    c->scratch.err)
		return ENOENT;
	*p = c->scratch.p;
	*len = c->scratch.len;
	return 0;
}

bool
ov_certs_take(struct ov_certs *c, uint8_t *hash, uint8_t **bucket,
    size_t *len)
{
	struct ov_certs_ent	*e;

	while (c->npending != 0) {
		e = c->pending[--c->npending];
		e->pending = false;
		if (e->refs != 0 && e->stored)
			continue;	/* used again before it went */
		if (e->refs == 0 && !e->stored) {
			ov_certs_remove(c, e);	/* never written */
			continue;
		}
		memcpy(hash, e->hash, OV_CERTS_HASH_LEN);
		if (e->refs != 0) {
			/* written now: from here on the store has it */
			*bucket = e->data;
			*len = e->len;
			e->data = NULL;
			e->stored = true;
		} else {
			*bucket = NULL;
			*len = 0;
			ov_certs_remove(c, e);
		}
		return true;
	}
	return false;
}

unsigned
ov_certs_count(const struct ov_certs *c)
{
	return c->n;
}
