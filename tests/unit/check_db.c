/*
 * check_db.c - the sqlite3 database on real files: WAL mode, schema
 * version and migrations, what it refuses, and that close flushes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "check_main.h"
#include "db.h"
#include "tmpdir.h"
#include "xmalloc.h"

static char	*db;

static void
setup(void)
{
	tmpdir_make("check_store");
	db = xasprintf("%s/p2psipd.db", dir);
}

static void
teardown(void)
{
	tmpdir_remove();
	free(db);
}

/* Run SQL on the file directly, as another program would. */
static void
sql(const char *path, const char *text)
{
	sqlite3	*h;
	char	*err = NULL;

	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, text, NULL, NULL, &err) == SQLITE_OK,
	    "%s: %s", text, err);
	sqlite3_close(h);
}

static long long
sql_int(const char *path, const char *text)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, text, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static bool
exists(const char *suffix)
{
	struct stat	 st;
	char		*p = xasprintf("%s%s", db, suffix);
	bool		 r = stat(p, &st) == 0 && st.st_size > 0;

	free(p);
	return r;
}

static struct db *
open_ok(void)
{
	struct db	*s = NULL;
	char		*cause = NULL;

	ck_assert_msg(db_open(&s, db, &cause) == 0, "%s", cause);
	return s;
}

static char *
open_err(void)
{
	struct db	*s = NULL;
	char		*cause = NULL;

	ck_assert_int_ne(db_open(&s, db, &cause), 0);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(cause);
	return cause;
}

START_TEST(create)
{
	struct db	*s = open_ok();
	char		*v = NULL;

	ck_assert_int_eq(db_schema_version(s), db_schema_latest());
	ck_assert_str_eq(db_path(s), db);
	ck_assert_int_eq(db_meta_get(s, "nothing", &v), ENOENT);
	ck_assert_int_eq(db_meta_set(s, "k", "v1"), 0);
	ck_assert_int_eq(db_meta_set(s, "k", "v2"), 0);
	ck_assert_int_eq(db_meta_get(s, "k", &v), 0);
	ck_assert_str_eq(v, "v2");
	free(v);
	/* Written through the WAL while open ... */
	ck_assert(exists("-wal"));
	db_close(s);
	/* ... and checkpointed into the main file by close. */
	ck_assert(!exists("-wal"));
	ck_assert_int_eq(sql_int(db, "SELECT version FROM schema_version"),
	    db_schema_latest());
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM meta WHERE "
	    "key = 'k' AND value = 'v2'"), 1);
	ck_assert_int_eq(sql_int(db, "PRAGMA application_id"), 0x50325053);
	db_close(NULL);
}
END_TEST

START_TEST(wal_mode)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	struct db	*s = open_ok();

	db_close(s);
	/* journal_mode=WAL is persistent in the file. */
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(h);
}
END_TEST

START_TEST(reopen_keeps_data)
{
	struct db	*s = open_ok();
	char		*v = NULL;

	db_meta_set(s, "starts", "41");
	db_close(s);
	s = open_ok();
	ck_assert_int_eq(db_meta_get(s, "starts", &v), 0);
	ck_assert_str_eq(v, "41");
	free(v);
	db_close(s);
}
END_TEST

static void
count_opened(void *arg)
{
	(*(unsigned *)arg)++;
}

/*
 * In batches, the writes up to db_flush are one transaction: another
 * program sees none of them before it, all after; the batch opened once.
 * db_sync flushes a batch with a user's key in it, no other.  A closing
 * store flushes what is left.
 */
