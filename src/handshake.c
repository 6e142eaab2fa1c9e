/*
 * handshake: answer a provider's endpoint verification request from the
 * request alone, one function per provider in a table.  Each first
 * decides whether the request is its handshake at all (0: it is an
 * event, for the rest of the request path), and only then checks it:
 * the signature (slack, zoom, twitch, by the endpoint's own
 * signature_type), the verify token (meta), the challenge's length and
 * bytes.  A challenge is never echoed unchecked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "form.h"
#include "handshake.h"
#include "header.h"
#include "verify.h"

#define TEXT_PLAIN	"text/plain; charset=utf-8"
#define APP_JSON	"application/json"

typedef int	handshake_fn(const struct handshake_conf *,
		    const struct verify_conf *, const struct handshake_request *,
		    struct handshake_reply *);

static handshake_fn	hs_slack, hs_zoom, hs_twitch, hs_meta, hs_msgraph,
			hs_eventgrid, hs_dropbox, hs_xcrc;

static const struct {
	const char	*name;
	handshake_fn	*fn;
	bool		 get;		/* the provider sends a GET */
	bool		 secret;	/* the answer is an HMAC */
} kinds[] = {
	[HANDSHAKE_NONE] = { "none", NULL, false, false },
	[HANDSHAKE_SLACK] = { "slack", hs_slack, false, false },
	[HANDSHAKE_ZOOM] = { "zoom", hs_zoom, false, true },
	[HANDSHAKE_TWITCH] = { "twitch", hs_twitch, false, false },
	[HANDSHAKE_META] = { "meta", hs_meta, true, false },
	[HANDSHAKE_MSGRAPH] = { "msgraph", hs_msgraph, false, false },
	[HANDSHAKE_EVENTGRID] = { "eventgrid", hs_eventgrid, false, false },
	[HANDSHAKE_DROPBOX] = { "dropbox", hs_dropbox, true, false },
	[HANDSHAKE_XCRC] = { "x-crc", hs_xcrc, true, true },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

const char *
handshake_name(int kind)
{
	if (kind < 0 || (size_t)kind >= NKINDS)
		return "none";
	return kinds[kind].name;
}

bool
handshake_needs_secret(int kind)
{
	return kind > 0 && (size_t)kind < NKINDS && kinds[kind].secret;
}

bool
handshake_takes(const struct handshake_conf *hc, const char *method)
{
	if (hc->kind <= 0 || (size_t)hc->kind >= NKINDS || method == NULL)
		return false;
	/* Event Grid's CloudEvents schema validates with an OPTIONS. */
	if (hc->kind == HANDSHAKE_EVENTGRID && strcmp(method, "OPTIONS") == 0)
		return true;
	return kinds[hc->kind].get && strcmp(method, "GET") == 0;
}

static int
refuse(struct handshake_reply *reply, int status, const char *error,
    const char *reason)
{
	reply->status = status;
	reply->error = error;
	snprintf(reply->reason, sizeof(reply->reason), "%s", reason);
	return 1;
}

/* 1 if s[0..n) may be echoed: short enough, no byte outside the set. */
static bool
challenge_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > HANDSHAKE_MAX_CHALLENGE)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(HANDSHAKE_CHALLENGE_CHARS, s[i]) ==
		    NULL)
			return false;
	return true;
}

/* The checked challenge as the body, text/plain. */
static int
echo(struct handshake_reply *reply, const char *challenge, size_t n)
{
	if (!challenge_ok(challenge, n))
		return refuse(reply, 400, "bad challenge",
		    "challenge too long, empty or not plain text");
	memcpy(reply->body, challenge, n);
	reply->body_len = n;
	reply->content_type = TEXT_PLAIN;
	reply->status = 200;
	return 1;
}

/* The JSON answer of n bytes snprintf() left in reply->body (the
 * strings in it were checked). */
static int
answer_json(struct handshake_reply *reply, int n)
{
	if (n < 0 || (size_t)n >= sizeof(reply->body))
		return refuse(reply, 500, "handshake failed", "answer too long");
	reply->body_len = (size_t)n;
	reply->content_type = APP_JSON;
	reply->status = 200;
	return 1;
}

/*
 * The signature by the endpoint's signature_type: 1 if it holds, else
 * 0 with the refusal in reply.
 */
static int
signed_ok(const struct verify_conf *vc, const struct handshake_request *req,
    struct handshake_reply *reply)
{
	struct verify_result	vr;
	struct verify_http	http;

