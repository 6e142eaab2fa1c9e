/*
 * fcgirec: the FastCGI record stream of one connection, parsed and
 * written without I/O (see fcgirec.h for what it promises).  The
 * front end (fcgi.c) reads the socket and feeds the bytes in.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgirec.h"

/* Record types and status codes of the FastCGI 1.0 specification. */
enum {
	FCGI_BEGIN_REQUEST = 1, FCGI_ABORT_REQUEST, FCGI_END_REQUEST,
	FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR, FCGI_DATA,
	FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE
};
#define FCGI_VERSION_1		1
#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1
#define FCGI_REQUEST_COMPLETE	0
#define FCGI_CANT_MPX_CONN	1
#define FCGI_UNKNOWN_ROLE	3

void
fcgirec_init(struct fcgirec *fr, size_t limit_params)
{
	memset(fr, 0, sizeof(*fr));
	fr->limit_params = limit_params;
}

static void
request_clear(struct fcgirec *fr)
{
	free(fr->params);
	free(fr->envp);
	free(fr->body);
	fr->params = NULL;
	fr->envp = NULL;
	fr->body = NULL;
	fr->params_len = fr->params_cap = fr->params_seen = 0;
	fr->nenv = 0;
	fr->body_len = fr->body_cap = fr->body_limit = 0;
	fr->body_over = fr->body_eof = 0;
}

void
fcgirec_free(struct fcgirec *fr)
{
	request_clear(fr);
	fr->state = FCGIREC_IDLE;
}

static void
put_header(unsigned char *p, unsigned type, unsigned id, size_t clen)
{
	p[0] = FCGI_VERSION_1;
	p[1] = (unsigned char)type;
	p[2] = (unsigned char)(id >> 8);
	p[3] = (unsigned char)id;
	p[4] = (unsigned char)(clen >> 8);
	p[5] = (unsigned char)clen;
	p[6] = 0;
	p[7] = 0;
}

static size_t
put_end_request(unsigned char *p, unsigned id, unsigned protocol_status)
{
	put_header(p, FCGI_END_REQUEST, id, 8);
	memset(p + 8, 0, 8);		/* appStatus 0 */
	p[12] = (unsigned char)protocol_status;
	return 16;
}

/* Room in out[] for n more bytes? */
static int
out_room(const struct fcgirec *fr, size_t n)
{
	return sizeof(fr->out) - fr->out_len >= n;
}

static void
reply_end(struct fcgirec *fr, unsigned id, unsigned protocol_status)
{
	fr->out_len += put_end_request(fr->out + fr->out_len, id,
	    protocol_status);
}

/* A name-value pair of one-byte lengths (names and values < 128). */
static size_t
put_pair(unsigned char *p, const char *name, const char *value)
{
	size_t	nl = strlen(name), vl = strlen(value);

	p[0] = (unsigned char)nl;
	p[1] = (unsigned char)vl;
	memcpy(p + 2, name, nl);
	memcpy(p + 2 + nl, value, vl);
	return 2 + nl + vl;
}

/* GET_VALUES: what a responder of one request per connection knows. */
static void
reply_values(struct fcgirec *fr)
{
	unsigned char	*p = fr->out + fr->out_len;
	size_t		 n = FCGIREC_HEADER_LEN;

	n += put_pair(p + n, "FCGI_MAX_CONNS", "64");
	n += put_pair(p + n, "FCGI_MAX_REQS", "64");
	n += put_pair(p + n, "FCGI_MPXS_CONNS", "0");
	put_header(p, FCGI_GET_VALUES_RESULT, 0, n - FCGIREC_HEADER_LEN);
	fr->out_len += n;
}

static void
reply_unknown(struct fcgirec *fr, unsigned type)
{
	unsigned char	*p = fr->out + fr->out_len;

	put_header(p, FCGI_UNKNOWN_TYPE, 0, 8);
	memset(p + 8, 0, 8);
	p[8] = (unsigned char)type;
	fr->out_len += 16;
}

