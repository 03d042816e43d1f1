#!/bin/bash
# Calls that start through the overlay and move to a direct path (ICE for
# SIP, issue 21), in the lab of scripts/netns-lab.sh.  p and q are public
# peers; a (alice's UA) sits behind NAT A and b (bob's UA) behind NAT B,
# each a RELOAD client whose SIP goes through its gateway (a bootstrap
# peer): a call from alice to bob goes a -> b's gateway -> b, on the
# TLS connection b keeps there.
#   1. NAT B in the lab's "block" mode (nothing unsolicited gets in): the
#      call connects through the overlay at once; then b (the answerer)
#      offers a control stream in a re-INVITE, ICE finds a direct pair
#      between the NATs' public addresses, DTLS secures it with the two
#      nodes' certificates (each end sees the other's Node-ID), and an
#      INVITE with Replaces on it takes the
#      call over: both UAs show the path "direct" and when it moved, the
#      media goes on (tone heard both ways after the move), and the BYE
#      goes on the direct path: a capture on NAT B's public side sees
#      UDP between 203.0.113.102 and 203.0.113.101 carry it, and nothing
#      of that size on b's connection to its gateway;
#   2. a re-INVITE after the move (p2psipctl refresh) travels the direct
#      path too, and is answered;
#   3. NAT B symmetric, NAT A filtering by address and port: only a TURN
#      relay gets through (b has one, found in the overlay, for the
#      media); the control stream has no relayed candidate (a path
#      through a relay is no more direct than the overlay's), so its ICE
#      finds no pair, the move fails, and the call stays on the overlay
#      path to its end, media flowing (its BYE through the gateway);
#   4. meanwhile an INVITE with Replaces for that call's dialog, sent from
#      the public host through the overlay with a forged P2PSIP-Flow
#      header, is refused (403) and the call goes on.
. "$(dirname "$0")/lib.sh"

for c in jq tshark socat; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done
lab_up --nat-a eim --nat-b block
lab_peers
lab_clients
GW=$(sed -n 's/.*SIP through our gateway at \([0-9.]*\):.*/\1/p' \
    "$T/b/log" | tail -1)
ok "a and b are clients behind NATs A and B; b's SIP goes through its gateway $GW"

# the capture on NAT B's public side: all of b's traffic
capture_start() {
	timeout 120 ip netns exec "$LAB-natb" tshark -i wan -n -q \
	    -f "ip" -w "$T/$1.pcap" >"$T/$1.tshark" 2>&1 &
	CAP=$!
	EXTRA_PIDS+=($CAP)
	wait_for 10 grep -q "Capturing on" "$T/$1.tshark" || fail "no capture"
	sleep 0.5
}
capture_stop() {
	sleep 1
	kill -INT "$CAP" 2>/dev/null
	wait_exit "$CAP" 10 2>/dev/null || true
}
# udp_direct TAG: UDP datagrams between the two NATs' public addresses
# (the direct path) over 200 bytes; tls_gw TAG: TCP segments between NAT
# B and the gateway's SIP TLS port with over 200 bytes of payload
udp_direct() {
	tshark -r "$T/$1.pcap" -n -Y "ip.addr == 203.0.113.101 &&
	    ip.addr == 203.0.113.102 && udp && udp.length > 200 &&
	    !rtp && !stun" 2>/dev/null | wc -l
}
tls_gw() {
	tshark -r "$T/$1.pcap" -n -Y "ip.addr == $GW && tcp.len > 200" \
	    2>/dev/null | wc -l
}

calls_of() {	# calls_of NODE ID: that call's row in $T/row.NODE
	ctl "$1" --json calls >"$T/calls.$1" 2>&1 &&
	    jq -c --argjson id "$2" '.calls[] | select(.id == $id)' \
	    "$T/calls.$1" >"$T/row.$1"
}
moved() {
	calls_of a "$AID" && calls_of b "$BID" &&
	    jq -e '.path == "direct"' "$T/row.a" >/dev/null &&
	    jq -e '.path == "direct"' "$T/row.b" >/dev/null
}

