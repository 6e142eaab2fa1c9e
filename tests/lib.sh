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
		for f in "$T_DIR"/wh.log "$T_DIR"/nginx/logs/error.log \
		    "$T_DIR"/lighttpd/logs/error.log "$T_DIR"/apache/logs/error.log; do
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
# Below the kernel's ephemeral range (32768 and up by default): a port
# there can be taken by any outgoing connection between check and bind.
free_port() {
	local p lo
	read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 21024 ] || lo=32768
	for p in $(shuf -i 20000-$((lo - 1)) -n 50); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# poll_for N CMD...: retry CMD every 0.1 s, N times at most.
poll_for() {
	local i n=$1
	shift
	for i in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
# wait_for CMD...: retry CMD for up to 10 s. Its words are expanded
# once, when it is called: for a condition on what changes, such as
# "$(count)", use wait_expr.
wait_for() { poll_for 100 "$@"; }
# wait_expr 'SHELL EXPRESSION': evaluate it afresh until it is true, for
# up to 5 min (a bound for what hangs, not a timing).
wait_expr() { poll_for 3000 eval "$1"; }

# cgi_post CONF URI JSON: JSON posted to wh-receive run as a CGI program
# with configuration CONF; prints the event id of the answer.  Its log
# goes to $T_DIR/wh.log.
cgi_post() {
	printf '%s' "$3" > "$T_DIR/body"
	env -i PATH="$PATH" HOOKSPOOL_CONFIG="$1" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST REQUEST_URI="$2" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_LENGTH="$(stat -c %s "$T_DIR/body")" CONTENT_TYPE=application/json \
	    $WH_RUN < "$T_DIR/body" 2>>"$T_DIR/wh.log" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'
}

# max_overlap FILE: of lines "start NS ..." and "end NS ..." (a command's
# start and end, in nanoseconds), the most at one moment.
max_overlap() { sort -k2,2n "$1" | awk '$1 == "start" { if (++n > m) m = n } $1 == "end" { n-- } END { print m + 0 }'; }

# The spool's event records, one per line, as stored.
spool_events() {
	cat "$1"/seg-*.jsonl 2>/dev/null | grep '"type":"event"' || true
}

# nginx_conf DIR HTTP: DIR/nginx.conf, for an nginx in the foreground
# with HTTP (upstream and server blocks) in its http block, its pid,
# logs and temporary files in DIR.
nginx_conf() {
	local d=$1 user=
	mkdir -p "$d/tmp" "$d/logs"
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
$2
}
NGINX
}

# nginx_run PORT HTTP: nginx in $T_DIR/nginx (nginx_conf), in the
# foreground of a background job (NGINX_PID); waits until /ceiling
# answers on 127.0.0.1:PORT, which HTTP must define.
nginx_run() {
	local port=$1 d=$T_DIR/nginx
	nginx_conf "$d" "$2"
	nginx -p "$d" -c "$d/nginx.conf" 2>>"$d/logs/error.log" &
	NGINX_PID=$!
	wait_for curl -s -o /dev/null "http://127.0.0.1:$port/ceiling"
}

