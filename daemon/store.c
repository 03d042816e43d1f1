/*
 * store.c - sqlite3 store, schema versioning and migrations.
 *
 * Migrations are SQL scripts applied in order, all in one transaction;
 * migration N brings the schema from version N-1 to N.  Add new ones at the
 * end of store_migrations[]; never edit one that has shipped.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "log.h"
#include "xmalloc.h"

/* PRAGMA application_id: "P2PS", marks the file as ours. */
#define STORE_APP_ID	0x50325053

static const char *const store_migrations[] = {
	/* 1: facts about this node (creation time, runs, clean exit). */
	"CREATE TABLE meta ("
	"  key   TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;",
};
#define STORE_NMIGRATIONS \
	((int)(sizeof store_migrations / sizeof store_migrations[0]))

struct store {
	sqlite3		*db;
	char		*path;
	int		 version;
};

int
store_schema_latest(void)
{
	return STORE_NMIGRATIONS;
}

static int
store_fail(struct store *s, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", s->path, what,
	    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
	return EIO;
}

/* Run one statement that returns at most one integer. */
static int
store_int(struct store *s, const char *sql, long long *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : EIO;
}

/*
 * The database's schema version; *fresh is set for a new, empty file,
 * which has no schema_version table yet.
 */
static int
store_read_version(struct store *s, int *version, bool *fresh, char **cause)
{
	long long	 app = 0, tables = 0, v = 0;

	if (store_int(s, "PRAGMA application_id", &app) != 0 ||
	    store_int(s, "SELECT count(*) FROM sqlite_schema", &tables) != 0)
		return store_fail(s, "cannot read", cause);
	*fresh = tables == 0;
	if (*fresh) {
		*version = 0;
		return 0;
	}
	if (app != STORE_APP_ID) {
		*cause = xasprintf("%s: not a p2psipd database", s->path);
		return EINVAL;
	}
	if (store_int(s, "SELECT max(version) FROM schema_version", &v) != 0)
		return store_fail(s, "cannot read the schema version", cause);
	if (v < 0 || v > INT_MAX) {
		*cause = xasprintf("%s: bad schema version %lld", s->path, v);
		return EINVAL;
	}
	*version = (int)v;
	return 0;
}

static int
store_migrate(struct store *s, char **cause)
{
	char	*sql;
	bool	 fresh;
	int	 i, rc;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(s, "cannot lock", cause);
	if ((rc = store_read_version(s, &s->version, &fresh, cause)) != 0)
		goto out;
	if (s->version > STORE_NMIGRATIONS) {
		*cause = xasprintf("%s: schema version %d is newer than this "
		    "p2psipd supports (%d)", s->path, s->version,
		    STORE_NMIGRATIONS);
		rc = EINVAL;
		goto out;
	}
	if (fresh && sqlite3_exec(s->db,
	    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
	    "INSERT INTO schema_version VALUES (0);",
	    NULL, NULL, NULL) != SQLITE_OK) {
		rc = store_fail(s, "cannot create the schema", cause);
		goto out;
	}
	/* store_migrations[i] takes the schema from version i to i + 1. */
	for (i = s->version; i >= 0 && i < STORE_NMIGRATIONS; i++) {
		sql = xasprintf("%s; UPDATE schema_version SET version = %d;"
		    "PRAGMA application_id = %d;", store_migrations[i], i + 1,
		    STORE_APP_ID);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		free(sql);
		if (rc != SQLITE_OK) {
			rc = store_fail(s, "migration failed", cause);
			goto out;
		}
		log_info("store: migrated schema to version %d", i + 1);
	}
	rc = 0;
out:
	if (sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
	    NULL) != SQLITE_OK && rc == 0)
		rc = store_fail(s, "cannot commit", cause);
	if (rc == 0)
		s->version = STORE_NMIGRATIONS;
	return rc;
}

int
store_open(struct store **out, const char *path, char **cause)
{
	struct store	*s;
	long long	 one = 0;
	char		 mode[16] = "";
	sqlite3_stmt	*st;
	int		 rc;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = store_fail(s, "cannot open", cause);
		goto out;
	}
	sqlite3_busy_timeout(s->db, 2000);
	/* A file that isn't sqlite fails on its first read. */
	if (store_int(s, "SELECT count(*) FROM sqlite_schema", &one) != 0) {
		rc = store_fail(s, "cannot read", cause);
		goto out;
	}
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(mode, sizeof mode, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (strcmp(mode, "wal") != 0) {
		rc = store_fail(s, "cannot switch to WAL mode", cause);
		goto out;
	}
	/* WAL + NORMAL: a crash of the process loses nothing committed. */
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;", NULL, NULL, NULL) != SQLITE_OK) {
		rc = store_fail(s, "cannot configure", cause);
		goto out;
	}
	if ((rc = store_migrate(s, cause)) != 0)
		goto out;
	*out = s;
	return 0;
out:
	sqlite3_close(s->db);
	free(s->path);
	free(s);
	return rc;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) != SQLITE_OK)
		log_warnx("store: %s: checkpoint failed: %s", s->path,
		    sqlite3_errmsg(s->db));
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("store: %s: close failed: %s", s->path,
		    sqlite3_errmsg(s->db));
	free(s->path);
	free(s);
}

int
store_schema_version(const struct store *s)
{
	return s->version;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

int
store_meta_get(struct store *s, const char *key, char **value)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? ENOENT : EIO;
	sqlite3_finalize(st);
	return rc;
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta (key, value) "
	    "VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
	    "excluded.value", -1, &st, NULL) != SQLITE_OK)
		return EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : EIO;
	if (rc != 0)
		log_warnx("store: %s: cannot write %s: %s", s->path, key,
		    sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc;
}
