#!/bin/bash
# One user on two hosts (issue 18): two network namespaces, daemon a on
# host A, daemon b on host B, the overlay over TLS between them.  alice
# is a's UA; her key is exported from a (PKCS #12, mode 0600, never over
# a file unless --force) and imported at b, which issues its own
# certificate for the same key; b's UA then answers for alice too, and
# the storing peers (pinning the name to the key) keep both bindings.
# Daemon c on host A calls alice: both UAs ring, b answers, the caller
# gets 200 and a's ringing call ends cancelled (CANCEL from c's proxy,
# RFC 3261 §16.7 step 10).  Daemon d on host B, without the key, adding
# alice is refused (Forbidden: the name belongs to another key).  A wrong
# passphrase, another overlay's user and a garbage file are each a clear
# error with nothing changed.
. "$(dirname "$0")/lib.sh"

NET=10.81.0
two_hosts $NET
PASS=$T/pass
printf 'a passphrase for alice\n' >"$PASS"
chmod 600 "$PASS"

# start_on NS NAME ADDR [ARGS...]: a daemon on host NS, its overlay on
# ADDR, SIP on every address of the host (loopback for its UA, the wire
# for the others' proxies), its own RTP ports.
start_on() {
	local ns=$1 name=$2 addr=$3 rtp
	shift 3
	# in the test's own namespaces: no other test's ports there
	rtp=$((40000 + ($(port "$name") - PORT_BASE) * 100))
	NODE_NS=$ns start_node "$name" -o "overlay.listen=$addr:$(port "$name")" \
	    -o "sip.listen=0.0.0.0:$(sip_port "$name")" \
	    -o "sip.tls_listen=0.0.0.0:$(sips_port "$name")" \
	    -o "media.rtp_ports=$rtp-$((rtp + 49))" "$@"
}

# bindings NAME: how many bindings of alice NAME finds.
bindings() {
	ctl "$1" --json lookup alice 2>/dev/null | jq '.bindings | length'
}

# nodes_are WANT...: the Node-IDs of alice's bindings (as c finds them)
# are WANT, in any order.
nodes_are() {
	[ "$(ctl c --json lookup alice 2>/dev/null |
	    jq -r '[.bindings[].node_id] | sort | join(" ")')" = \
	    "$(printf '%s\n' "$@" | sort | paste -sd' ')" ]
}

BOOT="$NET.1:$(port a)"
start_on "$NA" a $NET.1
start_on "$NB" b $NET.2 -o "overlay.bootstrap=$BOOT"
start_on "$NA" c $NET.1 -o "overlay.bootstrap=$BOOT" -o ua.aor=carol
start_on "$NB" d $NET.2 -o "overlay.bootstrap=$BOOT"
wait_for 40 ring_ok a b c d || fail "ring: $(ring_wrong a b c d) wrong"
A=$(node_id a) B=$(node_id b) D=$(node_id d)

run 0 ctl a ua add alice --answer ring
wait_for 20 nodes_are "$A" ||
    fail "alice is not in the overlay: $(tail -5 "$T/a/log")"
ok "alice registered by a's UA (host A)"

# export: the key and a's certificate, mode 0600, not over a file
run 0 ctl a --json identity export alice "$T/alice.p12" \
    --passphrase-file "$PASS"
