#!/bin/bash
# scripts/bench/interwork.sh [CALLS] [RUNS]
#
# The interworking benchmark of issue 22: calls per second into a
# conventional SIP domain, kam.bench, through a proxy peer beside
# Kamailio alone.  kam.bench is Kamailio (the Debian package, with
# scripts/bench/kamailio.cfg as sip.sh runs it: usrloc in memory,
# stateful forwarding with Record-Route), its called phones one sipp
# registered there as u1..u200.  Each round, CALLS calls (default 5,000;
# INVITE, 180, 200, ACK, BYE), 100 at a time as fast as they complete,
# from a sipp calling sip:uN@kam.bench:
#
#   - kamailio: sent to Kamailio itself (Kamailio alone);
#   - peer: sent to one p2psipd, alone in its overlay, with [interwork]
#     proxy_peer on (a request from this host is a local phone's) and
#     dns_server a dnsmasq on loopback that has kam.bench's SRV record
#     (_sip._udp.kam.bench: sip.kam.bench, Kamailio's port; its A record
#     127.0.0.1): the daemon finds Kamailio by RFC 3263 for each call
#     and proxies to it, so each call crosses the daemon and Kamailio;
#   - direct: sipp calling sipp, the floor.
#
# RUNS rounds (default 3), each printed, then the median and [min-max]
# of each figure and of the ratio peer/kamailio (taken per round, from
# the same invocation).  Beside each figure: the CPU time a call took in
# the daemon, Kamailio (all its processes) and dnsmasq, the datagrams
# their sockets dropped, the DNS queries a call made, what sipp did not
# expect.  It never fails on a figure: it measures.  Every
# process it starts (the daemon, Kamailio and its workers, dnsmasq, the
# sipps) is stopped at exit, also on an error or an interrupt; all on
# 127.0.0.1.  Needs the build (make), sipp, kamailio and dnsmasq.
# Environment: as for lib.sh (P2PSIPD_ARGS, KEEP=1), KAM_CHILDREN
# (Kamailio's UDP workers, default 2: the cores of this machine).
set -u

CALLS=${1:-5000}
RUNS=${2:-3}
N=1
. "$(dirname "$0")/lib.sh"
for t in sipp kamailio dnsmasq jq; do
	command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }
done
case "$CALLS$RUNS" in *[!0-9]*) echo "usage: $0 [CALLS] [RUNS]" >&2; exit 2;; esac
[ "$CALLS" -gt 0 ] && [ "$RUNS" -gt 0 ] ||
    { echo "usage: $0 [CALLS] [RUNS]" >&2; exit 2; }
SC=$ROOT/scripts/bench/sipp
DOM=kam.bench
AORS=200
SIP1=$((BASE + SPAN))			# the daemon's SIP port
KAM=$((BASE + SPAN + 50))
UAS=$((BASE + SPAN + 60))		# the called phones (one sipp)
UAC=$((BASE + SPAN + 70))		# the callers
REGP=$((BASE + SPAN + 80))		# registering the called phones
DNSP=$((BASE + SPAN + 90))		# dnsmasq
# a run's bound: sipp quits after it (at least 100 calls/s, or it is
# cut short and says so)
LIMIT=$(( 60 + CALLS / 100 ))

# dnsmasq: kam.bench's SRV record and its target's address; nothing
# else (--local: no other name goes anywhere).
start_dnsmasq() {
	dnsmasq --no-daemon --no-resolv --no-hosts --conf-file=/dev/null \
	    --pid-file="$W/dnsmasq.pid" --port="$DNSP" \
	    --listen-address=127.0.0.1 --bind-interfaces --local=/bench/ \
	    --srv-host=_sip._udp.$DOM,sip.$DOM,$KAM,0,0 \
	    --host-record=sip.$DOM,127.0.0.1 --log-facility=- \
	    >"$W/dnsmasq.log" 2>&1 &
	DPID=$!
	STOPS+=("$DPID")
	await 10 grep -q "started" "$W/dnsmasq.log" ||
	    { echo "dnsmasq did not start: $(tail -3 "$W/dnsmasq.log")" >&2; exit 1; }
}
# dns_answered: the queries dnsmasq has answered (its statistics,
# logged on SIGUSR1).
dns_answered() {
	local n
	n=$(grep -c "queries answered locally" "$W/dnsmasq.log")
	kill -USR1 "$DPID" 2>/dev/null
	for _ in $(seq 20); do
		[ "$(grep -c "queries answered locally" "$W/dnsmasq.log")" -gt "$n" ] &&
		    break
		sleep 0.1
	done
	n=$(grep "queries answered locally" "$W/dnsmasq.log" | tail -1 |
	    sed 's/.*queries answered locally \([0-9]*\).*/\1/')
	echo "${n:-0}"
}

