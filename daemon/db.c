/*
 * db.c - the sqlite3 database, schema versioning and migrations.
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

#include "db.h"
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
	/*
	 * 2: what the node holds for the overlay (one row per resource and
	 * Kind, as the overlay core writes it), and the registrations it
	 * publishes and refreshes itself.
	 */
	"CREATE TABLE overlay_data ("
	"  resource   BLOB NOT NULL,"
	"  kind       INTEGER NOT NULL,"
	"  generation INTEGER NOT NULL,"
	"  data       BLOB NOT NULL,"
	"  PRIMARY KEY (resource, kind)"
	") WITHOUT ROWID;"
	"CREATE TABLE registrations ("
	"  aor     TEXT PRIMARY KEY NOT NULL,"
	"  contact TEXT,"
	"  expires INTEGER NOT NULL,"
	"  created INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/*
	 * 3: the users this node has keys for (identity_user): the private
	 * key (DER: SEC 1 ECPrivateKey) and the certificate the node issued
	 * (DER).
	 */
	"CREATE TABLE user_identities ("
	"  name    TEXT PRIMARY KEY NOT NULL,"
	"  key     BLOB NOT NULL,"
	"  cert    BLOB NOT NULL,"
	"  created INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/*
	 * 4: the UA core's instant messages (RFC 3428), both ways: when
	 * (Unix seconds), in or out, our AOR, the peer's URI, the text and,
	 * for one sent, its final status.
	 */
	"CREATE TABLE messages ("
	"  id        INTEGER PRIMARY KEY,"
	"  time      INTEGER NOT NULL,"
	"  incoming  INTEGER NOT NULL,"
	"  aor       TEXT NOT NULL,"
	"  peer      TEXT NOT NULL,"
	"  text      TEXT NOT NULL,"
	"  status    INTEGER NOT NULL"
	");",
	/*
	 * 5: the certificates that vouch for the overlay data held, once
	 * each, by the SHA-256 of the bucket (ov_certs.h); overlay_data's
	 * rows name them by that hash from now on.
	 */
	"CREATE TABLE overlay_certs ("
	"  hash  BLOB PRIMARY KEY NOT NULL,"
	"  certs BLOB NOT NULL"
	") WITHOUT ROWID;",
};
#define STORE_NMIGRATIONS \
	((int)(sizeof store_migrations / sizeof store_migrations[0]))

struct db {
	sqlite3		*db;
	char		*path;
	int		 version;
	sqlite3_stmt	*row_put, *row_del, *cert_put, *cert_del, *cert_get,
			*reg_put, *reg_del, *user_get, *user_put, *msg_put,
			*msg_trim, *msgs;
	/* db_batch: the transaction writes open, and whom to tell */
	bool		 batch_open;
	bool		 sync_due;	/* it holds a user's key (db_sync) */
	void		(*opened)(void *);
	void		*opened_arg;
};

int
db_schema_latest(void)
{
	return STORE_NMIGRATIONS;
}

static int
store_fail(struct db *s, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", s->path, what,
	    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
	return EIO;
}

