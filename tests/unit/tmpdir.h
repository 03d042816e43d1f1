/*
 * tmpdir.h - a private directory for each unit test, under $TMPDIR (or
 * /tmp): tmpdir_make in the fixture's setup, tmpdir_remove (with all
 * that is in it) in its teardown.  Header-only: each suite is one
 * program.
 */
#ifndef TMPDIR_H
#define TMPDIR_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "xmalloc.h"

static char	 dir[PATH_MAX];	/* the test's directory */

static void
tmpdir_make(const char *name)
{
	const char	*base = getenv("TMPDIR");

	ck_assert_int_lt(snprintf(dir, sizeof dir, "%s/%s.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp", name),
	    (int)sizeof dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
tmpdir_remove(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	dir[0] = '\0';
}

#endif