	memset(&vr, 0, sizeof(vr));
	http.method = req->method;
	http.url = req->url;
	verify_request_http(vc, &http, req->headers, req->body, req->body_len,
	    req->now, &vr);
	verify_result_clear(&vr);
	reply->verify = verify_status_name(vr.status);
	if (vr.status == VERIFY_OK)
		return 1;
	if (vr.status == VERIFY_ERROR)
		refuse(reply, 500, "verification failed", vr.detail);
	else
		refuse(reply, 401, "bad signature",
		    vr.detail[0] ? vr.detail : reply->verify);
	return 0;
}

/*
 * The body as a JSON value, when it holds marker at all (most requests
 * to the endpoint are events, not worth a parse); NULL otherwise.
 */
static json_t *
body_json(const struct handshake_request *req, const char *marker)
{
	if (req->body_len == 0 || memmem(req->body, req->body_len, marker,
	    strlen(marker)) == NULL)
		return NULL;
	return json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, NULL);
}

/* The string member key of object o, or NULL. */
static const char *
member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Length of a JSON string value (it may hold NUL bytes). */
static size_t
member_len(const json_t *o, const char *key)
{
	return json_string_length(json_object_get(o, key));
}

/*
 * Slack Events API: {"type": "url_verification", "challenge": ...},
 * signed like every Slack request; the challenge goes back as text.
 */
static int
hs_slack(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	json_t		*j;
	const char	*type, *challenge;
	int		 rc = 0;

	(void)hc;
	if ((j = body_json(req, "url_verification")) == NULL)
		return 0;
	type = member(j, "type");
	if (type == NULL || strcmp(type, "url_verification") != 0)
		goto out;
	rc = 1;
	if (!signed_ok(vc, req, reply))
		goto out;
	if ((challenge = member(j, "challenge")) == NULL)
		refuse(reply, 400, "bad challenge", "url_verification without "
		    "a challenge");
	else
		echo(reply, challenge, member_len(j, "challenge"));
out:
	json_decref(j);
	return rc;
}

/* Lower-case hex HMAC-SHA256 (hex) or its base64 of msg under key. */
static int
hmac_sha256(const struct secret *key, const char *msg, bool base64,
    char *out, size_t cap)
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 mac[32];
	size_t			 len = 0, i;

	if (cap < 65 || EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    key->data, key->len, (const unsigned char *)msg, strlen(msg),
	    mac, sizeof(mac), &len) == NULL || len != sizeof(mac))
		return -1;
	if (base64) {
		EVP_EncodeBlock((unsigned char *)out, mac, (int)len);
		return 0;
	}
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 0xf];
	}
	out[2 * len] = '\0';
	return 0;
}

/*
 * Zoom: {"event": "endpoint.url_validation", "payload": {"plainToken":
 * ...}}, signed (x-zm-signature) like every Zoom request; the answer is
 * {"plainToken": ..., "encryptedToken": hex HMAC-SHA256 of plainToken
 * under the secret token}, the endpoint's first secret.
 */
static int
hs_zoom(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	json_t		*j, *payload;
	const char	*event, *plain;
	char		 mac[65];
	int		 rc = 0;

	(void)hc;
	if ((j = body_json(req, "endpoint.url_validation")) == NULL)
		return 0;
	event = member(j, "event");
	if (event == NULL || strcmp(event, "endpoint.url_validation") != 0)
		goto out;
	rc = 1;
	if (!signed_ok(vc, req, reply))
		goto out;
	payload = json_object_get(j, "payload");
	plain = member(payload, "plainToken");
	if (plain == NULL || !challenge_ok(plain, member_len(payload,
	    "plainToken")))
		refuse(reply, 400, "bad challenge", "plainToken missing, too "
		    "long or not plain text");
	else if (vc->nsecrets == 0 ||
	    hmac_sha256(&vc->secrets[0], plain, false, mac, sizeof(mac)) == -1)
		refuse(reply, 500, "handshake failed", "no HMAC of plainToken");
	else
		answer_json(reply, snprintf(reply->body, sizeof(reply->body),
		    "{\"plainToken\":\"%s\",\"encryptedToken\":\"%s\"}",
		    plain, mac));
out:
	json_decref(j);
	return rc;
}

/*
 * Twitch EventSub: Twitch-Eventsub-Message-Type:
 * webhook_callback_verification, signed like every notification; the
 * body's challenge goes back as text.
 */
