/*
 * sink: events into a Redis stream, once each (see sink.h).
 */
#include "config.h"

#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "attempt_job.h"
#include "clock.h"
#include "event.h"
#include "header.h"
#include "log.h"
#include "record.h"
#include "sink.h"
#include "sink_tls.h"

#define ENDPOINT_VAR	"${endpoint}"
#define BACKOFF_MIN_US	100000
#define BACKOFF_MAX_US	10000000
#define SINK_CONNECT_MAX	5	/* seconds for a connection, at most */
#define NARGS		18	/* EVALSHA's words before the body */

/*
 * KEYS[1] the stream, KEYS[2] the delivery's marker; ARGV[1] the
 * marker's life in seconds, ARGV[2] MAXLEN ("" for none), ARGV[3] "~"
 * or "=", then the entry's fields and values.  Returns {1, entry id}
 * for an entry added, {0, entry id} for a delivery already there.  A
 * script runs whole or not at all, so the marker is never without its
 * entry, nor an entry without its marker.
 */
static const char script[] =
    "local seen = redis.call('GET', KEYS[2])\n"
    "if seen then return {0, seen} end\n"
    "local id\n"
    "if ARGV[2] == '' then\n"
    "  id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))\n"
    "else\n"
    "  id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], ARGV[2], '*',\n"
    "    unpack(ARGV, 4))\n"
    "end\n"
    "redis.call('SET', KEYS[2], id, 'EX', ARGV[1])\n"
    "return {1, id}\n";

/* ---- configuration ---- */

static int
fail(char *err, size_t errlen, const char *msg, const char *arg)
{
	snprintf(err, errlen, "%s%s%s", msg, arg != NULL ? ": " : "",
	    arg != NULL ? arg : "");
	return -1;
}

/* %XX escapes of a URL's user or password, decoded in place. */
static int
url_decode(char *s)
{
	char	*w = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2]))
			return -1;
		hi = isdigit((unsigned char)s[1]) ? s[1] - '0' :
		    tolower((unsigned char)s[1]) - 'a' + 10;
		lo = isdigit((unsigned char)s[2]) ? s[2] - '0' :
		    tolower((unsigned char)s[2]) - 'a' + 10;
		if (hi == 0 && lo == 0)
			return -1;
		*w++ = (char)(hi * 16 + lo);
		s += 2;
	}
	*w = '\0';
	return 0;
}

static int
parse_db(const char *s, int *db)
{
	char	*end;
	long	 v;

	if (*s == '\0')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char)*s) ||
	    v < 0 || v > 65535)
		return -1;
	*db = (int)v;
	return 0;
}

/*
 * "[USER[:PASSWORD]@]" or ":PASSWORD@" at the start of rest, cut off
 * (a user's password may come from redis_password_file instead).
 */
static int
url_auth(struct sink_conf *sc, char **rest, char *err, size_t errlen)
{
	char	*at = strrchr(*rest, '@'), *colon;

	if (at == NULL)
		return 0;
	*at = '\0';
	if ((colon = strchr(*rest, ':')) != NULL) {
		*colon = '\0';
		if (colon[1] == '\0')
			return fail(err, errlen, "redis: an empty password",
			    NULL);
		if ((sc->password = strdup(colon + 1)) == NULL)
			return fail(err, errlen, "out of memory", NULL);
	}
	if (**rest == '\0' && colon == NULL)
		return fail(err, errlen, "redis: nothing before @", NULL);
	if (**rest != '\0' && (sc->user = strdup(*rest)) == NULL)
		return fail(err, errlen, "out of memory", NULL);
	if ((sc->user != NULL && url_decode(sc->user) == -1) ||
	    (sc->password != NULL && url_decode(sc->password) == -1))
		return fail(err, errlen, "redis: a bad %XX escape in the "
		    "user or password", NULL);
	*rest = at + 1;
	return 0;
}

