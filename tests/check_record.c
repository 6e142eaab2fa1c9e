/*
 * check_record: the spool record format: encoding and decoding, times
 * and jobs read from records.  The exact bytes of a record are asserted
 * whole, since hookspool-spool(5) documents them; bodies must
 * round-trip byte-for-byte; record_decode must survive any line.  The
 * scans and record_find() run against real spools in check_spool.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "attempt_job.h"
#include "conf.h"
#include "event.h"
#include "filter.h"
#include "header.h"
#include "record.h"
#include "check_run.h"

#define FIXED_ID	"01a225c9-8b53-7cc3-98c4-dc0c0c07398f"
#define FIXED_US	INT64_C(1795930295123456) /* 2026-11-29T05:31:35.123456Z */

static struct header_list	hl;

static void
hl_setup(void)
{
	memset(&hl, 0, sizeof(hl));
}

static void
hl_teardown(void)
{
	header_list_free(&hl);
}

static void
add(const char *name, const char *value)
{
	ck_assert_int_eq(header_add(&hl, name, value), 0);
}

static void
event_init(struct event *ev, const void *body, size_t len)
{
	static const char *const handlers[] = { "deploy", "notify" };

	memset(ev, 0, sizeof(*ev));
	memcpy(ev->id, FIXED_ID, sizeof(FIXED_ID));
	ev->received_us = FIXED_US;
	ev->endpoint = "github";
	ev->path = "/hooks/github";
	ev->method = "POST";
	ev->remote_addr = "127.0.0.1";
	ev->headers = &hl;
	ev->body = body;
	ev->body_len = len;
	ev->verification = "hmac-sha256 ok";
	ev->handlers = handlers;
	ev->nhandlers = 2;
}

/* Encode ev; check the one-line shape; return the line (caller frees). */
static char *
encode_line(const struct event *ev, size_t *len)
{
	char	*line;

	line = record_event_encode(ev, len);
	ck_assert_ptr_nonnull(line);
	ck_assert_uint_gt(*len, 2);
	ck_assert_int_eq(line[0], '{');
	ck_assert_int_eq(line[*len - 1], '\n');
	ck_assert_ptr_eq(memchr(line, '\n', *len), line + *len - 1);
	ck_assert_ptr_null(memchr(line, '\0', *len));
	return line;
}

/*
 * Encode a body, decode the line, get the body back; it must be the
 * same bytes, stored with the expected encoding.
 */
static void
round_trip(const unsigned char *body, size_t len, const char *encoding)
{
	struct event	 ev;
	json_t		*rec;
	char		*line, err[128];
	unsigned char	*back = NULL;
	size_t		 n, blen = 0;

	event_init(&ev, body, len);
	line = encode_line(&ev, &n);
	rec = record_decode(line, n - 1, err, sizeof(err));
	ck_assert_msg(rec != NULL, "decode: %s", err);
	ck_assert_str_eq(json_string_value(json_object_get(rec,
	    "body_encoding")), encoding);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "body_size")),
	    (json_int_t)len);
	ck_assert_int_eq(record_event_body(rec, &back, &blen), 0);
	ck_assert_uint_eq(blen, len);
	ck_assert(len == 0 || memcmp(back, body, len) == 0);
	free(back);
	json_decref(rec);
	free(line);
}

/* A name with bytes over 0x7f, sent twice, is one header (its second
 * copy once made a record with a duplicate key, which no reader took). */
START_TEST(test_repeated_high_byte_name)
{
	struct header_list	two = { NULL, 0, 0 };

	ck_assert_int_eq(header_add(&two, "x\xff\xf6", "a"), 0);
	ck_assert_int_eq(header_add(&two, "X\xff\xf6", "b"), 0);
	ck_assert_uint_eq(two.n, 1);
	ck_assert_str_eq(header_get(&two, "x\xff\xf6"), "a, b");
	header_list_free(&two);
}
END_TEST

