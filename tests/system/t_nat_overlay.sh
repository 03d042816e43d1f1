#!/bin/bash
# Peers behind NATs join the overlay (issue 20, item 5), in the lab of
# scripts/netns-lab.sh: nobody can connect to a host behind a NAT.
#  - [nat] mode peer: once a daemon learns it is behind one (STUN: its
#    reflexive address is not its own) it makes its links itself (its
#    Attaches say role "active", RFC 6940 §6.5.1.1).  Three public peers
#    and one behind the EIM NAT form one ring; it leaves.
#  - [nat] mode auto (the default): a daemon behind a NAT joins as a
#    RELOAD client (§4.2.1): one behind the symmetric NAT and one behind
#    the EIM NAT, each through its gateway, the ring of the public peers
#    untouched; status says so and why; what the one stores the other
#    fetches, and its registration names the route [gateway, itself].
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
    -o nat.stun_listen=off -o nat.mode=peer -o "$BOOT" "${FAST[@]}"
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
NODE_NS=$LAB-a start_node c -o "overlay.listen=10.1.0.2:$(port c)" \
    -o nat.stun_listen=off -o "$BOOT" "${FAST[@]}"
wait_for 30 is_client b || fail "b: $(cat "$T/st.b")"
wait_for 30 is_client c || fail "c: $(cat "$T/st.c")"
ring_ok p q r || fail "p q r: $(ring_wrong p q r) wrong with clients"
pids="$(node_id p) $(node_id q)"
for n in b c; do
	st=$T/st.$n
	[ "$(jq -r .mode "$st")" = client ] || fail "$n mode: $(cat "$st")"
	jq -r .mode_why "$st" | grep -q "mode auto, behind a NAT" ||
	    fail "$n mode_why: $(jq -r .mode_why "$st")"
	case " $pids " in
	*" $(jq -r .gateway "$st") "*) ;;
	*) fail "$n gateway $(jq -r .gateway "$st") is not a bootstrap peer" ;;
	esac
	case $(jq -r .links "$st") in
	*"gateway only"*) ;;
	*) fail "$n links: $(jq -r .links "$st")" ;;
	esac
	has "$T/$n/log" "a client of"
done
for n in p q r; do
	run 0 ctl "$n" --json ring
	for m in b c; do
		json '.predecessors + .successors | .[]' | grep -qx "$(node_id $m)" &&
		    fail "$m, a client, is a neighbor of $n"
	done
done
ok "b (symmetric NAT) and c (EIM NAT) joined as clients through their gateways; the ring is the public peers'"

# (a new storing peer gets its values from its successor: a moment)
fetched() {
	ctl "$1" --json fetch turn-service "$2" >"$T/f" 2>&1 &&
	    jq -e --arg v "$3" '.values[] | select(.value == $v)' "$T/f" \
	    >/dev/null
}
wait_for 20 fetched b "$res" "from behind NAT A" || fail "b fetched: $(cat "$T/f")"
run 0 ctl c --json store turn-service "from client c"
res_c=$(json .resource_id)
wait_for 20 fetched b "$res_c" "from client c" || fail "b fetched c's: $(cat "$T/f")"
run 0 ctl c --json register carol
gw_c=$(jq -r .gateway "$T/st.c")
route_ok() {
	ctl b --json lookup carol >"$T/l" 2>&1 &&
	    jq -e --arg g "$gw_c" --arg c "$(node_id c)" \
	    '.bindings[] | select(.destination_list == [$g, $c])' "$T/l" \
	    >/dev/null
}
wait_for 20 route_ok || fail "carol's route: $(cat "$T/l")"
wait_for 20 ctl b lookup alice || fail "b cannot find alice"
ok "b fetched what a and c stored; carol's registration (from c) routes [gateway, c]"
