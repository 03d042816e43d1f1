#!/bin/bash
# The registrar (RFC 3261 §10.3) with a real phone, sipp: 50 users
# register at daemon a over UDP and 50 over TCP; each AOR is then a
# SIP-REGISTRATION in the overlay pointing at a, found from daemon b;
# p2psipctl registrations lists the bindings; removing them withdraws
# the AORs.  Bad input: a malformed request gets a 400 naming the fault,
# a REGISTER for a foreign domain is not taken (it would go to a proxy
# peer, and the overlay has none: 503), garbage is dropped and counted,
# and the daemon
# answers OPTIONS all along; over TCP, a header flood gets 400, stalled
# and oversized senders are cut off, idle connections stay.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "skip: no sipp"; exit 77; }
SC=$(cd "$(dirname "$0")" && pwd)/sipp
DOM=p2psipd.localhost

start_node a -o sip.stream_timeout=2
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
A=$(node_id a)
SIPA=127.0.0.1:$(sip_port a)
SIPS=127.0.0.1:$(sips_port a)	# a's TLS address: the contact it publishes

# sipp_run TRANSPORT(u1|t1) SCENARIO CSV PORT: N calls, one at a time.
sipp_run() {
	local n
	n=$(($(wc -l <"$3") - 1))
	timeout 60 sipp "$SIPA" -t "$1" -sf "$SC/$2.xml" -inf "$3" \
	    -i 127.0.0.1 -mi 127.0.0.1 -p "$4" -cp $(($4 + 1)) -nostdin \
	    -m "$n" -l 1 -r 100 -timeout 30 -timeout_error \
	    -default_behaviors all,-bye -trace_err \
	    -error_file "$T/sipp-$2-$1.err" >"$T/sipp.out" 2>&1 ||
	    fail "sipp $2 over $1: $(tail -n 3 "$T/sipp-$2-$1.err" \
	    2>/dev/null)"
}

for t in u1 t1; do
	{ echo SEQUENTIAL; for i in $(seq 50); do echo "$t-u$i;$DOM"; done; } \
	    >"$T/users-$t.csv"
done
sipp_run u1 register "$T/users-u1.csv" $(($(sip_port a) + 100))
sipp_run t1 register "$T/users-t1.csv" $(($(sip_port a) + 110))
ok "100 phones registered (50 over UDP, 50 over TCP)"

# Each AOR is in the overlay, pointing at a, found from b.
wait_for 20 ctl b lookup t1-u50 || fail "t1-u50 not in the overlay"
for t in u1 t1; do
	for i in 1 25 50; do
		run 0 ctl b --json lookup "$t-u$i"
		[ "$(json '.bindings[0].node_id')" = "$A" ] ||
		    fail "$t-u$i: not published by a"
		[ "$(json '.bindings[0].contact')" = \
		    "sip:$t-u$i@$SIPS;transport=tls" ] ||
		    fail "$t-u$i: not pointing at a's SIP address over TLS"
	done
done
run 0 ctl a --json registrations
[ "$(jq '.registrations | length' "$T/out")" = 100 ] ||
    fail "registrations: $(jq -c . "$T/out" | head -c 300)"
