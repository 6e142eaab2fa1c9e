/* check_fcgirec: the FastCGI record stream, parsed and written. */
#include "config.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "fcgirec.h"

struct buf {
	unsigned char	p[300000];
	size_t		len;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->len + n, sizeof(b->p));
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
record(struct buf *b, int type, int id, const void *p, size_t n, int pad)
{
	unsigned char	h[8] = { 1, (unsigned char)type, (unsigned char)(id >> 8),
	    (unsigned char)id, (unsigned char)(n >> 8), (unsigned char)n,
	    (unsigned char)pad, 0 };
	static const unsigned char	zeros[255];

	put(b, h, 8);
	put(b, p, n);
	put(b, zeros, (size_t)pad);
}

static void
pair(struct buf *b, const char *name, const char *value)
{
	size_t		nl = strlen(name), vl = strlen(value);
	unsigned char	l[4];

	l[0] = (unsigned char)nl;
	put(b, l, 1);
	l[0] = (unsigned char)(vl >> 24 | 0x80);
	l[1] = (unsigned char)(vl >> 16);
	l[2] = (unsigned char)(vl >> 8);
	l[3] = (unsigned char)vl;
	put(b, l, 4);		/* four-byte form, even for short values */
	put(b, name, nl);
	put(b, value, vl);
}

static const unsigned char	responder[8] = { 0, 1, 0 };
static const unsigned char	kept[8] = { 0, 1, 1 };

/* A whole request: BEGIN, params (in one record), STDIN. */
static void
request(struct buf *b, int id, const unsigned char *begin, struct buf *params,
    const char *body)
{
	record(b, 1, id, begin, 8, 0);
	record(b, 4, id, params->p, params->len, 3);
	record(b, 4, id, NULL, 0, 0);
	if (*body != '\0')
		record(b, 5, id, body, strlen(body), 7);
	record(b, 5, id, NULL, 0, 0);
}

static int	answer_each;	/* answer each request as it comes */

/* Feed all of b, step bytes at a time; the events seen, as letters. */
static char *
feed(struct fcgirec *fr, const struct buf *b, size_t step, size_t limit)
{
	static char		 seen[64];
	enum fcgirec_event	 ev;
	size_t			 at = 0, end, n, k = 0;

	while (at < b->len) {
		end = at + step < b->len ? at + step : b->len;
		while (at < end) {
			n = fcgirec_feed(fr, b->p + at, end - at, &ev);
			at += n;
			if (ev == FCGIREC_PARAMS) {
				seen[k++] = 'P';
				fcgirec_set_body_limit(fr, limit);
			} else if (ev == FCGIREC_REQUEST) {
				seen[k++] = 'R';
				if (answer_each)
					fcgirec_answered(fr);
			} else if (ev == FCGIREC_ERROR) {
				seen[k++] = 'E';
				seen[k] = '\0';
				return seen;
			}
		}
	}
	seen[k] = '\0';
	return seen;
}

static struct buf	params, stream;

static void
setup(void)
{
	memset(&params, 0, sizeof(params));
	memset(&stream, 0, sizeof(stream));
	answer_each = 0;
	pair(&params, "REQUEST_METHOD", "POST");
	pair(&params, "HTTP_X_EMPTY", "");
	pair(&params, "CONTENT_LENGTH", "5");
}

START_TEST(test_request_any_split)
{
	struct fcgirec	fr;
	size_t		step;

	request(&stream, 258, responder, &params, "hello");
	for (step = 1; step <= stream.len; step++) {
		fcgirec_init(&fr, 4096);
		ck_assert_str_eq(feed(&fr, &stream, step, 100), "PR");
		ck_assert_uint_eq(fr.id, 258);
		ck_assert_int_eq(fr.keep, 0);
		ck_assert_uint_eq(fr.nenv, 3);
		ck_assert_str_eq(fr.envp[0], "REQUEST_METHOD=POST");
		ck_assert_str_eq(fr.envp[1], "HTTP_X_EMPTY=");
		ck_assert_ptr_null(fr.envp[3]);
		ck_assert_str_eq(fcgirec_param(&fr, "CONTENT_LENGTH"), "5");
		ck_assert_ptr_null(fcgirec_param(&fr, "CONTENT"));
		ck_assert_uint_eq(fr.body_len, 5);
		ck_assert_mem_eq(fr.body, "hello", 5);
		ck_assert_int_eq(fr.body_over, 0);
		fcgirec_answered(&fr);
		ck_assert_int_eq(fcgirec_idle(&fr), 1);
		fcgirec_free(&fr);
	}
}
END_TEST

