/*
 * record: the spool record format (hookspool-spool(5)), its one owner.
 *
 * Promises (hookspool-spool(5) is written from this file):
 * - record_event_encode() writes one compact JSON object and one '\n',
 *   keys in a fixed order, no other newline; the body comes back
 *   byte-for-byte from record_event_body(), as a JSON string when it is
 *   strict UTF-8 without NUL, else as padded standard base64.
 * - Credentials in authorization / proxy-authorization and the token in
 *   x-gitlab-token never reach the record, whoever built the event (the
 *   request path redacts its endpoint's own before); other text that is
 *   not UTF-8 is stored with U+FFFD.
 * - "headers" has one key per header: a header list holds a name once
 *   (header.h), and is written in one pass.
 * - A JWT's verified claims are kept as the object "claims"; events
 *   without claims have no such key.
 * - record_decode() takes any bytes without crashing.
 * - A line record_scan() passes on is one JSON object, as
 *   record_decode() reads it; any other is reported, never passed on.
 * Encoding and decoding are pure; the scans read the spool through
 * spool.c, which moves lines and bytes and knows nothing of JSON.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "attempt_job.h"
#include "event.h"
#include "conf.h"
#include "filter.h"
#include "form.h"
#include "header.h"
#include "record.h"
#include "spool.h"

/* received_us must fall in years 0000-9999 to be RFC 3339. */
#define EVENT_US_MIN	(INT64_C(-62167219200) * 1000000)
#define EVENT_US_MAX	(INT64_C(253402300800) * 1000000 - 1)

/* Writing records. */

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode table 3-7: no
 * overlongs, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Eight bytes at a time (a body is mostly ASCII with nothing to escape).
 * The tests below may flag a byte that is fine after one that is not
 * (a borrow), never miss one: a flagged word goes byte by byte.
 */
#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

