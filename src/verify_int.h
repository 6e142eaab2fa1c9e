/*
 * verify_int: what verify.c shares with the scheme families in other
 * files (verify_jwt.c, verify_ed25519.c,
 * verify_hmac.c): result helpers, headers and
 * encodings, HMAC over several secrets and several candidate signatures,
 * ed25519 over several keys, and the timestamp window.  Not part of
 * the module's interface.
 */
#ifndef HOOKSPOOL_VERIFY_INT_H
#define HOOKSPOOL_VERIFY_INT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "verify.h"

struct header_list;

#define VERIFY_MAX_DIGEST	64	/* SHA-512 */
#define VERIFY_MAX_SIGS		8	/* candidates in one header */
#define VERIFY_ED25519_KEY	32	/* raw public key bytes */
#define VERIFY_ED25519_SIG	64	/* signature bytes (= MAX_DIGEST) */

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
 * HMAC the message under every secret of vc and compare with every
 * candidate, without stopping at a match.  Sets res to OK, MISMATCH or
 * ERROR.
 */
void	verify_mac_match(struct verify_mac *, const struct verify_conf *,
	    const struct verify_chunk *msg, size_t nmsg,
	    const struct verify_sigs *, struct verify_result *);

/* The value of header name, or NULL with res set to MISSING. */
const char	*verify_header_need(const struct header_list *,
		    const char *name, struct verify_result *);
/* Decode exactly 2 * len hex digits of s into out.  -1 if not hex. */
int		 verify_hex_decode(const char *s, unsigned char *out,
		    size_t len);
/*
 * One hex or base64 signature s[0..n) of exactly want bytes into out;
 * -1 with res set to MALFORMED.
 */
int		 verify_sig_decode(size_t want, enum verify_encoding,
		    const char *s, size_t n, unsigned char *out,
		    struct verify_result *);
/* A decimal unix time of s[0..n); -1 if it is not one. */
int		 verify_ts_parse(const char *s, size_t n, long long *ts);
/* The unix time in header name, raw and parsed; -1 with res set. */
int		 verify_ts_header(const struct header_list *,
		    const char *name, const char **raw, long long *ts,
		    struct verify_result *);
/* An OK res becomes STALE if ts is further than the tolerance from now. */
void		 verify_ts_window(const struct verify_conf *, long long ts,
		    time_t now, struct verify_result *);

/*
 * The message made of msg[0..nmsg) against every ed25519 signature of
 * sigs (64 bytes each) under every public key of vc, without stopping
 * at a match.  Sets res to OK, MISMATCH or ERROR.
 */
void	verify_ed25519_match(const struct verify_conf *,
	    const struct verify_chunk *msg, size_t nmsg,
	    const struct verify_sigs *, struct verify_result *);

typedef void	verify_fn(const struct verify_conf *, const struct header_list *,
		    const unsigned char *, size_t, time_t,
		    struct verify_result *);

/* signature_type jwt, in verify_jwt.c. */
verify_fn	verify_jwt;
/* signature_type discord, in verify_ed25519.c. */
verify_fn	verify_discord;
verify_fn	verify_mailgun;
/* signature_type hmac, in verify_hmac.c; _http with the request line. */
verify_fn	verify_hmac;
void		verify_hmac_http(const struct verify_conf *,
		    const struct verify_http *, const struct header_list *,
		    const unsigned char *, size_t, time_t,
		    struct verify_result *);

/* The header a scheme reads: signature_header, else the default. */
const char	*verify_header_name(const struct verify_conf *);

#endif
