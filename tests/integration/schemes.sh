#!/usr/bin/env bash
# Every signature scheme through real nginx and wh-receive under
# spawn-fcgi: requests signed here in shell with openssl, as each provider
# signs them (GitHub, Stripe, Slack, Standard Webhooks with HMAC and
# ed25519, Shopify, GitLab, Discord, generic HMAC in base64, an HMAC
# rule written in the file, the presets (Zoom, Twitch, Paddle, Linear,
# Sentry, PagerDuty, Typeform, HubSpot, Square, Twilio), Mailgun, JWT with HS256, RS256 and ES256), one good and
# the ways to get each wrong; then what the spool keeps (JWT claims, no
# token, no GitLab token).
set -u
. "$(dirname "$0")/../lib.sh"
need nginx spawn-fcgi curl jq openssl xxd

t_tmpdir
trap 'servers_stop; rm -rf "$T_DIR"' EXIT
SPOOL=$T_DIR/spool
mkdir -m 0700 "$SPOOL"
DATA=$top_srcdir/tests/data
S='integration-secret-0123456789'
SWH_KEY_B64=$(printf 'standard-webhooks-key-24b' | openssl base64 -A)
# Two ed25519 key pairs, made now; the raw public key is the last 32
# bytes of the DER form.
for k in ed other; do
	openssl genpkey -algorithm ed25519 -out "$T_DIR/$k.pem" 2>/dev/null ||
		{ echo "schemes: openssl cannot make ed25519 keys"; exit 99; }
done
ED_HEX=$(openssl pkey -in "$T_DIR/ed.pem" -pubout -outform DER | tail -c 32 | xxd -p | tr -d '\n')
ED_B64=$(openssl pkey -in "$T_DIR/ed.pem" -pubout -outform DER | tail -c 32 | openssl base64 -A)
cat > "$T_DIR/hookspool.ini" <<INI
[server]
spool_dir = $SPOOL
fsync = never

[endpoint:github]
path = /hooks/github
signature_type = github
secret = $S

[endpoint:stripe]
path = /hooks/stripe
signature_type = stripe
secret = whsec_old
secret = $S

[endpoint:slack]
path = /hooks/slack
signature_type = slack
secret = $S
timestamp_tolerance = 60

[endpoint:swh]
path = /hooks/swh
signature_type = standard-webhooks
secret = whsec_$SWH_KEY_B64

[endpoint:swh-ed]
path = /hooks/swh-ed
signature_type = standard-webhooks
secret = whsec_$SWH_KEY_B64
secret = whpk_$ED_B64

[endpoint:discord]
path = /hooks/discord
signature_type = discord
public_key = $ED_HEX

[endpoint:shopify]
path = /hooks/shopify
signature_type = shopify
secret = $S

[endpoint:gitlab]
path = /hooks/gitlab
signature_type = gitlab
secret = $S

[endpoint:b64]
path = /hooks/b64
signature_type = hmac-sha256
signature_header = X-Signature
signature_encoding = base64
secret = $S

[endpoint:rule]
path = /hooks/rule
signature_type = hmac
signature_header = Acme-Signature
signature_pattern = v1=(?<sig>[0-9a-f]+)
signature_algorithm = sha512
timestamp_header = Acme-Signature
timestamp_pattern = t=(?<ts>[0-9]+)
signed_content = \${timestamp}|\${method}|\${url}|\${query}|\${header.X-Delivery}|\${body}
secret = $S

[endpoint:jwt-hs]
path = /hooks/jwt-hs
signature_type = jwt
jwt_algorithm = HS256
secret = $S
jwt_issuer = ci.example
jwt_audience = hookspool

[endpoint:zoom]
path = /hooks/zoom
signature_type = zoom
secret = $S

[endpoint:twitch]
path = /hooks/twitch
signature_type = twitch
secret = $S
timestamp_tolerance = 600

[endpoint:paddle]
path = /hooks/paddle
signature_type = paddle
secret = $S

[endpoint:linear]
path = /hooks/linear
signature_type = linear
secret = $S

[endpoint:pagerduty]
path = /hooks/pagerduty
signature_type = pagerduty
secret = $S

[endpoint:sentry]
path = /hooks/sentry
signature_type = sentry
secret = $S

[endpoint:typeform]
path = /hooks/typeform
signature_type = typeform
secret = $S

[endpoint:hubspot]
path = /hooks/hubspot
signature_type = hubspot
public_url = https://hooks.example.com/hooks/hubspot
secret = $S

