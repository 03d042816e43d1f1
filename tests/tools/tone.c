/*
 * tone.c - WAV tones for the media tests.
 *
 *	tone gen FILE HZ SECONDS	a sine of HZ, S16LE mono 8000 Hz
 *	tone find FILE			the strongest frequency in a recording
 *
 * "find" reads a PCM WAV (8 or 16 bit, any rate, first channel), skips
 * its silent start, and prints the frequency (Hz) whose Goertzel power,
 * summed over blocks of 0.1 s of the first 4 s, is highest between 100
 * and 3500 Hz in 10 Hz steps, and the share of the signal's power it
 * holds (0..1).  Exits 1 when there is no sound.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE	8000
#define PI	3.14159265358979323846

static void
le16(uint8_t *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
le32(uint8_t *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

static int
gen(const char *path, double hz, double secs)
{
	uint8_t		 h[44], s[2];
	uint32_t	 n = (uint32_t)(secs * RATE), i;
	FILE		*f;

	if (hz <= 0 || hz >= RATE / 2 || secs <= 0 || secs > 3600) {
		fprintf(stderr, "tone: bad frequency or length\n");
		return 2;
	}
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "tone: %s: %s\n", path, strerror(errno));
		return 2;
	}
	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + n * 2);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, 1);		/* PCM */
	le16(h + 22, 1);		/* mono */
	le32(h + 24, RATE);
	le32(h + 28, RATE * 2);
	le16(h + 32, 2);
	le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	le32(h + 40, n * 2);
	fwrite(h, 1, sizeof h, f);
	for (i = 0; i < n; i++) {
		long v = lround(12000 * sin(2 * PI * hz * i / RATE));

		le16(s, (unsigned)(v & 0xffff));
		fwrite(s, 1, 2, f);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "tone: %s: %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}

static unsigned
rd16(const uint8_t *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static uint32_t
rd32(const uint8_t *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static double
goertzel(const double *x, size_t n, double hz, unsigned rate)
{
	double	c = 2 * cos(2 * PI * hz / rate), s1 = 0, s2 = 0, s;
	size_t	i;

	for (i = 0; i < n; i++) {
		s = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static int
find(const char *path)
{
	uint8_t		 h[12], ch[8], fmt[16] = { 0 };
	uint32_t	 len, rate = 0;
	unsigned	 bits = 0, chans = 0, step;
	size_t		 n = 0, i, start, max, blk;
	double		*x, e = 0, best = 0, hz, p, besthz = 0;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "tone: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, "WAVE", 4) != 0)
		goto bad;
	for (;;) {			/* chunks up to "data" */
		if (fread(ch, 1, 8, f) != 8)
			goto bad;
		len = rd32(ch + 4);
		if (memcmp(ch, "fmt ", 4) == 0 && len >= 16) {
			if (fread(fmt, 1, 16, f) != 16 ||
			    fseek(f, (long)(len - 16 + (len & 1)), SEEK_CUR))
				goto bad;
			chans = rd16(fmt + 2);
			rate = rd32(fmt + 4);
			bits = rd16(fmt + 14);
		} else if (memcmp(ch, "data", 4) == 0)
			break;
		else if (fseek(f, (long)(len + (len & 1)), SEEK_CUR) != 0)
			goto bad;
	}
	if (rd16(fmt) != 1 || chans == 0 || (bits != 8 && bits != 16) ||
	    rate < 8000 || rate > 192000)
		goto bad;
	step = chans * bits / 8;
	max = 60 * (size_t)rate;	/* a minute is plenty */
	if ((x = calloc(max, sizeof *x)) == NULL) {
		fclose(f);
		fprintf(stderr, "tone: out of memory\n");
		return 2;
	}
	while (n < max && fread(ch, 1, step, f) == step)
		x[n++] = bits == 16 ? (int16_t)rd16(ch) : (ch[0] - 128) * 256;
	fclose(f);
	/* skip the silence before the call's audio began */
	for (start = 0; start < n && fabs(x[start]) < 200; start++)
		;
	n -= start;
	if (n > (size_t)rate * 4)	/* four seconds are enough */
		n = (size_t)rate * 4;
	for (i = 0; i < n; i++)
		e += x[start + i] * x[start + i];
	if (n < rate / 10 || e / n < 100 * 100) {
		free(x);
		fprintf(stderr, "tone: %s: no sound\n", path);
		return 1;
	}
	/* blocks of 0.1 s: 10 Hz bins, whatever the tone's exact pitch */
	blk = rate / 10;
	for (hz = 100; hz <= 3500; hz += 10) {
		for (p = 0, i = 0; i + blk <= n; i += blk)
			p += goertzel(x + start + i, blk, hz, rate);
		if (p > best) {
			best = p;
			besthz = hz;
		}
	}
	free(x);
	/* a pure sine's Goertzel power is (A·b/2)² per block of b, its
	 * energy A²·b/2 */
	printf("%.0f %.2f\n", besthz, best * 2 / ((double)blk * e));
	return 0;
bad:
	fclose(f);
	fprintf(stderr, "tone: %s: not a PCM WAV file\n", path);
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atof(argv[3]), atof(argv[4]));
	if (argc == 3 && strcmp(argv[1], "find") == 0)
		return find(argv[2]);
	fprintf(stderr, "usage: tone gen FILE HZ SECONDS | tone find FILE\n");
	return 2;
}
