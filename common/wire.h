/*
 * wire.h - bounded readers and writers for binary protocols.
 *
 * Network byte order throughout (RELOAD, STUN).  A reader never reads past
 * its end and a writer never grows past its maximum: the first failure sets
 * err, later calls do nothing, and the caller checks err once at the end.
 * No I/O: protocol cores use these freely.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t	*p;		/* owned; free(3) it, or wbuf_clear */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* the writer fails beyond this */
	bool	 err;
};

void	 wbuf_init(struct wbuf *, size_t max);
void	 wbuf_clear(struct wbuf *);
/* Hand the bytes to the caller (who frees them); the wbuf is emptied. */
uint8_t	*wbuf_take(struct wbuf *, size_t *len);
void	 wbuf_u8(struct wbuf *, uint8_t);
void	 wbuf_u16(struct wbuf *, uint16_t);
void	 wbuf_u24(struct wbuf *, uint32_t);
void	 wbuf_u32(struct wbuf *, uint32_t);
void	 wbuf_u64(struct wbuf *, uint64_t);
void	 wbuf_bytes(struct wbuf *, const void *, size_t);
/* Formatted text (no NUL), for the text protocols (SIP, SDP). */
void	 wbuf_printf(struct wbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Length-prefixed vectors: wbuf_vec_begin writes a placeholder of size
 * bytes (1, 2, 3 or 4) and returns its offset; wbuf_vec_end fills in the
 * length of what was written since, failing if it does not fit.
 */
size_t	 wbuf_vec_begin(struct wbuf *, unsigned size);
void	 wbuf_vec_end(struct wbuf *, size_t mark, unsigned size);
/* Overwrite a u32 already written at off. */
void	 wbuf_put_u32_at(struct wbuf *, size_t off, uint32_t);

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	bool		 err;
};

/* Big-endian 16 and 32-bit numbers at p (which the caller bounds). */
uint16_t wire_be16(const uint8_t *p);
uint32_t wire_be32(const uint8_t *p);
/* ... and written there. */
void	 wire_put_be16(uint8_t *p, uint16_t);
void	 wire_put_be32(uint8_t *p, uint32_t);

void	 rbuf_init(struct rbuf *, const void *, size_t);
size_t	 rbuf_left(const struct rbuf *);
uint8_t	 rbuf_u8(struct rbuf *);
uint16_t rbuf_u16(struct rbuf *);
uint32_t rbuf_u24(struct rbuf *);
uint32_t rbuf_u32(struct rbuf *);
uint64_t rbuf_u64(struct rbuf *);
/* A pointer to the next n bytes (NULL and err if there aren't n). */
const uint8_t *rbuf_bytes(struct rbuf *, size_t n);
/* Copy n bytes out. */
void	 rbuf_copy(struct rbuf *, void *, size_t n);
/*
 * Read a vector's length (size bytes) and set sub to its contents; the
 * outer reader moves past it.
 */
void	 rbuf_vec(struct rbuf *, unsigned size, struct rbuf *sub);
/* true when all was read and nothing failed. */
bool	 rbuf_done(const struct rbuf *);

#endif
