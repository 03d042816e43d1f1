#!/bin/bash
# scripts/bench/soak.sh [SECONDS] [AFTER]
#
# The steady state (issue 25), in one run beside Kamailio:
#
#   - calls: SECONDS (default 60) of calls (INVITE, 180, 200, ACK, BYE)
#     to 200 AORs, 80 in flight, closed loop, from a sipp at daemon 1 to a
#     sipp registered at daemon 2, through both; then the same through
#     Kamailio.  Prints successful calls/s per 5 s window, the last
#     window against the first, the CPU a call at each server, and the
#     servers' memory (RSS of the daemons, PSS of Kamailio's processes)
#     before, at the end of the load and AFTER (default 60) seconds
#     later, once their transactions have ended.
#   - lookups: SECONDS of `p2psipctl lookup` at daemon 1 (two loops, of
#     AORs registered and not), lookups/s per 5 s window and daemon 1's
#     RSS before, at the end and AFTER seconds later.
#
# It never fails on a figure: it measures.  Needs the build (make), sipp
# and kamailio.  Environment: as for lib.sh (P2PSIPD_ARGS, KEEP=1),
# KAM_CHILDREN (Kamailio's UDP workers, default 2).
set -u

SECS=${1:-60}
AFTER=${2:-60}
N=2
. "$(dirname "$0")/lib.sh"
for t in sipp kamailio; do
	command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }
done
case $SECS$AFTER in *[!0-9]*) echo "usage: soak.sh [SECONDS] [AFTER]" >&2; exit 2 ;; esac
[ "$SECS" -ge 10 ] || { echo "SECONDS: 10 at least" >&2; exit 2; }
SC=$ROOT/scripts/bench/sipp
DOM=p2psipd.localhost
AORS=200
WIN=5					# seconds a window
SIP1=$((BASE + SPAN))			# the daemons' SIP ports
SIP2=$((BASE + SPAN + 1))
KAM=$((BASE + SPAN + 50))
UAS=$((BASE + SPAN + 60))		# the called phones (one sipp)
UAC=$((BASE + SPAN + 70))		# the callers
REGP=$((BASE + SPAN + 80))		# registering the called phones
LIMIT=$((SECS + 30))

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# pss_kb PID...: their proportional set sizes summed, kB
pss_kb() {
	local p
	for p in "$@"; do
		awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}
mem_daemons() { echo "$(rss_kb "${PIDS[0]}") $(rss_kb "${PIDS[1]}")"; }
mem_kam() { pss_kb $KPID $KWORKERS; }

# windows NAME: successful calls/s of each window of sipp run NAME (its
# statistics every WIN s, the last partial window left out), one a line
windows() {
	awk -F';' -v w="$WIN" 'NR == 1 { for (i = 1; i <= NF; i++) {
	    if ($i == "SuccessfulCall(P)") k = i
	    if ($i == "ElapsedTime(P)") e = i } next }
	    { split($e, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
	      if (s >= w - 0.5) printf "%.0f\n", $k / s }' "$W/$1.stat"
}

# flatness: windows on stdin; "first last min max last/first"
flatness() {
	awk '{ v[NR] = $1; if (NR == 1 || $1 < mn) mn = $1
	    if (NR == 1 || $1 > mx) mx = $1 }
	    END { if (NR == 0) { print "- - - - -"; exit }
	      printf "%d %d %d %d %.2f\n", v[1], v[NR], mn, mx,
	        v[1] ? v[NR] / v[1] : 0 }'
}

# soak_calls NAME TARGET CPU_PIDS...: SECS of calls; sets MEM_NAME
# (before, end, after) through the mem function named by MEMF.
soak_calls() {
	local name=$1 target=$2 c0 c1 ok before end
	shift 2
	before=$($MEMF)
	c0=$(cpu_ns "$@")
	sipp_start "$name" "$target" -sf "$SC/uac.xml" -inf "$W/calls.csv" \
	    -p "$UAC" -m 100000000 -r 100000 -l 80 -fd "$WIN" \
	    -timeout "${SECS}s"
	wait "$SPID"
	SIPPS=("${SIPPS[@]/$SPID}")
	c1=$(cpu_ns "$@")
	end=$($MEMF)
	ok=$(sipp_stat "$name" "SuccessfulCall(C)")
	windows "$name" >"$W/$name.win"
	printf '%-9s %d calls in %d s (%d failed); CPU a call %.1f us\n' \
	    "$name" "$ok" "$SECS" "$(sipp_stat "$name" "FailedCall(C)")" \
	    "$(calc "($c1 - $c0) / 1000 / ($ok + 1e-9)")"
	printf '          calls/s per %d s window: %s\n' "$WIN" \
	    "$(tr '\n' ' ' <"$W/$name.win")"
	set -- $(flatness <"$W/$name.win")
	printf '          first %s, last %s, min %s, max %s: last/first %s\n' \
	    "$@"
	unexpected "$name"
	eval "MEM_$name=\"$before|$end\""
}