START_TEST(test_exact_line)
{
	static const char body[] =
	    "{\"zen\":\"Keep it logically awesome.\",\"x\":\"\xc3\xa9\"}\n";
	static const char want[] =
	    "{\"type\":\"event\",\"id\":\"" FIXED_ID "\","
	    "\"received_at\":\"2026-11-29T05:31:35.123456Z\","
	    "\"endpoint\":\"github\",\"path\":\"/hooks/github\","
	    "\"method\":\"POST\",\"remote_addr\":\"127.0.0.1\","
	    "\"headers\":{\"content-type\":\"application/json\","
	    "\"x-github-event\":\"push\","
	    "\"authorization\":\"Bearer [redacted]\","
	    "\"x-multi\":\"a, b\"},"
	    "\"body\":\"{\\\"zen\\\":\\\"Keep it logically awesome.\\\","
	    "\\\"x\\\":\\\"\xc3\xa9\\\"}\\n\","
	    "\"body_encoding\":\"utf-8\",\"body_size\":46,"
	    "\"verification\":\"hmac-sha256 ok\","
	    "\"handlers\":[\"deploy\",\"notify\"],\"replay_of\":null}\n";
	struct event	 ev;
	char		*line;
	size_t		 n;

	add("Content-Type", "application/json");
	ck_assert_int_eq(header_add_cgi(&hl, "HTTP_X_GITHUB_EVENT", "push"), 0);
	add("Authorization", "Bearer ghp_0123456789abcdef");
	add("x-multi", "a");
	add("X-Multi", "b");
	event_init(&ev, body, strlen(body));
	line = encode_line(&ev, &n);
	ck_assert_str_eq(line, want);
	ck_assert_uint_eq(n, strlen(want));
	free(line);
}
END_TEST

START_TEST(test_exact_line_binary)
{
	static const char want[] =
	    "{\"type\":\"event\",\"id\":\"" FIXED_ID "\","
	    "\"received_at\":\"1970-01-01T00:00:00.000001Z\","
	    "\"endpoint\":\"github\",\"path\":\"/hooks/github\","
	    "\"method\":\"POST\",\"remote_addr\":null,\"headers\":{},"
	    "\"body\":\"AAH/\",\"body_encoding\":\"base64\",\"body_size\":3,"
	    "\"verification\":\"none ok\",\"handlers\":[],"
	    "\"replay_of\":\"017f22e2-79b0-7cc3-98c4-dc0c0c07398f\"}\n";
	struct event	 ev;
	char		*line;
	size_t		 n;

	event_init(&ev, "\x00\x01\xff", 3);
	ev.received_us = 1;
	ev.remote_addr = NULL;
	ev.verification = "none ok";
	ev.nhandlers = 0;
	ev.replay_of = "017f22e2-79b0-7cc3-98c4-dc0c0c07398f";
	line = encode_line(&ev, &n);
	ck_assert_str_eq(line, want);
	free(line);
}
END_TEST

START_TEST(test_received_at)
{
	static const struct {
		int64_t		 us;
		const char	*want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000000Z" },
		{ -1, "1969-12-31T23:59:59.999999Z" },
		{ INT64_C(951782400000000), "2000-02-29T00:00:00.000000Z" },
		{ INT64_C(1795930295999999), "2026-11-29T05:31:35.999999Z" },
		{ INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z" },
		{ INT64_C(-62167219200000000), "0000-01-01T00:00:00.000000Z" },
	};
	struct event	 ev;
	json_t		*rec;
	char		*line, err[128];
	size_t		 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		event_init(&ev, "", 0);
		ev.received_us = cases[i].us;
		line = encode_line(&ev, &n);
		rec = record_decode(line, n - 1, err, sizeof(err));
		ck_assert_ptr_nonnull(rec);
		ck_assert_str_eq(json_string_value(json_object_get(rec,
		    "received_at")), cases[i].want);
		json_decref(rec);
		free(line);
	}
}
END_TEST

START_TEST(test_bad_id_refused)
{
	struct event	 ev;
	size_t		 n;

	event_init(&ev, "x", 1);
	ev.id[0] = 'X';
	ck_assert_ptr_null(record_event_encode(&ev, &n));
	event_init(&ev, "x", 1);
	ev.replay_of = "not-an-id";
	ck_assert_ptr_null(record_event_encode(&ev, &n));
	event_init(&ev, "x", 1);
	ev.received_us = INT64_C(253402300800) * 1000000;
	ck_assert_ptr_null(record_event_encode(&ev, &n));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_rt_utf8)
{
	static const char body[] = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 "
	    "\xf0\x9f\x98\x80 \"quoted\" back\\slash\ttab\nnewline\r\x7f"
	    "\xef\xbf\xbf\xf4\x8f\xbf\xbf";

	round_trip((const unsigned char *)body, strlen(body), "utf-8");
}
END_TEST

