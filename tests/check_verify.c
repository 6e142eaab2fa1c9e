/*
 * check_verify: the signature schemes against published test vectors
 * (GitHub's documented example, RFC 2202, RFC 4231) and against every
 * way a peer can get a signature wrong.  Endpoints are built by hand so
 * these tests do not depend on conf.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "conf.h"
#include "header.h"
#include "verify.h"
#include "check_run.h"
#define CHECK_UTIL_VERIFY
#include "check_util.h"
#include "verify_vectors.h"

#define ALL_SCHEMES	"none hmac-sha256 hmac-sha1 jwt github stripe slack " \
	"standard-webhooks shopify gitlab discord mailgun hmac zoom twitch " \
	"paddle linear pagerduty sentry typeform hubspot square twilio"

/* Endpoint with scheme name and one secret (NULL: none). */
static void
fx_endpoint(const char *scheme, const char *secret)
{
	fx_scheme(scheme);
	if (secret != NULL)
		fx_secret(secret);
}

START_TEST(test_github_example)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("X-Hub-Signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
	ck_assert_str_eq(verify_status_name(fx.res.status), "ok");
	fx_assert_clean(GH_SECRET, GH_SIG);
}
END_TEST

START_TEST(test_uppercase_hex)
{
	char	 sig[] = "sha256=" GH_SIG;
	size_t	 i;

	for (i = 7; sig[i] != '\0'; i++)
		if (sig[i] >= 'a' && sig[i] <= 'f')
			sig[i] = (char)(sig[i] - 'a' + 'A');
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", sig);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_uppercase_prefix)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "SHA256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_without_prefix)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_rfc4231_sha256)
{
	fx_endpoint("hmac-sha256", JEFE_KEY);
	fx_header("x-hub-signature-256", JEFE_SHA256);
	ck_assert_int_eq(fx_verify(JEFE_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_rfc2202_sha1)
{
	fx_endpoint("hmac-sha1", JEFE_KEY);
	fx_header("X-Hub-Signature", "sha1=" JEFE_SHA1);
	ck_assert_int_eq(fx_verify(JEFE_BODY), VERIFY_OK);
	fx_assert_clean(JEFE_KEY, JEFE_SHA1);
}
END_TEST

/* RFC 2202 test case 1: key 0x0b x 20, "Hi There"; no prefix. */
START_TEST(test_rfc2202_sha1_case1)
{
	char	 key[21];

	memset(key, 0x0b, 20);
	key[20] = '\0';
	fx_endpoint("hmac-sha1", key);
	fx_header("x-hub-signature", "b617318655057264e28bc0b6fb378c8ef146be00");
	ck_assert_int_eq(fx_verify("Hi There"), VERIFY_OK);
}
END_TEST

START_TEST(test_sha1_mismatch)
{
	fx_endpoint("hmac-sha1", "Jeff");
	fx_header("x-hub-signature", "sha1=" JEFE_SHA1);
	ck_assert_int_eq(fx_verify(JEFE_BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_wrong_secret)
{
	fx_endpoint("hmac-sha256", "It's a Secret to everybody");
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(verify_status_name(fx.res.status), "mismatch");
	fx_assert_clean(GH_SECRET, GH_SIG);
}
END_TEST

START_TEST(test_flipped_body_byte)
{
	char	 body[] = GH_BODY;
	size_t	 i;

	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	for (i = 0; i < strlen(GH_BODY); i++) {
		body[i] ^= 0x01;
		ck_assert_int_eq(fx_verify(body), VERIFY_MISMATCH);
		body[i] ^= 0x01;
	}
	ck_assert_int_eq(fx_verify(body), VERIFY_OK);
}
END_TEST

/* Every hex digit matters: flip each one in turn. */
START_TEST(test_flipped_hex_digit)
{
	char	 sig[] = "sha256=" GH_SIG;
	size_t	 i;
	char	 save;

	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", sig);
	for (i = 7; i < strlen(sig); i++) {
		save = sig[i];
		sig[i] = save == '0' ? '1' : '0';
		free(fx.hl.v[0].value);
		fx.hl.v[0].value = strdup(sig);
		ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MISMATCH);
		sig[i] = save;
	}
}
END_TEST

START_TEST(test_truncated_signature)
{
	char	 sig[] = "sha256=" GH_SIG;

	sig[strlen(sig) - 1] = '\0';
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", sig);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(verify_status_name(fx.res.status), "malformed");
	fx_assert_clean(GH_SECRET, GH_SIG);
}
END_TEST

START_TEST(test_too_long_signature)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "sha256=" GH_SIG "00");
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
}
END_TEST

/* A sha1-length signature on a sha256 endpoint is malformed too. */
START_TEST(test_sha1_length_on_sha256)
{
	fx_endpoint("hmac-sha256", JEFE_KEY);
	fx_header("x-hub-signature-256", JEFE_SHA1);
	ck_assert_int_eq(fx_verify(JEFE_BODY), VERIFY_MALFORMED);
}
END_TEST

START_TEST(test_other_prefix_sha1_on_sha256)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "sha1=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "prefix names sha1");
}
END_TEST