[ "$(jq -r '.registrations[] | select(.aor == "u1-u7@'$DOM'") |
    .contact' "$T/out")" = \
    "sip:u1-u7@127.0.0.1:$(($(sip_port a) + 100));transport=UDP" ] ||
    fail "u1-u7's contact"
run 0 ctl a --json status
[ "$(json '.sip.registrations')" = 100 ] || fail "status sip"
ok "every AOR is in the overlay, pointing at its daemon"

# Removing the bindings withdraws the AORs.
sipp_run u1 unregister "$T/users-u1.csv" $(($(sip_port a) + 120))
run 0 ctl a --json registrations
[ "$(jq '.registrations | length' "$T/out")" = 50 ] ||
    fail "after unregistering: $(jq '.registrations | length' "$T/out")"
run 1 ctl b lookup u1-u1
has "$T/err" 'no registration'
ok "unregistered phones are withdrawn from the overlay"

# Bad input, over UDP: a 400 that names the fault, a REGISTER for another
# domain not taken (503: no proxy peer to send it to), silence for
# garbage; OPTIONS answered.
udp() {
	sip_udp a "$1"
}
H='Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx;rport\r\nMax-Forwards: 70\r\nFrom: <sip:x@'$DOM'>;tag=1\r\nCall-ID: bad1\r\n'
[ "$(udp "INVITE sip:y@$DOM SIP/2.0\r\n${H}To: <sip:y@$DOM>\r\nCSeq: 1 BYE\r\n\r\n")" = \
    "SIP/2.0 400 CSeq Method Does Not Match" ] || fail "no 400"
[ "$(udp "REGISTER sip:example.org SIP/2.0\r\n${H}To: <sip:x@example.org>\r\nCSeq: 1 REGISTER\r\nContact: <sip:x@127.0.0.1:9>\r\n\r\n")" = \
    "SIP/2.0 503 Service Unavailable (no proxy peer in the overlay)" ] ||
    fail "a REGISTER for another domain: no 503"
[ "$(udp '\x16\x03\x01\x00\x05hello')" = "(nothing)" ] || fail "garbage"
[ "$(udp "OPTIONS sip:$DOM SIP/2.0\r\n${H}To: <sip:$DOM>\r\nCSeq: 2 OPTIONS\r\n\r\n")" = \
    "SIP/2.0 200 OK" ] || fail "OPTIONS"
run 0 ctl a --json status
[ "$(json '.sip.bad_answered >= 1 and .sip.bad_dropped >= 1')" = true ] ||
    fail "bad input not counted: $(json -c .sip)"
ok "bad input: 400 naming the fault, another domain's REGISTER not taken (503, no proxy peer), garbage dropped"

# Over TCP: a header flood gets 400; a sender that stalls in the middle
# of a message, and one that sends more than max_message_size, are cut
# off; an idle connection stays.
python3 - "$(sip_port a)" "$DOM" <<'EOF' || fail "TCP limits"
import socket, sys, time
port, dom = int(sys.argv[1]), sys.argv[2]
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=6)
def closed_within(s, secs):
    s.settimeout(secs)
    try:
        while s.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
head = ("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;"
    "branch=z9hG4bKt%%d\r\nMax-Forwards: 70\r\nFrom: <sip:x@%s>;tag=1\r\n"
    "To: <sip:%s>\r\nCall-ID: t%%d\r\nCSeq: 1 OPTIONS\r\n" % (dom, dom, dom))
s = conn()
s.sendall(((head % (1, 1)) + "".join("X-%d: y\r\n" % i for i in range(200))
    + "Content-Length: 0\r\n\r\n").encode())
s.settimeout(3)
r = s.recv(4096).decode()
assert r.startswith("SIP/2.0 400 Too Many Headers"), r
assert closed_within(s, 3), "the framing is lost: the stream must close"
# idle: still open after 3 s (more than stream_timeout), still answering
s = conn()
time.sleep(3)
s.sendall(((head % (2, 2)) + "Content-Length: 0\r\n\r\n").encode())
r = s.recv(4096).decode()
assert r.startswith("SIP/2.0 200 OK"), r
s.close()
# stalled in the middle: closed after stream_timeout (2 s)
s = conn()
s.sendall((head % (3, 3)).encode())
t = time.time()
assert closed_within(s, 6), "a stalled sender kept its connection"
assert time.time() - t < 5
# too big: closed
s = conn()
try:
    s.sendall(((head % (4, 4)) + "X-Big: " + "x" * 70000 + "\r\n").encode())
except OSError:
    pass
assert closed_within(s, 6), "an oversized message kept its connection"
EOF
ok "TCP: header flood 400, stalled and oversized senders cut off, idle kept"

