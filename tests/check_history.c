/*
 * check_history: folding spool records into event state, with records
 * made by record_event_encode/record_attempt_encode and a fixed clock.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "event.h"
#include "history.h"
#include "record.h"
#include "check_run.h"

#define T0	INT64_C(1764394295000000)	/* 2025-11-29T05:31:35Z */
#define SEC	INT64_C(1000000)

static const char	*ID = "019ace3e-4b58-7000-8000-000000000001";
static const char	*ID2 = "019ace3e-4b58-7000-8000-000000000002";

static int
add_event(struct history *hi, const char *id, const char *const *handlers,
    size_t n, unsigned seg)
{
	struct event	 ev;
	char		*line;
	size_t		 len;
	int		 k;

	memset(&ev, 0, sizeof(ev));
	memcpy(ev.id, id, sizeof(ev.id));
	ev.received_us = T0;
	ev.endpoint = "github";
	ev.path = "/hooks/github";
	ev.method = "POST";
	ev.body = (const unsigned char *)"{\"a\":\"x\\\"}\"}";
	ev.body_len = strlen((const char *)ev.body);
	ev.verification = "none ok";
	ev.handlers = handlers;
	ev.nhandlers = n;
	line = record_event_encode(&ev, &len);
	ck_assert_ptr_nonnull(line);
	k = history_add(hi, line, len - 1, seg, 100, NULL);
	free(line);
	return k;
}

static int
add_attempt(struct history *hi, const char *id, const char *handler,
    int number, const char *state, int64_t started, int64_t next)
{
	struct attempt	 at;
	char		*line;
	size_t		 len;
	int		 k;

	memset(&at, 0, sizeof(at));
	at.event_id = id;
	at.handler = handler;
	at.number = number;
	at.state = state;
	at.started_us = started;
	at.ended_us = strcmp(state, "running") == 0 ? 0 : started + SEC / 10;
	at.timeout = 30;
	at.exit_status = strcmp(state, "done") == 0 ? 0 :
	    strcmp(state, "running") == 0 ? -1 : 3;
	at.next_us = next;
	at.output = "out\n";
	at.output_len = 4;
	line = record_attempt_encode(&at, &len);
	ck_assert_ptr_nonnull(line);
	k = history_add(hi, line, len - 1, 2, 0, NULL);
	free(line);
	return k;
}

static const struct history_grace grace = { 30 * SEC, 60 * SEC };

START_TEST(event_alone_is_pending_then_due_after_grace)
{
	static const char *const hs[] = { "a" };
	struct history		*hi = history_new(0);
	struct history_event	*ev;

	ck_assert_int_eq(add_event(hi, ID, hs, 1, 7), HISTORY_EVENT);
	ev = history_get(hi, ID);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(ev->segment, 7);
	ck_assert(ev->received_us == T0);
	ck_assert_str_eq(ev->path, "/hooks/github");
	ck_assert_int_eq(history_status(ev), HISTORY_PENDING);
	ck_assert(history_due(ev, &ev->handlers[0], &grace) == T0 + 60 * SEC);
	history_free(hi);
}
END_TEST

START_TEST(no_handlers_is_done)
{
	struct history		*hi = history_new(0);

	add_event(hi, ID, NULL, 0, 1);
	ck_assert_int_eq(history_status(history_get(hi, ID)), HISTORY_DONE);
	history_free(hi);
}
END_TEST

START_TEST(failed_then_done)
{
	static const char *const hs[] = { "a" };
	struct history		*hi = history_new(0);
	struct history_event	*ev;
	char			 err[64];

	add_event(hi, ID, hs, 1, 1);
	add_attempt(hi, ID, "a", 1, "running", T0, 0);
	ev = history_get(hi, ID);
	ck_assert_int_eq(ev->handlers[0].state, HS_RUNNING);
	ck_assert(history_due(ev, &ev->handlers[0], &grace) ==
	    T0 + 60 * SEC);
	add_attempt(hi, ID, "a", 1, "failed", T0, T0 + 2 * SEC);
	ck_assert_int_eq(history_status(ev), HISTORY_FAILED);
	ck_assert(history_due(ev, &ev->handlers[0], &grace) == T0 + 2 * SEC);
	history_error(&ev->handlers[0], err, sizeof(err));
	ck_assert_str_eq(err, "exit 3");
	add_attempt(hi, ID, "a", 2, "running", T0 + 2 * SEC, 0);
	add_attempt(hi, ID, "a", 2, "done", T0 + 2 * SEC, 0);
	ck_assert_int_eq(history_status(ev), HISTORY_DONE);
	ck_assert_int_eq(ev->handlers[0].attempts, 2);
	ck_assert(history_due(ev, &ev->handlers[0], &grace) == -1);
	ck_assert_int_eq(history_attempts(ev), 2);
	history_free(hi);
}
END_TEST

