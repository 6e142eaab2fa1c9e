#!/usr/bin/env bash
# wh-receive on a socket of its own (--listen, or systemd's) is a master
# with a pool of workers: it keeps their number, replaces a killed one
# (and says how it died), slows down when they die too fast, passes
# SIGHUP and SIGTERM on, and exits when they have.  On a socket that
# spawn-fcgi hands it, it stays one process.
set -u
. "$(dirname "$0")/lib.sh"
need cgi-fcgi

t_tmpdir
trap 'kill $WH_PID 2>/dev/null; wait; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
SOCK=$T_DIR/wh.sock
mkdir -m 0700 "$SPOOL"
conf() { open_conf "$SPOOL" "$1"; }
# fcgi: one POST to /hooks/open; prints the status.
fcgi() { fcgi_post "$SOCK" "hello" | fcgi_status; }
# pool_start: wh-receive --listen $SOCK, its pid in WH_PID.
pool_start() {
	$WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
	WH_PID=$!
	wait_for test -S "$SOCK"
}
logged() { grep -c -- "$1" "$T_DIR/wh.log"; }
# reloaded N: at least N reloads logged (for wait_for).
reloaded() { [ "$(logged "configuration reloaded")" -ge "$1" ]; }

conf "workers = 3"
pool_start
wait_for pool_is $WH_PID 3 && ok "workers = 3: three workers" ||
    not_ok "workers = 3: three workers" "$(pool_workers $WH_PID)"
check "a request to the pool: 202" 202 "$(fcgi)"
# Its log line names the worker that took it (the master asked for its
# pid before it forked them), and the log's pid is each worker's own.
wait_for grep -q 'status=202' "$T_DIR/wh.log"
wpid=$(sed -n 's/^wh-receive\[\([0-9]*\)\]: id=.*status=202.*/\1/p' "$T_DIR/wh.log" | head -1)
check "the request's log line names one of the workers" 1 \
    "$(pool_pids $WH_PID | grep -cx "${wpid:-none}")"

victim=$(pool_pids $WH_PID | head -1)
kill -KILL "$victim"
wait_for grep -q "(pid $victim) killed by signal 9" "$T_DIR/wh.log" &&
    ok "a killed worker is logged with its signal" ||
    not_ok "a killed worker is logged with its signal"
wait_for pool_replaced $WH_PID 3 "$victim" && ok "... and replaced by a new process" ||
    not_ok "... and replaced by a new process" "$(pool_pids $WH_PID | tr '\n' ' ')"
check "the pool still answers: 202" 202 "$(fcgi)"

# SIGHUP: each worker reads the file again; a new number of workers
# is taken too.
n0=$(logged "configuration reloaded")
printf '\n[endpoint:new]\npath = /hooks/new\n' >> "$T_DIR/hookspool.ini"
kill -HUP $WH_PID
wait_for reloaded $((n0 + 3)) &&
    ok "SIGHUP: every worker reloads" ||
    not_ok "SIGHUP: every worker reloads" "$(($(logged "configuration reloaded") - n0)) of 3"
new=0
for i in 1 2 3 4 5 6; do
	[ "$(printf x | env -i PATH="$PATH" REQUEST_METHOD=POST \
	    REQUEST_URI=/hooks/new CONTENT_LENGTH=1 GATEWAY_INTERFACE=CGI/1.1 \
	    timeout 120 cgi-fcgi -bind -connect "$SOCK" 2>/dev/null | fcgi_status)" = 202 ] &&
	    new=$((new + 1))
done
check "... and serves the new endpoint" 6 "$new"
sed -i 's/^workers = 3$/workers = 0/' "$T_DIR/hookspool.ini"
kill -HUP $WH_PID
ncpu=$(getconf _NPROCESSORS_ONLN)
wait_for pool_is $WH_PID "$ncpu" && ok "SIGHUP with workers = 0: one per CPU ($ncpu)" ||
    not_ok "SIGHUP with workers = 0: one per CPU ($ncpu)" "$(pool_workers $WH_PID)"
sed -i 's/^workers = 0$/workers = 2/' "$T_DIR/hookspool.ini"
kill -HUP $WH_PID
wait_for pool_is $WH_PID 2 && ok "SIGHUP with workers = 2: two workers" ||
    not_ok "SIGHUP with workers = 2: two workers" "$(pool_workers $WH_PID)"
check "a retired worker is not reported as a death" 1 "$(logged "killed by signal")"

# Workers dying faster than two a second: the third waits.
for round in 1 2 3 4 5; do
	kill -KILL $(pool_pids $WH_PID)
	wait_for pool_is $WH_PID 2
	grep -q "workers replaced within a second" "$T_DIR/wh.log" && break
done
grep -q "workers replaced within a second" "$T_DIR/wh.log" &&
    ok "workers dying fast: the master slows down" ||
    not_ok "workers dying fast: the master slows down"
wait_for pool_is $WH_PID 2 && ok "... and fills the pool again" ||
    not_ok "... and fills the pool again" "$(pool_workers $WH_PID)"
check "... which answers: 202" 202 "$(fcgi)"

workers=$(pool_pids $WH_PID)
kill -TERM $WH_PID
wait $WH_PID; rc=$?
check "SIGTERM: the master exits cleanly" 0 "$rc"
wait_gone $workers && ok "... after its workers" || not_ok "... after its workers"
check "... which were not killed" 0 "$(logged "killed by signal 15")"
check "no worker failed on its own (under valgrind: no error)" 0 \
    "$(logged "exited with status")"

# A master killed outright: its workers notice and free the socket.
pool_start
wait_for pool_is $WH_PID 2
workers=$(pool_pids $WH_PID)
kill -KILL $WH_PID
wait $WH_PID 2>/dev/null
wait_gone $workers && ok "master killed: the workers stop" ||
    not_ok "master killed: the workers stop"
check "... saying why" 2 "$(logged "the master is gone")"

# systemd's socket (LISTEN_PID, LISTEN_FDS): a pool as well.
if have "socket activation" systemd-socket-activate; then
	rm -f "$SOCK"
	systemd-socket-activate -l "$SOCK" $WH_RUN -d \
	    -c "$T_DIR/hookspool.ini" 2>>"$T_DIR/wh.log" &
	WH_PID=$!
	wait_for test -S "$SOCK"
	check "systemd's socket: a request, 202" 202 "$(fcgi)"
	wait_for pool_is $WH_PID 2 && ok "... served by a pool of two" ||
	    not_ok "... served by a pool of two" "$(pool_workers $WH_PID)"
	kill -TERM $WH_PID
	wait $WH_PID
	check "... which stops on SIGTERM" 0 "$?"
fi

# Under spawn-fcgi the socket is not its own: one process, as before.
if have "one process under spawn-fcgi" spawn-fcgi; then
	conf "workers = 3"
	rm -f "$SOCK"
	spawn-fcgi -n -s "$SOCK" -M 0660 -- $WH_RECEIVE -d \
	    -c "$T_DIR/hookspool.ini" 2>>"$T_DIR/wh.log" &
	WH_PID=$!
	wait_for test -S "$SOCK"
	check "spawn-fcgi's socket: a request, 202" 202 "$(fcgi)"
	check "... served by one process" 0 "$(pool_workers $WH_PID)"
	kill -TERM $WH_PID
	wait $WH_PID
fi
t_done
