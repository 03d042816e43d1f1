#!/bin/sh
# Install the Debian packages p2psipd needs to build and test.
#
# Checks every package with dpkg-query first and calls apt-get only for the
# missing ones, so a second run costs a fraction of a second.  Needs root (or
# sudo) only when something is missing.
set -eu

# Build: compiler, pkg-config, the libraries in DESIGN.md, and zlib
# (the CRC-32 of STUN FINGERPRINT).
BUILD="make gcc pkg-config libevent-dev libssl-dev libsrtp2-dev
	libsqlite3-dev libjansson-dev libinih-dev check libc-ares-dev
	zlib1g-dev"
# Tests: clang with libFuzzer for the fuzz targets, sqlite3 to inspect the
# store, socat to speak raw lines to the control socket, jq to read JSON
# answers, valgrind for memcheck, man-db to render the man pages,
# util-linux for setpriv (the peer-credential test), procps for pgrep/ps,
# tshark to decode the overlay trace and decrypt a capture, openssl to make
# test certificates, iproute2 for the network namespaces of the link tests,
# sip-tester (sipp) as the scripted phones of the SIP tests, baresip-core
# and linphone-cli (linphonec) as the real softphones (with media) of the
# call tests, python3 for the hand-made SIP messages of the SIP tests;
# for the NAT lab (scripts/netns-lab.sh), nftables for the NATs' rules,
# conntrack to flush a NAT's connections when its mode changes, and coturn
# as the lab's STUN/TURN server, whose turnutils_natdiscovery and
# turnutils_uclient also measure the NATs (RFC 5780) and TURN through them;
# dnsmasq-base (the dnsmasq binary, no service) as the DNS server with
# NAPTR and SRV records of the interworking tests (RFC 3263).
# (tshark asks whether non-root users may capture; noninteractive: no.)
TEST="clang libclang-rt-14-dev sqlite3 socat jq valgrind man-db util-linux
	procps tshark openssl iproute2 sip-tester baresip-core linphone-cli
	python3 nftables conntrack coturn dnsmasq-base"

# Benchmarks: Kamailio as the conventional registrar and proxy that
# scripts/bench/sip.sh measures p2psipd against; OpenDHT's dhtnode, the
# overlay baseline whose memory scripts/bench/memfloor.sh measures;
# gnuplot-nox, which draws the simulator's runs (scripts/sim/churn.sh).
BENCH="kamailio dhtnode gnuplot-nox"

missing=""
for p in $BUILD $TEST $BENCH; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: not root and no sudo; run as root:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
else
	SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine may never have fetched the package lists.
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
