/*
 * check_verify_hmac: signature_type hmac, the HMAC rule written in the
 * configuration.  First the proof that hookspool.ini(5)'s written-out
 * forms of the built-in HMAC schemes (tests/data/hmac-builtins.ini)
 * accept and refuse what the built-ins do: every request below, made
 * from the vectors of check_verify.c and check_verify_providers.c, goes
 * through both and must get the same status, except where the manual
 * says the written-out form differs (GitHub's SHA-1 fallback, Svix's
 * header names, a header of other versions only).  Then what the rules
 * can say that no built-in does: the request line, milliseconds,
 * base64url, SHA-512, several signatures.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "conf.h"
#include "header.h"
#include "verify.h"
#include "check_run.h"
#include "verify_vectors.h"

#define NOW		1700000000
#define RULES		TEST_DATA "/hmac-builtins.ini"
#define SAME		(-1)	/* the rule's status is the built-in's */

#define SECRET		"s3cret-for-tests"
#define BODY		"{\"event\":\"test\",\"n\":1}"

static struct conf		*rules;
static struct conf_errors	 errs;

static void
setup(void)
{
	memset(&errs, 0, sizeof(errs));
	rules = conf_load(RULES, &errs);
	ck_assert_msg(rules != NULL, "%s", errs.n > 0 ? errs.msg[0] : "");
}

static void
teardown(void)
{
	conf_free(rules);
	rules = NULL;
	conf_errors_free(&errs);
}

/* One endpoint of either kind with the given secrets, ready to run. */
struct side {
	struct endpoint		ep;
	struct secret		sec[4];
	unsigned char		*owned[4];
};

static void
side_secrets(struct side *s, const char *const *secrets, bool whsec)
{
	size_t	i, len = 0;

	for (i = 0; secrets[i] != NULL; i++) {
		ck_assert_uint_lt(i, 4);
		if (whsec) {
			ck_assert_int_eq(verify_whsec_decode((const unsigned
			    char *)secrets[i], strlen(secrets[i]),
			    &s->owned[i], &len), 0);
			s->sec[i].data = s->owned[i];
			s->sec[i].len = len;
		} else {
			s->sec[i].data = (unsigned char *)secrets[i];
			s->sec[i].len = strlen(secrets[i]);
		}
	}
	s->ep.verify.secrets = s->sec;
	s->ep.verify.nsecrets = i;
	s->ep.verify.timestamp_tolerance = 300;
}

static void
side_free(struct side *s)
{
	size_t	i;

	for (i = 0; i < 4; i++)
		free(s->owned[i]);
}

static const struct endpoint *
rule(const char *name)
{
	size_t	i;

	for (i = 0; i < rules->nendpoints; i++) {
		if (strcmp(rules->endpoints[i].name, name) == 0)
			return &rules->endpoints[i];
	}
	ck_abort_msg("no rule %s", name);
	return NULL;
}

/*
 * The request (headers as name, value, ..., NULL) through the built-in
 * scheme and through its written-out rule.  The rule's status must be
 * the built-in's, or want_rule when that is not SAME.  Returns the
 * built-in's.
 */
static enum verify_status
both(const char *scheme, const char *name, const char *const *secrets,
    const char *body, time_t now, int want_rule, ...)
{
	struct side		 b, r;
	struct header_list	 hl = { NULL, 0, 0 };
	struct verify_result	 rb, rr;
	const char		*hn, *hv;
	bool			 whsec;
	va_list			 ap;

	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	va_start(ap, want_rule);
	while ((hn = va_arg(ap, const char *)) != NULL) {
		hv = va_arg(ap, const char *);
		ck_assert_int_eq(header_add(&hl, hn, hv), 0);
	}
	va_end(ap);
	b.ep.name = (char *)"builtin";
	b.ep.verify.scheme = verify_scheme_find(scheme);
	ck_assert_ptr_nonnull(b.ep.verify.scheme);
	b.ep.verify.signature_encoding = strstr(name, "base64") != NULL ?
	    VERIFY_BASE64 : VERIFY_HEX;
	whsec = (b.ep.verify.scheme->flags & VERIFY_WHSEC) != 0;
	side_secrets(&b, secrets, whsec);
	r.ep = *rule(name);
	side_secrets(&r, secrets, whsec);
	verify_request(&b.ep.verify, &hl, (const unsigned char *)body,
	    strlen(body), now, &rb);
	verify_request(&r.ep.verify, &hl, (const unsigned char *)body,
	    strlen(body), now, &rr);
	ck_assert_msg(rr.status == (want_rule == SAME ? rb.status :
	    (enum verify_status)want_rule), "%s: built-in %s (%s), rule %s "
	    "(%s)", name, verify_status_name(rb.status), rb.detail,
	    verify_status_name(rr.status), rr.detail);
	header_list_free(&hl);
	side_free(&b);
	side_free(&r);
	return rb.status;
}

