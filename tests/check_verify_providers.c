/*
 * check_verify_providers: the providers' own signature formats (GitHub,
 * Stripe, Slack, Standard Webhooks with HMAC and ed25519, Shopify,
 * GitLab, Discord, Mailgun), the generic HMAC schemes with signature_encoding =
 * base64, and the base64 codec they share.  One suite per scheme, a
 * fixed clock (NOW), published vectors where the provider gives one
 * (Slack, Standard Webhooks), else HMAC signatures made here with
 * OpenSSL's one-shot HMAC() and ed25519 ones made once with openssl(1)
 * and kept as fixed vectors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "conf.h"
#include "header.h"
#include "verify.h"
#define CHECK_UTIL_VERIFY
#include "check_util.h"
#include "verify_vectors.h"

#define NOW		FX_NOW
#define SECRET		"s3cret-for-tests"
#define BODY		"{\"event\":\"test\",\"n\":1}"

/*
 * Standard Webhooks' asymmetric (v1a) example: the reference library's
 * TestAsymmetricWebhookSign (libraries/go/webhook_asymmetric_test.go in
 * github.com/standard-webhooks/standard-webhooks) signs the example
 * above with the private key whose 32-byte seed is the base64
 * "VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=" and expects SWH_V1A.
 * SWH_WHPK is that key's public half, derived with openssl pkey.
 */
#define SWH_WHPK	"whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="
#define SWH_V1A		"v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkA" \
	"TuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag=="

/*
 * Two keys made with "openssl genpkey -algorithm ed25519"; ED_PUB is the
 * public half of the one that signed, ED_OTHER another.  The messages
 * were signed with "openssl pkeyutl -sign -rawin".
 */
#define ED_PUB		"549e60c8e1af3f74ae33db873768469a77aea0603ca4b7002f90d33aa11702fc"
#define ED_PUB_B64	"VJ5gyOGvP3SuM9uHN2hGmneuoGA8pLcAL5DTOqEXAvw="
#define ED_OTHER	"046f17ae20246b9e977ea4b1bdba517511e38c552d8035d650365793227cc27d"
#define ED_OTHER_B64	"BG8XriAka56XfqSxvbpRdRHjjFUtgDXWUDZXkyJ8wn0="
/* Discord: ED_PUB's signature of DISCORD_TS followed by DISCORD_BODY. */
#define DISCORD_TS	"1700000000"
#define DISCORD_BODY	"{\"type\":1,\"id\":\"ping\"}"
#define DISCORD_SIG	"20908a54565f44efac41bdccec04c13bde4c347d627d25b76c573c" \
	"2457966387099837ec4293b1fbd989a408768d2361d5adeef57d9911de5b3e853408" \
	"be680a"
/* The Standard Webhooks example above, signed by ED_PUB and ED_OTHER. */
#define SWH_V1A_ED	"v1a,v84b80PRl4a+EnSqg6NaUh1OYcl3RavDqFKOqPWEHvjpYrphSh5" \
	"luPbEhnGgeUZ15VyUiwrBBDufFK3oXWL9Cg=="
#define SWH_V1A_OTHER	"v1a,Cpd6kG4LMB+IUZR0gV8ar8DkljesbVnTrwM1EFO3F1K97RaJxh" \
	"32y06Ye8/DloLZ6jzgsSp1hewHvEGJiuomDQ=="


static void
fx_endpoint(const char *scheme)
{
	fx_scheme(scheme);
	fx.vc.signature_header = NULL;		/* the scheme's default */
	fx.vc.timestamp_tolerance = 300;
}

/* A whsec_ secret, decoded as conf.c does at load. */
static void
fx_whsec(const char *secret)
{
	size_t	n = fx.vc.nsecrets, len = 0;

	ck_assert_uint_lt(n, 4);
	ck_assert_int_eq(verify_whsec_decode((const unsigned char *)secret,
	    strlen(secret), &fx.owned[n], &len), 0);
	fx.secrets[n].data = fx.owned[n];
	fx.secrets[n].len = len;
	fx.vc.nsecrets++;
}

/* An ed25519 public key, parsed as conf.c does at load. */
static void
fx_pubkey(const char *text)
{
	size_t	n = fx.vc.npublic_keys;
	char	why[96];

	ck_assert_uint_lt(n, 4);
	fx.keys[n] = verify_ed25519_key(text, strlen(text), why, sizeof(why));
	ck_assert_msg(fx.keys[n] != NULL, "%s: %s", text, why);
	fx.vc.public_keys = fx.keys;
	fx.vc.npublic_keys++;
}

/* Drop the request's headers, for the next request of a test. */
static void
fx_headers_clear(void)
{
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
}

/*
 * A request signed at t is good up to timestamp_tolerance (300 s) away
 * from the clock, either way, and stale beyond.
 */
static void
assert_window(const char *body, time_t t)
{
	ck_assert_int_eq(fx_verify_at(body, t + 301), VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(body, t - 301), VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(body, t + 300), VERIFY_OK);
	ck_assert_int_eq(fx_verify_at(body, t - 300), VERIFY_OK);
}

/* HMAC(md, key, a || b || c) as lowercase hex into out (129 bytes). */
static void
mac_hex(const EVP_MD *md, const char *key, const char *a, const char *b,
    const char *c, char *out)
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl = 0, i;
	char		*msg;

	ck_assert_int_ne(asprintf(&msg, "%s%s%s", a, b ? b : "", c ? c : ""),
	    -1);
	ck_assert_ptr_nonnull(HMAC(md, key, (int)strlen(key),
	    (unsigned char *)msg, strlen(msg), d, &dl));
	for (i = 0; i < dl; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	free(msg);
}

/* The same, as padded standard base64 into out (89 bytes). */
static void
mac_b64(const EVP_MD *md, const unsigned char *key, size_t keylen,
    const char *msg, char *out)
{
	unsigned char	d[EVP_MAX_MD_SIZE];
	unsigned int	dl = 0;

	ck_assert_ptr_nonnull(HMAC(md, key, (int)keylen,
	    (const unsigned char *)msg, strlen(msg), d, &dl));
	EVP_EncodeBlock((unsigned char *)out, d, (int)dl);
}

