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
# Environment: as for lib.sh (P2PSIPD_ARGS, KEEP=1).
set -u

N=${1:-30}
K=${2:-1000}
. "$(dirname "$0")/lib.sh"
B=$BUILD/ctlbatch
[ -x "$B" ] || { echo "build first: make" >&2; exit 1; }

# batch ARGS...: ctlbatch over every daemon's socket.
batch() {
	local socks=() i
	for i in $(seq "$N"); do socks+=("$W/n$i/ctl.sock"); done
	"$B" -t 600 "$@" "${socks[@]}"
}

# stats FILE: median and p99 of the daemons' "ms" in ctlbatch's output.
stats() {
	set -- $(grep ' ok ' "$1" | sed 's/.*"ms":\([0-9.e+-]*\).*/\1/' |
	    percentiles)
	if [ "$3" = 0 ]; then echo "no answers"; else
		echo "median $1 ms, p99 $2 ms ($3 answers)"; fi
}

echo "p2psipd location benchmark: N=$N daemons on loopback, K=$K AORs, $(nproc) cores"
start_daemons
wait_ring 120
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
