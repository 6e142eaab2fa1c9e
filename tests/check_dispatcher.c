/*
 * The message from a responder to its dispatcher: what is encoded
 * decodes to the same reference, and a message cut, padded or tampered
 * with is refused, never read past its end.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "dispatcher.h"

#define ID	"01a22659-5e7f-76d6-895c-bdfe7b249bad"

static struct dispatcher_ref *
sample(void)
{
	struct dispatcher_ref	*ref;

	ref = calloc(1, sizeof(*ref) + 2 * sizeof(size_t));
	ck_assert_ptr_nonnull(ref);
	memcpy(ref->id, ID, sizeof(ref->id));
	ref->received_us = 1764403200123456;
	ref->segno = 7;
	ref->offset = (off_t)5 << 32;	/* past 4 GiB: 64 bits on the wire */
	ref->nhandlers = 2;
	ref->handlers[0] = 0;
	ref->handlers[1] = 2;
	return ref;
}

static unsigned char	msg[256];

static size_t
sample_msg(void)
{
	struct dispatcher_ref	*ref = sample();
	size_t			 len;

	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_uint_gt(len, 0);
	free(ref);
	return len;
}

START_TEST(test_round_trip)
{
	struct dispatcher_ref	*ref;
	size_t			 len = sample_msg();

	ref = dispatcher_ref_decode(msg, len, 3);
	ck_assert_ptr_nonnull(ref);
	ck_assert_str_eq(ref->id, ID);
	ck_assert_int_eq(ref->received_us, 1764403200123456);
	ck_assert_uint_eq(ref->segno, 7);
	ck_assert_int_eq(ref->offset, (off_t)5 << 32);
	ck_assert_uint_eq(ref->nhandlers, 2);
	ck_assert_uint_eq(ref->handlers[0], 0);
	ck_assert_uint_eq(ref->handlers[1], 2);
	free(ref);
}
END_TEST

/* Every proper prefix, and one byte more, is refused. */
START_TEST(test_cut_and_padded)
{
	size_t	len = sample_msg(), i;

	for (i = 0; i < len; i++) {
		errno = 0;
		ck_assert_msg(dispatcher_ref_decode(msg, i, 3) == NULL,
		    "prefix of %zu bytes accepted", i);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len + 1, 3));
}
END_TEST

/* A handler index the dispatcher's configuration does not have. */
START_TEST(test_handler_index)
{
	size_t	len = sample_msg();

	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 2));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 0));
}
END_TEST

START_TEST(test_bad_fields)
{
	struct dispatcher_ref	*ref = sample();
	size_t			 len;

	/* An id that is not one. */
	len = sample_msg();
	msg[4 + 8] = 'x';
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	/* Another magic. */
	len = sample_msg();
	msg[3] = '2';
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	/* No segment 0, no negative offset, no time before 1970. */
	ref->segno = 0;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	ref->segno = 1;
	ref->offset = -1;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	ref->offset = 0;
	ref->received_us = 0;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	/* No handler at all. */
	ref->received_us = 1;
	ref->nhandlers = 0;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	free(ref);
}
END_TEST

/* Too many handlers for the buffer: nothing written, 0. */
START_TEST(test_encode_room)
{
	struct dispatcher_ref	*ref = sample();

	ck_assert_uint_eq(dispatcher_ref_encode(ref, msg, 20), 0);
	ck_assert_uint_eq(dispatcher_ref_encode(ref, msg, 4 + 36 + 24 + 4), 0);
	ck_assert_uint_eq(dispatcher_ref_encode(ref, msg, 4 + 36 + 24 + 8),
	    4 + 36 + 24 + 8);
	free(ref);
}
END_TEST

/* Flip every byte in turn: refused or decoded, never a crash. */
START_TEST(test_every_byte)
{
	struct dispatcher_ref	*ref;
	size_t			 len = sample_msg(), i;
	int			 refused = 0;

	for (i = 0; i < len; i++) {
		msg[i] ^= 0xff;
		if ((ref = dispatcher_ref_decode(msg, len, 3)) == NULL)
			refused++;
		free(ref);
		msg[i] ^= 0xff;
	}
	/* Magic, id, count, handlers: most flips break the message. */
	ck_assert_int_gt(refused, (int)len / 2);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dispatcher");
	TCase	*tc = tcase_create("message");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_cut_and_padded);
	tcase_add_test(tc, test_handler_index);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_encode_room);
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);
	return check_run(s);
}
