# The one scenario every web server must pass (tests/integration/*.sh),
# so that wh-receive sees the same request whichever server is in
# front of it.  Sourced after lib.sh; needs curl, jq and openssl.
#
#   scenario_config SPOOL > hookspool.ini
#   scenario URL SPOOL

SC_SECRET='scenario-secret-0123456789'
SC_JWT_SECRET='scenario-jwt-secret-9876543210'

scenario_config() {
	cat <<INI
[server]
spool_dir = $1
max_body_size = 65536
log = stderr

[endpoint:github]
path = /hooks/github
signature_type = github
secret = $SC_SECRET

[endpoint:ci]
path = /hooks/ci
signature_type = jwt
jwt_algorithm = HS256
secret = $SC_JWT_SECRET
jwt_audience = hookspool
INI
}

# sc_post URL FILE [curl args...]: POST FILE with the headers every
# scenario request carries; prints the status, the answer is in
# $T_DIR/resp.  Expect: is off so that no request carries it.  An
# answer takes milliseconds on loopback: one that a server holds for
# seconds (mod_cgid did, on a body the program left unread) fails.
sc_post() {
	local url=$1 file=$2
	shift 2
	curl -s -m 4 -o "$T_DIR/resp" -w '%{http_code}' -H 'Expect:' \
	    -H 'User-Agent: GitHub-Hookshot/scenario' \
	    -H 'Content-Type: application/json' --data-binary @"$file" "$@" "$url"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# sc_jwt CLAIMS: an HS256 token over CLAIMS with SC_JWT_SECRET.
sc_jwt() {
	local h p
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '%s' "$1" | b64url)
	printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" |
	    openssl dgst -sha256 -hmac "$SC_JWT_SECRET" -binary | b64url)"
}

# sc_view SPOOL ID: what wh-receive saw of the event ID: path, method,
# the headers a sender sets (host and accept vary with the client and
# port), the body.
sc_view() {
	spool_events "$1" | jq -cS --arg id "$2" 'select(.id == $id) |
	    {path, method, headers: (.headers | del(.host, .accept)),
	     body, verification}'
}

# sc_expect PATH HEADERS_JSON BODYFILE VERIFICATION: the view of an
# event as every server must pass it on.
sc_expect() {
	jq -cnS --arg path "$1" --argjson h "$2" --rawfile body "$3" \
	    --arg v "$4" '{path: $path, method: "POST",
	    headers: ({"user-agent": "GitHub-Hookshot/scenario",
	      "content-type": "application/json"} + $h),
	    body: $body, verification: $v}'
}

