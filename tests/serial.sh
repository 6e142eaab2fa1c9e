#!/usr/bin/env bash
# serialize_by, end to end, with events made by wh-receive as a CGI
# program and run by wh-retry run --follow: the dispatchers leave a
# serialized handler alone; for each key, its events run one at a time
# in spool order; an event whose attempt fails holds back the later
# events of its key (not those of other keys) until it is done.
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

# ordered.sh: logs its start and end; a3 fails until $T_DIR/ok exists.
cat > "$T_DIR/ordered.sh" <<SH
#!/bin/sh
k=\$(jq -r '.repo + (.n | tostring)')
echo "start \$(date +%s%N) \$k" >> "$OUT/log"
sleep 0.05
echo "end \$(date +%s%N) \$k" >> "$OUT/log"
[ "\$k" != a3 ] || [ -e "$T_DIR/ok" ]
SH
chmod +x "$T_DIR/ordered.sh"
C=$T_DIR/serial.ini
cat > "$C" <<INI
[server]
spool_dir = $SPOOL
fsync = never
max_retry_attempts = 100
retry_delay_seconds = 0.2
retry_max_delay_seconds = 0.2

[endpoint:e]
path = /hooks/e
signature_type = none

[handler:ordered]
command = $T_DIR/ordered.sh
serialize_by = \${payload.repo}
INI

# --- wh-receive -t ------------------------------------------------------------------------
sed 's/^serialize_by = .*/serialize_by = plain words/' "$C" > "$T_DIR/bad.ini"
line=$(grep -n '^serialize_by' "$T_DIR/bad.ini" | cut -d: -f1)
out=$($WH_RUN -t -c "$T_DIR/bad.ini" 2>&1); rc=$?
check "-t: serialize_by without a placeholder fails, FILE:LINE" "1 yes" \
	"$rc $(case $out in "$T_DIR/bad.ini:$line: serialize_by"*) echo yes ;; *) echo "no: $out" ;; esac)"
$WH_RUN -t -c "$C" >/dev/null 2>&1; rc=$?
check "-t: serialize_by = \${payload.repo} passes" 0 "$rc"

post() { cgi_post "$C" /hooks/e "$1"; }
seq_of() { awk -v k="$1" '$1 == "start" && substr($3, 1, 1) == k { print $3 }' "$OUT/log" | tr '\n' ' ' | sed 's/ $//'; }
started() { grep -c "^start .* $1\$" "$OUT/log" 2>/dev/null || true; }
done_count() { cat "$SPOOL"/seg-*.jsonl | jq -r 'select(.type == "attempt" and .state == "done") | .id' | sort -u | wc -l; }

# a1..a5 and b1..b3, interleaved, and one without a key.
for e in a1 b1 a2 a3 b2 a4 b3 a5; do
	post "{\"repo\":\"${e%?}\",\"n\":${e#?}}" > /dev/null
done
post '{"n":9}' > /dev/null
check "nine events spooled" 9 "$(spool_events "$SPOOL" | wc -l)"
sleep 2
check "the dispatchers ran none of them" 0 "$(grep -c . "$OUT/log" 2>/dev/null || echo 0)"

$WR_RUN -c "$C" run --follow --grace 0 2>>"$T_DIR/wr.log" &
FOLLOW_PID=$!
# a3 keeps failing: a1, a2, the b's and the one without a key get done,
# a4 and a5 wait behind a3 however long it takes.
wait_expr '[ "$(done_count)" -ge 6 ] && [ "$(started a3)" -ge 3 ]'
check "a1, a2, b1..b3 and the keyless one done" 6 "$(done_count)"
check "a3 tried again and again" yes "$([ "$(started a3)" -ge 3 ] && echo yes)"
check "a4 and a5 held back behind a3" "0 0" "$(started a4) $(started a5)"
check "the b's ran in order, not held by a3" "b1 b2 b3" "$(seq_of b)"
id_of() { spool_events "$SPOOL" | jq -r "select((.body | fromjson) as \$b | \$b.repo == \"${1%?}\" and \$b.n == ${1#?}) | .id"; }
status_of() { $WR_RUN -c "$C" list --json | jq -r "select(.id == \"$(id_of "$1")\") | .status"; }
check "list: a4 and a5 held" "held held" "$(status_of a4) $(status_of a5)"
check "list: a3 itself is not held (failed, or running again)" yes \
	"$(case $(status_of a3) in failed|pending) echo yes ;; *) echo no ;; esac)"
check "list --json: the handler held" true \
	"$($WR_RUN -c "$C" list --json | jq -r "select(.id == \"$(id_of a4)\") | .handlers.ordered.held")"
check "show says held" "status:       held" "$($WR_RUN -c "$C" show "$(id_of a5)" | grep '^status:')"
touch "$T_DIR/ok"
wait_expr '[ "$(done_count)" -eq 9 ]'
check "once a3 is done, the rest run: all nine done" 9 "$(done_count)"
kill "$FOLLOW_PID"; wait "$FOLLOW_PID" 2>/dev/null; FOLLOW_PID=
check "the a's in spool order, a3 before a4" "a1 a2 a3 a4 a5" \
	"$(seq_of a | tr ' ' '\n' | uniq | tr '\n' ' ' | sed 's/ $//')"
check "one at a time" 1 "$(max_overlap "$OUT/log")"

t_done
