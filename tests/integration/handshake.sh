#!/usr/bin/env bash
# Every provider's endpoint verification handshake through real nginx
# and wh-receive under spawn-fcgi: Slack, Zoom and Twitch signed here
# with openssl as they sign them, Meta, Microsoft Graph, Event Grid,
# Dropbox and X as they send them.  Each answer's status, content type
# and body; the refusals; the log line; and that the spool stays empty
# (a handshake is never an event), until a real event comes.
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq openssl

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
S='handshake-secret-0123456789'
X_SECRET='z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu'
printf 'meatyhamhock\n' > "$T_DIR/meta.token"
chmod 0600 "$T_DIR/meta.token"
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
fsync = never

[endpoint:slack]
path = /hooks/slack
handshake = slack
signature_type = slack
secret = $S

[endpoint:zoom]
path = /hooks/zoom
handshake = zoom
signature_type = hmac
signature_header = x-zm-signature
signature_pattern = ^v0=(?<sig>[0-9a-f]{64})\$
timestamp_header = x-zm-request-timestamp
signed_content = v0:\${timestamp}:\${body}
secret = $S

[endpoint:twitch]
path = /hooks/twitch
handshake = twitch
signature_type = hmac
signature_header = Twitch-Eventsub-Message-Signature
signature_pattern = ^sha256=(?<sig>[0-9a-f]{64})\$
signed_content = \${header.Twitch-Eventsub-Message-Id}\${header.Twitch-Eventsub-Message-Timestamp}\${body}
secret = $S

[endpoint:meta]
path = /hooks/meta
handshake = meta
handshake_token_file = $T_DIR/meta.token

[endpoint:graph]
path = /hooks/graph
handshake = msgraph

[endpoint:eventgrid]
path = /hooks/eventgrid
handshake = eventgrid

[endpoint:dropbox]
path = /hooks/dropbox
handshake = dropbox

[endpoint:x]
path = /hooks/x
handshake = x-crc
signature_type = hmac
signature_header = x-twitter-webhooks-signature
signature_encoding = base64
signature_pattern = ^sha256=(?<sig>.+)\$
secret = $X_SECRET
INI
"$WH_RECEIVE" -t -c "$T_DIR/hookspool.ini" >/dev/null 2>"$T_DIR/check.err" ||
	{ echo "configuration refused"; cat "$T_DIR/check.err"; exit 99; }
serve_nginx

# req METHOD PATH [curl args...]: the status; the body in $T_DIR/resp,
# the headers in $T_DIR/head.
req() {
	local method=$1 path=$2
	shift 2
	curl -s -X "$method" -D "$T_DIR/head" -o "$T_DIR/resp" \
	    -w '%{http_code}' "$@" "$URL$path"
}
# post PATH [curl args...]: POST $T_DIR/body as JSON.
post() {
	local path=$1
	shift
	req POST "$path" -H 'Content-Type: application/json' \
	    --data-binary @"$T_DIR/body" "$@"
}
header() { tr -d '\r' < "$T_DIR/head" | sed -n "s/^$1: //Ip" | head -1; }
body() { cat "$T_DIR/resp"; }
mac_hex() { openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1; }
# answered NAME STATUS TYPE BODY: the last answer was this one.
answered() {
	check "$1: status" "$2" "$3"
	check "$1: content type" "$4" "$(header Content-Type)"
	check "$1: body" "$5" "$(body)"
	check "$1: nosniff" nosniff "$(header X-Content-Type-Options)"
}
NOW=$(date +%s)

# ---- slack (api.slack.com/events/url_verification) ----
C=3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P
printf '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"%s","type":"url_verification"}' "$C" > "$T_DIR/body"
sl() { { printf 'v0:%s:' "$NOW"; cat "$T_DIR/body"; } | mac_hex "$1"; }
st=$(post /hooks/slack -H "X-Slack-Request-Timestamp: $NOW" -H "X-Slack-Signature: v0=$(sl "$S")")
answered slack 200 "$st" "text/plain; charset=utf-8" "$C"
check "slack: bad signature 401" 401 \
	"$(post /hooks/slack -H "X-Slack-Request-Timestamp: $NOW" -H "X-Slack-Signature: v0=$(sl nope)")"
check "slack: unsigned 401" 401 "$(post /hooks/slack)"
printf '{"type":"url_verification","challenge":"<script>alert(1)</script>"}' > "$T_DIR/body"
check "slack: markup challenge 400" 400 \
	"$(post /hooks/slack -H "X-Slack-Request-Timestamp: $NOW" -H "X-Slack-Signature: v0=$(sl "$S")")"
check "slack: the refusal is JSON" "bad challenge" "$(jq -r .error "$T_DIR/resp")"
check "slack: a GET on the POST endpoint is 405" 405 "$(req GET /hooks/slack)"
check "slack: Allow: POST" POST "$(header Allow)"

# ---- zoom (developers.zoom.us, "Validate your webhook endpoint") ----
printf '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}' > "$T_DIR/body"
zm() { { printf 'v0:%s:' "$NOW"; cat "$T_DIR/body"; } | mac_hex "$1"; }
enc=$(printf '%s' qgg8vlvZRS6UYooatFL8Aw | mac_hex "$S")
st=$(post /hooks/zoom -H "x-zm-request-timestamp: $NOW" -H "x-zm-signature: v0=$(zm "$S")")
answered zoom 200 "$st" application/json \
	"{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\",\"encryptedToken\":\"$enc\"}"
check "zoom: bad signature 401" 401 \
	"$(post /hooks/zoom -H "x-zm-request-timestamp: $NOW" -H "x-zm-signature: v0=$(zm nope)")"

