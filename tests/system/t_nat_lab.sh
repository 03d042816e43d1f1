#!/bin/bash
# The NAT lab (scripts/netns-lab.sh) is what it says: each NAT mode maps
# and filters as named (RFC 4787), measured two ways: coturn's RFC 5780
# behaviour discovery (turnutils_natdiscovery against the lab's coturn)
# and raw UDP from the public side (the mapped port seen at two public
# addresses; which unsolicited datagrams get in; that a dropped one gets
# no answer, not even an ICMP error; that the NAT's own services are out
# of reach from the WAN).  A TURN allocation through NAT A (and B) relays
# client-to-client traffic.  Teardown leaves nothing behind.
. "$(dirname "$0")/lib.sh"

command -v turnutils_natdiscovery >/dev/null ||
    { echo "skip: no turnutils_natdiscovery"; exit 77; }
lab_up --nat-a eim --nat-b eim
has "$T/lab.up" "coturn: running"
ok "lab $LAB up"
sed 's/^/  /' "$T/lab.up"

# udp.py: the raw probes, run inside the lab's namespaces.
cat >"$T/udp.py" <<'PY'
import select, socket, sys, time

def listen(a):
    """listen IP PORT SECONDS [echo] [tcp] [to IP:PORT...]: bind UDP (and
    TCP) IP:PORT, send "hello" from it to each IP:PORT after "to", print
    "ready", then a line "IP:PORT TEXT" for each datagram (answering "echo"
    if asked) and "IP:PORT tcp" for each connection, for SECONDS."""
    ip, port, secs, rest = a[0], int(a[1]), float(a[2]), a[3:]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((ip, port))
    socks = [u]
    if "tcp" in rest:
        t = socket.socket()
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((ip, port))
        t.listen()
        socks.append(t)
    for d in rest[rest.index("to") + 1:] if "to" in rest else []:
        h, p = d.rsplit(":", 1)
        u.sendto(b"hello", (h, int(p)))
    print("ready", flush=True)
    end = time.monotonic() + secs
    while (left := end - time.monotonic()) > 0:
        r, _, _ = select.select(socks, [], [], left)
        for s in r:
            if s is u:
                data, (h, p) = u.recvfrom(2048)
                print(f"{h}:{p} {data.decode(errors='replace')}",
                    flush=True)
                if "echo" in rest:
                    u.sendto(b"echo", (h, p))
            else:
                c, (h, p) = s.accept()
                print(f"{h}:{p} tcp", flush=True)
                c.close()

def probe(a):
    """probe IP PORT DEST-IP DEST-PORT TEXT|tcp: from IP:PORT, one
    datagram TEXT to DEST on a connected socket (or a TCP connect); print
    "quiet" (nothing back within 0.5 s, or no TCP answer within 1 s),
    "refused" (an ICMP error or a RST came back), "answer" or
    "connected"."""
    ip, port, dest = a[0], int(a[1]), (a[2], int(a[3]))
    if a[4] == "tcp":
        s = socket.socket()
        s.bind((ip, port))
        s.settimeout(1)
        try:
            s.connect(dest)
            print("connected")
        except socket.timeout:
            print("quiet")
        except ConnectionRefusedError:
            print("refused")
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, port))
    s.connect(dest)
    s.send(a[4].encode())
    if not select.select([s], [], [], 0.5)[0]:
        print("quiet")
        return
    try:
        s.recv(2048)
        print("answer")
    except OSError as e:
        print("refused" if e.errno else "error")

{"listen": listen, "probe": probe}[sys.argv[1]](sys.argv[2:])
PY
# (Debian's python3, not a version manager's wrapper, which takes most of
# a second to start)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
udp() {
	local h=$1
	shift
	lab exec "$h" "$PY" "$T/udp.py" "$@"
}

# echoes FILE: both echoes are in FILE.
echoes() {
	[ "$(grep -c ' echo$' "$1")" -ge 2 ]
}

# natdisc SITE: RFC 5780 mapping and filtering discovery from the site's
# host, into $T/nd.SITE.
natdisc() {
	lab exec "$1" timeout 20 turnutils_natdiscovery -m -f 203.0.113.10 \
	    >"$T/nd.$1" 2>&1
}

