/*
 * check_handshake: each provider's documented verification request, as
 * an endpoint configured in hookspool.ini answers it: the status, the
 * content type and the body the provider wants, and the refusals (a bad
 * signature, a wrong verify token, a challenge too long or with
 * markup), whose log reason never holds the token or the challenge.
 * A request that is an event is no handshake (0), for the rest of the
 * request path.  The signatures are made here with OpenSSL's HMAC(); the
 * HMAC answers (Zoom, X) are fixed vectors made with openssl dgst.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "conf.h"
#include "handshake.h"
#include "header.h"
#include "check_run.h"
#include "check_util.h"

#define NOW	1700000000
#define NOW_S	"1700000000"

static char			*tmpdir;
static struct conf		*c;
static struct conf_errors	 errs;
static struct header_list	 hl;
static struct handshake_reply	 reply;

static const char ini[] =
	"[server]\n"
	"spool_dir = /nonexistent\n"
	"[endpoint:slack]\n"
	"path = /hooks/slack\n"
	"handshake = slack\n"
	"signature_type = slack\n"
	"secret = 8f742231b10e8888abcd99yyyzzz85a5\n"
	/* Zoom's rule, written as signature_type hmac. */
	"[endpoint:zoom]\n"
	"path = /hooks/zoom\n"
	"handshake = zoom\n"
	"signature_type = hmac\n"
	"signature_header = x-zm-signature\n"
	"signature_pattern = ^v0=(?<sig>[0-9a-f]{64})$\n"
	"timestamp_header = x-zm-request-timestamp\n"
	"signed_content = v0:${timestamp}:${body}\n"
	"secret = zoom-secret-token\n"
	/* Twitch's rule: id, timestamp and body. */
	"[endpoint:twitch]\n"
	"path = /hooks/twitch\n"
	"handshake = twitch\n"
	"signature_type = hmac\n"
	"signature_header = Twitch-Eventsub-Message-Signature\n"
	"signature_pattern = ^sha256=(?<sig>[0-9a-f]{64})$\n"
	"signed_content = ${header.twitch-eventsub-message-id}"
	"${header.twitch-eventsub-message-timestamp}${body}\n"
	"secret = twitch-secret-0123\n"
	"[endpoint:meta]\n"
	"path = /hooks/meta\n"
	"handshake = meta\n"
	"handshake_token = meatyhamhock\n"
	"[endpoint:msgraph]\n"
	"path = /hooks/graph\n"
	"handshake = msgraph\n"
	"[endpoint:eventgrid]\n"
	"path = /hooks/eventgrid\n"
	"handshake = eventgrid\n"
	"[endpoint:dropbox]\n"
	"path = /hooks/dropbox\n"
	"handshake = dropbox\n"
	"[endpoint:x]\n"
	"path = /hooks/x\n"
	"handshake = x-crc\n"
	"signature_type = hmac\n"
	"signature_header = x-twitter-webhooks-signature\n"
	"signature_encoding = base64\n"
	"signature_pattern = ^sha256=(?<sig>.+)$\n"
	"secret = z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu\n";

/* Slack's documented url_verification (api.slack.com/events/url_verification). */
#define SLACK_CHALLENGE	"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
#define SLACK_BODY	"{\"token\":\"Jhj5dZrVaK7ZwHHjRyZWjbDl\",\"challenge\":\"" \
	SLACK_CHALLENGE "\",\"type\":\"url_verification\"}"
/*
 * Zoom's documented endpoint.url_validation (developers.zoom.us, "Validate
 * your webhook endpoint"); ZOOM_ANSWER is printf %s qgg8vlvZRS6UYooatFL8Aw
 * | openssl dgst -sha256 -hmac zoom-secret-token.
 */
#define ZOOM_BODY	"{\"payload\":{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"}," \
	"\"event_ts\":1654503849680,\"event\":\"endpoint.url_validation\"}"
#define ZOOM_ANSWER	"{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"," \
	"\"encryptedToken\":\"d9e0d764a78494688ba3f2d5c0ed4ca3" \
	"11394b4834d959759213424d2df961e3\"}"
/* Twitch's documented challenge request (dev.twitch.tv/docs/eventsub/
 * handling-webhook-events, "Responding to a challenge request"). */