[endpoint:square]
path = /hooks/square
signature_type = square
public_url = https://hooks.example.com/in/square
secret = $S

[endpoint:mailgun]
path = /hooks/mailgun
signature_type = mailgun
secret = $S
dedup_key = \${payload.signature.token}

[endpoint:twilio-direct]
path = /hooks/twilio-direct
signature_type = twilio
secret = $S

[endpoint:twilio]
path = /hooks/twilio
signature_type = twilio
public_url = https://mycompany.com/myapp.php
secret = 12345

[endpoint:jwt-rs]
path = /hooks/jwt-rs
signature_type = jwt
jwt_algorithm = RS256
jwt_public_key_file = $DATA/jwt-rsa.pub

[endpoint:jwt-es]
path = /hooks/jwt-es
signature_type = jwt
jwt_algorithm = ES256
jwt_public_key_file = $DATA/jwt-es256.pub
jwt_leeway = 5
INI
"$WH_RECEIVE" -t -c "$T_DIR/hookspool.ini" >/dev/null 2>"$T_DIR/check.err" ||
	{ echo "configuration refused"; cat "$T_DIR/check.err"; exit 99; }
serve_nginx

# post PATH [curl args...]: POST $T_DIR/body, print the status.
post() {
	local path=$1
	shift
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary @"$T_DIR/body" "$@" "$URL$path"
}
# mac_hex / mac_b64 KEY: HMAC-SHA256 of stdin under KEY.
mac_hex() { openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1; }
mac_b64() { openssl dgst -sha256 -hmac "$1" -binary | openssl base64 -A; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
flip() { case $1 in *a) echo "${1%?}b" ;; *) echo "${1%?}a" ;; esac; }
# flip_mid STR: one character 10 from the end changed (base64's last
# character may hold bits that decoding drops).
flip_mid() {
	local n=$((${#1} - 10)) c
	c=${1:$n:1}
	[ "$c" = A ] && c=B || c=A
	echo "${1:0:$n}$c${1:$((n + 1))}"
}
# The log so far (the line of the last request is in it when curl returns).
last_reason() { cat "$T_DIR/wh.log"; }

printf '{"event":"integration","n":%d}' "$RANDOM" > "$T_DIR/body"
NOW=$(date +%s)

# ---- github ----
sig=$(mac_hex "$S" < "$T_DIR/body")
check "github: 202" 202 "$(post /hooks/github -H "X-Hub-Signature-256: sha256=$sig")"
check "github: flipped signature 401" 401 "$(post /hooks/github -H "X-Hub-Signature-256: sha256=$(flip "$sig")")"
sig1=$(openssl dgst -sha1 -hmac "$S" -r < "$T_DIR/body" | cut -d' ' -f1)
check "github: legacy sha1 header alone 202" 202 "$(post /hooks/github -H "X-Hub-Signature: sha1=$sig1")"
check "github: missing header 401" 401 "$(post /hooks/github)"

# ---- stripe ----
st() { { printf '%s.' "$1"; cat "$T_DIR/body"; } | mac_hex "$2"; }
check "stripe: 202" 202 "$(post /hooks/stripe -H "Stripe-Signature: t=$NOW,v1=$(st "$NOW" "$S"),v0=00")"
check "stripe: old and new v1, one good: 202" 202 \
	"$(post /hooks/stripe -H "Stripe-Signature: t=$NOW,v1=$(st "$NOW" nope),v1=$(st "$NOW" "$S")")"
check "stripe: wrong secret 401" 401 "$(post /hooks/stripe -H "Stripe-Signature: t=$NOW,v1=$(st "$NOW" nope)")"
old=$((NOW - 400))
check "stripe: stale timestamp 401" 401 "$(post /hooks/stripe -H "Stripe-Signature: t=$old,v1=$(st "$old" "$S")")"
check "stripe: the log says stale" 1 "$(last_reason | grep -c 'verify=stale.*timestamp 4[0-9][0-9] s old, tolerance 300 s')"
new=$((NOW + 400))
check "stripe: future timestamp 401" 401 "$(post /hooks/stripe -H "Stripe-Signature: t=$new,v1=$(st "$new" "$S")")"
check "stripe: malformed header 401" 401 "$(post /hooks/stripe -H "Stripe-Signature: v1=abc")"

# ---- slack ----
sl() { { printf 'v0:%s:' "$1"; cat "$T_DIR/body"; } | mac_hex "$2"; }
check "slack: 202" 202 "$(post /hooks/slack -H "X-Slack-Signature: v0=$(sl "$NOW" "$S")" -H "X-Slack-Request-Timestamp: $NOW")"
old=$((NOW - 120))
check "slack: older than its 60 s tolerance 401" 401 \
	"$(post /hooks/slack -H "X-Slack-Signature: v0=$(sl "$old" "$S")" -H "X-Slack-Request-Timestamp: $old")"
check "slack: missing timestamp 401" 401 "$(post /hooks/slack -H "X-Slack-Signature: v0=$(sl "$NOW" "$S")")"

# ---- standard webhooks ----
sw() {
	{ printf '%s.%s.' "$1" "$2"; cat "$T_DIR/body"; } |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(printf '%s' "$SWH_KEY_B64" | openssl base64 -d -A | xxd -p | tr -d '\n')" -binary |
	    openssl base64 -A
}
good=$(sw msg_1 "$NOW")
check "standard-webhooks: 202" 202 \
	"$(post /hooks/swh -H 'webhook-id: msg_1' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1a,AAAA v1,$(sw msg_1 1) v1,$good")"
check "standard-webhooks: svix- headers 202" 202 \
	"$(post /hooks/swh -H 'svix-id: msg_1' -H "svix-timestamp: $NOW" -H "svix-signature: v1,$good")"
check "standard-webhooks: another id 401" 401 \
	"$(post /hooks/swh -H 'webhook-id: msg_2' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1,$good")"
old=$((NOW - 301 - 5))
check "standard-webhooks: stale 401" 401 \
	"$(post /hooks/swh -H 'webhook-id: msg_1' -H "webhook-timestamp: $old" -H "webhook-signature: v1,$(sw msg_1 "$old")")"

# ---- ed25519: standard webhooks v1a, discord ----
# ed_sign KEY PREFIX: the ed25519 signature of PREFIX followed by the body.
ed_sign() {
	{ printf '%s' "$2"; cat "$T_DIR/body"; } > "$T_DIR/signed"
	openssl pkeyutl -sign -rawin -inkey "$T_DIR/$1.pem" -in "$T_DIR/signed"
}
v1a=$(ed_sign ed "msg_1.$NOW." | openssl base64 -A)
v1a_other=$(ed_sign other "msg_1.$NOW." | openssl base64 -A)
check "standard-webhooks v1a: 202" 202 \
	"$(post /hooks/swh-ed -H 'webhook-id: msg_1' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1,$(sw msg_1 1) v1a,$v1a_other v1a,$v1a")"