START_TEST(test_other_prefix_sha256_on_sha1)
{
	fx_endpoint("hmac-sha1", JEFE_KEY);
	fx_header("x-hub-signature", "SHA256=" JEFE_SHA1);
	ck_assert_int_eq(fx_verify(JEFE_BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "prefix names sha256");
}
END_TEST

START_TEST(test_unknown_prefix)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "v1=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
	fx_assert_clean(GH_SECRET, GH_SIG);
	ck_assert_ptr_null(strstr(fx.res.detail, "v1"));
}
END_TEST

START_TEST(test_missing_header)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature", "sha256=" GH_SIG);	/* wrong name */
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MISSING);
	ck_assert_str_eq(verify_status_name(fx.res.status), "missing");
}
END_TEST

START_TEST(test_missing_header_no_headers)
{
	fx_endpoint("hmac-sha1", JEFE_KEY);
	ck_assert_int_eq(fx_verify(JEFE_BODY), VERIFY_MISSING);
}
END_TEST

START_TEST(test_empty_header)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "");
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
}
END_TEST

START_TEST(test_prefix_only)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "sha256=");
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
}
END_TEST

/* 10 KB of NUL-free binary: malformed, and nothing of it in detail. */
START_TEST(test_garbage_header)
{
	char	*junk;
	size_t	 i, n = 10 * 1024;

	junk = malloc(n + 1);
	ck_assert_ptr_nonnull(junk);
	for (i = 0; i < n; i++)
		junk[i] = (char)(1 + (i * 131 + 7) % 255);
	junk[n] = '\0';
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", junk);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
	for (i = 0; fx.res.detail[i] != '\0'; i++)
		ck_assert(fx.res.detail[i] >= ' ' && fx.res.detail[i] < 127);
	free(junk);
}
END_TEST

/* Right length, one non-hex character. */
START_TEST(test_non_hex)
{
	char	 sig[] = GH_SIG;

	sig[10] = 'g';
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", sig);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "signature is not hex");
}
END_TEST

START_TEST(test_rotation_second_secret)
{
	fx_endpoint("hmac-sha256", "old secret");
	fx_secret(GH_SECRET);
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_rotation_first_secret)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_secret("new secret");
	fx_secret("newer secret");
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_rotation_none_match)
{
	fx_endpoint("hmac-sha256", "a");
	fx_secret("b");
	fx_secret("c");
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MISMATCH);
}
END_TEST

/* A signed endpoint with no secret is an error, never "accept all". */
START_TEST(test_no_secret)
{
	fx_endpoint("hmac-sha256", NULL);
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_ERROR);
	ck_assert_str_eq(verify_status_name(fx.res.status), "error");
}
END_TEST

