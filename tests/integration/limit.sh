#!/usr/bin/env bash
# max_concurrency through real nginx and a pool of four wh-receive
# workers (four dispatchers) with wh-retry run --follow beside them:
# 200 events posted 16 at a time to a handler limited to 4, a tenth of
# them failing their first attempt (wh-retry retries those): every
# event's handler done in the end, and never more than 4 of its
# commands running at one moment (from the start and end each command
# logs).
set -u
. "$(dirname "$0")/../lib.sh"
need nginx curl jq

t_tmpdir
FOLLOW_PID=
trap '[ -n "$FOLLOW_PID" ] && kill "$FOLLOW_PID" 2>/dev/null; servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
OUT=$T_DIR/out
mkdir -m 0700 "$SPOOL" "$OUT"
N=200
LIMIT=4
cat > "$T_DIR/slow.sh" <<SH
#!/bin/sh
n=\$(jq -r .n)
echo "start \$(date +%s%N) \$WH_EVENT_ID \$WH_ATTEMPT" >> "$OUT/log"
sleep 0.2
echo "end \$(date +%s%N) \$WH_EVENT_ID \$WH_ATTEMPT" >> "$OUT/log"
[ \$((n % 10)) -ne 0 ] || [ "\$WH_ATTEMPT" -gt 1 ]
SH
chmod +x "$T_DIR/slow.sh"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
workers = 4
fsync = never
retry_delay_seconds = 0.1

[endpoint:e]
path = /hooks/e
signature_type = none

[handler:slow]
command = $T_DIR/slow.sh
timeout = 60
max_concurrency = $LIMIT
INI
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
WH_PID=$! WH_PIDS=$!
wait_for pool_is $WH_PID 4 || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
URL=http://127.0.0.1:$PORT/hooks/e
"$top_builddir/wh-retry" -c "$T_DIR/hookspool.ini" run --follow --grace 0 2>>"$T_DIR/wr.log" &
FOLLOW_PID=$!

seq 1 $N | xargs -P 16 -I{} curl -s -m 60 -o /dev/null -w '%{http_code}\n' \
    -H 'Content-Type: application/json' --data-binary '{"n":{}}' "$URL" > "$T_DIR/codes"
check "$N posts, 16 at a time: all 202" $N "$(grep -c '^202$' "$T_DIR/codes")"
done_count() { cat "$SPOOL"/seg-*.jsonl | jq -r 'select(.type == "attempt" and .state == "done") | .id' | sort -u | wc -l; }
wait_expr '[ "$(done_count)" -eq '"$N"' ]'
check "every event's handler done in the end" $N "$(done_count)"
check "the $((N / 10)) that failed once were retried" "$((N + N / 10))" "$(grep -c '^end' "$OUT/log")"
check "never more than $LIMIT at once, and the limit was reached" $LIMIT "$(max_overlap "$OUT/log")"

t_done
