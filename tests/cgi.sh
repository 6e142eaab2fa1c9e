#!/usr/bin/env bash
# wh-receive as a plain CGI program and wh-receive -t: every status code,
# the spool's bytes, and bad input, with no web server in between.
set -u
. "$(dirname "$0")/lib.sh"
need jq openssl

t_tmpdir
trap 'rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
SECRET="It's a Secret to Everybody"
printf '%s\n' "$SECRET" > "$T_DIR/github.secret"
chmod 0600 "$T_DIR/github.secret"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
max_body_size = 65536
fsync = always
redact_headers = X-Api-Key

[endpoint:github]
path = /hooks/github
signature_type = hmac-sha256
signature_header = X-Hub-Signature-256
secret_file = $T_DIR/github.secret

[endpoint:legacy]
path = /hooks/legacy
signature_type = hmac-sha1
signature_header = X-Signature
secret = legacy-secret
methods = POST PUT

[endpoint:open]
path = /hooks/open
signature_type = none
redact_headers = X-Session, X-Other

[endpoint:gitlab]
path = /hooks/gitlab
signature_type = gitlab
signature_header = X-Token
secret = gl-s3cr3t-token

[endpoint:jwt]
path = /hooks/jwt
signature_type = jwt
signature_header = X-Jwt
jwt_algorithm = HS256
secret = jwt-s3cr3t

[endpoint:off]
path = /hooks/off
enabled = false
INI
CONF=$T_DIR/hookspool.ini
chmod 0600 "$CONF"		# it holds a secret

# cgi METHOD URI BODYFILE [VAR=VALUE...]: run one CGI request; the
# response goes to $T_DIR/out, the log to $T_DIR/err.
cgi() {
	local method=$1 uri=$2 body=$3
	shift 3
	env -i PATH="$PATH" HOOKSPOOL_CONFIG="$CONF" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD="$method" REQUEST_URI="$uri" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_LENGTH="$(stat -c %s "$body")" CONTENT_TYPE=application/json \
	    "$@" $WH_RUN < "$body" > "$T_DIR/out" 2> "$T_DIR/err"
}
status() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T_DIR/out" | tr -d '\r'; }
header() { grep -i "^$1:" "$T_DIR/out" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
json_body() { sed '1,/^\r$/d' "$T_DIR/out"; }
nevents() { spool_events "$SPOOL" | wc -l; }

# --- configuration check -------------------------------------------------
out=$($WH_RUN -t -c "$CONF" 2>&1); rc=$?
check "-t accepts a good configuration" "0 $CONF: configuration OK" "$rc $out"
printf '[server]\nspool_dir = /x\nbogus = 1\n\n[endpoint:a]\npath = /a\nsignature_type = hmac-sha256\n' > "$T_DIR/bad.ini"
out=$($WH_RUN -t -c "$T_DIR/bad.ini" 2>&1); rc=$?
check "-t exits 1 on errors" 1 "$rc"
case $out in *"bad.ini:3: "*"bogus"*) ok "-t names FILE:LINE of an unknown key" ;;
	*) not_ok "-t names FILE:LINE of an unknown key" "$out" ;; esac
case $out in *"bad.ini:5: "*) ok "-t reports every error (signed endpoint without secret)" ;;
	*) not_ok "-t reports every error (signed endpoint without secret)" "$out" ;; esac

# --- the GitHub documentation example ------------------------------------
printf 'Hello, World!' > "$T_DIR/hello"
sig=sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
cgi POST /hooks/github "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256="$sig" HTTP_X_GITHUB_EVENT=push
check "signed request: 202" 202 "$(status)"
id=$(json_body | jq -r .id)
case $id in ????????-????-7???-????-????????????) ok "answer carries a UUIDv7 id" ;;
	*) not_ok "answer carries a UUIDv7 id" "$id" ;; esac
