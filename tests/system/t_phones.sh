#!/bin/bash
# Two real phones of different makes, each at its own daemon, as their
# users leave them (issue 18): dave, a Linphone (linphonec) registered at
# daemon a, its account the daemon as proxy and outbound proxy, the rest
# Linphone's defaults (a Contact with +sip.instance, no reg-id; CRLF
# keepalives on UDP every 30 s), and carol, a baresip registered at
# daemon b with RFC 5626 outbound (+sip.instance, reg-id=1, STUN
# keepalives on its flow).  The daemons talk TLS (the default config).
# Each registrar keeps the instance and reg-id, and each AOR is found
# from the other daemon.  dave calls carol (baresip answers at once),
# then carol calls dave (Linphone answers); in each call dave plays
# 440 Hz and carol 1000 Hz, and each recording must hold the other's
# tone.  Then a MESSAGE each way, seen on the receiving phone.  b
# answers carol's STUN keepalives; nothing either phone sent is taken
# for a bad message; and carol's phone, killed and started again on
# another port with the same uuid, replaces its binding at b (RFC 5626
# §6: same instance and reg-id) instead of adding one.
. "$(dirname "$0")/lib.sh"

command -v baresip >/dev/null || { echo "skip: no baresip"; exit 77; }
command -v linphonec >/dev/null || { echo "skip: no linphonec"; exit 77; }

start_node a
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"

SPD=$(($(sip_port a) + 340))	# dave's SIP port (UDP and TCP)
RTPD=$(($(sip_port a) + 350))	# and RTP, RTCP
SPC=$(($(sip_port a) + 360))	# carol's (+1 TLS, +5 control)
RTPC=$(($(sip_port a) + 370))
CTL=$((SPC + 5))
D=$T/dave.linphone
C=$T/carol.phone
mkdir -p "$D"
"$BUILD/tone" gen "$D/tone.wav" 440 60 || fail "no tone"

linphone dave a $SPD $RTPD
PHONE_SIPNAT=outbound PHONE_CHAT="sip:dave@$DOM" phone carol b $SPC $RTPC 1000

# registered(NAME AOR): daemon NAME has a binding for AOR
registered() {
	ctl "$1" --json registrations |
	    jq -e --arg a "$2@$DOM" 'any(.registrations[]; .aor == $a)'
}
wait_for 20 registered a dave ||
    fail "dave did not register: $(tail -c 400 "$D/out") $(tail -3 "$D/err")"
wait_for 20 registered b carol ||
    fail "carol did not register: $(tail -5 "$C/log")"

# each registrar kept the RFC 5626 parameters the phone sent
run 0 ctl a --json registrations
jq -e --arg a "dave@$DOM" '[.registrations[] | select(.aor == $a)] |
    length == 1 and (.[0].instance | test("^\"<urn:uuid:[0-9a-f-]{36}>\"$"))
    and .[0].reg_id == 0 and (.[0].params | contains("+sip.instance"))
    and (.[0].user_agent | startswith("Linphone"))' "$T/out" >/dev/null ||
    fail "dave's binding at a: $(cat "$T/out")"
run 0 ctl b --json registrations
uuid=$(cat "$C/uuid") || fail "carol's phone kept no uuid"
jq -e --arg a "carol@$DOM" --arg i "\"<urn:uuid:$uuid>\"" \
    '[.registrations[] | select(.aor == $a)] | length == 1 and
    .[0].instance == $i and .[0].reg_id == 1 and
    (.[0].params | contains("reg-id=1"))' "$T/out" >/dev/null ||
    fail "carol's binding at b (uuid $uuid): $(cat "$T/out")"
CONTACT1=$(jq -r --arg a "carol@$DOM" \
    '.registrations[] | select(.aor == $a) | .contact' "$T/out")
wait_for 20 ctl a lookup carol || fail "carol is not in the overlay"
wait_for 20 ctl b lookup dave || fail "dave is not in the overlay"
ok "linphonec dave at a (instance, no reg-id), baresip carol at b" \
    "(instance, reg-id 1), each found from the other daemon"

# 1. dave calls carol; carol's phone answers at once
linphone_cmd dave "play $D/tone.wav"
linphone_cmd dave "record $D/rec1.wav"
linphone_cmd dave "call sip:carol@$DOM"
linphone_wait dave 15 "Call [0-9]+ with sip:carol@$DOM connected" ||
    fail "dave's call: $(tail -c 400 "$D/out") $(tail -3 "$D/err")"
wait_for 5 grep -qi "call established" "$C/log" ||
    fail "carol's phone: $(tail -5 "$C/log")"
sleep 3
linphone_cmd dave terminate
linphone_wait dave 10 "Call [0-9]+ with sip:carol@$DOM ended" ||
    fail "dave's call did not end: $(tail -c 400 "$D/out")"
wait_for 10 grep -qi "terminated\|closed" "$C/log" ||
    fail "carol's phone did not see the hangup: $(tail -5 "$C/log")"
