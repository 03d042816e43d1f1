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
NAME=ice_sip.sh LAB_TAG=p2i
. "$(dirname "$0")/lab.sh"
lab_bench_up --nat-a eim --nat-b block --no-turn
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