rec=$(spool_events "$SPOOL" | jq -c "select(.id == \"$id\")")
check "spooled body is byte-for-byte" "Hello, World!" "$(printf '%s' "$rec" | jq -j .body)"
check "spooled record fields" "github /hooks/github POST 127.0.0.1 push" \
	"$(printf '%s' "$rec" | jq -r '[.endpoint, .path, .method, .remote_addr, .headers["x-github-event"]] | join(" ")')"
check "log line has id and status" 1 "$(grep -c "id=$id .*status=202" "$T_DIR/err")"
check "secret never in the log" 0 "$(grep -c "Secret to Everybody\|757107ea" "$T_DIR/err")"
# --- log_format = json: the same request, its line one JSON object --------
sed 's/^\[server\]$/[server]\nlog_format = json/' "$CONF" > "$T_DIR/json.ini"
chmod 0600 "$T_DIR/json.ini"
CONF_TEXT=$CONF CONF=$T_DIR/json.ini
cgi POST '/hooks/github?token=q-secret-7' "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256="$sig" HTTP_X_GITHUB_EVENT=push
check "json log: signed request 202" 202 "$(status)"
jid=$(json_body | jq -r .id)
line=$(sed -n 's/^wh-receive\[[0-9]*\]: //p' "$T_DIR/err")
check "json log: one line, one object with the request's fields" \
    "$jid github POST /hooks/github 127.0.0.1 202 ok" \
    "$(printf '%s\n' "$line" | jq -r '[.id, .endpoint, .method, .path, .from, .status, .verify] | join(" ")')"
check "json log: elapsed time is a number" number "$(printf '%s\n' "$line" | jq -r '.us | type')"
cgi POST '/hooks/github?token=q-secret-7' "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256=sha256=00
line=$(sed -n 's/^wh-receive\[[0-9]*\]: //p' "$T_DIR/err")
check "json log: a refusal has a null id and its reason" "null 401 malformed true" \
    "$(printf '%s\n' "$line" | jq -r '[.id, .status, .verify, (.reason | length > 0)] | map(tostring) | join(" ")')"
CONF=$CONF_TEXT
cgi POST '/hooks/github?token=q-secret-7' "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256="$sig" HTTP_X_GITHUB_EVENT=push
cat "$T_DIR/err" >> "$T_DIR/both.log"
CONF=$T_DIR/json.ini
cgi POST '/hooks/github?token=q-secret-7' "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256="$sig" HTTP_X_GITHUB_EVENT=push
cat "$T_DIR/err" >> "$T_DIR/both.log"
CONF=$CONF_TEXT
check "both formats: two lines, no secret, signature or query value" "2 0" \
    "$(grep -c 'status' "$T_DIR/both.log") $(grep -c 'Secret to Everybody\|757107ea\|q-secret-7' "$T_DIR/both.log")"
perm=$(stat -c %a "$SPOOL"/seg-*.jsonl | sort -u)
check "spool file mode 0600" 600 "$perm"

# --- rejections ----------------------------------------------------------
n0=$(nevents)
cgi POST /hooks/github "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256=sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18
check "wrong signature: 401" 401 "$(status)"
check "401 answer is JSON" '"bad signature"' "$(json_body | jq .error)"
cgi POST /hooks/github "$T_DIR/hello"
check "missing signature: 401" 401 "$(status)"
cgi POST /hooks/github "$T_DIR/hello" HTTP_X_HUB_SIGNATURE_256=sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0
check "prefix naming the other algorithm: 401" 401 "$(status)"
cgi POST /hooks/nowhere "$T_DIR/hello"
check "unknown path: 404" 404 "$(status)"
cgi GET /hooks/github "$T_DIR/hello"
check "wrong method: 405" 405 "$(status)"
check "405 names the allowed methods" "POST" "$(header Allow)"
cgi DELETE /hooks/legacy "$T_DIR/hello"
check "405 Allow lists every method" "POST, PUT" "$(header Allow)"
cgi POST /hooks/off "$T_DIR/hello"
check "disabled endpoint: 503" 503 "$(status)"
check "503 has Retry-After" 1 "$([ -n "$(header Retry-After)" ] && echo 1)"
head -c 70000 /dev/zero | tr '\0' a > "$T_DIR/big"
cgi POST /hooks/open "$T_DIR/big"
check "body over max_body_size: 413" 413 "$(status)"
cgi POST /hooks/open "$T_DIR/hello" CONTENT_LENGTH=abc
check "non-numeric CONTENT_LENGTH: 400" 400 "$(status)"
cgi POST /hooks/open "$T_DIR/hello" CONTENT_LENGTH=20
check "body shorter than CONTENT_LENGTH: 400" 400 "$(status)"
cgi POST /hooks/open "$T_DIR/hello" CONTENT_LENGTH=-5
check "negative CONTENT_LENGTH: 400" 400 "$(status)"
check "no rejected request reached the spool" "$n0" "$(nevents)"

