#!/bin/bash
# Enrollment mode (RFC 6940 §11.3): an overlay CA (scripts/p2psip-ca)
# issues each node's certificate for the key `p2psipd --csr` asks about,
# with the Node-ID and user it chooses.  Three enrolled daemons form a
# ring with those Node-IDs and register the users their certificates
# name, not others; a daemon without a certificate, with one the CA did
# not issue, or with a self-signed one cannot start or join.
. "$(dirname "$0")/lib.sh"

CA="$(cd "$(dirname "$0")/../.." && pwd)/scripts/p2psip-ca"
OV=closed.p2psipd.test
"$CA" init "$T/ca" $OV 2>/dev/null || fail "p2psip-ca init"
"$CA" init "$T/other" $OV 2>/dev/null || fail "p2psip-ca init (other)"

# enroll NAME USER [CADIR]: a key, its request, the CA's certificate.
enroll() {
	mkdir -p "$T/$1"
	"$P2PSIPD" -o "node.data_dir=$T/$1/data" -o "overlay.name=$OV" --csr \
	    >"$T/$1/req.pem" || fail "$1: --csr"
	openssl req -in "$T/$1/req.pem" -noout -verify 2>/dev/null ||
	    fail "$1: the request does not verify"
	"$CA" issue "${3:-$T/ca}" "$T/$1/req.pem" "$2" \
	    >"$T/$1/data/node.crt" 2>"$T/$1/issued" || fail "$1: issue"
	sed 's/.*Node-ID \([0-9a-f]*\),.*/\1/' "$T/$1/issued"
}
A=$(enroll a alice) B=$(enroll b bob) C=$(enroll c carol)
E="-o overlay.name=$OV -o overlay.root_cert=$T/ca/ca.crt"

BOOT="127.0.0.1:$(port a)"
start_node a $E
start_node b $E -o "overlay.bootstrap=$BOOT"
start_node c $E -o "overlay.bootstrap=$BOOT"
wait_for 30 ring_ok a b c || fail "ring: $(ring_wrong a b c) wrong"
[ "$(node_id a) $(node_id b) $(node_id c)" = "$A $B $C" ] ||
    fail "the Node-IDs are not the CA's: $(node_id a) $(node_id b) $(node_id c)"
ok "enrolled daemons form a ring with the Node-IDs the CA chose"

# Each registers the user its certificate names; any daemon finds it.
run 0 ctl a register alice
run 0 ctl b register bob sip:bob@192.0.2.7
for n in a b c; do
	run 0 ctl $n --json lookup alice
	[ "$(json '.bindings[0].node_id')" = "$A" ] || fail "$n: alice"
	[ "$(json '.bindings[0].user')" = "alice@$OV" ] || fail "$n: user"
	run 0 ctl $n --json lookup bob
	[ "$(json '.bindings[0].contact')" = sip:bob@192.0.2.7 ] ||
	    fail "$n: bob"
done
# not others: the CA vouches for bob at b only
run 1 ctl a register bob
has "$T/err" "this node's certificate is for alice@$OV"
run 1 ctl c register alice
has "$T/err" "this node's certificate is for carol@$OV"
run 0 ctl c --json lookup alice
[ "$(json '.bindings | length')" = 1 ] || fail "alice got a second binding"
# nor is a user's key moved: the CA names the user in the node's own
printf 'a passphrase\n' >"$T/pass"
run 1 ctl a identity export alice "$T/alice.p12" --passphrase-file "$T/pass"
has "$T/err" "enrollment mode: the overlay's CA names each node's user"
[ ! -e "$T/alice.p12" ] || fail "an identity file in enrollment mode"
ok "each daemon registers its certificate's user, not another's"

# No certificate: the daemon says what to do, and does not start.
mkdir -p "$T/x/data"
"$P2PSIPD" -f -o "node.data_dir=$T/x/data" -o "node.control_socket=$T/x.sock" \
    $E >"$T/out" 2>&1 && fail "started without node.crt"
has "$T/out" 'node.crt: .*p2psipd --csr'
# One from another CA, or self-signed: refused too.
enroll y yves "$T/other" >/dev/null
"$P2PSIPD" -f -o "node.data_dir=$T/y/data" -o "node.control_socket=$T/y.sock" \
    $E >"$T/out" 2>&1 && fail "started with another CA's certificate"
has "$T/out" "not issued by the overlay's CA"
openssl req -x509 -key "$T/y/data/node.key" -subj /CN=self -days 30 \
    -addext "subjectAltName=URI:reload://$(printf '%032x' 7)@$OV/" \
    -out "$T/y/data/node.crt" 2>/dev/null || fail "self-signed certificate"
"$P2PSIPD" -f -o "node.data_dir=$T/y/data" -o "node.control_socket=$T/y.sock" \
    $E >"$T/out" 2>&1 && fail "started with a self-signed certificate"
has "$T/out" "not issued by the overlay's CA"
ok "no certificate, another CA's, or a self-signed one: no start"

# A self-signed daemon (no root_cert) of the same name cannot join.
start_node s -o "overlay.name=$OV" -o "overlay.bootstrap=$BOOT"
wait_for 10 grep -q "not one the overlay's CA issued" "$T/a/log" ||
    fail "a did not refuse s"
sleep 1
[ "$(ctl s --json status | jq -r .state)" != joined ] ||
    fail "the self-signed daemon joined"
run 0 ctl a --json peers
[ "$(jq --arg s "$(node_id s)" '[.peers[] | select(.node_id == $s)] | length' \
    "$T/out")" = 0 ] || fail "a has a link to s"
ok "a self-signed daemon is refused at the TLS link"
