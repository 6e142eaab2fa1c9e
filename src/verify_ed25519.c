/*
 * verify_ed25519: signatures a sender makes with its private ed25519
 * key and we check with its public key: Discord, and the v1a entries of
 * Standard Webhooks (verify.c parses those).  OpenSSL 3 does the curve.
 * Promises: public keys are parsed once, at load (verify_ed25519_key);
 * every signature is tried under every key without stopping at a match;
 * the message is copied once per request, however many keys and
 * signatures there are (ed25519 hashes it twice, so it cannot be fed in
 * pieces); nothing here does I/O or echoes a byte the peer chose.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "header.h"
#include "verify.h"
#include "verify_int.h"

#define WHPK_PREFIX	"whpk_"
#define WHSEC_PREFIX	"whsec_"
#define KEY_MAX_TEXT	128	/* longer than any way of writing a key */

static bool
all_hex(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return false;
	}
	return true;
}

/* The 32 raw bytes of a key written in hex or base64; -1 with why. */
static int
key_bytes(const char *s, size_t n, unsigned char *raw, char *why,
    size_t whylen)
{
	unsigned char	buf[KEY_MAX_TEXT];
	size_t		got = 0;
	bool		whpk = false;

	if (n >= sizeof(WHPK_PREFIX) - 1 &&
	    memcmp(s, WHPK_PREFIX, sizeof(WHPK_PREFIX) - 1) == 0) {
		s += sizeof(WHPK_PREFIX) - 1;
		n -= sizeof(WHPK_PREFIX) - 1;
		whpk = true;
	}
	if (n > KEY_MAX_TEXT) {
		snprintf(why, whylen, "too long for an ed25519 public key");
		return -1;
	}
	if (!whpk && n == 2 * VERIFY_ED25519_KEY && !all_hex(s, n)) {
		snprintf(why, whylen, "64 characters, but not hex");
		return -1;
	}
	if (!whpk && all_hex(s, n) && n != 43 && n != 44) {
		if (n == 2 * VERIFY_ED25519_KEY)
			return verify_hex_decode(s, raw, VERIFY_ED25519_KEY);
		snprintf(why, whylen, "%zu hex digits, want %d", n,
		    2 * VERIFY_ED25519_KEY);
		return -1;
	}
	if (verify_base64_decode(s, n, false, buf, sizeof(buf), &got) == -1 &&
	    verify_base64_decode(s, n, true, buf, sizeof(buf), &got) == -1) {
		snprintf(why, whylen, whpk ? "whpk_ key is not base64" :
		    "neither 64 hex digits nor base64");
		return -1;
	}
	if (got != VERIFY_ED25519_KEY) {
		snprintf(why, whylen, "%zu bytes, want %d", got,
		    VERIFY_ED25519_KEY);
		return -1;
	}
	memcpy(raw, buf, VERIFY_ED25519_KEY);
	return 0;
}

EVP_PKEY *
verify_ed25519_key(const char *s, size_t n, char *why, size_t whylen)
{
	unsigned char	 raw[VERIFY_ED25519_KEY];
	EVP_PKEY	*pkey;

	if (n >= sizeof(WHSEC_PREFIX) - 1 &&
	    memcmp(s, WHSEC_PREFIX, sizeof(WHSEC_PREFIX) - 1) == 0) {
		snprintf(why, whylen, "a whsec_ value is a shared secret, not "
		    "a public key");
		return NULL;
	}
	if (key_bytes(s, n, raw, why, whylen) == -1)
		return NULL;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
	    sizeof(raw));
	if (pkey == NULL)
		snprintf(why, whylen, "not an ed25519 public key");
	ERR_clear_error();
	return pkey;
}

/* The pieces of msg in one buffer (malloc'd, never NULL on success). */
static unsigned char *
join(const struct verify_chunk *msg, size_t nmsg, size_t *lenp)
{
	unsigned char	*buf;
	size_t		 i, len = 0, off = 0;

	for (i = 0; i < nmsg; i++) {
		if (msg[i].n > SIZE_MAX - 1 - len)
			return NULL;
		len += msg[i].n;
	}
	buf = malloc(len + 1);
	if (buf == NULL)
		return NULL;
	for (i = 0; i < nmsg; i++) {
		if (msg[i].n > 0)
			memcpy(buf + off, msg[i].p, msg[i].n);
		off += msg[i].n;
	}
	*lenp = len;
	return buf;
}

/* 1: sig is key's signature of msg; 0: it is not; -1: OpenSSL failed. */
static int
ed25519_verify(EVP_PKEY *key, const unsigned char *sig,
    const unsigned char *msg, size_t len)
{
	EVP_MD_CTX	*ctx;
	int		 rc = -1;

	ctx = EVP_MD_CTX_new();
	/* No digest: ed25519 hashes the message itself (SHA-512). */
	if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL,
	    key) == 1)
		rc = EVP_DigestVerify(ctx, sig, VERIFY_ED25519_SIG, msg, len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();	/* a bad signature is not the process's error */
	return rc < 0 ? -1 : rc;
}

void
verify_ed25519_match(const struct verify_conf *vc,
    const struct verify_chunk *msg, size_t nmsg,
    const struct verify_sigs *sigs, struct verify_result *res)
{
	unsigned char	*buf;
	size_t		 i, j, len = 0;
	int		 rc, matched = 0, failed = 0;

	buf = join(msg, nmsg, &len);
	if (buf == NULL) {
		verify_result_set(res, VERIFY_ERROR, "out of memory");
		return;
	}
	for (i = 0; i < vc->npublic_keys; i++) {
		for (j = 0; j < sigs->n; j++) {
			rc = ed25519_verify(vc->public_keys[i], sigs->v[j],
			    buf, len);
			matched |= rc == 1;
			failed |= rc == -1;
		}
	}
	free(buf);
	if (matched)
		verify_result_set(res, VERIFY_OK, "signature ok");
	else if (failed)
		verify_result_set(res, VERIFY_ERROR, "ed25519 failed");
	else
		verify_result_set(res, VERIFY_MISMATCH, "no public key matches");
}

/*
 * Discord: X-Signature-Ed25519: <128 hex digits>, the signature of the
 * X-Signature-Timestamp value followed by the body, under the
 * application's public key.
 */
void
verify_discord(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	struct verify_sigs	 sigs;
	struct verify_chunk	 msg[2];
	const char		*value, *raw = NULL;
	long long		 ts = 0;
	size_t			 n;

	value = verify_header_need(headers, verify_header_name(vc), res);
	if (value == NULL || verify_ts_header(headers,
	    "x-signature-timestamp", &raw, &ts, res) == -1)
		return;
	value += strspn(value, " \t");
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	sigs.n = 1;
	if (verify_sig_decode(VERIFY_ED25519_SIG, VERIFY_HEX, value, n,
	    sigs.v[0], res) == -1)
		return;
	msg[0] = (struct verify_chunk){ raw, strlen(raw) };
	msg[1] = (struct verify_chunk){ body, len };
	verify_ed25519_match(vc, msg, 2, &sigs, res);
	verify_ts_window(vc, ts, now, res);
}
