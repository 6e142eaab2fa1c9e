/* check_form: the form decoder on plain and hostile input. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_run.h"
#include "form.h"

/* The object of s, strict, as compact JSON text (NULL if refused). */
static char *
obj(const char *s, bool strict)
{
	json_t	*o = form_object(s, strlen(s), strict);
	char	*t;

	if (o == NULL)
		return NULL;
	t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return t;
}

#define EXPECT(s, strict, want) do {					\
	char	*got_ = obj((s), (strict));				\
	if ((want) == NULL)						\
		ck_assert_msg(got_ == NULL, "%s: %s", (s), got_);	\
	else {								\
		ck_assert_ptr_nonnull(got_);				\
		ck_assert_str_eq(got_, (want));				\
	}								\
	free(got_);							\
} while (0)

START_TEST(test_fields)
{
	EXPECT("", true, "{}");
	EXPECT("a=1&b=two+words&c=%41%62%2b", true,
	    "{\"a\":\"1\",\"b\":\"two words\",\"c\":\"Ab+\"}");
	EXPECT("From=%2B15551234567&Body=Hello%20there", true,
	    "{\"Body\":\"Hello there\",\"From\":\"+15551234567\"}");
	EXPECT("flag&x=", true, "{\"flag\":\"\",\"x\":\"\"}");
	EXPECT("a=b=c", true, "{\"a\":\"b=c\"}");
	EXPECT("k%3Dx=v", true, "{\"k=x\":\"v\"}");
}
END_TEST

START_TEST(test_first_wins_and_empty)
{
	EXPECT("a=1&a=2&A=3", true, "{\"A\":\"3\",\"a\":\"1\"}");
	EXPECT("&&a=1&&", true, "{\"a\":\"1\"}");
	EXPECT("=v&=w&b=1", true, "{\"b\":\"1\"}");
	EXPECT("&", true, "{}");
	EXPECT("=", true, "{}");
}
END_TEST

START_TEST(test_malformed)
{
	EXPECT("a=%", true, NULL);
	EXPECT("a=%4", true, NULL);
	EXPECT("a=%4g", true, NULL);
	EXPECT("a=%%41", true, NULL);
	EXPECT("%=1", true, NULL);
	EXPECT("a=%00", true, NULL);
	EXPECT("a%00=1", true, NULL);
	EXPECT("a=%ff", true, NULL);		/* not UTF-8 */
	EXPECT("a=%C3%A9", true, "{\"a\":\"\xc3\xa9\"}");
	/* Lenient (a query string): the bad field is left out. */
	EXPECT("a=%&b=2&c=%00&d=%zz", false, "{\"b\":\"2\"}");
	EXPECT("a=1&a=%", false, "{\"a\":\"1\"}");
}
END_TEST

START_TEST(test_raw_nul)
{
	static const char	s[] = "a=1\0&b=2";
	json_t			*o;

	errno = 0;
	ck_assert_ptr_null(form_object(s, sizeof(s) - 1, true));
	ck_assert_int_eq(errno, EINVAL);
	o = form_object(s, sizeof(s) - 1, false);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "b")), "2");
	ck_assert_ptr_null(json_object_get(o, "a"));
	json_decref(o);
}
END_TEST

START_TEST(test_big_field)
{
	size_t	 n = 1024 * 1024, len;
	char	*s = malloc(n + 3), *buf = malloc(n + 1);
	json_t	*o;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(buf);
	memcpy(s, "f=", 2);
	memset(s + 2, '+', n);
	s[n + 2] = '\0';
	o = form_object(s, n + 2, true);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(json_string_length(json_object_get(o, "f")), n);
	json_decref(o);
	ck_assert_int_eq(form_get(s, n + 2, "f", buf, n + 1, &len), 1);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(form_get(s, n + 2, "f", buf, n, &len), -1);
	free(s);
	free(buf);
}
END_TEST

START_TEST(test_get)
{
	const char	*q = "x=%&token=abc&token=def&e";
	char		 buf[8];
	size_t		 len;

	ck_assert_int_eq(form_get(q, strlen(q), "token", buf, sizeof(buf),
	    &len), 1);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(form_get(q, strlen(q), "e", buf, sizeof(buf), &len),
	    1);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(form_get(q, strlen(q), "x", buf, sizeof(buf), &len),
	    -1);
	ck_assert_int_eq(form_get(q, strlen(q), "nope", buf, sizeof(buf),
	    &len), 0);
	ck_assert_int_eq(form_get(q, strlen(q), "", buf, sizeof(buf), &len),
	    0);
	ck_assert_int_eq(form_get("a=123456789", 11, "a", buf, sizeof(buf),
	    &len), -1);
}
END_TEST

START_TEST(test_content_type)
{
	ck_assert(form_content_type("application/x-www-form-urlencoded"));
	ck_assert(form_content_type(
	    "Application/X-WWW-Form-Urlencoded; charset=utf-8"));
	ck_assert(!form_content_type("application/x-www-form-urlencodedx"));
	ck_assert(!form_content_type("application/json"));
	ck_assert(!form_content_type(NULL));
}
END_TEST

START_TEST(test_redact)
{
	char *const	 names[] = { "token", "sig" };
	char		*r;

	r = form_redact("a=1&token=s3cret&SIG&b=%74oken&%74oken=x&sig=",
	    45, names, 2);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "a=1&token=" FORM_REDACTED "&SIG=" FORM_REDACTED
	    "&b=%74oken&%74oken=" FORM_REDACTED "&sig=" FORM_REDACTED);
	free(r);
	r = form_redact("&&token&", 8, names, 2);
	ck_assert_str_eq(r, "&&token=" FORM_REDACTED "&");
	free(r);
	r = form_redact("a=1&sig\0=x&token=y", 18, names, 2);	/* ends at NUL */
	ck_assert_str_eq(r, "a=1&sig=" FORM_REDACTED);
	free(r);
	r = form_redact("", 0, names, 2);
	ck_assert_str_eq(r, "");
	free(r);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("form");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_first_wins_and_empty);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_raw_nul);
	tcase_add_test(tc, test_big_field);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_content_type);
	tcase_add_test(tc, test_redact);
	suite_add_tcase(s, tc);
	return check_run(s);
}
