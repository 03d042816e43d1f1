# tests/system/lib.sh - sourced by every system test (bash).
#
# Each test gets a private temp dir $T; each daemon NAME lives in $T/NAME
# (data/, ctl.sock, log).  Daemons started here are killed and $T removed
# on exit, whatever happens; a failing test's daemon logs are kept under
# $BUILD/test-logs/system/TEST/.  Every wait is bounded.

set -u

: "${BUILD:?BUILD must name the build directory}"
P2PSIPD=$BUILD/p2psipd
P2PSIPCTL=$BUILD/p2psipctl
TNAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/p2psipd-$TNAME.XXXXXX")
declare -A NODE_PID=()
EXTRA_PIDS=()
CLEANUP=()		# commands (strings) to run on exit, e.g. netns deletion
# Overlay ports: a block of 100 per test run, below the ephemeral range,
# so that tests running beside a real daemon (port 6084) or beside each
# other do not collide.
PORT_BASE=$(( 20000 + ($$ % 120) * 100 ))

# descendants PID: every process below PID, children last.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		descendants "$c"
		echo "$c"
	done
}

cleanup() {
	local rc=$? p
	trap - EXIT
	# timeout(1) signals the test and then its whole process group: a
	# second TERM must not end the cleanup half way
	trap '' INT TERM
	exec 2>/dev/null	# no job reports for what we kill below
	# the whole tree: a program under timeout(1) outlives a killed
	# timeout
	for p in $(descendants $$) "${NODE_PID[@]}" "${EXTRA_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for p in "${CLEANUP[@]}"; do
		eval "$p"
	done
	if [ "$rc" -ne 0 ]; then
		mkdir -p "$BUILD/test-logs/system/$TNAME"
		find "$T" -maxdepth 2 -name log -exec sh -c \
		    'cp "$1" "$2/$(basename "$(dirname "$1")").log"' _ {} \
		    "$BUILD/test-logs/system/$TNAME" \;
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $TNAME: $*" >&2
	exit 1
}

ok() {
	echo "ok - $*"
}