# --- bodies are kept exactly -----------------------------------------------
printf 'a\0b\377\376 not utf-8' > "$T_DIR/bin"
cgi POST /hooks/open "$T_DIR/bin"
check "binary body: 202" 202 "$(status)"
id=$(json_body | jq -r .id)
rec=$(spool_events "$SPOOL" | jq -c "select(.id == \"$id\")")
check "binary body stored as base64" base64 "$(printf '%s' "$rec" | jq -r .body_encoding)"
check "binary body byte-for-byte" "$(od -An -tx1 "$T_DIR/bin")" \
	"$(printf '%s' "$rec" | jq -r .body | base64 -d | od -An -tx1)"
printf 'not json at all {' > "$T_DIR/nojson"
cgi POST /hooks/open "$T_DIR/nojson"
check "non-JSON body accepted" 202 "$(status)"
env -i PATH="$PATH" HOOKSPOOL_CONFIG="$CONF" GATEWAY_INTERFACE=CGI/1.1 \
    REQUEST_METHOD=POST REQUEST_URI=/hooks/open $WH_RUN < "$T_DIR/hello" > "$T_DIR/out" 2>/dev/null
check "missing CONTENT_LENGTH: body read to its end" 202 "$(status)"
id=$(json_body | jq -r .id)
check "... and kept whole" "Hello, World!" "$(spool_events "$SPOOL" | jq -j "select(.id == \"$id\") | .body")"
cgi POST '/hooks/open?token=s3cr3t' "$T_DIR/hello"
check "query string is not part of the path" 202 "$(status)"
check "query string never in the log" 0 "$(grep -c s3cr3t "$T_DIR/err")"
# max_header_size counts names and values: "x-long" and 65530 bytes fit.
long=$(head -c 65530 /dev/zero | tr '\0' x)
cgi POST /hooks/open "$T_DIR/hello" HTTP_X_LONG="$long"
check "64 KiB of headers: 202" 202 "$(status)"
id=$(json_body | jq -r .id)
check "... and stored whole" 65530 "$(spool_events "$SPOOL" | jq -j "select(.id == \"$id\") | .headers[\"x-long\"] | length")"
n0=$(nevents)
cgi POST /hooks/open "$T_DIR/hello" HTTP_X_LONG="$long$(head -c 1024 /dev/zero | tr '\0' x)"
check "65 KiB header: 431" 431 "$(status)"
check "431 answer is JSON" '"request header fields too large"' "$(json_body | jq .error)"
check "431 is logged with its reason" 1 "$(grep -c 'status=431 .*reason=66560 bytes of headers, max_header_size 65536' "$T_DIR/err")"
many=()
for i in $(seq 1 500); do many+=("HTTP_X_H_$i=v"); done
cgi POST /hooks/open "$T_DIR/hello" "${many[@]}"
check "500 headers: 202" 202 "$(status)"
cgi POST /hooks/open "$T_DIR/hello" "${many[@]}" HTTP_X_H_501=v
check "501 headers: 431" 431 "$(status)"
check "431 status line" "431 Request Header Fields Too Large" "$(sed -n '1s/^Status: //p' "$T_DIR/out" | tr -d '\r')"
check "refused headers never reach the spool" $((n0 + 1)) "$(nevents)"