static int
hs_twitch(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	const char	*type, *challenge;
	json_t		*j;

	(void)hc;
	type = header_get(req->headers, "twitch-eventsub-message-type");
	if (type == NULL || strcmp(type, "webhook_callback_verification") != 0)
		return 0;
	if (!signed_ok(vc, req, reply))
		return 1;
	j = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, NULL);
	if ((challenge = member(j, "challenge")) == NULL)
		refuse(reply, 400, "bad challenge", "verification without a "
		    "challenge");
	else
		echo(reply, challenge, member_len(j, "challenge"));
	json_decref(j);
	return 1;
}

/* A host name as WebHook-Request-Origin carries it: 1..253 of [-.:a-zA-Z0-9]. */
static bool
origin_ok(const char *s)
{
	size_t	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:");

	return n > 0 && n <= 253 && s[n] == '\0';
}

/*
 * CloudEvents 1.0 webhook validation (Event Grid's CloudEvents schema,
 * and any sender of that spec): an OPTIONS with WebHook-Request-Origin;
 * the answer is 200 with WebHook-Allowed-Origin naming that origin.
 */
static int
hs_cloudevents(const struct handshake_request *req,
    struct handshake_reply *reply)
{
	const char	*origin;

	if (req->method == NULL || strcmp(req->method, "OPTIONS") != 0 ||
	    (origin = header_get(req->headers, "webhook-request-origin")) ==
	    NULL)
		return 0;
	if (!origin_ok(origin)) {
		refuse(reply, 400, "bad origin", "WebHook-Request-Origin is "
		    "not a host name");
		return 1;
	}
	snprintf(reply->header, sizeof(reply->header),
	    "WebHook-Allowed-Origin: %s", origin);
	reply->status = 200;
	reply->content_type = TEXT_PLAIN;
	reply->body_len = 0;
	return 1;
}

/*
 * Azure Event Grid: with the Event Grid schema, a JSON array whose event
 * is a Microsoft.EventGrid.SubscriptionValidationEvent, answered with
 * {"validationResponse": data.validationCode}; with the CloudEvents
 * schema, the OPTIONS above.
 */
static int
hs_eventgrid(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	json_t		*j, *ev, *data;
	const char	*type, *code;
	int		 rc = 0;

	(void)hc;
	(void)vc;
	if (hs_cloudevents(req, reply))
		return 1;
	if ((j = body_json(req, "SubscriptionValidationEvent")) == NULL)
		return 0;
	ev = json_array_get(j, 0);
	type = member(ev, "eventType");
	if (type == NULL ||
	    strcmp(type, "Microsoft.EventGrid.SubscriptionValidationEvent") != 0)
		goto out;
	rc = 1;
	data = json_object_get(ev, "data");
	code = member(data, "validationCode");
	if (json_array_size(j) != 1 || code == NULL ||
	    !challenge_ok(code, member_len(data, "validationCode")))
		refuse(reply, 400, "bad challenge", "validationCode missing, too "
		    "long or not plain text");
	else
		answer_json(reply, snprintf(reply->body, sizeof(reply->body),
		    "{\"validationResponse\":\"%s\"}", code));
out:
	json_decref(j);
	return rc;
}

/*
 * A query parameter's value, decoded into buf (form.h has the rules):
 * 1, 0 if the query has no such parameter (the first one counts), -1 if
 * its value is longer than cap - 1 or not well encoded.
 */
static int
query_get(const char *url, const char *name, char *buf, size_t cap,
    size_t *len)
{
	const char	*q;

	if (url == NULL || (q = strchr(url, '?')) == NULL)
		return 0;
	q++;
	return form_get(q, strcspn(q, "#"), name, buf, cap, len);
}

/*
 * The value of query parameter name: 1 with it in buf, 0 if absent,
 * or 1 with a 400 in reply when it is too long or not well encoded.
 */
static int
param(const struct handshake_request *req, const char *name, char *buf,
    size_t *len, struct handshake_reply *reply)
{
	int	rc;

	rc = query_get(req->url, name, buf, HANDSHAKE_MAX_CHALLENGE + 1, len);
	if (rc == -1) {
		refuse(reply, 400, "bad challenge", "");
		snprintf(reply->reason, sizeof(reply->reason), "%s too long or "
		    "not well encoded", name);
		return -1;
	}
	return rc;
}

/* Whether the request's method is the one the provider sends. */
static bool
method_is(const struct handshake_request *req, const char *method)
{
	return req->method != NULL && strcmp(req->method, method) == 0;
}

