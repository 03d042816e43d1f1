#!/bin/bash
# A peer behind a NAT joins the overlay (issue 20, item 5, first part),
# in the lab of scripts/netns-lab.sh: nobody can connect to a host behind
# a NAT, so once a daemon learns it is behind one (STUN: its reflexive
# address is not its own) it makes its links itself: its Attaches say
# role "active" (RFC 6940 §6.5.1.1) and it connects to the answerer.
# Three public peers and one behind the EIM NAT form one ring; it leaves
# and one behind the symmetric NAT joins; status says how each links;
# what the one stores the other fetches.  (Two peers behind NATs next to
# each other on the ring cannot link: that needs client mode or ICE.)
. "$(dirname "$0")/lib.sh"

lab_up --nat-a eim --nat-b sym --no-turn
for ip in 21 22; do
	ip -n "$LAB-pub" addr add 203.0.113.$ip/24 dev eth0 ||
	    fail "cannot add 203.0.113.$ip"
done
BOOT="overlay.bootstrap=203.0.113.20:$(port p),203.0.113.21:$(port q)"
FAST=(-o overlay.probe_interval=2)
NODE_NS=$LAB-pub start_node p -o "overlay.listen=203.0.113.20:$(port p)" \
    -o nat.stun_listen=203.0.113.20 "${FAST[@]}"
NODE_NS=$LAB-pub start_node q -o "overlay.listen=203.0.113.21:$(port q)" \
    -o nat.stun_listen=203.0.113.21 -o "$BOOT" "${FAST[@]}"
NODE_NS=$LAB-pub start_node r -o "overlay.listen=203.0.113.22:$(port r)" \
    -o nat.stun_listen=203.0.113.22 -o "$BOOT" "${FAST[@]}"
wait_for 30 ring_ok p q r || fail "p q r: $(ring_wrong p q r) wrong"

NODE_NS=$LAB-a start_node a -o "overlay.listen=10.1.0.2:$(port a)" \
    -o nat.stun_listen=off -o "$BOOT" "${FAST[@]}"
wait_for 60 ring_ok p q r a || fail "with a: $(ring_wrong p q r a) wrong"
run 0 ctl a --json status
case $(json .links) in
outbound*) ;;
*) fail "a links: $(json .links)" ;;
esac
run 0 ctl p --json status
[ "$(json .links)" = "inbound and outbound" ] || fail "p links: $(json .links)"
has "$T/a/log" "behind a NAT: this node makes its links itself"
ok "a, behind an EIM NAT, joined: it made its links itself; p takes links"

run 0 ctl a --json store turn-service "from behind NAT A"
res=$(json .resource_id)
run 0 ctl a --json register alice
run 0 ctl a leave
wait_for 30 ring_ok p q r || fail "after a left: $(ring_wrong p q r) wrong"

NODE_NS=$LAB-b start_node b -o "overlay.listen=10.2.0.2:$(port b)" \
    -o nat.stun_listen=off -o "$BOOT" "${FAST[@]}"
wait_for 60 ring_ok p q r b || fail "with b: $(ring_wrong p q r b) wrong"
# (a new storing peer gets its values from its successor: a moment)
fetched() {
	ctl b --json fetch turn-service "$res" >"$T/f" 2>&1 &&
	    jq -e '.values[0].value == "from behind NAT A"' "$T/f" >/dev/null
}
wait_for 20 fetched || fail "b fetched: $(cat "$T/f")"
wait_for 20 ctl b lookup alice || fail "b cannot find alice"
ok "b, behind a symmetric NAT, joined; it fetched what a stored and found alice"
