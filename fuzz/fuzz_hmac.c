/*
 * libFuzzer target: signature_type hmac, its rule and a request.  The
 * input is split at NUL bytes into a signed_content template, a
 * signature_pattern, a timestamp_pattern, the signature header's value,
 * the timestamp header's value and the body.  The template and the
 * patterns are compiled as at load (an empty pattern is none); when
 * they compile, the request is checked with every algorithm and
 * encoding, with and without the timestamp header, and with the
 * signature and the time read from the body (signature_field named by
 * the signature's part, timestamp_field by the timestamp's).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz_split.h"
#include "header.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Two secrets: every one is tried. */
static struct secret	secrets[] = {
	{ (unsigned char *)"secret", 6, 0 },
	{ (unsigned char *)"other-secret", 12, 0 }
};

static void
run(struct endpoint *ep, const struct header_list *hl, const uint8_t *body,
    size_t len)
{
	static const struct verify_http	http = {
		"POST", "/hooks/fuzz?a=1&b=2", "https://hooks.example.com"
	};
	struct verify_result	vr;
	int			alg, enc;

	for (alg = VERIFY_SHA1; alg <= VERIFY_SHA512; alg++) {
		for (enc = VERIFY_HEX; enc <= VERIFY_BASE64URL; enc++) {
			ep->verify.signature_algorithm = alg;
			ep->verify.signature_encoding = enc;
			verify_request_http(&ep->verify, &http, hl, body, len,
			    1700000000, &vr);
			verify_result_clear(&vr);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct endpoint		 ep;
	const uint8_t		*p = data, *end = data + len;
	char			*part[5] = { NULL }, err[300];
	size_t			 i;

	memset(&ep, 0, sizeof(ep));
	for (i = 0; i < 5; i++) {
		part[i] = next_part(&p, end);
		if (part[i] == NULL)
			goto out;
	}
	ep.name = "fuzz";
	ep.path = "/fuzz";
	ep.verify.scheme = verify_scheme_find("hmac");
	ep.verify.secrets = secrets;
	ep.verify.nsecrets = sizeof(secrets) / sizeof(secrets[0]);
	ep.verify.timestamp_tolerance = 300;
	ep.verify.signature_header = "x-sig";
	ep.verify.signed_content = verify_template_parse(part[0], err, sizeof(err));
	if (part[1][0] != '\0')
		ep.verify.signature_pattern = verify_pattern_compile(part[1], "sig",
		    err, sizeof(err));
	if (part[2][0] != '\0')
		ep.verify.timestamp_pattern = verify_pattern_compile(part[2], "ts",
		    err, sizeof(err));
	if (ep.verify.signed_content == NULL ||
	    (part[1][0] != '\0' && ep.verify.signature_pattern == NULL) ||
	    (part[2][0] != '\0' && ep.verify.timestamp_pattern == NULL))
		goto out;
	if (header_add(&hl, "X-Sig", part[3]) == -1 ||
	    header_add(&hl, "X-Ts", part[4]) == -1 ||
	    header_add(&hl, "X-Id", part[4]) == -1)
		goto out;
	run(&ep, &hl, p, (size_t)(end - p));
	ep.verify.timestamp_header = "x-ts";
	run(&ep, &hl, p, (size_t)(end - p));
	/* The signature and the time in the body: the 4th part names them. */
	ep.verify.timestamp_header = NULL;
	ep.verify.signature_header = NULL;
	ep.verify.signature_field = part[3];
	ep.verify.timestamp_field = part[4][0] != '\0' ? part[4] : "a.b";
	run(&ep, &hl, p, (size_t)(end - p));
out:
	verify_template_free(ep.verify.signed_content);
	verify_pattern_free(ep.verify.signature_pattern);
	verify_pattern_free(ep.verify.timestamp_pattern);
	header_list_free(&hl);
	for (i = 0; i < 5; i++)
		free(part[i]);
	return 0;
}
