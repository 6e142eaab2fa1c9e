/*
 * header: an ordered list of request headers with normalised names.
 * Web servers hand headers over as CGI meta-variables (HTTP_X_FOO);
 * everything past this file sees "x-foo".
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

void
header_name_normalise(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '_')
			*s = '-';
		else
			*s = (char)tolower((unsigned char)*s);
	}
}

static int
header_add_owned(struct header_list *hl, char *name, char *value)
{
	struct header	*v;
	size_t		 cap;

	if (name == NULL || value == NULL)
		goto fail;
	if (hl->n == hl->cap) {
		cap = hl->cap ? hl->cap * 2 : 16;
		v = reallocarray(hl->v, cap, sizeof(*v));
		if (v == NULL)
			goto fail;
		hl->v = v;
		hl->cap = cap;
	}
	header_name_normalise(name);
	hl->v[hl->n].name = name;
	hl->v[hl->n].value = value;
	hl->n++;
	return 0;
fail:
	free(name);
	free(value);
	errno = ENOMEM;
	return -1;
}

int
header_add(struct header_list *hl, const char *name, const char *value)
{
	return header_add_owned(hl, strdup(name), strdup(value));
}

int
header_add_cgi(struct header_list *hl, const char *var, const char *value)
{
	if (strncmp(var, "HTTP_", 5) == 0)
		var += 5;
	return header_add(hl, var, value);
}

const char *
header_get(const struct header_list *hl, const char *name)
{
	size_t	i, j;

	for (i = 0; i < hl->n; i++) {
		const char *a = hl->v[i].name;

		for (j = 0; a[j] != '\0' && name[j] != '\0'; j++) {
			int c = tolower((unsigned char)name[j]);

			if (c == '_')
				c = '-';
			if (a[j] != c)
				break;
		}
		if (a[j] == '\0' && name[j] == '\0')
			return hl->v[i].value;
	}
	return NULL;
}

void
header_list_free(struct header_list *hl)
{
	size_t	i;

	for (i = 0; i < hl->n; i++) {
		free(hl->v[i].name);
		free(hl->v[i].value);
	}
	free(hl->v);
	hl->v = NULL;
	hl->n = hl->cap = 0;
}