/* Run one statement that returns at most one integer. */
static int
store_int(struct db *s, const char *sql, long long *out)
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
store_read_version(struct db *s, int *version, bool *fresh, char **cause)
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
store_migrate(struct db *s, char **cause)
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
db_open(struct db **out, const char *path, char **cause)
{
	static bool	 configured;
	struct db	*s;
	long long	 one = 0;
	char		 mode[16] = "";
	sqlite3_stmt	*st;
	int		 rc;

	/*
	 * No bulk page cache per connection (20 pages, 87 kB, all touched
	 * at open): pages are allocated as the database needs them.  This
	 * works before sqlite's first initialisation only, as wanted.
	 */
	if (!configured) {
		configured = true;
		(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	}
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
db_close(struct db *s)
{
	if (s == NULL)
		return;
	db_flush(s);
	sqlite3_finalize(s->row_put);
	sqlite3_finalize(s->row_del);
	sqlite3_finalize(s->cert_put);
	sqlite3_finalize(s->cert_del);
	sqlite3_finalize(s->cert_get);
	sqlite3_finalize(s->reg_put);
	sqlite3_finalize(s->reg_del);
	sqlite3_finalize(s->user_get);
	sqlite3_finalize(s->user_put);
	sqlite3_finalize(s->msg_put);
	sqlite3_finalize(s->msg_trim);
	sqlite3_finalize(s->msgs);
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
db_schema_version(const struct db *s)
{
	return s->version;
}

const char *
db_path(const struct db *s)
{
	return s->path;
}

int
db_meta_get(struct db *s, const char *key, char **value)
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
db_meta_set(struct db *s, const char *key, const char *value)
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

/* ---- batches ---- */

void
db_batch(struct db *s, void (*opened)(void *), void *arg)
{
	s->opened = opened;
	s->opened_arg = arg;
}

int
db_flush(struct db *s)
{
	if (!s->batch_open)
		return 0;
	s->batch_open = false;
	s->sync_due = false;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	log_warnx("store: %s: commit: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return EIO;
}

int
db_sync(struct db *s)
{
	return s->sync_due ? db_flush(s) : 0;
}

/* A write comes: in batches, the batch's transaction is open. */
static void
store_write(struct db *s)
{
	if (s->opened == NULL || s->batch_open)
		return;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("store: %s: begin: %s", s->path,
		    sqlite3_errmsg(s->db));
		return;			/* this write on its own */
	}
	s->batch_open = true;
	s->opened(s->opened_arg);
}

/* A statement prepared once per store and reset after each use. */
static sqlite3_stmt *
store_stmt(struct db *s, sqlite3_stmt **cache, const char *sql)
{
	if (*cache == NULL && sqlite3_prepare_v3(s->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, cache, NULL) != SQLITE_OK) {
		log_warnx("store: %s: %s", s->path, sqlite3_errmsg(s->db));
		return NULL;
	}
	return *cache;
}

static int
store_done(struct db *s, sqlite3_stmt *st, const char *what)
{
	int	rc;

	store_write(s);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : EIO;

	if (rc != 0)
		log_warnx("store: %s: cannot %s: %s", s->path, what,
		    sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* ---- overlay data ---- */

int
db_row_put(struct db *s, const uint8_t *res, size_t res_len,
    uint32_t kind, uint64_t generation, const uint8_t *data, size_t len)
{
	sqlite3_stmt	*st;

	if (len == 0) {
		st = store_stmt(s, &s->row_del, "DELETE FROM overlay_data "
		    "WHERE resource = ? AND kind = ?");
		if (st == NULL)
			return EIO;
		sqlite3_bind_blob(st, 1, res, (int)res_len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, kind);
		return store_done(s, st, "delete a row");
	}
	st = store_stmt(s, &s->row_put, "INSERT INTO overlay_data (resource, "
	    "kind, generation, data) VALUES (?, ?, ?, ?) ON CONFLICT "
	    "(resource, kind) DO UPDATE SET generation = excluded.generation, "
	    "data = excluded.data");
	if (st == NULL)
		return EIO;
	sqlite3_bind_blob(st, 1, res, (int)res_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, kind);
	/* sqlite integers are signed: the bits are kept */
	sqlite3_bind_int64(st, 3, (sqlite3_int64)generation);
	sqlite3_bind_blob(st, 4, data, (int)len, SQLITE_STATIC);
	return store_done(s, st, "write a row");
}

int
db_rows_each(struct db *s, db_row_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "SELECT resource, kind, generation, "
	    "data FROM overlay_data", -1, &st, NULL) != SQLITE_OK)
		return EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0),
		    (uint32_t)sqlite3_column_int64(st, 1),
		    (uint64_t)sqlite3_column_int64(st, 2),
		    sqlite3_column_blob(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}

int
db_cert_put(struct db *s, const uint8_t *hash, size_t hash_len,
    const uint8_t *certs, size_t len)
{
	sqlite3_stmt	*st;

	if (certs == NULL) {
		st = store_stmt(s, &s->cert_del, "DELETE FROM overlay_certs "
		    "WHERE hash = ?");
		if (st == NULL)
			return EIO;
		sqlite3_bind_blob(st, 1, hash, (int)hash_len, SQLITE_STATIC);
		return store_done(s, st, "delete certificates");
	}
	st = store_stmt(s, &s->cert_put, "INSERT OR REPLACE INTO "
	    "overlay_certs (hash, certs) VALUES (?, ?)");
	if (st == NULL)
		return EIO;
	sqlite3_bind_blob(st, 1, hash, (int)hash_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, certs, (int)len, SQLITE_STATIC);
	return store_done(s, st, "write certificates");
}

int
db_cert_get(struct db *s, const uint8_t *hash, size_t hash_len,
    db_blob_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, &s->cert_get, "SELECT certs FROM overlay_certs "
	    "WHERE hash = ?");
	if (st == NULL)
		return EIO;
	sqlite3_bind_blob(st, 1, hash, (int)hash_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		cb(arg, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	else if (rc != SQLITE_DONE)
		log_warnx("store: %s: cannot read certificates: %s", s->path,
		    sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ENOENT : EIO;
}

/* ---- registrations ---- */

int
db_reg_put(struct db *s, const char *aor, const char *contact,
    int expires, int64_t created)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, &s->reg_put, "INSERT INTO registrations (aor, "
	    "contact, expires, created) VALUES (?, ?, ?, ?) ON CONFLICT (aor) "
	    "DO UPDATE SET contact = excluded.contact, expires = "
	    "excluded.expires");
	if (st == NULL)
		return EIO;
	sqlite3_bind_text(st, 1, aor, -1, SQLITE_STATIC);
	if (contact != NULL)
		sqlite3_bind_text(st, 2, contact, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, expires);
	sqlite3_bind_int64(st, 4, created);
	return store_done(s, st, "write a registration");
}

int
db_reg_del(struct db *s, const char *aor)
{
	sqlite3_stmt	*st;

	st = store_stmt(s, &s->reg_del, "DELETE FROM registrations WHERE "
	    "aor = ?");
	if (st == NULL)
		return EIO;
	sqlite3_bind_text(st, 1, aor, -1, SQLITE_STATIC);
	return store_done(s, st, "delete a registration");
}

int
db_regs_each(struct db *s, db_reg_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "SELECT aor, contact, expires, created "
	    "FROM registrations ORDER BY aor", -1, &st, NULL) != SQLITE_OK)
		return EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}

/* ---- user identities ---- */

/* A copy of a blob column; a NULL or empty one is refused. */
static int
store_blob(sqlite3_stmt *st, int col, struct store_blob *out)
{
	const void	*p = sqlite3_column_blob(st, col);
	int		 n = sqlite3_column_bytes(st, col);

	if (p == NULL || n <= 0)
		return EIO;
	out->p = xmalloc((size_t)n);
	memcpy(out->p, p, (size_t)n);
	out->len = (size_t)n;
	return 0;
}

int
db_user_get(struct db *s, const char *name, struct store_blob *key,
    struct store_blob *cert)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, &s->user_get, "SELECT key, cert FROM "
	    "user_identities WHERE name = ?");
	if (st == NULL)
		return EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = store_blob(st, 0, key)) == 0 &&
		    (rc = store_blob(st, 1, cert)) != 0) {
			free(key->p);
			key->p = NULL;
		}
	} else
		rc = rc == SQLITE_DONE ? ENOENT : EIO;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int