/*
 * One length of a name-value pair: one byte below 128, else four with
 * the high bit set.  -1 when the stream ends inside it.
 */
static int
pair_length(const unsigned char **pp, const unsigned char *end, size_t *len)
{
	const unsigned char	*p = *pp;

	if (p >= end)
		return -1;
	if ((p[0] & 0x80) == 0) {
		*len = p[0];
		*pp = p + 1;
		return 0;
	}
	if (end - p < 4)
		return -1;
	*len = ((size_t)(p[0] & 0x7f) << 24) | ((size_t)p[1] << 16) |
	    ((size_t)p[2] << 8) | p[3];
	*pp = p + 4;
	return 0;
}

/*
 * Walk the pairs; with envp, copy each as "NAME=VALUE" into buf.  Every
 * length is checked against the bytes left before it is used.  Returns
 * the number of pairs, or -1 for a stream that lies or a name or value
 * no CGI variable can have (empty name, '=' in it, a NUL anywhere).
 */
static long
params_walk(const unsigned char *p, const unsigned char *end, char **envp,
    char *buf)
{
	size_t	nl, vl;
	long	n = 0;

	while (p < end) {
		if (pair_length(&p, end, &nl) == -1 ||
		    pair_length(&p, end, &vl) == -1 ||
		    nl > (size_t)(end - p) || vl > (size_t)(end - p) - nl ||
		    nl == 0 || memchr(p, '=', nl) != NULL ||
		    memchr(p, '\0', nl + vl) != NULL)
			return -1;
		if (envp != NULL) {
			envp[n] = buf;
			memcpy(buf, p, nl);
			buf[nl] = '=';
			memcpy(buf + nl + 1, p + nl, vl);
			buf[nl + 1 + vl] = '\0';
			buf += nl + vl + 2;
		}
		p += nl + vl;
		n++;
	}
	return n;
}

/*
 * The parameters are in: make envp.  Each pair has at least two length
 * bytes, which pay for its '=' and NUL, so the strings fit in as many
 * bytes as the stream had.
 */
static int
params_decode(struct fcgirec *fr)
{
	const unsigned char	*p = (const unsigned char *)fr->params;
	const unsigned char	*end = p == NULL ? NULL : p + fr->params_len;
	long			 n = 0;
	size_t			 vec;

	if (p != NULL && !fcgirec_params_over(fr) &&
	    (n = params_walk(p, end, NULL, NULL)) == -1) {
		fr->error = "malformed parameters";
		return -1;
	}
	vec = ((size_t)n + 1) * sizeof(char *);
	if ((fr->envp = malloc(vec + fr->params_len + 1)) == NULL) {
		fr->error = "out of memory";
		return -1;
	}
	if (n > 0)
		params_walk(p, end, fr->envp, (char *)fr->envp + vec);
	fr->envp[n] = NULL;
	fr->nenv = (size_t)n;
	return 0;
}

