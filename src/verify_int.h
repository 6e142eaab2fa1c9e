/*
 * verify_int: what verify.c shares with the scheme families in other
 * files (verify_jwt.c): result helpers, HMAC over several secrets and
 * several candidate signatures, and the timestamp window.  Not part of
 * the module's interface.
 */
#ifndef HOOKSPOOL_VERIFY_INT_H
#define HOOKSPOOL_VERIFY_INT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "verify.h"

#define VERIFY_MAX_DIGEST	64	/* SHA-512 */
#define VERIFY_MAX_SIGS		8	/* candidates in one header */

/* One HMAC digest; the context template is made on first use. */
struct verify_mac {
	const char	*digest;	/* OpenSSL name: "SHA256" */
	size_t		 len;		/* digest length in bytes */
	EVP_MAC_CTX	*tmpl;		/* digest set, no key; see mac_ctx_new */
};

extern struct verify_mac	verify_mac_sha1, verify_mac_sha256,
				verify_mac_sha384, verify_mac_sha512;

/* A piece of the signed message (HMAC input is their concatenation). */
struct verify_chunk {
	const void	*p;
	size_t		 n;
};

/* The decoded signatures a request offers; any one may match. */
struct verify_sigs {
	unsigned char	v[VERIFY_MAX_SIGS][VERIFY_MAX_DIGEST];
	size_t		n;
};

void	verify_result_set(struct verify_result *, enum verify_status,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * HMAC the message under every secret of ep and compare with every
 * candidate, without stopping at a match.  Sets res to OK, MISMATCH or
 * ERROR.
 */
void	verify_mac_match(struct verify_mac *, const struct endpoint *,
	    const struct verify_chunk *msg, size_t nmsg,
	    const struct verify_sigs *, struct verify_result *);

typedef void	verify_fn(const struct endpoint *, const struct header_list *,
		    const unsigned char *, size_t, time_t,
		    struct verify_result *);

/* signature_type jwt, in verify_jwt.c. */
verify_fn	verify_jwt;

/* The header a scheme reads: signature_header, else the default. */
const char	*verify_header_name(const struct endpoint *);

#endif
