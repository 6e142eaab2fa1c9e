/*
 * header: the request's HTTP headers as an ordered list of (name, value)
 * pairs, one per name.  Names are stored lowercased with '-' separators
 * ("x-hub-signature-256"), whatever form the web server passed them in
 * (HTTP_X_HUB_SIGNATURE_256).  A header added again under a name already
 * in the list has its value appended to the first one's after ", ", in
 * the order added (RFC 9110 section 5.3), so that every reader sees one
 * value for it, the same one.
 */
#ifndef HOOKSPOOL_HEADER_H
#define HOOKSPOOL_HEADER_H

#include <stddef.h>

struct header {
	char	*name;		/* lowercase, '-' separated */
	char	*value;		/* the values sent, joined with ", " */
	/* header.c's own: the index that finds a name at once. */
	size_t	 len;		/* strlen(value) */
	size_t	 room;		/* bytes allocated for value */
	size_t	 hash;		/* of name */
	size_t	 next;		/* 1 + next entry of the same bucket; 0: none */
	size_t	 first;		/* 1 + first entry of bucket (this index) */
};

struct header_list {
	struct header	*v;
	size_t		 n;
	size_t		 cap;
};

/*
 * Add (name, value); name is normalised.  A name already in the list
 * gets ", " and value appended to its value.  -1 on ENOMEM.  Adding and
 * looking up take constant time on average, whatever the names.
 */
int		 header_add(struct header_list *, const char *name,
		    const char *value);
/* Same, from a CGI meta-variable "HTTP_X_FOO" (or CONTENT_TYPE). */
int		 header_add_cgi(struct header_list *, const char *var,
		    const char *value);
/* Value of the header called name (any case, '-' or '_'), or NULL. */
const char	*header_get(const struct header_list *, const char *name);
/* Normalise a header name in place: lowercase, '_' -> '-'. */
void		 header_name_normalise(char *);
void		 header_list_free(struct header_list *);

/*
 * Redaction.  A redacted value becomes "[redacted]"; Authorization and
 * Proxy-Authorization keep their scheme word ("Bearer [redacted]").
 */
#define HEADER_REDACTED	"[redacted]"
/* 1 if name (normalised) holds credentials in every request, else 0:
 * authorization, proxy-authorization, x-gitlab-token. */
int		 header_is_secret(const char *name);
/* What is kept of value when header name is redacted: malloc'd. */
char		*header_redaction(const char *name, const char *value);
/* Redact the header called name, if present.  -1 on ENOMEM. */
int		 header_redact(struct header_list *, const char *name);
/* Redact every header header_is_secret() names.  -1 on ENOMEM. */
int		 header_redact_secrets(struct header_list *);

#endif
