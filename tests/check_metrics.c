/*
 * check_metrics: the shared metrics file (created, replaced when
 * damaged or foreign, slots kept across processes) and its rendering.
 */
#include "config.h"

#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "metrics.h"

static char	dir[] = "/tmp/check_metrics.XXXXXX";
static char	path[sizeof(dir) + 16];

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, METRICS_FILE);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
	memcpy(dir + sizeof(dir) - 7, "XXXXXX", 6);
}

static const char *const epnames[] = { "github", "open" };
static const char *const hnames[] = { "deploy" };
static const struct metrics_names names = { epnames, 2, hnames, 1 };

static char *
render(struct metrics_file *m)
{
	size_t	 len;
	char	*s = metrics_render(m, &names, &len);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

static void
write_file(const char *content, size_t len)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_count_render)
{
	struct metrics_file	*m = metrics_map(dir);
	struct metrics_slot	*s;
	char			*t;

	ck_assert_ptr_nonnull(m);
	s = metrics_claim(m);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(metrics_claim(m), s);
	metrics_request(s, 1, 202, 700, 10);
	metrics_request(s, 1, 202, 30000, 5);
	metrics_request(s, METRICS_ENDPOINTS, 404, 10, 0);
	metrics_request(s, 0, 999, 10, 0);
	metrics_verify_failure(s, 0, "mismatch");
	metrics_verify_failure(s, 0, "whatever");
	t = render(m);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE hookspool_requests_total "
	    "counter\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_requests_total{endpoint="
	    "\"open\",status=\"202\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_requests_total{endpoint="
	    "\"github\",status=\"202\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "{endpoint=\"-\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "{endpoint=\"github\",status="
	    "\"other\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_verification_failures_total"
	    "{endpoint=\"github\",reason=\"mismatch\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "{endpoint=\"github\",reason="
	    "\"other\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_received_bytes_total 15\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_request_duration_seconds_"
	    "bucket{le=\"0.0005\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_request_duration_seconds_"
	    "bucket{le=\"0.001\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_request_duration_seconds_"
	    "bucket{le=\"+Inf\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(t, "hookspool_request_duration_seconds_"
	    "count 4\n"));
	free(t);
	metrics_unmap(m);
}
END_TEST

/* A process that is gone leaves its counts; a new one adds to them. */
/* Handler attempts by handler and outcome; an unknown index is "other". */
START_TEST(test_attempts)
{
	struct metrics_file	*m = metrics_map(dir);
	struct metrics_slot	*s;
	char			*t;

	ck_assert_ptr_nonnull(m);
	s = metrics_claim(m);
	ck_assert_ptr_nonnull(s);
	t = render(m);
	ck_assert_ptr_nonnull(strstr(t, "hookspool_handler_attempts_total{"
	    "handler=\"deploy\",outcome=\"done\"} 0\n"));
	ck_assert_ptr_null(strstr(t, "outcome=\"dead\""));
	free(t);
	metrics_attempt(s, 0, MO_DONE);
	metrics_attempt(s, 0, MO_DONE);
	metrics_attempt(s, 0, MO_DEAD);
	metrics_attempt(s, 5, MO_FAILED);
	metrics_attempt(s, 1000, MO_FAILED);
	t = render(m);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE hookspool_handler_attempts_"
	    "total counter\n"));
	ck_assert_ptr_nonnull(strstr(t, "{handler=\"deploy\",outcome="
	    "\"done\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "{handler=\"deploy\",outcome="
	    "\"dead\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "{handler=\"other\",outcome="
	    "\"failed\"} 2\n"));
	free(t);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_survives_processes)
{
	struct metrics_file	*m;
	pid_t			 pid;
	int			 st, i;
	char			*t;

	for (i = 0; i < 3; i++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			m = metrics_map(dir);
			metrics_request(metrics_claim(m), 0, 202, 1, 1);
			_exit(m == NULL);
		}
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert_int_eq(st, 0);
	}
	m = metrics_map(dir);
	t = render(m);
	ck_assert_ptr_nonnull(strstr(t, "{endpoint=\"github\",status=\"202\"}"
	    " 3\n"));
	free(t);
	/* The dead processes' slot was reused, not one each. */
	ck_assert_int_ne(m->pid[0], 0);
	ck_assert_int_eq(m->pid[2], 0);
	metrics_unmap(m);
}
END_TEST

/*
 * Processes that find no file at the same moment (a CGI request and the
 * dispatcher it forks) all count in one file: none is renamed over
 * another's, so no count is lost.  Repeated, as the race is timing.
 */