# now_ms: milliseconds, for deadlines.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# wait_for SECONDS CMD...: run CMD every 50 ms until it succeeds.
wait_for() {
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

sock() {
	echo "$T/$1/ctl.sock"
}

# ctl NAME ARGS...: p2psipctl against daemon NAME.
ctl() {
	local name=$1
	shift
	"$P2PSIPCTL" -s "$(sock "$name")" "$@"
}

# port NAME: the overlay port of daemon NAME, the same every time (kept
# in a file, so that $(port NAME) works in a subshell too).
port() {
	local n
	touch "$T/ports"
	n=$(grep -nxF -- "$1" "$T/ports" | cut -d: -f1)
	if [ -z "$n" ]; then
		echo "$1" >>"$T/ports"
		n=$(wc -l <"$T/ports")
	fi
	[ "$n" -lt 100 ] || fail "more than 100 overlay ports"
	echo $((PORT_BASE + n - 1))
}

# sip_port NAME: the daemon's SIP port (UDP and TCP), 10000 below its
# overlay port, so that neither the overlay's TCP port nor 5060 is taken.
sip_port() {
	echo $(( $(port "$1") - 10000 ))
}

# sips_port NAME: the daemon's SIP port for TLS, 500 above its overlay
# port (past the overlay ports of this test, below the ephemeral ones).
sips_port() {
	echo $(( $(port "$1") + 500 ))
}

# stun_port NAME: the port of the daemon's STUN server, 5000 below its
# overlay port ([nat] stun_listen's 3478 would be one for all).
stun_port() {
	echo $(( $(port "$1") - 5000 ))
}

# start_node NAME [P2PSIPD ARGS...]: start a foreground daemon with its
# own data dir, control socket, overlay, SIP and STUN ports (STUN on the
# overlay's address, as the default has it); wait until it answers.
# With NODE_NS set, it runs in that network namespace; with START_DELAY
# (seconds) it starts that much later, and the call does not wait for
# it (nor with START_NOWAIT set).
start_node() {
	local name=$1 pre=() ip=127.0.0.1 a op sp tp
	shift
	# the ports now: port() must not run in the background job
	op=$(port "$name") sp=$(sip_port "$name") tp=$(sips_port "$name")
	mkdir -p "$T/$name"
	[ -n "${NODE_NS:-}" ] && pre=(ip netns exec "$NODE_NS")
	[ -n "${START_DELAY:-}" ] &&
	    pre=(sh -c 'sleep "$0" && exec "$@"' "$START_DELAY" "${pre[@]}")
	for a in "$@"; do
		case $a in
		overlay.listen=*) ip=${a#overlay.listen=}; ip=${ip%:*} ;;
		esac
	done
	"${pre[@]}" "$P2PSIPD" -f -o "node.data_dir=$T/$name/data" \
	    -o "node.control_socket=$(sock "$name")" \
	    -o "overlay.listen=127.0.0.1:$op" -o "sip.listen=127.0.0.1:$sp" \
	    -o "sip.tls_listen=127.0.0.1:$tp" \
	    -o "nat.stun_listen=$ip:$((op - 5000))" "$@" \
	    2>>"$T/$name/log" &
	NODE_PID[$name]=$!
	[ -n "${START_DELAY:-}${START_NOWAIT:-}" ] && return
	wait_for 10 ctl "$name" status ||
	    fail "$name did not start: $(tail -n 5 "$T/$name/log")"
}

# two_hosts NET: two network namespaces, $NA at NET.1 and $NB at NET.2
# (NET like 10.77.0), joined by a veth pair, removed on exit.  Skips the
# test (77) without root or ip netns.
two_hosts() {
	if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
		echo "skip: needs root and ip netns"
		exit 77
	fi
	NA=p2pt$$a
	NB=p2pt$$b
	CLEANUP+=("ip netns del $NA 2>/dev/null" "ip netns del $NB 2>/dev/null")
	ip netns add "$NA" && ip netns add "$NB" ||
	    { echo "skip: ip netns add"; exit 77; }
	ip -n "$NA" link add va type veth peer name vb netns "$NB" ||
	    fail "cannot make a veth pair"
	ip -n "$NA" addr add "$1.1/24" dev va
	ip -n "$NB" addr add "$1.2/24" dev vb
	ip -n "$NA" link set lo up
	ip -n "$NB" link set lo up
	ip -n "$NA" link set va up
	ip -n "$NB" link set vb up
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# wait_exit PID SECONDS: wait for a child to exit; its status in EXIT_RC.
wait_exit() {
	local pid=$1 deadline=$(( $(now_ms) + $2 * 1000 ))
	while alive "$pid"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			fail "pid $pid did not exit in ${2}s"
		fi
		sleep 0.05
	done
	wait "$pid"
	EXIT_RC=$?
}

# stop_node NAME: SIGTERM, expect a clean exit (status 0) within 10 s.
stop_node() {
	local name=$1
	kill -TERM "${NODE_PID[$name]}"
	wait_exit "${NODE_PID[$name]}" 10
	unset "NODE_PID[$name]"
	[ "$EXIT_RC" -eq 0 ] || fail "$name exited with $EXIT_RC: " \
	    "$(tail -n 20 "$T/$name/log")"
}

# run WANT_RC CMD...: run CMD, stdout in $T/out, stderr in $T/err; its
# exit status must be WANT_RC.
run() {
	local want=$1 rc
	shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, not $want;" \
	    "stdout: $(head -c 600 "$T/out"); stderr: $(head -c 600 "$T/err")"
}

# status_is NAME JQ WANT: in NAME's status (--json), JQ gives WANT.
status_is() {
	run 0 ctl "$1" --json status
	[ "$(json "$2")" = "$3" ] || fail "$1: $2 is $(json "$2"), not $3"
}

# has FILE EXTENDED-REGEX: the file has a matching line.
has() {
	grep -Eq -- "$2" "$1" || fail "$1 lacks /$2/: $(head -c 800 "$1")"
}

# json FILTER: jq over $T/out, raw output.
json() {
	jq -er "$1" "$T/out" || fail "jq '$1' failed on $(head -c 600 "$T/out")"
}

# ---- overlay helpers ----

# ring_wrong NAME...: print how many of the daemons NAME... are not
# joined or do not have the true first successor and predecessor among
# them (0: the ring is right), or which daemon does not answer.
ring_wrong() {
	local name
	for name in "$@"; do
		ctl "$name" --json ring >"$T/ring.$name" 2>&1 ||
		    { echo "$name does not answer"; return; }
	done
	for name in "$@"; do cat "$T/ring.$name"; done | jq -rs '
	    (map(.self) | sort) as $ids | ($ids | length) as $n |
	    ($ids | to_entries | map({(.value): .key}) | add) as $pos |
	    [ .[] | select(.state != "joined" or
		.successors[0] != $ids[($pos[.self] + 1) % $n] or
		.predecessors[0] != $ids[($pos[.self] + $n - 1) % $n]) ] |
	    length'
}

# ring_ok NAME...: the ring of NAME... is right (for wait_for).
ring_ok() {
	[ "$(ring_wrong "$@")" = 0 ]
}

# node_id NAME: the daemon's Node-ID.
node_id() {
	ctl "$1" --json status | jq -r .node_id
}

# resource_id NAME: the Resource-ID of a name (RFC 6940 §10.2: SHA-1,
# the first 128 bits).
resource_id() {
	printf %s "$1" | sha1sum | cut -c1-32
}

# owner RESOURCE-ID NODE-ID...: the node responsible for the id, the
# first at or after it clockwise (Chord, RFC 6940 §10.3).
owner() {
	local r=$1
	shift
	printf '%s\n' "$@" | sort | awk -v r="$r" \
	    'NR == 1 { first = $0 } $0 >= r && !found { print; found = 1 }
	    END { if (!found) print first }'
}

# The overlay's name, the domain of its AORs (the default config's).
DOM=p2psipd.localhost

# ua_state NAME STATE: the first call of NAME's UA is in STATE.
ua_state() {
	ctl "$1" --json calls | jq -e --arg s "$2" '.calls[0].state == $s'
}

# tone_call A B REC: A's UA calls bob (B's UA) with a 3 s tone of 440 Hz
# for 4 s; bob's UA rings and is answered, recording into REC; waits
# until both sides have ended.
tone_call() {
	"$BUILD/tone" gen "$T/tone.wav" 440 3 || fail "no tone"
	run 0 ctl "$1" --json call bob --play "$T/tone.wav" --duration 4
	wait_for 10 ua_state "$2" incoming || fail "bob's UA does not ring"
	run 0 ctl "$2" answer --record "$3"
	wait_for 15 ua_state "$1" ended || fail "the call did not end"
	wait_for 10 ua_state "$2" ended || fail "bob's side did not end"
}

# heard FILE HZ WHO: the strongest frequency in the recording FILE is
# HZ, with half the power at least (tests/tools/tone); says so.
heard() {
	local got
	got=$("$BUILD/tone" find "$1") || fail "$3's recording: $got"
	set -- $got "$2" "$3"
	[ "$1" = "$3" ] && awk -v s="$2" 'BEGIN { exit !(s >= 0.5) }' ||
	    fail "$4 heard $1 Hz (share $2), not the $3 Hz tone"
	echo "  $4 heard $1 Hz, $2 of the power"
}

# capture_udp FILTER: tshark on lo, what FILTER passes into $T/rtp.pcap
# for 35 s at most, in the background ($CAP); capture_end stops it.
capture_udp() {
	timeout 40 tshark -i lo -n -q -f "$1" -a duration:35 \
	    -w "$T/rtp.pcap" >"$T/tshark.out" 2>&1 &
	CAP=$!
	EXTRA_PIDS+=($CAP)
	wait_for 10 grep -q "Capturing on" "$T/tshark.out" || fail "no capture"
	sleep 0.5	# dumpcap has its filter on shortly after it says so
}
capture_end() {
	sleep 1
	kill -INT "$CAP" 2>/dev/null	# tshark stops dumpcap, which flushes
	wait_exit "$CAP" 10
}

# phone NAME DAEMON SIPPORT RTPLO HZ [tls]: a baresip softphone in
# $T/NAME.phone, registered as NAME@$DOM through DAEMON (over TLS on its
# tls_listen with tls), playing a tone of HZ, recording what it hears
# into $T/NAME.phone/rec, controlled on SIPPORT+5 (phone_ctrl); it
# answers calls at once.  PHONE_MEDIAENC=dtls_srtp (or srtp) has it
# encrypt its media.  PHONE_SIPNAT=outbound has it register with RFC
# 5626 outbound (baresip's sipnat=outbound, which needs its uuid module:
# a +sip.instance kept in $T/NAME.phone/uuid, reg-id=1, STUN keepalives
# on its flow).  PHONE_CHAT=URI makes URI its current contact, so that
# `phone_ctrl PORT message TEXT` sends URI a MESSAGE (baresip's contact
# module), and gives it the stdio UI, which prints a MESSAGE it receives
# in its log as `FROM: "TEXT"` (its stdin then a FIFO nobody writes).
# Its process is PHONE_PID; started again in the same dir, it keeps its
# uuid.
phone() {
	local name=$1 node=$2 sp=$3 rtp=$4 hz=$5 dir=$T/$1.phone
	local proxy="sip:127.0.0.1:$(sip_port "$2")" enc= nat= in=/dev/null
	[ "${6:-}" = tls ] &&
	    proxy="sip:127.0.0.1:$(sips_port "$2");transport=tls"
	[ -n "${PHONE_MEDIAENC:-}" ] && enc=";mediaenc=$PHONE_MEDIAENC"
	[ -n "${PHONE_SIPNAT:-}" ] && nat=";sipnat=$PHONE_SIPNAT"
	[ -n "${PHONE_MEDIANAT:-}" ] && enc="$enc;medianat=$PHONE_MEDIANAT"
	mkdir -p "$dir/rec"
	"$BUILD/tone" gen "$dir/tone.wav" "$hz" 60 || fail "no tone for $name"
	cat >"$dir/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:$sp
net_interface		127.0.0.1
dns_server		127.0.0.1:9
call_local_timeout	60
audio_player		aubridge,none
audio_alert		aubridge,none
audio_source		aufile,$dir/tone.wav
rtp_ports		$rtp-$((rtp + 9))
rtp_stats		yes
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module			srtp.so
module			dtls_srtp.so
rtcp_mux		yes
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$((sp + 5))
snd_path		$dir/rec
CFG
	# modules load in the order module, module_tmp, module_app: uuid
	# before account
	[ -n "$nat" ] && echo "module			uuid.so" >>"$dir/config"
	[ "${PHONE_MEDIANAT:-}" = ice ] &&
	    echo "module			ice.so" >>"$dir/config"
	echo "<sip:$name@$DOM>;outbound=\"$proxy\";regint=300;answermode=auto;audio_codecs=pcmu$enc$nat" \
	    >"$dir/accounts"
	: >"$dir/contacts"
	if [ -n "${PHONE_CHAT:-}" ]; then
		echo "<$PHONE_CHAT>" >"$dir/contacts"
		rm -f "$dir/current_contact"
		printf 'module\t\t\tstdio.so\nmodule_app\t\tcontact.so\n' \
		    >>"$dir/config"
		in=$dir/in
		[ -p "$in" ] || mkfifo "$in"
	fi
	(cd "$dir" && exec baresip -f "$dir" -v) <>"$in" \
	    >"$dir/log" 2>&1 &
	PHONE_PID=$!
	EXTRA_PIDS+=($!)
}

# phone_ctrl PORT COMMAND [PARAMS]: one ctrl_tcp command (netstring
# JSON) to a phone.
phone_ctrl() {
	local j
	j=$(jq -cn --arg c "$2" --arg p "${3:-}" \
	    '{command: $c, params: $p, token: "t"}')
	printf '%d:%s,' "${#j}" "$j" |
	    timeout 5 socat -t 1 - "TCP:127.0.0.1:$1" 2>/dev/null
}

# linphone NAME DAEMON SIPPORT RTPPORT: a linphonec softphone in
# $T/NAME.linphone (its HOME and rc file), registered as NAME@$DOM at
# DAEMON.  The account is what a user enters: identity, the daemon as
# proxy and as outbound proxy (Linphone's route: without one it looks
# the overlay's domain up in DNS); the rest is Linphone's defaults (a
# +sip.instance in its Contact, CRLF keepalives on UDP) and what running
# headless on loopback needs (TESTING.md).  SIPPORT takes UDP and TCP
# (TCP would else be 5060), RTPPORT and the next one its audio; the
# account is the default one (else chat goes out from
# sip:linphone@unknown-host, without the route).  Sound comes from and goes to WAV
# files (`play FILE`, `record FILE`, set before a call).  Commands go
# to its console (linphone_cmd), its console output to
# $T/NAME.linphone/out (linphone_wait); linphone_stop quits it.
declare -A LINPHONE_PID=()
linphone() {
	local name=$1 sp=$3 rtp=$4 dir=$T/$1.linphone
	local proxy="sip:127.0.0.1:$(sip_port "$2")"
	mkdir -p "$dir/.local/share/linphone"
	# it rewrites its rc on exit: a fresh one every start
	cat >"$dir/rc" <<RC
[sip]
bind_address=127.0.0.1
guess_hostname=0
use_ipv6=0
ipv6_migration_done=1
sip_port=$sp
sip_tcp_port=$sp
default_proxy=0

[rtp]
bind_address=127.0.0.1
audio_rtp_port=$rtp

[video]
enabled=0

[proxy_0]
reg_identity=sip:$name@$DOM
reg_proxy=<$proxy>
reg_route=<$proxy;lr>
reg_sendregister=1
RC
	[ -p "$dir/in" ] || mkfifo "$dir/in"
	: >"$dir/out"
	HOME=$dir XDG_RUNTIME_DIR=$dir linphonec -c "$dir/rc" -d 0 \
	    <>"$dir/in" >>"$dir/out" 2>>"$dir/err" &
	LINPHONE_PID[$name]=$!
	EXTRA_PIDS+=($!)
	linphone_cmd "$name" "soundcard use files"
	linphone_wait "$name" 10 "Using wav files" ||
	    fail "$name's linphonec: $(tail -c 400 "$dir/out") $(tail -3 "$dir/err")"
}

# linphone_cmd NAME COMMAND: one console command to linphonec NAME.
linphone_cmd() {
	alive "${LINPHONE_PID[$1]}" || fail "$1's linphonec is gone:" \
	    "$(tail -3 "$T/$1.linphone/err")"
	timeout 5 bash -c 'printf "%s\n" "$1" >"$2"' _ "$2" \
	    "$T/$1.linphone/in" || fail "$1's linphonec takes no command"
}

# linphone_wait NAME SECONDS ERE [N]: wait until linphonec NAME has
# printed N lines (1 if not given) matching ERE.
linphone_wait() {
	wait_for "$2" bash -c '[ "$(grep -a -c -E -- "$1" "$2")" -ge "$3" ]' \
	    _ "$3" "$T/$1.linphone/out" "${4:-1}"
}

# linphone_stop NAME: quit linphonec NAME, expect a clean exit (status
# 0) within 10 s.
linphone_stop() {
	linphone_cmd "$1" quit
	wait_exit "${LINPHONE_PID[$1]}" 10
	unset "LINPHONE_PID[$1]"
	[ "$EXIT_RC" -eq 0 ] || fail "$1's linphonec exited with $EXIT_RC:" \
	    "$(tail -3 "$T/$1.linphone/err")"
}

# ---- the NAT lab (scripts/netns-lab.sh) ----

# lab ARGS...: scripts/netns-lab.sh ARGS for this test's lab ($LAB, its
# state in $T/lab).
lab() {
	LAB=$LAB LAB_DIR=$T/lab bash "$LABSH" "$@"
}

# lab_up [UP ARGS...]: a NAT lab of this test's own (`netns-lab.sh up
# ARGS`: namespaces $LAB-wan, -relay, -pub, -nata, -a, -natb, -b and
# coturn unless --no-turn), torn down on exit (lab_down does it
# earlier).  Skips the test (77) without root or the lab's tools.
lab_up() {
	local c need="ip nft conntrack"
	[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
	case " $* " in
	*" --no-turn "*) ;;
	*) need="$need turnserver" ;;
	esac
	for c in $need; do
		command -v "$c" >/dev/null || { echo "skip: no $c"; exit 77; }
	done
	LABSH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." &&
	    pwd)/scripts/netns-lab.sh
	LAB=p2l$$
	CLEANUP+=("lab down >/dev/null 2>&1")
	lab up "$@" >"$T/lab.up" 2>&1 ||
	    fail "netns-lab.sh up: $(tail -n 5 "$T/lab.up")"
}

