#!/bin/bash
# The control socket against bad and hostile clients: malformed lines,
# oversized lines, silent and half-line clients, clients that never read,
# too many clients, other users; plus concurrency and the event stream.
. "$(dirname "$0")/lib.sh"

start_node a
S=$(sock a)

# raw LINES...: send lines on one connection, answers in $T/out.
raw() {
	printf '%s\n' "$@" | timeout 10 socat -t 5 - "UNIX-CONNECT:$S" \
	    >"$T/out" 2>"$T/err" || fail "socat failed: $(cat "$T/err")"
}

# The answer on line N of $T/out, through jq.
answer() {
	sed -n "${1}p" "$T/out" | jq -er "$2" ||
	    fail "answer $1 lacks $2: $(sed -n "${1}p" "$T/out")"
}

# A bad line gets an error object and the connection stays usable.
raw 'not json' '{"id":1,"cmd":"status"}' '[1,2]' '{"id":2,"cmd":"nope"}' \
    '{"id":3,"cmd":"log-level","args":{"level":7}}' \
    '{"id":4,"cmd":"status","args":{"x":1}}' '{"id":5,"cmd":"status",' \
    '{"id":6,"cmd":"log-level","args":{"level":"loud"}}' \
    '{"id":"last","cmd":"hello"}'
[ "$(wc -l <"$T/out")" -eq 9 ] || fail "expected 9 answers: $(cat "$T/out")"
[ "$(answer 1 .error.code)" = parse-error ] || fail "not json"
[ "$(answer 2 .result.state)" = alone ] || fail "status after bad line"
[ "$(answer 3 .error.code)" = bad-request ] || fail "array"
[ "$(answer 4 .error.code)" = unknown-command ] || fail "unknown command"
[ "$(answer 4 .id)" = 2 ] || fail "id not echoed"
[ "$(answer 5 .error.code)" = bad-args ] || fail "wrong arg type"
[ "$(answer 5 .error.message)" = 'argument "level" must be a string' ] ||
    fail "type message"
[ "$(answer 6 .error.message)" = 'status takes no argument "x"' ] ||
    fail "unknown arg"
[ "$(answer 7 .error.code)" = parse-error ] || fail "truncated JSON"
[ "$(answer 8 .error.code)" = bad-args ] || fail "bad level value"
[ "$(answer 9 .id)" = last ] || fail "last answer"
ok "malformed requests get error objects; the connection stays usable"

# Random bytes: errors, never a crash.
head -c 65536 /dev/urandom | timeout 10 socat -t 5 - "UNIX-CONNECT:$S" \
    >/dev/null 2>&1
run 0 ctl a status
ok "random bytes"

# A line over 64 KiB: refused and the connection closed. The client
# writes the line without waiting, so its write can meet the close
# (EPIPE) before it reads the answer, and the bytes the daemon never
# read make Linux end the read with ECONNRESET after the answer; the
# client must read the answer anyway (socat gave up on EPIPE at times).
timeout 15 /usr/bin/python3 - "$S" >"$T/out" 2>"$T/err" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
try:
    s.sendall(b"x" * 70000)
except (BrokenPipeError, ConnectionResetError):
    pass
got = b""
while True:
    try:
        b = s.recv(4096)    # socket.timeout: not closed, rc 1
    except ConnectionResetError:
        break
    if not b:
        break
    got += b
sys.stdout.write(got.decode())
PY
[ $? -eq 0 ] || fail "connection not closed after a long line: $(cat "$T/err")"
[ "$(answer 1 .error.code)" = line-too-long ] || fail "long line"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "more than one answer"
# Exactly at the limit is fine (65536 bytes of JSON).
pad=$(head -c $((65536 - 27)) /dev/zero | tr '\0' ' ')
raw "{\"id\":1,\"cmd\":\"status\"}$pad"
[ "$(answer 1 .result.state)" = alone ] || fail "line at the limit"
has "$T/a/log" 'line longer than 65536 bytes, closed'
ok "64 KiB line limit"

