/*
 * check_verify_jwt: signature_type jwt with a fixed clock (NOW).  Tokens
 * are built with libjwt, an implementation independent of ours, signed
 * with the keys in tests/data/ (HS with a secret, RS and ES with PEM
 * keys); hand-made tokens cover what libjwt will not build (alg none,
 * crit, bad JSON).  Every rejection of the issue has a test, including
 * the HS256-keyed-with-the-RSA-public-key confusion that libjwt 1.10
 * itself accepts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "conf.h"
#include "event.h"
#include "header.h"
#include "record.h"
#include "verify.h"
#include "check_run.h"
#define CHECK_UTIL_VERIFY
#include "check_util.h"

#define NOW		FX_NOW
#define BODY		"{}"	/* what the token signs is not the body */
#define SECRET		"jwt-test-secret-0123456789abcdef"

static EVP_PKEY *
load_pub(const char *name)
{
	EVP_PKEY	*pkey;
	BIO		*bio;
	char		*pem;
	size_t		 len = 0;

	pem = file_slurp_in(TEST_DATA, name, &len);
	bio = BIO_new_mem_buf(pem, (int)len);
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(pkey);
	BIO_free(bio);
	free(pem);
	return pkey;
}

/* A jwt endpoint pinned to alg; HS gets SECRET, RS/ES keyfile. */
static void
fx_endpoint(const char *alg, const char *keyfile)
{
	fx_scheme("jwt");
	fx.vc.jwt_alg = verify_jwt_alg_find(alg);
	ck_assert_ptr_nonnull(fx.vc.jwt_alg);
	if (keyfile != NULL)
		fx.vc.jwt_key = load_pub(keyfile);
	else
		fx_secret(SECRET);
}

/* A token by libjwt: alg with key (len bytes), claims as JSON. */
static char *
make_token(jwt_alg_t alg, const void *key, size_t len, const char *claims)
{
	jwt_t	*jwt = NULL;
	char	*tok;

	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, claims), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, key, (int)len), 0);
	tok = jwt_encode_str(jwt);
	ck_assert_ptr_nonnull(tok);
	jwt_free(jwt);
	return tok;
}

/* The same, keyed with the private key in tests/data/keyfile. */
static char *
make_token_pem(jwt_alg_t alg, const char *keyfile, const char *claims)
{
	char	*pem, *tok;
	size_t	 len = 0;

	pem = file_slurp_in(TEST_DATA, keyfile, &len);
	tok = make_token(alg, pem, len, claims);
	free(pem);
	return tok;
}

static char *
make_token_hs(jwt_alg_t alg, const char *secret, const char *claims)
{
	return make_token(alg, secret, strlen(secret), claims);
}

/* Authorization: Bearer <tok>; fx owns tok. */
static void
fx_bearer(char *tok)
{
	char	*value = NULL;

	free(fx.token);
	fx.token = tok;
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	ck_assert_int_ne(asprintf(&value, "Bearer %s", tok), -1);
	ck_assert_int_eq(header_add(&fx.hl, "Authorization", value), 0);
	free(value);
}

static void
fx_raw(const char *name, const char *value)
{
	header_list_free(&fx.hl);
	memset(&fx.hl, 0, sizeof(fx.hl));
	fx_header(name, value);
}

/* No detail carries the token or any 8 bytes of its parts. */
static void
assert_clean(void)
{
	char		 part[9];
	const char	*t = fx.token;
	size_t		 i, n;

	ck_assert_ptr_null(strstr(fx.res.detail, SECRET));
	if (t == NULL)
		return;
	n = strlen(t);
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(part, t + i, 8);
		part[8] = '\0';
		ck_assert_msg(strstr(fx.res.detail, part) == NULL, "%s",
		    fx.res.detail);
	}
}

#define CLAIMS	"{\"sub\":\"build-42\",\"iss\":\"ci.example\"," \
	"\"aud\":\"hookspool\",\"exp\":1700000600,\"nbf\":1699999900}"

/* ---- HS ---- */

START_TEST(test_hs256_valid_claims_kept)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	ck_assert_ptr_nonnull(fx.res.claims);
	ck_assert_str_eq(json_string_value(json_object_get(fx.res.claims,
	    "sub")), "build-42");
	assert_clean();
}
END_TEST