lab_down() {
	lab down
}

# is_client NAME: daemon NAME is a RELOAD client (its status in
# $T/st.NAME).
is_client() {
	ctl "$1" --json status >"$T/st.$1" 2>&1 &&
	    [ "$(jq -r .state "$T/st.$1")" = client ]
}

# published AT AOR NODE: daemon AT finds AOR's binding by destination
# list ending at daemon NODE (the answer in $T/l).
published() {
	ctl "$1" --json lookup "$2" >"$T/l" 2>&1 &&
	    jq -e --arg n "$(node_id "$3")" \
	    '.bindings[] | select(.destination_list[-1] == $n)' "$T/l" \
	    >/dev/null
}

# lab_peers: the lab's public peers p (203.0.113.20, a STUN server, the
# coturn relay advertised) and q (203.0.113.21), in a ring; BOOT names
# them for the others.
lab_peers() {
	ip -n "$LAB-pub" addr add 203.0.113.21/24 dev eth0 ||
	    fail "cannot add 203.0.113.21"
	BOOT="overlay.bootstrap=203.0.113.20:$(port p),203.0.113.21:$(port q)"
	NODE_NS=$LAB-pub start_node p \
	    -o "overlay.listen=203.0.113.20:$(port p)" \
	    -o nat.stun_listen=203.0.113.20 -o nat.relay=203.0.113.10:3478 \
	    -o "sip.listen=203.0.113.20:$(sip_port p)" \
	    -o "sip.tls_listen=203.0.113.20:$(sips_port p)"
	NODE_NS=$LAB-pub start_node q \
	    -o "overlay.listen=203.0.113.21:$(port q)" \
	    -o nat.stun_listen=203.0.113.21 -o "$BOOT" \
	    -o "sip.listen=203.0.113.21:$(sip_port q)" \
	    -o "sip.tls_listen=203.0.113.21:$(sips_port q)"
	wait_for 30 ring_ok p q || fail "p q: $(ring_wrong p q) wrong"
}

