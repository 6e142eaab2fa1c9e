/*
 * header: an ordered list of request headers with normalised names, one
 * entry per name.  Web servers hand headers over as CGI meta-variables
 * (HTTP_X_FOO); everything past this file sees "x-foo".
 *
 * Promises:
 * - A name is in a list once: a repeated header's values are joined
 *   with ", " in the order they were added, and every reader (filters,
 *   placeholders, verification, the spool) sees that one value.
 * - Adding a header and finding one take constant time on average, so a
 *   request's headers cost time linear in their number.  Names are
 *   hashed with a seed drawn once per process, so that no sender can
 *   choose names that all land in one bucket.
 * - A redacted value keeps no byte of the credential.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "header.h"

#define HEADER_NONE	((size_t)-1)

/* Headers that carry credentials in every request that has them. */
static const char *const header_secrets[] = {
	"authorization",
	"proxy-authorization",
	"x-gitlab-token"
};

static int
header_char(int c)
{
	return c == '_' ? '-' : tolower((unsigned char)c);
}

void
header_name_normalise(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)header_char(*s);
}

static uint64_t
header_seed(void)
{
	static uint64_t	seed;
	static int	have;

	if (!have) {
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(seed))
			seed = (uint64_t)(uintptr_t)&seed;	/* ASLR's */
		have = 1;
	}
	return seed;
}

/* FNV-1a of the normalised name, seeded, with its bits mixed down. */
static size_t
header_hash(const char *name)
{
	uint64_t	h = UINT64_C(0xcbf29ce484222325) ^ header_seed();

	for (; *name != '\0'; name++) {
		h ^= (uint64_t)header_char(*name);
		h *= UINT64_C(0x100000001b3);
	}
	h ^= h >> 32;
	h *= UINT64_C(0xd6e8feb86659fd93);
	h ^= h >> 32;
	return (size_t)h;
}

/* a is stored normalised; name may be in any form. */
static int
header_name_eq(const char *a, const char *name)
{
	for (; *a != '\0' && *name != '\0'; a++, name++)
		if ((unsigned char)*a != header_char(*name))
			return 0;
	return *a == '\0' && *name == '\0';
}

static size_t
header_find(const struct header_list *hl, const char *name)
{
	size_t	h, i;

	if (hl->cap == 0)
		return HEADER_NONE;
	h = header_hash(name);
	for (i = hl->v[h & (hl->cap - 1)].first; i != 0; i = hl->v[i - 1].next)
		if (hl->v[i - 1].hash == h &&
		    header_name_eq(hl->v[i - 1].name, name))
			return i - 1;
	return HEADER_NONE;
}

/* Entry i into its bucket; the buckets are the entries' first fields. */
static void
header_link(struct header_list *hl, size_t i)
{
	struct header	*b = &hl->v[hl->v[i].hash & (hl->cap - 1)];

	hl->v[i].next = b->first;
	b->first = i + 1;
}

/* Twice the room (a power of two, as buckets are), re-indexed. */
static int
header_grow(struct header_list *hl)
{
	struct header	*v;
	size_t		 cap = hl->cap ? hl->cap * 2 : 16, i;

	v = reallocarray(hl->v, cap, sizeof(*v));
	if (v == NULL)
		return -1;
	hl->v = v;
	hl->cap = cap;
	for (i = 0; i < cap; i++)
		v[i].first = 0;
	for (i = 0; i < hl->n; i++)
		header_link(hl, i);
	return 0;
}

/* ", value" onto h's value; room doubles, so repeats cost linear time. */
static int
header_append(struct header *h, const char *value)
{
	size_t	 add = strlen(value), need, room;
	char	*p;

	if (add > SIZE_MAX / 4 - h->len)
		return -1;
	need = h->len + 2 + add + 1;
	if (need > h->room) {
		for (room = h->room; room < need; room *= 2)
			continue;
		if ((p = realloc(h->value, room)) == NULL)
			return -1;
		h->value = p;
		h->room = room;
	}
	memcpy(h->value + h->len, ", ", 2);
	memcpy(h->value + h->len + 2, value, add + 1);
	h->len += 2 + add;
	return 0;
}

/* Take value as h's own; its old one is freed. */
static void
header_set(struct header *h, char *value)
{
	free(h->value);
	h->value = value;
	h->len = strlen(value);
	h->room = h->len + 1;
}

int
header_add(struct header_list *hl, const char *name, const char *value)
{
	struct header	*h;
	char		*n = NULL, *v = NULL;
	size_t		 i;

	i = header_find(hl, name);
	if (i != HEADER_NONE) {
		if (header_append(&hl->v[i], value) == -1)
			goto fail;
		return 0;
	}
	if ((n = strdup(name)) == NULL || (v = strdup(value)) == NULL ||
	    (hl->n == hl->cap && header_grow(hl) == -1))
		goto fail;
	header_name_normalise(n);
	h = &hl->v[hl->n];
	h->name = n;
	h->value = NULL;
	header_set(h, v);
	h->hash = header_hash(n);
	header_link(hl, hl->n);
	hl->n++;
	return 0;
fail:
	free(n);
	free(v);
	errno = ENOMEM;
	return -1;
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
	size_t	i = header_find(hl, name);

	return i == HEADER_NONE ? NULL : hl->v[i].value;
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

int
header_is_secret(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(header_secrets) / sizeof(header_secrets[0]);
	    i++)
		if (strcmp(name, header_secrets[i]) == 0)
			return 1;
	return 0;
}

/*
 * "Bearer [redacted]" for "Bearer xyz" (RFC 9110 section 11.4: an
 * auth-scheme token, white space, credentials); "[redacted]" for
 * anything else.
 */
static char *
header_redact_credentials(const char *value)
{
	static const char	 tchar[] = "!#$%&'*+-.^_`|~";
	size_t			 n = 0, rest;
	char			*out = NULL;

	while (value[n] != '\0' && ((value[n] >= 'A' && value[n] <= 'Z') ||
	    (value[n] >= 'a' && value[n] <= 'z') ||
	    (value[n] >= '0' && value[n] <= '9') ||
	    strchr(tchar, value[n]) != NULL))
		n++;
	rest = n + strspn(value + n, " \t");
	if (n == 0 || rest == n || value[rest] == '\0')
		return strdup(HEADER_REDACTED);
	out = malloc(n + 1 + sizeof(HEADER_REDACTED));
	if (out == NULL)
		return NULL;
	memcpy(out, value, n);
	out[n] = ' ';
	memcpy(out + n + 1, HEADER_REDACTED, sizeof(HEADER_REDACTED));
	return out;
}

char *
header_redaction(const char *name, const char *value)
{
	if (strcmp(name, "authorization") == 0 ||
	    strcmp(name, "proxy-authorization") == 0)
		return header_redact_credentials(value);
	return strdup(HEADER_REDACTED);
}

int
header_redact(struct header_list *hl, const char *name)
{
	size_t	 i = header_find(hl, name);
	char	*v;

	if (i == HEADER_NONE)
		return 0;
	if ((v = header_redaction(hl->v[i].name, hl->v[i].value)) == NULL)
		return -1;
	explicit_bzero(hl->v[i].value, hl->v[i].len);
	header_set(&hl->v[i], v);
	return 0;
}

int
header_redact_secrets(struct header_list *hl)
{
	size_t	i;

	for (i = 0; i < sizeof(header_secrets) / sizeof(header_secrets[0]);
	    i++)
		if (header_redact(hl, header_secrets[i]) == -1)
			return -1;
	return 0;
}
