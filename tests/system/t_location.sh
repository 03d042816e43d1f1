#!/bin/bash
# The location service on three real daemons (RFC 6940 §7, RFC 7904):
# register, lookup and unregister AORs; a daemon that tries to take over
# another daemon's user is refused (trust on first use) and the binding
# stays; raw store, fetch and stat; the owner refreshes a registration
# before it expires; a daemon killed with SIGKILL keeps what it stored and
# publishes its registrations again; storage messages decode in Wireshark.
. "$(dirname "$0")/lib.sh"

BOOT="127.0.0.1:$(port a)"
start_node a
start_node b -o "overlay.bootstrap=$BOOT"
start_node c -o "overlay.bootstrap=$BOOT"
wait_for 30 ring_ok a b c || fail "ring: $(ring_wrong a b c) wrong"
A=$(node_id a) B=$(node_id b)

# register without a contact: this node takes the calls (a destination
# list naming it); with one: that URI.  Any daemon finds both.
run 0 ctl a --json register alice
[ "$(json .aor)" = alice@p2psipd.localhost ] || fail "aor"
[ "$(json .resource_id)" = "$(resource_id alice@p2psipd.localhost)" ] ||
    fail "resource is not hash(user@overlay) (RFC 7904 §3)"
[ "$(json .replicas)" = 2 ] || fail "3 copies: 2 replicas"
run 0 ctl b register sip:bob@p2psipd.localhost sip:bob@192.0.2.7:5060 \
    --expires 600
for n in a b c; do
	run 0 ctl $n --json lookup alice@p2psipd.localhost
	[ "$(json '.bindings | length')" = 1 ] || fail "$n: alice bindings"
	[ "$(json '.bindings[0].node_id')" = "$A" ] || fail "$n: alice node"
	[ "$(json '.bindings[0].destination_list[0]')" = "$A" ] ||
	    fail "$n: alice route"
	[ "$(json '.bindings[0].user')" = alice@p2psipd.localhost ] ||
	    fail "$n: alice signer"
	run 0 ctl $n --json lookup bob
	[ "$(json '.bindings[0].contact')" = sip:bob@192.0.2.7:5060 ] ||
	    fail "$n: bob contact"
	[ "$(json '.bindings[0].expires <= 600 and
	    .bindings[0].expires > 500')" = true ] || fail "$n: bob expiry"
done
run 1 ctl c lookup nobody
has "$T/err" 'nobody@p2psipd.localhost: no registration'
run 1 ctl c register alice@elsewhere.example
has "$T/err" "domain is not the overlay's name"
ok "register and lookup from every daemon"

# The user's key and certificate: made on first use, issued by the node,
# kept in the node's sqlite store (mode 0600, as the whole data dir).
db="$T/a/data/p2psipd.db"
crt="$T/alice.crt"
sqlite3 "$db" "SELECT writefile('$T/alice.der', cert) FROM user_identities
    WHERE name = 'alice@p2psipd.localhost'" >/dev/null
[ -s "$T/alice.der" ] || fail "no user certificate"
openssl x509 -inform DER -in "$T/alice.der" -out "$crt" ||
    fail "user certificate unreadable"
[ "$(stat -c %a "$db")" = 600 ] || fail "store mode"
openssl x509 -in "$crt" -noout -ext subjectAltName >"$T/out"
has "$T/out" 'email:alice@p2psipd.localhost'
has "$T/out" "URI:reload://$A@p2psipd.localhost/"
# signed by a's node key, not by the user's own
openssl x509 -in "$crt" -noout -pubkey >"$T/user.pub"
openssl x509 -in "$T/a/data/node.crt" -noout -pubkey >"$T/node.pub"
cmp -s "$T/user.pub" "$T/node.pub" && fail "the user has the node's key"
ok "user certificate names the user and its node"

# b registers alice too, with its own key for the name: the storing
# peers pinned alice to a's key, so b is refused; a's binding stays and
# b publishes nothing.
run 1 ctl b register alice
has "$T/err" 'refused: Error_Forbidden: the user name belongs to another key'
run 0 ctl c --json lookup alice
[ "$(json '.bindings | length')" = 1 ] || fail "b added a binding"
[ "$(json '.bindings[0].node_id')" = "$A" ] || fail "alice overwritten"
run 0 ctl b --json published
[ "$(jq '[.registrations[].aor] | index("alice@p2psipd.localhost")' \
    "$T/out")" = null ] || fail "b kept the refused registration"
# a raw store of alice's Kind by b, with b's own key: refused too
run 1 ctl b store sip-registration x --user alice
has "$T/err" 'Error_Forbidden'
ok "another daemon cannot take over a user (refused, nothing changed)"

# Raw values where each Kind's policy puts them; fetch, then stat.
run 0 ctl c --json store turn-service relay-one --index 2
res=$(json .resource_id)
[ "$res" = "$( (printf %s "$(node_id c)" | xxd -r -p; printf '\002') |
    sha1sum | cut -c1-32)" ] || fail "turn-service at hash(node || 2)"
run 0 ctl a --json fetch turn-service "$res"
[ "$(json '.values[0].value')" = relay-one ] || fail "fetch value"
[ "$(json '.values[0].node_id')" = "$(node_id c)" ] || fail "fetch signer"
run 0 ctl b --json fetch --stat turn-service "$res"
[ "$(json '.values[0].length')" = 9 ] || fail "stat length"
[ "$(json '.values[0].sha256')" = "$( (printf '\000\000\000\011';
    printf relay-one) | sha256sum | cut -c1-64)" ] || fail "stat digest"