/*
 * The writer looks at eight bytes at a time: a byte to escape, a UTF-8
 * sequence, a NUL or a bad byte at every position of a 24-byte body,
 * before, across and after word boundaries, comes out as it went in.
 */
START_TEST(test_rt_every_position)
{
	static const struct {
		const char	*bytes;
		const char	*encoding;
	} special[] = {
		{ "\"", "utf-8" }, { "\\", "utf-8" }, { "\n", "utf-8" },
		{ "\x01", "utf-8" }, { "\x1f", "utf-8" }, { "\x7f", "utf-8" },
		{ "\xc3\xa9", "utf-8" }, { "\xf0\x9f\x98\x80", "utf-8" },
		{ "\0", "base64" }, { "\xff", "base64" }, { "\xc3", "base64" },
	};
	unsigned char	body[32];
	size_t		i, pos, len;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		len = special[i].bytes[0] == '\0' ? 1 :
		    strlen(special[i].bytes);
		for (pos = 0; pos + len <= 24; pos++) {
			memset(body, 'a' + (int)(pos % 26), sizeof(body));
			memcpy(body + pos, special[i].bytes, len);
			round_trip(body, 24, special[i].encoding);
		}
	}
}
END_TEST

START_TEST(test_rt_nul)
{
	round_trip((const unsigned char *)"a\0b", 3, "base64");
	round_trip((const unsigned char *)"\0", 1, "base64");
}
END_TEST

/* Each of these is not strict UTF-8, so it must go out as base64. */
START_TEST(test_rt_invalid_utf8)
{
	static const char *const bad[] = {
		"\x80",			/* lone continuation */
		"\xc0\x80",		/* overlong NUL */
		"\xc1\xbf",		/* overlong */
		"\xe0\x80\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* surrogate D800 */
		"\xed\xbf\xbf",		/* surrogate DFFF */
		"\xf0\x8f\xbf\xbf",	/* overlong */
		"\xf4\x90\x80\x80",	/* past U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xff",
		"ok\xe2\x82",		/* truncated at the end */
		"\xe2\x28\xa1",
		"latin-1 caf\xe9",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		round_trip((const unsigned char *)bad[i], strlen(bad[i]),
		    "base64");
}
END_TEST

START_TEST(test_rt_empty)
{
	round_trip(NULL, 0, "utf-8");
	round_trip((const unsigned char *)"", 0, "utf-8");
}
END_TEST

/* Every base64 tail: 0, 1 and 2 bytes left over. */
START_TEST(test_rt_base64_tails)
{
	static const unsigned char b[] = { 0xff, 0xfe, 0x00, 0x80, 0x01 };
	size_t	n;

	for (n = 1; n <= sizeof(b); n++)
		round_trip(b, n, "base64");
}
END_TEST

START_TEST(test_rt_all_bytes)
{
	unsigned char	b[256];
	size_t		i;

	for (i = 0; i < 256; i++)
		b[i] = (unsigned char)i;
	round_trip(b, sizeof(b), "base64");
}
END_TEST

START_TEST(test_rt_1mib)
{
	unsigned char	*b;
	size_t		 i, n = 1024 * 1024;
	uint32_t	 x = 2463534242u;

	b = malloc(n);
	ck_assert_ptr_nonnull(b);
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)('a' + i % 26);
	round_trip(b, n, "utf-8");
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (unsigned char)x;
	}
	round_trip(b, n, "base64");
	free(b);
}
END_TEST