heard "$D/rec1.wav" 1000 dave
rec=$(ls -t "$C/rec/"dump-*-dec.wav 2>/dev/null | head -1)
[ -n "$rec" ] || fail "carol's phone recorded nothing"
heard "$rec" 440 carol
ok "dave called carol through a and b; each heard the other's tone"

# 2. carol calls dave; Linphone rings and is answered
sleep 1		# carol's next recording gets a name of its own
linphone_cmd dave "record $D/rec2.wav"
phone_ctrl $CTL dial "sip:dave@$DOM" >/dev/null ||
    fail "carol's phone took no command"
linphone_wait dave 15 "Receiving new incoming call from sip:carol@$DOM" ||
    fail "dave's phone does not ring: $(tail -c 400 "$D/out")"
linphone_cmd dave answer
linphone_wait dave 10 "Call [0-9]+ with sip:carol@$DOM connected" 2 ||
    fail "dave could not answer: $(tail -c 400 "$D/out")"
wait_for 5 bash -c '[ "$(grep -ci "call established" "$1")" -ge 2 ]' \
    _ "$C/log" || fail "carol's call: $(tail -5 "$C/log")"
sleep 3
phone_ctrl $CTL hangup >/dev/null || fail "carol could not hang up"
linphone_wait dave 10 "Call [0-9]+ with sip:carol@$DOM ended" 2 ||
    fail "dave did not see carol's hangup: $(tail -c 400 "$D/out")"
heard "$D/rec2.wav" 1000 dave
rec2=$(ls -t "$C/rec/"dump-*-dec.wav | head -1)
[ "$rec2" != "$rec" ] || fail "carol's phone made no second recording"
heard "$rec2" 440 carol
ok "carol called dave; Linphone answered; each heard the other's tone"

# 3. a MESSAGE each way
linphone_cmd dave "chat sip:carol@$DOM hello carol, dave here"
wait_for 10 grep -qF "sip:dave@$DOM: \"hello carol, dave here\"" "$C/log" ||
    fail "carol's phone did not show dave's message: $(tail -5 "$C/log")"
phone_ctrl $CTL message "hello dave, carol here" | grep -q '"ok":true' ||
    fail "carol's phone could not send a message: $(tail -5 "$C/log")"
linphone_wait dave 10 \
    "Message received from sip:carol@$DOM: hello dave, carol here" ||
    fail "dave's phone did not show carol's message: $(tail -c 400 "$D/out")"
ok "dave and carol exchanged a MESSAGE each way"

# keepalives(NAME): daemon NAME has counted a keepalive
keepalives() {
	ctl "$1" --json status | jq -e '.sip.keepalives > 0'
}
# carol's STUN keepalives (the first right after registering) answered
wait_for 30 keepalives b ||
    fail "no keepalive answered at b: $(ctl b status | grep keepalives)"
run 0 ctl b --json status
[ "$(json .sip.tls_connections)" -ge 1 ] || fail "no TLS at b"
run 0 ctl a --json status
[ "$(json .sip.tls_connections)" -ge 1 ] || fail "no TLS at a"
ok "b answered carol's STUN keepalives; the daemons talked TLS"

# 4. carol's phone dies without unregistering and comes back on
# another port with the same uuid: its binding is replaced
{ kill -9 "$PHONE_PID" && wait_exit "$PHONE_PID" 10; } 2>/dev/null
SPC2=$((SPC + 20))
PHONE_SIPNAT=outbound PHONE_CHAT="sip:dave@$DOM" phone carol b $SPC2 $RTPC 1000
wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json registrations |
    grep -q ':$SPC2\"'" ||
    fail "carol did not register again: $(tail -5 "$C/log")"
run 0 ctl b --json registrations
jq -e --arg a "carol@$DOM" --arg i "\"<urn:uuid:$uuid>\"" \
    --arg c "$CONTACT1" '[.registrations[] | select(.aor == $a)] |
    length == 1 and .[0].instance == $i and .[0].reg_id == 1 and
    .[0].contact != $c' "$T/out" >/dev/null ||
    fail "carol's bindings after the restart: $(cat "$T/out")"
ok "carol's phone registered again from port $SPC2: one binding, replaced"

# dave's CRLF keepalives on UDP (every 30 s) taken at a; nothing either
# phone sent taken for a bad message
wait_for 35 keepalives a ||
    fail "no keepalive from dave at a: $(ctl a status | grep 'keepalives\|bad')"
for n in a b; do
	run 0 ctl $n --json status
	[ "$(json .sip.bad_answered)" = 0 ] &&
	    [ "$(json .sip.bad_dropped)" = 0 ] ||
	    fail "$n took something a phone sent for bad:" \
	    "$(json .sip.bad_answered) answered, $(json .sip.bad_dropped) dropped"
done
ok "dave's CRLF keepalives taken at a; no message from a phone refused"

linphone_stop dave
ok "linphonec quit cleanly"
