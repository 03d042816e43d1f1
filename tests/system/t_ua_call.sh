#!/bin/bash
# The daemons' own user agents (issue 6): daemon a answers for alice and
# daemon b for bob ([ua] aor), both registered in the overlay.  alice
# calls bob playing a 440 Hz tone; bob rings, is answered from the
# control socket with a recording, and the recording must hold the tone
# (by frequency, not by bytes).  The events of b's stream say incoming,
# answered and ended, with a reason; calls shows the codec and packet
# counts.  A MESSAGE goes from alice to bob: the sender gets 200, bob's
# stream the text, and both histories (sqlite) keep it.  A WAV that
# cannot be played fails the call command before any call is placed.
. "$(dirname "$0")/lib.sh"

TONE=$BUILD/tone
DOM=p2psipd.localhost
start_node a -o ua.aor=alice -o media.rtp_ports=$(($(port a) + 20000))-$(($(port a) + 20099))
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)" -o ua.aor=bob \
    -o media.rtp_ports=$(($(port a) + 20100))-$(($(port a) + 20199))
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay: $(grep -i "ua\|sip" "$T/b/log" | tail -5)"
wait_for 20 ctl b lookup alice || fail "alice is not in the overlay"
run 0 ctl b --json ua list
[ "$(json '.aors[0].aor')" = "bob@$DOM" ] &&
    [ "$(json '.aors[0].answer')" = ring ] &&
    [ "$(json '.aors[0].registered')" = true ] || fail "ua list: $(cat "$T/out")"
ok "alice and bob registered by their daemons' UAs"

timeout 60 "$P2PSIPCTL" -s "$(sock b)" --json events >"$T/ev.b" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json status |
    jq -e '.control_clients == 2'" || fail "no subscriber"

# a WAV that cannot be played: refused before anything goes out
printf 'not a wav file at all' >"$T/bad.wav"
run 1 ctl a call bob --play "$T/bad.wav"
has "$T/err" "bad.wav: "
why=$(head -1 "$T/err")
run 0 ctl a --json calls
[ "$(json '.calls | length')" = 0 ] || fail "a call was placed: $(cat "$T/out")"
ok "a WAV that cannot be read fails the command, no call placed: $why"

"$TONE" gen "$T/tone.wav" 440 3 || fail "no tone"
run 0 ctl a --json call bob --play "$T/tone.wav" --duration 4
CALL=$(json .call)
wait_for 10 ua_state b incoming || fail "bob's UA does not ring"
run 0 ctl a --json calls
[ "$(json '.calls[0].state')" = ringing ] || fail "alice's call: $(cat "$T/out")"
run 0 ctl b --json answer --record "$T/rec.wav"
wait_for 15 ua_state a ended || fail "the call did not end"
run 0 ctl a --json calls
[ "$(json '.calls[0].id')" = "$CALL" ] &&
    [ "$(json '.calls[0].codec')" = PCMU ] &&
    [ "$(json '.calls[0].reason')" = "hung up" ] &&
    [ "$(json '.calls[0].sent')" -ge 150 ] &&
    [ "$(json '.calls[0].received')" -ge 150 ] &&
    [ "$(json '.calls[0].lost')" -le 0 ] || fail "alice's call: $(cat "$T/out")"
echo "  alice: $(json '.calls[0] | "\(.codec) srtp=\(.srtp) \(.duration)s sent=\(.sent) received=\(.received) lost=\(.lost) jitter=\(.jitter_ms)ms"')"
wait_for 10 ua_state b ended || fail "bob's side did not end"
run 0 ctl b --json calls
[ "$(json '.calls[0].reason')" = "remote hung up" ] || fail "bob: $(cat "$T/out")"
heard "$T/rec.wav" 440 bob
ok "alice's UA called bob's with a tone; bob's recording holds 440 Hz"

wait_for 5 grep -q '"call-ended"' "$T/ev.b" || fail "no ended event"
for e in call-incoming call-answered call-ended; do
	jq -se --arg e "$e" 'any(.[]; .event == $e and
	    .peer == "sip:alice@'$DOM'")' "$T/ev.b" >/dev/null || fail "no $e event: $(cat "$T/ev.b")"
done
jq -se 'any(.[]; .event == "call-ended" and .reason == "remote hung up")' \
    "$T/ev.b" >/dev/null || fail "ended without its reason: $(cat "$T/ev.b")"
ok "b's event stream: incoming, answered, ended (remote hung up)"

run 0 ctl a --json message bob "hello, bob"
[ "$(json .status)" = 200 ] || fail "message: $(cat "$T/out")"
wait_for 5 grep -q '"message"' "$T/ev.b" || fail "no message event"
jq -se 'any(.[]; .event == "message" and .text == "hello, bob" and
    .from == "sip:alice@'$DOM'" and .to == "bob@'$DOM'")' "$T/ev.b" \
    >/dev/null || fail "message event: $(grep message "$T/ev.b")"
run 0 ctl b --json history
[ "$(json '.messages[-1].text')" = "hello, bob" ] &&
    [ "$(json '.messages[-1].direction')" = in ] || fail "b's history: $(cat "$T/out")"
run 0 ctl a --json history
[ "$(json '.messages[-1].status')" = 200 ] &&
    [ "$(json '.messages[-1].direction')" = out ] || fail "a's history: $(cat "$T/out")"
[ "$(sqlite3 "$T/b/data/p2psipd.db" 'SELECT text FROM messages')" = \
    "hello, bob" ] || fail "not in b's sqlite history"
run 1 ctl a --json message carol "anyone?"
has "$T/err" "404"
ok "MESSAGE alice -> bob: 200, the event on b's stream, both histories"

# reject and auto-answer, from the policy per AOR
run 0 ctl b ua add bob --answer reject
run 0 ctl a --json call bob
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json calls |
    jq -e '.calls[] | select(.id == $(json .call)) | .status == 603'" ||
    fail "bob did not reject: $(ctl a --json calls)"
run 0 ctl b ua add bob --answer auto
run 0 ctl a --json call bob --duration 1
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json calls |
    jq -e '.calls[] | select(.id == $(json .call)) | .state == \"ended\" and .status == 200'" ||
    fail "bob did not answer at once: $(ctl a --json calls)"
ok "bob's policy: reject (603), then auto-answer"
