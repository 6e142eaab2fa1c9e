#!/usr/bin/env bash
# hookspool demo: build wh-receive, start nginx on 127.0.0.1:8080 in front
# of it with a demo configuration and a spool under ./demo/, send one
# signed webhook, print a curl line to send more.  Ctrl-C stops it all.
# Run as root on a fresh Debian 12 machine, missing packages are installed.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
PORT=${DEMO_PORT:-8080}
PKGS="build-essential autoconf automake libtool pkg-config libfcgi-dev
      libfcgi-bin libssl-dev libjansson-dev libpcre2-dev libjwt-dev
      libinih-dev check nginx-light spawn-fcgi curl jq openssl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: missing Debian packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "demo: installing$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

echo "demo: building"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build/demo
(cd build/demo && { [ -f Makefile ] || ../../configure -q; } && make -s -j"$(nproc)" wh-receive)

if (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; then
	echo "demo: 127.0.0.1:$PORT is in use; set DEMO_PORT to another port" >&2
	exit 1
fi

top_builddir=$top/build/demo
top_srcdir=$top
. "$top/tests/lib.sh"
T_DIR=$top/demo
rm -rf "$T_DIR"
mkdir -m 0700 -p "$T_DIR" "$T_DIR/spool"
SECRET=$(openssl rand -hex 16)
printf '%s\n' "$SECRET" > "$T_DIR/github.secret"
chmod 0600 "$T_DIR/github.secret"
cat > "$T_DIR/hookspool.ini" <<INI
; The demo's configuration: see hookspool.ini(5) and
; contrib/hookspool.ini.example for every key.
[server]
spool_dir = $T_DIR/spool
fsync = always

[endpoint:github]
path = /hooks/github
signature_type = hmac-sha256
signature_header = X-Hub-Signature-256
secret_file = $T_DIR/github.secret

[endpoint:open]
path = /hooks/open
signature_type = none
INI

stop() {
	trap - INT TERM EXIT
	echo
	echo "demo: stopping"
	servers_stop
	exit "$1"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

wh_start "$T_DIR/wh.sock" "$T_DIR/hookspool.ini" || { cat "$T_DIR/wh.log"; exit 1; }
nginx_start "$PORT" "$T_DIR/wh.sock" || { cat "$T_DIR/nginx/logs/error.log"; exit 1; }

BODY='{"action":"opened","repository":{"name":"my-repo"}}'
SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
CURL="curl -i -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' -H 'X-Hub-Signature-256: sha256=$SIG' --data '$BODY' http://127.0.0.1:$PORT/hooks/github"

echo "demo: wh-receive is behind nginx on http://127.0.0.1:$PORT/hooks/github"
echo "demo: sending one signed webhook:"
eval "${CURL/curl -i/curl -s -i}"
echo
echo "demo: the spool now holds:"
cat "$T_DIR"/spool/seg-*.jsonl | jq -c '{id, endpoint, received_at, verification, body}'
cat <<TXT

Send another signed webhook:

  $CURL

Read the spool:    jq . demo/spool/seg-*.jsonl
Request log:       tail -f demo/wh.log
Press Ctrl-C to stop.
TXT
wait
