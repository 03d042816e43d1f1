#!/bin/bash
# The daemon and p2psipctl under valgrind memcheck through a session with
# good and bad control input, an overlay join, route, trace and leave with
# a second daemon, garbage on the overlay port, a reload and a shutdown:
# no errors, no leaks.
# (Skipped for the sanitizer build, which checks the same under ASan.)
. "$(dirname "$0")/lib.sh"

if ldd "$P2PSIPD" | grep -q libasan; then
	echo "sanitizer build: ASan checks memory instead"
	exit 77
fi
VG="valgrind --quiet --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --track-fds=no"
S=$T/ctl.sock
$VG "$P2PSIPD" -f -o "node.data_dir=$T/data" -o "node.control_socket=$S" \
    -o "overlay.listen=127.0.0.1:$(port vg)" \
    -o "sip.listen=127.0.0.1:$(sip_port vg)" 2>"$T/vg.log" &
pid=$!
EXTRA_PIDS+=($pid)
wait_for 30 "$P2PSIPCTL" -s "$S" status || fail "no start: $(cat "$T/vg.log")"

# The overlay under valgrind: TLS links, a join, a lookup, a trace, a
# leave, and bytes that are not TLS at all.
run 0 "$P2PSIPCTL" -s "$S" trace start "$T/vg.pcap"
start_node b -o "overlay.bootstrap=127.0.0.1:$(port vg)"
wait_for 60 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.state == \"joined\" and .ring.links >= 1'" ||
    fail "b did not join the node under valgrind"
run 0 ctl b route alice@example.org
run 0 "$P2PSIPCTL" -s "$S" route alice@example.org
head -c 3000 /dev/urandom | timeout 10 socat -t 2 - \
    "TCP:127.0.0.1:$(port vg)" >/dev/null 2>&1
stop_node b
run 0 "$P2PSIPCTL" -s "$S" --json trace stop
[ "$(json .frames)" -gt 0 ] || fail "no frames traced"

$VG "$P2PSIPCTL" -s "$S" --json status >/dev/null 2>"$T/vgctl.log" ||
    fail "p2psipctl under valgrind: $(cat "$T/vgctl.log")"
$VG "$P2PSIPCTL" -s "$S" log-level loud >/dev/null 2>>"$T/vgctl.log"
[ $? -eq 1 ] || fail "p2psipctl error path: $(cat "$T/vgctl.log")"
$VG "$P2PSIPCTL" -s "$S" events --count 1 >/dev/null 2>>"$T/vgctl.log" &
ev=$!
wait_for 30 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.control_clients == 2'" || fail "subscriber"
printf '%s\n' 'junk' '{"id":1,"cmd":"nope"}' '{"cmd":"status","args":[]}' \
    '{"id":2,"cmd":"log-level","args":{"level":"debug"}}' '{"cmd":"help"}' \
    '{"id":3,"cmd":"reload"}' '{"id":4,"cmd":"sta' |
    timeout 20 socat -t 5 - "UNIX-CONNECT:$S" >/dev/null
{ head -c 70000 /dev/zero | tr '\0' x; echo; } |
    timeout 20 socat -t 5 - "UNIX-CONNECT:$S" >/dev/null 2>&1
wait_exit "$ev" 30
[ "$EXIT_RC" -eq 0 ] || fail "events under valgrind: $(cat "$T/vgctl.log")"
"$P2PSIPCTL" -s "$S" shutdown >/dev/null || fail "shutdown"
wait_exit "$pid" 30
[ "$EXIT_RC" -eq 0 ] || fail "valgrind found errors (exit $EXIT_RC):" \
    "$(grep '==' "$T/vg.log" | head -40)"
ok "daemon: no memory errors, no leaks"