# natted NAME SITE-IP AOR [ARGS...]: a daemon on a lab site behind its
# NAT, bootstrapping from lab_peers, with NAME's UA (answering at once,
# ICE on, RTP on 40000 + 100 ports).
natted() {
	local name=$1 ip=$2 aor=$3
	shift 3
	NODE_NS=$LAB-$name start_node "$name" \
	    -o "overlay.listen=$ip:$(port "$name")" -o nat.stun_listen=off \
	    -o "sip.listen=$ip:$(sip_port "$name")" \
	    -o "sip.tls_listen=$ip:$(sips_port "$name")" \
	    -o "$BOOT" -o "ua.aor=$aor" -o ua.answer=auto -o media.ice=yes \
	    -o media.rtp_ports=40000-40099 "$@"
}

# lab_clients: a (alice's UA) behind NAT A and b (bob's) behind NAT B,
# RELOAD clients with their SIP through their gateways, and bob's binding
# found from a.
lab_clients() {
	natted a 10.1.0.2 alice
	natted b 10.2.0.2 bob
	wait_for 30 is_client a || fail "a: $(cat "$T/st.a")"
	wait_for 30 is_client b || fail "b: $(cat "$T/st.b")"
	wait_for 20 grep -q "SIP through our gateway" "$T/a/log" ||
	    fail "a has no SIP through its gateway: $(tail -5 "$T/a/log")"
	wait_for 20 grep -q "SIP through our gateway" "$T/b/log" ||
	    fail "b has no SIP through its gateway: $(tail -5 "$T/b/log")"
	wait_for 20 published a bob b || fail "bob's binding: $(cat "$T/l")"
}

