#!/bin/bash
# make install: every file where PREFIX/DESTDIR say, paths filled into the
# systemd unit, the installed config valid, an edited config kept, man
# pages that render without warnings.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
R=$T/root
run 0 make -s -C "$SRC" BUILD="$BUILD" DESTDIR="$R" PREFIX=/usr install
for f in usr/sbin/p2psipd usr/bin/p2psipctl usr/share/man/man8/p2psipd.8 \
    usr/share/man/man8/p2psipctl.8 usr/share/man/man5/p2psipd.conf.5 \
    usr/share/doc/p2psipd/p2psipd.conf usr/share/doc/p2psipd/README.md \
    usr/lib/systemd/system/p2psipd.service etc/p2psipd/p2psipd.conf; do
	[ -f "$R/$f" ] || fail "not installed: $f"
done
[ -x "$R/usr/sbin/p2psipd" ] && [ -x "$R/usr/bin/p2psipctl" ] ||
    fail "binaries not executable"
run 0 "$R/usr/sbin/p2psipd" --version
run 0 "$R/usr/sbin/p2psipd" -c "$R/etc/p2psipd/p2psipd.conf" --check-config
U=$R/usr/lib/systemd/system/p2psipd.service
has "$U" '^ExecStart=/usr/sbin/p2psipd -f -c /etc/p2psipd/p2psipd.conf$'
! grep -q @ "$U" || fail "unexpanded @VAR@ in the unit"
ok "installed under DESTDIR with PREFIX"

echo '# mine' >>"$R/etc/p2psipd/p2psipd.conf"
run 0 make -s -C "$SRC" BUILD="$BUILD" DESTDIR="$R" PREFIX=/usr install
has "$R/etc/p2psipd/p2psipd.conf" '^# mine$'
ok "an edited config survives a reinstall"

for m in "$R"/usr/share/man/man*/*; do
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" >"$T/man.out" \
	    2>"$T/man.err" || fail "man $m failed"
	[ ! -s "$T/man.err" ] || fail "man $m: $(cat "$T/man.err")"
	[ "$(wc -l <"$T/man.out")" -gt 20 ] || fail "man $m is nearly empty"
done
ok "man pages render cleanly"

run 0 make -s -C "$SRC" BUILD="$BUILD" DESTDIR="$R" PREFIX=/usr uninstall
[ ! -e "$R/usr/sbin/p2psipd" ] || fail "uninstall left p2psipd"
ok "uninstall"
