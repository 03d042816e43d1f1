#!/bin/bash
# A load that ends (issue 25): 3000 calls through two daemons, 50 in
# flight, and 300 lookups beside them; then what they held must go.
# Every call completes; once the transactions' timers run out (RFC 3261
# §17: 32 s over UDP) no transaction and no request record is left at
# either daemon; and both stop cleanly, which under `make asan` means
# LeakSanitizer found nothing held.  (Its speed and memory figures are
# scripts/bench/soak.sh's.)
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "skip: no sipp"; exit 77; }
SC=$(cd "$(dirname "$0")" && pwd)/sipp
DOM=p2psipd.localhost
CALLS=3000
sip_pair

sipp_register bob b "$UAS"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"

timeout 300 sipp -sf "$SC/uas.xml" -i 127.0.0.1 -mi 127.0.0.1 -p "$UAS" \
    -cp $((UAS + 1)) -nostdin -m "$CALLS" -timeout 280 \
    -trace_err -error_file "$T/uas.err" >"$T/uas.out" 2>&1 &
uas=$!
EXTRA_PIDS+=($uas)
sleep 0.5
# lookups beside the calls: found and not found
( for i in $(seq 150); do
	ctl a lookup bob >/dev/null || echo "bob not found" >>"$T/lookups"
	ctl a lookup "nobody$i" >/dev/null 2>&1 && echo "nobody$i found" >>"$T/lookups"
  done; echo done >>"$T/lookups" ) &
looks=$!
EXTRA_PIDS+=($looks)
{ echo SEQUENTIAL; echo "bob;$DOM"; } >"$T/calls.csv"
t0=$(now_ms)
timeout 300 sipp "$SIPA" -sf "$SC/uac.xml" -inf "$T/calls.csv" \
    -i 127.0.0.1 -mi 127.0.0.1 -p "$UAC" -cp $((UAC + 1)) -nostdin \
    -m "$CALLS" -l 50 -r 1000 -timeout 280 -timeout_error \
    -trace_err -error_file "$T/uac.err" >"$T/uac.out" 2>&1 ||
    fail "calls failed: $(tail -5 "$T/uac.err" 2>/dev/null)"
t1=$(now_ms)
wait_exit "$uas" 30
[ "$EXIT_RC" -eq 0 ] || fail "bob's phone: $(tail -5 "$T/uas.err")"
wait_exit "$looks" 120
[ "$(cat "$T/lookups")" = done ] || fail "lookups: $(head -3 "$T/lookups")"
ok "$CALLS calls through two daemons, 50 in flight, and 300 lookups:" \
    "none failed ($((t1 - t0)) ms)"

# state() NAME: "transactions forwards state_bytes" at daemon NAME
STATE='"\(.sip.transactions) \(.sip.forwards) \(.sip.state_bytes)"'
state() {
	ctl "$1" --json status | jq -r "$STATE"
}
[ "$(state a)" != "0 0 0" ] || fail "no state held during the load: the test tests nothing"
wait_for 45 bash -c "[ \"\$('$P2PSIPCTL' -s '$(sock a)' --json status |
    jq -r '$STATE')\" = '0 0 0' ] &&
    [ \"\$('$P2PSIPCTL' -s '$(sock b)' --json status |
    jq -r '$STATE')\" = '0 0 0' ]" ||
    fail "state left 45 s after the load: a $(state a), b $(state b)"
ok "no transaction or request record left at either daemon once their timers ran out, nor a byte of their memory"

stop_node a
stop_node b
ok "both daemons stop cleanly (under ASan: no leak)"