# 1. the call connects through the overlay, then moves
"$BUILD/tone" gen "$T/tone.wav" 440 30 || fail "no tone"
run 0 ctl a --json call bob --play "$T/tone.wav" --record "$T/a1.wav"
AID=$(json .call)
answered() {
	calls_of a "$AID" && jq -e '.state == "active"' "$T/row.a" >/dev/null
}
wait_for 10 answered || fail "not answered: $(cat "$T/row.a")"
BID=$(ctl b --json calls | jq '.calls[-1].id')
wait_for 15 moved || fail "no move: a $(cat "$T/row.a"), b $(cat "$T/row.b"); $(grep -E 'direct|move|overlay path' "$T/b/log" | tail -5)"
jq -e '.move == "done" and .moved > 0 and .moved < 10' "$T/row.a" \
    >/dev/null || fail "a's row: $(cat "$T/row.a")"
# the pair, as alice's daemon (the DTLS client: it starts on a pair
# its own checks found) has it
grep -q "direct flow to 203.0.113.102:.* on srflx 203.0.113.101:.* -> srflx 203.0.113.102:" "$T/a/log" ||
    fail "a's pair: $(grep 'direct flow' "$T/a/log")"
# each end's DTLS peer is the other daemon's node certificate
grep -q "a direct flow to 203.0.113.102:.* node $(node_id b)" "$T/a/log" ||
    fail "a's flow: $(grep 'direct flow' "$T/a/log")"
grep -q "a direct flow to 203.0.113.101:.* node $(node_id a)" "$T/b/log" ||
    fail "b's flow: $(grep 'direct flow' "$T/b/log")"
echo "# a: $(grep -o 'a direct flow to .*' "$T/a/log" | tail -1)"
echo "# moved $(jq .moved "$T/row.b") s after the answer (b), $(jq .moved "$T/row.a") s (a)"
ok "the call connected through b's gateway, then moved to a direct path (ICE through both NATs, DTLS)"

# the media goes on after the move
r1=$(calls_of b "$BID" && jq .received "$T/row.b")
sleep 2
r2=$(calls_of b "$BID" && jq .received "$T/row.b")
[ $((r2 - r1)) -ge 50 ] || fail "b received $r1 then $r2 packets"
ok "media goes on after the move ($((r2 - r1)) packets in 2 s at b)"

# 2. a re-INVITE on the direct path
capture_start reinv
run 0 ctl a --json refresh "$AID"
refreshed() {
	grep -q "call $AID: refreshed" "$T/a/log"
}
wait_for 10 refreshed || fail "no refresh: $(tail -5 "$T/a/log")"
capture_stop reinv
n=$(udp_direct reinv)
g=$(tls_gw reinv)
[ "$n" -ge 3 ] || fail "$n large datagrams on the direct path"
[ "$g" -eq 0 ] || fail "$g large segments on b's gateway connection"
ok "a re-INVITE after the move: $n datagrams on the direct path, none through the gateway"

# hang_up TAG BY CALL OTHER OCALL: BY hangs CALL up under capture TAG;
# OTHER's call OCALL ends, "remote hung up"; n and g: what the capture
# saw on the direct path (udp_direct) and on b's gateway connection
# (tls_gw)
hang_up() {
	local other=$4 ocall=$5
	capture_start "$1"
	run 0 ctl "$2" hangup "$3"
	other_ended() {		# (hang_up's locals: its own args are none)
		calls_of "$other" "$ocall" &&
		    jq -e '.state == "ended"' "$T/row.$other" >/dev/null
	}
	wait_for 10 other_ended ||
	    fail "$4's call did not end: $(cat "$T/row.$4")"
	capture_stop "$1"
	n=$(udp_direct "$1")
	g=$(tls_gw "$1")
	jq -e '.reason == "remote hung up"' "$T/row.$4" >/dev/null ||
	    fail "$4's row: $(cat "$T/row.$4")"
}

# BYE from bob: on the direct path
hang_up bye b "$BID" a "$AID"
[ "$n" -ge 2 ] || fail "$n large datagrams on the direct path"
[ "$g" -eq 0 ] || fail "$g large segments on b's gateway connection"
ok "the BYE went on the direct path ($n datagrams), none through the gateway"

