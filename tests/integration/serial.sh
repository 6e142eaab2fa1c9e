#!/usr/bin/env bash
# serialize_by through real nginx and a pool of four wh-receive workers:
# 200 events of one key posted 16 at a time, with wh-retry run --follow
# started at the same time: the dispatchers leave the handler to
# wh-retry, which runs the events one at a time (from the start and end
# each command logs), each once, in the order they are in the spool.
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
cat > "$T_DIR/deploy.sh" <<SH
#!/bin/sh
echo "start \$(date +%s%N) \$WH_EVENT_ID" >> "$OUT/log"
echo "end \$(date +%s%N) \$WH_EVENT_ID" >> "$OUT/log"
SH
chmod +x "$T_DIR/deploy.sh"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
workers = 4
fsync = never

[endpoint:e]
path = /hooks/e
signature_type = none

[handler:deploy]
command = $T_DIR/deploy.sh
serialize_by = \${payload.repository.full_name}
INI
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
$WH_RECEIVE -d -c "$T_DIR/hookspool.ini" --listen "$SOCK" 2>>"$T_DIR/wh.log" &
WH_PID=$! WH_PIDS=$!
wait_for pool_is $WH_PID 4 || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; cat "$T_DIR/nginx/logs/error.log"; exit 99; }
"$top_builddir/wh-retry" -c "$T_DIR/hookspool.ini" run --follow --grace 0 2>>"$T_DIR/wr.log" &
FOLLOW_PID=$!

seq 1 $N | xargs -P 16 -I{} curl -s -m 60 -o /dev/null -w '%{http_code}\n' \
    -H 'Content-Type: application/json' \
    --data-binary '{"n":{},"repository":{"full_name":"octo/app"}}' \
    "http://127.0.0.1:$PORT/hooks/e" > "$T_DIR/codes"
check "$N posts, 16 at a time: all 202" $N "$(grep -c '^202$' "$T_DIR/codes")"
done_count() { cat "$SPOOL"/seg-*.jsonl | jq -r 'select(.type == "attempt" and .state == "done") | .id' | sort -u | wc -l; }
wait_expr '[ "$(done_count)" -eq '"$N"' ]'
check "every event's handler done" $N "$(done_count)"
check "each ran once" $N "$(grep -c '^start' "$OUT/log")"
check "never two at once" 1 "$(max_overlap "$OUT/log")"
check "in the order of the spool" "$(cat "$SPOOL"/seg-*.jsonl | jq -r 'select(.type == "event") | .id' | md5sum)" \
	"$(awk '$1 == "start" { print $3 }' "$OUT/log" | md5sum)"

t_done