/* HMAC(md, key, a || b) in hex (129 bytes) or base64 (89 bytes). */
static void
mac(const EVP_MD *md, const char *key, const char *a, const char *b,
    bool b64, char *out)
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl = 0, i;
	char		*msg;

	ck_assert_int_ne(asprintf(&msg, "%s%s", a, b), -1);
	ck_assert_ptr_nonnull(HMAC(md, key, (int)strlen(key),
	    (unsigned char *)msg, strlen(msg), d, &dl));
	free(msg);
	if (b64) {
		EVP_EncodeBlock((unsigned char *)out, d, (int)dl);
		return;
	}
	for (i = 0; i < dl; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

#define S(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* ---- the built-ins, written out ---- */

/* check_verify.c's requests, for hmac-sha256 and github alike. */
static void
sha256_family(const char *scheme)
{
	static const char *const good[] = {
		"sha256=" GH_SIG, GH_SIG, "SHA256=" GH_SIG, "  sha256=" GH_SIG
		    " \t", "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C"
		    "22C46F4379C8B043E17",
	};
	static const char *const bad[] = {
		"sha256=" GH_SIG "00", "sha256=757107ea0eb2509fc211221cce984b8a"
		    "37570b6d7586c22c46f4379c8b043e1", "sha1=" GH_SIG,
		"v1=" GH_SIG, "", "sha256=", "sha256=" JEFE_SHA1,
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379"
		    "c8b043e1g", "garbage \x01\x7f", "sha256=" GH_SIG " extra",
		"md5=" GH_SIG, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d"
		    "7586c22c46f4379c8b043e18",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_int_eq(both(scheme, scheme, S(GH_SECRET), GH_BODY,
		    NOW, SAME, "X-Hub-Signature-256", good[i], NULL),
		    VERIFY_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_ne(both(scheme, scheme, S(GH_SECRET), GH_BODY,
		    NOW, SAME, "X-Hub-Signature-256", bad[i], NULL),
		    VERIFY_OK);
	ck_assert_int_eq(both(scheme, scheme, S(GH_SECRET), "Hello, World?",
	    NOW, SAME, "X-Hub-Signature-256", "sha256=" GH_SIG, NULL),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(both(scheme, scheme, S("other"), GH_BODY, NOW, SAME,
	    "X-Hub-Signature-256", "sha256=" GH_SIG, NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both(scheme, scheme, S("a", GH_SECRET), GH_BODY, NOW,
	    SAME, "X-Hub-Signature-256", "sha256=" GH_SIG, NULL), VERIFY_OK);
	ck_assert_int_eq(both(scheme, scheme, S(GH_SECRET, "b"), GH_BODY, NOW,
	    SAME, "X-Hub-Signature-256", "sha256=" GH_SIG, NULL), VERIFY_OK);
	ck_assert_int_eq(both(scheme, scheme, S("a", "b"), GH_BODY, NOW,
	    SAME, "X-Hub-Signature-256", "sha256=" GH_SIG, NULL),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(both(scheme, scheme, S(JEFE_KEY), JEFE_BODY, NOW,
	    SAME, "X-Hub-Signature-256", JEFE_SHA256, NULL), VERIFY_OK);
	ck_assert_int_eq(both(scheme, scheme, S(GH_SECRET), GH_BODY, NOW,
	    SAME, "X-Other", "sha256=" GH_SIG, NULL), VERIFY_MISSING);
}

START_TEST(test_written_hmac_sha256)
{
	sha256_family("hmac-sha256");
}
END_TEST

START_TEST(test_written_github)
{
	char	sig1[129];

	sha256_family("github");
	/* The one difference: GitHub's legacy header alone. */
	mac(EVP_sha1(), SECRET, BODY, "", false, sig1);
	ck_assert_int_eq(both("github", "github", S(SECRET), BODY, NOW,
	    VERIFY_MISSING, "X-Hub-Signature", sig1, NULL), VERIFY_OK);
}
END_TEST

START_TEST(test_written_hmac_sha1)
{
	static const char *const vals[] = {
		JEFE_SHA1, "sha1=" JEFE_SHA1, "SHA1=" JEFE_SHA1,
		"SHA256=" JEFE_SHA1, "sha1=" JEFE_SHA256, "sha1=",
		"sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c7a",
	};
	size_t	i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		both("hmac-sha1", "hmac-sha1", S(JEFE_KEY), JEFE_BODY, NOW,
		    SAME, "X-Hub-Signature", vals[i], NULL);
	ck_assert_int_eq(both("hmac-sha1", "hmac-sha1", S(JEFE_KEY),
	    JEFE_BODY, NOW, SAME, "X-Hub-Signature", JEFE_SHA1, NULL),
	    VERIFY_OK);
	ck_assert_int_eq(both("hmac-sha1", "hmac-sha1", S("Jeff"),
	    JEFE_BODY, NOW, SAME, "X-Hub-Signature", JEFE_SHA1, NULL),
	    VERIFY_MISMATCH);
}
END_TEST

/* HMAC-SHA256 of BODY under SECRET, in base64 and in hex. */
static void
body_macs(char *b64, char *hex)
{
	mac(EVP_sha256(), SECRET, BODY, "", true, b64);
	mac(EVP_sha256(), SECRET, BODY, "", false, hex);
}

START_TEST(test_written_hmac_sha256_base64)
{
	char	b64[89], pre[100], hex[129];

	body_macs(b64, hex);
	snprintf(pre, sizeof(pre), "sha256=%s", b64);
	ck_assert_int_eq(both("hmac-sha256", "hmac-sha256-base64", S(SECRET),
	    BODY, NOW, SAME, "X-Hub-Signature-256", b64, NULL), VERIFY_OK);
	ck_assert_int_eq(both("hmac-sha256", "hmac-sha256-base64", S(SECRET),
	    BODY, NOW, SAME, "X-Hub-Signature-256", pre, NULL), VERIFY_OK);
	snprintf(pre, sizeof(pre), "sha1=%s", b64);
	both("hmac-sha256", "hmac-sha256-base64", S(SECRET), BODY, NOW, SAME,
	    "X-Hub-Signature-256", pre, NULL);
	both("hmac-sha256", "hmac-sha256-base64", S(SECRET), BODY, NOW, SAME,
	    "X-Hub-Signature-256", hex, NULL);
	both("hmac-sha256", "hmac-sha256-base64", S("x"), BODY, NOW, SAME,
	    "X-Hub-Signature-256", b64, NULL);
	b64[10] = b64[10] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(both("hmac-sha256", "hmac-sha256-base64", S(SECRET),
	    BODY, NOW, SAME, "X-Hub-Signature-256", b64, NULL),
	    VERIFY_MISMATCH);
}
END_TEST

/* One Stripe-Signature value through both. */
static enum verify_status
stripe(const char *const *secrets, const char *body, time_t now,
    const char *value)
{
	return both("stripe", "stripe", secrets, body, now, SAME,
	    "Stripe-Signature", value, NULL);
}

/* The same with SECRET and BODY at NOW, the value made by fmt. */
static enum verify_status stripe_f(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static enum verify_status
stripe_f(const char *fmt, ...)
{
	char	h[600];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(h, sizeof(h), fmt, ap);
	va_end(ap);
	return stripe(S(SECRET), BODY, NOW, h);
}

START_TEST(test_written_stripe)
{
	static const char *const bad[] = {
		"v1=abc", "t=17000x0000,v1=00", "t=1700000000,v0=00",
		"t=1700000000", "t=1700000000,v1=abc", "", ",,,",
		"t=1700000000,t=1700000000,v1=00",
	};
	char	v1[129], old[129], h[600];
	size_t	i;

	mac(EVP_sha256(), SECRET, "1700000000.", BODY, false, v1);
	mac(EVP_sha256(), "whsec_old", "1700000000.", BODY, false, old);
	ck_assert_int_eq(stripe_f("t=1700000000,v1=%s,v0=00", v1), VERIFY_OK);
	ck_assert_int_eq(stripe_f(" t=1700000000 , v1=%s , v1=%s ", old, v1),
	    VERIFY_OK);
	ck_assert_int_eq(stripe_f("t=1700000000,v1=abc,v1=%s", v1),
	    VERIFY_OK);
	ck_assert_int_eq(stripe_f("t=1700000000,v1=%s", old),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(stripe_f("t=1700000001,v1=%s", v1),
	    VERIFY_MISMATCH);
	/* Two t=: refused by both, whichever would verify. */
	ck_assert_int_eq(stripe_f("t=1700000000,t=1,v1=%s", v1),
	    VERIFY_MALFORMED);
	snprintf(h, sizeof(h), "t=1700000000,v1=%s", old);
	ck_assert_int_eq(stripe(S("whsec_old", SECRET), BODY, NOW, h),
	    VERIFY_OK);
	snprintf(h, sizeof(h), "t=1700000000,v1=%s", v1);
	for (i = 0; i < 4; i++)
		stripe(S(SECRET), BODY, NOW + (i < 2 ? 301 : 300) *
		    (i % 2 ? -1 : 1), h);
	ck_assert_int_eq(stripe(S(SECRET), "{}", NOW + 400, h),
	    VERIFY_MISMATCH);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(stripe(S(SECRET), BODY, NOW, bad[i]),
		    VERIFY_MALFORMED);
	ck_assert_int_eq(both("stripe", "stripe", S(SECRET), BODY, NOW, SAME,
	    "X-Other", "1700000000", NULL), VERIFY_MISSING);
}
END_TEST

START_TEST(test_written_slack)
{
	char	sig[200], hex[129];
	size_t	i;

	ck_assert_int_eq(both("slack", "slack", S(SLACK_SECRET), SLACK_BODY,
	    1531420618, SAME, "X-Slack-Signature", SLACK_SIG,
	    "X-Slack-Request-Timestamp", SLACK_TS, NULL), VERIFY_OK);
	mac(EVP_sha256(), SECRET, "v0:1700000000:", BODY, false, hex);
	snprintf(sig, sizeof(sig), "v0=%s", hex);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Signature", sig, "X-Slack-Request-Timestamp",
	    "1700000000", NULL), VERIFY_OK);
	ck_assert_int_eq(both("slack", "slack", S("x", SECRET), BODY, NOW,
	    SAME, "X-Slack-Signature", sig, "X-Slack-Request-Timestamp",
	    "1700000000", NULL), VERIFY_OK);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), "{}", NOW, SAME,
	    "X-Slack-Signature", sig, "X-Slack-Request-Timestamp",
	    "1700000000", NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Signature", sig, "X-Slack-Request-Timestamp",
	    "1700000001", NULL), VERIFY_MISMATCH);
	for (i = 0; i < 4; i++)
		both("slack", "slack", S(SECRET), BODY, NOW + (i < 2 ? 301 :
		    300) * (i % 2 ? -1 : 1), SAME, "X-Slack-Signature", sig,
		    "X-Slack-Request-Timestamp", "1700000000", NULL);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Request-Timestamp", "1700000000", NULL), VERIFY_MISSING);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Signature", sig, NULL), VERIFY_MISSING);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Signature", sig, "X-Slack-Request-Timestamp",
	    "17000000x0", NULL), VERIFY_MALFORMED);
	sig[1] = '1';
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Signature", sig, "X-Slack-Request-Timestamp",
	    "1700000000", NULL), VERIFY_MALFORMED);
	ck_assert_int_eq(both("slack", "slack", S(SECRET), BODY, NOW, SAME,
	    "X-Slack-Signature", "v0=abc", "X-Slack-Request-Timestamp",
	    "1700000000", NULL), VERIFY_MALFORMED);
}
END_TEST