/* HOST[:PORT][/DB], or [V6]:PORT. */
static int
url_tcp(struct sink_conf *sc, char *rest, char *err, size_t errlen)
{
	char	*slash, *colon, *host = rest, *end;
	long	 port = 6379;

	if ((slash = strchr(rest, '/')) != NULL) {
		*slash = '\0';
		if (parse_db(slash + 1, &sc->db) == -1)
			return fail(err, errlen, "redis: not a database number",
			    slash + 1);
	}
	if (*host == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return fail(err, errlen, "redis: no ] after an IPv6 "
			    "address", NULL);
		*end = '\0';
		host++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (colon == NULL && end[1] != '\0')
			return fail(err, errlen, "redis: what follows the "
			    "IPv6 address", end + 1);
	} else if ((colon = strchr(host, ':')) != NULL)
		*colon = '\0';
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || colon[1] == '\0' ||
		    port < 1 || port > 65535)
			return fail(err, errlen, "redis: not a port",
			    colon + 1);
	}
	if (*host == '\0')
		return fail(err, errlen, "redis: no host", NULL);
	if ((sc->host = strdup(host)) == NULL)
		return fail(err, errlen, "out of memory", NULL);
	sc->port = (int)port;
	return 0;
}

/* PATH[?db=N] */
static int
url_unix(struct sink_conf *sc, char *rest, char *err, size_t errlen)
{
	char	*q;

	if ((q = strchr(rest, '?')) != NULL) {
		*q++ = '\0';
		if (strncmp(q, "db=", 3) != 0 || parse_db(q + 3, &sc->db) == -1)
			return fail(err, errlen, "redis: after a socket path "
			    "only ?db=N", q);
	}
	if (rest[0] != '/')
		return fail(err, errlen, "redis: a socket path must be "
		    "absolute", rest);
	if ((sc->socket = strdup(rest)) == NULL)
		return fail(err, errlen, "out of memory", NULL);
	return 0;
}

/* The URL for logs: the password (if any) as "***". */
static char *
url_shown(const struct sink_conf *sc)
{
	char	 buf[PATH_MAX + 128];
	int	 n;

	if (sc->socket != NULL)
		n = snprintf(buf, sizeof(buf), "unix:%s?db=%d", sc->socket,
		    sc->db);
	else
		n = snprintf(buf, sizeof(buf), "redis%s://%s%s%s%s%s%s:%d/%d",
		    sc->tls ? "s" : "", sc->user != NULL ? sc->user : "",
		    sc->password != NULL ? ":***" : "",
		    sc->user != NULL || sc->password != NULL ? "@" : "",
		    strchr(sc->host, ':') != NULL ? "[" : "", sc->host,
		    strchr(sc->host, ':') != NULL ? "]" : "", sc->port,
		    sc->db);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return strdup(buf);
}

int
sink_conf_url(struct sink_conf *sc, const char *url, char *err,
    size_t errlen)
{
	char	*copy, *rest;
	int	 rc;

	free(sc->url);
	free(sc->host);
	free(sc->socket);
	free(sc->user);
	free(sc->password);
	sc->url = sc->host = sc->socket = sc->user = sc->password = NULL;
	sc->db = 0;
	sc->tls = strncmp(url, "rediss://", 9) == 0;
	if ((copy = strdup(url)) == NULL)
		return fail(err, errlen, "out of memory", NULL);
	if (strncmp(copy, "redis://", 8) == 0 || sc->tls) {
		rest = copy + 8 + sc->tls;
		rc = url_auth(sc, &rest, err, errlen);
		if (rc == 0)
			rc = url_tcp(sc, rest, err, errlen);
	} else if (strncmp(copy, "unix:", 5) == 0 ||
	    strncmp(copy, "redis+unix://", 13) == 0)
		rc = url_unix(sc, copy + (copy[0] == 'u' ? 5 : 13), err,
		    errlen);
	else
		rc = fail(err, errlen, "redis: not redis[s]://HOST[:PORT][/DB] "
		    "nor unix:PATH", url);
	free(copy);
	if (rc == 0 && (sc->url = url_shown(sc)) == NULL)
		rc = fail(err, errlen, "redis: address too long", NULL);
	return rc;
}

int
sink_conf_stream(struct sink_conf *sc, const char *s, char *err,
    size_t errlen)
{
	const char	*p;

	if (*s == '\0')
		return fail(err, errlen, "stream: empty", NULL);
	for (p = s; *p != '\0'; p++) {
		if (strncmp(p, ENDPOINT_VAR, strlen(ENDPOINT_VAR)) == 0) {
			p += strlen(ENDPOINT_VAR) - 1;
			continue;
		}
		/* Braces are Redis Cluster's hash tags: the marker's own
		 * (see marker_key()) must be the only one. */
		if (*p == '$' || *p == '{' || *p == '}')
			return fail(err, errlen, "stream: only ${endpoint} may "
			    "be substituted, and no other $, { or }", s);
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return fail(err, errlen, "stream: a blank or control "
			    "character in the name", NULL);
	}
	free(sc->stream);
	if ((sc->stream = strdup(s)) == NULL)
		return fail(err, errlen, "out of memory", NULL);
	return 0;
}