# lab_phone_ctrl SITE COMMAND [PARAMS]: a ctrl_tcp command to the
# lab_phone (with ctrl) of SITE; its answer on stdout.
lab_phone_ctrl() {
	local j
	j=$(jq -cn --arg c "$2" --arg p "${3:-}" \
	    '{command: $c, params: $p, token: "t"}')
	printf '%d:%s,' "${#j}" "$j" | timeout 5 ip netns exec "$LAB-$1" \
	    socat -t 1 - TCP:127.0.0.1:5075 2>/dev/null
}

# lab_phone NAME SITE PROXY HZ [pass=P] [tcp] [sipnat=S] [ice=STUN]
# [ctrl]: a baresip of user NAME on the lab host of SITE (a or b), the
# way users leave it: SIP on port 5070 of the host's address, RTP
# 5080-5089, registering as NAME@$DOM through PROXY (sip:IP:PORT) with
# password P, over TCP with tcp, with sipnat=S (outbound: RFC 5626, which
# adds +sip.instance); ice=STUN: baresip's ice module with that STUN
# server (IP:PORT); ctrl: ctrl_tcp on 127.0.0.1:5075 of the site.  It
# plays a tone of HZ, records into $T/NAME.phone/rec, answers at once.
# Its process is PHONE_PID.
lab_phone() {
	local name=$1 site=$2 proxy=$3 hz=$4 dir=$T/$1.phone ip o
	local acc= mods=
	shift 4
	case $site in a) ip=10.1.0.2 ;; b) ip=10.2.0.2 ;; esac
	for o in "$@"; do
		case $o in
		pass=*) acc="$acc;auth_pass=${o#pass=}" ;;
		tcp) proxy="$proxy;transport=tcp" ;;
		sipnat=*) acc="$acc;sipnat=${o#sipnat=}"
		    mods="${mods}module			uuid.so
