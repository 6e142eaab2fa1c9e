/*
 * check_verify_presets: the signature_type presets (zoom, twitch,
 * paddle, linear, pagerduty, sentry, typeform, hubspot, square, twilio), loaded from
 * tests/data/presets.ini as the configuration gives them: a secret
 * only.  Each accepts its vector and refuses a wrong secret, an altered
 * body, a malformed header and, where the provider signs a time, a
 * stale one; and its written-out form in hookspool.ini(5), an hmac rule
 * of the same file, gets the same status for every request.
 *
 * Twilio's vector is the example its documentation prints.  For the
 * others no complete example (secret, body, signature) is published,
 * so every vector was computed with
 * openssl, as each test's comment shows, with
 *	S=presets-test-secret  B='{"event":"ping","id":7}'
 * following the provider's description of what is signed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "conf.h"
#include "header.h"
#include "verify.h"
#include "check_run.h"

#define PRESETS		TEST_DATA "/presets.ini"
#define NOW		1700000000	/* 2023-11-14T22:13:20Z */
#define BODY		"{\"event\":\"ping\",\"id\":7}"
#define OTHER		"{\"event\":\"ping\",\"id\":8}"

static struct conf		*conf;
static struct conf_errors	 errs;

static void
setup(void)
{
	memset(&errs, 0, sizeof(errs));
	conf = conf_load(PRESETS, &errs);
	ck_assert_msg(conf != NULL, "%s", errs.n > 0 ? errs.msg[0] : "");
}

static void
teardown(void)
{
	conf_free(conf);
	conf = NULL;
	conf_errors_free(&errs);
}

/* The request's URL as the web server gives it (path and query). */
static const char	*req_url = "/";

/* Endpoint path of conf, its secret replaced by secret unless NULL. */
static enum verify_status
run_one(const char *path, const char *secret, const char *body, time_t now,
    const struct header_list *hl)
{
	const struct endpoint	*ep;
	struct verify_conf	 vc;
	struct secret		 sec;
	struct verify_http	 http = { "POST", req_url, NULL };
	struct verify_result	 res;

	ep = conf_find_endpoint(conf, path);
	ck_assert_msg(ep != NULL, "no endpoint %s", path);
	vc = ep->verify;
	if (secret != NULL) {
		sec = (struct secret){ (unsigned char *)secret,
		    strlen(secret), 0 };
		vc.secrets = &sec;
		vc.nsecrets = 1;
	}
	memset(&res, 0, sizeof(res));
	verify_request_http(&vc, &http, hl, (const unsigned char *)body,
	    strlen(body), now, &res);
	verify_result_clear(&res);
	return res.status;
}

/*
 * Run preset name on body at now, with the NULL-ended header name,
 * value pairs; its written-out form (name-rule) must agree.
 */
static enum verify_status
run(const char *name, const char *secret, const char *body, time_t now,
    ...)
{
	struct header_list	 hl = { NULL, 0, 0 };
	enum verify_status	 st, rule;
	const char		*hn;
	char			 path[64];
	va_list			 ap;

	va_start(ap, now);
	while ((hn = va_arg(ap, const char *)) != NULL)
		ck_assert_int_eq(header_add(&hl, hn, va_arg(ap,
		    const char *)), 0);
	va_end(ap);
	snprintf(path, sizeof(path), "/%s", name);
	st = run_one(path, secret, body, now, &hl);
	snprintf(path, sizeof(path), "/%s-rule", name);
	rule = run_one(path, secret, body, now, &hl);
	ck_assert_msg(st == rule, "%s: preset %s, written out %s", name,
	    verify_status_name(st), verify_status_name(rule));
	header_list_free(&hl);
	return st;
}

/*
 * Zoom: x-zm-signature = v0= hex HMAC-SHA256 of v0:TS:BODY.
 * printf '%s' "v0:1700000000:$B" | openssl dgst -sha256 -hmac "$S"
 */
#define ZOOM_SIG "v0=cb88809bb77aa65c3f6aef085fd9e039c7d674a487b9ee288bfba289137d1e34"
#define ZOOM(sec, body, now, sig, ts) run("zoom", sec, body, now, \
    "x-zm-signature", sig, "x-zm-request-timestamp", ts, (char *)NULL)

