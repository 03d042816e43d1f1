/*
 * wav.c - RIFF WAVE reading and conversion to 8000 Hz mono, and the
 * header of a recording.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "wav.h"

#define WAVE_FORMAT_PCM		1
#define WAVE_FORMAT_EXTENSIBLE	0xfffe

static uint32_t
le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static int
wav_fmt_chunk(struct wav_fmt *f, const uint8_t *c, size_t n,
    const char **why)
{
	uint32_t	tag;

	if (n < 16) {
		*why = "WAV fmt chunk too short";
		return EBADMSG;
	}
	tag = le16(c);
	/* WAVE_FORMAT_EXTENSIBLE: the real format is its sub-format GUID's
	 * first two bytes */
	if (tag == WAVE_FORMAT_EXTENSIBLE && n >= 40)
		tag = le16(c + 24);
	f->channels = le16(c + 2);
	f->rate = le32(c + 4);
	f->bits = le16(c + 14);
	if (tag != WAVE_FORMAT_PCM) {
		*why = "WAV is not PCM (only 8- or 16-bit PCM can be played)";
		return ENOTSUP;
	}
	if (f->bits != 8 && f->bits != 16) {
		*why = "WAV samples are not 8 or 16 bits";
		return ENOTSUP;
	}
	if (f->channels < 1 || f->channels > 2) {
		*why = "WAV has more than 2 channels";
		return ENOTSUP;
	}
	if (f->rate < WAV_RATE || f->rate > 48000) {
		*why = "WAV sample rate is not 8000-48000 Hz";
		return ENOTSUP;
	}
	return 0;
}

int
wav_parse(struct wav_fmt *f, const uint8_t *buf, size_t len, const char **why)
{
	size_t	off = 12, frame;
	bool	have_fmt = false;
	int	rc;

	memset(f, 0, sizeof *f);
	if (len > WAV_MAX_LEN) {
		*why = "WAV file too large";
		return EBADMSG;
	}
	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 ||
	    memcmp(buf + 8, "WAVE", 4) != 0) {
		*why = "not a WAV file (no RIFF WAVE header)";
		return EBADMSG;
	}
	while (off + 8 <= len) {
		const uint8_t	*c = buf + off + 8;
		size_t		 n = le32(buf + off + 4);

		if (n > len - off - 8) {
			/* a data chunk cut short (a recording not closed)
			 * is read as far as it goes; others are broken */
			if (memcmp(buf + off, "data", 4) != 0) {
				*why = "WAV chunk runs past the end";
				return EBADMSG;
			}
			n = len - off - 8;
		}
		if (memcmp(buf + off, "fmt ", 4) == 0) {
			if ((rc = wav_fmt_chunk(f, c, n, why)) != 0)
				return rc;
			have_fmt = true;
		} else if (memcmp(buf + off, "data", 4) == 0) {
			if (!have_fmt) {
				*why = "WAV data chunk before its fmt chunk";
				return EBADMSG;
			}
			frame = f->channels * f->bits / 8;
			f->data = c;
			f->len = n - n % frame;
			return 0;
		}
		off += 8 + n + (n & 1);		/* chunks are word-aligned */
	}
	*why = have_fmt ? "WAV has no data chunk" : "WAV has no fmt chunk";
	return EBADMSG;
}

size_t
wav_samples(const struct wav_fmt *f)
{
	size_t	frames = f->len / (f->channels * f->bits / 8);

	return (size_t)((uint64_t)frames * WAV_RATE / f->rate);
}

/* Frame i, channels mixed, as 16 bits. */
static int
wav_frame(const struct wav_fmt *f, size_t i)
{
	const uint8_t	*p = f->data + i * f->channels * f->bits / 8;
	int		 s = 0;
	unsigned	 c;

	for (c = 0; c < f->channels; c++)
		s += f->bits == 8 ? ((int)p[c] - 128) * 256 :
		    (int16_t)le16(p + 2 * c);
	return s / (int)f->channels;
}

void
wav_convert(const struct wav_fmt *f, int16_t *out)
{
	size_t		 n = wav_samples(f), i, j, from, to;

	for (i = 0; i < n; i++) {
		/* output period i covers input frames [from, to): their
		 * mean, a box filter against aliasing */
		int64_t	sum = 0;

		from = (size_t)((uint64_t)i * f->rate / WAV_RATE);
		to = (size_t)((uint64_t)(i + 1) * f->rate / WAV_RATE);
		if (to <= from)
			to = from + 1;
		for (j = from; j < to; j++)
			sum += wav_frame(f, j);
		out[i] = (int16_t)(sum / (int64_t)(to - from));
	}
}

void
wav_header(uint8_t out[WAV_HDR_LEN], uint32_t n)
{
	uint32_t	bytes = n > (UINT32_MAX - 36) / 2 ? UINT32_MAX - 36 :
			    n * 2;

	memcpy(out, "RIFF", 4);
	put32(out + 4, 36 + bytes);
	memcpy(out + 8, "WAVEfmt ", 8);
	put32(out + 16, 16);
	put16(out + 20, WAVE_FORMAT_PCM);
	put16(out + 22, 1);
	put32(out + 24, WAV_RATE);
	put32(out + 28, WAV_RATE * 2);
	put16(out + 32, 2);
	put16(out + 34, 16);
	memcpy(out + 36, "data", 4);
	put32(out + 40, bytes);
}