" ;;
		ice=*) acc="$acc;medianat=ice;stunserver=stun:${o#ice=}"
		    mods="${mods}module			ice.so
" ;;
		ctrl) mods="${mods}module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:5075
" ;;
		*) fail "lab_phone: $o?" ;;
		esac
	done
	mkdir -p "$dir/rec"
	[ -e "$dir/tone.wav" ] || "$BUILD/tone" gen "$dir/tone.wav" "$hz" 60 ||
	    fail "no tone for $name"
	# modules load in the order module, module_tmp, module_app: uuid
	# before account
	cat >"$dir/config" <<CFG
poll_method		epoll
sip_listen		$ip:5070
net_interface		$ip
dns_server		127.0.0.1:9
call_local_timeout	60
audio_player		aubridge,none
audio_alert		aubridge,none
audio_source		aufile,$dir/tone.wav
rtp_ports		5080-5089
rtcp_mux		yes
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
${mods}module_tmp		account.so
module_app		menu.so
snd_path		$dir/rec
CFG
	echo "<sip:$name@$DOM>;outbound=\"$proxy\";regint=300;answermode=auto;audio_codecs=pcmu$acc" \
	    >"$dir/accounts"
	: >"$dir/contacts"
	(cd "$dir" && exec ip netns exec "$LAB-$site" baresip -f "$dir" -v) \
	    </dev/null >"$dir/log" 2>&1 &
	PHONE_PID=$!
	EXTRA_PIDS+=($!)
}

