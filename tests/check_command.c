/*
 * check_command: handler command lines.  Quoting splits words
 * once; values from the event land inside exactly one argv element,
 * byte for byte, whatever shell syntax they carry; what a user would
 * have meant for a shell is an error with its offset.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "command.h"
#include "filter.h"
#include "form.h"
#include "header.h"
#include "check_run.h"
#define CHECK_UTIL_EVENT
#include "check_util.h"

static struct command		*cmd;
static char			**argv;
static char			 err[512];

static void
setup(void)
{
	cmd = NULL;
	argv = NULL;
	ev_setup();
	err[0] = '\0';
}

static void
teardown(void)
{
	command_argv_free(argv);
	command_free(cmd);
	ev_teardown();
}

static void
body(const char *json)
{
	ev_body(json);
	ck_assert_ptr_nonnull(payload);
}

/* Payload {"v": s} built without JSON quoting, so s can be anything. */
static void
value(const char *s)
{
	json_decref(payload);
	payload = json_pack("{s:s}", "v", s);
	ck_assert_ptr_nonnull(payload);
	ev.payload = payload;
}

static void
parse(const char *line)
{
	command_argv_free(argv);
	argv = NULL;
	command_free(cmd);
	cmd = command_parse(line, err, sizeof(err));
	ck_assert_msg(cmd != NULL, "%s: %s", line, err);
}

/* Parse line, expand for ev, and compare with the NULL-ended words. */
static void
expands(const char *line, ...)
{
	va_list		 ap;
	const char	*want;
	size_t		 i;

	parse(line);
	argv = command_expand(cmd, &ev);
	ck_assert_ptr_nonnull(argv);
	va_start(ap, line);
	for (i = 0;; i++) {
		want = va_arg(ap, const char *);
		if (want == NULL)
			break;
		ck_assert_msg(argv[i] != NULL, "%s: argv[%zu] missing", line,
		    i);
		ck_assert_str_eq(argv[i], want);
	}
	va_end(ap);
	ck_assert_msg(argv[i] == NULL, "%s: extra argv[%zu] \"%s\"", line, i,
	    argv[i]);
	ck_assert_uint_eq(command_argc(cmd), i);
}

static void
fails(const char *line, const char *want)
{
	struct command	*c = NULL;

	err[0] = '\0';
	c = command_parse(line, err, sizeof(err));
	ck_assert_msg(c == NULL, "%s: parsed", line);
	ck_assert_msg(strstr(err, want) != NULL, "%s: \"%s\" lacks \"%s\"",
	    line, err, want);
}

START_TEST(test_split)
{
	expands("prog a b", "prog", "a", "b", NULL);
	expands("  prog \t a   b  ", "prog", "a", "b", NULL);
	expands("prog", "prog", NULL);
	ck_assert_str_eq(command_program(cmd), "prog");
}
END_TEST

START_TEST(test_single_quotes)
{
	expands("prog 'a b' 'x\"y\\z' '$HOME' '${payload.v}' '`;|&<>()`'",
	    "prog", "a b", "x\"y\\z", "$HOME", "${payload.v}", "`;|&<>()`",
	    NULL);
	expands("prog 'a'\"b\"c", "prog", "abc", NULL);
}
END_TEST

START_TEST(test_double_quotes)
{
	expands("prog \"a \\\"b\\\" \\\\ \\$ \\`\"", "prog", "a \"b\" \\ $ `",
	    NULL);
	/* Other backslashes stay, as in sh. */
	expands("prog \"a\\nb\\'\"", "prog", "a\\nb\\'", NULL);
	expands("prog \"it's ; | & < > ( )\"", "prog", "it's ; | & < > ( )",
	    NULL);
}
END_TEST

START_TEST(test_backslash)
{
	expands("prog a\\ b \\' \\\" \\; \\$ \\\\ \\${payload.v}", "prog",
	    "a b", "'", "\"", ";", "$", "\\", "${payload.v}", NULL);
}
END_TEST

START_TEST(test_empty_words)
{
	expands("prog '' \"\" x", "prog", "", "", "x", NULL);
}
END_TEST

START_TEST(test_quoted_program)
{
	expands("'/opt/my tools/run' x", "/opt/my tools/run", "x", NULL);
	ck_assert_str_eq(command_program(cmd), "/opt/my tools/run");
}
END_TEST

