#!/bin/bash
# p2psipctl against a real daemon: status, log-level, help, reload,
# shutdown; tables and --json; exit status 0/1/2/3 as documented.
. "$(dirname "$0")/lib.sh"

start_node a

# status: a table for people ...
run 0 ctl a status
has "$T/out" '^version +[0-9]+\.[0-9]+\.[0-9]+$'
has "$T/out" "^pid +${NODE_PID[a]}\$"
has "$T/out" '^state +alone$'
has "$T/out" '^node_id +[0-9a-f]{32}$'
has "$T/out" '^overlay +p2psipd\.localhost$'
has "$T/out" "^store.path +$T/a/data/p2psipd.db\$"
ok "status table"

# ... and the daemon's result object with --json.
run 0 ctl a --json status
[ "$(json .pid)" = "${NODE_PID[a]}" ] || fail "pid"
[ "$(json .state)" = alone ] || fail "state"
id=$(json .node_id)
# The Node-ID is bound to the key (RFC 6940 §11.3.1): the first 128 bits
# of SHA-256 over the certificate's SubjectPublicKeyInfo.
[ "$(openssl x509 -in "$T/a/data/node.crt" -noout -pubkey |
    openssl pkey -pubin -outform DER | sha256sum | cut -c1-32)" = "$id" ] ||
    fail "node_id $id is not bound to the key in node.crt"
openssl x509 -in "$T/a/data/node.crt" -noout -ext subjectAltName |
    grep -q "URI:reload://$id@p2psipd.localhost/" ||
    fail "node.crt lacks the reload:// URI"
[ "$(stat -c %a "$T/a/data/node.key")" = 600 ] || fail "node.key mode"
[ "$(json .ring.listen)" = "127.0.0.1:$(port a)" ] || fail "ring.listen"
[ "$(json '.uptime | type')" = number ] || fail "uptime"
[ "$(json .version)" = "$("$P2PSIPD" --version | cut -d' ' -f2)" ] ||
    fail "version differs from p2psipd --version"
[ "$(json .store.schema_version)" -ge 1 ] || fail "schema version"
[ "$(json .control_socket)" = "$(sock a)" ] || fail "control_socket"
ok "status --json"

# uptime counts.
wait_for 5 bash -c "[ \"\$('$P2PSIPCTL' -s '$(sock a)' --json status |
    jq .uptime)\" -ge 1 ]" || fail "uptime does not advance"
ok "uptime advances"

# log-level: show, set, refuse.
run 0 ctl a log-level
has "$T/out" '^level +info$'
run 0 ctl a log-level debug
has "$T/out" '^level +debug$'
run 0 ctl a --json status
[ "$(json .log_level)" = debug ] || fail "level not applied"
has "$T/a/log" 'log level debug'
run 1 ctl a log-level loud
has "$T/err" 'unknown log level "loud"'
run 0 ctl a --json log-level
[ "$(json .level)" = debug ] || fail "a refused level changed the level"
ok "log-level"

# help works with or without a daemon, and lists every command.
run 0 "$P2PSIPCTL" -s "$T/nowhere.sock" help
for c in status ring peers route probe leave join trace log-level reload \
    events shutdown help; do
	has "$T/out" "^  $c"
done
run 0 ctl a help log-level
has "$T/out" '^usage: p2psipctl log-level \[LEVEL\]$'
run 0 ctl a --json help
[ "$(json '.commands | length')" -ge 13 ] || fail "help --json"
ok "help"

# Usage errors: 2, and nothing sent to the daemon.
run 2 ctl a
run 2 ctl a frobnicate
has "$T/err" 'unknown command "frobnicate"'
run 2 ctl a status extra
has "$T/err" 'unexpected argument: extra'
run 2 ctl a log-level debug info
run 2 "$P2PSIPCTL" -t 0 -s "$(sock a)" status
run 2 "$P2PSIPCTL" --bogus status
ok "usage errors exit 2"

# No daemon: 3, with a message saying so.
run 3 "$P2PSIPCTL" -s "$T/nowhere.sock" status
has "$T/err" "no daemon is listening on $T/nowhere.sock"
ok "no daemon exits 3"

# reload without a config file re-applies the built-in/-o values.
run 0 ctl a --json reload
[ "$(json .log_level)" = info ] || fail "reload did not re-apply info"
[ "$(json '.pending_restart | length')" = 0 ] || fail "pending restart"
ok "reload"

# shutdown: answered, then a clean exit, socket and WAL gone.
run 0 ctl a shutdown
has "$T/out" '^stopping +yes$'
wait_exit "${NODE_PID[a]}" 10
unset "NODE_PID[a]"
[ "$EXIT_RC" -eq 0 ] || fail "exit status $EXIT_RC after shutdown"
[ ! -e "$(sock a)" ] || fail "control socket left behind"
[ ! -s "$T/a/data/p2psipd.db-wal" ] || fail "WAL not checkpointed"
[ "$(sqlite3 "$T/a/data/p2psipd.db" \
    "SELECT value FROM meta WHERE key = 'running'")" = 0 ] ||
    fail "store does not record the clean exit"
has "$T/a/log" 'p2psipd: stopped'
run 3 ctl a status
ok "shutdown"
