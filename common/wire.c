/*
 * wire.c - bounded binary readers and writers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "xmalloc.h"

void
wbuf_init(struct wbuf *w, size_t max)
{
	memset(w, 0, sizeof *w);
	w->max = max;
}

void
wbuf_clear(struct wbuf *w)
{
	free(w->p);
	wbuf_init(w, w->max);
}

uint8_t *
wbuf_take(struct wbuf *w, size_t *len)
{
	uint8_t	*p = w->p;

	*len = w->len;
	if (p == NULL)
		p = xmalloc(1);
	w->p = NULL;
	w->len = w->cap = 0;
	return p;
}

/* Room for n more bytes, or err. */
static uint8_t *
wbuf_room(struct wbuf *w, size_t n)
{
	size_t	cap;

	if (w->err || n > w->max - w->len) {
		w->err = true;
		return NULL;
	}
	if (w->len + n > w->cap) {
		cap = w->cap != 0 ? w->cap : 256;
		while (cap < w->len + n)
			cap *= 2;
		if (cap > w->max)
			cap = w->max;
		w->p = xrealloc(w->p, cap);
		w->cap = cap;
	}
	w->len += n;
	return w->p + w->len - n;
}

static void
wbuf_be(struct wbuf *w, uint64_t v, unsigned n)
{
	uint8_t	*p;

	if ((p = wbuf_room(w, n)) == NULL)
		return;
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

void wbuf_u8(struct wbuf *w, uint8_t v) { wbuf_be(w, v, 1); }
void wbuf_u16(struct wbuf *w, uint16_t v) { wbuf_be(w, v, 2); }
void wbuf_u24(struct wbuf *w, uint32_t v) { wbuf_be(w, v, 3); }
void wbuf_u32(struct wbuf *w, uint32_t v) { wbuf_be(w, v, 4); }
void wbuf_u64(struct wbuf *w, uint64_t v) { wbuf_be(w, v, 8); }

void
wbuf_bytes(struct wbuf *w, const void *b, size_t n)
{
	uint8_t	*p;

	if (n != 0 && (p = wbuf_room(w, n)) != NULL)
		memcpy(p, b, n);
}

void
wbuf_printf(struct wbuf *w, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256], *big = NULL;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->err = true;
		return;
	}
	if ((size_t)n >= sizeof small) {
		big = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	wbuf_bytes(w, big != NULL ? big : small, (size_t)n);
	free(big);
}

size_t
wbuf_vec_begin(struct wbuf *w, unsigned size)
{
	size_t	mark = w->len;

	wbuf_be(w, 0, size);
	return mark;
}

void
wbuf_vec_end(struct wbuf *w, size_t mark, unsigned size)
{
	size_t	n;

	if (w->err)
		return;
	n = w->len - mark - size;
	if (size < 8 && n >> (8 * size) != 0) {
		w->err = true;
		return;
	}
	while (size-- > 0) {
		w->p[mark + size] = (uint8_t)n;
		n >>= 8;
	}
}

void
wbuf_put_u32_at(struct wbuf *w, size_t off, uint32_t v)
{
	if (w->err || off + 4 > w->len) {
		w->err = true;
		return;
	}
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
}

void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

size_t
rbuf_left(const struct rbuf *r)
{
	return r->err ? 0 : r->len - r->off;
}

const uint8_t *
rbuf_bytes(struct rbuf *r, size_t n)
{
	const uint8_t	*p;

	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t
rbuf_be(struct rbuf *r, unsigned n)
{
	const uint8_t	*p = rbuf_bytes(r, n);
	uint64_t	 v = 0;
	unsigned	 i;

	if (p == NULL)
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

uint8_t rbuf_u8(struct rbuf *r) { return (uint8_t)rbuf_be(r, 1); }
uint16_t rbuf_u16(struct rbuf *r) { return (uint16_t)rbuf_be(r, 2); }
uint32_t rbuf_u24(struct rbuf *r) { return (uint32_t)rbuf_be(r, 3); }
uint32_t rbuf_u32(struct rbuf *r) { return (uint32_t)rbuf_be(r, 4); }
uint64_t rbuf_u64(struct rbuf *r) { return rbuf_be(r, 8); }

void
rbuf_copy(struct rbuf *r, void *out, size_t n)
{
	const uint8_t	*p = rbuf_bytes(r, n);

	if (p != NULL)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

void
rbuf_vec(struct rbuf *r, unsigned size, struct rbuf *sub)
{
	size_t		 n = (size_t)rbuf_be(r, size);
	const uint8_t	*p = rbuf_bytes(r, n);

	rbuf_init(sub, p, p != NULL ? n : 0);
	sub->err = p == NULL;
}

bool
rbuf_done(const struct rbuf *r)
{
	return !r->err && r->off == r->len;
}

uint16_t
wire_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
wire_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
wire_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
wire_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
