#!/usr/bin/env bash
# The Debian package as an operator meets it: built from a copy of the
# tree (dpkg-buildpackage, without make check, which run.sh has run),
# installed with apt-get, then the installed files only: the user, the
# spool, the configuration and their modes, wh-receive started the way
# the package starts it, nginx (as www-data) with the installed snippet,
# a signed request, the event in the spool through wh-retry list.  Then
# a reinstall (an upgrade's scripts), remove and purge, and what each
# leaves.  Root only; the machine is left as it was: the package, its
# user, spool and configuration are removed at the end.
set -u
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "$T_NAME: SKIP, installs a package: run as root"
	exit 77
fi
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
	echo "$T_NAME: SKIP, dpkg-buildpackage or debhelper is missing (apt-get install dpkg-dev debhelper)"
	exit 77
fi
# What this test would overwrite and then remove is not its own.
if dpkg-query -W -f='${Status}' hookspool 2>/dev/null | grep -q 'installed\|config-files' ||
    getent passwd hookspool >/dev/null || getent group hookspool >/dev/null ||
    [ -e /etc/hookspool ] || [ -e /var/spool/hookspool ] || [ -e /run/hookspool ]; then
	echo "$T_NAME: SKIP, hookspool is installed or has left files here; the test would remove them"
	exit 77
fi
need nginx spawn-fcgi curl jq openssl apt-get runuser

CONF=/etc/hookspool/hookspool.ini
SPOOL=/var/spool/hookspool
SOCK=/run/hookspool/wh-receive.sock
EX=/usr/share/doc/hookspool/examples
NGINX_PID=
SPAWNED=

t_tmpdir
# nginx's workers run as www-data, who may not enter $T_DIR.
NGX=$(mktemp -d "${TMPDIR:-/tmp}/hookspool-deb-nginx.XXXXXX")
chmod 0755 "$NGX"

# The receiver started by the spawn-fcgi script (its pids in a file),
# or by systemd.
receiver_stop() {
	if [ -n "$SPAWNED" ] && [ -s /run/hookspool/wh-receive.pid ]; then
		# shellcheck disable=SC2046
		kill -TERM $(cat /run/hookspool/wh-receive.pid) 2>/dev/null
		# shellcheck disable=SC2046
		wait_gone $(cat /run/hookspool/wh-receive.pid)
	fi
	SPAWNED=
}

cleanup() {
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	receiver_stop
	if dpkg-query -W -f='${Status}' hookspool 2>/dev/null | grep -q 'installed\|config-files'; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq hookspool >/dev/null 2>&1
	fi
	rm -rf "$SPOOL" /run/hookspool /etc/hookspool
	getent passwd hookspool >/dev/null && deluser --system --quiet hookspool >/dev/null 2>&1
	getent group hookspool >/dev/null && delgroup --system --quiet hookspool >/dev/null 2>&1
	rm -rf "$T_DIR" "$NGX"
}
trap cleanup EXIT

# --- Build, from a copy of the tree as git has it (or the tree, less
# its build directories, where there is no git).
SRC=$T_DIR/hookspool
mkdir "$SRC"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top_srcdir" ls-files -z --cached --others --exclude-standard |
	    (cd "$top_srcdir" && tar -cf - --null -T -) | tar -xf - -C "$SRC"
else
	tar -C "$top_srcdir" --exclude=./build --exclude='./build-*' -cf - . |
	    tar -xf - -C "$SRC"
fi
(cd "$SRC" && DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck \
    dpkg-buildpackage -us -uc -b) > "$T_DIR/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b succeeds" 0 "$rc"
if [ "$rc" -ne 0 ]; then
	tail -30 "$T_DIR/build.log" | sed 's/^/# /'
	t_done
	exit
