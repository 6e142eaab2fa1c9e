/*
 * verify_jwt: signature_type jwt.  A compact JWS (RFC 7515) in the
 * Authorization header (or signature_header), "Bearer " optional, whose
 * algorithm must be the endpoint's jwt_algorithm; then the claims
 * (RFC 7519): exp and nbf against now with jwt_leeway, iss and aud when
 * configured.  The verified claims are handed back for the event record.
 *
 * Why not libjwt's jwt_decode() (1.10): it re-parses the PEM key on
 * every call (about 3,000 RS256 verifications/s against 20,000 wanted),
 * it takes one key where rotation needs several secrets (so it would
 * parse the token once per secret), it trusts the token's own "alg"
 * unless the caller checks jwt_get_alg() afterwards (alg none, and an
 * HS256 token keyed with the RSA public key's PEM), it has no exp/nbf
 * checks with a leeway and a given clock, and it says only EINVAL.  So
 * the signature is checked here with OpenSSL against the EVP_PKEY parsed
 * once at load (conf.c), the JSON is read with jansson, and libjwt
 * stays what it is good at: building tokens, in the tests and the bench.
 * Promises: the token and its parts never reach a detail string; every
 * secret is tried (rotation) in constant time; claims only on VERIFY_OK.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "header.h"
#include "verify.h"
#include "verify_int.h"

#define JWT_MAX_TOKEN	8192	/* longer is refused before any work */
#define JWT_MAX_SIG	512	/* RSA-4096 */

static const struct verify_jwt_alg jwt_algs[] = {
	{ "HS256", VERIFY_JWT_HMAC, "SHA256", 32, NULL },
	{ "HS384", VERIFY_JWT_HMAC, "SHA384", 48, NULL },
	{ "HS512", VERIFY_JWT_HMAC, "SHA512", 64, NULL },
	{ "RS256", VERIFY_JWT_RSA, "SHA256", 0, NULL },
	{ "RS384", VERIFY_JWT_RSA, "SHA384", 0, NULL },
	{ "RS512", VERIFY_JWT_RSA, "SHA512", 0, NULL },
	{ "ES256", VERIFY_JWT_EC, "SHA256", 32, "prime256v1" },
	{ "ES384", VERIFY_JWT_EC, "SHA384", 48, "secp384r1" },
};
#define NALGS	(sizeof(jwt_algs) / sizeof(jwt_algs[0]))

/* A token split at its dots; pointers into the header value. */
struct jwt_parts {
	const char	*signed_part;	/* "<header>.<payload>" */
	size_t		 signed_len;
	const char	*head, *payload, *sig;
	size_t		 head_len, payload_len, sig_len;
};

const struct verify_jwt_alg *
verify_jwt_alg_find(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < NALGS; i++)
		if (strcmp(jwt_algs[i].name, name) == 0)
			return &jwt_algs[i];
	return NULL;
}

const char *
verify_jwt_alg_names(void)
{
	return "HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384";
}

const char *
verify_jwt_key_check(const struct verify_jwt_alg *alg, EVP_PKEY *pkey,
    char *buf, size_t len)
{
	char	group[64];

	if (alg->kind == VERIFY_JWT_HMAC) {
		snprintf(buf, len, "%s takes a secret, not a public key",
		    alg->name);
		return buf;
	}
	if (alg->kind == VERIFY_JWT_RSA) {
		if (!EVP_PKEY_is_a(pkey, "RSA")) {
			snprintf(buf, len, "an %s key cannot verify %s",
			    EVP_PKEY_get0_type_name(pkey), alg->name);
			return buf;
		}
		if (EVP_PKEY_get_bits(pkey) < 2048) {
			snprintf(buf, len, "an RSA key of %d bits is too small "
			    "(at least 2048)", EVP_PKEY_get_bits(pkey));
			return buf;
		}
		return NULL;
	}
	if (!EVP_PKEY_is_a(pkey, "EC")) {
		snprintf(buf, len, "an %s key cannot verify %s",
		    EVP_PKEY_get0_type_name(pkey), alg->name);
		return buf;
	}
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) || strcmp(group, alg->group) != 0) {
		snprintf(buf, len, "an EC key on curve %s cannot verify %s "
		    "(needs %s)", group, alg->name, alg->group);
		return buf;
	}
	return NULL;
}

