#!/bin/bash
# scripts/bench/memfloor.sh [N]
#
# What the overlay benchmark's VmRSS figure stands on, measured as
# overlay.sh measures the daemons (VmRSS, PSS, private):
#   - the floor: a program that does nothing but initialise the libraries
#     DESIGN.md names (OpenSSL with one TLS context and one P-256 key,
#     sqlite with one open database, libevent with one base);
#   - the baseline: N (default 50) OpenDHT dhtnode processes on loopback
#     (Debian's dhtnode; skipped if it is not installed), joined through
#     the first, after 30 s (scripts/bench/dhtnode.sh, its memory alone).
# It measures, it never fails on a figure.
set -u
N=${1:-50}
W=$(mktemp -d "${TMPDIR:-/tmp}/p2psipd-memfloor.XXXXXX")	# mktemp fills the X's
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mem() {	# pid -> "vmrss pss anon" in kB
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Anonymous:/ { a = $2 }
	    END { print r, p, a }' "/proc/$1/smaps_rollup"
}

cat >"$W/floor.c" <<'C'
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <event2/event.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sqlite3	*db;

	(void)argc;
	if (OPENSSL_init_ssl(0, NULL) != 1 || SSL_CTX_new(TLS_method()) ==
	    NULL || EVP_EC_gen("P-256") == NULL ||
	    sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t(a); SELECT * FROM t;", NULL,
	    NULL, NULL) != SQLITE_OK || event_base_new() == NULL)
		return 1;
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
C
cc -O2 -o "$W/floor" "$W/floor.c" $(pkg-config --cflags --libs openssl \
    sqlite3 libevent) || exit 1
coproc FLOOR { exec "$W/floor" "$W/floor.db"; }
PIDS+=("$FLOOR_PID")
read -r _ <&"${FLOOR[0]}"
read -r r p a <<<"$(mem "$FLOOR_PID")"
printf 'library floor (OpenSSL, sqlite, libevent initialised, nothing else): VmRSS %.1f MB, PSS %.1f MB, private %.1f MB\n' \
    "$(awk "BEGIN { print $r / 1024 }")" "$(awk "BEGIN { print $p / 1024 }")" \
    "$(awk "BEGIN { print $a / 1024 }")"

if ! command -v dhtnode >/dev/null; then
	echo "dhtnode: not installed (apt-get install dhtnode), skipped"
	exit 0
fi
"$(dirname "$0")/dhtnode.sh" "$N" 0 0 | sed -n "s/^memory a node: /dhtnode x$N: /p"
