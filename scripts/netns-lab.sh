#!/bin/bash
# scripts/netns-lab.sh - a NAT lab of network namespaces on one machine.
#
#   netns-lab.sh up [--nat-a MODE] [--nat-b MODE] [--no-turn]
#   netns-lab.sh nat a|b MODE
#   netns-lab.sh down | status | exec HOST CMD...
#
# Two sites, each one host behind its own NAT, and two public hosts, one
# of them a TURN/STUN server (coturn) with two addresses so that RFC 5780
# NAT behaviour discovery works.  The addresses are fixed: tests rely on
# them exactly.
#
#   namespace     interface  address            role
#   ${LAB}-wan    br0        -                  the public segment, a bridge
#   ${LAB}-relay  eth0       203.0.113.10/24    coturn (relay address)
#                            203.0.113.11/24    coturn's alternate address
#   ${LAB}-pub    eth0       203.0.113.20/24    a public peer, a bootstrap
#   ${LAB}-nata   wan        203.0.113.101/24   site A's NAT
#                 lan        10.1.0.1/24
#   ${LAB}-a      eth0       10.1.0.2/24        site A's host, via 10.1.0.1
#   ${LAB}-natb   wan        203.0.113.102/24   site B's NAT
#                 lan        10.2.0.1/24
#   ${LAB}-b      eth0       10.2.0.2/24        site B's host, via 10.2.0.1
#
# coturn: UDP and TCP port 3478 (3479 the RFC 5780 alternate port) on
# 203.0.113.10 and .11, relays on .10; long-term credentials lab:labpass,
# realm lab.test; no TLS, no DTLS.  Its config, pid file and log are in
# the state dir ${LAB_DIR:-/tmp/${LAB}}.
#
# NAT modes (RFC 4787 mapping / filtering):
#   eim    endpoint-independent mapping, address-and-port-dependent
#          filtering (plain Linux masquerading)
#   block  the same as eim, for tests whose point is "unsolicited
#          inbound is dropped"
#   full   endpoint-independent mapping and filtering (full cone): new
#          inbound UDP on the WAN address goes to the inside host, same
#          port (masquerading keeps the port, and a site has one host)
#   addr   endpoint-independent mapping, address-dependent filtering: new
#          inbound UDP from an address to which the inside host sent from
#          that port (in the last 120 s) goes to the inside host
#   sym    address-and-port-dependent mapping (symmetric: a random port
#          per destination), filtering as eim
# Every mode drops what it does not let in (never rejects: an answer
# would change connection tracking), and nothing from the WAN reaches
# the NAT namespace itself.  IPv6 is off in every lab namespace.
#
# LAB (default p2lab) names the lab; every namespace name derives from it,
# so several labs can coexist (each its own copy of the addresses).
set -eu

LAB=${LAB:-p2lab}
DIR=${LAB_DIR:-/tmp/$LAB}
HOSTS="wan relay pub nata a natb b"
MODES="eim block full addr sym"
MARK=.netns-lab		# in DIR: the dir is ours to remove

usage() {
	cat <<EOF
usage: netns-lab.sh up [--nat-a MODE] [--nat-b MODE] [--no-turn]
       netns-lab.sh nat a|b MODE
       netns-lab.sh down | status | exec HOST CMD...
MODE: $MODES (default eim); HOST: $HOSTS.
Environment: LAB (namespace prefix, default p2lab), LAB_DIR (state dir,
default /tmp/\$LAB).  Needs root.
EOF
}

die() {
	echo "netns-lab: $*" >&2
	exit 1
}

ns() {
	echo "$LAB-$1"
}

ns_exists() {
	[ -e "/run/netns/$(ns "$1")" ]
}

in_ns() {
	local h=$1
	shift
	ip netns exec "$(ns "$h")" "$@"
}

valid_mode() {
	case " $MODES " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# link HOST1 IF1 HOST2 IF2: a veth pair between two namespaces, up.
link() {
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" \
	    netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# port HOST: HOST's eth0 on the public bridge, its bridge port named
# after it.
port() {
	link wan "$1" "$1" "${2:-eth0}"
	ip -n "$(ns wan)" link set "$1" master br0
}

# nat_rules SITE MODE: the NAT's whole ruleset (nft), for nft -f.
nat_rules() {
	local lan wan host dnat='' masq=masquerade
	case $1 in
	a) wan=203.0.113.101 lan=10.1.0.0/24 host=10.1.0.2 ;;
	b) wan=203.0.113.102 lan=10.2.0.0/24 host=10.2.0.2 ;;
	esac
	case $2 in
	full)
		dnat="iifname \"wan\" ip daddr $wan meta l4proto udp dnat to $host" ;;
	addr)
		dnat="iifname \"wan\" ip daddr $wan meta l4proto udp ip saddr . udp dport @contacted dnat to $host" ;;
	sym)
		masq="masquerade fully-random" ;;
	esac
	cat <<EOF
