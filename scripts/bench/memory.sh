#!/bin/bash
# scripts/bench/memory.sh [USERS] [N]
#
# Memory per registered user and per stored value (issue 23): N daemons
# (default 3) on loopback; USERS phones (default 10,000; sipp) register
# at daemon 1, the registrar, which publishes each AOR in the overlay
# (a user key, a certificate and a signed Store per AOR, replicated).
# They register in two halves; once each half is stored (and the daemons
# have handed free memory back), each daemon's VmRSS and PSS and the
# values it stores:
#
#   - bytes a value at a storing peer: at daemons 2..N, the RSS each
#     gained over the values it gained (the median of them);
#   - bytes a user at the registrar: daemon 1's RSS gained, less what
#     its own share of the stored values costs at that rate, over the
#     users (and raw, the whole gain over the users);
#
# both for all the users against before (bounded caches filling
# included: the certificate cache, sqlite's pages) and for the second
# half against the first (what one more costs); and the idle daemon's
# VmRSS and PSS before any user.
#
# It never fails on a figure: it measures.  Needs the build (make) and
# sipp.  Environment: as for lib.sh (P2PSIPD_ARGS, KEEP=1).
set -u

USERS=${1:-10000}
N=${2:-3}
case $USERS$N in *[!0-9]*) echo "usage: memory.sh [USERS] [N]" >&2; exit 2 ;; esac
[ "$N" -ge 2 ] || { echo "N: 2 at least" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || { echo "needs sipp" >&2; exit 1; }
SC=$ROOT/scripts/bench/sipp
DOM=p2psipd.localhost
SIP1=$((BASE + SPAN))
REGP=$((BASE + SPAN + 80))
LIMIT=600

# mem PID: "rss pss" in kB
mem() {
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
	    "/proc/$1/smaps_rollup" 2>/dev/null || echo "0 0"
}
values() { ctl "$1" --json status | jq .storage.values; }
# snapshot: "rss pss values" of each daemon, one a line
snapshot() {
	local i
	for i in $(seq "$N"); do
		echo "$(mem "${PIDS[$((i - 1))]}") $(values "$i")"
	done
}

echo "p2psipd memory benchmark: $N daemons, $USERS users registered at daemon 1"
start_daemons
wait_ring 60
sleep 12				# a trim (every 10 s) after the start
snapshot >"$W/before"

# register FROM TO: users FROM..TO register at daemon 1; back once the
# registrar has them all in the overlay (300 s at most) and the daemons
# have handed free memory back
register() {
	local i t0=$(now_ms) n=$(($2 - $1 + 1))
	{ echo SEQUENTIAL; for i in $(seq "$1" "$2"); do
		echo "u$i;$DOM;127.0.0.1:$REGP"; done; } >"$W/users.csv"
	sipp_run "reg$1" "127.0.0.1:$SIP1" -sf "$SC/reg.xml" \
	    -inf "$W/users.csv" -p "$REGP" -m "$n" -r 2000 -l 500 ||
	    echo "registering: $(sipp_stat "reg$1" "FailedCall(C)") of $n failed"
	for i in $(seq 300); do
		[ "$(ctl 1 --json status | jq .storage.publishing)" = 0 ] &&
		    break
		sleep 1
	done
	printf 'users %d-%d: all stored %.1f s after the first REGISTER (%s left)\n' \
	    "$1" "$2" "$(calc "($(now_ms) - $t0) / 1000")" \
	    "$(ctl 1 --json status | jq .storage.publishing)"
	sleep 12			# a trim
}
HALF=$((USERS / 2))
register 1 "$HALF"
snapshot >"$W/mid"
register $((HALF + 1)) "$USERS"
snapshot >"$W/after"

# figures A B USERS: per value and per user from snapshot A to B
figures() {
	paste -d' ' "$W/$1" "$W/$2" | awk -v u="$3" '
	{ rss0[NR] = $1; v0[NR] = $3; rss1[NR] = $4; v1[NR] = $6 }
	END {
	  n = 0
	  for (i = 2; i <= NR; i++) if (v1[i] > v0[i])
		per[++n] = (rss1[i] - rss0[i]) * 1024 / (v1[i] - v0[i])
	  # the median of the storing peers
	  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (per[j] < per[i]) { t = per[i]; per[i] = per[j]; per[j] = t }
	  pv = n ? (n % 2 ? per[(n + 1) / 2] : (per[n / 2] + per[n / 2 + 1]) / 2) : 0
	  d = (rss1[1] - rss0[1]) * 1024
	  printf "  bytes a stored value (storing peers, median of %d): %.0f\n", n, pv
	  printf "  bytes a user at the registrar: %.0f (raw %.0f; its own %d values at %.0f B taken out)\n",
	      (d - (v1[1] - v0[1]) * pv) / u, d / u, v1[1] - v0[1], pv }'
}
paste -d' ' "$W/before" "$W/after" | awk '{
	printf "daemon %d: VmRSS %d -> %d kB, PSS %d -> %d kB, values %d -> %d\n",
	    NR, $1, $4, $2, $5, $3, $6 }'
echo "all $USERS users, against before (the caches' first fill included):"
figures before after "$USERS"
echo "the second $((USERS - HALF)) users, against the first $HALF (each one more):"
figures mid after "$((USERS - HALF))"
awk -v n="$N" 'END { printf "idle daemon (daemon %d before any user): VmRSS %d kB, PSS %d kB\n", n, $1, $2 }' "$W/before"