fi
VERSION=$(sed -n 's/^AC_INIT(\[hookspool\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
DEB=$T_DIR/hookspool_${VERSION}_$(dpkg --print-architecture).deb
check "the package is named from AC_INIT's version" 1 "$([ -s "$DEB" ] && echo 1)"
check "and a -dbgsym package beside it" 1 \
    "$(ls "$T_DIR"/hookspool-dbgsym_"$VERSION"_*.deb >/dev/null 2>&1 && echo 1)"
check "hookspool.ini is a conffile" "/etc/hookspool/hookspool.ini" \
    "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)"

# --- Install.
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "$DEB" > "$T_DIR/install.log" 2>&1
rc=$?
check "apt-get install ./hookspool_*.deb succeeds" 0 "$rc"
[ "$rc" -ne 0 ] && tail -20 "$T_DIR/install.log" | sed 's/^/# /'

uid=$(id -u hookspool 2>/dev/null || echo none)
check "a system user hookspool" 1 "$([ "$uid" != none ] && [ "$uid" -lt 1000 ] && echo 1)"
check "with a group of its own" hookspool "$(id -gn hookspool 2>/dev/null)"
check "no login shell" /usr/sbin/nologin "$(getent passwd hookspool | cut -d: -f7)"
check "the spool: 0700, hookspool's" "700 hookspool hookspool" "$(stat -c '%a %U %G' "$SPOOL" 2>&1)"
check "the configuration: 0640, root:hookspool" "640 root hookspool" "$(stat -c '%a %U %G' "$CONF" 2>&1)"
check "no endpoint is configured" 0 "$(grep -c '^\[endpoint:' "$CONF")"
check "nor any handler" 0 "$(grep -c '^\[handler:' "$CONF")"
check "hookspool reads the configuration, and it is valid" 0 \
    "$(runuser -u hookspool -- /usr/sbin/wh-receive -t -c "$CONF" >/dev/null 2>&1; echo $?)"
UNITS=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
for u in wh-receive.socket wh-receive.service wh-retry.service wh-retry.timer; do
	check "systemd unit $u" 1 "$([ -s "$UNITS/$u" ] && echo 1)"
done
if have "systemd-analyze verify" systemd-analyze; then
	check "systemd-analyze verify: the installed units are sound" "" \
	    "$(cd "$UNITS" && systemd-analyze verify --man=no wh-receive.socket \
	    wh-receive.service wh-retry.service wh-retry.timer 2>&1)"
fi
check "wh-receive.socket enabled" 1 "$([ -L /etc/systemd/system/sockets.target.wants/wh-receive.socket ] && echo 1)"
check "wh-retry.timer enabled" 1 "$([ -L /etc/systemd/system/timers.target.wants/wh-retry.timer ] && echo 1)"
for m in man8/wh-receive.8 man8/wh-retry.8 man5/hookspool.ini.5 man5/hookspool-spool.5; do
	check "manual page $m" 1 "$([ -s "/usr/share/man/$m.gz" ] && echo 1)"
done
check "nginx upstream names the package's socket" 1 \
    "$(grep -c "server unix:$SOCK;" "$EX/nginx/hookspool-upstream.conf")"
check "the examples and units name the package's paths" "" \
    "$(grep -rlE '/usr/local/(sbin|etc)' "$EX" "$UNITS"/wh-* 2>/dev/null)"
check "the services run /usr/sbin with /etc/hookspool" \
    "ExecStart=/usr/sbin/wh-receive -c $CONF" \
    "$(grep '^ExecStart=' "$UNITS/wh-receive.service")"

# --- An endpoint, wh-receive started the way the package does: by
# systemd's socket where systemd runs, else by the package's spawn-fcgi
# script (README.Debian), on the same socket.
SECRET=deb-test-secret
cat >> "$CONF" <<INI

[endpoint:github]
path = /hooks/github
signature_type = github
secret = $SECRET
INI
check "the configuration keeps its mode when edited" "640 root hookspool" "$(stat -c '%a %U %G' "$CONF")"
if [ -d /run/systemd/system ]; then
	systemctl try-reload-or-restart wh-receive.service
	check "systemd listens on the socket" active "$(systemctl is-active wh-receive.socket)"
else
	sh "$EX/spawn-fcgi/wh-receive-spawn" >> "$T_DIR/spawn.log" 2>&1
	SPAWNED=1
	wait_for test -S "$SOCK"
fi
check "the socket: 0660, hookspool:www-data" "660 hookspool www-data" "$(stat -c '%a %U %G' "$SOCK" 2>&1)"

PORT=$(free_port)
mkdir -p "$NGX/logs"
cp /etc/nginx/fastcgi_params "$NGX/"
cat > "$NGX/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
user www-data www-data;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $NGX/body;
    fastcgi_temp_path $NGX/fastcgi;
    proxy_temp_path $NGX/proxy;
    uwsgi_temp_path $NGX/uwsgi;
    scgi_temp_path $NGX/scgi;
    include $EX/nginx/hookspool-upstream.conf;
    server {
        listen 127.0.0.1:$PORT;
        location = /ceiling { return 200 "ok\n"; }
        include $EX/nginx/hookspool.conf;
    }
}
NGINX
nginx -p "$NGX" -c "$NGX/nginx.conf" 2>>"$NGX/logs/error.log" &
NGINX_PID=$!
wait_for curl -s -o /dev/null "http://127.0.0.1:$PORT/ceiling"

