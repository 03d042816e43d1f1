#!/bin/bash
# Bad input on the overlay port, from outside and from a peer with a good
# certificate (tests/tools/ovpoke): each earns the RFC 6940 error or a
# closed link, is logged (at most once a second), and the node goes on
# routing.  Also: a foreign peer's Ping, Probe and RouteQuery answered.
. "$(dirname "$0")/lib.sh"

POKE=$BUILD/ovpoke
start_node a
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
wait_for 30 ring_ok a b || fail "a and b did not form a ring"
A=127.0.0.1:$(port a)
B_ID=$(node_id b)
mkdir "$T/poke"
poke() {
	run 0 "$POKE" -d "$T/poke" -t 1500 "$A" "$@"
}
expect() {
	[ "$(cat "$T/out")" = "$1" ] ||
	    fail "ovpoke $2: got '$(tr '\n' '|' <"$T/out")', not '$1'"
}
alive_and_well() {
	run 0 ctl a --json status
	[ "$(json .state)" = joined ] || fail "a is $(json .state) after $1"
}

# Not TLS at all: random bytes, then an HTTP request.
head -c 3000 /dev/urandom | timeout 10 socat -t 2 - "TCP:$A" >/dev/null 2>&1
sleep 1.1	# past the log rate limit
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 2 - "TCP:$A" \
    >/dev/null 2>&1
wait_for 5 grep -q "overlay: link [0-9]* from 127.0.0.1:[0-9]*: .*version" \
    "$T/a/log" || fail "non-TLS input not logged: $(tail -3 "$T/a/log")"
alive_and_well "bytes that are not TLS"
ok "not TLS: closed and logged"

# TLS with certificates that bind no Node-ID, or another one than the
# key's (RFC 6940 §11.3.1): refused.
mkdir "$T/certs"
cd "$T/certs" || fail "cd"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=x -keyout nouri.key -out nouri.crt -days 1 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj / -addext "subjectAltName=URI:reload://00112233445566778899aabbccddeeff@p2psipd.localhost/" \
    -keyout stolen.key -out stolen.crt -days 1 2>/dev/null
cd - >/dev/null || fail "cd"
sleep 1.1
run 0 "$POKE" -c "$T/certs/nouri.crt" -k "$T/certs/nouri.key" "$A" raw=00
expect closed "without a reload:// URI"
has "$T/a/log" 'the certificate binds no Node-ID'
run 0 "$POKE" -c "$T/certs/stolen.crt" -k "$T/certs/stolen.key" "$A" raw=00
expect closed "claiming another Node-ID"
ok "certificates binding no Node-ID, or another's, are refused"

# A good peer: its requests are answered, recursively routed ones too.
poke ping probe rq=alice "ping,res=alice" "ping,to=$B_ID"
expect "answer ping_ans hops 1
answer probe_ans hops 1
answer route_query_ans hops 1
answer ping_ans hops $( [ "$(owner "$(resource_id alice)" "$(node_id a)" \
    "$B_ID")" = "$B_ID" ] && echo 2 || echo 1)
answer ping_ans hops 2" "good requests"
ok "a foreign peer's Ping, Probe and RouteQuery are answered"

# Message faults: each its RFC 6940 answer, the link stays open.
sleep 1.1
poke "ping,to=$B_ID,ttl=0" "ping,to=$B_ID,loop" "ping,ttl=101" \
    "ping,badsig" ping
expect "error 10 Error_TTL_Exceeded
error 20 Error_Invalid_Message
error 10 Error_TTL_Exceeded
silence
answer ping_ans hops 1" "message faults"
has "$T/a/log" 'bad input: routing loop'
ok "TTL 0, a loop in the via list, TTL too high: errors; bad signature: dropped"

# A burst of badly signed messages is counted, and logged once.
sleep 1.1
n0=$(grep -c 'bad signature' "$T/a/log")
poke "flood=200,badsig" ping
expect "open
answer ping_ans hops 1" "a burst of bad signatures"
[ $(( $(grep -c 'bad signature' "$T/a/log") - n0 )) -le 1 ] ||
    fail "a burst of bad input was logged more than once"
run 0 ctl a --json status
[ "$(json .ring.messages.bad_input)" -ge 200 ] || fail "bad_input counter"
ok "200 bad signatures: counted, logged once"

# Another overlay: Error_Incompatible_with_Overlay, then the link closes.
poke "ping,overlay=other.example" ping
expect "error 6 Error_Incompatible_with_Overlay
closed" "another overlay"
ok "another overlay: error, link closed"

# Framing faults close the link: an oversized frame, an unknown type.
poke raw=8000000001ffff00
expect closed "an oversized frame"
has "$T/a/log" 'closed: frame larger than max_message_size'
poke raw=17030300
expect closed "an unknown frame type"
# A frame whose message is cut short: dropped, the link stays.
poke raw=800000000100000cd2454c4f0000000000000000 ping
expect "open
answer ping_ans hops 1" "a truncated message"
alive_and_well "framing faults"
ok "oversized and unknown frames close the link; a truncated message is dropped"

# A peer that sends and never reads: closed once its answers pile up.
run 0 "$POKE" -d "$T/poke" -r 4096 -t 5000 "$A" flood=20000
expect closed "a peer that does not read"
has "$T/a/log" 'peer is not reading: closed'
ok "a peer that stops reading is closed"

# Through all that, a and b still route.
alive_and_well "all of it"
run 0 ctl b --json route alice
wait_for 10 ring_ok a b || fail "ring broken after bad input"
ok "the ring is intact"