/* Flip the last hex digit / base64 character before any padding. */
static void
flip_last(char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && s[n - 1] == '=')
		n--;
	ck_assert_uint_gt(n, 0);
	s[n - 1] = s[n - 1] == 'a' ? 'b' : 'a';
}

/* ---- github ---- */

START_TEST(test_github_valid)
{
	char	sig[200], hex[129];

	fx_endpoint("github");
	fx_secret(SECRET);
	mac_hex(EVP_sha256(), SECRET, BODY, NULL, NULL, hex);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	fx_header("X-Hub-Signature-256", sig);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	ck_assert_int_eq(fx_verify(BODY "x"), VERIFY_MISMATCH);
	fx_assert_clean(SECRET, hex);
}
END_TEST

START_TEST(test_github_wrong_secret)
{
	char	sig[200], hex[129];

	fx_endpoint("github");
	fx_secret("another");
	mac_hex(EVP_sha256(), SECRET, BODY, NULL, NULL, hex);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	fx_header("X-Hub-Signature-256", sig);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	fx_assert_clean(SECRET, hex);
}
END_TEST

START_TEST(test_github_flipped_signature)
{
	char	sig[200], hex[129];

	fx_endpoint("github");
	fx_secret(SECRET);
	mac_hex(EVP_sha256(), SECRET, BODY, NULL, NULL, hex);
	flip_last(hex);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	fx_header("X-Hub-Signature-256", sig);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_github_sha1_fallback)
{
	char	sig[200], hex[129];

	fx_endpoint("github");
	fx_secret(SECRET);
	mac_hex(EVP_sha1(), SECRET, BODY, NULL, NULL, hex);
	snprintf(sig, sizeof(sig), "sha1=%s", hex);
	fx_header("X-Hub-Signature", sig);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	ck_assert_int_eq(fx_verify("{}"), VERIFY_MISMATCH);
}
END_TEST

/* A wrong SHA-256 signature does not fall back to a good SHA-1 one. */
START_TEST(test_github_no_fallback_when_sha256_present)
{
	char	sig[200], hex[129];

	fx_endpoint("github");
	fx_secret(SECRET);
	mac_hex(EVP_sha1(), SECRET, BODY, NULL, NULL, hex);
	snprintf(sig, sizeof(sig), "sha1=%s", hex);
	fx_header("X-Hub-Signature", sig);
	fx_header("X-Hub-Signature-256", "sha256=" "00000000000000000000000000"
	    "00000000000000000000000000000000000000");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_github_missing_and_malformed)
{
	fx_endpoint("github");
	fx_secret(SECRET);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no x-hub-signature-256 header");
	fx_header("X-Hub-Signature-256", "sha1=abc");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "prefix names sha1");
}
END_TEST

START_TEST(test_github_rotation)
{
	char	sig[200], hex[129];

	fx_endpoint("github");
	fx_secret("old-one");
	fx_secret(SECRET);
	mac_hex(EVP_sha256(), SECRET, BODY, NULL, NULL, hex);
	snprintf(sig, sizeof(sig), "sha256=%s", hex);
	fx_header("X-Hub-Signature-256", sig);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

/* ---- stripe ---- */

/* "t=<ts>,v1=<sig of ts.body under key>" into out. */
static void
stripe_header(const char *key, long ts, const char *body, char *out,
    size_t len)
{
	char	t[32], hex[129];

	snprintf(t, sizeof(t), "%ld", ts);
	mac_hex(EVP_sha256(), key, t, ".", body, hex);
	snprintf(out, len, "t=%s,v1=%s", t, hex);
}

START_TEST(test_stripe_valid)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret(SECRET);
	stripe_header(SECRET, NOW - 10, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx_assert_clean(SECRET, strstr(h, "v1=") + 3);
}
END_TEST

START_TEST(test_stripe_wrong_secret)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret("whsec_other");
	stripe_header(SECRET, NOW, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_stripe_flipped_body_and_signature)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret(SECRET);
	stripe_header(SECRET, NOW, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify("{\"event\":\"test\",\"n\":2}"),
	    VERIFY_MISMATCH);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	flip_last(h);
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

/* The timestamp is signed: changing it breaks the signature. */
START_TEST(test_stripe_timestamp_is_signed)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret(SECRET);
	stripe_header(SECRET, NOW, BODY, h, sizeof(h));
	h[strlen("t=1700000000") - 1] = '1';
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_stripe_missing_and_malformed)
{
	static const char *const bad[] = {
		"", "v1=abc", "t=1700000000", "t=abc,v1=00",
		"t=1700000000,v1=zz", "t=1,t=2,v1=00", "garbage",
		"t=,v1=00",
	};
	size_t	i;

	fx_endpoint("stripe");
	fx_secret(SECRET);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no stripe-signature header");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		header_list_free(&fx.hl);
		memset(&fx.hl, 0, sizeof(fx.hl));
		fx_header("Stripe-Signature", bad[i]);
		ck_assert_msg(fx_verify(BODY) == VERIFY_MALFORMED, "%s: %s",
		    bad[i], fx.res.detail);
	}
}
END_TEST

START_TEST(test_stripe_stale_and_future)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret(SECRET);
	stripe_header(SECRET, NOW - 301, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_STALE);
	ck_assert_str_eq(fx.res.detail, "timestamp 301 s old, tolerance 300 s");
	/* The edge of the window is inside it. */
	ck_assert_int_eq(fx_verify_at(BODY, NOW - 1), VERIFY_OK);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	stripe_header(SECRET, NOW + 301, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_STALE);
	ck_assert_str_eq(fx.res.detail,
	    "timestamp 301 s in the future, tolerance 300 s");
	ck_assert_int_eq(fx_verify_at(BODY, NOW + 1), VERIFY_OK);
	/* A wider window, from the endpoint. */
	fx.vc.timestamp_tolerance = 600;
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