START_TEST(test_zoom)
{
	ck_assert_int_eq(ZOOM(NULL, BODY, NOW, ZOOM_SIG, "1700000000"),
	    VERIFY_OK);
	/* Within timestamp_tolerance (300 s), either way. */
	ck_assert_int_eq(ZOOM(NULL, BODY, NOW + 10, ZOOM_SIG, "1700000000"),
	    VERIFY_OK);
	ck_assert_int_eq(ZOOM("wrong", BODY, NOW, ZOOM_SIG, "1700000000"),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(ZOOM(NULL, OTHER, NOW, ZOOM_SIG, "1700000000"),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(ZOOM(NULL, BODY, NOW, ZOOM_SIG, "1700000001"),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(ZOOM(NULL, BODY, NOW + 301, ZOOM_SIG, "1700000000"),
	    VERIFY_STALE);
	ck_assert_int_eq(ZOOM(NULL, BODY, NOW, ZOOM_SIG + 3, "1700000000"),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(ZOOM(NULL, BODY, NOW, ZOOM_SIG, "yesterday"),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(run("zoom", NULL, BODY, NOW, "x-zm-signature",
	    ZOOM_SIG, (char *)NULL), VERIFY_MISSING);
}
END_TEST

/*
 * Twitch EventSub: Twitch-Eventsub-Message-Signature = sha256= hex
 * HMAC-SHA256 of message id, timestamp (RFC 3339) and body, joined.
 * printf '%s' "msg-12023-11-14T22:13:20.123456789Z$B" |
 *     openssl dgst -sha256 -hmac "$S"
 */
#define TW_SIG "sha256=d1dcbd5024a850cfeed483b60eb77fbfb66b51334747cb95d76f980cf3c3abbd"
#define TW_TS "2023-11-14T22:13:20.123456789Z"
#define TWITCH(sec, body, now, id, ts, sig) run("twitch", sec, body, now, \
    "Twitch-Eventsub-Message-Id", id, \
    "Twitch-Eventsub-Message-Timestamp", ts, \
    "Twitch-Eventsub-Message-Signature", sig, (char *)NULL)

START_TEST(test_twitch)
{
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW, "msg-1", TW_TS, TW_SIG),
	    VERIFY_OK);
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW - 300, "msg-1", TW_TS,
	    TW_SIG), VERIFY_OK);
	ck_assert_int_eq(TWITCH("wrong", BODY, NOW, "msg-1", TW_TS, TW_SIG),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(TWITCH(NULL, OTHER, NOW, "msg-1", TW_TS, TW_SIG),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW, "msg-2", TW_TS, TW_SIG),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW + 301, "msg-1", TW_TS,
	    TW_SIG), VERIFY_STALE);
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW, "msg-1", "2023-11-14 22:13",
	    TW_SIG), VERIFY_MALFORMED);
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW, "msg-1", TW_TS,
	    TW_SIG + 7), VERIFY_MALFORMED);
	/* The same instant with an offset: the time parses, the text signed. */
	ck_assert_int_eq(TWITCH(NULL, BODY, NOW + 301, "msg-1",
	    "2023-11-15T00:13:20+02:00", TW_SIG), VERIFY_MISMATCH);
}
END_TEST

/*
 * Paddle: Paddle-Signature = ts=TS;h1=hex HMAC-SHA256 of TS:BODY; more
 * than one h1 while a secret rotates.  The endpoint sets
 * timestamp_tolerance = 5, as Paddle's SDKs do.
 * printf '%s' "1700000000:$B" | openssl dgst -sha256 -hmac "$S"
 */
#define PADDLE_H1 "h1=54a1a9e72968a5dbfeebb4c4e4c3194761b8b5a92f33dc4ee3b702fbf84f099f"
#define PADDLE(sec, body, now, v) run("paddle", sec, body, now, \
    "Paddle-Signature", v, (char *)NULL)