#define TWITCH_ID	"e76c6bd4-55c9-4987-8304-da1588d8988b"
#define TWITCH_TS	"2019-11-16T10:11:12.634234626Z"
#define TWITCH_BODY	"{\"challenge\":\"pogchamp-kappa-360noscope-vohiyo\"," \
	"\"subscription\":{\"id\":\"f1c2a387-161a-49f9-a165-0f21d7a4e1c4\"," \
	"\"status\":\"webhook_callback_verification_pending\"," \
	"\"type\":\"channel.follow\",\"version\":\"2\",\"cost\":1," \
	"\"condition\":{\"broadcaster_user_id\":\"12826\"},\"transport\":" \
	"{\"method\":\"webhook\",\"callback\":\"https://example.com/webhooks/" \
	"callback\"},\"created_at\":\"2019-11-16T10:11:12.634234626Z\"}}"
/* Azure Event Grid's documented validation event (learn.microsoft.com,
 * "Receive events from Azure Event Grid to an HTTP endpoint"). */
#define EG_CODE		"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"
#define EG_BODY(code)	"[{\"id\":\"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66\"," \
	"\"topic\":\"/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\"," \
	"\"subject\":\"\",\"data\":{\"validationCode\":\"" code "\"," \
	"\"validationUrl\":\"https://rp-eastus2.eventgrid.azure.net:553/" \
	"eventsubscriptions/myeventsub/validate?id=0000&t=2022-10-28T04:23:" \
	"35.1981776Z&apiVersion=2018-05-01-preview&token=1A1A1A1A\"}," \
	"\"eventType\":\"Microsoft.EventGrid.SubscriptionValidationEvent\"," \
	"\"eventTime\":\"2022-10-28T04:23:35.1981776Z\"," \
	"\"metadataVersion\":\"1\",\"dataVersion\":\"1\"}]"
/*
 * X's CRC example (the consumer secret and token of X's own sample,
 * github.com/xdevplatform/account-activity-dashboard); the answer is
 * printf %s TOKEN | openssl dgst -sha256 -hmac SECRET -binary | base64.
 */
#define X_TOKEN		"9b4507b3-9040-4669-9ca3-6b94edb50553"
#define X_ANSWER	"{\"response_token\":\"sha256=" \
	"Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=\"}"

static void
setup(void)
{
	char	path[300];
	size_t	i;

	tmpdir = tmpdir_new("check_handshake");
	snprintf(path, sizeof(path), "%s/hookspool.ini", tmpdir);
	file_put(path, ini, strlen(ini), 0600);
	memset(&errs, 0, sizeof(errs));
	c = conf_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	ck_assert_ptr_nonnull(c);
	memset(&hl, 0, sizeof(hl));
}

static void
teardown(void)
{
	conf_free(c);
	conf_errors_free(&errs);
	header_list_free(&hl);
	tmpdir_rm(tmpdir);
}

static void
add_header(const char *name, const char *value)
{
	ck_assert_int_eq(header_add(&hl, name, value), 0);
}

/* hex HMAC-SHA256 of a, b and c under key, after prefix. */
static void
sign(const char *prefix, const char *key, const char *a, const char *b,
    const char *cc, char *out, size_t len)
{
	unsigned char	mac[32];
	unsigned int	n = 0, i;
	char		msg[4096];
	size_t		at;

	snprintf(msg, sizeof(msg), "%s%s%s", a, b, cc);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)strlen(key),
	    (unsigned char *)msg, strlen(msg), mac, &n));
	at = (size_t)snprintf(out, len, "%s", prefix);
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(out + at, len - at, "%02x", mac[i]);
}

/* The endpoint at path answers method url body: handshake_answer(). */
static int
run(const char *path, const char *method, const char *url, const char *body)
{
	const struct endpoint		*ep;
	struct handshake_request	 req;

	ep = conf_find_endpoint(c, path);
	ck_assert_ptr_nonnull(ep);
	req.method = method;
	req.url = url;
	req.headers = &hl;
	req.body = (const unsigned char *)body;
	req.body_len = strlen(body);
	req.now = NOW;
	return handshake_answer(&ep->handshake, &ep->verify, &req, &reply);
}

static void
assert_answer(int status, const char *type, const char *body)
{
	ck_assert_int_eq(reply.status, status);
	ck_assert_str_eq(reply.content_type, type);
	ck_assert_uint_eq(reply.body_len, strlen(body));
	ck_assert_int_eq(memcmp(reply.body, body, reply.body_len), 0);
}

