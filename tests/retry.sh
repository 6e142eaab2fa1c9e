#!/usr/bin/env bash
# wh-retry end to end, with events made by wh-receive as a CGI program
# (its dispatcher runs each first attempt): retries at the backoff's
# seconds under a cron-like start, dead after 1 + max_retry_attempts,
# only failed handlers retried, one run at a time, replay, list, show,
# retention under a stream, and a kill -9 in the middle of a run.
set -u
. "$(dirname "$0")/lib.sh"
need jq flock

t_tmpdir
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T_DIR"' EXIT
WH_RETRY=$top_builddir/wh-retry
WR_RUN="${WH_WRAPPER:-} $WH_RETRY"
SPOOL=$T_DIR/spool
OUT=$T_DIR/out
mkdir -m 0700 "$SPOOL" "$OUT"

# flaky: fails on its first two runs for an event, then succeeds; every
# script logs "handler attempt epoch-ms" to $OUT/log.
cat > "$T_DIR/flaky.sh" <<SH
#!/bin/sh
echo "\$WH_HANDLER \$WH_ATTEMPT \$(date +%s%3N)" >> "$OUT/log.\$WH_EVENT_ID"
[ "\$WH_ATTEMPT" -ge 3 ] && exit 0
echo "not yet (\$WH_ATTEMPT)"
exit 1
SH
cat > "$T_DIR/good.sh" <<SH
#!/bin/sh
echo "\$WH_ATTEMPT" >> "$OUT/good.\$WH_EVENT_ID"
SH
cat > "$T_DIR/slow.sh" <<SH
#!/bin/sh
echo "\$WH_HANDLER \$WH_ATTEMPT" >> "$OUT/slow.\$WH_EVENT_ID"
[ "\$WH_ATTEMPT" -ge 3 ] && exit 0
[ "\$WH_ATTEMPT" -eq 2 ] && sleep 2
exit 1
SH
# evil: output that would clear the screen and fake a line.
printf '#!/bin/sh\nprintf "\\033[2J\\033[1A\\rstatus: done\\n"\n' > "$T_DIR/evil.sh"
chmod +x "$T_DIR"/*.sh

cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
fsync = never
max_retry_attempts = 3
retry_delay_seconds = 1.0
retry_backoff_multiplier = 2.0

[endpoint:github]
path = /hooks/github
signature_type = none

[endpoint:other]
path = /hooks/other
signature_type = none

[handler:flaky]
command = $T_DIR/flaky.sh
payload.kind = flaky

[handler:always]
command = /bin/sh -c 'echo always failing; exit 7'
payload.kind = always

[handler:good]
command = $T_DIR/good.sh
payload.kind = two

[handler:bad]
command = /bin/false
payload.kind = two

[handler:slow]
command = $T_DIR/slow.sh
timeout = 3
payload.kind = slow

[handler:evil]
command = $T_DIR/evil.sh
payload.kind = evil
INI
CONF=$T_DIR/hookspool.ini

# post PATH BODY [CONF]: one CGI request; prints the event id.  The
# bulk of the retention part runs wh-receive without a valgrind wrapper
# (POST_RUN), as 1600 runs under it would take half an hour.
POST_RUN=$WH_RUN
post() {
	printf '%s' "$2" > "$T_DIR/body"
	env -i PATH="$PATH" HOOKSPOOL_CONFIG="${3:-$CONF}" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST REQUEST_URI="$1" REMOTE_ADDR=127.0.0.1 \
	    CONTENT_LENGTH="$(stat -c %s "$T_DIR/body")" CONTENT_TYPE=application/json \
	    $POST_RUN < "$T_DIR/body" 2>>"$T_DIR/wh.log" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'
}
records() { cat "$SPOOL"/seg-*.jsonl | jq -c "select(.id == \"$1\")"; }
# Outcome records of an event's handler: "state state ...".
states() { records "$1" | jq -r "select(.type == \"attempt\" and .handler == \"$2\" and .state != \"running\") | .state" | tr '\n' ' ' | sed 's/ $//'; }
ms() { date -d "$1" +%s%3N; }

# --- configuration ---------------------------------------------------------
out=$($WR_RUN -c "$CONF" check 2>&1); rc=$?
check "check accepts a good configuration" "0 $CONF: configuration OK" "$rc $out"
printf '[server]\nbogus = 1\n' > "$T_DIR/bad.ini"
$WR_RUN -c "$T_DIR/bad.ini" check >/dev/null 2>&1; rc=$?
check "check: EX_CONFIG on errors" 78 "$rc"
$WR_RUN -c "$CONF" --linger 0 >/dev/null 2>&1; rc=$?
check "run is the default command, with its options" 0 "$rc"
$WR_RUN -c "$CONF" list --status nonsense >/dev/null 2>&1; rc=$?
check "bad option value: EX_USAGE" 64 "$rc"

# --- handlers the receiver never started ------------------------------------
# An event with no attempt at all is wh-retry's once the responder's
# dispatcher can no longer start it: after DISPATCHER_MAX_WAIT (60 s)
# plus the timeouts of its handlers (good, bad: 30 s each) plus --grace.
SPOOL3=$T_DIR/spool3
mkdir -m 0700 "$SPOOL3"
sed "s|^spool_dir = .*|spool_dir = $SPOOL3|" "$CONF" > "$T_DIR/never.ini"
post /hooks/github '{"kind":"two"}' "$T_DIR/never.ini" >/dev/null
sleep 0.5
# copy AGE: the event above again, received AGE seconds ago, no attempt.
copy() {
	local id
	id=$(cat /proc/sys/kernel/random/uuid)
	jq -c --arg id "$id" --arg t "$(date -u -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%S.000000Z)" \
	    'select(.type == "event") | .id = $id | .received_at = $t' "$SPOOL3"/seg-*.jsonl |
	    head -1 >> "$(ls "$SPOOL3"/seg-*.jsonl | tail -1)"
	echo "$id"
}
old=$(copy 200)
recent=$(copy 100)
$WR_RUN -c "$T_DIR/never.ini" run --linger 0 --grace 1 >/dev/null 2>&1
check "never started, 200 s old: wh-retry starts it" 1 "$(cat "$OUT/good.$old" 2>/dev/null)"
check "never started, 100 s old: left to the dispatcher" "" "$(cat "$OUT/good.$recent" 2>/dev/null)"

# --- retries under a cron-like start ------------------------------------------
flaky=$(post /hooks/github '{"kind":"flaky"}')
always=$(post /hooks/github '{"kind":"always"}')
two=$(post /hooks/github '{"kind":"two"}')
# Two runs started together, as cron and an operator might.
$WR_RUN -c "$CONF" run --linger 10 > "$T_DIR/run1.out" 2>&1 & p1=$!
$WR_RUN -c "$CONF" run --linger 10 > "$T_DIR/run2.out" 2>&1 & p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
check "both runs exit 0 (one found the lock taken)" "0 0" "$rc1 $rc2"

check "flaky: failed twice, then done" "failed failed done" "$(states "$flaky" flaky)"
# Each retry starts no sooner than its backoff after the attempt before
# it ended (1 s, then 2 s), and in order; how much later depends on the
# machine's load and on when a run comes, so only the lower bound holds.
started() { records "$flaky" | jq -r "select(.type == \"attempt\" and .attempt == $1 and .state == \"running\") | .started_at"; }
ended() { records "$flaky" | jq -r "select(.type == \"attempt\" and .attempt == $1 and .state == \"failed\") | .ended_at"; }
for i in 1 2; do
	want=$((1000 << (i - 1)))
	d=$(($(ms "$(started $((i + 1)))") - $(ms "$(ended "$i")")))
	if [ "$d" -ge "$want" ]; then ok "flaky: attempt $((i + 1)) not before $want ms after attempt $i ended ($d ms)"
	else not_ok "flaky: attempt $((i + 1)) not before $want ms after attempt $i ended" "$d ms"; fi
done
check "flaky: handler ran 3 times" 3 "$(wc -l < "$OUT/log.$flaky")"
check "always: dead after 1 + max_retry_attempts attempts" "failed failed failed dead" "$(states "$always" always)"
check "two handlers: the good one ran once" 1 "$(wc -l < "$OUT/good.$two")"
check "two handlers: only the failing one was retried" "done" "$(states "$two" good)"
check "two handlers: the bad one is dead after 4" "failed failed failed dead" "$(states "$two" bad)"
dups=$(cat "$SPOOL"/seg-*.jsonl | jq -r 'select(.type == "attempt" and .state == "running") | "\(.id) \(.handler) \(.attempt)"' | sort | uniq -d | wc -l)
check "two runs together: no attempt ran twice" 0 "$dups"
check "status: done" done "$($WR_RUN -c "$CONF" list --json | jq -r "select(.id == \"$flaky\") | .status")"
check "status: dead, with the last error" "dead always: exit 7" \
	"$($WR_RUN -c "$CONF" list --json | jq -r "select(.id == \"$always\") | \"\(.status) \(.last_error)\"")"

# --- the lock ----------------------------------------------------------------
# The lock is held until the test lets it go, however slow the machine.
LOCK=$SPOOL/.wh-retry.lock
lock_taken() { ! flock -n "$LOCK" true; }
flock "$LOCK" sh -c 'while [ ! -e "$0" ]; do sleep 0.1; done' "$T_DIR/release" &
holder=$!
wait_for lock_taken
$WR_RUN -c "$CONF" run --linger 0 >/dev/null 2>&1; rc=$?
check "lock held: run exits 0 at once" 0 "$rc"
$WR_RUN -c "$CONF" run --linger 0 --wait=1 >/dev/null 2>&1; rc=$?
check "lock held: --wait=1 gives up with EX_TEMPFAIL" 75 "$rc"
$WR_RUN -c "$CONF" run --linger 0 --wait >/dev/null 2>&1 & waiter=$!
sleep 1
waiting=0
kill -0 $waiter 2>/dev/null && waiting=1
touch "$T_DIR/release"
wait $waiter; rc=$?
check "lock held: --wait waits until it is free" "1 0" "$waiting $rc"
wait $holder
check "lock file is 0600" 600 "$(stat -c %a "$SPOOL/.wh-retry.lock")"

# --- replay --------------------------------------------------------------------
out=$($WR_RUN -c "$CONF" replay "$two" 2>/dev/null); rc=$?
new=$(head -1 <<<"$out")
check "replay: a handler failed, exit 1" 1 "$rc"
check "replay: prints each outcome" "good: done bad: failed" "$(sed 1d <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
check "replay: the new event has replay_of" "$two" "$(records "$new" | jq -r 'select(.type == "event") | .replay_of')"
check "replay: same body and headers" "$(records "$two" | jq -c 'select(.type == "event") | [.body, .headers, .path]')" \
	"$(records "$new" | jq -c 'select(.type == "event") | [.body, .headers, .path]')"
out=$($WR_RUN -c "$CONF" replay --handler good "$(tr a-f A-F <<<"$two")" 2>/dev/null); rc=$?
check "replay --handler good (id in capitals): exit 0" 0 "$rc"
check "replay --handler: only that handler" "good: done" "$(sed 1d <<<"$out")"
check "replay --handler: the event lists only it" '["good"]' \
	"$(records "$(head -1 <<<"$out")" | jq -c 'select(.type == "event") | .handlers')"
$WR_RUN -c "$CONF" replay --handler nope "$two" >/dev/null 2>&1; rc=$?
check "replay --handler unknown: EX_USAGE" 64 "$rc"
$WR_RUN -c "$CONF" replay 01234567-89ab-7def-8123-456789abcdef >/dev/null 2>&1; rc=$?
check "replay of an unknown id: EX_NOINPUT" 66 "$rc"
check "a replayed event gets retries of its own" "failed" "$(states "$new" bad)"

# --- list and show -----------------------------------------------------------
g1=$(post /hooks/github '{"kind":"none","n":1}')
g2=$(post /hooks/github '{"kind":"none","n":2}')
g3=$(post /hooks/github '{"kind":"none","n":3}')
o1=$(post /hooks/other '{"kind":"none","n":4}')
check "list --endpoint /hooks/github --limit 2: the two newest" "$g3 $g2" \
	"$($WR_RUN -c "$CONF" list --endpoint /hooks/github --limit 2 --json | jq -r .id | tr '\n' ' ' | sed 's/ $//')"
check "list table: a header and two rows" 3 "$($WR_RUN -c "$CONF" list --endpoint /hooks/github --limit 2 | wc -l)"
check "list --endpoint by name" "$o1" "$($WR_RUN -c "$CONF" list --endpoint other --json | jq -r .id)"
check "list --status dead" "$two $always" \
	"$($WR_RUN -c "$CONF" list --status dead --json | jq -r .id | grep -v "$new" | tr '\n' ' ' | sed 's/ $//')"
out=$($WR_RUN -c "$CONF" show "$flaky"); rc=$?
check "show: exit 0" 0 "$rc"
check "show: the body" 1 "$(grep -c '^{"kind":"flaky"}$' <<<"$out")"
check "show: every attempt record" 6 "$(grep -c '^  flaky ' <<<"$out")"
check "show --json: the records as stored" "$(records "$flaky")" "$($WR_RUN -c "$CONF" show --json "$flaky")"
$WR_RUN -c "$CONF" show not-an-id >/dev/null 2>&1; rc=$?
check "show of a malformed id: EX_DATAERR" 65 "$rc"

# Control characters from a sender (a header, a body) or a handler's
# output reach the terminal escaped, never raw; --json keeps them.  In
# a spool of their own.
SPOOL_ESC=$T_DIR/spool-esc
mkdir -m 0700 "$SPOOL_ESC"
sed "s|^spool_dir = .*|spool_dir = $SPOOL_ESC|" "$CONF" > "$T_DIR/evil.ini"
post_evil() {
	printf '%s' "$1" > "$T_DIR/body"
	env -i PATH="$PATH" HOOKSPOOL_CONFIG="$T_DIR/evil.ini" GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST REQUEST_URI=/hooks/github REMOTE_ADDR=127.0.0.1 \
	    HTTP_X_EVIL="$2" CONTENT_LENGTH="$(stat -c %s "$T_DIR/body")" \
	    $WH_RUN < "$T_DIR/body" 2>>"$T_DIR/wh.log" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'
}
raw() { LC_ALL=C grep -c "$(printf '[\001-\010\013-\037\177]')" || true; }
evil=$(post_evil '{"kind":"evil"}' "$(printf '\033[31mred\302\233')")
wait_for grep -q "\"id\":\"$evil\".*\"state\":\"done\"" "$SPOOL_ESC"/seg-*.jsonl
out=$($WR_RUN -c "$T_DIR/evil.ini" show "$evil")
check "show: no raw control character from a header or an output" 0 "$(raw <<<"$out")"
check "... the header's escapes shown" 1 "$(grep -cF '  x-evil: \x1b[31mred\u009b' <<<"$out")"
check "... the output's escapes shown" 1 "$(grep -cF 'output: \x1b[2J\x1b[1A\x0dstatus: done' <<<"$out")"
body=$(post_evil "$(printf 'clip\033]52;c;cHduZWQ=\007\nattempts: none\r\033[2J')" x)
out=$($WR_RUN -c "$T_DIR/evil.ini" show "$body")
check "show: no raw control character from a body" 0 "$(raw <<<"$out")"
check "... the body last, its escapes shown, its newline kept" \
    'clip\x1b]52;c;cHduZWQ=\x07|attempts: none\x0d\x1b[2J' "$(sed -n '/^body: /,$p' <<<"$out" | tail -2 | paste -sd'|')"
check "list: no raw control character" 0 "$($WR_RUN -c "$T_DIR/evil.ini" list | raw)"
check "show --json: the bytes as stored" 1 \
    "$($WR_RUN -c "$T_DIR/evil.ini" show --json "$evil" | jq -r 'select(.type == "event") | .headers["x-evil"]' | grep -c "$(printf '\033\[31mred')")"

# --- kill -9 in the middle of a run --------------------------------------------
slow=$(post /hooks/github '{"kind":"slow"}')
$WR_RUN -c "$CONF" run --linger 20 --grace 1 >/dev/null 2>&1 & victim=$!
wait_for grep -q "slow 2" "$OUT/slow.$slow"
kill -9 $victim
wait $victim 2>/dev/null
check "killed while attempt 2 was in flight" "running" \
	"$(records "$slow" | jq -r 'select(.type == "attempt" and .attempt == 2) | .state' | tail -1)"
$WR_RUN -c "$CONF" run --linger 20 --grace 1 >/dev/null 2>&1; rc=$?
check "the next run exits 0" 0 "$rc"
check "every attempt ran once, the one in flight redone as the next" "slow 1 slow 2 slow 3" \
	"$(tr '\n' ' ' < "$OUT/slow.$slow" | sed 's/ $//')"
check "the abandoned attempt is closed as failed" "failed" \
	"$(records "$slow" | jq -r 'select(.type == "attempt" and .attempt == 2 and .state != "running") | .state')"
check "the event is done" "done" "$($WR_RUN -c "$CONF" list --json | jq -r "select(.id == \"$slow\") | .status")"
# 3 + 2 replays + 4 + slow
check "nothing lost: every event is still there" 10 "$(spool_events "$SPOOL" | wc -l)"

# --- retention -----------------------------------------------------------------
SPOOL2=$T_DIR/spool2
mkdir -m 0700 "$SPOOL2"
sed -e "s|^spool_dir = .*|spool_dir = $SPOOL2\nsegment_size = 4k\nevent_history_size = 100|" \
	-e "s|^retry_delay_seconds = .*|retry_delay_seconds = 3600|" "$CONF" > "$T_DIR/small.ini"
pending=
POST_RUN=$WH_RECEIVE
for i in $(seq 1 1000); do
	case $i in
	50|51|500) pending="$pending $(post /hooks/github '{"kind":"always"}' "$T_DIR/small.ini")" ;;
	*) post /hooks/other "{\"kind\":\"none\",\"n\":$i}" "$T_DIR/small.ini" >/dev/null ;;
	esac
done
sleep 0.5
nseg=$(ls "$SPOOL2" | grep -c '^seg-')
before=$(spool_events "$SPOOL2" | wc -l)
per=$(( (before + nseg - 1) / nseg + 1 ))
$WR_RUN -c "$T_DIR/small.ini" run --linger 0 2>/dev/null; rc=$?
check "retention run exits 0" 0 "$rc"
left=$(spool_events "$SPOOL2" | wc -l)
kept=0
for id in $pending; do spool_events "$SPOOL2" | grep -q "$id" && kept=$((kept + 1)); done
check "retention: every event with a retry due is kept" 3 "$kept"
# at most one segment's worth over, plus the segments the 3 pending hold
if [ "$left" -ge 100 ] && [ "$left" -le $((100 + 4 * per)) ]; then
	ok "retention: $left of 1000 events left (100..$((100 + 4 * per)), $nseg segments of ~$per)"
else not_ok "retention: events left" "$left, want 100..$((100 + 4 * per))"; fi
newest=$(spool_events "$SPOOL2" | tail -1 | jq -r .id)
check "retention: the newest event is kept" 1 "$(spool_events "$SPOOL2" | grep -c "$newest")"
# A steady stream: disk use stays bounded.
for i in $(seq 1 600); do post /hooks/other "{\"kind\":\"none\",\"m\":$i}" "$T_DIR/small.ini" >/dev/null
	[ $((i % 200)) -eq 0 ] && $WR_RUN -c "$T_DIR/small.ini" run --linger 0 2>/dev/null
done
left2=$(spool_events "$SPOOL2" | wc -l)
if [ "$left2" -le $((100 + 4 * per)) ]; then ok "retention: bounded under a stream ($left2 events)"
else not_ok "retention: bounded under a stream" "$left2 events"; fi

# --- an event record that cannot be read -------------------------------------
# A damaged line in the middle of a segment (not a torn last line) whose
# handlers are due: set aside once, with one log line and an
# "unreadable" record for each handler, never run and never looked at
# again.
SPOOL4=$T_DIR/spool4
mkdir -m 0700 "$SPOOL4"
sed "s|^spool_dir = .*|spool_dir = $SPOOL4|" "$CONF" > "$T_DIR/damaged.ini"
POST_RUN=$WH_RUN
post /hooks/github '{"kind":"two"}' "$T_DIR/damaged.ini" >/dev/null
sleep 0.5
# damage JQ: a copy of that event received 300 s ago, changed by JQ.
damage() {
	local id
	id=$(cat /proc/sys/kernel/random/uuid)
	jq -c --arg id "$id" --arg t "$(date -u -d "@$(($(date +%s) - 300))" +%Y-%m-%dT%H:%M:%S.000000Z)" \
	    "select(.type == \"event\") | .id = \$id | .received_at = \$t | $1" "$SPOOL4"/seg-*.jsonl |
	    head -1 >> "$(ls "$SPOOL4"/seg-*.jsonl | tail -1)"
	echo "$id"
}
b64=$(damage '.body_encoding = "base64" | .body = "not base64!"')
# Not JSON at all past its first members: an escape JSON does not have.
nojson=$(damage '.body = "QQQ"')
sed -i "s/\"body\":\"QQQ\"/\"body\":\"\\\\q\"/" "$(ls "$SPOOL4"/seg-*.jsonl | tail -1)"
post /hooks/other '{"kind":"none"}' "$T_DIR/damaged.ini" >/dev/null
$WR_RUN -c "$T_DIR/damaged.ini" run --linger 2 --grace 1 > "$T_DIR/damaged1.out" 2>&1; rc=$?
check "damaged event records: the run exits 0" 0 "$rc"
for id in "$b64" "$nojson"; do
	check "damaged event record: one log line" 1 "$(grep -c "id=$id" "$T_DIR/damaged1.out")"
	check "damaged event record: each handler set aside once" "good:unreadable bad:unreadable" \
		"$(grep -h "\"id\":\"$id\"" "$SPOOL4"/seg-*.jsonl | grep '"type":"attempt"' | jq -r '"\(.handler):\(.state)"' | tr '\n' ' ' | sed 's/ $//')"
	check "damaged event record: list shows it unreadable" unreadable \
		"$($WR_RUN -c "$T_DIR/damaged.ini" list --json | jq -r "select(.id == \"$id\") | .status")"
done
check "list --status unreadable: the two damaged events" "$(printf '%s\n' "$b64" "$nojson" | sort)" \
	"$($WR_RUN -c "$T_DIR/damaged.ini" list --status unreadable --json | jq -r .id | sort)"
$WR_RUN -c "$T_DIR/damaged.ini" run --linger 2 --grace 1 > "$T_DIR/damaged2.out" 2>&1; rc=$?
check "damaged event records: a second run exits 0" 0 "$rc"
check "damaged event records: a second run does not touch them" 0 \
	"$(grep -c -e "id=$b64" -e "id=$nojson" "$T_DIR/damaged2.out")"
check "damaged event records: nothing more about them in the spool" 4 \
	"$(grep -h -e "\"id\":\"$b64\"" -e "\"id\":\"$nojson\"" "$SPOOL4"/seg-*.jsonl | grep -c '"type":"attempt"')"

# --- an argument over the system's limit -------------------------------------
# execve(2) refuses one argument over 128 KiB with E2BIG: that is no
# passing trouble, so the first attempt is dead, with the reason.
SPOOL5=$T_DIR/spool5
mkdir -m 0700 "$SPOOL5"
sed "s|^spool_dir = .*|spool_dir = $SPOOL5|" "$CONF" > "$T_DIR/big.ini"
printf '\n[handler:big]\ncommand = /bin/echo ${payload.big}\npayload.kind = big\n' >> "$T_DIR/big.ini"
POST_RUN=$WH_RUN
big=$(post /hooks/github "{\"kind\":\"big\",\"big\":\"$(head -c 204800 /dev/zero | tr '\0' x)\"}" "$T_DIR/big.ini")
# the receiver's dispatcher makes the first attempt
wait_for sh -c "cat '$SPOOL5'/seg-*.jsonl | grep -v '\"state\":\"running\"' | grep -q '\"type\":\"attempt\"'"
$WR_RUN -c "$T_DIR/big.ini" run --linger 3 --grace 1 >/dev/null 2>&1; rc=$?
check "argument too long: the run exits 0" 0 "$rc"
check "argument too long: one attempt, dead" "dead" "$(SPOOL=$SPOOL5 states "$big" big)"
check "argument too long: the reason in its record" "argument list too long: argument 1 has 204800 bytes, over the limit of 131071" \
	"$(SPOOL=$SPOOL5 records "$big" | jq -r 'select(.type == "attempt" and .state != "running") | .error')"
check "argument too long: list shows it dead" dead \
	"$($WR_RUN -c "$T_DIR/big.ini" list --json | jq -r "select(.id == \"$big\") | .status")"

t_done
