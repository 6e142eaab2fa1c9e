/*
 * history: fold spool records into the state of each event.  The fold
 * is order-free: for each (event, handler) the record that wins is the
 * one with the highest attempt number, an outcome beating its own
 * "running".  Record lines are not parsed into trees: one walk per line
 * locates the top-level members wanted by skipping over values (strings
 * with memchr) and stops once it has them; only small values are
 * decoded, and a value that needs more (an escape) is handed to
 * jansson.  Malformed lines are skipped.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "history.h"
#include "record.h"

#define HISTORY_BUCKETS0	1024

/* Interned strings: endpoint, path, handler and error texts repeat. */
struct str {
	struct str	*next;
	char		 s[];
};

struct history {
	int			 flags;
	struct history_event	**buckets;
	size_t			 nbuckets;
	size_t			 n;
	struct str		**strs;		/* interned, hashed */
	size_t			 nstrs;
};

/* Members of a record line. */

struct span {
	const char	*p;
	size_t		 n;
};

/*
 * The top-level members any record may have that a reader needs.  A walk
 * goes through a line once, left to right, and stops as soon as it has
 * what was asked for; asking for more later goes on from there.
 */
enum {
	K_TYPE, K_ID,
	/* attempt records */
	K_HANDLER, K_ATTEMPT, K_STATE, K_STARTED, K_ENDED, K_TIMEOUT,
	K_EXIT, K_SIGNAL, K_TIMED_OUT, K_NEXT, K_ERROR, K_SEGMENT, K_OFFSET,
	/* event records */
	K_RECEIVED, K_ENDPOINT, K_PATH, K_HANDLERS, K_REPLAY,
	K_N
};
#define K(k)	(UINT32_C(1) << (k))

static const struct key {
	const char	*s;
	size_t		 n;
} keys[K_N] = {
#define KEY(k, s)	[k] = { s, sizeof(s) - 1 }
	KEY(K_TYPE, "type"), KEY(K_ID, "id"),
	KEY(K_HANDLER, "handler"), KEY(K_ATTEMPT, "attempt"),
	KEY(K_STATE, "state"), KEY(K_STARTED, "started_at"),
	KEY(K_ENDED, "ended_at"), KEY(K_TIMEOUT, "timeout"),
	KEY(K_EXIT, "exit_status"), KEY(K_SIGNAL, "signal"),
	KEY(K_TIMED_OUT, "timed_out"), KEY(K_NEXT, "next_at"),
	KEY(K_ERROR, "error"), KEY(K_SEGMENT, "segment"),
	KEY(K_OFFSET, "offset"),
	KEY(K_RECEIVED, "received_at"), KEY(K_ENDPOINT, "endpoint"),
	KEY(K_PATH, "path"), KEY(K_HANDLERS, "handlers"),
	KEY(K_REPLAY, "replay_of")
#undef KEY
};

/* The keys of each length, so that a member is compared with few. */
static const uint32_t by_len[12] = {
	[2] = K(K_ID),
	[4] = K(K_TYPE) | K(K_PATH),
	[5] = K(K_STATE) | K(K_ERROR),
	[6] = K(K_SIGNAL) | K(K_OFFSET),
	[7] = K(K_HANDLER) | K(K_ATTEMPT) | K(K_TIMEOUT) | K(K_NEXT) |
	    K(K_SEGMENT),
	[8] = K(K_ENDED) | K(K_ENDPOINT) | K(K_HANDLERS),
	[9] = K(K_TIMED_OUT) | K(K_REPLAY),
	[10] = K(K_STARTED),
	[11] = K(K_EXIT) | K(K_RECEIVED)
};

struct walk {
	const char	*p, *end;	/* the next member; p NULL: no more */
	int		 bad;		/* not an object we can walk */
	uint32_t	 found;
	struct span	 v[K_N];	/* raw values; p NULL: not (yet) seen */
};