START_TEST(test_written_standard_webhooks)
{
	static const char *const bad[] = {
		"v1,not*base64", "v1,YWJj", "   ", "",
	};
	size_t	i;

	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-id", SWH_ID,
	    "webhook-timestamp", SWH_TS, "webhook-signature", SWH_SIG, NULL),
	    VERIFY_OK);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-id", SWH_ID,
	    "webhook-timestamp", SWH_TS, "webhook-signature",
	    "v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ== "
	    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " SWH_SIG
	    " v2,whatever", NULL), VERIFY_OK);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S("whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0", SWH_SECRET), SWH_BODY,
	    1614265330, SAME, "webhook-id", SWH_ID, "webhook-timestamp",
	    SWH_TS, "webhook-signature", SWH_SIG, NULL), VERIFY_OK);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S("whsec_c2VjcmV0c2VjcmV0c2VjcmV0"), SWH_BODY, 1614265330, SAME,
	    "webhook-id", SWH_ID, "webhook-timestamp", SWH_TS,
	    "webhook-signature", SWH_SIG, NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), "{\"test\": 2432232315}", 1614265330, SAME,
	    "webhook-id", SWH_ID, "webhook-timestamp", SWH_TS,
	    "webhook-signature", SWH_SIG, NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-id",
	    "msg_other", "webhook-timestamp", SWH_TS, "webhook-signature",
	    SWH_SIG, NULL), VERIFY_MISMATCH);
	for (i = 0; i < 4; i++)
		both("standard-webhooks", "standard-webhooks", S(SWH_SECRET),
		    SWH_BODY, 1614265330 + (i < 2 ? 301 : 300) * (i % 2 ? -1 :
		    1), SAME, "webhook-id", SWH_ID, "webhook-timestamp", SWH_TS,
		    "webhook-signature", SWH_SIG, NULL);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-timestamp",
	    SWH_TS, "webhook-signature", SWH_SIG, NULL), VERIFY_MISSING);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-id", SWH_ID,
	    "webhook-signature", SWH_SIG, NULL), VERIFY_MISSING);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-id", SWH_ID,
	    "webhook-timestamp", "16142653x0", "webhook-signature", SWH_SIG,
	    NULL), VERIFY_MALFORMED);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
		    S(SWH_SECRET), SWH_BODY, 1614265330, SAME, "webhook-id",
		    SWH_ID, "webhook-timestamp", SWH_TS, "webhook-signature",
		    bad[i], NULL), VERIFY_MALFORMED);
	/* The differences: other versions only, and Svix's names. */
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, VERIFY_MALFORMED,
	    "webhook-id", SWH_ID, "webhook-timestamp", SWH_TS,
	    "webhook-signature", "v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ==",
	    NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both("standard-webhooks", "standard-webhooks",
	    S(SWH_SECRET), SWH_BODY, 1614265330, VERIFY_MISSING, "svix-id",
	    SWH_ID, "svix-timestamp", SWH_TS, "svix-signature", SWH_SIG, NULL),
	    VERIFY_OK);
}
END_TEST

