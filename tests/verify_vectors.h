/*
 * verify_vectors: published signatures that the verify suites share:
 * check_verify and check_verify_providers test the built-in schemes on
 * them, check_verify_hmac their written-out forms.
 */
#ifndef HOOKSPOOL_VERIFY_VECTORS_H
#define HOOKSPOOL_VERIFY_VECTORS_H

/* GitHub's documented example (docs.github.com, "Validating webhook
 * deliveries"). */
#define GH_SECRET	"It's a Secret to Everybody"
#define GH_BODY		"Hello, World!"
#define GH_SIG \
	"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

/* RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?"). */
#define JEFE_KEY	"Jefe"
#define JEFE_BODY	"what do ya want for nothing?"
#define JEFE_SHA1	"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
/* RFC 4231 test case 2: the same with SHA-256. */
#define JEFE_SHA256 \
	"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

/* Slack's documented example (api.slack.com, "Verifying requests"). */
#define SLACK_SECRET	"8f742231b10e8888abcd99yyyzzz85a5"
#define SLACK_TS	"1531420618"
#define SLACK_BODY	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&" \
	"team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&" \
	"user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&" \
	"text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F" \
	"T1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=" \
	"398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
#define SLACK_SIG	"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd2" \
	"7519666489c69b503"

/* The Standard Webhooks specification's example. */
#define SWH_SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SWH_ID		"msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SWH_TS		"1614265330"
#define SWH_BODY	"{\"test\": 2432232314}"
#define SWH_SIG		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

#endif
