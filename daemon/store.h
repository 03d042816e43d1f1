/*
 * store.h - the daemon's persistent state: p2psipd.db in the data dir.
 *
 * sqlite3 in WAL mode.  The schema carries a version (table schema_version)
 * and is brought up to date by the migrations in store.c when the store is
 * opened; a database written by a newer p2psipd, or one that isn't a
 * p2psipd database at all, is refused rather than touched.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The schema version this build writes. */
int	store_schema_latest(void);

/*
 * Open (creating if needed) the database at path and migrate it.  On
 * success sets *out and returns 0; on error returns an errno-style code and
 * sets *cause to an allocated message naming the file.
 */
int	store_open(struct store **out, const char *path, char **cause);

/*
 * Flush and close: checkpoint the WAL into the main file so that nothing
 * is left in p2psipd.db-wal, then close.  NULL does nothing.
 */
void	store_close(struct store *);

int	store_schema_version(const struct store *);
const char *store_path(const struct store *);

/*
 * The meta table: small key/value facts about this node.
 * store_meta_get sets *value (caller frees) and returns 0, or ENOENT.
 */
int	store_meta_get(struct store *, const char *key, char **value);
int	store_meta_set(struct store *, const char *key, const char *value);

/* Writes between these are one transaction. */
void	store_begin(struct store *);
int	store_commit(struct store *);

/*
 * Overlay data: one row per resource and Kind, an opaque blob the overlay
 * core makes and reads back (ov_node_take_row / ov_node_load_row).  An
 * empty blob deletes the row.
 */
typedef void (*store_row_cb)(void *arg, const uint8_t *res, size_t res_len,
	    uint32_t kind, uint64_t generation, const uint8_t *data,
	    size_t len);
int	store_row_put(struct store *, const uint8_t *res, size_t res_len,
	    uint32_t kind, uint64_t generation, const uint8_t *data,
	    size_t len);
int	store_rows_each(struct store *, store_row_cb, void *arg);

/* Registrations this node publishes: AOR, contact (NULL: this node). */
typedef void (*store_reg_cb)(void *arg, const char *aor,
	    const char *contact, int expires, int64_t created);
int	store_reg_put(struct store *, const char *aor, const char *contact,
	    int expires, int64_t created);
int	store_reg_del(struct store *, const char *aor);
int	store_regs_each(struct store *, store_reg_cb, void *arg);

/*
 * The users this node holds keys for: private key (DER: SEC 1
 * ECPrivateKey) and certificate (DER).  store_user_get fills both (caller
 * frees .p) and returns 0, or ENOENT, or EIO.
 */
struct store_blob {
	uint8_t	*p;
	size_t	 len;
};
int	store_user_get(struct store *, const char *name,
	    struct store_blob *key, struct store_blob *cert);
int	store_user_put(struct store *, const char *name, const uint8_t *key,
	    size_t key_len, const uint8_t *cert, size_t cert_len,
	    int64_t created);
/* Each user held, by name, with when it was first stored (Unix s). */
typedef void (*store_user_cb)(void *arg, const char *name, int64_t created);
int	store_users_each(struct store *, store_user_cb, void *arg);

/* The UA core's instant messages; the newest STORE_MSGS_MAX are kept. */
#define STORE_MSGS_MAX	10000
int	store_msg_add(struct store *, int64_t time, bool incoming,
	    const char *aor, const char *peer, const char *text, int status);
typedef void (*store_msg_cb)(void *arg, int64_t time, bool incoming,
	    const char *aor, const char *peer, const char *text, int status);
/* The newest limit, oldest first.  0 or EIO. */
int	store_msgs_each(struct store *, int limit, store_msg_cb, void *arg);

#endif
