#!/bin/bash
# scripts/sim/churn.sh [N...]
#
# The simulator's churn scenario (issue 23): N nodes (default 10000 and
# 100000) join, one every JOIN_MS (virtual), through two random live
# nodes; once the ring is correct and every node has registered its AOR,
# the overlay churns for MINUTES: each node's session ends at a time drawn
# from a Pareto distribution of mean MEAN_S (the Chord paper's highest
# failure rate, 0.4 a second in 500 nodes, is a mean of 1,250 s), when it
# fails without a word and a new node joins in its place.  Meanwhile
# LOOKUPS routed lookups and as many AOR lookups a minute go from random
# peers.  For each N it keeps the run's output, a CSV row a minute and a
# plot (PNG: lookup success and hops, traffic a node) in OUT.
# Environment: BUILD (default build/), OUT (default build/sim), SEED
# (default 1), MINUTES (30), MEAN_S (1250), SHAPE (2), LOOKUPS (1000),
# JOIN_MS (10 below 50,000 nodes, else 2), DENSITY (finger slots an
# octave, [overlay] finger_density: 1), MAX_LINKS ([overlay] max_links:
# 128; a density of 8 wants 256).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$BUILD/sim}
[ -x "$BUILD/ovsim" ] || { echo "build first: make" >&2; exit 1; }
command -v gnuplot >/dev/null || echo "gnuplot not found: no plots" >&2
[ $# -gt 0 ] || set -- 10000 100000
mkdir -p "$OUT"
# Transparent huge pages for malloc's heap (glibc 2.35 and later; ignored
# before): the nodes' gigabytes are read all over, and 2 MB pages cut
# the TLB misses (10,000 nodes, farm-bench A/B wall 0.85, 2026-12-07).
export GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1

plot() {	# CSV PNG TITLE
	gnuplot <<EOF
set datafile separator ","
set terminal png size 1000,900
set output "$2"
set multiplot layout 3,1 title "$3"
set key outside right
set xlabel "minute"
set ylabel "lookups answered right (%)"
set y2label "hops"
set y2tics
set ytics nomirror
set yrange [99:100.05]
set y2range [0:*]
plot "$1" using 1:(\$9*100) with linespoints title "success", \
     "" using 1:10 axes x1y2 with lines title "hops, mean", \
     "" using 1:11 axes x1y2 with lines title "hops, p99"
set ylabel "messages a node a minute"
set y2label "bytes a node a minute"
set yrange [0:*]
plot "$1" using 1:17 with linespoints title "messages", \
     "" using 1:18 axes x1y2 with lines title "bytes"
set ylabel "failures (= joins) a minute"
set y2label "AOR lookups not found"
plot "$1" using 1:4 with boxes title "failures", \
     "" using 1:(\$14+\$15) axes x1y2 with linespoints title "AORs lost or failed"
unset multiplot
EOF
}

for n in "$@"; do
	case $n in ''|*[!0-9]*) echo "usage: churn.sh [N...]" >&2; exit 2 ;; esac
	join=${JOIN_MS:-$([ "$n" -lt 50000 ] && echo 10 || echo 2)}
	base="$OUT/churn-$n"
	[ "${DENSITY:-1}" = 1 ] || base="$base-d${DENSITY}"
	echo "== $n nodes, churn ${MINUTES:-30} minutes, mean session ${MEAN_S:-1250} s (seed ${SEED:-1}, density ${DENSITY:-1})"
	/usr/bin/time -f "ovsim: %e s real, max RSS %M kB" \
	    timeout 7200 "$BUILD/ovsim" -n "$n" -j "$join" -i 1 \
	    -l "${LOOKUPS:-1000}" -s "${SEED:-1}" -c "${MEAN_S:-1250}" \
	    -A "${SHAPE:-2}" -m "${MINUTES:-30}" -d "${DENSITY:-1}" \
	    -M "${MAX_LINKS:-128}" \
	    -o "$base.csv" 2>&1 |
	    tee "$base.txt"
	if command -v gnuplot >/dev/null && [ -s "$base.csv" ]; then
		plot "$base.csv" "$base.png" "ovsim: $n nodes, churn (Pareto sessions, mean ${MEAN_S:-1250} s)" &&
		    echo "plot: $base.png"
	fi
	echo "csv: $base.csv"
done
