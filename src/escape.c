/*
 * escape: visible escapes for control characters and bytes that are
 * not UTF-8 (see escape.h).  Pure: no I/O but the FILE it is given.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/*
 * The length of the UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0 when it is not one: a stray continuation byte, a
 * sequence cut short, an overlong form, a surrogate, past U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	static const uint32_t	min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			len, i;
	uint32_t		c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * One step: the escape for the text at p into out (at least 7 bytes),
 * its length in *olen; returns the bytes of p it stands for.
 */
static size_t
escape_one(const unsigned char *p, size_t n, int keep_newlines, char *out,
    size_t *olen)
{
	uint32_t	cp;
	size_t		len = utf8_seq(p, n, &cp);

	if (len == 0) {
		*olen = (size_t)snprintf(out, 7, "\\x%02x", p[0]);
		return 1;
	}
	if ((cp < 0x20 && cp != '\t' && !(cp == '\n' && keep_newlines)) ||
	    cp == 0x7f) {
		*olen = (size_t)snprintf(out, 7, "\\x%02x", (unsigned)cp);
		return 1;
	}
	if (cp >= 0x80 && cp <= 0x9f) {
		*olen = (size_t)snprintf(out, 7, "\\u%04x", (unsigned)cp);
		return len;
	}
	memcpy(out, p, len);
	*olen = len;
	return len;
}

char *
escape_text(const char *s, size_t len, int keep_newlines)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*buf, *o;
	size_t			 used, olen;

	/* An escape is at most 6 bytes, for a byte of at least one. */
	if (len > (SIZE_MAX - 1) / 6 || (buf = malloc(len * 6 + 1)) == NULL)
		return NULL;
	for (o = buf; len > 0; p += used, len -= used) {
		used = escape_one(p, len, keep_newlines, o, &olen);
		o += olen;
	}
	*o = '\0';
	return buf;
}

void
escape_fputs(const char *s, size_t len, int keep_newlines, FILE *f)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 out[8];
	size_t			 used, olen;

	for (; len > 0; p += used, len -= used) {
		used = escape_one(p, len, keep_newlines, out, &olen);
		fwrite(out, 1, olen, f);
	}
}