START_TEST(test_kept_back_to_back)
{
	struct fcgirec		fr;
	enum fcgirec_event	ev;
	size_t			n;

	request(&stream, 1, kept, &params, "one");
	request(&stream, 2, kept, &params, "two");
	fcgirec_init(&fr, 4096);
	n = fcgirec_feed(&fr, stream.p, stream.len, &ev);
	ck_assert_int_eq(ev, FCGIREC_PARAMS);
	fcgirec_set_body_limit(&fr, 100);
	n += fcgirec_feed(&fr, stream.p + n, stream.len - n, &ev);
	ck_assert_int_eq(ev, FCGIREC_REQUEST);
	ck_assert_uint_lt(n, stream.len);	/* the second is left */
	ck_assert_int_eq(fr.keep, 1);
	ck_assert_mem_eq(fr.body, "one", 3);
	fcgirec_answered(&fr);
	ck_assert_str_eq(feed(&fr, &(struct buf){ .len = 0 }, 1, 100), "");
	memmove(stream.p, stream.p + n, stream.len - n);
	stream.len -= n;
	ck_assert_str_eq(feed(&fr, &stream, stream.len, 100), "PR");
	ck_assert_uint_eq(fr.id, 2);
	ck_assert_mem_eq(fr.body, "two", 3);
	fcgirec_free(&fr);
}
END_TEST

/* Lengths that add up past INT_MAX, or past the bytes that are there. */
START_TEST(test_lengths_that_lie)
{
	static const unsigned char	lies[][12] = {
		{ 0xc0, 0, 0, 0, 0xc0, 0, 0, 0, 'x', 'x', 'x', 'x' },
		{ 0xff, 0xff, 0xff, 0xff, 1, 'x', 'x', 'x', 'x', 'x', 'x', 'x' },
		{ 4, 0x80, 0, 0, 8, 'N', 'A', 'M', 'E', 'v', 'v', 'v' },
		{ 0x80, 0, 0, 0, 1, 'x', 'x', 'x', 'x', 'x', 'x', 'x' },
	};
	struct fcgirec	fr;
	size_t		i;

	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		stream.len = 0;
		record(&stream, 1, 1, responder, 8, 0);
		record(&stream, 4, 1, lies[i], sizeof(lies[i]), 0);
		record(&stream, 4, 1, NULL, 0, 0);
		fcgirec_init(&fr, 4096);
		ck_assert_str_eq(feed(&fr, &stream, 5, 100), "E");
		ck_assert_str_eq(fr.error, "malformed parameters");
		fcgirec_free(&fr);
	}
}
END_TEST

START_TEST(test_names_no_cgi_variable_has)
{
	static const char	*names[] = { "", "A=B", "A\001" };
	struct fcgirec		 fr;
	struct buf		 bad;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		memset(&bad, 0, sizeof(bad));
		pair(&bad, names[i], "v");
		if (i == 2)
			bad.p[1 + 4 + 1] = '\0';	/* "A\0" */
		stream.len = 0;
		request(&stream, 1, responder, &bad, "");
		fcgirec_init(&fr, 4096);
		ck_assert_str_eq(feed(&fr, &stream, stream.len, 100), "E");
		fcgirec_free(&fr);
	}
}
END_TEST

START_TEST(test_not_version_1)
{
	struct fcgirec	fr;

	request(&stream, 1, responder, &params, "");
	stream.p[0] = 2;
	fcgirec_init(&fr, 4096);
	ck_assert_str_eq(feed(&fr, &stream, 3, 100), "E");
	ck_assert_str_eq(fr.error, "not FastCGI version 1");
	fcgirec_free(&fr);
}
END_TEST

/* Parameters past the limit are counted, not kept, not decoded. */
START_TEST(test_params_over)
{
	struct fcgirec	fr;
	char		big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pair(&params, "HTTP_X_BIG", big);
	request(&stream, 1, responder, &params, "hello");
	fcgirec_init(&fr, 1024);
	ck_assert_str_eq(feed(&fr, &stream, 100, 100), "PR");
	ck_assert_int_eq(fcgirec_params_over(&fr), 1);
	ck_assert_uint_eq(fr.params_len, 1024);
	ck_assert_uint_eq(fr.nenv, 0);
	ck_assert_ptr_null(fr.envp[0]);
	fcgirec_free(&fr);
}
END_TEST

/* A body past the limit hands the request over at once, then is
 * dropped to its end. */
START_TEST(test_body_over)
{
	struct fcgirec	fr;

	request(&stream, 1, kept, &params, "0123456789");
	request(&stream, 2, kept, &params, "ok");
	answer_each = 1;
	fcgirec_init(&fr, 4096);
	ck_assert_str_eq(feed(&fr, &stream, stream.len, 4), "PRPR");
	fcgirec_free(&fr);

	/* All but the empty STDIN record that ends the body. */
	stream.len = 0;
	request(&stream, 1, kept, &params, "0123456789");
	stream.len -= 8;
	answer_each = 0;
	fcgirec_init(&fr, 4096);
	ck_assert_str_eq(feed(&fr, &stream, stream.len, 4), "PR");
	ck_assert_int_eq(fr.body_over, 1);
	ck_assert_uint_eq(fr.body_len, 4);
	ck_assert_mem_eq(fr.body, "0123", 4);
	fcgirec_answered(&fr);
	ck_assert_int_eq(fcgirec_idle(&fr), 0);	/* its body goes on */
	stream.len = 0;
	record(&stream, 5, 1, NULL, 0, 0);
	ck_assert_str_eq(feed(&fr, &stream, 8, 4), "");
	ck_assert_int_eq(fcgirec_idle(&fr), 1);
	fcgirec_free(&fr);
}
END_TEST

