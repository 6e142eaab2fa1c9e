#!/usr/bin/env bash
# Handlers through real nginx: the command gets the exact body on stdin
# and payload values as single literal arguments, failures and timeouts
# are recorded with the right next_at, and handlers never delay answers.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq openssl

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
cd "$T_DIR" || exit 99
SPOOL=$T_DIR/spool
OUT=$T_DIR/out
mkdir -m 0700 "$SPOOL" "$OUT"
SECRET=handler-test-secret

cat > "$T_DIR/record.sh" <<SH
#!/bin/sh
# Keeps what it was given: stdin, argv (NUL-separated), environment.
cat > "$OUT/stdin.\$WH_EVENT_ID"
printf '%s\0' "\$@" > "$OUT/argv.\$WH_EVENT_ID"
printf '%s %s %s %s\n' "\$WH_EVENT_ID" "\$WH_ENDPOINT" "\$WH_HANDLER" "\$WH_ATTEMPT" > "$OUT/env.\$WH_EVENT_ID"
echo "recorded \$WH_EVENT_ID"
SH
cat > "$T_DIR/second.sh" <<SH
#!/bin/sh
echo "\$WH_HANDLER" >> "$OUT/order.\$WH_EVENT_ID"
SH
cat > "$T_DIR/third.sh" <<SH
#!/bin/sh
echo third >> "$OUT/order.\$WH_EVENT_ID"
SH
# The burst's handler: held until the test lets it go (the FIFO
# $T_DIR/hold gives it end of file) while $T_DIR/hold.on exists, else
# two seconds.
mkfifo "$T_DIR/hold"
cat > "$T_DIR/sleep2.sh" <<SH
#!/bin/sh
if [ -e "$T_DIR/hold.on" ]; then cat "$T_DIR/hold" > /dev/null; else sleep 2; fi
SH
chmod +x "$T_DIR"/*.sh

cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
max_retry_attempts = 3
retry_delay_seconds = 1.0
retry_backoff_multiplier = 2.0

[endpoint:github]
path = /hooks/github
signature_type = github
secret = $SECRET

[handler:record]
command = $T_DIR/record.sh --repo \${payload.repository.name} \${header.X-GitHub-Event}
endpoint_paths = /hooks/*
header.X-GitHub-Event = push|pull_request
payload.action = opened

[handler:second]
command = $T_DIR/second.sh
payload.action = opened

[handler:fail]
command = /bin/sh -c 'echo failing; exit 1'
payload.action = fail

[handler:slow]
command = /bin/sleep 30
timeout = 1
payload.action = slow

[handler:missing]
command = $T_DIR/no-such-program --flag
payload.action = missing

[handler:burst]
command = $T_DIR/sleep2.sh
payload.action = burst
INI
# As root, a handler with user runs as that user.
[ "$(id -u)" -eq 0 ] && printf '\n[handler:whoami]\ncommand = /usr/bin/id -u\nuser = nobody\npayload.action = whoami\n' \
    >> "$T_DIR/hookspool.ini"
PORT=$(free_port)
SOCK=$T_DIR/wh.sock
# Four workers, as spawn-fcgi -F would run them in production.
wh_start "$SOCK" "$T_DIR/hookspool.ini" 4 || { echo "wh-receive did not start"; cat "$T_DIR/wh.log"; exit 99; }
nginx_start "$PORT" "$SOCK" || { echo "nginx did not start"; exit 99; }
URL=http://127.0.0.1:$PORT/hooks/github

# send BODYFILE EVENT: a signed request; prints "status id".
send() {
	local sig
	sig=$(hmac sha256 "$SECRET" "$1")
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "X-GitHub-Event: $2" \
	    -H "X-Hub-Signature-256: sha256=$sig" -H 'Content-Type: application/json' \
	    --data-binary @"$1" "$URL"
	printf ' %s\n' "$(jq -r .id "$T_DIR/resp" 2>/dev/null)"
}
# The attempt records of an event, as one JSON array.
attempts() { cat "$SPOOL"/seg-*.jsonl | jq -cs "map(select(.type == \"attempt\" and .id == \"$1\"))"; }
# wait_attempt ID HANDLER STATE: until that record is in the spool.
wait_attempt() {
	local i
	for i in $(seq 1 100); do
		attempts "$1" | jq -e "map(select(.handler == \"$2\" and .state == \"$3\")) | length > 0" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
JQ_TS='def ts: (.[0:19] + "Z" | fromdate) + (.[20:26] | tonumber / 1e6);'

# --- exact bytes, literal arguments -------------------------------------
evil='$(touch pwned) ; touch pwned2 `touch pwned3` | touch pwned4 "quoted" '\''single'\'' a  b'
jq -nc --arg n "$evil" '{action: "opened", repository: {name: $n}, text: "caf\u00e9 \ud83d\ude00"}' > "$T_DIR/body"
read -r status id <<<"$(send "$T_DIR/body" push)"
check "matching event: 202" 202 "$status"
wait_attempt "$id" second done || true
check "record handler: done" 1 "$(wait_attempt "$id" record done && echo 1)"
check "stdin is the exact body" "$(sha256sum < "$T_DIR/body")" "$(sha256sum < "$OUT/stdin.$id")"
printf '%s\0' --repo "$evil" push > "$T_DIR/argv.expected"
check "payload value arrives as one literal argument" "$(od -c "$T_DIR/argv.expected")" "$(od -c "$OUT/argv.$id")"
check "no shell ran: no file pwned anywhere" "" "$(find "$T_DIR" / -maxdepth 1 -name 'pwned*' 2>/dev/null)"
check "environment" "$id github record 1" "$(cat "$OUT/env.$id")"
check "handlers run in configuration order" "second" "$(cat "$OUT/order.$id")"
check "event lists the handlers that matched" '["record","second"]' \
	"$(spool_events "$SPOOL" | jq -c "select(.id == \"$id\") | .handlers")"
check "attempt 1 marked running, then done" "running done" \
	"$(attempts "$id" | jq -r 'map(select(.handler == "record") | .state) | join(" ")')"
check "output kept in the attempt record" "recorded $id" \
	"$(attempts "$id" | jq -r 'map(select(.handler == "record" and .state == "done"))[0].output' | tr -d '\n')"

read -r status id <<<"$(send "$T_DIR/body" issues)"
sleep 0.5
check "header filter: no 'record' for X-GitHub-Event: issues" '["second"]' \
	"$(spool_events "$SPOOL" | jq -c "select(.id == \"$id\") | .handlers")"

# --- failure: next_at by the backoff rule ---------------------------------
printf '{"action":"fail"}' > "$T_DIR/fail"
read -r status id <<<"$(send "$T_DIR/fail" push)"
check "failing handler: the event is still 202" 202 "$status"
wait_attempt "$id" fail failed
rec=$(attempts "$id" | jq -c 'map(select(.state == "failed"))[0]')
check "failed attempt: exit status 1, output kept" "1 failing" "$(jq -r '"\(.exit_status) \(.output)"' <<<"$rec" | tr -d '\n')"
check "next_at is 1 s after the end" true "$(jq -r "$JQ_TS"' (.next_at | ts) - (.ended_at | ts) - 1 | fabs < 0.002' <<<"$rec")"

# --- timeout: the process group is killed ----------------------------------
printf '{"action":"slow"}' > "$T_DIR/slow"
read -r status id <<<"$(send "$T_DIR/slow" push)"
wait_attempt "$id" slow failed
rec=$(attempts "$id" | jq -c 'map(select(.state == "failed"))[0]')
check "timed-out handler recorded as such" "true 9" "$(jq -r '"\(.timed_out) \(.signal)"' <<<"$rec")"
check "killed at its 1 s timeout" 1 "$(jq -r "$JQ_TS"' (.ended_at | ts) - (.started_at | ts) | if . >= 0.9 and . < 1.8 then 1 else . end' <<<"$rec")"
check "no sleep 30 left running" "" "$(pgrep -x -f '/bin/sleep 30')"

# --- a command that cannot start is a failure with a reason ------------
printf '{"action":"missing"}' > "$T_DIR/missing"
read -r status id <<<"$(send "$T_DIR/missing" push)"
wait_attempt "$id" missing failed
check "missing program: failed, with the reason and no exit status" "null No such file or directory" \
	"$(attempts "$id" | jq -r 'map(select(.state == "failed"))[0] | "\(.exit_status) \(.error)"')"

# --- user = drops privileges ---------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	printf '{"action":"whoami"}' > "$T_DIR/whoami"
	read -r status id <<<"$(send "$T_DIR/whoami" push)"
	wait_attempt "$id" whoami done
	check "user = nobody: the command runs as nobody" "$(id -u nobody)" \
	    "$(attempts "$id" | jq -r 'map(select(.state == "done"))[0].output' | tr -d '\n')"
else
	skip "user = nobody" "only root can switch users"
fi

# --- a large body reaches the handler exactly (read back from the spool) --
{ printf '{"action":"opened","repository":{"name":"big"},"pad":"'
  head -c 150000 /dev/zero | tr '\0' x; printf '"}'; } > "$T_DIR/bigbody"
read -r status id <<<"$(send "$T_DIR/bigbody" push)"
check "150 KB event: 202" 202 "$status"
check "... its handler gets the exact body" 1 "$(wait_attempt "$id" record done &&
    cmp -s "$T_DIR/bigbody" "$OUT/stdin.$id" && echo 1)"

# --- one dispatcher per responder, started again on reload ----------------
# children: the most child processes any responder has now.
children() { for p in $WH_PIDS; do ps --ppid "$p" -o pid= | wc -l; done | sort -n | tail -1; }
check "one dispatcher per responder, not one per event" 1 "$(children)"
sed -i "s|command = $T_DIR/second.sh|command = $T_DIR/third.sh|" "$T_DIR/hookspool.ini"
kill -HUP $WH_PIDS
sleep 0.5
for i in 1 2 3 4 5 6 7 8; do
	read -r status id <<<"$(send "$T_DIR/body" push)"
	wait_attempt "$id" second done >/dev/null
done
check "after SIGHUP the new command runs" "third" "$(cat "$OUT/order.$id" 2>/dev/null)"
for i in $(seq 1 30); do [ "$(children)" = 1 ] && break; sleep 0.1; done
check "... and the old dispatchers are gone" 1 "$(children)"

# --- handlers never delay the answer ---------------------------------------
# Every handler of the burst is held until all 50 answers are in: an
# answer that waited for its handler would never come.
printf '{"action":"burst"}' > "$T_DIR/burst"
sig=$(hmac sha256 "$SECRET" "$T_DIR/burst")
touch "$T_DIR/hold.on"
seq 1 50 | xargs -P 50 -I{} curl -s -m 30 -o /dev/null -w '%{http_code}\n' \
    -H 'X-GitHub-Event: push' -H "X-Hub-Signature-256: sha256=$sig" \
    --data-binary @"$T_DIR/burst" "$URL" > "$T_DIR/burst.out"
check "50 concurrent requests, their handlers held: all 202" 50 "$(grep -c '^202' "$T_DIR/burst.out")"
held() { pgrep -f "$T_DIR/sleep2.sh" | wc -l; }
wait_expr '[ "$(held)" -eq 50 ]'
check "... while the 50 handlers run, none done" "50 0" "$(held) $(cat "$SPOOL"/seg-*.jsonl | jq -c 'select(.type == "attempt" and .handler == "burst" and .state == "done")' | wc -l)"
rm -f "$T_DIR/hold.on"
# Let them go: a writer that comes and goes ends each reader's input.
for i in $(seq 1 100); do
	[ "$(held)" -eq 0 ] && break
	exec 9<>"$T_DIR/hold"
	exec 9>&-
	sleep 0.1
done
burst_done() { cat "$SPOOL"/seg-*.jsonl | jq -c 'select(.type == "attempt" and .handler == "burst" and .state == "done")' | wc -l; }
wait_expr '[ "$(burst_done)" -eq 50 ]'
check "every burst handler recorded done" 50 "$(burst_done)"
zombies() { for p in $WH_PIDS; do ps --ppid "$p" -o stat=; done | grep Z; }
wait_expr '[ -z "$(zombies)" ]'
check "no zombies: every dispatcher reaped" "" "$(zombies)"

# SIGTERM while handlers run: the responder waits for them.
for i in 1 2 3; do send "$T_DIR/burst" push >/dev/null; done
wh_stop
check "on exit the responder leaves no handler behind" 0 "$(pgrep -f "$T_DIR/sleep2.sh" | wc -l)"
check "... and they finished and were recorded" 53 "$(burst_done)"
WH_PID=
t_done
