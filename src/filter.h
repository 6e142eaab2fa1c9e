/*
 * filter: which events a handler wants.  A filter is a list of criteria
 * (endpoint path globs, methods, header and payload regexes), built once
 * at load time from the [handler:NAME] keys and matched per event.  All
 * criteria must hold; a filter without criteria matches every event.
 * Pure: no I/O, nothing printed; errors go into the caller's buffer.
 */
#ifndef HOOKSPOOL_FILTER_H
#define HOOKSPOOL_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct header_list;
struct filter;

/* Regex subjects longer than this never match. */
#define FILTER_MAX_SUBJECT	(64 * 1024)
/* PCRE2 match limit (backtracking steps) per regex per event. */
#define FILTER_MATCH_LIMIT	100000
/* Longest glob in endpoint_paths, in bytes. */
#define FILTER_MAX_GLOB		1024
/* Buffer size for filter_scalar_text(); holds any number's text. */
#define FILTER_NUMBUF		64

/* One event as the filters and command templates see it; nothing owned. */
struct filter_event {
	const char			*path;		/* URL path, no query */
	const char			*method;	/* "POST" */
	const struct header_list	*headers;	/* may be NULL */
	const json_t			*payload;	/* NULL: body not JSON */
	const json_t			*query;		/* fields; may be NULL */
};

struct filter	*filter_new(void);

/*
 * Add one criterion; value is the key's configuration text.
 *   endpoint_paths  globs split at blanks, any may match the URL path
 *                   (as the endpoint matched it, no query); '*' is any
 *                   run of bytes but '/', '**' any run at all (both may
 *                   be empty: "/hooks/" followed by '*' matches
 *                   "/hooks/" but not "/hooks"); every other byte, '?' and '[' too, is
 *                   itself.  Each glob starts with '/' or '*'.
 *   methods         GET HEAD POST PUT PATCH DELETE OPTIONS, split at
 *                   blanks or commas, any case; any may match.
 *   header.NAME     PCRE2 regex on the header's value (name in any case,
 *                   '_' as '-'; a repeated header: its first value).
 *   payload.PATH    PCRE2 regex on the text of the scalar at PATH (see
 *                   filter_payload_get() and filter_scalar_text()).
 * A regex must match the whole value; (?i) and the like work as usual.
 * Each call adds a criterion of its own, so a key given twice must hold
 * twice (AND).  Returns 0, or -1 with a message in err (without FILE:LINE;
 * the caller adds it) for an unknown key, a bad value or a bad regex
 * ("header.X: bad regex: missing closing parenthesis at offset 5"); the
 * filter is then as before the call.
 */
int		 filter_add(struct filter *, const char *key, const char *value,
		    char *err, size_t errlen);

/* true if every criterion holds for ev.  Not for two threads at once. */
bool		 filter_match(const struct filter *, const struct filter_event *);
void		 filter_free(struct filter *);

/*
 * The body as the payload of a filter_event: the parsed JSON, or NULL if
 * the body is not JSON (empty, invalid, a \u0000 in a string, or an
 * integer beyond 64 bits).  Parse once per event; the caller owns it.
 */
json_t		*filter_payload_parse(const void *body, size_t len);

/*
 * The payload of a request's body by its content type, the same in
 * wh-receive and wh-retry: filter_payload_parse() of it, or when the
 * type is application/x-www-form-urlencoded an object of its fields
 * (form.h has the rules, strict) with string values, json_field's value
 * (if json_field is not NULL and the field is there) replaced by the
 * JSON document it holds if it parses.  A form-typed body that is a JSON
 * object or array is taken as JSON.  NULL: not JSON, or a form body
 * that is malformed (errno EINVAL) or out of memory.
 */
json_t		*filter_payload_request(const void *body, size_t len,
		    const char *content_type, const char *json_field);

/*
 * The value at a dotted payload path ("commits.0.id") under root, or
 * NULL.  In an object a component names a key (digits too); in an array
 * it must be a decimal index without sign or leading zero.
 */
const json_t	*filter_payload_get(const json_t *root, const char *path);

/* 0 if path is a well-formed payload path, else -1 with a message. */
int		 filter_payload_path_check(const char *path, char *err,
		    size_t errlen);
/* 0 if name is a header name (RFC 9110 token), else -1 with a message. */
int		 filter_header_name_check(const char *name, char *err,
		    size_t errlen);

/*
 * The JSON text of a scalar, the subject of payload regexes: a string's
 * bytes without quotes, true, false, null, an integer in decimal, a real
 * in the shortest form that reads back to the same double and always
 * with a '.' or an exponent ("1.0", "0.1", "1e+300"), so 1 and 1.0 in a
 * body stay told apart.  *text points into v or into buf.  Returns -1
 * (and sets nothing) for an object or array.
 */
int		 filter_scalar_text(const json_t *v, char buf[FILTER_NUMBUF],
		    const char **text, size_t *len);

#endif