db_user_put(struct db *s, const char *name, const uint8_t *key,
    size_t key_len, const uint8_t *cert, size_t cert_len, int64_t created)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, &s->user_put, "INSERT INTO user_identities (name, "
	    "key, cert, created) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO "
	    "UPDATE SET key = excluded.key, cert = excluded.cert");
	if (st == NULL)
		return EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, key, (int)key_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, cert, (int)cert_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, created);
	if ((rc = store_done(s, st, "write a user identity")) != 0)
		return rc;
	/*
	 * Committed before anything goes out (db_sync): values signed with
	 * the key leave the node next, and a key lost to a crash would have
	 * the storing peers refuse its successor (the name pinned to the
	 * first key, RFC 6940 §11.3.1, ov_serve.c).
	 */
	s->sync_due = s->batch_open;
	return 0;
}

int
db_users_each(struct db *s, db_user_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "SELECT name, created FROM "
	    "user_identities ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}

int
db_msg_add(struct db *s, int64_t time, bool incoming, const char *aor,
    const char *peer, const char *text, int status)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = store_stmt(s, &s->msg_put, "INSERT INTO messages (time, "
	    "incoming, aor, peer, text, status) VALUES (?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		return EIO;
	sqlite3_bind_int64(st, 1, time);
	sqlite3_bind_int(st, 2, incoming);
	sqlite3_bind_text(st, 3, aor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, peer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, status);
	if ((rc = store_done(s, st, "write a message")) != 0)
		return rc;
	/* the newest STORE_MSGS_MAX are kept */
	st = store_stmt(s, &s->msg_trim, "DELETE FROM messages WHERE id <= "
	    "(SELECT max(id) FROM messages) - ?");
	if (st == NULL)
		return EIO;
	sqlite3_bind_int(st, 1, STORE_MSGS_MAX);
	return store_done(s, st, "trim the messages");
}

int
db_msgs_each(struct db *s, int limit, db_msg_cb cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	/* the newest limit, oldest first */
	st = store_stmt(s, &s->msgs, "SELECT time, incoming, aor, peer, "
	    "text, status FROM (SELECT * FROM messages ORDER BY id DESC "
	    "LIMIT ?) ORDER BY id");
	if (st == NULL)
		return EIO;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, sqlite3_column_int64(st, 0),
		    sqlite3_column_int(st, 1) != 0,
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    sqlite3_column_int(st, 5));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}
