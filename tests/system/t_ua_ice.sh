#!/bin/bash
# ICE for the daemons' user agents ([media] ice, RFC 8445, RFC 8839): the
# caller's INVITE waits for its candidates, the callee's answer for its
# own; the checks find a pair, and the media goes on it: alice's tone is
# heard in bob's recording, `calls` shows ICE completed and the selected
# pair.  The same with a baresip phone whose ice module is on (medianat
# ice), both ways heard.  A peer that does no ICE ([media] ice = no) gets
# plain media to its c= and port, and `calls` says the call does no ICE.
. "$(dirname "$0")/lib.sh"

TONE=$BUILD/tone
PORTS() { echo "media.rtp_ports=$(($(port a) + 20000 + $1))-$(($(port a) + 20099 + $1))"; }
start_node a -o ua.aor=alice -o media.ice=yes -o "$(PORTS 0)"
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)" -o ua.aor=bob \
    -o media.ice=yes -o "$(PORTS 100)"
start_node c -o "overlay.bootstrap=127.0.0.1:$(port a)" -o ua.aor=carol \
    -o media.ice=no -o "$(PORTS 200)"
wait_for 30 ring_ok a b c || fail "ring: $(ring_wrong a b c) wrong"
for u in bob carol; do
	wait_for 20 ctl a lookup $u || fail "$u is not in the overlay"
done
wait_for 20 ctl b lookup alice || fail "alice is not in the overlay"
"$TONE" gen "$T/tone.wav" 440 3 || fail "no tone"

run 0 ctl a --json call bob --play "$T/tone.wav" --duration 4
wait_for 10 ua_state b incoming || fail "bob's UA does not ring"
run 0 ctl b --json answer --record "$T/rec.wav"
ice_done() {
	ctl "$1" --json calls >"$T/calls.$1" 2>&1 &&
	    jq -e '.calls[0].ice.state == "completed"' "$T/calls.$1" >/dev/null
}
wait_for 10 ice_done a || fail "alice's ICE: $(cat "$T/calls.a")"
wait_for 10 ice_done b || fail "bob's ICE: $(cat "$T/calls.b")"
for n in a b; do
	echo "# $n: $(jq -r '.calls[0].ice | "\(.state): \(.local_type) \(.local) -> \(.remote_type) \(.remote)"' "$T/calls.$n")"
done
jq -e '.calls[0].ice.local_type == "host" and
    (.calls[0].ice.remote | startswith("127.0.0.1:"))' "$T/calls.a" \
    >/dev/null || fail "alice's pair: $(cat "$T/calls.a")"
[ "$(jq -r .calls[0].ice.local "$T/calls.a")" = \
    "$(jq -r .calls[0].ice.remote "$T/calls.b")" ] ||
    fail "the two sides name different pairs"
has "$T/a/log" "ICE: host 127.0.0.1:"
wait_for 15 ua_state a ended || fail "the call did not end"
run 0 ctl a --json calls
[ "$(json '.calls[0].received')" -ge 100 ] ||
    fail "alice received little: $(cat "$T/out")"
heard "$T/rec.wav" 440 bob
ok "alice and bob: ICE completed on a host pair, media on it"

run 0 ctl a --json call carol --duration 2
CALL=$(json .call)
wait_for 10 ua_state c incoming || fail "carol's UA does not ring"
run 0 ctl c --json answer
call_ended() {
	ctl a --json calls >"$T/calls.a" 2>&1 && jq -e --argjson id "$CALL" \
	    '.calls[] | select(.id == $id) | .state == "ended"' \
	    "$T/calls.a" >/dev/null
}
wait_for 15 call_ended || fail "the call to carol did not end"
jq -e --argjson id "$CALL" '.calls[] | select(.id == $id) |
    .ice == null and .received >= 50' "$T/calls.a" >/dev/null ||
    fail "the call to carol: $(cat "$T/calls.a")"
has "$T/a/log" "the peer does no ICE"
ok "a peer without ICE gets plain media"

# a baresip phone with ICE (its ice module), registered at b
if command -v baresip >/dev/null; then
	SPP=$(($(sip_port a) + 350))
	RTPP=$(($(sip_port a) + 460))
	PHONE_MEDIANAT=ice phone pat b $SPP $RTPP 1000
	wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock b)' --json registrations |
	    grep -q pat@" || fail "pat did not register: $(tail -5 "$T/pat.phone/log")"
	wait_for 20 ctl a lookup pat || fail "pat is not in the overlay"
	"$TONE" gen "$T/tone10.wav" 440 10 || fail "no tone"
	run 0 ctl a --json call pat --play "$T/tone10.wav" --record "$T/p1.wav" \
	    --duration 4
	CALL=$(json .call)
	pat_ice() {
		ctl a --json calls >"$T/calls.a" 2>&1 && jq -e --argjson id \
		    "$CALL" '.calls[] | select(.id == $id) | .ice.state ==
		    "completed"' "$T/calls.a" >/dev/null
	}
	wait_for 10 pat_ice || fail "ICE with the phone: $(cat "$T/calls.a")"
	echo "# a-pat: $(jq -r --argjson id "$CALL" '.calls[] | select(.id == $id) | .ice | "\(.local_type) \(.local) -> \(.remote_type) \(.remote)"' "$T/calls.a")"
	wait_for 15 call_ended || fail "the call to pat did not end"
	jq -e --argjson id "$CALL" '.calls[] | select(.id == $id) |
	    .received >= 100' "$T/calls.a" >/dev/null ||
	    fail "the call to pat: $(cat "$T/calls.a")"
	grep -qi "ice" "$T/pat.phone/log" || fail "the phone did no ICE"
	heard "$T/p1.wav" 1000 alice
	rec=$(ls -t "$T/pat.phone/rec/"dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$rec" ] || fail "pat's phone recorded nothing"
	heard "$rec" 440 pat
	ok "the UA and a baresip phone with ICE: a pair selected, each heard the other"
fi
