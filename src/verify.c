/*
 * verify: check a request's signature by its endpoint's scheme.
 *
 * Each scheme is one entry of schemes[]: a name (as in signature_type),
 * whether it needs a secret, its default header and a verify function.
 * A new scheme is one more function and one more row.  Promises: every
 * comparison of a signature runs in constant time over the whole digest
 * (CRYPTO_memcmp) and tries every secret without stopping at the first
 * match; nothing here does I/O; no detail string contains a secret, a
 * signature or any other byte the peer chose.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "conf.h"
#include "header.h"
#include "verify.h"

#define VERIFY_MAX_DIGEST	64	/* SHA-512, for later schemes */

/* One HMAC-over-the-body scheme with a hex signature. */
struct hmac_hex {
	const char	*digest;	/* OpenSSL name: "SHA256" */
	const char	*prefix;	/* "sha256", before the '=' */
	size_t		 len;		/* digest length in bytes */
	EVP_MAC_CTX	*tmpl;		/* digest set, no key; see hmac_ctx_new */
};

static struct hmac_hex hmac_sha256 = { "SHA256", "sha256", 32, NULL };
static struct hmac_hex hmac_sha1 = { "SHA1", "sha1", 20, NULL };

/* Prefixes we name in a "prefix names X" detail; others are "unknown". */
static const char *const known_prefixes[] = {
	"sha1", "sha224", "sha256", "sha384", "sha512", "md5"
};

static void	verify_none(const struct endpoint *, const struct header_list *,
		    const unsigned char *, size_t, time_t,
		    struct verify_result *);
static void	verify_hmac_sha256(const struct endpoint *,
		    const struct header_list *, const unsigned char *, size_t,
		    time_t, struct verify_result *);
static void	verify_hmac_sha1(const struct endpoint *,
		    const struct header_list *, const unsigned char *, size_t,
		    time_t, struct verify_result *);

static const struct verify_scheme schemes[] = {
	{ "none",	 false,	NULL,			verify_none },
	{ "hmac-sha256", true,	"x-hub-signature-256",	verify_hmac_sha256 },
	{ "hmac-sha1",	 true,	"x-hub-signature",	verify_hmac_sha1 },
};
#define NSCHEMES	(sizeof(schemes) / sizeof(schemes[0]))

static const char *const status_names[] = {
	[VERIFY_OK] = "ok",
	[VERIFY_MISSING] = "missing",
	[VERIFY_MALFORMED] = "malformed",
	[VERIFY_MISMATCH] = "mismatch",
	[VERIFY_STALE] = "stale",
	[VERIFY_ERROR] = "error"
};

static void
result_set(struct verify_result *res, enum verify_status st, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
result_set(struct verify_result *res, enum verify_status st, const char *fmt,
    ...)
{
	va_list	ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

const struct verify_scheme *
verify_scheme_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NSCHEMES; i++)
		if (strcmp(schemes[i].name, name) == 0)
			return &schemes[i];
	return NULL;
}

