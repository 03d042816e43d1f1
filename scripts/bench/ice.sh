#!/bin/bash
# scripts/bench/ice.sh [CALLS] - what ICE adds to call setup between two
# daemons' UAs on loopback: the caller's time from placing a call to its
# media session starting (after the 200 OK without ICE; once a pair is
# selected with ICE: gathering, the answer waiting for the callee's
# candidates, the checks, the nomination), CALLS calls each way (default
# 30), median and 90th percentile, from the caller's log timestamps.
# It stops every daemon it started.
set -u
N=4
. "$(dirname "$0")/lib.sh"
CALLS=${1:-30}

# start I AOR ICE: daemon nI with the UA's aor, [media] ice.
start() {
	start_daemon "$1" -o "overlay.bootstrap=127.0.0.1:$BASE" \
	    -o node.log_level=info -o "ua.aor=$2" -o ua.answer=auto \
	    -o "media.ice=$3" \
	    -o "media.rtp_ports=$((40000 + 200 * $1))-$((40199 + 200 * $1))"
}

start 1 alice yes
start 2 bob yes
start 3 carol no
start 4 dave no
for t in $(seq 100); do
	ctl 1 lookup bob >/dev/null 2>&1 && ctl 3 lookup dave >/dev/null 2>&1 &&
	    break
	sleep 0.2
done

# calls I TARGET: CALLS calls from nI, one after another; prints the
# setup times in ms, one a line.
calls() {
	local i=$1 k id
	for k in $(seq "$CALLS"); do
		id=$(ctl "$i" --json call "$2" --duration 1 | jq -r .call)
		for t in $(seq 100); do
			ctl "$i" --json calls | jq -e --argjson id "$id" \
			    '.calls[] | select(.id == $id) | .state == "ended"' \
			    >/dev/null && break
			sleep 0.05
		done
	done
	setup_ms "$W/n$i/log"
}

echo "call setup (placed -> media session), $(date -u +%F), loopback:"
with=$(calls 1 bob | stats)
without=$(calls 3 dave | stats)
echo "  with ICE:    $with"
echo "  without ICE: $without"
