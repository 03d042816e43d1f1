#!/bin/bash
# scripts/bench/sip.sh [REGS] [CALLS]
#
# The SIP benchmark of issue 5, all in one run, with sipp as the phones
# and Kamailio (Debian package, usrloc in memory, scripts/bench/
# kamailio.cfg) as the conventional registrar and proxy beside p2psipd:
#
#   - REGISTER per second: REGS registrations (default 200,000) of 10,000
#     users cycling, 500 at a time, at one daemon and at Kamailio, after
#     a first round of the 10,000 (shown apart: at the daemon it also
#     publishes each new AOR in the overlay, with a new user key; the
#     time until all are published is shown, and the cycling starts
#     after).
#   - calls per second: CALLS calls (default 20,000; INVITE, 180, 200, ACK,
#     BYE) to 200 AORs, from a sipp at daemon 1 to a sipp registered at
#     daemon 2, through both; the same through Kamailio; and sipp calling
#     sipp directly, the floor.
#   - INVITE-to-180 latency (median, p99), timed from a capture on lo
#     (sipp's own histogram has 4 ms steps): 200 calls at 50 calls/s,
#     each to an AOR never called before (the daemon must ask the
#     overlay), then 200 repeat calls; beside Kamailio and direct.
#
# It never fails on a figure: it measures.  Needs the build (make), sipp,
# kamailio and tshark (root, for the capture on lo).
# Environment: as for lib.sh (P2PSIPD_ARGS, KEEP=1), KAM_CHILDREN
# (Kamailio's UDP workers, default 2: the cores of this machine).
set -u

REGS=${1:-200000}
CALLS=${2:-20000}
N=2
. "$(dirname "$0")/lib.sh"
for t in sipp kamailio tshark; do
	command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }
done
SC=$ROOT/scripts/bench/sipp
DOM=p2psipd.localhost
USERS=10000
AORS=200
SIP1=$((BASE + SPAN))			# the daemons' SIP ports
SIP2=$((BASE + SPAN + 1))
KAM=$((BASE + SPAN + 50))
UAS=$((BASE + SPAN + 60))		# the called phones (one sipp)
UAC=$((BASE + SPAN + 70))		# the callers
REGP=$((BASE + SPAN + 80))		# the registering phones

# a sipp run's bound (lib.sh's sipp_run)
LIMIT=600

# failed NAME: how many calls of sipp run NAME failed (from its stats).
failed() {
	tail -1 "$W/$1.stat" 2>/dev/null | awk -F';' '{ print $18 + 0 }'
}

# rate COUNT T0 T1: COUNT per second over [T0, T1] ms.
rate() { calc "$1 / (($3 - $2) / 1000)"; }

# register_all TARGET CSV: every user of CSV registers once (the callees).
register_all() {
	sipp_run reg.$1 "127.0.0.1:$1" -sf "$SC/reg.xml" -inf "$2" \
	    -p "$REGP" -m "$(($(wc -l <"$2") - 1))" -r 2000 -l 200 ||
	    echo "  registering at $1: $(failed reg.$1) failed"
}

# reg_bench NAME TARGET COUNT [TAG]: COUNT registrations of the 10,000
# users, 500 at a time.
reg_bench() {
	local t0 t1
	t0=$(now_ms)
	sipp_run "regb.$1${4:-}" "127.0.0.1:$2" -sf "$SC/reg.xml" \
	    -inf "$W/users.csv" -p "$REGP" -m "$3" -r 200000 -l 500
	t1=$(now_ms)
	printf '%-10s REGISTER%s: %6.0f/s (%d in %.2f s, %s failed)\n' "$1" \
	    "${4:-}" "$(rate "$3" "$t0" "$t1")" "$3" \
	    "$(calc "($t1 - $t0) / 1000")" "$(failed "regb.$1${4:-}")"
	eval "REGRATE_$1=$(rate "$3" "$t0" "$t1")"
}

# call_bench NAME TARGET CSV: CALLS calls as fast as they complete, 100
# at a time (more, and Kamailio's UDP socket overflows and calls fail).
call_bench() {
	local t0 t1
	t0=$(now_ms)
	sipp_run "callb.$1" "$2" -sf "$SC/uac.xml" -inf "$3" -p "$UAC" \
	    -m "$CALLS" -r 100000 -l 100
	t1=$(now_ms)
	printf '%-10s calls: %6.0f/s (%d in %.2f s, %s failed)\n' "$1" \
	    "$(rate "$CALLS" "$t0" "$t1")" "$CALLS" \
	    "$(calc "($t1 - $t0) / 1000")" "$(failed "callb.$1")"
	eval "CALLRATE_$1=$(rate "$CALLS" "$t0" "$t1")"
}