/* A refusal, whose log reason does not hold secret. */
static void
assert_refused(int status, const char *secret)
{
	ck_assert_int_eq(reply.status, status);
	ck_assert_ptr_nonnull(reply.error);
	ck_assert_ptr_null(strstr(reply.reason, secret));
}

static void
slack_sign(const char *body)
{
	char	sig[80];

	sign("v0=", "8f742231b10e8888abcd99yyyzzz85a5", "v0:" NOW_S ":", body,
	    "", sig, sizeof(sig));
	add_header("x-slack-request-timestamp", NOW_S);
	add_header("x-slack-signature", sig);
}

START_TEST(test_slack)
{
	slack_sign(SLACK_BODY);
	ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack",
	    SLACK_BODY), 1);
	assert_answer(200, "text/plain; charset=utf-8", SLACK_CHALLENGE);
	ck_assert_str_eq(reply.verify, "ok");
}
END_TEST

START_TEST(test_slack_bad_signature)
{
	add_header("x-slack-request-timestamp", NOW_S);
	add_header("x-slack-signature", "v0=a2114d57b48eac39b9ad189dd8316235"
	    "a7b4a8d21a10bd27519666489c69b503");
	ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack",
	    SLACK_BODY), 1);
	assert_refused(401, SLACK_CHALLENGE);
	ck_assert_str_eq(reply.verify, "mismatch");
	header_list_free(&hl);
	memset(&hl, 0, sizeof(hl));
	ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack",
	    SLACK_BODY), 1);
	assert_refused(401, SLACK_CHALLENGE);
	ck_assert_str_eq(reply.verify, "missing");
}
END_TEST

START_TEST(test_slack_event_is_no_handshake)
{
	const char	*body = "{\"type\":\"event_callback\",\"event\":"
	    "{\"type\":\"app_mention\",\"text\":\"url_verification\"}}";

	slack_sign(body);
	ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack", body), 0);
	ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack", "not "
	    "json url_verification"), 0);
	ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack", ""), 0);
}
END_TEST

/* A challenge with markup, over-long, empty, not a string: 400. */
START_TEST(test_slack_bad_challenges)
{
	static const char *const bad[] = {
		"\"<script>alert(1)</script>\"", "\"a&b\"", "\"a\\nb\"",
		"\"\"", "17", "null", "\"caf\\u00e9\"", "\"a<b\""
	};
	char	body[1024], ok[HANDSHAKE_MAX_CHALLENGE + 2];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"type\":\"url_verification\","
		    "\"challenge\":%s}", bad[i]);
		header_list_free(&hl);
		memset(&hl, 0, sizeof(hl));
		slack_sign(body);
		ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack",
		    body), 1);
		assert_refused(400, "script");
	}
	/* HANDSHAKE_MAX_CHALLENGE bytes are echoed, one more is not. */
	memset(ok, 'x', sizeof(ok));
	ok[HANDSHAKE_MAX_CHALLENGE + 1] = '\0';
	for (i = 0; i < 2; i++) {
		ok[HANDSHAKE_MAX_CHALLENGE] = i == 0 ? '\0' : 'x';
		snprintf(body, sizeof(body), "{\"type\":\"url_verification\","
		    "\"challenge\":\"%s\"}", ok);
		header_list_free(&hl);
		memset(&hl, 0, sizeof(hl));
		slack_sign(body);
		ck_assert_int_eq(run("/hooks/slack", "POST", "/hooks/slack",
		    body), 1);
		if (i == 0)
			assert_answer(200, "text/plain; charset=utf-8", ok);
		else
			assert_refused(400, ok);
	}
}
END_TEST

static void
zoom_sign(const char *body)
{
	char	sig[80];

	sign("v0=", "zoom-secret-token", "v0:" NOW_S ":", body, "", sig,
	    sizeof(sig));
	add_header("x-zm-request-timestamp", NOW_S);
	add_header("x-zm-signature", sig);
}

START_TEST(test_zoom)
{
	zoom_sign(ZOOM_BODY);
	ck_assert_int_eq(run("/hooks/zoom", "POST", "/hooks/zoom", ZOOM_BODY),
	    1);
	assert_answer(200, "application/json", ZOOM_ANSWER);
}
END_TEST

