/*
 * verify: check a request's signature by its endpoint's scheme.
 *
 * Each scheme is one entry of schemes[]: a name (as in signature_type),
 * whether it needs a secret, its default header, a verify function and
 * flags saying which configuration keys apply.  A new scheme is one more
 * function and one more row.  This file holds the HMAC family (generic
 * hmac-*, GitHub, Stripe, Slack, Standard Webhooks, Shopify) and GitLab's
 * token; verify_jwt.c holds jwt, verify_ed25519.c Discord and the
 * ed25519 half of Standard Webhooks, verify_hmac.c the HMAC rules
 * written in the configuration (hmac).
 * Promises: every comparison of a signature runs in constant time over
 * the whole digest (CRYPTO_memcmp) and tries every secret and every
 * candidate signature without stopping at the first match; nothing here
 * does I/O; no detail string contains a secret, a signature or any other
 * byte the peer chose (numbers we computed, like an age, may appear).
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "header.h"
#include "verify.h"
#include "verify_int.h"

#define WHSEC_PREFIX	"whsec_"
#define TS_MAX_DIGITS	15	/* a unix time in seconds, with room */

struct verify_mac verify_mac_sha1 = { "SHA1", 20, NULL };
struct verify_mac verify_mac_sha256 = { "SHA256", 32, NULL };
struct verify_mac verify_mac_sha384 = { "SHA384", 48, NULL };
struct verify_mac verify_mac_sha512 = { "SHA512", 64, NULL };

/* A generic HMAC-of-the-body scheme: its digest and "<alg>=" prefix. */
struct hmac_scheme {
	struct verify_mac	*mac;
	const char		*prefix;	/* "sha256", before the '=' */
};

static const struct hmac_scheme hmac_sha256 = { &verify_mac_sha256, "sha256" };
static const struct hmac_scheme hmac_sha1 = { &verify_mac_sha1, "sha1" };

/* Prefixes we name in a "prefix names X" detail; others are "unknown". */
static const char *const known_prefixes[] = {
	"sha1", "sha224", "sha256", "sha384", "sha512", "md5"
};

static verify_fn	verify_none, verify_hmac_sha256, verify_hmac_sha1,
			verify_github, verify_stripe, verify_slack,
			verify_standard_webhooks, verify_shopify, verify_gitlab;

#define NEEDS	VERIFY_NEEDS_SECRET
static const struct verify_scheme schemes[] = {
	{ "none", false, NULL, verify_none, 0 },
	{ "hmac-sha256", true, "x-hub-signature-256", verify_hmac_sha256,
	    NEEDS | VERIFY_ENCODING },
	{ "hmac-sha1", true, "x-hub-signature", verify_hmac_sha1,
	    NEEDS | VERIFY_ENCODING },
	{ "jwt", false, "authorization", verify_jwt,
	    VERIFY_JWT | VERIFY_TOKEN },
	{ "github", true, "x-hub-signature-256", verify_github, NEEDS },
	{ "stripe", true, "stripe-signature", verify_stripe,
	    NEEDS | VERIFY_TIMESTAMPED },
	{ "slack", true, "x-slack-signature", verify_slack,
	    NEEDS | VERIFY_TIMESTAMPED },
	{ "standard-webhooks", true, NULL, verify_standard_webhooks,
	    NEEDS | VERIFY_TIMESTAMPED | VERIFY_WHSEC | VERIFY_FIXED_HEADERS |
	    VERIFY_ED25519 },
	{ "shopify", true, "x-shopify-hmac-sha256", verify_shopify, NEEDS },
	{ "gitlab", true, "x-gitlab-token", verify_gitlab,
	    NEEDS | VERIFY_TOKEN },
	{ "discord", false, "x-signature-ed25519", verify_discord,
	    VERIFY_TIMESTAMPED | VERIFY_ED25519 },
	/* The signature is in the body. */
	{ "mailgun", true, NULL, verify_mailgun,
	    NEEDS | VERIFY_TIMESTAMPED | VERIFY_FIXED_HEADERS },
	{ "hmac", true, NULL, verify_hmac,
	    NEEDS | VERIFY_ENCODING | VERIFY_TIMESTAMPED | VERIFY_HMAC_RULE |
	    VERIFY_FULL_URL },
	/* Presets: rules hmac can write, filled in at load. */
	{ "zoom", true, "x-zm-signature", verify_hmac,
	    NEEDS | VERIFY_TIMESTAMPED | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "twitch", true, "twitch-eventsub-message-signature", verify_hmac,
	    NEEDS | VERIFY_TIMESTAMPED | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "paddle", true, "paddle-signature", verify_hmac,
	    NEEDS | VERIFY_TIMESTAMPED | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "linear", true, "linear-signature", verify_hmac,
	    NEEDS | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "pagerduty", true, "x-pagerduty-signature", verify_hmac,
	    NEEDS | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "sentry", true, "sentry-hook-signature", verify_hmac,
	    NEEDS | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "typeform", true, "typeform-signature", verify_hmac,
	    NEEDS | VERIFY_FIXED_HEADERS | VERIFY_PRESET },
	{ "hubspot", true, "x-hubspot-signature-v3", verify_hmac,
	    NEEDS | VERIFY_TIMESTAMPED | VERIFY_FIXED_HEADERS | VERIFY_PRESET |
	    VERIFY_FULL_URL },
	{ "square", true, "x-square-hmacsha256-signature", verify_hmac,
	    NEEDS | VERIFY_FIXED_HEADERS | VERIFY_PRESET | VERIFY_FULL_URL },
	{ "twilio", true, "x-twilio-signature", verify_hmac,
	    NEEDS | VERIFY_FIXED_HEADERS | VERIFY_PRESET | VERIFY_FULL_URL },
};
#undef NEEDS
#define NSCHEMES	(sizeof(schemes) / sizeof(schemes[0]))

