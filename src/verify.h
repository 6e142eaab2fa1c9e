/*
 * verify: signature schemes as a table of pure functions of
 * (verify_conf, headers, body, now).  The configuration loader fills a
 * struct verify_conf for each endpoint; this module knows nothing else
 * of the configuration.  Every comparison of a signature or
 * token runs in constant time (CRYPTO_memcmp).  Nothing here logs, and
 * no detail string ever contains a secret, a signature or a token.
 */
#ifndef HOOKSPOOL_VERIFY_H
#define HOOKSPOOL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <openssl/types.h>

struct header_list;
struct verify_conf;

enum verify_status {
	VERIFY_OK = 0,		/* signature good (or scheme "none") */
	VERIFY_MISSING,		/* the header the scheme needs is absent */
	VERIFY_MALFORMED,	/* header present but unparseable */
	VERIFY_MISMATCH,	/* well formed, no secret verifies it */
	VERIFY_STALE,		/* timestamp (or exp/nbf) outside the window */
	VERIFY_ERROR		/* internal failure (ENOMEM, crypto) */
};

struct verify_result {
	enum verify_status	status;
	/* Short reason for the log, e.g. "prefix names sha1"; never secret. */
	char			detail[96];
	/* jwt: the verified claims, owned; NULL otherwise and on failure. */
	json_t			*claims;
};

/* verify_scheme.flags */
#define VERIFY_NEEDS_SECRET	0x01	/* a secret is required */
#define VERIFY_TIMESTAMPED	0x02	/* timestamp_tolerance applies */
#define VERIFY_ENCODING		0x04	/* signature_encoding applies */
#define VERIFY_WHSEC		0x08	/* secrets are whsec_<base64> */
#define VERIFY_FIXED_HEADERS	0x10	/* signature_header does not apply */
#define VERIFY_JWT		0x20	/* the jwt_* keys apply */
/*
 * The signature header carries a credential itself: the secret (gitlab)
 * or a bearer token (jwt).  It is redacted before the event is kept.
 * An HMAC signature is not one: it proves one body, and reveals nothing
 * of the secret.
 */
#define VERIFY_TOKEN		0x40
/*
 * ed25519 public keys apply (public_key, or a whpk_ secret): the
 * scheme checks signatures a sender made with its private key.
 */
#define VERIFY_ED25519		0x80
/* The rule is written in the file: signed_content and the like apply. */
#define VERIFY_HMAC_RULE	0x100
/* A provider's rule that hmac can write, by name (verify_preset.c). */
#define VERIFY_PRESET		0x200
/* ${full_url} may be signed: public_url applies. */
#define VERIFY_FULL_URL		0x400

struct verify_scheme {
	const char	*name;		/* "hmac-sha256", as in signature_type */
	bool		 needs_secret;
	const char	*default_header; /* NULL if the scheme has none */
	void		(*verify)(const struct verify_conf *,
			    const struct header_list *, const unsigned char *body,
			    size_t len, time_t now, struct verify_result *);
	unsigned	 flags;		/* VERIFY_* above */
};

/* signature_encoding of the generic HMAC schemes. */
enum verify_encoding {
	VERIFY_HEX = 0,
	VERIFY_BASE64,
	VERIFY_BASE64URL
};

/* signature_algorithm of signature_type hmac. */
enum verify_algorithm {
	VERIFY_SHA1 = 0,
	VERIFY_SHA256,
	VERIFY_SHA512
};

/* A secret of an endpoint (secret, secret_file). */
struct secret {
	unsigned char	*data;		/* not NUL-terminated */
	size_t		 len;
	int		 line;		/* of its secret or secret_file key */
};

struct verify_template;
struct verify_pattern;
struct verify_jwt_alg;

/*
 * What an endpoint's signature check needs, as the configuration
 * loader leaves it: every string normalised, every key parsed.
 */
struct verify_conf {
	const struct verify_scheme	*scheme;	/* never NULL once loaded */
	char				*signature_header; /* normalised, or NULL */
	struct secret			*secrets;	/* all tried (rotation) */
	size_t				 nsecrets;
	int				 signature_encoding; /* verify_encoding */
	long				 timestamp_tolerance; /* seconds */
	/* signature_type hmac: the rule, compiled at load */
	struct verify_template		*signed_content;
	struct verify_pattern		*signature_pattern; /* NULL: whole */
	int				 signature_algorithm; /* verify_algorithm */
	char				*timestamp_header; /* normalised, or NULL */
	struct verify_pattern		*timestamp_pattern; /* NULL: whole */
	char				*signature_field; /* a form field's name */
	char				*timestamp_field; /* a JSON body path */
	char				*public_url; /* the URL signed, or NULL */
	/* ed25519 keys (discord, standard-webhooks v1a), parsed at load */
	EVP_PKEY			**public_keys;
	size_t				 npublic_keys;
	/* signature_type jwt */
	const struct verify_jwt_alg	*jwt_alg;	/* NULL unless set */
	EVP_PKEY			*jwt_key;	/* parsed at load */
	char				*jwt_key_file;
	long				 jwt_leeway;	/* seconds */
	char				*jwt_issuer;	/* NULL: not checked */
	char				*jwt_audience;	/* NULL: not checked */
};

