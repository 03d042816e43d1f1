#!/bin/bash
# SIP across real NATs (issue 20, item 6), in the lab of
# scripts/netns-lab.sh.  A daemon on the public host 203.0.113.20 is the
# registrar and proxy of phones behind NAT A (10.1.0.2, public
# 203.0.113.101) and NAT B (10.2.0.2, public 203.0.113.102).  The NATs
# drop whatever comes from the WAN side that is not an answer to what
# the phone sent to that address and port (address-and-port-dependent
# filtering: modes eim and sym), so a request reaches a phone only on
# the flow its REGISTER came in on (RFC 5626 §5.3, §7; RFC 3581 §4 for
# the responses).
#
# Phones are set up the way their users leave them: baresip with RFC
# 5626 outbound (sipnat=outbound, the uuid module: +sip.instance,
# reg-id=1) over UDP and over TCP, baresip without it, and linphonec
# with its defaults (+sip.instance, no reg-id).  bob, a baresip behind
# NAT B, calls each of them by AOR; tshark on the public host sees every
# SIP packet of the daemon, and each INVITE the daemon sends must go to
# the address and port, and transport, the callee's REGISTER came from
# (printed), and the callee must answer.  Then the RFC 5626 keepalives:
# a STUN Binding request to the daemon's SIP port from behind NAT A is
# answered with the NAT's public address and port (XOR-MAPPED-ADDRESS,
# RFC 5626 §8.4, RFC 8489 §14.2), the 200 OK to an outbound REGISTER
# carries Flow-Timer (RFC 5626 §5.4), and baresip's own STUN keepalives
# on its flow are answered.
. "$(dirname "$0")/lib.sh"

for c in baresip linphonec tshark socat; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done

lab_up --nat-a eim --nat-b sym --no-turn
ok "lab up: site A behind an EIM/APD-filtering NAT, site B behind a symmetric one"

PUBIP=203.0.113.20
SP=$(sip_port p)
NODE_NS=$LAB-pub start_node p -o "overlay.listen=$PUBIP:$(port p)" \
    -o "sip.listen=$PUBIP:$SP" -o "sip.tls_listen=$PUBIP:$(sips_port p)" \
    -o users.alice=wonderland -o users.bob=builder \
    -o users.carol=caroline -o users.dave=davidson \
    -o users.erin=erinyes -o users.frank=frankly
ok "daemon p: SIP on $PUBIP:$SP (UDP, TCP), users alice bob carol dave erin frank"

# Every SIP packet to and from the daemon, seen on the public host.
tshark_start() {
	timeout 300 ip netns exec "$LAB-pub" tshark -i eth0 -n -q \
	    -f "port $SP" -w "$T/sip.pcap" >"$T/tshark.out" 2>&1 &
	CAP=$!
	EXTRA_PIDS+=($CAP)
	wait_for 10 grep -q "Capturing on" "$T/tshark.out" ||
	    fail "no capture: $(cat "$T/tshark.out")"
}
tshark_start

# bphone NAME SITE PASS TRANSPORT SIPNAT: a phone of user NAME
# (lab_phone), 440 Hz, control on 127.0.0.1:5075 of its site; TRANSPORT
# udp or tcp to the daemon; SIPNAT outbound or "" (a user who did not set
# it).
bphone() {
	local o=(ctrl "pass=$3")
	[ "$4" = tcp ] && o+=(tcp)
	[ -n "$5" ] && o+=("sipnat=$5")
	lab_phone "$1" "$2" "sip:$PUBIP:$SP" 440 "${o[@]}"
}

# bstop PID: end a phone.
bstop() {
	kill "$1" 2>/dev/null
	wait_exit "$1" 10 2>/dev/null || true
}

# registered AOR-USER TRANSPORT: the daemon has a binding for the user.
registered() {
	ctl p --json registrations |
	    jq -e --arg a "$1@$DOM" 'any(.registrations[]; .aor == $a)'
}