# raw SITE: from the public side, what the site's NAT does with UDP,
# into $T/raw.SITE.*.  The host sends from port 40000 to two public
# listeners (relay .10 and .11, port R), which note the mapped address
# and echo; then strangers send to that mapped port: the relay from
# another port (same address), the public host (never contacted); and
# the public host sends UDP and TCP to a listener in the NAT itself.
raw() {
	local s=$1 r wan mp f=$T/raw.$1
	case $s in
	a) r=41000 wan=203.0.113.101 ;;
	b) r=42000 wan=203.0.113.102 ;;
	esac
	rm -f "$f".*
	udp relay listen 203.0.113.10 "$r" 5 echo >"$f.r10" &
	udp relay listen 203.0.113.11 "$r" 5 echo >"$f.r11" &
	udp "nat$s" listen 0.0.0.0 45000 5 tcp >"$f.nat" &
	wait_for 5 grep -qx ready "$f.r10" && wait_for 5 grep -qx ready \
	    "$f.r11" && wait_for 5 grep -qx ready "$f.nat" || return
	udp "$s" listen 0.0.0.0 40000 4 to "203.0.113.10:$r" \
	    "203.0.113.11:$r" >"$f.host" &
	wait_for 5 grep -q ' hello$' "$f.r10" &&
	    wait_for 5 grep -q ' hello$' "$f.r11" || return
	mp=$(awk '$2 == "hello" { print $1; exit }' "$f.r10")
	# the echoes got in first: the NAT has the mapping both ways
	wait_for 5 echoes "$f.host" || return
	udp relay probe 203.0.113.10 $((r + 1)) "$wan" "${mp##*:}" sameip \
	    >"$f.sameip" &
	udp pub probe 203.0.113.20 $((r + 2)) "$wan" "${mp##*:}" stranger \
	    >"$f.stranger" &
	udp pub probe 203.0.113.20 $((r + 3)) "$wan" 45000 natsvc \
	    >"$f.natsvc" &
	udp pub probe 203.0.113.20 $((r + 4)) "$wan" 45000 tcp \
	    >"$f.nattcp" &
	wait
}

# the first line "NAT with ...!" of $T/nd.SITE about WHAT (Mapping or
# Filtering)
nd_says() {
	sed -n "s/^NAT with \(.* $2\)!\$/\1/p" "$T/nd.$1" | head -n 1
}

# check SITE MODE: the measurements of natdisc and raw are those of MODE.
check() {
	local s=$1 mode=$2 f=$T/raw.$1 wan map filt m10 m11 got want w
	case $s in
	a) wan=203.0.113.101 ;;
	b) wan=203.0.113.102 ;;
	esac
	map=$(nd_says "$s" Mapping)
	filt=$(nd_says "$s" Filtering)
	case $mode in
	eim|block) want="Endpoint Independent Mapping/Address and Port Dependent Filtering" ;;
	full) want="Endpoint Independent Mapping/Endpoint Independent Filtering" ;;
	addr) want="Endpoint Independent Mapping/Address Dependent Filtering" ;;
	sym) want="Address and Port Dependent Mapping/Address and Port Dependent Filtering" ;;
	esac
	[ "$map/$filt" = "$want" ] || fail "NAT $s in mode $mode:" \
	    "natdiscovery found '$map/$filt', not '$want':" \
	    "$(grep -E 'NAT with|reflexive|origin|timeout' "$T/nd.$s")"

	# raw UDP: the mapped address of port 40000 as .10 and .11 saw it
	m10=$(awk '$2 == "hello" { print $1; exit }' "$f.r10" 2>/dev/null)
	m11=$(awk '$2 == "hello" { print $1; exit }' "$f.r11" 2>/dev/null)
	[ -n "$m10" ] && [ -n "$m11" ] || fail "NAT $s ($mode): the host's" \
	    "datagrams did not reach the relay: $(cat "$f".r1[01])"
	[ "${m10%:*}" = "$wan" ] && [ "${m11%:*}" = "$wan" ] ||
	    fail "NAT $s ($mode): mapped to $m10 and $m11, not $wan"
	if [ "$mode" = sym ]; then
		[ "$m10" != "$m11" ] || fail "NAT $s (sym): one mapping $m10" \
		    "for two destinations"
	else
		[ "$m10" = "$wan:40000" ] && [ "$m11" = "$wan:40000" ] ||
		    fail "NAT $s ($mode): port 40000 mapped to $m10 and $m11"
	fi
	[ "$(grep -c ' echo$' "$f.host")" -eq 2 ] ||
	    fail "NAT $s ($mode): the answers did not get in: $(cat "$f.host")"
	# which unsolicited datagrams got in
	got=
	for w in sameip stranger; do
		grep -q " $w\$" "$f.host" && got="$got $w"
	done
	case $mode in
	full) want=" sameip stranger" ;;
	addr) want=" sameip" ;;
	*) want= ;;
	esac
	[ "$got" = "$want" ] || fail "NAT $s ($mode): in came '${got# }'," \
	    "not '${want# }': $(cat "$f.host")"
	# nobody heard back from the NAT when it dropped them (no ICMP)
	for w in sameip stranger; do
		[ "$(cat "$f.$w")" = quiet ] || fail "NAT $s ($mode): $w" \
		    "got '$(cat "$f.$w")' back"
	done
	# the NAT's own listener is out of reach (in mode full the UDP goes
	# on to the host, which has no port 45000 open and says so)
	[ "$(grep -vx ready "$f.nat")" = "" ] ||
	    fail "NAT $s ($mode): its own service was reached: $(cat "$f.nat")"
	[ "$(cat "$f.nattcp")" = quiet ] ||
	    fail "NAT $s ($mode): TCP to it: $(cat "$f.nattcp")"
	w=quiet
	[ "$mode" = full ] && w=refused
	[ "$(cat "$f.natsvc")" = "$w" ] ||
	    fail "NAT $s ($mode): UDP to its port 45000: $(cat "$f.natsvc")"
	ok "NAT $s $mode: natdiscovery '$map', '$filt';" \
	    "40000 -> $m10 (to .10), $m11 (to .11);" \
	    "unsolicited in:${got:- none}; no answers to drops"
}

