#!/bin/bash
# Not an open relay (RFC 3261 §26.1.1, §26.3.2.4).  Daemon a listens for
# SIP on every address of host A; a stranger on host B (another network
# namespace) sends it requests for outside addresses: a Request-URI of
# host B's sink, a Route there, an OPTIONS, an ACK, over UDP and TCP, and
# one whose From names a user of a's [users] (alice).  Each gets 403 (or
# 407 for alice, Digest) and none leaves a: the sink hears nothing and a
# capture on A's interface holds no packet to it.  A request for a user
# of the overlay is still served for the stranger (404 here, not 403),
# and a phone on host A itself reaches the same sink through a, which
# shows the sink and the capture would have seen a relay.  status counts
# the refusals (sip.relay_refused, sip.relay_challenged).
. "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null || { echo "skip: no tshark"; exit 77; }
two_hosts 10.79.0
SIPA=$(sip_port a)
SINK=$((SIPA + 300))

cat >"$T/a.conf" <<CFG
[users]
alice = secret
CFG
NODE_NS=$NA start_node a -c "$T/a.conf" \
    -o "overlay.listen=10.79.0.1:$(port a)" \
    -o "sip.listen=0.0.0.0:$SIPA" -o "sip.tls_listen=0.0.0.0:$(sips_port a)"
wait_for 10 ctl a status || fail "a does not answer"

# The sink on host B: every datagram and connection it gets, logged.
ip netns exec "$NB" python3 - "$SINK" >"$T/sink.log" 2>&1 <<'EOF' &
import select, socket, sys
port = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("10.79.0.2", port))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("10.79.0.2", port))
t.listen(8)
print("ready", flush=True)
while True:
    r, _, _ = select.select([u, t], [], [], 60)
    if not r:
        break
    for s in r:
        if s is u:
            d, a = u.recvfrom(65536)
            print("udp", a, d.split(b"\r\n")[0].decode(errors="replace"),
                  flush=True)
        else:
            c, a = t.accept()
            print("tcp", a, flush=True)
            c.close()
EOF
EXTRA_PIDS+=($!)
wait_for 10 grep -q ready "$T/sink.log" || fail "no sink"

ip netns exec "$NA" timeout 60 tshark -i va -n -q -a duration:50 \
    -f "host 10.79.0.2 and port $SINK" -w "$T/relay.pcap" \
    >"$T/tshark.out" 2>&1 &
CAP=$!
EXTRA_PIDS+=($CAP)
wait_for 10 grep -q "Capturing on" "$T/tshark.out" || fail "no capture"

