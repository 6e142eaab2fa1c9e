/*
 * form: decode application/x-www-form-urlencoded text (form.h has the
 * rules).  Bodies are decoded strictly (one bad field refuses the whole
 * body, the request path answers 400); query strings leniently (a bad
 * field is left out, the rest is still seen), since the sender, not the
 * query, is what an endpoint verifies.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "form.h"
#include "verify_int.h"

/*
 * s[0..n) decoded into buf (NUL-terminated, *len bytes): 0, or -1 if it
 * is malformed, decodes to a NUL byte or needs more than cap - 1 bytes.
 */
int
form_decode(const char *s, size_t n, char *buf, size_t cap, size_t *len)
{
	size_t	i, o = 0;
	unsigned char	byte;
	char		c;

	for (i = 0; i < n; i++) {
		if (o + 1 >= cap)
			return -1;
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (n - i < 3 ||
			    verify_hex_decode(s + i + 1, &byte, 1) == -1)
				return -1;
			c = (char)byte;
			i += 2;
		}
		if (c == '\0')
			return -1;
		buf[o++] = c;
	}
	if (cap == 0)
		return -1;
	buf[o] = '\0';
	*len = o;
	return 0;
}

/* The next field of s[0..end): its length, the separator not counted. */
static size_t
field_len(const char *s, const char *end)
{
	const char	*amp = memchr(s, '&', (size_t)(end - s));

	return amp != NULL ? (size_t)(amp - s) : (size_t)(end - s);
}

/*
 * The value of field name in s[0..n), decoded into buf: 1, 0 if there
 * is no such field (the first one counts, keys are compared decoded),
 * -1 if its value is malformed or longer than cap - 1.
 */
int
form_get(const char *s, size_t n, const char *name, char *buf, size_t cap,
    size_t *len)
{
	const char	*end = s + n, *eq;
	size_t		 fl, nlen = strlen(name), klen;
	char		 key[256];

	for (; s < end; s += fl + 1) {
		fl = field_len(s, end);
		eq = memchr(s, '=', fl);
		if (form_decode(s, eq != NULL ? (size_t)(eq - s) : fl, key,
		    sizeof(key), &klen) == -1 || klen != nlen || klen == 0 ||
		    memcmp(key, name, nlen) != 0)
			continue;
		if (eq == NULL)
			return form_decode("", 0, buf, cap, len) == 0 ? 1 : -1;
		return form_decode(eq + 1, fl - (size_t)(eq + 1 - s), buf, cap,
		    len) == 0 ? 1 : -1;
	}
	return 0;
}

/* Add field s[0..fl) to obj unless its key is there: 0, -1 if bad. */
static int
form_field(json_t *obj, const char *s, size_t fl, char *kbuf, char *vbuf)
{
	const char	*eq = memchr(s, '=', fl);
	size_t		 kn = eq != NULL ? (size_t)(eq - s) : fl, klen, vlen;
	json_t		*v;

	if (form_decode(s, kn, kbuf, fl + 1, &klen) == -1)
		return -1;
	vlen = 0;
	vbuf[0] = '\0';
	if (eq != NULL && form_decode(eq + 1, fl - kn - 1, vbuf, fl + 1,
	    &vlen) == -1)
		return -1;
	if (klen == 0 || json_object_get(obj, kbuf) != NULL)
		return 0;
	/* Not UTF-8 is malformed too: a payload is JSON text. */
	if ((v = json_stringn(vbuf, vlen)) == NULL)
		return -1;
	return json_object_set_new(obj, kbuf, v) == 0 ? 0 : -1;
}

/*
 * The fields of s[0..n) as a JSON object of strings.  strict: NULL
 * (errno EINVAL) if any field is malformed; otherwise such a field is
 * left out.  NULL with errno ENOMEM when out of memory.
 */
json_t *
form_object(const char *s, size_t n, bool strict)
{
	const char	*end = s + n;
	json_t		*obj;
	char		*kbuf = NULL, *vbuf = NULL;
	size_t		 fl;

	if ((obj = json_object()) == NULL ||
	    (kbuf = malloc(n + 1)) == NULL || (vbuf = malloc(n + 1)) == NULL)
		goto nomem;
	for (; s < end; s += fl + 1) {
		if ((fl = field_len(s, end)) == 0)
			continue;
		if (form_field(obj, s, fl, kbuf, vbuf) == -1 && strict) {
			json_decref(obj);
			free(kbuf);
			free(vbuf);
			errno = EINVAL;
			return NULL;
		}
	}
	free(kbuf);
	free(vbuf);
	return obj;
nomem:
	json_decref(obj);
	free(kbuf);
	errno = ENOMEM;
	return NULL;
}

/* Whether a Content-Type value is application/x-www-form-urlencoded. */
bool
form_content_type(const char *ct)
{
	static const char	type[] = "application/x-www-form-urlencoded";
	size_t			n = sizeof(type) - 1;

	if (ct == NULL)
		return false;
	ct += strspn(ct, " \t");
	if (strncasecmp(ct, type, n) != 0)
		return false;
	ct += n;
	ct += strspn(ct, " \t");
	return *ct == '\0' || *ct == ';';
}

/* Whether key s[0..n) decodes to one of names (case-insensitively). */
static bool
form_listed(const char *s, size_t n, char *const *names, size_t nnames,
    char *kbuf)
{
	size_t	i, klen;

	if (form_decode(s, n, kbuf, n + 1, &klen) == -1)
		return false;
	for (i = 0; i < nnames; i++) {
		if (strcasecmp(kbuf, names[i]) == 0)
			return true;
	}
	return false;
}

/*
 * A copy of query s[0..n) with the value of every field whose key is
 * one of names replaced by FORM_REDACTED (a field without '=' gets
 * one).  The text ends at a NUL byte if it has one, so the copy is a C
 * string of all of it.  NULL: ENOMEM.
 */
char *
form_redact(const char *s, size_t n, char *const *names, size_t nnames)
{
	const char	*end = s + n, *eq;
	char		*out, *o, *kbuf;
	size_t		 fl, kn, nf = 1, i;

	n = strnlen(s, n);
	end = s + n;
	for (i = 0; i < n; i++)
		nf += s[i] == '&';
	if ((kbuf = malloc(n + 1)) == NULL ||
	    (out = malloc(n + nf * (sizeof(FORM_REDACTED) + 1) + 1)) == NULL) {
		free(kbuf);
		return NULL;
	}
	for (o = out; s < end; s += fl + 1) {
		fl = field_len(s, end);
		eq = memchr(s, '=', fl);
		kn = eq != NULL ? (size_t)(eq - s) : fl;
		if (kn > 0 && form_listed(s, kn, names, nnames, kbuf)) {
			memcpy(o, s, kn);
			o += kn;
			memcpy(o, "=" FORM_REDACTED, sizeof(FORM_REDACTED));
			o += sizeof(FORM_REDACTED);
		} else {
			memcpy(o, s, fl);
			o += fl;
		}
		if (s + fl < end)
			*o++ = '&';
	}
	*o = '\0';
	free(kbuf);
	return out;
}
