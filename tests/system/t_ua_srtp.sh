#!/bin/bash
# The daemons' UAs with [media] srtp = require (issue 6): between two
# daemons that talk TLS, alice calls bob with a 440 Hz tone; the keys go
# by SDES (RFC 4568), the call shows srtp "sdes", bob's recording holds
# the tone, and a capture of every datagram on both daemons' RTP ports
# (tshark on lo) has no plain RTP: each RTP packet carries SRTP's 10-byte
# authentication tag (12 + 160 + 10 bytes), none is the 172 bytes of a
# plain one.  A daemon whose UA has srtp = off cannot reach bob: 488.
. "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null || { echo "skip: no tshark"; exit 77; }
RA=$(($(port a) + 20000))
RB=$(($(port a) + 20100))
RC=$(($(port a) + 20200))
start_node a -o ua.aor=alice -o media.srtp=require \
    -o media.rtp_ports=$RA-$((RA + 99))
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)" -o ua.aor=bob \
    -o media.srtp=require -o media.rtp_ports=$RB-$((RB + 99))
start_node c -o "overlay.bootstrap=127.0.0.1:$(port a)" -o ua.aor=carol \
    -o media.srtp=off -o media.rtp_ports=$RC-$((RC + 99))
wait_for 30 ring_ok a b c || fail "ring: $(ring_wrong a b c) wrong"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"

capture_udp "udp portrange $RA-$((RA + 99)) or udp portrange $RB-$((RB + 99))"
tone_call a b "$T/rec.wav"
run 0 ctl a --json calls
[ "$(json '.calls[0].srtp')" = sdes ] &&
    [ "$(json '.calls[0].received')" -ge 150 ] &&
    [ "$(json '.calls[0].auth_failed')" = 0 ] || fail "alice's call: $(cat "$T/out")"
heard "$T/rec.wav" 440 bob
ok "an SRTP call (SDES over TLS): bob's recording holds 440 Hz"

capture_end
# UDP payload sizes of every datagram on the RTP ports: RTP of 20 ms of
# G.711 is 172 bytes plain, 182 with the SRTP tag (RTCP is smaller)
tshark -r "$T/rtp.pcap" -n -T fields -e udp.length >"$T/sizes" 2>/dev/null ||
    fail "cannot read the capture"
srtp=$(awk '$1 - 8 == 182' "$T/sizes" | wc -l)
plain=$(awk '$1 - 8 == 172' "$T/sizes" | wc -l)
other=$(awk '$1 - 8 >= 150 && $1 - 8 != 182' "$T/sizes" | wc -l)
[ "$srtp" -ge 300 ] && [ "$plain" = 0 ] && [ "$other" = 0 ] ||
    fail "captured: $srtp SRTP-sized, $plain plain RTP-sized, $other other (by size: $(awk '$1 - 8 >= 150 && $1 - 8 != 182 { print $1 - 8 }' "$T/sizes" | sort | uniq -c | tr -s "\n " " "))"
ok "the capture: $srtp SRTP packets, no plain RTP"

run 0 ctl c --json call bob
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock c)' --json calls |
    jq -e '.calls[0].status == 488'" ||
    fail "srtp = off reached bob: $(ctl c --json calls)"
ok "a UA with srtp = off gets 488 from one that requires it"
