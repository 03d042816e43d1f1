# scripts/bench/lib.sh - what the benchmarks share: N daemons on
# loopback in a work directory that goes away at exit, and a check that
# their ring is correct.  Source it after setting N.
# Environment: BUILD, P2PSIPD_ARGS (more daemon options), KEEP=1 (keep
# the daemons' logs).

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
D=$BUILD/p2psipd
C=$BUILD/p2psipctl
[ -x "$D" ] && [ -x "$C" ] || { echo "build first: make" >&2; exit 1; }
# The work directory: a template mktemp fills in.
W=$(mktemp -d "${TMPDIR:-/tmp}/p2psipd-bench.XXXXXX")
# Ports below the ephemeral range (32768-), where outgoing connections
# would take them.
SPAN=$(( N < 100 ? 100 : (N + 99) / 100 * 100 ))
BASE=$(( 10000 + ($$ % (20000 / SPAN)) * SPAN ))
PIDS=()
# What a benchmark starts besides the daemons: sipps (SIPPS), processes
# stopped with SIGTERM and waited for (STOPS), Kamailio (KPID, stopped
# by its pidfile, and its workers KWORKERS waited for).
SIPPS=() STOPS=() KPID= KWORKERS=

# stop PID [PID...]: SIGTERM to the first, all waited for; what is left
# after 5 s killed outright.
stop() {
	local p i
	kill "$1" 2>/dev/null
	for i in $(seq 50); do
		for p in "$@"; do kill -0 "$p" 2>/dev/null && break; done
		kill -0 "$p" 2>/dev/null || return 0	# none left
		sleep 0.1
	done
	kill -9 "$@" 2>/dev/null
}

