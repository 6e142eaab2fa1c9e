#!/usr/bin/env bash
# metrics_path and health_path as CGI: the counters, their text format
# (promtool check metrics), metrics_allow, and the health check's 200
# and 503.
set -u
. "$(dirname "$0")/lib.sh"
need jq

t_tmpdir
trap 'kill ${WH_PID:-} 2>/dev/null; wait; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
CONF=$T_DIR/hookspool.ini
cat > "$CONF" <<INI
[server]
spool_dir = $SPOOL
metrics_path = /hooks/metrics
metrics_allow = 127.0.0.1/32, ::1
health_path = /hooks/health

[endpoint:open]
path = /hooks/open

[handler:works]
command = /bin/true

[handler:breaks]
command = /bin/false
payload.kind = break

[handler:waits]
command = $T_DIR/wait.sh $T_DIR/go
payload.kind = wait

[endpoint:signed]
path = /hooks/signed
signature_type = hmac-sha256
signature_header = X-Sig
secret = s3cr3t-metrics
INI

# cgi METHOD URI ADDR [VAR=VALUE...]: one request, body $BODY or {}; the answer
# in $T_DIR/out, the log in $T_DIR/err.
cgi() {
	local method=$1 uri=$2 addr=$3 b=${BODY:-\{\}}
	shift 3
	printf '%s' "$b" | env -i PATH="$PATH" HOOKSPOOL_CONFIG="$CONF" \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
	    REQUEST_URI="$uri" REMOTE_ADDR="$addr" CONTENT_LENGTH=${#b} "$@" \
	    $WH_RUN > "$T_DIR/out" 2> "$T_DIR/err"
}
status() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T_DIR/out" | tr -d '\r'; }
body() { sed '1,/^\r$/d' "$T_DIR/out"; }

cgi POST /hooks/open 192.0.2.1
cgi POST /hooks/open 192.0.2.1
cgi POST /hooks/signed 192.0.2.1 HTTP_X_SIG=sha256=$(printf "%064d" 0)
cgi POST /hooks/nowhere 192.0.2.1

# The dispatchers of the two events count their handlers' attempts.
attempts() {
	cgi GET /hooks/metrics 127.0.0.1
	body | grep -c '^hookspool_handler_attempts_total{handler="works",outcome="done"} 2$'
}
poll_for 3000 attempts && ok "handler attempts by handler and outcome" ||
    not_ok "handler attempts by handler and outcome" "$(body | grep attempts)"
check "a handler no event matched: 0 done" 1 \
    "$(body | grep -c '^hookspool_handler_attempts_total{handler="breaks",outcome="done"} 0$')"

cgi GET /hooks/metrics 192.0.2.1
check "metrics: 403 to an address metrics_allow leaves out" 403 "$(status)"
cgi GET /hooks/metrics ::1
check "metrics: 200 to ::1" 200 "$(status)"
cgi GET /hooks/metrics 127.0.0.1
check "metrics: 200 to 127.0.0.1" 200 "$(status)"
body > "$T_DIR/metrics.txt"
check "requests by endpoint and status" 2 \
	"$(sed -n 's/^hookspool_requests_total{endpoint="open",status="202"} //p' "$T_DIR/metrics.txt")"
check "unmatched requests" 1 \
	"$(sed -n 's/^hookspool_requests_total{endpoint="-",status="404"} //p' "$T_DIR/metrics.txt")"
check "verification failures by reason" 1 \
	"$(sed -n 's/^hookspool_verification_failures_total{endpoint="signed",reason="mismatch"} //p' "$T_DIR/metrics.txt")"
check "spool appends" 2 \
	"$(sed -n 's/^hookspool_spool_appends_total //p' "$T_DIR/metrics.txt")"
check "content type" 1 "$(grep -c '^Content-Type: text/plain; version=0.0.4' "$T_DIR/out")"
if have "promtool check metrics" promtool; then
	out=$(promtool check metrics < "$T_DIR/metrics.txt" 2>&1); rc=$?
	check "promtool check metrics: wh-receive" "0 " "$rc $out"
fi

# The dispatchers' gauges: an event whose handler waits is running, and
# no longer once it has ended (its dispatcher gone or idle).
printf '#!/bin/sh\nwhile [ ! -e "$1" ]; do sleep 0.05; done\n' > "$T_DIR/wait.sh"
chmod +x "$T_DIR/wait.sh"
gauge() {
	cgi GET /hooks/metrics 127.0.0.1
	[ "$(body | sed -n "s/^hookspool_dispatcher_$1 //p")" = "$2" ]
}
check "no handler running: running 0" 1 "$(gauge running 0 && echo 1)"
BODY='{"kind":"wait"}' cgi POST /hooks/open 192.0.2.1
poll_for 3000 gauge running 1 && ok "a handler under way: running 1" ||
    not_ok "a handler under way: running 1" "$(body | grep dispatcher)"
check "... queued 0" 1 "$(gauge queued 0 && echo 1)"
touch "$T_DIR/go"
poll_for 3000 gauge running 0 && ok "the handler done: running 0" ||
    not_ok "the handler done: running 0" "$(body | grep dispatcher)"
check "no queue overflowed" 1 "$(gauge overflows_total 0 && echo 1)"

# The same with a FastCGI worker's dispatcher: three events under way.
rm -f "$T_DIR/go"
$WH_RUN -d -c "$CONF" --listen "$T_DIR/wh.sock" 2>"$T_DIR/wh.log" &
WH_PID=$!
wait_for test -S "$T_DIR/wh.sock" || not_ok "wh-receive --listen started" "$(cat "$T_DIR/wh.log")"
for i in 1 2 3; do
	fcgi_post "$T_DIR/wh.sock" '{"kind":"wait"}' | fcgi_status
done > "$T_DIR/fcgi.status"
check "FastCGI: three 202" "202 202 202" "$(xargs < "$T_DIR/fcgi.status")"
poll_for 3000 gauge running 3 && ok "FastCGI: three handlers under way: running 3" ||
    not_ok "FastCGI: three handlers under way: running 3" "$(body | grep dispatcher)"
touch "$T_DIR/go"
poll_for 3000 gauge running 0 && ok "FastCGI: the handlers done: running 0" ||
    not_ok "FastCGI: the handlers done: running 0" "$(body | grep dispatcher)"
kill "$WH_PID"; wait "$WH_PID"; WH_PID=

# The alert rules the README shows are rules Prometheus accepts.
if have "promtool check rules" promtool; then
	awk '/^## Monitoring/ { m = 1 } m && /^```$/ && y { exit }
	    y { print } m && /^```yaml$/ { y = 1 }' \
	    "$top_srcdir/README.md" > "$T_DIR/rules.yml"
	out=$(promtool check rules "$T_DIR/rules.yml" 2>&1); rc=$?
	check "promtool check rules: the README's alert rules" "0 SUCCESS" \
	    "$rc $(printf '%s' "$out" | grep -o 'SUCCESS')"
	grep -q HookspoolDispatcherQueue "$T_DIR/rules.yml" ||
	    not_ok "the README's rules were found" "$(cat "$T_DIR/rules.yml")"
fi

# A damaged metrics file is replaced, not fatal.
printf 'not metrics' > "$SPOOL/.metrics"
cgi POST /hooks/open 192.0.2.1
check "a damaged metrics file does not stop events" 202 "$(status)"
cgi GET /hooks/metrics 127.0.0.1
check "a damaged metrics file is replaced" 200 "$(status)"

cgi GET /hooks/health 192.0.2.1
check "health: 200" 200 "$(status)"
check "health: body" ok "$(body | jq -r .status)"
check "health: a passing check is not logged" "" "$(grep 'path=/hooks/health' "$T_DIR/err")"
sed -i "s|^spool_dir = .*|spool_dir = $T_DIR/gone|" "$CONF"
cgi GET /hooks/health 192.0.2.1
check "health: 503 when the spool is not writable" 503 "$(status)"
case $(body | jq -r .reason) in "spool directory: does not exist") ok "health: 503 says why" ;;
	*) not_ok "health: 503 says why" "$(body)" ;; esac
check "health: a failing check is logged" 1 "$(grep -c 'path=/hooks/health.*status=503' "$T_DIR/err")"
t_done
