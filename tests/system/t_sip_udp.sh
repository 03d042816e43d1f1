#!/bin/bash
# The SIP UDP port under a burst (issue 25): its receive buffer is
# [sip] udp_buffer, and the kernel's drops for want of room are counted
# in `p2psipctl status` (SO_MEMINFO).  Each daemon is stopped (SIGSTOP)
# while 3000 OPTIONS arrive: a 64 KiB buffer drops most of them and says
# so; the default 4 MiB one holds them all, and the daemon answers each
# once it runs again.
. "$(dirname "$0")/lib.sh"

# burst NAME COUNT: COUNT OPTIONS at NAME's SIP UDP port from one socket,
# then how many answers come back within 10 s.
burst() {
	python3 - "$(sip_port "$1")" "$2" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", 0))
me = s.getsockname()[1]
for i in range(n):
    s.sendto((
        "OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKburst%d\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=b%d\r\n"
        "To: <sip:127.0.0.1>\r\nCall-ID: burst%d@127.0.0.1\r\n"
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" %
        (port, me, i, i, i)).encode(), ("127.0.0.1", port))
s.settimeout(0.5)
got, end = set(), time.time() + 10
while len(got) < n and time.time() < end:
    try:
        r = s.recv(65535).decode("latin-1")
    except socket.timeout:
        continue
    for line in r.split("\r\n"):
        if line.lower().startswith("call-id:"):
            got.add(line.split(":", 1)[1].strip())
print(len(got))
PY
}

status_sip() {
	ctl "$1" --json status >"$T/st" || fail "$1 status"
	jq -r ".sip.$2" "$T/st"
}

start_node small -o sip.udp_buffer=64
start_node big

# the kernel says twice what is asked (its overhead); the default is
# 4 MiB, which root may have past net.core.rmem_max
[ "$(status_sip small udp_buffer)" = $((2 * 64 * 1024)) ] ||
    fail "64 KiB buffer: $(status_sip small udp_buffer)"
want=$((2 * 4096 * 1024))
[ "$(id -u)" = 0 ] ||
    want=$((2 * $(cat /proc/sys/net/core/rmem_max)))
[ "$(status_sip big udp_buffer)" = "$want" ] ||
    fail "default buffer: $(status_sip big udp_buffer), not $want"
[ "$(status_sip small udp_drops)" = 0 ] || fail "drops before any burst"
ok "udp_buffer sets the SIP port's receive buffer ($want bytes by default)"

kill -STOP "${NODE_PID[small]}"
( sleep 2; kill -CONT "${NODE_PID[small]}" ) &
cont=$!
got=$(burst small 3000)
wait "$cont"
drops=$(status_sip small udp_drops)
[ "$drops" -gt 0 ] || fail "64 KiB: no drops counted ($got answered)"
[ $((got + drops)) -eq 3000 ] ||
    fail "64 KiB: $got answered + $drops dropped is not 3000"
ok "a burst at a stopped daemon with 64 KiB: $drops of 3000 dropped," \
    "counted in status; $got answered"

if [ "$(id -u)" = 0 ] || [ "$(cat /proc/sys/net/core/rmem_max)" -ge $((4 << 20)) ]; then
	kill -STOP "${NODE_PID[big]}"
	( sleep 2; kill -CONT "${NODE_PID[big]}" ) &
	cont=$!
	got=$(burst big 3000)
	wait "$cont"
	[ "$got" = 3000 ] || fail "default buffer: $got of 3000 answered"
	[ "$(status_sip big udp_drops)" = 0 ] ||
	    fail "default buffer: $(status_sip big udp_drops) dropped"
	ok "the same burst with the default buffer: all 3000 answered, none dropped"
fi