START_TEST(test_design_example)
{
	body("{\"repository\":{\"name\":\"my-repo\"}}");
	expands("/usr/local/bin/trigger-sync --repo ${payload.repository.name}",
	    "/usr/local/bin/trigger-sync", "--repo", "my-repo", NULL);
	ck_assert_str_eq(command_program(cmd), "/usr/local/bin/trigger-sync");
}
END_TEST

START_TEST(test_placeholder_in_word)
{
	body("{\"repository\":{\"name\":\"my-repo\"},\"n\":3}");
	ck_assert_int_eq(header_add(&hl, "X-GitHub-Event", "push"), 0);
	expands("prog --repo=${payload.repository.name} "
	    "pre${payload.n}mid${header.X-GitHub-Event}post "
	    "\"a ${payload.repository.name} b\"",
	    "prog", "--repo=my-repo", "pre3midpushpost", "a my-repo b", NULL);
}
END_TEST

/* Whatever the value holds, it is one argument with those bytes. */
START_TEST(test_injection)
{
	static const char *const hostile[] = {
		"$(touch pwned)",
		"; touch pwned",
		"a b c",
		"`touch pwned`",
		"it's \"quoted\"\nand a new line",
		"'; rm -rf / #",
		"${payload.v}",
		"\\",
		"",
		"-rf",
		"*",
	};
	size_t	i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		value(hostile[i]);
		expands("prog ${payload.v}", "prog", hostile[i], NULL);
		expands("prog \"${payload.v}\"", "prog", hostile[i], NULL);
		ck_assert_int_eq(header_add(&hl, "X-V", hostile[i]), 0);
		expands("prog ${header.x-v}", "prog", hostile[i], NULL);
		header_list_free(&hl);
	}
}
END_TEST

START_TEST(test_missing_values)
{
	body("{\"a\":{\"b\":1}}");
	expands("prog x${payload.a.c}y ${payload.nope} ${header.X-None}",
	    "prog", "xy", "", "", NULL);
	ev.payload = NULL;
	ev.headers = NULL;
	expands("prog ${payload.a.b} ${header.X-None}", "prog", "", "", NULL);
}
END_TEST

START_TEST(test_header_placeholder)
{
	ck_assert_int_eq(header_add_cgi(&hl, "HTTP_X_GITHUB_EVENT", "push"),
	    0);
	expands("prog ${header.X-GitHub-Event} ${header.x_github_event}",
	    "prog", "push", "push", NULL);
}
END_TEST

START_TEST(test_query_placeholder)
{
	json_t	*q = form_object("sig=REDACTED&to=a+b%26c&to=second", 33,
	    false);

	ck_assert_ptr_nonnull(q);
	expands("prog ${query.to}", "prog", "", NULL);	/* no query */
	ev.query = q;
	expands("prog ${query.to} x${query.sig} ${query.none}", "prog",
	    "a b&c", "xREDACTED", "", NULL);
	json_decref(q);
	ev.query = NULL;
}
END_TEST

START_TEST(test_value_text)
{
	body("{\"i\":5,\"r\":1.0,\"t\":true,\"n\":null,"
	    "\"o\":{\"a\":1,\"b\":[1,\"x y\"]},\"arr\":[],\"s\":\"\\u00e9\"}");
	expands("prog ${payload.i} ${payload.r} ${payload.t} ${payload.n} "
	    "${payload.o} ${payload.arr} ${payload.o.b.1} ${payload.s}",
	    "prog", "5", "1.0", "true", "null", "{\"a\":1,\"b\":[1,\"x y\"]}",
	    "[]", "x y", "\xc3\xa9", NULL);
}
END_TEST

START_TEST(test_expand_twice)
{
	char	**again = NULL;

	value("one");
	expands("prog ${payload.v}", "prog", "one", NULL);
	value("two");
	again = command_expand(cmd, &ev);
	ck_assert_ptr_nonnull(again);
	ck_assert_str_eq(again[1], "two");
	command_argv_free(again);
}
END_TEST

START_TEST(test_quote_errors)
{
	fails("prog 'abc", "unterminated \"'\" at offset 5");
	fails("prog \"abc", "unterminated '\"' at offset 5");
	fails("prog \"a\\\"", "unterminated '\"' at offset 5");
	fails("prog a\\", "trailing backslash at offset 6");
}
END_TEST