static const char *const status_names[] = {
	[VERIFY_OK] = "ok",
	[VERIFY_MISSING] = "missing",
	[VERIFY_MALFORMED] = "malformed",
	[VERIFY_MISMATCH] = "mismatch",
	[VERIFY_STALE] = "stale",
	[VERIFY_ERROR] = "error"
};

void
verify_result_set(struct verify_result *res, enum verify_status st,
    const char *fmt, ...)
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
	static char	names[512];
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

/*
 * Whether vc has what its scheme checks with: a secret, or for the
 * ed25519 schemes a public key (standard-webhooks takes either).
 */
static bool
has_key(const struct verify_conf *vc)
{
	const struct verify_scheme	*sc = vc->scheme;

	if ((sc->flags & VERIFY_ED25519) != 0 && vc->npublic_keys > 0)
		return true;
	if (sc->needs_secret)
		return vc->nsecrets > 0;
	return (sc->flags & VERIFY_ED25519) == 0;
}

enum verify_status
verify_request(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	return verify_request_http(vc, NULL, headers, body, len, now, res);
}

enum verify_status
verify_request_http(const struct verify_conf *vc, const struct verify_http *http,
    const struct header_list *headers, const unsigned char *body, size_t len,
    time_t now, struct verify_result *res)
{
	const struct verify_scheme	*sc;

	res->claims = NULL;
	verify_result_set(res, VERIFY_ERROR, "%s", "");
	sc = vc->scheme;
	if (sc == NULL || sc->verify == NULL) {
		verify_result_set(res, VERIFY_ERROR, "no signature scheme");
		return res->status;
	}
	/* A signed endpoint without a key never accepts anything. */
	if (!has_key(vc)) {
		verify_result_set(res, VERIFY_ERROR, "no %s configured",
		    (sc->flags & VERIFY_ED25519) == 0 ? "secret" :
		    sc->needs_secret ? "secret or public key" : "public key");
		return res->status;
	}
	if ((sc->flags & (VERIFY_HMAC_RULE | VERIFY_PRESET)) != 0)
		verify_hmac_http(vc, http, headers, body, len, now, res);
	else
		sc->verify(vc, headers, body, len, now, res);
	/* Claims belong to a verified request only. */
	if (res->status != VERIFY_OK)
		verify_result_clear(res);
	return res->status;
}

void
verify_result_clear(struct verify_result *res)
{
	json_decref(res->claims);
	res->claims = NULL;
}

static void
verify_none(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	(void)vc;
	(void)headers;
	(void)body;
	(void)len;
	(void)now;
	verify_result_set(res, VERIFY_OK, "unsigned");
}

/*
 * The header a scheme reads: the endpoint's signature_header (already
 * normalised by conf) or the scheme's default.
 */
