/*
 * fuzz_split: how the targets that take several inputs cut theirs:
 * at NUL bytes, each part a C string of its own.
 */
#ifndef HOOKSPOOL_FUZZ_SPLIT_H
#define HOOKSPOOL_FUZZ_SPLIT_H

#include <stdint.h>
#include <string.h>

/* Next NUL-separated part of [*p, end), malloc'd; *p moves past it. */
static char *
next_part(const uint8_t **p, const uint8_t *end)
{
	const uint8_t	*nul;
	size_t		 n;

	nul = memchr(*p, '\0', (size_t)(end - *p));
	n = nul != NULL ? (size_t)(nul - *p) : (size_t)(end - *p);
	nul = *p;
	*p += n < (size_t)(end - *p) ? n + 1 : n;
	return strndup((const char *)nul, n);
}

#endif