# ---- twitch (dev.twitch.tv/docs/eventsub/handling-webhook-events) ----
TW_ID=e76c6bd4-55c9-4987-8304-da1588d8988b
TW_TS=2019-11-16T10:11:12.634234626Z
printf '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2","cost":1,"condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}' > "$T_DIR/body"
tw() { { printf '%s%s' "$TW_ID" "$TW_TS"; cat "$T_DIR/body"; } | mac_hex "$1"; }
twitch() {
	post /hooks/twitch -H "Twitch-Eventsub-Message-Id: $TW_ID" \
	    -H 'Twitch-Eventsub-Message-Retry: 0' \
	    -H 'Twitch-Eventsub-Message-Type: webhook_callback_verification' \
	    -H "Twitch-Eventsub-Message-Signature: sha256=$(tw "$1")" \
	    -H "Twitch-Eventsub-Message-Timestamp: $TW_TS" \
	    -H 'Twitch-Eventsub-Subscription-Type: channel.follow' \
	    -H 'Twitch-Eventsub-Subscription-Version: 2'
}
st=$(twitch "$S")
answered twitch 200 "$st" "text/plain; charset=utf-8" pogchamp-kappa-360noscope-vohiyo
check "twitch: bad signature 401" 401 "$(twitch nope)"

# ---- meta (developers.facebook.com/docs/graph-api/webhooks) ----
st=$(req GET '/hooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock')
answered meta 200 "$st" "text/plain; charset=utf-8" 1158201444
check "meta: wrong verify token 403" 403 \
	"$(req GET '/hooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhoc')"
check "meta: a GET that is no handshake is 405" 405 "$(req GET '/hooks/meta?x=1')"

# ---- microsoft graph (learn.microsoft.com/graph/change-notifications-delivery-webhooks) ----
st=$(req POST '/hooks/graph?validationToken=Validation%3A+Testing+client+application+reachability+for+subscription+Request-Id%3A+9a4e3f2c-4d6b-4b8e-9d7d-1c2e3f4a5b6c' -H 'Content-Type: text/plain; charset=utf-8' --data-binary '')
answered msgraph 200 "$st" "text/plain; charset=utf-8" \
	"Validation: Testing client application reachability for subscription Request-Id: 9a4e3f2c-4d6b-4b8e-9d7d-1c2e3f4a5b6c"

# ---- event grid (learn.microsoft.com/azure/event-grid/webhook-event-delivery) ----
printf '[{"id":"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66","topic":"/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/myeventsub/validate?id=0000&token=1A1A1A1A"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2022-10-28T04:23:35.1981776Z","metadataVersion":"1","dataVersion":"1"}]' > "$T_DIR/body"
st=$(post /hooks/eventgrid -H 'aeg-event-type: SubscriptionValidation')
answered eventgrid 200 "$st" application/json \
	'{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}'
# The CloudEvents schema: OPTIONS with WebHook-Request-Origin.
st=$(req OPTIONS /hooks/eventgrid -H 'WebHook-Request-Origin: eventgrid.azure.net')
check "eventgrid cloudevents: 200" 200 "$st"
check "eventgrid cloudevents: WebHook-Allowed-Origin" eventgrid.azure.net \
	"$(header WebHook-Allowed-Origin)"
check "eventgrid cloudevents: a bad origin 400" 400 \
	"$(req OPTIONS /hooks/eventgrid -H 'WebHook-Request-Origin: a b')"
check "eventgrid cloudevents: ... with no WebHook-Allowed-Origin" "" \
	"$(header WebHook-Allowed-Origin)"

# ---- dropbox (dropbox.com/developers/reference/webhooks) ----
st=$(req GET '/hooks/dropbox?challenge=zU3qF9pJ2wYbN4eT7cK1')
answered dropbox 200 "$st" "text/plain; charset=utf-8" zU3qF9pJ2wYbN4eT7cK1
check "dropbox: markup challenge 400" 400 "$(req GET '/hooks/dropbox?challenge=%3Csvg%20onload%3Dalert(1)%3E')"
long=$(printf '%0300d' 7)
check "dropbox: over-long challenge 400" 400 "$(req GET "/hooks/dropbox?challenge=$long")"

# ---- x (the CRC of X's account activity API) ----
X_TOKEN=9b4507b3-9040-4669-9ca3-6b94edb50553
want=$(printf '%s' "$X_TOKEN" | openssl dgst -sha256 -hmac "$X_SECRET" -binary | openssl base64 -A)
st=$(req GET "/hooks/x?crc_token=$X_TOKEN&nonce=NDQ3OTE5OTU4MjQ3NTI3ODk4")
answered x-crc 200 "$st" application/json "{\"response_token\":\"sha256=$want\"}"

# ---- what stays ----
check "no handshake reached the spool" 0 "$(spool_events "$SPOOL" | wc -l)"
check "the log names each handshake" 8 \
	"$(grep -o 'status=200 verify=[a-z-]* handshake=[a-z-]*' "$T_DIR/wh.log" | sort -u | wc -l)"
check "no challenge or token in the log" 0 \
	"$(grep -c -e meatyhamhock -e 1158201444 -e "$C" -e qgg8vlvZRS6UYooatFL8Aw -e pogchamp -e zU3qF9 -e "$X_TOKEN" -e Validation "$T_DIR/wh.log")"
# An event on a handshake endpoint is still an event.
printf '{"type":"event_callback","event":{"type":"app_mention"}}' > "$T_DIR/body"
check "slack: an event is 202" 202 \
	"$(post /hooks/slack -H "X-Slack-Request-Timestamp: $NOW" -H "X-Slack-Signature: v0=$(sl "$S")")"
check "slack: the event is spooled" 1 "$(spool_events "$SPOOL" | wc -l)"
t_done
