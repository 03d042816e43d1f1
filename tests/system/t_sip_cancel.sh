#!/bin/bash
# CANCEL through two daemons (RFC 3261 §9, §16.10), with forking: bob
# has two phones (sipp UASs), both registered at daemon b.  A sipp UAC
# at a calls sip:bob@OVERLAY: a finds b in the overlay and sends the
# INVITE there; b rings both phones (§16.6, in parallel).  When both
# ring, the caller cancels: a answers the CANCEL and cancels its branch
# to b, b answers that and cancels both phones, each phone answers 487,
# and the caller gets a single 487, which it ACKs.  20 calls, one after
# another; every phone and the caller must see each step.  b offers no
# TLS, so a sends to it over UDP (RFC 3261 §18.1.1).
# (Phones of one AOR at two daemons: the second daemon's registration is
# refused in self-signed mode, the AOR's user name belonging to the
# first daemon's certificate; the unit test check_sip_proxy covers
# forking to a phone here and one at a peer.)
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "skip: no sipp"; exit 77; }
SC=$(cd "$(dirname "$0")" && pwd)/sipp
DOM=p2psipd.localhost
N=20
start_node a
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)" -o sip.tls_listen=
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
UAS1=$(($(sip_port a) + 200))	# bob's phones, at b
UAS2=$(($(sip_port a) + 220))
UAC=$(($(sip_port a) + 240))

timeout 60 "$P2PSIPCTL" -s "$(sock a)" --json events >"$T/ev.a" 2>&1 &
EXTRA_PIDS+=($!)
wait_for 10 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json status |
    jq -e '.control_clients == 2'" || fail "no subscriber"

printf 'SEQUENTIAL\nbob;%s\n' "$DOM" >"$T/bob.csv"
for p in $UAS1 $UAS2; do
	timeout 30 sipp "127.0.0.1:$(sip_port b)" -sf "$SC/register.xml" \
	    -inf "$T/bob.csv" -i 127.0.0.1 -p "$p" -cp $((p + 1)) \
	    -nostdin -m 1 -timeout 20 -timeout_error \
	    -default_behaviors all,-bye >"$T/reg.$p.out" 2>&1 ||
	    fail "bob did not register from $p: $(cat "$T/reg.$p.out")"
done
run 0 ctl b --json registrations
[ "$(jq '[.. | strings | select(test("^sip:bob@127.0.0.1:"))] | length' \
    "$T/out")" = 2 ] || fail "bob's phones at b: $(cat "$T/out")"
wait_for 20 ctl a lookup bob || fail "bob is not in the overlay"

for p in $UAS1 $UAS2; do
	timeout 60 sipp -sf "$SC/uas_cancel.xml" -i 127.0.0.1 \
	    -mi 127.0.0.1 -p "$p" -cp $((p + 1)) -nostdin -m $N \
	    -timeout 50 -trace_err -error_file "$T/uas.$p.err" \
	    >"$T/uas.$p.out" 2>&1 &
	UASPID[$p]=$!
	EXTRA_PIDS+=($!)
done
sleep 0.5
timeout 60 sipp "127.0.0.1:$(sip_port a)" -sf "$SC/uac_cancel.xml" \
    -inf "$T/bob.csv" -i 127.0.0.1 -mi 127.0.0.1 -p "$UAC" \
    -cp $((UAC + 1)) -nostdin -m $N -l 1 -timeout 50 -timeout_error \
    -default_behaviors all,-bye -trace_err -error_file "$T/uac.err" \
    >"$T/uac.out" 2>&1 ||
    fail "cancelled calls failed: $(tail -5 "$T/uac.err" 2>/dev/null)"
for p in $UAS1 $UAS2; do
	wait_exit "${UASPID[$p]}" 30
	[ "$EXIT_RC" -eq 0 ] ||
	    fail "bob's phone on $p: $(tail -5 "$T/uas.$p.err" 2>/dev/null)"
done
ok "$N calls rang two phones at two daemons and were cancelled"

# the event stream: each call ended 487
wait_for 10 bash -c "[ \$(grep -c '\"event\":\"sip-call\",.*\"status\":487}$' \
    '$T/ev.a') = $N ]" ||
    fail "call events at a: $(grep sip-call "$T/ev.a" | tail -2)"
# hop by hop (§16.10, §17.1.1.3): each call's INVITE and CANCEL reached
# a and b (and the two REGISTERs b); the ACK for each 487 stays in the
# transaction of the hop it was sent to
run 0 ctl a --json status
[ "$(json '.sip.requests')" -eq $((2 * N)) ] ||
    fail "requests seen at a: $(json '.sip.requests')"
run 0 ctl b --json status
[ "$(json '.sip.requests')" -eq $((2 * N + 2)) ] ||
    fail "requests seen at b: $(json '.sip.requests')"
ok "events: $N calls cancelled (487); INVITE and CANCEL at each hop"
status_is b .sip.tls_listen ""
status_is b .sip.tls_connections 0
run 0 ctl a lookup bob
has "$T/out" " sip:bob@127.0.0.1:$(sip_port b) "
status_is a .sip.tls_connections 0
ok "b offers no TLS: its contact is plain SIP, and a went over UDP"
