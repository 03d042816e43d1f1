/*
 * log_ctx.c - format and hand a core's log line to its callback.
 */
#include <stdio.h>

#include "log_ctx.h"

void
lc_log(const struct log_ctx *lc, int level, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	if (lc == NULL || lc->cb == NULL || level > lc->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lc->cb(level, lc->tag, msg, lc->arg);
}