check "standard-webhooks v1 beside a key: 202" 202 \
	"$(post /hooks/swh-ed -H 'webhook-id: msg_1' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1,$good")"
check "standard-webhooks v1a: another key 401" 401 \
	"$(post /hooks/swh-ed -H 'webhook-id: msg_1' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1a,$v1a_other")"
check "standard-webhooks v1a: another id 401" 401 \
	"$(post /hooks/swh-ed -H 'webhook-id: msg_2' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1a,$v1a")"
check "standard-webhooks v1a: 32 bytes 401" 401 \
	"$(post /hooks/swh-ed -H 'webhook-id: msg_1' -H "webhook-timestamp: $NOW" -H "webhook-signature: v1a,$(sw msg_1 "$NOW")")"
check "standard-webhooks v1a: the log says malformed" 1 "$(last_reason | grep -c 'endpoint=swh-ed .*verify=malformed.*a v1a signature is not 64 bytes')"
old=$((NOW - 400))
check "standard-webhooks v1a: stale 401" 401 \
	"$(post /hooks/swh-ed -H 'webhook-id: msg_1' -H "webhook-timestamp: $old" -H "webhook-signature: v1a,$(ed_sign ed "msg_1.$old." | openssl base64 -A)")"
dsig=$(ed_sign ed "$NOW" | xxd -p | tr -d '\n')
check "discord: 202" 202 "$(post /hooks/discord -H "X-Signature-Ed25519: $dsig" -H "X-Signature-Timestamp: $NOW")"
discord_id=$(jq -r .id "$T_DIR/resp")
check "discord: another key 401" 401 \
	"$(post /hooks/discord -H "X-Signature-Ed25519: $(ed_sign other "$NOW" | xxd -p | tr -d '\n')" -H "X-Signature-Timestamp: $NOW")"
