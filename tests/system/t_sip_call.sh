#!/bin/bash
# Calls through two daemons (RFC 3261 §16, RFC 7904) with real phones,
# sipp: bob registers at daemon b, a sipp UAS answers as bob; a sipp UAC
# at daemon a sends 500 calls one after another to sip:bob@OVERLAY: a
# finds bob's registration in the overlay and sends each INVITE straight
# to b, which hands it to bob's phone; 180, 200, ACK and BYE go along the
# Record-Routes of both.  Every call must complete.  An INVITE for an AOR
# nobody registered anywhere gets 404.  Between the daemons it all goes
# over TLS, to the node that registered bob and no other.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "skip: no sipp"; exit 77; }
SC=$(cd "$(dirname "$0")" && pwd)/sipp
DOM=p2psipd.localhost
sip_pair

# the event streams of both daemons, while it all happens
timeout 60 "$P2PSIPCTL" -s "$(sock a)" --json events >"$T/ev.a" 2>&1 &
EXTRA_PIDS+=($!)
timeout 60 "$P2PSIPCTL" -s "$(sock b)" --json events >"$T/ev.b" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json status |
    jq -e '.control_clients == 2'" || fail "no subscriber"

sipp_register bob b "$UAS"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"

# bob's phone: a sipp UAS (180, 200 with the Record-Route, the BYE)
timeout 120 sipp -sf "$SC/uas.xml" -i 127.0.0.1 -mi 127.0.0.1 -p "$UAS" \
    -cp $((UAS + 1)) -nostdin -m 500 -timeout 110 \
    -trace_err -error_file "$T/uas.err" >"$T/uas.out" 2>&1 &
uas=$!
EXTRA_PIDS+=($uas)
sleep 0.5
{ echo SEQUENTIAL; echo "bob;$DOM"; } >"$T/calls.csv"
t0=$(now_ms)
timeout 120 sipp "$SIPA" -sf "$SC/uac.xml" -inf "$T/calls.csv" \
    -i 127.0.0.1 -mi 127.0.0.1 -p "$UAC" -cp $((UAC + 1)) -nostdin \
    -m 500 -l 1 -r 200 -timeout 100 -timeout_error \
    -trace_err -error_file "$T/uac.err" -trace_stat -stf "$T/uac.csv" \
    >"$T/uac.out" 2>&1 ||
    fail "calls failed: $(tail -5 "$T/uac.err" 2>/dev/null)"
t1=$(now_ms)
wait_exit "$uas" 30
[ "$EXIT_RC" -eq 0 ] || fail "bob's phone: $(tail -5 "$T/uas.err")"
ok "500 sequential calls through two daemons, none failed ($((t1 - t0)) ms)"

printf 'SEQUENTIAL\nnobody;%s\n' "$DOM" >"$T/nobody.csv"
timeout 30 sipp "$SIPA" -sf "$SC/uac_404.xml" -inf "$T/nobody.csv" \
    -i 127.0.0.1 -p "$UAC" -cp $((UAC + 1)) -nostdin -m 1 \
    -timeout 20 -timeout_error -default_behaviors all,-bye \
    >"$T/404.out" 2>&1 || fail "no 404: $(tail -3 "$T/404.out")"
ok "an AOR nobody registered: 404"
# INVITE, ACK and BYE of each call and the 404's INVITE reached a, and
# each call's three and the REGISTER reached b (the ACK for the 404
# stays in its transaction)
run 0 ctl a --json status
[ "$(json '.sip.requests')" -eq 1501 ] ||
    fail "requests seen at a: $(json '.sip.requests')"
run 0 ctl b --json status
[ "$(json '.sip.requests')" -eq 1501 ] ||
    fail "requests seen at b: $(json '.sip.requests')"

# The event streams: bob registered at b; a's calls answered, the 404.
wait_for 10 grep -q '"status":404' "$T/ev.a" ||
    fail "no 404 event: $(grep -v '"link"' "$T/ev.a" | tail -3)"
# (the streams are still being written: whole lines only, with grep)
grep -q '"event":"sip-registration","aor":"bob@'$DOM'","state":"registered"' \
    "$T/ev.b" || fail "no registration event: $(head -c 300 "$T/ev.b")"
[ "$(grep -c '"event":"sip-call",.*"to":"sip:bob@'$DOM'",.*"status":200}$' \
    "$T/ev.a")" = 500 ] ||
    fail "call events at a: $(grep -c sip-call "$T/ev.a")"
ok "events: the registration at b, 500 answered calls and the 404 at a"

# The calls went between the daemons over TLS: b published a TLS contact
# for bob, and a opened one connection to it, which all 500 calls took.
status_is a .sip.tls_connections 1
status_is b .sip.tls_connections 1
ok "calls between the daemons went over one TLS connection"

# The contact is pinned to the node that registered it: with b gone and
# another node, c, answering on b's TLS address, a refuses c's
# certificate and the caller gets 480 at once, not a timeout.
B=$(node_id b)
kill -9 "${NODE_PID[b]}"
wait "${NODE_PID[b]}" 2>/dev/null
unset "NODE_PID[b]"
start_node c -o "sip.tls_listen=127.0.0.1:$(sips_port b)"
wait_for 20 ctl a lookup bob || fail "bob's registration is gone with b"
sed 's/"404"/"480"/' "$SC/uac_404.xml" >"$T/uac_480.xml"
t0=$(now_ms)
timeout 30 sipp "$SIPA" -sf "$T/uac_480.xml" -inf "$T/calls.csv" \
    -i 127.0.0.1 -p "$UAC" -cp $((UAC + 1)) -nostdin -m 1 \
    -timeout 20 -timeout_error -default_behaviors all,-bye \
    >"$T/480.out" 2>&1 || fail "no 480: $(tail -3 "$T/480.out")"
t1=$(now_ms)
has "$T/a/log" "sip: tls to 127.0.0.1:$(sips_port b): node $(node_id c) answered, not $B"
ok "a TLS contact answered by another node: refused, 480 in $((t1 - t0)) ms"
