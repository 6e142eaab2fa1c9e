#!/usr/bin/env bash
# make install DESTDIR=...: the programs in sbindir, the manual pages,
# the example configuration, the contrib files naming the configured
# sbindir and sysconfdir, the systemd units where systemd looks (when
# configured) and valid to systemd-analyze; make uninstall removes all.
set -u
. "$(dirname "$0")/lib.sh"
t_tmpdir
trap 'rm -rf "$T_DIR"' EXIT
MAKE="${MAKE:-make} -s --no-print-directory"
D=$T_DIR/root
eval "$($MAKE -C "$top_builddir" install-paths)"
$MAKE -C "$top_builddir" install DESTDIR="$D" >"$T_DIR/install.log" 2>&1
rc=$?
check "make install DESTDIR succeeds" 0 "$rc"
[ "$rc" -ne 0 ] && sed 's/^/# /' "$T_DIR/install.log" | tail -20

for f in "$sbindir/wh-receive" "$sbindir/wh-retry"; do
	check "installed, executable: $f" 1 "$([ -x "$D$f" ] && echo 1)"
done
for f in man8/wh-receive.8 man8/wh-retry.8 man5/hookspool.ini.5 man5/hookspool-spool.5; do
	check "manual page: $f" 1 "$([ -s "$D$mandir/$f" ] && echo 1)"
done
check "example configuration, not a live one" "1 0" \
    "$([ -s "$D$docdir/examples/hookspool.ini.example" ] && echo 1) $(find "$D" -name hookspool.ini | wc -l)"

C=$D$docdir/contrib
for f in nginx/hookspool.conf nginx/hookspool-upstream.conf lighttpd/hookspool.conf lighttpd/hookspool-socket.conf \
    lighttpd/hookspool-cgi.conf apache/hookspool-proxy-fcgi.conf \
    apache/hookspool-fcgid.conf apache/hookspool-cgi.conf cron.d/hookspool; do
	check "contrib file: $f" 1 "$([ -s "$C/$f" ] && echo 1)"
done
check "spawn-fcgi script is executable" 1 "$([ -x "$C/spawn-fcgi/wh-receive-spawn" ] && echo 1)"
if [ -n "$systemdsystemunitdir" ]; then
	U=$D$systemdsystemunitdir
else
	U=$C/systemd
fi
for f in wh-receive.socket wh-receive.service wh-retry.service wh-retry.timer; do
	check "systemd unit: $f" 1 "$([ -s "$U/$f" ] && echo 1)"
done

# The configured paths, not the sources' defaults (unless they agree).
check "wh-receive.service runs the installed wh-receive" \
    "ExecStart=$sbindir/wh-receive -c $sysconfdir/hookspool/hookspool.ini" \
    "$(grep '^ExecStart=' "$U/wh-receive.service")"
check "wh-retry.service runs the installed wh-retry" \
    "ExecStart=$sbindir/wh-retry -c $sysconfdir/hookspool/hookspool.ini run" \
    "$(grep '^ExecStart=' "$U/wh-retry.service")"
check "the cron line runs the installed wh-retry" 1 \
    "$(grep -c "^\* \* \* \* \*	hookspool	$sbindir/wh-retry -c $sysconfdir/hookspool/hookspool.ini run\$" "$C/cron.d/hookspool")"
check "lighttpd bin-path names the installed wh-receive" 1 \
    "$(grep -c "\"bin-path\" *=> \"$sbindir/wh-receive -c $sysconfdir/hookspool/hookspool.ini\"" "$C/lighttpd/hookspool.conf")"
check "FcgidWrapper names the installed wh-receive" 1 \
    "$(grep -c "FcgidWrapper \"$sbindir/wh-receive -c $sysconfdir/hookspool/hookspool.ini\" virtual" "$C/apache/hookspool-fcgid.conf")"
check "no contrib file names /usr/local unless configured so" 0 \
    "$(grep -rl /usr/local "$C" "$U" | grep -c . | { read -r n; case $sbindir in /usr/local/*) echo 0 ;; *) echo "$n" ;; esac; })"

# systemd-analyze verify: nothing wrong but what a DESTDIR install
# cannot have (the binaries in place, the manual pages indexed).
if have "systemd-analyze verify" systemd-analyze; then
	out=$(cd "$U" && systemd-analyze verify --man=no wh-receive.socket \
	    wh-receive.service wh-retry.service wh-retry.timer 2>&1 |
	    grep -v -e 'is not executable: No such file' -e 'Failed to prepare filename' \
	    -e 'Unit configuration has fatal error' -e 'Failed to create .*: No such file' || true)
	check "systemd-analyze verify: no complaint" "" "$out"
fi

$MAKE -C "$top_builddir" uninstall DESTDIR="$D" >/dev/null 2>&1
check "make uninstall leaves no file" 0 "$(find "$D" -type f | wc -l)"
t_done
