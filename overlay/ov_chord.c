/*
 * ov_chord.c - CHORD-RELOAD neighbor and finger tables (RFC 6940 §10.1,
 * §10.3, §10.7).
 */
#include <stdlib.h>
#include <string.h>

#include "ov_chord.h"
#include "xmalloc.h"

void
ov_chord_init(struct ov_chord *c, const struct ov_id *self, unsigned npred,
    unsigned nsucc, unsigned nslots, unsigned density_bits)
{
	memset(c, 0, sizeof *c);
	c->self = *self;
	c->want_pred = npred > OV_NEIGH_MAX ? OV_NEIGH_MAX : npred;
	c->want_succ = nsucc > OV_NEIGH_MAX ? OV_NEIGH_MAX : nsucc;
	c->nfinger_slots = nslots > OV_FINGER_MAX ? OV_FINGER_MAX : nslots;
	c->density_bits = density_bits > OV_DENSITY_BITS_MAX ?
	    OV_DENSITY_BITS_MAX : density_bits;
	if (c->nfinger_slots > 0) {
		c->finger = xcalloc(c->nfinger_slots, sizeof *c->finger);
		c->fset = xcalloc((c->nfinger_slots + 7) / 8, 1);
	}
}

void
ov_chord_free(struct ov_chord *c)
{
	free(c->finger);
	free(c->fset);
	c->finger = NULL;
	c->fset = NULL;
	c->nfinger_slots = 0;
}

void
ov_chord_reset(struct ov_chord *c)
{
	c->npred = c->nsucc = 0;
	if (c->fset != NULL)
		memset(c->fset, 0, (c->nfinger_slots + 7) / 8);
}

bool
ov_chord_responsible(const struct ov_chord *c, const struct ov_id *k)
{
	if (c->npred == 0)
		return true;
	return ov_id_in_oc(&c->pred[0], k, &c->self);
}

typedef bool (*closer_fn)(const struct ov_id *, const struct ov_id *,
    const struct ov_id *);

static int
ov_list_find(const struct ov_id *l, unsigned n, const struct ov_id *id)
{
	unsigned	i;

	for (i = 0; i < n; i++)
		if (ov_id_eq(&l[i], id))
			return (int)i;
	return -1;
}

/* Where id would go in a sorted list, or -1 if it would not fit. */
static int
ov_list_slot(const struct ov_chord *c, const struct ov_id *l, unsigned n,
    unsigned want, closer_fn closer, const struct ov_id *id)
{
	unsigned	i;

	if (ov_id_eq(id, &c->self) || ov_list_find(l, n, id) >= 0)
		return -1;
	for (i = 0; i < n; i++)
		if (closer(&c->self, id, &l[i]))
			return (int)i;
	return n < want ? (int)n : -1;
}

static bool
ov_list_add(struct ov_chord *c, struct ov_id *l, unsigned *n, unsigned want,
    closer_fn closer, const struct ov_id *id)
{
	int	at = ov_list_slot(c, l, *n, want, closer, id);

	if (at < 0)
		return false;
	if (*n == want)
		(*n)--;			/* the farthest falls off */
	memmove(&l[at + 1], &l[at], (*n - (unsigned)at) * sizeof *l);
	l[at] = *id;
	(*n)++;
	return true;
}

bool
ov_chord_add_neighbor(struct ov_chord *c, const struct ov_id *id)
{
	bool	changed;

	changed = ov_list_add(c, c->succ, &c->nsucc, c->want_succ,
	    ov_id_closer_succ, id);
	changed |= ov_list_add(c, c->pred, &c->npred, c->want_pred,
	    ov_id_closer_pred, id);
	return changed;
}

bool
ov_chord_wants_neighbor(const struct ov_chord *c, const struct ov_id *id)
{
	return ov_list_slot(c, c->succ, c->nsucc, c->want_succ,
	    ov_id_closer_succ, id) >= 0 ||
	    ov_list_slot(c, c->pred, c->npred, c->want_pred,
	    ov_id_closer_pred, id) >= 0;
}