# nginx_start PORT SOCKET [MORE]: nginx on 127.0.0.1:PORT in $T_DIR/nginx
# with the project's own upstream (its socket path replaced, nothing
# else) and snippet; MORE is more of the http { } block.
nginx_start() {
	local port=$1 sock=$2 d=$T_DIR/nginx
	mkdir -p "$d"
	cp /etc/nginx/fastcgi_params "$d/"
	sed "s|unix:/run/hookspool/wh-receive.sock|unix:$sock|" \
	    "$top_srcdir/contrib/nginx/hookspool-upstream.conf" > "$d/hookspool-upstream.conf"
	cp "$top_srcdir/contrib/nginx/hookspool.conf" "$d/hookspool.conf"
	nginx_run "$port" "    include $d/hookspool-upstream.conf;
    server {
        listen 127.0.0.1:$port;
        location = /ceiling { return 200 \"ok\\n\"; }
        include $d/hookspool.conf;
    }
${3:-}"
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

# serve_nginx: one wh-receive on $T_DIR/wh.sock with $T_DIR/hookspool.ini
# behind nginx on a free loopback port; sets PORT, SOCK and URL, or ends
# the test (99) with the log of what did not start.
serve_nginx() {
	PORT=$(free_port)
	SOCK=$T_DIR/wh.sock
	wh_start "$SOCK" "$T_DIR/hookspool.ini" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
	nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
	URL=http://127.0.0.1:$PORT
}

# wh_stop: SIGTERM to every wh-receive of wh_start; wait (10 s at most)
# until they are gone, children of ours or not.
wh_stop() {
	local i p alive
	kill -TERM $WH_PIDS 2>/dev/null
	for i in $(seq 1 100); do
		alive=
		for p in $WH_PIDS; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	# Only our own child: a bare wait would wait for nginx too.
	[ -n "${WH_PID:-}" ] && wait "$WH_PID" 2>/dev/null
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

# need COMMAND|FILE...: what a test cannot run without.  Missing, the
# test is skipped (77), but under CI=true it fails: CI installs all.
need() {
	local x
	for x; do
		case $x in
		/*) [ -e "$x" ] && continue ;;
		*) command -v "$x" >/dev/null && continue ;;
		esac
		if [ "${CI:-}" = true ]; then
			echo "$T_NAME: $x is required (CI=true)"
			exit 1
		fi
		echo "$T_NAME: SKIP, $x is missing"
		exit 77
	done
}

# skip WHAT WHY: WHAT, a part of the test that cannot run here, is
# passed over with a line that says so, never in silence.
skip() { printf '%s: SKIP %s: %s\n' "$T_NAME" "$1" "$2"; }

# have WHAT COMMAND...: true when every COMMAND is there; else WHAT, the
# part of the test that needs it, is skipped (skip).  For what a test
# can do without; what it cannot is need's.
have() {
	local what=$1 x
	shift
	for x; do
		command -v "$x" >/dev/null && continue
		skip "$what" "$x is missing"
		return 1
	done
}

# wait_gone PID...: wait (10 s at most) until every PID has exited.
wait_gone() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$@" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# stops PID NAME: PID, a child of ours, exits by itself, with status 0
# (two checks); one still running after wait_gone's 10 s is killed.  How
# fast is not asserted (a loaded machine may take its time): a wait
# without a bound would never end.
stops() {
	local rc
	if wait_gone "$1"; then
		ok "$2: exits"
	else
		not_ok "$2: exits" "still running after 10 s"
		kill -KILL "$1"
	fi
	wait "$1"; rc=$?
	check "$2: clean exit" 0 "$rc"
}

# fcgi_post ADDRESS BODY [SECONDS]: POST BODY to /hooks/open straight to
# wh-receive's FastCGI socket (libfcgi's cgi-fcgi), for SECONDS (120) at
# most; the answer, head and body, on stdout.
fcgi_post() {
	printf '%s' "$2" | env -i PATH="$PATH" REQUEST_METHOD=POST \
	    REQUEST_URI=/hooks/open CONTENT_LENGTH=${#2} \
	    REMOTE_ADDR=127.0.0.1 GATEWAY_INTERFACE=CGI/1.1 \
	    timeout "${3:-120}" cgi-fcgi -bind -connect "$1" 2>/dev/null
}

# preload NAME: tests/NAME.c built as $T_DIR/NAME.so, a library for
# LD_PRELOAD, with the build's config.h (1, and a SKIP line, when it
# cannot be built).  Under ASan, set
# ASAN_OPTIONS=...:verify_asan_link_order=0 where it is preloaded.
preload() {
	have "what needs $1.so" "${CC:-cc}" || return 1
	"${CC:-cc}" -shared -fPIC -I"$top_builddir" -o "$T_DIR/$1.so" \
	    "$top_srcdir/tests/$1.c" -ldl 2>/dev/null && return 0
	skip "what needs $1.so" "tests/$1.c does not compile"
	return 1
}

# fcgi_status: the status of the FastCGI answer on stdin.
fcgi_status() { sed -n '1s/^Status: \([0-9]*\).*/\1/p'; }

# contrib_copy FILE OUT: a contrib file with its installation paths
# replaced by the test's own (wh-receive, hookspool.ini, /run), nothing
# else changed.  WH_BIN is the wh-receive the web server runs.
contrib_copy() {
	sed -e "s|/usr/local/sbin/wh-receive|${WH_BIN:-$WH_RECEIVE}|g" \
	    -e "s|/usr/local/etc/hookspool/hookspool.ini|$T_DIR/hookspool.ini|g" \
	    -e "s|/run/hookspool|$T_DIR/run|g" \
	    -e "s|/run/lighttpd|$T_DIR/run|g" \
	    "$top_srcdir/contrib/$1" > "$2"
}

# as_web_user: Apache will not serve as root, and the worker it runs
# (mod_fcgid, mod_cgi) or connects from (mod_proxy_fcgi) is nobody.
# As root, give the test's directory to nobody and run a copy of
# wh-receive that nobody can reach; otherwise nothing changes.
WEB_USER=
as_web_user() {
	mkdir -p "$T_DIR/bin" "$T_DIR/run"
	cp "$WH_RECEIVE" "$T_DIR/bin/wh-receive"
	WH_BIN=$T_DIR/bin/wh-receive
	if [ "$(id -u)" -eq 0 ]; then
		WEB_USER=nobody
		chown -R nobody:nogroup "$T_DIR"
	fi
}

# spawn_contrib: wh-receive started by contrib/spawn-fcgi/wh-receive-spawn,
# paths replaced; the user options give the socket, and the workers, to
# the web server's user, who owns the spool then (as root), or are
# dropped (not root).  Sets WH_PIDS.
spawn_contrib() {
	local users=
	mkdir -p "$T_DIR/run"
	if [ "$(id -u)" -eq 0 ] && [ -n "$WEB_USER" ]; then
		users="-U $WEB_USER -G nogroup -u $WEB_USER -g nogroup"
	fi
	contrib_copy spawn-fcgi/wh-receive-spawn "$T_DIR/spawn"
	sed -i "s|-U hookspool -G www-data -u hookspool -g hookspool|$users|" "$T_DIR/spawn"
	sh "$T_DIR/spawn" >/dev/null 2>>"$T_DIR/wh.log" || return 1
	WH_PIDS=$(cat "$T_DIR/run/wh-receive.pid")
	wait_for test -S "$T_DIR/run/wh-receive.sock"
}

# lighttpd_start PORT CONTRIB: lighttpd on 127.0.0.1:PORT in
# $T_DIR/lighttpd with contrib/CONTRIB included.  As root it stays root
# (no server.username), like nginx_start's workers.
lighttpd_start() {
	local port=$1 d=$T_DIR/lighttpd
	mkdir -p "$d/htdocs" "$d/logs" "$d/tmp" "$T_DIR/run"
	echo ok > "$d/htdocs/ceiling"
	contrib_copy "$2" "$d/hookspool.conf"
	cat > "$d/lighttpd.conf" <<LIGHTTPD
server.document-root = "$d/htdocs"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$d/logs/error.log"
server.upload-dirs = ( "$d/tmp" )
include "$d/hookspool.conf"
LIGHTTPD
	lighttpd -tt -f "$d/lighttpd.conf" >>"$d/logs/error.log" 2>&1 || return 1
	lighttpd -D -f "$d/lighttpd.conf" >>"$d/logs/error.log" 2>&1 &
	LIGHTTPD_PID=$!
	wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/ceiling"
}

# apache_start PORT CONTRIB MODULE...: Apache (mpm_event) on
# 127.0.0.1:PORT with its own ServerRoot, runtime directory and pid
# file in $T_DIR/apache, the modules named and contrib/CONTRIB included.
# As root, User/Group are those of as_web_user.
apache_start() {
	local port=$1 contrib=$2 d=$T_DIR/apache m mods= user=
	shift 2
	mkdir -p "$d/htdocs" "$d/logs" "$d/run" "$d/fcgid"
	echo ok > "$d/htdocs/ceiling"
	for m in mpm_event authz_core "$@"; do
		mods="${mods}LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so
"
	done
	contrib_copy "$contrib" "$d/hookspool.conf"
	[ "$(id -u)" -eq 0 ] && user="User nobody
Group nogroup"
	cat > "$d/httpd.conf" <<APACHE
$mods
ServerRoot "$d"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
$user
PidFile "$d/run/httpd.pid"
DefaultRuntimeDir "$d/run"
Mutex file:$d/run default
ErrorLog "$d/logs/error.log"
LogLevel warn
DocumentRoot "$d/htdocs"
<IfModule mod_fcgid.c>
FcgidIPCDir "$d/fcgid"
FcgidProcessTableFile "$d/fcgid/shm"
</IfModule>
<IfModule mod_cgid.c>
ScriptSock "$d/run/cgid.sock"
</IfModule>
Include "$d/hookspool.conf"
APACHE
	[ -n "$WEB_USER" ] && chown -R "$WEB_USER:nogroup" "$d"
	apache2 -t -f "$d/httpd.conf" >>"$d/logs/error.log" 2>&1 || return 1
	apache2 -f "$d/httpd.conf" -k start -D FOREGROUND >>"$d/logs/error.log" 2>&1 &
	APACHE_PID=$!
	wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/ceiling"
}

# Stop the web servers of lighttpd_start / apache_start and what they
# started (bin-path and mod_fcgid workers go with them), bounded.
web_stop() {
	local p
	for p in ${LIGHTTPD_PID:-} ${APACHE_PID:-}; do
		kill -TERM "$p" 2>/dev/null
		wait_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	[ -n "${WH_PIDS:-}" ] && kill -TERM $WH_PIDS 2>/dev/null && wait_gone $WH_PIDS
	servers_stop
}

# pool_workers PID: the live workers (children) of the master PID.
pool_workers() {
	ps --ppid "$1" -o stat= 2>/dev/null | grep -vc '^Z'
}

# pool_is PID N: the master PID has N live workers (for wait_for).
pool_is() { [ "$(pool_workers "$1")" = "$2" ]; }

# pool_pids PID: the pids of the master PID's workers, one a line.
pool_pids() {
	ps --ppid "$1" -o pid=,stat= 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }'
}

# pool_replaced PID N VICTIM: the master PID has N live workers again,
# and VICTIM is not one of them (for wait_for).
pool_replaced() {
	local p
	p=$(pool_pids "$1")
	[ "$(printf '%s\n' "$p" | grep -c .)" = "$2" ] &&
	    ! printf '%s\n' "$p" | grep -qx "$3"
}

# open_conf SPOOL [LINE...]: $T_DIR/hookspool.ini with the spool SPOOL,
# the [server] LINEs given, and one unsigned endpoint, /hooks/open.
open_conf() {
	local spool=$1
	shift
	{
		printf '[server]\nspool_dir = %s\n' "$spool"
		[ $# -gt 0 ] && printf '%s\n' "$@"
		printf '\n[endpoint:open]\npath = /hooks/open\n'
	} > "$T_DIR/hookspool.ini"
}

# stamped_body SEQ: SEQ ("SIZE-..."), a space, and x up to SIZE bytes
# (64 KiB at most): a body that says which request sent it.
stamped_body() {
	# Made whole under another name, then renamed: clients that start
	# at once never read a pad another is still writing.
	local tmp=$T_DIR/pad.$BASHPID
	[ -s "$T_DIR/pad" ] || {
		head -c 65536 /dev/zero | tr '\0' x > "$tmp"
		mv "$tmp" "$T_DIR/pad"
	}
	printf '%s ' "$1"
	head -c $((${1%%-*} - ${#1} - 1)) "$T_DIR/pad"
}

# spool_stamped SPOOL: "ID SEQ GOOD" for each event in SPOOL, GOOD true
# when its body is exactly stamped_body SEQ.  Lines not JSON are skipped.
spool_stamped() {
	cat "$1"/seg-*.jsonl | jq -rR 'fromjson? | select(.type == "event") |
	    (.body | split(" ")[0]) as $s |
	    "\(.id) \($s) \(.body == ($s + " " + ("x" * (($s | split("-")[0] |
	    tonumber) - ($s | length) - 1))))"'
}

# acked_kept ACKED TABLE: how many "SEQ ID" lines of ACKED (answered
# 202) have their ID in TABLE (spool_stamped) once, with SEQ's body.
acked_kept() {
	awk 'NR == FNR { n[$1]++; s[$1] = $2; g[$1] = $3; next }
	    n[$2] == 1 && s[$2] == $1 && g[$2] == "true"' "$2" "$1" | wc -l
}

# spool_unfenced SPOOL: what the torn-line fence (hookspool-spool(5))
# forbids: a segment that does not end with a newline, or a line that
# is not JSON and holds other than one record's start (one glued onto a
# torn one).  Nothing, when the spool is sound.
spool_unfenced() {
	local f
	for f in "$1"/seg-*.jsonl; do
		[ -s "$f" ] || continue
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
		    echo "$f: ends without a newline"
	done
	spool_notjson "$1" |
	    jq -r 'select([scan("\"type\":")] | length != 1) | .[0:80]'
}

# spool_notjson SPOOL: the lines of SPOOL that are not JSON (torn ones),
# each as a JSON string.
spool_notjson() {
	cat "$1"/seg-*.jsonl | jq -cR '. as $l | try (fromjson | empty) catch $l'
}
