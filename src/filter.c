/*
 * filter: event filters of [handler:NAME] sections.  Each key
 * becomes one criterion, compiled once: endpoint_paths into glob token
 * strings, methods into a bit set, header.NAME, payload.PATH and
 * query.NAME regexes into PCRE2 code (JIT when the platform has it).
 * Promises: a regex matches the whole value or nothing (anchored at both
 * ends), never runs more than FILTER_MATCH_LIMIT steps, never sees a
 * subject over FILTER_MAX_SUBJECT bytes; a missing header, a missing
 * payload path, a path ending at an object or array, a body that is
 * not JSON and a missing query field all fail their criterion; nothing here allocates per event.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH	8
#include <pcre2.h>

#include "filter.h"
#include "form.h"
#include "header.h"

/*
 * Anchored at both ends: ENDANCHORED is a constraint the matcher
 * backtracks on, so "push|pull_request" matches exactly "push" or
 * "pull_request" and never "push_x".  Patterns are UTF-8; a subject that
 * is not valid UTF-8 (a header can be anything) is matched where it is
 * valid instead of failing.  \C could split a UTF-8 character: refused.
 */
#define FILTER_RE_OPTIONS	(PCRE2_ANCHORED | PCRE2_ENDANCHORED | \
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | \
				 PCRE2_NEVER_BACKSLASH_C)
#define FILTER_DEPTH_LIMIT	10000	/* interpreter only; JIT ignores it */
#define FILTER_HEAP_LIMIT	(16 * 1024)	/* KiB, interpreter only */

/* Glob tokens: a byte 0..255 stands for itself. */
#define GLOB_STAR	256	/* "*": any run of bytes but '/' */
#define GLOB_DSTAR	257	/* "**" (or more stars): any run of bytes */

enum criterion_kind {
	CRIT_PATHS,
	CRIT_METHODS,
	CRIT_HEADER,
	CRIT_PAYLOAD,
	CRIT_QUERY
};

struct glob {
	unsigned short	*tok;
	size_t		 n;
};

struct criterion {
	enum criterion_kind	 kind;
	char			*name;		/* header name or payload path */
	pcre2_code		*re;
	struct glob		*globs;		/* any may match */
	size_t			 nglobs;
	unsigned		 methods;	/* bit i: filter_methods[i] */
};

struct filter {
	struct criterion	*v;
	size_t			 n;
	size_t			 cap;
	pcre2_match_context	*mctx;		/* the limits */
	pcre2_match_data	*md;		/* shared by every match */
};

typedef int	filter_adder(struct criterion *, const char *key,
		    const char *rest, const char *value, char *err,
		    size_t errlen);

static filter_adder	filter_add_paths, filter_add_methods,
			filter_add_header, filter_add_payload, filter_add_query;

/* Every key a filter knows; rest is what follows a prefix key. */
static const struct {
	const char	*key;
	bool		 prefix;	/* "header." + NAME */
	filter_adder	*add;
} filter_keys[] = {
	{ "endpoint_paths", false, filter_add_paths },
	{ "methods", false, filter_add_methods },
	{ "header.", true, filter_add_header },
	{ "payload.", true, filter_add_payload },
	{ "query.", true, filter_add_query },
};
#define NFILTER_KEYS	(sizeof(filter_keys) / sizeof(filter_keys[0]))

/* The methods an endpoint can accept (conf.c's list); request methods
 * compare exactly, configuration words in any case. */
static const char *const filter_methods[] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
};
#define NFILTER_METHODS	(sizeof(filter_methods) / sizeof(filter_methods[0]))

