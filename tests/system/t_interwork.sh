#!/bin/bash
# Calls into the overlay from a conventional SIP domain (issue 22, item
# 5), in a network namespace of its own whose resolv.conf points at a
# dnsmasq: Kamailio (tests/system/kamailio/interwork.cfg) is the
# registrar and proxy of kam.test; dnsmasq has SRV records for kam.test
# (Kamailio) and for the overlay's domain, overlay.test, pointing at two
# daemons, p (priority 10) and q (priority 20).  alice, a baresip phone
# registered at Kamailio, calls bob@overlay.test: Kamailio finds p by
# DNS, p looks bob up in the overlay and his UA, at daemon b, answers;
# the tone goes both ways, the BYE follows the Record-Routes.  A call
# for a user the overlay lacks gets 404 back at alice.  Then p is
# killed: Kamailio's next call fails over to q (the SRV's second
# target) and bob answers again.
# The other way (item 2): p is a proxy peer ([interwork] proxy_peer);
# carol, its UA's user, calls alice@kam.test: p finds kam.test's servers
# by RFC 3263 (NAPTR SIP+D2T, then SRV: a dead server first, Kamailio
# second, over TCP), fails over from the dead one (connection refused)
# to Kamailio, and alice answers.
# Public registration (item 3): carol registers carol@overlay.test as the
# contact of carol2@kam.test at Kamailio (p2psipctl register-public,
# Digest), and alice's call to carol2@kam.test reaches carol's UA.
# Proxy peers in the overlay (items 1, 2): p and q both advertise
# themselves under the service key; bob, at b (not a proxy peer), calls
# alice@kam.test: b finds p and q in the overlay and sends the call to
# one of them, which finds Kamailio by DNS; alice's BYE comes back by
# the Record-Routes, which name the overlay; bob registers bob2@kam.test
# from b through a proxy peer and alice's call to it reaches him; a BYE
# from outside with a
# Route that claims the overlay but was not written by p is refused.
# With p killed, bob's next two calls to alice go through q (b starts
# each at the next proxy peer it knows: one of them fails over from p).
. "$(dirname "$0")/lib.sh"