echo "p2psipd soak benchmark: $(nproc) cores, sipp and the servers sharing them; $SECS s of load, $AFTER s after"
start_daemons
wait_ring 60
start_kamailio

lines u "$AORS" "127.0.0.1:$UAS" >"$W/callees.csv"
lines u "$AORS" "$DOM" >"$W/calls.csv"

sipp_start uas -sf "$SC/uas.xml" -p "$UAS" -timeout $((4 * SECS + 2 * AFTER + 300))
for t in "$SIP2" "$KAM"; do
	sipp_run "reg.$t" "127.0.0.1:$t" -sf "$SC/reg.xml" \
	    -inf "$W/callees.csv" -p "$REGP" -m "$AORS" -r 2000 -l 200 ||
	    echo "registering at $t: $(sipp_stat "reg.$t" "FailedCall(C)") of $AORS failed"
done
await 30 ctl 1 lookup "u$AORS" ||
    { echo "u$AORS is not in the overlay after 30 s"; exit 1; }

echo
echo "== calls, $SECS s, 80 in flight, to $AORS AORs"
MEMF=mem_daemons soak_calls p2psipd "127.0.0.1:$SIP1" "${PIDS[@]}"
t0=$(now_ms)
sleep "$AFTER"
MEM_p2psipd="$MEM_p2psipd|$(mem_daemons)"
tx=$(ctl 1 --json status | jq .sip.transactions),$(ctl 2 --json status | jq .sip.transactions)
MEMF=mem_kam soak_calls kamailio "127.0.0.1:$KAM" $KPID $KWORKERS
sleep "$AFTER"
MEM_kamailio="$MEM_kamailio|$(mem_kam)"

IFS='|' read -r b e a <<<"$MEM_p2psipd"
set -- $b $e $a
printf 'p2psipd RSS kB (daemon 1, daemon 2): before %s %s; end of load %s %s; %d s after %s %s (after/before %.2f %.2f); transactions open then %s\n' \
    "$1" "$2" "$3" "$4" "$AFTER" "$5" "$6" "$(calc "$5 / $1")" \
    "$(calc "$6 / $2")" "$tx"
IFS='|' read -r b e a <<<"$MEM_kamailio"
printf 'kamailio PSS kB (all processes): before %s; end of load %s; %d s after %s (after/before %.2f)\n' \
    "$b" "$e" "$AFTER" "$a" "$(calc "$a / $b")"

echo
echo "== lookups, $SECS s, p2psipctl at daemon 1 (two loops: registered AORs, and not)"
# lookup_loop PREFIX FILE: lookups of PREFIX1.. until the deadline, one
# line each in FILE (ms since t0)
lookup_loop() {
	local i=0 end=$(( t0 + SECS * 1000 ))
	while [ "$(now_ms)" -lt "$end" ]; do
		i=$(( i % AORS + 1 ))
		ctl 1 lookup "$1$i" >/dev/null 2>&1
		echo $(( $(now_ms) - t0 ))
	done >"$2"
}
b=$(rss_kb "${PIDS[0]}")
c0=$(cpu_ns "${PIDS[0]}")
t0=$(now_ms)
lookup_loop u "$W/look.u" &
l1=$!
lookup_loop nobody "$W/look.n" &
l2=$!
wait "$l1" "$l2"
c1=$(cpu_ns "${PIDS[0]}")
e=$(rss_kb "${PIDS[0]}")
n=$(cat "$W/look.u" "$W/look.n" | wc -l)
printf 'lookups: %d in %d s; CPU a lookup at the daemon %.1f us\n' "$n" \
    "$SECS" "$(calc "($c1 - $c0) / 1000 / ($n + 1e-9)")"
printf '          lookups/s per %d s window: %s\n' "$WIN" "$(cat "$W/look.u" \
    "$W/look.n" | awk -v w="$WIN" -v s="$SECS" '{ c[int($1 / 1000 / w)]++ }
    END { for (i = 0; i < int(s / w); i++) printf "%d ", c[i] / w }')"
sleep "$AFTER"
a=$(rss_kb "${PIDS[0]}")
printf 'daemon 1 RSS kB: before %s; end of load %s; %d s after %s (after/before %.2f)\n' \
    "$b" "$e" "$AFTER" "$a" "$(calc "$a / $b")"
