#!/usr/bin/env bash
# wh-retry retry and replay of a selection, end to end, with events made
# by wh-receive as a CGI program (its dispatcher runs each first attempt,
# and with max_retry_attempts = 0 a failure is dead at once): retry
# gives dead handlers one more attempt on the same event, run by the
# next wh-retry run, in the order the events came; selections by status,
# endpoint, handler, time; --dry-run writes nothing; --limit bounds a
# run and a second run goes on where the first stopped; replay of a
# selection makes new events and never replays one twice.
set -u
. "$(dirname "$0")/lib.sh"
need jq

t_tmpdir
FOLLOW_PID=
trap '[ -n "$FOLLOW_PID" ] && kill "$FOLLOW_PID" 2>/dev/null; rm -rf "$T_DIR"' EXIT
WR_RUN="${WH_WRAPPER:-} $top_builddir/wh-retry"
OUT=$T_DIR/out
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL" "$OUT"

# flaky.sh: fails until $T_DIR/ok exists; each run appends "ID n" to
# $OUT/ran, and ID to $OUT/ok when it succeeds.
cat > "$T_DIR/flaky.sh" <<SH
#!/bin/sh
n=\$(jq -r .n)
echo "\$WH_EVENT_ID \$n" >> "$OUT/ran"
[ -e "$T_DIR/ok" ] || { echo down; exit 2; }
echo "\$WH_EVENT_ID" >> "$OUT/ok"
SH
chmod +x "$T_DIR/flaky.sh"
C=$T_DIR/bulk.ini
cat > "$C" <<INI
[server]
spool_dir = $SPOOL
fsync = never
segment_size = 4096
max_retry_attempts = 0

[endpoint:a]
path = /hooks/a
signature_type = none

[endpoint:b]
path = /hooks/b
signature_type = none

[handler:flaky]
command = $T_DIR/flaky.sh
timeout = 10

[handler:fine]
command = /bin/true
payload.n = 1
INI

post() { cgi_post "$C" "$1" "$2"; }
wr() { $WR_RUN -c "$C" "$@"; }
# The state of each attempt record of handler flaky on ID, in order.
states() { cat "$SPOOL"/seg-*.jsonl | jq -r "select(.id == \"$1\" and .type == \"attempt\" and .handler == \"flaky\" and .state != \"running\") | .state" | tr '\n' ' ' | sed 's/ $//'; }
status_of() { wr list --json | jq -r "select(.id == \"$1\") | .status"; }
dead_count() { wr list --json --status dead | wc -l; }
records() { cat "$SPOOL"/seg-*.jsonl | wc -l; }
lines_of() { { cat "$1" 2>/dev/null || true; } | grep -c . || true; }

# --- seven dead events, on two endpoints, across segments -------------------
A=""
for n in 1 2 3 4 5; do
	A="$A $(post /hooks/a "{\"n\":$n,\"pad\":\"$(head -c 900 /dev/zero | tr '\0' x)\"}")"
