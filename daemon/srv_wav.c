/*
 * srv_wav.c - WAV files for the calls: read whole to be played, written
 * little-endian as a call is recorded, the header completed at the end.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv_wav.h"
#include "wav.h"
#include "xmalloc.h"

struct srv_wav {
	FILE		*fp;
	char		*path;
	uint32_t	 call;		/* for the log */
	uint32_t	 n;		/* samples written */
};

int
srv_wav_load(const char *path, int16_t **pcm, size_t *n, char **err)
{
	struct wav_fmt	 f;
	struct stat	 sb;
	uint8_t		*buf;
	const char	*why;
	FILE		*fp;
	int		 rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return errno;
	}
	if (fstat(fileno(fp), &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > (off_t)WAV_MAX_LEN) {
		*err = xasprintf("%s: not a regular file of at most %u MiB",
		    path, WAV_MAX_LEN >> 20);
		fclose(fp);
		return EINVAL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	if (fread(buf, 1, (size_t)sb.st_size, fp) != (size_t)sb.st_size) {
		*err = xasprintf("%s: cannot read", path);
		free(buf);
		fclose(fp);
		return EIO;
	}
	fclose(fp);
	if ((rc = wav_parse(&f, buf, (size_t)sb.st_size, &why)) != 0) {
		*err = xasprintf("%s: %s", path, why);
		free(buf);
		return rc;
	}
	*n = wav_samples(&f);
	*pcm = xreallocarray(NULL, *n + 1, sizeof **pcm);
	wav_convert(&f, *pcm);
	free(buf);
	return 0;
}

int
srv_wav_create(struct srv_wav **out, const char *path, uint32_t call,
    char **err)
{
	struct srv_wav	*w;
	uint8_t		 hdr[WAV_HDR_LEN];
	FILE		*fp;

	if ((fp = fopen(path, "wb")) == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return errno;
	}
	wav_header(hdr, 0);
	(void)fwrite(hdr, sizeof hdr, 1, fp);
	w = xcalloc(1, sizeof *w);
	w->fp = fp;
	w->path = xstrdup(path);
	w->call = call;
	*out = w;
	return 0;
}

void
srv_wav_write(struct srv_wav *w, const int16_t *pcm, size_t n)
{
	unsigned char	le[2 * 512];
	size_t		i, k;

	if ((uint64_t)(w->n + n) * 2 > WAV_MAX_LEN)
		return;
	for (; n > 0; pcm += k, n -= k) {
		k = n < sizeof le / 2 ? n : sizeof le / 2;
		for (i = 0; i < k; i++) {
			le[2 * i] = (unsigned char)(pcm[i] & 0xff);
			le[2 * i + 1] = (unsigned char)((uint16_t)pcm[i] >> 8);
		}
		if (fwrite(le, 2, k, w->fp) == k)
			w->n += (uint32_t)k;
	}
}

void
srv_wav_close(struct srv_wav *w)
{
	uint8_t	hdr[WAV_HDR_LEN];

	if (w == NULL)
		return;
	wav_header(hdr, w->n);
	if (fseek(w->fp, 0, SEEK_SET) != 0 ||
	    fwrite(hdr, sizeof hdr, 1, w->fp) != 1)
		log_warnx("ua: call %u: %s: cannot finish the recording",
		    w->call, w->path);
	if (fclose(w->fp) != 0)
		log_warn("ua: call %u: %s", w->call, w->path);
	log_info("ua: call %u: recorded %.1f s to %s", w->call,
	    w->n / (double)WAV_RATE, w->path);
	free(w->path);
	free(w);
}