START_TEST(test_shell_syntax_errors)
{
	fails("prog a; touch x", "unquoted ';' at offset 6");
	fails("prog a | b", "unquoted '|' at offset 7");
	fails("prog a && b", "unquoted '&' at offset 7");
	fails("prog a > out", "unquoted '>' at offset 7");
	fails("prog < in", "unquoted '<' at offset 5");
	fails("prog (x)", "unquoted '(' at offset 5");
	fails("prog `id`", "unquoted '`' at offset 5");
	fails("prog \"`id`\"", "'`' at offset 6");
	fails("prog $(id)", "'$' at offset 5");
	fails("prog \"$(id)\"", "'$' at offset 6");
	fails("prog $HOME", "'$' at offset 5");
	fails("prog a$", "'$' at offset 6");
}
END_TEST

START_TEST(test_placeholder_errors)
{
	fails("prog ${foo}", "unknown placeholder \"${foo}\" at offset 5");
	fails("prog ${payload}", "unknown placeholder");
	fails("prog ${}", "unknown placeholder");
	fails("prog ${env.HOME}", "unknown placeholder");
	fails("prog ${payload.}", "at offset 5: empty payload path");
	fails("prog ${payload.a..b}", "empty component");
	fails("prog ${header.}", "empty header name");
	fails("prog ${header.a b}", "bad character");
	fails("prog x${payload.a", "unterminated \"${\" at offset 6");
}
END_TEST

START_TEST(test_program_errors)
{
	fails("", "empty command");
	fails("  \t ", "empty command");
	fails("${payload.cmd} x", "offset 0 in the program name");
	fails("/bin/${header.X-Tool}", "in the program name");
	fails("'' x", "empty program name");
}
END_TEST

/* What execve(2) would refuse with E2BIG is told apart, with why. */
START_TEST(test_argv_fits)
{
	char	*big, why[128];
	char	*av[] = { "/bin/echo", NULL, NULL };
	char	*env[] = { "A=1", NULL, NULL };

	big = malloc(200 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 200 * 1024);
	big[200 * 1024] = '\0';
	av[1] = "small";
	ck_assert_int_eq(command_argv_fits(av, env, 131072, 2097152, why,
	    sizeof(why)), 0);
	av[1] = big;
	ck_assert_int_eq(command_argv_fits(av, env, 131072, 2097152, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "argument list too long: argument 1 has 204800 "
	    "bytes, over the limit of 131071");
	big[131071] = '\0';	/* the longest that fits */
	ck_assert_int_eq(command_argv_fits(av, env, 131072, 2097152, why,
	    sizeof(why)), 0);
	/* all of them together, the environment with its pointers */
	ck_assert_int_eq(command_argv_fits(av, env, 131072, 131072, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "bytes of arguments and "
	    "environment, over the limit of 131072"));
	av[1] = "small";
	env[1] = big;
	big[131071] = 'x';
	ck_assert_int_eq(command_argv_fits(av, env, 131072, 2097152, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "argument list too long: environment string 1 "
	    "has 204800 bytes, over the limit of 131071");
	free(big);
}
END_TEST

static Suite *
command_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("command");
	tc = tcase_create("split");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_single_quotes);
	tcase_add_test(tc, test_double_quotes);
	tcase_add_test(tc, test_backslash);
	tcase_add_test(tc, test_empty_words);
	tcase_add_test(tc, test_quoted_program);
	suite_add_tcase(s, tc);

	tc = tcase_create("expand");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_design_example);
	tcase_add_test(tc, test_placeholder_in_word);
	tcase_add_test(tc, test_injection);
	tcase_add_test(tc, test_missing_values);
	tcase_add_test(tc, test_header_placeholder);
	tcase_add_test(tc, test_query_placeholder);
	tcase_add_test(tc, test_value_text);
	tcase_add_test(tc, test_expand_twice);
	tcase_add_test(tc, test_argv_fits);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_quote_errors);
	tcase_add_test(tc, test_shell_syntax_errors);
	tcase_add_test(tc, test_placeholder_errors);
	tcase_add_test(tc, test_program_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(command_suite());
}