START_TEST(test_written_shopify)
{
	char	b64[89], hex[129], pad[100];

	body_macs(b64, hex);
	snprintf(pad, sizeof(pad), " %s\t", b64);
	ck_assert_int_eq(both("shopify", "shopify", S(SECRET), BODY, NOW,
	    SAME, "X-Shopify-Hmac-Sha256", b64, NULL), VERIFY_OK);
	ck_assert_int_eq(both("shopify", "shopify", S(SECRET), BODY, NOW,
	    SAME, "X-Shopify-Hmac-Sha256", pad, NULL), VERIFY_OK);
	ck_assert_int_eq(both("shopify", "shopify", S(SECRET), BODY, NOW,
	    SAME, "X-Shopify-Hmac-Sha256", hex, NULL), VERIFY_MALFORMED);
	ck_assert_int_eq(both("shopify", "shopify", S("x"), BODY, NOW, SAME,
	    "X-Shopify-Hmac-Sha256", b64, NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both("shopify", "shopify", S(SECRET), "{}", NOW, SAME,
	    "X-Shopify-Hmac-Sha256", b64, NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(both("shopify", "shopify", S(SECRET), BODY, NOW, SAME,
	    "X-Shopify-Hmac-Sha256", "sha256=", NULL), VERIFY_MALFORMED);
}
END_TEST

/*
 * The rules tested here are the manual's: every line of the ones it
 * shows (roff writes a backslash as \e) is in hookspool.ini(5).
 */
START_TEST(test_manual_shows_the_rules)
{
	static const char *const shown[] = {
		"hmac-sha256", "stripe", "slack", "standard-webhooks", "shopify"
	};
	FILE		*fp;
	char		*man, line[512], want[600], *w;
	const char	*r;
	size_t		 n, i;
	bool		 in = false;

	fp = fopen(TOP_SRCDIR "/doc/hookspool.ini.5", "r");
	ck_assert_ptr_nonnull(fp);
	man = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(man);
	n = fread(man, 1, (1 << 20) - 1, fp);
	ck_assert_uint_gt(n, 0);
	fclose(fp);
	fp = fopen(RULES, "r");
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '[') {
			in = false;
			for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
				in |= strncmp(line + 10, shown[i],
				    strlen(shown[i])) == 0 &&
				    line[10 + strlen(shown[i])] == ']';
			continue;
		}
		if (!in || strncmp(line, "path", 4) == 0 ||
		    strncmp(line, "secret", 6) == 0)
			continue;
		for (r = line, w = want; *r != '\0'; r++) {
			if (*r == '\\')
				*w++ = '\\', *w++ = 'e';
			else
				*w++ = *r;
		}
		*w = '\0';
		ck_assert_msg(strstr(man, want) != NULL, "manual lacks %s", want);
	}
	fclose(fp);
	free(man);
}
END_TEST

/* ---- what only a rule says ---- */

/* A rule of the test's own: signed_content, header and pattern. */
static struct endpoint *
own_rule(struct side *s, const char *content, const char *pattern,
    const char *ts_header, const char *ts_pattern, int alg, int enc)
{
	char	err[300];

	memset(s, 0, sizeof(*s));
	s->ep.name = (char *)"own";
	s->ep.verify.scheme = verify_scheme_find("hmac");
	s->ep.verify.signature_header = (char *)"x-sig";
	s->ep.verify.signed_content = verify_template_parse(content, err,
	    sizeof(err));
	ck_assert_msg(s->ep.verify.signed_content != NULL, "%s", err);
	if (pattern != NULL) {
		s->ep.verify.signature_pattern = verify_pattern_compile(pattern, "sig",
		    err, sizeof(err));
		ck_assert_msg(s->ep.verify.signature_pattern != NULL, "%s", err);
	}
	s->ep.verify.timestamp_header = (char *)ts_header;
	if (ts_pattern != NULL) {
		s->ep.verify.timestamp_pattern = verify_pattern_compile(ts_pattern,
		    "ts", err, sizeof(err));
		ck_assert_msg(s->ep.verify.timestamp_pattern != NULL, "%s", err);
	}
	s->ep.verify.signature_algorithm = alg;
	s->ep.verify.signature_encoding = enc;
	side_secrets(s, S(SECRET), false);
	return &s->ep;
}

static void
own_free(struct side *s)
{
	verify_template_free(s->ep.verify.signed_content);
	verify_pattern_free(s->ep.verify.signature_pattern);
	verify_pattern_free(s->ep.verify.timestamp_pattern);
}

static enum verify_status
own_verify(const struct endpoint *ep, const struct verify_http *http,
    const char *sig, const char *body, time_t now, ...)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct verify_result	 res;
	const char		*hn;
	va_list			 ap;

	if (sig != NULL)
		ck_assert_int_eq(header_add(&hl, "X-Sig", sig), 0);
	va_start(ap, now);
	while ((hn = va_arg(ap, const char *)) != NULL)
		ck_assert_int_eq(header_add(&hl, hn, va_arg(ap,
		    const char *)), 0);
	va_end(ap);
	verify_request_http(&ep->verify, http, &hl, (const unsigned char *)body,
	    strlen(body), now, &res);
	header_list_free(&hl);
	return res.status;
}