for c in kamailio dnsmasq baresip socat jq; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done
[ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1 ||
    { echo "skip: needs root and ip netns"; exit 77; }

NS=p2iw$$
CLEANUP+=("ip netns del $NS 2>/dev/null" "rm -rf /etc/netns/$NS")
ip netns add "$NS" || { echo "skip: ip netns add"; exit 77; }
ip -n "$NS" link set lo up
# ip netns exec puts this resolv.conf over /etc/resolv.conf
mkdir -p "/etc/netns/$NS"
echo "nameserver 127.0.0.1" >"/etc/netns/$NS/resolv.conf"
NODE_NS=$NS
OV=overlay.test
KAM=$(stun_port kamailio)

start_node p -o "overlay.name=$OV" -o interwork.proxy_peer=yes \
    -o ua.aor=carol -o ua.answer=auto
start_node q -o "overlay.name=$OV" -o "overlay.bootstrap=127.0.0.1:$(port p)" \
    -o interwork.proxy_peer=yes
start_node b -o "overlay.name=$OV" -o "overlay.bootstrap=127.0.0.1:$(port p)" \
    -o ua.aor=bob -o ua.answer=auto
wait_for 30 ring_ok p q b || fail "ring: $(ring_wrong p q b) wrong"
wait_for 20 ctl p lookup "bob@$OV" || fail "bob is not in the overlay"
advertised() {	# advertised NODE: at every Resource-ID of the service key
	ctl "$1" --json status >"$T/st.$1" 2>&1 &&
	    jq -e '.interwork | .proxy_peer and .spread > 1 and
	    .advertised == .spread' "$T/st.$1" >/dev/null
}
wait_for 20 advertised p || fail "p: $(jq -c .interwork "$T/st.p")"
wait_for 20 advertised q || fail "q: $(jq -c .interwork "$T/st.q")"
ctl b --json status >"$T/st.b"
jq -e '.interwork | .proxy_peer == false and .advertised == 0' "$T/st.b" \
    >/dev/null || fail "b: $(jq -c .interwork "$T/st.b")"
ok "p and q advertise themselves as proxy peers at $(jq .interwork.spread "$T/st.p") Resource-IDs of the service key; b does not"

ip netns exec "$NS" dnsmasq --no-daemon --no-resolv --no-hosts \
    --listen-address=127.0.0.1 --bind-interfaces --port=53 \
    --local=/test/ --log-facility=- --log-queries \
    --srv-host=_sip._udp.kam.test,sip.kam.test,$KAM,0,0 \
    --host-record=sip.kam.test,127.0.0.1 \
    --srv-host=_sip._udp.$OV,p.$OV,$(sip_port p),10,0 \
    --srv-host=_sip._udp.$OV,q.$OV,$(sip_port q),20,0 \
    --host-record=p.$OV,127.0.0.1 --host-record=q.$OV,127.0.0.1 \
    --naptr-record=kam.test,10,10,s,SIP+D2T,,_sip._tcp.kam.test \
    --srv-host=_sip._tcp.kam.test,dead.kam.test,$(stun_port dead),0,0 \
    --srv-host=_sip._tcp.kam.test,sip.kam.test,$KAM,10,0 \
    --host-record=dead.kam.test,127.0.0.1 \
    >"$T/dnsmasq.log" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 grep -q "started" "$T/dnsmasq.log" ||
    fail "dnsmasq: $(tail -3 "$T/dnsmasq.log")"

sed "s/LISTEN/127.0.0.1:$KAM/" \
    "$(dirname "$0")/kamailio/interwork.cfg" >"$T/kamailio.cfg"
mkdir -p "$T/kam"
ip netns exec "$NS" kamailio -f "$T/kamailio.cfg" -P "$T/kam/pid" \
    -Y "$T/kam" -DD -E -m 64 -M 8 >"$T/kam/log" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 grep -q "udp: 127.0.0.1" "$T/kam/log" ||
    fail "kamailio did not start: $(tail -5 "$T/kam/log")"
ok "kam.test (Kamailio) and overlay.test (daemons p, q, b) in DNS (dnsmasq)"

# alice: baresip, registered at Kamailio, a 440 Hz tone, control on
# CTRL
CTRL=$(stun_port alice)
dir=$T/alice.phone
mkdir -p "$dir/rec"
"$BUILD/tone" gen "$dir/tone.wav" 440 60 || fail "no tone"
cat >"$dir/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:$(stun_port alicesip)
net_interface		127.0.0.1
dns_server		127.0.0.1:53
call_local_timeout	60
audio_player		aubridge,none
audio_alert		aubridge,none
audio_source		aufile,$dir/tone.wav
rtp_ports		$(stun_port rtp1)-$(( $(stun_port rtp1) + 9 ))
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$CTRL
module_tmp		account.so
module_app		menu.so
snd_path		$dir/rec
CFG
echo "<sip:alice@kam.test>;outbound=\"sip:127.0.0.1:$KAM\";regint=300;answermode=auto;audio_codecs=pcmu;auth_pass=kampass" \
    >"$dir/accounts"
: >"$dir/contacts"
(cd "$dir" && exec ip netns exec "$NS" baresip -f "$dir" -v) </dev/null \
    >"$dir/log" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 15 grep -q "200 OK" "$dir/log" ||
    fail "alice did not register at Kamailio: $(tail -5 "$dir/log")"
phone() {	# phone COMMAND [PARAMS]: to alice's ctrl_tcp
	local j
	j=$(jq -cn --arg c "$1" --arg p "${2:-}" \
	    '{command: $c, params: $p, token: "t"}')
	printf '%d:%s,' "${#j}" "$j" | timeout 5 ip netns exec "$NS" \
	    socat -t 1 - "TCP:127.0.0.1:$CTRL" 2>/dev/null
}
ok "alice (baresip) registered at Kamailio as alice@kam.test"

established() {
	[ "$(grep -aci "call established" "$dir/log")" -ge "$1" ]
}
bob_call() {	# bob_call N: bob's UA has answered N calls from alice
	ctl b --json calls >"$T/calls" 2>&1 &&
	    [ "$(jq '[.calls[] | select(.peer | test("alice@kam.test"))] |
	    length' "$T/calls")" -ge "$1" ]
}

# 1. alice calls bob@overlay.test: Kamailio -> p (DNS) -> b's UA
phone dial "sip:bob@$OV" >/dev/null || fail "alice's phone took no command"
wait_for 15 established 1 ||
    fail "alice's call: $(grep -ai 'sip\|call' "$dir/log" | tail -5); DNS: $(tail -8 "$T/dnsmasq.log")"
wait_for 5 bob_call 1 || fail "bob's UA: $(cat "$T/calls")"
grep -q "query\[SRV\] _sip._udp.$OV" "$T/dnsmasq.log" ||
    fail "Kamailio asked no SRV: $(tail -5 "$T/dnsmasq.log")"
sleep 2
phone hangup >/dev/null
ended() {
	ctl b --json calls >"$T/calls" 2>&1 &&
	    jq -e '[.calls[] | select(.peer | test("alice@kam.test"))][-1] |
	    .state == "ended"' "$T/calls" >/dev/null
}
wait_for 10 ended || fail "bob's call did not end: $(cat "$T/calls")"
jq -e '[.calls[] | select(.peer | test("alice@kam.test"))][-1] |
    .reason == "remote hung up" and .received >= 50' "$T/calls" \
    >/dev/null || fail "bob's call: $(jq -c '.calls[-1]' "$T/calls")"
ok "alice@kam.test called bob@$OV through Kamailio and p (found by SRV): bob heard her ($(jq '[.calls[] | select(.peer | test("alice@kam.test"))][-1].received' "$T/calls") packets), her BYE ended it"

# 2. a user the overlay lacks: 404 back at alice
phone dial "sip:nobody@$OV" >/dev/null
wait_for 15 grep -aq "404" "$dir/log" ||
    fail "no 404: $(grep -ai 'nobody\|sip' "$dir/log" | tail -5)"
ok "a call to a user the overlay lacks: 404 at alice"

# 2b. carol (p's UA) calls alice@kam.test: p, a proxy peer, by RFC 3263
run 0 ctl p --json call alice@kam.test --duration 3
CID=$(json .call)
wait_for 15 established 2 ||
    fail "carol's call: $(grep -ai 'sip\|call' "$dir/log" | tail -5)"
grep -q "query\[NAPTR\] kam.test" "$T/dnsmasq.log" ||
    fail "p asked no NAPTR: $(tail -5 "$T/dnsmasq.log")"
carol_ended() {
	ctl p --json calls >"$T/calls.p" 2>&1 &&
	    jq -e --argjson id "$CID" '.calls[] | select(.id == $id) |
	    .state == "ended"' "$T/calls.p" >/dev/null
}
wait_for 15 carol_ended || fail "carol's call: $(cat "$T/calls.p")"
jq -e --argjson id "$CID" '.calls[] | select(.id == $id) |
    .status == 200 and .received >= 50' "$T/calls.p" >/dev/null ||
    fail "carol's call: $(jq -c '.calls[-1]' "$T/calls.p")"
ok "carol@$OV called alice@kam.test through p, a proxy peer: NAPTR, SRV, the dead server skipped, Kamailio over TCP; alice answered"

# 2c. carol's public AOR at kam.test: registered with Digest through p
echo kampass >"$T/kampass"
run 0 ctl p register-public carol2@kam.test sip:kam.test carol2 \
    --password-file "$T/kampass"
public_registered() {	# NODE AOR: registered at Kamailio, says NODE
	ctl "$1" --json ua list >"$T/ua" 2>&1 &&
	    jq -e --arg a "$2" '.public[] | select(.aor == $a) |
	    .registered' "$T/ua" >/dev/null
}
wait_for 15 public_registered p carol2@kam.test || fail "carol2: $(cat "$T/ua"); $(grep -i 'register' "$T/p/log" | tail -3)"
jq -e '.public[] | select(.aor == "carol2@kam.test") | .contact ==
    "sip:carol@'"$OV"'"' "$T/ua" >/dev/null || fail "the contact: $(cat "$T/ua")"
# a wrong password: Kamailio's challenge answered, refused again
run 0 env P2PSIPD_PASSWORD=wrong "$P2PSIPCTL" -s "$(sock p)" \
    register-public dave@kam.test sip:kam.test dave
wait_for 15 grep -q "dave@kam.test: REGISTER: 401" "$T/p/log" ||
    fail "dave: $(grep -i 'dave' "$T/p/log" | tail -3)"
ctl p --json ua list >"$T/ua"
jq -e '.public[] | select(.aor == "dave@kam.test") | .registered | not' \
    "$T/ua" >/dev/null || fail "dave: $(cat "$T/ua")"
phone dial "sip:carol2@kam.test" >/dev/null
wait_for 15 established 3 ||
    fail "alice's call to carol2: $(grep -ai 'sip\|call' "$dir/log" | tail -5)"
incoming_carol() {
	ctl p --json calls >"$T/calls.p" 2>&1 &&
	    jq -e '[.calls[] | select(.direction == "in" and
	    (.peer | test("alice@kam.test")))] | length >= 1' "$T/calls.p" \
	    >/dev/null
}
wait_for 5 incoming_carol || fail "carol's UA: $(cat "$T/calls.p")"
phone hangup >/dev/null
# the password never on the command line
run 2 ctl p register-public erin@kam.test sip:kam.test erin kampass
run 0 ctl p unregister-public dave@kam.test
run 1 ctl p unregister-public dave@kam.test
ok "carol registered carol@$OV at kam.test as carol2@kam.test (Digest, through p; a wrong password refused); alice's call to carol2@kam.test reached carol's UA"

