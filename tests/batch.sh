#!/usr/bin/env bash
# fsync = always as FastCGI: requests that wait together are written,
# synced once, and only then answered.  A stopped worker is handed eight
# queued connections; when it goes on, it answers all eight after one
# sync (its -v log says so), and every 202's id is in the spool once.
# Then a reload to fsync = never and back, a sync that fails (503 for
# the whole batch), a SIGTERM that comes just before a wait begins (seen
# at its bound of a second), and SIGHUP and SIGTERM on an idle worker,
# seen at once.
set -u
. "$(dirname "$0")/lib.sh"
need cgi-fcgi

t_tmpdir
FAIL_PID=
trap 'kill -CONT $WH_PID $FAIL_PID 2>/dev/null; kill $WH_PID $FAIL_PID 2>/dev/null; wait; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
SOCK=$T_DIR/wh.sock
mkdir -m 0700 "$SPOOL"
# conf MODE: fsync = MODE, one process (the test stops it and counts
# its syncs).
conf() { open_conf "$SPOOL" "fsync = $1" "workers = 1"; }

# fcgi N: one POST of "hello N" to /hooks/open; the answer in $T_DIR/out.N.
fcgi() { fcgi_post "$SOCK" "hello $1" > "$T_DIR/out.$1"; }
status() { fcgi_status < "$T_DIR/out.$1"; }
answer_id() { sed -n 's/.*{"id":"\([^"]*\)"}.*/\1/p' "$T_DIR/out.$1"; }
# log_wait TEXT: wait up to 10 s for TEXT in the log.
log_wait() { wait_for grep -q -- "$1" "$T_DIR/wh.log"; }
# wh_preloaded NAME VAR=VALUE: a wh-receive on $SOCK with NAME.so
# preloaded and VAR set; its pid in FAIL_PID.
wh_preloaded() {
	env "$2" LD_PRELOAD="$T_DIR/$1.so" \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    $WH_RUN -d -v -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
	FAIL_PID=$!
	wait_for test -S "$SOCK"
}

conf always
$WH_RUN -d -v -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>"$T_DIR/wh.log" &
WH_PID=$!
wait_for test -S "$SOCK"
fcgi 0
check "a first request: 202" 202 "$(status 0)"

kill -STOP $WH_PID
pids=
for i in 1 2 3 4 5 6 7 8; do
	fcgi $i &
	pids="$pids $!"
done
sleep 1		# all eight connected and queued behind the stopped worker
kill -CONT $WH_PID
for p in $pids; do wait "$p"; done
n202=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(status $i)" = 202 ] && n202=$((n202 + 1))
done
check "eight queued requests: eight 202" 8 "$n202"
ids=$(for i in 1 2 3 4 5 6 7 8; do answer_id $i; done | sort -u | grep -c .)
check "... with eight distinct ids" 8 "$ids"
found=0
for i in 1 2 3 4 5 6 7 8; do
	id=$(answer_id $i)
	[ -n "$id" ] && [ "$(spool_events "$SPOOL" | grep -c "\"id\":\"$id\"")" = 1 ] &&
	    found=$((found + 1))
done
check "... each id in the spool once" 8 "$found"
# A request not yet in whole when the worker looks goes into a later
# batch, which valgrind's pace can bring about.
if [ -z "${WH_WRAPPER:-}" ]; then
	if grep -q "8 answers, one sync" "$T_DIR/wh.log"; then
		ok "... answered after one sync for all eight"
	else
		not_ok "... answered after one sync for all eight" \
		    "$(grep 'one sync' "$T_DIR/wh.log" | tail -3)"
	fi
fi

# Reload to fsync = never: answers at once.
conf never
kill -HUP $WH_PID
log_wait "configuration reloaded" && ok "SIGHUP on an idle worker: reloaded" ||
    not_ok "SIGHUP on an idle worker: reloaded"
fcgi 9
check "fsync = never after the reload: 202" 202 "$(status 9)"
conf always
kill -HUP $WH_PID
wait_expr '[ "$(grep -c "configuration reloaded" "$T_DIR/wh.log")" = 2 ]'
fcgi 10
check "fsync = always again: 202" 202 "$(status 10)"
check "eleven events spooled" 11 "$(spool_events "$SPOOL" | wc -l)"

# A sync that fails: a preload library makes fdatasync fail with EIO
# while a flag file exists.  Every answer of the batch is then a 503,
# none a 202; once syncs work again, so do the answers.
if preload failsync; then
	SOCK=$T_DIR/fail.sock
	wh_preloaded failsync HOOKSPOOL_FAIL_SYNC="$T_DIR/fail"
	fcgi 20
	check "failing syncs preloaded, the flag not yet set: 202" 202 "$(status 20)"
	touch "$T_DIR/fail"
	kill -STOP $FAIL_PID
	pids=
	for i in 21 22 23 24; do
		fcgi $i &
		pids="$pids $!"
	done
	sleep 1
	kill -CONT $FAIL_PID
	for p in $pids; do wait "$p"; done
	n503=0
	for i in 21 22 23 24; do
		[ "$(status $i)" = 503 ] && grep -q '{"error":"spool unavailable"}' "$T_DIR/out.$i" &&
		    n503=$((n503 + 1))
	done
	check "fdatasync fails: each answer of the batch is 503" 4 "$n503"
	if grep -q "reason=spool sync: Input/output error" "$T_DIR/wh.log"; then
		ok "... logged with the reason"
	else
		not_ok "... logged with the reason" "$(tail -3 "$T_DIR/wh.log")"
	fi
	rm -f "$T_DIR/fail"
	fcgi 25
	check "syncs work again: 202" 202 "$(status 25)"
	kill -TERM $FAIL_PID
	wait $FAIL_PID
	SOCK=$T_DIR/wh.sock
fi

# A signal that comes after the loop has looked at its flags and before
# its wait begins (a preload library raises SIGTERM just then, once) is
# seen at the wait's bound of a second, with no connection to end the
# wait, with fsync = never and always (an unbounded wait never ends).
if preload latesignal; then
	for mode in never always; do
		conf $mode
		SOCK=$T_DIR/late.sock
		rm -f "$SOCK" "$T_DIR/late"
		wh_preloaded latesignal HOOKSPOOL_LATE_SIGNAL="$T_DIR/late"
		touch "$T_DIR/late"
		fcgi 30 &		# takes the worker round its loop, to the wait
		FCGI_PID=$!
		wait_for test ! -e "$T_DIR/late" ||
		    not_ok "fsync = $mode: the signal was raised before a wait"
		stops $FAIL_PID \
		    "fsync = $mode: SIGTERM just before the wait, seen"
		wait $FCGI_PID
	done
	FAIL_PID=
	SOCK=$T_DIR/wh.sock
fi

kill -TERM $WH_PID
stops $WH_PID "SIGTERM on an idle worker"
WH_PID=
t_done
