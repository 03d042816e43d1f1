#!/bin/bash
# scripts/bench/overlay.sh [N] [LOOKUPS] [IDLE_SECONDS] [SETTLE_SECONDS]
#
# Starts N real p2psipd daemons on loopback (default 50), all at once,
# each with the first three in its bootstrap list, and prints:
#   - the time from the last start until the ring is correct (every
#     node's first successor and predecessor are the true ones);
#   - overlay messages sent per node per minute with nothing asked of the
#     overlay: in the first minute after the ring is correct (fingers are
#     still being searched), and over IDLE_SECONDS (default 60) starting
#     SETTLE_SECONDS (default 120) after it (idle);
#   - lookup latency (median, p99) and hops of LOOKUPS routed lookups
#     (default 1000) from random nodes to random names, one at a time, as
#     each daemon measures it (p2psipctl route: request sent until the
#     answer is verified), and whether each was answered by the true
#     owner;
#   - idle CPU a daemon over those IDLE_SECONDS;
#   - memory per daemon: VmRSS (what ps shows; shared library pages
#     count in full for every daemon), its private (anonymous) part, and
#     PSS (shared pages divided among the processes mapping them).
# It never fails on a figure: it measures.  Needs the build (make).
# Environment: as for lib.sh (P2PSIPD_ARGS, e.g. "-o
# node.log_level=debug"; KEEP=1), and DEBUG=1 (show the nodes still wrong
# 5 s after the last start).
set -u

N=${1:-50}
LOOKUPS=${2:-1000}
IDLE=${3:-60}
SETTLE=${4:-120}
. "$(dirname "$0")/lib.sh"

echo "p2psipd overlay benchmark: N=$N daemons on loopback, $(nproc) cores"
t_first=$(now_ms)
start_daemons
t_last=$(now_ms)
deadline=$(( t_last + 120000 ))
shown=
while [ "$(ring_wrong)" != 0 ]; do
	if [ -n "${DEBUG:-}" ] && [ -z "$shown" ] &&
	    [ "$(now_ms)" -ge $(( t_last + 5000 )) ]; then
		echo "ring not correct 5 s after the last start; wrong:"
		ring_wrong show
		shown=1
	fi
	if [ "$(now_ms)" -ge "$deadline" ]; then
		echo "ring: NOT correct 120 s after the last start; wrong:"
		ring_wrong show
		exit 1
	fi
	sleep 0.1
done
t_ok=$(now_ms)
printf 'ring correct: %.2f s after the last start (%.2f s after the first; starting took %.2f s)\n' \
    "$(calc "($t_ok - $t_last) / 1000")" \
    "$(calc "($t_ok - $t_first) / 1000")" \
    "$(calc "($t_last - $t_first) / 1000")"

# Idle traffic: what the nodes send with nothing asked of them.
sent() {
	local i n s=0
	for i in $(seq "$N"); do
		n=$(ctl "$i" --json status | jq .ring.messages.sent)
		s=$((s + ${n:-0}))
	done
	echo "$s"
}
rate() {	# messages, ms -> per node per minute
	calc "$1 / $N / ($2 / 60000)"
}
s0=$(sent)
t0=$(now_ms)
sleep 60
s1=$(sent)
t1=$(now_ms)
printf 'traffic in the first minute after the ring is correct: %.1f messages per node per minute\n' \
    "$(rate $((s1 - s0)) $((t1 - t0)))"
[ "$SETTLE" -gt 60 ] && sleep $((SETTLE - 60))
s0=$(sent)
t0=$(now_ms)
cpu=$(cpu_over "$IDLE" "${PIDS[@]}")
s1=$(sent)
t1=$(now_ms)
printf 'idle traffic %d-%d s after: %.2f messages per node per minute (%d messages by %d nodes)\n' \
    "$SETTLE" "$((SETTLE + IDLE))" "$(rate $((s1 - s0)) $((t1 - t0)))" \
    "$((s1 - s0))" "$N"
set -- $cpu
printf 'idle CPU: %.3f%% of a core a node (over %.0f s)\n' \
    "$(calc "${@: -2:1} / $N * 100")" "${@: -1}"

# The true owner of each name: the first Node-ID at or after its
# Resource-ID (SHA-1, first 128 bits).
for i in $(seq "$N"); do ctl "$i" --json status | jq -r .node_id; done |
    sort >"$W/ids"
owner() {
	awk -v r="$1" 'NR == 1 { f = $0 } $0 >= r && !x { print; x = 1 }
	    END { if (!x) print f }' "$W/ids"
}

: >"$W/answers"
# Lookups one at a time over one control connection per node, as an
# application would issue them, with nothing spawned between them (bash
# builtins only): the answers are checked afterwards.
per=$(( (LOOKUPS + N - 1) / N ))
k=0
for i in $(shuf -i 1-"$N"); do
	[ "$k" -ge "$LOOKUPS" ] && break
	coproc CTL { socat - "UNIX-CONNECT:$W/n$i/ctl.sock"; }
	for j in $(seq "$per"); do
		[ "$k" -ge "$LOOKUPS" ] && break
		k=$((k + 1))
		printf '{"id":%d,"cmd":"route","args":{"name":"user%d@example.org"}}\n' \
		    "$k" "$k" >&"${CTL[1]}"
		read -r -t 10 out <&"${CTL[0]}" || out='{"id":'$k'}'
		printf '%s\n' "$out" >>"$W/answers"
	done
	exec {CTL[1]}>&-
	wait "$CTL_PID" 2>/dev/null
done
: >"$W/lookups"
bad=0 failed=0
while read -r out; do
	k=$(jq -r .id <<<"$out")
	if ! jq -e .result >/dev/null <<<"$out"; then
		failed=$((failed + 1))
		continue
	fi
	rid=$(printf 'user%d@example.org' "$k" | sha1sum | cut -c1-32)
	[ "$(jq -r .result.responsible <<<"$out")" = "$(owner "$rid")" ] ||
	    bad=$((bad + 1))
	jq -r '"\(.result.rtt_ms) \(.result.hops)"' <<<"$out" >>"$W/lookups"
done <"$W/answers"
sort -n "$W/lookups" | awk -v n="$LOOKUPS" -v bad="$bad" \
    -v failed="$failed" -v N="$N" '
    { rtt[NR] = $1; hops += $2 }
    END {
	m = NR
	med = (m % 2) ? rtt[(m + 1) / 2] : (rtt[m / 2] + rtt[m / 2 + 1]) / 2
	p99 = rtt[int(0.99 * m + 0.999)]
	printf "lookups: %d/%d answered by the responsible node, %d by another, %d unanswered\n", m - bad, n, bad, failed
	printf "lookup latency: median %.3f ms, p99 %.3f ms\n", med, p99
	printf "hops: mean %.2f (1/2 log2 N = %.2f)\n", hops / m, 0.5 * log(N) / log(2)
    }'

# Memory, once the lookups have run.
rss=0 anon=0 pss=0 max=0
for p in "${PIDS[@]}"; do
	r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
	a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$p/status")
	s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")
	rss=$((rss + r)) anon=$((anon + a)) pss=$((pss + s))
	[ "$r" -gt "$max" ] && max=$r
done
printf 'memory per daemon: VmRSS mean %.1f MB (max %.1f MB), of which private (anonymous) %.1f MB; PSS %.1f MB\n' \
    "$(calc "$rss / $N / 1024")" "$(calc "$max / 1024")" \
    "$(calc "$anon / $N / 1024")" "$(calc "$pss / $N / 1024")"