# 3. ICE finds no direct pair: the call stays on the overlay path
stop_node b
lab nat b sym >/dev/null || fail "cannot make NAT B symmetric"
nlog=$(wc -l <"$T/b/log")
natted b 10.2.0.2 bob -o nat.relay_user=lab -o nat.relay_password=labpass
wait_for 30 is_client b || fail "b: $(cat "$T/st.b")"
gw_again() {
	tail -n +"$((nlog + 1))" "$T/b/log" | grep -q "SIP through our gateway"
}
wait_for 20 gw_again || fail "b has no SIP through its gateway"
allocated() {
	ctl b --json relays >"$T/r" 2>&1 &&
	    jq -e '.relayed != null' "$T/r" >/dev/null
}
wait_for 60 allocated || fail "b has no relay: $(cat "$T/r")"
wait_for 20 published a bob b || fail "bob's binding: $(cat "$T/l")"
GW=$(tail -n +"$((nlog + 1))" "$T/b/log" |
    sed -n 's/.*SIP through our gateway at \([0-9.]*\):.*/\1/p' | tail -1)
run 0 ctl a --json call bob --play "$T/tone.wav"
AID=$(json .call)
wait_for 10 answered || fail "not answered: $(cat "$T/row.a")"
BID=$(ctl b --json calls | jq '.calls[-1].id')
failed() {
	calls_of b "$BID" && jq -e '.move == "failed"' "$T/row.b" >/dev/null
}
wait_for 20 failed || fail "the move did not fail: $(cat "$T/row.b")"
calls_of a "$AID"
jq -e '.state == "active" and .path == "overlay"' "$T/row.a" >/dev/null ||
    fail "a's row: $(cat "$T/row.a")"
echo "# the move: $(jq -r .move_why "$T/row.b")"
ok "behind a symmetric NAT B: no direct pair, the call stays on the overlay path ($(jq -r .move_why "$T/row.b"))"

# 4. a replacement of that dialog from elsewhere, with a forged
# P2PSIP-Flow, through the overlay to a: refused, the call goes on
CALLID=$(jq -r .call_id "$T/row.a")
LTAG=$(jq -r .local_tag "$T/row.a")
RTAG=$(jq -r .remote_tag "$T/row.a")
PUBSIP=$(sip_port p)
printf 'INVITE sip:alice@p2psipd.localhost SIP/2.0\r
Via: SIP/2.0/UDP 203.0.113.20:5999;branch=z9hG4bKforge1;rport\r
Max-Forwards: 70\r
From: <sip:mallory@p2psipd.localhost>;tag=mal1\r
To: <sip:alice@p2psipd.localhost>\r
Call-ID: forged-1@203.0.113.20\r
CSeq: 1 INVITE\r
Contact: <sip:mallory@203.0.113.20:5999>\r
Replaces: %s;to-tag=%s;from-tag=%s\r
P2PSIP-Flow: %s\r
Content-Length: 0\r
\r
' "$CALLID" "$LTAG" "$RTAG" "$(printf '%068d' 0)" >"$T/forged"
timeout 10 ip netns exec "$LAB-pub" socat -t 4 \
    "UDP:203.0.113.20:$PUBSIP,bind=203.0.113.20:5999" - \
    <"$T/forged" >"$T/forged.out" 2>&1
grep -q "^SIP/2.0 403" "$T/forged.out" ||
    fail "the forged replacement: $(grep '^SIP/2.0' "$T/forged.out")"
grep -q "replacement from sip:mallory@p2psipd.localhost refused" \
    "$T/a/log" || fail "a did not see it: $(tail -3 "$T/a/log")"
calls_of a "$AID"
jq -e '.state == "active" and .path == "overlay"' "$T/row.a" >/dev/null ||
    fail "a's row: $(cat "$T/row.a")"
ok "a replacement from outside the call's direct flow (a forged P2PSIP-Flow) is refused: 403, the call goes on"

# its end: media flowed, the BYE goes through the gateway
r=$(calls_of b "$BID" && jq .received "$T/row.b")
[ "$r" -ge 50 ] || fail "b received $r packets"
hang_up end a "$AID" b "$BID"
[ "$n" -eq 0 ] || fail "$n large datagrams on a direct path"
[ "$g" -ge 1 ] || fail "nothing through the gateway"
ok "the call stayed up on the overlay path to its end ($r packets at b), its BYE through the gateway"