/* ---- the token ---- */

/* "Bearer <token>" or "<token>", trimmed; NULL with res set if bad. */
static const char *
jwt_token(const char *value, size_t *len, struct verify_result *res)
{
	size_t	n;

	value += strspn(value, " \t");
	if (strncasecmp(value, "bearer", 6) == 0 &&
	    (value[6] == ' ' || value[6] == '\t'))
		value += 6 + strspn(value + 6, " \t");
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (n == 0) {
		verify_result_set(res, VERIFY_MALFORMED, "empty token");
		return NULL;
	}
	if (n > JWT_MAX_TOKEN) {
		verify_result_set(res, VERIFY_MALFORMED, "token longer than "
		    "%d bytes", JWT_MAX_TOKEN);
		return NULL;
	}
	*len = n;
	return value;
}

/*
 * Split at exactly two dots.  An empty signature (what alg none sends)
 * is left for the header check to name.
 */
static int
jwt_split(const char *tok, size_t n, struct jwt_parts *p,
    struct verify_result *res)
{
	const char	*d1, *d2;

	d1 = memchr(tok, '.', n);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok)) :
	    NULL;
	if (d1 == NULL || d2 == NULL ||
	    memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok)) != NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "not a JWT (want "
		    "three dot-separated parts)");
		return -1;
	}
	p->head = tok;
	p->head_len = (size_t)(d1 - tok);
	p->payload = d1 + 1;
	p->payload_len = (size_t)(d2 - p->payload);
	p->sig = d2 + 1;
	p->sig_len = n - (size_t)(p->sig - tok);
	p->signed_part = tok;
	p->signed_len = (size_t)(d2 - tok);
	if (p->head_len == 0 || p->payload_len == 0) {
		verify_result_set(res, VERIFY_MALFORMED, "JWT has an empty "
		    "part");
		return -1;
	}
	return 0;
}

/* base64url (no padding, RFC 7515) JSON object, or NULL. */
static json_t *
jwt_json(const char *s, size_t n)
{
	unsigned char	*buf = NULL;
	json_t		*j = NULL;
	size_t		 len = 0;

	if (memchr(s, '=', n) != NULL)
		return NULL;
	buf = malloc(n);
	if (buf == NULL)
		return NULL;
	if (verify_base64_decode(s, n, true, buf, n, &len) == 0)
		j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
		    NULL);
	free(buf);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/*
 * The JOSE header must name exactly the pinned algorithm.  Only names
 * we know reach the detail; anything else is "another algorithm".
 */
static int
jwt_check_header(const struct verify_jwt_alg *alg, const struct jwt_parts *p,
    struct verify_result *res)
{
	json_t		*h = NULL;
	const char	*name;
	int		 rc = -1;

	h = jwt_json(p->head, p->head_len);
	if (h == NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "JWT header is not "
		    "base64url JSON");
		goto out;
	}
	name = json_string_value(json_object_get(h, "alg"));
	if (name == NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "JWT header has no "
		    "alg");
		goto out;
	}
	if (strcasecmp(name, "none") == 0) {
		verify_result_set(res, VERIFY_MISMATCH, "alg none refused");
		goto out;
	}
	if (strcmp(name, alg->name) != 0) {
		verify_result_set(res, VERIFY_MISMATCH, "alg %s is not the "
		    "pinned %s", verify_jwt_alg_find(name) != NULL ? name :
		    "(other)", alg->name);
		goto out;
	}
	/* RFC 7515 4.1.11: extensions we do not understand must fail. */
	if (json_object_get(h, "crit") != NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "crit header not "
		    "supported");
		goto out;
	}
	rc = 0;
out:
	json_decref(h);
	return rc;
}

/* ---- the signature ---- */

