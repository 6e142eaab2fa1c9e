#!/usr/bin/env bash
# hookspool demo: build wh-receive and wh-retry, start nginx on
# 127.0.0.1:8080 in front of wh-receive with a demo configuration and a
# spool under ./demo/, send one webhook of each scheme (GitHub, Stripe,
# Slack, Standard Webhooks, Shopify, GitLab, a JWT), each signed here
# with openssl as its provider signs it, answer Slack's url_verification
# handshake (never spooled), run a handler for the GitHub one, print
# wh-retry list and a curl line to send more.  Ctrl-C stops it.
# Run as root on a fresh Debian 12 machine, missing packages are installed.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
PORT=${DEMO_PORT:-8080}
PKGS="build-essential autoconf automake libtool pkg-config
      libfcgi-bin libssl-dev libjansson-dev libpcre2-dev libjwt-dev
      libinih-dev libhiredis-dev check nginx-light spawn-fcgi curl jq openssl"

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
# wh-retry only lists the spool here: the demo goes on without it.
(cd build/demo && make -s -j"$(nproc)" wh-retry) || echo "demo: wh-retry did not build; no list at the end"

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
# Standard Webhooks secrets are whsec_ + base64 of the key bytes.
SWH_KEY=$(openssl rand -base64 24)
cat > "$T_DIR/hookspool.ini" <<INI
; The demo's configuration: see hookspool.ini(5) and
; contrib/hookspool.ini.example for every key.  One secret for all
; endpoints to keep the demo short; use one each in real life.
[server]
spool_dir = $T_DIR/spool
fsync = always

[endpoint:github]
path = /hooks/github
signature_type = github
secret_file = $T_DIR/github.secret

[endpoint:stripe]
path = /hooks/stripe
signature_type = stripe
secret_file = $T_DIR/github.secret

; Also answers the Events API's url_verification with its challenge.
[endpoint:slack]
path = /hooks/slack
signature_type = slack
secret_file = $T_DIR/github.secret
handshake = slack

[endpoint:svix]
path = /hooks/svix
signature_type = standard-webhooks
secret = whsec_$SWH_KEY

[endpoint:shopify]
path = /hooks/shopify
signature_type = shopify
secret_file = $T_DIR/github.secret

[endpoint:gitlab]
path = /hooks/gitlab
signature_type = gitlab
secret_file = $T_DIR/github.secret

[endpoint:ci]
path = /hooks/ci
signature_type = jwt
jwt_algorithm = HS256
secret_file = $T_DIR/github.secret

[endpoint:open]
path = /hooks/open
signature_type = none

; Runs for GitHub pushes, after the answer: the body on stdin.
[handler:log_push]
command = /usr/bin/tee -a $T_DIR/pushes.log
endpoint_paths = /hooks/github
header.X-GitHub-Event = push
timeout = 10
INI
chmod 0600 "$T_DIR/hookspool.ini"	# it holds an inline secret

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
NOW=$(date +%s)
mac_hex() { openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1; }
mac_b64() { openssl dgst -sha256 -hmac "$SECRET" -binary | openssl base64 -A; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
swh_sig() {
	printf '%s.%s.%s' msg_demo "$NOW" "$BODY" |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "$SWH_KEY" |
	    openssl base64 -d -A | od -An -tx1 | tr -d ' \n')" -binary | openssl base64 -A
}
jwt() {
	local h p
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '{"sub":"demo","exp":%d}' $((NOW + 300)) | b64url)
	printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" |
	    openssl dgst -sha256 -hmac "$SECRET" -binary | b64url)"
}
# send NAME PATH [curl args...]: POST $BODY, print the answer.
send() {
	local name=$1 path=$2
	shift 2
	printf '  %-18s %-15s ' "$name" "$path"
	curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "$BODY" "$@" "http://127.0.0.1:$PORT$path" | tr -d '\n'
	echo
}

echo "demo: wh-receive is behind nginx on http://127.0.0.1:$PORT/hooks/"
echo "demo: Slack's url_verification handshake, answered at once, not spooled:"
HS='{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"demo-challenge-'$NOW'","type":"url_verification"}'
printf '  %-18s %-15s ' slack-handshake /hooks/slack
curl -s -w ' %{http_code} %{content_type}' -H 'Content-Type: application/json' \
    -H "X-Slack-Request-Timestamp: $NOW" \
    -H "X-Slack-Signature: v0=$(printf 'v0:%s:%s' "$NOW" "$HS" | mac_hex)" \
    --data-binary "$HS" "http://127.0.0.1:$PORT/hooks/slack"
echo
echo "demo: sending one webhook of each scheme:"
send github /hooks/github -H 'X-GitHub-Event: push' \
    -H "X-Hub-Signature-256: sha256=$(printf '%s' "$BODY" | mac_hex)"
send stripe /hooks/stripe \
    -H "Stripe-Signature: t=$NOW,v1=$(printf '%s.%s' "$NOW" "$BODY" | mac_hex)"
send slack /hooks/slack -H "X-Slack-Request-Timestamp: $NOW" \
    -H "X-Slack-Signature: v0=$(printf 'v0:%s:%s' "$NOW" "$BODY" | mac_hex)"
send standard-webhooks /hooks/svix -H 'webhook-id: msg_demo' \
    -H "webhook-timestamp: $NOW" -H "webhook-signature: v1,$(swh_sig)"
send shopify /hooks/shopify -H "X-Shopify-Hmac-Sha256: $(printf '%s' "$BODY" | mac_b64)"
send gitlab /hooks/gitlab -H "X-Gitlab-Token: $SECRET" -H 'X-Gitlab-Event: Push Hook'
send jwt /hooks/ci -H "Authorization: Bearer $(jwt)"
send "(bad signature)" /hooks/github -H 'X-Hub-Signature-256: sha256=00'
echo
echo "demo: the spool now holds:"
cat "$T_DIR"/spool/seg-*.jsonl | jq -c 'select(.type == "event") | {id, endpoint, verification, body}'
sleep 1
if [ -x "$top_builddir/wh-retry" ]; then
	echo
	echo "demo: wh-retry list (one handler ran for the GitHub push):"
	"$top_builddir/wh-retry" -c "$T_DIR/hookspool.ini" list
fi
CURL="curl -i -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' -H 'X-Hub-Signature-256: sha256=$(printf '%s' "$BODY" | mac_hex)' --data '$BODY' http://127.0.0.1:$PORT/hooks/github"
cat <<TXT

Send another signed webhook:

  $CURL

Read the spool:    jq . demo/spool/seg-*.jsonl
Handler output:    cat demo/pushes.log
Request log:       tail -f demo/wh.log
Press Ctrl-C to stop.
TXT
wait