static const char *
header_of(const char *line, size_t n, const char *name)
{
	static char	 buf[256];
	json_t		*rec;
	const char	*v;

	rec = record_decode(line, n - 1, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	v = json_string_value(json_object_get(json_object_get(rec, "headers"),
	    name));
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_lt(strlen(v), sizeof(buf));
	strcpy(buf, v);
	json_decref(rec);
	return buf;
}

START_TEST(test_redaction)
{
	struct event	 ev;
	char		*line;
	size_t		 n;

	add("Authorization", "Bearer s3cr3t-t0k3n");
	add("Proxy-Authorization", "Basic dXNlcjpzM2NyM3Q=");
	event_init(&ev, "", 0);
	line = encode_line(&ev, &n);
	ck_assert_ptr_null(strstr(line, "s3cr3t"));
	ck_assert_ptr_null(strstr(line, "dXNlcjpzM2NyM3Q"));
	ck_assert_str_eq(header_of(line, n, "authorization"),
	    "Bearer [redacted]");
	ck_assert_str_eq(header_of(line, n, "proxy-authorization"),
	    "Basic [redacted]");
	free(line);
}
END_TEST

/* No scheme word, odd spacing, repeats: never a credential left. */
START_TEST(test_redaction_shapes)
{
	static const struct {
		const char	*value;
		const char	*want;
	} cases[] = {
		{ "s3cr3t", "[redacted]" },
		{ "token=s3cr3t", "[redacted]" },
		{ "Bearer", "[redacted]" },
		{ "Bearer ", "[redacted]" },
		{ " Bearer s3cr3t", "[redacted]" },
		{ "Bearer \t s3cr3t more", "Bearer [redacted]" },
		{ "", "[redacted]" },
		{ "Digest username=\"s3cr3t\", realm=\"x\"", "Digest [redacted]" },
	};
	struct event	 ev;
	char		*line;
	size_t		 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		header_list_free(&hl);
		add("authorization", cases[i].value);
		event_init(&ev, "", 0);
		line = encode_line(&ev, &n);
		ck_assert_ptr_null(strstr(line, "s3cr3t"));
		ck_assert_str_eq(header_of(line, n, "authorization"),
		    cases[i].want);
		free(line);
	}
	/* Sent twice: one value, "Bearer s3cr3t, s3cr3t", redacted whole. */
	header_list_free(&hl);
	add("Authorization", "Bearer s3cr3t");
	add("authorization", "s3cr3t");
	event_init(&ev, "", 0);
	line = encode_line(&ev, &n);
	ck_assert_ptr_null(strstr(line, "s3cr3t"));
	ck_assert_str_eq(header_of(line, n, "authorization"),
	    "Bearer [redacted]");
	free(line);
}
END_TEST

/* A GitLab token is the secret itself: no word of it is kept. */
START_TEST(test_redaction_gitlab_token)
{
	struct event	 ev;
	char		*line;
	size_t		 n;

	add("X-Gitlab-Token", "s3cr3t and more s3cr3t");
	event_init(&ev, "", 0);
	line = encode_line(&ev, &n);
	ck_assert_ptr_null(strstr(line, "s3cr3t"));
	ck_assert_str_eq(header_of(line, n, "x-gitlab-token"), "[redacted]");
	free(line);
}
END_TEST

/*
 * 50,000 headers, all names distinct, then one name 50,000 times: every
 * name is one key of the record, every value is kept, in order.  (The
 * header list finds a name at once; it took 12 s of CPU to write the
 * first record when each name was looked for among all before it.)
 */
#define MANY_HEADERS	50000