START_TEST(test_management_records)
{
	struct fcgirec	fr;
	struct buf	q;
	const char	*r;

	memset(&q, 0, sizeof(q));
	pair(&q, "FCGI_MPXS_CONNS", "");
	record(&stream, 9, 0, q.p, q.len, 0);	/* GET_VALUES */
	record(&stream, 42, 0, "xy", 2, 6);	/* a type no one knows */
	fcgirec_init(&fr, 4096);
	ck_assert_str_eq(feed(&fr, &stream, stream.len, 100), "");
	ck_assert_int_eq(fr.out[1], 10);	/* GET_VALUES_RESULT */
	r = (const char *)fr.out + 8;
	ck_assert_ptr_nonnull(memmem(r, fr.out_len - 8, "FCGI_MPXS_CONNS0",
	    16));
	ck_assert_int_eq(fr.out[fr.out_len - 16 + 1], 11); /* UNKNOWN_TYPE */
	ck_assert_int_eq(fr.out[fr.out_len - 8], 42);
	fcgirec_free(&fr);
}
END_TEST

START_TEST(test_other_role_and_second_request)
{
	static const unsigned char	filter[8] = { 0, 3 };
	struct fcgirec			fr;

	record(&stream, 1, 7, filter, 8, 0);
	record(&stream, 1, 1, responder, 8, 0);
	record(&stream, 1, 2, responder, 8, 0);	/* while 1 goes on */
	fcgirec_init(&fr, 4096);
	ck_assert_str_eq(feed(&fr, &stream, stream.len, 100), "");
	ck_assert_uint_eq(fr.out_len, 32);
	/* END_REQUEST of 7: FCGI_UNKNOWN_ROLE; of 2: FCGI_CANT_MPX_CONN. */
	ck_assert_int_eq(fr.out[1], 3);
	ck_assert_int_eq(fr.out[3], 7);
	ck_assert_int_eq(fr.out[12], 3);
	ck_assert_int_eq(fr.out[16 + 3], 2);
	ck_assert_int_eq(fr.out[16 + 12], 1);
	ck_assert_uint_eq(fr.id, 1);
	fcgirec_free(&fr);
}
END_TEST

START_TEST(test_abort)
{
	struct fcgirec	fr;

	record(&stream, 1, 1, responder, 8, 0);
	record(&stream, 4, 1, params.p, params.len, 0);
	record(&stream, 2, 1, NULL, 0, 0);	/* ABORT_REQUEST */
	request(&stream, 3, responder, &params, "hello");
	fcgirec_init(&fr, 4096);
	ck_assert_str_eq(feed(&fr, &stream, stream.len, 100), "PR");
	ck_assert_uint_eq(fr.id, 3);
	ck_assert_uint_eq(fr.out_len, 16);	/* END_REQUEST of 1 */
	ck_assert_int_eq(fr.out[3], 1);
	fcgirec_free(&fr);
}
END_TEST

START_TEST(test_answer)
{
	static unsigned char	data[70000], out[70100];
	size_t			n;

	memset(data, 'd', sizeof(data));
	ck_assert_uint_eq(fcgirec_answer(5, data, sizeof(data), out, 100), 0);
	n = fcgirec_answer(5, data, sizeof(data), out, sizeof(out));
	/* STDOUT 65535, STDOUT 4465, STDOUT empty, END_REQUEST. */
	ck_assert_uint_eq(n, 8 + 65535 + 8 + 4465 + 8 + 16);
	ck_assert_int_eq(out[1], 6);
	ck_assert_int_eq(out[3], 5);
	ck_assert_int_eq(out[4] << 8 | out[5], 65535);
	ck_assert_int_eq(out[8 + 65535 + 4] << 8 | out[8 + 65535 + 5], 4465);
	ck_assert_int_eq(out[n - 16 - 8 + 5], 0);	/* end of STDOUT */
	ck_assert_int_eq(out[n - 16 + 1], 3);		/* END_REQUEST */
	ck_assert_int_eq(out[n - 8 + 4], 0);		/* complete */
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fcgirec");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_request_any_split);
	tcase_add_test(tc, test_kept_back_to_back);
	tcase_add_test(tc, test_lengths_that_lie);
	tcase_add_test(tc, test_names_no_cgi_variable_has);
	tcase_add_test(tc, test_not_version_1);
	tcase_add_test(tc, test_params_over);
	tcase_add_test(tc, test_body_over);
	tcase_add_test(tc, test_management_records);
	tcase_add_test(tc, test_other_role_and_second_request);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_answer);
	suite_add_tcase(s, tc);
	return check_run(s);
}