/* Several v1 (during Stripe's secret roll), one good; v0 ignored. */
START_TEST(test_stripe_several_signatures)
{
	char	h[400], good[300], hex[129];

	fx_endpoint("stripe");
	fx_secret(SECRET);
	stripe_header(SECRET, NOW, BODY, good, sizeof(good));
	mac_hex(EVP_sha256(), "old", "1700000000", ".", BODY, hex);
	snprintf(h, sizeof(h), "t=%d,v1=%s, v1=%s ,v0=%s", NOW, hex,
	    strstr(good, "v1=") + 3, hex);
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	/* A good v0 alone is not enough. */
	snprintf(h, sizeof(h), "t=%d,v0=%s", NOW, strstr(good, "v1=") + 3);
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "no v1 signature");
}
END_TEST

START_TEST(test_stripe_rotation)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret("whsec_old");
	fx_secret(SECRET);
	stripe_header(SECRET, NOW, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

/* A forged stale request is a mismatch, not "stale". */
START_TEST(test_stripe_stale_forgery)
{
	char	h[300];

	fx_endpoint("stripe");
	fx_secret(SECRET);
	stripe_header("forger", NOW - 5000, BODY, h, sizeof(h));
	fx_header("Stripe-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

/* ---- slack ---- */

START_TEST(test_slack_documented_example)
{
	fx_endpoint("slack");
	fx_secret(SLACK_SECRET);
	fx_header("X-Slack-Signature", SLACK_SIG);
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618 + 60), VERIFY_OK);
	fx_assert_clean(SLACK_SECRET, SLACK_SIG + 3);
}
END_TEST

START_TEST(test_slack_wrong_secret_and_flips)
{
	char	sig[] = SLACK_SIG;

	fx_endpoint("slack");
	fx_secret("not-the-secret");
	fx_header("X-Slack-Signature", SLACK_SIG);
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618), VERIFY_MISMATCH);
	fx.secrets[0].data = (unsigned char *)SLACK_SECRET;
	fx.secrets[0].len = strlen(SLACK_SECRET);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY "&", 1531420618),
	    VERIFY_MISMATCH);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	flip_last(sig);
	fx_header("X-Slack-Signature", sig);
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618), VERIFY_MISMATCH);
	/* The timestamp is signed. */
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header("X-Slack-Signature", SLACK_SIG);
	fx_header("X-Slack-Request-Timestamp", "1531420619");
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_slack_missing_and_malformed)
{
	fx_endpoint("slack");
	fx_secret(SLACK_SECRET);
	ck_assert_int_eq(fx_verify(SLACK_BODY), VERIFY_MISSING);
	fx_header("X-Slack-Signature", SLACK_SIG);
	ck_assert_int_eq(fx_verify(SLACK_BODY), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no x-slack-request-timestamp header");
	fx_header("X-Slack-Request-Timestamp", "soon");
	ck_assert_int_eq(fx_verify(SLACK_BODY), VERIFY_MALFORMED);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header("X-Slack-Signature", SLACK_SIG + 3);	/* no v0= */
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618),
	    VERIFY_MALFORMED);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header("X-Slack-Signature", "v0=1234");
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618),
	    VERIFY_MALFORMED);
}
END_TEST

START_TEST(test_slack_stale_and_future)
{
	fx_endpoint("slack");
	fx_secret(SLACK_SECRET);
	fx_header("X-Slack-Signature", SLACK_SIG);
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618 + 301),
	    VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618 - 301),
	    VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618 + 300), VERIFY_OK);
}
END_TEST

START_TEST(test_slack_rotation)
{
	fx_endpoint("slack");
	fx_secret("old-slack-secret");
	fx_secret(SLACK_SECRET);
	fx_header("X-Slack-Signature", SLACK_SIG);
	fx_header("X-Slack-Request-Timestamp", SLACK_TS);
	ck_assert_int_eq(fx_verify_at(SLACK_BODY, 1531420618), VERIFY_OK);
}
END_TEST

/* ---- standard-webhooks ---- */

static void
swh_headers(const char *prefix, const char *id, const char *ts,
    const char *sig)
{
	char	name[64];

	snprintf(name, sizeof(name), "%s-id", prefix);
	if (id != NULL)
		fx_header(name, id);
	snprintf(name, sizeof(name), "%s-timestamp", prefix);
	if (ts != NULL)
		fx_header(name, ts);
	snprintf(name, sizeof(name), "%s-signature", prefix);
	if (sig != NULL)
		fx_header(name, sig);
}

START_TEST(test_swh_spec_example)
{
	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
	fx_assert_clean("MfKQ9r8G", SWH_SIG + 3);
}
END_TEST