/* HMAC-SHA256("", "") = b613679a...; an empty key must not match. */
START_TEST(test_empty_secret)
{
	fx_endpoint("hmac-sha256", "");
	fx_header("x-hub-signature-256", "b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
	ck_assert_int_ne(fx_verify(""), VERIFY_OK);
}
END_TEST

START_TEST(test_custom_header)
{
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx.vc.signature_header = (char *)"x-signature";
	fx_header("X-Hub-Signature-256", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_MISSING);
	fx_header("X_Signature", "sha256=" GH_SIG);
	ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_scheme_none)
{
	const struct verify_scheme	*sc;

	sc = verify_scheme_find("none");
	ck_assert_ptr_nonnull(sc);
	ck_assert(!sc->needs_secret);
	fx_endpoint("none", NULL);
	ck_assert_int_eq(fx_verify("anything"), VERIFY_OK);
	fx_header("x-hub-signature-256", "garbage");
	ck_assert_int_eq(fx_verify("anything"), VERIFY_OK);
}
END_TEST

START_TEST(test_scheme_table)
{
	const struct verify_scheme	*sc;

	ck_assert_str_eq(verify_scheme_names(), ALL_SCHEMES);
	ck_assert_str_eq(verify_scheme_names(), ALL_SCHEMES);
	sc = verify_scheme_find("hmac-sha256");
	ck_assert_ptr_nonnull(sc);
	ck_assert(sc->needs_secret);
	ck_assert_str_eq(sc->default_header, "x-hub-signature-256");
	sc = verify_scheme_find("hmac-sha1");
	ck_assert_ptr_nonnull(sc);
	ck_assert(sc->needs_secret);
	ck_assert_str_eq(sc->default_header, "x-hub-signature");
	ck_assert_ptr_null(verify_scheme_find("HMAC-SHA256"));
	ck_assert_ptr_null(verify_scheme_find("hmac-"));
	ck_assert_ptr_null(verify_scheme_find("HMAC"));
	ck_assert_ptr_nonnull(verify_scheme_find("hmac"));
	ck_assert_ptr_null(verify_scheme_find(""));
	ck_assert_ptr_null(verify_scheme_find(NULL));
}
END_TEST

START_TEST(test_status_names)
{
	ck_assert_str_eq(verify_status_name(VERIFY_OK), "ok");
	ck_assert_str_eq(verify_status_name(VERIFY_MISSING), "missing");
	ck_assert_str_eq(verify_status_name(VERIFY_MALFORMED), "malformed");
	ck_assert_str_eq(verify_status_name(VERIFY_MISMATCH), "mismatch");
	ck_assert_str_eq(verify_status_name(VERIFY_STALE), "stale");
	ck_assert_str_eq(verify_status_name(VERIFY_ERROR), "error");
	ck_assert_str_eq(verify_status_name((enum verify_status)99), "error");
}
END_TEST

/* A 1 KiB body, many times: no state leaks between requests. */
START_TEST(test_repeated)
{
	char	 body[1025];
	int	 i;

	memset(body, 'x', 1024);
	body[1024] = '\0';
	fx_endpoint("hmac-sha256", GH_SECRET);
	fx_header("x-hub-signature-256", "sha256=" GH_SIG);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(fx_verify(body), VERIFY_MISMATCH);
		ck_assert_int_eq(fx_verify(GH_BODY), VERIFY_OK);
	}
}
END_TEST

static Suite *
verify_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("verify");
	tc = tcase_create("hmac");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_github_example);
	tcase_add_test(tc, test_uppercase_hex);
	tcase_add_test(tc, test_uppercase_prefix);
	tcase_add_test(tc, test_without_prefix);
	tcase_add_test(tc, test_rfc4231_sha256);
	tcase_add_test(tc, test_rfc2202_sha1);
	tcase_add_test(tc, test_rfc2202_sha1_case1);
	tcase_add_test(tc, test_sha1_mismatch);
	tcase_add_test(tc, test_wrong_secret);
	tcase_add_test(tc, test_flipped_body_byte);
	tcase_add_test(tc, test_flipped_hex_digit);
	tcase_add_test(tc, test_truncated_signature);
	tcase_add_test(tc, test_too_long_signature);
	tcase_add_test(tc, test_sha1_length_on_sha256);
	tcase_add_test(tc, test_other_prefix_sha1_on_sha256);
	tcase_add_test(tc, test_other_prefix_sha256_on_sha1);
	tcase_add_test(tc, test_unknown_prefix);
	tcase_add_test(tc, test_missing_header);
	tcase_add_test(tc, test_missing_header_no_headers);
	tcase_add_test(tc, test_empty_header);
	tcase_add_test(tc, test_prefix_only);
	tcase_add_test(tc, test_garbage_header);
	tcase_add_test(tc, test_non_hex);
	tcase_add_test(tc, test_rotation_second_secret);
	tcase_add_test(tc, test_rotation_first_secret);
	tcase_add_test(tc, test_rotation_none_match);
	tcase_add_test(tc, test_no_secret);
	tcase_add_test(tc, test_empty_secret);
	tcase_add_test(tc, test_custom_header);
	tcase_add_test(tc, test_repeated);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_scheme_none);
	tcase_add_test(tc, test_scheme_table);
	tcase_add_test(tc, test_status_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(verify_suite());
}