const char *
verify_scheme_names(void)
{
	static char	names[256];
	size_t		i, off = 0;
	int		n;

	if (names[0] != '\0')
		return names;
	for (i = 0; i < NSCHEMES && off < sizeof(names); i++) {
		n = snprintf(names + off, sizeof(names) - off, "%s%s",
		    i > 0 ? " " : "", schemes[i].name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return names;
}

const char *
verify_status_name(enum verify_status st)
{
	if ((size_t)st >= sizeof(status_names) / sizeof(status_names[0]) ||
	    status_names[st] == NULL)
		return "error";
	return status_names[st];
}

enum verify_status
verify_request(const struct endpoint *ep, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	const struct verify_scheme	*sc;

	result_set(res, VERIFY_ERROR, "%s", "");
	sc = ep->scheme;
	if (sc == NULL || sc->verify == NULL) {
		result_set(res, VERIFY_ERROR, "no signature scheme");
		return res->status;
	}
	/* A signed endpoint without a secret never accepts anything. */
	if (sc->needs_secret && ep->nsecrets == 0) {
		result_set(res, VERIFY_ERROR, "no secret configured");
		return res->status;
	}
	sc->verify(ep, headers, body, len, now, res);
	return res->status;
}

static void
verify_none(const struct endpoint *ep, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	(void)ep;
	(void)headers;
	(void)body;
	(void)len;
	(void)now;
	result_set(res, VERIFY_OK, "unsigned");
}

/*
 * The header a scheme reads: the endpoint's signature_header (already
 * normalised by conf) or the scheme's default.
 */
static const char *
signature_header_name(const struct endpoint *ep)
{
	if (ep->signature_header != NULL)
		return ep->signature_header;
	return ep->scheme->default_header;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly 2 * len hex digits of s into out.  -1 if not hex. */
static int
hex_decode(const char *s, unsigned char *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Strip an optional "<alg>=" prefix from the signature *sig.  Returns
 * 0 if there was none or it names our algorithm, else -1 with res set.
 */
static int
hmac_strip_prefix(const struct hmac_hex *h, const char **sig,
    struct verify_result *res)
{
	const char	*eq;
	size_t		 plen, i;

	eq = strchr(*sig, '=');
	if (eq == NULL)
		return 0;
	plen = (size_t)(eq - *sig);
	if (plen == strlen(h->prefix) &&
	    strncasecmp(*sig, h->prefix, plen) == 0) {
		*sig = eq + 1;
		return 0;
	}
	for (i = 0; i < sizeof(known_prefixes) / sizeof(known_prefixes[0]);
	    i++) {
		if (plen == strlen(known_prefixes[i]) &&
		    strncasecmp(*sig, known_prefixes[i], plen) == 0) {
			result_set(res, VERIFY_MALFORMED, "prefix names %s",
			    known_prefixes[i]);
			return -1;
		}
	}
	result_set(res, VERIFY_MALFORMED, "unknown signature prefix");
	return -1;
}

/*
 * Parse the header value into the expected digest.  Returns 0, or -1
 * with res set to MALFORMED.  Only lengths and fixed words reach the
 * detail, never the peer's bytes.
 */
static int
hmac_parse(const struct hmac_hex *h, const char *value, unsigned char *want,
    struct verify_result *res)
{
	const char	*sig = value;
	size_t		 n;

	while (*sig == ' ' || *sig == '\t')
		sig++;
	if (hmac_strip_prefix(h, &sig, res) == -1)
		return -1;
	n = strlen(sig);
	while (n > 0 && (sig[n - 1] == ' ' || sig[n - 1] == '\t'))
		n--;
	if (n == 0) {
		result_set(res, VERIFY_MALFORMED, "empty signature");
		return -1;
	}
	if (n != 2 * h->len) {
		result_set(res, VERIFY_MALFORMED,
		    "signature has %zu hex digits, want %zu", n, 2 * h->len);
		return -1;
	}
	if (hex_decode(sig, want, h->len) == -1) {
		result_set(res, VERIFY_MALFORMED, "signature is not hex");
		return -1;
	}
	return 0;
}

/*
 * A fresh context for HMAC with h's digest, or NULL.  The algorithm
 * and the digest are fetched once per process into a template that is
 * only ever copied: fetching costs provider lookups that would dominate
 * a small request.
 */
static EVP_MAC_CTX *
hmac_ctx_new(struct hmac_hex *h)
{
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];

	if (h->tmpl != NULL)
		return EVP_MAC_CTX_dup(h->tmpl);
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (mac == NULL)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)h->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
		goto out;
	}
	h->tmpl = ctx;
	ctx = EVP_MAC_CTX_dup(h->tmpl);
out:
	EVP_MAC_free(mac);	/* the contexts hold their own reference */
	return ctx;
}

/* HMAC of body under key into out (h->len bytes).  -1 on failure. */
static int
hmac_compute(EVP_MAC_CTX *ctx, const struct hmac_hex *h,
    const struct secret *key, const unsigned char *body, size_t len,
    unsigned char *out)
{
	size_t	outl = 0;

	if (!EVP_MAC_init(ctx, key->data, key->len, NULL))
		return -1;
	if (!EVP_MAC_update(ctx, body, len))
		return -1;
	if (!EVP_MAC_final(ctx, out, &outl, VERIFY_MAX_DIGEST))
		return -1;
	if (outl != h->len)
		return -1;
	return 0;
}

/*
 * Try every secret and remember whether any matched, without leaving
 * the loop early: the time taken must not say which secret is current.
 */
static void
hmac_match(struct hmac_hex *h, const struct endpoint *ep,
    const unsigned char *want, const unsigned char *body, size_t len,
    struct verify_result *res)
{
	EVP_MAC_CTX	*ctx = NULL;
	unsigned char	 got[VERIFY_MAX_DIGEST];
	size_t		 i;
	int		 matched = 0, failed = 0;

	ctx = hmac_ctx_new(h);
	if (ctx == NULL) {
		result_set(res, VERIFY_ERROR, "HMAC-%s unavailable", h->digest);
		goto out;
	}
	for (i = 0; i < ep->nsecrets; i++) {
		/* An empty key is a key anyone has; never let it match. */
		if (ep->secrets[i].len == 0)
			continue;
		if (hmac_compute(ctx, h, &ep->secrets[i], body, len,
		    got) == -1) {
			failed = 1;
			continue;
		}
		matched |= CRYPTO_memcmp(got, want, h->len) == 0;
	}
	if (matched)
		result_set(res, VERIFY_OK, "signature ok");
	else if (failed)
		result_set(res, VERIFY_ERROR, "HMAC-%s failed", h->digest);
	else
		result_set(res, VERIFY_MISMATCH, "no secret matches");
out:
	OPENSSL_cleanse(got, sizeof(got));
	EVP_MAC_CTX_free(ctx);
}

static void
verify_hmac_hex(struct hmac_hex *h, const struct endpoint *ep,
    const struct header_list *headers, const unsigned char *body, size_t len,
    struct verify_result *res)
{
	const char	*name, *value;
	unsigned char	 want[VERIFY_MAX_DIGEST];

	name = signature_header_name(ep);
	if (name == NULL) {
		result_set(res, VERIFY_ERROR, "no signature header");
		return;
	}
	value = header_get(headers, name);
	if (value == NULL) {
		result_set(res, VERIFY_MISSING, "no %s header", name);
		return;
	}
	if (hmac_parse(h, value, want, res) == -1)
		return;
	hmac_match(h, ep, want, body, len, res);
}

static void
verify_hmac_sha256(const struct endpoint *ep,
    const struct header_list *headers, const unsigned char *body, size_t len,
    time_t now, struct verify_result *res)
{
	(void)now;
	verify_hmac_hex(&hmac_sha256, ep, headers, body, len, res);
}

static void
verify_hmac_sha1(const struct endpoint *ep, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	(void)now;
	verify_hmac_hex(&hmac_sha1, ep, headers, body, len, res);
}