/* Newest first, as list reads: the same state. */
START_TEST(order_does_not_matter)
{
	static const char *const hs[] = { "a", "b" };
	struct history		*hi = history_new(0);
	struct history_event	*ev;

	add_attempt(hi, ID, "b", 4, "dead", T0 + 9 * SEC, 0);
	add_attempt(hi, ID, "b", 4, "running", T0 + 9 * SEC, 0);
	add_attempt(hi, ID, "a", 1, "done", T0, 0);
	add_attempt(hi, ID, "b", 1, "failed", T0, T0 + SEC);
	add_attempt(hi, ID, "a", 1, "running", T0, 0);
	add_event(hi, ID, hs, 2, 3);
	ev = history_get(hi, ID);
	ck_assert_int_eq(ev->nhandlers, 2);
	ck_assert_int_eq(ev->handlers[0].state, HS_DEAD);	/* b first */
	ck_assert_int_eq(ev->handlers[1].state, HS_DONE);
	ck_assert_int_eq(history_status(ev), HISTORY_DEAD);
	ck_assert_int_eq(history_attempts(ev), 5);
	ck_assert(history_settled(ev));
	history_free(hi);
}
END_TEST

START_TEST(running_too_long_is_due)
{
	static const char *const hs[] = { "a" };
	struct history		*hi = history_new(0);
	struct history_event	*ev;

	add_event(hi, ID, hs, 1, 1);
	add_attempt(hi, ID, "a", 3, "running", T0 + 5 * SEC, 0);
	ev = history_get(hi, ID);
	/* timeout 30 s + grace 30 s */
	ck_assert(history_due(ev, &ev->handlers[0], &grace) == T0 + 65 * SEC);
	ck_assert_int_eq(history_status(ev), HISTORY_PENDING);
	history_free(hi);
}
END_TEST

START_TEST(settled_drop)
{
	static const char *const hs[] = { "a" };
	struct history	*hi = history_new(HISTORY_SETTLED_DROP);

	add_event(hi, ID2, NULL, 0, 1);
	ck_assert_ptr_null(history_get(hi, ID2));
	add_event(hi, ID, hs, 1, 1);
	ck_assert_uint_eq(history_count(hi), 1);
	add_attempt(hi, ID, "a", 1, "failed", T0, T0 + SEC);
	ck_assert_uint_eq(history_count(hi), 1);
	add_attempt(hi, ID, "a", 2, "done", T0 + SEC, 0);
	ck_assert_uint_eq(history_count(hi), 0);
	/* attempts of events not kept are ignored */
	ck_assert_int_eq(add_attempt(hi, ID2, "a", 1, "failed", T0, T0),
	    HISTORY_ATTEMPT);
	ck_assert_uint_eq(history_count(hi), 0);
	history_free(hi);
}
END_TEST

/* A "retry" record: attempt N again, due at its next_at. */
static int
add_retry(struct history *hi, const char *id, const char *handler,
    int number, int64_t at_us, unsigned rec_seg)
{
	struct attempt	 at;
	char		*line;
	size_t		 len;
	int		 k;

	memset(&at, 0, sizeof(at));
	at.event_id = id;
	at.handler = handler;
	at.number = number;
	at.state = "retry";
	at.started_us = at.ended_us = at.next_us = at_us;
	at.timeout = 30;
	at.exit_status = -1;
	at.placed = 1;
	at.segment = 1;
	at.offset = 100;
	line = record_attempt_encode(&at, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, ",\"segment\":1,\"offset\":100}"));
	k = history_add(hi, line, len - 1, rec_seg, 0, NULL);
	free(line);
	return k;
}

/* Dead, then retried: pending, due at once; its next attempt settles it. */
START_TEST(retry_after_dead)
{
	static const char *const hs[] = { "a", "b" };
	struct history		*hi = history_new(0);
	struct history_event	*ev;
	int			 order;

	for (order = 0; order < 2; order++) {
		add_event(hi, ID, hs, 2, 1);
		add_attempt(hi, ID, "b", 1, "done", T0, 0);
		if (order == 0) {	/* as written */
			add_attempt(hi, ID, "a", 2, "running", T0, 0);
			add_attempt(hi, ID, "a", 2, "dead", T0, 0);
			add_retry(hi, ID, "a", 2, T0 + 100 * SEC, 3);
		} else {		/* any order: the retry still wins */
			add_retry(hi, ID, "a", 2, T0 + 100 * SEC, 3);
			add_attempt(hi, ID, "a", 2, "dead", T0, 0);
			add_attempt(hi, ID, "a", 2, "running", T0, 0);
		}
		ev = history_get(hi, ID);
		ck_assert_ptr_nonnull(ev);
		ck_assert_str_eq(history_status_name(history_status(ev)),
		    "pending");
		ck_assert(!history_settled(ev));
		ck_assert_str_eq(history_state_name(ev->handlers[0].state),
		    "retry");
		ck_assert_int_eq(history_due(ev, &ev->handlers[0], &grace),
		    T0 + 100 * SEC);
		add_attempt(hi, ID, "a", 3, "dead", T0 + 101 * SEC, 0);
		ck_assert_str_eq(history_status_name(history_status(ev)),
		    "dead");
		history_free(hi);
		hi = history_new(0);
	}
	history_free(hi);
}
END_TEST