check "discord: another timestamp 401" 401 \
	"$(post /hooks/discord -H "X-Signature-Ed25519: $dsig" -H "X-Signature-Timestamp: $((NOW + 1))")"
check "discord: signature cut short 401" 401 \
	"$(post /hooks/discord -H "X-Signature-Ed25519: ${dsig%??}" -H "X-Signature-Timestamp: $NOW")"
check "discord: missing timestamp 401" 401 "$(post /hooks/discord -H "X-Signature-Ed25519: $dsig")"
check "discord: stale 401" 401 \
	"$(post /hooks/discord -H "X-Signature-Ed25519: $(ed_sign ed "$old" | xxd -p | tr -d '\n')" -H "X-Signature-Timestamp: $old")"
check "discord: the log says stale" 1 "$(last_reason | grep -c 'endpoint=discord .*verify=stale.*timestamp 4[0-9][0-9] s old, tolerance 300 s')"
cp "$T_DIR/body" "$T_DIR/body.signed"
printf ' ' >> "$T_DIR/body"
check "discord: one more byte of body 401" 401 "$(post /hooks/discord -H "X-Signature-Ed25519: $dsig" -H "X-Signature-Timestamp: $NOW")"
mv "$T_DIR/body.signed" "$T_DIR/body"

# ---- shopify ----
check "shopify: 202" 202 "$(post /hooks/shopify -H "X-Shopify-Hmac-Sha256: $(mac_b64 "$S" < "$T_DIR/body")")"
check "shopify: hex instead of base64 401" 401 "$(post /hooks/shopify -H "X-Shopify-Hmac-Sha256: $sig")"

# ---- gitlab ----
check "gitlab: 202" 202 "$(post /hooks/gitlab -H "X-Gitlab-Token: $S" -H 'X-Gitlab-Event: Push Hook')"
gitlab_id=$(jq -r .id "$T_DIR/resp")
check "gitlab: wrong token 401" 401 "$(post /hooks/gitlab -H "X-Gitlab-Token: ${S}x")"

# ---- generic hmac-sha256, base64 ----
check "hmac-sha256 base64: 202" 202 "$(post /hooks/b64 -H "X-Signature: $(mac_b64 "$S" < "$T_DIR/body")")"
check "hmac-sha256 base64: wrong secret 401" 401 "$(post /hooks/b64 -H "X-Signature: $(mac_b64 other < "$T_DIR/body")")"

# ---- hmac: a rule of the file's own ----
# rule TS URL: v1 of TS|POST|URL|query|d-1|body, SHA-512, hex.
rule() {
	{ printf '%s|POST|%s|%s|d-1|' "$1" "$2" "${2#*\?}"; cat "$T_DIR/body"; } |
	    openssl dgst -sha512 -hmac "$S" -r | cut -d' ' -f1
}
ms=$((NOW * 1000 + 123))
check "hmac rule: 202" 202 "$(post '/hooks/rule?a=1&b=2' -H 'X-Delivery: d-1' \
	-H "Acme-Signature: t=$ms,v1=$(rule "$ms" '/hooks/rule?b=1'),v1=$(rule "$ms" '/hooks/rule?a=1&b=2')")"
check "hmac rule: another query 401" 401 "$(post '/hooks/rule?a=1&b=3' -H 'X-Delivery: d-1' \
	-H "Acme-Signature: t=$ms,v1=$(rule "$ms" '/hooks/rule?a=1&b=2')")"
check "hmac rule: no X-Delivery 401" 401 "$(post '/hooks/rule?a=1&b=2' \
	-H "Acme-Signature: t=$ms,v1=$(rule "$ms" '/hooks/rule?a=1&b=2')")"
old=$(((NOW - 400) * 1000))
check "hmac rule: stale 401" 401 "$(post '/hooks/rule?a=1' -H 'X-Delivery: d-1' \
	-H "Acme-Signature: t=$old,v1=$(rule "$old" '/hooks/rule?a=1')")"
check "hmac rule: the log says stale" 1 "$(last_reason | grep -c 'endpoint=rule .*verify=stale.*timestamp 4[0-9][0-9] s old')"