START_TEST(test_request_line)
{
	struct verify_http	 http = { "POST", "/hooks/x?a=1&b=2", NULL };
	struct verify_http	 other = { "POST", "/hooks/x?a=1&b=3", NULL };
	struct side		 s;
	const struct endpoint	*ep;
	char			 hex[129];

	ep = own_rule(&s, "${method} ${url}|${query}|${header.X-Id}|${body}$",
	    NULL, NULL, NULL, VERIFY_SHA256, VERIFY_HEX);
	mac(EVP_sha256(), SECRET, "POST /hooks/x?a=1&b=2|a=1&b=2|42|", BODY
	    "$", false, hex);
	ck_assert_int_eq(own_verify(ep, &http, hex, BODY, NOW, "X-Id", "42",
	    NULL), VERIFY_OK);
	ck_assert_int_eq(own_verify(ep, &other, hex, BODY, NOW, "X-Id", "42",
	    NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(own_verify(ep, &http, hex, BODY, NOW, "X-Id", "43",
	    NULL), VERIFY_MISMATCH);
	/* A header the content names must be there. */
	ck_assert_int_eq(own_verify(ep, &http, hex, BODY, NOW, NULL),
	    VERIFY_MISSING);
	ck_assert_int_eq(own_verify(ep, &http, NULL, BODY, NOW, "X-Id", "42",
	    NULL), VERIFY_MISSING);
	own_free(&s);
}
END_TEST

/* ${full_url} without public_url: the request's origin and its URL. */
START_TEST(test_full_url_rebuilt)
{
	struct verify_http	 http = { "POST", "/hooks/x?a=1",
	    "https://hooks.example.com" };
	struct verify_http	 port = { "POST", "/hooks/x?a=1",
	    "https://hooks.example.com:8443" };
	struct verify_http	 none = { "POST", "/hooks/x?a=1", NULL };
	struct side		 s;
	const struct endpoint	*ep;
	char			 hex[129];

	ep = own_rule(&s, "${full_url}|${query}|${body}", NULL, NULL, NULL,
	    VERIFY_SHA256, VERIFY_HEX);
	mac(EVP_sha256(), SECRET, "https://hooks.example.com/hooks/x?a=1|a=1|",
	    BODY, false, hex);
	ck_assert_int_eq(own_verify(ep, &http, hex, BODY, NOW, NULL),
	    VERIFY_OK);
	ck_assert_int_eq(own_verify(ep, &port, hex, BODY, NOW, NULL),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(own_verify(ep, &none, hex, BODY, NOW, NULL),
	    VERIFY_MISMATCH);
	own_free(&s);
}
END_TEST

/* timestamp_field: the time at a JSON body path (or a form field). */
START_TEST(test_timestamp_field)
{
	static const char	*body =
	    "{\"meta\":{\"at\":1700000000,\"s\":\"1700000000\"},\"x\":1}";
	struct side		 s;
	struct endpoint		*ep;
	char			 hex[129];

	ep = own_rule(&s, "${timestamp}.${body}", NULL, NULL, NULL,
	    VERIFY_SHA256, VERIFY_HEX);
	ep->verify.timestamp_field = (char *)"meta.at";
	mac(EVP_sha256(), SECRET, "1700000000.", body, false, hex);
	ck_assert_int_eq(own_verify(ep, NULL, hex, body, NOW, NULL), VERIFY_OK);
	ck_assert_int_eq(own_verify(ep, NULL, hex, body, NOW + 301, NULL),
	    VERIFY_STALE);
	ep->verify.timestamp_field = (char *)"meta.s";	/* a string */
	ck_assert_int_eq(own_verify(ep, NULL, hex, body, NOW, NULL), VERIFY_OK);
	ep->verify.timestamp_field = (char *)"meta.none";
	ck_assert_int_eq(own_verify(ep, NULL, hex, body, NOW, NULL),
	    VERIFY_MISSING);
	ep->verify.timestamp_field = (char *)"x.at";	/* x is no object */
	ck_assert_int_eq(own_verify(ep, NULL, hex, body, NOW, NULL),
	    VERIFY_MISSING);
	ep->verify.timestamp_field = (char *)"meta";	/* an object */
	ck_assert_int_eq(own_verify(ep, NULL, hex, body, NOW, NULL),
	    VERIFY_MISSING);
	/* A form body: the field of that name. */
	ep->verify.timestamp_field = (char *)"t";
	mac(EVP_sha256(), SECRET, "1700000000.", "t=1700000000&x=1", false,
	    hex);
	ck_assert_int_eq(own_verify(ep, NULL, hex, "t=1700000000&x=1", NOW,
	    NULL), VERIFY_OK);
	ck_assert_int_eq(own_verify(ep, NULL, hex, "t=soon&x=1", NOW, NULL),
	    VERIFY_MALFORMED);
	own_free(&s);
}
END_TEST

/* signature_field: the signatures in a form field, not a header. */
START_TEST(test_signature_field)
{
	struct verify_http	 http = { "POST", "/hooks/x?a=1", NULL };
	struct side		 s;
	struct endpoint		*ep;
	char			 hex[129], body[300];

	ep = own_rule(&s, "${url}", NULL, NULL, NULL, VERIFY_SHA256,
	    VERIFY_HEX);
	ep->verify.signature_header = NULL;
	ep->verify.signature_field = (char *)"sig";
	mac(EVP_sha256(), SECRET, "/hooks/x?a=1", "", false, hex);
	snprintf(body, sizeof(body), "a=1&sig=%s", hex);
	ck_assert_int_eq(own_verify(ep, &http, NULL, body, NOW, NULL),
	    VERIFY_OK);
	/* A header of that name does not count. */
	ck_assert_int_eq(own_verify(ep, &http, hex, "a=1", NOW, NULL),
	    VERIFY_MISSING);
	ck_assert_int_eq(own_verify(ep, &http, NULL, "a=1&sig=%zz", NOW,
	    NULL), VERIFY_MALFORMED);
	hex[0] = hex[0] == 'a' ? 'b' : 'a';
	snprintf(body, sizeof(body), "a=1&sig=%s", hex);
	ck_assert_int_eq(own_verify(ep, &http, NULL, body, NOW, NULL),
	    VERIFY_MISMATCH);
	own_free(&s);
}
END_TEST

START_TEST(test_milliseconds_and_encodings)
{
	struct side		 s;
	const struct endpoint	*ep;
	unsigned char		 d[EVP_MAX_MD_SIZE];
	unsigned int		 dl = 0;
	char			 b64[100], sig[200];
	size_t			 i;

	ep = own_rule(&s, "${timestamp}:${body}", "sha512=(?<sig>[^,]+)",
	    "x-ts", NULL, VERIFY_SHA512, VERIFY_BASE64URL);
	HMAC(EVP_sha512(), SECRET, (int)strlen(SECRET), (const unsigned char *)
	    "1700000000123:" BODY, strlen("1700000000123:" BODY), d, &dl);
	EVP_EncodeBlock((unsigned char *)b64, d, (int)dl);
	for (i = 0; b64[i] != '\0'; i++) {
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '/')
			b64[i] = '_';
	}
	snprintf(sig, sizeof(sig), "sha512=AAAA,sha512=%s", b64);
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW, "X-Ts",
	    "1700000000123", NULL), VERIFY_OK);
	/* Milliseconds are compared in seconds. */
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW + 301, "X-Ts",
	    "1700000000123", NULL), VERIFY_STALE);
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW + 300, "X-Ts",
	    "1700000000123", NULL), VERIFY_OK);
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW, "X-Ts",
	    "1700000000124", NULL), VERIFY_MISMATCH);
	ck_assert_int_eq(own_verify(ep, NULL, "sha512=AAAA", BODY, NOW,
	    "X-Ts", "1700000000123", NULL), VERIFY_MALFORMED);
	ck_assert_int_eq(own_verify(ep, NULL, "v1=x", BODY, NOW, "X-Ts",
	    "1700000000123", NULL), VERIFY_MALFORMED);
	own_free(&s);
}
END_TEST

