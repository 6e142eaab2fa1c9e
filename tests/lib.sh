# Shell helpers shared by the CGI and integration tests.  Sourced, not run.
# Every test works in its own temporary directory and cleans up on exit.

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
case $top_builddir in /*) ;; *) top_builddir=$(cd "$top_builddir" && pwd) ;; esac
case $top_srcdir in /*) ;; *) top_srcdir=$(cd "$top_srcdir" && pwd) ;; esac
WH_RECEIVE=$top_builddir/wh-receive
# Under valgrind (configure --enable-valgrind) every run is wrapped.
WH_RUN="${WH_WRAPPER:-} $WH_RECEIVE"

T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0" .sh)

t_tmpdir() {
	T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hookspool-$T_NAME.XXXXXX")
	chmod 0700 "$T_DIR"
	# A signal ends the test through its EXIT trap, which stops servers.
	trap 'exit 129' HUP INT TERM PIPE
}

ok() { T_PASS=$((T_PASS + 1)); printf 'ok %d - %s\n' $((T_PASS + T_FAIL)) "$1"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); printf 'not ok %d - %s\n' $((T_PASS + T_FAIL)) "$1"; [ -n "${2:-}" ] && printf '#   %s\n' "$2"; return 0; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2], got [$3]"; fi
}

# The plain closing line that test harnesses read; on failure, the
# servers' logs too.
t_done() {
	if [ "$T_FAIL" -ne 0 ]; then
		for f in "$T_DIR"/wh.log "$T_DIR"/nginx/logs/error.log; do
			[ -s "$f" ] && { echo "# --- $f"; tail -20 "$f" | sed 's/^/# /'; }
		done
	fi
	printf '%s: %d passed, %d failed\n' "$T_NAME" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}

# hmac ALG SECRET FILE -> lowercase hex of HMAC(SECRET, contents of FILE)
hmac() {
	openssl dgst "-$1" -hmac "$2" -r "$3" | cut -d' ' -f1
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	local p
	for p in $(shuf -i 20000-60000 -n 50); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_for CMD...: retry CMD for up to 10 s.
wait_for() {
	local i
	for i in $(seq 1 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# The spool's event records, one per line, as stored.
spool_events() {
	cat "$1"/seg-*.jsonl 2>/dev/null | grep '"type":"event"' || true
}

# nginx_start PORT SOCKET: nginx on 127.0.0.1:PORT in $T_DIR/nginx with
# the project's own snippet, its socket path replaced (nothing else).
nginx_start() {
	local port=$1 sock=$2 d=$T_DIR/nginx user=
	mkdir -p "$d/tmp" "$d/logs"
	cp /etc/nginx/fastcgi_params "$d/"
	sed "s|unix:/run/hookspool/wh-receive.sock|unix:$sock|" \
	    "$top_srcdir/contrib/nginx/hookspool.conf" > "$d/hookspool.conf"
	# As root, workers would run as nobody and could not reach the
	# test's 0660 socket; run them as the invoking user instead.
	[ "$(id -u)" -eq 0 ] && user="user root root;"
	cat > "$d/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
$user
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        location = /ceiling { return 200 "ok\n"; }
        include $d/hookspool.conf;
    }
}
NGINX
	nginx -p "$d" -c "$d/nginx.conf" 2>>"$d/logs/error.log" &
	NGINX_PID=$!
	wait_for curl -s -o /dev/null "http://127.0.0.1:$port/ceiling"
}

# wh_start SOCKET CONF [CHILDREN]: wh-receive under spawn-fcgi on SOCKET.
wh_start() {
	local sock=$1 conf=$2 children=${3:-1}
	if [ "$children" -gt 1 ]; then
		spawn-fcgi -s "$sock" -M 0660 -F "$children" -P "$T_DIR/wh.pid" \
		    -- "$WH_RECEIVE" -d -c "$conf" >/dev/null 2>>"$T_DIR/wh.log"
		WH_PIDS=$(cat "$T_DIR/wh.pid")
	else
		spawn-fcgi -n -s "$sock" -M 0660 -- "$WH_RECEIVE" -d -c "$conf" \
		    2>>"$T_DIR/wh.log" &
		WH_PID=$!
		WH_PIDS=$WH_PID
	fi
	wait_for test -S "$sock"
}

# wh_stop: SIGTERM to every wh-receive of wh_start; wait (10 s at most)
# until they are gone, children of ours or not.
wh_stop() {
	local i
	kill -TERM $WH_PIDS 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 $WH_PIDS 2>/dev/null || break
		sleep 0.1
	done
	wait ${WH_PID:-} 2>/dev/null
	WH_PIDS=
	WH_PID=
}

# Stop every server this test started.
servers_stop() {
	[ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null
	[ -n "${WH_PIDS:-}" ] && kill $WH_PIDS 2>/dev/null
	pkill -TERM -f "$WH_RECEIVE -d -c $T_DIR" 2>/dev/null
	wait 2>/dev/null
	return 0
}
