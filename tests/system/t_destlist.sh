#!/bin/bash
# Bindings by destination list (issue 18): "p2psipctl register carol"
# with no contact publishes a SIP-REGISTRATION naming daemon b (RFC 7904
# §3).  From a, whose UA is alice, a call to carol is looked up, b is
# asked by AppAttach (RFC 6940 §6.5.2) where it takes SIP over TLS, and
# the INVITE goes there: b's own UA rings, is answered, and hears alice's
# 440 Hz tone.  A MESSAGE to carol gets 200 and lands in b's history and
# event stream.  b's message trace shows the AppAttach request and its
# answer (tshark).  A scripted peer asking b for another application gets
# Error_Not_Found, for SIP b's TLS address.  A destination list naming a
# node that does not answer AppAttach gets 480.  Once b unregisters
# carol, a call to her gets 404.  A daemon without SIP over TLS refuses the
# contactless form.
. "$(dirname "$0")/lib.sh"

# RTP ports: a block of 100 per daemon, even, above the overlay ports
rtp() {
	local lo=$(( $(port a) + 20000 + 100 * $1 ))
	echo "media.rtp_ports=$lo-$((lo + 99))"
}

# a gives up on an unanswered RELOAD request after 5 x 1 s (§6.2.1)
start_node a -o ua.aor=alice -o "$(rtp 0)" -o overlay.reliability_timer=1000
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)" -o "$(rtp 1)"
start_node c -o "overlay.bootstrap=127.0.0.1:$(port a)" -o "$(rtp 2)"
wait_for 30 ring_ok a b c || fail "ring: $(ring_wrong a b c) wrong"
wait_for 20 ctl b lookup alice || fail "alice is not in the overlay"
B=$(node_id b)

HAVE_TSHARK=false
command -v tshark >/dev/null && HAVE_TSHARK=true
$HAVE_TSHARK && run 0 ctl b trace start "$T/b.pcap"

run 0 ctl b --json register carol
[ "$(json .aor)" = "carol@$DOM" ] && [ "$(json '.contact == null')" = true ] ||
    fail "register: $(cat "$T/out")"
run 0 ctl b --json published
[ "$(json '[.registrations[] | select(.aor == "carol@'$DOM'" and
    .contact == null)] | length')" = 1 ] ||
    fail "published: $(cat "$T/out")"
run 0 ctl a --json lookup carol
[ "$(json '.bindings | length')" = 1 ] &&
    [ "$(json '.bindings[0].destination_list | join(",")')" = "$B" ] &&
    [ "$(json '.bindings[0].node_id')" = "$B" ] ||
    fail "lookup from a: $(cat "$T/out")"
ok "b publishes carol by destination list [b]"

timeout 90 "$P2PSIPCTL" -s "$(sock b)" --json events >"$T/ev.b" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json status |
    jq -e '.control_clients == 2'" || fail "no subscriber"

"$BUILD/tone" gen "$T/tone.wav" 440 3 || fail "no tone"
run 0 ctl a --json call carol --play "$T/tone.wav" --duration 4
wait_for 15 ua_state b incoming ||
    fail "b's UA does not ring: $(ctl a --json calls) $(grep -i "sip\|ua" "$T/a/log" | tail -5)"
run 0 ctl b --json calls
[ "$(json '.calls[0].direction')" = in ] &&
    [ "$(json '.calls[0].aor')" = "carol@$DOM" ] &&
    [ "$(json '.calls[0].peer')" = "sip:alice@$DOM" ] ||
    fail "b's call: $(cat "$T/out")"
run 0 ctl b answer --record "$T/rec.wav"
wait_for 15 ua_state a ended || fail "the call did not end"
wait_for 10 ua_state b ended || fail "b's side did not end"
run 0 ctl a --json calls
[ "$(json '.calls[0].status')" = 200 ] &&
    [ "$(json '.calls[0].reason')" = "hung up" ] ||
    fail "alice's call: $(cat "$T/out")"
heard "$T/rec.wav" 440 "b's UA"
# the INVITE went over TLS, to b's certificate (pinned to its Node-ID)
run 0 ctl a --json status
[ "$(json .sip.tls_connections)" -ge 1 ] || fail "no TLS: $(json .sip)"
ok "alice called carol: b's UA rang, answered, heard the tone"