START_TEST(test_many_headers)
{
	struct event	 ev;
	json_t		*rec, *hdrs;
	char		*line, name[32];
	const char	*v;
	size_t		 i, n, fails;

	/* header_add, not add(): a passing ck_assert costs a message to
	 * the runner, and 50,000 of them add up. */
	for (i = 0, fails = 0; i < MANY_HEADERS; i++) {
		snprintf(name, sizeof(name), "X-Header-%zu", i);
		fails += header_add(&hl, name, "v") != 0;
	}
	ck_assert_uint_eq(fails, 0);
	ck_assert_uint_eq(hl.n, MANY_HEADERS);
	event_init(&ev, "", 0);
	line = encode_line(&ev, &n);
	rec = record_decode(line, n - 1, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	hdrs = json_object_get(rec, "headers");
	ck_assert_uint_eq(json_object_size(hdrs), MANY_HEADERS);
	ck_assert_str_eq(json_string_value(json_object_get(hdrs,
	    "x-header-49999")), "v");
	json_decref(rec);
	free(line);

	header_list_free(&hl);
	for (i = 0; i < MANY_HEADERS; i++) {
		snprintf(name, sizeof(name), "%zu", i % 10);
		fails += header_add(&hl, "X-Same", name) != 0;
	}
	ck_assert_uint_eq(fails, 0);
	ck_assert_uint_eq(hl.n, 1);
	v = header_get(&hl, "x-same");
	ck_assert_uint_eq(strlen(v), MANY_HEADERS * 3 - 2);
	ck_assert(strncmp(v, "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1", 34) == 0);
}
END_TEST

START_TEST(test_header_join)
{
	struct event	 ev;
	char		*line;
	size_t		 n;

	add("X-A", "1");
	add("X-B", "2");
	add("X_A", "3");
	add("x-a", "");
	event_init(&ev, "", 0);
	line = encode_line(&ev, &n);
	ck_assert_ptr_nonnull(strstr(line,
	    "\"headers\":{\"x-a\":\"1, 3, \",\"x-b\":\"2\"},"));
	free(line);
}
END_TEST

/* Header text that is not UTF-8 is kept, with U+FFFD for bad bytes. */
START_TEST(test_header_not_utf8)
{
	struct event	 ev;
	char		*line;
	size_t		 n;

	add("x-name", "caf\xe9 \xc3\xa9");
	event_init(&ev, "", 0);
	ev.path = "/hooks/\xff";
	line = encode_line(&ev, &n);
	ck_assert_str_eq(header_of(line, n, "x-name"),
	    "caf\xef\xbf\xbd \xc3\xa9");
	ck_assert_ptr_nonnull(strstr(line, "\"path\":\"/hooks/\xef\xbf\xbd\""));
	free(line);
}
END_TEST

static void
assert_rejected(const char *line, size_t len)
{
	json_t	*rec;
	char	 err[64];
	size_t	 i;

	memset(err, 'X', sizeof(err));
	rec = record_decode(line, len, err, sizeof(err));
	ck_assert_msg(rec == NULL, "accepted %.40s", line);
	ck_assert_uint_gt(strlen(err), 0);
	ck_assert_uint_lt(strlen(err), sizeof(err));
	for (i = 0; err[i] != '\0'; i++)
		ck_assert(err[i] >= ' ' && err[i] < 127);
}

#define REJECT(s)	assert_rejected(s, sizeof(s) - 1)

START_TEST(test_decode_hostile)
{
	REJECT("");
	REJECT("{");
	REJECT("}");
	REJECT("[]");
	REJECT("null");
	REJECT("42");
	REJECT("\"event\"");
	REJECT("{}");
	REJECT("{\"type\":\"event\"}");
	REJECT("{\"id\":\"x\"}");
	REJECT("{\"type\":1,\"id\":\"x\"}");
	REJECT("{\"type\":\"event\",\"id\":null}");
	REJECT("{\"type\":\"event\",\"id\":[\"x\"]}");
	REJECT("{\"type\":\"event\",\"id\":\"x\"} trailing");
	REJECT("{\"type\":\"event\",\"id\":\"x\"}\n{\"type\":\"event\"}");
	REJECT("{\"type\":\"event\",\"id\":\"x\",\"id\":\"y\"}");
	REJECT("{\"type\":\"event\",\"id\":\"x\\u0000y\"}");
	REJECT("{\"type\":\"ev\\u0000\",\"id\":\"x\"}");
	REJECT("{\"type\":\"event\",\"id\":\"\xc3\x28\"}");
	REJECT("{\"type\":\"event\",\"id\":\"\xed\xa0\x80\"}");
	REJECT("{\"type\":\"event\",\"id\":\"\xff\"}");
	REJECT("{\"type\":\"event\",\0\"id\":\"x\"}");
	REJECT("{\"type\":\"event\",\"id\":\"x\0\"}");
	REJECT("{\"type\":\"event\",\"id\":\"x\"}\0");
	REJECT("\xef\xbb\xbf{\"type\":\"event\",\"id\":\"x\"}");
	REJECT("{\"type\":\"event\",\"id\":\"x\",\"body\":\"\\ud800\"}");
}
END_TEST

START_TEST(test_decode_null_line)
{
	char	err[64];

	ck_assert_ptr_null(record_decode(NULL, 0, err, sizeof(err)));
	ck_assert_uint_gt(strlen(err), 0);
	ck_assert_ptr_null(record_decode("{", 1, NULL, 0));
}
END_TEST

static void
reject_nested(const char *open, const char *prefix)
{
	size_t	 depth = 100000, plen = strlen(prefix), i;
	char	*buf;

	buf = malloc(plen + depth + 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, prefix, plen);
	for (i = 0; i < depth; i++)
		buf[plen + i] = open[i % strlen(open)];
	buf[plen + depth] = '\0';
	assert_rejected(buf, plen + depth);
	free(buf);
}

START_TEST(test_decode_deep_nesting)
{
	reject_nested("[", "");
	reject_nested("{\"a\":", "");
	reject_nested("[", "{\"type\":\"event\",\"id\":\"x\",\"body\":");
}
END_TEST

/* A complete 100k-deep document, closed: still refused, no crash. */
START_TEST(test_decode_deep_closed)
{
	size_t	 depth = 100000, i;
	char	*buf;

	buf = malloc(2 * depth);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < depth; i++) {
		buf[i] = '[';
		buf[2 * depth - 1 - i] = ']';
	}
	assert_rejected(buf, 2 * depth);
	free(buf);
}
END_TEST

