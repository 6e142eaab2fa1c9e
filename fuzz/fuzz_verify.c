/*
 * libFuzzer target: signature headers, for every scheme.  The input is
 * split at NUL bytes into a signature value, a timestamp, an id and the
 * body; the signature value goes into every header some scheme reads
 * (the timestamp and id into theirs), and each scheme checks it: the
 * HMAC family, the providers, jwt pinned to HS256, RS256 and ES256
 * with the test keys, and the ed25519 schemes (discord, standard-webhooks
 * with keys alone and with keys and secrets) with two public keys.  The
 * base64, whsec_ and public key decoders get the value too.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "conf.h"
#include "fuzz_split.h"
#include "header.h"
#include "verify.h"

#ifndef TEST_DATA
#define TEST_DATA	"tests/data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const schemes[] = {
	"none", "hmac-sha256", "hmac-sha1", "github", "stripe", "slack",
	"standard-webhooks", "shopify", "gitlab", "discord", "mailgun"
};
static const char *const sig_headers[] = {
	"x-signature", "x-hub-signature-256", "x-hub-signature",
	"stripe-signature", "x-slack-signature", "webhook-signature",
	"svix-signature", "x-shopify-hmac-sha256", "x-gitlab-token",
	"authorization", "x-signature-ed25519"
};
static const char *const ts_headers[] = {
	"x-slack-request-timestamp", "webhook-timestamp", "svix-timestamp",
	"x-signature-timestamp"
};
/* The ed25519 public keys of the unit tests' vectors. */
static const char *const ed_keys[] = {
	"549e60c8e1af3f74ae33db873768469a77aea0603ca4b7002f90d33aa11702fc",
	"whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="
};
static const char *const id_headers[] = { "webhook-id", "svix-id" };

static EVP_PKEY	*rsa_key, *ec_key, *ed_pkeys[2];

static EVP_PKEY *
load_key(const char *name)
{
	EVP_PKEY	*pkey;
	FILE		*fp;
	char		 path[512];

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	fp = fopen(path, "r");
	if (fp == NULL)
		abort();
	pkey = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	fclose(fp);
	if (pkey == NULL)
		abort();
	return pkey;
}

static int
add_all(struct header_list *hl, const char *const *names, size_t n,
    const char *value)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (header_add(hl, names[i], value) == -1)
			return -1;
	return 0;
}

static void
run(struct endpoint *ep, const struct header_list *hl, const uint8_t *body,
    size_t len)
{
	struct verify_result	vr;

	verify_request(&ep->verify, hl, body, len, 1700000000, &vr);
	verify_result_clear(&vr);
}

static void
run_jwt(struct endpoint *ep, const struct header_list *hl,
    const uint8_t *body, size_t len)
{
	struct secret	*secrets = ep->verify.secrets;
	size_t		 nsecrets = ep->verify.nsecrets;

	ep->verify.scheme = verify_scheme_find("jwt");
	ep->verify.signature_header = NULL;
	ep->verify.jwt_alg = verify_jwt_alg_find("HS256");
	ep->verify.jwt_issuer = "iss";
	ep->verify.jwt_audience = "aud";
	run(ep, hl, body, len);
	ep->verify.secrets = NULL;
	ep->verify.nsecrets = 0;
	ep->verify.jwt_alg = verify_jwt_alg_find("RS256");
	ep->verify.jwt_key = rsa_key;
	run(ep, hl, body, len);
	ep->verify.jwt_alg = verify_jwt_alg_find("ES256");
	ep->verify.jwt_key = ec_key;
	run(ep, hl, body, len);
	ep->verify.secrets = secrets;
	ep->verify.nsecrets = nsecrets;
	ep->verify.jwt_key = NULL;
}

/* The ed25519 schemes; with secrets too for standard-webhooks. */
static void
run_ed25519(struct endpoint *ep, const struct header_list *hl,
    const uint8_t *body, size_t len)
{
	struct secret	*secrets = ep->verify.secrets;
	size_t		 nsecrets = ep->verify.nsecrets;

	ep->verify.public_keys = ed_pkeys;
	ep->verify.npublic_keys = 2;
	ep->verify.scheme = verify_scheme_find("standard-webhooks");
	ep->verify.signature_header = NULL;
	run(ep, hl, body, len);
	ep->verify.secrets = NULL;
	ep->verify.nsecrets = 0;
	run(ep, hl, body, len);
	ep->verify.scheme = verify_scheme_find("discord");
	run(ep, hl, body, len);
	ep->verify.secrets = secrets;
	ep->verify.nsecrets = nsecrets;
	ep->verify.public_keys = NULL;
	ep->verify.npublic_keys = 0;
}

static void
decoders(const char *value)
{
	unsigned char	*out = NULL, buf[64];
	size_t		 len = 0;
	EVP_PKEY	*key;
	char		 why[96];

	(void)verify_base64_decode(value, strlen(value), false, buf,
	    sizeof(buf), &len);
	(void)verify_base64_decode(value, strlen(value), true, buf,
	    sizeof(buf), &len);
	if (verify_whsec_decode((const unsigned char *)value, strlen(value),
	    &out, &len) == 0)
		free(out);
	key = verify_ed25519_key(value, strlen(value), why, sizeof(why));
	EVP_PKEY_free(key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct endpoint		 ep;
	struct secret		 sec[2] = {
		{ (unsigned char *)"secret", 6, 0 },
		{ (unsigned char *)"other-secret", 12, 0 }
	};
	const uint8_t		*p = data, *end = data + len;
	char			*sig, *ts, *id, why[96];
	size_t			 i;

	if (rsa_key == NULL) {
		rsa_key = load_key("jwt-rsa.pub");
		ec_key = load_key("jwt-es256.pub");
		for (i = 0; i < 2; i++) {
			ed_pkeys[i] = verify_ed25519_key(ed_keys[i],
			    strlen(ed_keys[i]), why, sizeof(why));
			if (ed_pkeys[i] == NULL)
				abort();
		}
	}
	sig = next_part(&p, end);
	ts = next_part(&p, end);
	id = next_part(&p, end);
	if (sig == NULL || ts == NULL || id == NULL)
		goto out;
	decoders(sig);
	if (add_all(&hl, sig_headers, sizeof(sig_headers) /
	    sizeof(sig_headers[0]), sig) == -1 ||
	    add_all(&hl, ts_headers, 4, ts) == -1 ||
	    add_all(&hl, id_headers, 2, id) == -1)
		goto out;
	memset(&ep, 0, sizeof(ep));
	ep.name = "fuzz";
	ep.path = "/fuzz";
	ep.verify.secrets = sec;
	ep.verify.nsecrets = 2;
	ep.methods = METHOD_POST;
	ep.enabled = true;
	ep.verify.timestamp_tolerance = 300;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		ep.verify.scheme = verify_scheme_find(schemes[i]);
		if (ep.verify.scheme == NULL)
			abort();
		ep.verify.signature_header = i < 3 ? "x-signature" : NULL;
		ep.verify.signature_encoding = (int)(len & 1);
		run(&ep, &hl, p, (size_t)(end - p));
	}
	run_jwt(&ep, &hl, p, (size_t)(end - p));
	run_ed25519(&ep, &hl, p, (size_t)(end - p));
out:
	header_list_free(&hl);
	free(sig);
	free(ts);
	free(id);
	return 0;
}
