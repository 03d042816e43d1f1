#!/bin/sh
# tests/run.sh BUILD WHAT [FUZZ_SECONDS]
#
# Runs test groups against the binaries in BUILD and prints one summary
# line.  WHAT is "all" or a comma-separated list of unit, fuzz, system.
# Logs of every run go to BUILD/test-logs/; a failure prints the tail of
# its log.  Exits non-zero if anything failed.
set -u

BUILD=$(cd "$1" && pwd)
WHAT=$2
FUZZ_SECONDS=${3:-10}
[ "$WHAT" = all ] && WHAT=unit,fuzz,system
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
export BUILD

failed=0
summary=""

add() {
	summary="${summary:+$summary; }$1"
}

show_tail() {
	echo "---- last lines of $1 ----"
	tail -n 40 "$1"
	echo "----"
}

run_unit() {
	suites=0 checks=0 bad=0
	mkdir -p "$LOGS/unit"
	for t in "$BUILD"/tests/check_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log=$LOGS/unit/$name.log
		suites=$((suites + 1))
		if "$t" >"$log" 2>&1; then
			n=$(sed -n 's/.*Checks: \([0-9]*\),.*/\1/p' "$log")
			checks=$((checks + ${n:-0}))
			echo "ok   unit $name (${n:-?} checks)"
		else
			bad=$((bad + 1))
			echo "FAIL unit $name"
			show_tail "$log"
		fi
	done
	failed=$((failed + bad))
	add "unit: $checks checks in $((suites - bad))/$suites suites passed"
}

# One fuzz target for FUZZ_SECONDS; its exit status into LOG.rc.
fuzz_one() {	# TARGET LOG
	name=$(basename "$1")
	work=$BUILD/fuzz/corpus/$name
	mkdir -p "$work" "$BUILD/fuzz/crashes"
	"$1" "$work" "tests/fuzz/corpus/$name" -dict="tests/fuzz/$name.dict" \
	    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$BUILD/fuzz/crashes/$name-" >"$2" 2>&1
	echo $? >"$2.rc"
}

# The targets run one a core at a time (each is single-threaded), then
# are reported in order.
run_fuzz() {
	n=0 bad=0 cores=$(nproc 2>/dev/null || echo 1)
	mkdir -p "$LOGS/fuzz"
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=$((n + 1))
		fuzz_one "$f" "$LOGS/fuzz/$(basename "$f").log" &
		[ $((n % cores)) -ne 0 ] || wait
	done
	wait
	n=0
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		log=$LOGS/fuzz/$name.log
		n=$((n + 1))
		if [ "$(cat "$log.rc" 2>/dev/null)" = 0 ]; then
			runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
			echo "ok   fuzz $name (${runs:-?} runs, ${FUZZ_SECONDS}s)"
		else
			bad=$((bad + 1))
			echo "FAIL fuzz $name (input kept in $BUILD/fuzz/crashes)"
			show_tail "$log"
		fi
	done
	failed=$((failed + bad))
	add "fuzz: $((n - bad))/$n targets clean for ${FUZZ_SECONDS}s each"
}

# A system test exits 0 (pass), 77 (skipped: says why), or else (fail).
run_system() {
	n=0 bad=0 skipped=0
	mkdir -p "$LOGS/system"
	for t in tests/system/t_*.sh; do
		name=$(basename "$t" .sh)
		log=$LOGS/system/$name.log
		n=$((n + 1))
		start=$(date +%s)
		timeout 300 bash "$t" >"$log" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "ok   system $name ($(( $(date +%s) - start ))s)"
		elif [ "$rc" -eq 77 ]; then
			skipped=$((skipped + 1))
			echo "skip system $name ($(tail -n 1 "$log"))"
		else
			bad=$((bad + 1))
			echo "FAIL system $name"
			show_tail "$log"
		fi
	done
	failed=$((failed + bad))
	add "system: $((n - bad - skipped))/$n passed"
	[ "$skipped" -eq 0 ] || add "$skipped skipped"
}

IFS=,
for w in $WHAT; do
	unset IFS
	case $w in
	unit)	run_unit ;;
	fuzz)	run_fuzz ;;
	system)	run_system ;;
	*)	echo "run.sh: unknown group $w" >&2; exit 2 ;;
	esac
done

if [ "$failed" -eq 0 ]; then
	echo "== PASS: $summary"
else
	echo "== FAIL ($failed failed): $summary (logs: $LOGS)"
	exit 1
fi