START_TEST(test_swh_svix_headers)
{
	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	swh_headers("svix", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
}
END_TEST

START_TEST(test_swh_secret_forms)
{
	static const char *const forms[] = {
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",	/* no prefix */
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	};
	unsigned char	*out = NULL;
	size_t		 i, len = 0;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		fx_setup();
		fx_endpoint("standard-webhooks");
		fx_whsec(forms[i]);
		swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
		ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
		fx_teardown();
	}
	fx_setup();
	/* Unpadded base64 is accepted: "YWJj" is "abc", "YWI" is "ab". */
	ck_assert_int_eq(verify_whsec_decode((const unsigned char *)"whsec_YWI",
	    9, &out, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(memcmp(out, "ab", 2), 0);
	free(out);
	out = NULL;
	ck_assert_int_eq(verify_whsec_decode((const unsigned char *)"whsec_YWI=",
	    10, &out, &len), 0);
	ck_assert_uint_eq(len, 2);
	free(out);
	out = NULL;
	ck_assert_int_eq(verify_whsec_decode((const unsigned char *)"whsec_",
	    6, &out, &len), -1);
	ck_assert_int_eq(verify_whsec_decode((const unsigned char *)"whsec_a!b",
	    9, &out, &len), -1);
	ck_assert_int_eq(verify_whsec_decode((const unsigned char *)"YWJ=j",
	    5, &out, &len), -1);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_swh_wrong_secret_and_flips)
{
	char	sig[] = SWH_SIG;

	fx_endpoint("standard-webhooks");
	fx_whsec("whsec_c2VjcmV0c2VjcmV0c2VjcmV0");
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	fx_teardown();
	fx_setup();
	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at("{\"test\": 2432232315}", 1614265330),
	    VERIFY_MISMATCH);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	swh_headers("webhook", "msg_other", SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	flip_last(sig);
	swh_headers("webhook", SWH_ID, SWH_TS, sig);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_swh_several_signatures)
{
	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	swh_headers("webhook", SWH_ID, SWH_TS,
	    "v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ== "
	    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " SWH_SIG
	    " v2,whatever");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	/* Only other versions: nothing we can check. */
	swh_headers("webhook", SWH_ID, SWH_TS,
	    "v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ==");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "no v1 signature");
}
END_TEST

START_TEST(test_swh_rotation)
{
	fx_endpoint("standard-webhooks");
	fx_whsec("whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0");
	fx_whsec(SWH_SECRET);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
}
END_TEST

START_TEST(test_swh_missing_and_malformed)
{
	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISSING);
	swh_headers("webhook", NULL, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no webhook-id header");
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	swh_headers("webhook", SWH_ID, NULL, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISSING);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	swh_headers("webhook", SWH_ID, "16142653x0", SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MALFORMED);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	swh_headers("webhook", SWH_ID, SWH_TS, "v1,not*base64");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MALFORMED);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	swh_headers("webhook", SWH_ID, SWH_TS, "v1,YWJj");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MALFORMED);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	swh_headers("webhook", SWH_ID, SWH_TS, "   ");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MALFORMED);
}
END_TEST

START_TEST(test_swh_stale_and_future)
{
	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330 + 301),
	    VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330 - 301),
	    VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330 - 300), VERIFY_OK);
	ck_assert_int_eq(fx_verify(SWH_BODY), VERIFY_STALE);
}
END_TEST

/* ---- standard webhooks, v1a (ed25519) ---- */

START_TEST(test_swh_v1a_published)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey(SWH_WHPK);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
	fx_assert_clean(NULL, SWH_V1A + 4);
	fx_headers_clear();
	swh_headers("svix", SWH_ID, SWH_TS, SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
}
END_TEST

START_TEST(test_swh_v1a_own_vector)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey("whpk_" ED_PUB_B64);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A_ED);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
}
END_TEST

START_TEST(test_swh_v1a_changed)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey(SWH_WHPK);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A);
	/* One byte of the body. */
	ck_assert_int_eq(fx_verify_at("{\"test\": 2432232315}", 1614265330),
	    VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "no public key matches");
	/* The id and the timestamp are signed too. */
	fx_headers_clear();
	swh_headers("webhook", "msg_p5jXN8AQM9LWM0D4loKWxJeK", SWH_TS, SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	fx_headers_clear();
	swh_headers("webhook", SWH_ID, "1614265331", SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_swh_v1a_wrong_key)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey("whpk_" ED_OTHER_B64);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	/* The same key's signature of it is good. */
	fx_headers_clear();
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A_OTHER);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
}
END_TEST

START_TEST(test_swh_v1a_malformed)
{
	static const char *const bad[] = {
		"v1a,",					/* empty */
		"v1a,not*base64",
		/* 32 bytes: an HMAC's length, not a signature's */
		"v1a,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
		/* 63 bytes */
		"v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUux"
		    "qtaiHeYGb7KaaBRdM5WqyeFiL8",
		/* 65 bytes */
		"v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUux"
		    "qtaiHeYGb7KaaBRdM5WqyeFiL8AgAA",
		/* a good one after a bad one is still a bad header */
		"v1a,YWJj " SWH_V1A,
	};
	size_t	i;

	fx_endpoint("standard-webhooks");
	fx_pubkey(SWH_WHPK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_headers_clear();
		swh_headers("webhook", SWH_ID, SWH_TS, bad[i]);
		ck_assert_msg(fx_verify_at(SWH_BODY, 1614265330) ==
		    VERIFY_MALFORMED, "%s: %s", bad[i], fx.res.detail);
		ck_assert_str_eq(fx.res.detail, "a v1a signature is not 64 "
		    "bytes of base64");
	}
}
END_TEST

START_TEST(test_swh_v1a_stale)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey(SWH_WHPK);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A);
	assert_window(SWH_BODY, 1614265330);
	/* A stale forgery is a mismatch, not stale. */
	ck_assert_int_eq(fx_verify_at("{}", 1614265330 + 301),
	    VERIFY_MISMATCH);
}
END_TEST

/* Several entries of every version; any one that verifies passes. */
START_TEST(test_swh_v1a_several)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey("whpk_" ED_PUB_B64);
	swh_headers("webhook", SWH_ID, SWH_TS,
	    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " SWH_V1A_OTHER
	    " v2,whatever " SWH_V1A_ED " " SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
	/* None by our key. */
	fx_headers_clear();
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A_OTHER " " SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	/* A key alone checks no v1: nothing to check. */
	fx_headers_clear();
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_SIG);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "no v1a signature");
}
END_TEST

/* Rotation: every key is tried. */
START_TEST(test_swh_v1a_rotation)
{
	fx_endpoint("standard-webhooks");
	fx_pubkey(ED_OTHER);
	fx_pubkey(SWH_WHPK);
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A);
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_OK);
}
END_TEST

/* A secret and a key on one endpoint: v1 and v1a both count. */
START_TEST(test_swh_v1_and_v1a)
{
	static const char *const good[] = {
		SWH_SIG, SWH_V1A, SWH_V1A_OTHER " " SWH_SIG,
		"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " SWH_V1A,
	};
	size_t	i;

	fx_endpoint("standard-webhooks");
	fx_whsec(SWH_SECRET);
	fx_pubkey(SWH_WHPK);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fx_headers_clear();
		swh_headers("webhook", SWH_ID, SWH_TS, good[i]);
		ck_assert_msg(fx_verify_at(SWH_BODY, 1614265330) == VERIFY_OK,
		    "%s: %s", good[i], fx.res.detail);
	}
	fx_headers_clear();
	swh_headers("webhook", SWH_ID, SWH_TS, SWH_V1A_OTHER
	    " v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	fx_headers_clear();
	swh_headers("webhook", SWH_ID, SWH_TS, "v2,abc");
	ck_assert_int_eq(fx_verify_at(SWH_BODY, 1614265330), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "no v1 or v1a signature");
}
END_TEST