static uint64_t
word_at(const void *p)
{
	uint64_t	w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Non-zero if a byte of w is NUL or not ASCII. */
static uint64_t
word_not_text(uint64_t w)
{
	return (w & HIGHS) | ((w - ONES) & ~w & HIGHS);
}

/* Non-zero if a byte of w is below 0x20, '"' or '\\'. */
static uint64_t
word_to_escape(uint64_t w)
{
	uint64_t	q = w ^ (ONES * '"'), bs = w ^ (ONES * '\\');

	return ((w - ONES * 0x20) & ~w & HIGHS) | ((q - ONES) & ~q & HIGHS) |
	    ((bs - ONES) & ~bs & HIGHS);
}

/* 1 if buf is strict UTF-8 with no NUL byte: storable as a string. */
static int
utf8_text(const unsigned char *buf, size_t n)
{
	size_t	i = 0, l;

	while (i < n) {
		if (n - i >= 8 && word_not_text(word_at(buf + i)) == 0) {
			i += 8;
			continue;
		}
		if (buf[i] == '\0')
			return 0;
		l = utf8_seq_len(buf + i, n - i);
		if (l == 0)
			return 0;
		i += l;
	}
	return 1;
}

/*
 * Records are written with a small JSON writer rather than built as
 * jansson trees and dumped: the record's shape is fixed, and building
 * and dumping a tree cost more than the rest of a request together
 * (hookspool's benchmark).  jansson still reads records back, and
 * writes the one free-form part, the JWT claims.
 */
struct jbuf {
	char	*p;
	size_t	 n;
	size_t	 cap;
	int	 failed;		/* ENOMEM: everything after is dropped */
};

static int
jb_room(struct jbuf *b, size_t more)
{
	size_t	 cap;
	char	*p;

	if (b->failed)
		return -1;
	if (more <= b->cap - b->n)
		return 0;
	if (more > SIZE_MAX / 2 - b->n) {
		b->failed = 1;
		return -1;
	}
	cap = b->cap ? b->cap : 1024;
	while (cap - b->n < more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
jb_raw(struct jbuf *b, const char *s, size_t n)
{
	if (n > 0 && jb_room(b, n) == 0) {
		memcpy(b->p + b->n, s, n);
		b->n += n;
	}
}

static void
jb_lit(struct jbuf *b, const char *s)
{
	jb_raw(b, s, strlen(s));
}

/* A JSON string of n bytes that are strict UTF-8 without NUL. */
static void
jb_string(struct jbuf *b, const char *s, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, run = 0;
	unsigned char		c;
	char			esc[6];

	jb_raw(b, "\"", 1);
	for (i = 0; i < n; i++) {
		while (n - i >= 8 && word_to_escape(word_at(s + i)) == 0)
			i += 8;
		if (i == n)
			break;
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jb_raw(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':  esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			jb_raw(b, esc, 6);
			continue;
		}
		jb_raw(b, esc, 2);
	}
	jb_raw(b, s + run, n - run);
	jb_raw(b, "\"", 1);
}

/*
 * Any n bytes as a JSON string, every ill-formed UTF-8 byte (and NUL)
 * replaced by U+FFFD.
 */
static void
jb_text(struct jbuf *b, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*buf = NULL;
	size_t			 i = 0, o = 0, l;

	if (utf8_text(p, n)) {
		jb_string(b, s, n);
		return;
	}
	if (n > (SIZE_MAX - 1) / 3 || (buf = malloc(3 * n + 1)) == NULL) {
		b->failed = 1;
		return;
	}
	while (i < n) {
		l = p[i] == '\0' ? 0 : utf8_seq_len(p + i, n - i);
		if (l == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(buf + o, p + i, l);
			o += l;
			i += l;
		}
	}
	jb_string(b, buf, o);
	free(buf);
}

/* A C string as jb_text(), or null for NULL. */
static void
jb_cstr(struct jbuf *b, const char *s)
{
	if (s == NULL)
		jb_lit(b, "null");
	else
		jb_text(b, s, strlen(s));
}

/* ,"key": -- keys are ours and plain; every record starts with "type". */
static void
jb_key(struct jbuf *b, const char *key)
{
	jb_raw(b, ",\"", 2);
	jb_lit(b, key);
	jb_raw(b, "\":", 2);
}

static void
jb_int(struct jbuf *b, long long v)
{
	char	num[24];
	int	n;

	n = snprintf(num, sizeof(num), "%lld", v);
	jb_raw(b, num, (size_t)n);
}

static const char	b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard, padded base64 of buf, as a JSON string. */
static void
jb_base64(struct jbuf *b, const unsigned char *buf, size_t n)
{
	char		*out;
	size_t		 i;
	uint32_t	 v;

	if (n > (SIZE_MAX / 4 - 1) * 3 || jb_room(b, (n + 2) / 3 * 4 + 2) ==
	    -1) {
		b->failed = 1;
		return;
	}
	out = b->p + b->n;
	*out++ = '"';
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)buf[i] << 16 | (uint32_t)buf[i + 1] << 8 |
		    buf[i + 2];
		*out++ = b64_alphabet[v >> 18 & 0x3f];
		*out++ = b64_alphabet[v >> 12 & 0x3f];
		*out++ = b64_alphabet[v >> 6 & 0x3f];
		*out++ = b64_alphabet[v & 0x3f];
	}
	if (i < n) {
		v = (uint32_t)buf[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)buf[i + 1] << 8;
		*out++ = b64_alphabet[v >> 18 & 0x3f];
		*out++ = b64_alphabet[v >> 12 & 0x3f];
		*out++ = i + 1 < n ? b64_alphabet[v >> 6 & 0x3f] : '=';
		*out++ = '=';
	}
	*out++ = '"';
	b->n = (size_t)(out - b->p);
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode canonical padded base64 (what jb_base64 writes) into a
 * malloc'd buffer.  -1 with errno EINVAL on anything else.
 */
static int
base64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char	*buf = NULL;
	size_t		 i, o = 0, pad = 0;
	uint32_t	 v;
	int		 d, k;

	if (n % 4 != 0)
		goto bad;
	if (n > 0 && s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		return -1;
	for (i = 0; i < n; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			d = b64_value((unsigned char)s[i + k]);
			if (d < 0 && !(i + 4 == n && k >= 4 - (int)pad))
				goto bad;
			v = v << 6 | (uint32_t)(d < 0 ? 0 : d);
		}
		buf[o++] = (unsigned char)(v >> 16);
		buf[o++] = (unsigned char)(v >> 8);
		buf[o++] = (unsigned char)v;
	}
	/* Padding must hide only zero bits, or two texts give one body. */
	if ((pad == 1 && buf[o - 1] != 0) ||
	    (pad == 2 && (buf[o - 1] != 0 || buf[o - 2] != 0)))
		goto bad;
	*out = buf;
	*outlen = o - pad;
	return 0;
bad:
	free(buf);
	errno = EINVAL;
	return -1;
}

/* The value stored for header i: credentials redacted.  NULL: ENOMEM. */
static char *
stored_value(const struct header_list *hl, size_t i, int *owned)
{
	*owned = header_is_secret(hl->v[i].name);
	if (*owned)
		return header_redaction(hl->v[i].name, hl->v[i].value);
	return hl->v[i].value;
}

/*
 * A header name as a JSON string.  Names are HTTP tokens; any other byte
 * (and '%') is written as %XX, which keeps distinct names distinct: a
 * repair to U+FFFD would make two keys of one in the object.
 */
static void
jb_header_name(struct jbuf *b, const char *name)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)name;
	char			 pct[3] = { '%', 0, 0 };

	jb_raw(b, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '%' && *p != '"' &&
		    *p != '\\') {
			jb_raw(b, (const char *)p, 1);
			continue;
		}
		pct[1] = hex[*p >> 4];
		pct[2] = hex[*p & 0xf];
		jb_raw(b, pct, 3);
	}
	jb_raw(b, "\"", 1);
}