START_TEST(test_paddle)
{
	ck_assert_int_eq(PADDLE(NULL, BODY, NOW, "ts=1700000000;" PADDLE_H1),
	    VERIFY_OK);
	ck_assert_int_eq(PADDLE(NULL, BODY, NOW, "ts=1700000000;h1=00ff;"
	    PADDLE_H1), VERIFY_OK);
	ck_assert_int_eq(PADDLE("wrong", BODY, NOW, "ts=1700000000;"
	    PADDLE_H1), VERIFY_MISMATCH);
	ck_assert_int_eq(PADDLE(NULL, OTHER, NOW, "ts=1700000000;"
	    PADDLE_H1), VERIFY_MISMATCH);
	ck_assert_int_eq(PADDLE(NULL, BODY, NOW, "ts=1700000001;"
	    PADDLE_H1), VERIFY_MISMATCH);
	ck_assert_int_eq(PADDLE(NULL, BODY, NOW + 6, "ts=1700000000;"
	    PADDLE_H1), VERIFY_STALE);
	ck_assert_int_eq(PADDLE(NULL, BODY, NOW, PADDLE_H1),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(PADDLE(NULL, BODY, NOW, "ts=1700000000"),
	    VERIFY_MALFORMED);
}
END_TEST

/*
 * Linear, Sentry: the header is the hex HMAC-SHA256 of the body; PagerDuty
 * writes it v1=hex, a comma-separated list while a secret rotates.
 * printf '%s' "$B" | openssl dgst -sha256 -hmac "$S"
 */
#define BODY_HEX "5dbbc2f6e4121e4d01bc4369ddd5c0774d19d6752b9838d54e5ad73d5af5f1bb"

static void
body_hex(const char *ep, const char *hdr)
{
	ck_assert_int_eq(run(ep, NULL, BODY, NOW, hdr, BODY_HEX, (char *)NULL),
	    VERIFY_OK);
	ck_assert_int_eq(run(ep, "wrong", BODY, NOW, hdr, BODY_HEX,
	    (char *)NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(run(ep, NULL, OTHER, NOW, hdr, BODY_HEX,
	    (char *)NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(run(ep, NULL, BODY, NOW, hdr, "sha256=" BODY_HEX,
	    (char *)NULL), VERIFY_MALFORMED);
	ck_assert_int_eq(run(ep, NULL, BODY, NOW, (char *)NULL),
	    VERIFY_MISSING);
}

START_TEST(test_linear)
{
	body_hex("linear", "Linear-Signature");
}
END_TEST

START_TEST(test_sentry)
{
	body_hex("sentry", "Sentry-Hook-Signature");
}
END_TEST

#define PD(sec, body, v) run("pagerduty", sec, body, NOW, \
    "X-PagerDuty-Signature", v, (char *)NULL)

START_TEST(test_pagerduty)
{
	ck_assert_int_eq(PD(NULL, BODY, "v1=" BODY_HEX), VERIFY_OK);
	ck_assert_int_eq(PD(NULL, BODY, "v1=00ff,v1=" BODY_HEX), VERIFY_OK);
	ck_assert_int_eq(PD(NULL, BODY, "v1=" BODY_HEX ", v1=00ff"),
	    VERIFY_OK);
	ck_assert_int_eq(PD("wrong", BODY, "v1=" BODY_HEX), VERIFY_MISMATCH);
	ck_assert_int_eq(PD(NULL, OTHER, "v1=" BODY_HEX), VERIFY_MISMATCH);
	ck_assert_int_eq(PD(NULL, BODY, BODY_HEX), VERIFY_MALFORMED);
	ck_assert_int_eq(PD(NULL, BODY, "v2=" BODY_HEX), VERIFY_MALFORMED);
}
END_TEST

/*
 * Typeform: Typeform-Signature = sha256= base64 HMAC-SHA256 of the body.
 * printf '%s' "$B" | openssl dgst -sha256 -hmac "$S" -binary | base64
 */
#define TF_SIG "sha256=XbvC9uQSHk0BvENp3dXAd00Z1nUrmDjVTlrXPVr18bs="

/* A header of one base64 signature: good verifies, bad is malformed. */
static void
base64_sig(const char *ep, const char *hdr, const char *good,
    const char *bad)
{
	ck_assert_int_eq(run(ep, NULL, BODY, NOW, hdr, good, (char *)NULL),
	    VERIFY_OK);
	ck_assert_int_eq(run(ep, "wrong", BODY, NOW, hdr, good,
	    (char *)NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(run(ep, NULL, OTHER, NOW, hdr, good, (char *)NULL),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(run(ep, NULL, BODY, NOW, hdr, bad, (char *)NULL),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(run(ep, NULL, BODY, NOW, (char *)NULL),
	    VERIFY_MISSING);
}

START_TEST(test_typeform)
{
	base64_sig("typeform", "Typeform-Signature", TF_SIG, TF_SIG + 7);
	base64_sig("typeform", "Typeform-Signature", TF_SIG,
	    "sha256=" BODY_HEX);
}
END_TEST

/*
 * HubSpot v3: X-HubSpot-Signature-v3 = base64 HMAC-SHA256 of method,
 * full URL, body and X-HubSpot-Request-Timestamp (milliseconds).
 * printf '%s' "POSThttps://hooks.example.com/hooks/hubspot${B}1700000000000" |
 *     openssl dgst -sha256 -hmac "$S" -binary | base64
 */
#define HS_SIG "crm6NDw1GDTwv1aZ6y+qR5Ve1Ar95Lag4ZOGcM06l0U="
#define HS(sec, body, now, sig, ts) run("hubspot", sec, body, now, \
    "X-HubSpot-Signature-v3", sig, "X-HubSpot-Request-Timestamp", ts, \
    (char *)NULL)

START_TEST(test_hubspot)
{
	static const struct {
		const char		*secret, *body, *sig, *ts;
		time_t			 now;
		enum verify_status	 want;
	} t[] = {
		{ NULL, BODY, HS_SIG, "1700000000000", NOW, VERIFY_OK },
		{ "wrong", BODY, HS_SIG, "1700000000000", NOW, VERIFY_MISMATCH },
		{ NULL, OTHER, HS_SIG, "1700000000000", NOW, VERIFY_MISMATCH },
		{ NULL, BODY, HS_SIG, "1700000000001", NOW, VERIFY_MISMATCH },
		{ NULL, BODY, HS_SIG, "1700000000000", NOW + 301, VERIFY_STALE },
		{ NULL, BODY, "not base64!", "1700000000000", NOW,
		    VERIFY_MALFORMED },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_int_eq(HS(t[i].secret, t[i].body, t[i].now, t[i].sig,
		    t[i].ts), t[i].want);
}
END_TEST

/*
 * Square: x-square-hmacsha256-signature = base64 HMAC-SHA256 of the
 * notification URL and the body.
 * printf '%s' "https://hooks.example.com/hooks/square$B" |
 *     openssl dgst -sha256 -hmac "$S" -binary | base64
 */
#define SQ_SIG "pkttuEXIQYNszNx2A0GsbO+aNFaulSOc4uSVEmiqyP8="

START_TEST(test_square)
{
	base64_sig("square", "x-square-hmacsha256-signature", SQ_SIG,
	    "sha256=" SQ_SIG);
}
END_TEST

/*
 * Twilio: X-Twilio-Signature = base64 HMAC-SHA1 of the full URL and the
 * form fields sorted by name, each name followed by its value.  The
 * example of Twilio's "Webhooks security" page: auth token 12345, URL
 * https://mycompany.com/myapp.php?foo=1&bar=2, these five fields, and
 * the signature it prints.
 */
#define TWL_BODY	"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234" \
		"&From=%2B12349013030&To=%2B18005551212"
#define TWL_SIG	"0/KCTR6DLpKmkAf8muzZqo1nDgQ="
#define TWL(sec, body, sig) run("twilio", sec, body, NOW, \
    "X-Twilio-Signature", sig, (char *)NULL)

START_TEST(test_twilio)
{
	req_url = "/hooks/twilio?foo=1&bar=2";
	ck_assert_int_eq(TWL(NULL, TWL_BODY, TWL_SIG), VERIFY_OK);
	/* The same fields in another order: the same signature. */
	ck_assert_int_eq(TWL(NULL, "To=%2B18005551212&Digits=1234"
	    "&CallSid=CA1234567890ABCDE&From=%2B12349013030"
	    "&Caller=%2B12349013030", TWL_SIG), VERIFY_OK);
	ck_assert_int_eq(TWL("wrong", TWL_BODY, TWL_SIG), VERIFY_MISMATCH);
	ck_assert_int_eq(TWL(NULL, TWL_BODY "&Extra=1", TWL_SIG),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(TWL(NULL, "CallSid=%zz", TWL_SIG), VERIFY_MALFORMED);
	ck_assert_int_eq(TWL(NULL, TWL_BODY, "not base64!"), VERIFY_MALFORMED);
	ck_assert_int_eq(run("twilio", NULL, TWL_BODY, NOW, (char *)NULL),
	    VERIFY_MISSING);
	/* The query is signed too. */
	req_url = "/hooks/twilio?foo=1&bar=3";
	ck_assert_int_eq(TWL(NULL, TWL_BODY, TWL_SIG), VERIFY_MISMATCH);
	req_url = "/";
}
END_TEST

static Suite *
presets_suite(void)
{
	Suite	*s = suite_create("verify_presets");
	TCase	*tc = tcase_create("presets");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zoom);
	tcase_add_test(tc, test_twitch);
	tcase_add_test(tc, test_paddle);
	tcase_add_test(tc, test_linear);
	tcase_add_test(tc, test_sentry);
	tcase_add_test(tc, test_pagerduty);
	tcase_add_test(tc, test_typeform);
	tcase_add_test(tc, test_hubspot);
	tcase_add_test(tc, test_square);
	tcase_add_test(tc, test_twilio);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(presets_suite());
}
