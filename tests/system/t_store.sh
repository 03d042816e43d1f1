#!/bin/bash
# The data dir and its store: one daemon per data dir (lock) and per
# socket; state survives restarts and a SIGKILL; the schema is versioned;
# what the daemon refuses to touch.
. "$(dirname "$0")/lib.sh"

start_node a
DB=$T/a/data/p2psipd.db

# The store is sqlite3 in WAL mode with a schema version.
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ] || fail "not WAL"
[ "$(sqlite3 "$DB" 'SELECT version FROM schema_version')" -ge 1 ] ||
    fail "no schema version"
[ "$(stat -c %a "$T/a/data")" = 700 ] || fail "data dir mode"
[ "$(stat -c %a "$DB")" = 600 ] || fail "store mode"
ok "store: WAL, schema version, private modes"

# A second daemon on the same data dir refuses, naming the first.
run 1 "$P2PSIPD" -f -o "node.data_dir=$T/a/data" \
    -o "node.control_socket=$T/other.sock"
has "$T/err" "^p2psipd: data dir $T/a/data is in use by another p2psipd \\(pid ${NODE_PID[a]}\\)\$"
[ ! -e "$T/other.sock" ] || fail "second daemon bound a socket"
# A second daemon on the same socket (other data dir) refuses too.
run 1 "$P2PSIPD" -f -o "node.data_dir=$T/b/data" \
    -o "node.control_socket=$(sock a)"
has "$T/err" "^p2psipd: $(sock a): another p2psipd is listening there\$"
run 0 ctl a status
ok "one daemon per data dir and per socket"

# Runs are counted and a clean exit is recorded ...
run 0 ctl a --json status
[ "$(json .store.starts)" = 1 ] || fail "first start"
[ "$(json .store.previous_exit)" = none ] || fail "first start exit"
stop_node a
start_node a
run 0 ctl a --json status
[ "$(json .store.starts)" = 2 ] || fail "second start"
[ "$(json .store.previous_exit)" = clean ] || fail "clean exit not seen"
ok "restart after a clean exit"

# ... and so is a crash.  SIGKILL leaves a stale socket; the next daemon
# removes it and starts.
kill -9 "${NODE_PID[a]}"
wait_exit "${NODE_PID[a]}" 10
unset "NODE_PID[a]"
[ -S "$(sock a)" ] || fail "expected a stale socket after SIGKILL"
start_node a
run 0 ctl a --json status
[ "$(json .store.starts)" = 3 ] || fail "third start"
[ "$(json .store.previous_exit)" = unclean ] || fail "crash not seen"
has "$T/a/log" 'removed stale socket'
has "$T/a/log" 'previous run did not shut down cleanly'
stop_node a
ok "restart after SIGKILL"

# A store from a newer p2psipd is refused, and left alone.
sqlite3 "$DB" 'UPDATE schema_version SET version = 99'
run 1 "$P2PSIPD" -f -o "node.data_dir=$T/a/data" \
    -o "node.control_socket=$(sock a)"
has "$T/err" "^p2psipd: $DB: schema version 99 is newer than this p2psipd supports"
[ "$(sqlite3 "$DB" 'SELECT version FROM schema_version')" = 99 ] ||
    fail "store modified"
[ ! -e "$(sock a)" ] || fail "socket bound with a refused store"
ok "newer schema refused"

# Something that is not a p2psipd store is refused.
mkdir -p "$T/c/data"
sqlite3 "$T/c/data/p2psipd.db" 'CREATE TABLE mine (x)'
run 1 "$P2PSIPD" -f -o "node.data_dir=$T/c/data" \
    -o "node.control_socket=$T/c.sock"
has "$T/err" "^p2psipd: $T/c/data/p2psipd.db: not a p2psipd database\$"
ok "foreign database refused"

# A data dir that can't be made, a socket path that is not a socket.
touch "$T/file"
run 1 "$P2PSIPD" -f -o "node.data_dir=$T/file/data" \
    -o "node.control_socket=$T/d.sock"
has "$T/err" "^p2psipd: $T/file: cannot create directory: Not a directory\$"
run 1 "$P2PSIPD" -f -o "node.data_dir=$T/e/data" \
    -o "node.control_socket=$T/file"
has "$T/err" "^p2psipd: $T/file: exists and is not a socket\$"
[ -f "$T/file" ] || fail "a file was removed"
ok "bad paths"
