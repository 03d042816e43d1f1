/*
 * log.h - the daemon's log (STYLE.md §6).
 *
 * To stderr in the foreground, to syslog(3) (facility daemon) otherwise.
 * Lines read "module: id: event key=value"; never log secrets.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Start logging: to stderr when foreground is true, else to syslog. */
void	log_init(bool foreground, enum log_level);
void	log_setlevel(enum log_level);
enum log_level log_getlevel(void);
/* "error", "warn", "info", "debug". */
const char *log_level_name(enum log_level);
/* 0 and *out set, or EINVAL for an unknown name. */
int	log_level_parse(const char *, enum log_level *out);

/* log_warn appends strerror(errno); the x variants don't. */
void	log_warn(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
/* Log at error level and exit(1): only for broken local invariants. */
void	fatal(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2), __noreturn__));
void	fatalx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

#endif
