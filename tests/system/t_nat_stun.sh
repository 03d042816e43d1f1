#!/bin/bash
# STUN across real NATs (issue 20, item 1), in the lab of
# scripts/netns-lab.sh: public peers answer Binding requests on their
# overlay address, port 3478; a daemon behind a NAT learns its
# server-reflexive address and its NAT's mapping and filtering behaviour
# (RFC 5780 §4.3, §4.4) from coturn (two addresses: RFC 5780) and, with no
# STUN server configured, from the overlay's peers; `p2psipctl nat` shows
# it for each mode of the NAT.  The Binding server refuses what it cannot
# do (420, RFC 5780 §7.2) and rate-limits a flood while it keeps
# answering others.
. "$(dirname "$0")/lib.sh"

lab_up --nat-a eim --nat-b sym
ok "lab up: site A behind an EIM NAT, site B behind a symmetric one"

# A second public host address for a second public peer.
PUBIF=$(ip -n "$LAB-pub" -o link show | awk -F': ' '$2 !~ /^lo/ {
    sub(/@.*/, "", $2); print $2; exit }')
ip -n "$LAB-pub" addr add 203.0.113.21/24 dev "$PUBIF" ||
    fail "cannot add 203.0.113.21"

# stun_py NS ARGS: the STUN helper below, in namespace NS.
stun_py() {
	local ns=$1
	shift
	ip netns exec "$LAB-$ns" /usr/bin/python3 - "$@" <<'EOF'
import os, socket, struct, sys, time
MAGIC = 0x2112A442
def req(attrs=b""):
    tid = os.urandom(12)
    return struct.pack("!HHI", 1, len(attrs), MAGIC) + tid + attrs, tid
def parse(d):
    t, n, m = struct.unpack("!HHI", d[:8])
    attrs, i = {}, 20
    while i + 4 <= 20 + n:
        at, al = struct.unpack("!HH", d[i:i + 4])
        attrs.setdefault(at, d[i + 4:i + 4 + al])
        i += 4 + (al + 3) // 4 * 4
    return t, d[8:20], attrs
what, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
if what == "unknown":
    # CHANGE-REQUEST (0x0003), comprehension-required
    m, tid = req(struct.pack("!HHI", 3, 4, 6))
    s.sendto(m, (host, port))
    t, rtid, a = parse(s.recv(1500))
    code = a[0x0009][2] * 100 + a[0x0009][3]
    unk = struct.unpack("!H", a[0x000A][:2])[0]
    print("type=%04x code=%d unknown=%04x tid=%s" % (t, code, unk,
        rtid == tid))
elif what == "flood":
    n = int(sys.argv[4])
    for i in range(n):
        s.sendto(req()[0], (host, port))
    got, s2 = 0, time.time() + 1
    s.settimeout(0.2)
    try:
        while time.time() < s2:
            s.recv(1500)
            got += 1
    except socket.timeout:
        pass
    print("sent=%d answered=%d" % (n, got))
elif what == "one":
    m, tid = req()
    s.sendto(m, (host, port))
    t, rtid, a = parse(s.recv(1500))
    x = a[0x0020]
    p = struct.unpack("!H", x[2:4])[0] ^ (MAGIC >> 16)
    ip = ".".join(str(b ^ k) for b, k in zip(x[4:8],
        struct.pack("!I", MAGIC)))
    print("type=%04x mapped=%s:%d" % (t, ip, p))
EOF
}

# The public peers: STUN on their overlay address, the default port.
PUB=(-o overlay.probe_interval=2)
NODE_NS=$LAB-pub start_node p -o "overlay.listen=203.0.113.20:$(port p)" \
    -o nat.stun_listen=203.0.113.20 "${PUB[@]}"
NODE_NS=$LAB-pub start_node q -o "overlay.listen=203.0.113.21:$(port q)" \
    -o nat.stun_listen=203.0.113.21 \
    -o "overlay.bootstrap=203.0.113.20:$(port p)" "${PUB[@]}"
run 0 ctl p --json nat
[ "$(json .stun_server)" = 203.0.113.20:3478 ] ||
    fail "p's STUN server: $(json .stun_server)"
ok "public peers answer STUN at 203.0.113.20:3478 and .21:3478"

# nat_is NAME MAPPING FILTERING: probe again, check, print.
nat_is() {
	run 0 ctl "$1" --json nat --probe
	echo "# $1: $(json '"reflexive \(.reflexive) mapping \(.mapping) filtering \(.filtering) via \(.server) (rfc5780 \(.rfc5780)) \(.why)"')"
	[ "$(json .mapping)" = "$2" ] && [ "$(json .filtering)" = "$3" ] ||
	    fail "$1: mapping $(json .mapping), filtering $(json .filtering); want $2, $3"
	case $(json .reflexive) in
	203.0.113.10[12]:*) ;;
	*) fail "$1: reflexive $(json .reflexive)" ;;
	esac
}

