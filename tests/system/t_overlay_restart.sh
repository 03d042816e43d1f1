#!/bin/bash
# A restart of every host at once (issue 25): 30 daemons, each with the
# one before it in a chain as its only bootstrap peer, all started at the
# same moment in a random order, and again with random start delays.
# A daemon whose bootstrap peer is not up yet starts a ring alone and
# others join it, so several rings form; each peer keeps checking its
# bootstrap entry (§10.7.4.4) until that entry's ring is its own, and
# the rings merge: one correct ring within 30 s.
. "$(dirname "$0")/lib.sh"

N=30

# round PREFIX [MAX_DELAY_MS]: start PREFIX1..PREFIX$N at once (or each
# after a random delay up to MAX_DELAY_MS), PREFIXi bootstrapping through
# PREFIX(i-1) and PREFIX1 through itself; one correct ring in 30 s.
round() {
	local p=$1 max=${2:-0} names=() i t0 rings
	for i in $(seq $N); do names+=("$p$i"); done
	t0=$(now_ms)
	for i in $(shuf -i 1-$N); do
		if [ "$max" -gt 0 ]; then
			START_DELAY=$(printf '%d.%03d' $((RANDOM % max / 1000)) \
			    $((RANDOM % max % 1000)))
		else
			START_DELAY=
		fi
		START_DELAY=$START_DELAY START_NOWAIT=1 start_node "$p$i" \
		    -o "overlay.bootstrap=127.0.0.1:$(port "$p$(( i > 1 ? i - 1 : 1 ))")"
	done
	for i in $(seq $N); do
		wait_for 20 ctl "$p$i" status ||
		    fail "$p$i did not start: $(tail -n 5 "$T/$p$i/log")"
	done
	# how many founded a ring of their own (one is the chain's head)
	rings=$(grep -l 'overlay: state joining -> alone\|overlay: state init -> alone' \
	    "$T/$p"*/log | wc -l)
	wait_for 30 ring_ok "${names[@]}" ||
	    fail "$N daemons started at once: $(ring_wrong "${names[@]}") of" \
	    "$N not in one correct ring 30 s after the start ($rings rings founded)"
	ok "$N daemons started $( [ "$max" -gt 0 ] && echo "within $max ms" ||
	    echo "at once") through a chain: one ring $(( $(now_ms) - t0 )) ms" \
	    "from the first start ($rings daemons founded a ring)"
	echo "$rings" >"$T/founded.$p"
}

round a
round b 3000

# The scenario must make several rings, or it tests nothing.
[ $(( $(cat "$T/founded.a") + $(cat "$T/founded.b") )) -gt 2 ] ||
    fail "only $(cat "$T/founded.a") and $(cat "$T/founded.b") rings founded"

# Lookups across the merged ring reach the true owner.
ids=()
for i in $(seq $N); do ids+=("$(node_id "a$i")"); done
for from in a1 a15 a30; do
	for key in alice@example.org bob carol; do
		want=$(owner "$(resource_id "$key")" "${ids[@]}")
		run 0 ctl "$from" --json route "$key"
		[ "$(json .responsible)" = "$want" ] ||
		    fail "$from: $key answered by $(json .responsible), not $want"
	done
done
ok "lookups in the merged ring reach the responsible node"
