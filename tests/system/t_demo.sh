#!/bin/bash
# `make demo` keeps working (issue 6): scripts/demo.sh runs to its end,
# its steps report the ring, the lookup, an SRTP call whose recording
# holds 440 Hz and a message answered 200, and it leaves no daemon and
# no work directory behind.
. "$(dirname "$0")/lib.sh"

TMPDIR=$T BUILD=$BUILD bash scripts/demo.sh >"$T/demo.out" 2>&1 ||
    fail "the demo failed: $(tail -5 "$T/demo.out")"
for want in "ring correct after" "responsible node is daemon [123]" \
    "the SIP address of daemon 2" "alice: active, PCMU, SRTP keyed by SDES" \
    "bob: remote hung up, status 200" "call-ended \(remote hung up\)" \
    "strongest frequency in bob's recording: 440 Hz" \
    "final response: 200 OK" "on bob's event stream: message from" \
    "bob's history \(sqlite\): in from"; do
	grep -Eq "$want" "$T/demo.out" || fail "the demo did not say: $want
$(cat "$T/demo.out")"
done
ok "the demo ran its eight steps"
[ -z "$(ls -A "$T" | grep -v demo.out)" ] || fail "left behind: $(ls "$T")"
pgrep -f "p2psipd -f -o node.data_dir=$T" >/dev/null &&
    fail "daemons left running"
ok "and left no daemon or file behind"
