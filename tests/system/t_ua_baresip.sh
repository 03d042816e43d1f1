#!/bin/bash
# The daemon's UA and a real softphone (issue 6): alice is the UA core of
# daemon a, bob a baresip phone registered at daemon b.  The daemons
# talk no TLS and require SRTP, and bob's phone encrypts with DTLS-SRTP
# (baresip's dtls_srtp module), so each call is keyed by a DTLS handshake
# between the UA and the phone (RFC 5763/5764), interoperating with
# another implementation.  First alice calls bob (the phone answers at
# once), then bob's phone calls alice (the UA rings; answer, hangup).
# In each call both sides play a tone (alice 440 Hz, bob 1000 Hz) and
# each side's recording must hold the other's, by frequency.  Last, the
# UA calls carol, a phone registered at its own daemon.
. "$(dirname "$0")/lib.sh"

command -v baresip >/dev/null || { echo "skip: no baresip"; exit 77; }
TONE=$BUILD/tone
RA=$(($(port a) + 20500))
start_node a -o sip.tls_listen= -o ua.aor=alice -o media.srtp=require \
    -o media.rtp_ports=$RA-$((RA + 99))
start_node b -o sip.tls_listen= -o "overlay.bootstrap=127.0.0.1:$(port a)" \
    -o media.srtp=require
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"

SPB=$(($(sip_port a) + 330))	# the phone's SIP port (+1 TLS, +5 control)
RTPB=$(($(sip_port a) + 440))
PHONE_MEDIAENC=dtls_srtp phone bob b $SPB $RTPB 1000
wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json registrations |
    grep -q bob@" || fail "bob did not register: $(tail -5 "$T/bob.phone/log")"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"
wait_for 20 ctl b lookup alice || fail "alice is not in the overlay"
"$TONE" gen "$T/tone.wav" 440 10 || fail "no tone"

# the newest recording bob's phone made
bob_rec() {
	ls -t "$T/bob.phone/rec/"dump-*-dec.wav 2>/dev/null | head -1
}

# 1. the UA calls the phone
run 0 ctl a --json call bob --play "$T/tone.wav" --record "$T/a1.wav" \
    --duration 4
wait_for 15 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json calls |
    jq -e '.calls[0].state == \"ended\"'" || fail "the call did not end: $(ctl a --json calls)"
run 0 ctl a --json calls
[ "$(json '.calls[0].status')" = 200 ] &&
    [ "$(json '.calls[0].srtp')" = dtls ] &&
    [ "$(json '.calls[0].reason')" = "hung up" ] &&
    [ "$(json '.calls[0].received')" -ge 100 ] &&
    [ "$(json '.calls[0].auth_failed')" = 0 ] ||
    fail "alice's call to the phone: $(cat "$T/out")"
wait_for 10 grep -qi "closed\|terminated" "$T/bob.phone/log" ||
    fail "the phone did not see the hangup: $(tail -5 "$T/bob.phone/log")"
heard "$T/a1.wav" 1000 alice
rec=$(bob_rec)
[ -n "$rec" ] || fail "bob's phone recorded nothing"
heard "$rec" 440 bob
grep -qi "dtls" "$T/bob.phone/log" || fail "the phone did no DTLS"
ok "the UA called the baresip phone: DTLS-SRTP, each heard the other's tone"

# 2. the phone calls the UA
n0=$(ls "$T/bob.phone/rec/"dump-*-dec.wav | wc -l)
sleep 1		# the phone's second recording gets a name of its own
phone_ctrl $((SPB + 5)) dial "sip:alice@$DOM" >/dev/null ||
    fail "bob's phone took no command"
wait_for 15 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json calls |
    jq -e 'any(.calls[]; .state == \"incoming\")'" ||
    fail "alice's UA does not ring: $(ctl a --json calls)"
run 0 ctl a --json answer --play "$T/tone.wav" --record "$T/a2.wav"
sleep 4
run 0 ctl a hangup
wait_for 10 bash -c "grep -ci 'closed\|terminated' '$T/bob.phone/log' |
    awk '\$1 >= 2' | grep -q ." ||
    fail "the phone did not see the second hangup: $(tail -5 "$T/bob.phone/log")"
run 0 ctl a --json calls
c=$(jq -c '[.calls[] | select(.direction == "in")] | max_by(.id)' "$T/out")
[ "$(jq -r .status <<<"$c")" = 200 ] && [ "$(jq -r .srtp <<<"$c")" = dtls ] &&
    [ "$(jq -r .reason <<<"$c")" = "hung up" ] &&
    [ "$(jq -r .peer <<<"$c")" = "sip:bob@$DOM" ] &&
    [ "$(jq -r .received <<<"$c")" -ge 100 ] &&
    [ "$(jq -r .auth_failed <<<"$c")" = 0 ] ||
    fail "the phone's call to alice: $c"
heard "$T/a2.wav" 1000 alice
[ "$(ls "$T/bob.phone/rec/"dump-*-dec.wav | wc -l)" -gt "$n0" ] ||
    fail "bob's phone made no second recording"
heard "$(bob_rec)" 440 bob
ok "the baresip phone called the UA: DTLS-SRTP, each heard the other's tone"

# 3. a phone at the UA's own daemon
SPC=$(($(sip_port a) + 340))
RTPC=$(($(sip_port a) + 460))
PHONE_MEDIAENC=dtls_srtp phone carol a $SPC $RTPC 1000
wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json registrations |
    grep -q carol@" || fail "carol did not register: $(tail -5 "$T/carol.phone/log")"
run 0 ctl a --json call carol --record "$T/a3.wav" --duration 3
wait_for 15 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json calls |
    jq -e '.calls | max_by(.id) | .state == \"ended\"'" ||
    fail "the call to carol did not end: $(ctl a --json calls)"
run 0 ctl a --json calls
c=$(jq -c '.calls | max_by(.id)' "$T/out")
[ "$(jq -r .status <<<"$c")" = 200 ] && [ "$(jq -r .srtp <<<"$c")" = dtls ] &&
    [ "$(jq -r .received <<<"$c")" -ge 100 ] || fail "the call to carol: $c"
heard "$T/a3.wav" 1000 alice
ok "the UA called a phone at its own daemon: DTLS-SRTP, carol's tone heard"
