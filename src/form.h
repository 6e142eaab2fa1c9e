/*
 * form: application/x-www-form-urlencoded text, as request bodies and
 * query strings carry it.  Fields are split on '&', a key from its
 * value on the first '='; '+' decodes to a space and %XX to its byte.
 * Rules, the same for every caller:
 * - a '%' not followed by two hex digits is malformed;
 * - a decoded NUL byte (%00, or a raw one) is refused, so every key
 *   and value is a C string;
 * - of a repeated key the first field wins;
 * - empty fields ("a=1&&b=2", a trailing '&') and fields with an empty
 *   key ("=v") are skipped; a field without '=' has the value "";
 * - a field may be as long as the text (decoding never grows it).
 * Pure functions: no I/O, no log.
 */
#ifndef HOOKSPOOL_FORM_H
#define HOOKSPOOL_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* The marker a redacted query value is replaced with. */
#define FORM_REDACTED	"REDACTED"

int	 form_decode(const char *, size_t, char *, size_t, size_t *);
int	 form_get(const char *, size_t, const char *, char *, size_t,
	    size_t *);
json_t	*form_object(const char *, size_t, bool);
bool	 form_content_type(const char *);
char	*form_redact(const char *, size_t, char *const *, size_t);

#endif