/*
 * A reader that forgot the event as settled takes it up again at its
 * retry record, which says where the event record is; a retry of an
 * event it still holds is folded as usual.
 */
START_TEST(retry_resumes_dropped)
{
	static const char *const hs[] = { "a" };
	struct history		*hi = history_new(HISTORY_SETTLED_DROP);
	struct history_event	*ev;

	add_event(hi, ID, hs, 1, 1);
	ck_assert_uint_eq(history_count(hi), 1);
	ck_assert_uint_eq(history_get(hi, ID)->anchor, 1);
	add_attempt(hi, ID, "a", 1, "dead", T0, 0);
	ck_assert_uint_eq(history_count(hi), 0);
	add_retry(hi, ID, "a", 1, T0 + 5 * SEC, 7);
	ev = history_get(hi, ID);
	ck_assert_ptr_nonnull(ev);
	ck_assert(ev->has_event);
	ck_assert_uint_eq(ev->segment, 1);
	ck_assert_int_eq(ev->offset, 100);
	ck_assert_uint_eq(ev->anchor, 7);
	ck_assert_uint_eq(ev->nhandlers, 1);
	ck_assert_int_eq(history_due(ev, &ev->handlers[0], &grace),
	    T0 + 5 * SEC);
	add_attempt(hi, ID, "a", 2, "running", T0 + 6 * SEC, 0);
	ck_assert_uint_eq(history_count(hi), 1);
	add_attempt(hi, ID, "a", 2, "done", T0 + 6 * SEC, 0);
	ck_assert_uint_eq(history_count(hi), 0);
	/* Any other attempt of an event not kept is still ignored. */
	add_attempt(hi, ID2, "a", 1, "failed", T0, T0);
	ck_assert_uint_eq(history_count(hi), 0);
	history_free(hi);
}
END_TEST

/* An event whose record cannot be read: set aside, settled, dropped. */
START_TEST(unreadable_is_settled)
{
	static const char *const hs[] = { "a", "b" };
	struct history		*hi = history_new(0), *drop;
	struct history_event	*ev;
	struct history_grace	 g = { SEC, SEC };
	char			 err[64];

	add_event(hi, ID, hs, 2, 1);
	add_attempt(hi, ID, "a", 1, "failed", T0, T0 + SEC);
	add_attempt(hi, ID, "a", 2, "unreadable", T0 + SEC, 0);
	ev = history_get(hi, ID);
	ck_assert_int_eq(history_status(ev), HISTORY_UNREADABLE);
	ck_assert(!history_settled(ev));	/* b is not set aside yet */
	add_attempt(hi, ID, "b", 1, "unreadable", T0 + SEC, 0);
	ck_assert_int_eq(ev->handlers[0].state, HS_UNREADABLE);
	ck_assert_int_eq(history_status(ev), HISTORY_UNREADABLE);
	ck_assert(history_settled(ev));
	ck_assert(history_due(ev, &ev->handlers[0], &g) == -1);
	ck_assert(history_due(ev, &ev->handlers[1], &g) == -1);
	history_error(&ev->handlers[0], err, sizeof(err));
	ck_assert_str_eq(err, "exit 3");
	ck_assert_str_eq(history_status_name(HISTORY_UNREADABLE),
	    "unreadable");
	ck_assert_int_eq(history_status_parse("unreadable"),
	    HISTORY_UNREADABLE);
	ck_assert_str_eq(history_state_name(HS_UNREADABLE), "unreadable");
	history_free(hi);

	drop = history_new(HISTORY_SETTLED_DROP);
	add_event(drop, ID, hs + 1, 1, 1);
	ck_assert_uint_eq(history_count(drop), 1);
	add_attempt(drop, ID, "b", 1, "unreadable", T0, 0);
	ck_assert_uint_eq(history_count(drop), 0);
	history_free(drop);
}
END_TEST

START_TEST(bad_lines_are_skipped)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"type\":\"event\"}", "{\"type\":\"event\","
		"\"id\":\"nope\"}", "{\"type\":\"attempt\",\"id\":"
		"\"019ace3e-4b58-7000-8000-000000000001\",\"attempt\":0}",
		"{\"type\":\"event\",\"id\":\"019ace3e-4b58-7000-8000-"
		"000000000001\",\"body\":\"\\\"", "not json at all"
	};
	struct history	*hi = history_new(0);
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(history_add(hi, bad[i], strlen(bad[i]), 1, 0,
		    NULL), HISTORY_OTHER);
	ck_assert_uint_eq(history_count(hi), 0);
	history_free(hi);
}
END_TEST

