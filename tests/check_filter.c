/*
 * check_filter: every rule of a handler's event filter, the examples
 * of hookspool.ini(5), the cases other filter syntaxes get wrong
 * (prefix matches, empty payloads), and hostile input: catastrophic
 * regexes, oversized subjects, invalid UTF-8.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "filter.h"
#include "form.h"
#include "header.h"
#include "check_run.h"
#define CHECK_UTIL_EVENT
#include "check_util.h"

static struct filter		*f;
static char			 err[512];

static void
setup(void)
{
	f = filter_new();
	ck_assert_ptr_nonnull(f);
	ev_setup();
	err[0] = '\0';
}

static void
teardown(void)
{
	filter_free(f);
	ev_teardown();
}

static void
add(const char *key, const char *value)
{
	ck_assert_msg(filter_add(f, key, value, err, sizeof(err)) == 0,
	    "%s = %s: %s", key, value, err);
}

/* filter_add fails and the message contains want. */
static void
add_fails(const char *key, const char *value, const char *want)
{
	err[0] = '\0';
	ck_assert_int_eq(filter_add(f, key, value, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "\"%s\" lacks \"%s\"", err,
	    want);
}

static void
hdr(const char *name, const char *value)
{
	header_list_free(&hl);
	ck_assert_int_eq(header_add(&hl, name, value), 0);
}

static bool
path_matches(const char *path)
{
	ev.path = path;
	return filter_match(f, &ev);
}

static bool
action_matches(const char *json)
{
	ev_body(json);
	return filter_match(f, &ev);
}


START_TEST(test_no_criteria)
{
	ck_assert(filter_match(f, &ev));
	ev.path = NULL;
	ev.method = NULL;
	ev.headers = NULL;
	ck_assert(filter_match(f, &ev));
}
END_TEST

START_TEST(test_glob_star)
{
	add("endpoint_paths", "/hooks/*");
	ck_assert(path_matches("/hooks/github"));
	ck_assert(!path_matches("/hooks/a/b"));
	ck_assert(!path_matches("/hooks"));
	ck_assert(!path_matches("/other/github"));
	ck_assert(path_matches("/hooks/"));	/* '*' may be empty */
}
END_TEST

START_TEST(test_glob_dstar)
{
	add("endpoint_paths", "/hooks/**");
	ck_assert(path_matches("/hooks/github"));
	ck_assert(path_matches("/hooks/a/b"));
	ck_assert(path_matches("/hooks/a/b/c/d"));
	ck_assert(!path_matches("/hooksx/a"));
	ck_assert(!path_matches("/hooks"));
	ck_assert(!path_matches("/other/hooks/a"));
}
END_TEST

START_TEST(test_glob_middle)
{
	add("endpoint_paths", "/hooks/*/events");
	ck_assert(path_matches("/hooks/github/events"));
	ck_assert(!path_matches("/hooks/a/b/events"));
	ck_assert(!path_matches("/hooks/github/events/x"));
	ck_assert(!path_matches("/hooks/github/event"));
}
END_TEST

START_TEST(test_glob_mixed)
{
	add("endpoint_paths", "**/events /x/*-hook");
	ck_assert(path_matches("/a/b/events"));
	ck_assert(path_matches("/events"));
	ck_assert(path_matches("/x/github-hook"));
	ck_assert(!path_matches("/x/a/github-hook"));
	ck_assert(!path_matches("/x/github-hooks"));
}
END_TEST

START_TEST(test_glob_literal)
{
	add("endpoint_paths", "/hooks/github /hooks/gitlab");
	ck_assert(path_matches("/hooks/github"));
	ck_assert(path_matches("/hooks/gitlab"));
	ck_assert(!path_matches("/hooks/githubx"));
	ck_assert(!path_matches("/hooks/git"));
	ck_assert(!path_matches(""));
	ck_assert(!path_matches(NULL));
	/* ? and [ are not special: URL paths have no query here. */
	filter_free(f);
	f = filter_new();
	add("endpoint_paths", "/a?[b]");
	ck_assert(path_matches("/a?[b]"));
	ck_assert(!path_matches("/ax[b]"));
}
END_TEST

START_TEST(test_glob_many_stars_fast)
{
	char	path[4096];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	add("endpoint_paths", "/**a**a**a**a**a**a**a**a**a**a**a**a**b");
	/* An exponential match would not end within Check's timeout. */
	ck_assert(!path_matches(path));
}
END_TEST

START_TEST(test_glob_errors)
{
	char	big[FILTER_MAX_GLOB + 2];

	add_fails("endpoint_paths", "hooks/github", "does not start with '/'");
	add_fails("endpoint_paths", "", "no path given");
	add_fails("endpoint_paths", "  \t ", "no path given");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	add_fails("endpoint_paths", big, "longer than");
}
END_TEST

START_TEST(test_two_path_keys_and)
{
	add("endpoint_paths", "/hooks/*");
	add("endpoint_paths", "**/github");
	ck_assert(path_matches("/hooks/github"));
	ck_assert(!path_matches("/hooks/gitlab"));
}
END_TEST

START_TEST(test_methods)
{
	add("methods", "post, put");
	ev.method = "POST";
	ck_assert(filter_match(f, &ev));
	ev.method = "PUT";
	ck_assert(filter_match(f, &ev));
	ev.method = "GET";
	ck_assert(!filter_match(f, &ev));
	ev.method = "post";		/* HTTP methods are case-sensitive */
	ck_assert(!filter_match(f, &ev));
	ev.method = "PROPFIND";
	ck_assert(!filter_match(f, &ev));
	ev.method = NULL;
	ck_assert(!filter_match(f, &ev));
}
END_TEST

START_TEST(test_methods_separators)
{
	add("methods", "GET,DELETE  PATCH");
	ev.method = "DELETE";
	ck_assert(filter_match(f, &ev));
	ev.method = "PATCH";
	ck_assert(filter_match(f, &ev));
	ev.method = "POST";
	ck_assert(!filter_match(f, &ev));
}
END_TEST

START_TEST(test_methods_errors)
{
	add_fails("methods", "PSOT", "unknown method \"PSOT\"");
	add_fails("methods", " , ", "no method given");
}
END_TEST

/* The ported library's example: header.X-GitHub-Event = push|pull_request. */
START_TEST(test_header_alternation)
{
	add("header.X-GitHub-Event", "push|pull_request");
	hdr("X-GitHub-Event", "push");
	ck_assert(filter_match(f, &ev));
	hdr("X-GitHub-Event", "pull_request");
	ck_assert(filter_match(f, &ev));
	hdr("X-GitHub-Event", "push_x");
	ck_assert(!filter_match(f, &ev));
	hdr("X-GitHub-Event", "xpull_request");
	ck_assert(!filter_match(f, &ev));
	hdr("X-GitHub-Event", "pull");
	ck_assert(!filter_match(f, &ev));
	hdr("X-GitHub-Event", "pushpull_request");
	ck_assert(!filter_match(f, &ev));
	hdr("X-GitHub-Event", "");
	ck_assert(!filter_match(f, &ev));
}
END_TEST

START_TEST(test_header_missing)
{
	add("header.X-GitHub-Event", ".*");
	hdr("X-Other", "push");
	ck_assert(!filter_match(f, &ev));
	ev.headers = NULL;
	ck_assert(!filter_match(f, &ev));
	hdr("X-GitHub-Event", "");	/* present and empty: .* holds */
	ev.headers = &hl;
	ck_assert(filter_match(f, &ev));
}
END_TEST

START_TEST(test_header_name_case)
{
	add("header.x-GITHUB-event", "push");
	hdr("X-GitHub-Event", "push");
	ck_assert(filter_match(f, &ev));
	header_list_free(&hl);
	ck_assert_int_eq(header_add_cgi(&hl, "HTTP_X_GITHUB_EVENT", "push"),
	    0);
	ck_assert(filter_match(f, &ev));
	hdr("X-GitHub-Event", "PUSH");	/* values are case-sensitive */
	ck_assert(!filter_match(f, &ev));
}
END_TEST

START_TEST(test_header_inline_flags)
{
	add("header.X-GitHub-Event", "(?i)push");
	hdr("X-GitHub-Event", "PUSH");
	ck_assert(filter_match(f, &ev));
}
END_TEST

START_TEST(test_header_utf8)
{
	add("header.X-Name", "caf.");
	hdr("X-Name", "caf\xc3\xa9");
	ck_assert(filter_match(f, &ev));
	hdr("X-Name", "caf\xff");	/* not UTF-8: no match, no error */
	ck_assert(!filter_match(f, &ev));
}
END_TEST

START_TEST(test_header_name_errors)
{
	add_fails("header.", "x", "empty header name");
	add_fails("header.X Y", "x", "bad character");
}
END_TEST

/* The ported library's example, and its prefix-match bug. */
START_TEST(test_payload_action)
{
	add("payload.action", "opened");
	ck_assert(action_matches("{\"action\":\"opened\"}"));
	ck_assert(!action_matches("{\"action\":\"opened_again\"}"));
	ck_assert(!action_matches("{\"action\":\"reopened\"}"));
	ck_assert(!action_matches("{\"action\":\"opened\\n\"}"));
	ck_assert(!action_matches("{\"action\":\"\"}"));
	ck_assert(!action_matches("{\"other\":\"opened\"}"));
}
END_TEST

/* The ported library let an empty payload through a payload filter. */
START_TEST(test_payload_empty_or_not_json)
{
	add("payload.action", ".*");
	ck_assert(!action_matches(""));
	ck_assert(!action_matches("{}"));
	ck_assert(!action_matches("[]"));
	ck_assert(!action_matches("not json"));
	ck_assert(!action_matches("{\"action\":"));
	ck_assert(!action_matches("\"opened\""));	/* not an object */
	ev.payload = NULL;
	ck_assert(!filter_match(f, &ev));
	ck_assert(action_matches("{\"action\":\"\"}"));
}
END_TEST

START_TEST(test_payload_dollar_at_end)
{
	add("payload.action", "opened$");
	ck_assert(action_matches("{\"action\":\"opened\"}"));
	ck_assert(!action_matches("{\"action\":\"opened\\n\"}"));
}
END_TEST

START_TEST(test_payload_repo_name)
{
	add("payload.repository.name", "my-repo.*");
	ck_assert(action_matches("{\"repository\":{\"name\":\"my-repo\"}}"));
	ck_assert(action_matches(
	    "{\"repository\":{\"name\":\"my-repo-fork\"}}"));
	ck_assert(!action_matches(
	    "{\"repository\":{\"name\":\"your-my-repo\"}}"));
	ck_assert(!action_matches("{\"repository\":\"my-repo\"}"));
	ck_assert(!action_matches("{\"repository\":{}}"));
}
END_TEST

START_TEST(test_payload_array_index)
{
	const char	*json = "{\"commits\":[{\"id\":\"a1\"},{\"id\":\"b2\"}]}";

	add("payload.commits.1.id", "b2");
	ck_assert(action_matches(json));
	filter_free(f);
	f = filter_new();
	add("payload.commits.0.id", "a1");
	ck_assert(action_matches(json));
	ck_assert(!action_matches("{\"commits\":[]}"));
}
END_TEST

START_TEST(test_payload_index_out_of_range)
{
	add("payload.commits.2.id", ".*");
	ck_assert(!action_matches("{\"commits\":[{\"id\":\"a\"},{\"id\":\"b\"}]}"));
}
END_TEST

START_TEST(test_payload_index_forms)
{
	const char	*json = "{\"a\":[\"x\",\"y\"]}";

	ev_body(json);
	ck_assert_ptr_nonnull(filter_payload_get(payload, "a.0"));
	ck_assert_ptr_null(filter_payload_get(payload, "a.00"));
	ck_assert_ptr_null(filter_payload_get(payload, "a.01"));
	ck_assert_ptr_null(filter_payload_get(payload, "a.-1"));
	ck_assert_ptr_null(filter_payload_get(payload, "a.+1"));
	ck_assert_ptr_null(filter_payload_get(payload, "a.1x"));
	ck_assert_ptr_null(filter_payload_get(payload,
	    "a.99999999999999999999999999"));
	ck_assert_ptr_null(filter_payload_get(payload, "a.0.b"));
	ck_assert_ptr_null(filter_payload_get(payload, ""));
	ck_assert_ptr_null(filter_payload_get(payload, "a..0"));
	ck_assert_ptr_null(filter_payload_get(NULL, "a"));
}
END_TEST

START_TEST(test_payload_index_into_object)
{
	add("payload.repository.0", ".*");
	ck_assert(!action_matches("{\"repository\":{\"name\":\"x\"}}"));
	/* In an object a number is just a key. */
	ck_assert(action_matches("{\"repository\":{\"0\":\"x\"}}"));
}
END_TEST

START_TEST(test_payload_object_or_array_never)
{
	add("payload.repository", ".*");
	ck_assert(!action_matches("{\"repository\":{\"name\":\"x\"}}"));
	ck_assert(!action_matches("{\"repository\":[1,2]}"));
	ck_assert(!action_matches("{\"repository\":{}}"));
	ck_assert(action_matches("{\"repository\":\"x\"}"));
}
END_TEST

START_TEST(test_payload_scalars)
{
	add("payload.n", "5");
	ck_assert(action_matches("{\"n\":5}"));
	ck_assert(action_matches("{\"n\":\"5\"}"));
	ck_assert(!action_matches("{\"n\":5.0}"));
	ck_assert(!action_matches("{\"n\":55}"));
	filter_free(f);
	f = filter_new();
	add("payload.b", "true");
	ck_assert(action_matches("{\"b\":true}"));
	ck_assert(!action_matches("{\"b\":false}"));
	filter_free(f);
	f = filter_new();
	add("payload.z", "null");
	ck_assert(action_matches("{\"z\":null}"));
	ck_assert(!action_matches("{}"));
}
END_TEST

/* Reals keep a '.' or exponent so 1 and 1.0 stay apart, shortest form. */
START_TEST(test_payload_reals)
{
	add("payload.x", "1\\.0");
	ck_assert(action_matches("{\"x\":1.0}"));
	ck_assert(action_matches("{\"x\":1.00}"));
	ck_assert(!action_matches("{\"x\":1}"));
	filter_free(f);
	f = filter_new();
	add("payload.x", "0\\.1");
	ck_assert(action_matches("{\"x\":0.1}"));
	ck_assert(action_matches("{\"x\":1e-1}"));
}
END_TEST

START_TEST(test_scalar_text)
{
	static const struct {
		const char	*json;
		const char	*text;
	} cases[] = {
		{ "[\"a b\"]", "a b" },
		{ "[5]", "5" },
		{ "[-17]", "-17" },
		{ "[9223372036854775807]", "9223372036854775807" },
		{ "[1.0]", "1.0" },
		{ "[1.5]", "1.5" },
		{ "[0.1]", "0.1" },
		{ "[-0.0]", "-0.0" },
		{ "[1e300]", "1e+300" },
		{ "[1e16]", "1e+16" },
		{ "[123456.789]", "123456.789" },
		{ "[0.30000000000000004]", "0.30000000000000004" },
		{ "[true]", "true" },
		{ "[false]", "false" },
		{ "[null]", "null" },
	};
	char		 buf[FILTER_NUMBUF];
	const char	*text;
	size_t		 len, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev_body(cases[i].json);
		ck_assert_ptr_nonnull(payload);
		text = NULL;
		ck_assert_int_eq(filter_scalar_text(json_array_get(payload, 0),
		    buf, &text, &len), 0);
		ck_assert_str_eq(text, cases[i].text);
		ck_assert_uint_eq(len, strlen(cases[i].text));
	}
	ev_body("[{}, []]");
	ck_assert_int_eq(filter_scalar_text(json_array_get(payload, 0), buf,
	    &text, &len), -1);
	ck_assert_int_eq(filter_scalar_text(json_array_get(payload, 1), buf,
	    &text, &len), -1);
}
END_TEST