# 2d. bob (at b, not a proxy peer) calls alice@kam.test: through a proxy
# peer found in the overlay; alice hangs up, her BYE by the Record-Routes
bob_out() {	# bob_out N: bob's Nth call out to alice
	run 0 ctl b --json call alice@kam.test --duration 30
	BID=$(json .call)
	wait_for 20 established "$1" || fail "bob's call $1 to alice: $(grep -ai 'sip\|call' "$dir/log" | tail -5); b: $(grep -i 'sip\|interwork' "$T/b/log" | tail -5)"
	sleep 2
	phone hangup >/dev/null
	bob_ended() {
		ctl b --json calls >"$T/calls.b" 2>&1 &&
		    jq -e --argjson id "$BID" '.calls[] | select(.id == $id) |
		    .state == "ended"' "$T/calls.b" >/dev/null
	}
	wait_for 10 bob_ended || fail "bob's call $1: $(cat "$T/calls.b")"
	jq -e --argjson id "$BID" '.calls[] | select(.id == $id) |
	    .status == 200 and .reason == "remote hung up" and
	    .received >= 50' "$T/calls.b" >/dev/null ||
	    fail "bob's call $1: $(jq -c --argjson id "$BID" '.calls[] |
	    select(.id == $id)' "$T/calls.b")"
}
bob_out 4
ctl b --json status >"$T/st.b"
jq -e --arg p "$(ctl p --json status | jq -r .node_id)" \
    --arg q "$(ctl q --json status | jq -r .node_id)" \
    '[.interwork.proxy_peers[].node] | sort == ([$p, $q] | sort)' \
    "$T/st.b" >/dev/null || fail "b's proxy peers: $(jq -c .interwork "$T/st.b")"
