#!/bin/bash
# Calls between daemons that are both behind NATs (issue 20), in the lab
# of scripts/netns-lab.sh.  p and q are public peers; a (alice's UA) sits
# behind NAT A and b (bob's UA) behind NAT B, each joined as a RELOAD
# client ([nat] mode auto: STUN shows the NAT) through its gateway, a
# bootstrap peer.  Each keeps a TLS connection to its gateway's SIP and
# answers AppAttach with the gateway's address: a call to bob goes from
# a straight to b's gateway (a connects out: its NAT lets it), which
# forwards it on b's connection; its dialog's requests come back the same
# way (flow tokens in the gateway's Record-Routes, RFC 5626 §5.3).
#   1. both NATs endpoint-independent mapping (NAT B in the lab's "block"
#      mode: nothing unsolicited gets in): the call connects, ICE selects a
#      direct pair between the NATs' public addresses, media flows both
#      ways, and a capture on the public segment sees nothing relayed by
#      the TURN server; bob hangs up (a BYE from behind NAT B);
#   2. baresip phones with their ice module, pat behind NAT A registered
#      with a, sam behind NAT B with b: pat calls sam, both hear the
#      other's tone, and nothing goes through the relay;
#   3. NAT B symmetric, b with the overlay's relay credentials: b finds
#      the coturn relay p advertises and allocates on it; the call's pair
#      is relayed and the capture sees the relay carry the media;
#   4. the baresip phones again, sam behind the symmetric NAT B, whose
#      own ICE (a STUN server, no relay) cannot get through it: b relays
#      his call's media ([media] anchor auto), ICE with pat through the
#      coturn relay on one side and with sam on the other; both hear the
#      other, the capture sees the relay carry it, and what another host
#      of site B sends to the relay's port is dropped; then sam calls
#      pat (the relay's ICE roles the other way round) and hangs up.
# Between 2 and 3, a phone without ICE behind NAT A calls bob: a relays
# its media (behind an endpoint-independent NAT, only such phones').
# Each prints the selected candidate pair.
. "$(dirname "$0")/lib.sh"

for c in jq tshark baresip socat; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done
lab_up --nat-a eim --nat-b block
RELAY=(-o nat.relay_user=lab -o nat.relay_password=labpass)
lab_peers
lab_clients
ok "a and b, behind NATs A and B, are clients; each keeps a connection to its gateway's SIP"

# capture: tshark on the TURN server's host, what it relays (its
# relayed addresses' side: not its port 3478)
capture_start() {
	timeout 60 ip netns exec "$LAB-relay" tshark -i eth0 -n -q \
	    -f "ip and (host 203.0.113.10 or host 203.0.113.11) and not port 3478" \
	    -w "$T/$1.pcap" \
	    >"$T/$1.tshark" 2>&1 &
	CAP=$!
	EXTRA_PIDS+=($CAP)
	wait_for 10 grep -q "Capturing on" "$T/$1.tshark" || fail "no capture"
	sleep 0.5
}
capture_stop() {
	sleep 1
	kill -INT "$CAP" 2>/dev/null
	wait_exit "$CAP" 10 2>/dev/null || true
	tshark -r "$T/$1.pcap" -n >"$T/$1.txt" 2>/dev/null
	wc -l <"$T/$1.txt"
}

# call TAG: alice calls bob with a tone for 4 s; the ended rows of both
# UAs in $T/TAG.a and $T/TAG.b.
call() {
	local id
	"$BUILD/tone" gen "$T/tone.wav" 440 10 || fail "no tone"
	run 0 ctl a --json call bob --play "$T/tone.wav" \
	    --record "$T/$1.wav" --duration 4
	id=$(json .call)
	ended() {
		ctl a --json calls >"$T/calls" 2>&1 &&
		    jq -c --argjson id "$id" '.calls[] | select(.id == $id)' \
		    "$T/calls" >"$T/$1.a" && jq -e '.state == "ended"' \
		    "$T/$1.a" >/dev/null
	}
	wait_for 30 ended "$1" || fail "the call did not end: $(cat "$T/$1.a")"
	ctl b --json calls | jq -c '.calls[-1]' >"$T/$1.b"
	echo "# $1: $(jq -r '.ice | "\(.state): \(.local_type) \(.local) -> \(.remote_type) \(.remote)"' "$T/$1.a")"
	jq -e '.status == 200 and .received >= 100' "$T/$1.a" >/dev/null ||
	    fail "alice's side: $(cat "$T/$1.a")"
	jq -e '.received >= 100' "$T/$1.b" >/dev/null ||
	    fail "bob's side: $(cat "$T/$1.b")"
}