# sip_pkts FILTER: the daemon's packets so far that FILTER (a Wireshark
# display filter) passes, all of them taken for SIP (Wireshark's STUN
# heuristic would else claim a phone's flow after its first keepalive), one a line: "ADDR:PORT/TP" of its
# source, then of its destination.
sip_pkts() {
	tshark -r "$T/sip.pcap" -n -d "tcp.port==$SP,sip" \
	    -d "udp.port==$SP,sip" -Y "$1" \
	    -T fields -E separator=, \
	    -e ip.src -e udp.srcport -e tcp.srcport -e ip.dst -e udp.dstport \
	    -e tcp.dstport 2>/dev/null | awk -F, '{
		tp = $2 != "" ? "udp" : "tcp"
		print $1 ":" $2 $3 "/" tp, $4 ":" $5 $6 "/" tp }'
}

# call_check CALLEE [baresip]: bob calls CALLEE by AOR; CALLEE's phone
# must answer (with baresip: and see the ACK and bob's BYE, which come
# along our Record-Route's flow token), and every INVITE the daemon sent for CALLEE must have gone to where
# CALLEE's last REGISTER came from (the NAT's mapping), on its transport.
call_check() {
	local callee=$1 reg inv
	lab_phone_ctrl b dial "sip:$callee@$DOM" >/dev/null ||
	    fail "bob's phone took no command"
	NCALLS=$((NCALLS + 1))
	wait_for 15 calls_established bob $NCALLS ||
	    fail "bob's call to $callee: $(grep -ai 'call\|sip' "$T/bob.phone/log" | tail -5)"
	[ -z "${2:-}" ] || wait_for 5 calls_established "$callee" 1 ||
	    fail "$callee's phone saw no ACK: $(tail -5 "$T/$callee.phone/log")"
	lab_phone_ctrl b hangup >/dev/null
	[ -z "${2:-}" ] || wait_for 5 grep -qai "terminated\|closed" \
	    "$T/$callee.phone/log" ||
	    fail "$callee's phone saw no BYE: $(tail -5 "$T/$callee.phone/log")"
	# the capture reaches its file a little late
	wait_for 10 captured_call "$callee" || true
	echo "# $callee: REGISTER came from $reg; the daemon sent the INVITE to ${inv% }"
	[ -n "$reg" ] || fail "no REGISTER from $callee captured"
	[ "${inv% }" = "$reg" ] ||
	    fail "the INVITE for $callee went to '${inv% }', not its flow $reg"
}

# captured_call CALLEE: the capture has CALLEE's REGISTER and the
# daemon's INVITE for CALLEE: where from in $reg, where to in $inv.
captured_call() {
	reg=$(sip_pkts "sip.Method == \"REGISTER\" && sip.to.user == \"$1\" && ip.dst == $PUBIP" |
	    tail -1 | cut -d' ' -f1)
	inv=$(sip_pkts "sip.Method == \"INVITE\" && sip.to.user == \"$1\" && ip.src == $PUBIP" |
	    cut -d' ' -f2 | sort -u | tr '\n' ' ')
	[ -n "$reg" ] && [ -n "$inv" ]
}

# calls_established NAME N: the baresip NAME has had N calls established.
calls_established() {
	[ "$(grep -aci "call established" "$T/$1.phone/log")" -ge "$2" ]
}
NCALLS=0

# 1. alice: baresip with outbound over UDP, behind NAT A (eim)
bphone bob b builder udp outbound
BOB=$PHONE_PID
bphone alice a wonderland udp outbound
wait_for 20 registered bob || fail "bob did not register: $(tail -5 "$T/bob.phone/log")"
wait_for 20 registered alice || fail "alice did not register: $(tail -5 "$T/alice.phone/log")"
ok "alice (behind NAT A) and bob (behind NAT B) registered over UDP with outbound"
call_check alice baresip
ok "bob called alice: INVITE, ACK and BYE took alice's UDP flow through NAT A"
bstop $PHONE_PID

# 2. carol: baresip over UDP as it comes, no outbound: a private Contact
bphone carol a caroline udp ""
wait_for 20 registered carol || fail "carol did not register: $(tail -5 "$T/carol.phone/log")"
call_check carol baresip
ok "bob called carol (no outbound, Contact 10.1.0.2): the INVITE took her flow"
bstop $PHONE_PID

# 3. erin: baresip with outbound over TCP
bphone erin a erinyes tcp outbound
wait_for 20 registered erin || fail "erin did not register: $(tail -5 "$T/erin.phone/log")"
call_check erin baresip
ok "bob called erin: the INVITE took her TCP connection through NAT A"
bstop $PHONE_PID

