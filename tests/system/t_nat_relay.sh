#!/bin/bash
# Relay agent peers (RFC 6940 §9) in the lab of scripts/netns-lab.sh.
# Public peers offer TURN servers ([nat] relay): q a server that refuses
# every allocation (486), then p the lab's coturn.  They advertise them as
# TURN-SERVICE values at H(Node-ID || d), d = 1..turn_density.  A peer
# behind NAT A with the overlay's relay credentials learns it is behind a
# NAT and, by itself, finds relays by Find and Fetch: q's first, which
# refuses; once p offers coturn, its next search finds that and it
# allocates there.  `p2psipctl relays` lists what was found, `nat` shows
# the relayed address.  A peer without credentials uses no relay; the
# password is never shown.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
lab_up --nat-a eim --nat-b sym
ip -n "$LAB-pub" addr add 203.0.113.21/24 dev eth0 ||
    fail "cannot add 203.0.113.21"

# A TURN server that refuses: every request gets 486 Allocation Quota
# Reached (RFC 8656 §6.2), signed or not, at 203.0.113.21:3479.
ip netns exec "$LAB-pub" /usr/bin/python3 - >"$T/refuser.log" 2>&1 <<'EOF' &
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.21", 3479))
s.settimeout(1)
end = time.time() + 400
n = 0
while time.time() < end:
    try:
        m, src = s.recvfrom(2048)
    except socket.timeout:
        continue
    if len(m) < 20 or m[0] & 0xc0:
        continue
    t, _, magic = struct.unpack("!HHI", m[:8])
    if t & 0x0110 != 0:		# requests only
        continue
    reason = b"Allocation Quota Reached"
    err = struct.pack("!HBB", 0, 4, 86) + reason
    attr = struct.pack("!HH", 0x0009, len(err)) + err
    attr += b"\0" * (-len(err) % 4)
    etype = (t & ~0x0110) | 0x0110
    s.sendto(struct.pack("!HHI", etype, len(attr), magic) + m[8:20] + attr,
             src)
    n += 1
    print("refused", n, flush=True)
EOF
EXTRA_PIDS+=($!)

CRED=(-o nat.relay_user=lab -o nat.relay_password=labpass)
PUB=(-o overlay.probe_interval=2 -o nat.turn_density=5)

# q first: the refusing relay is all there is
NODE_NS=$LAB-pub start_node q -o "overlay.listen=203.0.113.21:$(port q)" \
    -o nat.stun_listen=203.0.113.21 -o nat.relay=203.0.113.21:3479 "${PUB[@]}"
advertised() {
	ctl "$1" --json relays >"$T/adv" 2>&1 &&
	    [ "$(jq -r .advertised.stored "$T/adv")" = 5 ]
}
wait_for 20 advertised q || fail "q did not advertise: $(cat "$T/adv")"
ok "q advertises 203.0.113.21:3479 at 5 Resource-IDs"

# relays_are NAME JQ: `relays` of NAME shows what JQ asks.
relays_are() {
	ctl "$1" --json relays >"$T/rel" 2>&1 && jq -e "$2" "$T/rel" >/dev/null
}

# a, behind NAT A, no command: it finds q's relay and is refused
NODE_NS=$LAB-a start_node a -o "overlay.listen=10.1.0.2:$(port a)" \
    -o nat.stun_listen=off -o "overlay.bootstrap=203.0.113.21:$(port q)" \
    "${CRED[@]}"
wait_for 60 relays_are a '.relays[0].state == "refused"' ||
    fail "a: no refused relay: $(cat "$T/rel")"
jq -e --arg q "$(node_id q)" '.used and .advertised == null and
    .relayed == null and .relays[0].address == "203.0.113.21:3479" and
    .relays[0].code == 486 and .relays[0].node == $q' "$T/rel" >/dev/null ||
    fail "a: $(cat "$T/rel")"
run 0 ctl a --json nat
case $(json .reflexive) in
203.0.113.101:*) ;;
*) fail "a's reflexive address: $(json .reflexive)" ;;
esac
ok "a, behind a NAT, found q's relay by itself (Find, Fetch); it refused (486)"

# p offers coturn; a's next search (every 30 s without an allocation)
# finds it, and a allocates there
NODE_NS=$LAB-pub start_node p -o "overlay.listen=203.0.113.20:$(port p)" \
    -o nat.stun_listen=203.0.113.20 -o nat.relay=203.0.113.10:3478 \
    -o "overlay.bootstrap=203.0.113.21:$(port q)" "${PUB[@]}"
wait_for 20 advertised p || fail "p did not advertise: $(cat "$T/adv")"
wait_for 90 relays_are a '.relayed != null' ||
    fail "a: no allocation: $(cat "$T/rel")"
sed 's/^/# /' "$T/rel"
jq -e '[.relays[] | select(.address == "203.0.113.21:3479")][0] |
    .state == "refused"' "$T/rel" >/dev/null || fail "a: q's relay not refused"
jq -e --arg p "$(node_id p)" '[.relays[] | select(.address ==
    "203.0.113.10:3478")][0] | .state == "allocated" and .node == $p and
    (.mapped | startswith("203.0.113.101:"))' "$T/rel" >/dev/null ||
    fail "a: coturn's entry: $(cat "$T/rel")"
relayed=$(jq -r .relayed "$T/rel")
case $relayed in
203.0.113.10:*) ;;
*) fail "a: relayed $relayed" ;;
esac
run 0 ctl a --json nat
[ "$(json .relayed)" = "$relayed" ] || fail "nat shows relayed $(json .relayed)"
ok "a skipped the refusing relay and allocated on p's coturn: $relayed"

# a search on demand: the same relays, the allocation kept
run 0 ctl a --json relays --search
jq -e --arg r "$relayed" '.finds >= 1 and .finds <= 8 and .relayed == $r' \
    "$T/out" >/dev/null || fail "a: relays --search: $(cat "$T/out")"
ok "relays --search: $(json .found) found in $(json .finds) Finds; the allocation stays"

# no credentials: no relays used, --search says why
ip -n "$LAB-pub" addr add 203.0.113.22/24 dev eth0 ||
    fail "cannot add 203.0.113.22"
NODE_NS=$LAB-pub start_node c -o "overlay.listen=203.0.113.22:$(port c)" \
    -o nat.stun_listen=off -o "overlay.bootstrap=203.0.113.20:$(port p)"
run 1 ctl c relays --search
has "$T/err" "relay_user and relay_password"
run 0 ctl c --json relays
jq -e '.used == false and (.relays | length) == 0' "$T/out" >/dev/null ||
    fail "c: $(cat "$T/out")"
ok "without relay credentials a peer uses no relays"

# the password stays out of what the daemon prints
! grep -q labpass "$T"/*/log || fail "a log shows the password"
"$P2PSIPD" -o nat.relay_user=lab -o nat.relay_password=labpass \
    --check-config -v >"$T/cfg" 2>&1 || fail "check-config: $(cat "$T/cfg")"
grep -q "^relay_password = (secret)$" "$T/cfg" && ! grep -q labpass "$T/cfg" ||
    fail "check-config -v shows: $(grep relay_password "$T/cfg")"
ok "the relay password is never shown"