/* Keys are written as hex, whpk_ base64 or bare base64; nothing else. */
START_TEST(test_ed25519_key_forms)
{
	static const char *const good[] = {
		ED_PUB, "549E60C8E1AF3F74AE33DB873768469A77AEA0603CA4B7002F90D33"
		    "AA11702FC", "whpk_" ED_PUB_B64, ED_PUB_B64,
		"whpk_VJ5gyOGvP3SuM9uHN2hGmneuoGA8pLcAL5DTOqEXAvw",
		"VJ5gyOGvP3SuM9uHN2hGmneuoGA8pLcAL5DTOqEXAvw",
		"VJ5gyOGvP3SuM9uHN2hGmneuoGA8pLcAL5DTOqEXAvw=",
	};
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "", "0 hex digits, want 64" },
		{ "549e60c8e1af3f74ae33db873768469a77aea0603ca4b7002f90d33aa117"
		    "02", "62 hex digits, want 64" },
		{ "549e60c8e1af3f74ae33db873768469a77aea0603ca4b7002f90d33aa117"
		    "02g0", "64 characters, but not hex" },
		{ "whpk_", "whpk_ key is not base64" },
		{ "whpk_" ED_PUB, "48 bytes, want 32" },
		{ "whpk_YWJj", "3 bytes, want 32" },
		{ "whsec_" ED_PUB_B64, "a whsec_ value is a shared secret, not "
		    "a public key" },
		{ "key with spaces", "neither 64 hex digits nor base64" },
	};
	EVP_PKEY	*key;
	char		 why[96];
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		key = verify_ed25519_key(good[i], strlen(good[i]), why,
		    sizeof(why));
		ck_assert_msg(key != NULL, "%s: %s", good[i], why);
		EVP_PKEY_free(key);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		key = verify_ed25519_key(bad[i].text, strlen(bad[i].text), why,
		    sizeof(why));
		ck_assert_msg(key == NULL, "%s was taken", bad[i].text);
		ck_assert_str_eq(why, bad[i].why);
	}
}
END_TEST

/* ---- discord ---- */

static void
discord_headers(const char *sig, const char *ts)
{
	fx_headers_clear();
	if (sig != NULL)
		fx_header("X-Signature-Ed25519", sig);
	if (ts != NULL)
		fx_header("X-Signature-Timestamp", ts);
}

/*
 * Mailgun: the JSON body's "signature" object (or the form fields of
 * its older webhooks) holds timestamp, token and signature, the hex
 * HMAC-SHA256 of the timestamp then the token.  Mailgun's "Securing
 * Webhooks" page prints the form of it, with a token but a signature
 * that is a placeholder; so the vector was made with
 *	printf '%s' "1700000000$MG_TOKEN" |
 *	    openssl dgst -sha256 -hmac mailgun-signing-key
 */
#define MG_KEY		"mailgun-signing-key"
#define MG_TOKEN	"e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
#define MG_SIG		"c79b7b312f6a86cac22c27fc28725cc5e988732b11ba732e65a9df64ad329613"
#define MG_JSON(ts, token, sig) "{\"signature\":{\"timestamp\":" ts \
	",\"token\":\"" token "\",\"signature\":\"" sig "\"}," \
	"\"event-data\":{\"event\":\"delivered\"}}"

START_TEST(test_mailgun)
{
	fx_endpoint("mailgun");
	fx_secret(MG_KEY);
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000000\"", MG_TOKEN, MG_SIG)),
	    VERIFY_OK);
	/* The timestamp as a JSON number; the legacy form post. */
	ck_assert_int_eq(fx_verify(MG_JSON("1700000000", MG_TOKEN, MG_SIG)),
	    VERIFY_OK);
	ck_assert_int_eq(fx_verify("event=delivered&timestamp=1700000000"
	    "&token=" MG_TOKEN "&signature=" MG_SIG), VERIFY_OK);
	fx_assert_clean(MG_KEY, MG_SIG);
}
END_TEST

START_TEST(test_mailgun_refused)
{
	fx_endpoint("mailgun");
	fx_secret("another-key");
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000000\"", MG_TOKEN, MG_SIG)),
	    VERIFY_MISMATCH);
	fx_endpoint("mailgun");
	fx_secret(MG_KEY);
	/* The token and the timestamp are signed. */
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000000\"", "x" MG_TOKEN,
	    MG_SIG)), VERIFY_MISMATCH);
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000001\"", MG_TOKEN,
	    MG_SIG)), VERIFY_MISMATCH);
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000000\"", MG_TOKEN,
	    "c79b7b312f6a86cac22c27fc28725cc5e988732b11ba732e65a9df64ad329614")),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000000\"", MG_TOKEN, "")),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(fx_verify(MG_JSON("\"1700000000\"", MG_TOKEN,
	    "c79b")), VERIFY_MALFORMED);
	ck_assert_int_eq(fx_verify(MG_JSON("\"soon\"", MG_TOKEN, MG_SIG)),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(fx_verify(MG_JSON("[]", MG_TOKEN, MG_SIG)),
	    VERIFY_MALFORMED);
	ck_assert_int_eq(fx_verify("{\"event-data\":{}}"), VERIFY_MISSING);
	ck_assert_int_eq(fx_verify("{\"signature\":\"" MG_SIG "\"}"),
	    VERIFY_MISSING);
	ck_assert_int_eq(fx_verify("timestamp=1700000000&token=" MG_TOKEN),
	    VERIFY_MISSING);
	ck_assert_int_eq(fx_verify("timestamp=1700000000&token=%zz"
	    "&signature=" MG_SIG), VERIFY_MALFORMED);
	ck_assert_int_eq(fx_verify(""), VERIFY_MISSING);
	/* Stale, either way. */
	ck_assert_int_eq(fx_verify_at(MG_JSON("\"1700000000\"", MG_TOKEN,
	    MG_SIG), FX_NOW + 301), VERIFY_STALE);
	ck_assert_int_eq(fx_verify_at(MG_JSON("\"1700000000\"", MG_TOKEN,
	    MG_SIG), FX_NOW - 301), VERIFY_STALE);
}
END_TEST

