/*
 * srv_wav.h - WAV files for the calls (wav.h): one read whole to be
 * played, one written as the call is recorded.
 */
#ifndef SRV_WAV_H
#define SRV_WAV_H

#include <stddef.h>
#include <stdint.h>

struct srv_wav;

/*
 * The WAV file path as *n samples at 8000 Hz (*pcm allocated): 0, or an
 * error with *err (allocated) naming the file.
 */
int	 srv_wav_load(const char *path, int16_t **pcm, size_t *n, char **err);

/*
 * Create the WAV file path for call's recording (its header written
 * again when it is closed).  0, or an errno with *err (allocated).
 */
int	 srv_wav_create(struct srv_wav **, const char *path, uint32_t call,
	    char **err);
/* Append n samples heard, unless the file would outgrow WAV_MAX_LEN. */
void	 srv_wav_write(struct srv_wav *, const int16_t *pcm, size_t n);
/* Finish the file (its header, the log) and free it.  NULL ok. */
void	 srv_wav_close(struct srv_wav *);

#endif