START_TEST(test_decode_minimal)
{
	static const char	line[] = "{\"type\":\"attempt\",\"id\":\"x\"}";
	json_t			*rec;
	char			 err[64];

	rec = record_decode(line, sizeof(line) - 1, err, sizeof(err));
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "type")),
	    "attempt");
	json_decref(rec);
}
END_TEST

static int
body_of(const char *line, unsigned char **body, size_t *len)
{
	json_t	*rec;
	int	 rc;

	rec = record_decode(line, strlen(line), NULL, 0);
	ck_assert_ptr_nonnull(rec);
	rc = record_event_body(rec, body, len);
	json_decref(rec);
	return rc;
}

/* Someone else's writer may put \u0000 in a plain string body. */
START_TEST(test_body_with_escaped_nul)
{
	unsigned char	*b = NULL;
	size_t		 n = 0;

	ck_assert_int_eq(body_of("{\"type\":\"event\",\"id\":\"x\","
	    "\"body\":\"a\\u0000b\"}", &b, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(b, "a\0b", 3), 0);
	free(b);
	ck_assert_int_eq(body_of("{\"type\":\"event\",\"id\":\"x\","
	    "\"body\":\"a\\u0000b\",\"body_encoding\":\"utf-8\","
	    "\"body_size\":3}", &b, &n), 0);
	ck_assert_uint_eq(n, 3);
	free(b);
}
END_TEST

START_TEST(test_body_errors)
{
	static const char *const bad[] = {
		"{\"type\":\"event\",\"id\":\"x\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":1}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QQ==\","
		    "\"body_encoding\":\"rot13\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QQ==\","
		    "\"body_encoding\":7}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QQ=\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"Q===\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QR==\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QUJ=\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QQ==QQ==\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"Q Q=\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"QUJD\\n\","
		    "\"body_encoding\":\"base64\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"abc\","
		    "\"body_size\":4}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"abc\","
		    "\"body_size\":\"3\"}",
		"{\"type\":\"event\",\"id\":\"x\",\"body\":\"abc\","
		    "\"body_size\":-1}",
	};
	unsigned char	*b;
	size_t		 i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = (unsigned char *)"sentinel";
		n = 99;
		ck_assert_msg(body_of(bad[i], &b, &n) == -1, "accepted %s",
		    bad[i]);
		ck_assert_ptr_null(b);
		ck_assert_uint_eq(n, 0);
	}
}
END_TEST

