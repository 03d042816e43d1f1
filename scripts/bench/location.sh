#!/bin/bash
# scripts/bench/location.sh [N] [K]
#
# Starts N real p2psipd daemons on loopback (default 30), waits for a
# correct ring, and prints, for K AORs (default 1000):
#   - store latency (median, p99): K registrations from random daemons,
#     one at a time, as each daemon measures them (p2psipctl register:
#     command received until the storing peer's answer is verified;
#     signing with the user's key included);
#   - lookup latency (median, p99): K lookups of those AORs from random
#     daemons, one at a time, every value's signature and access policy
#     verified by the fetching daemon; and how many were found;
#   - throughput: K more registrations, then K lookups, with 32 requests
#     in flight per daemon, in operations per second of wall time.
# It never fails on a figure: it measures.  Needs the build (make).
# Environment: P2PSIPD_ARGS (more daemon options), KEEP=1 (keep logs).
set -u

N=${1:-30}
K=${2:-1000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
D=$BUILD/p2psipd
C=$BUILD/p2psipctl
B=$BUILD/ctlbatch
[ -x "$D" ] && [ -x "$C" ] && [ -x "$B" ] ||
    { echo "build first: make" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/p2psipd-bench.XXXXXX")
SPAN=$(( N < 100 ? 100 : (N + 99) / 100 * 100 ))
BASE=$(( 10000 + ($$ % (20000 / SPAN)) * SPAN ))
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "logs kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
calc() { awk "BEGIN { print $1 }"; }

ring_wrong() {
	local i
	for i in $(seq "$N"); do
		"$C" -t 5 -s "$W/n$i/ctl.sock" --json ring >"$W/ring.$i" 2>&1 ||
		    { echo "n$i does not answer"; return; }
	done
	cat "$W"/ring.* | jq -rs '(map(.self) | sort) as $ids |
	    ($ids | length) as $n |
	    ($ids | to_entries | map({(.value): .key}) | add) as $pos |
	    [ .[] | select(.state != "joined" or
		.successors[0] != $ids[($pos[.self] + 1) % $n] or
		.predecessors[0] != $ids[($pos[.self] + $n - 1) % $n]) ] |
	    length'
}

# batch ARGS...: ctlbatch over every daemon's socket.
batch() {
	local socks=() i
	for i in $(seq "$N"); do socks+=("$W/n$i/ctl.sock"); done
	"$B" -t 600 "$@" "${socks[@]}"
}

# stats FILE: median and p99 of the daemons' "ms" in ctlbatch's output.
stats() {
	grep ' ok ' "$1" | sed 's/.*"ms":\([0-9.e+-]*\).*/\1/' | sort -g |
	    awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "no answers"; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "median %.3f ms, p99 %.3f ms (%d answers)\n", med,
		    v[int(0.99 * NR + 0.999)], NR }'
}

echo "p2psipd location benchmark: N=$N daemons on loopback, K=$K AORs, $(nproc) cores"
BOOT="127.0.0.1:$BASE,127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2))"
for i in $(seq "$N"); do
	mkdir -p "$W/n$i"
	"$D" -f -o "node.data_dir=$W/n$i/data" \
	    -o "node.control_socket=$W/n$i/ctl.sock" \
	    -o "overlay.listen=127.0.0.1:$((BASE + i - 1))" \
	    -o "overlay.bootstrap=$BOOT" -o node.log_level=warn \
	    ${P2PSIPD_ARGS:-} 2>"$W/n$i/log" &
	PIDS+=($!)
done
deadline=$(( $(now_ms) + 120000 ))
until [ "$(ring_wrong)" = 0 ]; do
	[ "$(now_ms)" -lt "$deadline" ] ||
	    { echo "ring: NOT correct after 120 s"; exit 1; }
	sleep 0.2
done
echo "ring correct"

RANDOM=$$
for k in $(seq "$K"); do
	echo "$((RANDOM % N)) register {\"aor\":\"u$k\",\"contact\":\"sip:u$k@192.0.2.1\"}"
done >"$W/reg.in"
for k in $(seq "$K"); do
	echo "$((RANDOM % N)) lookup {\"aor\":\"u$k\"}"
done >"$W/look.in"

batch -g 1 <"$W/reg.in" >"$W/reg.out"
echo "store (register), one at a time: $(stats "$W/reg.out")"
[ "$(grep -vc ' ok ' "$W/reg.out")" = 0 ] ||
    echo "  refused or failed: $(grep -vc ' ok ' "$W/reg.out")"
batch -g 1 <"$W/look.in" >"$W/look.out"
found=$(grep -cE '"aor":"u([0-9]+)@[^"]*".*"contact":"sip:u\1@192\.0\.2\.1"' \
    "$W/look.out")
echo "lookup, one at a time: $(stats "$W/look.out")"
echo "lookups found with the right contact: $found/$K"

sed 's/"u\([0-9]*\)"/"v\1"/; s/sip:u/sip:v/' "$W/reg.in" >"$W/reg2.in"
t0=$(now_ms)
batch -w 32 <"$W/reg2.in" >"$W/reg2.out"
t1=$(now_ms)
batch -w 32 <"$W/look.in" >"$W/look2.out"
t2=$(now_ms)
printf 'throughput, 32 in flight per daemon: %.0f registers/s (%d ok), %.0f lookups/s (%d ok)\n' \
    "$(calc "$K / (($t1 - $t0) / 1000)")" "$(grep -c ' ok ' "$W/reg2.out")" \
    "$(calc "$K / (($t2 - $t1) / 1000)")" "$(grep -c ' ok ' "$W/look2.out")"
echo "pipelined latency: store $(stats "$W/reg2.out"); lookup $(stats "$W/look2.out")"
