#!/bin/bash
# scripts/bench/ice_sip.sh [CALLS]
#
# The ICE for SIP benchmark of issue 21, in a lab of scripts/netns-lab.sh
# (root): two public peers p and q, a (alice's UA) behind NAT A and b
# (bob's UA) behind NAT B, both endpoint-independent and filtering what
# was not asked for, each a RELOAD client whose SIP goes through its
# gateway.  CALLS calls (default 50) alice -> bob one after another, each
# held 2 s; from alice's log (the caller), for each call:
#
#   - placed -> first ring: the INVITE through the overlay path (a, b's
#     gateway, b) and its 180 back;
#   - answered -> on the direct path: b's control stream offered in a
#     re-INVITE, ICE between the NATs' public addresses, DTLS, and the
#     INVITE with Replaces taken;
#   - placed -> on the direct path.
#
# median, p90, min and max of each, and how many calls moved.  It never
# fails on a figure: it measures.  It tears the lab down and stops every
# daemon it started.  Needs the build (make), root, and the lab's tools
# (ip, nft, conntrack, coturn's turnserver).  Environment: BUILD,
# P2PSIPD_ARGS (more daemon options), KEEP=1 (keep the logs).
set -u
N=4
. "$(dirname "$0")/lib.sh"
CALLS=${1:-50}
[ "$(id -u)" -eq 0 ] || { echo "ice_sip.sh: needs root (network namespaces)" >&2; exit 1; }
export LAB=p2i$$ LAB_DIR=$W/lab
LABSH=$ROOT/scripts/netns-lab.sh
lab() { bash "$LABSH" "$@"; }
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	lab down >/dev/null 2>&1
	cleanup
}
trap stop_all EXIT
lab up --nat-a eim --nat-b block --no-turn >"$W/lab.up" 2>&1 ||
    { echo "netns-lab.sh up: $(tail -n 5 "$W/lab.up")" >&2; exit 1; }
ip -n "$LAB-pub" addr add 203.0.113.21/24 dev eth0
BOOT="overlay.bootstrap=203.0.113.20:$BASE,203.0.113.21:$((BASE + 1))"

# node NAME NS IP K [ARGS...]: daemon NAME in namespace NS at IP, port
# set K (overlay BASE+K, SIP a SPAN above, TLS two, RTP from 40000+400K).
node() {
	local name=$1 ns=$2 ip=$3 k=$4
	shift 4
	mkdir -p "$W/$name"
	ip netns exec "$LAB-$ns" "$D" -f -o "node.data_dir=$W/$name/data" \
	    -o "node.control_socket=$W/$name/ctl.sock" \
	    -o "overlay.listen=$ip:$((BASE + k))" \
	    -o "sip.listen=$ip:$((BASE + SPAN + k))" \
	    -o "sip.tls_listen=$ip:$((BASE + 2 * SPAN + k))" \
	    -o node.log_level=info \
	    -o "media.rtp_ports=$((40000 + 400 * k))-$((40399 + 400 * k))" \
	    "$@" ${P2PSIPD_ARGS:-} 2>"$W/$name/log" &
	PIDS+=($!)
}
nctl() { local n=$1; shift; "$C" -s "$W/$n/ctl.sock" "$@"; }
client() {
	nctl "$1" --json status 2>/dev/null | jq -e '.state == "client"'
}
node p pub 203.0.113.20 0 -o nat.stun_listen=203.0.113.20
node q pub 203.0.113.21 1 -o nat.stun_listen=203.0.113.21 -o "$BOOT"
sleep 2
node a a 10.1.0.2 2 -o nat.stun_listen=off -o "$BOOT" -o ua.aor=alice
node b b 10.2.0.2 3 -o nat.stun_listen=off -o "$BOOT" -o ua.aor=bob \
    -o ua.answer=auto
for n in a b; do
	await 30 client "$n" || { echo "$n is not a client" >&2; exit 1; }
done
await 30 nctl a lookup bob || { echo "bob is not in the overlay" >&2; exit 1; }
sleep 2

echo "ice_sip.sh: $(date -u +%F), $(nproc) cores, the NAT lab (veth, no added delay)"
echo "== $CALLS calls alice -> bob, b behind a NAT that lets nothing unasked in"
skip=$(wc -l <"$W/a/log")
for k in $(seq "$CALLS"); do
	id=$(nctl a --json call bob --duration 2 | jq -r .call)
	ended() {
		nctl a --json calls | jq -e --argjson id "$id" \
		    '.calls[] | select(.id == $id) | .state == "ended"'
	}
	await 15 ended || echo "  call $id did not end"
done
L=$W/a/log
echo "  placed -> first ring (overlay path): $(span_ms "$L" "$skip" \
    'ua: call [0-9]+: .* calls ' 'ua: call [0-9]+ rings' | stats)"
echo "  answered -> direct path:             $(span_ms "$L" "$skip" \
    'ua: call [0-9]+ answered' 'ua: call [0-9]+ is on the direct path' |
    stats)"
echo "  placed -> direct path:               $(span_ms "$L" "$skip" \
    'ua: call [0-9]+: .* calls ' 'ua: call [0-9]+ is on the direct path' |
    stats)"
echo "  moved: $(tail -n +"$((skip + 1))" "$L" |
    grep -c 'is on the direct path') of $CALLS; stayed: $(tail -n \
    +"$((skip + 1))" "$L" | grep -c 'stays on the overlay path')"