run 0 ctl a --json message carol "hi"
[ "$(json .status)" = 200 ] || fail "message: $(cat "$T/out")"
wait_for 5 grep -q '"message"' "$T/ev.b" || fail "no message event"
jq -se 'any(.[]; .event == "message" and .text == "hi" and
    .from == "sip:alice@'$DOM'" and .to == "carol@'$DOM'")' "$T/ev.b" \
    >/dev/null || fail "message event: $(grep message "$T/ev.b")"
run 0 ctl b --json history
[ "$(json '.messages[-1].text')" = hi ] &&
    [ "$(json '.messages[-1].direction')" = in ] || fail "b's history: $(cat "$T/out")"
ok "a MESSAGE to carol: 200, in b's events and history"

if $HAVE_TSHARK; then
	run 0 ctl b --json trace stop
	tshark -r "$T/b.pcap" -Y reload -T fields -e _ws.col.Info \
	    >"$T/info" 2>/dev/null || fail "tshark cannot read the trace"
	grep -q "AppAttach Request" "$T/info" &&
	    grep -q "AppAttach Response" "$T/info" ||
	    fail "no AppAttach in b's trace: $(sort -u "$T/info" | tr '\n' '|')"
	tshark -r "$T/b.pcap" -Y _ws.malformed >"$T/malformed" 2>/dev/null
	[ ! -s "$T/malformed" ] || fail "malformed: $(head -3 "$T/malformed")"
	ok "b's trace: $(grep -c "AppAttach Request" "$T/info") AppAttach request(s) and response(s), nothing malformed"
else
	echo "  (no tshark: the trace is not checked)"
fi

# call_status NAME ID STATUS: call ID of NAME's UA ended with STATUS
call_status() {
	ctl "$1" --json calls | jq -e --argjson id "$2" --argjson st "$3" \
	    'any(.calls[]; .id == $id and .state == "ended" and .status == $st)'
}

# eve's binding, stored by c as a raw value: a destination list naming a
# node that is not in the overlay (SipRegistration, RFC 7904 §3: route,
# no URI, one Destination of type node); its AppAttach goes unanswered
NOBODY=0123456789abcdef0123456789abcdef
run 0 ctl c store sip-registration --hex --user eve \
    "020016000000120110$NOBODY"
wait_for 10 ctl a lookup eve || fail "eve's binding is not there"
run 0 ctl a --json call eve
CALL=$(json .call)
wait_for 20 call_status a "$CALL" 480 ||
    fail "a call to an unreachable destination list: $(ctl a --json calls)"
has "$T/a/log" "sip: eve: AppAttach to node $NOBODY: no answer"
ok "a destination list whose node does not answer AppAttach: 480"

mkdir "$T/poke"
run 0 "$BUILD/ovpoke" -d "$T/poke" "127.0.0.1:$(port b)" appattach=5061 \
    appattach=5060
[ "$(sed -n 1p "$T/out")" = "error 3 Error_Not_Found" ] ||
    fail "another application: $(cat "$T/out")"
[ "$(sed -n 2p "$T/out")" = "answer app_attach_ans hops 1 cand 127.0.0.1:$(sips_port b)" ] ||
    fail "SIP: $(cat "$T/out")"
ok "AppAttach for application 5061: Error_Not_Found; for SIP: b's TLS address"

run 0 ctl b unregister carol
run 0 ctl a --json call carol
CALL=$(json .call)
wait_for 15 call_status a "$CALL" 404 ||
    fail "after unregister: $(ctl a --json calls)"
run 1 ctl a message carol "anyone?"
has "$T/err" "404"
ok "carol unregistered: 404"

start_node d -o "overlay.bootstrap=127.0.0.1:$(port a)" -o sip.tls_listen= \
    -o "$(rtp 3)"
run 1 ctl d register dave
has "$T/err" "tls_listen is off"
ok "without SIP over TLS, register with no contact is refused"

# a clean exit (with a sanitizer build: no leak, nothing left pending)
for n in d c b a; do stop_node "$n"; done
ok "the daemons stopped cleanly"