const char *
verify_header_name(const struct verify_conf *vc)
{
	if (vc->signature_header != NULL)
		return vc->signature_header;
	return vc->scheme->default_header;
}

/* The value of header name, or NULL with res set to MISSING. */
const char *
verify_header_need(const struct header_list *headers, const char *name,
    struct verify_result *res)
{
	const char	*value;

	value = header_get(headers, name);
	if (value == NULL)
		verify_result_set(res, VERIFY_MISSING, "no %s header", name);
	return value;
}

/* ---- encodings ---- */

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
int
verify_hex_decode(const char *s, unsigned char *out, size_t len)
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

static bool
b64_char(unsigned char c, bool url)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return true;
	if (url)
		return c == '-' || c == '_';
	return c == '+' || c == '/';
}

/*
 * OpenSSL's EVP_DecodeBlock does the decoding; around it we handle its
 * quirks: it wants a multiple of 4 characters (so missing padding is
 * added here), counts padding as zero bytes in its result (so that is
 * subtracted), skips white space and knows only the standard alphabet
 * (so the input is checked and translated first).
 */
int
verify_base64_decode(const char *s, size_t n, bool url, unsigned char *out,
    size_t cap, size_t *outlen)
{
	unsigned char	*buf = NULL, *dec;
	size_t		 i, pad = 0, full;
	int		 got, rc = -1;

	while (pad < 2 && n > 0 && s[n - 1] == '=') {
		n--;
		pad++;
	}
	if (n == 0 || n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return -1;
	full = (n + 3) / 4 * 4;
	pad = full - n;
	if (full / 4 * 3 - pad > cap)
		return -1;
	buf = malloc(full + 1 + full / 4 * 3 + 1);
	if (buf == NULL)
		return -1;
	dec = buf + full + 1;
	for (i = 0; i < n; i++) {
		if (!b64_char((unsigned char)s[i], url))
			goto out;
		buf[i] = (unsigned char)s[i];
		if (buf[i] == '-')
			buf[i] = '+';
		else if (buf[i] == '_')
			buf[i] = '/';
	}
	memset(buf + n, '=', pad);
	buf[full] = '\0';
	got = EVP_DecodeBlock(dec, buf, (int)full);
	if (got < 0 || (size_t)got != full / 4 * 3)
		goto out;
	*outlen = (size_t)got - pad;
	memcpy(out, dec, *outlen);
	rc = 0;
out:
	OPENSSL_cleanse(buf, full + 1 + full / 4 * 3 + 1);
	free(buf);
	return rc;
}

int
verify_whsec_decode(const unsigned char *s, size_t n, unsigned char **out,
    size_t *outlen)
{
	const size_t	 plen = sizeof(WHSEC_PREFIX) - 1;
	unsigned char	*buf = NULL;
	size_t		 len = 0;

	if (n >= plen && memcmp(s, WHSEC_PREFIX, plen) == 0) {
		s += plen;
		n -= plen;
	}
	buf = malloc(n + 1);
	if (buf == NULL)
		return -1;
	if (verify_base64_decode((const char *)s, n, false, buf, n, &len) ==
	    -1 || len == 0) {
		OPENSSL_cleanse(buf, n + 1);
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* ---- HMAC over every secret ---- */

/*
 * A fresh context for HMAC with m's digest, or NULL.  The algorithm
 * and the digest are fetched once per process into a template that is
 * only ever copied: fetching costs provider lookups that would dominate
 * a small request.
 */
static EVP_MAC_CTX *
mac_ctx_new(struct verify_mac *m)
{
	EVP_MAC		*mac = NULL;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];

	if (m->tmpl != NULL)
		return EVP_MAC_CTX_dup(m->tmpl);
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (mac == NULL)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)m->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
		goto out;
	}
	m->tmpl = ctx;
	ctx = EVP_MAC_CTX_dup(m->tmpl);
out:
	EVP_MAC_free(mac);	/* the contexts hold their own reference */
	return ctx;
}