START_TEST(test_payload_parse)
{
	ck_assert_ptr_null(filter_payload_parse(NULL, 0));
	ck_assert_ptr_null(filter_payload_parse("", 0));
	ck_assert_ptr_null(filter_payload_parse("{\"a\":\"\\u0000\"}", 14));
	ck_assert_ptr_null(filter_payload_parse("[99999999999999999999]", 22));
	ck_assert_ptr_null(filter_payload_parse("{} x", 4));
	ev_body("{\"a\":1}");
	ck_assert_ptr_nonnull(payload);
}
END_TEST

START_TEST(test_payload_path_errors)
{
	add_fails("payload.", "x", "empty payload path");
	add_fails("payload.a..b", "x", "empty component");
	add_fails("payload.a.", "x", "empty component");
	add_fails("payload..a", "x", "empty component");
}
END_TEST

START_TEST(test_and)
{
	add("endpoint_paths", "/hooks/*");
	add("methods", "POST");
	add("header.X-GitHub-Event", "push|pull_request");
	add("payload.action", "opened");
	hdr("X-GitHub-Event", "pull_request");
	ck_assert(action_matches("{\"action\":\"opened\"}"));
	ck_assert(!action_matches("{\"action\":\"closed\"}"));
	hdr("X-GitHub-Event", "issues");
	ck_assert(!action_matches("{\"action\":\"opened\"}"));
	hdr("X-GitHub-Event", "push");
	ev.method = "PUT";
	ck_assert(!action_matches("{\"action\":\"opened\"}"));
	ev.method = "POST";
	ev.path = "/other/github";
	ck_assert(!action_matches("{\"action\":\"opened\"}"));
	ev.path = "/hooks/github";
	ck_assert(action_matches("{\"action\":\"opened\"}"));
}
END_TEST

