#!/bin/bash
# Twenty real daemons on loopback (half with finger_density 4 and pns)
# form a correct Chord-reload ring from a bootstrap list; lookups reach the responsible node, recursively and
# iteratively; after 5 are killed with SIGKILL the ring is correct again;
# 3 more leave gracefully (p2psipctl leave, SIGTERM, p2psipctl shutdown)
# and the ring closes around them.  The location cache: a key asked for
# again and again goes straight to its node.
. "$(dirname "$0")/lib.sh"

N=20
NAMES=()
for i in $(seq $N); do NAMES+=("n$i"); done
BOOT="127.0.0.1:$(port n1),127.0.0.1:$(port n2),127.0.0.1:$(port n3)"

t0=$(now_ms)
# every other daemon with 4 finger slots an octave and proximity
# neighbour selection: the routing choices are each node's own
for name in "${NAMES[@]}"; do
	case ${name#n} in
	*[02468]) start_node "$name" -o "overlay.bootstrap=$BOOT" \
	    -o overlay.finger_density=4 -o overlay.pns=yes ;;
	*) start_node "$name" -o "overlay.bootstrap=$BOOT" ;;
	esac
done
wait_for 90 ring_ok "${NAMES[@]}" ||
    fail "ring of $N not right: $(ring_wrong "${NAMES[@]}") wrong"
ok "$N daemons form a correct ring ($(( $(now_ms) - t0 )) ms from the first start)"

# Every node has a Node-ID bound to its own key, all different.
ids=()
for name in "${NAMES[@]}"; do ids+=("$(node_id "$name")"); done
[ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = $N ] ||
    fail "Node-IDs are not unique"

# Lookups from several nodes reach the true owner, both ways, and the
# path ends there.
for from in n1 n7 n13 n20; do
	for key in alice@example.org bob@example.org carol dave erin; do
		want=$(owner "$(resource_id "$key")" "${ids[@]}")
		run 0 ctl "$from" --json route "$key"
		[ "$(json .resource_id)" = "$(resource_id "$key")" ] ||
		    fail "resource_id of $key"
		[ "$(json .responsible)" = "$want" ] ||
		    fail "$from: $key answered by $(json .responsible), not $want"
		[ "$(json '.path[-1] // .responsible')" = "$want" ] ||
		    fail "$from: path of $key does not end at $want"
		run 0 ctl "$from" --json route --iterative "$key"
		[ "$(json .responsible)" = "$want" ] ||
		    fail "$from: iterative $key found $(json .responsible)"
	done
done
ok "lookups reach the responsible node (recursive and iterative)"

# A Probe to a Node-ID is answered by that node.
run 0 ctl n2 --json probe "${ids[9]}"
[ "$(json .responsible)" = "${ids[9]}" ] || fail "probe answered by another"
[ "$(json '.uptime >= 0 and .responsible_ppb > 0')" = true ] ||
    fail "probe answers"
run 0 ctl n2 peers
has "$T/out" '^node_id +address +direction +age +state'
ok "probe and peers"

# The location cache ([overlay] location_cache, on by default): n20 has
# asked for each key once; the second answer links it to the key's node,
# and from then on the lookup takes one hop, answered by the same node.
one_hop() {	# FROM KEY WANT
	ctl "$1" --json route "$2" >"$T/out" 2>/dev/null &&
	    [ "$(jq -r .hops "$T/out")" = 1 ] &&
	    [ "$(jq -r .responsible "$T/out")" = "$3" ]
}
cached=0
for key in alice@example.org bob@example.org carol dave erin; do
	want=$(owner "$(resource_id "$key")" "${ids[@]}")
	[ "$want" != "${ids[19]}" ] || continue	# n20's own: no hop
	run 0 ctl n20 --json route "$key"
	[ "$(json .responsible)" = "$want" ] || fail "n20: $key again"
	wait_for 10 one_hop n20 "$key" "$want" ||
	    fail "n20: $key not in one hop: $(cat "$T/out")"
	cached=$((cached + 1))
done
[ "$cached" -ge 2 ] || fail "only $cached keys not n20's own"
run 0 ctl n20 --json status
[ "$(json ".ring.location_cache.hits >= $cached")" = true ] ||
    fail "location cache hits: $(json .ring.location_cache)"
ok "the location cache takes a key asked for again in one hop"

# SIGKILL five, one of them a bootstrap node: the ring repairs.
for name in n2 n6 n10 n14 n18; do
	kill -9 "${NODE_PID[$name]}"
	wait "${NODE_PID[$name]}" 2>/dev/null
	unset "NODE_PID[$name]"
done
LIVE=()
for name in "${NAMES[@]}"; do
	[ -n "${NODE_PID[$name]:-}" ] && LIVE+=("$name")
done
t0=$(now_ms)
wait_for 90 ring_ok "${LIVE[@]}" ||
    fail "ring not repaired after SIGKILL: $(ring_wrong "${LIVE[@]}") wrong"
ok "ring of ${#LIVE[@]} right again $(( $(now_ms) - t0 )) ms after 5 SIGKILLs"

# Three leave gracefully, three ways.
run 0 ctl n3 leave
has "$T/out" '^state +alone$'
run 0 ctl n3 --json ring
[ "$(json '.successors | length')" = 0 ] || fail "n3 still has successors"
stop_node n7				# SIGTERM
run 0 ctl n11 shutdown
wait_exit "${NODE_PID[n11]}" 10
unset "NODE_PID[n11]"
[ "$EXIT_RC" -eq 0 ] || fail "n11 exit $EXIT_RC"
for name in n3 n7 n11; do
	has "$T/$name/log" 'overlay: left'
done
LIVE2=()
for name in "${LIVE[@]}"; do
	case $name in n3|n7|n11) ;; *) LIVE2+=("$name") ;; esac
done
t0=$(now_ms)
wait_for 60 ring_ok "${LIVE2[@]}" ||
    fail "ring not right after 3 leaves: $(ring_wrong "${LIVE2[@]}") wrong"
ok "ring of ${#LIVE2[@]} right $(( $(now_ms) - t0 )) ms after 3 graceful leaves"

# n3 is still up, alone, and joins again.
run 0 ctl n3 join
wait_for 60 ring_ok n3 "${LIVE2[@]}" || fail "n3 did not join again"
ok "a node that left joins again"