static struct verify_mac *
jwt_mac(const struct verify_jwt_alg *alg)
{
	if (alg->size == 48)
		return &verify_mac_sha384;
	if (alg->size == 64)
		return &verify_mac_sha512;
	return &verify_mac_sha256;
}

static void
jwt_verify_hmac(const struct verify_jwt_alg *alg, const struct verify_conf *vc,
    const struct jwt_parts *p, const unsigned char *sig, size_t sig_len,
    struct verify_result *res)
{
	struct verify_sigs	sigs;
	struct verify_chunk	msg = { p->signed_part, p->signed_len };

	if (vc->nsecrets == 0) {
		verify_result_set(res, VERIFY_ERROR, "no secret configured");
		return;
	}
	if (sig_len != alg->size) {
		verify_result_set(res, VERIFY_MALFORMED, "%s signature is %zu "
		    "bytes, want %zu", alg->name, sig_len, alg->size);
		return;
	}
	memcpy(sigs.v[0], sig, sig_len);
	sigs.n = 1;
	verify_mac_match(jwt_mac(alg), vc, &msg, 1, &sigs, res);
}

/*
 * JOSE writes an ECDSA signature as r || s, fixed width (RFC 7518
 * 3.4); OpenSSL verifies DER.  -1 if it is not that width.
 */
static int
jwt_ecdsa_der(const struct verify_jwt_alg *alg, const unsigned char *sig,
    size_t len, unsigned char *der, size_t cap, size_t *der_len)
{
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*pp = der;
	int		 n, rc = -1;

	if (len != 2 * alg->size)
		return -1;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)alg->size, NULL);
	s = BN_bin2bn(sig + alg->size, (int)alg->size, NULL);
	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL;		/* es owns them */
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0 || (size_t)n > cap)
		goto out;
	n = i2d_ECDSA_SIG(es, &pp);
	if (n <= 0)
		goto out;
	*der_len = (size_t)n;
	rc = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

/* RS* and ES* against the key parsed at load. */
static void
jwt_verify_pkey(const struct verify_jwt_alg *alg, const struct verify_conf *vc,
    const struct jwt_parts *p, const unsigned char *sig, size_t sig_len,
    struct verify_result *res)
{
	EVP_MD_CTX	*ctx = NULL;
	unsigned char	 der[2 * 66 + 16];
	size_t		 der_len = 0;
	int		 ok;

	if (vc->jwt_key == NULL) {
		verify_result_set(res, VERIFY_ERROR, "no jwt_public_key_file");
		return;
	}
	if (alg->kind == VERIFY_JWT_EC) {
		if (jwt_ecdsa_der(alg, sig, sig_len, der, sizeof(der),
		    &der_len) == -1) {
			verify_result_set(res, VERIFY_MALFORMED, "%s signature "
			    "is %zu bytes, want %zu", alg->name, sig_len,
			    2 * alg->size);
			return;
		}
		sig = der;
		sig_len = der_len;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, alg->digest,
	    NULL, NULL, vc->jwt_key, NULL) != 1) {
		verify_result_set(res, VERIFY_ERROR, "%s unavailable",
		    alg->name);
		goto out;
	}
	ok = EVP_DigestVerify(ctx, sig, sig_len,
	    (const unsigned char *)p->signed_part, p->signed_len);
	if (ok == 1)
		verify_result_set(res, VERIFY_OK, "signature ok");
	else
		verify_result_set(res, VERIFY_MISMATCH, "%s signature does "
		    "not verify", alg->name);
out:
	EVP_MD_CTX_free(ctx);
}

static void
jwt_verify_sig(const struct verify_jwt_alg *alg, const struct verify_conf *vc,
    const struct jwt_parts *p, struct verify_result *res)
{
	unsigned char	sig[JWT_MAX_SIG];
	size_t		sig_len = 0;

	if (memchr(p->sig, '=', p->sig_len) != NULL ||
	    verify_base64_decode(p->sig, p->sig_len, true, sig, sizeof(sig),
	    &sig_len) == -1) {
		verify_result_set(res, VERIFY_MALFORMED, "JWT signature is not "
		    "base64url");
		return;
	}
	if (alg->kind == VERIFY_JWT_HMAC)
		jwt_verify_hmac(alg, vc, p, sig, sig_len, res);
	else
		jwt_verify_pkey(alg, vc, p, sig, sig_len, res);
}

