#!/bin/bash
# Calls between phones on two hosts (RFC 3261 §16, RFC 7904): two network
# namespaces joined by a veth pair.  Each daemon takes SIP on wildcard
# listeners, so its phones on loopback and peers on the wire both reach
# it, and publishes its phones' AORs at the address other hosts reach it
# by ([sip] advertise, derived): a from its overlay address, b (whose
# overlay listens on a wildcard too) from its interface.  A sipp phone
# on host A calls bob, a sipp phone on host B: the INVITE goes from a to
# b over TLS across the wire, and ACK and BYE follow the Record-Routes.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "skip: no sipp"; exit 77; }
SC=$(cd "$(dirname "$0")" && pwd)/sipp
DOM=p2psipd.localhost
two_hosts 10.78.0

NODE_NS=$NA start_node a -o "overlay.listen=10.78.0.1:$(port a)" \
    -o "sip.listen=0.0.0.0:$(sip_port a)" \
    -o "sip.tls_listen=0.0.0.0:$(sips_port a)"
NODE_NS=$NB start_node b -o "overlay.listen=0.0.0.0:$(port b)" \
    -o "overlay.bootstrap=10.78.0.1:$(port a)" \
    -o "sip.listen=0.0.0.0:$(sip_port b)" \
    -o "sip.tls_listen=0.0.0.0:$(sips_port b)"
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
status_is a .sip.advertise "10.78.0.1:$(sip_port a)"
status_is a .sip.tls_advertise "10.78.0.1:$(sips_port a)"
status_is b .sip.advertise "10.78.0.2:$(sip_port b)"
status_is b .sip.tls_advertise "10.78.0.2:$(sips_port b)"
ok "addresses to publish: a's overlay address, b's interface"

UAS=$(($(sip_port a) + 200))
UAC=$(($(sip_port a) + 210))
printf 'SEQUENTIAL\nbob;%s\n' "$DOM" >"$T/bob.csv"
timeout 30 ip netns exec "$NB" sipp "127.0.0.1:$(sip_port b)" \
    -sf "$SC/register.xml" -inf "$T/bob.csv" -i 127.0.0.1 -p "$UAS" \
    -cp $((UAS + 1)) -nostdin -m 1 -timeout 20 -timeout_error \
    -default_behaviors all,-bye >"$T/reg.out" 2>&1 ||
    fail "bob did not register: $(tail -3 "$T/reg.out")"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"
run 0 ctl a --json lookup bob
want="sip:bob@10.78.0.2:$(sips_port b);transport=tls"
[ "$(json '.bindings[0].contact')" = "$want" ] ||
    fail "bob's contact: $(json '.bindings[0].contact'), not $want"
ok "b published bob at $want"

timeout 60 ip netns exec "$NB" sipp -sf "$SC/uas.xml" -i 127.0.0.1 \
    -mi 127.0.0.1 -p "$UAS" -cp $((UAS + 1)) -nostdin -m 20 -timeout 50 \
    -trace_err -error_file "$T/uas.err" >"$T/uas.out" 2>&1 &
uas=$!
EXTRA_PIDS+=($uas)
sleep 0.5
{ echo SEQUENTIAL; echo "bob;$DOM"; } >"$T/calls.csv"
timeout 60 ip netns exec "$NA" sipp "127.0.0.1:$(sip_port a)" \
    -sf "$SC/uac.xml" -inf "$T/calls.csv" -i 127.0.0.1 -mi 127.0.0.1 \
    -p "$UAC" -cp $((UAC + 1)) -nostdin -m 20 -l 1 -timeout 50 \
    -timeout_error -trace_err -error_file "$T/uac.err" >"$T/uac.out" 2>&1 ||
    fail "calls failed: $(tail -5 "$T/uac.err" 2>/dev/null)"
wait_exit "$uas" 30
[ "$EXIT_RC" -eq 0 ] || fail "bob's phone: $(tail -5 "$T/uas.err")"
# INVITE, ACK and BYE of each call crossed to b, over one TLS connection
status_is b .sip.requests 61
status_is a .sip.tls_connections 1
ok "20 calls from host A to bob on host B, over TLS between the daemons"