cleanup() {
	local p
	trap '' INT TERM
	[ ${#SIPPS[@]} -eq 0 ] || { kill -9 "${SIPPS[@]}"; wait "${SIPPS[@]}"; } \
	    2>/dev/null
	for p in "${STOPS[@]}"; do stop "$p"; done
	if [ -n "$KPID" ]; then
		p=$(cat "$W/kam/pid" 2>/dev/null)
		stop ${p:-$KPID} $KPID $KWORKERS \
		    $(ps -o pid= --ppid "$KPID" 2>/dev/null)
	fi
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "logs kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
calc() { awk "BEGIN { print $1 }"; }
# await SECONDS CMD...: until CMD succeeds, SECONDS at most (1: it did not)
await() {
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
# span_ms LOG SKIP FROM TO: for each UA call in LOG (past its first SKIP
# lines), the ms from its first line matching the awk regex FROM ("ua:
# call N..." lines) to its first matching TO, one a line.
span_ms() {
	awk -v skip="$2" -v from="$3" -v to="$4" '
	NR <= skip { next }
	function ms(ts,   t) {
		split(substr(ts, 12, 12), t, ":")
		return (t[1] * 3600 + t[2] * 60 + t[3]) * 1000
	}
	$0 ~ from { split($5, a, ":"); if (!(a[1] in s)) s[a[1]] = ms($1) }
	$0 ~ to { split($5, a, ":");
	    if (a[1] in s) { printf "%.1f\n", ms($1) - s[a[1]]; delete s[a[1]] } }
	' "$1"
}
# setup_ms LOG [SKIP]: the UA's call setup times in LOG (ms from placing
# a call, "ua: call N: X calls Y", to its media session, "ua: call N:
# media ..."), one a line, past its first SKIP lines.
setup_ms() {
	span_ms "$1" "${2:-0}" "ua: call [0-9]+: .* calls " \
	    "ua: call [0-9]+: media "
}

# stats: median, p90, min and max of the numbers (ms) on stdin.
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "no calls"; exit }
		p = int(NR * 0.9 + 0.5)
		if (p < 1) p = 1
		printf "median %.1f ms, p90 %.1f ms, min %.1f, max %.1f (%d calls)\n",
		    v[int((NR + 1) / 2)], v[p], v[1], v[NR], NR }'
}

# cpu_over SECONDS PID...: sleep SECONDS and print the cores each PID
# used meanwhile (user + system, from /proc), their sum, and the seconds
# measured: "C1 C2 ... SUM SECS".
cpu_over() {
	local secs=$1 hz t0 p out= sum=0 c
	local -a c0=()
	shift
	hz=$(getconf CLK_TCK)
	t0=$(now_ms)
	for p in "$@"; do c0+=("$(awk '{ print $14 + $15 }' "/proc/$p/stat")"); done
	sleep "$secs"
	t0=$(( $(now_ms) - t0 ))
	for p in "$@"; do
		c=$(calc "($(awk '{ print $14 + $15 }' "/proc/$p/stat") - ${c0[0]}) / $hz / ($t0 / 1000)")
		c0=("${c0[@]:1}")
		out="$out $c"
		sum=$(calc "$sum + $c")
	done
	echo "${out# } $sum $(calc "$t0 / 1000")"
}
ctl() { local i=$1; shift; "$C" -s "$W/n$i/ctl.sock" "$@"; }

# start_daemon I [ARGS...]: daemon nI on its ports (overlay BASE+I-1,
# SIP, SIP over TLS and STUN a SPAN apart each), with ARGS.
start_daemon() {
	local i=$1
	shift
	mkdir -p "$W/n$i"
	"$D" -f -o "node.data_dir=$W/n$i/data" \
	    -o "node.control_socket=$W/n$i/ctl.sock" \
	    -o "overlay.listen=127.0.0.1:$((BASE + i - 1))" \
	    -o "sip.listen=127.0.0.1:$((BASE + SPAN + i - 1))" \
	    -o "sip.tls_listen=127.0.0.1:$((BASE + 2 * SPAN + i - 1))" \
	    -o "nat.stun_listen=127.0.0.1:$((BASE + 3 * SPAN + i - 1))" \
	    "$@" ${P2PSIPD_ARGS:-} 2>"$W/n$i/log" &
	PIDS+=($!)
}

# start_daemons: n1..nN, all at once, each with the first three in its
# bootstrap list.
start_daemons() {
	local i boot
	boot="127.0.0.1:$BASE,127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2))"
	for i in $(seq "$N"); do
		start_daemon "$i" -o "overlay.bootstrap=$boot" \
		    -o node.log_level=warn
	done
}

# How many nodes are not joined or have a wrong first successor or
# predecessor; with "show", which and how.
RING_JQ='(map(.self) | sort) as $ids | ($ids | length) as $n |
    ($ids | to_entries | map({(.value): .key}) | add) as $pos |
    [ .[] | select(.state != "joined" or
	.successors[0] != $ids[($pos[.self] + 1) % $n] or
	.predecessors[0] != $ids[($pos[.self] + $n - 1) % $n]) |
	"\(.self[0:8]) \(.state) pred \(.predecessors[0][0:8] // "-") (true \($ids[($pos[.self] + $n - 1) % $n][0:8])) succ \(.successors[0][0:8] // "-") (true \($ids[($pos[.self] + 1) % $n][0:8]))" ]'
ring_wrong() {
	local i
	for i in $(seq "$N"); do
		if ! "$C" -t 5 -s "$W/n$i/ctl.sock" --json ring \
		    >"$W/ring.$i" 2>&1; then
			echo "n$i does not answer: $(cat "$W/ring.$i")"
			return
		fi
	done
	if [ "${1:-}" = show ]; then
		cat "$W"/ring.* | jq -rs "$RING_JQ | .[]"
	else
		cat "$W"/ring.* | jq -rs "$RING_JQ | length"
	fi
}

# wait_ring SECONDS: until the ring is correct; exit 1 past SECONDS.
wait_ring() {
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	until [ "$(ring_wrong)" = 0 ]; do
		[ "$(now_ms)" -lt "$deadline" ] ||
		    { echo "ring: NOT correct after $1 s"; exit 1; }
		sleep 0.2
	done
}

# percentiles: numbers on stdin; prints "MEDIAN P99 COUNT" ("- - 0" for
# none).
percentiles() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - 0"; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %d\n", med, v[int(0.99 * NR + 0.999)], NR }'
}