# ---- presets ----
zm() { { printf 'v0:%s:' "$1"; cat "$T_DIR/body"; } | mac_hex "$2"; }
check "zoom: 202" 202 "$(post /hooks/zoom -H "x-zm-signature: v0=$(zm "$NOW" "$S")" -H "x-zm-request-timestamp: $NOW")"
check "zoom: wrong secret 401" 401 "$(post /hooks/zoom -H "x-zm-signature: v0=$(zm "$NOW" nope)" -H "x-zm-request-timestamp: $NOW")"
old=$((NOW - 400))
check "zoom: stale 401" 401 "$(post /hooks/zoom -H "x-zm-signature: v0=$(zm "$old" "$S")" -H "x-zm-request-timestamp: $old")"
tw_ts=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%S.123456789Z)
tw() { { printf '%s%s' "$1" "$2"; cat "$T_DIR/body"; } | mac_hex "$3"; }
check "twitch: 202" 202 "$(post /hooks/twitch -H 'Twitch-Eventsub-Message-Id: m-1' \
	-H "Twitch-Eventsub-Message-Timestamp: $tw_ts" -H "Twitch-Eventsub-Message-Signature: sha256=$(tw m-1 "$tw_ts" "$S")")"
check "twitch: another message id 401" 401 "$(post /hooks/twitch -H 'Twitch-Eventsub-Message-Id: m-2' \
	-H "Twitch-Eventsub-Message-Timestamp: $tw_ts" -H "Twitch-Eventsub-Message-Signature: sha256=$(tw m-1 "$tw_ts" "$S")")"
tw_old=$(date -u -d "@$((NOW - 700))" +%Y-%m-%dT%H:%M:%SZ)
check "twitch: older than 600 s 401" 401 "$(post /hooks/twitch -H 'Twitch-Eventsub-Message-Id: m-1' \
	-H "Twitch-Eventsub-Message-Timestamp: $tw_old" -H "Twitch-Eventsub-Message-Signature: sha256=$(tw m-1 "$tw_old" "$S")")"