# 1. both EIM: a direct pair between the NATs' public addresses
capture_start eim
call eim
n=$(capture_stop eim)
jq -e '.ice.state == "completed" and
    (.ice.local_type | test("relay") | not) and
    (.ice.remote_type | test("relay") | not) and
    (.ice.remote | startswith("203.0.113.102:"))' "$T/eim.a" >/dev/null ||
    fail "the pair: $(cat "$T/eim.a")"
[ "$n" -eq 0 ] || fail "$n packets relayed by the TURN server: $(head -5 "$T/eim.txt")"
ok "behind two EIM NATs: a direct pair to NAT B's public address, media both ways, nothing through the relay"

# bob hangs up a call: the BYE goes from behind NAT B through b's gateway
run 0 ctl a --json call bob --duration 30
id=$(json .call)
up() {
	ctl b --json calls >"$T/bc" 2>&1 &&
	    jq -e '.calls[-1].state == "active"' "$T/bc" >/dev/null
}
wait_for 20 up || fail "b's call: $(cat "$T/bc")"
run 0 ctl b hangup
gone() {
	ctl a --json calls >"$T/ac" 2>&1 &&
	    jq -e --argjson id "$id" '.calls[] | select(.id == $id) |
	    .state == "ended"' "$T/ac" >/dev/null
}
wait_for 20 gone || fail "alice's call did not end: $(cat "$T/ac")"
ok "bob hung up from behind NAT B: the BYE reached alice"

# 2. baresip phones, each registered with the daemon on its host
capture_start phones
lab_phone pat a "sip:10.1.0.2:$(sip_port a)" 1000 sipnat=outbound \
    ice=203.0.113.10:3478 ctrl
PAT=$PHONE_PID
lab_phone sam b "sip:10.2.0.2:$(sip_port b)" 440 sipnat=outbound \
    ice=203.0.113.10:3478
SAM=$PHONE_PID
registered() {
	ctl "$1" --json registrations |
	    jq -e --arg a "$2@$DOM" 'any(.registrations[]; .aor == $a)'
}
wait_for 20 registered a pat || fail "pat did not register: $(tail -5 "$T/pat.phone/log")"
wait_for 20 registered b sam || fail "sam did not register: $(tail -5 "$T/sam.phone/log")"
wait_for 20 published a sam b || fail "sam's binding: $(cat "$T/l")"
lab_phone_ctrl a dial "sip:sam@$DOM" >/dev/null
established() {
	grep -aqi "call established" "$T/$1.phone/log"
}
wait_for 20 established pat || fail "pat's call: $(grep -ai 'call\|sip' "$T/pat.phone/log" | tail -5)"
wait_for 5 established sam || fail "sam's call: $(tail -5 "$T/sam.phone/log")"
sleep 4
lab_phone_ctrl a hangup >/dev/null
wait_for 10 grep -qai "terminated\|closed" "$T/sam.phone/log" ||
    fail "sam's phone saw no BYE: $(tail -5 "$T/sam.phone/log")"
n=$(capture_stop phones)
grep -ai "ice.*\(selected\|pair\|complete\)" "$T/pat.phone/log" | tail -2 |
    sed 's/^/# pat: /'
