#!/usr/bin/env bash
# wh-retry metrics: the spool's state in Prometheus text format (events
# by status, the oldest waiting event's age, dead events by handler, the
# spool's size, wh-retry run's last pass), on stdout and written whole
# with --textfile; promtool check metrics passes on it.
set -u
. "$(dirname "$0")/lib.sh"
need jq

t_tmpdir
trap 'rm -rf "$T_DIR"' EXIT
WR_RUN="${WH_WRAPPER:-} $top_builddir/wh-retry"
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
CONF=$T_DIR/hookspool.ini
cat > "$CONF" <<INI
[server]
spool_dir = $SPOOL
fsync = never
max_retry_attempts = 0

[endpoint:e]
path = /hooks/e
signature_type = none

[handler:fails]
command = /bin/false
payload.kind = fail

[handler:works]
command = /bin/true
payload.kind = work
INI

# post KIND: one event as CGI; its dispatcher runs the first attempt.
post() {
	local body="{\"kind\":\"$1\"}"
	printf '%s' "$body" | env -i PATH="$PATH" \
	    HOOKSPOOL_CONFIG="$CONF" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST REQUEST_URI=/hooks/e \
	    CONTENT_LENGTH=${#body} $WH_RUN > /dev/null 2>> "$T_DIR/err"
}
metric() { sed -n "s/^$1 //p" "$T_DIR/m.txt"; }
count() { $WR_RUN -c "$CONF" list --status "$1" --json 2>/dev/null | wc -l; }
settled() { [ "$(count dead)" = "$1" ] && [ "$(count done)" = "$2" ]; }

post fail; post fail; post work; post work; post work
poll_for 3000 settled 2 3 || not_ok "the dispatcher settled the events" \
    "$(cat "$T_DIR/err")"
$WR_RUN -c "$CONF" metrics > "$T_DIR/m.txt" 2> "$T_DIR/merr"
check "metrics: exit 0" "0 " "$? $(cat "$T_DIR/merr")"
check "dead events" 2 "$(metric 'hookspool_spool_events{status="dead"}')"
check "done events" 3 "$(metric 'hookspool_spool_events{status="done"}')"
check "pending events" 0 "$(metric 'hookspool_spool_events{status="pending"}')"
check "dead events by handler" 2 "$(metric 'hookspool_dead_events{handler="fails"}')"
check "no dead for the handler that works" "" "$(metric 'hookspool_dead_events{handler="works"}')"
check "no pending event: age 0" 0.000 \
    "$(metric 'hookspool_oldest_event_age_seconds{status="pending"}')"
bytes=$(cat "$SPOOL"/seg-*.jsonl | wc -c)
check "spool bytes" "$bytes" "$(metric hookspool_spool_size_bytes)"
check "spool segments" "$(ls "$SPOOL" | grep -c '^seg-')" "$(metric hookspool_spool_segments)"
check "no wh-retry run yet" 0.000 "$(metric hookspool_retry_last_run_timestamp_seconds)"
if have "promtool check metrics" promtool; then
	out=$(promtool check metrics < "$T_DIR/m.txt" 2>&1)
	check "promtool check metrics: wh-retry" "0 " "$? $out"
fi

# A paused handler's event waits: pending, and its age grows.
$WR_RUN -c "$CONF" pause works
post work
pending_aged() {
	$WR_RUN -c "$CONF" metrics > "$T_DIR/m.txt" &&
	    awk '$1 == "hookspool_oldest_event_age_seconds{status=\"pending\"}" && $2 >= 1 { f = 1 } END { exit !f }' "$T_DIR/m.txt"
}
poll_for 3000 pending_aged && ok "the oldest pending event's age" ||
    not_ok "the oldest pending event's age" "$(cat "$T_DIR/m.txt")"
check "pending events" 1 "$(metric 'hookspool_spool_events{status="pending"}')"
$WR_RUN -c "$CONF" resume works

# wh-retry run notes its pass; --textfile replaces the file whole.
before=$(date +%s)
$WR_RUN -c "$CONF" run --linger 0 2>> "$T_DIR/err"
echo stale > "$T_DIR/hookspool.prom"
$WR_RUN -c "$CONF" metrics --textfile "$T_DIR/hookspool.prom"
check "--textfile: exit 0" 0 "$?"
cp "$T_DIR/hookspool.prom" "$T_DIR/m.txt"
last=$(metric hookspool_retry_last_run_timestamp_seconds)
check "the last run's time" 1 "$(awk -v l="$last" -v b="$before" 'BEGIN { print (l >= b) }')"
check "the last run's duration" 1 \
    "$(awk -v d="$(metric hookspool_retry_last_run_duration_seconds)" 'BEGIN { print (d >= 0 && d != "") }')"
check "--textfile: no temporary file left" "hookspool.prom" \
    "$(ls "$T_DIR" | grep '\.prom')"
$WR_RUN -c "$CONF" metrics --textfile "$T_DIR/none/x.prom" 2> "$T_DIR/merr"
check "--textfile in a missing directory: exit 73" 73 "$?"
check "... says where" 1 "$(grep -c "$T_DIR/none/x.prom" "$T_DIR/merr")"
t_done
