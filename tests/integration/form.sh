#!/usr/bin/env bash
# Form bodies and query strings through real nginx: a Twilio-style form
# post and a Slack-style interactivity post (payload_json_field) with a
# token in the query.  A filter matches a form field, the handler gets
# ${payload.X} and ${query.Y}, the spool keeps the raw body byte for
# byte and the query redacted, and no query value reaches the log.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
TOKEN=t0ken-Value-9f3a
SPOOL=$T_DIR/spool OUT=$T_DIR/out
mkdir -m 0700 "$SPOOL" "$OUT" && cd "$T_DIR" || exit 99

cat > "$T_DIR/record.sh" <<SH
#!/bin/sh
cat > "$OUT/stdin.\$WH_EVENT_ID"
printf '%s\0' "\$@" > "$OUT/argv.\$WH_EVENT_ID"
SH
chmod +x "$T_DIR/record.sh"

cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
redact_query = token

[endpoint:twilio]
path = /hooks/twilio

[endpoint:slack]
path = /hooks/slack
payload_json_field = payload
redact_query = sig

[handler:sms]
command = $T_DIR/record.sh \${payload.Body} \${query.shop} \${query.token}
endpoint_paths = /hooks/twilio
payload.Body = STOP.*

[handler:button]
command = $T_DIR/record.sh \${payload.payload.actions.0.value} \${query.team}
endpoint_paths = /hooks/slack
payload.payload.type = block_actions
query.team = T[0-9]+
INI
serve_nginx

# form PATH?QUERY BODYFILE: prints "status id".
form() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data-binary @"$2" "$URL$1"
	printf ' %s\n' "$(jq -r .id "$T_DIR/resp" 2>/dev/null)"
}
record() { spool_events "$SPOOL" | jq -c "select(.id == \"$1\")"; }

# --- Twilio: a form field filtered on and substituted ----------------------
printf 'ToCountry=US&From=%%2B15551234567&Body=STOP+all+%%C3%%A9&Body=second&NumMedia=0' > "$T_DIR/sms"
read -r status id <<<"$(form "/hooks/twilio?shop=s%20one&token=$TOKEN" "$T_DIR/sms")"
check "form post: 202" 202 "$status"
check "the handler ran" 1 "$(wait_for test -s "$OUT/argv.$id" && echo 1)"
printf '%s\0' 'STOP all é' 's one' REDACTED > "$T_DIR/argv.expected"
check "\${payload.Body} (the first) and \${query.NAME}, redacted token" \
	"$(od -c "$T_DIR/argv.expected")" "$(od -c "$OUT/argv.$id")"
check "the handler's stdin is the raw body" "$(sha256sum < "$T_DIR/sms")" "$(sha256sum < "$OUT/stdin.$id")"
record "$id" | jq -j .body > "$T_DIR/stored"
check "the spool holds the raw body byte for byte" "$(sha256sum < "$T_DIR/sms")" "$(sha256sum < "$T_DIR/stored")"
check "the spool holds the query, redacted" "shop=s%20one&token=REDACTED" "$(record "$id" | jq -r .query)"
check "path is the path alone" "/hooks/twilio" "$(record "$id" | jq -r .path)"

printf 'Body=hello' > "$T_DIR/hello"
read -r status id <<<"$(form "/hooks/twilio" "$T_DIR/hello")"
check "a field that does not match: no handler" "202 []" "$status $(record "$id" | jq -c .handlers)"
check "no query: no query member" "null" "$(record "$id" | jq -c .query)"

n0=$(spool_events "$SPOOL" | wc -l)
printf 'Body=STOP%%zz' > "$T_DIR/bad"
read -r status id <<<"$(form "/hooks/twilio" "$T_DIR/bad")"
check "a malformed form body: 400" 400 "$status"
printf 'Body=STOP%%00' > "$T_DIR/nul"
read -r status id <<<"$(form "/hooks/twilio" "$T_DIR/nul")"
check "a form body with %00: 400" 400 "$status"
check "neither is spooled" "$n0" "$(spool_events "$SPOOL" | wc -l)"

# --- Slack: the JSON document in one field ---------------------------------
jq -nc '{type: "block_actions", actions: [{action_id: "a", value: "approve it"}]}' > "$T_DIR/doc"
printf 'payload=%s' "$(jq -rj '@uri' < <(jq -Rs . "$T_DIR/doc"))" > "$T_DIR/slack"
read -r status id <<<"$(form "/hooks/slack?team=T123&sig=$TOKEN&token=$TOKEN" "$T_DIR/slack")"
check "Slack-style post: 202" 202 "$status"
check "payload.payload.actions.0.value reaches the handler" 1 "$(wait_for test -s "$OUT/argv.$id" && echo 1)"
printf '%s\0' 'approve it' T123 > "$T_DIR/argv.expected"
check "the arguments" "$(od -c "$T_DIR/argv.expected")" "$(od -c "$OUT/argv.$id")"
check "server and endpoint redact_query both apply" "team=T123&sig=REDACTED&token=REDACTED" \
	"$(record "$id" | jq -r .query)"
read -r status id <<<"$(form "/hooks/slack?team=X1" "$T_DIR/slack")"
check "query.team filter: no match, no handler" "202 []" "$status $(record "$id" | jq -c .handlers)"

# --- nothing of a query value in the spool or the log -----------------------
check "the token is nowhere in the spool" 0 "$(cat "$SPOOL"/seg-*.jsonl | grep -c "$TOKEN")"
check "the token is nowhere in the log" 0 "$(grep -c "$TOKEN" "$T_DIR/wh.log")"
check "the log names the path" 1 "$([ "$(grep -c 'path=/hooks/slack status=\|path=/hooks/slack ' "$T_DIR/wh.log")" -gt 0 ] && echo 1)"
check "the log holds no query" 0 "$(grep -c 'path=[^ ]*?' "$T_DIR/wh.log")"
t_done
