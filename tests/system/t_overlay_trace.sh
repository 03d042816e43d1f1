#!/bin/bash
# The message trace: every RELOAD message a node sends or receives, as
# framed before TLS, in a pcap that Wireshark's RELOAD dissector decodes
# with no malformed fields; and SSLKEYLOGFILE, whose keys decrypt a real
# capture of the TLS links into the same framed messages.
. "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null || { echo "skip: no tshark"; exit 77; }

# A real capture of the links, to decrypt with the logged keys.
LO=$(port a)
HI=$((LO + 2))
tshark -i lo -f "tcp portrange $LO-$HI" -a duration:60 -w "$T/cap.pcap" \
    >/dev/null 2>"$T/tshark.log" &
EXTRA_PIDS+=($!)
wait_for 20 grep -q "Capturing on" "$T/tshark.log" ||
    fail "tshark does not capture: $(cat "$T/tshark.log")"

export SSLKEYLOGFILE=$T/keys.log
start_node a
run 0 ctl a trace start "$T/trace.pcap"
has "$T/out" "^file +$T/trace.pcap\$"
start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
start_node c -o "overlay.bootstrap=127.0.0.1:$(port a)"
unset SSLKEYLOGFILE
wait_for 30 ring_ok a b c || fail "no ring"
# Names a is not responsible for, so that the lookups leave it.
ids=("$(node_id a)" "$(node_id b)" "$(node_id c)")
[ -n "${ids[0]}" ] && [ -n "${ids[1]}" ] && [ -n "${ids[2]}" ] ||
    fail "node ids: ${ids[*]}"
keys=()
for i in $(seq 1000); do
	[ "$(owner "$(resource_id "key$i")" "${ids[@]}")" != "${ids[0]}" ] &&
	    keys+=("key$i")
	[ ${#keys[@]} -ge 3 ] && break
done
[ ${#keys[@]} -ge 3 ] || fail "no names away from a (${ids[*]})"
for key in "${keys[@]}"; do
	run 0 ctl a route "$key"
	[ "$(sed -n 's/^hops *//p' "$T/out")" -ge 1 ] || fail "route $key: 0 hops"
	run 0 ctl a route --iterative "$key"
done
run 0 ctl a probe "$(node_id b)"
mkdir "$T/poke"
run 0 "$BUILD/ovpoke" -d "$T/poke" "127.0.0.1:$(port a)" "ping,ttl=101"
[ "$(cat "$T/out")" = "error 10 Error_TTL_Exceeded" ] || fail "no error"
run 0 ctl c leave
run 0 ctl a --json trace stop
frames=$(json .frames)
[ "$frames" -gt 20 ] || fail "only $frames frames traced"
run 1 ctl a trace stop
has "$T/err" 'no trace running'
run 1 ctl a trace pause
has "$T/err" 'trace: start or stop, not "pause"'
ok "trace start/stop: $frames frames"

# Wireshark decodes every method and the error, and finds nothing
# malformed.
tshark -r "$T/trace.pcap" -Y reload -T fields -e _ws.col.Info \
    >"$T/info" 2>/dev/null || fail "tshark cannot read the trace"
for m in "Attach Request" "Attach Response" "Join Request" "Join Response" \
    "Update Request" "Update Response" "Leave Request" "Leave Response" \
    "Ping Request" "Ping Response" "Probe Request" "Probe Response" \
    "RouteQuery Request" "RouteQuery Response" "Error Response"; do
	grep -q "^$m" "$T/info" || fail "no $m in the trace: $(sort -u "$T/info")"
done
tshark -r "$T/trace.pcap" -Y _ws.malformed >"$T/bad" 2>/dev/null
[ ! -s "$T/bad" ] || fail "malformed in the trace: $(head -5 "$T/bad")"
# Acks are there too, one frame per segment, on port 6084.
tshark -r "$T/trace.pcap" -Y 'reload_framing.type == 129' >"$T/acks" \
    2>/dev/null
[ -s "$T/acks" ] || fail "no ack frames"
tshark -r "$T/trace.pcap" -Y 'tcp.len > 0 && !(tcp.port == 6084)' \
    >"$T/off" 2>/dev/null
[ ! -s "$T/off" ] || fail "a segment not on port 6084"
ok "tshark decodes every method and the error, nothing malformed"

# The keys log decrypts the captured TLS into framed RELOAD messages.
wait_for 5 test -s "$T/keys.log" || fail "no TLS keys logged"
has "$T/keys.log" '^(CLIENT_RANDOM|CLIENT_TRAFFIC_SECRET_0) [0-9a-f]+ [0-9a-f]+$'
stop_node c
stop_node b
kill -INT "${EXTRA_PIDS[0]}"
wait "${EXTRA_PIDS[0]}" 2>/dev/null
tshark -r "$T/cap.pcap" -o "tls.keylog_file:$T/keys.log" -Y tls.app_data \
    -T fields -e data.data >"$T/plain" 2>/dev/null
[ "$(grep -c . "$T/plain")" -gt 5 ] ||
    fail "nothing decrypted: $(head -c 300 "$T/plain")"
grep -Eq '^80[0-9a-f]{14}d2454c4f' "$T/plain" ||
    fail "decrypted data is not framed RELOAD: $(head -c 300 "$T/plain")"
# (A record may start inside a frame, so only most must start one.)
[ "$(grep -c '^8[01]' "$T/plain")" -ge $(( $(grep -c . "$T/plain") * 9 / 10 )) ] ||
    fail "decrypted records are not RELOAD frames: $(head -c 300 "$T/plain")"
ok "SSLKEYLOGFILE: a capture of the TLS links decrypts to RELOAD frames"
