#!/usr/bin/env bash
# Real nginx that keeps its FastCGI connections open (an upstream with
# keepalive and fastcgi_keep_conn on, against the advice of
# contrib/nginx), one wh-receive with fsync = always: requests one after
# another come on the same kept connection, each is answered 202 after
# its sync, and every event is in the spool.
set -u
. "$(dirname "$0")/../lib.sh"
for p in nginx spawn-fcgi curl; do
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

nginx_run "$PORT" "    upstream wh { server unix:$SOCK; keepalive 1; }
    server {
        listen 127.0.0.1:$PORT;
        location = /ceiling { return 200 \"ok\\n\"; }
        location /hooks/ {
            include /etc/nginx/fastcgi_params;
            fastcgi_keep_conn on;
            fastcgi_pass wh;
        }
    }" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }

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
t_done