int
sink_conf_maxlen(struct sink_conf *sc, const char *s, char *err,
    size_t errlen)
{
	char	*end;
	long	 v;

	sc->maxlen_exact = *s != '~';
	if (*s == '~' || *s == '=')
		s++;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno != 0 || *end != '\0' ||
	    v < 1)
		return fail(err, errlen, "maxlen: not ~N, =N or N with N at "
		    "least 1", s);
	sc->maxlen = v;
	return 0;
}

void
sink_conf_free(struct sink_conf *sc)
{
	if (sc == NULL)
		return;
	free(sc->url);
	free(sc->host);
	free(sc->socket);
	free(sc->user);
	if (sc->password != NULL)
		explicit_bzero(sc->password, strlen(sc->password));
	free(sc->password);
	free(sc->tls_ca_file);
	free(sc->tls_cert_file);
	free(sc->tls_key_file);
	free(sc->tls_server_name);
	free(sc->stream);
	free(sc);
}

char *
sink_stream_key(const struct sink_conf *sc, const char *endpoint)
{
	const char	*p, *v;
	size_t		 n = 1, lv = strlen(ENDPOINT_VAR);
	char		*out, *w;

	for (p = sc->stream; *p != '\0'; p++)
		if (strncmp(p, ENDPOINT_VAR, lv) == 0) {
			n += strlen(endpoint);
			p += lv - 1;
		} else
			n++;
	if ((out = malloc(n)) == NULL)
		return NULL;
	for (w = out, p = sc->stream; *p != '\0'; p++)
		if (strncmp(p, ENDPOINT_VAR, lv) == 0) {
			for (v = endpoint; *v != '\0'; v++)
				*w++ = *v;
			p += lv - 1;
		} else
			*w++ = *p;
	*w = '\0';
	return out;
}

/* ---- connections ---- */

struct conn {
	const struct sink_conf	*sc;	/* the first handler's: its address */
	redisContext		*c;	/* a plain connection, */
	struct sink_tls		*t;	/* or one over TLS; both NULL: none */
	char			 sha[41]; /* of the script, once loaded */
	int64_t			 down_until; /* CLOCK_MONOTONIC us */
	int64_t			 backoff;
	int			 timeout; /* seconds, of the connection */
	char			 error[SINK_ERROR_MAX]; /* the last failure */
	struct conn		*next;
};

static struct conn	*conns;

static int
same_place(const struct sink_conf *a, const struct sink_conf *b)
{
	return strcmp(a->url, b->url) == 0 &&
	    (a->password == NULL) == (b->password == NULL) &&
	    (a->password == NULL || strcmp(a->password, b->password) == 0);
}

static struct conn *
conn_of(const struct sink_conf *sc)
{
	struct conn	*k;

	for (k = conns; k != NULL; k = k->next)
		if (k->sc == sc || same_place(k->sc, sc))
			return k;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->sc = sc;
	k->backoff = BACKOFF_MIN_US;
	k->next = conns;
	conns = k;
	return k;
}

