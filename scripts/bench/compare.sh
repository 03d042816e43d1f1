#!/bin/bash
# scripts/bench/compare.sh [RUNS]
#
# p2psipd beside its baselines, RUNS times (default 3), one bench after
# the other so that none shares the cores with another:
#   - scripts/bench/sip.sh (REGS, CALLS: default 200000 20000): two
#     daemons and Kamailio, REGISTER/s, INVITE to 180 added over sipp
#     calling sipp, calls/s;
#   - scripts/bench/overlay.sh 50 and scripts/bench/dhtnode.sh 50: 50
#     daemons and 50 OpenDHT dhtnodes, lookup latency (median), memory a
#     node (PSS), idle CPU a node;
#   - scripts/bench/memory.sh (USERS, default 10000): bytes a user and a
#     stored value (one more, the second half against the first).
# Then a table: each figure's min, median and max over the runs for
# p2psipd and its baseline, and the ratio p2psipd / baseline of each run
# (both from the same run).  Every bench stops what it started.  Each
# run's output is kept in OUT (default: a new directory under TMPDIR).
# Environment: REGS, CALLS, USERS, OUT; the benches' own (BUILD...).
set -u
RUNS=${1:-3}
case $RUNS in ''|*[!0-9]*|0) echo "usage: compare.sh [RUNS]" >&2; exit 2 ;; esac
B=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/p2psipd-compare.XXXXXX")}
mkdir -p "$OUT"

# first NUMBER after the text PAT on the first line matching RE in FILE
num() {	# FILE RE PAT
	grep -m1 -E -- "$2" "$1" 2>/dev/null |
	    sed -E "s/.*$3[^0-9-]*([0-9.]+).*/\1/"
}

for r in $(seq "$RUNS"); do
	echo "== run $r of $RUNS ($(date -u +%H:%M:%S))"
	"$B/sip.sh" "${REGS:-200000}" "${CALLS:-20000}" >"$OUT/sip.$r" 2>&1
	"$B/overlay.sh" 50 1000 60 120 >"$OUT/overlay.$r" 2>&1
	"$B/dhtnode.sh" 50 1000 60 >"$OUT/dht.$r" 2>&1
	"$B/memory.sh" "${USERS:-10000}" 3 >"$OUT/memory.$r" 2>&1
	f=$OUT/fig.$r
	{
	echo "calls/s|$(num "$OUT/sip.$r" '^p2psipd +calls:' 'calls:')|$(num "$OUT/sip.$r" '^kamailio +calls:' 'calls:')|Kamailio"
	echo "INVITE to 180 added, repeat calls (ms)|$(num "$OUT/sip.$r" 'added over direct' 'repeat')|$(num "$OUT/sip.$r" 'added over direct' 'kamailio')|Kamailio"
	echo "REGISTER/s, cycling|$(num "$OUT/sip.$r" '^p2psipd +REGISTER: ' 'REGISTER:')|$(num "$OUT/sip.$r" '^kamailio +REGISTER: ' 'REGISTER:')|Kamailio"
	echo "REGISTER/s, first round|$(num "$OUT/sip.$r" '^p2psipd +REGISTER \(first' 'AORs\):')|$(num "$OUT/sip.$r" '^kamailio +REGISTER \(first' 'round\):')|Kamailio"
	echo "new AORs all in the overlay (s)|$(num "$OUT/sip.$r" 'new AORs in the overlay' 'overlay')|-|-"
	echo "lookup latency, median (ms)|$(num "$OUT/overlay.$r" '^lookup latency' 'median')|$(num "$OUT/dht.$r" '^lookup latency' 'median')|dhtnode"
	echo "PSS a node (MB)|$(num "$OUT/overlay.$r" '^memory per daemon' 'PSS')|$(num "$OUT/dht.$r" '^memory a node' 'PSS')|dhtnode"
	echo "idle CPU a node (% of a core)|$(num "$OUT/overlay.$r" '^idle CPU' 'CPU:')|$(num "$OUT/dht.$r" '^idle CPU' 'CPU:')|dhtnode"
	echo "bytes a user at the registrar|$(sed -n '/second/,$p' "$OUT/memory.$r" | grep -m1 'a user at the registrar' | sed -E 's/.*registrar: ([0-9]+).*/\1/')|-|-"
	echo "bytes a stored value|$(sed -n '/second/,$p' "$OUT/memory.$r" | grep -m1 'a stored value' | sed -E 's/.*: ([0-9]+)$/\1/')|-|-"
	} >"$f"
	cat "$f" | awk -F'|' '{ printf "  %-40s %10s  %10s %s\n", $1, $2, $3, ($3 != "-" ? "(" $4 ")" : "") }'
done

echo
echo "== $RUNS runs, $(date -u +%Y-%m-%d): min / median / max (ratio p2psipd/baseline of each run)"
printf '%-40s %-28s %-28s %s\n' figure p2psipd baseline "ratio, run by run"
# figure rows in the order of run 1; each run's values side by side
awk -F'|' -v runs="$RUNS" '
function mmm(a, n,   i, j, t, b) {
	for (i = 1; i <= n; i++) b[i] = a[i]
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (b[j] + 0 < b[i] + 0) { t = b[i]; b[i] = b[j]; b[j] = t }
	if (n == 0) return "-"
	return sprintf("%g / %g / %g", b[1], (n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2), b[n])
}
FNR == 1 { run++ }
{
	if (!($1 in seen)) { seen[$1] = 1; order[++nf] = $1; base[$1] = $4 }
	if ($2 != "") { p[$1, ++np[$1]] = $2 }
	if ($3 != "-" && $3 != "") { k[$1, ++nk[$1]] = $3 }
	if ($2 != "" && $3 != "-" && $3 != "" && $3 + 0 > 0)
		ratio[$1] = ratio[$1] sprintf(" %.2f", $2 / $3)
}
END {
	for (i = 1; i <= nf; i++) {
		f = order[i]
		delete a; for (j = 1; j <= np[f]; j++) a[j] = p[f, j]
		sp = mmm(a, np[f])
		delete a; for (j = 1; j <= nk[f]; j++) a[j] = k[f, j]
		sk = nk[f] ? mmm(a, nk[f]) " " base[f] : "-"
		printf "%-40s %-28s %-28s%s\n", f, sp, sk, ratio[f]
	}
}' $(for r in $(seq "$RUNS"); do echo "$OUT/fig.$r"; done)
echo "outputs: $OUT"
