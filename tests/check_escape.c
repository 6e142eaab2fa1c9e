/* check_escape: text made safe for a terminal, and nothing else changed. */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "escape.h"

static void
expect(const char *in, size_t len, int newlines, const char *want)
{
	char	*got = escape_text(in, len, newlines);
	char	 buf[256];
	FILE	*f;

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
	/* The printing form writes the same bytes. */
	ck_assert_ptr_nonnull(f = fmemopen(buf, sizeof(buf), "w"));
	escape_fputs(in, len, newlines, f);
	fputc('\0', f);
	fclose(f);
	ck_assert_str_eq(buf, want);
}

#define EXPECT(in, nl, want)	expect(in, sizeof(in) - 1, nl, want)

START_TEST(test_plain_text_unchanged)
{
	EXPECT("push to main\tok", 0, "push to main\tok");
	EXPECT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	EXPECT("a\\x1b", 0, "a\\x1b");
	EXPECT("", 0, "");
}
END_TEST

START_TEST(test_c0_and_del)
{
	EXPECT("\x1b[2Jcleared", 0, "\\x1b[2Jcleared");
	EXPECT("\x1b]52;c;cHduZWQ=\x07", 0, "\\x1b]52;c;cHduZWQ=\\x07");
	EXPECT("fake\rstatus: done", 0, "fake\\x0dstatus: done");
	EXPECT("a\x7f" "b\x00" "c", 0, "a\\x7fb\\x00c");
	EXPECT("line\nnext", 0, "line\\x0anext");
	EXPECT("line\nnext", 1, "line\nnext");
	EXPECT("line\r\nnext", 1, "line\\x0d\nnext");
}
END_TEST

START_TEST(test_c1_controls)
{
	/* CSI and OSC as 8-bit controls, U+009B and U+009D. */
	EXPECT("\xc2\x9b" "2J", 0, "\\u009b2J");
	EXPECT("\xc2\x9d" "52", 0, "\\u009d52");
	EXPECT("\xc2\x80\xc2\x9f\xc2\xa0", 0, "\\u0080\\u009f\xc2\xa0");
}
END_TEST

START_TEST(test_not_utf8)
{
	EXPECT("\x9b" "2J", 0, "\\x9b2J");		/* a lone C1 byte */
	EXPECT("\xc0\xaf", 0, "\\xc0\\xaf");		/* overlong '/' */
	EXPECT("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");	/* a surrogate */
	EXPECT("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	EXPECT("\xe2\x82", 0, "\\xe2\\x82");		/* cut short */
	EXPECT("\xff", 0, "\\xff");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("escape");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_plain_text_unchanged);
	tcase_add_test(tc, test_c0_and_del);
	tcase_add_test(tc, test_c1_controls);
	tcase_add_test(tc, test_not_utf8);
	suite_add_tcase(s, tc);
	return check_run(s);
}
