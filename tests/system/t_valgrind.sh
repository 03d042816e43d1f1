#!/bin/bash
# The daemon and p2psipctl under valgrind memcheck through a session with
# good and bad control input, an overlay join, route, trace and leave with
# a second daemon, garbage on the overlay port, SIP registrations over UDP
# and TCP and bad SIP input, a call of its UA keyed by DTLS-SRTP, a reload
# and a shutdown: no errors, no leaks.
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
    -o "sip.listen=127.0.0.1:$(sip_port vg)" -o sip.tls_listen= \
    -o ua.aor=vgalice -o media.srtp=require \
    -o "media.rtp_ports=$(($(port vg) + 20600))-$(($(port vg) + 20699))" \
    2>"$T/vg.log" &
pid=$!
EXTRA_PIDS+=($pid)
wait_for 30 "$P2PSIPCTL" -s "$S" status || fail "no start: $(cat "$T/vg.log")"

# The overlay under valgrind: TLS links, a join, a lookup, a trace, a
# leave, and bytes that are not TLS at all.
run 0 "$P2PSIPCTL" -s "$S" trace start "$T/vg.pcap"
start_node b -o "overlay.bootstrap=127.0.0.1:$(port vg)" -o sip.tls_listen= \
    -o ua.aor=vgbob -o ua.answer=auto -o media.srtp=require
wait_for 60 bash -c "'$P2PSIPCTL' -s '$S' --json status |
    jq -e '.state == \"joined\" and .ring.links >= 1'" ||
    fail "b did not join the node under valgrind"
run 0 ctl b route alice@example.org
run 0 "$P2PSIPCTL" -s "$S" route alice@example.org
head -c 3000 /dev/urandom | timeout 10 socat -t 2 - \
    "TCP:127.0.0.1:$(port vg)" >/dev/null 2>&1
# SIP under valgrind: a phone registers over UDP and over TCP (the TCP
# one then published and found from b), an OPTIONS, a malformed request,
# garbage, and a TCP connection that closes in the middle of a message.
python3 - "$(sip_port vg)" <<'EOF' || fail "SIP under valgrind"
import socket, sys
port = int(sys.argv[1])
def msg(method, user, n, extra="", tp="UDP"):
    return ("%s sip:p2psipd.localhost SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:9;"
        "branch=z9hG4bKvg%d;rport\r\nMax-Forwards: 70\r\n"
        "From: <sip:%s@p2psipd.localhost>;tag=1\r\n"
        "To: <sip:%s@p2psipd.localhost>\r\nCall-ID: vg%d\r\n"
        "CSeq: %d %s\r\n%sContent-Length: 0\r\n\r\n" % (method, tp, n, user,
        user, n, n, method, extra)).encode()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(10)
for m in (msg("REGISTER", "vgu", 1, "Contact: <sip:vgu@127.0.0.1:9>\r\n"),
        msg("OPTIONS", "vgu", 2),
        msg("INVITE", "vgu", 3).replace(b"3 INVITE", b"3 BYE")):
    u.sendto(m, ("127.0.0.1", port))
    assert u.recv(65535).startswith(b"SIP/2.0 "), m
u.sendto(b"\x00garbage", ("127.0.0.1", port))
t = socket.create_connection(("127.0.0.1", port), timeout=10)
t.sendall(b"\r\n\r\n" + msg("REGISTER", "vgt", 4,
    "Contact: <sip:vgt@127.0.0.1:9;transport=tcp>\r\n", "TCP"))
r = t.recv(65535)
while not r.startswith(b"\r\nSIP/2.0 200") and len(r) < 3:
    r += t.recv(65535)
t.close()
t = socket.create_connection(("127.0.0.1", port), timeout=10)
t.sendall(msg("REGISTER", "vgx", 5)[:60])
t.close()
EOF
wait_for 30 ctl b lookup vgt || fail "vgt not published"
# the UA under valgrind: a call to b's, keyed by DTLS-SRTP, with a tone
# (8 s: its DTLS handshake under memcheck takes 1 to 4 s here, and a
# 2 s call got no packet back in a loaded run)
"$BUILD/tone" gen "$T/tone.wav" 440 8 || fail "no tone"
wait_for 30 "$P2PSIPCTL" -s "$S" lookup vgbob || fail "vgbob not published"
run 0 "$P2PSIPCTL" -s "$S" call vgbob --play "$T/tone.wav" --duration 8
wait_for 30 bash -c "'$P2PSIPCTL' -s '$S' --json calls |
    jq -e '.calls[0].state == \"ended\"'" || fail "the call did not end"
run 0 "$P2PSIPCTL" -s "$S" --json calls
[ "$(json '.calls[0].status')" = 200 ] &&
    [ "$(json '.calls[0].srtp')" = dtls ] &&
    [ "$(json '.calls[0].received')" -gt 0 ] ||
    fail "the call under valgrind: $(cat "$T/out")"
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