START_TEST(test_hs384_hs512)
{
	fx_endpoint("HS384", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS384, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx.vc.jwt_alg = verify_jwt_alg_find("HS512");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	fx_bearer(make_token_hs(JWT_ALG_HS512, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_hs256_wrong_secret)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, "another-secret", CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_ptr_null(fx.res.claims);
	assert_clean();
}
END_TEST

START_TEST(test_hs256_rotation)
{
	fx_endpoint("HS256", NULL);
	fx.secrets[1] = fx.secrets[0];
	fx.secrets[0].data = (unsigned char *)"old-secret";
	fx.secrets[0].len = 10;
	fx.vc.nsecrets = 2;
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx_bearer(make_token_hs(JWT_ALG_HS256, "old-secret", CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

/* Change one character in the middle of part (0 head, 1 claims, 2 sig). */
static void
flip_part(char *tok, int part)
{
	char	*p = tok, *end;
	int	 i;

	for (i = 0; i < part; i++)
		p = strchr(p, '.') + 1;
	end = strchr(p, '.');
	if (end == NULL)
		end = p + strlen(p);
	p += (end - p) / 2;
	*p = *p == 'A' ? 'B' : 'A';
}

START_TEST(test_flipped_signature_and_claims)
{
	char	*tok;

	fx_endpoint("HS256", NULL);
	tok = make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS);
	flip_part(tok, 2);
	fx_bearer(tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	tok = make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS);
	flip_part(tok, 1);
	fx_bearer(tok);
	ck_assert(fx_verify(BODY) == VERIFY_MISMATCH ||
	    fx.res.status == VERIFY_MALFORMED);
	ck_assert_ptr_null(fx.res.claims);
}
END_TEST

START_TEST(test_bearer_forms)
{
	char	*tok;

	fx_endpoint("HS256", NULL);
	tok = make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS);
	fx_raw("Authorization", tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	verify_result_clear(&fx.res);
	{
		char	v[2048];

		snprintf(v, sizeof(v), "bearer   %s  ", tok);
		fx_raw("Authorization", v);
		ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
		snprintf(v, sizeof(v), "Basic %s", tok);
		fx_raw("Authorization", v);
		ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	}
	/* Another header, as signature_header names it. */
	fx.vc.signature_header = (char *)"x-webhook-token";
	fx_raw("X-Webhook-Token", tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	free(tok);
}
END_TEST

START_TEST(test_missing_and_malformed)
{
	static const char *const bad[] = {
		"", "Bearer ", "abc", "a.b", "a.b.c.d", ".b.c", "a..c",
		"!!!.e30.c2ln", "e30.e30.c2ln",		/* {} has no alg */
		"WzFd.e30.c2ln",			/* [1] */
	};
	size_t	i;

	fx_endpoint("HS256", NULL);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISSING);
	ck_assert_str_eq(fx.res.detail, "no authorization header");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_raw("Authorization", bad[i]);
		ck_assert_msg(fx_verify(BODY) == VERIFY_MALFORMED, "%s: %s %s",
		    bad[i], verify_status_name(fx.res.status), fx.res.detail);
	}
}
END_TEST

START_TEST(test_too_long)
{
	char	*v;

	fx_endpoint("HS256", NULL);
	v = malloc(9000);
	ck_assert_ptr_nonnull(v);
	memset(v, 'a', 8999);
	v[8999] = '\0';
	v[10] = '.';
	v[20] = '.';
	fx_raw("Authorization", v);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "token longer than 8192 bytes");
	free(v);
}
END_TEST

/* ---- algorithm pinning ---- */

/* {"alg":"none"} and {"alg":"NONE","typ":"JWT"}, claims {"sub":"x"}. */
START_TEST(test_alg_none)
{
	fx_endpoint("HS256", NULL);
	fx_raw("Authorization", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "alg none refused");
	fx_raw("Authorization", "eyJhbGciOiJOT05FIiwidHlwIjoiSldUIn0."
	    "eyJzdWIiOiJ4In0.c2ln");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "alg none refused");
	ck_assert_ptr_null(verify_jwt_alg_find("none"));
}
END_TEST

START_TEST(test_alg_not_pinned)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS512, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "alg HS512 is not the pinned HS256");
	/* {"alg":"hs256"}: names are case-sensitive (RFC 7515 4.1.1). */
	fx_raw("Authorization", "eyJhbGciOiJoczI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "alg (other) is not the pinned HS256");
}
END_TEST