# overtaken: how many of the calls of the caller sipp SPID had their BYE
# at the called phone before their ACK (Kamailio's workers pass on the
# two, sent back to back, in either order; the phone answers such a BYE
# all the same).
overtaken() {
	sleep 0.2
	grep -a -c "unexpected BYE for call: [0-9]*-$SPID@" "$W/uas.err" \
	    2>/dev/null || true
}

# udp_drops PORT...: for each, the datagrams its UDP sockets dropped,
# their receive buffers full (/proc/net/udp)
udp_drops() {
	local p
	for p in "$@"; do
		awk -v p="$(printf '%04X' "$p")" '$2 ~ ":" p "$" { s += $NF }
		    END { print s + 0 }' /proc/net/udp
	done
}

# call_bench NAME TARGET CSV: CALLS calls as fast as they complete, 100
# at a time; prints the figure and sets RATE_NAME (successful calls/s).
call_bench() {
	local t0 t1 ok r d0 k0 n0 u0 u1
	d0=$(cpu_ns "${PIDS[0]}") k0=$(cpu_ns $KPID $KWORKERS) n0=$(cpu_ns $DPID)
	u0=($(udp_drops "$SIP1" "$KAM" "$DNSP"))
	t0=$(now_ms)
	sipp_run "$1.$round" "$2" -sf "$SC/uac.xml" -inf "$3" -p "$UAC" \
	    -m "$CALLS" -r 100000 -l 100
	t1=$(now_ms)
	d0=$(( $(cpu_ns "${PIDS[0]}") - d0 )) k0=$(( $(cpu_ns $KPID $KWORKERS) - k0 ))
	n0=$(( $(cpu_ns $DPID) - n0 ))
	u1=($(udp_drops "$SIP1" "$KAM" "$DNSP"))
	ok=$(sipp_stat "$1.$round" "SuccessfulCall(C)")
	r=$(calc "$ok / (($t1 - $t0) / 1000)")
	printf '  %-9s %7.0f calls/s (%d of %d in %.2f s; %d failed, %d retransmissions, %d BYEs ahead of their ACK)\n' \
	    "$1" "$r" "$ok" "$CALLS" "$(calc "($t1 - $t0) / 1000")" \
	    "$(sipp_stat "$1.$round" "FailedCall(C)")" \
	    "$(sipp_stat "$1.$round" "Retransmissions(C)")" "$(overtaken)"
	[ "$ok" -gt 0 ] && printf '            CPU a call: daemon %.1f us, Kamailio %.1f us, dnsmasq %.1f us\n' \
	    "$(calc "$d0 / 1000 / $ok")" "$(calc "$k0 / 1000 / $ok")" \
	    "$(calc "$n0 / 1000 / $ok")"
	[ "${u0[*]}" = "${u1[*]}" ] ||
	    printf '            datagrams dropped, receive buffer full: daemon %d, Kamailio %d, dnsmasq %d\n' \
	    $(( u1[0] - u0[0] )) $(( u1[1] - u0[1] )) $(( u1[2] - u0[2] ))
	unexpected "$1.$round"
	eval "RATE_$1+=($r)"
}

# summary NAME VALUES...: median and [min-max]
summary() {
	local name=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v n="$name" '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = (m < 10) ? "%.2f" : "%.0f"
		printf "  %-24s median " f " [" f "-" f "]\n", n, m, v[1], v[NR] }'
}

