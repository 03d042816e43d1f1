/*
 * log_ctx.h - logging for cores, injected (STYLE.md §6).
 *
 * A core logs through the struct log_ctx it was given: a callback, its
 * argument, a level and a tag (the simulator tags lines by node).  Lines
 * read "module: id: event key=value".
 */
#ifndef LOG_CTX_H
#define LOG_CTX_H

#include <stdarg.h>

/* Same numbering as the daemon's enum log_level. */
#define LC_ERROR	0
#define LC_WARN		1
#define LC_INFO		2
#define LC_DEBUG	3

typedef void (*log_ctx_cb)(int level, const char *tag, const char *msg,
    void *arg);

struct log_ctx {
	log_ctx_cb	 cb;		/* NULL: discard */
	void		*arg;
	const char	*tag;		/* may be NULL */
	int		 level;		/* lines above it are not formatted */
};

void	lc_log(const struct log_ctx *, int level, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

#define lc_warn(lc, ...)	lc_log((lc), LC_WARN, __VA_ARGS__)
#define lc_info(lc, ...)	lc_log((lc), LC_INFO, __VA_ARGS__)
#define lc_debug(lc, ...)	lc_log((lc), LC_DEBUG, __VA_ARGS__)

#endif