START_TEST(test_zoom_refusals)
{
	const char	*body = "{\"payload\":{\"plainToken\":\"<b>x</b>\"},"
	    "\"event\":\"endpoint.url_validation\"}";

	add_header("x-zm-request-timestamp", NOW_S);
	add_header("x-zm-signature", "v0=0000000000000000000000000000000000"
	    "000000000000000000000000000000");
	ck_assert_int_eq(run("/hooks/zoom", "POST", "/hooks/zoom", ZOOM_BODY),
	    1);
	assert_refused(401, "qgg8vlvZRS6UYooatFL8Aw");
	header_list_free(&hl);
	memset(&hl, 0, sizeof(hl));
	zoom_sign(body);
	ck_assert_int_eq(run("/hooks/zoom", "POST", "/hooks/zoom", body), 1);
	assert_refused(400, "<b>");
	/* An event of Zoom's is no handshake. */
	body = "{\"event\":\"meeting.started\",\"payload\":{}}";
	ck_assert_int_eq(run("/hooks/zoom", "POST", "/hooks/zoom", body), 0);
}
END_TEST

static void
twitch_headers(const char *type, const char *body, const char *key)
{
	char	sig[80];

	sign("sha256=", key, TWITCH_ID, TWITCH_TS, body, sig, sizeof(sig));
	add_header("Twitch-Eventsub-Message-Id", TWITCH_ID);
	add_header("Twitch-Eventsub-Message-Retry", "0");
	add_header("Twitch-Eventsub-Message-Type", type);
	add_header("Twitch-Eventsub-Message-Signature", sig);
	add_header("Twitch-Eventsub-Message-Timestamp", TWITCH_TS);
	add_header("Twitch-Eventsub-Subscription-Type", "channel.follow");
	add_header("Twitch-Eventsub-Subscription-Version", "2");
}

START_TEST(test_twitch)
{
	twitch_headers("webhook_callback_verification", TWITCH_BODY,
	    "twitch-secret-0123");
	ck_assert_int_eq(run("/hooks/twitch", "POST", "/hooks/twitch",
	    TWITCH_BODY), 1);
	assert_answer(200, "text/plain; charset=utf-8",
	    "pogchamp-kappa-360noscope-vohiyo");
}
END_TEST

START_TEST(test_twitch_refusals)
{
	twitch_headers("webhook_callback_verification", TWITCH_BODY,
	    "not-the-secret");
	ck_assert_int_eq(run("/hooks/twitch", "POST", "/hooks/twitch",
	    TWITCH_BODY), 1);
	assert_refused(401, "pogchamp");
	header_list_free(&hl);
	memset(&hl, 0, sizeof(hl));
	/* A notification, signed: an event, not a handshake. */
	twitch_headers("notification", TWITCH_BODY, "twitch-secret-0123");
	ck_assert_int_eq(run("/hooks/twitch", "POST", "/hooks/twitch",
	    TWITCH_BODY), 0);
	header_list_free(&hl);
	memset(&hl, 0, sizeof(hl));
	twitch_headers("webhook_callback_verification", "{\"subscription\":{}}",
	    "twitch-secret-0123");
	ck_assert_int_eq(run("/hooks/twitch", "POST", "/hooks/twitch",
	    "{\"subscription\":{}}"), 1);
	assert_refused(400, "pogchamp");
}
END_TEST

/* Meta's documented verification request (developers.facebook.com/docs/
 * graph-api/webhooks/getting-started, "Verification Requests"). */
START_TEST(test_meta)
{
	ck_assert_int_eq(run("/hooks/meta", "GET", "/hooks/meta?hub.mode="
	    "subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock",
	    ""), 1);
	assert_answer(200, "text/plain; charset=utf-8", "1158201444");
	ck_assert_str_eq(reply.verify, "ok");
	/* Percent-encoded names and values are decoded. */
	ck_assert_int_eq(run("/hooks/meta", "GET", "/hooks/meta?hub%2Emode="
	    "subscribe&hub.verify_token=meaty%68amhock&hub.challenge=11%3A58",
	    ""), 1);
	assert_answer(200, "text/plain; charset=utf-8", "11:58");
}
END_TEST

/* Meta's verification requests refused: status, and what the reason
 * must not hold. */
