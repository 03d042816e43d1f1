/*
 * hex.h - lowercase hex, both ways.
 */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>
#include <stdint.h>

/* len bytes as 2 * len lowercase digits and a NUL into out; returns out. */
char	*hex_encode(const uint8_t *p, size_t len, char *out);

/*
 * The 2 * n hex digits at s (either case) into n bytes at out.  0, or -1
 * if any is not a hex digit.
 */
int	 hex_decode(const char *s, size_t n, uint8_t *out);

#endif