START_TEST(test_body_base64_ok)
{
	unsigned char	*b = NULL;
	size_t		 n = 0;

	ck_assert_int_eq(body_of("{\"type\":\"event\",\"id\":\"x\","
	    "\"body\":\"QUJD\",\"body_encoding\":\"base64\"}", &b, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(b, "ABC", 3), 0);
	free(b);
	ck_assert_int_eq(body_of("{\"type\":\"event\",\"id\":\"x\","
	    "\"body\":\"\",\"body_encoding\":\"base64\"}", &b, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(b);
}
END_TEST

/*
 * Every single-byte corruption of a real line, and random lines: no
 * crash, and a line that still decodes still yields a body or -1.
 */
START_TEST(test_decode_mutations)
{
	struct event	 ev;
	json_t		*rec;
	unsigned char	*b;
	char		*line;
	size_t		 n, i, k, blen;
	uint32_t	 x = 88172645u;

	add("content-type", "application/octet-stream");
	event_init(&ev, "\x00\xff\x10 binary", 10);
	line = encode_line(&ev, &n);
	for (i = 0; i < n - 1; i++) {
		for (k = 0; k < 4; k++) {
			char save = line[i];

			line[i] = (char)"\0\"\\\xff"[k];
			rec = record_decode(line, n - 1, NULL, 0);
			if (rec != NULL) {
				b = NULL;
				if (record_event_body(rec, &b, &blen) == 0)
					free(b);
				json_decref(rec);
			}
			line[i] = save;
		}
	}
	for (i = 0; i < 2000; i++) {
		for (k = 0; k < n - 1; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			line[k] = (char)x;
		}
		line[0] = '{';
		rec = record_decode(line, (x >> 8) % (n - 1), NULL, 0);
		ck_assert_ptr_null(rec);
	}
	free(line);
}
END_TEST

/* Times as records write them, and what is not one. */
START_TEST(test_time_parse)
{
	int64_t	us;

	ck_assert_int_eq(record_time_parse("1970-01-01T00:00:00Z", 20, &us), 0);
	ck_assert(us == 0);
	ck_assert_int_eq(record_time_parse("2025-11-29T05:31:35.000001Z", 27,
	    &us), 0);
	ck_assert(us == INT64_C(1764394295000001));
	ck_assert_int_eq(record_time_parse("2025-13-29T05:31:35Z", 20, &us),
	    -1);
}
END_TEST

/* Formatting: fixed width, every field padded, before 1970 too, and
 * back through the parser. */
START_TEST(test_time_format)
{
	static const struct {
		int64_t		 us;
		const char	*text;
	} t[] = {
		{ INT64_C(1764394295000001), "2025-11-29T05:31:35.000001Z" },
		{ INT64_C(1), "1970-01-01T00:00:00.000001Z" },
		{ INT64_C(-1), "1969-12-31T23:59:59.999999Z" },
		{ INT64_C(-62135596800000000), "0001-01-01T00:00:00.000000Z" },
		{ INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z" },
		{ INT64_C(951782400123456), "2000-02-29T00:00:00.123456Z" },
	};
	char	buf[RECORD_TIME_LEN + 1];
	int64_t	us;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(record_time_format(t[i].us, buf, sizeof(buf)),
		    RECORD_TIME_LEN);
		ck_assert_str_eq(buf, t[i].text);
		if (t[i].us > 0) {
			ck_assert_int_eq(record_time_parse(buf,
			    RECORD_TIME_LEN, &us), 0);
			ck_assert(us == t[i].us);
		}
	}
	/* No room, or a year past 9999: nothing. */
	ck_assert_int_eq(record_time_format(1, buf, RECORD_TIME_LEN), -1);
	ck_assert_int_eq(record_time_format(INT64_C(253402300800000000), buf,
	    sizeof(buf)), -1);
}
END_TEST

/* A job from an event record: what its handlers get. */
START_TEST(test_job)
{
	static const char	 body[] = "{\"action\":\"opened\"}";
	struct event		 ev;
	struct attempt_job	*job;
	json_t			*rec;
	char			*line;
	size_t			 n;

	add("X-GitHub-Event", "push");
	event_init(&ev, body, sizeof(body) - 1);
	line = encode_line(&ev, &n);
	rec = record_decode(line, n - 1, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	job = record_job(NULL, rec);
	ck_assert_ptr_nonnull(job);
	ck_assert_str_eq(job->id, FIXED_ID);
	ck_assert_str_eq(job->endpoint, "github");
	ck_assert_str_eq(job->path, "/hooks/github");
	ck_assert_str_eq(job->method, "POST");
	ck_assert_str_eq(header_get(&job->headers, "x-github-event"), "push");
	ck_assert_uint_eq(job->body_len, sizeof(body) - 1);
	ck_assert_mem_eq(job->body, body, job->body_len);
	ck_assert_str_eq(json_string_value(json_object_get(job->payload,
	    "action")), "opened");
	ck_assert_uint_eq(job->nhandlers, 0);
	attempt_job_free(job);
	/* Not an event id: no job. */
	json_object_set_new(rec, "id", json_string("x"));
	errno = 0;
	ck_assert_ptr_null(record_job(NULL, rec));
	ck_assert_int_eq(errno, EINVAL);
	json_decref(rec);
	free(line);
}
END_TEST

/*
 * A form event read back: the payload by the request path's rule (the
 * content type in its headers, the endpoint's payload_json_field from
 * the configuration), the query member and its fields.
 */
START_TEST(test_job_form_and_query)
{
	static const char	 body[] = "payload=%7B%22a%22%3A%5B1%5D%7D&b=x+y";
	struct endpoint		 eps[1];
	struct conf		 cf;
	struct event		 ev;
	struct attempt_job	*job;
	json_t			*rec;
	char			*line;
	size_t			 n;

	add("Content-Type", "application/x-www-form-urlencoded");
	event_init(&ev, body, sizeof(body) - 1);
	ev.query = "team=T1&token=REDACTED";
	line = encode_line(&ev, &n);
	ck_assert_ptr_nonnull(strstr(line, ",\"path\":\"/hooks/github\","
	    "\"query\":\"team=T1&token=REDACTED\","));
	rec = record_decode(line, n - 1, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	memset(eps, 0, sizeof(eps));
	memset(&cf, 0, sizeof(cf));
	eps[0].name = "github";
	eps[0].payload_json_field = "payload";
	cf.endpoints = eps;
	cf.nendpoints = 1;
	job = record_job(&cf, rec);
	ck_assert_ptr_nonnull(job);
	ck_assert_mem_eq(job->body, body, job->body_len);
	ck_assert_int_eq(json_integer_value(filter_payload_get(job->payload,
	    "payload.a.0")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(job->payload,
	    "b")), "x y");
	ck_assert_str_eq(job->query, "team=T1&token=REDACTED");
	ck_assert_str_eq(json_string_value(json_object_get(job->query_fields,
	    "team")), "T1");
	attempt_job_free(job);
	/* Without the configuration the field stays a string. */
	job = record_job(NULL, rec);
	ck_assert_ptr_nonnull(job);
	ck_assert(json_is_string(json_object_get(job->payload, "payload")));
	attempt_job_free(job);
	json_decref(rec);
	free(line);
}
END_TEST

static Suite *
record_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("record");
	tc = tcase_create("encode");
	tcase_add_checked_fixture(tc, hl_setup, hl_teardown);
	tcase_add_test(tc, test_repeated_high_byte_name);
	tcase_add_test(tc, test_exact_line);
	tcase_add_test(tc, test_exact_line_binary);
	tcase_add_test(tc, test_received_at);
	tcase_add_test(tc, test_bad_id_refused);
	tcase_add_test(tc, test_redaction);
	tcase_add_test(tc, test_redaction_shapes);
	tcase_add_test(tc, test_redaction_gitlab_token);
	tcase_add_test(tc, test_header_join);
	tcase_add_test(tc, test_many_headers);
	tcase_add_test(tc, test_header_not_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trip");
	tcase_add_checked_fixture(tc, hl_setup, hl_teardown);
	tcase_add_test(tc, test_rt_utf8);
	tcase_add_test(tc, test_rt_every_position);
	tcase_add_test(tc, test_rt_nul);
	tcase_add_test(tc, test_rt_invalid_utf8);
	tcase_add_test(tc, test_rt_empty);
	tcase_add_test(tc, test_rt_base64_tails);
	tcase_add_test(tc, test_rt_all_bytes);
	tcase_add_test(tc, test_rt_1mib);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_checked_fixture(tc, hl_setup, hl_teardown);
	tcase_add_test(tc, test_decode_hostile);
	tcase_add_test(tc, test_decode_null_line);
	tcase_add_test(tc, test_decode_deep_nesting);
	tcase_add_test(tc, test_decode_deep_closed);
	tcase_add_test(tc, test_decode_minimal);
	tcase_add_test(tc, test_body_with_escaped_nul);
	tcase_add_test(tc, test_body_errors);
	tcase_add_test(tc, test_body_base64_ok);
	tcase_add_test(tc, test_decode_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, hl_setup, hl_teardown);
	tcase_add_test(tc, test_time_parse);
	tcase_add_test(tc, test_time_format);
	tcase_add_test(tc, test_job);
	tcase_add_test(tc, test_job_form_and_query);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(record_suite());
}