/* HMAC of the chunks under key into out (m->len bytes).  -1 on failure. */
static int
mac_compute(EVP_MAC_CTX *ctx, const struct verify_mac *m,
    const struct secret *key, const struct verify_chunk *msg, size_t nmsg,
    unsigned char *out)
{
	size_t	outl = 0, i;

	if (!EVP_MAC_init(ctx, key->data, key->len, NULL))
		return -1;
	for (i = 0; i < nmsg; i++) {
		if (!EVP_MAC_update(ctx, msg[i].p, msg[i].n))
			return -1;
	}
	if (!EVP_MAC_final(ctx, out, &outl, VERIFY_MAX_DIGEST))
		return -1;
	if (outl != m->len)
		return -1;
	return 0;
}

/*
 * Try every secret against every candidate and remember whether any
 * matched, without leaving a loop early: the time taken must not say
 * which secret is current or which candidate was right.
 */
void
verify_mac_match(struct verify_mac *m, const struct verify_conf *vc,
    const struct verify_chunk *msg, size_t nmsg,
    const struct verify_sigs *want, struct verify_result *res)
{
	EVP_MAC_CTX	*ctx = NULL;
	unsigned char	 got[VERIFY_MAX_DIGEST];
	size_t		 i, j;
	int		 matched = 0, failed = 0;

	ctx = mac_ctx_new(m);
	if (ctx == NULL) {
		verify_result_set(res, VERIFY_ERROR, "HMAC-%s unavailable",
		    m->digest);
		goto out;
	}
	for (i = 0; i < vc->nsecrets; i++) {
		/* An empty key is a key anyone has; never let it match. */
		if (vc->secrets[i].len == 0)
			continue;
		if (mac_compute(ctx, m, &vc->secrets[i], msg, nmsg,
		    got) == -1) {
			failed = 1;
			continue;
		}
		for (j = 0; j < want->n; j++)
			matched |= CRYPTO_memcmp(got, want->v[j], m->len) == 0;
	}
	if (matched)
		verify_result_set(res, VERIFY_OK, "signature ok");
	else if (failed)
		verify_result_set(res, VERIFY_ERROR, "HMAC-%s failed",
		    m->digest);
	else
		verify_result_set(res, VERIFY_MISMATCH, "no secret matches");
out:
	OPENSSL_cleanse(got, sizeof(got));
	EVP_MAC_CTX_free(ctx);
}

/* HMAC of the body alone against one decoded signature. */
static void
mac_match_body(struct verify_mac *m, const struct verify_conf *vc,
    const unsigned char *body, size_t len, const struct verify_sigs *want,
    struct verify_result *res)
{
	struct verify_chunk	msg = { body, len };

	verify_mac_match(m, vc, &msg, 1, want, res);
}

/* ---- timestamps ---- */

