/*
 * bench/verify: a micro-benchmark of signature verification, one core,
 * no I/O: verify_request() on a 1 KiB body for each scheme that matters
 * for throughput, printing microseconds per verification and
 * verifications per second.  Built and run by bench/verify (not a test:
 * it asserts nothing but that every verification succeeds).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "header.h"
#include "verify.h"

#define NOW	1700000000L
#define SECRET	"bench-secret-0123456789abcdef"

static unsigned char	body[1024];

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char	 path[1024], *buf;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n)
		exit(1);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
hex(const unsigned char *d, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* HMAC-SHA256 of prefix || body under key. */
static void
mac(const void *key, size_t keylen, const char *prefix, unsigned char *out)
{
	unsigned char	*msg;
	size_t		 plen = strlen(prefix);
	unsigned int	 outl = 0;

	msg = malloc(plen + sizeof(body));
	memcpy(msg, prefix, plen);
	memcpy(msg + plen, body, sizeof(body));
	HMAC(EVP_sha256(), key, (int)keylen, msg, plen + sizeof(body), out,
	    &outl);
	free(msg);
}

static void
run(const char *name, const struct verify_conf *ep,
    const struct header_list *hl, long n)
{
	struct verify_result	res;
	double			t0, t;
	long			i;

	for (i = 0; i < n; i++) {
		if (verify_request(ep, hl, body, sizeof(body), NOW, &res) !=
		    VERIFY_OK) {
			fprintf(stderr, "%s: %s %s\n", name,
			    verify_status_name(res.status), res.detail);
			exit(1);
		}
		verify_result_clear(&res);
		if (i == 0)
			t0 = now_s();
	}
	t = now_s() - t0;
	printf("%-22s %9.2f us %12.0f /s\n", name, t * 1e6 / (double)(n - 1),
	    (double)(n - 1) / t);
}

static void
endpoint_init(struct verify_conf *ep, struct secret *sec, const char *scheme)
{
	memset(ep, 0, sizeof(*ep));
	ep->scheme = verify_scheme_find(scheme);
	ep->secrets = sec;
	ep->nsecrets = 1;
	ep->timestamp_tolerance = 300;
}

/* signature_type hmac, written as hookspool.ini(5) writes github. */
static void
hmac_rule(struct verify_conf *ep, struct secret *sec)
{
	char	err[256];

	endpoint_init(ep, sec, "hmac");
	ep->signature_header = "x-hub-signature-256";
	ep->signature_algorithm = VERIFY_SHA256;
	ep->signature_encoding = VERIFY_HEX;
	ep->signed_content = verify_template_parse("${body}", err,
	    sizeof(err));
	ep->signature_pattern = verify_pattern_compile(
	    "^[ \\t]*(?i:sha256=)?(?<sig>[^ \\t]*)[ \\t]*$", "sig", err,
	    sizeof(err));
	if (ep->signed_content == NULL || ep->signature_pattern == NULL) {
		fprintf(stderr, "hmac rule: %s\n", err);
		exit(1);
	}
}

static char *
token(jwt_alg_t alg, const void *key, size_t len)
{
	jwt_t	*jwt = NULL;
	char	*tok, *hdr = NULL;

	jwt_new(&jwt);
	jwt_add_grants_json(jwt, "{\"iss\":\"ci\",\"sub\":\"bench\","
	    "\"exp\":1800000000}");
	jwt_set_alg(jwt, alg, key, (int)len);
	tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	if (tok == NULL || asprintf(&hdr, "Bearer %s", tok) < 0)
		exit(1);
	free(tok);
	return hdr;
}

static void
bench_jwt(const char *data, const char *name, jwt_alg_t alg,
    const char *keyfile, const char *pubfile, long n)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct secret		 sec = { (unsigned char *)SECRET,
				    sizeof(SECRET) - 1, 0 };
	struct verify_conf	 ep;
	char			*key = NULL, *hdr;
	size_t			 len = sizeof(SECRET) - 1;
	BIO			*bio;

	endpoint_init(&ep, &sec, "jwt");
	ep.jwt_alg = verify_jwt_alg_find(name);
	if (keyfile != NULL) {
		ep.nsecrets = 0;
		key = slurp(data, pubfile, &len);
		bio = BIO_new_mem_buf(key, (int)len);
		ep.jwt_key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		free(key);
		key = slurp(data, keyfile, &len);
	}
	hdr = token(alg, key != NULL ? key : SECRET, len);
	header_add(&hl, "Authorization", hdr);
	run(name, &ep, &hl, n);
	EVP_PKEY_free(ep.jwt_key);
	header_list_free(&hl);
	free(hdr);
	free(key);
}

int
main(int argc, char **argv)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct secret		 sec = { (unsigned char *)SECRET,
				    sizeof(SECRET) - 1, 0 };
	struct verify_conf	 ep;
	unsigned char		 d[32], swkey[24];
	char			 h[256], x[65], b64[45];
	const char		*data = argc > 1 ? argv[1] : "tests/data";
	long			 n = argc > 2 ? atol(argv[2]) : 200000;

	memset(body, 'x', sizeof(body));
	printf("%-22s %12s %15s   (1 KiB body, %ld runs)\n", "scheme",
	    "per verify", "verifications", n);

	endpoint_init(&ep, &sec, "hmac-sha256");
	mac(SECRET, sizeof(SECRET) - 1, "", d);
	hex(d, 32, x);
	snprintf(h, sizeof(h), "sha256=%s", x);
	header_add(&hl, "X-Hub-Signature-256", h);
	run("hmac-sha256", &ep, &hl, n);
	endpoint_init(&ep, &sec, "github");
	run("github", &ep, &hl, n);
	hmac_rule(&ep, &sec);
	run("hmac, as github", &ep, &hl, n);
	verify_template_free(ep.signed_content);
	verify_pattern_free(ep.signature_pattern);
	header_list_free(&hl);

	endpoint_init(&ep, &sec, "stripe");
	mac(SECRET, sizeof(SECRET) - 1, "1700000000.", d);
	hex(d, 32, x);
	snprintf(h, sizeof(h), "t=1700000000,v1=%s", x);
	header_add(&hl, "Stripe-Signature", h);
	run("stripe", &ep, &hl, n);
	header_list_free(&hl);

	memset(swkey, 7, sizeof(swkey));
	sec.data = swkey;		/* what conf decodes whsec_ into */
	sec.len = sizeof(swkey);
	endpoint_init(&ep, &sec, "standard-webhooks");
	mac(swkey, sizeof(swkey), "msg_1.1700000000.", d);
	EVP_EncodeBlock((unsigned char *)b64, d, 32);
	snprintf(h, sizeof(h), "v1,%s", b64);
	header_add(&hl, "webhook-id", "msg_1");
	header_add(&hl, "webhook-timestamp", "1700000000");
	header_add(&hl, "webhook-signature", h);
	run("standard-webhooks", &ep, &hl, n);
	header_list_free(&hl);

	bench_jwt(data, "HS256", JWT_ALG_HS256, NULL, NULL, n);
	bench_jwt(data, "RS256", JWT_ALG_RS256, "jwt-rsa.key", "jwt-rsa.pub",
	    n / 4);
	bench_jwt(data, "ES256", JWT_ALG_ES256, "jwt-es256.key",
	    "jwt-es256.pub", n / 8);
	return 0;
}