/*
 * The classic confusion: an RS256 endpoint gets an HS256 token whose
 * HMAC key is the RSA public key's PEM text (which anyone has).
 * libjwt 1.10 accepts it when handed the PEM; we must not.
 */
START_TEST(test_hs256_with_rsa_pem_confusion)
{
	jwt_t	*jwt = NULL;
	char	*pem, *tok;
	size_t	 len = 0;

	fx_endpoint("RS256", "jwt-rsa.pub");
	pem = file_slurp_in(TEST_DATA, "jwt-rsa.pub", &len);
	tok = make_token(JWT_ALG_HS256, pem, len, CLAIMS);
	/* What libjwt does with it, unless jwt_get_alg() is checked. */
	ck_assert_int_eq(jwt_decode(&jwt, tok, (unsigned char *)pem,
	    (int)len), 0);
	ck_assert_int_eq(jwt_get_alg(jwt), JWT_ALG_HS256);
	jwt_free(jwt);
	free(pem);
	fx_bearer(tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "alg HS256 is not the pinned RS256");
	ck_assert_ptr_null(fx.res.claims);
}
END_TEST

START_TEST(test_crit_refused)
{
	char	hs[] = "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}";
	char	b64[128], *tok;
	int	n;

	fx_endpoint("HS256", NULL);
	n = EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)hs,
	    (int)strlen(hs));
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	ck_assert_int_ne(asprintf(&tok, "%s.eyJzdWIiOiJ4In0.c2ln", b64), -1);
	fx_raw("Authorization", tok);
	free(tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "crit header not supported");
}
END_TEST

/* ---- claims ---- */

START_TEST(test_exp)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify_at(BODY, 1700000599), VERIFY_OK);
	ck_assert_int_eq(fx_verify_at(BODY, 1700000600), VERIFY_STALE);
	ck_assert_str_eq(fx.res.detail, "token expired 0 s ago, leeway 0 s");
	ck_assert_ptr_null(fx.res.claims);
	ck_assert_int_eq(fx_verify_at(BODY, 1700000700), VERIFY_STALE);
	fx.vc.jwt_leeway = 120;
	ck_assert_int_eq(fx_verify_at(BODY, 1700000700), VERIFY_OK);
	ck_assert_int_eq(fx_verify_at(BODY, 1700000720), VERIFY_STALE);
}
END_TEST

START_TEST(test_nbf)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify_at(BODY, 1699999900), VERIFY_OK);
	ck_assert_int_eq(fx_verify_at(BODY, 1699999899), VERIFY_STALE);
	ck_assert_str_eq(fx.res.detail,
	    "token not valid for another 1 s, leeway 0 s");
	fx.vc.jwt_leeway = 5;
	ck_assert_int_eq(fx_verify_at(BODY, 1699999895), VERIFY_OK);
}
END_TEST

START_TEST(test_times_optional_and_typed)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, "{\"sub\":\"x\"}"));
	ck_assert_int_eq(fx_verify_at(BODY, 0), VERIFY_OK);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET,
	    "{\"exp\":\"tomorrow\"}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "exp is not a number");
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, "{\"nbf\":null}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET,
	    "{\"exp\":1700000000.5}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

START_TEST(test_issuer)
{
	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	fx.vc.jwt_issuer = (char *)"ci.example";
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx.vc.jwt_issuer = (char *)"ci.example.org";
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "iss is not jwt_issuer");
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, "{\"sub\":\"x\"}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_audience)
{
	fx_endpoint("HS256", NULL);
	fx.vc.jwt_audience = (char *)"hookspool";
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET,
	    "{\"aud\":[\"other\",\"hookspool\"]}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET,
	    "{\"aud\":[\"other\",1]}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "aud does not name jwt_audience");
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, "{\"sub\":\"x\"}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET,
	    "{\"aud\":\"hookspoolx\"}"));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