# 4. dave: linphonec as its user leaves it (+sip.instance, no reg-id,
# no outbound), over UDP behind NAT A; Linphone answers on its own.
D=$T/dave.linphone
mkdir -p "$D/.local/share/linphone"
cat >"$D/rc" <<RC
[sip]
bind_address=10.1.0.2
guess_hostname=0
use_ipv6=0
ipv6_migration_done=1
sip_port=5070
sip_tcp_port=5070
default_proxy=0

[rtp]
bind_address=10.1.0.2
audio_rtp_port=5080

[video]
enabled=0

[proxy_0]
reg_identity=sip:dave@$DOM
reg_proxy=<sip:$PUBIP:$SP>
reg_route=<sip:$PUBIP:$SP;lr>
reg_sendregister=1

[auth_info_0]
username=dave
passwd=davidson
realm=$DOM
RC
mkfifo "$D/in"
: >"$D/out"
HOME=$D XDG_RUNTIME_DIR=$D ip netns exec "$LAB-a" linphonec -c "$D/rc" -d 0 \
    <>"$D/in" >>"$D/out" 2>>"$D/err" &
LINPHONE_PID[dave]=$!
EXTRA_PIDS+=($!)
linphone_cmd dave "soundcard use files"
linphone_wait dave 10 "Using wav files" ||
    fail "dave's linphonec: $(tail -c 400 "$D/out") $(tail -3 "$D/err")"
linphone_cmd dave "autoanswer enable"
wait_for 20 registered dave ||
    fail "dave did not register: $(tail -c 400 "$D/out") $(tail -3 "$D/err")"
run 0 ctl p --json registrations
jq -e --arg a "dave@$DOM" '[.registrations[] | select(.aor == $a)] |
    length >= 1 and (.[0].instance | startswith("\"<urn:uuid:"))
    and .[0].reg_id == 0' "$T/out" >/dev/null ||
    fail "dave's binding: $(cat "$T/out")"
echo "# dave's binding: $(jq -c --arg a "dave@$DOM" '.registrations[] |
    select(.aor == $a) | {contact, reg_id}' "$T/out")"
call_check dave
linphone_wait dave 10 "Call [0-9]+ with sip:bob@$DOM ended" ||
    fail "dave's Linphone did not see the call end: $(tail -c 400 "$D/out")"
ok "bob called dave (Linphone's defaults): the INVITE took his flow, the call ended at his phone"
linphone_stop dave

# 5. NAT A symmetric: frank, baresip with outbound over UDP, gets a
# random port on the NAT; the INVITE goes to it, not to port 5070.
lab nat a sym >>"$T/lab.up" 2>&1 || fail "nat a sym"
bphone frank a frankly udp outbound
FRANK=$PHONE_PID
wait_for 20 registered frank || fail "frank did not register: $(tail -5 "$T/frank.phone/log")"
call_check frank baresip
ok "bob called frank behind a symmetric NAT: the INVITE took his flow"

# 6. RFC 5626 keepalives.  The 200 to an outbound REGISTER has
# Flow-Timer (§5.4): 29 s on UDP, 120 s on TCP.
ft_of() {
	tshark -r "$T/sip.pcap" -n -d "udp.port==$SP,sip" -V -Y "sip.Status-Code == 200 && sip.CSeq.method == \"REGISTER\" && sip.to.user == \"$1\"" 2>/dev/null |
	    grep -a -m1 -o 'Flow-Timer: [0-9]*'
}
for u in "alice 29" "erin 120" "frank 29"; do
	set -- $u
	ft=$(ft_of $1)
	[ "$ft" = "Flow-Timer: $2" ] || fail "$1's 200 OK: '$ft', not Flow-Timer: $2"
done
ft=$(ft_of carol)
[ -z "$ft" ] || fail "carol (no outbound) got $ft"
ok "Flow-Timer 29 in the 200 to outbound REGISTERs over UDP, 120 over TCP, none without outbound"