START_TEST(test_discord_valid)
{
	fx_endpoint("discord");
	fx_pubkey(ED_PUB);
	discord_headers(DISCORD_SIG, DISCORD_TS);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_OK);
	ck_assert_str_eq(fx.res.detail, "signature ok");
	fx_assert_clean(NULL, DISCORD_SIG);
	/* Hex in either case, blanks around it. */
	discord_headers("  20908A54565F44EFAC41BDCCEC04C13BDE4C347D627D25B76C573C"
	    "2457966387099837EC4293B1FBD989A408768D2361D5ADEEF57D9911DE5B3E853408"
	    "BE680A\t", DISCORD_TS);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_discord_changed)
{
	char	sig[] = DISCORD_SIG;

	fx_endpoint("discord");
	fx_pubkey(ED_PUB);
	discord_headers(DISCORD_SIG, DISCORD_TS);
	ck_assert_int_eq(fx_verify("{\"type\":1,\"id\":\"pinG\"}"),
	    VERIFY_MISMATCH);
	ck_assert_int_eq(fx_verify(""), VERIFY_MISMATCH);
	/* The timestamp is signed. */
	discord_headers(DISCORD_SIG, "1700000001");
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MISMATCH);
	flip_last(sig);
	discord_headers(sig, DISCORD_TS);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "no public key matches");
}
END_TEST

START_TEST(test_discord_wrong_key_and_rotation)
{
	fx_endpoint("discord");
	fx_pubkey(ED_OTHER);
	discord_headers(DISCORD_SIG, DISCORD_TS);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MISMATCH);
	fx_pubkey("whpk_" ED_PUB_B64);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_discord_malformed)
{
	static const char *const bad[] = {
		"",
		/* 126 and 130 hex digits */
		"20908a54565f44efac41bdccec04c13bde4c347d627d25b76c573c2457966387"
		    "099837ec4293b1fbd989a408768d2361d5adeef57d9911de5b3e853408be68",
		DISCORD_SIG "00",
		/* 128 digits, one not hex */
		"20908a54565f44efac41bdccec04c13bde4c347d627d25b76c573c2457966387"
		    "099837ec4293b1fbd989a408768d2361d5adeef57d9911de5b3e853408be68"
		    "0g",
		/* base64 of the signature */
		"IJCKVFZfRO+sQb3M7ATBO95MNH1ifSW3bFc8JFeWY4cJmDfsQpOx+9mJpAh2jSNh"
		    "1a3u9X2ZEd5bPoU0CL5oCg==",
		"20908a54565f44efac41bdccec04c13bde4c347d627d25b76c573c2457966387 "
		    "099837ec4293b1fbd989a408768d2361d5adeef57d9911de5b3e853408be680a",
	};
	size_t	i;

	fx_endpoint("discord");
	fx_pubkey(ED_PUB);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		discord_headers(bad[i], DISCORD_TS);
		ck_assert_msg(fx_verify(DISCORD_BODY) == VERIFY_MALFORMED,
		    "%s: %s", bad[i], fx.res.detail);
	}
	discord_headers(DISCORD_SIG "00", DISCORD_TS);
	fx_verify(DISCORD_BODY);
	ck_assert_str_eq(fx.res.detail, "signature has 130 hex digits, want "
	    "128");
	discord_headers(DISCORD_SIG, "17000000x0");
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "x-signature-timestamp is not a unix "
	    "time");
	discord_headers(NULL, DISCORD_TS);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no x-signature-ed25519 header");
	discord_headers(DISCORD_SIG, NULL);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no x-signature-timestamp header");
}
END_TEST

START_TEST(test_discord_stale_and_future)
{
	fx_endpoint("discord");
	fx_pubkey(ED_PUB);
	discord_headers(DISCORD_SIG, DISCORD_TS);
	assert_window(DISCORD_BODY, NOW);
	ck_assert_int_eq(fx_verify_at(DISCORD_BODY, NOW + 301), VERIFY_STALE);
	ck_assert_str_eq(fx.res.detail, "timestamp 301 s old, tolerance 300 s");
	fx.vc.timestamp_tolerance = 10;
	ck_assert_int_eq(fx_verify_at(DISCORD_BODY, NOW + 11), VERIFY_STALE);
}
END_TEST

START_TEST(test_discord_no_key_and_header)
{
	fx_endpoint("discord");
	discord_headers(DISCORD_SIG, DISCORD_TS);
	/* No key: never accepted. */
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_ERROR);
	ck_assert_str_eq(fx.res.detail, "no public key configured");
	/* A secret is no key. */
	fx_secret(ED_PUB);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_ERROR);
	/* signature_header moves the signature, not the timestamp. */
	fx_pubkey(ED_PUB);
	fx.vc.signature_header = (char *)"x-sig";
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_MISSING);
	fx_header("X-Sig", DISCORD_SIG);
	ck_assert_int_eq(fx_verify(DISCORD_BODY), VERIFY_OK);
}
END_TEST

/* ---- shopify ---- */

