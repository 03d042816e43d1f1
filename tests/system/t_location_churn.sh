#!/bin/bash
# The location service under churn, with 30 real daemons: 1,000 AORs
# registered from random daemons; 9 daemons killed with SIGKILL; every
# AOR is found again from every remaining daemon within 60 seconds (the
# copies on the successors take over, RFC 6940 §10.4, §10.7.3); then the
# whole overlay is killed and restarted and still holds every AOR.
. "$(dirname "$0")/lib.sh"

N=30
K=1000
NAMES=()
for i in $(seq $N); do NAMES+=("n$i"); done
BOOT="127.0.0.1:$(port n1),127.0.0.1:$(port n2),127.0.0.1:$(port n3)"

start_all() {
	local name
	for name in "$@"; do
		start_node "$name" -o "overlay.bootstrap=$BOOT"
	done
}

# batch NAME...: ctlbatch over the daemons' sockets, requests on stdin.
batch() {
	local socks=() name
	for name in "$@"; do socks+=("$(sock "$name")"); done
	"$BUILD/ctlbatch" -w 64 -t 120 "${socks[@]}"
}

# pending NAME...: every (daemon, AOR) pair to look up, as "i k" lines.
pending() {
	local i k
	for i in $(seq 0 $(($# - 1))); do
		for k in $(seq $K); do echo "$i $k"; done
	done >"$T/pending"
}

# found NAME...: look up the pairs still pending, keep those not found
# with the right contact (a pair is done once its daemon has found it);
# prints how many are left.
found() {
	awk '{ printf "%s lookup {\"aor\":\"u%s\"}\n", $1, $2 }' \
	    "$T/pending" | batch "$@" >"$T/found"
	grep -E '"aor":"u([0-9]+)@p2psipd\.localhost".*"contact":"sip:u\1@192\.0\.2\.1"' \
	    "$T/found" | cut -d' ' -f1 | sort -n >"$T/ok.lines"
	awk 'NR == FNR { ok[$1] = 1; next } !(FNR in ok)' "$T/ok.lines" \
	    "$T/pending" >"$T/pending.new"
	grep -v '"contact":"sip:u' "$T/found" | head -n 20 >"$T/notfound"
	mv "$T/pending.new" "$T/pending"
	wc -l <"$T/pending"
}

t0=$(now_ms)
start_all "${NAMES[@]}"
wait_for 120 ring_ok "${NAMES[@]}" ||
    fail "ring of $N not right: $(ring_wrong "${NAMES[@]}") wrong"
ok "$N daemons in a ring ($(( $(now_ms) - t0 )) ms)"

# Register from random daemons.
RANDOM=20261121
for k in $(seq $K); do
	echo "$((RANDOM % N)) register {\"aor\":\"u$k\",\"contact\":\"sip:u$k@192.0.2.1\"}"
done | batch "${NAMES[@]}" >"$T/reg"
[ "$(grep -c ' ok ' "$T/reg")" = $K ] ||
    fail "registrations: $(grep -v ' ok ' "$T/reg" | head -n 3)"
ok "$K AORs registered from random daemons"

# Kill 9 with SIGKILL: every third one around the ring, so that no value
# loses all three of its copies at once (with three copies, three
# neighbors dying together is a loss no replication can cover).
ids=()
for name in "${NAMES[@]}"; do ids+=("$(node_id "$name") $name"); done
VICTIMS=($(printf '%s\n' "${ids[@]}" | sort | awk 'NR % 3 == 1 { print $2 }' |
    head -n 9))
[ ${#VICTIMS[@]} = 9 ] || fail "victims"
for name in "${VICTIMS[@]}"; do
	kill -9 "${NODE_PID[$name]}"
done
for name in "${VICTIMS[@]}"; do
	wait "${NODE_PID[$name]}" 2>/dev/null
	unset "NODE_PID[$name]"
done
t0=$(now_ms)
LIVE=()
for name in "${NAMES[@]}"; do
	[ -n "${NODE_PID[$name]:-}" ] && LIVE+=("$name")
done
pending "${LIVE[@]}"
while :; do
	left=$(found "${LIVE[@]}")
	[ "$left" = 0 ] && break
	if [ $(( $(now_ms) - t0 )) -ge 60000 ]; then
		# the last answers not found (line numbers of the last round)
		cat "$T/notfound" >&2
		fail "60 s after 9 SIGKILLs: $left of $(( ${#LIVE[@]} * K ))" \
		    "(daemon, AOR) lookups never found"
	fi
	sleep 1
done
ok "every AOR found from all ${#LIVE[@]} remaining daemons $(( $(now_ms) - t0 )) ms after 9 SIGKILLs"

# Kill them all and start all 30 again: the data is in their stores.
for name in "${LIVE[@]}"; do
	kill -9 "${NODE_PID[$name]}"
	wait "${NODE_PID[$name]}" 2>/dev/null
	unset "NODE_PID[$name]"
done
t0=$(now_ms)
start_all "${NAMES[@]}"
wait_for 120 ring_ok "${NAMES[@]}" ||
    fail "ring after restart: $(ring_wrong "${NAMES[@]}") wrong"
SOME=(n1 n8 n15 n22 n30)
pending "${SOME[@]}"
while :; do
	left=$(found "${SOME[@]}")
	[ "$left" = 0 ] && break
	if [ $(( $(now_ms) - t0 )) -ge 120000 ]; then
		cat "$T/notfound" >&2
		fail "after the restart: $left lookups never found"
	fi
	sleep 1
done
ok "whole restart: every AOR found ($(( $(now_ms) - t0 )) ms)"