START_TEST(test_bad_regex)
{
	add_fails("header.X-GitHub-Event", "push|(pull", "header.X-GitHub-Event: "
	    "bad regex: missing closing parenthesis at offset 10");
	add_fails("payload.a", "[z-a]", "payload.a: bad regex: ");
	add_fails("payload.a", "[z-a]", "at offset 3");
	add_fails("payload.a", "a\\C", "bad regex");	/* \C refused */
	add_fails("payload.a", "\xff", "bad regex");	/* not UTF-8 */
}
END_TEST

START_TEST(test_unknown_key)
{
	add_fails("paths", "/x", "unknown key \"paths\"");
	add_fails("Header.X", "x", "unknown key");
	add_fails("payload", "x", "unknown key");
	add_fails("command", "x", "unknown key");
}
END_TEST

START_TEST(test_failed_add_leaves_filter)
{
	add("payload.action", "opened");
	add_fails("payload.action", "(", "bad regex");
	ck_assert(action_matches("{\"action\":\"opened\"}"));
}
END_TEST

/* (a+)+$ on a run of a's and one b backtracks 2^n ways without a limit. */
START_TEST(test_catastrophic_regex)
{
	char	json[128], hv[64];

	add("payload.x", "(a+)+$");
	add("header.X-Y", "(a|aa)+c");
	memset(hv, 'a', 40);
	hv[40] = 'b';
	hv[41] = '\0';
	snprintf(json, sizeof(json), "{\"x\":\"%s\"}", hv);
	hdr("X-Y", hv);
	/* PCRE2's match limit ends the backtracking: no match, no hang. */
	ck_assert(!action_matches(json));
	/* The same regexes still match what they should. */
	hv[40] = 'c';
	hdr("X-Y", hv);
	hv[40] = '\0';
	snprintf(json, sizeof(json), "{\"x\":\"%s\"}", hv);
	ck_assert(action_matches(json));
}
END_TEST

