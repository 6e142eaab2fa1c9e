/* check_backoff: the retry schedule: sequence, cap and limit. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "backoff.h"
#include "check_run.h"

static const struct backoff_policy	defaults = { 3, 1.0, 2.0, 3600 };

START_TEST(test_sequence_1_2_4)
{
	int64_t	next = 0;

	ck_assert_double_eq(backoff_delay(&defaults, 1), 1.0);
	ck_assert_double_eq(backoff_delay(&defaults, 2), 2.0);
	ck_assert_double_eq(backoff_delay(&defaults, 3), 4.0);
	ck_assert_int_eq(backoff_next(&defaults, 1, 10000000, &next), 1);
	ck_assert_int_eq(next, 11000000);
	ck_assert_int_eq(backoff_next(&defaults, 2, 11500000, &next), 1);
	ck_assert_int_eq(next, 13500000);
	ck_assert_int_eq(backoff_next(&defaults, 3, 20000000, &next), 1);
	ck_assert_int_eq(next, 24000000);
}
END_TEST

START_TEST(test_limit)
{
	struct backoff_policy	none = { 0, 1.0, 2.0, 3600 };
	int64_t			next = -1;

	/* After max_retries retries (attempt 1 + 3), the attempt is dead. */
	ck_assert_int_eq(backoff_next(&defaults, 4, 0, &next), 0);
	ck_assert_int_eq(backoff_next(&defaults, 100, 0, &next), 0);
	ck_assert_int_eq(backoff_next(&none, 1, 0, &next), 0);
	ck_assert_int_eq(next, -1);
	ck_assert_int_eq(backoff_next(&defaults, 0, 0, &next), 0);
}
END_TEST

START_TEST(test_cap)
{
	struct backoff_policy	p = { 100, 1.0, 2.0, 60 };
	int64_t			next = 0;

	ck_assert_double_eq(backoff_delay(&p, 6), 32.0);
	ck_assert_double_eq(backoff_delay(&p, 7), 60.0);
	ck_assert_double_eq(backoff_delay(&p, 100), 60.0);
	ck_assert_int_eq(backoff_next(&p, 99, 0, &next), 1);
	ck_assert_int_eq(next, 60000000);
	/* 10 x 100^60 is far past double's range for the product's parts. */
	p.multiplier = 100;
	p.delay = 10;
	ck_assert_double_eq(backoff_delay(&p, 99), 60.0);
}
END_TEST

START_TEST(test_fractional)
{
	struct backoff_policy	p = { 3, 0.25, 1.5, 3600 };
	int64_t			next = 0;

	ck_assert_int_eq(backoff_next(&p, 2, 1000000, &next), 1);
	ck_assert_int_eq(next, 1375000);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("backoff");
	TCase	*tc = tcase_create("schedule");

	tcase_add_test(tc, test_sequence_1_2_4);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_fractional);
	suite_add_tcase(s, tc);
	return check_run(s);
}