/* A decimal unix time of s[0..n); -1 if it is not one. */
int
verify_ts_parse(const char *s, size_t n, long long *ts)
{
	size_t	i;

	if (n == 0 || n > TS_MAX_DIGITS)
		return -1;
	*ts = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*ts = *ts * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * A verified request whose timestamp is more than timestamp_tolerance
 * away from now, either way, is a replay (or a wrong clock): STALE.
 */
void
verify_ts_window(const struct verify_conf *vc, long long ts, time_t now,
    struct verify_result *res)
{
	long long	age = (long long)now - ts;

	if (res->status != VERIFY_OK)
		return;
	if (age > vc->timestamp_tolerance)
		verify_result_set(res, VERIFY_STALE, "timestamp %lld s old, "
		    "tolerance %ld s", age, vc->timestamp_tolerance);
	else if (-age > vc->timestamp_tolerance)
		verify_result_set(res, VERIFY_STALE, "timestamp %lld s in the "
		    "future, tolerance %ld s", -age, vc->timestamp_tolerance);
}

/* The timestamp header name: its value, parsed, or -1 with res set. */
int
verify_ts_header(const struct header_list *headers, const char *name,
    const char **raw, long long *ts, struct verify_result *res)
{
	*raw = verify_header_need(headers, name, res);
	if (*raw == NULL)
		return -1;
	if (verify_ts_parse(*raw, strlen(*raw), ts) == -1) {
		verify_result_set(res, VERIFY_MALFORMED, "%s is not a unix "
		    "time", name);
		return -1;
	}
	return 0;
}

/* ---- generic HMAC of the body, hex or base64 ---- */

/*
 * Strip an optional "<alg>=" prefix from the signature *sig.  Returns
 * 0 if there was none or it names our algorithm, else -1 with res set.
 * A base64 signature has '=' only as padding, so there a word that is
 * not an algorithm's name is no prefix at all.
 */
static int
hmac_strip_prefix(const char *prefix, bool base64, const char **sig,
    struct verify_result *res)
{
	const char	*eq;
	size_t		 plen, i;

	eq = strchr(*sig, '=');
	if (eq == NULL)
		return 0;
	plen = (size_t)(eq - *sig);
	if (plen == strlen(prefix) && strncasecmp(*sig, prefix, plen) == 0) {
		*sig = eq + 1;
		return 0;
	}
	for (i = 0; i < sizeof(known_prefixes) / sizeof(known_prefixes[0]);
	    i++) {
		if (plen == strlen(known_prefixes[i]) &&
		    strncasecmp(*sig, known_prefixes[i], plen) == 0) {
			verify_result_set(res, VERIFY_MALFORMED,
			    "prefix names %s", known_prefixes[i]);
			return -1;
		}
	}
	if (base64)
		return 0;
	verify_result_set(res, VERIFY_MALFORMED, "unknown signature prefix");
	return -1;
}

/* Decode one hex or base64 signature of exactly want bytes. */
int
verify_sig_decode(size_t want, enum verify_encoding enc, const char *sig,
    size_t n, unsigned char *out, struct verify_result *res)
{
	size_t	got = 0;

	if (n == 0) {
		verify_result_set(res, VERIFY_MALFORMED, "empty signature");
		return -1;
	}
	if (enc == VERIFY_BASE64 || enc == VERIFY_BASE64URL) {
		if (verify_base64_decode(sig, n, enc == VERIFY_BASE64URL, out,
		    VERIFY_MAX_DIGEST, &got) == -1) {
			verify_result_set(res, VERIFY_MALFORMED,
			    "signature is not base64");
			return -1;
		}
		if (got != want) {
			verify_result_set(res, VERIFY_MALFORMED, "signature "
			    "has %zu bytes, want %zu", got, want);
			return -1;
		}
		return 0;
	}
	if (n != 2 * want) {
		verify_result_set(res, VERIFY_MALFORMED,
		    "signature has %zu hex digits, want %zu", n, 2 * want);
		return -1;
	}
	if (verify_hex_decode(sig, out, want) == -1) {
		verify_result_set(res, VERIFY_MALFORMED, "signature is not hex");
		return -1;
	}
	return 0;
}

/*
 * Parse the header value into the expected digest.  Returns 0, or -1
 * with res set to MALFORMED.  Only lengths and fixed words reach the
 * detail, never the peer's bytes.
 */
static int
hmac_parse(const struct hmac_scheme *h, enum verify_encoding enc,
    const char *value, unsigned char *want, struct verify_result *res)
{
	const char	*sig = value;
	size_t		 n;

	while (*sig == ' ' || *sig == '\t')
		sig++;
	if (h->prefix != NULL &&
	    hmac_strip_prefix(h->prefix, enc != VERIFY_HEX, &sig, res) == -1)
		return -1;
	n = strlen(sig);
	while (n > 0 && (sig[n - 1] == ' ' || sig[n - 1] == '\t'))
		n--;
	return verify_sig_decode(h->mac->len, enc, sig, n, want, res);
}

/* The body's HMAC in header name, hex or base64.  */
static void
hmac_body(const struct hmac_scheme *h, enum verify_encoding enc,
    const struct verify_conf *vc, const char *name,
    const struct header_list *headers, const unsigned char *body, size_t len,
    struct verify_result *res)
{
	struct verify_sigs	 want;
	const char		*value;

	if (name == NULL) {
		verify_result_set(res, VERIFY_ERROR, "no signature header");
		return;
	}
	value = verify_header_need(headers, name, res);
	if (value == NULL)
		return;
	want.n = 1;
	if (hmac_parse(h, enc, value, want.v[0], res) == -1)
		return;
	mac_match_body(h->mac, vc, body, len, &want, res);
}

static void
verify_hmac_sha256(const struct verify_conf *vc,
    const struct header_list *headers, const unsigned char *body, size_t len,
    time_t now, struct verify_result *res)
{
	(void)now;
	hmac_body(&hmac_sha256, (enum verify_encoding)vc->signature_encoding,
	    vc, verify_header_name(vc), headers, body, len, res);
}

static void
verify_hmac_sha1(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	(void)now;
	hmac_body(&hmac_sha1, (enum verify_encoding)vc->signature_encoding,
	    vc, verify_header_name(vc), headers, body, len, res);
}

/* ---- providers ---- */

/*
 * GitHub: X-Hub-Signature-256: sha256=<hex>; a sender that only sends
 * the legacy X-Hub-Signature: sha1=<hex> is checked by that instead.
 * A present but wrong SHA-256 signature never falls back to SHA-1.
 */
static void
verify_github(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	const char	*name = verify_header_name(vc);

	(void)now;
	if (header_get(headers, name) == NULL &&
	    header_get(headers, "x-hub-signature") != NULL) {
		hmac_body(&hmac_sha1, VERIFY_HEX, vc, "x-hub-signature",
		    headers, body, len, res);
		return;
	}
	hmac_body(&hmac_sha256, VERIFY_HEX, vc, name, headers, body, len, res);
}

/* Shopify: X-Shopify-Hmac-Sha256: <base64 of HMAC-SHA256(body)>. */
static void
verify_shopify(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	static const struct hmac_scheme	bare = { &verify_mac_sha256, NULL };

	(void)now;
	hmac_body(&bare, VERIFY_BASE64, vc, verify_header_name(vc), headers,
	    body, len, res);
}

/* Stripe's header, parsed: the timestamp and the v1 signatures. */
struct stripe_sig {
	const char		*t;		/* into the header */
	size_t			 tlen;
	long long		 ts;
	struct verify_sigs	 sigs;
	size_t			 bad;		/* v1 that were not 64 hex */
};

/* One "key=value" element of a Stripe-Signature header. */
static int
stripe_element(struct stripe_sig *ss, const char *e, size_t n,
    struct verify_result *res)
{
	if (n >= 2 && e[0] == 't' && e[1] == '=') {
		if (ss->t != NULL) {
			verify_result_set(res, VERIFY_MALFORMED,
			    "more than one t=");
			return -1;
		}
		ss->t = e + 2;
		ss->tlen = n - 2;
		if (verify_ts_parse(ss->t, ss->tlen, &ss->ts) == -1) {
			verify_result_set(res, VERIFY_MALFORMED,
			    "t= is not a unix time");
			return -1;
		}
		return 0;
	}
	if (n < 3 || memcmp(e, "v1=", 3) != 0)
		return 0;		/* v0= and future schemes */
	if (ss->sigs.n == VERIFY_MAX_SIGS) {
		verify_result_set(res, VERIFY_MALFORMED, "more than %d v1 "
		    "signatures", VERIFY_MAX_SIGS);
		return -1;
	}
	if (n - 3 != 64 || verify_hex_decode(e + 3, ss->sigs.v[ss->sigs.n], 32) == -1)
		ss->bad++;
	else
		ss->sigs.n++;
	return 0;
}

static int
stripe_parse(const char *value, struct stripe_sig *ss,
    struct verify_result *res)
{
	const char	*s = value;
	size_t		 n;

	memset(ss, 0, sizeof(*ss));
	for (;;) {
		s += strspn(s, " \t");
		n = strcspn(s, ",");
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (stripe_element(ss, s, n, res) == -1)
			return -1;
		s += strcspn(s, ",");
		if (*s == '\0')
			break;
		s++;
	}
	if (ss->t == NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "no t= timestamp");
		return -1;
	}
	if (ss->sigs.n == 0) {
		verify_result_set(res, VERIFY_MALFORMED, ss->bad > 0 ?
		    "v1 is not 64 hex digits" : "no v1 signature");
		return -1;
	}
	return 0;
}