/*
 * Fill vc's hmac rule from the preset its scheme names.  0, or -1 with
 * the reason in err.  Called at configuration load.
 */
int	verify_preset_apply(struct verify_conf *vc, char *err, size_t errlen);

/* The request line, for what signature_type hmac may sign. */
struct verify_http {
	const char	*method;	/* "POST" */
	const char	*url;		/* as requested: path and query */
	const char	*origin;	/* scheme://host[:port], or NULL */
};


/* A JWT algorithm we verify, as named in jwt_algorithm. */
enum verify_jwt_kind {
	VERIFY_JWT_HMAC,
	VERIFY_JWT_RSA,
	VERIFY_JWT_EC
};

struct verify_jwt_alg {
	const char		*name;		/* "RS256", as in the JOSE header */
	enum verify_jwt_kind	 kind;
	const char		*digest;	/* OpenSSL name: "SHA256" */
	size_t			 size;		/* HMAC: digest bytes; EC: r (= s) */
	const char		*group;		/* EC: "prime256v1"; else NULL */
};

/* The scheme called name, or NULL. */
const struct verify_scheme	*verify_scheme_find(const char *name);
/* Space-separated list of all scheme names, for error messages. */
const char			*verify_scheme_names(void);

/* Run the scheme of vc; fills res.  Returns res->status. */
enum verify_status	 verify_request(const struct verify_conf *,
			    const struct header_list *, const unsigned char *body,
			    size_t len, time_t now, struct verify_result *res);
/* The same, with the request line that signed_content may use. */
enum verify_status	 verify_request_http(const struct verify_conf *,
			    const struct verify_http *,
			    const struct header_list *, const unsigned char *body,
			    size_t len, time_t now, struct verify_result *res);
/* Release what a result owns (the claims); safe to call twice. */
void			 verify_result_clear(struct verify_result *);
/* "ok", "missing", "malformed", "mismatch", "stale", "error". */
const char		*verify_status_name(enum verify_status);

/* The JWT algorithm called name (exact case), or NULL ("none" too). */
const struct verify_jwt_alg	*verify_jwt_alg_find(const char *name);
/* Space-separated list of the JWT algorithm names. */
const char			*verify_jwt_alg_names(void);
/*
 * NULL if pkey can verify alg, else a reason for the operator ("an EC
 * key cannot verify RS256").  Called at configuration load.
 */
const char	*verify_jwt_key_check(const struct verify_jwt_alg *,
		    EVP_PKEY *pkey, char *buf, size_t len);

/*
 * Decode base64 (url: the URL alphabet) of s[0..n) into out (at most
 * cap bytes).  Padding is optional, but when present must be right.
 * Returns 0 and the length in *outlen, or -1.
 */
int	verify_base64_decode(const char *s, size_t n, bool url,
	    unsigned char *out, size_t cap, size_t *outlen);
/*
 * A Standard Webhooks secret, "whsec_<base64>" (prefix optional,
 * padding optional), decoded into a malloc'd *out.  -1 if it is not one.
 */
int	verify_whsec_decode(const unsigned char *s, size_t n,
	    unsigned char **out, size_t *outlen);
/*
 * An ed25519 public key written as 64 hex digits, or as the base64 of
 * its 32 bytes with an optional whpk_ prefix (Standard Webhooks).
 * Returns the key, or NULL with the reason in why (never the value).
 */
EVP_PKEY	*verify_ed25519_key(const char *s, size_t n, char *why,
		    size_t whylen);

/*
 * A signed_content template: text with ${body}, ${method}, ${url},
 * ${full_url}, ${query}, ${timestamp} and ${header.NAME}.  NULL with the reason in
 * err (an unknown variable, a ${ left open, too many pieces).
 */
struct verify_template	*verify_template_parse(const char *,
			    char *err, size_t errlen);
bool			 verify_template_has_timestamp(
			    const struct verify_template *);
void			 verify_template_free(struct verify_template *);
/*
 * A PCRE2 pattern with one named group (sig, ts) that picks the value
 * out.  NULL with the reason in err (bad regex, no such group).
 */
struct verify_pattern	*verify_pattern_compile(const char *re,
			    const char *group, char *err, size_t errlen);
void			 verify_pattern_free(struct verify_pattern *);

#endif