# --- credentials are redacted ---------------------------------------------
cgi POST /hooks/open "$T_DIR/hello" HTTP_AUTHORIZATION="Bearer abc.def.ghi"
id=$(json_body | jq -r .id)
check "Authorization never stored in the clear" 0 "$(grep -c abc.def.ghi "$SPOOL"/seg-*.jsonl)"
# header NAME: the value of request header NAME in the event of $id.
stored() { spool_events "$SPOOL" | jq -r "select(.id == \"$id\") | .headers[\"$1\"]"; }
cgi POST /hooks/gitlab "$T_DIR/hello" HTTP_X_TOKEN=gl-s3cr3t-token
check "gitlab token under signature_header: 202" 202 "$(status)"
id=$(json_body | jq -r .id)
check "... stored redacted" "[redacted]" "$(stored x-token)"
check "... never in the spool" 0 "$(cat "$SPOOL"/seg-*.jsonl | grep -c gl-s3cr3t-token)"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
jwt_sig=$(printf '%s.%s' "$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)" \
    "$(printf '{"sub":"ci"}' | b64url)")
jwt_sig=$jwt_sig.$(printf '%s' "$jwt_sig" | openssl dgst -sha256 -hmac jwt-s3cr3t -binary | b64url)
cgi POST /hooks/jwt "$T_DIR/hello" HTTP_X_JWT="Bearer $jwt_sig"
check "jwt under signature_header: 202" 202 "$(status)"
id=$(json_body | jq -r .id)
check "... stored redacted" "[redacted]" "$(stored x-jwt)"
check "... never in the spool" 0 "$(cat "$SPOOL"/seg-*.jsonl | grep -c "${jwt_sig##*.}")"
cgi POST /hooks/open "$T_DIR/hello" HTTP_X_API_KEY=k3y-value HTTP_X_SESSION=s3ss-value HTTP_X_KEPT=plain
id=$(json_body | jq -r .id)
check "redact_headers of [server] and the endpoint" "[redacted] [redacted] plain" \
    "$(echo $(stored x-api-key) $(stored x-session) $(stored x-kept))"
check "... never in the spool" 0 "$(cat "$SPOOL"/seg-*.jsonl | grep -c 'k3y-value\|s3ss-value')"

# --- a spool that cannot take the event -----------------------------------
n0=$(nevents)
mv "$SPOOL" "$SPOOL.away"
cgi POST /hooks/open "$T_DIR/hello"
check "missing spool directory: 503" 503 "$(status)"
check "503 answer is JSON" '"spool unavailable"' "$(json_body | jq .error)"
mv "$SPOOL.away" "$SPOOL"
if [ "$(id -u)" -ne 0 ]; then
	chmod 0500 "$SPOOL"; chmod 0400 "$SPOOL"/seg-*.jsonl
	cgi POST /hooks/open "$T_DIR/hello"
	check "read-only spool: 503" 503 "$(status)"
	chmod 0700 "$SPOOL"; chmod 0600 "$SPOOL"/seg-*.jsonl
else
	skip "read-only spool" "root ignores permission bits"
fi
# A full disk, as the file size limit makes it look to write(2).
size=$(cat "$SPOOL"/seg-*.jsonl | wc -c)
(ulimit -f $(( (size + 1023) / 1024 )); trap '' XFSZ; head -c 4000 /dev/zero | tr '\0' a > "$T_DIR/body4k"; cgi POST /hooks/open "$T_DIR/body4k")
check "full disk: 503" 503 "$(status)"
check "nothing acknowledged, nothing torn" "$n0" "$(nevents)"
check "spool still ends with a newline" "0a" "$(tail -c1 "$(ls "$SPOOL"/seg-*.jsonl | tail -1)" | od -An -tx1 | tr -d ' ')"
check "every spool line is JSON" 0 "$(cat "$SPOOL"/seg-*.jsonl | jq -c . >/dev/null 2>&1; echo $?)"

# A body that is not read (404, 413) is still consumed, up to
# CONTENT_LENGTH and never beyond: when a CGI program leaves input
# unread, Apache's mod_cgid holds the answer for seconds or loses it
# (the client sees the connection close).  The shell reads what is left.
printf 'abcdef' > "$T_DIR/six"
# rest CONTENT_LENGTH [FILE [PATH]]: what wh-receive left of FILE.
rest() {
	{ env -i PATH="$PATH" HOOKSPOOL_CONFIG="$CONF" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST REQUEST_URI="${3:-/hooks/nope}" CONTENT_LENGTH="$1" \
	    $WH_RUN >/dev/null 2>&1; cat; } < "${2:-$T_DIR/six}"
}
check "404: the unread body is consumed" "" "$(rest 6)"
check "404: nothing beyond CONTENT_LENGTH is read" "def" "$(rest 3)"
check "404 without CONTENT_LENGTH: read to its end" "" "$(rest '')"
check "413: the body over max_body_size is consumed" 0 \
    "$(rest 70000 "$T_DIR/big" /hooks/open | wc -c)"
check "413 without CONTENT_LENGTH: read to its end" 0 \
    "$(rest '' "$T_DIR/big" /hooks/open | wc -c)"

# --- ${full_url} without public_url ---------------------------------------
# The URL signed is rebuilt from the CGI variables: the scheme (HTTPS or
# REQUEST_SCHEME), the Host header or SERVER_NAME, a SERVER_PORT that is
# not the scheme's own when the host names none, and REQUEST_URI.
cat > "$T_DIR/url.ini" <<INI
[server]
spool_dir = $SPOOL

[endpoint:url]
path = /hooks/url
signature_type = hmac
signature_header = X-Sig
signed_content = \${full_url}
secret = url-secret
INI
printf '{}' > "$T_DIR/url.body"
# url_status URL VAR=VALUE...: the status of a request to /hooks/url?a=1
# signed over URL.
url_status() {
	local sig
	sig=$(printf '%s' "$1" | openssl dgst -sha256 -hmac url-secret -r | cut -d' ' -f1)
	shift
	CONF=$T_DIR/url.ini cgi POST '/hooks/url?a=1' "$T_DIR/url.body" HTTP_X_SIG="$sig" "$@"
	status
}
check "full_url: Host with its port" 202 \
    "$(url_status 'http://h.example:8080/hooks/url?a=1' HTTP_HOST=h.example:8080 SERVER_PORT=9)"
check "full_url: HTTPS=on" 202 \
    "$(url_status 'https://h.example/hooks/url?a=1' HTTP_HOST=h.example HTTPS=on SERVER_PORT=443)"
check "full_url: REQUEST_SCHEME=https" 202 \
    "$(url_status 'https://h.example/hooks/url?a=1' HTTP_HOST=h.example REQUEST_SCHEME=https)"
check "full_url: Host without a port: SERVER_PORT" 202 \
    "$(url_status 'http://h.example:8080/hooks/url?a=1' HTTP_HOST=h.example SERVER_PORT=8080)"
check "full_url: no Host: SERVER_NAME" 202 \
    "$(url_status 'http://s.example/hooks/url?a=1' SERVER_NAME=s.example SERVER_PORT=80)"
check "full_url: an IPv6 host" 202 \
    "$(url_status 'http://[::1]:8080/hooks/url?a=1' 'HTTP_HOST=[::1]' SERVER_PORT=8080)"
check "full_url: the scheme is signed" 401 \
    "$(url_status 'https://h.example:8080/hooks/url?a=1' HTTP_HOST=h.example:8080)"
check "full_url: no host at all: 401" 401 \
    "$(url_status 'http:///hooks/url?a=1')"

t_done