START_TEST(test_meta_refusals)
{
	static const struct {
		const char	*query;
		int		 status;
		const char	*secret;
	} bad[] = {
		/* a wrong token, one too long, none */
		{ "hub.mode=subscribe&hub.challenge=1158201444&"
		    "hub.verify_token=meatyhamhoc", 403, "meatyhamhoc" },
		{ "hub.mode=subscribe&hub.challenge=1158201444&"
		    "hub.verify_token=meatyhamhockX", 403, "meatyhamhock" },
		{ "hub.mode=subscribe&hub.challenge=1158201444", 403,
		    "1158201444" },
		{ "hub.mode=unsubscribe&hub.challenge=1&"
		    "hub.verify_token=meatyhamhock", 400, "meatyhamhock" },
		/* the right token, but markup, or bad encoding */
		{ "hub.mode=subscribe&hub.challenge=%3Cscript%3E&"
		    "hub.verify_token=meatyhamhock", 400, "script" },
		{ "hub.mode=subscribe&hub.challenge=%3&"
		    "hub.verify_token=meatyhamhock", 400, "meatyhamhock" },
	};
	char	url[300];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(url, sizeof(url), "/hooks/meta?%s", bad[i].query);
		ck_assert_int_eq(run("/hooks/meta", "GET", url, ""), 1);
		assert_refused(bad[i].status, bad[i].secret);
		if (bad[i].status == 403)
			ck_assert_str_eq(reply.verify, "mismatch");
	}
	/* No hub.mode, or a POST: an event. */
	ck_assert_int_eq(run("/hooks/meta", "GET", "/hooks/meta?a=b", ""), 0);
	ck_assert_int_eq(run("/hooks/meta", "GET", "/hooks/meta", ""), 0);
	ck_assert_int_eq(run("/hooks/meta", "POST", "/hooks/meta?hub.mode="
	    "subscribe&hub.challenge=1&hub.verify_token=meatyhamhock", ""), 0);
}
END_TEST

/* Microsoft Graph's validation request (learn.microsoft.com/graph/
 * change-notifications-delivery-webhooks, "Notification endpoint
 * validation"): the token is decoded, then echoed. */
START_TEST(test_msgraph)
{
	ck_assert_int_eq(run("/hooks/graph", "POST", "/hooks/graph?"
	    "validationToken=Validation%3A+Testing+client+application+"
	    "reachability+for+subscription+Request-Id%3A+"
	    "9a4e3f2c-4d6b-4b8e-9d7d-1c2e3f4a5b6c", ""), 1);
	assert_answer(200, "text/plain; charset=utf-8", "Validation: Testing "
	    "client application reachability for subscription Request-Id: "
	    "9a4e3f2c-4d6b-4b8e-9d7d-1c2e3f4a5b6c");
	ck_assert_int_eq(run("/hooks/graph", "POST", "/hooks/graph?"
	    "validationToken=%3Cimg+src%3Dx%3E", ""), 1);
	assert_refused(400, "img");
	ck_assert_int_eq(run("/hooks/graph", "POST", "/hooks/graph?"
	    "validationToken=%zz", ""), 1);
	assert_refused(400, "%zz");
	/* A notification (no validationToken) is an event. */
	ck_assert_int_eq(run("/hooks/graph", "POST", "/hooks/graph",
	    "{\"value\":[]}"), 0);
}
END_TEST

START_TEST(test_eventgrid)
{
	ck_assert_int_eq(run("/hooks/eventgrid", "POST", "/hooks/eventgrid",
	    EG_BODY(EG_CODE)), 1);
	assert_answer(200, "application/json",
	    "{\"validationResponse\":\"" EG_CODE "\"}");
	ck_assert_int_eq(run("/hooks/eventgrid", "POST", "/hooks/eventgrid",
	    EG_BODY("\\\"><svg onload=x>")), 1);
	assert_refused(400, "svg");
	/* An event of another type is no handshake. */
	ck_assert_int_eq(run("/hooks/eventgrid", "POST", "/hooks/eventgrid",
	    "[{\"eventType\":\"Microsoft.Storage.BlobCreated\",\"data\":"
	    "{\"note\":\"SubscriptionValidationEvent\"}}]"), 0);
	ck_assert_str_eq(reply.header, "");
}
END_TEST

/*
 * The CloudEvents schema (the CloudEvents 1.0 webhook spec, "Abuse
 * Protection"): OPTIONS with WebHook-Request-Origin, answered with
 * WebHook-Allowed-Origin.
 */
