#!/bin/bash
# A forked INVITE answered twice, at the daemon's UA (RFC 3261 §13.2.2.4):
# carol has two phones (sipp UASs) at daemon b, which both answer at
# once; b forwards both 2xx (§16.7 step 10) through a to alice, the UA of
# a.  The UA keeps the first as its call, and ACKs the second and ends it
# with a BYE: that phone's call is over (ACK and BYE seen, sipp done)
# while alice's call goes on until its --duration; `calls` shows one
# call, which ends normally.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "skip: no sipp"; exit 77; }
SC=$(cd "$(dirname "$0")" && pwd)/sipp
start_node a -o ua.aor=alice
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
UAS1=$(($(sip_port a) + 200))	# carol's phones, at b
UAS2=$(($(sip_port a) + 220))

printf 'SEQUENTIAL\ncarol;%s\n' "$DOM" >"$T/carol.csv"
for p in $UAS1 $UAS2; do
	timeout 30 sipp "127.0.0.1:$(sip_port b)" -sf "$SC/register.xml" \
	    -inf "$T/carol.csv" -i 127.0.0.1 -p "$p" -cp $((p + 1)) \
	    -nostdin -m 1 -timeout 20 -timeout_error \
	    -default_behaviors all,-bye >"$T/reg.$p.out" 2>&1 ||
	    fail "carol did not register from $p: $(cat "$T/reg.$p.out")"
done
wait_for 20 ctl a lookup carol || fail "carol is not in the overlay"
wait_for 20 bash -c "'$P2PSIPCTL' -s '$(sock a)' --json ua list |
    grep -q '\"registered\":true'" || fail "alice's UA is not registered"

declare -A UASPID
for p in $UAS1 $UAS2; do
	timeout 60 sipp -sf "$SC/uas_fork.xml" -i 127.0.0.1 -mi 127.0.0.1 \
	    -p "$p" -cp $((p + 1)) -nostdin -m 1 -timeout 50 \
	    -trace_err -trace_msg -message_file "$T/uas.$p.msg" \
	    -error_file "$T/uas.$p.err" >"$T/uas.$p.out" 2>&1 &
	UASPID[$p]=$!
	EXTRA_PIDS+=($!)
done
sleep 0.5
run 0 ctl a call carol --duration 4
wait_for 10 ua_state a active || fail "alice's call is not up: $(
    ctl a --json calls)"
t0=$(now_ms)
# one phone is done at once (ACK, then the UA's BYE), the other not
deadline=$((t0 + 3000))
done_p=
while [ -z "$done_p" ] && [ "$(now_ms)" -lt "$deadline" ]; do
	for p in $UAS1 $UAS2; do
		alive "${UASPID[$p]}" || done_p=$p
	done
	sleep 0.05
done
[ -n "$done_p" ] || fail "neither phone got its BYE within 3 s"
wait_exit "${UASPID[$done_p]}" 5
[ "$EXIT_RC" -eq 0 ] ||
    fail "phone $done_p: $(tail -5 "$T/uas.$done_p.err" 2>/dev/null)"
for p in $UAS1 $UAS2; do
	[ "$p" = "$done_p" ] || other=$p
done
alive "${UASPID[$other]}" || fail "both phones' calls ended at once"
run 0 ctl a --json calls
[ "$(json '[.calls[] | select(.state == "active")] | length')" = 1 ] ||
    fail "alice's calls: $(cat "$T/out")"
ok "both phones answered; the UA ACKed and ended the second at once" \
    "($(( $(now_ms) - t0 )) ms), its call goes on"
wait_for 10 ua_state a ended || fail "alice's call did not end"
wait_exit "${UASPID[$other]}" 10
[ "$EXIT_RC" -eq 0 ] ||
    fail "phone $other: $(tail -5 "$T/uas.$other.err" 2>/dev/null)"
run 0 ctl a --json calls
[ "$(json '.calls | length')" = 1 ] &&
    [ "$(json '.calls[0].status')" = 200 ] &&
    [ "$(json '.calls[0].reason')" = "hung up" ] ||
    fail "alice's call: $(cat "$T/out")"
ok "alice's call ended after its 4 s (hung up, 200); both phones saw ACK and BYE"
