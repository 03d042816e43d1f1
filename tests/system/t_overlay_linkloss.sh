#!/bin/bash
# A link that dies silently (the network between two hosts goes down: no
# FIN, no RST) is detected within [overlay] link_timeout and the ring is
# repaired around the lost node (RFC 6940 §6.6.5, §10.7.1); when the
# network comes back the lost node, which kept probing its bootstrap list,
# is in the ring again.  Two network namespaces joined by a veth pair are
# the two hosts.
. "$(dirname "$0")/lib.sh"

two_hosts 10.77.0

TIMEOUT=6
COMMON=(-o "overlay.link_timeout=$TIMEOUT" -o overlay.probe_interval=2
    -o "overlay.bootstrap=10.77.0.1:$(port a1)")
NODE_NS=$NA
for name in a1 a2 a3; do
	start_node "$name" -o "overlay.listen=10.77.0.1:$(port "$name")" \
	    "${COMMON[@]}"
done
NODE_NS=$NB start_node b -o "overlay.listen=10.77.0.2:$(port b)" \
    "${COMMON[@]}"
wait_for 30 ring_ok a1 a2 a3 b ||
    fail "no ring of 4: $(ring_wrong a1 a2 a3 b) wrong"
B_ID=$(node_id b)
ok "a ring of 4 across two hosts"

# The wire goes dead: nothing tells either side.
t0=$(now_ms)
ip -n "$NB" link set vb down
wait_for 60 ring_ok a1 a2 a3 ||
    fail "the 3 did not repair: $(ring_wrong a1 a2 a3) wrong"
took=$(( $(now_ms) - t0 ))
# Each side saw the link go: TCP keepalive/user timeout, or unacked frames.
grep -Eq "link [0-9]+ $B_ID [0-9.:]+: (lost|closed): " \
    "$T/a1/log" "$T/a2/log" "$T/a3/log" ||
    fail "no lost link in the logs: $(tail -5 "$T/a1/log")"
ok "dead links detected, ring of 3 right ${took} ms after the cut (link_timeout ${TIMEOUT} s)"

run 0 ctl b --json status
[ "$(json .state)" != joined ] || [ "$(json .ring.links)" -gt 0 ] ||
    fail "b believes it is joined with no links"

# The wire comes back: b finds the ring again through its bootstrap list.
t0=$(now_ms)
ip -n "$NB" link set vb up
wait_for 60 ring_ok a1 a2 a3 b ||
    fail "b did not come back: $(ring_wrong a1 a2 a3 b) wrong"
ok "ring of 4 again $(( $(now_ms) - t0 )) ms after the network returned"