START_TEST(test_eventgrid_cloudevents)
{
	ck_assert_int_eq(header_add(&hl, "WebHook-Request-Origin",
	    "eventgrid.azure.net"), 0);
	ck_assert_int_eq(run("/hooks/eventgrid", "OPTIONS", "/hooks/eventgrid",
	    ""), 1);
	assert_answer(200, "text/plain; charset=utf-8", "");
	ck_assert_str_eq(reply.header,
	    "WebHook-Allowed-Origin: eventgrid.azure.net");
	/* Only an OPTIONS is the handshake. */
	ck_assert_int_eq(run("/hooks/eventgrid", "POST", "/hooks/eventgrid",
	    "{}"), 0);
	header_list_free(&hl);
	ck_assert_int_eq(header_add(&hl, "WebHook-Request-Origin",
	    "evil.example\r\nSet-Cookie: a=b"), 0);
	ck_assert_int_eq(run("/hooks/eventgrid", "OPTIONS", "/hooks/eventgrid",
	    ""), 1);
	assert_refused(400, "Cookie");
	ck_assert_str_eq(reply.header, "");
	header_list_free(&hl);
	/* An OPTIONS without the header is no handshake. */
	ck_assert_int_eq(run("/hooks/eventgrid", "OPTIONS", "/hooks/eventgrid",
	    ""), 0);
}
END_TEST

/* Dropbox's verification request (dropbox.com/developers/reference/
 * webhooks): GET ?challenge=, echoed as text. */
START_TEST(test_dropbox)
{
	char	url[600];

	ck_assert_int_eq(run("/hooks/dropbox", "GET", "/hooks/dropbox?"
	    "challenge=zU3qF9pJ2wYbN4eT7cK1", ""), 1);
	assert_answer(200, "text/plain; charset=utf-8", "zU3qF9pJ2wYbN4eT7cK1");
	snprintf(url, sizeof(url), "/hooks/dropbox?challenge=%0*d",
	    HANDSHAKE_MAX_CHALLENGE + 1, 7);
	ck_assert_int_eq(run("/hooks/dropbox", "GET", url, ""), 1);
	assert_refused(400, "0000000");
	ck_assert_int_eq(run("/hooks/dropbox", "GET", "/hooks/dropbox?"
	    "challenge=", ""), 1);
	assert_refused(400, "challenge=");
	/* A POST (a notification) is an event. */
	ck_assert_int_eq(run("/hooks/dropbox", "POST", "/hooks/dropbox?"
	    "challenge=x", "{\"list_folder\":{}}"), 0);
}
END_TEST

START_TEST(test_xcrc)
{
	ck_assert_int_eq(run("/hooks/x", "GET", "/hooks/x?crc_token=" X_TOKEN
	    "&nonce=NDQ3OTE5OTU4MjQ3NTI3ODk4", ""), 1);
	assert_answer(200, "application/json", X_ANSWER);
	ck_assert_int_eq(run("/hooks/x", "GET", "/hooks/x?crc_token=%22%3E",
	    ""), 1);
	assert_refused(400, "\">");
	ck_assert_int_eq(run("/hooks/x", "POST", "/hooks/x?crc_token=" X_TOKEN,
	    "{}"), 0);
}
END_TEST

START_TEST(test_takes_get)
{
	static const struct {
		const char	*path;
		bool		 get;
	} eps[] = {
		{ "/hooks/slack", false }, { "/hooks/zoom", false },
		{ "/hooks/twitch", false }, { "/hooks/meta", true },
		{ "/hooks/graph", false }, { "/hooks/eventgrid", false },
		{ "/hooks/dropbox", true }, { "/hooks/x", true }
	};
	const struct endpoint	*ep;
	size_t			 i;

	for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		ep = conf_find_endpoint(c, eps[i].path);
		ck_assert_ptr_nonnull(ep);
		ck_assert_int_eq(ep->methods, METHOD_POST);
		ck_assert_int_eq(handshake_takes(&ep->handshake, "GET"),
		    eps[i].get);
		ck_assert(!handshake_takes(&ep->handshake, "PUT"));
	}
	ck_assert_str_eq(handshake_name(HANDSHAKE_XCRC), "x-crc");
}
END_TEST