done
A=${A# }
B1=$(post /hooks/b '{"n":6}')
# A time between B1 and B2, in whole seconds (--until is exclusive).
now=$(date +%s); until_s=$((now + 1))
wait_expr '[ "$(date +%s)" -ge '"$until_s"' ]'
B2=$(post /hooks/b '{"n":7}')
check "seven events spooled" 7 "$(spool_events "$SPOOL" | wc -l)"
check "in more than one segment" yes "$([ "$(ls "$SPOOL"/seg-*.jsonl | wc -l)" -gt 1 ] && echo yes)"
wait_expr '[ "$(dead_count)" -eq 7 ]'
check "every flaky handler dead after one attempt" 7 "$(dead_count)"
# wh-retry run forgets settled events and moves past their segments.
wr run --linger 0 --grace 0 2>>"$T_DIR/wr.log"
check "wh-retry run: the state file moved past them" yes \
	"$([ "$(sed -n 's/^low //p' "$SPOOL/.wh-retry.state" 2>/dev/null || echo 0)" -gt 1 ] && echo yes)"
# ... and keeps the event count of each segment it moved past, so that
# the next run's retention need not read them again.
low=$(sed -n 's/^low //p' "$SPOOL/.wh-retry.state")
want=""
for f in "$SPOOL"/seg-*.jsonl; do
	no=$(basename "$f" .jsonl); no=$((10#${no#seg-}))
	[ "$no" -lt "$low" ] || continue
	want="$want count $no $(grep -c '^{"type":"event",' "$f")"
done
check "... with the event count of every segment below it" "$want" \
	"$(grep '^count ' "$SPOOL/.wh-retry.state" | sort -k2n | tr '\n' ' ' | sed 's/^/ /; s/ $//')"

# --- usage ----------------------------------------------------------------------
wr retry >/dev/null 2>"$T_DIR/err"; rc=$?
check "retry without ids or a selection: EX_USAGE" 64 "$rc"
check "... says what it needs" 1 "$(grep -c 'name the events' "$T_DIR/err")"
wr retry --status done >/dev/null 2>"$T_DIR/err"; rc=$?
check "retry --status done: EX_USAGE" "64 1" "$rc $(grep -c 'not dead or failed' "$T_DIR/err")"
wr retry --handler nosuch --status dead >/dev/null 2>"$T_DIR/err"; rc=$?
check "retry --handler unknown: EX_USAGE" "64 1" "$rc $(grep -c 'no handler "nosuch"' "$T_DIR/err")"
wr retry not-an-id >/dev/null 2>&1; rc=$?
check "retry of a malformed id: EX_DATAERR" 65 "$rc"
wr retry 019ace3e-4b58-7000-8000-000000000001 >/dev/null 2>"$T_DIR/err"; rc=$?
check "retry of an unknown id: EX_NOINPUT" "66 1" "$rc $(grep -c 'no such event' "$T_DIR/err")"

# --- --dry-run --------------------------------------------------------------------
before=$(records)
out=$(wr retry --status dead --endpoint /hooks/a --dry-run 2>"$T_DIR/err"); rc=$?
check "dry run: exit 0" 0 "$rc"
check "dry run: the five of endpoint a, oldest first" \
	"$(for i in $A; do echo "$i flaky: would be pending (was dead after attempt 1)"; done)" "$out"
check "dry run: the summary" "wh-retry: retry: 5 handlers of 5 events would be made pending" "$(cat "$T_DIR/err")"
check "dry run: nothing written" "$before" "$(records)"
check "dry run: still dead" 7 "$(dead_count)"

# --- by time ------------------------------------------------------------------------
check "--until: the event before that second" "$B1" \
	"$(wr retry --endpoint b --until "@$until_s" --dry-run 2>/dev/null | cut -d' ' -f1)"
check "--since: the event from that second on" "$B2" \
	"$(wr retry --endpoint b --since "@$until_s" --dry-run 2>/dev/null | cut -d' ' -f1)"
check "--handler fine: not dead, nothing" "" "$(wr retry --handler fine --dry-run 2>/dev/null)"

# --- retry with --limit, resumed by a second run ------------------------------------------
touch "$T_DIR/ok"
wr retry --status dead --endpoint a --limit 3 >"$T_DIR/r1" 2>"$T_DIR/err"; rc=$?
check "retry --limit 3: exit 0, three lines" "0 3" "$rc $(lines_of "$T_DIR/r1")"
check "... says the limit held back two" 1 "$(grep -c -- '--limit 3 reached, 2 more selected' "$T_DIR/err")"
set -- $A
check "dead becomes pending" "pending pending pending dead" \
	"$(status_of "$1") $(status_of "$2") $(status_of "$3") $(status_of "$4")"
check "list: the handler's state is retry" "retry" \
	"$(wr list --json | jq -r "select(.id == \"$1\") | .handlers.flaky.state")"
check "show says pending" "status:       pending" "$(wr show "$1" | grep '^status:')"
check "nothing ran yet" 7 "$(lines_of "$OUT/ran")"
wr run --linger 0 --grace 0 2>>"$T_DIR/wr.log"
check "wh-retry run ran the three, once each, in the order they came" \
	"$1 $2 $3" "$(tail -n +8 "$OUT/ran" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
check "... on the same events (no new event)" 7 "$(spool_events "$SPOOL" | wc -l)"
check "... now done, attempt 2 of each" "done done done|dead retry done dead retry done dead retry done" \
	"$(status_of "$1") $(status_of "$2") $(status_of "$3")|$(states "$1") $(states "$2") $(states "$3")"
wr retry --status dead --endpoint a --limit 3 >"$T_DIR/r2" 2>/dev/null
check "a second retry goes on with the other two" "$4 $5" "$(cut -d' ' -f1 "$T_DIR/r2" | tr '\n' ' ' | sed 's/ $//')"
wr retry --status dead --endpoint a >"$T_DIR/r3" 2>"$T_DIR/err"; rc=$?
check "a third finds nothing left: exit 0" "0 0" "$rc $(lines_of "$T_DIR/r3")"

# --- a running wh-retry run --follow takes up a retry ---------------------------------------------
$WR_RUN -c "$C" run --follow --grace 0 2>>"$T_DIR/wr.log" &
FOLLOW_PID=$!
wait_expr '[ "$(lines_of "$OUT/ok")" -ge 5 ]'
check "--follow ran the other two" "$4 $5" "$(tail -n 2 "$OUT/ok" | tr '\n' ' ' | sed 's/ $//')"
rm -f "$T_DIR/ok"
wr retry "$B1" >/dev/null 2>&1; rc=$?
check "retry ID: exit 0" 0 "$rc"
wait_expr '[ "$(states "$B1")" = "dead retry dead" ]'
check "the retried attempt fails: dead again after one attempt" "dead retry dead" "$(states "$B1")"
kill "$FOLLOW_PID"; wait "$FOLLOW_PID" 2>/dev/null; FOLLOW_PID=
wr retry "$1" >/dev/null 2>"$T_DIR/err"; rc=$?
check "retry of a done event: EX_DATAERR, says why" "65 1" "$rc $(grep -c 'nothing to retry' "$T_DIR/err")"

# --- replay of a selection --------------------------------------------------------------------------
touch "$T_DIR/ok"
out=$(wr replay --status dead --endpoint b --dry-run 2>/dev/null)
check "replay --dry-run lists the dead of b" "$B1 would be replayed
$B2 would be replayed" "$out"
n0=$(spool_events "$SPOOL" | wc -l)
wr replay --status dead --endpoint b --handler flaky > "$T_DIR/rp1" 2>/dev/null; rc=$?
check "replay of a selection: exit 0, two new events" "0 $((n0 + 2))" "$rc $(spool_events "$SPOOL" | wc -l)"
check "... each says what it became" 2 "$(grep -c '^[0-9a-f-]* replayed as [0-9a-f-]*$' "$T_DIR/rp1")"
check "... their handler ran now: done" 2 "$(grep -c '^  flaky: done$' "$T_DIR/rp1")"
new=$(sed -n 's/.* replayed as //p' "$T_DIR/rp1" | head -1)
check "... the new event names the old" "$B1" "$(spool_events "$SPOOL" | jq -r "select(.id == \"$new\") | .replay_of")"
wr replay --status dead --endpoint b > "$T_DIR/rp2" 2>/dev/null; rc=$?
check "a second replay of the same selection replays nothing" "0 0 $((n0 + 2))" \
	"$rc $(lines_of "$T_DIR/rp2") $(spool_events "$SPOOL" | wc -l)"

t_done
