/*
 * ov_chord.h - the CHORD-RELOAD routing table (RFC 6940 §10).
 *
 * Predecessor and successor lists (closest first) and a finger table.
 * With a density of 1 its i'th slot (1-based, as in §10.7.4.2) covers
 * [self + 2^(128-i), self + 2^(129-i) - 1].  A density of 2^d splits each
 * of those ranges (an octave) into 2^d slots, the farthest first: slot i
 * is part (i-1) mod 2^d of octave (i-1) / 2^d + 1, counted from the top.
 * Each hop then cuts the distance left by 2^d or more, not 2: about
 * log2(N) / (d + 1) hops instead of log2(N) / 2, for 2^d times the
 * fingers.  (Deviation from §10.7.4.2's ranges, which are density 1;
 * §10.7.4.3 leaves the table's size and search to the implementation.)
 * Pure data: which ids are connected and usable is the node's business
 * (ov_node.c); this only orders ids on the ring.
 */
#ifndef OV_CHORD_H
#define OV_CHORD_H

#include <stdbool.h>

#include "ov_id.h"

#define OV_NEIGH_MAX	16
#define OV_FINGER_MAX	256	/* slots: octaves x density */
#define OV_DENSITY_BITS_MAX 4	/* 16 slots an octave */

struct ov_chord {
	struct ov_id	self;
	unsigned	want_pred, want_succ, nfinger_slots;
	unsigned	density_bits;	/* 2^this slots an octave */
	unsigned	npred, nsucc;
	struct ov_id	pred[OV_NEIGH_MAX];	/* closest first */
	struct ov_id	succ[OV_NEIGH_MAX];
	struct ov_id	*finger;	/* nfinger_slots: [i - 1] */
	uint8_t		*fset;		/* which are set, a bit each */
};

typedef bool (*ov_chord_usable_cb)(const struct ov_id *, void *arg);

/*
 * nslots: finger slots, octaves x 2^density_bits (at most OV_FINGER_MAX),
 * allocated here; ov_chord_free frees them.
 */
void	ov_chord_init(struct ov_chord *, const struct ov_id *self,
	    unsigned npred, unsigned nsucc, unsigned nslots,
	    unsigned density_bits);
void	ov_chord_free(struct ov_chord *);
/* Empty the lists and the finger table, keeping the sizes. */
void	ov_chord_reset(struct ov_chord *);

/*
 * Responsible for k: k in (pred[0], self]; with no predecessor, for
 * everything (a ring of one).  §10.1.
 */
bool	ov_chord_responsible(const struct ov_chord *, const struct ov_id *k);

/*
 * Offer id as a neighbor: it enters the predecessor and/or successor list
 * if it is closer than an entry there or the list is short.  true if a
 * list changed.  Never enters self (§10.7.3).
 */
bool	ov_chord_add_neighbor(struct ov_chord *, const struct ov_id *);
/* Would id enter a neighbor list (without changing anything)? */
bool	ov_chord_wants_neighbor(const struct ov_chord *, const struct ov_id *);
/* Remove id from every list and slot; true if it was anywhere. */
bool	ov_chord_remove(struct ov_chord *, const struct ov_id *);
bool	ov_chord_is_neighbor(const struct ov_chord *, const struct ov_id *);
bool	ov_chord_has(const struct ov_chord *, const struct ov_id *);

/* The start of finger slot i (1-based): self + 2^(128 - i) at density 1. */
void	ov_chord_finger_target(const struct ov_chord *, unsigned i,
	    struct ov_id *);
/* log2 of slot i's width: 128 - i at density 1. */
unsigned ov_chord_finger_width_bits(const struct ov_chord *, unsigned i);
/* id lies in slot i's range. */
bool	ov_chord_finger_fits(const struct ov_chord *, unsigned i,
	    const struct ov_id *);
/* Put id in slot i; true if the slot changed. */
bool	ov_chord_set_finger(struct ov_chord *, unsigned i, const struct ov_id *);
bool	ov_chord_finger(const struct ov_chord *, unsigned i, struct ov_id *);
void	ov_chord_clear_finger(struct ov_chord *, unsigned i);
/* Distinct finger ids in ascending order into out (max); count. */
unsigned ov_chord_fingers(const struct ov_chord *, struct ov_id *out,
	    unsigned max);
/*
 * How many finger slots are worth filling: slots whose range starts
 * before the farthest successor (beyond it a finger would be a successor).
 */
unsigned ov_chord_finger_needed(const struct ov_chord *);

/*
 * Next hop toward k (§10.3): the owner if our neighbor lists show it;
 * else among the table's ids and the extra ones (other connections) that
 * usable() accepts, the largest in (self, k]; failing that, the smallest
 * beyond k.  false if none is usable.
 */
bool	ov_chord_next_hop(const struct ov_chord *, const struct ov_id *k,
	    const struct ov_id *extra, unsigned nextra,
	    ov_chord_usable_cb usable, void *arg, struct ov_id *out);

#endif
