#!/bin/bash
# RFC 3263 server selection through a real DNS server (issue 22, step 1):
# dnsmasq on loopback serves NAPTR, SRV and A records for a made-up
# domain, and `p2psipctl resolve` prints where a SIP URI's requests
# would go, in the order to try them, the daemon asking dnsmasq
# ([interwork] dns_server) through c-ares.
#   - NAPTR: SIP+D2U (order 10) before SIP+D2T (order 20), SIP+D2S
#     (SCTP) skipped; its SRV's two servers by priority;
#   - a transport parameter: that transport's SRV;
#   - no NAPTR, no SRV: A at port 5060; an explicit port: A only;
#   - a NAPTR loop (two non-terminal records naming each other): refused
#     with its reason; an SRV answer of 40 records (over the limit, and
#     over UDP's 512 bytes: c-ares takes it over TCP): refused;
#   - a name nobody has: refused;
#   - a DNS server that never answers (socat swallowing its queries):
#     refused within 10 s, as the SIP core's Timer B/F (32 s) needs.
. "$(dirname "$0")/lib.sh"

for c in dnsmasq jq socat; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done

# ports of names no daemon takes: their STUN ports are free
DNSPORT=$(stun_port dns)
srv40=()
for i in $(seq 40); do
	srv40+=("--srv-host=_sip._udp.big.test,h$i.big.test,5060,0,$i")
done
dnsmasq --no-daemon --no-resolv --no-hosts --no-poll \
    --listen-address=127.0.0.1 --bind-interfaces --port="$DNSPORT" \
    --local=/test/ --log-facility=- \
    --naptr-record=example.test,20,10,s,SIP+D2T,,_sip._tcp.example.test \
    --naptr-record=example.test,10,10,s,SIP+D2U,,_sip._udp.example.test \
    --naptr-record=example.test,5,10,s,SIP+D2S,,_sip._sctp.example.test \
    --srv-host=_sip._udp.example.test,pbx2.example.test,5071,20,10 \
    --srv-host=_sip._udp.example.test,pbx1.example.test,5070,10,10 \
    --srv-host=_sip._tcp.example.test,pbx1.example.test,5080,10,10 \
    --host-record=pbx1.example.test,127.0.0.31 \
    --host-record=pbx2.example.test,127.0.0.32 \
    --host-record=plain.test,127.0.0.33 \
    --naptr-record=loop-a.test,10,10,,,,loop-b.test \
    --naptr-record=loop-b.test,10,10,,,,loop-a.test \
    "${srv40[@]}" >"$T/dnsmasq.log" 2>&1 &
DNSMASQ=$!
EXTRA_PIDS+=($DNSMASQ)
wait_for 10 grep -q "started" "$T/dnsmasq.log" ||
    fail "dnsmasq: $(tail -3 "$T/dnsmasq.log")"

start_node a -o "interwork.dns_server=127.0.0.1:$DNSPORT"

servers() {	# servers URI: "TRANSPORT address" lines
	run 0 ctl a --json resolve "$1"
	jq -r '.servers[] | "\(.transport) \(.address)"' "$T/out" | paste -sd, -
}
[ "$(servers sip:alice@example.test)" = \
    "UDP 127.0.0.31:5070,UDP 127.0.0.32:5071" ] ||
    fail "NAPTR: $(cat "$T/out")"
ok "NAPTR: SIP+D2U before SIP+D2T, SCTP skipped; its SRV's servers by priority"
[ "$(servers 'sip:alice@example.test;transport=tcp')" = \
    "TCP 127.0.0.31:5080" ] || fail "transport=tcp: $(cat "$T/out")"
[ "$(servers sip:bob@plain.test)" = "UDP 127.0.0.33:5060" ] ||
    fail "plain: $(cat "$T/out")"
[ "$(servers sip:bob@plain.test:5099)" = "UDP 127.0.0.33:5099" ] ||
    fail "a port: $(cat "$T/out")"
ok "a transport's SRV; no NAPTR or SRV: A at 5060; an explicit port: A only"

run 1 ctl a resolve sip:u@loop-a.test
grep -q "NAPTR loop" "$T/err" || fail "loop: $(cat "$T/out" "$T/err")"
loop=$(cat "$T/err")
run 1 ctl a resolve 'sip:u@big.test;transport=udp'
grep -q "too many records" "$T/err" || fail "big: $(cat "$T/out" "$T/err")"
run 1 ctl a resolve sip:u@nobody.test
grep -q "no server found" "$T/err" || fail "nobody: $(cat "$T/err")"
run 1 ctl a resolve mailto:u@example.test
ok "refused with their reason: a NAPTR loop ($loop), an answer of 40 records, a name nobody has, not a SIP URI"

# a DNS server that never answers
stop_node a
SILENT=$(stun_port silent)
socat -u "UDP4-RECV:$SILENT,bind=127.0.0.1" /dev/null &
EXTRA_PIDS+=($!)
start_node a -o "interwork.dns_server=127.0.0.1:$SILENT"
t0=$(date +%s%N)
run 1 ctl a resolve sip:u@example.test
t=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -q "did not answer" "$T/err" || fail "silent: $(cat "$T/err")"
[ "$t" -lt 10000 ] || fail "it took $t ms"
ok "a DNS server that never answers: refused after $t ms ($(cat "$T/err"))"
