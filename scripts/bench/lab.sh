# scripts/bench/lab.sh - what the NAT lab benchmarks share (nat.sh,
# ice_sip.sh): a lab of scripts/netns-lab.sh of their own, torn down
# with every daemon at exit, and daemons in its namespaces.  Source it
# after lib.sh, with NAME (the script's, for messages) and LAB_TAG (the
# lab's prefix) set; then lab_bench_up [netns-lab.sh up options].

[ "$(id -u)" -eq 0 ] || { echo "$NAME: needs root (network namespaces)" >&2; exit 1; }
export LAB=$LAB_TAG$$ LAB_DIR=$W/lab
LABSH=$ROOT/scripts/netns-lab.sh
lab() { bash "$LABSH" "$@"; }
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	lab down >/dev/null 2>&1
	cleanup
}
trap stop_all EXIT
declare -A PID

# lab_bench_up [OPTIONS]: the lab up, 203.0.113.21 added to the public
# host, BOOT naming the peers at .20 and .21 (port sets 0 and 1).
lab_bench_up() {
	lab up "$@" >"$W/lab.up" 2>&1 ||
	    { echo "netns-lab.sh up: $(tail -n 5 "$W/lab.up")" >&2; exit 1; }
	ip -n "$LAB-pub" addr add 203.0.113.21/24 dev eth0
	BOOT="overlay.bootstrap=203.0.113.20:$BASE,203.0.113.21:$((BASE + 1))"
}

# node NAME NS IP K [ARGS...]: daemon NAME in namespace NS at IP, port
# set K (overlay BASE+K, SIP a SPAN above, TLS two, RTP from 40000+400K);
# its pid in PID[NAME].
node() {
	local name=$1 ns=$2 ip=$3 k=$4
	shift 4
	mkdir -p "$W/$name"
	ip netns exec "$LAB-$ns" "$D" -f -o "node.data_dir=$W/$name/data" \
	    -o "node.control_socket=$W/$name/ctl.sock" \
	    -o "overlay.listen=$ip:$((BASE + k))" \
	    -o "sip.listen=$ip:$((BASE + SPAN + k))" \
	    -o "sip.tls_listen=$ip:$((BASE + 2 * SPAN + k))" \
	    -o node.log_level=info \
	    -o "media.rtp_ports=$((40000 + 400 * k))-$((40399 + 400 * k))" \
	    "$@" ${P2PSIPD_ARGS:-} 2>"$W/$name/log" &
	PID[$name]=$!
	PIDS+=($!)
}
nctl() { local n=$1; shift; "$C" -s "$W/$n/ctl.sock" "$@"; }
client() {
	nctl "$1" --json status 2>/dev/null | jq -e '.state == "client"'
}
