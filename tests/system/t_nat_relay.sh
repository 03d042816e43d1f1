#!/bin/bash
# Relay agent peers (RFC 6940 §9) in the lab of scripts/netns-lab.sh.
# Public peers offer TURN servers ([nat] relay): p the lab's coturn, q a
# server that refuses every allocation (486).  They advertise them as
# TURN-SERVICE values at H(Node-ID || d), d = 1..turn_density.  Peers
# behind the NATs, with the overlay's relay credentials, find relays by
# Find and Fetch, skip the one that refuses, and allocate on coturn:
# `p2psipctl relays` lists what was found, `nat` shows the relayed
# address.  Behind the symmetric NAT this happens by itself, once the
# daemon has learned it is behind a NAT.  A peer without credentials uses
# no relay; the password is never shown.
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

NODE_NS=$LAB-a start_node a -o "overlay.listen=10.1.0.2:$(port a)" \
    -o nat.stun_listen=off -o "overlay.bootstrap=203.0.113.21:$(port q)" \
    "${CRED[@]}"
run 0 ctl a --json relays
[ "$(json .used)" = true ] || fail "a uses no relays: $(cat "$T/out")"
jq -e '.advertised == null' "$T/out" >/dev/null ||
    fail "a advertises: $(cat "$T/out")"

# relays_are NAME JQ: `relays` of NAME, until JQ holds (20 s).
relays_are() {
	ctl "$1" --json relays >"$T/rel" 2>&1 && jq -e "$2" "$T/rel" >/dev/null
}
# search NAME: search until both relays are found (10 tries).
search() {
	local i
	for i in $(seq 10); do
		run 0 ctl "$1" --json relays --search
		[ "$(json '.relays | length')" -ge "${2:-1}" ] && return 0
		sleep 1
	done
	fail "$1 found $(json '.relays | length') relays, not ${2:-1}: $(cat "$T/out")"
}
search a 1
wait_for 20 relays_are a '.relays[0].state == "refused"' ||
    fail "a: the refusing relay is not refused: $(cat "$T/rel")"
jq -e '.relays[0].address == "203.0.113.21:3479" and .relays[0].code == 486
    and .relayed == null' "$T/rel" >/dev/null ||
    fail "a: $(cat "$T/rel")"
ok "a found q's relay by Find and Fetch; it refused (486): no allocation"

# p offers coturn; a searches again and moves on to it
NODE_NS=$LAB-pub start_node p -o "overlay.listen=203.0.113.20:$(port p)" \
    -o nat.stun_listen=203.0.113.20 -o nat.relay=203.0.113.10:3478 \
    -o "overlay.bootstrap=203.0.113.21:$(port q)" "${PUB[@]}"
wait_for 20 advertised p || fail "p did not advertise: $(cat "$T/adv")"
search a 2
wait_for 30 relays_are a '.relayed != null' ||
    fail "a: no allocation: $(cat "$T/rel")"
sed 's/^/# /' "$T/rel"
jq -e '[.relays[] | select(.address == "203.0.113.21:3479")][0] |
    .state == "refused"' "$T/rel" >/dev/null || fail "a: q's relay not refused"
jq -e --arg p "$(node_id p)" '[.relays[] | select(.address ==
    "203.0.113.10:3478")][0] | .state == "allocated" and .node == $p and
    (.mapped | startswith("203.0.113.101:"))' "$T/rel" >/dev/null ||
    fail "a: coturn's entry: $(cat "$T/rel")"
case $(jq -r .relayed "$T/rel") in
203.0.113.10:*) ;;
*) fail "a: relayed $(jq -r .relayed "$T/rel")" ;;
esac
run 0 ctl a --json nat
[ "$(json .relayed)" = "$(jq -r .relayed "$T/rel")" ] ||
    fail "nat shows relayed $(json .relayed)"
ok "a skipped the refusing relay and allocated on p's coturn: $(json .relayed)"

# Behind the symmetric NAT: no command; discovery says NAT, it searches
NODE_NS=$LAB-b start_node b -o "overlay.listen=10.2.0.2:$(port b)" \
    -o nat.stun_listen=off -o "overlay.bootstrap=203.0.113.20:$(port p)" \
    "${CRED[@]}"
wait_for 90 relays_are b '.relayed != null' ||
    fail "b: no allocation by itself: $(cat "$T/rel")"
run 0 ctl b --json nat
echo "# b: reflexive $(json .reflexive) mapping $(json .mapping) relayed $(json .relayed)"
case $(json .relayed) in
203.0.113.10:*) ;;
*) fail "b: relayed $(json .relayed)" ;;
esac
ok "b, behind a symmetric NAT, found a relay and allocated by itself"

# no credentials: no relays used, --search says why
NODE_NS=$LAB-a start_node c -o "overlay.listen=10.1.0.2:$(port c)" \
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