/* Printable, one line: Redis's own words may hold anything. */
static void
set_error(char *dst, const char *prefix, const char *msg, size_t len)
{
	char	*p;

	snprintf(dst, SINK_ERROR_MAX, "%s%.*s", prefix,
	    (int)(len > SINK_ERROR_MAX ? SINK_ERROR_MAX : len), msg);
	for (p = dst; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
}

static void
conn_close(struct conn *k)
{
	if (k->c != NULL)
		redisFree(k->c);
	k->c = NULL;
	sink_tls_free(k->t);
	k->t = NULL;
}

static int
conn_up(const struct conn *k)
{
	return k->c != NULL || k->t != NULL;
}

/* Queue a command (hiredis's, or ours over TLS).  -1 on ENOMEM. */
static int
conn_append(struct conn *k, int argc, const char **argv, const size_t *len)
{
	if (k->t != NULL)
		return sink_tls_append(k->t, argc, argv, len);
	return redisAppendCommandArgv(k->c, argc, argv, len) == REDIS_OK ?
	    0 : -1;
}

/* Send what is queued, read the next answer; -1: the connection broke. */
static int
conn_reply(struct conn *k, redisReply **r)
{
	if (k->t != NULL)
		return sink_tls_reply(k->t, r);
	return redisGetReply(k->c, (void **)r) == REDIS_OK ? 0 : -1;
}

static void
conn_down(struct conn *k, const char *why)
{
	char	buf[SINK_ERROR_MAX];

	if (why != NULL) {
		snprintf(buf, sizeof(buf), "%s", why);	/* why may be k->error */
		set_error(k->error, "redis: ", buf, strlen(buf));
	}
	conn_close(k);
	k->down_until = mono_us() + k->backoff;
	k->backoff = k->backoff * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US :
	    k->backoff * 2;
	log_warnx("%s (next connection in %.1f s)", k->error,
	    (double)(k->down_until - mono_us()) / 1e6);
}

/*
 * What hiredis says of a connection that failed; a read that timed out
 * (EAGAIN on its socket) in words.
 */
static const char *
io_error(const struct conn *k, char *buf, size_t len)
{
	if (k->t != NULL)
		return sink_tls_error(k->t);
	if (k->c->err == REDIS_ERR_IO && (errno == EAGAIN ||
	    errno == EWOULDBLOCK)) {
		snprintf(buf, len, "no answer within the timeout (%d s)",
		    k->timeout);
		return buf;
	}
	return k->c->errstr;
}

/* A command whose answer must not be an error; 0 or -1 (logged). */
static int
conn_command(struct conn *k, const char *what, int argc, const char **argv,
    char *sha)
{
	redisReply	*r;
	char		 buf[SINK_ERROR_MAX], tmp[64];
	int		 rc = 0;

	if (conn_append(k, argc, argv, NULL) == -1 || conn_reply(k, &r) == -1) {
		snprintf(buf, sizeof(buf), "%s: %s", what,
		    io_error(k, tmp, sizeof(tmp)));
		conn_down(k, buf);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(buf, sizeof(buf), "%s: %.*s", what,
		    (int)(r->len > 150 ? 150 : r->len), r->str);
		rc = -1;
	} else if (sha != NULL && (r->type != REDIS_REPLY_STRING ||
	    r->len != 40)) {
		snprintf(buf, sizeof(buf), "%s: not a script's SHA-1", what);
		rc = -1;
	} else if (sha != NULL)
		memcpy(sha, r->str, 41);
	freeReplyObject(r);
	if (rc == -1)
		conn_down(k, buf);
	return rc;
}

static int
conn_open(struct conn *k, int timeout)
{
	const struct sink_conf	*sc = k->sc;
	struct timeval		 tv = { timeout, 0 };
	struct timeval		 ctv = { timeout < SINK_CONNECT_MAX ? timeout :
				    SINK_CONNECT_MAX, 0 };
	const char		*argv[3];
	char			 db[16], err[SINK_ERROR_MAX];

	k->timeout = timeout;
	if (sc->tls)
		k->t = sink_tls_connect(sc, (int)ctv.tv_sec, timeout, err,
		    sizeof(err));
	else {
		if (sc->socket != NULL)
			k->c = redisConnectUnixWithTimeout(sc->socket, ctv);
		else
			k->c = redisConnectWithTimeout(sc->host, sc->port, ctv);
		snprintf(err, sizeof(err), "%s", k->c == NULL ?
		    "out of memory" : k->c->errstr);
		if (k->c != NULL && (k->c->err ||
		    redisSetTimeout(k->c, tv) != REDIS_OK)) {
			redisFree(k->c);
			k->c = NULL;
		}
	}
	if (!conn_up(k)) {
		snprintf(k->error, sizeof(k->error), "connect to %.80s: %.100s",
		    sc->url, err);
		conn_down(k, k->error);
		return -1;
	}
	if (sc->password != NULL) {
		argv[0] = "AUTH";
		argv[1] = sc->user != NULL ? sc->user : sc->password;
		argv[2] = sc->password;
		if (conn_command(k, "AUTH", sc->user != NULL ? 3 : 2, argv,
		    NULL) == -1)
			return -1;
	}
	if (sc->db != 0) {
		snprintf(db, sizeof(db), "%d", sc->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (conn_command(k, "SELECT", 2, argv, NULL) == -1)
			return -1;
	}
	argv[0] = "SCRIPT";
	argv[1] = "LOAD";
	argv[2] = script;
	if (conn_command(k, "SCRIPT LOAD", 3, argv, k->sha) == -1)
		return -1;
	k->backoff = BACKOFF_MIN_US;
	k->error[0] = '\0';
	return 0;
}

void
sink_close_all(void)
{
	struct conn	*k;

	while ((k = conns) != NULL) {
		conns = k->next;
		conn_close(k);
		free(k);
	}
}

/* ---- delivery ---- */

/* One event's words, and what they point into. */
struct words {
	const char	*argv[NARGS];
	size_t		 len[NARGS];
	char		*stream, *marker, *headers;
	size_t		 headers_len;
	char		 ttl[24], maxlen[24], received[RECORD_TIME_LEN + 1];
};

static void
words_free(struct words *w)
{
	free(w->stream);
	free(w->marker);
	free(w->headers);
}

/*
 * {STREAM}:seen:ENDPOINT:KEY, in the stream's own Redis Cluster hash
 * slot; the endpoint's name, since endpoints may share a stream and
 * their keys need not differ.
 */
static char *
marker_key(const char *stream, const struct attempt_job *job)
{
	const char	*key = job->dedup_key != NULL ? job->dedup_key :
			    job->id;
	char		*m;
	size_t		 n = strlen(stream) + strlen(job->endpoint) +
			    strlen(key) + 10;

	if ((m = malloc(n)) != NULL)
		snprintf(m, n, "{%s}:seen:%s:%s", stream, job->endpoint, key);
	return m;
}

static void
word(struct words *w, int i, const char *s, size_t len)
{
	w->argv[i] = s;
	w->len[i] = len;
}

static int
words_make(struct words *w, const struct sink_item *it, const char *sha)
{
	const struct attempt_job	*job = it->job;
	int64_t				 us = job->received_us;
	int				 i = 0;

	memset(w, 0, sizeof(*w));
	if ((w->stream = sink_stream_key(it->sc, job->endpoint)) == NULL ||
	    (w->marker = marker_key(w->stream, job)) == NULL ||
	    (w->headers = record_headers_encode(&job->headers,
	    &w->headers_len)) == NULL)
		return -1;
	snprintf(w->ttl, sizeof(w->ttl), "%ld", it->ttl > 0 ? it->ttl : 1);
	if (it->sc->maxlen > 0)
		snprintf(w->maxlen, sizeof(w->maxlen), "%ld", it->sc->maxlen);
	if (record_time_format(us != 0 ? us : event_id_time(job->id),
	    w->received, sizeof(w->received)) == -1)
		return -1;
#define W(s)	word(w, i++, (s), strlen(s))
	W("EVALSHA");
	W(sha);
	W("2");
	W(w->stream);
	W(w->marker);
	W(w->ttl);
	W(w->maxlen);
	W(it->sc->maxlen_exact ? "=" : "~");
	W("id");
	W(job->id);
	W("endpoint");
	W(job->endpoint);
	W("path");
	W(job->path);
	W("received_at");
	W(w->received);
	W("headers");
	word(w, i++, w->headers, w->headers_len);
#undef W
	/* "body" and its bytes are the last two words (append()). */
	return i;
}

/* What an answer says of its item. */
static void
answer(struct sink_item *it, const redisReply *r)
{
	if (r->type == REDIS_REPLY_ERROR) {
		set_error(it->error, "redis: ", r->str, r->len);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_STRING) {
		set_error(it->error, "redis: ", "an answer not of the script",
		    28);
		return;
	}
	it->ok = 1;
	it->added = r->element[0]->integer == 1;
	snprintf(it->entry, sizeof(it->entry), "%.*s",
	    (int)(r->element[1]->len < 63 ? r->element[1]->len : 63),
	    r->element[1]->str);
}

/* Send one item's command: -1 if it could not be built (its error set). */
static int
append(struct conn *k, struct sink_item *it, const char *cmd)
{
	struct words	 w;
	const char	*argv[NARGS + 2];
	size_t		 len[NARGS + 2];
	int		 n, rc;

	if ((n = words_make(&w, it, k->sha)) == -1) {
		words_free(&w);
		snprintf(it->error, sizeof(it->error), "out of memory");
		return -1;
	}
	memcpy(argv, w.argv, sizeof(w.argv[0]) * (size_t)n);
	memcpy(len, w.len, sizeof(w.len[0]) * (size_t)n);
	if (cmd != NULL) {		/* EVAL and the script itself */
		argv[0] = cmd;
		len[0] = strlen(cmd);
		argv[1] = script;
		len[1] = strlen(script);
	}
	argv[n] = "body";
	len[n++] = 4;
	argv[n] = it->job->body != NULL ? (const char *)it->job->body : "";
	len[n++] = it->job->body_len;
	rc = conn_append(k, n, argv, len);
	words_free(&w);
	if (rc == -1) {
		snprintf(it->error, sizeof(it->error), "out of memory");
		return -1;
	}
	return 0;
}

/* The items of one connection: sent in one go, then the answers read. */
static void
deliver_conn(struct conn *k, struct sink_item **v, size_t n)
{
	redisReply	*r;
	size_t		 i;
	int		 timeout = 1, *queued;
	char		 tmp[64];

	for (i = 0; i < n; i++)
		if (v[i]->timeout > timeout)
			timeout = v[i]->timeout;
	if (!conn_up(k) && mono_us() < k->down_until) {
		for (i = 0; i < n; i++)
			snprintf(v[i]->error, sizeof(v[i]->error), "%.150s (not "
			    "connected; next try in %.1f s)", k->error,
			    (double)(k->down_until - mono_us()) / 1e6);
		return;
	}
	if (!conn_up(k) && conn_open(k, timeout) == -1) {
		for (i = 0; i < n; i++)
			snprintf(v[i]->error, sizeof(v[i]->error), "%s",
			    k->error);
		return;
	}
	if ((queued = calloc(n, sizeof(*queued))) == NULL) {
		for (i = 0; i < n; i++)
			snprintf(v[i]->error, sizeof(v[i]->error),
			    "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		queued[i] = append(k, v[i], NULL) == 0;
	for (i = 0; i < n && conn_up(k); i++) {
		if (!queued[i])
			continue;
		if (conn_reply(k, &r) == -1) {
			conn_down(k, io_error(k, tmp, sizeof(tmp)));
			break;
		}
		/* The script gone from the server (SCRIPT FLUSH): once more,
		 * whole, after the pipeline; EVAL loads it again. */
		if (r->type == REDIS_REPLY_ERROR &&
		    strncmp(r->str, "NOSCRIPT", 8) == 0)
			queued[i] = 2;
		else
			answer(v[i], r);
		freeReplyObject(r);
	}
	for (; i < n; i++)		/* the connection broke */
		if (queued[i])
			snprintf(v[i]->error, sizeof(v[i]->error), "%s",
			    k->error);
	for (i = 0; i < n && conn_up(k); i++) {
		if (queued[i] != 2 || append(k, v[i], "EVAL") == -1)
			continue;
		if (conn_reply(k, &r) == -1) {
			conn_down(k, io_error(k, tmp, sizeof(tmp)));
			snprintf(v[i]->error, sizeof(v[i]->error), "%s",
			    k->error);
			continue;
		}
		answer(v[i], r);
		freeReplyObject(r);
	}
	free(queued);
}

void
sink_deliver(struct sink_item *items, size_t n)
{
	struct sink_item	**v;
	struct conn		 *k;
	size_t			  i, j, m;

	for (i = 0; i < n; i++) {
		items[i].ok = items[i].added = 0;
		items[i].error[0] = items[i].entry[0] = '\0';
	}
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL) {
		for (i = 0; i < n; i++)
			snprintf(items[i].error, sizeof(items[i].error),
			    "out of memory");
		return;
	}
	/* Each connection's items, in their order. */
	for (i = 0; i < n; i++) {
		if (items[i].ok || items[i].error[0] != '\0')
			continue;
		if ((k = conn_of(items[i].sc)) == NULL) {
			snprintf(items[i].error, sizeof(items[i].error),
			    "out of memory");
			continue;
		}
		for (m = 0, j = i; j < n; j++)
			if (items[j].error[0] == '\0' && !items[j].ok &&
			    conn_of(items[j].sc) == k)
				v[m++] = &items[j];
		deliver_conn(k, v, m);
		for (j = 0; j < m; j++)
			if (!v[j]->ok && v[j]->error[0] == '\0')
				snprintf(v[j]->error, sizeof(v[j]->error),
				    "redis: no answer");
	}
	free(v);
}
