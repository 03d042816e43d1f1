#!/bin/bash
# scripts/bench/overlay.sh [N] [LOOKUPS] [IDLE_SECONDS]
#
# Starts N real p2psipd daemons on loopback (default 50), each joining
# through the first three, and prints:
#   - the time from the last start until the ring is correct (every
#     node's first successor and predecessor are the true ones);
#   - lookup latency (median, p99) and hops of LOOKUPS routed lookups
#     (default 1000) from random nodes to random names, as each daemon
#     measures it (p2psipctl route: request sent to answer verified), and
#     whether each was answered by the true owner;
#   - memory per daemon: VmRSS (what ps shows; shared library pages
#     count in full for every daemon), its private (anonymous) part, and
#     PSS (shared pages divided among the processes mapping them);
#   - overlay messages sent per node per idle minute, over IDLE_SECONDS
#     (default 60) with nothing asked of the overlay.
# It never fails on a figure: it measures.  Needs the build (make).
set -u

N=${1:-50}
LOOKUPS=${2:-1000}
IDLE=${3:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
D=$BUILD/p2psipd
C=$BUILD/p2psipctl
[ -x "$D" ] && [ -x "$C" ] || { echo "build first: make" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/p2psipd-bench.XXXXXX")
BASE=$(( 31000 + ($$ % 50) * 100 ))
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
calc() { awk "BEGIN { print $1 }"; }
ctl() { local i=$1; shift; "$C" -s "$W/n$i/ctl.sock" "$@"; }

ring_wrong() {
	local i
	for i in $(seq "$N"); do
		"$C" -t 5 -s "$W/n$i/ctl.sock" --json ring 2>/dev/null ||
		    { echo all; return; }
	done | jq -rs '
	    (map(.self) | sort) as $ids | ($ids | length) as $n |
	    ($ids | to_entries | map({(.value): .key}) | add) as $pos |
	    [ .[] | select(.state != "joined" or
		.successors[0] != $ids[($pos[.self] + 1) % $n] or
		.predecessors[0] != $ids[($pos[.self] + $n - 1) % $n]) ] |
	    length'
}

echo "p2psipd overlay benchmark: N=$N daemons on loopback, $(nproc) cores"
BOOT="127.0.0.1:$BASE,127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2))"
t_first=$(now_ms)
for i in $(seq "$N"); do
	mkdir -p "$W/n$i"
	"$D" -f -o "node.data_dir=$W/n$i/data" \
	    -o "node.control_socket=$W/n$i/ctl.sock" \
	    -o "overlay.listen=127.0.0.1:$((BASE + i - 1))" \
	    -o "overlay.bootstrap=$BOOT" -o node.log_level=warn \
	    2>"$W/n$i/log" &
	PIDS+=($!)
done
t_last=$(now_ms)
deadline=$(( t_last + 120000 ))
while [ "$(ring_wrong)" != 0 ]; do
	if [ "$(now_ms)" -ge "$deadline" ]; then
		echo "ring: NOT correct 120 s after the last start" \
		    "($(ring_wrong) nodes wrong)"
		exit 1
	fi
	sleep 0.1
done
t_ok=$(now_ms)
printf 'ring correct: %.2f s after the last start (%.2f s after the first; starting took %.2f s)\n' \
    "$(calc "($t_ok - $t_last) / 1000")" \
    "$(calc "($t_ok - $t_first) / 1000")" \
    "$(calc "($t_last - $t_first) / 1000")"

# The true owner of each name: the first Node-ID at or after its
# Resource-ID (SHA-1, first 128 bits).
for i in $(seq "$N"); do ctl "$i" --json status | jq -r .node_id; done |
    sort >"$W/ids"
owner() {
	awk -v r="$1" 'NR == 1 { f = $0 } $0 >= r && !x { print; x = 1 }
	    END { if (!x) print f }' "$W/ids"
}

: >"$W/lookups"
bad=0 failed=0
# Lookups one at a time over one control connection per node, as an
# application would issue them: 20 from each node in turn.
per=$(( (LOOKUPS + N - 1) / N ))
k=0
for i in $(shuf -i 1-"$N"); do
	[ "$k" -ge "$LOOKUPS" ] && break
	coproc CTL { socat - "UNIX-CONNECT:$W/n$i/ctl.sock"; }
	for j in $(seq "$per"); do
		[ "$k" -ge "$LOOKUPS" ] && break
		k=$((k + 1))
		name="user$k.$RANDOM@example.org"
		printf '{"id":%d,"cmd":"route","args":{"name":"%s"}}\n' \
		    "$k" "$name" >&"${CTL[1]}"
		if ! read -r -t 10 out <&"${CTL[0]}" ||
		    ! jq -e .result >/dev/null <<<"$out"; then
			failed=$((failed + 1))
			continue
		fi
		rid=$(printf %s "$name" | sha1sum | cut -c1-32)
		[ "$(jq -r .result.responsible <<<"$out")" = "$(owner "$rid")" ] ||
		    bad=$((bad + 1))
		jq -r '"\(.result.rtt_ms) \(.result.hops)"' <<<"$out" \
		    >>"$W/lookups"
	done
	exec {CTL[1]}>&-
	wait "$CTL_PID" 2>/dev/null
done
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

# Idle traffic: what the nodes send with nothing asked of them.
sent() {
	local i s=0
	for i in $(seq "$N"); do
		s=$((s + $(ctl "$i" --json status | jq .ring.messages.sent)))
	done
	echo "$s"
}
sleep 2
s0=$(sent)
t0=$(now_ms)
sleep "$IDLE"
s1=$(sent)
t1=$(now_ms)
printf 'idle traffic: %.2f overlay messages per node per minute (%d messages by %d nodes in %.0f s)\n' \
    "$(calc "($s1 - $s0) / $N / (($t1 - $t0) / 60000)")" \
    "$((s1 - s0))" "$N" "$(calc "($t1 - $t0) / 1000")"