/* Stripe: Stripe-Signature: t=<ts>,v1=<hex>[,v1=...] over "<t>.<body>". */
static void
verify_stripe(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	struct stripe_sig	 ss;
	struct verify_chunk	 msg[3];
	const char		*value;

	value = verify_header_need(headers, verify_header_name(vc), res);
	if (value == NULL || stripe_parse(value, &ss, res) == -1)
		return;
	msg[0] = (struct verify_chunk){ ss.t, ss.tlen };
	msg[1] = (struct verify_chunk){ ".", 1 };
	msg[2] = (struct verify_chunk){ body, len };
	verify_mac_match(&verify_mac_sha256, vc, msg, 3, &ss.sigs, res);
	verify_ts_window(vc, ss.ts, now, res);
}

/*
 * Slack: X-Slack-Signature: v0=<hex> of "v0:<ts>:<body>", the timestamp
 * in X-Slack-Request-Timestamp.
 */
static void
verify_slack(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	struct verify_sigs	 want;
	struct verify_chunk	 msg[4];
	const char		*value, *raw = NULL;
	long long		 ts = 0;
	size_t			 n;

	value = verify_header_need(headers, verify_header_name(vc), res);
	if (value == NULL)
		return;
	if (verify_ts_header(headers, "x-slack-request-timestamp", &raw, &ts,
	    res) == -1)
		return;
	value += strspn(value, " \t");
	if (strncmp(value, "v0=", 3) != 0) {
		verify_result_set(res, VERIFY_MALFORMED, "signature does not "
		    "start with v0=");
		return;
	}
	value += 3;
	n = strcspn(value, " \t");
	want.n = 1;
	if (verify_sig_decode(verify_mac_sha256.len, VERIFY_HEX, value, n,
	    want.v[0], res) == -1)
		return;
	msg[0] = (struct verify_chunk){ "v0:", 3 };
	msg[1] = (struct verify_chunk){ raw, strlen(raw) };
	msg[2] = (struct verify_chunk){ ":", 1 };
	msg[3] = (struct verify_chunk){ body, len };
	verify_mac_match(&verify_mac_sha256, vc, msg, 4, &want, res);
	verify_ts_window(vc, ts, now, res);
}