for who in pat:440 sam:1000; do
	rec=$(ls -t "$T/${who%:*}.phone/rec/"dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$rec" ] || fail "${who%:*}'s phone recorded nothing"
	heard "$rec" "${who#*:}" "${who%:*}"
done
[ "$n" -eq 0 ] || fail "$n packets relayed by the TURN server: $(head -5 "$T/phones.txt")"
kill "$PAT" "$SAM" 2>/dev/null
ok "baresip phones behind two EIM NATs, each on its daemon: pat called sam, both heard the other, nothing through the relay"

# 2b. a phone without ICE behind the endpoint-independent NAT A: a
# relays the media of the calls it offers ([media] anchor auto), with
# ICE toward bob, b's UA, behind NAT B
anchor_mode() {
	ctl a --json relays | jq -c .anchor >"$T/anchor.a" &&
	    jq -e '.mode == "phones without ICE" and .ready > 0' \
	    "$T/anchor.a" >/dev/null
}
wait_for 20 anchor_mode || fail "a's media relays: $(cat "$T/anchor.a")"
rm -rf "$T/pat.phone/rec"
wait_exit "$PAT" 10 2>/dev/null || true
lab_phone pat a "sip:10.1.0.2:$(sip_port a)" 1000 sipnat=outbound ctrl
PAT=$PHONE_PID
wait_for 20 registered a pat || fail "pat did not register: $(tail -5 "$T/pat.phone/log")"
lab_phone_ctrl a dial "sip:bob@$DOM" >/dev/null
wait_for 20 established pat || fail "pat's call: $(grep -ai 'call\|sip' "$T/pat.phone/log" | tail -5)"
plain_relayed() {
	ctl a --json relays | jq -c .anchor >"$T/anchor.a" &&
	    jq -e '.calls >= 1 and .to_phone >= 100 and .to_peer >= 100' \
	    "$T/anchor.a" >/dev/null
}
wait_for 15 plain_relayed || fail "a relays no media: $(cat "$T/anchor.a")"
lab_phone_ctrl a hangup >/dev/null
ended_b() {
	ctl b --json calls >"$T/bc" 2>&1 &&
	    jq -e '.calls[-1].state == "ended"' "$T/bc" >/dev/null
}
wait_for 10 ended_b || fail "bob's call did not end: $(cat "$T/bc")"
jq -e '.calls[-1].received >= 100 and .calls[-1].ice.state == "completed"' \
    "$T/bc" >/dev/null || fail "bob's side: $(jq -c '.calls[-1]' "$T/bc")"
echo "# bob: $(jq -r '.calls[-1].ice | "\(.state): \(.local_type) \(.local) -> \(.remote_type) \(.remote)"' "$T/bc")"
kill "$PAT" 2>/dev/null
ok "a phone without ICE behind NAT A called bob: a relayed its media, ICE with bob across both NATs"

# 3. NAT B symmetric: b, now with the overlay's relay credentials,
# allocates on the relay p advertises
stop_node b
lab nat b sym >/dev/null || fail "cannot make NAT B symmetric"
natted b 10.2.0.2 bob "${RELAY[@]}"
wait_for 30 is_client b || fail "b: $(cat "$T/st.b")"
allocated() {
	ctl b --json relays >"$T/r" 2>&1 &&
	    jq -e '.relayed != null' "$T/r" >/dev/null
}
wait_for 60 allocated || fail "b has no relay: $(cat "$T/r")"
capture_start sym
call sym
n=$(capture_stop sym)
jq -e '.ice.state == "completed" and
    ((.ice.local_type + .ice.remote_type) | test("relay"))' "$T/sym.a" \
    >/dev/null || fail "the pair: $(cat "$T/sym.a")"
[ "$n" -ge 100 ] || fail "only $n packets through the relay"
ok "NAT B symmetric: a relayed pair through the coturn relay found in the overlay ($n packets)"

# 4. baresip phones again, sam behind the symmetric NAT B: his own ICE
# (STUN only: no relay is his) cannot get through it, so b relays his
# call's media ([media] anchor auto: b's NAT maps per destination),
# with ICE toward pat through the coturn relay b holds
anchor_ready() {
	ctl b --json relays >"$T/r" 2>&1 &&
	    jq -e '.anchor.mode == "all" and .anchor.ready_relayed > 0' \
	    "$T/r" >/dev/null
}
wait_for 20 anchor_ready || fail "b has no media relay ready: $(jq -c .anchor "$T/r")"
rm -rf "$T/pat.phone/rec" "$T/sam.phone/rec"
wait_exit "$PAT" 10 2>/dev/null || true
capture_start anchor
lab_phone pat a "sip:10.1.0.2:$(sip_port a)" 1000 sipnat=outbound \
    ice=203.0.113.10:3478 ctrl
PAT=$PHONE_PID
lab_phone sam b "sip:10.2.0.2:$(sip_port b)" 440 sipnat=outbound \
    ice=203.0.113.10:3478 ctrl
SAM=$PHONE_PID
wait_for 20 registered a pat || fail "pat did not register: $(tail -5 "$T/pat.phone/log")"
wait_for 20 registered b sam || fail "sam did not register: $(tail -5 "$T/sam.phone/log")"
wait_for 20 published a sam b || fail "sam's binding: $(cat "$T/l")"
lab_phone_ctrl a dial "sip:sam@$DOM" >/dev/null
wait_for 20 established pat || fail "pat's call: $(grep -ai 'call\|sip' "$T/pat.phone/log" | tail -5)"
wait_for 5 established sam || fail "sam's call: $(tail -5 "$T/sam.phone/log")"
relaying() {
	ctl b --json relays | jq -c .anchor >"$T/anchor" &&
	    jq -e '.to_phone >= 100 and .to_peer >= 100' "$T/anchor" >/dev/null
}
wait_for 15 relaying || fail "b relays no media: $(cat "$T/anchor")"
# the relay's port on sam's side takes nothing from another host of
# site B (NAT B's LAN address): no right to send to the peer
lan=$(grep -ao "anchor: relay [0-9]*: the phone's media at .*, ours 10.2.0.2:[0-9]*" \
    "$T/b/log" | tail -1 | sed 's/.*ours 10.2.0.2://')
[ -n "$lan" ] || fail "b's log names no relay port: $(grep -a anchor "$T/b/log" | tail -3)"
d0=$(jq .dropped "$T/anchor")
ip netns exec "$LAB-natb" bash -c \
    "for i in \$(seq 20); do echo junk >/dev/udp/10.2.0.2/$lan; done"
refused() {
	ctl b --json relays | jq -c .anchor >"$T/anchor" &&
	    jq -e --argjson d "$d0" '.dropped >= $d + 20' "$T/anchor" >/dev/null
}
wait_for 5 refused || fail "b's relay did not drop what 10.2.0.1 sent: $(cat "$T/anchor")"
lab_phone_ctrl a hangup >/dev/null
wait_for 10 grep -qai "terminated\|closed" "$T/sam.phone/log" ||
    fail "sam's phone saw no BYE: $(tail -5 "$T/sam.phone/log")"
n=$(capture_stop anchor)
grep -a "anchor: relay [0-9]*: \(ICE\|the phone's ICE\):" "$T/b/log" |
    tail -2 | sed 's/^.*anchor: /# b: /'
for who in pat:440 sam:1000; do
	rec=$(ls -t "$T/${who%:*}.phone/rec/"dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$rec" ] || fail "${who%:*}'s phone recorded nothing"
	heard "$rec" "${who#*:}" "${who%:*}"
done
ctl b --json relays | jq -c .anchor >"$T/anchor"
jq -e '.calls >= 1 and .to_phone >= 100 and .to_peer >= 100 and
    .active == 0' "$T/anchor" >/dev/null ||
    fail "b's media relay: $(cat "$T/anchor")"
grep -aq "anchor: relay [0-9]*: ICE: relay" "$T/b/log" ||
    fail "b's relay did not select its relayed candidate: $(grep -a 'anchor:' "$T/b/log" | tail -5)"
[ "$n" -ge 100 ] || fail "only $n packets through the TURN server"
ok "baresip phones, sam behind the symmetric NAT B: b relayed his media through the coturn relay ($n packets), both heard the other; 20 datagrams from another host of site B dropped"

# the other way: sam offers (b's relay controls toward pat and is
# controlled by sam's ICE), and hangs up from behind NAT B
count() {
	grep -aci "$1" "$T/$2.phone/log"
}
c0=$(jq .calls "$T/anchor")
p0=$(jq .to_phone "$T/anchor")
q0=$(jq .to_peer "$T/anchor")
e0=$(count "call established" pat)
t0=$(count "terminated" pat)
lab_phone_ctrl b dial "sip:pat@$DOM" >/dev/null
again() {
	[ "$(count "call established" pat)" -gt "$e0" ] &&
	    ctl b --json relays | jq -c .anchor >"$T/anchor" &&
	    jq -e --argjson c "$c0" --argjson p "$p0" --argjson q "$q0" \
	    '.calls > $c and .to_phone >= $p + 100 and
	    .to_peer >= $q + 100 and .active == 1' "$T/anchor" >/dev/null
}
wait_for 20 again || fail "sam's call to pat: $(cat "$T/anchor"); $(tail -3 "$T/pat.phone/log")"
lab_phone_ctrl b hangup >/dev/null
# (a function: wait_for runs it anew each time; "$(count ...)" in its
# arguments would be counted once, before the BYE came)
more_terminated() {
	[ "$(count terminated pat)" -gt "$t0" ]
}
wait_for 10 more_terminated ||
    fail "pat's phone saw no BYE: $(tail -5 "$T/pat.phone/log")"
wait_for 5 eval 'ctl b --json relays | jq -e ".anchor.active == 0" >/dev/null' ||
    fail "b's relay is still up: $(ctl b --json relays | jq -c .anchor)"
kill "$PAT" "$SAM" 2>/dev/null
ok "sam called pat from behind the symmetric NAT B: relayed the same way, his BYE ended it"