/*
 * The headers as an object, in the list's order.  Names are unique in a
 * list (a repeated header's values are joined there), so this is one
 * pass: no name is looked for again.
 */
static void
jb_headers(struct jbuf *b, const struct header_list *hl)
{
	char	*value;
	size_t	 i;
	int	 owned;

	jb_raw(b, "{", 1);
	for (i = 0; hl != NULL && i < hl->n; i++) {
		if ((value = stored_value(hl, i, &owned)) == NULL) {
			b->failed = 1;
			break;
		}
		if (i > 0)
			jb_raw(b, ",", 1);
		jb_header_name(b, hl->v[i].name);
		jb_raw(b, ":", 1);
		jb_text(b, value, strlen(value));
		if (owned)
			free(value);
	}
	jb_raw(b, "}", 1);
}

/* v (0 <= v < 10^width) in width decimal digits; past them. */
static char *
put_digits(char *p, int v, int width)
{
	int	i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* RFC 3339 UTC with exactly six fractional digits; 0 means null. */
int
record_time_format(int64_t us, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t;
	int64_t		secs = us / 1000000, frac = us % 1000000;
	char		*p;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
	    len < RECORD_TIME_LEN + 1)
		return -1;
	/* By hand: snprintf took as long as the rest of the record. */
	p = put_digits(buf, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, (int)frac, 6);
	*p++ = 'Z';
	*p = '\0';
	return (int)(p - buf);
}

static void
jb_time(struct jbuf *b, int64_t us, int zero_is_null)
{
	char	buf[RECORD_TIME_LEN + 1];
	int	n;

	if (zero_is_null && us == 0) {
		jb_lit(b, "null");
		return;
	}
	if ((n = record_time_format(us, buf, sizeof(buf))) == -1) {
		b->failed = 1;
		return;
	}
	jb_raw(b, "\"", 1);
	jb_raw(b, buf, (size_t)n);
	jb_raw(b, "\"", 1);
}

static void
jb_body(struct jbuf *b, const unsigned char *body, size_t len)
{
	int	text = len == 0 || utf8_text(body, len);

	jb_key(b, "body");
	if (len == 0)
		jb_lit(b, "\"\"");
	else if (text)
		jb_string(b, (const char *)body, len);
	else
		jb_base64(b, body, len);
	jb_key(b, "body_encoding");
	jb_lit(b, text ? "\"utf-8\"" : "\"base64\"");
	jb_key(b, "body_size");
	jb_int(b, (long long)len);
}

