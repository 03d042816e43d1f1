#!/bin/bash
# DTLS-SRTP between the daemons' UAs (issue 6; RFC 5763/5764): with no
# TLS between the daemons, SDES keys would cross in the clear, so with
# [media] srtp = require the UAs key SRTP by a DTLS handshake on the RTP
# port, each checking the other's certificate against the fingerprint in
# its SDP.  alice calls bob with a 440 Hz tone: the call shows srtp
# "dtls", bob's recording holds the tone, and a capture of both RTP port
# ranges has DTLS records (first byte 20-63, RFC 7983), SRTP packets
# (12 + 160 + 10 bytes) and no plain RTP (172 bytes) at all.
. "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null || { echo "skip: no tshark"; exit 77; }
RA=$(($(port a) + 20300))
RB=$(($(port a) + 20400))
start_node a -o sip.tls_listen= -o ua.aor=alice -o media.srtp=require \
    -o media.rtp_ports=$RA-$((RA + 99))
start_node b -o sip.tls_listen= -o "overlay.bootstrap=127.0.0.1:$(port a)" \
    -o ua.aor=bob -o media.srtp=require -o media.rtp_ports=$RB-$((RB + 99))
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"

capture_udp "udp portrange $RA-$((RA + 99)) or udp portrange $RB-$((RB + 99))"
tone_call a b "$T/rec.wav"
run 0 ctl a --json calls
[ "$(json '.calls[0].srtp')" = dtls ] &&
    [ "$(json '.calls[0].reason')" = "hung up" ] &&
    [ "$(json '.calls[0].received')" -ge 150 ] &&
    [ "$(json '.calls[0].auth_failed')" = 0 ] || fail "alice's call: $(cat "$T/out")"
run 0 ctl b --json calls
[ "$(json '.calls[0].srtp')" = dtls ] &&
    [ "$(json '.calls[0].received')" -ge 150 ] || fail "bob's call: $(cat "$T/out")"
heard "$T/rec.wav" 440 bob
ok "a DTLS-SRTP call: bob's recording holds 440 Hz"

capture_end
# each datagram's UDP length and first payload byte
tshark -r "$T/rtp.pcap" -n -T fields -e udp.length -e udp.payload \
    >"$T/pkts" 2>/dev/null || fail "cannot read the capture"
# (in hex: DTLS 14-3f, RTP and RTCP 80-bf)
awk '{ b = tolower(substr($2, 1, 2)); n = $1 - 8
	rtp = b ~ /^[89ab]/
	if (b ~ /^(1[4-9a-f]|[23])/) dtls++
	else if (rtp && n == 182) srtp++
	else if (rtp && n == 172) plain++
	else if (rtp && n >= 150) other++ }
	END { printf "%d %d %d %d\n", dtls, srtp, plain, other }' \
    "$T/pkts" >"$T/counts"
read -r dtls srtp plain other <"$T/counts"
[ "$dtls" -ge 4 ] && [ "$srtp" -ge 300 ] && [ "$plain" = 0 ] &&
    [ "$other" = 0 ] ||
    fail "captured: $dtls DTLS, $srtp SRTP-sized, $plain plain RTP-sized, $other other RTP"
ok "the capture: $dtls DTLS records, $srtp SRTP packets, no plain RTP"