START_TEST(escaped_strings)
{
	const char		*line = "{\"type\":\"event\",\"id\":"
	    "\"019ace3e-4b58-7000-8000-000000000001\",\"received_at\":"
	    "\"2025-11-29T05:31:35.5Z\",\"endpoint\":\"e\\u0041\",\"path\":"
	    "\"/a\\\\b\",\"body\":\"}\\\\\",\"handlers\":[\"h\\\"1\",\"h2\"],"
	    "\"replay_of\":null}";
	struct history		*hi = history_new(0);
	struct history_event	*ev;

	ck_assert_int_eq(history_add(hi, line, strlen(line), 1, 0, &ev),
	    HISTORY_EVENT);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->endpoint, "eA");
	ck_assert_str_eq(ev->path, "/a\\b");
	ck_assert(ev->received_us == T0 + SEC / 2);
	ck_assert_uint_eq(ev->nhandlers, 2);
	ck_assert_str_eq(ev->handlers[0].name, "h\"1");
	ck_assert_int_eq(ev->replay, 0);
	history_free(hi);
}
END_TEST

/* "handlers" inside claims does not fool the look from the end. */
START_TEST(handlers_in_claims)
{
	static const char *const hs[] = { "real" };
	struct history		*hi = history_new(0);
	struct history_event	*ev;
	struct event		 e;
	json_t			*claims;
	char			*line;
	size_t			 len;

	memset(&e, 0, sizeof(e));
	memcpy(e.id, ID, sizeof(e.id));
	e.received_us = T0;
	e.endpoint = "ci";
	e.path = "/hooks/ci";
	e.method = "POST";
	e.body = (const unsigned char *)",\"handlers\":[\"body\"],";
	e.body_len = strlen((const char *)e.body);
	claims = json_pack("{s:[s], s:s}", "handlers", "claim", "x", "y");
	e.claims = claims;
	e.handlers = hs;
	e.nhandlers = 1;
	e.replay_of = ID2;
	line = record_event_encode(&e, &len);
	ck_assert_int_eq(history_add(hi, line, len - 1, 1, 0, &ev),
	    HISTORY_EVENT);
	ck_assert_uint_eq(ev->nhandlers, 1);
	ck_assert_str_eq(ev->handlers[0].name, "real");
	ck_assert_int_eq(ev->replay, 1);
	free(line);
	json_decref(claims);
	history_free(hi);
}
END_TEST

/* Another writer's key order: walked in full. */
START_TEST(other_key_order)
{
	const char		*line = "{\"id\":"
	    "\"019ace3e-4b58-7000-8000-000000000001\",\"type\":\"event\","
	    "\"handlers\":[\"a\",\"b\"],\"replay_of\":null,\"path\":\"/p\","
	    "\"received_at\":\"2025-11-29T05:31:35Z\",\"extra\":[1,{\"handlers\""
	    ":[\"no\"]}]}";
	struct history		*hi = history_new(0);
	struct history_event	*ev;

	ck_assert_int_eq(history_add(hi, line, strlen(line), 1, 0, &ev),
	    HISTORY_EVENT);
	ck_assert_uint_eq(ev->nhandlers, 2);
	ck_assert_str_eq(ev->handlers[1].name, "b");
	ck_assert_str_eq(ev->path, "/p");
	ck_assert(ev->received_us == T0);
	history_free(hi);
}
END_TEST

START_TEST(status_names)
{
	ck_assert_int_eq(history_status_parse("dead"), HISTORY_DEAD);
	ck_assert_int_eq(history_status_parse("bogus"), -1);
	ck_assert_str_eq(history_status_name(HISTORY_PENDING), "pending");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("history");
	TCase	*tc = tcase_create("fold");

	tcase_add_test(tc, event_alone_is_pending_then_due_after_grace);
	tcase_add_test(tc, no_handlers_is_done);
	tcase_add_test(tc, failed_then_done);
	tcase_add_test(tc, order_does_not_matter);
	tcase_add_test(tc, running_too_long_is_due);
	tcase_add_test(tc, settled_drop);
	tcase_add_test(tc, unreadable_is_settled);
	tcase_add_test(tc, bad_lines_are_skipped);
	tcase_add_test(tc, escaped_strings);
	tcase_add_test(tc, handlers_in_claims);
	tcase_add_test(tc, other_key_order);
	tcase_add_test(tc, status_names);
	tcase_add_test(tc, retry_after_dead);
	tcase_add_test(tc, retry_resumes_dropped);
	suite_add_tcase(s, tc);
	return check_run(s);
}