static void	filter_error(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
filter_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct filter *
filter_new(void)
{
	struct filter	*f = NULL;

	f = calloc(1, sizeof(*f));
	if (f == NULL)
		goto fail;
	f->mctx = pcre2_match_context_create(NULL);
	f->md = pcre2_match_data_create(1, NULL);
	if (f->mctx == NULL || f->md == NULL)
		goto fail;
	pcre2_set_match_limit(f->mctx, FILTER_MATCH_LIMIT);
	pcre2_set_depth_limit(f->mctx, FILTER_DEPTH_LIMIT);
	pcre2_set_heap_limit(f->mctx, FILTER_HEAP_LIMIT);
	return f;
fail:
	filter_free(f);
	return NULL;
}

static void
criterion_clear(struct criterion *c)
{
	size_t	i;

	for (i = 0; i < c->nglobs; i++)
		free(c->globs[i].tok);
	free(c->globs);
	free(c->name);
	pcre2_code_free(c->re);
	memset(c, 0, sizeof(*c));
}

void
filter_free(struct filter *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		criterion_clear(&f->v[i]);
	free(f->v);
	pcre2_match_data_free(f->md);
	pcre2_match_context_free(f->mctx);
	free(f);
}

static int
filter_push(struct filter *f, struct criterion *c)
{
	struct criterion	*v = NULL;
	size_t			 cap;

	if (f->n == f->cap) {
		cap = f->cap ? f->cap * 2 : 4;
		v = reallocarray(f->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = *c;
	memset(c, 0, sizeof(*c));
	return 0;
}

int
filter_add(struct filter *f, const char *key, const char *value, char *err,
    size_t errlen)
{
	struct criterion	c;
	size_t			i, n;
	int			rc = -1;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < NFILTER_KEYS; i++) {
		n = strlen(filter_keys[i].key);
		if (filter_keys[i].prefix ? strncmp(key, filter_keys[i].key,
		    n) == 0 : strcmp(key, filter_keys[i].key) == 0)
			break;
	}
	if (i == NFILTER_KEYS) {
		filter_error(err, errlen, "unknown key \"%s\"", key);
		goto out;
	}
	if (filter_keys[i].add(&c, key, key + n, value, err, errlen) == -1)
		goto out;
	if (filter_push(f, &c) == -1) {
		filter_error(err, errlen, "%s: out of memory", key);
		goto out;
	}
	rc = 0;
out:
	criterion_clear(&c);
	return rc;
}

/* Next word of s separated by any of sep: start in *w, length returned. */
static size_t
filter_word(const char **s, const char *sep, const char **w)
{
	size_t	n;

	*s += strspn(*s, sep);
	*w = *s;
	n = strcspn(*s, sep);
	*s += n;
	return n;
}

static int
filter_glob_compile(struct glob *g, const char *s, size_t n)
{
	size_t	i, stars;

	g->tok = calloc(n, sizeof(*g->tok));
	if (g->tok == NULL)
		return -1;
	for (i = 0; i < n; i += stars > 0 ? stars : 1) {
		stars = strspn(s + i, "*");
		if (stars > n - i)
			stars = n - i;
		if (stars == 0)
			g->tok[g->n++] = (unsigned char)s[i];
		else
			g->tok[g->n++] = stars == 1 ? GLOB_STAR : GLOB_DSTAR;
	}
	return 0;
}

/* endpoint_paths = "/hooks/github /hooks/gitlab": globs split at blanks. */
static int
filter_add_paths(struct criterion *c, const char *key, const char *rest,
    const char *value, char *err, size_t errlen)
{
	struct glob	*v = NULL;
	const char	*w;
	size_t		 n;

	(void)rest;
	c->kind = CRIT_PATHS;
	for (;;) {
		n = filter_word(&value, " \t", &w);
		if (n == 0)
			break;
		if (w[0] != '/' && w[0] != '*') {
			filter_error(err, errlen, "%s: \"%.*s\" does not start "
			    "with '/'", key, (int)n, w);
			return -1;
		}
		if (n > FILTER_MAX_GLOB) {
			filter_error(err, errlen, "%s: glob longer than %d "
			    "bytes", key, FILTER_MAX_GLOB);
			return -1;
		}
		v = reallocarray(c->globs, c->nglobs + 1, sizeof(*v));
		if (v == NULL)
			goto oom;
		c->globs = v;
		memset(&c->globs[c->nglobs], 0, sizeof(*v));
		c->nglobs++;
		if (filter_glob_compile(&c->globs[c->nglobs - 1], w, n) == -1)
			goto oom;
	}
	if (c->nglobs == 0) {
		filter_error(err, errlen, "%s: no path given", key);
		return -1;
	}
	return 0;
oom:
	filter_error(err, errlen, "%s: out of memory", key);
	return -1;
}

/* methods = POST, PUT: words separated by spaces or commas, any case. */
static int
filter_add_methods(struct criterion *c, const char *key, const char *rest,
    const char *value, char *err, size_t errlen)
{
	const char	*w;
	size_t		 n, i;

	(void)rest;
	c->kind = CRIT_METHODS;
	for (;;) {
		n = filter_word(&value, " \t,", &w);
		if (n == 0)
			break;
		for (i = 0; i < NFILTER_METHODS; i++) {
			if (strlen(filter_methods[i]) == n &&
			    strncasecmp(w, filter_methods[i], n) == 0)
				break;
		}
		if (i == NFILTER_METHODS) {
			filter_error(err, errlen, "%s: unknown method \"%.*s\" "
			    "(known: GET HEAD POST PUT PATCH DELETE OPTIONS)",
			    key, (int)n, w);
			return -1;
		}
		c->methods |= 1u << i;
	}
	if (c->methods == 0) {
		filter_error(err, errlen, "%s: no method given", key);
		return -1;
	}
	return 0;
}

static int
filter_regex_compile(struct criterion *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	PCRE2_UCHAR	msg[256];
	PCRE2_SIZE	off = 0;
	int		code = 0;

	c->re = pcre2_compile((PCRE2_SPTR)value, PCRE2_ZERO_TERMINATED,
	    FILTER_RE_OPTIONS, &code, &off, NULL);
	if (c->re == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		filter_error(err, errlen, "%s: bad regex: %s at offset %zu",
		    key, (const char *)msg, (size_t)off);
		return -1;
	}
	/* Without JIT (PCRE2 built without it, or W^X memory refused)
	 * pcre2_match() runs the interpreter under the same limits. */
	(void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
	return 0;
}

/* RFC 9110 token characters. */
int
filter_header_name_check(const char *s, char *err, size_t errlen)
{
	static const char	tchar[] = "!#$%&'*+-.^_`|~";

	if (*s == '\0') {
		filter_error(err, errlen, "empty header name");
		return -1;
	}
	for (; *s != '\0'; s++) {
		if ((*s < 'a' || *s > 'z') && (*s < 'A' || *s > 'Z') &&
		    (*s < '0' || *s > '9') && strchr(tchar, *s) == NULL) {
			filter_error(err, errlen, "bad character in header "
			    "name");
			return -1;
		}
	}
	return 0;
}

static int
filter_add_header(struct criterion *c, const char *key, const char *rest,
    const char *value, char *err, size_t errlen)
{
	char	msg[128];

	c->kind = CRIT_HEADER;
	if (filter_header_name_check(rest, msg, sizeof(msg)) == -1) {
		filter_error(err, errlen, "%s: %s", key, msg);
		return -1;
	}
	c->name = strdup(rest);
	if (c->name == NULL) {
		filter_error(err, errlen, "%s: out of memory", key);
		return -1;
	}
	header_name_normalise(c->name);
	return filter_regex_compile(c, key, value, err, errlen);
}

static int
filter_add_payload(struct criterion *c, const char *key, const char *rest,
    const char *value, char *err, size_t errlen)
{
	char	msg[128];

	c->kind = CRIT_PAYLOAD;
	if (filter_payload_path_check(rest, msg, sizeof(msg)) == -1) {
		filter_error(err, errlen, "%s: %s", key, msg);
		return -1;
	}
	c->name = strdup(rest);
	if (c->name == NULL) {
		filter_error(err, errlen, "%s: out of memory", key);
		return -1;
	}
	return filter_regex_compile(c, key, value, err, errlen);
}

/* query.NAME: NAME is a decoded query field name, compared exactly. */
static int
filter_add_query(struct criterion *c, const char *key, const char *rest,
    const char *value, char *err, size_t errlen)
{
	c->kind = CRIT_QUERY;
	if (*rest == '\0') {
		filter_error(err, errlen, "%s: no query field name", key);
		return -1;
	}
	if ((c->name = strdup(rest)) == NULL) {
		filter_error(err, errlen, "%s: out of memory", key);
		return -1;
	}
	return filter_regex_compile(c, key, value, err, errlen);
}

int
filter_payload_path_check(const char *path, char *err, size_t errlen)
{
	size_t	n;

	if (*path == '\0') {
		filter_error(err, errlen, "empty payload path");
		return -1;
	}
	for (;;) {
		n = strcspn(path, ".");
		if (n == 0) {
			filter_error(err, errlen, "empty component in payload "
			    "path");
			return -1;
		}
		if (path[n] == '\0')
			return 0;
		path += n + 1;
	}
}

/*
 * Glob match as a set of pattern positions advanced over the subject
 * (an NFA): linear in the subject, whatever the stars, no allocation.
 * State i means the first i tokens have been matched.
 */
static void
filter_glob_close(const struct glob *g, bool *st)
{
	size_t	i;

	for (i = 0; i < g->n; i++) {
		if (st[i] && g->tok[i] >= GLOB_STAR)
			st[i + 1] = true;
	}
}

static bool
filter_glob_match(const struct glob *g, const char *s)
{
	bool		 a[FILTER_MAX_GLOB + 1], b[FILTER_MAX_GLOB + 1];
	bool		*cur = a, *next = b, *tmp, alive;
	unsigned short	 t;
	size_t		 i;

	memset(a, 0, (g->n + 1) * sizeof(bool));
	a[0] = true;
	filter_glob_close(g, cur);
	for (; *s != '\0'; s++) {
		memset(next, 0, (g->n + 1) * sizeof(bool));
		alive = false;
		for (i = 0; i < g->n; i++) {
			if (!cur[i])
				continue;
			t = g->tok[i];
			if (t == GLOB_DSTAR || (t == GLOB_STAR && *s != '/'))
				next[i] = alive = true;
			else if (t == (unsigned char)*s)
				next[i + 1] = alive = true;
		}
		if (!alive)
			return false;
		filter_glob_close(g, next);
		tmp = cur;
		cur = next;
		next = tmp;
	}
	return cur[g->n];
}

static bool
filter_paths_match(const struct criterion *c, const char *path)
{
	size_t	i;

	if (path == NULL)
		return false;
	for (i = 0; i < c->nglobs; i++) {
		if (filter_glob_match(&c->globs[i], path))
			return true;
	}
	return false;
}

static bool
filter_methods_match(const struct criterion *c, const char *method)
{
	size_t	i;

	if (method == NULL)
		return false;
	for (i = 0; i < NFILTER_METHODS; i++) {
		if (strcmp(method, filter_methods[i]) == 0)
			return (c->methods & (1u << i)) != 0;
	}
	return false;
}

/* Any matcher error (the match limit, no memory) is no match. */
static bool
filter_regex_match(const struct filter *f, const struct criterion *c,
    const char *s, size_t len)
{
	int	rc;

	if (s == NULL || len > FILTER_MAX_SUBJECT)
		return false;
	rc = pcre2_match(c->re, (PCRE2_SPTR)s, len, 0, 0, f->md, f->mctx);
	return rc >= 0;
}

static bool
filter_payload_match(const struct filter *f, const struct criterion *c,
    const json_t *payload)
{
	char		 buf[FILTER_NUMBUF];
	const json_t	*v;
	const char	*text = NULL;
	size_t		 len = 0;

	v = filter_payload_get(payload, c->name);
	if (v == NULL || filter_scalar_text(v, buf, &text, &len) == -1)
		return false;
	return filter_regex_match(f, c, text, len);
}

static bool
filter_criterion_match(const struct filter *f, const struct criterion *c,
    const struct filter_event *ev)
{
	const char	*s;

	switch (c->kind) {
	case CRIT_PATHS:
		return filter_paths_match(c, ev->path);
	case CRIT_METHODS:
		return filter_methods_match(c, ev->method);
	case CRIT_HEADER:
		if (ev->headers == NULL)
			return false;
		s = header_get(ev->headers, c->name);
		return s != NULL && filter_regex_match(f, c, s, strlen(s));
	case CRIT_PAYLOAD:
		return filter_payload_match(f, c, ev->payload);
	case CRIT_QUERY:
		s = json_string_value(json_object_get(ev->query, c->name));
		return s != NULL && filter_regex_match(f, c, s, strlen(s));
	}
	return false;
}

bool
filter_match(const struct filter *f, const struct filter_event *ev)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		if (!filter_criterion_match(f, &f->v[i], ev))
			return false;
	}
	return true;
}

/*
 * No flags: duplicate keys keep the last value (as most senders'
 * parsers do), \u0000 is refused so every string is a C string, and
 * jansson's nesting limit applies.
 */
json_t *
filter_payload_parse(const void *body, size_t len)
{
	if (body == NULL || len == 0)
		return NULL;
	return json_loadb(body, len, 0, NULL);
}

json_t *
filter_payload_request(const void *body, size_t len,
    const char *content_type, const char *json_field)
{
	json_t		*obj, *doc;
	const char	*s;
	size_t		 i;

	if (!form_content_type(content_type))
		return filter_payload_parse(body, len);
	/* JSON sent with a form's type (curl's default, some senders'):
	 * an object or array is never a form anyone sends. */
	s = body;
	for (i = 0; i < len && strchr(" \t\r\n", s[i]) != NULL; i++)
		;
	if (i < len && (s[i] == '{' || s[i] == '[') &&
	    (obj = filter_payload_parse(body, len)) != NULL)
		return obj;
	if ((obj = form_object(body, len, true)) == NULL)
		return NULL;
	if (json_field != NULL &&
	    (s = json_string_value(json_object_get(obj, json_field))) !=
	    NULL && (doc = filter_payload_parse(s, strlen(s))) != NULL)
		json_object_set_new(obj, json_field, doc);
	return obj;
}

/* A canonical decimal array index: digits, no sign, no leading zero. */
static int
filter_index(const char *s, size_t n, size_t *idx)
{
	size_t	i, v = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*idx = v;
	return 0;
}

static const json_t *
filter_payload_child(const json_t *v, const char *s, size_t n)
{
	size_t	idx = 0;

	if (json_is_object(v))
		return json_object_getn(v, s, n);
	if (json_is_array(v) && filter_index(s, n, &idx) == 0)
		return json_array_get(v, idx);
	return NULL;
}

const json_t *
filter_payload_get(const json_t *root, const char *path)
{
	const json_t	*v = root;
	size_t		 n;

	if (root == NULL || path == NULL || *path == '\0')
		return NULL;
	for (;;) {
		n = strcspn(path, ".");
		if (n == 0)
			return NULL;
		v = filter_payload_child(v, path, n);
		if (v == NULL || path[n] == '\0')
			return v;
		path += n + 1;
	}
}

/*
 * Shortest "%.*g" that reads back to d (what JavaScript, Python and Go
 * write), plus ".0" when that looks like an integer: jansson keeps 1 and
 * 1.0 apart, and so do we.  The C locale is assumed (no setlocale()).
 */
static void
filter_real_text(double d, char buf[FILTER_NUMBUF])
{
	int	prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, FILTER_NUMBUF, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (strpbrk(buf, ".e") == NULL)
		strcat(buf, ".0");
}

int
filter_scalar_text(const json_t *v, char buf[FILTER_NUMBUF],
    const char **text, size_t *len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*text = json_string_value(v);
		*len = json_string_length(v);
		return 0;
	case JSON_INTEGER:
		snprintf(buf, FILTER_NUMBUF, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		filter_real_text(json_real_value(v), buf);
		break;
	case JSON_TRUE:
		snprintf(buf, FILTER_NUMBUF, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, FILTER_NUMBUF, "false");
		break;
	case JSON_NULL:
		snprintf(buf, FILTER_NUMBUF, "null");
		break;
	default:
		return -1;
	}
	*text = buf;
	*len = strlen(buf);
	return 0;
}