START_TEST(test_shopify)
{
	char	b64[89];

	fx_endpoint("shopify");
	fx_secret(SECRET);
	mac_b64(EVP_sha256(), (const unsigned char *)SECRET, strlen(SECRET),
	    BODY, b64);
	fx_header("X-Shopify-Hmac-Sha256", b64);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx_assert_clean(SECRET, b64);
	ck_assert_int_eq(fx_verify(BODY " "), VERIFY_MISMATCH);
	fx.secrets[0].data = (unsigned char *)"other";
	fx.secrets[0].len = 5;
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	fx_secret(SECRET);		/* rotation */
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_shopify_flipped_and_malformed)
{
	char	b64[89];

	fx_endpoint("shopify");
	fx_secret(SECRET);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISSING);
	mac_b64(EVP_sha256(), (const unsigned char *)SECRET, strlen(SECRET),
	    BODY, b64);
	flip_last(b64);
	fx_header("X-Shopify-Hmac-Sha256", b64);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header("X-Shopify-Hmac-Sha256", "%%%");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header("X-Shopify-Hmac-Sha256", "YWJj");	/* 3 bytes */
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "signature has 3 bytes, want 32");
}
END_TEST

/* ---- gitlab ---- */

START_TEST(test_gitlab)
{
	fx_endpoint("gitlab");
	fx_secret(SECRET);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISSING);
	fx_header("X-Gitlab-Token", SECRET);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx_assert_clean(SECRET, NULL);
	fx.secrets[0].data = (unsigned char *)SECRET "x";
	fx.secrets[0].len = strlen(SECRET) + 1;
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	fx.secrets[0].len = strlen(SECRET) - 1;
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	fx_secret(SECRET);		/* rotation */
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_gitlab_wrong_tokens)
{
	static const char *const bad[] = {
		"s3cret-for-test", "s3cret-for-testsX", "S3cret-for-tests",
		"x",
	};
	size_t	i;

	fx_endpoint("gitlab");
	fx_secret(SECRET);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		header_list_free(&fx.hl);
		memset(&fx.hl, 0, sizeof(fx.hl));
		fx_header("X-Gitlab-Token", bad[i]);
		ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	}
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header("X-Gitlab-Token", "");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
}
END_TEST

/* ---- generic HMAC, base64 ---- */