START_TEST(test_first_at_once)
{
	struct metrics_file	*m;
	pid_t			 pid[8];
	int			 go[2], st, i, round;
	char			*t, want[80], c;

	for (round = 0; round < 20; round++) {
		unlink(path);
		ck_assert_int_eq(pipe(go), 0);
		for (i = 0; i < 8; i++) {
			pid[i] = fork();
			ck_assert_int_ge(pid[i], 0);
			if (pid[i] == 0) {
				close(go[1]);
				(void)read(go[0], &c, 1);	/* all at once */
				m = metrics_map(dir);
				metrics_request(metrics_claim(m), 0, 202, 1, 1);
				_exit(m == NULL);
			}
		}
		close(go[0]);
		close(go[1]);
		for (i = 0; i < 8; i++) {
			ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
			ck_assert_int_eq(st, 0);
		}
		m = metrics_map(dir);
		ck_assert_ptr_nonnull(m);
		t = render(m);
		snprintf(want, sizeof(want),
		    "{endpoint=\"github\",status=\"202\"} 8\n");
		ck_assert_msg(strstr(t, want) != NULL, "round %d: %s", round,
		    strstr(t, "{endpoint=\"github\",status=\"202\"}"));
		free(t);
		metrics_unmap(m);
	}
}
END_TEST

/*
 * The dispatchers' gauges sum the live processes only: a process that
 * set a queue and died leaves no queue behind; its counter stays.
 */
START_TEST(test_gauges)
{
	struct metrics_file	*m;
	struct metrics_slot	*s;
	pid_t			 pid;
	int			 st;
	char			*t;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		m = metrics_map(dir);
		s = metrics_claim(m);
		if (s == NULL)
			_exit(1);
		metrics_set(s, &s->dispatcher_queued, 40);
		metrics_set(s, &s->dispatcher_running, 256);
		metrics_add(s, &s->dispatcher_overflows, 3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(st, 0);
	m = metrics_map(dir);
	ck_assert_ptr_nonnull(m);
	t = render(m);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE hookspool_dispatcher_queued "
	    "gauge\nhookspool_dispatcher_queued 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nhookspool_dispatcher_running 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nhookspool_dispatcher_overflows_total "
	    "3\n"));
	free(t);
	s = metrics_claim(m);
	ck_assert_ptr_nonnull(s);
	metrics_set(s, &s->dispatcher_queued, 7);
	metrics_set(s, &s->dispatcher_running, 2);
	t = render(m);
	ck_assert_ptr_nonnull(strstr(t, "\nhookspool_dispatcher_queued 7\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nhookspool_dispatcher_running 2\n"));
	free(t);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_damaged_replaced)
{
	struct metrics_file	*m;
	char			*big;

	write_file("garbage", 7);
	m = metrics_map(dir);
	ck_assert_ptr_nonnull(m);
	metrics_unmap(m);
	/* Right size, wrong header. */
	big = calloc(1, sizeof(struct metrics_file));
	ck_assert_ptr_nonnull(big);
	memcpy(big, "NOTOURS!", 8);
	write_file(big, sizeof(struct metrics_file));
	free(big);
	m = metrics_map(dir);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(memcmp(m->magic, "HSMETR1", 8), 0);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_allowed)
{
	ck_assert_int_eq(metrics_allowed(NULL, "1.2.3.4"), 1);
	ck_assert_int_eq(metrics_allowed("127.0.0.1/32, ::1", "127.0.0.1"), 1);
	ck_assert_int_eq(metrics_allowed("127.0.0.1/32, ::1", "::1"), 1);
	ck_assert_int_eq(metrics_allowed("127.0.0.1/32, ::1", "10.0.0.1"), 0);
	ck_assert_int_eq(metrics_allowed("10.0.0.0/9", "10.127.255.1"), 1);
	ck_assert_int_eq(metrics_allowed("10.0.0.0/9", "10.128.0.1"), 0);
	ck_assert_int_eq(metrics_allowed("fd00::/8", "fd12::1"), 1);
	ck_assert_int_eq(metrics_allowed("127.0.0.1", NULL), 0);
	ck_assert_int_eq(metrics_allowed("127.0.0.1", "garbage"), 0);
	ck_assert_int_eq(metrics_allowed("localhost", "127.0.0.1"), -1);
	ck_assert_int_eq(metrics_allowed("10.0.0.0/33", "10.0.0.1"), -1);
	ck_assert_int_eq(metrics_allowed("10.0.0.0/", "10.0.0.1"), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_count_render);
	tcase_add_test(tc, test_attempts);
	tcase_add_test(tc, test_survives_processes);
	tcase_add_test(tc, test_gauges);
	tcase_add_test(tc, test_damaged_replaced);
	tcase_add_test(tc, test_first_at_once);
	tcase_add_test(tc, test_allowed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
