/*
 * libFuzzer target: the form decoder.  The whole input is one
 * application/x-www-form-urlencoded text, decoded strictly (a body) and
 * leniently (a query string), looked up field by field and redacted.
 * What must hold: a strict decode that succeeds equals the lenient one;
 * no key or value holds a NUL byte; form_get() finds every field of a
 * strict decode with the object's value (the first wins); after
 * form_redact() of "token" and "sig", form_get() finds no other value
 * for either.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
no_nul(json_t *o)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(o, k, v) {
		if (*k == '\0' || strlen(json_string_value(v)) !=
		    json_string_length(v))
			abort();
	}
}

static void
lookups(const char *s, size_t n, json_t *o, char *buf)
{
	const char	*k;
	json_t		*v;
	size_t		 len;

	json_object_foreach(o, k, v) {
		if (strlen(k) > 200)
			continue;
		if (form_get(s, n, k, buf, n + 1, &len) != 1 ||
		    len != json_string_length(v) ||
		    memcmp(buf, json_string_value(v), len) != 0)
			abort();
	}
}

static void
redacted(const char *s, size_t n, char *buf)
{
	static char *const	 names[] = { "token", "sig" };
	char			*r;
	size_t			 i, len;
	int			 rc;

	if ((r = form_redact(s, n, names, 2)) == NULL)
		return;
	for (i = 0; i < 2; i++) {
		rc = form_get(r, strlen(r), names[i], buf, n + 16, &len);
		if (rc == 1 && strcmp(buf, FORM_REDACTED) != 0)
			abort();
	}
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	json_t		*strict, *lenient;
	char		*buf;

	if ((buf = malloc(size + 16)) == NULL)
		return 0;
	strict = form_object(s, size, true);
	lenient = form_object(s, size, false);
	if (lenient == NULL)
		abort();
	no_nul(lenient);
	if (strict != NULL) {
		if (!json_equal(strict, lenient))
			abort();
		lookups(s, size, strict, buf);
	}
	redacted(s, size, buf);
	/* As a Content-Type value: a C string. */
	memcpy(buf, s, size);
	buf[size] = '\0';
	(void)form_content_type(buf);
	json_decref(strict);
	json_decref(lenient);
	free(buf);
	return 0;
}
