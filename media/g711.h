/*
 * g711.h - ITU-T G.711 companding: mu-law (PCMU) and A-law (PCMA)
 * to and from 16-bit linear samples.
 */
#ifndef G711_H
#define G711_H

#include <stddef.h>
#include <stdint.h>

uint8_t	g711_ulaw(int16_t);
int16_t	g711_ulaw_linear(uint8_t);
uint8_t	g711_alaw(int16_t);
int16_t	g711_alaw_linear(uint8_t);

/* n samples each way; alaw false: mu-law. */
void	g711_encode(uint8_t *out, const int16_t *in, size_t n, int alaw);
void	g711_decode(int16_t *out, const uint8_t *in, size_t n, int alaw);

#endif
