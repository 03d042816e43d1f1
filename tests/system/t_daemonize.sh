#!/bin/bash
# Background mode and signals: p2psipd returns once the daemon is ready
# (or fails, with the reason), writes a pidfile, detaches; SIGHUP reloads
# what can change and survives a broken file; SIGTERM/SIGINT stop cleanly.
. "$(dirname "$0")/lib.sh"

CONF=$T/p2psipd.conf
S=$T/ctl.sock
write_conf() {
	cat >"$CONF" <<EOF
[node]
data_dir = $T/${2:-data}
control_socket = $S
log_level = $1
[overlay]
listen = 127.0.0.1:$(port a)
[sip]
listen = 127.0.0.1:$(sip_port a)
tls_listen = 127.0.0.1:$(sips_port a)
EOF
}
write_conf info

# Without -f: exit 0 only when the daemon answers; no polling needed.
run 0 "$P2PSIPD" -c "$CONF"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "output in background mode"
run 0 "$P2PSIPCTL" -s "$S" --json status
pid=$(json .pid)
[ "$(cat "$T/data/p2psipd.pid")" = "$pid" ] || fail "pidfile"
[ "$(json .config)" = "$CONF" ] || fail "config path"
ok "starts in the background; pidfile"

# Detached: own session, stdio on /dev/null, cwd /.
sid=$(ps -o sid= -p "$pid" | tr -d ' ')
[ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || fail "same session"
[ "$sid" != "$pid" ] || fail "a session leader could acquire a tty"
[ "$(readlink "/proc/$pid/fd/0")" = /dev/null ] || fail "stdin"
[ "$(readlink "/proc/$pid/fd/2")" = /dev/null ] || fail "stderr"
[ "$(readlink "/proc/$pid/cwd")" = / ] || fail "cwd"
ok "detached"

# A second one in the background fails, saying why, with status 1.
run 1 "$P2PSIPD" -c "$CONF"
has "$T/err" "data dir $T/data is in use by another p2psipd \\(pid $pid\\)"
ok "background start failure is reported"

# SIGHUP applies a new log level, and says so on the event stream.
"$P2PSIPCTL" -s "$S" --json events --count 2 >"$T/ev" 2>&1 &
ev=$!
wait_for 5 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 2'" || fail "subscriber"
write_conf debug
kill -HUP "$pid"
wait_exit "$ev" 10
[ "$(jq -sc 'map([.event, .level // .ok])' "$T/ev")" = \
    '[["log-level","debug"],["reload",true]]' ] ||
    fail "events on reload: $(cat "$T/ev")"
run 0 "$P2PSIPCTL" -s "$S" --json status
[ "$(json .log_level)" = debug ] || fail "SIGHUP did not apply log_level"
ok "SIGHUP reload"

# A broken file on SIGHUP: the daemon goes on with what it had.
printf '[node]\nlog_level = shout\n' >"$CONF"
"$P2PSIPCTL" -s "$S" --json events --count 1 >"$T/ev" 2>&1 &
ev=$!
wait_for 5 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 2'" || fail "subscriber"
kill -HUP "$pid"
wait_exit "$ev" 10
jq -e '.ok == false' "$T/ev" >/dev/null || fail "reload event: $(cat "$T/ev")"
jq -er .error "$T/ev" | grep -q "$CONF:2: \[node\] log_level: bad value" ||
    fail "reload error: $(cat "$T/ev")"
run 1 "$P2PSIPCTL" -s "$S" reload
has "$T/err" "$CONF:2: \\[node\\] log_level: bad value 'shout'"
run 0 "$P2PSIPCTL" -s "$S" --json status
[ "$(json .log_level)" = debug ] || fail "broken reload changed the level"
ok "broken config on reload is refused, daemon unharmed"

# Keys that need a restart are listed, not half-applied.
write_conf warn otherdata
run 0 "$P2PSIPCTL" -s "$S" --json reload
[ "$(json '.pending_restart | join(",")')" = node.data_dir,node.pidfile ] ||
    fail "pending: $(cat "$T/out")"
[ "$(json .log_level)" = warn ] || fail "live key not applied"
run 0 "$P2PSIPCTL" -s "$S" --json status
[ "$(json .data_dir)" = "$T/data" ] || fail "data_dir changed live"
ok "restart-only keys are reported"

# SIGTERM: clean exit; pidfile and socket removed.
kill -TERM "$pid"
wait_for 10 bash -c "! kill -0 $pid" || fail "no exit on SIGTERM"
[ ! -e "$T/data/p2psipd.pid" ] || fail "pidfile left"
[ ! -e "$S" ] || fail "socket left"
[ "$(sqlite3 "$T/data/p2psipd.db" \
    "SELECT value FROM meta WHERE key = 'running'")" = 0 ] ||
    fail "SIGTERM exit not recorded as clean"
ok "SIGTERM"

# SIGINT in the foreground: the same clean exit, status 0.
start_node f
kill -INT "${NODE_PID[f]}"
wait_exit "${NODE_PID[f]}" 10
unset "NODE_PID[f]"
[ "$EXIT_RC" -eq 0 ] || fail "SIGINT exit status $EXIT_RC"
has "$T/f/log" 'stopping \(SIGINT\)'
ok "SIGINT"
