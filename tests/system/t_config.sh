#!/bin/bash
# p2psipd's command line and config as an operator meets them: errors
# naming file, line and key with exit status 1; --check-config; -o; the
# built-in defaults with and without XDG directories.
. "$(dirname "$0")/lib.sh"

cd "$T" || fail "cd"
cat >good.conf <<EOF
# a comment
[node]
log_level = warn   ; inline comment
data_dir = $T/gooddata
EOF
cat >bad.conf <<'EOF'
[node]
log_level = loud
colour = blue
[nodes]
data_dir = /x
this is not ini
EOF

run 0 "$P2PSIPD" -c good.conf --check-config
has "$T/out" '^p2psipd: configuration OK: good.conf$'
run 0 "$P2PSIPD" -c good.conf --check-config -v
has "$T/out" '^log_level = warn$'
has "$T/out" "^data_dir = $T/gooddata\$"
has "$T/out" "^pidfile = $T/gooddata/p2psipd.pid\$"
run 0 "$P2PSIPD" -c good.conf -o node.log_level=debug --check-config -v
has "$T/out" '^log_level = debug$'
ok "--check-config on a good file, -v, -o over the file"

# Every error in one run, each naming file:line and key; exit 1.
run 1 "$P2PSIPD" -c bad.conf --check-config
cat >"$T/want" <<'EOF'
p2psipd: bad.conf:2: [node] log_level: bad value 'loud' (expected error, warn, info or debug)
p2psipd: bad.conf:3: unknown key 'colour' in section [node]
p2psipd: bad.conf:5: unknown section [nodes]
p2psipd: bad.conf:6: syntax error: expected '[section]' or 'key = value'
EOF
diff -u "$T/want" "$T/err" || fail "bad.conf messages differ"
[ ! -s "$T/out" ] || fail "stdout on error"
# Starting with it says the same, and starts nothing.
run 1 "$P2PSIPD" -f -c bad.conf -o "node.control_socket=$T/bad.sock"
diff -u "$T/want" "$T/err" || fail "start with bad.conf differs"
[ ! -e "$T/bad.sock" ] || fail "a socket was bound"
ok "bad config: every error, file:line and key, exit 1"

run 1 "$P2PSIPD" -c missing.conf --check-config
has "$T/err" '^p2psipd: missing.conf: cannot open: No such file or directory$'
run 1 "$P2PSIPD" -c "$T" --check-config
has "$T/err" "^p2psipd: $T: not a regular file\$"
chmod 755 "$T"
cp good.conf secret.conf
chmod 600 secret.conf
run 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$P2PSIPD" -c "$T/secret.conf" --check-config
has "$T/err" "^p2psipd: $T/secret.conf: cannot open: Permission denied\$"
ok "unreadable config files"

run 1 "$P2PSIPD" -o node.log_level=loud -o nodata --check-config
has "$T/err" "^p2psipd: -o node.log_level=loud: \[node\] log_level: bad value 'loud'"
has "$T/err" '^p2psipd: -o nodata: expected SECTION.KEY=VALUE$'
ok "bad -o"

run 0 "$P2PSIPD" --version
has "$T/out" '^p2psipd [0-9]+\.[0-9]+\.[0-9]+$'
run 0 "$P2PSIPD" -h
has "$T/out" '^usage: p2psipd '
run 2 "$P2PSIPD" --frobnicate
has "$T/err" '^usage: p2psipd '
run 2 "$P2PSIPD" stray
ok "--version, -h, usage errors exit 2"

# Built-in defaults, no config at all: data in $XDG_DATA_HOME/p2psipd,
# control socket in $XDG_RUNTIME_DIR, and p2psipctl finds it by itself.
# (Only the overlay and SIP ports are given, so daemons on 6084, 5060
# and 5061 do not matter.)
mkdir -p "$T/xdg/data" "$T/xdg/run"
export XDG_DATA_HOME=$T/xdg/data XDG_RUNTIME_DIR=$T/xdg/run
"$P2PSIPD" -f -o "overlay.listen=127.0.0.1:$(port d)" \
    -o "sip.listen=127.0.0.1:$(sip_port d)" \
    -o "sip.tls_listen=127.0.0.1:$(sips_port d)" 2>"$T/defaults.log" &
pid=$!
EXTRA_PIDS+=($pid)
wait_for 10 "$P2PSIPCTL" status || fail "defaults: no answer on the " \
    "default socket: $(cat "$T/defaults.log")"
run 0 "$P2PSIPCTL" --json status
[ "$(json .data_dir)" = "$T/xdg/data/p2psipd" ] || fail "XDG data dir"
[ "$(json .control_socket)" = "$T/xdg/run/p2psipd.sock" ] ||
    fail "XDG runtime dir"
[ -f "$T/xdg/data/p2psipd/p2psipd.db" ] || fail "no store"
kill -TERM "$pid"
wait_exit "$pid" 10
[ "$EXIT_RC" -eq 0 ] || fail "defaults daemon exit $EXIT_RC"
ok "built-in defaults under XDG directories"

# Without XDG_DATA_HOME the data goes to ./var.
unset XDG_DATA_HOME
mkdir "$T/wd" && cd "$T/wd" || fail "cd"
"$P2PSIPD" -f -o "overlay.listen=127.0.0.1:$(port v)" \
    -o "sip.listen=127.0.0.1:$(sip_port v)" \
    -o "sip.tls_listen=127.0.0.1:$(sips_port v)" 2>"$T/var.log" &
pid=$!
EXTRA_PIDS+=($pid)
wait_for 10 "$P2PSIPCTL" status || fail "./var daemon: $(cat "$T/var.log")"
[ -f "$T/wd/var/p2psipd.db" ] || fail "no ./var/p2psipd.db"
run 0 "$P2PSIPCTL" shutdown
wait_exit "$pid" 10
[ "$EXIT_RC" -eq 0 ] || fail "./var daemon exit $EXIT_RC"
ok "built-in defaults: ./var"

# A missing directory for the control socket is created, private.
mkdir "$T/n"
"$P2PSIPD" -f -o "node.data_dir=$T/n/data" \
    -o "node.control_socket=$T/n/rundir/ctl.sock" \
    -o "overlay.listen=127.0.0.1:$(port n)" \
    -o "sip.listen=127.0.0.1:$(sip_port n)" \
    -o "sip.tls_listen=127.0.0.1:$(sips_port n)" 2>"$T/n/log" &
pid=$!
EXTRA_PIDS+=($pid)
wait_for 10 "$P2PSIPCTL" -s "$T/n/rundir/ctl.sock" status ||
    fail "not listening in the new directory: $(cat "$T/n/log")"
[ "$(stat -c %a "$T/n/rundir")" = 700 ] || fail "socket dir mode"
kill -TERM "$pid"
wait_exit "$pid" 10
ok "socket directory created with mode 0700"