/* ---- RS and ES, with the keys parsed once ---- */

START_TEST(test_rs_family)
{
	static const struct {
		const char	*name;
		jwt_alg_t	 alg;
	} rs[] = {
		{ "RS256", JWT_ALG_RS256 },
		{ "RS384", JWT_ALG_RS384 },
		{ "RS512", JWT_ALG_RS512 },
	};
	char	*tok;
	size_t	 i;

	fx_endpoint("RS256", "jwt-rsa.pub");
	for (i = 0; i < 3; i++) {
		fx.vc.jwt_alg = verify_jwt_alg_find(rs[i].name);
		fx_bearer(make_token_pem(rs[i].alg, "jwt-rsa.key", CLAIMS));
		ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
		ck_assert_ptr_nonnull(fx.res.claims);
		assert_clean();
		tok = strdup(fx.token);
		flip_part(tok, 2);
		fx_bearer(tok);
		ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
		tok = make_token_pem(rs[i].alg, "jwt-rsa.key", CLAIMS);
		flip_part(tok, 1);
		fx_bearer(tok);
		ck_assert(fx_verify(BODY) != VERIFY_OK);
	}
}
END_TEST

START_TEST(test_es_family)
{
	char	*tok, *dot;

	fx_endpoint("ES256", "jwt-es256.pub");
	fx_bearer(make_token_pem(JWT_ALG_ES256, "jwt-es256.key", CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	ck_assert_ptr_nonnull(fx.res.claims);
	tok = strdup(fx.token);
	flip_part(tok, 2);
	fx_bearer(tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	/* r || s of the wrong width (here: truncated by 3 bytes). */
	tok = make_token_pem(JWT_ALG_ES256, "jwt-es256.key", CLAIMS);
	dot = strrchr(tok, '.');
	dot[strlen(dot) - 4] = '\0';
	fx_bearer(tok);
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MALFORMED);
	ck_assert_str_eq(fx.res.detail, "ES256 signature is 61 bytes, want 64");
	EVP_PKEY_free(fx.vc.jwt_key);
	fx.vc.jwt_key = load_pub("jwt-es384.pub");
	fx.vc.jwt_alg = verify_jwt_alg_find("ES384");
	fx_bearer(make_token_pem(JWT_ALG_ES384, "jwt-es384.key", CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
}
END_TEST

/* A token from another key of the right type does not verify. */
START_TEST(test_wrong_key)
{
	EVP_PKEY	*other;
	BIO		*bio;
	char		*pem;
	long		 len;

	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert_ptr_nonnull(other);
	bio = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, other, NULL, NULL, 0,
	    NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &pem);
	fx_endpoint("ES256", "jwt-es256.pub");
	fx_bearer(make_token(JWT_ALG_ES256, pem, (size_t)len, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
	ck_assert_str_eq(fx.res.detail, "ES256 signature does not verify");
	BIO_free(bio);
	EVP_PKEY_free(other);
	/* ES256 token on an RS256 endpoint: the pin says no first. */
	EVP_PKEY_free(fx.vc.jwt_key);
	fx.vc.jwt_key = load_pub("jwt-rsa.pub");
	fx.vc.jwt_alg = verify_jwt_alg_find("RS256");
	fx_bearer(make_token_pem(JWT_ALG_ES256, "jwt-es256.key", CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_MISMATCH);
}
END_TEST

START_TEST(test_no_key_or_secret)
{
	fx_endpoint("HS256", NULL);
	fx.vc.nsecrets = 0;
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_ERROR);
	fx.vc.jwt_alg = verify_jwt_alg_find("RS256");
	fx_bearer(make_token_pem(JWT_ALG_RS256, "jwt-rsa.key", CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_ERROR);
	fx.vc.jwt_alg = NULL;
	ck_assert_int_eq(fx_verify(BODY), VERIFY_ERROR);
}
END_TEST

START_TEST(test_key_check)
{
	const struct verify_jwt_alg	*rs, *es, *es384, *hs;
	EVP_PKEY			*rsa, *ec, *ec384, *small;
	char				 buf[128];

	rs = verify_jwt_alg_find("RS256");
	es = verify_jwt_alg_find("ES256");
	es384 = verify_jwt_alg_find("ES384");
	hs = verify_jwt_alg_find("HS256");
	rsa = load_pub("jwt-rsa.pub");
	ec = load_pub("jwt-es256.pub");
	ec384 = load_pub("jwt-es384.pub");
	small = load_pub("jwt-rsa1024.pub");
	ck_assert_ptr_null(verify_jwt_key_check(rs, rsa, buf, sizeof(buf)));
	ck_assert_ptr_null(verify_jwt_key_check(es, ec, buf, sizeof(buf)));
	ck_assert_ptr_null(verify_jwt_key_check(es384, ec384, buf,
	    sizeof(buf)));
	ck_assert_str_eq(verify_jwt_key_check(rs, ec, buf, sizeof(buf)),
	    "an EC key cannot verify RS256");
	ck_assert_str_eq(verify_jwt_key_check(es, rsa, buf, sizeof(buf)),
	    "an RSA key cannot verify ES256");
	ck_assert_str_eq(verify_jwt_key_check(es, ec384, buf, sizeof(buf)),
	    "an EC key on curve secp384r1 cannot verify ES256 (needs "
	    "prime256v1)");
	ck_assert_str_eq(verify_jwt_key_check(rs, small, buf, sizeof(buf)),
	    "an RSA key of 1024 bits is too small (at least 2048)");
	ck_assert_ptr_nonnull(verify_jwt_key_check(hs, rsa, buf, sizeof(buf)));
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(small);
	ck_assert_str_eq(verify_jwt_alg_names(),
	    "HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384");
	ck_assert_ptr_null(verify_jwt_alg_find("ES512"));
	ck_assert_ptr_null(verify_jwt_alg_find("rs256"));
}
END_TEST

/* The claims reach the event record; the token does not. */
START_TEST(test_claims_in_event)
{
	struct event	 ev;
	char		*line;
	json_t		*rec;
	size_t		 len = 0;

	fx_endpoint("HS256", NULL);
	fx_bearer(make_token_hs(JWT_ALG_HS256, SECRET, CLAIMS));
	ck_assert_int_eq(fx_verify(BODY), VERIFY_OK);
	memset(&ev, 0, sizeof(ev));
	strcpy(ev.id, "01890a5d-ac96-774b-bcce-b302099a8057");
	ev.received_us = (int64_t)NOW * 1000000;
	ev.endpoint = "test";
	ev.path = "/hooks/jwt";
	ev.method = "POST";
	ev.headers = &fx.hl;
	ev.body = (const unsigned char *)"{}";
	ev.body_len = 2;
	ev.verification = "jwt ok";
	ev.claims = fx.res.claims;
	line = record_event_encode(&ev, &len);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_null(strstr(line, strrchr(fx.token, '.') + 1));
	ck_assert_ptr_null(strstr(line, fx.token));
	rec = record_decode(line, len - 1, NULL, 0);
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(rec, "claims"), "iss")), "ci.example");
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(rec, "headers"), "authorization")),
	    "Bearer [redacted]");
	json_decref(rec);
	free(line);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("jwt");
	tc = tcase_create("hs");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_hs256_valid_claims_kept);
	tcase_add_test(tc, test_hs384_hs512);
	tcase_add_test(tc, test_hs256_wrong_secret);
	tcase_add_test(tc, test_hs256_rotation);
	tcase_add_test(tc, test_flipped_signature_and_claims);
	tcase_add_test(tc, test_bearer_forms);
	tcase_add_test(tc, test_missing_and_malformed);
	tcase_add_test(tc, test_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("pinning");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_alg_none);
	tcase_add_test(tc, test_alg_not_pinned);
	tcase_add_test(tc, test_hs256_with_rsa_pem_confusion);
	tcase_add_test(tc, test_crit_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("claims");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_exp);
	tcase_add_test(tc, test_nbf);
	tcase_add_test(tc, test_times_optional_and_typed);
	tcase_add_test(tc, test_issuer);
	tcase_add_test(tc, test_audience);
	tcase_add_test(tc, test_claims_in_event);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_rs_family);
	tcase_add_test(tc, test_es_family);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_no_key_or_secret);
	tcase_add_test(tc, test_key_check);
	suite_add_tcase(s, tc);

	return check_run(s);
}
