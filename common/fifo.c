/*
 * fifo.c - a ring buffer of fixed-size items that doubles when full.
 */
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "xmalloc.h"

#define FIFO_KEEP	64	/* items kept room for when empty */

void
fifo_init(struct fifo *q, size_t size)
{
	memset(q, 0, sizeof *q);
	q->size = size;
}

void
fifo_clear(struct fifo *q)
{
	free(q->items);
	fifo_init(q, q->size);
}

void
fifo_push(struct fifo *q, const void *item)
{
	unsigned char	*items;
	unsigned	 i, cap;

	if (q->len == q->cap) {
		cap = q->cap != 0 ? q->cap * 2 : 16;
		items = xreallocarray(NULL, cap, q->size);
		for (i = 0; i < q->len; i++)
			memcpy(items + (size_t)i * q->size, q->items +
			    (size_t)((q->head + i) % q->cap) * q->size,
			    q->size);
		free(q->items);
		q->items = items;
		q->cap = cap;
		q->head = 0;
	}
	memcpy(q->items + (size_t)((q->head + q->len) % q->cap) * q->size,
	    item, q->size);
	q->len++;
}

bool
fifo_pop(struct fifo *q, void *item)
{
	if (q->len == 0)
		return false;
	memcpy(item, q->items + (size_t)q->head * q->size, q->size);
	q->head = (q->head + 1) % q->cap;
	q->len--;
	if (q->len == 0 && q->cap > FIFO_KEEP) {
		/* what a burst grew goes once it is over */
		free(q->items);
		q->items = NULL;
		q->cap = q->head = 0;
	}
	return true;
}

unsigned
fifo_len(const struct fifo *q)
{
	return q->len;
}
