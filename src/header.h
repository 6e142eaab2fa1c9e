/*
 * header: the request's HTTP headers as an ordered list of (name, value)
 * pairs.  Names are stored lowercased with '-' separators ("x-hub-signature-256"),
 * whatever form the web server passed them in (HTTP_X_HUB_SIGNATURE_256).
 */
#ifndef HOOKSPOOL_HEADER_H
#define HOOKSPOOL_HEADER_H

#include <stddef.h>

struct header {
	char	*name;		/* lowercase, '-' separated */
	char	*value;
};

struct header_list {
	struct header	*v;
	size_t		 n;
	size_t		 cap;
};

/* Append a copy of (name, value); name is normalised. -1 on ENOMEM. */
int		 header_add(struct header_list *, const char *name,
		    const char *value);
/* Same, from a CGI meta-variable "HTTP_X_FOO" (or CONTENT_TYPE). */
int		 header_add_cgi(struct header_list *, const char *var,
		    const char *value);
/* Value of the first header called name (any case, '-' or '_'), or NULL. */
const char	*header_get(const struct header_list *, const char *name);
/* Normalise a header name in place: lowercase, '_' -> '-'. */
void		 header_name_normalise(char *);
void		 header_list_free(struct header_list *);

#endif