run 0 ctl a --json store certificate-by-user 0a0b --hex --user carol
run 0 ctl b --json fetch certificate-by-user carol@p2psipd.localhost
[ "$(json '.values[0].value_hex')" = 0a0b ] || fail "hex value"
[ "$(json '.values[0].user')" = carol@p2psipd.localhost ] || fail "user"
run 1 ctl a store turn-service "$(head -c 300 /dev/zero | tr '\0' x)"
has "$T/err" "Error_Data_Too_Large: a value over the Kind's max size"
run 1 ctl a store turn-service big --lifetime 999999
has "$T/err" "Error_Forbidden: a lifetime over the overlay's maximum"
run 1 ctl a store no-such-kind x
has "$T/err" 'not a Kind this node knows'
ok "store, fetch and stat raw values; limits refused"

# Storage figures in status.
run 0 ctl a --json status
[ "$(json '.storage.values >= 1 and .storage.registrations == 1 and
    .storage.replicas == 3 and .storage.flood_refused == 0')" = true ] ||
    fail "status storage"

# The owner refreshes before the lifetime runs out.
run 0 ctl c --json register dave --expires 10
gen=$(json .generation)
sleep 7
run 0 ctl a --json lookup dave
[ "$(json '.generation')" -gt "$gen" ] || fail "not refreshed"
[ "$(json '.bindings[0].expires')" -gt 5 ] || fail "refreshed lifetime"
ok "the owner refreshes its registration"

# unregister: the binding is gone everywhere.
run 0 ctl c unregister dave
run 1 ctl b lookup dave
has "$T/err" 'no registration'
run 1 ctl c unregister dave
has "$T/err" 'not registered through this node'
ok "unregister"

# A trace of stores, fetches and stats decodes in Wireshark.
command -v tshark >/dev/null || { echo "skip: no tshark"; exit 77; }
# six AORs another daemon is responsible for, so b's lookups, fetches
# and stats go over the wire (with b owning most of the ring, names at
# random could all be b's own)
IDS=("$(node_id a)" "$(node_id b)" "$(node_id c)")
U=()
for i in $(seq 200); do
	[ "$(owner "$(resource_id "u$i@p2psipd.localhost")" "${IDS[@]}")" != \
	    "${IDS[1]}" ] && U+=("u$i")
	[ "${#U[@]}" -lt 6 ] || break
done
[ "${#U[@]}" = 6 ] || fail "no 6 AORs for a or c among 200"
ctl b trace start "$T/loc.pcap" >/dev/null
for u in "${U[@]}"; do run 0 ctl b register $u; done
for u in "${U[@]}"; do run 0 ctl b lookup $u; done
for u in "${U[@]}"; do
	run 0 ctl b fetch --stat sip-registration "$u@p2psipd.localhost"
done
ctl b trace stop >/dev/null
tshark -r "$T/loc.pcap" -Y reload -T fields -e reload.message.code \
    >"$T/out" 2>/dev/null
for code in 7 8 9 10 25 26; do
	grep -qx "$code" "$T/out" || { sort "$T/out" | uniq -c; fail "no message $code in the trace"; }
done
[ "$(tshark -r "$T/loc.pcap" -Y _ws.malformed 2>/dev/null | wc -l)" = 0 ] ||
    fail "malformed storage messages"
ok "store, fetch and stat decode in Wireshark"

# SIGKILL a and restart it: it still holds what it held and publishes
# alice again (the refresh after restart is a new generation).
before=$(ctl a --json status | jq .storage.values)
gen=$(ctl c --json lookup alice | jq .generation)
kill -9 "${NODE_PID[a]}"
wait "${NODE_PID[a]}" 2>/dev/null
start_node a -o "overlay.bootstrap=127.0.0.1:$(port b)"
has "$T/a/log" "values of [0-9]+ resources kept from the last run"
has "$T/a/log" 'location: 1 registrations to publish again'
wait_for 20 bash -c "[ \"\$('$P2PSIPCTL' -s '$(sock c)' --json lookup \
    alice | jq .generation)\" -gt $gen ]" || fail "alice not published again"
run 0 ctl a --json status
[ "$(json .storage.values)" -ge "$before" ] ||
    fail "a holds $(json .storage.values) values, had $before"
ok "SIGKILL and restart: values kept, registrations published again"

# The values' certificates are in the database once each, named by hash
# from the rows (version 1), not kept in the rows or in memory (issue 23).
db=$T/a/data/p2psipd.db
certs=$(json .storage.certificates)
[ "$certs" -ge 1 ] && [ "$certs" -le "$(json .storage.values)" ] ||
    fail "a counts $certs certificates for $(json .storage.values) values"
[ "$(sqlite3 "$db" "SELECT count(*) FROM overlay_certs")" -ge "$certs" ] ||
    fail "fewer certificates in the database than a counts"
[ "$(sqlite3 "$db" "SELECT count(*) FROM overlay_data
    WHERE substr(data, 1, 1) != x'01'")" = 0 ] ||
    fail "rows not of version 1 (certificates inline)"
ok "certificates kept in the database once each, rows name them by hash"

for n in a b c; do stop_node $n; done