/* ---- the claims ---- */

/* A NumericDate claim: -1 absent, 0 present in *v, -2 not a number. */
static int
jwt_time(json_t *claims, const char *name, double *v)
{
	json_t	*j = json_object_get(claims, name);

	if (j == NULL)
		return -1;
	if (!json_is_number(j))
		return -2;
	*v = json_number_value(j);
	return 0;
}

static int
jwt_check_times(const struct verify_conf *vc, json_t *claims, time_t now,
    struct verify_result *res)
{
	double	exp = 0, nbf = 0, t = (double)now;
	double	leeway = (double)vc->jwt_leeway;
	int	e, b;

	e = jwt_time(claims, "exp", &exp);
	b = jwt_time(claims, "nbf", &nbf);
	if (e == -2 || b == -2) {
		verify_result_set(res, VERIFY_MALFORMED, "%s is not a number",
		    e == -2 ? "exp" : "nbf");
		return -1;
	}
	/* RFC 7519 4.1.4: now must be before exp. */
	if (e == 0 && t >= exp + leeway) {
		verify_result_set(res, VERIFY_STALE, "token expired %.0f s ago, "
		    "leeway %ld s", t - exp, vc->jwt_leeway);
		return -1;
	}
	if (b == 0 && t + leeway < nbf) {
		verify_result_set(res, VERIFY_STALE, "token not valid for "
		    "another %.0f s, leeway %ld s", nbf - t, vc->jwt_leeway);
		return -1;
	}
	return 0;
}

/* aud is a string or an array of strings (RFC 7519 4.1.3). */
static bool
jwt_aud_has(json_t *aud, const char *want)
{
	json_t	*v;
	size_t	 i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	json_array_foreach(aud, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return true;
	}
	return false;
}

static int
jwt_check_claims(const struct verify_conf *vc, json_t *claims, time_t now,
    struct verify_result *res)
{
	const char	*iss;

	if (jwt_check_times(vc, claims, now, res) == -1)
		return -1;
	if (vc->jwt_issuer != NULL) {
		iss = json_string_value(json_object_get(claims, "iss"));
		if (iss == NULL || strcmp(iss, vc->jwt_issuer) != 0) {
			verify_result_set(res, VERIFY_MISMATCH, "iss is not "
			    "jwt_issuer");
			return -1;
		}
	}
	if (vc->jwt_audience != NULL &&
	    !jwt_aud_has(json_object_get(claims, "aud"), vc->jwt_audience)) {
		verify_result_set(res, VERIFY_MISMATCH, "aud does not name "
		    "jwt_audience");
		return -1;
	}
	return 0;
}

void
verify_jwt(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	const struct verify_jwt_alg	*alg = vc->jwt_alg;
	struct jwt_parts		 p;
	json_t				*claims = NULL;
	const char			*name, *value, *tok;
	size_t				 n = 0;

	(void)body;
	(void)len;
	if (alg == NULL) {
		verify_result_set(res, VERIFY_ERROR, "no jwt_algorithm");
		return;
	}
	name = verify_header_name(vc);
	value = header_get(headers, name);
	if (value == NULL) {
		verify_result_set(res, VERIFY_MISSING, "no %s header", name);
		return;
	}
	tok = jwt_token(value, &n, res);
	if (tok == NULL || jwt_split(tok, n, &p, res) == -1 ||
	    jwt_check_header(alg, &p, res) == -1)
		return;
	jwt_verify_sig(alg, vc, &p, res);
	if (res->status != VERIFY_OK)
		return;
	claims = jwt_json(p.payload, p.payload_len);
	if (claims == NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "JWT claims are not a "
		    "JSON object");
		return;
	}
	if (jwt_check_claims(vc, claims, now, res) == -1) {
		json_decref(claims);
		return;
	}
	verify_result_set(res, VERIFY_OK, "token ok");
	res->claims = claims;
}