# sip_udp NAME MESSAGE: send MESSAGE (with \r\n escapes) over UDP from
# 127.0.0.1 to daemon NAME's SIP port (in $NODE_NS if set); print the
# answer's status line, or "(nothing)" after 3 s.
sip_udp() {
	${NODE_NS:+ip netns exec "$NODE_NS"} python3 - "$(sip_port "$1")" \
	    "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.bind(("127.0.0.1", 0))
s.sendto(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"),
    ("127.0.0.1", int(sys.argv[1])))
try:
    print(s.recv(65535).decode("latin-1").split("\r\n")[0])
except socket.timeout:
    print("(nothing)")
PY
}

# sipp_register USER NODE PORT: a sipp phone at 127.0.0.1:PORT (and
# PORT+1 for its control) registers USER@p2psipd.localhost at daemon
# NODE over UDP (tests/system/sipp/register.xml, one REGISTER).
sipp_register() {
	printf 'SEQUENTIAL\n%s;p2psipd.localhost\n' "$1" >"$T/$1.csv"
	timeout 30 sipp "127.0.0.1:$(sip_port "$2")" \
	    -sf "$(dirname "${BASH_SOURCE[0]}")/sipp/register.xml" \
	    -inf "$T/$1.csv" -i 127.0.0.1 -p "$3" -cp $(($3 + 1)) -nostdin \
	    -m 1 -timeout 20 -timeout_error -default_behaviors all,-bye \
	    >"$T/reg.$1.out" 2>&1 ||
	    fail "$1 did not register: $(tail -3 "$T/reg.$1.out")"
}

# sip_pair: daemons a and b in one ring, for calls from a to a phone at
# b: SIPA is a's SIP address, UAS and UAC ports for the called and the
# calling sipp (each with the next port for its control).
sip_pair() {
	start_node a
	start_node b -o "overlay.bootstrap=127.0.0.1:$(port a)"
	wait_for 30 ring_ok a b || fail "ring: $(ring_wrong a b) wrong"
	SIPA=127.0.0.1:$(sip_port a)
	UAS=$(($(sip_port a) + 200))
	UAC=$(($(sip_port a) + 210))
}
