/*
 * db.h - the daemon's persistent state: p2psipd.db in the data dir.
 *
 * sqlite3 in WAL mode.  The schema carries a version (table schema_version)
 * and is brought up to date by the migrations in db.c when the database is
 * opened; a database written by a newer p2psipd, or one that isn't a
 * p2psipd database at all, is refused rather than touched.
 */
#ifndef DB_H
#define DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* The schema version this build writes. */
int	db_schema_latest(void);

/*
 * Open (creating if needed) the database at path and migrate it.  On
 * success sets *out and returns 0; on error returns an errno-style code and
 * sets *cause to an allocated message naming the file.
 */
int	db_open(struct db **out, const char *path, char **cause);

/*
 * Flush and close: checkpoint the WAL into the main file so that nothing
 * is left in p2psipd.db-wal, then close.  NULL does nothing.
 */
void	db_close(struct db *);

int	db_schema_version(const struct db *);
const char *db_path(const struct db *);

/*
 * The meta table: small key/value facts about this node.
 * db_meta_get sets *value (caller frees) and returns 0, or ENOENT.
 */
int	db_meta_get(struct db *, const char *key, char **value);
int	db_meta_set(struct db *, const char *key, const char *value);

/*
 * Writes in batches.  Once db_batch set opened, a write outside a
 * transaction opens one and calls opened(arg); the writes after it join
 * it until db_flush commits it (0, or EIO: the batch is lost, logged).
 * The driver flushes when the event loop has a moment: a commit for the
 * many writes of a busy moment, not one each (each commit writes its
 * pages to the WAL again).  Without db_batch, each write is its own
 * transaction.  db_close flushes.
 */
void	db_batch(struct db *, void (*opened)(void *), void *arg);
int	db_flush(struct db *);
/* db_flush if the batch holds what must be durable before the node
 * sends anything (a user's new key: db_user_put); else 0. */
int	db_sync(struct db *);

/*
 * Overlay data: one row per resource and Kind, an opaque blob the overlay
 * core makes and reads back (ov_node_take_row / ov_node_load_row).  An
 * empty blob deletes the row.
 */
typedef void (*db_row_cb)(void *arg, const uint8_t *res, size_t res_len,
	    uint32_t kind, uint64_t generation, const uint8_t *data,
	    size_t len);
int	db_row_put(struct db *, const uint8_t *res, size_t res_len,
	    uint32_t kind, uint64_t generation, const uint8_t *data,
	    size_t len);
int	db_rows_each(struct db *, db_row_cb, void *arg);

/*
 * The certificates the overlay data's rows name by hash: write a
 * bucket, or delete it (certs NULL); read one (cb gets it, valid during
 * the call): 0, ENOENT or EIO.
 */
typedef void (*db_blob_cb)(void *arg, const uint8_t *p, size_t len);
int	db_cert_put(struct db *, const uint8_t *hash, size_t hash_len,
	    const uint8_t *certs, size_t len);
int	db_cert_get(struct db *, const uint8_t *hash, size_t hash_len,
	    db_blob_cb cb, void *arg);

/* Registrations this node publishes: AOR, contact (NULL: this node). */
typedef void (*db_reg_cb)(void *arg, const char *aor,
	    const char *contact, int expires, int64_t created);
int	db_reg_put(struct db *, const char *aor, const char *contact,
	    int expires, int64_t created);
int	db_reg_del(struct db *, const char *aor);
int	db_regs_each(struct db *, db_reg_cb, void *arg);

/*
 * The users this node holds keys for: private key (DER: SEC 1
 * ECPrivateKey) and certificate (DER).  db_user_get fills both (caller
 * frees .p) and returns 0, or ENOENT, or EIO.  What db_user_put writes
 * in a batch is committed by the next db_sync.
 */
struct store_blob {
	uint8_t	*p;
	size_t	 len;
};
int	db_user_get(struct db *, const char *name,
	    struct store_blob *key, struct store_blob *cert);
int	db_user_put(struct db *, const char *name, const uint8_t *key,
	    size_t key_len, const uint8_t *cert, size_t cert_len,
	    int64_t created);
/* Each user held, by name, with when it was first stored (Unix s). */
typedef void (*db_user_cb)(void *arg, const char *name, int64_t created);
int	db_users_each(struct db *, db_user_cb, void *arg);

/* The UA core's instant messages; the newest STORE_MSGS_MAX are kept. */
#define STORE_MSGS_MAX	10000
int	db_msg_add(struct db *, int64_t time, bool incoming,
	    const char *aor, const char *peer, const char *text, int status);
typedef void (*db_msg_cb)(void *arg, int64_t time, bool incoming,
	    const char *aor, const char *peer, const char *text, int status);
/* The newest limit, oldest first.  0 or EIO. */
int	db_msgs_each(struct db *, int limit, db_msg_cb, void *arg);

#endif
