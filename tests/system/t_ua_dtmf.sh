#!/bin/bash
# DTMF both ways between the daemon's UA and a real softphone (issue 18):
# alice is the UA core of daemon a, bob a baresip phone registered at
# daemon b, the call keyed by DTLS-SRTP (the daemons require SRTP, the
# phone does dtls_srtp), so the telephone-events are encrypted like the
# audio.  The UA calls the phone (it answers at once); `p2psipctl dtmf`
# sends digits as RFC 4733 telephone-events, which baresip logs as it
# receives them ("received event: 'D' (end=0)"), and the daemon says
# dtmf-sent for each; a word that is no DTMF digit is refused before
# anything is sent.  Then the phone sends digits (its menu's sndcode
# command over ctrl_tcp) and the UA's dtmf events show them in order.
. "$(dirname "$0")/lib.sh"

command -v baresip >/dev/null || { echo "skip: no baresip"; exit 77; }
RA=$(($(port a) + 20600))
start_node a -o sip.tls_listen= -o ua.aor=alice -o media.srtp=require \
    -o media.rtp_ports=$RA-$((RA + 99))
start_node b -o sip.tls_listen= -o "overlay.bootstrap=127.0.0.1:$(port a)" \
    -o media.srtp=require
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"

SPB=$(($(sip_port a) + 350))	# the phone's SIP port (+1 TLS, +5 control)
RTPB=$(($(sip_port a) + 480))
PHONE_MEDIAENC=dtls_srtp phone bob b $SPB $RTPB 1000
wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json registrations |
    grep -q bob@" || fail "bob did not register: $(tail -5 "$T/bob.phone/log")"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"

timeout 90 "$P2PSIPCTL" -s "$(sock a)" --json events >"$T/ev.a" 2>&1 &
EXTRA_PIDS+=($!)

# the digits of the events NAME of call $id on a's stream, in order
events_of() {
	jq -rj --arg e "$1" --argjson c "$id" \
	    'select(.event == $e and .call == $c) | .digit' "$T/ev.a"
}
# the digits bob's phone heard begin, in order
phone_heard() {
	sed -n "s/.*received event: '\(.\)' (end=0).*/\1/p" \
	    "$T/bob.phone/log" | tr -d '\n'
}
# the UA's call has had packets from the phone (DTLS done)
flowing() {
	ctl a --json calls | jq -e '.calls[0].state == "active" and
	    .calls[0].received >= 10'
}

run 0 ctl a --json call bob
id=$(json .call)
wait_for 15 flowing || fail "no media on the call: $(ctl a --json calls)"
[ "$(ctl a --json calls | jq -r '.calls[0].srtp')" = dtls ] ||
    fail "the call is not DTLS-SRTP: $(ctl a --json calls)"

# a character that is no digit: refused, nothing sent
run 1 ctl a dtmf "$id" "12x"
has "$T/err" "'x' is not a DTMF digit"
run 1 ctl a dtmf 999 "1"
has "$T/err" "no such call"

# 1. the UA sends "159#", then "7" to the newest call, 60 ms
run 0 ctl a --json dtmf "$id" "159#"
[ "$(json .state)" = queued ] && [ "$(json .call)" = "$id" ] ||
    fail "dtmf: $(cat "$T/out")"
run 0 ctl a --json dtmf 7 --duration 60
[ "$(json .call)" = "$id" ] && [ "$(json .digits)" = 7 ] ||
    fail "dtmf to the newest call: $(cat "$T/out")"
wait_for 10 bash -c "[ \"\$(jq -rj --argjson c $id 'select(.event ==
    \"dtmf-sent\" and .call == \$c) | .digit' '$T/ev.a')\" = '159#7' ]" ||
    fail "dtmf-sent: '$(events_of dtmf-sent)', not '159#7'"
wait_for 10 bash -c "grep -q \"received event: '7' (end=1)\" \
    '$T/bob.phone/log'" ||
    fail "bob's phone heard '$(phone_heard)', not '159#7'"
[ "$(phone_heard)" = "159#7" ] ||
    fail "bob's phone heard '$(phone_heard)', not '159#7'"
ok "the UA sent 159# and 7 to the baresip phone (DTLS-SRTP): heard in order"

# 2. the phone sends "2580*D"
phone_ctrl $((SPB + 5)) sndcode "2580*D" | grep -q '"ok":true' ||
    fail "bob's phone took no sndcode"
wait_for 15 bash -c "[ \"\$(jq -rj --argjson c $id 'select(.event ==
    \"dtmf\" and .call == \$c) | .digit' '$T/ev.a')\" = '2580*D' ]" ||
    fail "the UA heard '$(events_of dtmf)', not '2580*D'"
ok "the baresip phone sent 2580*D: the UA's dtmf events in order"

run 0 ctl a hangup
wait_for 10 ua_state a ended || fail "the call did not end"
run 0 ctl a --json calls
[ "$(json '.calls[0].auth_failed')" = 0 ] ||
    fail "packets failed SRTP: $(cat "$T/out")"
[ "$(events_of dtmf-sent)" = "159#7" ] && [ "$(phone_heard)" = "159#7" ] ||
    fail "more digits went out than asked for"
