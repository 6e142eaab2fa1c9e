/*
 * libFuzzer target: signature headers.  The input is split at the first
 * NUL into a header value and a body, and checked by every scheme.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "header.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const schemes[] = { "none", "hmac-sha256", "hmac-sha1" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct verify_result	 vr;
	struct endpoint		 ep;
	struct secret		 sec = { (unsigned char *)"secret", 6 };
	const uint8_t		*nul;
	char			*value;
	size_t			 vlen, i;

	nul = memchr(data, '\0', len);
	vlen = nul != NULL ? (size_t)(nul - data) : len;
	if ((value = strndup((const char *)data, vlen)) == NULL)
		return 0;
	memset(&ep, 0, sizeof(ep));
	ep.name = "fuzz";
	ep.path = "/fuzz";
	ep.signature_header = "x-signature";
	ep.secrets = &sec;
	ep.nsecrets = 1;
	ep.methods = METHOD_POST;
	ep.enabled = true;
	if (header_add(&hl, "X-Signature", value) == 0) {
		for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
			ep.scheme = verify_scheme_find(schemes[i]);
			if (ep.scheme == NULL)
				abort();
			verify_request(&ep, &hl, data + vlen, len - vlen,
			    1700000000, &vr);
		}
	}
	header_list_free(&hl);
	free(value);
	return 0;
}
