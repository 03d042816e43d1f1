#!/bin/bash
# scripts/bench/media.sh [CALLS] [SECONDS]
#
# The media benchmark of issue 6: CALLS (default 50) simultaneous SRTP
# calls between the UA cores of two daemons on loopback, alice's UA at
# daemon 1 calling bob's at daemon 2 (auto-answer), alice playing a
# 440 Hz tone and bob sending silence, both ways at 50 packets/s of
# G.711.  It runs twice: keyed by SDES (the daemons talk TLS) and by
# DTLS-SRTP (no TLS between them, [media] srtp = require).  For each it
# prints the CPU both daemons used while all the calls were up (from
# /proc, user + system, in cores), and from each side's `calls`: packets
# sent and received, lost, mean and worst jitter, and any that failed
# authentication or came from elsewhere.  The target (issue 6): under
# half a core for both daemons together, no loss.
#
# It never fails on a figure: it measures.  Needs the build (make).
# Environment: as for lib.sh (P2PSIPD_ARGS, KEEP=1).
set -u

CALLS=${1:-50}
SECS=${2:-20}
N=2
. "$(dirname "$0")/lib.sh"
TONE=$BUILD/tone
[ -x "$TONE" ] || { echo "build first: make" >&2; exit 1; }
"$TONE" gen "$W/tone.wav" 440 $((SECS + 10)) || exit 1

# active I: the calls daemon I's UA has in state "active".
active() {
	ctl "$1" --json calls 2>/dev/null |
	    jq '[.calls[] | select(.state == "active")] | length'
}

# phase NAME ARGS...: the daemons started with ARGS, CALLS calls, figures.
phase() {
	local name=$1 i n deadline
	shift
	P2PSIPD_ARGS="$* -o media.rtp_ports=$((BASE + 3 * SPAN))-$((BASE + 3 * SPAN + 4 * CALLS + 3))" \
	    start_daemons
	for i in 1 2; do
		until ctl $i status >/dev/null 2>&1; do sleep 0.1; done
	done
	wait_ring 30
	ctl 1 ua add alice >/dev/null && ctl 2 ua add bob --answer auto \
	    >/dev/null || { echo "$name: no UAs"; exit 1; }
	deadline=$(( $(now_ms) + 20000 ))
	until ctl 1 lookup bob >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$deadline" ] ||
		    { echo "$name: bob is not in the overlay"; exit 1; }
		sleep 0.2
	done
	for i in $(seq "$CALLS"); do
		ctl 1 call bob --play "$W/tone.wav" --duration $((SECS + 5)) \
		    >/dev/null || echo "$name: call $i not placed"
	done
	deadline=$(( $(now_ms) + 20000 ))
	until [ "$(active 1)" -ge "$CALLS" ] && [ "$(active 2)" -ge "$CALLS" ]; do
		[ "$(now_ms)" -lt "$deadline" ] || break
		sleep 0.2
	done
	n=$(active 1)
	sleep 1		# past the handshakes
	set -- $(cpu_over "$SECS" "${PIDS[0]}" "${PIDS[1]}")
	# until they have all ended by their --duration
	deadline=$(( $(now_ms) + 20000 ))
	until [ "$(active 1)" = 0 ] && [ "$(active 2)" = 0 ]; do
		[ "$(now_ms)" -lt "$deadline" ] || break
		sleep 0.2
	done
	echo "== $name: $n of $CALLS calls up at once, measured for $4 s"
	printf "  CPU: daemon 1 %.3f cores, daemon 2 %.3f, together %.3f (target < 0.5)\n" \
	    "$1" "$2" "$3"
	for i in 1 2; do
		ctl $i --json calls | jq -r --arg who "$([ $i = 1 ] && echo alice || echo bob)" '
		    [.calls[] | select(.status == 200)] as $c |
		    "  \($who) (\($c | length) calls, srtp \([$c[].srtp] | unique | join(","))): sent \([$c[].sent] | add // 0), received \([$c[].received] | add // 0), lost \([$c[].lost] | add // 0), jitter mean \(([$c[].jitter_ms] | add // 0) / ([$c | length, 1] | max) * 100 | round / 100) ms, worst \([$c[].jitter_ms] | max // 0 | . * 100 | round / 100) ms, auth_failed \([$c[].auth_failed] | add // 0), unexpected \([$c[].unexpected] | add // 0)"'
	done
	for i in "${PIDS[@]}"; do kill "$i" 2>/dev/null; done
	wait 2>/dev/null
	PIDS=()
	rm -rf "$W"/n*
}

echo "media.sh: $CALLS simultaneous SRTP calls for $SECS s, $(nproc) cores"
phase "SDES over TLS"
phase "DTLS-SRTP" -o sip.tls_listen= -o media.srtp=require