/* Compact JSON of the verified JWT claims (jansson: they are free-form). */
static void
jb_claims(struct jbuf *b, const json_t *claims)
{
	char	*s;

	if (claims == NULL)
		return;
	s = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL) {
		b->failed = 1;
		return;
	}
	jb_key(b, "claims");
	jb_lit(b, s);
	free(s);
}

/* End the record with '\n' and hand its buffer over, or fail ENOMEM. */
static char *
jb_finish(struct jbuf *b, size_t *len)
{
	jb_raw(b, "}\n", 3);	/* the NUL keeps the buffer a C string */
	if (b->failed) {
		free(b->p);
		errno = ENOMEM;
		return NULL;
	}
	*len = b->n - 1;
	return b->p;
}

char *
record_headers_encode(const struct header_list *hl, size_t *len)
{
	struct jbuf	b = { NULL, 0, 0, 0 };

	jb_headers(&b, hl);
	jb_raw(&b, "", 1);		/* its NUL */
	if (b.failed) {
		free(b.p);
		errno = ENOMEM;
		return NULL;
	}
	*len = b.n - 1;
	return b.p;
}

char *
record_event_encode(const struct event *ev, size_t *len)
{
	struct jbuf	b = { NULL, 0, 0, 0 };
	size_t		i;

	if (!event_id_valid(ev->id) ||
	    ev->received_us < EVENT_US_MIN || ev->received_us > EVENT_US_MAX ||
	    (ev->replay_of != NULL && !event_id_valid(ev->replay_of)) ||
	    (ev->body == NULL && ev->body_len > 0)) {
		errno = EINVAL;
		return NULL;
	}
	jb_lit(&b, "{\"type\":\"event\"");
	jb_key(&b, "id");
	jb_cstr(&b, ev->id);
	jb_key(&b, "received_at");
	jb_time(&b, ev->received_us, 0);
	jb_key(&b, "endpoint");
	jb_cstr(&b, ev->endpoint);
	jb_key(&b, "path");
	jb_cstr(&b, ev->path);
	if (ev->query != NULL) {
		jb_key(&b, "query");
		jb_cstr(&b, ev->query);
	}
	jb_key(&b, "method");
	jb_cstr(&b, ev->method);
	jb_key(&b, "remote_addr");
	jb_cstr(&b, ev->remote_addr);
	jb_key(&b, "headers");
	jb_headers(&b, ev->headers);
	jb_body(&b, ev->body, ev->body_len);
	jb_key(&b, "verification");
	jb_cstr(&b, ev->verification);
	jb_claims(&b, ev->claims);
	/* Before "handlers" and "replay_of", which readers look for last. */
	if (ev->dedup_key != NULL) {
		jb_key(&b, "dedup_key");
		jb_cstr(&b, ev->dedup_key);
	}
	jb_key(&b, "handlers");
	jb_raw(&b, "[", 1);
	for (i = 0; i < ev->nhandlers; i++) {
		if (i > 0)
			jb_raw(&b, ",", 1);
		jb_cstr(&b, ev->handlers[i]);
	}
	jb_raw(&b, "]", 1);
	jb_key(&b, "replay_of");
	jb_cstr(&b, ev->replay_of);
	return jb_finish(&b, len);
}