check "twitch: the log says stale" 1 "$(last_reason | grep -c 'endpoint=twitch .*verify=stale')"
pd() { { printf '%s:' "$1"; cat "$T_DIR/body"; } | mac_hex "$2"; }
check "paddle: 202" 202 "$(post /hooks/paddle -H "Paddle-Signature: ts=$NOW;h1=$(pd "$NOW" nope);h1=$(pd "$NOW" "$S")")"
check "paddle: wrong secret 401" 401 "$(post /hooks/paddle -H "Paddle-Signature: ts=$NOW;h1=$(pd "$NOW" nope)")"
check "paddle: no ts 401" 401 "$(post /hooks/paddle -H "Paddle-Signature: h1=$(pd "$NOW" "$S")")"
sig=$(mac_hex "$S" < "$T_DIR/body")
check "linear: 202" 202 "$(post /hooks/linear -H "Linear-Signature: $sig")"
check "linear: flipped 401" 401 "$(post /hooks/linear -H "Linear-Signature: $(flip "$sig")")"
check "sentry: 202" 202 "$(post /hooks/sentry -H "Sentry-Hook-Signature: $sig")"
check "sentry: flipped 401" 401 "$(post /hooks/sentry -H "Sentry-Hook-Signature: $(flip "$sig")")"
check "pagerduty: two v1, one good: 202" 202 "$(post /hooks/pagerduty -H "X-PagerDuty-Signature: v1=$(flip "$sig"),v1=$sig")"
check "pagerduty: none good 401" 401 "$(post /hooks/pagerduty -H "X-PagerDuty-Signature: v1=$(flip "$sig")")"
check "typeform: 202" 202 "$(post /hooks/typeform -H "Typeform-Signature: sha256=$(mac_b64 "$S" < "$T_DIR/body")")"
check "typeform: hex 401" 401 "$(post /hooks/typeform -H "Typeform-Signature: sha256=$sig")"
# The URL signed is public_url (a proxy's), then the query as requested.
hs() { { printf 'POSThttps://hooks.example.com/hooks/hubspot%s' "$1"; cat "$T_DIR/body"; printf '%s' "$2"; } | mac_b64 "$S"; }
ms=$((NOW * 1000))
check "hubspot: 202" 202 "$(post '/hooks/hubspot?portal=7' -H "X-HubSpot-Signature-v3: $(hs '?portal=7' "$ms")" -H "X-HubSpot-Request-Timestamp: $ms")"
check "hubspot: another query 401" 401 "$(post '/hooks/hubspot?portal=8' -H "X-HubSpot-Signature-v3: $(hs '?portal=7' "$ms")" -H "X-HubSpot-Request-Timestamp: $ms")"
old=$(((NOW - 400) * 1000))
check "hubspot: stale 401" 401 "$(post /hooks/hubspot -H "X-HubSpot-Signature-v3: $(hs '' "$old")" -H "X-HubSpot-Request-Timestamp: $old")"
sq() { { printf '%s' "$1"; cat "$T_DIR/body"; } | mac_b64 "$2"; }
check "square: 202" 202 "$(post /hooks/square -H "x-square-hmacsha256-signature: $(sq https://hooks.example.com/in/square "$S")")"
check "square: the URL nginx sees is not the one signed: 401" 401 \
	"$(post /hooks/square -H "x-square-hmacsha256-signature: $(sq "$URL/hooks/square" "$S")")"
check "square: wrong secret 401" 401 "$(post /hooks/square -H "x-square-hmacsha256-signature: $(sq https://hooks.example.com/in/square nope)")"
# Twilio: its documentation's example (auth token 12345, this URL and
# these fields); the fields are signed sorted, whatever their order.
twpost() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "X-Twilio-Signature: $2" --data-binary "$3" "$URL$1"
}
TWB='To=%2B18005551212&From=%2B12349013030&Digits=1234&Caller=%2B12349013030&CallSid=CA1234567890ABCDE'
check "twilio: the documented example: 202" 202 \
	"$(twpost '/hooks/twilio?foo=1&bar=2' 0/KCTR6DLpKmkAf8muzZqo1nDgQ= "$TWB")"
check "twilio: another query 401" 401 \
	"$(twpost '/hooks/twilio?foo=1&bar=3' 0/KCTR6DLpKmkAf8muzZqo1nDgQ= "$TWB")"
check "twilio: a field changed 401" 401 \
	"$(twpost '/hooks/twilio?foo=1&bar=2' 0/KCTR6DLpKmkAf8muzZqo1nDgQ= "${TWB/1234&/1235&}")"
# Without public_url the URL signed is rebuilt from what nginx passes:
# the scheme, the Host header and the request URI.
tw_direct() { { printf '%s' "$1"; printf 'Body%sFrom%s' "$2" '+15550001'; } | openssl dgst -sha1 -hmac "$S" -binary | openssl base64 -A; }
check "twilio: no public_url, the URL as nginx saw it: 202" 202 \
	"$(twpost '/hooks/twilio-direct?x=1' "$(tw_direct "$URL/hooks/twilio-direct?x=1" hello)" 'From=%2B15550001&Body=hello')"
check "twilio: no public_url, another host signed: 401" 401 \
	"$(twpost '/hooks/twilio-direct?x=1' "$(tw_direct "https://elsewhere.example/hooks/twilio-direct?x=1" hello)" 'From=%2B15550001&Body=hello')"

# Mailgun: the signature inside the JSON body; its token as dedup_key.
mg() {
	local ts=$1 token=$2 key=$3
	printf '{"signature":{"timestamp":"%s","token":"%s","signature":"%s"},"event-data":{"event":"delivered"}}' \
	    "$ts" "$token" "$(printf '%s%s' "$ts" "$token" | mac_hex "$key")"
}
mgpost() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "$1" "$URL/hooks/mailgun"
}
check "mailgun: 202" 202 "$(mgpost "$(mg "$NOW" tok-1-0123456789 "$S")")"
check "mailgun: the same token again: 200, a duplicate" "200 true" \
	"$(mgpost "$(mg "$NOW" tok-1-0123456789 "$S")") $(jq -r .duplicate "$T_DIR/resp")"
check "mailgun: wrong key 401" 401 "$(mgpost "$(mg "$NOW" tok-2-0123456789 nope)")"
check "mailgun: stale 401" 401 "$(mgpost "$(mg "$((NOW - 400))" tok-3-0123456789 "$S")")"
check "mailgun: no signature object 401" 401 "$(mgpost '{"event-data":{}}')"

