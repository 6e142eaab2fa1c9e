#!/usr/bin/env bash
# max_concurrency, end to end, with events made by wh-receive as a CGI
# program: each event's detached dispatcher waits for one of the
# handler's slots, wh-retry (run --follow, retrying the attempts that
# failed) takes its slots from the same files, and at no moment do more
# commands of the handler run than its limit; every event's handler
# runs, none is lost.  Also: wh-receive -t refuses a limit out of range.
set -u
. "$(dirname "$0")/lib.sh"
need jq

t_tmpdir
FOLLOW_PID=
trap '[ -n "$FOLLOW_PID" ] && kill "$FOLLOW_PID" 2>/dev/null; touch "$T_DIR/go"; rm -rf "$T_DIR"' EXIT
WR_RUN="${WH_WRAPPER:-} $top_builddir/wh-retry"
OUT=$T_DIR/out
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL" "$OUT"
N=12
LIMIT=2

# gated.sh: waits for $T_DIR/go, logs its start and end (nanoseconds);
# the first attempt of an event with an odd n fails, for wh-retry.
cat > "$T_DIR/gated.sh" <<SH
#!/bin/sh
n=\$(jq -r .n)
echo "start \$(date +%s%N) \$WH_EVENT_ID \$WH_ATTEMPT" >> "$OUT/log"
while [ ! -e "$T_DIR/go" ]; do sleep 0.05; done
sleep 0.1
echo "end \$(date +%s%N) \$WH_EVENT_ID \$WH_ATTEMPT" >> "$OUT/log"
[ \$((n % 2)) -eq 0 ] || [ "\$WH_ATTEMPT" -gt 1 ]
SH
chmod +x "$T_DIR/gated.sh"
C=$T_DIR/limit.ini
cat > "$C" <<INI
[server]
spool_dir = $SPOOL
fsync = never
retry_delay_seconds = 0.1

[endpoint:e]
path = /hooks/e
signature_type = none

[handler:gated]
command = $T_DIR/gated.sh
timeout = 120
max_concurrency = $LIMIT
INI

# --- wh-receive -t -------------------------------------------------------------------
for bad in 0 1025 two; do
	sed "s/^max_concurrency = .*/max_concurrency = $bad/" "$C" > "$T_DIR/bad.ini"
	line=$(grep -n '^max_concurrency' "$T_DIR/bad.ini" | cut -d: -f1)
	out=$($WH_RUN -t -c "$T_DIR/bad.ini" 2>&1); rc=$?
	check "-t: max_concurrency = $bad fails, FILE:LINE" "1 yes" \
		"$rc $(case $out in "$T_DIR/bad.ini:$line: "*max_concurrency*) echo yes ;; *) echo "no: $out" ;; esac)"
done
$WH_RUN -t -c "$C" >/dev/null 2>&1; rc=$?
check "-t: max_concurrency = $LIMIT passes" 0 "$rc"

post() { cgi_post "$C" /hooks/e "$1"; }
starts() { { grep -c '^start' "$OUT/log" 2>/dev/null || true; } | head -1; }
done_count() { cat "$SPOOL"/seg-*.jsonl | jq -r 'select(.type == "attempt" and .state == "done") | .id' | sort -u | wc -l; }

# --- held at the limit ------------------------------------------------------------------
for n in $(seq 1 $N); do
	post "{\"n\":$n}" > /dev/null
done
check "$N events spooled" $N "$(spool_events "$SPOOL" | wc -l)"
wait_expr '[ "$(starts)" -ge '"$LIMIT"' ]'
# The others wait for a slot; give them a while to show they do.
sleep 2
check "while the first $LIMIT run, no other starts" $LIMIT "$(starts)"
check "... the others wait in their dispatchers, not recorded as running" $LIMIT \
	"$(cat "$SPOOL"/seg-*.jsonl | jq -c 'select(.type == "attempt" and .state == "running")' | wc -l)"
check "the slot files: one per slot, in a 0700 directory" "700 $LIMIT" \
	"$(stat -c %a "$SPOOL/.limits") $(ls "$SPOOL/.limits" | grep -c '^gated\.')"

# --- released: the dispatchers and wh-retry share the slots --------------------------------
$WR_RUN -c "$C" run --follow --grace 0 2>>"$T_DIR/wr.log" &
FOLLOW_PID=$!
touch "$T_DIR/go"
wait_expr '[ "$(done_count)" -eq '"$N"' ]'
check "every event's handler done in the end" $N "$(done_count)"
kill "$FOLLOW_PID"; wait "$FOLLOW_PID" 2>/dev/null; FOLLOW_PID=
odd=$(( (N + 1) / 2 ))
check "each ran once, and the odd ones once more (by wh-retry)" "$((N + odd)) $((N + odd))" \
	"$(grep -c '^start' "$OUT/log") $(grep -c '^end' "$OUT/log")"
check "wh-retry ran the retries" $odd "$(awk '$1 == "start" && $4 == 2' "$OUT/log" | wc -l)"
check "never more than $LIMIT at once" $LIMIT "$(max_overlap "$OUT/log")"

t_done
