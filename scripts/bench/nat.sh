#!/bin/bash
# scripts/bench/nat.sh [CALLS] [SECONDS]
#
# The NAT benchmark of issue 20, in a lab of scripts/netns-lab.sh (root):
# two public peers p and q (p offers the lab's coturn as a relay), and
# daemons behind NAT A and NAT B, each a RELOAD client through its
# gateway.  Behind NAT A: a (alice's UA, ICE) and c (carol's, no ICE);
# behind NAT B: b (bob's, ICE, with the overlay's relay credentials) and
# d (dave's, no ICE).
#
#   1. both NATs endpoint-independent: CALLS calls alice -> bob one after
#      another (a server-reflexive pair), and CALLS carol -> dave without
#      ICE: the time from placing a call to its media session starting
#      (caller's log), median, p90, min, max; what ICE adds is the
#      difference of the medians (target: 100 ms at most);
#   2. NAT B symmetric: CALLS calls alice -> bob (a relayed pair through
#      the relay b found in the overlay), the same figure;
#   3. CALLS relayed calls at once for SECONDS (default 20): the CPU a and
#      b used (from /proc, user + system, in cores; target: under half a
#      core together), packets sent, received and lost.
#
# It never fails on a figure: it measures.  It tears the lab down and
# stops every daemon it started.  Needs the build (make), root, and the
# lab's tools (ip, nft, conntrack, coturn's turnserver).
# Environment: BUILD, P2PSIPD_ARGS (more daemon options), KEEP=1 (keep
# the logs).
set -u
N=4
. "$(dirname "$0")/lib.sh"
CALLS=${1:-50}
SECS=${2:-20}
NAME=nat.sh LAB_TAG=p2b
. "$(dirname "$0")/lab.sh"
"$BUILD/tone" gen "$W/tone.wav" 440 $((SECS + 10)) || exit 1
RELAY=(-o nat.relay_user=lab -o nat.relay_password=labpass)
lab_bench_up --nat-a eim --nat-b eim
natted() {
	local name=$1 ns=$2 ip=$3 k=$4 aor=$5 ice=$6
	shift 6
	node "$name" "$ns" "$ip" "$k" -o nat.stun_listen=off -o "$BOOT" \
	    -o "ua.aor=$aor" -o ua.answer=auto -o "media.ice=$ice" "$@"
}

node p pub 203.0.113.20 0 -o nat.stun_listen=203.0.113.20 \
    -o nat.relay=203.0.113.10:3478
node q pub 203.0.113.21 1 -o nat.stun_listen=203.0.113.21 -o "$BOOT"
sleep 2
natted a a 10.1.0.2 2 alice yes
natted c a 10.1.0.2 3 carol no
natted b b 10.2.0.2 4 bob yes "${RELAY[@]}"
natted d b 10.2.0.2 5 dave no
for n in a b c d; do
	await 30 client "$n" || { echo "$n is not a client" >&2; exit 1; }
done
await 30 nctl a lookup bob && await 30 nctl c lookup dave ||
    { echo "bob or dave is not in the overlay" >&2; exit 1; }

# calls FROM TARGET: CALLS calls one after another; prints the setup
# times in ms (placed -> media session), one a line, from FROM's log.
calls() {
	local from=$1 k id skip
	skip=$(wc -l <"$W/$from/log")
	: >"$W/$from/types"
	for k in $(seq "$CALLS"); do
		id=$(nctl "$from" --json call "$2" --duration 1 | jq -r .call)
		ended() {
			nctl "$from" --json calls | jq -e --argjson id "$id" \
			    '.calls[] | select(.id == $id) | .state == "ended"'
		}
		await 15 ended
		nctl "$from" --json calls | jq -r --argjson id "$id" \
		    '.calls[] | select(.id == $id) |
		    "\(.ice.local_type // "-")-\(.ice.remote_type // "-")"' \
		    >>"$W/$from/types"
	done
	setup_ms "$W/$from/log" "$skip"
}