# Behind NAT A, with coturn (RFC 5780) as the STUN server.
NODE_NS=$LAB-a start_node a -o "overlay.listen=10.1.0.2:$(port a)" \
    -o nat.stun_listen=10.1.0.2 -o nat.stun_servers=203.0.113.10 \
    -o "overlay.bootstrap=203.0.113.20:$(port p)"
nat_is a endpoint-independent address-and-port-dependent
[ "$(json .host)" = 10.1.0.2:3478 ] || fail "a's host: $(json .host)"
[ "$(json .rfc5780)" = true ] || fail "coturn gave no OTHER-ADDRESS"
ok "EIM NAT (Linux conntrack): $(json .reflexive), endpoint-independent mapping, address-and-port-dependent filtering"

lab nat a full >>"$T/lab.up" 2>&1 || fail "nat a full"
nat_is a endpoint-independent endpoint-independent
ok "full-cone NAT: endpoint-independent filtering"
lab nat a addr >>"$T/lab.up" 2>&1 || fail "nat a addr"
nat_is a endpoint-independent address-dependent
ok "address-restricted NAT: address-dependent filtering"
lab nat a eim >>"$T/lab.up" 2>&1 || fail "nat a eim"

# Behind the symmetric NAT B.
NODE_NS=$LAB-b start_node b -o "overlay.listen=10.2.0.2:$(port b)" \
    -o nat.stun_listen=10.2.0.2 -o nat.stun_servers=203.0.113.10 \
    -o "overlay.bootstrap=203.0.113.20:$(port p)"
nat_is b address-and-port-dependent address-and-port-dependent
ok "symmetric NAT: address-and-port-dependent mapping"

# No STUN server configured: the overlay's peers are asked (their STUN at
# the port this one's would be: 3478): the bootstrap list's, then those
# links lead to.
BOOT="overlay.bootstrap=203.0.113.20:$(port p),203.0.113.21:$(port q)"
NODE_NS=$LAB-a start_node c -o "overlay.listen=10.1.0.2:$(port c)" \
    -o nat.stun_listen=off -o "$BOOT"
NODE_NS=$LAB-b start_node d -o "overlay.listen=10.2.0.2:$(port d)" \
    -o nat.stun_listen=off -o "$BOOT"
peers_told() {
	ctl "$1" --json nat >"$T/out" 2>&1 &&
	    [ "$(jq -r .mapping "$T/out")" = "$2" ]
}
wait_for 30 peers_told c endpoint-independent ||
    fail "c learned nothing from the overlay: $(cat "$T/out")"
run 0 ctl c --json nat
echo "# c: $(json '"reflexive \(.reflexive) mapping \(.mapping) via \(.server): \(.why)"')"
case $(json .server) in
203.0.113.2[01]:3478) ;;
*) fail "c asked $(json .server), not a peer" ;;
esac
wait_for 30 peers_told d address-or-port-dependent ||
    fail "d learned nothing from the overlay: $(cat "$T/out")"
run 0 ctl d --json nat
echo "# d: $(json '"reflexive \(.reflexive) mapping \(.mapping): \(.why)"')"
ok "from the overlay's peers: EIM behind NAT A, dependent behind NAT B"

# What the Binding server will not do: CHANGE-REQUEST gets 420 with
# UNKNOWN-ATTRIBUTES.
out=$(stun_py a unknown 203.0.113.20 3478) || fail "no answer to 420 probe"
[ "$out" = "type=0111 code=420 unknown=0003 tid=True" ] ||
    fail "CHANGE-REQUEST: $out"
ok "unknown comprehension-required attribute: $out"

# A flood from site A: rate-limited; site B is still answered, and the
# daemon still works.
out=$(stun_py a flood 203.0.113.20 3478 3000) || fail "flood"
echo "# flood from 203.0.113.101: $out"
run 0 ctl p --json nat
limited=$(json .stun_limited)
[ "$limited" -gt 2000 ] || fail "flood: only $limited limited"
out=$(stun_py b one 203.0.113.20 3478) || fail "B not answered during flood"
case $out in
"type=0101 mapped=203.0.113.102:"*) ;;
*) fail "B: $out" ;;
esac
run 0 ctl p --json status
ok "a flood of 3000 got $limited refusals; another source is still answered ($out)"