echo "p2psipd interworking benchmark: $(nproc) cores, sipp, the daemon, Kamailio and dnsmasq sharing them"
start_dnsmasq
start_kamailio
start_daemon 1 -o node.log_level=warn -o interwork.proxy_peer=yes \
    -o "interwork.dns_server=127.0.0.1:$DNSP"
await 20 ctl 1 status ||
    { echo "p2psipd did not start: $(tail -3 "$W/n1/log")" >&2; exit 1; }

lines u "$AORS" "127.0.0.1:$UAS" >"$W/callees.csv"
lines u "$AORS" "$DOM" >"$W/calls.csv"
lines u "$AORS" "127.0.0.1:$UAS" >"$W/calls.direct.csv"

# the called phones: one sipp answering all, registered at Kamailio
sipp_start uas -sf "$SC/uas.xml" -p "$UAS" \
    -timeout $(( 60 + RUNS * (3 * LIMIT + 70) ))
round=reg
sipp_run reg "127.0.0.1:$KAM" -sf "$SC/reg.xml" -inf "$W/callees.csv" \
    -p "$REGP" -m "$AORS" -r 2000 -l 200 ||
    echo "registering at Kamailio: $(sipp_stat reg "FailedCall(C)") of $AORS failed"

# a first few calls through the daemon: the path works (else it is
# measured all the same, and says how it fails)
round=probe
LIMIT_ALL=$LIMIT LIMIT=30
sipp_run probe "127.0.0.1:$SIP1" -sf "$SC/uac.xml" -inf "$W/calls.csv" \
    -p "$UAC" -m 20 -r 100 -l 10 ||
    { echo "the first calls through the daemon: $(sipp_stat probe "SuccessfulCall(C)") of 20 answered"
      unexpected probe; }
LIMIT=$LIMIT_ALL
q0=$(dns_answered)
echo "DNS: $(calc "$q0 / 20") queries a call through the daemon (the first 20 calls)"

RATE_kamailio=() RATE_peer=() RATE_direct=() RATIO=()
echo
echo "== calls per second, $CALLS calls to $AORS AORs at $DOM, 100 in flight"
for round in $(seq "$RUNS"); do
	# the daemon's transactions of the round before linger 32 s (Timers
	# J and D, RFC 3261 §17): their timers would take CPU from the
	# next runs; bounded, 60 s
	t0=$(now_ms)
	if [ "$round" = 1 ]; then
		echo "round 1:"
	else
		until [ "$(ctl 1 --json status | jq .sip.transactions)" = 0 ] ||
		    [ "$(now_ms)" -ge $(( t0 + 60000 )) ]; do
			sleep 0.5
		done
		printf 'round %d (after %.1f s for the daemon'"'"'s transactions to end, %s left):\n' \
		    "$round" "$(calc "($(now_ms) - $t0) / 1000")" \
		    "$(ctl 1 --json status | jq .sip.transactions)"
	fi
	call_bench kamailio "127.0.0.1:$KAM" "$W/calls.csv"
	call_bench direct "127.0.0.1:$UAS" "$W/calls.direct.csv"
	q0=$(dns_answered)
	call_bench peer "127.0.0.1:$SIP1" "$W/calls.csv"
	q1=$(dns_answered)
	RATIO+=("$(calc "${RATE_peer[-1]} / (${RATE_kamailio[-1]} + 1e-9)")")
	printf '  ratio peer/kamailio %.2f; DNS queries a call %.2f\n' \
	    "${RATIO[-1]}" "$(calc "($q1 - $q0) / $CALLS")"
done

echo
echo "== $RUNS round(s), calls/s"
summary "kamailio alone" "${RATE_kamailio[@]}"
summary "through a proxy peer" "${RATE_peer[@]}"
summary "sipp direct" "${RATE_direct[@]}"
summary "ratio peer/kamailio" "${RATIO[@]}"
echo
ctl 1 --json status | jq -r '.sip | "daemon: \(.requests) requests, \(.transactions) transactions open, \(.responses_sent) responses sent, \(.relay_refused) relays refused, \(.bad_answered + .bad_dropped) bad"'
echo "daemon RSS after the run: $(ps -o rss= -p "${PIDS[0]}") kB"