# latency NAME TARGET CSV: AORS calls at 50/s, captured on lo; prints
# the INVITE-to-180 median and p99 in ms as the caller sees them.
latency() {
	local cap
	timeout 120 tshark -i lo -n -q -f "udp port $UAC" -w "$W/lat.$1.pcap" \
	    >"$W/lat.$1.tshark" 2>&1 &
	cap=$!
	for _ in $(seq 100); do
		grep -q "Capturing on" "$W/lat.$1.tshark" && break
		sleep 0.1
	done
	sipp_run "lat.$1" "$2" -sf "$SC/uac.xml" -inf "$3" -p "$UAC" \
	    -m "$AORS" -r 50 -l 50
	sleep 0.5
	kill "$cap" 2>/dev/null
	wait "$cap" 2>/dev/null
	tshark -r "$W/lat.$1.pcap" -n -T fields -e frame.time_epoch \
	    -e sip.Method -e sip.Status-Code -e sip.Call-ID \
	    -Y "sip.Method == \"INVITE\" || sip.Status-Code == 180" \
	    2>/dev/null | awk -F'\t' '
		$2 == "INVITE" && !($4 in inv) { inv[$4] = $1 }
		$3 == "180" && ($4 in inv) && !($4 in got) {
			got[$4] = 1; print ($1 - inv[$4]) * 1000 }' | percentiles
}

echo "p2psipd SIP benchmark: $(nproc) cores, sipp and the servers sharing them"
start_daemons
wait_ring 60
start_kamailio

lines r "$USERS" "127.0.0.1:$REGP" >"$W/users.csv"
lines u "$AORS" "127.0.0.1:$UAS" >"$W/callees.csv"
lines u "$AORS" "$DOM" >"$W/calls.csv"
lines u "$AORS" "127.0.0.1:$UAS" >"$W/calls.direct.csv"

echo
echo "== REGISTER, $USERS users cycling"
t0=$(now_ms)
reg_bench p2psipd "$SIP1" "$USERS" " (first round: new AORs)"
# The daemon answers at once and publishes the new AORs in the overlay
# after (a user key and certificate each, a signed Store); the cycling
# is measured once that is done.  Bounded: 120 s.
deadline=$(( t0 + 120000 ))
until [ "$(ctl 1 --json status | jq .storage.publishing)" = 0 ] ||
    [ "$(now_ms)" -ge "$deadline" ]; do
	sleep 0.1
done
printf '%-10s all %d new AORs in the overlay %.2f s after the first REGISTER (%s left)\n' \
    p2psipd "$USERS" "$(calc "($(now_ms) - $t0) / 1000")" \
    "$(ctl 1 --json status | jq .storage.publishing)"
reg_bench p2psipd "$SIP1" "$REGS"
reg_bench kamailio "$KAM" "$USERS" " (first round)"
reg_bench kamailio "$KAM" "$REGS"
printf '  ratio p2psipd/kamailio: %.2f\n' \
    "$(calc "$REGRATE_p2psipd / $REGRATE_kamailio")"

# the called phones: one sipp answering all $AORS AORs, registered at
# daemon 2 and at Kamailio
sipp_start uas -sf "$SC/uas.xml" -p "$UAS" -timeout 900
register_all "$SIP2" "$W/callees.csv"
register_all "$KAM" "$W/callees.csv"
deadline=$(( $(now_ms) + 30000 ))
until ctl 1 lookup "u$AORS" >/dev/null 2>&1; do
	[ "$(now_ms)" -lt "$deadline" ] ||
	    { echo "u$AORS is not in the overlay after 30 s"; exit 1; }
	sleep 0.2
done

echo
echo "== INVITE to 180 as the caller sees it, $AORS calls at 50/s each"
set -- $(latency first "127.0.0.1:$SIP1" "$W/calls.csv")
L1=$1
printf '%-28s median %s ms, p99 %s ms (%s calls)\n' \
    "p2psipd x2, first calls:" "$1" "$2" "$3"
set -- $(latency repeat "127.0.0.1:$SIP1" "$W/calls.csv")
L2=$1
printf '%-28s median %s ms, p99 %s ms (%s calls)\n' \
    "p2psipd x2, repeat calls:" "$1" "$2" "$3"
set -- $(latency kam "127.0.0.1:$KAM" "$W/calls.csv")
LK=$1
printf '%-28s median %s ms, p99 %s ms (%s calls)\n' "kamailio:" "$1" "$2" "$3"
set -- $(latency direct "127.0.0.1:$UAS" "$W/calls.direct.csv")
LD=$1
printf '%-28s median %s ms, p99 %s ms (%s calls)\n' "sipp to sipp:" "$1" "$2" "$3"
printf '  added over direct: p2psipd first %.3f ms, repeat %.3f ms; kamailio %.3f ms\n' \
    "$(calc "$L1 - $LD")" "$(calc "$L2 - $LD")" "$(calc "$LK - $LD")"

echo
echo "== calls per second, $CALLS calls to $AORS AORs"
call_bench p2psipd "127.0.0.1:$SIP1" "$W/calls.csv"
call_bench kamailio "127.0.0.1:$KAM" "$W/calls.csv"
call_bench direct "127.0.0.1:$UAS" "$W/calls.direct.csv"
printf '  ratio p2psipd/kamailio: %.2f; p2psipd/direct: %.2f\n' \
    "$(calc "$CALLRATE_p2psipd / $CALLRATE_kamailio")" \
    "$(calc "$CALLRATE_p2psipd / $CALLRATE_direct")"
echo
echo "daemon RSS after the run: $(ps -o rss= -p "${PIDS[0]}") kB, $(ps -o rss= -p "${PIDS[1]}") kB"
