#!/bin/bash
# In the background p2psipd logs to syslog (facility daemon, with its pid)
# at the configured level.  The test listens on /dev/log itself, inside a
# private mount namespace with its own /dev, so the host is not touched.
. "$(dirname "$0")/lib.sh"

if ! unshare -m --propagation private true 2>/dev/null; then
	echo "skip: cannot make a mount namespace here"
	exit 77
fi
mkdir -p "$T/olddev"
cat >"$T/conf" <<EOF
[node]
data_dir = $T/data
control_socket = $T/ctl.sock
[overlay]
listen = 127.0.0.1:$(port a)
[sip]
listen = 127.0.0.1:$(sip_port a)
EOF

# Runs inside the namespace; prints what syslog received.
cat >"$T/inner.sh" <<'EOF'
set -u
T=$1
mount --bind /dev "$T/olddev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero random urandom; do
	touch "/dev/$n"
	mount --bind "$T/olddev/$n" "/dev/$n"
done
socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$T/syslog,creat,append" &
rx=$!
trap 'kill $rx; [ -f "$T/data/p2psipd.pid" ] &&
    kill -9 "$(cat "$T/data/p2psipd.pid")"' EXIT
for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
"$P2PSIPD" -c "$T/conf" -o node.log_level=debug || exit 1
"$P2PSIPCTL" -s "$T/ctl.sock" --json status >"$T/status" || exit 1
"$P2PSIPCTL" -s "$T/ctl.sock" log-level loud 2>/dev/null
"$P2PSIPCTL" -s "$T/ctl.sock" shutdown >/dev/null || exit 1
for i in $(seq 200); do
	grep -q 'p2psipd: stopped' "$T/syslog" 2>/dev/null && exit 0
	sleep 0.05
done
exit 1
EOF
P2PSIPD=$P2PSIPD P2PSIPCTL=$P2PSIPCTL timeout 60 \
    unshare -m --propagation private bash "$T/inner.sh" "$T" ||
    fail "no 'stopped' line in syslog: $(cat "$T/syslog" 2>/dev/null)"
pid=$(jq -r .pid "$T/status")
# Datagrams arrive back to back: each message starts at its "<PRI>".
# <30> is facility daemon (3) * 8 + info (6); <31> debug.
M="[^<]* p2psipd\\[$pid\\]:"
has "$T/syslog" "<30>$M p2psipd: started, node [0-9a-f]{32} \\(new identity\\), overlay p2psipd.localhost, data dir $T/data"
has "$T/syslog" "<31>$M control: run status"
has "$T/syslog" "<30>$M p2psipd: stopping \\(control command\\)"
has "$T/syslog" "<30>$M p2psipd: stopped"
ok "background daemon logs to syslog with facility, level and pid"