# round MODE-A MODE-B: both NATs in their modes, measured at once.
round() {
	lab nat a "$1" || fail "netns-lab.sh nat a $1"
	lab nat b "$2" || fail "netns-lab.sh nat b $2"
	natdisc a &
	natdisc b &
	raw a &
	raw b &
	wait
	check a "$1"
	check b "$2"
}

t0=$(now_ms)
round eim full
round addr sym
round sym block
ok "every mode measured in $(( $(now_ms) - t0 )) ms"

# TURN through the NATs (A symmetric, B blocking): two allocations per
# site, 3 messages each way between the relayed addresses, all back.
for s in a b; do
	lab exec "$s" timeout 30 turnutils_uclient -v -u lab -w labpass -y \
	    -n 3 -c 203.0.113.10 >"$T/uc.$s" 2>&1 &
done
wait
for s in a b; do
	grep -q "Received relay addr: 203.0.113.10:" "$T/uc.$s" &&
	    grep -q "tot_send_msgs=6, tot_recv_msgs=6" "$T/uc.$s" &&
	    grep -q "Total lost packets 0 " "$T/uc.$s" ||
	    fail "TURN from $s: $(grep -v start_mclient "$T/uc.$s" | tail -n 8)"
	ok "TURN from $s ($(cat "$T/lab/nat-$s")): relays" \
	    "$(sed -n 's/.*Received relay addr: //p' "$T/uc.$s" | sort -u |
	    tr '\n' ' ')- 6 of 6 messages back"
done
# a wrong password is refused
lab exec a timeout 30 turnutils_uclient -u lab -w wrong -y -n 1 -c \
    203.0.113.10 >"$T/uc.bad" 2>&1 && fail "TURN accepted a wrong password"
ok "TURN refuses a wrong password"

# down leaves nothing: no namespace, no coturn, no state dir
tpid=$(cat "$T/lab/turnserver.pid")
lab_down || fail "netns-lab.sh down failed"
left=$(ip netns list | grep -c "^$LAB-")
[ "$left" -eq 0 ] || fail "after down: $(ip netns list | grep "^$LAB-")"
! alive "$tpid" || fail "coturn ($tpid) outlived down"
! pgrep -f "$T/lab/turnserver.conf" >/dev/null || fail "a turnserver is left"
[ ! -e "$T/lab" ] || fail "the state dir $T/lab is left"
lab_down || fail "a second down failed"
ok "down removed every namespace, coturn and the state dir; twice is fine"