START_TEST(test_hmac_base64)
{
	char	b64[89], h[120];

	fx_endpoint("hmac-sha256");
	fx.vc.signature_encoding = VERIFY_BASE64;
	fx.vc.signature_header = (char *)"x-signature";
	fx_secret(SECRET);
	mac_b64(EVP_sha256(), (const unsigned char *)SECRET, strlen(SECRET),
	    BODY, b64);
	fx_header("X-Signature", b64);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	ck_assert_int_eq(fx_verify(BODY "."), VERIFY_MISMATCH);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	snprintf(h, sizeof(h), "sha256=%s", b64);
	fx_header("X-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	snprintf(h, sizeof(h), "sha1=%s", b64);
	fx_header("X-Signature", h);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
}
END_TEST

START_TEST(test_hmac_sha1_base64)
{
	char	b64[89], hex[129];

	fx_endpoint("hmac-sha1");
	fx.vc.signature_encoding = VERIFY_BASE64;
	fx_secret(SECRET);
	mac_b64(EVP_sha1(), (const unsigned char *)SECRET, strlen(SECRET),
	    BODY, b64);
	fx_header("X-Hub-Signature", b64);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	/* Hex where base64 is configured is not base64 of 20 bytes. */
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	mac_hex(EVP_sha1(), SECRET, BODY, NULL, NULL, hex);
	fx_header("X-Hub-Signature", hex);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
}
END_TEST

/* ---- base64: OpenSSL's decoder with its quirks handled ---- */

static int
b64(const char *s, bool url, char *out)
{
	unsigned char	buf[64];
	size_t		len = 0;

	if (verify_base64_decode(s, strlen(s), url, buf, sizeof(buf),
	    &len) == -1)
		return -1;
	memcpy(out, buf, len);
	out[len] = '\0';
	return (int)len;
}

START_TEST(test_base64)
{
	char	out[65];

	ck_assert_int_eq(b64("YWJj", false, out), 3);
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(b64("YWI=", false, out), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert_int_eq(b64("YWI", false, out), 2);
	ck_assert_int_eq(b64("YQ==", false, out), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_int_eq(b64("YQ", false, out), 1);
	ck_assert_int_eq(b64("YQ=", false, out), -1);
	ck_assert_int_eq(b64("YWJ", false, out), 2);
	ck_assert_int_eq(b64("Y", false, out), -1);
	ck_assert_int_eq(b64("", false, out), -1);
	ck_assert_int_eq(b64("====", false, out), -1);
	ck_assert_int_eq(b64("YW=J", false, out), -1);
	ck_assert_int_eq(b64("YW J", false, out), -1);
	ck_assert_int_eq(b64(" YWJj", false, out), -1);
	ck_assert_int_eq(b64("YWJj\n", false, out), -1);
	ck_assert_int_eq(b64("YQ===", false, out), -1);
	/* Alphabets: +/ standard, -_ URL, never mixed. */
	ck_assert_int_eq(b64("-_-_", true, out), 3);
	ck_assert_int_eq(memcmp(out, "\xfb\xff\xbf", 3), 0);
	ck_assert_int_eq(b64("+/+/", false, out), 3);
	ck_assert_int_eq(memcmp(out, "\xfb\xff\xbf", 3), 0);
	ck_assert_int_eq(b64("+/+/", true, out), -1);
	ck_assert_int_eq(b64("-_-_", false, out), -1);
}
END_TEST

START_TEST(test_base64_capacity)
{
	unsigned char	buf[3];
	size_t		len = 0;

	ck_assert_int_eq(verify_base64_decode("YWJj", 4, false, buf, 3, &len),
	    0);
	ck_assert_int_eq(verify_base64_decode("YWJjZA", 6, false, buf, 3,
	    &len), -1);
	ck_assert_int_eq(verify_base64_decode("YWI", 3, false, buf, 2, &len),
	    0);
	ck_assert_uint_eq(len, 2);
}
END_TEST

/* ---- every scheme: a flag for each configuration key ---- */

START_TEST(test_scheme_flags)
{
	const struct verify_scheme	*sc;

	sc = verify_scheme_find("stripe");
	ck_assert(sc->needs_secret && (sc->flags & VERIFY_TIMESTAMPED));
	ck_assert_str_eq(sc->default_header, "stripe-signature");
	sc = verify_scheme_find("standard-webhooks");
	ck_assert(sc->flags & VERIFY_WHSEC);
	ck_assert(sc->flags & VERIFY_FIXED_HEADERS);
	ck_assert_ptr_null(sc->default_header);
	sc = verify_scheme_find("jwt");
	ck_assert(!sc->needs_secret && (sc->flags & VERIFY_JWT));
	ck_assert_str_eq(sc->default_header, "authorization");
	sc = verify_scheme_find("gitlab");
	ck_assert_str_eq(sc->default_header, "x-gitlab-token");
	ck_assert(!(sc->flags & VERIFY_TIMESTAMPED));
	sc = verify_scheme_find("hmac-sha256");
	ck_assert(sc->flags & VERIFY_ENCODING);
	ck_assert(!(sc->flags & VERIFY_ED25519));
	sc = verify_scheme_find("discord");
	ck_assert(!sc->needs_secret);
	ck_assert(sc->flags & VERIFY_ED25519);
	ck_assert(sc->flags & VERIFY_TIMESTAMPED);
	ck_assert_str_eq(sc->default_header, "x-signature-ed25519");
	ck_assert(verify_scheme_find("standard-webhooks")->flags &
	    VERIFY_ED25519);
}
END_TEST

static TCase *
tc_new(const char *name)
{
	TCase	*tc;

	tc = tcase_create(name);
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	return tc;
}

static Suite *
suite_new(const char *name, TCase *tc)
{
	Suite	*s;

	s = suite_create(name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	TCase	*tc;
	int	 failed;

	tc = tc_new("github");
	tcase_add_test(tc, test_github_valid);
	tcase_add_test(tc, test_github_wrong_secret);
	tcase_add_test(tc, test_github_flipped_signature);
	tcase_add_test(tc, test_github_sha1_fallback);
	tcase_add_test(tc, test_github_no_fallback_when_sha256_present);
	tcase_add_test(tc, test_github_missing_and_malformed);
	tcase_add_test(tc, test_github_rotation);
	sr = srunner_create(suite_new("github", tc));

	tc = tc_new("stripe");
	tcase_add_test(tc, test_stripe_valid);
	tcase_add_test(tc, test_stripe_wrong_secret);
	tcase_add_test(tc, test_stripe_flipped_body_and_signature);
	tcase_add_test(tc, test_stripe_timestamp_is_signed);
	tcase_add_test(tc, test_stripe_missing_and_malformed);
	tcase_add_test(tc, test_stripe_stale_and_future);
	tcase_add_test(tc, test_stripe_several_signatures);
	tcase_add_test(tc, test_stripe_rotation);
	tcase_add_test(tc, test_stripe_stale_forgery);
	srunner_add_suite(sr, suite_new("stripe", tc));

	tc = tc_new("slack");
	tcase_add_test(tc, test_slack_documented_example);
	tcase_add_test(tc, test_slack_wrong_secret_and_flips);
	tcase_add_test(tc, test_slack_missing_and_malformed);
	tcase_add_test(tc, test_slack_stale_and_future);
	tcase_add_test(tc, test_slack_rotation);
	srunner_add_suite(sr, suite_new("slack", tc));

	tc = tc_new("standard-webhooks");
	tcase_add_test(tc, test_swh_spec_example);
	tcase_add_test(tc, test_swh_svix_headers);
	tcase_add_test(tc, test_swh_secret_forms);
	tcase_add_test(tc, test_swh_wrong_secret_and_flips);
	tcase_add_test(tc, test_swh_several_signatures);
	tcase_add_test(tc, test_swh_rotation);
	tcase_add_test(tc, test_swh_missing_and_malformed);
	tcase_add_test(tc, test_swh_stale_and_future);
	srunner_add_suite(sr, suite_new("standard-webhooks", tc));

	tc = tc_new("standard-webhooks-v1a");
	tcase_add_test(tc, test_swh_v1a_published);
	tcase_add_test(tc, test_swh_v1a_own_vector);
	tcase_add_test(tc, test_swh_v1a_changed);
	tcase_add_test(tc, test_swh_v1a_wrong_key);
	tcase_add_test(tc, test_swh_v1a_malformed);
	tcase_add_test(tc, test_swh_v1a_stale);
	tcase_add_test(tc, test_swh_v1a_several);
	tcase_add_test(tc, test_swh_v1a_rotation);
	tcase_add_test(tc, test_swh_v1_and_v1a);
	tcase_add_test(tc, test_ed25519_key_forms);
	srunner_add_suite(sr, suite_new("standard-webhooks-v1a", tc));

	tc = tc_new("discord");
	tcase_add_test(tc, test_discord_valid);
	tcase_add_test(tc, test_discord_changed);
	tcase_add_test(tc, test_discord_wrong_key_and_rotation);
	tcase_add_test(tc, test_discord_malformed);
	tcase_add_test(tc, test_discord_stale_and_future);
	tcase_add_test(tc, test_discord_no_key_and_header);
	srunner_add_suite(sr, suite_new("discord", tc));

	tc = tc_new("mailgun");
	tcase_add_test(tc, test_mailgun);
	tcase_add_test(tc, test_mailgun_refused);
	srunner_add_suite(sr, suite_new("mailgun", tc));

	tc = tc_new("shopify");
	tcase_add_test(tc, test_shopify);
	tcase_add_test(tc, test_shopify_flipped_and_malformed);
	srunner_add_suite(sr, suite_new("shopify", tc));

	tc = tc_new("gitlab");
	tcase_add_test(tc, test_gitlab);
	tcase_add_test(tc, test_gitlab_wrong_tokens);
	srunner_add_suite(sr, suite_new("gitlab", tc));

	tc = tc_new("hmac-base64");
	tcase_add_test(tc, test_hmac_base64);
	tcase_add_test(tc, test_hmac_sha1_base64);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_base64_capacity);
	tcase_add_test(tc, test_scheme_flags);
	srunner_add_suite(sr, suite_new("encodings", tc));

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