char *
record_attempt_encode(const struct attempt *at, size_t *len)
{
	struct jbuf	b = { NULL, 0, 0, 0 };

	if (!event_id_valid(at->event_id) || at->number < 1 ||
	    at->started_us < EVENT_US_MIN || at->started_us > EVENT_US_MAX ||
	    at->ended_us < 0 || at->ended_us > EVENT_US_MAX ||
	    at->next_us < 0 || at->next_us > EVENT_US_MAX) {
		errno = EINVAL;
		return NULL;
	}
	jb_lit(&b, "{\"type\":\"attempt\"");
	jb_key(&b, "id");
	jb_cstr(&b, at->event_id);
	jb_key(&b, "handler");
	jb_cstr(&b, at->handler);
	jb_key(&b, "attempt");
	jb_int(&b, at->number);
	jb_key(&b, "state");
	jb_cstr(&b, at->state);
	jb_key(&b, "started_at");
	jb_time(&b, at->started_us, 0);
	jb_key(&b, "ended_at");
	jb_time(&b, at->ended_us, 1);
	jb_key(&b, "timeout");
	jb_int(&b, at->timeout);
	jb_key(&b, "exit_status");
	if (at->exit_status < 0)
		jb_lit(&b, "null");
	else
		jb_int(&b, at->exit_status);
	jb_key(&b, "signal");
	if (at->signal == 0)
		jb_lit(&b, "null");
	else
		jb_int(&b, at->signal);
	jb_key(&b, "timed_out");
	jb_lit(&b, at->timed_out ? "true" : "false");
	jb_key(&b, "output");
	jb_text(&b, at->output != NULL ? at->output : "", at->output_len);
	jb_key(&b, "next_at");
	jb_time(&b, at->next_us, 1);
	jb_key(&b, "error");
	jb_cstr(&b, at->error);
	if (at->placed) {
		jb_key(&b, "segment");
		jb_int(&b, (long long)at->segment);
		jb_key(&b, "offset");
		jb_int(&b, (long long)at->offset);
	}
	return jb_finish(&b, len);
}

/* Reading records. */

/* Copy msg into err with every byte outside printable ASCII as '?'. */
static void
decode_error(char *err, size_t errlen, const char *msg)
{
	size_t	i;

	if (err == NULL || errlen == 0)
		return;
	for (i = 0; msg[i] != '\0' && i + 1 < errlen; i++)
		err[i] = msg[i] >= ' ' && msg[i] < 127 ? msg[i] : '?';
	err[i] = '\0';
}

/* 1 if j is a string without an embedded NUL. */
static int
is_plain_string(const json_t *j)
{
	return json_is_string(j) &&
	    strlen(json_string_value(j)) == json_string_length(j);
}

json_t *
record_decode(const char *line, size_t len, char *err, size_t errlen)
{
	json_t		*rec = NULL;
	json_error_t	 je;
	char		 msg[JSON_ERROR_TEXT_LENGTH + 32];

	if (line == NULL) {
		decode_error(err, errlen, "no line");
		goto out;
	}
	/* \u0000 is legal JSON; record_event_body copes with it. */
	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &je);
	if (rec == NULL) {
		snprintf(msg, sizeof(msg), "column %d: %s", je.column, je.text);
		decode_error(err, errlen, msg);
		goto out;
	}
	if (!json_is_object(rec)) {
		decode_error(err, errlen, "not a JSON object");
		goto fail;
	}
	if (!is_plain_string(json_object_get(rec, "type"))) {
		decode_error(err, errlen, "no string \"type\"");
		goto fail;
	}
	if (!is_plain_string(json_object_get(rec, "id"))) {
		decode_error(err, errlen, "no string \"id\"");
		goto fail;
	}
	goto out;
fail:
	json_decref(rec);
	rec = NULL;
out:
	return rec;
}

int
record_event_body(const json_t *rec, unsigned char **body, size_t *len)
{
	const json_t	*b, *enc, *size;
	const char	*how = "utf-8";
	unsigned char	*buf = NULL;
	size_t		 n = 0;

	*body = NULL;
	*len = 0;
	b = json_object_get(rec, "body");
	enc = json_object_get(rec, "body_encoding");
	size = json_object_get(rec, "body_size");
	if (!json_is_string(b) || (enc != NULL && !json_is_string(enc)))
		goto bad;
	if (enc != NULL)
		how = json_string_value(enc);
	if (strcmp(how, "base64") == 0) {
		if (base64_decode(json_string_value(b), json_string_length(b),
		    &buf, &n) == -1)
			return -1;
	} else if (strcmp(how, "utf-8") == 0) {
		n = json_string_length(b);
		buf = malloc(n + 1);
		if (buf == NULL)
			return -1;
		memcpy(buf, json_string_value(b), n);
	} else
		goto bad;
	/* body_size, when present, must agree: a cheap corruption check. */
	if (size != NULL && (!json_is_integer(size) ||
	    json_integer_value(size) < 0 ||
	    (uint64_t)json_integer_value(size) != (uint64_t)n))
		goto bad;
	buf[n] = '\0';
	*body = buf;
	*len = n;
	return 0;
bad:
	free(buf);
	errno = EINVAL;
	return -1;
}

