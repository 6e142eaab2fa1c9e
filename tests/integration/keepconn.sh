#!/usr/bin/env bash
# Real nginx that keeps its FastCGI connections open (an upstream with
# keepalive and fastcgi_keep_conn on, which contrib/nginx does not do),
# one wh-receive with fsync = always: requests one after
# another come on the same kept connection, each is answered 202 after
# its sync, and every event is in the spool.  Then nginx keeps four
# connections and sends eight requests at once: the worker watches its
# idle kept connections beside the socket, and none waits.
set -u
. "$(dirname "$0")/../lib.sh"
for p in nginx spawn-fcgi curl cgi-fcgi; do
	command -v "$p" >/dev/null || { echo "keepconn: $p is required"; exit 99; }
done

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
fsync = always

[endpoint:open]
path = /hooks/open
INI
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
wh_start "$SOCK" "$T_DIR/hookspool.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }

# nginx_keep N: nginx keeping up to N idle connections to wh-receive.
nginx_keep() {
	nginx_run "$PORT" "    upstream wh { server unix:$SOCK; keepalive $1; }
    server {
        listen 127.0.0.1:$PORT;
        location = /ceiling { return 200 \"ok\\n\"; }
        location /hooks/ {
            include /etc/nginx/fastcgi_params;
            fastcgi_keep_conn on;
            fastcgi_pass wh;
        }
    }" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
}
nginx_keep 1

n202=0
for i in 1 2 3 4 5 6; do
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data-binary "{\"n\":$i}" \
	    "http://127.0.0.1:$PORT/hooks/open")
	[ "$code" = 202 ] && n202=$((n202 + 1))
done
check "six requests one after another, one kept connection: six 202" 6 "$n202"
check "six events spooled" 6 "$(spool_events "$SPOOL" | wc -l)"
# The worker holds the kept connection besides its listening socket.
socks=0
for f in "/proc/$WH_PID/fd"/*; do
	case $(readlink "$f") in socket:*) socks=$((socks + 1)) ;; esac
done
check "the worker keeps the connection open between requests" 2 "$socks"
check "nginx logged no error" 0 "$(grep -c '\[error\]' "$T_DIR/nginx/logs/error.log")"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/hooks/nowhere")
check "an unknown path on the kept connection: 404" 404 "$code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data-binary '{"n":7}' \
    "http://127.0.0.1:$PORT/hooks/open")
check "and a 202 after it" 202 "$code"

# nginx keeping up to four idle connections to the one worker, eight
# requests at once, five times: each answered at once, none held up
# behind an idle kept connection (a worker that waited on one for its
# next request would let the others time out), with fsync = always and,
# after a reload, fsync = never.
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null
nginx_keep 4
# bursts MODE [N]: 5 x N (8) requests at once; the answers in $T_DIR/burst.*
bursts() {
	local r i pids
	rm -f "$T_DIR"/burst.*
	for r in 1 2 3 4 5; do
		pids=
		for i in $(seq 1 "${2:-8}"); do
			curl -s -m 5 -o /dev/null -w '%{http_code}\n' \
			    --data-binary "{\"mode\":\"$1\",\"n\":$r$i}" \
			    "http://127.0.0.1:$PORT/hooks/open" > "$T_DIR/burst.$r.$i" &
			pids="$pids $!"
		done
		for i in $pids; do wait "$i"; done
	done
	cat "$T_DIR"/burst.* | grep -c '^202$'
}
before=$(spool_events "$SPOOL" | wc -l)
check "fsync = always, four kept connections: 40 requests at 8 at once, 40 202" 40 "$(bursts always)"
check "... 40 events spooled" 40 "$(($(spool_events "$SPOOL" | wc -l) - before))"
sed -i 's/^fsync = always/fsync = never/' "$T_DIR/hookspool.ini"
kill -HUP "$WH_PID"
wait_for grep -q "configuration reloaded" "$T_DIR/wh.log"
before=$(spool_events "$SPOOL" | wc -l)
check "fsync = never, four kept connections: 40 requests at 8 at once, 40 202" 40 "$(bursts never)"
check "... 40 events spooled" 40 "$(($(spool_events "$SPOOL" | wc -l) - before))"
check "nginx logged no error" 0 "$(grep -c '\[error\]' "$T_DIR/nginx/logs/error.log")"

# nginx keeping up to 32, and 32 requests sent while the worker is
# stopped, so that nginx opens a connection for each: the worker then
# serves them all and holds as many idle connections as it can (16)
# besides its socket.  A new connection from elsewhere is still served
# at once: the worker closes the kept connection idle the longest to
# take it, instead of leaving it waiting until nginx drops idle ones (a
# minute).
kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null
nginx_keep 32
kill -STOP "$WH_PID"
pids=
for i in $(seq 1 32); do
	curl -s -m 10 -o /dev/null -w '%{http_code}\n' --data-binary "{\"n\":$i}" \
	    "http://127.0.0.1:$PORT/hooks/open" > "$T_DIR/held.$i" &
	pids="$pids $!"
done
sleep 2		# every request in nginx, waiting on a connection of its own
kill -CONT "$WH_PID"
for i in $pids; do wait "$i"; done
check "32 requests on 32 connections at once: 32 202" 32 "$(cat "$T_DIR"/held.* | grep -c '^202$')"
socks=0
for f in "/proc/$WH_PID/fd"/*; do
	case $(readlink "$f") in socket:*) socks=$((socks + 1)) ;; esac
done
check "the worker holds 16 idle kept connections and its socket" 17 "$socks"
code=$(printf '{"new":1}' | env -i PATH="$PATH" REQUEST_METHOD=POST \
    REQUEST_URI=/hooks/open CONTENT_LENGTH=9 REMOTE_ADDR=127.0.0.1 \
    GATEWAY_INTERFACE=CGI/1.1 timeout 5 cgi-fcgi -bind -connect "$SOCK" |
    sed -n '1s/^Status: \([0-9]*\).*/\1/p')
check "a new connection besides them: 202 within 5 s" 202 "$code"
check "... and nginx's next request too" 202 \
    "$(curl -s -m 5 -o /dev/null -w '%{http_code}' --data-binary '{"n":8}' \
    "http://127.0.0.1:$PORT/hooks/open")"
check "nginx logged no error" 0 "$(grep -c '\[error\]' "$T_DIR/nginx/logs/error.log")"
t_done
