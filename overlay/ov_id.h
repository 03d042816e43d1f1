/*
 * ov_id.h - 128-bit Node-IDs and Resource-IDs on the Chord ring.
 *
 * RFC 6940 §10.1-10.2: identifiers are 128 bits (NodeIdLength 16), most
 * significant byte first, and all arithmetic is modulo 2^128.  A
 * Resource-ID is the first 128 bits of SHA-1 of the resource name.
 */
#ifndef OV_ID_H
#define OV_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OV_ID_LEN	16
#define OV_ID_HEXLEN	(2 * OV_ID_LEN + 1)

struct ov_id {
	uint8_t	b[OV_ID_LEN];
};

int	ov_id_cmp(const struct ov_id *, const struct ov_id *);
bool	ov_id_eq(const struct ov_id *, const struct ov_id *);
/* The wildcard Node-ID, all ones (RFC 6940 §6.1.1). */
bool	ov_id_is_wildcard(const struct ov_id *);
void	ov_id_wildcard(struct ov_id *);

/* out = a + 2^bit (bit < 128), modulo 2^128. */
void	ov_id_add_pow2(struct ov_id *out, const struct ov_id *a, unsigned bit);
/* out = a + v, modulo 2^128. */
void	ov_id_add_u64(struct ov_id *out, const struct ov_id *a, uint64_t v);
/* out = a + b, modulo 2^128. */
void	ov_id_add(struct ov_id *out, const struct ov_id *a,
	    const struct ov_id *b);
/* Keep only the low bits bits of id (bits <= 128). */
void	ov_id_keep_low(struct ov_id *id, unsigned bits);
/* out = a - b, modulo 2^128: how far clockwise a is from b. */
void	ov_id_sub(struct ov_id *out, const struct ov_id *a,
	    const struct ov_id *b);

/* x in the open arc (a, b), clockwise; (a, a) is the whole ring but a. */
bool	ov_id_in_oo(const struct ov_id *a, const struct ov_id *x,
	    const struct ov_id *b);
/* x in (a, b]; (a, a] is the whole ring. */
bool	ov_id_in_oc(const struct ov_id *a, const struct ov_id *x,
	    const struct ov_id *b);
/*
 * Is x closer to self than y clockwise (as successors: compare x - self
 * and y - self), or counter-clockwise (as predecessors)?
 */
bool	ov_id_closer_succ(const struct ov_id *self, const struct ov_id *x,
	    const struct ov_id *y);
bool	ov_id_closer_pred(const struct ov_id *self, const struct ov_id *x,
	    const struct ov_id *y);

/* Lowercase hex into out (OV_ID_HEXLEN bytes); returns out. */
char	*ov_id_hex(const struct ov_id *, char *out);
/* 32 hex digits; 0 or EINVAL. */
int	 ov_id_from_hex(const char *, struct ov_id *);
/* Resource-ID of a name: first 128 bits of SHA-1 (RFC 6940 §10.2). */
void	 ov_id_resource(const void *name, size_t len, struct ov_id *out);
/* The fraction of the ring in (a, b], in parts per billion. */
uint32_t ov_id_arc_ppb(const struct ov_id *a, const struct ov_id *b);

#endif