/* Times. */

static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, size_t n, int64_t *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
record_time_parse(const char *s, size_t len, int64_t *us)
{
	int64_t	y, mo, d, h, mi, sec, frac = 0, scale = 100000;
	size_t	i;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' &&
	    s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' ||
	    digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	i = 19;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i + 1 != len || (s[i] != 'Z' && s[i] != 'z'))
		return -1;
	*us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) *
	    1000000) + frac;
	return 0;
}

/* Jobs from event records. */

static int
job_headers(struct attempt_job *job, const json_t *hdrs)
{
	const char	*name;
	json_t		*v;

	json_object_foreach((json_t *)(uintptr_t)hdrs, name, v) {
		if (json_is_string(v) &&
		    header_add(&job->headers, name, json_string_value(v)) == -1)
			return -1;
	}
	return 0;
}

static char *
member_strdup(const json_t *rec, const char *key)
{
	const char	*s = json_string_value(json_object_get(rec, key));

	return strdup(s != NULL ? s : "");
}

/* The payload_json_field of the endpoint named name, or NULL. */
static const char *
json_field(const struct conf *conf, const char *name)
{
	size_t	i;

	for (i = 0; conf != NULL && i < conf->nendpoints; i++)
		if (strcmp(conf->endpoints[i].name, name) == 0)
			return conf->endpoints[i].payload_json_field;
	return NULL;
}

/*
 * The query member: the job's query and its fields (lenient, as the
 * request path makes them).  0, or -1 on ENOMEM.
 */
static int
job_query(struct attempt_job *job, const json_t *rec)
{
	const char	*q = json_string_value(json_object_get(rec, "query"));

	if (q == NULL)
		return 0;
	if ((job->query = strdup(q)) == NULL ||
	    (job->query_fields = form_object(q, strlen(q), false)) == NULL)
		return -1;
	return 0;
}

/*
 * When the event came, and its delivery's dedup key (a sink's marker is
 * keyed by it).  0, or -1 on ENOMEM.
 */
static int
job_delivery(struct attempt_job *job, const json_t *rec)
{
	const char	*s;

	s = json_string_value(json_object_get(rec, "received_at"));
	if (s == NULL || record_time_parse(s, strlen(s), &job->received_us) ==
	    -1)
		job->received_us = 0;
	s = json_string_value(json_object_get(rec, "dedup_key"));
	if (s != NULL && (job->dedup_key = strdup(s)) == NULL)
		return -1;
	return 0;
}

/*
 * The job of an event record.  Its payload is made by the rule of the
 * request path (filter_payload_request()), with the content type the
 * record's headers hold and the payload_json_field conf gives its
 * endpoint now.
 */
struct attempt_job *
record_job(const struct conf *conf, const json_t *rec)
{
	return record_job_opt(conf, rec, 0);
}