static const char *
skip_ws(const char *p, const char *end)
{
	if (p < end && (unsigned char)*p > ' ')
		return p;		/* as in every record we write */
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* p at '"': just past the closing quote, or NULL. */
static const char *
skip_string(const char *p, const char *end)
{
	const char	*q;
	size_t		 bs;

	p++;
	for (;;) {
		q = memchr(p, '"', (size_t)(end - p));
		if (q == NULL)
			return NULL;
		for (bs = 0; q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\'; bs++)
			continue;
		if (bs % 2 == 0)
			return q + 1;
		p = q + 1;
	}
}

/* p at '{' or '[': past the matching close, or NULL. */
static const char *
skip_nested(const char *p, const char *end)
{
	size_t	depth = 0;

	while (p < end) {
		if (*p == '"') {
			if ((p = skip_string(p, end)) == NULL)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NULL;
}

static const char *
skip_value(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[')
		return skip_nested(p, end);
	while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ')
		p++;
	return p;
}

static void
walk_start(struct walk *w, const char *line, size_t len)
{
	const char	*end = line + len, *p;

	memset(w, 0, sizeof(*w));
	w->end = end;
	p = skip_ws(line, end);
	if (p >= end || *p != '{') {
		w->bad = 1;
		return;
	}
	p = skip_ws(p + 1, end);
	w->p = p < end && *p == '}' ? NULL : p;
}

/*
 * Walk on until every member in need was seen or the object ends (the
 * first of a name counts); -1 if the line is not an object we can walk
 * (no escapes in the names).
 */
static int
walk_to(struct walk *w, uint32_t need)
{
	const char	*p = w->p, *end = w->end, *k, *v;
	size_t		 klen;
	uint32_t	 m;
	int		 i;

	if (w->bad)
		return -1;
	while (p != NULL && (w->found & need) != need) {
		if (p >= end || *p != '"')
			goto bad;
		k = p + 1;
		if ((p = skip_string(p, end)) == NULL)
			goto bad;
		klen = (size_t)(p - 1 - k);
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			goto bad;
		v = skip_ws(p + 1, end);
		if ((p = skip_value(v, end)) == NULL)
			goto bad;
		for (m = klen < 12 ? by_len[klen] : 0; m != 0; m &= m - 1) {
			i = __builtin_ctz(m);
			if (memcmp(keys[i].s, k, klen) != 0)
				continue;
			if (!(w->found & K(i))) {
				w->v[i].p = v;
				w->v[i].n = (size_t)(p - v);
				w->found |= K(i);
			}
			break;
		}
		p = skip_ws(p, end);
		if (p < end && *p == '}')
			p = NULL;
		else if (p >= end || *p != ',')
			goto bad;
		else
			p = skip_ws(p + 1, end);
	}
	w->p = p;
	return 0;
bad:
	w->bad = 1;
	return -1;
}

/* Decoding small values. */

static int
span_is(const struct span *v, const char *lit)
{
	return v->p != NULL && v->n == strlen(lit) &&
	    memcmp(v->p, lit, v->n) == 0;
}

/*
 * A JSON string value into a malloc'd C string; NULL for null, missing,
 * another type or a string with a NUL in it.
 */
static char *
span_string(const struct span *v)
{
	json_t	*j;
	char	*s = NULL;

	if (v->p == NULL || v->n < 2 || v->p[0] != '"')
		return NULL;
	if (memchr(v->p, '\\', v->n) == NULL)
		return strndup(v->p + 1, v->n - 2);
	j = json_loadb(v->p, v->n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (json_is_string(j) &&
	    strlen(json_string_value(j)) == json_string_length(j))
		s = strdup(json_string_value(j));
	json_decref(j);
	return s;
}

/* An integer value; def if null, missing or not an integer. */
static long
span_long(const struct span *v, long def)
{
	char	buf[32], *end;
	long	n;

	if (v->p == NULL || v->n == 0 || v->n >= sizeof(buf))
		return def;
	memcpy(buf, v->p, v->n);
	buf[v->n] = '\0';
	errno = 0;
	n = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return def;
	return n;
}

/* A time value; 0 for null, missing or malformed. */
static int64_t
span_time(const struct span *v)
{
	int64_t	us;

	if (v->p == NULL || v->n < 2 || v->p[0] != '"' ||
	    record_time_parse(v->p + 1, v->n - 2, &us) == -1)
		return 0;
	return us;
}

/* Interning. */

static size_t
hash_mem(const char *s, size_t n)
{
	size_t	h = 14695981039346656037ULL & SIZE_MAX;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * (1099511628211ULL & SIZE_MAX);
	return h;
}

/*
 * Of an event id (EVENT_ID_LEN bytes): its last 16 characters, where a
 * UUIDv7 keeps its random bits, folded in two multiplications (this
 * runs for every record a scan reads).
 */
static size_t
hash_id(const char *id)
{
	uint64_t	a, b, h;

	memcpy(&a, id + EVENT_ID_LEN - 16, sizeof(a));
	memcpy(&b, id + EVENT_ID_LEN - 8, sizeof(b));
	h = (a * UINT64_C(0x9e3779b97f4a7c15) ^ b) *
	    UINT64_C(0xff51afd7ed558ccd);
	return (size_t)(h ^ (h >> 32));
}

#define STR_BUCKETS	256

/* The interned copy of the n bytes at s (no NUL among them), or NULL. */
static const char *
intern_mem(struct history *hi, const char *s, size_t n)
{
	struct str	*e;
	size_t		 b;

	b = hash_mem(s, n) % STR_BUCKETS;
	for (e = hi->strs[b]; e != NULL; e = e->next)
		if (strncmp(e->s, s, n) == 0 && e->s[n] == '\0')
			return e->s;
	if ((e = malloc(sizeof(*e) + n + 1)) == NULL)
		return NULL;
	memcpy(e->s, s, n);
	e->s[n] = '\0';
	e->next = hi->strs[b];
	hi->strs[b] = e;
	hi->nstrs++;
	return e->s;
}

/* The interned copy of s (which is freed), or NULL. */
static const char *
intern(struct history *hi, char *s)
{
	const char	*r;

	if (s == NULL)
		return NULL;
	r = intern_mem(hi, s, strlen(s));
	free(s);
	return r;
}

/* A JSON string value, interned: no copy unless it has escapes. */
static const char *
intern_span(struct history *hi, const struct span *v)
{
	if (v->p == NULL || v->n < 2 || v->p[0] != '"')
		return NULL;
	if (memchr(v->p, '\\', v->n) == NULL &&
	    memchr(v->p, '\0', v->n) == NULL)
		return intern_mem(hi, v->p + 1, v->n - 2);
	return intern(hi, span_string(v));
}

/* The table. */

struct history *
history_new(int flags)
{
	struct history	*hi;

	if ((hi = calloc(1, sizeof(*hi))) == NULL)
		return NULL;
	hi->flags = flags;
	hi->nbuckets = HISTORY_BUCKETS0;
	hi->buckets = calloc(hi->nbuckets, sizeof(*hi->buckets));
	hi->strs = calloc(STR_BUCKETS, sizeof(*hi->strs));
	if (hi->buckets == NULL || hi->strs == NULL) {
		history_free(hi);
		return NULL;
	}
	return hi;
}

static void
ev_free(struct history_event *ev)
{
	size_t	i;

	for (i = 0; i < ev->nhandlers; i++)
		free(ev->handlers[i].tag);
	free(ev->handlers);
	free(ev);
}

void
history_free(struct history *hi)
{
	struct history_event	*ev, *next;
	struct str		*s, *snext;
	size_t			 i;

	if (hi == NULL)
		return;
	for (i = 0; hi->buckets != NULL && i < hi->nbuckets; i++)
		for (ev = hi->buckets[i]; ev != NULL; ev = next) {
			next = ev->next;
			ev_free(ev);
		}
	for (i = 0; hi->strs != NULL && i < STR_BUCKETS; i++)
		for (s = hi->strs[i]; s != NULL; s = snext) {
			snext = s->next;
			free(s);
		}
	free(hi->buckets);
	free(hi->strs);
	free(hi);
}

static void
grow(struct history *hi)
{
	struct history_event	**nb, *ev, *next;
	size_t			  n = hi->nbuckets * 2, i, b;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < hi->nbuckets; i++)
		for (ev = hi->buckets[i]; ev != NULL; ev = next) {
			next = ev->next;
			b = hash_id(ev->id) % n;
			ev->next = nb[b];
			nb[b] = ev;
		}
	free(hi->buckets);
	hi->buckets = nb;
	hi->nbuckets = n;
}

struct history_event *
history_get(const struct history *hi, const char *id)
{
	struct history_event	*ev;

	for (ev = hi->buckets[hash_id(id) % hi->nbuckets]; ev != NULL;
	    ev = ev->next)
		if (strcmp(ev->id, id) == 0)
			return ev;
	return NULL;
}

static struct history_event *
ev_add(struct history *hi, const char *id)
{
	struct history_event	*ev;
	size_t			 b;

	if (hi->n >= hi->nbuckets)
		grow(hi);
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	memcpy(ev->id, id, sizeof(ev->id));
	b = hash_id(id) % hi->nbuckets;
	ev->next = hi->buckets[b];
	hi->buckets[b] = ev;
	hi->n++;
	return ev;
}

static void
ev_remove(struct history *hi, struct history_event *ev)
{
	struct history_event	**pp;

	for (pp = &hi->buckets[hash_id(ev->id) % hi->nbuckets]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == ev) {
			*pp = ev->next;
			hi->n--;
			ev_free(ev);
			return;
		}
}

int
history_each(const struct history *hi,
    int (*fn)(struct history_event *, void *), void *arg)
{
	struct history_event	*ev, *next;
	size_t			 i;
	int			 r;

	for (i = 0; i < hi->nbuckets; i++)
		for (ev = hi->buckets[i]; ev != NULL; ev = next) {
			next = ev->next;
			if ((r = fn(ev, arg)) != 0)
				return r;
		}
	return 0;
}

size_t
history_count(const struct history *hi)
{
	return hi->n;
}

/* The handler called name (interned) of ev, added if need be. */
static struct history_handler *
handler_get(struct history_event *ev, const char *name)
{
	struct history_handler	*v;
	size_t			 i;

	for (i = 0; i < ev->nhandlers; i++)
		if (ev->handlers[i].name == name)
			return &ev->handlers[i];
	v = reallocarray(ev->handlers, ev->nhandlers + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	ev->handlers = v;
	v = &ev->handlers[ev->nhandlers++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->exit_status = -1;
	return v;
}

/* Folding an event record. */

static const char *
mem_rfind(const char *hay, size_t n, const char *needle, size_t len)
{
	const char	*p;

	if (n < len)
		return NULL;
	for (p = hay + n - len; p >= hay; p--)
		if (*p == *needle && memcmp(p, needle, len) == 0)
			return p;
	return NULL;
}

/*
 * The event writer puts "handlers" and "replay_of" last, so they are
 * found from the end without walking the headers and body: the last
 * ,"handlers":[ is the top-level one (inside a string a quote would be
 * escaped; "claims" comes before).  0 if the line does not end so, and
 * the caller walks it all.
 */
static int
ev_tail(const char *line, size_t len, struct walk *w)
{
	static const char	 key[] = ",\"handlers\":[", rkey[] =
	    ",\"replay_of\":";
	const char		*p, *end = line + len, *q;
	struct span		 h, r;

	if (len < 64 || end[-1] != '}')
		return 0;
	/* the tail is short: look at the last 4 KiB only */
	q = len > 4096 ? end - 4096 : line;
	if ((p = mem_rfind(q, (size_t)(end - q), key, sizeof(key) - 1)) ==
	    NULL)
		return 0;
	h.p = p + sizeof(key) - 2;
	if ((q = skip_nested(h.p, end)) == NULL)
		return 0;
	h.n = (size_t)(q - h.p);
	if ((size_t)(end - q) < sizeof(rkey) - 1 ||
	    memcmp(q, rkey, sizeof(rkey) - 1) != 0)
		return 0;
	r.p = q + sizeof(rkey) - 1;
	r.n = (size_t)(end - 1 - r.p);
	if (!span_is(&r, "null") && !(r.n == EVENT_ID_LEN + 2 &&
	    r.p[0] == '"' && r.p[r.n - 1] == '"'))
		return 0;
	w->v[K_HANDLERS] = h;
	w->v[K_REPLAY] = r;
	w->found |= K(K_HANDLERS) | K(K_REPLAY);
	return 1;
}

/*
 * The members of an event line, the fast way when it has our layout;
 * w has walked past the id.
 */
static int
ev_members(const char *line, size_t len, struct walk *w)
{
	const uint32_t	head = K(K_RECEIVED) | K(K_ENDPOINT) | K(K_PATH);
	struct walk	save = *w;

	if (ev_tail(line, len, w) && walk_to(w, head) == 0 &&
	    w->v[K_PATH].p != NULL)
		return 0;
	*w = save;
	return walk_to(w, head | K(K_HANDLERS) | K(K_REPLAY));
}

/* Each string of a JSON array of strings, as listed handlers. */
static int
ev_handlers(struct history *hi, struct history_event *ev,
    const struct span *arr)
{
	const char		*p, *end, *q, *name;
	struct history_handler	*h;
	struct span		 s;

	if (arr->p == NULL || arr->p[0] != '[')
		return 0;
	p = arr->p + 1;
	end = arr->p + arr->n - 1;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			return 0;
		if ((q = skip_string(p, end)) == NULL)
			return 0;
		s.p = p;
		s.n = (size_t)(q - p);
		name = intern_span(hi, &s);
		if (name != NULL) {
			if ((h = handler_get(ev, name)) == NULL)
				return -1;
			h->listed = 1;
		}
		p = skip_ws(q, end);
		if (p >= end || *p != ',')
			return 0;
		p++;
	}
}

static int
fold_event(struct history *hi, const char *id, const char *line, size_t len,
    struct walk *w, unsigned segment, int64_t offset,
    struct history_event **evp)
{
	struct history_event	*ev;
	const struct span	*v = w->v;

	if (ev_members(line, len, w) == -1)
		return HISTORY_OTHER;
	if ((ev = history_get(hi, id)) == NULL &&
	    (ev = ev_add(hi, id)) == NULL)
		return -1;
	if (ev->has_event)		/* a duplicate: the first one counts */
		goto out;
	ev->has_event = 1;
	ev->anchor = segment;
	ev->received_us = span_time(&v[K_RECEIVED]);
	ev->endpoint = intern_span(hi, &v[K_ENDPOINT]);
	ev->path = intern_span(hi, &v[K_PATH]);
	ev->replay = v[K_REPLAY].p != NULL && !span_is(&v[K_REPLAY], "null");
	if (ev->replay && v[K_REPLAY].n == EVENT_ID_LEN + 2) {
		memcpy(ev->replay_of, v[K_REPLAY].p + 1, EVENT_ID_LEN);
		ev->replay_of[EVENT_ID_LEN] = '\0';
	}
	ev->segment = segment;
	ev->offset = offset;
	if (ev_handlers(hi, ev, &v[K_HANDLERS]) == -1)
		return -1;
	if ((hi->flags & HISTORY_SETTLED_DROP) && history_settled(ev)) {
		ev_remove(hi, ev);
		ev = NULL;
	}
out:
	if (evp != NULL)
		*evp = ev;
	return HISTORY_EVENT;
}

/* Folding an attempt record. */

#define A_HEAD	(K(K_HANDLER) | K(K_ATTEMPT) | K(K_STATE))
#define A_ALL	(A_HEAD | K(K_STARTED) | K(K_ENDED) | K(K_TIMEOUT) | \
    K(K_EXIT) | K(K_SIGNAL) | K(K_TIMED_OUT) | K(K_NEXT) | K(K_ERROR) | \
    K(K_SEGMENT) | K(K_OFFSET))

static enum history_state
state_parse(const struct span *v)
{
	if (span_is(v, "\"running\""))
		return HS_RUNNING;
	if (span_is(v, "\"done\""))
		return HS_DONE;
	if (span_is(v, "\"failed\""))
		return HS_FAILED;
	if (span_is(v, "\"dead\""))
		return HS_DEAD;
	if (span_is(v, "\"unreadable\""))
		return HS_UNREADABLE;
	if (span_is(v, "\"retry\""))
		return HS_RETRY;
	return HS_NONE;
}

/* Does (number, state) supersede what h holds? */
static int
supersedes(const struct history_handler *h, long number,
    enum history_state st)
{
	if (number != h->attempts)
		return number > h->attempts;
	/* The same attempt: an outcome beats "running", the first wins;
	 * a "retry" (written after it ended) beats both. */
	if (h->state == HS_RETRY)
		return 0;
	if (st == HS_RETRY)
		return 1;
	return h->state == HS_RUNNING && st != HS_RUNNING;
}

/*
 * The members a record of state st needs read.  Keeping only what may
 * need work, "done" needs nothing more, "running" its start and timeout;
 * everything else needs them all.
 */
static uint32_t
keys_needed(const struct history *hi, enum history_state st)
{
	if (!(hi->flags & HISTORY_SETTLED_DROP))
		return A_ALL;
	if (st == HS_DONE || st == HS_UNREADABLE)
		return A_HEAD;
	if (st == HS_RUNNING)
		return A_HEAD | K(K_STARTED) | K(K_TIMEOUT);
	return A_ALL;
}

/*
 * A "retry" of an event a reader forgot as settled: the record says
 * where the event record is, so the event is taken up again from here
 * (anchor: a later scan finds it at this record, not before).
 */
static struct history_event *
ev_resume(struct history *hi, const char *id, const struct span *v,
    unsigned segment)
{
	struct history_event	*ev;
	long			 seg, off;

	seg = span_long(&v[K_SEGMENT], -1);
	off = span_long(&v[K_OFFSET], -1);
	if (seg < 0 || seg > (long)UINT_MAX || off < 0)
		return NULL;
	if ((ev = ev_add(hi, id)) == NULL)
		return NULL;
	ev->has_event = 1;
	ev->segment = (unsigned)seg;
	ev->offset = off;
	ev->anchor = segment;
	return ev;
}

static int
fold_attempt(struct history *hi, const char *id, const char *line,
    size_t len, struct walk *w, unsigned segment, struct history_event **evp)
{
	struct history_event	*ev;
	struct history_handler	*h;
	const struct span	*v = w->v;
	enum history_state	 st;
	const char		*name;
	long			 number;

	ev = history_get(hi, id);
	/* First what decides whether the record counts: the walk stops
	 * after "state", early in the line. */
	if (ev == NULL && (hi->flags & HISTORY_SETTLED_DROP) &&
	    (len < 40 || memmem(line, len, "\"state\":\"retry\"", 15) == NULL))
		goto out;		/* settled, or from before the scan */
	if (walk_to(w, A_HEAD) == -1)
		return HISTORY_OTHER;
	number = span_long(&v[K_ATTEMPT], 0);
	st = state_parse(&v[K_STATE]);
	if (number < 1 || number > 1000000 || st == HS_NONE)
		return HISTORY_OTHER;
	if (ev == NULL && (hi->flags & HISTORY_SETTLED_DROP)) {
		if (st != HS_RETRY)
			goto out;
		if (walk_to(w, A_ALL) == -1)
			return HISTORY_OTHER;
		if ((ev = ev_resume(hi, id, v, segment)) == NULL)
			return errno == ENOMEM ? -1 : HISTORY_OTHER;
	} else if (ev == NULL && (ev = ev_add(hi, id)) == NULL)
		return -1;
	name = intern_span(hi, &v[K_HANDLER]);
	if (name == NULL)
		return HISTORY_OTHER;
	if ((h = handler_get(ev, name)) == NULL)
		return -1;
	if (!supersedes(h, number, st))
		goto out;
	if (walk_to(w, keys_needed(hi, st)) == -1)
		return HISTORY_OTHER;
	if (st == HS_RETRY)
		h->listed = 1;
	h->attempts = (int)number;
	h->state = st;
	h->started_us = span_time(&v[K_STARTED]);
	h->ended_us = span_time(&v[K_ENDED]);
	h->next_us = span_time(&v[K_NEXT]);
	h->timeout = (int)span_long(&v[K_TIMEOUT], 0);
	h->exit_status = (int)span_long(&v[K_EXIT], -1);
	h->signal = (int)span_long(&v[K_SIGNAL], 0);
	h->timed_out = span_is(&v[K_TIMED_OUT], "true");
	h->error = intern_span(hi, &v[K_ERROR]);
	if ((hi->flags & HISTORY_SETTLED_DROP) && ev->has_event &&
	    history_settled(ev)) {
		ev_remove(hi, ev);
		ev = NULL;
	}
out:
	if (evp != NULL)
		*evp = ev;
	return HISTORY_ATTEMPT;
}

int
history_add(struct history *hi, const char *line, size_t len,
    unsigned segment, int64_t offset, struct history_event **evp)
{
	struct walk	w;
	char		id[EVENT_ID_LEN + 1];

	if (evp != NULL)
		*evp = NULL;
	/* type and id come first in every record we write. */
	walk_start(&w, line, len);
	if (walk_to(&w, K(K_TYPE) | K(K_ID)) == -1 || w.v[K_ID].p == NULL ||
	    w.v[K_ID].n != EVENT_ID_LEN + 2)
		return HISTORY_OTHER;
	memcpy(id, w.v[K_ID].p + 1, EVENT_ID_LEN);
	id[EVENT_ID_LEN] = '\0';
	if (!event_id_valid(id))
		return HISTORY_OTHER;
	if (span_is(&w.v[K_TYPE], "\"event\""))
		return fold_event(hi, id, line, len, &w, segment, offset, evp);
	if (span_is(&w.v[K_TYPE], "\"attempt\""))
		return fold_attempt(hi, id, line, len, &w, segment, evp);
	return HISTORY_OTHER;
}

/* Questions. */

int
history_settled(const struct history_event *ev)
{
	size_t	i;

	for (i = 0; i < ev->nhandlers; i++)
		if (ev->handlers[i].state != HS_DONE &&
		    ev->handlers[i].state != HS_DEAD &&
		    ev->handlers[i].state != HS_UNREADABLE)
			return 0;
	return 1;
}

enum history_status
history_status(const struct history_event *ev)
{
	enum history_status	st = HISTORY_DONE;
	size_t			i;

	for (i = 0; i < ev->nhandlers; i++)
		if (ev->handlers[i].state == HS_UNREADABLE)
			return HISTORY_UNREADABLE;
	for (i = 0; i < ev->nhandlers; i++) {
		switch (ev->handlers[i].state) {
		case HS_DEAD:
			return HISTORY_DEAD;
		case HS_FAILED:
			st = HISTORY_FAILED;
			break;
		case HS_NONE:
		case HS_RUNNING:
		case HS_RETRY:
			if (st == HISTORY_DONE)
				st = HISTORY_PENDING;
			break;
		case HS_DONE:
		case HS_UNREADABLE:
			break;
		}
	}
	return st;
}

static const char *const status_names[] = {
	[HISTORY_DONE] = "done",
	[HISTORY_PENDING] = "pending",
	[HISTORY_FAILED] = "failed",
	[HISTORY_DEAD] = "dead",
	[HISTORY_UNREADABLE] = "unreadable"
};

const char *
history_status_name(enum history_status st)
{
	return status_names[st];
}

int
history_status_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(s, status_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
history_state_name(enum history_state st)
{
	switch (st) {
	case HS_RUNNING:	return "running";
	case HS_DONE:		return "done";
	case HS_FAILED:		return "failed";
	case HS_DEAD:		return "dead";
	case HS_UNREADABLE:	return "unreadable";
	case HS_RETRY:		return "retry";
	default:		return "none";
	}
}

int64_t
history_due(const struct history_event *ev, const struct history_handler *h,
    const struct history_grace *g)
{
	switch (h->state) {
	case HS_FAILED:
		return h->next_us > 0 ? h->next_us : h->ended_us;
	case HS_RETRY:
		return h->next_us;
	case HS_RUNNING:
		return h->started_us + (int64_t)h->timeout * 1000000 +
		    g->running;
	case HS_NONE:
		if (!ev->has_event || !h->listed)
			return -1;
		return ev->received_us + g->start;
	default:
		return -1;
	}
}

void
history_error(const struct history_handler *h, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (h->state != HS_FAILED && h->state != HS_DEAD &&
	    h->state != HS_UNREADABLE)
		return;
	if (h->error != NULL)
		snprintf(buf, len, "%s", h->error);
	else if (h->timed_out)
		snprintf(buf, len, "timeout (%d s)", h->timeout);
	else if (h->signal != 0)
		snprintf(buf, len, "signal %d", h->signal);
	else if (h->exit_status >= 0)
		snprintf(buf, len, "exit %d", h->exit_status);
	else
		snprintf(buf, len, "failed");
}

int
history_attempts(const struct history_event *ev)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < ev->nhandlers; i++)
		n += ev->handlers[i].attempts;
	return n;
}

void
history_forget(struct history *hi, struct history_event *ev)
{
	ev_remove(hi, ev);
}

int
history_record_time(const char *line, size_t len, int64_t *us)
{
	struct walk	w;

	walk_start(&w, line, len);
	if (walk_to(&w, K(K_TYPE)) == -1)
		return -1;
	if (span_is(&w.v[K_TYPE], "\"event\"") &&
	    walk_to(&w, K(K_RECEIVED)) == 0)
		*us = span_time(&w.v[K_RECEIVED]);
	else if (span_is(&w.v[K_TYPE], "\"attempt\"") &&
	    walk_to(&w, K(K_STARTED)) == 0)
		*us = span_time(&w.v[K_STARTED]);
	else
		return -1;
	return *us == 0 ? -1 : 0;
}
