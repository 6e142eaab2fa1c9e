#!/usr/bin/env bash
# The FastCGI front end against peers that misbehave, each on a raw
# socket (tests/fcgi-client.c): a PARAMS record whose lengths add up
# past INT_MAX closes that connection and nothing else; a request that
# stops mid-way holds no worker, and is closed after request_timeout;
# a hundred such connections at once still leave room for a real one;
# parameters too large, a body too large, management records, another
# role, and requests sent back to back on one kept connection.
set -u
. "$(dirname "$0")/lib.sh"

t_tmpdir
trap 'kill $WH_PID $STALL_PIDS 2>/dev/null; wait; rm -rf "$T_DIR"' EXIT
CLIENT=$top_builddir/tests/fcgi-client
SPOOL=$T_DIR/spool
SOCK=$T_DIR/wh.sock
STALL_PIDS=
mkdir -m 0700 "$SPOOL"
# conf TIMEOUT: the configuration, with request_timeout = TIMEOUT.
conf() {
	cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
workers = 1
fsync = always
max_body_size = 4096
request_timeout = $1

[endpoint:open]
path = /hooks/open
INI
}
conf 3
$WH_RUN -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>"$T_DIR/wh.log" &
WH_PID=$!
wait_for test -S "$SOCK" || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
events() { spool_events "$SPOOL" | wc -l; }

check "a request: 202" 202 "$("$CLIENT" "$SOCK")"

# Two lengths of 0x40000000: libfcgi allocated their sum as a negative
# int and aborted the worker.  Requests in the same round are answered.
kill -STOP "$WH_PID"
for i in 1 2 3; do "$CLIENT" -b "batch $i" "$SOCK" > "$T_DIR/batch.$i" & done
"$CLIENT" -x hostile "$SOCK" > "$T_DIR/hostile" &
sleep 1		# queued behind the stopped worker (not needed to pass)
kill -CONT "$WH_PID"
wait_for test -s "$T_DIR/hostile"
check "lengths past INT_MAX: the connection is closed" closed "$(cat "$T_DIR/hostile")"
wait_for test -s "$T_DIR/batch.3"
check "... the requests beside it: 202" "202 202 202" \
    "$(cat "$T_DIR"/batch.1 "$T_DIR"/batch.2 "$T_DIR"/batch.3 | xargs)"
check "... and logged" 1 "$(grep -c 'FastCGI connection closed: malformed parameters' "$T_DIR/wh.log")"
check "the worker lives on" 0 "$(kill -0 "$WH_PID"; echo $?)"
check "... and answers: 202" 202 "$("$CLIENT" "$SOCK")"

# stall BYTES: a request that stops after BYTES of its stream, in the
# background; its output in $T_DIR/stall.BYTES.
stall() {
	timeout 120 "$CLIENT" -s "$1" -b "$(printf '%64s' stalled)" "$SOCK" \
	    > "$T_DIR/stall.$1" &
	STALL_PIDS="$STALL_PIDS $!"
}
# closed_after FILE: "closed" and not before request_timeout (3 s).
closed_after() {
	wait_for test -s "$1" || wait_for test -s "$1" || wait_for test -s "$1"
	awk '$1 == "closed" { print ($2 >= 3000 ? "closed" : "early " $2) }' "$1"
}
before=$(events)
stall 40	# BEGIN_REQUEST and part of the parameters
stall 170	# all but the end of the body
check "with two requests stalled, another: 202" 202 "$("$CLIENT" "$SOCK")"
check "... the stalled ones still open" "" "$(cat "$T_DIR/stall.40" "$T_DIR/stall.170")"
check "stalled in the parameters: closed after request_timeout" closed "$(closed_after "$T_DIR/stall.40")"
check "stalled in the body: closed after request_timeout" closed "$(closed_after "$T_DIR/stall.170")"
check "... logged" 2 "$(grep -c 'FastCGI connection closed: request not in after 3 s' "$T_DIR/wh.log")"
check "... nothing spooled for them" 1 "$(($(events) - before))"

# More stalled connections than a worker holds (64): the slowest make
# room for a request that comes in whole.  A long request_timeout, so
# that none of them ends before the last has come.
conf 60
kill -HUP "$WH_PID"
wait_for grep -q "configuration reloaded" "$T_DIR/wh.log"
for i in $(seq 1 100); do
	timeout 120 "$CLIENT" -s 40 "$SOCK" > /dev/null &
	STALL_PIDS="$STALL_PIDS $!"
done
wait_for grep -q 'every connection busy' "$T_DIR/wh.log"
check "100 stalled connections: room made for more, logged" 1 \
    "$(grep -c 'every connection busy' "$T_DIR/wh.log" | awk '{ print ($1 > 0) }')"
check "... and a request: 202" 202 "$("$CLIENT" "$SOCK")"
# shellcheck disable=SC2086
kill $STALL_PIDS 2>/dev/null
STALL_PIDS=

a=$(head -c 100000 /dev/zero | tr '\0' a)
check "parameters over max_header_size + 64 KiB: 431" 431 \
    "$("$CLIENT" -p "HTTP_X_A=$a" -p "HTTP_X_B=$a" -p "HTTP_X_C=$a" "$SOCK")"
check "a body over max_body_size: 413" 413 "$("$CLIENT" -B 100000 "$SOCK")"
check "GET_VALUES: one request per connection" FCGI_MPXS_CONNS=0 \
    "$("$CLIENT" -x values "$SOCK" | grep MPXS)"
check "the filter role: FCGI_UNKNOWN_ROLE" "end 3" "$("$CLIENT" -x role "$SOCK")"
before=$(events)
check "three requests back to back on a kept connection: 202 each" \
    "202 202 202" "$("$CLIENT" -n 3 "$SOCK" | xargs)"
check "... three events" 3 "$(($(events) - before))"
check "the worker lived through it all" 0 "$(kill -0 "$WH_PID"; echo $?)"
t_done