KEY=$(json .key_id)
[ "$(json .aor)" = "alice@$DOM" ] && [ ${#KEY} = 64 ] ||
    fail "export: $(cat "$T/out")"
[ "$(stat -c %a "$T/alice.p12")" = 600 ] || fail "file mode"
openssl pkcs12 -in "$T/alice.p12" -info -noout -passin "file:$PASS" \
    >"$T/p12" 2>&1 || fail "openssl cannot read it: $(cat "$T/p12")"
has "$T/p12" 'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC'
has "$T/p12" 'MAC: sha256'
sum=$(sha256sum <"$T/alice.p12")
run 1 ctl a identity export alice "$T/alice.p12" --passphrase-file "$PASS"
has "$T/err" 'the file exists \(--force replaces it\)'
[ "$(sha256sum <"$T/alice.p12")" = "$sum" ] || fail "file written over"
run 2 ctl a identity export alice "$T/x.p12" --passphrase secret
has "$T/err" 'never on the command line'
run 1 ctl a identity export bob "$T/bob.p12" --passphrase-file "$PASS"
has "$T/err" 'no key for this user here'
[ ! -e "$T/bob.p12" ] || fail "a file for nobody"
ok "alice's key exported from a (PKCS #12: AES-256, SHA-256 MAC; 0600)"

# Bad imports at b: each a clear error, and b holds no key for alice.
unchanged() {
	run 0 ctl b --json identity list
	[ "$(json '.identities | length')" = 0 ] ||
	    fail "b keeps a key: $(cat "$T/out")"
	run 0 ctl c --json lookup alice
	[ "$(json '[.bindings[].node_id] | join(" ")')" = "$A" ] ||
	    fail "alice's bindings changed: $(cat "$T/out")"
}
P2PSIPD_PASSPHRASE="not alice's passphrase" run 1 ctl b identity import \
    "$T/alice.p12"
has "$T/err" 'alice.p12: wrong passphrase \(or a damaged file\)'
unchanged
# another overlay's alice (a daemon alone on loopback in its own overlay)
start_node e -o overlay.name=other.example.net -o sip.tls_listen=
run 0 ctl e register alice sip:alice@127.0.0.1:5999
run 0 ctl e identity export alice "$T/other.p12" --passphrase-file "$PASS"
run 1 ctl b identity import "$T/other.p12" --passphrase-file "$PASS"
has "$T/err" "alice@other.example.net is not a user of this overlay \($DOM\)"
unchanged
head -c 700 /dev/urandom >"$T/garbage.p12"
run 1 ctl b identity import "$T/garbage.p12" --passphrase-file "$PASS"
has "$T/err" 'not a PKCS #12 file'
unchanged
ok "wrong passphrase, another overlay's user, garbage: refused, nothing kept"

run 0 ctl b --json identity import "$T/alice.p12" --passphrase-file "$PASS"
[ "$(json .aor)" = "alice@$DOM" ] && [ "$(json .key_id)" = "$KEY" ] &&
    [ "$(json '.replaced == false')" = true ] || fail "import: $(cat "$T/out")"
run 0 ctl b --json identity list
[ "$(json '.identities[0].key_id')" = "$KEY" ] || fail "b's list"
# b's certificate for alice names b, and holds a's key
sqlite3 "$T/b/data/p2psipd.db" "SELECT writefile('$T/b.der', cert) FROM
    user_identities WHERE name = 'alice@$DOM'" >/dev/null
openssl x509 -inform DER -in "$T/b.der" -noout -ext subjectAltName \
    >"$T/san" || fail "b's certificate for alice"
has "$T/san" "URI:reload://$B@$DOM/"
run 0 ctl b ua add alice --answer ring
wait_for 20 nodes_are "$A" "$B" ||
    fail "b's binding: $(ctl c --json lookup alice);" \
    "$(grep location "$T/b/log" | tail -3)"
ok "b imported alice's key ($KEY) with its own certificate: two bindings"

# c calls alice: a's and b's UAs ring
run 0 ctl c --json call alice
wait_for 15 ua_state a incoming ||
    fail "a's UA does not ring: $(ctl a --json calls)"
wait_for 15 ua_state b incoming ||
    fail "b's UA does not ring: $(ctl b --json calls)"
ok "c calls alice: both her UAs ring (host A and host B)"
run 0 ctl b answer
wait_for 10 ua_state c active || fail "c: $(ctl c --json calls)"
run 0 ctl c --json calls
[ "$(json '.calls[0].status')" = 200 ] || fail "c's call: $(cat "$T/out")"
wait_for 10 ua_state a ended || fail "a still rings: $(ctl a --json calls)"
run 0 ctl a --json calls
[ "$(json '.calls[0].reason')" = cancelled ] &&
    [ "$(json '.calls[0].status')" = 487 ] || fail "a's call: $(cat "$T/out")"
run 0 ctl b --json calls
[ "$(json '.calls[0].state')" = active ] || fail "b's call: $(cat "$T/out")"
run 0 ctl c hangup
wait_for 10 ua_state b ended || fail "b's call did not end"
ok "b answered: c got 200, a's ringing call ended cancelled (487)"

# d has its own key for alice: refused by the storing peers
run 0 ctl d ua add alice --answer ring
why='Error_Forbidden: the user name belongs to another key'
wait_for 20 grep -q "alice@$DOM.*$why" "$T/d/log" ||
    fail "d was not refused: $(grep location "$T/d/log" | tail -3)"
run 1 ctl d register alice
has "$T/err" 'refused: Error_Forbidden: the user name belongs to another key'
nodes_are "$A" "$B" ||
    fail "d changed alice's bindings: $(ctl c --json lookup alice)"
run 0 ctl d --json identity list
[ "$(json '.identities[0].key_id')" != "$KEY" ] || fail "d has alice's key"
ok "d, with a key of its own for alice, is refused; a's and b's stay"

# d holds another key for alice: importing hers needs --force
run 1 ctl d identity import "$T/alice.p12" --passphrase-file "$PASS"
has "$T/err" 'this node holds another key for the user \(--force replaces it\)'
run 0 ctl d --json identity import "$T/alice.p12" --passphrase-file "$PASS" \
    --force
[ "$(json .replaced)" = true ] || fail "d: $(cat "$T/out")"
run 0 ctl d register alice
wait_for 20 nodes_are "$A" "$B" "$D" ||
    fail "d's binding: $(ctl c --json lookup alice)"
ok "d imports alice's key with --force: a third binding"