flush ruleset
table ip lab {
	# (address, inside port): the inside host sent UDP from that port
	# to that address (mode addr; the port is also the mapped one)
	set contacted {
		type ipv4_addr . inet_service; flags dynamic, timeout;
		timeout 120s;
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		$dnat
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" ip saddr $lan $masq
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "lan" oifname "wan" meta l4proto udp \
		    update @contacted { ip daddr . udp sport }
		ct state established,related accept
		iifname "lan" oifname "wan" accept
		iifname "wan" oifname "lan" ct status dnat accept
	}
	chain input {
		type filter hook input priority filter; policy accept;
		iifname "wan" ct state established,related accept
		iifname "wan" drop
	}
}
EOF
}

# set_nat SITE MODE: (re)write the NAT's rules, forget its connections.
set_nat() {
	case $1 in
	a|b) ;;
	*) die "no site '$1' (a or b)" ;;
	esac
	valid_mode "$2" || die "no NAT mode '$2' ($MODES)"
	ns_exists "nat$1" || die "no lab $LAB (netns-lab.sh up)"
	nat_rules "$1" "$2" | in_ns "nat$1" nft -f - ||
	    die "nat$1: nft refused the $2 rules"
	in_ns "nat$1" conntrack -F >/dev/null 2>&1 || true
	echo "$2" >"$DIR/nat-$1"
}

turn_up() {
	local pid end
	cat >"$DIR/turnserver.conf" <<EOF
listening-ip=203.0.113.10
listening-ip=203.0.113.11
relay-ip=203.0.113.10
listening-port=3478
lt-cred-mech
user=lab:labpass
realm=lab.test
fingerprint
no-tls
no-dtls
no-cli
no-stdout-log
simple-log
log-file=$DIR/turnserver.log
pidfile=$DIR/turnserver.pid
userdb=$DIR/turndb
EOF
	# without the descriptors we inherited: coturn outlives us, and must
	# not hold, say, the lock file of whoever runs us
	(
		for fd in "/proc/$BASHPID/fd/"*; do
			fd=${fd##*/}
			[ "$fd" -le 2 ] || eval "exec $fd>&-" 2>/dev/null || true
		done
		exec ip netns exec "$(ns relay)" setsid turnserver \
		    -c "$DIR/turnserver.conf"
	) </dev/null >>"$DIR/turnserver.out" 2>&1 &
	pid=$!
	# it answers a Binding request from the public host within 10 s
	end=$(( $(date +%s) + 10 ))
	while [ "$(date +%s)" -lt "$end" ] && kill -0 "$pid" 2>/dev/null; do
		if in_ns pub timeout 1 turnutils_stunclient 203.0.113.10 \
		    >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	die "coturn does not answer: $(tail -n 5 "$DIR/turnserver.log" \
	    "$DIR/turnserver.out" 2>/dev/null)"
}

up() {
	local mode_a=eim mode_b=eim turn=1 h
	while [ $# -gt 0 ]; do
		case $1 in
		--nat-a) [ $# -ge 2 ] || die "--nat-a needs a mode"
			mode_a=$2; shift ;;
		--nat-b) [ $# -ge 2 ] || die "--nat-b needs a mode"
			mode_b=$2; shift ;;
		--no-turn) turn= ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	valid_mode "$mode_a" || die "no NAT mode '$mode_a' ($MODES)"
	valid_mode "$mode_b" || die "no NAT mode '$mode_b' ($MODES)"
	[ -z "$turn" ] || command -v turnserver >/dev/null ||
	    die "no turnserver (apt-get install coturn), or use --no-turn"
	down
	# a lab half built is no use: whatever stops us undoes it
	trap down EXIT
	mkdir -p "$DIR"
	: >"$DIR/$MARK"
	for h in $HOSTS; do
		ip netns add "$(ns "$h")" || die "cannot add netns $(ns "$h")"
		in_ns "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
		ip -n "$(ns "$h")" link set lo up
	done

	ip -n "$(ns wan)" link add br0 type bridge
	ip -n "$(ns wan)" link set br0 up
	port relay
	port pub
	port nata wan
	port natb wan
	link nata lan a eth0
	link natb lan b eth0

	ip -n "$(ns relay)" addr add 203.0.113.10/24 dev eth0
	ip -n "$(ns relay)" addr add 203.0.113.11/24 dev eth0
	ip -n "$(ns pub)" addr add 203.0.113.20/24 dev eth0
	ip -n "$(ns nata)" addr add 203.0.113.101/24 dev wan
	ip -n "$(ns nata)" addr add 10.1.0.1/24 dev lan
	ip -n "$(ns a)" addr add 10.1.0.2/24 dev eth0
	ip -n "$(ns a)" route add default via 10.1.0.1
	ip -n "$(ns natb)" addr add 203.0.113.102/24 dev wan
	ip -n "$(ns natb)" addr add 10.2.0.1/24 dev lan
	ip -n "$(ns b)" addr add 10.2.0.2/24 dev eth0
	ip -n "$(ns b)" route add default via 10.2.0.1
	in_ns nata sysctl -qw net.ipv4.ip_forward=1
	in_ns natb sysctl -qw net.ipv4.ip_forward=1

	set_nat a "$mode_a"
	set_nat b "$mode_b"
	[ -z "$turn" ] || turn_up
	trap - EXIT
	status
}

# lab_pids: every process in a namespace of the lab, but this one.
lab_pids() {
	local h p
	for h in $HOSTS; do
		ns_exists "$h" || continue
		for p in $(ip netns pids "$(ns "$h")" 2>/dev/null); do
			[ "$p" = $$ ] || echo "$p"
		done
	done
}

down() {
	local p pids h
	if [ -s "$DIR/turnserver.pid" ]; then
		p=$(cat "$DIR/turnserver.pid")
		# only if it is still a turnserver (the pid may be reused)
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != turnserver ] ||
		    kill "$p" 2>/dev/null || true
	fi
	pids=$(lab_pids)
	# shellcheck disable=SC2086 # a list of pids
	[ -z "$pids" ] || kill $pids 2>/dev/null || true
	for _ in $(seq 30); do
		pids=$(lab_pids)
		[ -n "$pids" ] || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
	for h in $HOSTS; do
		! ns_exists "$h" || ip netns del "$(ns "$h")" 2>/dev/null || true
	done
	# the state dir, if it is one this script made
	if [ -e "$DIR/$MARK" ]; then
		rm -rf "$DIR"
	fi
}