# sipp injection files: USER;DOMAIN;HOSTPORT lines (the contact, or the
# Request-URI's host), DOMAIN the caller's $DOM.
lines() {	# PREFIX COUNT HOSTPORT
	echo SEQUENTIAL
	for i in $(seq "$2"); do echo "$1$i;$DOM;$3"; done
}

# sipp_start NAME ARGS...: a sipp in the background (its pid in SPID and
# SIPPS), its output, statistics and unexpected messages kept.
sipp_start() {
	local name=$1
	shift
	sipp "$@" -i 127.0.0.1 -mi 127.0.0.1 -nostdin -buff_size 4194304 \
	    -trace_stat -stf "$W/$name.stat" -trace_err \
	    -error_file "$W/$name.err" >"$W/$name.out" 2>&1 &
	SPID=$!
	SIPPS+=("$SPID")
}
# sipp_run NAME ARGS...: one to its end (waited for in the background,
# so that a signal is taken at once); its exit status.
sipp_run() {
	local rc p left=()
	sipp_start "$@" -timeout "$LIMIT"
	wait "$SPID"
	rc=$?
	for p in "${SIPPS[@]}"; do [ "$p" = "$SPID" ] || left+=("$p"); done
	SIPPS=("${left[@]}")
	return $rc
}
# sipp_stat NAME COLUMN: a column of sipp run NAME's last statistics
# line, by name ("FailedCall(C)"), 0 if none.
sipp_stat() {
	awk -F';' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++)
	    if ($i == c) k = i } END { print (k ? $k : 0) + 0 }' "$W/$1.stat" \
	    2>/dev/null || echo 0
}
# unexpected NAME: the status lines and methods sipp NAME did not
# expect, counted ("3 SIP/2.0 503 ..."), the first three kinds.
unexpected() {
	[ -s "$W/$1.err" ] || return 0
	grep -a -o "received '[^'"$'\r'"]*" "$W/$1.err" |
	    sed -e "s/^received '//" -e 's/^\([A-Z]*\) sip:.*/\1/' |
	    sort | uniq -c | sort -rn | head -3 | sed 's/^ */    unexpected: /'
}

# start_kamailio: Kamailio (Debian package; usrloc in memory,
# scripts/bench/kamailio.cfg) on 127.0.0.1:$KAM with KAM_CHILDREN UDP
# workers (default 2: the cores of this machine); KPID, KWORKERS set.
start_kamailio() {
	local i
	sed -e "s/CHILDREN/${KAM_CHILDREN:-2}/" -e "s/LISTEN/127.0.0.1:$KAM/" \
	    "$ROOT/scripts/bench/kamailio.cfg" >"$W/kamailio.cfg"
	mkdir -p "$W/kam"
	kamailio -f "$W/kamailio.cfg" -P "$W/kam/pid" -Y "$W/kam" -DD -E \
	    -m 1024 -M 16 >"$W/kam/log" 2>&1 &
	KPID=$!
	for i in $(seq 50); do
		grep -q "udp: 127.0.0.1" "$W/kam/log" && break
		sleep 0.1
	done
	grep -q "udp: 127.0.0.1" "$W/kam/log" ||
	    { echo "kamailio did not start: $(tail -3 "$W/kam/log")" >&2; exit 1; }
	sleep 0.5	# its workers forked
	KWORKERS=$(ps -o pid= --ppid "$KPID" | tr '\n' ' ')
}

# cpu_ns PID...: the CPU time the processes have used, ns (all their
# threads)
cpu_ns() {
	local p
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
	    awk '{ s += $1 } END { printf "%.0f\n", s }'
}