/* The entries of a webhook-signature header that the endpoint can check. */
struct swh_sigs {
	struct verify_sigs	v1;	/* HMAC-SHA256, under a whsec_ secret */
	struct verify_sigs	v1a;	/* ed25519, under a whpk_ key */
	size_t			other;	/* other versions, or no key for them */
};

/* One "<version>,<base64>" entry of want bytes into sigs. */
static int
swh_entry(const char *b64, size_t n, size_t want, const char *version,
    struct verify_sigs *sigs, struct verify_result *res)
{
	size_t	got = 0;

	if (sigs->n == VERIFY_MAX_SIGS) {
		verify_result_set(res, VERIFY_MALFORMED, "more than %d %s "
		    "signatures", VERIFY_MAX_SIGS, version);
		return -1;
	}
	if (verify_base64_decode(b64, n, false, sigs->v[sigs->n],
	    VERIFY_MAX_DIGEST, &got) == -1 || got != want) {
		verify_result_set(res, VERIFY_MALFORMED, "a %s signature is "
		    "not %zu bytes of base64", version, want);
		return -1;
	}
	sigs->n++;
	return 0;
}

/*
 * Sort the space-separated entries: v1 if the endpoint has secrets,
 * v1a if it has public keys; any other is skipped.
 */
static int
swh_sigs(const struct verify_conf *vc, const char *value, struct swh_sigs *ss,
    struct verify_result *res)
{
	const char	*s = value;
	size_t		 n;
	int		 rc = 0;

	memset(ss, 0, sizeof(*ss));
	for (;;) {
		s += strspn(s, " ");
		if (*s == '\0')
			break;
		n = strcspn(s, " ");
		if (n >= 3 && memcmp(s, "v1,", 3) == 0 && vc->nsecrets > 0)
			rc = swh_entry(s + 3, n - 3, 32, "v1", &ss->v1, res);
		else if (n >= 4 && memcmp(s, "v1a,", 4) == 0 &&
		    vc->npublic_keys > 0)
			rc = swh_entry(s + 4, n - 4, VERIFY_ED25519_SIG, "v1a",
			    &ss->v1a, res);
		else
			ss->other++;
		if (rc == -1)
			return -1;
		s += n;
	}
	if (ss->v1.n + ss->v1a.n == 0) {
		verify_result_set(res, ss->other > 0 ? VERIFY_MISMATCH :
		    VERIFY_MALFORMED, ss->other == 0 ? "empty signature list" :
		    vc->npublic_keys == 0 ? "no v1 signature" :
		    vc->nsecrets == 0 ? "no v1a signature" :
		    "no v1 or v1a signature");
		return -1;
	}
	return 0;
}