START_TEST(test_subject_limit)
{
	char	*v = NULL;

	v = malloc(FILTER_MAX_SUBJECT + 1024 + 1);
	ck_assert_ptr_nonnull(v);
	add("header.X-Big", "a*");
	memset(v, 'a', FILTER_MAX_SUBJECT);
	v[FILTER_MAX_SUBJECT] = '\0';
	hdr("X-Big", v);
	ck_assert(filter_match(f, &ev));		/* exactly 64 KiB */
	memset(v, 'a', FILTER_MAX_SUBJECT + 1024);
	v[FILTER_MAX_SUBJECT + 1024] = '\0';
	hdr("X-Big", v);
	ck_assert(!filter_match(f, &ev));		/* 65 KiB */
	v[FILTER_MAX_SUBJECT + 1] = '\0';
	hdr("X-Big", v);
	ck_assert(!filter_match(f, &ev));		/* one byte over */
	free(v);
}
END_TEST

START_TEST(test_subject_limit_payload)
{
	json_t	*s = NULL;
	char	*v = NULL;

	v = malloc(FILTER_MAX_SUBJECT + 1024 + 1);
	ck_assert_ptr_nonnull(v);
	memset(v, 'x', FILTER_MAX_SUBJECT + 1024);
	v[FILTER_MAX_SUBJECT + 1024] = '\0';
	add("payload.s", ".*");
	s = json_string(v);
	payload = json_pack("{s:o}", "s", s);
	ck_assert_ptr_nonnull(payload);
	ev.payload = payload;
	ck_assert(!filter_match(f, &ev));
	free(v);
}
END_TEST

