/*
 * The job message between a responder and its dispatcher: what is
 * encoded decodes to the same job, and a message cut, padded or
 * tampered with anywhere is refused, never read past its end.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "dispatch.h"
#include "dispatcher.h"

#define ID	"01a22659-5e7f-76d6-895c-bdfe7b249bad"

static size_t			 idx[2] = { 0, 2 };
static const unsigned char	 body[] = "{\"a\":1}\0\xff binary";

static struct dispatch_job *
sample(void)
{
	struct dispatch_job	*job;

	job = calloc(1, sizeof(*job));
	ck_assert_ptr_nonnull(job);
	memcpy(job->id, ID, sizeof(job->id));
	job->endpoint = strdup("github");
	job->path = strdup("/hooks/github");
	job->method = strdup("POST");
	ck_assert_int_eq(header_add(&job->headers, "x-github-event", "push"), 0);
	ck_assert_int_eq(header_add(&job->headers, "x-empty", ""), 0);
	job->body = malloc(sizeof(body));
	memcpy(job->body, body, sizeof(body));
	job->body_len = sizeof(body) - 1;
	job->handlers = calloc(2, sizeof(size_t));
	memcpy(job->handlers, idx, sizeof(idx));
	job->nhandlers = 2;
	return job;
}

static unsigned char *
sample_msg(size_t *len)
{
	struct dispatch_job	*job = sample();
	unsigned char		*msg;

	msg = dispatcher_job_encode(job, len);
	ck_assert_ptr_nonnull(msg);
	dispatch_job_free(job);
	return msg;
}

START_TEST(test_round_trip)
{
	struct dispatch_job	*job;
	unsigned char		*msg;
	size_t			 len;

	msg = sample_msg(&len);
	job = dispatcher_job_decode(msg, len, 3);
	ck_assert_ptr_nonnull(job);
	ck_assert_str_eq(job->id, ID);
	ck_assert_str_eq(job->endpoint, "github");
	ck_assert_str_eq(job->path, "/hooks/github");
	ck_assert_str_eq(job->method, "POST");
	ck_assert_uint_eq(job->nhandlers, 2);
	ck_assert_uint_eq(job->handlers[0], 0);
	ck_assert_uint_eq(job->handlers[1], 2);
	ck_assert_uint_eq(job->headers.n, 2);
	ck_assert_str_eq(job->headers.v[0].name, "x-github-event");
	ck_assert_str_eq(job->headers.v[0].value, "push");
	ck_assert_str_eq(job->headers.v[1].value, "");
	ck_assert_uint_eq(job->body_len, sizeof(body) - 1);
	ck_assert_mem_eq(job->body, body, sizeof(body) - 1);
	/* Not JSON as a whole: no payload, as for the responder. */
	ck_assert_ptr_null(job->payload);
	dispatch_job_free(job);
	free(msg);
}
END_TEST

START_TEST(test_payload_parsed)
{
	struct dispatch_job	*job = sample(), *back;
	unsigned char		*msg;
	size_t			 len;

	job->body_len = 7;	/* {"a":1} */
	msg = dispatcher_job_encode(job, &len);
	back = dispatcher_job_decode(msg, len, 3);
	ck_assert_ptr_nonnull(back);
	ck_assert_ptr_nonnull(back->payload);
	ck_assert_int_eq(json_integer_value(json_object_get(back->payload,
	    "a")), 1);
	dispatch_job_free(back);
	dispatch_job_free(job);
	free(msg);
}
END_TEST

/* Every proper prefix, and one byte more, is refused. */
START_TEST(test_cut_and_padded)
{
	unsigned char	*msg, *big;
	size_t		 len, i;

	msg = sample_msg(&len);
	for (i = 0; i < len; i++) {
		errno = 0;
		ck_assert_msg(dispatcher_job_decode(msg, i, 3) == NULL,
		    "prefix of %zu bytes accepted", i);
		ck_assert_int_eq(errno, EINVAL);
	}
	big = malloc(len + 1);
	memcpy(big, msg, len);
	big[len] = 0;
	ck_assert_ptr_null(dispatcher_job_decode(big, len + 1, 3));
	free(big);
	free(msg);
}
END_TEST

/* A handler index the dispatcher's configuration does not have. */
START_TEST(test_handler_index)
{
	unsigned char	*msg;
	size_t		 len;

	msg = sample_msg(&len);
	ck_assert_ptr_null(dispatcher_job_decode(msg, len, 2));
	ck_assert_ptr_null(dispatcher_job_decode(msg, len, 0));
	free(msg);
}
END_TEST

/*
 * Flip every byte in turn: the message is refused or decodes to a job,
 * never crashes or reads past its end (the sanitizer and valgrind runs
 * would tell); huge counts and lengths are refused.
 */
START_TEST(test_every_byte)
{
	struct dispatch_job	*job;
	unsigned char		*msg;
	size_t			 len, i;
	int			 refused = 0;

	msg = sample_msg(&len);
	for (i = 0; i < len; i++) {
		msg[i] ^= 0xff;
		job = dispatcher_job_decode(msg, len, 3);
		if (job == NULL)
			refused++;
		dispatch_job_free(job);
		msg[i] ^= 0xff;
	}
	/* Lengths, counts, magic, id: most flips break the message. */
	ck_assert_int_gt(refused, (int)len / 4);
	free(msg);
}
END_TEST

START_TEST(test_bad_strings)
{
	unsigned char	*msg;
	size_t		 len;
	char		*p;

	/* A NUL inside a string field. */
	msg = sample_msg(&len);
	p = memmem(msg, len, "/hooks/github", 13);
	ck_assert_ptr_nonnull(p);
	p[6] = '\0';
	ck_assert_ptr_null(dispatcher_job_decode(msg, len, 3));
	free(msg);
	/* An id that is not one. */
	msg = sample_msg(&len);
	p = memmem(msg, len, ID, strlen(ID));
	p[8] = 'x';
	ck_assert_ptr_null(dispatcher_job_decode(msg, len, 3));
	free(msg);
	/* Another magic. */
	msg = sample_msg(&len);
	msg[3] = '2';
	ck_assert_ptr_null(dispatcher_job_decode(msg, len, 3));
	free(msg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dispatcher");
	TCase	*tc = tcase_create("job message");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_payload_parsed);
	tcase_add_test(tc, test_cut_and_padded);
	tcase_add_test(tc, test_handler_index);
	tcase_add_test(tc, test_every_byte);
	tcase_add_test(tc, test_bad_strings);
	suite_add_tcase(s, tc);
	return check_run(s);
}
