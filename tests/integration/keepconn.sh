#!/usr/bin/env bash
# Real nginx that keeps its FastCGI connections open (an upstream with
# keepalive and fastcgi_keep_conn on, as contrib/nginx does, here with
# other counts), one wh-receive with fsync = always: requests one after
# another come on the same kept connection, each is answered 202 after
# its sync, and every event is in the spool.  Then nginx keeps four
# connections and sends eight requests at once: the worker watches its
# idle kept connections beside the socket, and none waits.  Then 72
# connections, more than a worker holds.  Last, contrib/nginx as
# shipped, and wh-receive restarted six times under load.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl cgi-fcgi jq

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
open_conf "$SPOOL" "fsync = always"
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
wh_start "$SOCK" "$T_DIR/hookspool.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }

# nginx_keep N: (another) nginx keeping up to N idle connections to
# wh-receive.
nginx_keep() {
	if [ -n "${NGINX_PID:-}" ]; then
		kill "$NGINX_PID"
		wait "$NGINX_PID" 2>/dev/null
	fi
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
# post BODY [PATH]: a POST through nginx (30 s at most: a loaded machine
# starting 72 of them while the worker is stopped); its status.
post() {
	curl -s -m 30 -o /dev/null -w '%{http_code}\n' --data-binary "$1" \
	    "http://127.0.0.1:$PORT${2:-/hooks/open}"
}
# send_at_once N TAG: N requests at once, in the background, the status
# of each in $T_DIR/TAG.I; their pids in PIDS.
send_at_once() {
	local i
	PIDS=
	for i in $(seq 1 "$1"); do
		post "{\"tag\":\"$2\",\"n\":$i}" > "$T_DIR/$2.$i" &
		PIDS="$PIDS $!"
	done
}
# wait_sent: until the requests of send_at_once have their answers.
wait_sent() {
	local p
	for p in $PIDS; do wait "$p"; done
}
# count_202 TAG: how many of TAG's answers were 202.
count_202() { cat "$T_DIR/$1".* | grep -c '^202$'; }
# sockets: how many sockets the worker holds open.
sockets() {
	local f n=0
	for f in "/proc/$WH_PID/fd"/*; do
		case $(readlink "$f") in socket:*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}
nginx_errors() { grep -c '\[error\]' "$T_DIR/nginx/logs/error.log"; }

nginx_keep 1
n202=0
for i in 1 2 3 4 5 6; do
	[ "$(post "{\"n\":$i}")" = 202 ] && n202=$((n202 + 1))
done
check "six requests one after another, one kept connection: six 202" 6 "$n202"
check "six events spooled" 6 "$(spool_events "$SPOOL" | wc -l)"
# The worker holds the kept connection besides its listening socket.
check "the worker keeps the connection open between requests" 2 "$(sockets)"
check "nginx logged no error" 0 "$(nginx_errors)"
check "an unknown path on the kept connection: 404" 404 "$(post '{}' /hooks/nowhere)"
check "and a 202 after it" 202 "$(post '{"n":7}')"

# nginx keeping up to four idle connections to the one worker, eight
# requests at once, five times: each answered at once, none held up
# behind an idle kept connection (a worker that waited on one for its
# next request would let the others time out), with fsync = always and,
# after a reload, fsync = never.
nginx_keep 4
# bursts MODE: 5 x 8 requests at once; how many were answered 202.
bursts() {
	local r n=0
	for r in 1 2 3 4 5; do
		send_at_once 8 "$1.$r"
		wait_sent
		n=$((n + $(count_202 "$1.$r")))
	done
	echo "$n"
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
check "nginx logged no error" 0 "$(nginx_errors)"

# nginx keeping up to 72, and 72 requests sent while the worker is
# stopped, so that nginx opens a connection for each: the worker then
# serves them all and holds as many idle connections as it can (64)
# besides its socket.  A new connection from elsewhere is still served
# at once: the worker closes the kept connection idle the longest to
# take it, instead of leaving it waiting until nginx drops idle ones (a
# minute).
nginx_keep 72
kill -STOP "$WH_PID"
send_at_once 72 held
sleep 2		# every request in nginx, waiting on a connection of its own
kill -CONT "$WH_PID"
wait_sent
check "72 requests on 72 connections at once: 72 202" 72 "$(count_202 held)"
check "the worker holds 64 idle kept connections and its socket" 65 "$(sockets)"
# (30 s at most: nginx drops an idle connection only after 60 s.)
check "a new connection besides them: 202" 202 \
    "$(fcgi_post "$SOCK" '{"new":1}' 30 | fcgi_status)"
check "... and nginx's next request too" 202 "$(post '{"n":8}')"
check "nginx logged no error" 0 "$(nginx_errors)"

# Restarts under load, through contrib/nginx as shipped (its upstream
# keeps 8 connections): two clients post unique bodies, three at a time
# each, while a new wh-receive (--listen, two workers) takes over the
# socket path and the old one is stopped with SIGTERM, RESTARTS times.
# The old closes its kept connections as it stops; no request is
# answered anything but 202, and every event is in the spool once.
RESTARTS=6
servers_stop
NGINX_PID= WH_PIDS= WH_PID=
SPOOL=$T_DIR/spool-restart
mkdir -m 0700 "$SPOOL"
open_conf "$SPOOL" "fsync = always" "workers = 2"
rm -rf "$T_DIR/nginx" "$T_DIR/stop" "$T_DIR/r"
mkdir "$T_DIR/r"
# client C: batches of 20 POSTs until $T_DIR/stop (200 at most); "STATUS
# SEQ" of each in $T_DIR/codes.C, the answer in $T_DIR/r/SEQ.
client() {
	local b i seq
	for b in $(seq 1 200); do
		[ -e "$T_DIR/stop" ] && break
		for i in $(seq 1 20); do
			seq=$1-$b-$i
			[ "$i" -gt 1 ] && echo next
			printf 'url = "%s"\ndata = "{\\"seq\\":\\"%s\\"}"\n' \
			    "http://127.0.0.1:$PORT/hooks/open" "$seq"
			printf 'output = "%s"\nsilent\nmax-time = 30\n' "$T_DIR/r/$seq"
			printf 'write-out = "%%{http_code} %s\\n"\n' "$seq"
		done > "$T_DIR/curl.$1"
		curl --parallel --parallel-max 3 -K "$T_DIR/curl.$1" \
		    >> "$T_DIR/codes.$1" 2>/dev/null
	done
}
# takeover: a new wh-receive on the socket path, then the old stopped.
takeover() {
	local old new ino
	ino=$(stat -c %i "$SOCK")
	$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
	new=$!
	wait_expr '[ "$(stat -c %i "$SOCK")" != "$ino" ]'
	old=$WH_PID
	WH_PID=$new WH_PIDS=$new
	kill -TERM "$old"
	wait "$old"
}
answered() { cat "$T_DIR"/codes.* 2>/dev/null | wc -l; }
$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
WH_PID=$! WH_PIDS=$!
wait_for pool_is $WH_PID 2 || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
rm -f "$T_DIR/done"
{ client a & client b & wait; touch "$T_DIR/done"; } &
ca=$!
restarts=0
for r in $(seq 1 $RESTARTS); do
	# Each restart while requests are being answered.
	n=$(answered)
	wait_expr '[ "$(answered)" -gt $((n + 10)) ] || [ -e "$T_DIR/done" ]'
	[ -e "$T_DIR/done" ] && break
	takeover
	restarts=$((restarts + 1))
done
touch "$T_DIR/stop"
wait $ca
check "$RESTARTS restarts while the clients were sending" $RESTARTS $restarts
cat "$T_DIR"/codes.* > "$T_DIR/acks"
echo "# $(wc -l < "$T_DIR/acks") requests over $RESTARTS restarts"
check "restarts under load: every answer 202" 0 \
    "$(awk '$1 != 202' "$T_DIR/acks" | wc -l)"
(cd "$T_DIR/r" && grep -o '"id":"[^"]*"' -- *) | tr -d '"' |
    sed 's/:id:/ /' | sort > "$T_DIR/ids"
check "... each with an event id" "$(wc -l < "$T_DIR/acks")" "$(wc -l < "$T_DIR/ids")"
spool_events "$SPOOL" | jq -r '"\(.body | fromjson | .seq) \(.id)"' | sort > "$T_DIR/spooled"
check "... every event in the spool once, under the id it was answered with" "" \
    "$(diff "$T_DIR/ids" "$T_DIR/spooled")"
# nginx logs each request it sent again (a kept connection closed as it
# wrote on it) as an error, though its sender got a 202.
echo "# nginx sent $(nginx_errors) request(s) again on another connection"
t_done