printf '{"action":"opened","repository":{"name":"deb"}}' > "$T_DIR/body"
sig=$(hmac sha256 "$SECRET" "$T_DIR/body")
post() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary @"$T_DIR/body" "$@" "http://127.0.0.1:$PORT/hooks/github"
}
check "signed request through nginx: 202" 202 "$(post -H "X-Hub-Signature-256: sha256=$sig")"
id=$(jq -r .id "$T_DIR/resp" 2>/dev/null)
check "unsigned request: 401" 401 "$(post)"
[ "$T_FAIL" -eq 0 ] || sed 's/^/# nginx: /' "$NGX/logs/error.log"
check "wh-retry list (its default configuration) shows the event" "$id github" \
    "$(runuser -u hookspool -- /usr/sbin/wh-retry list --json 2>&1 |
	jq -r "select(.id == \"$id\") | .id + \" \" + .endpoint" 2>&1)"
check "the spool's files are hookspool's, 0600" "600 hookspool" \
    "$(stat -c '%a %U' "$SPOOL"/seg-*.jsonl 2>&1 | sort -u)"
kill "$NGINX_PID" && wait "$NGINX_PID" 2>/dev/null
NGINX_PID=
receiver_stop

# --- The same package again: the scripts of an upgrade.
dpkg -i "$DEB" > "$T_DIR/upgrade.log" 2>&1
check "reinstalling (preinst upgrade, postinst configure) succeeds" 0 "$?"
check "the upgrade keeps the edited configuration" 1 "$(grep -c '^\[endpoint:github\]' "$CONF")"
check "and its mode" "640 root hookspool" "$(stat -c '%a %U %G' "$CONF")"
check "and the event" 1 "$(grep -c "\"id\":\"$id\"" "$SPOOL"/seg-*.jsonl)"
check "and the spool's mode" "700 hookspool hookspool" "$(stat -c '%a %U %G' "$SPOOL")"

# --- Remove keeps the configuration and the spool; purge keeps the spool.
apt-get remove -y -q hookspool > "$T_DIR/remove.log" 2>&1
check "apt-get remove succeeds" 0 "$?"
check "the programs are gone" 0 "$(ls /usr/sbin/wh-receive /usr/sbin/wh-retry 2>/dev/null | wc -l)"
check "remove keeps the configuration" 1 "$(grep -c '^\[endpoint:github\]' "$CONF")"
check "remove keeps the spool" 1 "$(grep -c "\"id\":\"$id\"" "$SPOOL"/seg-*.jsonl)"
apt-get purge -y -q hookspool > "$T_DIR/purge.log" 2>&1
check "apt-get purge succeeds" 0 "$?"
check "purge removes /etc/hookspool" "" "$([ -e /etc/hookspool ] && echo present)"
check "and the configuration's mode override" "" "$(dpkg-statoverride --list "$CONF")"
check "and the units' enablement" "" \
    "$(ls /etc/systemd/system/*.wants/wh-* 2>/dev/null)"
check "purge keeps the spool and its event" 1 "$(grep -c "\"id\":\"$id\"" "$SPOOL"/seg-*.jsonl)"
check "and says so" 1 "$(grep -c "spool $SPOOL is kept" "$T_DIR/purge.log")"
check "the user who owns it stays" hookspool "$(stat -c %U "$SPOOL")"
check "dpkg knows no hookspool" "" "$(dpkg-query -W -f='${Status}' hookspool 2>/dev/null | grep -v not-installed)"
t_done
