#!/bin/bash
# scripts/sim/restart.sh [N...]
#
# The simulator's restart scenario (issue 25): N nodes (default 1000 and
# 10000) all start within 10 s, each bootstrapping through the one
# before it in a random chain, as after a restart of every host; several
# rings form at first and must become one.  For each N: how long until
# the ring is one and correct, the lookups (1,000, answered by the
# responsible node, hops), the real time and the memory ovsim took.
# `make test` runs the same at 1,000 nodes (check_sim chain_start_merges).
# Environment: BUILD (default build/), SEED (default 1), SPREAD_MS
# (default 10000).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[ -x "$BUILD/ovsim" ] || { echo "build first: make" >&2; exit 1; }
[ $# -gt 0 ] || set -- 1000 10000
for n in "$@"; do
	case $n in ''|*[!0-9]*) echo "usage: restart.sh [N...]" >&2; exit 2 ;; esac
	echo "== $n nodes started within ${SPREAD_MS:-10000} ms through a chain (seed ${SEED:-1})"
	/usr/bin/time -f "ovsim: %e s real, max RSS %M kB" \
	    timeout 3600 "$BUILD/ovsim" -n "$n" -S "${SPREAD_MS:-10000}" \
	    -s "${SEED:-1}" -i 1 -l 1000 2>&1 | grep -v '^idle:'
done