# Silent clients and a half-sent line block nobody.
sleep 60 | socat - "UNIX-CONNECT:$S" >/dev/null 2>&1 &
EXTRA_PIDS+=($!)
{ printf '{"id":1,"cmd":"sta'; sleep 60; } |
    socat - "UNIX-CONNECT:$S" >/dev/null 2>&1 &
half=$!
EXTRA_PIDS+=($half)
wait_for 5 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 3'" || fail "silent clients not counted"
run 0 ctl a status
# The half-line client goes away mid-line: nothing happens.
pkill -P "$half" 2>/dev/null
kill "$half" 2>/dev/null
wait_for 5 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 2'" || fail "half-line client not released"
ok "silent and half-line clients"

# Many clients at once, all answered.
for i in $(seq 1 20); do
	ctl a --json status >"$T/par.$i" 2>&1 &
	EXTRA_PIDS+=($!)
done
wait_for 15 bash -c "for i in \$(seq 1 20); do
    jq -e .pid '$T/par.'\$i || exit 1; done" ||
    fail "parallel clients: $(cat "$T"/par.* | head -c 600)"
ok "20 clients at once"

# A client that sends requests and never reads the answers is dropped
# once 4 MiB are queued for it; the daemon stays responsive.
{ yes '{"cmd":"help"}' | head -n 5000; sleep 60; } |
    socat -u - "UNIX-CONNECT:$S" >/dev/null 2>&1 &
stalled=$!
EXTRA_PIDS+=($stalled)
wait_for 10 grep -q 'not reading, dropped' "$T/a/log" ||
    fail "non-reading client not dropped"
kill "$stalled"
run 0 ctl a status
ok "a client that never reads is dropped"

# The event stream: events reach every subscriber, one JSON per line.
ctl a --json events --count 2 >"$T/ev1" 2>&1 &
ev1=$!
ctl a events --count 2 >"$T/ev2" 2>&1 &
ev2=$!
wait_for 5 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 4'" || fail "subscribers not connected"
run 0 ctl a log-level debug
run 0 ctl a log-level warn
wait_exit "$ev1" 10
[ "$EXIT_RC" -eq 0 ] || fail "events --count exited $EXIT_RC"
wait_exit "$ev2" 10
[ "$(sed -n 1p "$T/ev1" | jq -r '.event + " " + .level')" = \
    "log-level debug" ] || fail "event 1: $(cat "$T/ev1")"
[ "$(sed -n 2p "$T/ev1" | jq -r .level)" = warn ] || fail "event 2"
has "$T/ev2" '^[0-9:]{8} log-level level=warn$'
ok "event stream"

# Mode 0600, and only our uid (or root) gets in.
[ "$(stat -c %a "$S")" = 600 ] || fail "socket mode $(stat -c %a "$S")"
cp "$P2PSIPCTL" "$T/p2psipctl"
chmod 755 "$T" "$T/a" "$T/p2psipctl"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
run 1 $NOBODY "$T/p2psipctl" -s "$S" status
has "$T/err" 'Permission denied'
chmod 666 "$S"		# past the file mode, SO_PEERCRED still refuses
run 1 $NOBODY "$T/p2psipctl" -s "$S" status
has "$T/err" 'permission denied \(denied\)'
has "$T/a/log" 'control: refused uid 65534'
chmod 600 "$S"
ok "peer credentials"

# At most 64 connections: the next one is told so, the daemon lives on.
# One silent client is still connected from above; add 62 more.
for i in $(seq 1 62); do
	sleep 60 | socat - "UNIX-CONNECT:$S" >/dev/null 2>&1 &
	EXTRA_PIDS+=($!)
done
wait_for 10 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 64'" || fail "62 more clients not counted"
sleep 60 | socat - "UNIX-CONNECT:$S" >/dev/null 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 bash -c "! '$P2PSIPCTL' -s '$S' status" ||
    fail "65th client not refused"
run 1 ctl a status
has "$T/err" 'too many control connections \(busy\)'
pkill -f "socat - UNIX-CONNECT:$S"
wait_for 10 ctl a status || fail "daemon unusable after the flood"
ok "connection limit"

stop_node a
ok "clean exit after all that"