# A STUN Binding request to the daemon's SIP port from behind NAT A
# (RFC 5626 §8.4): a success answer with the NAT's public address.
out=$(ip netns exec "$LAB-a" /usr/bin/python3 - "$PUBIP" "$SP" <<'PY'
import os, socket, struct, sys
MAGIC = 0x2112A442
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.1.0.2", 0))
s.settimeout(2)
tid = os.urandom(12)
for i in range(3):
    s.sendto(struct.pack("!HHI", 1, 0, MAGIC) + tid, (sys.argv[1], int(sys.argv[2])))
    try:
        d = s.recv(1500)
        break
    except socket.timeout:
        d = b""
t, n = struct.unpack("!HH", d[:4])
i, x = 20, None
while i + 4 <= 20 + n:
    at, al = struct.unpack("!HH", d[i:i + 4])
    if at == 0x0020:
        x = d[i + 4:i + 4 + al]
    i += 4 + (al + 3) // 4 * 4
p = struct.unpack("!H", x[2:4])[0] ^ (MAGIC >> 16)
ip = ".".join(str(b ^ k) for b, k in zip(x[4:8], struct.pack("!I", MAGIC)))
print("type=%04x tid=%s mapped=%s:%d local=%d id=%s" % (t, d[8:20] == tid,
    ip, p, s.getsockname()[1], ":".join("%02x" % b for b in tid)))
PY
) || fail "no answer to a STUN Binding request on the SIP port"
echo "# STUN Binding to $PUBIP:$SP from 10.1.0.2: $out"
case $out in
"type=0101 tid=True mapped=203.0.113.101:"*) ;;
*) fail "STUN on the SIP port: $out" ;;
esac

# stun_pkts FILTER: the STUN packets on the SIP port that FILTER also
# passes ("ADDR:PORT/udp ADDR:PORT/udp" lines): by their first bytes, a
# Binding request 00:01, a success answer 01:01, and the magic cookie.
stun_pkts() {
	sip_pkts "udp.payload[4:4] == 21:12:a4:42 && $1"
}
# the answer named the mapping the daemon saw the request come from
mapped=${out#*mapped=}
mapped=${mapped%% *}
stun_seen() {
	seen=$(stun_pkts "udp.payload[0:2] == 00:01 && udp.payload[8:12] == ${out##*id=}" |
	    cut -d' ' -f1 | sort -u | tr '\n' ' ')
	[ -n "$seen" ]
}
wait_for 10 stun_seen || true
echo "# the daemon saw the Binding request from ${seen% }"
[ "${seen% }" = "$mapped/udp" ] || fail "XOR-MAPPED-ADDRESS $mapped, request seen from '${seen% }'"
ok "STUN Binding on the SIP port from behind NAT A: success with the NAT's mapping $mapped"

# frank's own keepalives (baresip's outbound: a STUN Binding request on
# its flow within 80-100% of Flow-Timer, RFC 5626 §4.4.1) and the
# answers, on his flow through the symmetric NAT
FL=$(sip_pkts "sip.Method == \"REGISTER\" && sip.to.user == \"frank\" && ip.dst == $PUBIP" |
    tail -1 | cut -d' ' -f1)
frank_ka() {
	[ -n "$(stun_pkts "udp.payload[0:2] == 01:01 && ip.src == $PUBIP" |
	    grep -F " $FL")" ]
}
wait_for 40 frank_ka || fail "no answered keepalive on frank's flow $FL:" \
    "$(stun_pkts "ip.src == 203.0.113.101")"
n=$(stun_pkts "udp.payload[0:2] == 00:01 && ip.dst == $PUBIP" | grep -c "^$FL ")
na=$(stun_pkts "udp.payload[0:2] == 01:01 && ip.src == $PUBIP" | grep -c " $FL\$")
echo "# frank's flow $FL: $n STUN Binding requests, $na success answers on it"
[ "$na" -ge "$n" ] || fail "frank's keepalives: $n requests, $na answers"
run 0 ctl p --json status
echo "# daemon p: $(json '"keepalives \(.sip.keepalives), bad answered \(.sip.bad_answered), bad dropped \(.sip.bad_dropped)"')"
[ "$(json .sip.keepalives)" -ge 2 ] || fail "keepalives: $(json .sip.keepalives)"
[ "$(json .sip.bad_answered)" = 0 ] && [ "$(json .sip.bad_dropped)" = 0 ] ||
    fail "something a phone sent was taken for bad SIP"
ok "frank's baresip keeps its flow through the symmetric NAT with STUN, answered on the SIP port"
lab_phone_ctrl a reginfo | grep -q 'OK' || fail "frank's phone: $(lab_phone_ctrl a reginfo)"