START_TEST(test_several_signatures)
{
	struct side		 s;
	const struct endpoint	*ep;
	char			 hex[129], sig[2000], *p;
	size_t			 i;

	ep = own_rule(&s, "${body}", "v1=(?<sig>[0-9a-f]+)", NULL, NULL,
	    VERIFY_SHA1, VERIFY_HEX);
	mac(EVP_sha1(), SECRET, BODY, "", false, hex);
	p = sig;
	for (i = 0; i < 7; i++)
		p += sprintf(p, "v1=%040zu ", i);
	sprintf(p, "v1=%s", hex);
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW, NULL),
	    VERIFY_OK);
	strcat(sig, " v1=00");
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW, NULL),
	    VERIFY_MALFORMED);
	own_free(&s);
	/* An empty match moves on. */
	ep = own_rule(&s, "${body}", "(?<sig>[0-9a-f]*)", NULL, NULL,
	    VERIFY_SHA1, VERIFY_HEX);
	snprintf(sig, sizeof(sig), ",,%s,", hex);
	ck_assert_int_eq(own_verify(ep, NULL, sig, BODY, NOW, NULL),
	    VERIFY_OK);
	own_free(&s);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const struct {
		const char	*text;
		const char	*err;
	} tpl[] = {
		{ "${nope}", "unknown variable ${nope} (known: body, method, "
		    "url, full_url, query, form, timestamp, header.NAME)" },
		{ "${header.}", "unknown variable ${header.} (known: body, "
		    "method, url, full_url, query, form, timestamp, header.NAME)" },
		{ "${header.a b}", "unknown variable ${header.a b} (known: "
		    "body, method, url, full_url, query, form, timestamp, header.NAME)" },
		{ "v0:${body", "${ without a closing }" },
		{ "", "empty" },
	};
	struct verify_template	*t;
	struct verify_pattern	*re;
	char			 err[300];
	size_t			 i;

	for (i = 0; i < sizeof(tpl) / sizeof(tpl[0]); i++) {
		t = verify_template_parse(tpl[i].text, err, sizeof(err));
		ck_assert_ptr_null(t);
		ck_assert_str_eq(err, tpl[i].err);
	}
	t = verify_template_parse("$body ${body}$$ {x}", err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert(!verify_template_has_timestamp(t));
	verify_template_free(t);
	re = verify_pattern_compile("v1=(?<s>.*)", "sig", err, sizeof(err));
	ck_assert_ptr_null(re);
	ck_assert_str_eq(err, "no (?<sig>...) group");
	re = verify_pattern_compile("(?<sig>a)|(?<sig>b)", "sig", err,
	    sizeof(err));
	ck_assert_ptr_null(re);
	re = verify_pattern_compile("(?<sig>", "sig", err, sizeof(err));
	ck_assert_ptr_null(re);
	ck_assert_ptr_nonnull(strstr(err, "bad regex: "));
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("verify_hmac");
	tc = tcase_create("written-out");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_written_hmac_sha256);
	tcase_add_test(tc, test_written_github);
	tcase_add_test(tc, test_written_hmac_sha1);
	tcase_add_test(tc, test_written_hmac_sha256_base64);
	tcase_add_test(tc, test_written_stripe);
	tcase_add_test(tc, test_written_slack);
	tcase_add_test(tc, test_written_standard_webhooks);
	tcase_add_test(tc, test_written_shopify);
	tcase_add_test(tc, test_manual_shows_the_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("rules");
	tcase_add_test(tc, test_request_line);
	tcase_add_test(tc, test_full_url_rebuilt);
	tcase_add_test(tc, test_timestamp_field);
	tcase_add_test(tc, test_signature_field);
	tcase_add_test(tc, test_milliseconds_and_encodings);
	tcase_add_test(tc, test_several_signatures);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
