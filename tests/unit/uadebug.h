/*
 * uadebug.h - what the UA suites share: UA_DEBUG=1 in the environment
 * puts the cores' log lines on stderr.  Header-only: each suite is one
 * program.
 */
#ifndef UADEBUG_H
#define UADEBUG_H

#include <stdio.h>
#include <stdlib.h>

#include "log_ctx.h"

static void
uadebug_cb(int level, const char *tag, const char *msg, void *arg)
{
	(void)level;
	(void)tag;
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* The log the cores are given: NULL (none) unless UA_DEBUG is set. */
static struct log_ctx *
logger(void)
{
	static struct log_ctx	dbg = { uadebug_cb, NULL, NULL, LC_DEBUG };

	return getenv("UA_DEBUG") != NULL ? &dbg : NULL;
}

#endif