# ---- jwt ----
# jwt_make ALG CLAIMS signer...: header.claims.signature, signed by the
# command given (reading the signing input on stdin, writing raw bytes).
jwt_make() {
	local alg=$1 claims=$2 h p
	shift 2
	h=$(printf '{"alg":"%s","typ":"JWT"}' "$alg" | b64url)
	p=$(printf '%s' "$claims" | b64url)
	printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" | "$@" | b64url)"
}
hs256() { openssl dgst -sha256 -hmac "$1" -binary; }
rs256() { openssl dgst -sha256 -sign "$DATA/jwt-rsa.key"; }
# ECDSA: openssl writes DER; JOSE wants r || s, 32 bytes each.
es256() {
	openssl dgst -sha256 -sign "$DATA/jwt-es256.key" |
	    openssl asn1parse -inform DER | sed -n 's/.*INTEGER *://p' |
	    while read -r n; do printf '%064s' "$n" | tr ' ' 0; done | xxd -r -p
}
claims="{\"iss\":\"ci.example\",\"aud\":\"hookspool\",\"sub\":\"build-7\",\"exp\":$((NOW + 600))}"
tok=$(jwt_make HS256 "$claims" hs256 "$S")
check "jwt HS256: 202" 202 "$(post /hooks/jwt-hs -H "Authorization: Bearer $tok")"
jwt_id=$(jq -r .id "$T_DIR/resp")
check "jwt HS256: wrong secret 401" 401 "$(post /hooks/jwt-hs -H "Authorization: Bearer $(jwt_make HS256 "$claims" hs256 nope)")"
check "jwt HS256: expired 401" 401 \
	"$(post /hooks/jwt-hs -H "Authorization: Bearer $(jwt_make HS256 "{\"iss\":\"ci.example\",\"aud\":\"hookspool\",\"exp\":$((NOW - 10))}" hs256 "$S")")"
check "jwt HS256: wrong audience 401" 401 \
	"$(post /hooks/jwt-hs -H "Authorization: Bearer $(jwt_make HS256 '{"iss":"ci.example","aud":"other"}' hs256 "$S")")"
check "jwt: alg none 401" 401 \
	"$(post /hooks/jwt-hs -H "Authorization: Bearer $(printf '{"alg":"none"}' | b64url).$(printf '%s' "$claims" | b64url).")"
check "jwt RS256: 202" 202 "$(post /hooks/jwt-rs -H "Authorization: Bearer $(jwt_make RS256 "$claims" rs256)")"
pem_hs=$(jwt_make HS256 "$claims" hs256 "$(cat "$DATA/jwt-rsa.pub")")
check "jwt RS256: HS256 keyed with the public key PEM 401" 401 "$(post /hooks/jwt-rs -H "Authorization: Bearer $pem_hs")"
check "jwt: the log names the pinned algorithm" 1 "$(last_reason | grep -c 'alg HS256 is not the pinned RS256')"
check "jwt ES256: 202" 202 "$(post /hooks/jwt-es -H "Authorization: $(jwt_make ES256 "$claims" es256)")"
tok_es=$(jwt_make ES256 "$claims" es256)
check "jwt ES256: flipped signature 401" 401 "$(post /hooks/jwt-es -H "Authorization: Bearer $(flip_mid "$tok_es")")"

# ---- what the spool keeps ----
rec=$(spool_events "$SPOOL" | jq -c "select(.id == \"$jwt_id\")")
check "jwt claims in the event record" "build-7 ci.example" "$(printf '%s' "$rec" | jq -r '.claims.sub + " " + .claims.iss')"
check "jwt token not in the spool" 0 "$(cat "$SPOOL"/seg-*.jsonl | grep -c -F -e "${tok##*.}")"
check "authorization redacted" "Bearer [redacted]" "$(printf '%s' "$rec" | jq -r '.headers.authorization')"
rec=$(spool_events "$SPOOL" | jq -c "select(.id == \"$gitlab_id\")")
check "gitlab token redacted" "[redacted] Push Hook" \
	"$(printf '%s' "$rec" | jq -r '.headers["x-gitlab-token"] + " " + .headers["x-gitlab-event"]')"
check "no event of another scheme has claims" 0 \
	"$(spool_events "$SPOOL" | jq -c 'select(.endpoint | startswith("jwt") | not) | select(has("claims"))' | wc -l)"
rec=$(spool_events "$SPOOL" | jq -c "select(.id == \"$discord_id\")")
check "discord: the event keeps the signature headers" "$dsig $NOW" \
	"$(printf '%s' "$rec" | jq -r '.headers["x-signature-ed25519"] + " " + .headers["x-signature-timestamp"]')"
check "no secret or token in the log" 0 "$(grep -c -F -e "$S" -e "${tok##*.}" -e "$good" "$T_DIR/wh.log")"
check "202s and events agree" "$(grep -c 'status=202' "$T_DIR/wh.log")" "$(spool_events "$SPOOL" | wc -l)"
t_done