status() {
	local h m p state
	echo "lab $LAB, state in $DIR"
	echo "  public segment 203.0.113.0/24 (bridge br0 in $(ns wan))"
	echo "  $(ns relay): 203.0.113.10, 203.0.113.11 (coturn, port 3478, lab:labpass, realm lab.test)"
	echo "  $(ns pub): 203.0.113.20"
	for h in a b; do
		m=$(cat "$DIR/nat-$h" 2>/dev/null || echo "-")
		case $h in
		a) echo "  $(ns nata): WAN 203.0.113.101, LAN 10.1.0.1/24, mode $m; $(ns a): 10.1.0.2" ;;
		b) echo "  $(ns natb): WAN 203.0.113.102, LAN 10.2.0.1/24, mode $m; $(ns b): 10.2.0.2" ;;
		esac
	done
	state=
	for h in $HOSTS; do
		ns_exists "$h" && state="$state $h" || state="$state !$h"
	done
	echo "  namespaces:$state"
	p=$(cat "$DIR/turnserver.pid" 2>/dev/null || true)
	if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = turnserver ]
	then
		echo "  coturn: running, pid $p"
	else
		echo "  coturn: not running"
	fi
}

case ${1:-} in
-h|--help|help) usage; exit 0 ;;
up|down|status|nat|exec) ;;
*) usage >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "netns-lab: needs root (network namespaces, nftables)" >&2
	exit 2
fi
cmd=$1
shift
case $cmd in
up) up "$@" ;;
down) [ $# -eq 0 ] || { usage >&2; exit 2; }; down ;;
status) status ;;
nat)
	[ $# -eq 2 ] || { usage >&2; exit 2; }
	set_nat "$1" "$2" ;;
exec)
	[ $# -ge 2 ] || { usage >&2; exit 2; }
	case " $HOSTS " in
	*" $1 "*) ;;
	*) die "no host '$1' ($HOSTS)" ;;
	esac
	ns_exists "$1" || die "no lab $LAB (netns-lab.sh up)"
	h=$1
	shift
	exec ip netns exec "$(ns "$h")" "$@" ;;
esac
