/*
 * wav.h - WAV files (RIFF WAVE, PCM) for playing into and recording
 * from calls: a strict, bounded reader of what a file holds, its
 * conversion to the 8000 Hz mono 16-bit samples G.711 carries, and the
 * header of a recording.  No I/O: the caller reads and writes files.
 */
#ifndef WAV_H
#define WAV_H

#include <stddef.h>
#include <stdint.h>

#define WAV_RATE	8000	/* what calls carry */
#define WAV_MAX_LEN	(64u << 20)	/* a file we read, at most */
#define WAV_HDR_LEN	44

struct wav_fmt {
	unsigned	 channels;	/* 1 or 2 */
	unsigned	 rate;		/* 8000..48000 */
	unsigned	 bits;		/* 8 (unsigned) or 16 (signed LE) */
	const uint8_t	*data;		/* the samples, in the buffer */
	size_t		 len;		/* their bytes (whole frames) */
};

/*
 * What buf holds: 0, or EBADMSG with *why (not RIFF WAVE, chunks that
 * run past the end, no fmt or data chunk) or ENOTSUP with *why (a
 * format we cannot play: not PCM, not 8 or 16 bits, more than 2
 * channels, a rate outside 8000-48000 Hz).
 */
int	wav_parse(struct wav_fmt *, const uint8_t *buf, size_t len,
	    const char **why);
/* Samples at WAV_RATE, mono, that the file makes (channels mixed, the
 * rate brought down by averaging each output period's input). */
size_t	wav_samples(const struct wav_fmt *);
/* Convert them into out (wav_samples() of them). */
void	wav_convert(const struct wav_fmt *, int16_t *out);
/* The header of a recording of n samples at WAV_RATE, mono, 16 bits. */
void	wav_header(uint8_t out[WAV_HDR_LEN], uint32_t n);

#endif