/* Each configuration error, as FILE:LINE: message. */
static void
assert_conf_error(const char *text, const char *want)
{
	struct conf		*cf;
	struct conf_errors	 e;
	char			 path[300];
	size_t			 i;
	bool			 found = false;

	snprintf(path, sizeof(path), "%s/bad.ini", tmpdir);
	file_put(path, text, strlen(text), 0600);
	memset(&e, 0, sizeof(e));
	cf = conf_load(path, &e);
	ck_assert_ptr_null(cf);
	for (i = 0; i < e.n; i++)
		if (strstr(e.msg[i], want) != NULL)
			found = true;
	if (!found)
		for (i = 0; i < e.n; i++)
			fprintf(stderr, "%s\n", e.msg[i]);
	ck_assert(found);
	conf_errors_free(&e);
}

START_TEST(test_conf_errors)
{
	char	text[600], tok[300];

	assert_conf_error("[endpoint:m]\npath = /m\nhandshake = meta\n",
	    "bad.ini:1: [endpoint:m]: handshake meta needs handshake_token "
	    "or handshake_token_file");
	assert_conf_error("[endpoint:s]\npath = /s\nhandshake = slack\n"
	    "handshake_token = t\n", "bad.ini:4: handshake_token applies only "
	    "to handshake meta, not slack");
	assert_conf_error("[endpoint:z]\npath = /z\nhandshake = zoom\n",
	    "bad.ini:1: [endpoint:z]: handshake zoom needs a secret");
	assert_conf_error("[endpoint:x]\npath = /x\nhandshake = x-crc\n",
	    "handshake x-crc needs a secret");
	assert_conf_error("[endpoint:s]\npath = /s\nhandshake = github\n",
	    "bad.ini:3: handshake: \"github\" is none of");
	snprintf(tok, sizeof(tok), "%s/token", tmpdir);
	file_put(tok, "meatyhamhock\n", 13, 0644);
	snprintf(text, sizeof(text), "[endpoint:m]\npath = /m\nhandshake = "
	    "meta\nhandshake_token_file = %s\n", tok);
	assert_conf_error(text, "bad.ini:4: secret file");
	file_put(tok, "meatyhamhock\n", 13, 0600);
	snprintf(text, sizeof(text), "[endpoint:m]\npath = /m\nhandshake = "
	    "meta\nhandshake_token_file = %s\nhandshake_token = t\n", tok);
	assert_conf_error(text, "bad.ini:5: handshake_token and "
	    "handshake_token_file both set (first on line 4)");
}
END_TEST

/* handshake_token_file: the first line, without its end. */
START_TEST(test_token_file)
{
	struct conf_errors	 e;
	struct conf		*cf;
	char			 path[300], tok[300], text[600];

	snprintf(tok, sizeof(tok), "%s/token", tmpdir);
	file_put(tok, "meatyhamhock\r\nignored\n", 22, 0600);
	snprintf(text, sizeof(text), "[endpoint:m]\npath = /m\nhandshake = "
	    "meta\nhandshake_token_file = %s\n", tok);
	snprintf(path, sizeof(path), "%s/tok.ini", tmpdir);
	file_put(path, text, strlen(text), 0600);
	memset(&e, 0, sizeof(e));
	cf = conf_load(path, &e);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(cf->endpoints[0].handshake.token.len, 12);
	ck_assert_int_eq(memcmp(cf->endpoints[0].handshake.token.data,
	    "meatyhamhock", 12), 0);
	conf_free(cf);
	conf_errors_free(&e);
}
END_TEST

static Suite *
handshake_suite(void)
{
	Suite	*s = suite_create("handshake");
	TCase	*tc = tcase_create("providers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_slack);
	tcase_add_test(tc, test_slack_bad_signature);
	tcase_add_test(tc, test_slack_event_is_no_handshake);
	tcase_add_test(tc, test_slack_bad_challenges);
	tcase_add_test(tc, test_zoom);
	tcase_add_test(tc, test_zoom_refusals);
	tcase_add_test(tc, test_twitch);
	tcase_add_test(tc, test_twitch_refusals);
	tcase_add_test(tc, test_meta);
	tcase_add_test(tc, test_meta_refusals);
	tcase_add_test(tc, test_msgraph);
	tcase_add_test(tc, test_eventgrid);
	tcase_add_test(tc, test_eventgrid_cloudevents);
	tcase_add_test(tc, test_dropbox);
	tcase_add_test(tc, test_xcrc);
	tcase_add_test(tc, test_takes_get);
	tcase_add_test(tc, test_conf_errors);
	tcase_add_test(tc, test_token_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(handshake_suite());
}