# send NS TRANSPORT TO REQUESTS...: each request (a start line and
# header lines, "|"-separated, a Via added) to TO from NS; prints each
# answer's status line ("-" for none in 2 s).
send() {
	local ns=$1 tp=$2 to=$3
	shift 3
	ip netns exec "$ns" python3 - "$tp" "$to" "$@" <<'EOF'
import socket, sys
tp, to = sys.argv[1], sys.argv[2]
host, port = to.rsplit(":", 1)
for i, r in enumerate(sys.argv[3:]):
    lines = r.split("|")
    if tp == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((host, int(port)))
    else:
        s = socket.create_connection((host, int(port)), timeout=2)
    me = "%s:%d" % s.getsockname()
    meth = lines[0].split(" ")[0]
    msg = (lines[0] + "\r\nVia: SIP/2.0/%s %s;branch=z9hG4bKrelay%d;rport"
           "\r\n" % (tp.upper(), me, i) + "".join(l + "\r\n" for l in
           lines[1:]) + "Call-ID: relay%d@test\r\nCSeq: 1 %s\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (i, meth))
    s.sendall(msg.encode())
    s.settimeout(2)
    got = "-"
    try:
        while True:
            d = s.recv(65536).decode(errors="replace")
            line = d.split("\r\n")[0]
            if not line.startswith("SIP/2.0 1"):
                got = line
                if "Proxy-Authenticate" in d:
                    got += " (challenged)"
                break
    except (socket.timeout, ConnectionError):
        pass
    print(got, flush=True)
    s.close()
EOF
}

V="sip:victim@10.79.0.2:$SINK"
FROM="From: <sip:mallory@evil.example>;tag=m|To: <$V>"
send "$NB" udp "10.79.0.1:$SIPA" \
    "INVITE $V SIP/2.0|$FROM" \
    "MESSAGE sip:bob@$DOM SIP/2.0|Route: <sip:10.79.0.2:$SINK;lr>|$FROM" \
    "OPTIONS $V SIP/2.0|$FROM" \
    "ACK $V SIP/2.0|$FROM" \
    "MESSAGE $V SIP/2.0|From: <sip:alice@$DOM>;tag=s|To: <$V>" \
    >"$T/udp.out" || fail "send over UDP"
send "$NB" tcp "10.79.0.1:$SIPA" "INVITE $V SIP/2.0|$FROM" \
    >"$T/tcp.out" || fail "send over TCP"
want="SIP/2.0 403 Forbidden (relaying denied)
SIP/2.0 403 Forbidden (relaying denied)
SIP/2.0 403 Forbidden (relaying denied)
-
SIP/2.0 407 Proxy Authentication Required (challenged)"
[ "$(cat "$T/udp.out")" = "$want" ] ||
    fail "from outside over UDP: $(cat "$T/udp.out")"
[ "$(cat "$T/tcp.out")" = "SIP/2.0 403 Forbidden (relaying denied)" ] ||
    fail "from outside over TCP: $(cat "$T/tcp.out")"
ok "to outside from outside: 403 for INVITE, MESSAGE by Route, OPTIONS" \
    "and over TCP; the ACK dropped; alice's From challenged (407)"

# A user of the overlay: served for anyone (nobody is registered: 404).
send "$NB" udp "10.79.0.1:$SIPA" "MESSAGE sip:nobody@$DOM SIP/2.0|$FROM" \
    >"$T/in.out" || fail "send"
[ "$(cat "$T/in.out")" = "SIP/2.0 404 Not Found" ] ||
    fail "a request for the overlay's user: $(cat "$T/in.out")"
ok "a request for a user of the overlay is served from outside (404)"

sleep 1
[ "$(grep -c . "$T/sink.log")" = 1 ] ||
    fail "the sink heard: $(cat "$T/sink.log")"
status_is a .sip.relay_refused 5
status_is a .sip.relay_challenged 1

# A phone on host A itself: its MESSAGE to the sink goes through a.
L="sip:local@10.79.0.2:$SINK"
send "$NA" udp "127.0.0.1:$SIPA" "MESSAGE $L SIP/2.0|$FROM" \
    >"$T/local.out" || fail "send from host A"
wait_for 5 grep -q "udp.*MESSAGE $L" "$T/sink.log" ||
    fail "a local phone's MESSAGE did not reach the sink: " \
    "$(cat "$T/sink.log") $(cat "$T/local.out")"
kill "$CAP" 2>/dev/null
wait_exit "$CAP" 10
# decoded as SIP by port, not by tshark's guess (the sink's port, which
# moves with the test's ports, may be one tshark gives another protocol)
tshark -r "$T/relay.pcap" -n -d "udp.port==$SINK,sip" \
    -d "tcp.port==$SINK,sip" -Y "ip.src == 10.79.0.1" -T fields \
    -e sip.Request-Line 2>/dev/null | sort | uniq -c >"$T/left"
[ "$(awk '{ $1 = ""; print substr($0, 2) }' "$T/left")" = \
    "MESSAGE $L SIP/2.0" ] ||
    fail "what left a for the sink: $(cat "$T/left")"
ok "nothing left a for the sink but the local phone's MESSAGE" \
    "(captured on A's interface: $(awk '{ print $1 }' "$T/left") packets," \
    "with retransmissions)"
