#!/usr/bin/env bash
# Real nginx that passes bodies on as they come (fastcgi_request_buffering
# off), one wh-receive: a client that sends its body a byte a second
# holds no worker (another request is answered 202 meanwhile), and is
# cut off once request_timeout has passed, with nothing spooled for it.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl

t_tmpdir
SLOW_PID=
trap 'kill $SLOW_PID 2>/dev/null; servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
open_conf "$SPOOL" "fsync = always" "request_timeout = 3"
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
wh_start "$SOCK" "$T_DIR/hookspool.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_run "$PORT" "    server {
        listen 127.0.0.1:$PORT;
        location = /ceiling { return 200 \"ok\\n\"; }
        location /hooks/ {
            include /etc/nginx/fastcgi_params;
            fastcgi_request_buffering off;
            fastcgi_pass unix:$SOCK;
        }
    }" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }

# slow: a POST of 10 bytes, one a second (10 s at most), its status
# line in $T_DIR/slow and the seconds it took in $T_DIR/slow.s.
slow() {
	local i t0=$SECONDS
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'POST /hooks/open HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n' >&3
	for i in $(seq 1 10); do
		printf x >&3 2>/dev/null || break
		sleep 1
	done
	head -1 <&3 | tr -d '\r' > "$T_DIR/slow.line"
	echo $((SECONDS - t0)) > "$T_DIR/slow.s"
	exec 3>&-
}
slow &
SLOW_PID=$!
sleep 1		# the first bytes are in
post() {
	curl -s -m 10 -o /dev/null -w '%{http_code}' --data-binary "$1" \
	    "http://127.0.0.1:$PORT/hooks/open"
}
check "a body trickling in, another request: 202" 202 "$(post '{"n":1}')"
check "... while the slow one is still sending" "" "$(cat "$T_DIR/slow.s" 2>/dev/null)"
wait "$SLOW_PID"
SLOW_PID=
check "the slow one is cut off: nginx answers 502" "HTTP/1.1 502 Bad Gateway" "$(cat "$T_DIR/slow.line")"
check "... not before request_timeout" 1 "$(awk '{ print ($1 >= 3) }' "$T_DIR/slow.s")"
check "... logged" 1 "$(grep -c 'request not in after 3 s' "$T_DIR/wh.log")"
check "... nothing spooled for it" 1 "$(spool_events "$SPOOL" | wc -l)"
t_done