static bool
ov_list_remove(struct ov_id *l, unsigned *n, const struct ov_id *id)
{
	int	at = ov_list_find(l, *n, id);

	if (at < 0)
		return false;
	memmove(&l[at], &l[at + 1], (*n - (unsigned)at - 1) * sizeof *l);
	(*n)--;
	return true;
}

static bool
fset_get(const struct ov_chord *c, unsigned i)
{
	return (c->fset[i / 8] >> (i % 8)) & 1;
}

static void
fset_put(struct ov_chord *c, unsigned i, bool on)
{
	if (on)
		c->fset[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		c->fset[i / 8] &= (uint8_t)~(1u << (i % 8));
}

bool
ov_chord_remove(struct ov_chord *c, const struct ov_id *id)
{
	bool		found;
	unsigned	i;

	found = ov_list_remove(c->succ, &c->nsucc, id);
	found |= ov_list_remove(c->pred, &c->npred, id);
	for (i = 0; i < c->nfinger_slots; i++) {
		if (fset_get(c, i) && ov_id_eq(&c->finger[i], id)) {
			fset_put(c, i, false);
			found = true;
		}
	}
	return found;
}

bool
ov_chord_is_neighbor(const struct ov_chord *c, const struct ov_id *id)
{
	return ov_list_find(c->succ, c->nsucc, id) >= 0 ||
	    ov_list_find(c->pred, c->npred, id) >= 0;
}

bool
ov_chord_has(const struct ov_chord *c, const struct ov_id *id)
{
	unsigned	i;

	if (ov_chord_is_neighbor(c, id))
		return true;
	for (i = 0; i < c->nfinger_slots; i++)
		if (fset_get(c, i) && ov_id_eq(&c->finger[i], id))
			return true;
	return false;
}

unsigned
ov_chord_finger_width_bits(const struct ov_chord *c, unsigned i)
{
	unsigned	octave = (i - 1) >> c->density_bits;	/* from 0 */

	return 128 - 1 - octave - c->density_bits;
}

void
ov_chord_finger_target(const struct ov_chord *c, unsigned i, struct ov_id *t)
{
	unsigned	d = c->density_bits, octave = (i - 1) >> d;
	unsigned	part = (i - 1) & ((1u << d) - 1);
	unsigned	above = (1u << d) - 1 - part;	/* parts beyond it */
	unsigned	w = ov_chord_finger_width_bits(c, i), b;

	/* self + 2^(127 - octave) + above * 2^w */
	ov_id_add_pow2(t, &c->self, 128 - 1 - octave);
	for (b = 0; b < d; b++)
		if (above & (1u << b))
			ov_id_add_pow2(t, t, w + b);
}

bool
ov_chord_finger_fits(const struct ov_chord *c, unsigned i,
    const struct ov_id *id)
{
	struct ov_id	lo, hi;

	ov_chord_finger_target(c, i, &lo);
	if (i == 1)
		hi = c->self;		/* up to self + 2^128 - 1 */
	else
		ov_chord_finger_target(c, i - 1, &hi);
	/* [lo, hi - 1] is (lo - 1, hi) */
	return ov_id_eq(id, &lo) || ov_id_in_oo(&lo, id, &hi);
}

bool
ov_chord_set_finger(struct ov_chord *c, unsigned i, const struct ov_id *id)
{
	if (i < 1 || i > c->nfinger_slots || ov_id_eq(id, &c->self))
		return false;
	if (fset_get(c, i - 1) && ov_id_eq(&c->finger[i - 1], id))
		return false;
	c->finger[i - 1] = *id;
	fset_put(c, i - 1, true);
	return true;
}

bool
ov_chord_finger(const struct ov_chord *c, unsigned i, struct ov_id *out)
{
	if (i < 1 || i > c->nfinger_slots || !fset_get(c, i - 1))
		return false;
	*out = c->finger[i - 1];
	return true;
}

void
ov_chord_clear_finger(struct ov_chord *c, unsigned i)
{
	if (i >= 1 && i <= c->nfinger_slots)
		fset_put(c, i - 1, false);
}

unsigned
ov_chord_fingers(const struct ov_chord *c, struct ov_id *out, unsigned max)
{
	unsigned	i, j, n = 0;
	struct ov_id	t;

	for (i = 0; i < c->nfinger_slots; i++) {
		if (!fset_get(c, i) ||
		    ov_list_find(out, n, &c->finger[i]) >= 0 || n == max)
			continue;
		/* insertion sort, ascending (§10.7 "full" Update) */
		t = c->finger[i];
		for (j = n; j > 0 && ov_id_cmp(&out[j - 1], &t) > 0; j--)
			out[j] = out[j - 1];
		out[j] = t;
		n++;
	}
	return n;
}

unsigned
ov_chord_finger_needed(const struct ov_chord *c)
{
	const struct ov_id	*far;
	struct ov_id		 t;
	unsigned		 i;

	if (c->nsucc == 0)
		return c->nfinger_slots;
	far = &c->succ[c->nsucc - 1];
	for (i = 1; i <= c->nfinger_slots; i++) {
		ov_chord_finger_target(c, i, &t);
		/* from here on a slot starts among our successors */
		if (!ov_id_in_oo(far, &t, &c->self))
			return i - 1;
	}
	return c->nfinger_slots;
}

/* Consider one candidate for the next hop toward k. */
static void
ov_hop_consider(const struct ov_chord *c, const struct ov_id *k,
    const struct ov_id *id, struct ov_id *best_in, bool *have_in,
    struct ov_id *best_out, bool *have_out)
{
	if (ov_id_in_oc(&c->self, id, k)) {
		/* largest in (self, k]: closest to k from below */
		if (!*have_in || ov_id_closer_succ(&c->self, best_in, id)) {
			*best_in = *id;
			*have_in = true;
		}
	} else if (!*have_out || ov_id_closer_succ(k, id, best_out)) {
		/* smallest beyond k */
		*best_out = *id;
		*have_out = true;
	}
}

/*
 * Our successor and predecessor lists are consecutive runs of the ring, so
 * when k falls between two neighbors we know the node responsible for it.
 * Deviation from §10.3 (which forwards to the closest preceding peer, one
 * hop short of the owner): we send to the owner directly, saving the hop.
 */
static bool
ov_known_owner(const struct ov_chord *c, const struct ov_id *k,
    ov_chord_usable_cb usable, void *arg, struct ov_id *out)
{
	const struct ov_id	*prev = &c->self;
	unsigned		 i;

	for (i = 0; i < c->nsucc; prev = &c->succ[i], i++) {
		if (ov_id_in_oc(prev, k, &c->succ[i])) {
			if (!usable(&c->succ[i], arg))
				return false;
			*out = c->succ[i];
			return true;
		}
	}
	for (i = 0; i + 1 < c->npred; i++) {
		if (ov_id_in_oc(&c->pred[i + 1], k, &c->pred[i])) {
			if (!usable(&c->pred[i], arg))
				return false;
			*out = c->pred[i];
			return true;
		}
	}
	return false;
}

bool
ov_chord_next_hop(const struct ov_chord *c, const struct ov_id *k,
    const struct ov_id *extra, unsigned nextra, ov_chord_usable_cb usable,
    void *arg, struct ov_id *out)
{
	struct ov_id	best_in, best_out;
	bool		have_in = false, have_out = false;
	unsigned	i;

	if (ov_known_owner(c, k, usable, arg, out))
		return true;

	for (i = 0; i < c->nsucc; i++)
		if (usable(&c->succ[i], arg))
			ov_hop_consider(c, k, &c->succ[i], &best_in, &have_in,
			    &best_out, &have_out);
	for (i = 0; i < c->npred; i++)
		if (usable(&c->pred[i], arg))
			ov_hop_consider(c, k, &c->pred[i], &best_in, &have_in,
			    &best_out, &have_out);
	for (i = 0; i < c->nfinger_slots; i++)
		if (fset_get(c, i) && usable(&c->finger[i], arg))
			ov_hop_consider(c, k, &c->finger[i], &best_in,
			    &have_in, &best_out, &have_out);
	for (i = 0; i < nextra; i++)
		if (!ov_id_eq(&extra[i], &c->self) && usable(&extra[i], arg))
			ov_hop_consider(c, k, &extra[i], &best_in, &have_in,
			    &best_out, &have_out);
	if (have_in)
		*out = best_in;
	else if (have_out)
		*out = best_out;
	return have_in || have_out;
}