/* The same length and bytes, in time that tells neither. */
static bool
token_equal(const struct secret *want, const char *got, size_t n)
{
	unsigned char	a[32], b[32];
	size_t		alen = 0, blen = 0;

	if (want->data == NULL ||
	    EVP_Q_digest(NULL, "SHA256", NULL, want->data, want->len, a,
	    &alen) == 0 ||
	    EVP_Q_digest(NULL, "SHA256", NULL, got, n, b, &blen) == 0)
		return false;
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

/*
 * Meta (Facebook, Instagram, WhatsApp): GET ?hub.mode=subscribe&
 * hub.verify_token=...&hub.challenge=...; the token must be the
 * endpoint's handshake_token (else 403), the challenge goes back.
 */
static int
hs_meta(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	char	mode[HANDSHAKE_MAX_CHALLENGE + 1];
	char	token[HANDSHAKE_MAX_CHALLENGE + 1];
	char	challenge[HANDSHAKE_MAX_CHALLENGE + 1];
	size_t	mlen = 0, tlen = 0, clen = 0;
	int	rc;

	(void)vc;
	if (!method_is(req, "GET") ||
	    (rc = param(req, "hub.mode", mode, &mlen, reply)) == 0)
		return 0;
	if (rc == -1)
		return 1;
	if (strcmp(mode, "subscribe") != 0)
		return refuse(reply, 400, "bad handshake",
		    "hub.mode is not subscribe");
	if ((rc = param(req, "hub.verify_token", token, &tlen, reply)) == -1)
		return 1;
	if (rc == 0 || !token_equal(&hc->token, token, tlen)) {
		explicit_bzero(token, sizeof(token));
		reply->verify = "mismatch";
		return refuse(reply, 403, "wrong verify token",
		    rc == 0 ? "no hub.verify_token" :
		    "hub.verify_token is not handshake_token");
	}
	explicit_bzero(token, sizeof(token));
	reply->verify = "ok";
	if ((rc = param(req, "hub.challenge", challenge, &clen, reply)) == -1)
		return 1;
	if (rc == 0)
		return refuse(reply, 400, "bad challenge", "no hub.challenge");
	return echo(reply, challenge, clen);
}

/* A GET (or POST) whose query has param, echoed as text. */
static int
echo_param(const struct handshake_request *req, const char *method,
    const char *name, struct handshake_reply *reply)
{
	char	value[HANDSHAKE_MAX_CHALLENGE + 1];
	size_t	len = 0;
	int	rc;

	if (!method_is(req, method) ||
	    (rc = param(req, name, value, &len, reply)) == 0)
		return 0;
	if (rc == -1)
		return 1;
	return echo(reply, value, len);
}

/* Microsoft Graph: POST ?validationToken=...; the token goes back. */
static int
hs_msgraph(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	(void)hc;
	(void)vc;
	return echo_param(req, "POST", "validationToken", reply);
}

/* Dropbox: GET ?challenge=...; the challenge goes back. */
static int
hs_dropbox(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	(void)hc;
	(void)vc;
	return echo_param(req, "GET", "challenge", reply);
}

/*
 * X (Twitter) CRC: GET ?crc_token=...; the answer is {"response_token":
 * "sha256=" base64 HMAC-SHA256 of crc_token under the consumer secret},
 * the endpoint's first secret.
 */
static int
hs_xcrc(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	char	token[HANDSHAKE_MAX_CHALLENGE + 1], mac[65];
	size_t	len = 0;
	int	rc;

	(void)hc;
	if (!method_is(req, "GET") ||
	    (rc = param(req, "crc_token", token, &len, reply)) == 0)
		return 0;
	if (rc == -1)
		return 1;
	if (!challenge_ok(token, len))
		return refuse(reply, 400, "bad challenge", "crc_token too long, "
		    "empty or not plain text");
	if (vc->nsecrets == 0 ||
	    hmac_sha256(&vc->secrets[0], token, true, mac, sizeof(mac)) == -1)
		return refuse(reply, 500, "handshake failed",
		    "no HMAC of crc_token");
	return answer_json(reply, snprintf(reply->body, sizeof(reply->body),
	    "{\"response_token\":\"sha256=%s\"}", mac));
}

int
handshake_answer(const struct handshake_conf *hc, const struct verify_conf *vc,
    const struct handshake_request *req, struct handshake_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->verify = "-";
	if (hc->kind <= 0 || (size_t)hc->kind >= NKINDS)
		return 0;
	return kinds[hc->kind].fn(hc, vc, req, reply);
}