grep "INVITE sip:alice@kam.test" "$T/kam/log" | tail -1 |
    grep -q ";overlay=$OV" ||
    fail "no Record-Route names the overlay at Kamailio: $(grep INVITE "$T/kam/log" | tail -3)"
ok "bob@$OV (b, not a proxy peer) called alice@kam.test through a proxy peer found in the overlay (b knows p and q); the Record-Routes name the overlay; alice's BYE ended it"

# 2d'. bob's public AOR, registered from b through a proxy peer
run 0 ctl b register-public bob2@kam.test sip:kam.test bob2 \
    --password-file "$T/kampass"
wait_for 15 public_registered b bob2@kam.test || fail "bob2: $(cat "$T/ua"); $(grep -i 'register' "$T/b/log" | tail -3)"
alice_calls_bob() {	# URI N M: alice's Nth call, bob's UA's Mth from her
	phone dial "$1" >/dev/null
	wait_for 20 established "$2" ||
	    fail "alice's call to $1: $(grep -ai 'sip\|call' "$dir/log" | tail -5)"
	wait_for 5 bob_call "$3" || fail "bob's UA: $(cat "$T/calls")"
	phone hangup >/dev/null
}
alice_calls_bob sip:bob2@kam.test 5 2
ok "bob registered bob@$OV at kam.test as bob2@kam.test from b (not a proxy peer) through a proxy peer; alice's call to bob2@kam.test reached bob's UA"

# 2e. a Route that claims the overlay but is not p's: refused
got=$(sip_udp p "BYE sip:bob@127.0.0.1:$(sip_port b) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKforged;rport\r\nRoute: <sip:127.0.0.1:$(sip_port p);lr;overlay=$OV>\r\nMax-Forwards: 70\r\nFrom: <sip:mallory@kam.test>;tag=m\r\nTo: <sip:bob@$OV>;tag=b\r\nCall-ID: forged-route\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n")
[ "$got" = "SIP/2.0 403 Forbidden (a Route of this overlay that is not ours)" ] ||
    fail "a forged overlay Route: $got"
ok "a BYE with a Route that claims overlay $OV but was not p's: 403"

# 3. p is gone: Kamailio fails over to q, the SRV's next target
kill -9 "${NODE_PID[p]}"
wait_for 30 ctl q lookup "bob@$OV" || fail "bob is gone from the overlay"
alice_calls_bob "sip:bob@$OV" 6 3
ok "p killed: Kamailio's next call went to q (the second SRV target) and bob answered"
# b starts each call at the next proxy peer it knows: of two calls, one
# tries p first, and fails over to q
sleep 1
bob_out 7
bob_out 8
ok "p killed: bob's next two calls to alice@kam.test went through q, the other proxy peer"
