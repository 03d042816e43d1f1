#!/bin/bash
# The TURN client core (nat/turn.c, RFC 8656) against a real TURN server:
# coturn in the lab of scripts/netns-lab.sh, long-term credentials (realm
# lab.test).  From behind each kind of NAT, over UDP and over TCP to the
# server, tests/tools/turnc allocates a relayed address, permits a public
# peer (turnutils_peer, which echoes), sends by Send indication and, after
# ChannelBind, by ChannelData, gets every message back through the relay,
# and releases the allocation.  A wrong password gets 401 and no
# allocation; a peer with no permission cannot reach the relayed address.
. "$(dirname "$0")/lib.sh"

command -v turnutils_peer >/dev/null || { echo "skip: no turnutils_peer"; exit 77; }
lab_up --nat-a eim --nat-b sym

TURN=203.0.113.10:3478
PEER=203.0.113.20
ip netns exec "$LAB-pub" turnutils_peer -L "$PEER" -p 3480 \
    >"$T/peer.log" 2>&1 &
EXTRA_PIDS+=($!)

# turnc NS [ARGS...]: tests/tools/turnc in namespace NS, its output in
# $T/turnc.out; 30 s at most.
turnc() {
	local ns=$1
	shift
	timeout 30 ip netns exec "$LAB-$ns" "$BUILD/turnc" "$@" \
	    >"$T/turnc.out" 2>&1
}

# the peer echoes from the start (UDP: nothing to wait on but a probe)
wait_for 5 ip netns exec "$LAB-a" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
s.sendto(b"x", ("203.0.113.20", 3480))
sys.exit(0 if s.recv(64) == b"x" else 1)' || fail "turnutils_peer does not echo"

# check_run WHAT NAT_PUBLIC: what turnc printed for a run through the NAT
# whose public address is NAT_PUBLIC.
check_run() {
	local out
	out=$(cat "$T/turnc.out")
	echo "$out" | sed 's/^/# /'
	echo "$out" | grep -Eq "^allocated 203\.0\.113\.10:[0-9]+ mapped $2:[0-9]+ lifetime [0-9]+$" ||
	    fail "$1: no allocation (relayed on 203.0.113.10, mapped on $2): $out"
	has "$T/turnc.out" "^permitted $PEER:3480$"
	has "$T/turnc.out" "^echoed 20/20 send$"
	echo "$out" | grep -Eq "^channel 0x4[0-9a-f]{3} $PEER:3480" ||
	    fail "$1: no channel bound: $out"
	has "$T/turnc.out" "^echoed 20/20 channel$"
	has "$T/turnc.out" "^released$"
}

turnc a "$TURN" lab labpass "$PEER:3480" 20 ||
    fail "UDP through NAT A: $(cat "$T/turnc.out")"
check_run "UDP through NAT A" 203.0.113.101
ok "UDP from behind an EIM NAT: allocate, permit, 20 by Send, 20 by ChannelData, release"

turnc b "$TURN" lab labpass "$PEER:3480" 20 ||
    fail "UDP through NAT B: $(cat "$T/turnc.out")"
check_run "UDP through NAT B" 203.0.113.102
ok "UDP from behind a symmetric NAT: the relay gets it through"

turnc b -t "$TURN" lab labpass "$PEER:3480" 20 ||
    fail "TCP through NAT B: $(cat "$T/turnc.out")"
check_run "TCP through NAT B" 203.0.113.102
ok "TCP to the server from behind a symmetric NAT: the same, framed"

! turnc a "$TURN" lab wrongpass "$PEER:3480" 2 ||
    fail "a wrong password got through: $(cat "$T/turnc.out")"
has "$T/turnc.out" "^failed 401 "
! grep -q "^allocated" "$T/turnc.out" || fail "allocated with a wrong password"
ok "a wrong password: 401, no allocation"

# No permission, no entry (RFC 8656 §9): while the client holds its
# allocation with only the peer permitted, a host the client did not
# permit (site B, through its NAT) sends to the relayed address; coturn
# drops it, and the echoes still all come back.
turnc a -w 2000 "$TURN" lab labpass "$PEER:3480" 20 &
tc=$!
wait_for 10 grep -q "^permitted" "$T/turnc.out" || fail "no allocation to probe"
relayed=$(sed -n 's/^allocated \([0-9.]*:[0-9]*\) .*/\1/p' "$T/turnc.out")
# send_to NS BIND_IP BIND_PORT WHAT: 5 datagrams WHAT to the relayed address
send_to() {
	ip netns exec "$LAB-$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
for _ in range(5):
    s.sendto(sys.argv[3].encode(), (sys.argv[4], int(sys.argv[5])))
' "$2" "$3" "$4" "${relayed%:*}" "${relayed#*:}" || fail "cannot send from $1"
}
send_to b 0.0.0.0 0 stranger
# the permitted peer's address, another port, does get in (permissions
# are by IP address alone, RFC 8656 §9): the probe can tell
send_to pub "$PEER" 3490 friend
wait "$tc" || fail "the run with a stranger: $(cat "$T/turnc.out")"
sed 's/^/# /' "$T/turnc.out"
has "$T/turnc.out" "^echoed 20/20 send$"
has "$T/turnc.out" "^data from $PEER:3490$"
! grep -q "^data from 203\.0\.113\.102" "$T/turnc.out" ||
    fail "a host with no permission got through the relay"
ok "a host with no permission does not reach the client through the relay; the permitted address does"