/* HMAC of the v1 and ed25519 of the v1a entries: any one may match. */
static void
swh_match(const struct verify_conf *vc, const struct verify_chunk *msg,
    size_t nmsg, const struct swh_sigs *ss, struct verify_result *res)
{
	struct verify_result	ed = { .claims = NULL };

	if (ss->v1.n > 0)
		verify_mac_match(&verify_mac_sha256, vc, msg, nmsg, &ss->v1,
		    res);
	if (ss->v1a.n == 0)
		return;
	verify_ed25519_match(vc, msg, nmsg, &ss->v1a, &ed);
	if (ss->v1.n == 0 || ed.status == VERIFY_OK ||
	    (res->status == VERIFY_MISMATCH && ed.status == VERIFY_ERROR))
		*res = ed;
}

/*
 * Standard Webhooks (and Svix, its origin): webhook-id, -timestamp and
 * -signature, or the same three with svix- in front, never mixed.  The
 * signed content is "<id>.<timestamp>.<body>": v1 entries are its
 * HMAC-SHA256 under a secret, decoded from whsec_<base64> at load time;
 * v1a entries its ed25519 signature, checked with the whpk_ public keys.
 */
static void
verify_standard_webhooks(const struct verify_conf *vc,
    const struct header_list *headers, const unsigned char *body, size_t len,
    time_t now, struct verify_result *res)
{
	static const char *const names[2][3] = {
		{ "webhook-id", "webhook-timestamp", "webhook-signature" },
		{ "svix-id", "svix-timestamp", "svix-signature" }
	};
	struct swh_sigs		 ss;
	struct verify_chunk	 msg[5];
	const char		*id, *sig, *raw = NULL;
	long long		 ts = 0;
	size_t			 set;

	set = header_get(headers, names[0][2]) == NULL &&
	    header_get(headers, names[1][2]) != NULL ? 1 : 0;
	id = verify_header_need(headers, names[set][0], res);
	if (id == NULL ||
	    verify_ts_header(headers, names[set][1], &raw, &ts, res) == -1)
		return;
	sig = verify_header_need(headers, names[set][2], res);
	if (sig == NULL || swh_sigs(vc, sig, &ss, res) == -1)
		return;
	msg[0] = (struct verify_chunk){ id, strlen(id) };
	msg[1] = (struct verify_chunk){ ".", 1 };
	msg[2] = (struct verify_chunk){ raw, strlen(raw) };
	msg[3] = (struct verify_chunk){ ".", 1 };
	msg[4] = (struct verify_chunk){ body, len };
	swh_match(vc, msg, 5, &ss, res);
	verify_ts_window(vc, ts, now, res);
}

/*
 * SHA-256 of data into out; the digest is fetched once per process.
 * -1 on failure.
 */
static int
sha256(const void *data, size_t len, unsigned char out[32])
{
	static EVP_MD	*md;
	unsigned int	 outl = 0;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (md == NULL || !EVP_Digest(data, len, out, &outl, md, NULL) ||
	    outl != 32)
		return -1;
	return 0;
}

/*
 * GitLab: X-Gitlab-Token holds the secret itself.  The token and each
 * secret are compared by their SHA-256, so the compare takes the same
 * time whatever their lengths and wherever they first differ.
 */
static void
verify_gitlab(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	unsigned char	 want[32], got[32];
	const char	*token;
	size_t		 i;
	int		 matched = 0, failed = 0;

	(void)body;
	(void)len;
	(void)now;
	token = verify_header_need(headers, verify_header_name(vc), res);
	if (token == NULL)
		return;
	if (token[0] == '\0') {
		verify_result_set(res, VERIFY_MALFORMED, "empty token");
		return;
	}
	if (sha256(token, strlen(token), want) == -1) {
		verify_result_set(res, VERIFY_ERROR, "SHA-256 unavailable");
		return;
	}
	for (i = 0; i < vc->nsecrets; i++) {
		if (vc->secrets[i].len == 0)
			continue;
		if (sha256(vc->secrets[i].data, vc->secrets[i].len, got) == -1)
			failed = 1;
		else
			matched |= CRYPTO_memcmp(got, want, 32) == 0;
	}
	OPENSSL_cleanse(got, sizeof(got));
	if (matched)
		verify_result_set(res, VERIFY_OK, "token ok");
	else if (failed)
		verify_result_set(res, VERIFY_ERROR, "SHA-256 failed");
	else
		verify_result_set(res, VERIFY_MISMATCH, "no secret matches");
}
