/*
 * fifo.h - a first-in first-out queue of fixed-size items, growing as
 * needed: the action queues of the protocol cores.
 */
#ifndef FIFO_H
#define FIFO_H

#include <stdbool.h>
#include <stddef.h>

struct fifo {
	unsigned char	*items;
	size_t		 size;		/* of one item */
	unsigned	 head, len, cap;
};

/* An empty queue of items of size bytes. */
void	fifo_init(struct fifo *, size_t size);
/* Frees the queue's memory; items left in it are the caller's to free
 * first (fifo_pop them). */
void	fifo_clear(struct fifo *);
/* Copy item in at the tail. */
void	fifo_push(struct fifo *, const void *item);
/* Copy the head item out; false when empty. */
bool	fifo_pop(struct fifo *, void *item);
unsigned fifo_len(const struct fifo *);

#endif