median() { sed -n 's/^median \([0-9.]*\) ms.*/\1/p'; }
pairs() { sort "$W/$1/types" | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }'; }

echo "nat.sh: $(date -u +%F), $(nproc) cores, the NAT lab (veth, no added delay)"
echo "== 1. two EIM NATs: placed -> media session, $CALLS calls each"
direct=$(calls a bob | stats)
echo "  with ICE:    $direct; pairs: $(pairs a)"
plain=$(calls c dave | stats)
echo "  without ICE: $plain"
echo "  ICE adds $(calc "$(echo "$direct" | median) - $(echo "$plain" | median)") ms (target: 100 at most)"

echo "== 2. NAT B symmetric: a relayed pair"
kill "${PID[b]}" 2>/dev/null
wait "${PID[b]}" 2>/dev/null
lab nat b sym >/dev/null
rm -f "$W/b/ctl.sock"
natted b b 10.2.0.2 4 bob yes "${RELAY[@]}"
await 30 client b || { echo "b is not a client" >&2; exit 1; }
relayed() { nctl b --json relays | jq -e '.relayed != null'; }
await 60 relayed || { echo "b found no relay" >&2; exit 1; }
await 30 nctl a lookup bob || { echo "bob is gone" >&2; exit 1; }
sleep 2
echo "  with ICE:    $(calls a bob | stats); pairs: $(pairs a)"

echo "== 3. $CALLS relayed calls at once for $SECS s"
active() {
	nctl "$1" --json calls 2>/dev/null |
	    jq '[.calls[] | select(.state == "active")] | length'
}
declare -A FIRST
for n in a b; do
	FIRST[$n]=$(nctl "$n" --json calls | jq '[.calls[].id] | max // 0')
done
for k in $(seq "$CALLS"); do
	nctl a call bob --play "$W/tone.wav" --duration $((SECS + 5)) \
	    >/dev/null || echo "  call $k not placed"
done
end=$(( $(now_ms) + 30000 ))
until [ "$(active a)" -ge "$CALLS" ] && [ "$(active b)" -ge "$CALLS" ]; do
	[ "$(now_ms)" -lt "$end" ] || break
	sleep 0.2
done
up=$(active a)
sleep 1
set -- $(cpu_over "$SECS" "${PID[a]}" "${PID[b]}")
# the rows as they end (an ended call is forgotten after a while): the
# last of each call
snap() { for n in a b; do nctl "$n" --json calls >>"$W/$n/rows"; done; }
snap
end=$(( $(now_ms) + 30000 ))
until [ "$(active a)" = 0 ] && [ "$(active b)" = 0 ]; do
	[ "$(now_ms)" -lt "$end" ] || break
	snap
	sleep 1
done
snap
echo "  $up of $CALLS calls up at once, measured for $4 s"
printf "  CPU: a %.3f cores, b %.3f, together %.3f (target < 0.5)\n" "$1" "$2" "$3"
for n in a b; do
	jq -s -r --arg who "$n" --argjson secs "$SECS" \
	    --argjson first "${FIRST[$n]}" '
	    [.[].calls[] | select(.id > $first)] | group_by(.id) | map(.[-1]) |
	    map(select(.status == 200 and .duration > $secs / 2)) as $c |
	    "  \($who) (\($c | length) calls; pairs \([$c[] | "\(.ice.local_type)-\(.ice.remote_type)"] | group_by(.) | map("\(.[0]) x\(length)") | join(", "))): sent \([$c[].sent] | add // 0), received \([$c[].received] | add // 0), lost \([$c[].lost] | add // 0)"' "$W/$n/rows"
	jq -s -r --argjson secs "$SECS" --argjson first "${FIRST[$n]}" '
	    [.[].calls[] | select(.id > $first)] | group_by(.id) |
	    map(.[-1]) | map(select(.duration <= $secs / 2)) |
	    .[] | "    call \(.id) ended early after \(.duration) s: \(.status) \(.reason)"' \
	    "$W/$n/rows" | head -5
done
