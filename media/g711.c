/*
 * g711.c - G.711 mu-law and A-law (ITU-T G.711, Tables 1 and 2): 13- or
 * 14-bit linear samples in eight segments of 16 steps.
 */
#include "g711.h"

#define ULAW_BIAS	0x84
#define ULAW_CLIP	32635

/* The segment of v (0..7): the position of its highest bit above the
 * first shift bits, for segment ends 2^(shift+1) - 1, ... */
static int
g711_seg(int v, int shift)
{
	int	seg = 0;

	v >>= shift;
	while (v > 1 && seg < 8) {
		v >>= 1;
		seg++;
	}
	return seg;
}

uint8_t
g711_ulaw(int16_t pcm)
{
	int	v = pcm, sign = 0, seg;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;
	seg = g711_seg(v, 7);
	return (uint8_t)~(sign | seg << 4 | ((v >> (seg + 3)) & 0x0f));
}

int16_t
g711_ulaw_linear(uint8_t u)
{
	int	t;

	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + ULAW_BIAS;
	t <<= (u & 0x70) >> 4;
	return (int16_t)(u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS);
}

uint8_t
g711_alaw(int16_t pcm)
{
	int	v = pcm, mask, seg, a;

	if (v >= 0)
		mask = 0xd5;
	else {
		mask = 0x55;
		v = -v - 1;
	}
	v >>= 3;			/* 13 bits */
	seg = v < 32 ? 0 : g711_seg(v, 4);
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	a = seg << 4 | ((seg < 2 ? v >> 1 : v >> seg) & 0x0f);
	return (uint8_t)(a ^ mask);
}

int16_t
g711_alaw_linear(uint8_t a)
{
	int	t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else {
		t += 0x108;
		t <<= seg - 1;
	}
	return (int16_t)(a & 0x80 ? t : -t);
}

void
g711_encode(uint8_t *out, const int16_t *in, size_t n, int alaw)
{
	size_t	i;

	for (i = 0; i < n; i++)
		out[i] = alaw ? g711_alaw(in[i]) : g711_ulaw(in[i]);
}

void
g711_decode(int16_t *out, const uint8_t *in, size_t n, int alaw)
{
	size_t	i;

	for (i = 0; i < n; i++)
		out[i] = alaw ? g711_alaw_linear(in[i]) :
		    g711_ulaw_linear(in[i]);
}
