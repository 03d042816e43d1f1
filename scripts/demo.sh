#!/bin/bash
# scripts/demo.sh - p2psipd at work in one command (`make demo`): three
# daemons on loopback form an overlay; alice's UA lives at the first,
# bob's at the second; alice finds bob through the overlay and calls
# him with a 440 Hz tone that bob's UA records; then she sends him a
# message.  Each step is printed with what the daemons report, and
# everything is stopped and removed at the end.  No root, no network:
# loopback only.
# Environment: BUILD (the build directory), KEEP=1 (keep the logs).
set -u

N=3
. "$(dirname "$0")/bench/lib.sh"
TONE=$BUILD/tone
[ -x "$TONE" ] || { echo "build first: make" >&2; exit 1; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 1; }
DOM=p2psipd.localhost
T0=$(now_ms)

step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf '  %s\n' "$*"; }
die() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }
since() { calc "($(now_ms) - $1) / 1000"; }
calls_state() {	# calls_state I STATE: the newest call of daemon I is in STATE
	ctl "$1" --json calls | jq -e --arg s "$2" '.calls | max_by(.id) | .state == $s'
}

step "1. Three daemons start on loopback (work directory $W)"
start_daemons
for i in 1 2 3; do
	await 10 ctl $i status || die "daemon $i did not start: $(tail -3 "$W/n$i/log")"
	ID[$i]=$(ctl $i --json status | jq -r .node_id)
	say "daemon $i: node ${ID[$i]:0:16}..  overlay 127.0.0.1:$((BASE + i - 1))  SIP 127.0.0.1:$((BASE + SPAN + i - 1))"
done

step "2. They join through each other and form the Chord ring"
t=$(now_ms)
wait_ring 30
say "ring correct after $(since "$t") s: each node's predecessor and successor"
for i in 1 2 3; do
	ctl $i --json ring | jq -r --arg i "$i" \
	    '"daemon \($i): \(.self[0:8])  pred \(.predecessors[0][0:8])  succ \(.successors[0][0:8])"' |
	    sed 's/^/  /'
done

step "3. The daemons' own user agents register alice (at 1) and bob (at 2)"
ctl 1 ua add alice >/dev/null || die "ua add alice"
ctl 2 ua add bob >/dev/null || die "ua add bob"
await 20 ctl 1 lookup bob || die "bob is not in the overlay"
await 20 ctl 2 lookup alice || die "alice is not in the overlay"
say "alice@$DOM and bob@$DOM are stored in the overlay (RELOAD SipRegistration)"

step "4. alice's daemon looks bob up in the overlay"
# which daemon a Node-ID is
who() {
	local i
	for i in 1 2 3; do [ "${ID[$i]}" = "$1" ] && echo "daemon $i" && return; done
	echo "node ${1:0:16}.."
}
r=$(ctl 1 --json route "bob@$DOM") || die "no route"
say "bob@$DOM hashes to Resource-ID $(jq -r '.resource_id[0:16]' <<<"$r").., whose"
say "responsible node is $(who "$(jq -r .responsible <<<"$r")") ($(jq -r .hops <<<"$r") hops from daemon 1): it stores bob's registration"
l=$(ctl 1 --json lookup bob) || die "no lookup"
say "lookup from daemon 1: $(jq -r '.bindings | length' <<<"$l") binding(s) in $(jq -r .ms <<<"$l") ms: bob is reached at $(jq -r '.bindings[0].contact' <<<"$l"),"
say "the SIP address of $(who "$(jq -r '.bindings[0].node_id' <<<"$l")"), which hands the call to bob's UA"

step "5. alice calls bob, playing a 440 Hz tone; bob's UA rings, then answers and records"
"$TONE" gen "$W/tone.wav" 440 3 || die "no tone"
ctl 2 --json events >"$W/events.2" 2>&1 &
EV=$!
sleep 0.3
ctl 1 call bob --play "$W/tone.wav" --duration 4 >/dev/null || die "the call was not placed"
await 10 calls_state 2 incoming || die "bob's UA does not ring"
ctl 2 --json calls | jq -r '.calls | max_by(.id) | "  bob: call \(.id) from \(.peer): \(.state)"'
ctl 2 answer --record "$W/bob.wav" >/dev/null || die "bob could not answer"
await 5 calls_state 1 active || die "the call was not answered"
sleep 1
for i in 1 2; do
	ctl $i --json calls | jq -r --arg who "$([ $i = 1 ] && echo alice || echo bob)" \
	    '.calls | max_by(.id) | "  \($who): \(.state), \(.codec), SRTP keyed by \(.srtp | ascii_upcase), \(.sent) packets sent, \(.received) received so far"'
done
await 15 calls_state 1 ended || die "the call did not end"
await 5 calls_state 2 ended || die "bob's side did not end"
say "the call ended after alice's 4 s (--duration):"
for i in 1 2; do
	ctl $i --json calls | jq -r --arg who "$([ $i = 1 ] && echo alice || echo bob)" \
	    '.calls | max_by(.id) | "  \($who): \(.reason), status \(.status), \(.duration * 10 | round / 10) s, sent \(.sent), received \(.received), lost \(.lost), jitter \(.jitter_ms * 100 | round / 100) ms, SRTP auth failures \(.auth_failed)"'
done
say "events on bob's stream:"
jq -r 'select(.event | startswith("call-")) |
    "    \(.event)\(if .reason != "" then " (\(.reason))" else "" end)"' "$W/events.2"

step "6. What bob recorded holds alice's tone"
set -- $("$TONE" find "$W/bob.wav") || die "no recording"
say "strongest frequency in bob's recording: $1 Hz, $(calc "$2 * 100")% of the power (alice played 440 Hz)"
[ "$1" = 440 ] || die "the tone did not come through"

step "7. alice sends bob a message (SIP MESSAGE)"
ctl 1 --json message bob "Hello from alice, over the overlay" |
    jq -r '"  final response: \(.status) \(.reason // "")"'
await 5 grep -q '"event":"message"' "$W/events.2" || die "no message event"
jq -r 'select(.event == "message") | "  on bob'"'"'s event stream: message from \(.from): \"\(.text)\""' "$W/events.2"
ctl 2 --json history | jq -r '.messages | last | "  bob'"'"'s history (sqlite): \(.direction // "in") from \(.from // .peer): \"\(.text)\""'

kill "$EV" 2>/dev/null
wait "$EV" 2>/dev/null
step "8. Done in $(since "$T0") s; the daemons stop and the work directory goes"
