#!/usr/bin/env bash
# Real nginx on loopback with contrib/nginx/hookspool.conf, wh-receive
# under spawn-fcgi, real signed requests with curl: every status code
# and the spool's bytes.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq openssl

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
SECRET='It'\''s a Secret to Everybody'
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
max_body_size = 65536

[endpoint:github]
path = /hooks/github
signature_type = hmac-sha256
signature_header = X-Hub-Signature-256
secret = $SECRET

[endpoint:legacy]
path = /hooks/legacy
signature_type = hmac-sha1
signature_header = X-Signature
secret = legacy
methods = POST, PUT

[endpoint:off]
path = /hooks/off
enabled = false
INI
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
wh_start "$SOCK" "$T_DIR/hookspool.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
URL=http://127.0.0.1:$PORT

# post PATH FILE [curl args...]: prints the status; body in $T_DIR/resp,
# headers in $T_DIR/hdr.
post() {
	local path=$1 file=$2
	shift 2
	curl -s -o "$T_DIR/resp" -D "$T_DIR/hdr" -w '%{http_code}' \
	    -H 'Content-Type: application/json' --data-binary @"$file" "$@" "$URL$path"
}
hdr() { grep -i "^$1:" "$T_DIR/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

printf '{"action":"opened","repository":{"name":"my-repo \\u00e9t\\u00e9 \xc3\xa9"}}' > "$T_DIR/body"
sig=$(hmac sha256 "$SECRET" "$T_DIR/body")
check "signed request: 202" 202 "$(post /hooks/github "$T_DIR/body" -H "X-Hub-Signature-256: sha256=$sig" -H 'X-GitHub-Event: push')"
id=$(jq -r .id "$T_DIR/resp")
check "202 answer is JSON with the id" 1 "$(jq -e '.id | length == 36' "$T_DIR/resp" >/dev/null && echo 1)"
rec=$(spool_events "$SPOOL" | jq -c "select(.id == \"$id\")")
printf '%s' "$rec" | jq -j .body > "$T_DIR/stored"
check "the spool holds the exact body" "$(sha256sum < "$T_DIR/body")" "$(sha256sum < "$T_DIR/stored")"
check "headers arrive lowercased" "push application/json" \
	"$(printf '%s' "$rec" | jq -r '.headers["x-github-event"] + " " + .headers["content-type"]')"
check "path and remote address" "/hooks/github 127.0.0.1" "$(printf '%s' "$rec" | jq -r '.path + " " + .remote_addr')"

sig1=$(hmac sha1 legacy "$T_DIR/body")
check "hmac-sha1 with PUT: 202" 202 "$(post /hooks/legacy "$T_DIR/body" -X PUT -H "X-Signature: sha1=$sig1")"
check "uppercase hex, no prefix: 202" 202 "$(post /hooks/legacy "$T_DIR/body" -H "X-Signature: $(echo "$sig1" | tr a-f A-F)")"

n0=$(spool_events "$SPOOL" | wc -l)
case $sig in *0) bad=${sig%?}1 ;; *) bad=${sig%?}0 ;; esac
check "wrong signature: 401" 401 "$(post /hooks/github "$T_DIR/body" -H "X-Hub-Signature-256: sha256=$bad")"
check "401 is JSON" "bad signature" "$(jq -r .error "$T_DIR/resp")"
check "missing signature: 401" 401 "$(post /hooks/github "$T_DIR/body")"
check "unknown path: 404" 404 "$(post /hooks/nope "$T_DIR/body")"
check "404 is JSON" "not found" "$(jq -r .error "$T_DIR/resp")"
check "GET on a POST endpoint: 405" 405 "$(curl -s -o "$T_DIR/resp" -D "$T_DIR/hdr" -w '%{http_code}' "$URL/hooks/github")"
check "405 carries Allow" "POST" "$(hdr Allow)"
check "DELETE: Allow lists both methods" "405 POST, PUT" "$(post /hooks/legacy "$T_DIR/body" -X DELETE) $(hdr Allow)"
head -c 100000 /dev/zero | tr '\0' a > "$T_DIR/big"
check "body over max_body_size: 413" 413 "$(post /hooks/github "$T_DIR/big" -H "X-Hub-Signature-256: sha256=$(hmac sha256 "$SECRET" "$T_DIR/big")")"
check "413 is JSON" "body too large" "$(jq -r .error "$T_DIR/resp")"
check "disabled endpoint: 503" 503 "$(post /hooks/off "$T_DIR/body")"
check "503 carries Retry-After" 30 "$(hdr Retry-After)"
check "rejected requests left no event" "$n0" "$(spool_events "$SPOOL" | wc -l)"

mv "$SPOOL" "$SPOOL.away"
check "missing spool directory: 503" 503 "$(post /hooks/github "$T_DIR/body" -H "X-Hub-Signature-256: sha256=$sig")"
check "spool 503 is JSON with Retry-After" "spool unavailable 30" "$(jq -r .error "$T_DIR/resp") $(hdr Retry-After)"
mv "$SPOOL.away" "$SPOOL"
check "spool back: 202 again" 202 "$(post /hooks/github "$T_DIR/body" -H "X-Hub-Signature-256: sha256=$sig")"

# Chunked upload: nginx buffers it and passes a Content-Length.
check "chunked request: 202" 202 "$(post /hooks/github "$T_DIR/body" -H 'Transfer-Encoding: chunked' -H "X-Hub-Signature-256: sha256=$sig")"
id=$(jq -r .id "$T_DIR/resp")
check "chunked body kept exactly" "$(sha256sum < "$T_DIR/body")" \
	"$(spool_events "$SPOOL" | jq -j "select(.id == \"$id\") | .body" | sha256sum)"

# SIGHUP: a new endpoint appears without a restart.
printf '\n[endpoint:new]\npath = /hooks/new\n' >> "$T_DIR/hookspool.ini"
kill -HUP "$WH_PID"
sleep 0.3
check "SIGHUP reloads the configuration" 202 "$(post /hooks/new "$T_DIR/body")"
check "one log line per request" 1 "$(grep -c "endpoint=new .*status=202" "$T_DIR/wh.log")"
check "no signature or secret in the log" 0 "$(grep -c -e "$sig" -e "Secret to" "$T_DIR/wh.log")"

check "every spool line is intact JSON" 0 "$(cat "$SPOOL"/seg-*.jsonl | jq -c . >/dev/null 2>&1; echo $?)"

# The scenario every web server passes (tests/scenario.sh), on a fresh
# nginx and wh-receive.
servers_stop
NGINX_PID= WH_PIDS= WH_PID=
. "$top_srcdir/tests/scenario.sh"
mkdir -m 0700 "$T_DIR/sc-spool"
scenario_config "$T_DIR/sc-spool" > "$T_DIR/scenario.ini"
PORT=$(free_port)
wh_start "$T_DIR/sc.sock" "$T_DIR/scenario.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
rm -rf "$T_DIR/nginx"
nginx_start "$PORT" "$T_DIR/sc.sock" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
scenario "http://127.0.0.1:$PORT" "$T_DIR/sc-spool"
t_done
