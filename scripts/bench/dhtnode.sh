#!/bin/bash
# scripts/bench/dhtnode.sh [N] [LOOKUPS] [IDLE_SECONDS]
#
# The baseline beside scripts/bench/overlay.sh: N OpenDHT dhtnodes
# (default 50; Debian's dhtnode) on loopback, all bootstrapping through
# the first, and prints what overlay.sh prints of p2psipd:
#   - lookup latency (median, p99): LOOKUPS (default 200) gets of random
#     keys that hold no value, one at a time, from an interactive dhtnode
#     (the last), each as it reports it ("Get: completed, took ...": the
#     search has reached the nodes closest to the key);
#   - idle CPU a node: the cores the N nodes used over IDLE_SECONDS
#     (default 60), after 30 s to settle, with nothing asked of them;
#   - memory a node: VmRSS, PSS and private (anonymous).
# LOOKUPS or IDLE_SECONDS 0: that part is skipped (memfloor.sh wants
# only the memory).  Every process it starts is stopped at exit.
set -u
N=${1:-50}
LOOKUPS=${2:-200}
IDLE=${3:-60}
command -v dhtnode >/dev/null ||
    { echo "dhtnode: not installed (apt-get install dhtnode)" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"

echo "dhtnode benchmark: N=$N OpenDHT nodes on loopback, $(nproc) cores"
DBASE=$(( 40000 + ($$ % 200) * 100 ))
for i in $(seq $((N - 1))); do
	if [ "$i" = 1 ]; then
		dhtnode -s -n 7 -p "$DBASE" >/dev/null 2>&1 &
	else
		dhtnode -s -n 7 -p $((DBASE + i - 1)) -b "127.0.0.1:$DBASE" \
		    >/dev/null 2>&1 &
	fi
	STOPS+=($!)
done
# the last, driven through its stdin
coproc DHT { exec dhtnode -n 7 -p $((DBASE + N - 1)) -b "127.0.0.1:$DBASE" 2>&1; }
STOPS+=("$DHT_PID")
sleep 30

# Idle CPU: what the N nodes use with nothing asked of them.
if [ "$IDLE" -gt 0 ]; then
	set -- $(cpu_over "$IDLE" "${STOPS[@]}")
	printf 'idle CPU: %.3f%% of a core a node (over %.0f s)\n' \
	    "$(calc "${@: -2:1} / $N * 100")" "${@: -1}"
fi

# Lookups, one at a time.
: >"$W/dht.lat"
for k in $(seq "$LOOKUPS"); do
	printf 'g bench-%d-%d\n' "$$" "$k" >&"${DHT[1]}"
	while read -r -t 10 line <&"${DHT[0]}"; do
		case $line in
		*"Get: completed, took "*)
			t=${line##*took }
			t=${t%% (*}
			case $t in
			*" us") calc "${t% us} / 1000" ;;
			*" ms") echo "${t% ms}" ;;
			*" s") calc "${t% s} * 1000" ;;
			esac >>"$W/dht.lat"
			break ;;
		esac
	done
done
set -- $(percentiles <"$W/dht.lat")
[ "$LOOKUPS" -eq 0 ] ||
    printf 'lookup latency: median %s ms, p99 %s ms (%s of %d lookups completed)\n' \
    "$1" "$2" "$3" "$LOOKUPS"

rss=0 pss=0 anon=0
for p in "${STOPS[@]}"; do
	rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
	anon=$((anon + $(awk '/^RssAnon:/ { print $2 }' "/proc/$p/status")))
	pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")))
done
printf 'memory a node: VmRSS %.1f MB, PSS %.1f MB, private %.1f MB\n' \
    "$(calc "$rss / $N / 1024")" "$(calc "$pss / $N / 1024")" \
    "$(calc "$anon / $N / 1024")"
printf 'x\n' >&"${DHT[1]}"
