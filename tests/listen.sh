#!/usr/bin/env bash
# wh-receive serving FastCGI on its own socket (--listen), spoken to with
# libfcgi's cgi-fcgi client: a unix socket at mode 0660 that appears
# only once it accepts, a restart that never leaves the path without a
# socket, a loopback TCP port, a refused wildcard address,
# SIGTERM, and a read-only spool.
set -u
. "$(dirname "$0")/lib.sh"
need cgi-fcgi

t_tmpdir
SLOW_PID=
trap 'kill $WH_PID $SLOW_PID 2>/dev/null; wait; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
open_conf "$SPOOL"

# fcgi ADDRESS: one POST of "hello" to /hooks/open; prints the status.
fcgi() { fcgi_post "$1" hello | fcgi_status; }

$WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "$T_DIR/wh.sock" 2>"$T_DIR/wh.log" &
WH_PID=$!
wait_for test -S "$T_DIR/wh.sock"
check "unix socket is mode 0660" 660 "$(stat -c %a "$T_DIR/wh.sock")"
check "request over the unix socket: 202" 202 "$(fcgi "$T_DIR/wh.sock")"
check "a second request: 202" 202 "$(fcgi "$T_DIR/wh.sock")"
kill -TERM $WH_PID
wait $WH_PID; rc=$?
check "SIGTERM: clean exit" 0 "$rc"
check "two events spooled" 2 "$(spool_events "$SPOOL" | wc -l)"

# slow_start LIB NAME: wh-receive --listen $T_DIR/NAME with tests/LIB.c
# preloaded; its pid in SLOW_PID.
slow_start() {
	LD_PRELOAD=$T_DIR/$1.so \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    $WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "$T_DIR/$2" 2>>"$T_DIR/wh.log" &
	SLOW_PID=$!
}

# The socket path appears only once it accepts: with listen(2) held up
# a second after bind(2) (a preload library), a request sent as soon as
# the path is there is still answered.
if preload slowlisten; then
	rm -f "$T_DIR/slow.sock"
	slow_start slowlisten slow.sock
	wait_for test -S "$T_DIR/slow.sock"
	check "a request as soon as the socket path is there: 202" 202 \
	    "$(fcgi "$T_DIR/slow.sock")"
	check "... and no other name left beside it" "slow.sock" \
	    "$(cd "$T_DIR" && ls -d slow.sock* | tr '\n' ' ' | sed 's/ $//')"
	kill -TERM $SLOW_PID
	wait $SLOW_PID
fi

# A new receiver taking over the socket path of a running one (a restart
# without a gap): with its rename(2) held (a preload library) until the
# test lets it go, the path still names the running receiver's socket
# meanwhile, never nothing, and then the new one's.
if preload slowrename; then
	# (A receiver leaves its socket at the path when it stops: it may
	# be another's by then.)
	rm -f "$T_DIR/wh.sock"
	$WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "$T_DIR/wh.sock" 2>>"$T_DIR/wh.log" &
	WH_PID=$!
	wait_for test -S "$T_DIR/wh.sock"
	old=$(stat -c %i "$T_DIR/wh.sock")
	slow_start slowrename wh.sock
	wait_for test -e "$T_DIR/wh.sock.renaming"
	check "while a new receiver takes over the path: still the old socket" \
	    "$old" "$(stat -c %i "$T_DIR/wh.sock" 2>&1)"
	check "... which answers: 202" 202 "$(fcgi "$T_DIR/wh.sock")"
	touch "$T_DIR/wh.sock.go"
	wait_expr '[ "$(stat -c %i "$T_DIR/wh.sock")" != "$old" ]'
	kill -TERM $WH_PID
	wait $WH_PID
	check "then the new one's, which answers: 202" 202 "$(fcgi "$T_DIR/wh.sock")"
	kill -TERM $SLOW_PID
	wait $SLOW_PID
	SLOW_PID=
	rm -f "$T_DIR/wh.sock.renaming" "$T_DIR/wh.sock.go"

	# Told to stop while it starts (SIGTERM while the rename is held,
	# before the pool's own handlers are in): it stops, and starts no
	# worker.
	slow_start slowrename stop.sock
	wait_for test -e "$T_DIR/stop.sock.renaming"
	kill -TERM $SLOW_PID
	touch "$T_DIR/stop.sock.go"
	if wait_expr "! ps -o stat= -p $SLOW_PID | grep -qv Z"; then
		wait $SLOW_PID; rc=$?
		check "SIGTERM while starting: it stops, exit status 0" 0 "$rc"
	else
		not_ok "SIGTERM while starting: it stops" "still running"
		kill -KILL $SLOW_PID
	fi
	check "... having started no worker" 0 \
	    "$(grep -c "^wh-receive\[$SLOW_PID\]: master: [0-9]* workers" "$T_DIR/wh.log")"
	SLOW_PID=
fi

PORT=$(free_port)
$WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "127.0.0.1:$PORT" 2>>"$T_DIR/wh.log" &
WH_PID=$!
wait_for cgi-fcgi -bind -connect "127.0.0.1:$PORT" </dev/null
check "request over loopback TCP: 202" 202 "$(fcgi "127.0.0.1:$PORT")"
kill -TERM $WH_PID; wait $WH_PID

out=$($WH_RUN -d -c "$T_DIR/hookspool.ini" --listen ":$PORT" 2>&1); rc=$?
check "a port without a host is refused" 1 "$rc"
case $out in *"expected HOST:PORT"*) ok "... with a message saying what to write" ;;
	*) not_ok "... with a message saying what to write" "$out" ;; esac
out=$($WH_RUN -c "$T_DIR/hookspool.ini" </dev/null 2>&1); rc=$?
check "started from a terminal without --listen: refused" 1 "$rc"

# A spool made read-only once the receiver runs (it would not start on
# one).  Root ignores permission bits, so as root the receiver runs as
# nobody over a spool that nobody may only read.
if [ "$(id -u)" -eq 0 ]; then
	have "a spool made read-only under a running receiver" setpriv ||
	    { t_done; exit; }
	chown -R nobody "$T_DIR"
	as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
else
	as_user=
fi
$as_user $WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "$T_DIR/ro.sock" 2>>"$T_DIR/wh.log" &
WH_PID=$!
wait_for test -S "$T_DIR/ro.sock"
chmod 0500 "$SPOOL"; chmod 0400 "$SPOOL"/seg-*.jsonl
before=$(cat "$SPOOL"/seg-*.jsonl | sha256sum)
check "read-only spool: 503" 503 "$(fcgi "$T_DIR/ro.sock")"
check "read-only spool: nothing written" "$before" "$(cat "$SPOOL"/seg-*.jsonl | sha256sum)"
kill -TERM $WH_PID; wait $WH_PID
chmod 0700 "$SPOOL"
t_done