scenario() {
	local url=$1 spool=$2 sig bad id n0 tok len
	printf '{"action":"opened","repository":{"name":"caf\xc3\xa9 %d"}}' \
	    "$RANDOM" > "$T_DIR/sc-body"
	len=$(stat -c %s "$T_DIR/sc-body")
	sig=$(hmac sha256 "$SC_SECRET" "$T_DIR/sc-body")

	check "signed GitHub request: 202" 202 "$(sc_post "$url/hooks/github?from=scenario" \
	    "$T_DIR/sc-body" -H "X-Hub-Signature-256: sha256=$sig" \
	    -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: d-1')"
	id=$(jq -r .id "$T_DIR/resp" 2>/dev/null)
	check "the spool holds the exact body" "$(sha256sum < "$T_DIR/sc-body")" \
	    "$(spool_events "$spool" | jq -j --arg id "$id" 'select(.id == $id) | .body' | sha256sum)"
	check "path, method, headers and body as sent" \
	    "$(sc_expect /hooks/github "{\"content-length\": \"$len\",
	      \"x-hub-signature-256\": \"sha256=$sig\", \"x-github-event\": \"push\",
	      \"x-github-delivery\": \"d-1\"}" "$T_DIR/sc-body" "github ok")" \
	    "$(sc_view "$spool" "$id")"

	n0=$(spool_events "$spool" | wc -l)
	case $sig in *0) bad=${sig%?}1 ;; *) bad=${sig%?}0 ;; esac
	check "wrong signature: 401" 401 "$(sc_post "$url/hooks/github" \
	    "$T_DIR/sc-body" -H "X-Hub-Signature-256: sha256=$bad")"
	check "401 is wh-receive's JSON" "bad signature" "$(jq -r .error "$T_DIR/resp" 2>/dev/null)"
	check "unknown path: 404" 404 "$(sc_post "$url/hooks/nope" "$T_DIR/sc-body")"
	check "404 is wh-receive's JSON" "not found" "$(jq -r .error "$T_DIR/resp" 2>/dev/null)"
	check "GET on a POST endpoint: 405 with Allow" "405 POST" \
	    "$(curl -s -m 20 -o "$T_DIR/resp" -D "$T_DIR/hdr" -w '%{http_code}' "$url/hooks/github") $(
	    grep -i '^allow:' "$T_DIR/hdr" | cut -d' ' -f2- | tr -d '\r')"
	head -c 100000 /dev/zero | tr '\0' a > "$T_DIR/sc-big"
	check "body over max_body_size: 413" 413 "$(sc_post "$url/hooks/github" \
	    "$T_DIR/sc-big" -H "X-Hub-Signature-256: sha256=$(hmac sha256 "$SC_SECRET" "$T_DIR/sc-big")")"
	check "413 is wh-receive's JSON" "body too large" "$(jq -r .error "$T_DIR/resp" 2>/dev/null)"
	head -c 2000000 /dev/zero | tr '\0' a > "$T_DIR/sc-huge"
	check "body over the server's limit: 413" 413 "$(curl -s -m 20 -o /dev/null \
	    -w '%{http_code}' --data-binary @"$T_DIR/sc-huge" "$url/hooks/github")"
	# mod_fcgid answers a chunked body over its limit 500 (SC_HUGE_CHUNKED).
	check "chunked body over the server's limit: ${SC_HUGE_CHUNKED:-413}" \
	    "${SC_HUGE_CHUNKED:-413}" "$(curl -s -m 20 -o /dev/null -w '%{http_code}' \
	    -H 'Transfer-Encoding: chunked' --data-binary @"$T_DIR/sc-huge" "$url/hooks/github")"
	check "rejected requests left no event" "$n0" "$(spool_events "$spool" | wc -l)"

	tok=$(sc_jwt "{\"sub\":\"build-7\",\"aud\":\"hookspool\",\"exp\":$(($(date +%s) + 600))}")
	check "JWT endpoint with a Bearer token: 202" 202 \
	    "$(sc_post "$url/hooks/ci" "$T_DIR/sc-body" -H "Authorization: Bearer $tok")"
	id=$(jq -r .id "$T_DIR/resp" 2>/dev/null)
	check "JWT claims kept, token redacted" "build-7 Bearer [redacted]" \
	    "$(spool_events "$spool" | jq -r --arg id "$id" 'select(.id == $id) | .claims.sub + " " + .headers.authorization')"
	check "JWT event: path, method, headers and body as sent" \
	    "$(sc_expect /hooks/ci "{\"content-length\": \"$len\",
	      \"authorization\": \"Bearer [redacted]\"}" "$T_DIR/sc-body" "jwt ok")" \
	    "$(sc_view "$spool" "$id")"

	check "chunked request: 202" 202 "$(sc_post "$url/hooks/github" "$T_DIR/sc-body" \
	    -H 'Transfer-Encoding: chunked' -H "X-Hub-Signature-256: sha256=$sig")"
	id=$(jq -r .id "$T_DIR/resp" 2>/dev/null)
	check "chunked: path, method, headers and body as sent" \
	    "$(sc_expect /hooks/github "{\"content-length\": \"$len\",
	      \"x-hub-signature-256\": \"sha256=$sig\"}" "$T_DIR/sc-body" "github ok")" \
	    "$(sc_view "$spool" "$id")"
	check "every spool line is intact JSON" 0 \
	    "$(cat "$spool"/seg-*.jsonl | jq -c . >/dev/null 2>&1; echo $?)"
}