# Digest authentication (RFC 3261 §22): with auth_local, phones on this
# host too must give the password of a user in [users]; the user must be
# the AOR's.  [users] is taken again on reload.
cat >"$T/d.conf" <<CONF
[users]
alice = wonderland
CONF
start_node d -c "$T/d.conf" -o sip.auth_local=yes
SIPD=127.0.0.1:$(sip_port d)
PD=$(($(sip_port a) + 130))
# auth_run USER PASSWORD SCENARIO: one REGISTER through a challenge.
auth_run() {
	printf 'SEQUENTIAL\n%s;%s\n' "$1" "$DOM" >"$T/auth.csv"
	timeout 30 sipp "$SIPD" -sf "$3" -inf "$T/auth.csv" -au "$1" \
	    -ap "$2" -i 127.0.0.1 -p "$PD" -cp $((PD + 1)) -nostdin -m 1 \
	    -timeout 20 -timeout_error -trace_err -error_file "$T/auth.err" \
	    >"$T/auth.out" 2>&1
}
sed 's/response="200"/response="401"/' "$SC/register_auth.xml" \
    >"$T/refused.xml"
auth_run alice wonderland "$SC/register_auth.xml" ||
    fail "alice with her password: $(tail -20 "$T/auth.err")"
run 0 ctl d --json registrations
has "$T/out" '"aor":"alice@'"$DOM"'"'
auth_run alice looking-glass "$T/refused.xml" ||
    fail "alice with a wrong password: not 401: $(tail -3 "$T/auth.out")"
auth_run bob builder "$T/refused.xml" ||
    fail "bob, not in [users]: not 401: $(tail -3 "$T/auth.out")"
echo "bob = builder" >>"$T/d.conf"
run 0 ctl d reload
auth_run bob builder "$SC/register_auth.xml" ||
    fail "bob after the reload: $(tail -3 "$T/auth.out")"
status_is d .sip.auth_challenged 6
ok "Digest: the right password registers, a wrong one or an unknown user is challenged again; [users] reloads"

# A storing peer that refuses a's stores for a while (its flood limit,
# [storage] peer_store_rate): the phones stay registered and their AORs
# reach the overlay once it lets them, logged in two lines, not one each.
start_node g -o "overlay.bootstrap=127.0.0.1:$(port a)" \
    -o storage.peer_store_rate=5 -o storage.peer_store_burst=2
wait_for 30 ring_ok a b g || fail "ring: $(ring_wrong a b g) wrong"
# 20 AORs that g is responsible for, so that its limit is what they meet
# (as owner and resource_id in lib.sh, for up to a million names in one
# pass: g's arc of the ring can be small, and 1000 names once found
# fewer than 20 in it)
F=($(python3 - "$DOM" "$(node_id a)" "$(node_id b)" "$(node_id g)" <<'PY'
import hashlib, sys
dom, g = sys.argv[1], sys.argv[4]
ids = sorted(sys.argv[2:5])
found = []
for i in range(1, 1000001):
    r = hashlib.sha1(("f%d@%s" % (i, dom)).encode()).hexdigest()[:32]
    if next((n for n in ids if n >= r), ids[0]) == g:
        found.append("f%d" % i)
        if len(found) == 20:
            break
print(" ".join(found))
PY
))
[ "${#F[@]}" = 20 ] || fail "no 20 AORs for g among a million"
{ echo SEQUENTIAL; printf '%s;'"$DOM"'\n' "${F[@]}"; } >"$T/users-f.csv"
sipp_run u1 register "$T/users-f.csv" $(($(sip_port a) + 130))
found_all() {
	local u
	for u in "${F[@]}"; do ctl b lookup "$u" >/dev/null 2>&1 || return 1; done
}
wait_for 60 found_all || fail "not every AOR reached the overlay"
run 0 ctl g --json status
[ "$(json .storage.flood_refused)" -gt 0 ] ||
    fail "g refused none of a's stores: the test tested nothing"
status_is a .storage.publishing 0
[ "$(grep -c 'location: cannot publish' "$T/a/log")" -le 6 ] ||
    fail "a logged each refusal: $(grep -c 'cannot publish' "$T/a/log")"
ok "stores refused by a peer's flood limit: tried again until all 20 AORs were in"
