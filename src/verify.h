/*
 * verify: signature schemes as a table of pure functions of
 * (endpoint, headers, body, now).  Every comparison of a signature or
 * token runs in constant time (CRYPTO_memcmp).  Nothing here logs, and
 * no detail string ever contains a secret or a signature.
 */
#ifndef HOOKSPOOL_VERIFY_H
#define HOOKSPOOL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct endpoint;
struct header_list;

enum verify_status {
	VERIFY_OK = 0,		/* signature good (or scheme "none") */
	VERIFY_MISSING,		/* the header the scheme needs is absent */
	VERIFY_MALFORMED,	/* header present but unparseable */
	VERIFY_MISMATCH,	/* well formed, no secret verifies it */
	VERIFY_STALE,		/* timestamp outside the tolerance */
	VERIFY_ERROR		/* internal failure (ENOMEM, crypto) */
};

struct verify_result {
	enum verify_status	status;
	/* Short reason for the log, e.g. "prefix names sha1"; never secret. */
	char			detail[96];
};

struct verify_scheme {
	const char	*name;		/* "hmac-sha256", as in signature_type */
	bool		 needs_secret;
	const char	*default_header; /* NULL if the scheme has none */
	void		(*verify)(const struct endpoint *,
			    const struct header_list *, const unsigned char *body,
			    size_t len, time_t now, struct verify_result *);
};

/* The scheme called name, or NULL. */
const struct verify_scheme	*verify_scheme_find(const char *name);
/* Space-separated list of all scheme names, for error messages. */
const char			*verify_scheme_names(void);

/* Run the endpoint's scheme; fills res.  Returns res->status. */
enum verify_status	 verify_request(const struct endpoint *,
			    const struct header_list *, const unsigned char *body,
			    size_t len, time_t now, struct verify_result *res);
/* "ok", "missing", "malformed", "mismatch", "stale", "error". */
const char		*verify_status_name(enum verify_status);

#endif