struct attempt_job *
record_job_opt(const struct conf *conf, const json_t *rec, int flags)
{
	struct attempt_job	*job;
	const char		*id;

	id = json_string_value(json_object_get(rec, "id"));
	if (!event_id_valid(id)) {
		errno = EINVAL;
		return NULL;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	memcpy(job->id, id, sizeof(job->id));
	if ((job->endpoint = member_strdup(rec, "endpoint")) == NULL ||
	    (job->path = member_strdup(rec, "path")) == NULL ||
	    (job->method = member_strdup(rec, "method")) == NULL ||
	    job_headers(job, json_object_get(rec, "headers")) == -1 ||
	    record_event_body(rec, &job->body, &job->body_len) == -1 ||
	    job_query(job, rec) == -1 || job_delivery(job, rec) == -1) {
		attempt_job_free(job);
		return NULL;
	}
	if (!(flags & RECORD_JOB_NO_PAYLOAD))
		job->payload = filter_payload_request(job->body, job->body_len,
		    header_get(&job->headers, "content-type"),
		    json_field(conf, job->endpoint));
	return job;
}

/* Scanning the spool for records. */

/*
 * 1 if line is exactly one JSON object.  jansson decides, so a reader
 * accepts what record_decode() will.  Scans that only look for ids
 * (spool_scan() itself) skip this and leave it to whoever decodes a
 * line.
 */
static int
line_is_object(const char *line, size_t len)
{
	json_error_t	 err;
	json_t		*j;
	int		 ok;

	/* A raw NUL byte is never part of a record (jansson lets one
	 * through after a number). */
	if (len == 0 || line[0] != '{' || memchr(line, '\0', len) != NULL)
		return 0;
	j = json_loadb(line, len, JSON_ALLOW_NUL, &err);
	ok = json_is_object(j);
	json_decref(j);
	return ok;
}

/* The caller's callbacks, behind the check. */
struct checked {
	spool_line_fn	 line_fn;
	spool_bad_fn	 bad_fn;
	void		*arg;
};

static int
checked_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct checked	*c = arg;

	if (!line_is_object(line, len)) {
		if (c->bad_fn != NULL)
			c->bad_fn(pos, "not a JSON object", c->arg);
		return 0;
	}
	if (c->line_fn == NULL)
		return 0;
	return c->line_fn(line, len, pos, c->arg);
}

static void
checked_bad(const struct spool_pos *pos, const char *reason, void *arg)
{
	struct checked	*c = arg;

	if (c->bad_fn != NULL)
		c->bad_fn(pos, reason, c->arg);
}

int
record_scan(const char *dir, int flags, spool_line_fn line_fn,
    spool_bad_fn bad_fn, void *arg)
{
	struct checked	c = { line_fn, bad_fn, arg };

	return spool_scan(dir, flags, checked_line, checked_bad, &c);
}

int
record_scan_segment(const char *dir, unsigned no, off_t from, int flags,
    spool_line_fn line_fn, spool_bad_fn bad_fn, void *arg)
{
	struct checked	c = { line_fn, bad_fn, arg };

	return spool_scan_segment(dir, no, from, flags, NULL, checked_line,
	    checked_bad, &c);
}

/* Finding one event. */

struct find {
	const char	*id;
	size_t		 idlen;
	int		 precheck;	/* id can be looked for verbatim */
	char		*line;
	size_t		 len;
};

static int
mem_has(const char *hay, size_t haylen, const char *needle, size_t len)
{
	const char	*p = hay, *end = hay + haylen;

	while ((size_t)(end - p) >= len) {
		p = memchr(p, needle[0], (size_t)(end - p) - len + 1);
		if (p == NULL)
			return 0;
		if (memcmp(p, needle, len) == 0)
			return 1;
		p++;
	}
	return 0;
}

static int
str_is(const json_t *j, const char *s)
{
	return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

static int
find_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct find	*f = arg;
	json_t		*rec = NULL;
	int		 r = 0;

	(void)pos;
	if (f->precheck && (!mem_has(line, len, f->id, f->idlen) ||
	    !mem_has(line, len, "\"event\"", 7)))
		return 0;
	rec = json_loadb(line, len, 0, NULL);
	if (rec == NULL || !str_is(json_object_get(rec, "type"), "event") ||
	    !str_is(json_object_get(rec, "id"), f->id))
		goto out;
	f->line = malloc(len + 1);
	if (f->line == NULL) {
		r = -1;
		goto out;
	}
	memcpy(f->line, line, len);
	f->line[len] = '\0';
	f->len = len;
	r = 1;
out:
	json_decref(rec);
	return r;
}

int
record_find(const char *dir, const char *id, char **line, size_t *len)
{
	struct find	f;
	const char	*s;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.idlen = strlen(id);
	if (f.idlen == 0) {
		errno = EINVAL;
		return -1;
	}
	/* An id that JSON would escape cannot be looked for as bytes. */
	f.precheck = 1;
	for (s = id; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			f.precheck = 0;
	}
	if (record_scan(dir, SPOOL_NEWEST_FIRST, find_line, NULL, &f) == -1) {
		free(f.line);
		return -1;
	}
	if (f.line == NULL)
		return 0;
	*line = f.line;
	*len = f.len;
	return 1;
}
