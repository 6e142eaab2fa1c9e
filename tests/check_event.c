/*
 * check_event: UUIDv7 event ids: their bits, their order within one
 * process whatever the clock does, the canonical form, and their time.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "event.h"
#include "check_run.h"

#define FIXED_US	INT64_C(1795930295123456) /* 2026-11-29T05:31:35.123456Z */

/* RFC 9562 appendix A.6. */
START_TEST(test_id_format_rfc)
{
	static const unsigned char rnd[10] = {
		0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f
	};
	char	id[EVENT_ID_LEN + 1];

	event_id_format(id, INT64_C(0x017f22e279b0), rnd);
	ck_assert_str_eq(id, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
	ck_assert(event_id_valid(id));
}
END_TEST

/* The version and variant bits win over whatever the random bytes say. */
START_TEST(test_id_format_bits)
{
	unsigned char	rnd[10];
	char		id[EVENT_ID_LEN + 1];

	memset(rnd, 0xff, sizeof(rnd));
	event_id_format(id, INT64_C(0xffffffffffff), rnd);
	ck_assert_str_eq(id, "ffffffff-ffff-7fff-bfff-ffffffffffff");
	memset(rnd, 0, sizeof(rnd));
	event_id_format(id, 0, rnd);
	ck_assert_str_eq(id, "00000000-0000-7000-8000-000000000000");
}
END_TEST

static void
assert_v7(const char *id)
{
	ck_assert(event_id_valid(id));
	ck_assert_int_eq(id[14], '7');
	ck_assert_ptr_nonnull(strchr("89ab", id[19]));
}

static void
assert_increasing(int64_t start_us, int64_t step_us)
{
	char	prev[EVENT_ID_LEN + 1], id[EVENT_ID_LEN + 1];
	int	i;

	ck_assert_int_eq(event_id_new(prev, start_us), 0);
	assert_v7(prev);
	for (i = 1; i < 10000; i++) {
		ck_assert_int_eq(event_id_new(id, start_us + i * step_us), 0);
		assert_v7(id);
		ck_assert_msg(strcmp(prev, id) < 0, "%s !< %s", prev, id);
		memcpy(prev, id, sizeof(id));
	}
}

START_TEST(test_id_new_same_ms)
{
	assert_increasing(FIXED_US, 0);
}
END_TEST

START_TEST(test_id_new_advancing)
{
	assert_increasing(FIXED_US + 1000000, 1);
	assert_increasing(FIXED_US + 2000000, 1000);
}
END_TEST

/* A clock stepping back must not make ids go back. */
START_TEST(test_id_new_clock_back)
{
	assert_increasing(FIXED_US + 3000000, -1000);
}
END_TEST

/* The first 48 bits are the millisecond the id was made in. */
START_TEST(test_id_new_timestamp)
{
	char	id[EVENT_ID_LEN + 1];

	ck_assert_int_eq(event_id_new(id, INT64_C(4102444800000999)), 0);
	ck_assert_int_eq(strncmp(id, "03bb2cc3-d800-", 14), 0);
}
END_TEST

/*
 * Random bytes come from a pool: a forked child must not hand out the
 * bytes its parent will (two workers, one id).  The last 8 hex digits
 * of an id are fresh random bytes.
 */
START_TEST(test_id_random_after_fork)
{
	char	parent[EVENT_ID_LEN + 1], child[EVENT_ID_LEN + 1];
	int	fds[2], status, i;
	pid_t	pid;

	ck_assert_int_eq(event_id_new(parent, 1000000), 0);
	for (i = 0; i < 50; i++) {
		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ne(pid, -1);
		if (pid == 0) {
			close(fds[0]);
			if (event_id_new(child, 2000000) != 0 ||
			    write(fds[1], child, EVENT_ID_LEN) != EVENT_ID_LEN)
				_exit(1);
			_exit(0);
		}
		close(fds[1]);
		memset(child, 0, sizeof(child));
		ck_assert_int_eq(read(fds[0], child, EVENT_ID_LEN),
		    EVENT_ID_LEN);
		close(fds[0]);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ck_assert_int_eq(event_id_new(parent, 2000000), 0);
		ck_assert_msg(strcmp(parent + EVENT_ID_LEN - 8,
		    child + EVENT_ID_LEN - 8) != 0, "%s and %s", parent, child);
	}
}
END_TEST

START_TEST(test_id_valid)
{
	ck_assert(event_id_valid("017f22e2-79b0-7cc3-98c4-dc0c0c07398f"));
	ck_assert(event_id_valid("00000000-0000-0000-0000-000000000000"));
	ck_assert(!event_id_valid("017F22E2-79B0-7CC3-98C4-DC0C0C07398F"));
	ck_assert(!event_id_valid("017f22e2-79b0-7cc3-98c4-dc0c0c07398"));
	ck_assert(!event_id_valid("017f22e2-79b0-7cc3-98c4-dc0c0c07398f0"));
	ck_assert(!event_id_valid("017f22e279b0-7cc3-98c4-dc0c0c07398f-"));
	ck_assert(!event_id_valid("017f22e2-79b0-7cc3-98c4-dc0c0c07398g"));
	ck_assert(!event_id_valid("017f22e2+79b0-7cc3-98c4-dc0c0c07398f"));
	ck_assert(!event_id_valid("../../../../../../../../etc/passwd"));
	ck_assert(!event_id_valid(""));
	ck_assert(!event_id_valid(NULL));
}
END_TEST

/* An id's time is the millisecond it was made in. */
START_TEST(test_id_time)
{
	static const unsigned char rnd[10] = { 0xff, 0xff, 0xff };
	char	id[EVENT_ID_LEN + 1];

	ck_assert(event_id_time("017f22e2-79b0-7cc3-98c4-dc0c0c07398f") ==
	    INT64_C(0x017f22e279b0) * 1000);
	event_id_format(id, FIXED_US / 1000, rnd);
	ck_assert(event_id_time(id) == FIXED_US / 1000 * 1000);
	ck_assert(event_id_time("00000000-0000-7000-8000-000000000000") == 0);
}
END_TEST

static Suite *
event_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("event");
	tc = tcase_create("id");
	tcase_add_test(tc, test_id_format_rfc);
	tcase_add_test(tc, test_id_format_bits);
	tcase_add_test(tc, test_id_new_same_ms);
	tcase_add_test(tc, test_id_new_advancing);
	tcase_add_test(tc, test_id_new_clock_back);
	tcase_add_test(tc, test_id_new_timestamp);
	tcase_add_test(tc, test_id_random_after_fork);
	tcase_add_test(tc, test_id_valid);
	tcase_add_test(tc, test_id_time);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(event_suite());
}