/* A form body: its fields are the payload, strings all. */
START_TEST(test_payload_form)
{
	static const char	twilio[] = "From=%2B15551234567&Body=STOP+now"
	    "&NumMedia=0&Body=second";

	payload = filter_payload_request(twilio, sizeof(twilio) - 1,
	    "application/x-www-form-urlencoded", NULL);
	ck_assert_ptr_nonnull(payload);
	ev.payload = payload;
	add("payload.Body", "STOP.*");
	add("payload.From", "\\+1555.*");
	add("payload.NumMedia", "0");
	ck_assert(filter_match(f, &ev));
	/* Not a form: the same text is no JSON, so no payload. */
	ck_assert_ptr_null(filter_payload_request(twilio, sizeof(twilio) - 1,
	    "text/plain", NULL));
	/* JSON with a form's type (curl's default) is JSON. */
	json_decref(payload);
	payload = filter_payload_request(" {\"a\":\"100%\"}", 13,
	    "application/x-www-form-urlencoded", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(payload, "a")),
	    "100%");
	errno = 0;
	ck_assert_ptr_null(filter_payload_request("a=%0", 4,
	    "application/x-www-form-urlencoded", NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* payload_json_field: the JSON document in that field (Slack's). */
START_TEST(test_payload_form_json_field)
{
	static const char	slack[] = "payload=%7B%22type%22%3A%22block_"
	    "actions%22%2C%22actions%22%3A%5B%7B%22value%22%3A%22approve%22"
	    "%7D%5D%7D&other=%7B%7D";

	payload = filter_payload_request(slack, sizeof(slack) - 1,
	    "application/x-www-form-urlencoded", "payload");
	ck_assert_ptr_nonnull(payload);
	ev.payload = payload;
	add("payload.payload.actions.0.value", "approve");
	add("payload.other", "\\{\\}");	/* other fields stay strings */
	ck_assert(filter_match(f, &ev));
	json_decref(payload);
	/* Not JSON in the field: it stays a string. */
	payload = filter_payload_request("payload=nope", 12,
	    "application/x-www-form-urlencoded", "payload");
	ck_assert_str_eq(json_string_value(json_object_get(payload,
	    "payload")), "nope");
}
END_TEST

/* query.NAME: a decoded query field, exactly named; absent fails. */
START_TEST(test_query)
{
	json_t	*q = form_object("token=REDACTED&event=call%2Ecompleted", 37,
	    false);

	ck_assert_ptr_nonnull(q);
	add("query.event", "call\\.completed");
	ck_assert(!filter_match(f, &ev));	/* no query */
	ev.query = q;
	ck_assert(filter_match(f, &ev));
	add("query.Event", ".*");
	ck_assert(!filter_match(f, &ev));
	add_fails("query.", "x", "no query field name");
	json_decref(q);
}
END_TEST

static Suite *
filter_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("filter");
	tc = tcase_create("paths");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_criteria);
	tcase_add_test(tc, test_glob_star);
	tcase_add_test(tc, test_glob_dstar);
	tcase_add_test(tc, test_glob_middle);
	tcase_add_test(tc, test_glob_mixed);
	tcase_add_test(tc, test_glob_literal);
	tcase_add_test(tc, test_glob_many_stars_fast);
	tcase_add_test(tc, test_glob_errors);
	tcase_add_test(tc, test_two_path_keys_and);
	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_methods_separators);
	tcase_add_test(tc, test_methods_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header_alternation);
	tcase_add_test(tc, test_header_missing);
	tcase_add_test(tc, test_header_name_case);
	tcase_add_test(tc, test_header_inline_flags);
	tcase_add_test(tc, test_header_utf8);
	tcase_add_test(tc, test_header_name_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("payload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_payload_action);
	tcase_add_test(tc, test_payload_empty_or_not_json);
	tcase_add_test(tc, test_payload_dollar_at_end);
	tcase_add_test(tc, test_payload_repo_name);
	tcase_add_test(tc, test_payload_array_index);
	tcase_add_test(tc, test_payload_index_out_of_range);
	tcase_add_test(tc, test_payload_index_forms);
	tcase_add_test(tc, test_payload_index_into_object);
	tcase_add_test(tc, test_payload_object_or_array_never);
	tcase_add_test(tc, test_payload_scalars);
	tcase_add_test(tc, test_payload_reals);
	tcase_add_test(tc, test_scalar_text);
	tcase_add_test(tc, test_payload_parse);
	tcase_add_test(tc, test_payload_path_errors);
	tcase_add_test(tc, test_payload_form);
	tcase_add_test(tc, test_payload_form_json_field);
	tcase_add_test(tc, test_query);
	suite_add_tcase(s, tc);

	tc = tcase_create("filter");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_and);
	tcase_add_test(tc, test_bad_regex);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_failed_add_leaves_filter);
	tcase_add_test(tc, test_catastrophic_regex);
	tcase_add_test(tc, test_subject_limit);
	tcase_add_test(tc, test_subject_limit_payload);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(filter_suite());
}
