#!/bin/bash
# Media across real NATs (issue 20, item 4), in the lab of
# scripts/netns-lab.sh: the daemon on the public host 203.0.113.20 has
# alice's UA with ICE ([media] ice); baresip phones behind the NATs
# register with it (RFC 5626 outbound) and alice calls each:
#   pat, behind NAT A (EIM mapping, APD filtering), with baresip's ice
#   module and coturn as its STUN server: ICE selects a pair whose remote
#   side is NAT A's public address, and the tone gets through both ways;
#   sam, the same behind the symmetric NAT B;
#   nat, behind NAT A without ICE: its c= is its private address; the
#   UA's RTP goes where the phone's comes from (RFC 4961 latching), and
#   the tone gets through both ways.
# Each test prints the selected candidate pair.
. "$(dirname "$0")/lib.sh"

for c in baresip jq; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done
lab_up --nat-a eim --nat-b sym
PUBIP=203.0.113.20
SP=$(sip_port p)
RP=$(($(port p) + 20000))
NODE_NS=$LAB-pub start_node p -o "overlay.listen=$PUBIP:$(port p)" \
    -o "sip.listen=$PUBIP:$SP" -o "sip.tls_listen=$PUBIP:$(sips_port p)" \
    -o nat.stun_listen=$PUBIP -o ua.aor=alice -o media.ice=yes \
    -o media.srtp=off -o "media.rtp_ports=$RP-$((RP + 99))" \
    -o users.pat=patricia -o users.sam=samantha -o users.nat=natalie
ok "daemon p: SIP on $PUBIP:$SP, alice's UA with ICE"

# iphone NAME SITE PASS MEDIANAT: a phone of user NAME (lab_phone) with
# RFC 5626 outbound, 1000 Hz; MEDIANAT ice (with coturn as its STUN
# server) or "" (none).
iphone() {
	local ice=()
	[ "$4" = ice ] && ice=(ice=203.0.113.10:3478)
	lab_phone "$1" "$2" "sip:$PUBIP:$SP" 1000 "pass=$3" sipnat=outbound \
	    "${ice[@]}"
}

registered() {
	ctl p --json registrations |
	    jq -e --arg a "$1@$DOM" 'any(.registrations[]; .aor == $a)'
}

# call NAME: alice calls NAME with a 440 Hz tone for 4 s, recording;
# waits for the end; the call's row in $T/row.
call() {
	local id
	"$BUILD/tone" gen "$T/tone.wav" 440 10 || fail "no tone"
	run 0 ctl p --json call "$1" --play "$T/tone.wav" \
	    --record "$T/$1.wav" --duration 4
	id=$(json .call)
	row() {
		ctl p --json calls >"$T/calls" 2>&1 &&
		    jq -c --argjson id "$id" '.calls[] | select(.id == $id)' \
		    "$T/calls" >"$T/row" && jq -e '.state == "ended"' \
		    "$T/row" >/dev/null
	}
	wait_for 20 row || fail "the call to $1 did not end: $(cat "$T/row")"
	jq -e '.status == 200 and .received >= 100' "$T/row" >/dev/null ||
	    fail "the call to $1: $(cat "$T/row")"
}

# heard_both NAME: each side's recording holds the other's tone.
heard_both() {
	local rec
	heard "$T/$1.wav" 1000 alice
	rec=$(ls -t "$T/$1.phone/rec/"dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$rec" ] || fail "$1's phone recorded nothing"
	heard "$rec" 440 "$1"
}

# 1. behind the EIM NAT, with ICE
iphone pat a patricia ice
PAT=$PHONE_PID
wait_for 20 registered pat || fail "pat did not register: $(tail -5 "$T/pat.phone/log")"
call pat
echo "# pat: $(jq -r '.ice | "\(.state): \(.local_type) \(.local) -> \(.remote_type) \(.remote)"' "$T/row")"
jq -e '.ice.state == "completed" and .ice.local_type == "host" and
    (.ice.remote | startswith("203.0.113.101:"))' "$T/row" >/dev/null ||
    fail "pat's pair: $(cat "$T/row")"
heard_both pat
ok "behind an EIM NAT, ICE: alice's host candidate with NAT A's mapping, both tones heard"

# 2. behind the symmetric NAT, with ICE
iphone sam b samantha ice
wait_for 20 registered sam || fail "sam did not register: $(tail -5 "$T/sam.phone/log")"
call sam
echo "# sam: $(jq -r '.ice | "\(.state): \(.local_type) \(.local) -> \(.remote_type) \(.remote)"' "$T/row")"
jq -e '.ice.state == "completed" and
    (.ice.remote | startswith("203.0.113.102:"))' "$T/row" >/dev/null ||
    fail "sam's pair: $(cat "$T/row")"
heard_both sam
ok "behind a symmetric NAT, ICE: the pair is the mapping toward alice (peer-reflexive), both tones heard"

# 3. behind the EIM NAT, no ICE: latching (pat's ports are its)
kill "$PAT" 2>/dev/null
wait_exit "$PAT" 10 2>/dev/null || true
iphone nat a natalie ""
wait_for 20 registered nat || fail "nat did not register: $(tail -5 "$T/nat.phone/log")"
call nat
echo "# nat: ice $(jq -c .ice "$T/row"), latched $(jq -r .latched "$T/row")"
jq -e '.ice == null and .latched == true' "$T/row" >/dev/null ||
    fail "nat's call: $(cat "$T/row")"
heard_both nat
ok "behind an EIM NAT without ICE: RTP latched to where the phone sends from, both tones heard"
