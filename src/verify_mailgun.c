/*
 * verify_mailgun: signature_type mailgun.  Mailgun signs inside the
 * body, not in a header: the JSON body's "signature" object (or, in the
 * form posts of its older webhooks, the fields of the same names) gives
 * "timestamp", "token" and "signature", the hex HMAC-SHA256 of the
 * timestamp followed by the token, keyed with the webhook signing key.
 * The timestamp is checked against timestamp_tolerance.
 * Promises: every secret is tried, in constant time (verify_mac_match);
 * the body is parsed once, no deeper than jansson's limit, and nothing
 * of it is echoed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "form.h"
#include "verify.h"
#include "verify_int.h"

#define MG_TS_MAX	32	/* digits of a unix time, with room */
#define MG_TOKEN_MAX	512	/* Mailgun's are 50 characters */
#define MG_SIG_MAX	(2 * VERIFY_MAX_DIGEST + 1)

struct mg_fields {
	char	ts[MG_TS_MAX];
	char	token[MG_TOKEN_MAX];
	char	sig[MG_SIG_MAX + 1];
};

/* Copy the JSON string (or, for the timestamp, integer) v into buf. */
static int
mg_json_field(json_t *v, char *buf, size_t cap)
{
	int	n;

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		n = snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		n = snprintf(buf, cap, "%s", json_string_value(v));
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The three fields from the JSON body; 0, or -1 with res set. */
static int
mg_from_json(json_t *root, struct mg_fields *f, struct verify_result *res)
{
	json_t	*sig = json_object_get(root, "signature");

	if (!json_is_object(sig)) {
		verify_result_set(res, VERIFY_MISSING, "no signature object in "
		    "the body");
		return -1;
	}
	if (mg_json_field(json_object_get(sig, "timestamp"), f->ts,
	    sizeof(f->ts)) == -1 ||
	    mg_json_field(json_object_get(sig, "token"), f->token,
	    sizeof(f->token)) == -1 ||
	    !json_is_string(json_object_get(sig, "signature")) ||
	    mg_json_field(json_object_get(sig, "signature"), f->sig,
	    sizeof(f->sig)) == -1) {
		verify_result_set(res, VERIFY_MALFORMED, "signature needs "
		    "timestamp, token and signature as strings");
		return -1;
	}
	return 0;
}

/* The three fields from a form body; 0, or -1 with res set. */
static int
mg_from_form(const unsigned char *body, size_t len, struct mg_fields *f,
    struct verify_result *res)
{
	static const char *const name[] = { "timestamp", "token", "signature" };
	char	*buf[] = { f->ts, f->token, f->sig };
	size_t	 cap[] = { sizeof(f->ts), sizeof(f->token), sizeof(f->sig) };
	size_t	 i, n;
	int	 rc;

	for (i = 0; i < 3; i++) {
		rc = form_get((const char *)body, len, name[i], buf[i], cap[i],
		    &n);
		if (rc == 0) {
			verify_result_set(res, VERIFY_MISSING, "no %s field",
			    name[i]);
			return -1;
		}
		if (rc == -1) {
			verify_result_set(res, VERIFY_MALFORMED, "the %s field "
			    "is malformed or too long", name[i]);
			return -1;
		}
	}
	return 0;
}

void
verify_mailgun(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	struct mg_fields	 f;
	struct verify_sigs	 want;
	struct verify_chunk	 msg[2];
	json_t			*root;
	long long		 ts;
	int			 rc;

	(void)headers;
	memset(&f, 0, sizeof(f));
	root = json_loadb((const char *)body, len, 0, NULL);
	if (json_is_object(root))
		rc = mg_from_json(root, &f, res);
	else
		rc = mg_from_form(body, len, &f, res);
	json_decref(root);
	if (rc == -1)
		return;
	if (verify_ts_parse(f.ts, strlen(f.ts), &ts) == -1) {
		verify_result_set(res, VERIFY_MALFORMED, "timestamp is not a "
		    "unix time");
		return;
	}
	want.n = 1;
	if (verify_sig_decode(verify_mac_sha256.len, VERIFY_HEX, f.sig,
	    strlen(f.sig), want.v[0], res) == -1)
		return;
	msg[0] = (struct verify_chunk){ f.ts, strlen(f.ts) };
	msg[1] = (struct verify_chunk){ f.token, strlen(f.token) };
	verify_mac_match(&verify_mac_sha256, vc, msg, 2, &want, res);
	verify_ts_window(vc, ts, now, res);
}
