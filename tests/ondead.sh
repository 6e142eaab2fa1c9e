#!/usr/bin/env bash
# on_dead and wh-retry pause/resume, end to end, with events made by
# wh-receive as a CGI program (its dispatcher runs each first attempt):
# the on_dead program runs once per dead (event, handler), from the
# dispatcher and from wh-retry, with the event's spool line on stdin;
# a paused handler's events are spooled but not run until it is resumed,
# then wh-retry runs them in the order they came.
set -u
. "$(dirname "$0")/lib.sh"
need jq

t_tmpdir
trap 'rm -rf "$T_DIR"' EXIT
WH_RETRY=$top_builddir/wh-retry
WR_RUN="${WH_WRAPPER:-} $WH_RETRY"
OUT=$T_DIR/out
mkdir -m 0700 "$T_DIR/spool1" "$T_DIR/spool2" "$T_DIR/spool3" "$OUT"

# dead.sh TAG: one file per call, its stdin, then its WH_ environment.
cat > "$T_DIR/dead.sh" <<SH
#!/bin/sh
f=\$(mktemp "$OUT/\$1.XXXXXX")
cat > "\$f.in"
printf '%s|%s|%s\n' "\$WH_EVENT_ID" "\$WH_HANDLER" "\$WH_LAST_ERROR" > "\$f"
SH
cat > "$T_DIR/count.sh" <<SH
#!/bin/sh
echo "\$(cat)" >> "$OUT/ran"
SH
chmod +x "$T_DIR"/*.sh

# conf N MAX: spool N, max_retry_attempts MAX; the server's on_dead
# writes "server" calls, the handler "fails" has one of its own.
conf() {
	cat <<INI
[server]
spool_dir = $T_DIR/spool$1
fsync = never
max_retry_attempts = $2
retry_delay_seconds = 0.1
on_dead = $T_DIR/dead.sh server

[endpoint:e]
path = /hooks/e
signature_type = none

[handler:fails]
command = /bin/sh -c 'echo broken; exit 3'
payload.kind = fail
on_dead = $T_DIR/dead.sh fails

[handler:also]
command = /bin/false
payload.kind = fail

[handler:count]
command = $T_DIR/count.sh
timeout = 1
payload.kind = count
INI
}
conf 1 0 > "$T_DIR/one.ini"
conf 2 1 > "$T_DIR/two.ini"
conf 3 0 > "$T_DIR/three.ini"

post() { cgi_post "$1" /hooks/e "$2"; }
# until_true CMD...: poll CMD; a slow machine only makes it slower (30
# min is there to end a test that hangs, not to time it).
until_true() { poll_for 18000 "$@"; }
calls() { ls "$OUT" | grep -c "^$1\.[^.]*$"; }
calls_are() { [ "$(calls "$1")" = "$2" ]; }
# The env line and stdin of TAG's call for ID.
call_of() { grep -l "^$2|" "$OUT"/"$1".* 2>/dev/null | grep -v '\.in$' | head -1; }
event_line() { grep -h "\"id\":\"$2\"" "$1"/seg-*.jsonl | grep '"type":"event"' | head -1; }
# has_state DIR ID HANDLER: an attempt of HANDLER on ID has ended.
has_state() { [ -n "$(states "$@")" ]; }
states() { cat "$1"/seg-*.jsonl | jq -r "select(.id == \"$2\" and .type == \"attempt\" and .handler == \"$3\" and .state != \"running\") | .state" | tr '\n' ' ' | sed 's/ $//'; }

# --- wh-receive -t ------------------------------------------------------------
sed "s|^on_dead = $T_DIR/dead.sh fails|on_dead = $T_DIR/missing|" "$T_DIR/one.ini" > "$T_DIR/bad.ini"
line=$(grep -n "^on_dead = $T_DIR/missing" "$T_DIR/bad.ini" | cut -d: -f1)
out=$($WH_RUN -t -c "$T_DIR/bad.ini" 2>&1); rc=$?
check "-t: a missing on_dead program fails" 1 "$rc"
check "-t: FILE:LINE names it" "$T_DIR/bad.ini:$line: on_dead $T_DIR/missing: No such file or directory" "$out"
chmod -x "$T_DIR/count.sh"
sed "s|^on_dead = $T_DIR/dead.sh server|on_dead = $T_DIR/count.sh|" "$T_DIR/one.ini" > "$T_DIR/noexec.ini"
$WH_RUN -t -c "$T_DIR/noexec.ini" >/dev/null 2>&1; rc=$?
check "-t: an on_dead program not executable fails" 1 "$rc"
chmod +x "$T_DIR/count.sh"
out=$($WH_RUN -t -c "$T_DIR/one.ini" 2>&1); rc=$?
check "-t: good on_dead programs pass" 0 "$rc"

# --- dead in the dispatcher (no retry left) ------------------------------------
a=$(post "$T_DIR/one.ini" '{"kind":"fail","n":1}')
b=$(post "$T_DIR/one.ini" '{"kind":"fail","n":2}')
until_true calls_are fails 2
until_true calls_are server 2
check "dispatcher: both handlers dead" "dead dead" "$(states "$T_DIR/spool1" "$a" fails) $(states "$T_DIR/spool1" "$a" also)"
$WR_RUN -c "$T_DIR/one.ini" run --linger 0 --grace 0 >/dev/null 2>>"$T_DIR/wh.log"
check "dispatcher: one call per event of the handler's own" 2 "$(calls fails)"
check "dispatcher: one per event of the server's, for the other" 2 "$(calls server)"
f=$(call_of fails "$a")
check "dispatcher: environment" "$a|fails|exit 3" "$(cat "$f")"
check "dispatcher: stdin is the event's spool line" "$(event_line "$T_DIR/spool1" "$a")" "$(cat "$f.in")"
check "dispatcher: stdin ends with its newline" 1 "$(wc -l < "$f.in")"
f=$(call_of server "$b")
check "dispatcher: the server's for the other handler" "$b|also|exit 1" "$(cat "$f")"

# --- dead in wh-retry ------------------------------------------------------------
rm -f "$OUT"/*
c=$(post "$T_DIR/two.ini" '{"kind":"fail","n":3}')
until_true has_state "$T_DIR/spool2" "$c" also
until_true has_state "$T_DIR/spool2" "$c" fails
check "wh-retry: no call while a retry is left" "0 0" "$(calls fails) $(calls server)"
$WR_RUN -c "$T_DIR/two.ini" run --linger 30 >/dev/null 2>>"$T_DIR/wh.log"
check "wh-retry: dead after its retry" "failed dead" "$(states "$T_DIR/spool2" "$c" fails)"
until_true calls_are fails 1
until_true calls_are server 1
$WR_RUN -c "$T_DIR/two.ini" run --linger 0 >/dev/null 2>>"$T_DIR/wh.log"
sleep 1
check "wh-retry: exactly one call each" "1 1" "$(calls fails) $(calls server)"
f=$(call_of fails "$c")
check "wh-retry: environment" "$c|fails|exit 3" "$(cat "$f")"
check "wh-retry: stdin is the event's spool line" "$(event_line "$T_DIR/spool2" "$c")" "$(cat "$f.in")"

# --- pause and resume -------------------------------------------------------------
C3=$T_DIR/three.ini
$WR_RUN -c "$C3" pause nosuch >/dev/null 2>"$T_DIR/err"; rc=$?
check "pause: unknown handler is EX_USAGE" 64 "$rc"
check "pause: says so" "wh-retry: nosuch: no such handler in $C3" "$(cat "$T_DIR/err")"
$WR_RUN -c "$C3" pause count; rc=$?
check "pause: exit 0" 0 "$rc"
check "pause: a file in the spool, 0600 in a 0700 directory" "700 600" \
	"$(stat -c %a "$T_DIR/spool3/paused") $(stat -c %a "$T_DIR/spool3/paused/count")"
ids=""
for n in 1 2 3; do
	ids="$ids $(post "$C3" "{\"kind\":\"count\",\"n\":$n}")"
done
ids=${ids# }
check "paused: the three events are spooled" 3 "$(spool_events "$T_DIR/spool3" | wc -l)"
# The detached dispatchers find the handler paused and exit; give them
# a while, then nothing may have run or be running.
sleep 3
check "paused: the handler has not run" 0 "$(cat "$OUT/ran" 2>/dev/null | wc -l)"
check "paused: no attempt recorded" 0 "$(cat "$T_DIR/spool3"/seg-*.jsonl | grep -c '"type":"attempt"')"
check "paused: list shows them paused" "paused paused paused" \
	"$($WR_RUN -c "$C3" list --json | jq -r .status | tr '\n' ' ' | sed 's/ $//')"
first=${ids%% *}
check "paused: show says so" "status:       paused" "$($WR_RUN -c "$C3" show "$first" | grep '^status:')"
# wh-retry holds them too, however long it lingers.
$WR_RUN -c "$C3" run --linger 0 --grace 0 >/dev/null 2>>"$T_DIR/wh.log"
check "paused: wh-retry run does not run them" 0 "$(cat "$OUT/ran" 2>/dev/null | wc -l)"
$WR_RUN -c "$C3" resume count; rc=$?
check "resume: exit 0, the file gone" "0 no" "$rc $(test -e "$T_DIR/spool3/paused/count" && echo yes || echo no)"
# Never started by a dispatcher: wh-retry's once the dispatcher's
# window (60 s) and the handler's timeout have passed.
$WR_RUN -c "$C3" run --linger 300 --grace 0 >/dev/null 2>>"$T_DIR/wh.log"
check "resume: wh-retry ran all three" 3 "$(wc -l < "$OUT/ran")"
want=""
for n in 1 2 3; do want="$want {\"kind\":\"count\",\"n\":$n}"; done
check "resume: in the order they came" "${want# }" "$(tr '\n' ' ' < "$OUT/ran" | sed 's/ $//')"
check "resume: list shows them done" "done done done" \
	"$($WR_RUN -c "$C3" list --json | jq -r .status | tr '\n' ' ' | sed 's/ $//')"
$WR_RUN -c "$C3" resume count; rc=$?
check "resume: a handler not paused is fine" 0 "$rc"

t_done
