#!/bin/bash
# Two real softphones, one at each daemon (issue 5's end-to-end check):
# baresip "alice" registers at daemon a over UDP, baresip "bob" at daemon
# b over TLS, each through its own daemon as outbound proxy.  alice calls sip:bob@OVERLAY;
# a finds bob's registration in the overlay and sends the INVITE straight
# to b, which hands it to bob's phone; bob answers (auto-answer).  Both
# phones play a tone (alice 440 Hz, bob 1000 Hz) and record what they
# receive.  RTP must flow directly between the two phones' media ports,
# both ways (tshark on lo), each recording must hold the other side's
# tone, and alice's hangup must end the call at both phones (BYE along
# the Record-Routes).  The signalling goes UDP, TLS between the daemons,
# and TLS on bob's own connection.
. "$(dirname "$0")/lib.sh"

command -v baresip >/dev/null || { echo "skip: no baresip"; exit 77; }
command -v tshark >/dev/null || { echo "skip: no tshark"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "skip: capturing on lo needs root"; exit 77; }

start_node a
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"

SPA=$(($(sip_port a) + 300))	# the phones' SIP ports (each also takes
SPB=$(($(sip_port a) + 310))	# +1 for TLS and +5 for control)
RTPA=$(($(sip_port a) + 400))
RTPB=$(($(sip_port a) + 420))
phone alice a $SPA $RTPA 440
phone bob b $SPB $RTPB 1000 tls

wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json registrations |
    grep -q alice@" || fail "alice did not register: $(tail -5 "$T/alice.phone/log")"
wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json registrations |
    grep -q bob@" || fail "bob did not register: $(tail -5 "$T/bob.phone/log")"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"
ok "two baresip phones registered, alice at a and bob at b"

# RTP on the phones' media ports only
capture_udp "udp portrange $RTPA-$((RTPA + 9)) or udp portrange $RTPB-$((RTPB + 9))"

phone_ctrl $((SPA + 5)) dial "sip:bob@$DOM" >/dev/null ||
    fail "alice's phone took no command"
wait_for 15 grep -qi "call established" "$T/alice.phone/log" ||
    fail "no call: $(grep -i 'call\|sip' "$T/alice.phone/log" | tail -5)"
wait_for 5 grep -qi "call established" "$T/bob.phone/log" ||
    fail "bob's phone: $(tail -5 "$T/bob.phone/log")"
ok "alice called bob by AOR; bob's phone answered"
sleep 3
phone_ctrl $((SPA + 5)) hangup >/dev/null || fail "alice could not hang up"
wait_for 10 grep -qi "closed\|terminated" "$T/bob.phone/log" ||
    fail "bob's phone did not see the hangup: $(tail -5 "$T/bob.phone/log")"
ok "alice hung up; the call ended at bob's phone too"
capture_end

# RTP straight between the phones' media ports, both ways
tshark -r "$T/rtp.pcap" -n -o rtp.heuristic_rtp:TRUE \
    -T fields -e udp.srcport -e udp.dstport -Y rtp 2>/dev/null |
    sort | uniq -c >"$T/flows"
ab=0 ba=0
while read -r n s d; do
	if [ "$s" -ge $RTPA ] && [ "$s" -le $((RTPA + 9)) ] &&
	    [ "$d" -ge $RTPB ] && [ "$d" -le $((RTPB + 9)) ]; then
		ab=$((ab + n))
	elif [ "$s" -ge $RTPB ] && [ "$s" -le $((RTPB + 9)) ] &&
	    [ "$d" -ge $RTPA ] && [ "$d" -le $((RTPA + 9)) ]; then
		ba=$((ba + n))
	fi
done <"$T/flows"
[ "$ab" -ge 100 ] && [ "$ba" -ge 100 ] ||
    fail "RTP between the phones: $ab alice->bob, $ba bob->alice ($(cat "$T/flows"))"
ok "RTP flowed directly between the phones: $ab packets alice->bob, $ba bob->alice"

# what each phone heard: the other's tone (by frequency, not by bytes)
for who in "alice 1000" "bob 440"; do
	set -- $who
	rec=$(ls "$T/$1.phone/rec/"dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$rec" ] || fail "$1's phone recorded nothing: $(ls "$T/$1.phone/rec")"
	heard "$rec" "$2" "$1"
done
ok "each phone's recording holds the other's tone"

# baresip's own RTP figures at hangup: sent and received, no errors
for p in alice bob; do
	set -- $(grep -a -m1 "^packets:" "$T/$p.phone/log") x x x
	[ "$2" -ge 100 ] 2>/dev/null && [ "$3" -ge 100 ] ||
	    fail "$p's phone: RTP packets sent/received: $2/$3"
	set -- $(grep -a -m1 "^errors:" "$T/$p.phone/log") x x x
	[ "$2" = 0 ] && [ "$3" = 0 ] || fail "$p's phone: RTP errors $2/$3"
done
ok "both phones' RTP counters: packets each way, no errors"

# the signalling went through both daemons and no further: at each,
# the phone's REGISTER, the INVITE, the ACK and the BYE
for n in a b; do
	run 0 ctl $n --json status
	[ "$(json '.sip.requests')" -eq 4 ] ||
	    fail "SIP requests seen at $n: $(json '.sip.requests')"
done
ok "REGISTER, INVITE, ACK and BYE went through each daemon"

# a to b over TLS, and b to bob's phone on the phone's TLS connection
run 0 ctl b --json registrations
has "$T/out" "\"contact\": *\"sip:bob[^\"]*;transport=tls\""
status_is a .sip.tls_connections 1
status_is b .sip.tls_connections 2
ok "TLS from a to b, and from bob's phone to b"