/* Keep bytes in *buf (grown by doubling up to limit); 0 or -1. */
static int
keep(char **buf, size_t *len, size_t *cap, size_t limit,
    const unsigned char *p, size_t n)
{
	size_t	ncap;
	char	*nbuf;

	if (n == 0)
		return 0;
	if (*len + n > *cap) {
		ncap = *cap == 0 ? 4096 : *cap;
		while (ncap < *len + n)
			ncap *= 2;
		if (ncap > limit)
			ncap = limit;
		if ((nbuf = realloc(*buf, ncap)) == NULL)
			return -1;
		*buf = nbuf;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	return 0;
}

/* Content bytes of the current record. */
static int
take_content(struct fcgirec *fr, const unsigned char *p, size_t n)
{
	size_t	room;

	if (fr->type == FCGI_BEGIN_REQUEST) {
		memcpy(fr->begin + fr->begin_len, p, n);
		fr->begin_len += n;
		return 0;
	}
	if (fr->rid != fr->id || fr->rid == 0)
		return 0;
	if (fr->type == FCGI_PARAMS && fr->state == FCGIREC_IN_PARAMS) {
		room = fr->limit_params - fr->params_len;
		fr->params_seen += n;
		if (n > room)
			n = room;	/* past the limit: counted only */
		return keep(&fr->params, &fr->params_len, &fr->params_cap,
		    fr->limit_params, p, n);
	}
	if (fr->type == FCGI_STDIN && fr->state == FCGIREC_IN_BODY) {
		room = fr->body_limit - fr->body_len;
		if (n > room) {
			fr->body_over = 1;
			n = room;
		}
		return keep((char **)&fr->body, &fr->body_len, &fr->body_cap,
		    fr->body_limit, p, n);
	}
	return 0;
}

/* A record's header is in: is it one this stream can take? */
static int
on_header(struct fcgirec *fr)
{
	const unsigned char	*h = fr->hdr;

	if (h[0] != FCGI_VERSION_1) {
		fr->error = "not FastCGI version 1";
		return -1;
	}
	fr->type = h[1];
	fr->rid = (unsigned)h[2] << 8 | h[3];
	fr->content_left = (size_t)h[4] << 8 | h[5];
	fr->padding_left = h[6];
	fr->begin_len = 0;
	if (fr->type == FCGI_BEGIN_REQUEST &&
	    (fr->content_left != 8 || fr->rid == 0)) {
		fr->error = "malformed BEGIN_REQUEST";
		return -1;
	}
	return 0;
}

static enum fcgirec_event
begin_request(struct fcgirec *fr)
{
	unsigned	role = (unsigned)fr->begin[0] << 8 | fr->begin[1];

	if (fr->state != FCGIREC_IDLE)
		reply_end(fr, fr->rid, FCGI_CANT_MPX_CONN);
	else if (role != FCGI_RESPONDER)
		reply_end(fr, fr->rid, FCGI_UNKNOWN_ROLE);
	else {
		request_clear(fr);
		fr->id = fr->rid;
		fr->keep = fr->begin[2] & FCGI_KEEP_CONN;
		fr->state = FCGIREC_IN_PARAMS;
	}
	return FCGIREC_MORE;
}

/* The current record's content is all in; what it means. */
static enum fcgirec_event
on_content(struct fcgirec *fr, size_t clen)
{
	int	ours = fr->rid != 0 && fr->rid == fr->id;

	if (fr->rid == 0) {
		if (fr->type == FCGI_GET_VALUES)
			reply_values(fr);
		else
			reply_unknown(fr, fr->type);
		return FCGIREC_MORE;
	}
	switch (fr->type) {
	case FCGI_BEGIN_REQUEST:
		return begin_request(fr);
	case FCGI_ABORT_REQUEST:
		if (ours && (fr->state == FCGIREC_IN_PARAMS ||
		    fr->state == FCGIREC_IN_BODY)) {
			reply_end(fr, fr->id, FCGI_REQUEST_COMPLETE);
			request_clear(fr);
			fr->state = FCGIREC_IDLE;
		}
		return FCGIREC_MORE;
	case FCGI_PARAMS:
		if (!ours || fr->state != FCGIREC_IN_PARAMS || clen != 0)
			return FCGIREC_MORE;
		if (params_decode(fr) == -1)
			return FCGIREC_ERROR;
		fr->state = FCGIREC_IN_BODY;
		return FCGIREC_PARAMS;
	case FCGI_STDIN:
		if (!ours)
			return FCGIREC_MORE;
		if (clen == 0)
			fr->body_eof = 1;
		if (fr->state == FCGIREC_ANSWERED && fr->body_eof) {
			request_clear(fr);
			fr->state = FCGIREC_IDLE;
		} else if (fr->state == FCGIREC_IN_BODY &&
		    (fr->body_eof || fr->body_over)) {
			fr->state = FCGIREC_READY;
			return FCGIREC_REQUEST;
		}
		return FCGIREC_MORE;
	default:
		return FCGIREC_MORE;	/* not for a responder: dropped */
	}
}

size_t
fcgirec_feed(struct fcgirec *fr, const unsigned char *buf, size_t len,
    enum fcgirec_event *ev)
{
	size_t	used = 0, n, clen;

	*ev = FCGIREC_MORE;
	while (used < len) {
		if (fr->hdr_len < FCGIREC_HEADER_LEN) {
			/* The longest reply a record can owe. */
			if (!out_room(fr, 80))
				return used;
			n = FCGIREC_HEADER_LEN - fr->hdr_len;
			if (n > len - used)
				n = len - used;
			memcpy(fr->hdr + fr->hdr_len, buf + used, n);
			fr->hdr_len += n;
			used += n;
			if (fr->hdr_len < FCGIREC_HEADER_LEN)
				break;
			if (on_header(fr) == -1) {
				*ev = FCGIREC_ERROR;
				return used;
			}
		} else if (fr->content_left > 0) {
			n = fr->content_left < len - used ? fr->content_left :
			    len - used;
			if (take_content(fr, buf + used, n) == -1) {
				fr->error = "out of memory";
				*ev = FCGIREC_ERROR;
				return used;
			}
			fr->content_left -= n;
			used += n;
		} else {
			n = fr->padding_left < len - used ? fr->padding_left :
			    len - used;
			fr->padding_left -= n;
			used += n;
		}
		if (fr->hdr_len == FCGIREC_HEADER_LEN &&
		    fr->content_left == 0 && fr->padding_left == 0) {
			fr->hdr_len = 0;
			clen = (size_t)fr->hdr[4] << 8 | fr->hdr[5];
			if ((*ev = on_content(fr, clen)) != FCGIREC_MORE)
				return used;
		}
	}
	return used;
}

int
fcgirec_params_over(const struct fcgirec *fr)
{
	return fr->params_seen > fr->params_len;
}

void
fcgirec_set_body_limit(struct fcgirec *fr, size_t limit)
{
	fr->body_limit = limit;
}

void
fcgirec_answered(struct fcgirec *fr)
{
	int	eof = fr->body_eof;

	request_clear(fr);
	fr->body_eof = eof;
	fr->state = eof ? FCGIREC_IDLE : FCGIREC_ANSWERED;
}

int
fcgirec_idle(const struct fcgirec *fr)
{
	return fr->state == FCGIREC_IDLE;
}

const char *
fcgirec_param(const struct fcgirec *fr, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < fr->nenv; i++)
		if (strncmp(fr->envp[i], name, n) == 0 &&
		    fr->envp[i][n] == '=')
			return fr->envp[i] + n + 1;
	return NULL;
}

size_t
fcgirec_answer(unsigned id, const void *data, size_t len, unsigned char *buf,
    size_t cap)
{
	const unsigned char	*p = data;
	size_t			 n, at = 0, chunk;

	n = len + (len / FCGIREC_CONTENT_MAX + 1) * FCGIREC_HEADER_LEN +
	    FCGIREC_HEADER_LEN + 16;
	if (n > cap)
		return 0;
	while (len > 0) {
		chunk = len < FCGIREC_CONTENT_MAX ? len : FCGIREC_CONTENT_MAX;
		put_header(buf + at, FCGI_STDOUT, id, chunk);
		memcpy(buf + at + FCGIREC_HEADER_LEN, p, chunk);
		at += FCGIREC_HEADER_LEN + chunk;
		p += chunk;
		len -= chunk;
	}
	put_header(buf + at, FCGI_STDOUT, id, 0);
	at += FCGIREC_HEADER_LEN;
	at += put_end_request(buf + at, id, FCGI_REQUEST_COMPLETE);
	return at;
}