START_TEST(batched_writes)
{
	struct db	*s = open_ok();
	unsigned	 opened = 0;

	db_batch(s, count_opened, &opened);
	ck_assert_int_eq(db_reg_put(s, "a@o", NULL, 60, 1), 0);
	ck_assert_int_eq(db_reg_put(s, "b@o", "sip:b@192.0.2.1", 60, 1), 0);
	ck_assert_uint_eq(opened, 1);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM registrations"), 0);
	ck_assert_int_eq(db_flush(s), 0);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM registrations"), 2);
	ck_assert_int_eq(db_flush(s), 0);		/* nothing open */
	ck_assert_int_eq(db_reg_del(s, "a@o"), 0);
	ck_assert_uint_eq(opened, 2);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM registrations"), 2);
	/* db_sync commits only a batch with a user's key in it */
	ck_assert_int_eq(db_sync(s), 0);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM registrations"), 2);
	ck_assert_int_eq(db_user_put(s, "carol", (const uint8_t *)"k", 1,
	    (const uint8_t *)"c", 1, 1), 0);
	ck_assert_int_eq(sql_int(db,
	    "SELECT count(*) FROM user_identities"), 0);
	ck_assert_int_eq(db_sync(s), 0);
	ck_assert_int_eq(sql_int(db,
	    "SELECT count(*) FROM user_identities"), 1);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM registrations"), 1);
	ck_assert_int_eq(db_reg_put(s, "c@o", NULL, 60, 1), 0);
	db_close(s);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM registrations"), 2);
}
END_TEST

/* A database from schema version 0 is migrated, its rows kept. */
START_TEST(migrates_old_schema)
{
	struct db	*s;

	sql(db, "PRAGMA application_id = 1345474643;"
	    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
	    "INSERT INTO schema_version VALUES (0);"
	    "CREATE TABLE keepme (x);"
	    "INSERT INTO keepme VALUES (7);");
	s = open_ok();
	ck_assert_int_eq(db_schema_version(s), db_schema_latest());
	ck_assert_int_eq(db_meta_set(s, "a", "b"), 0);
	db_close(s);
	ck_assert_int_eq(sql_int(db, "SELECT x FROM keepme"), 7);
	ck_assert_int_eq(sql_int(db, "SELECT version FROM schema_version"),
	    db_schema_latest());
}
END_TEST

/* Set the stored schema version to v; opening must fail with want. */
static void
refused_with_version(const char *v, const char *want)
{
	struct db	*s = open_ok();
	char		*text, *cause, *full;

	db_close(s);
	text = xasprintf("UPDATE schema_version SET version = %s", v);
	sql(db, text);
	free(text);
	cause = open_err();
	full = xasprintf("%s: %s", db, want);
	ck_assert_str_eq(cause, full);
	free(full);
	free(cause);
	/* Left as it was. */
	ck_assert_int_eq(sql_int(db, "SELECT version FROM schema_version"),
	    atoi(v));
}

START_TEST(refuses_newer_schema)
{
	char	*want;

	want = xasprintf("schema version 99 is newer than this p2psipd "
	    "supports (%d)", db_schema_latest());
	refused_with_version("99", want);
	free(want);
}
END_TEST

START_TEST(refuses_bad_version)
{
	refused_with_version("-5", "bad schema version -5");
}
END_TEST

START_TEST(refuses_foreign_database)
{
	char	*cause, *want;

	sql(db, "CREATE TABLE other (y); INSERT INTO other VALUES (1);");
	cause = open_err();
	want = xasprintf("%s: not a p2psipd database", db);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM sqlite_schema"), 1);
}
END_TEST

START_TEST(refuses_garbage)
{
	FILE	*f = fopen(db, "w");
	char	*cause, *want;
	int	 i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < 200; i++)
		fputs("this is not sqlite ", f);
	fclose(f);
	cause = open_err();
	want = xasprintf("%s: cannot read: file is not a database", db);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(unwritable_dir)
{
	char	*cause;

	free(db);
	db = xasprintf("%s/missing/p2psipd.db", dir);
	cause = open_err();
	ck_assert_ptr_nonnull(strstr(cause, "cannot open"));
	free(cause);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create);
	tcase_add_test(tc, wal_mode);
	tcase_add_test(tc, reopen_keeps_data);
	tcase_add_test(tc, batched_writes);
	tcase_add_test(tc, migrates_old_schema);
	tcase_add_test(tc, refuses_newer_schema);
	tcase_add_test(tc, refuses_bad_version);
	tcase_add_test(tc, refuses_foreign_database);
	tcase_add_test(tc, refuses_garbage);
	tcase_add_test(tc, unwritable_dir);
	suite_add_tcase(s, tc);
	return s;
}
