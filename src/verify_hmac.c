/*
 * verify_hmac: signature_type hmac, a provider's HMAC rule written in
 * the configuration instead of in C.  signed_content is a template of
 * what is signed; signature_header holds the signatures, which
 * signature_pattern's (?<sig>...) group picks out (it may match several
 * times); signature_encoding and signature_algorithm say how they are
 * written and made (signature_field: a form field of the body holds
 * them instead); timestamp_header or timestamp_field (a JSON body path)
 * and timestamp_pattern's (?<ts>...) group give a unix time, in seconds
 * or milliseconds, that timestamp_tolerance bounds.
 * Promises: templates and patterns are compiled once, at load, and a
 * template with an unknown variable or a pattern without its group is
 * refused there; the body is never copied (the HMAC takes the pieces of
 * the template one after the other), except into ${form}'s decoded and
 * sorted fields; every secret and every candidate
 * is compared in constant time (verify_mac_match); a pattern runs under
 * a match limit; nothing here does I/O or echoes a byte of the peer's.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH	8
#include <pcre2.h>

#include "form.h"
#include "header.h"
#include "verify.h"
#include "verify_int.h"

#define TPL_MAX_PARTS		32	/* pieces of one signed_content */
#define PATTERN_MATCH_LIMIT	100000
#define PATTERN_DEPTH_LIMIT	10000
#define PATTERN_HEAP_LIMIT	(16 * 1024)	/* KiB */
#define TS_MS_FROM		100000000000LL	/* larger: milliseconds */

enum tpl_kind {
	TPL_TEXT,
	TPL_BODY,
	TPL_HEADER,
	TPL_METHOD,
	TPL_URL,
	TPL_FULL_URL,
	TPL_QUERY,
	TPL_TIMESTAMP,
	TPL_FORM
};

struct tpl_part {
	enum tpl_kind	 kind;
	char		*text;		/* TPL_TEXT: literal; TPL_HEADER: name */
	size_t		 len;
};

struct verify_template {
	struct tpl_part	v[TPL_MAX_PARTS];
	size_t		n;
};

struct verify_pattern {
	pcre2_code		*re;
	pcre2_match_context	*mctx;
	uint32_t		 group;		/* number of the named group */
};

static const struct {
	const char	*name;
	enum tpl_kind	 kind;
} tpl_vars[] = {
	{ "body", TPL_BODY },
	{ "method", TPL_METHOD },
	{ "url", TPL_URL },
	{ "full_url", TPL_FULL_URL },
	{ "query", TPL_QUERY },
	{ "timestamp", TPL_TIMESTAMP },
	{ "form", TPL_FORM },
};

static struct verify_mac *const algorithms[] = {
	[VERIFY_SHA1] = &verify_mac_sha1,
	[VERIFY_SHA256] = &verify_mac_sha256,
	[VERIFY_SHA512] = &verify_mac_sha512,
};

/* ---- signed_content ---- */

void
verify_template_free(struct verify_template *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t);
}

static int
tpl_add(struct verify_template *t, enum tpl_kind kind, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct tpl_part	*p;

	if (kind == TPL_TEXT && len == 0)
		return 0;
	if (t->n == TPL_MAX_PARTS) {
		snprintf(err, errlen, "more than %d pieces", TPL_MAX_PARTS);
		return -1;
	}
	p = &t->v[t->n];
	p->kind = kind;
	p->len = len;
	p->text = NULL;
	if (text != NULL) {
		p->text = strndup(text, len);
		if (p->text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (kind == TPL_HEADER)
			header_name_normalise(p->text);
	}
	t->n++;
	return 0;
}

/* RFC 9110 token characters, as header names are made of. */
static bool
tpl_token(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (strchr("!#$%&'*+-.^_`|~", s[i]) == NULL &&
		    !(s[i] >= '0' && s[i] <= '9') &&
		    !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z'))
			return false;
	}
	return true;
}

/* One ${name}, name being s[0..n). */
static int
tpl_var(struct verify_template *t, const char *s, size_t n, char *err,
    size_t errlen)
{
	size_t	i;

	if (n > 7 && memcmp(s, "header.", 7) == 0 && tpl_token(s + 7, n - 7))
		return tpl_add(t, TPL_HEADER, s + 7, n - 7, err, errlen);
	for (i = 0; i < sizeof(tpl_vars) / sizeof(tpl_vars[0]); i++) {
		if (strlen(tpl_vars[i].name) == n &&
		    memcmp(tpl_vars[i].name, s, n) == 0)
			return tpl_add(t, tpl_vars[i].kind, NULL, 0, err,
			    errlen);
	}
	snprintf(err, errlen, "unknown variable ${%.*s} (known: body, "
	    "method, url, full_url, query, form, timestamp, header.NAME)",
	    (int)(n > 64 ? 64 : n), s);
	return -1;
}

struct verify_template *
verify_template_parse(const char *s, char *err, size_t errlen)
{
	struct verify_template	*t;
	const char		*open, *close;

	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while ((open = strstr(s, "${")) != NULL) {
		close = strchr(open + 2, '}');
		if (close == NULL) {
			snprintf(err, errlen, "${ without a closing }");
			goto fail;
		}
		if (tpl_add(t, TPL_TEXT, s, (size_t)(open - s), err,
		    errlen) == -1 || tpl_var(t, open + 2,
		    (size_t)(close - open - 2), err, errlen) == -1)
			goto fail;
		s = close + 1;
	}
	if (tpl_add(t, TPL_TEXT, s, strlen(s), err, errlen) == -1)
		goto fail;
	if (t->n == 0) {
		snprintf(err, errlen, "empty");
		goto fail;
	}
	return t;
fail:
	verify_template_free(t);
	return NULL;
}

static bool
tpl_has(const struct verify_template *t, enum tpl_kind kind)
{
	size_t	i;

	for (i = 0; t != NULL && i < t->n; i++) {
		if (t->v[i].kind == kind)
			return true;
	}
	return false;
}

bool
verify_template_has_timestamp(const struct verify_template *t)
{
	return tpl_has(t, TPL_TIMESTAMP);
}

/* ---- signature_pattern, timestamp_pattern ---- */

void
verify_pattern_free(struct verify_pattern *p)
{
	if (p == NULL)
		return;
	pcre2_code_free(p->re);
	pcre2_match_context_free(p->mctx);
	free(p);
}

struct verify_pattern *
verify_pattern_compile(const char *re, const char *group, char *err,
    size_t errlen)
{
	struct verify_pattern	*p;
	PCRE2_UCHAR		 msg[256];
	PCRE2_SIZE		 off = 0;
	int			 code = 0, n;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->re = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
	if (p->re == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		snprintf(err, errlen, "bad regex: %s at offset %zu",
		    (const char *)msg, (size_t)off);
		goto fail;
	}
	n = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR)group);
	if (n < 0) {
		snprintf(err, errlen, n == PCRE2_ERROR_NOUNIQUESUBSTRING ?
		    "more than one (?<%s>...) group" : "no (?<%s>...) group",
		    group);
		goto fail;
	}
	p->group = (uint32_t)n;
	p->mctx = pcre2_match_context_create(NULL);
	if (p->mctx == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(p->mctx, PATTERN_MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, PATTERN_DEPTH_LIMIT);
	pcre2_set_heap_limit(p->mctx, PATTERN_HEAP_LIMIT);
	/*
	 * No JIT: a header is short, the interpreter honours all three
	 * limits (JIT only the match limit), and JIT code scans ahead in
	 * 16-byte loads past the end of the value, which valgrind reports.
	 */
	return p;
fail:
	verify_pattern_free(p);
	return NULL;
}

/*
 * Where the pattern's group matched in s, up to max times, from left to
 * right: starts into at[], lengths into len[].  Returns the count (more
 * than max: max + 1), or -1 if the matcher failed (limit, memory).
 */
static int
pattern_find(const struct verify_pattern *p, const char *s, size_t n,
    const char **at, size_t *len, size_t max)
{
	pcre2_match_data	*md;
	PCRE2_SIZE		*ov, start = 0;
	size_t			 found = 0;
	int			 rc;

	md = pcre2_match_data_create_from_pattern(p->re, NULL);
	if (md == NULL)
		return -1;
	while (start <= n && found <= max) {
		rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, start, 0, md,
		    p->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			found = (size_t)-1;
			break;
		}
		ov = pcre2_get_ovector_pointer(md);
		if (found < max && p->group < (uint32_t)rc &&
		    ov[2 * p->group] != PCRE2_UNSET) {
			at[found] = s + ov[2 * p->group];
			len[found] = ov[2 * p->group + 1] - ov[2 * p->group];
		}
		if (p->group < (uint32_t)rc && ov[2 * p->group] != PCRE2_UNSET)
			found++;
		/* An empty match moves on by one, or it would be found again. */
		start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	pcre2_match_data_free(md);
	return found == (size_t)-1 ? -1 : (int)found;
}

/* ---- the request ---- */

/* The signatures in value: the pattern's matches, or the whole value. */
static int
hmac_sigs(const struct verify_conf *vc, const struct verify_mac *m,
    const char *value, struct verify_sigs *sigs, struct verify_result *res)
{
	const char		*at[VERIFY_MAX_SIGS];
	size_t			 len[VERIFY_MAX_SIGS], i, n;
	int			 found;
	struct verify_result	 bad = { .status = VERIFY_MALFORMED };

	if (vc->signature_pattern == NULL) {
		value += strspn(value, " \t");
		at[0] = value;
		len[0] = strlen(value);
		while (len[0] > 0 && strchr(" \t", value[len[0] - 1]) != NULL)
			len[0]--;
		found = 1;
	} else {
		found = pattern_find(vc->signature_pattern, value,
		    strlen(value), at, len, VERIFY_MAX_SIGS);
	}
	if (found < 0) {
		verify_result_set(res, VERIFY_MALFORMED, "signature_pattern "
		    "failed (match limit)");
		return -1;
	}
	if (found == 0) {
		verify_result_set(res, VERIFY_MALFORMED, "signature_pattern "
		    "does not match");
		return -1;
	}
	if (found > VERIFY_MAX_SIGS) {
		verify_result_set(res, VERIFY_MALFORMED, "more than %d "
		    "signatures", VERIFY_MAX_SIGS);
		return -1;
	}
	/* A candidate of the wrong form is skipped; none left: malformed. */
	sigs->n = 0;
	n = (size_t)found;
	for (i = 0; i < n; i++) {
		if (verify_sig_decode(m->len, (enum verify_encoding)
		    vc->signature_encoding, at[i], len[i], sigs->v[sigs->n],
		    &bad) == 0)
			sigs->n++;
	}
	if (sigs->n == 0) {
		*res = bad;
		res->claims = NULL;
		return -1;
	}
	return 0;
}

/* n digits of s as a number, or -1. */
static int
rfc3339_num(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * An RFC 3339 date-time, "2019-11-16T10:11:12.634234626Z" or with a
 * +hh:mm offset, as unix seconds (the fraction dropped).  -1 if it is
 * not one.
 */
static int
rfc3339_parse(const char *s, size_t n, long long *ts)
{
	static const char	 form[] = "dddd-dd-ddTdd:dd:dd";
	int			 y, mo, d, h, mi, sec, off = 0;
	int			 era, yoe, doy;
	size_t			 i, f = sizeof(form) - 1;
	long long		 days;

	if (n < f + 1)
		return -1;
	for (i = 0; i < f; i++) {
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' :
		    (form[i] == 'T' ? s[i] != 'T' && s[i] != 't' :
		    s[i] != form[i]))
			return -1;
	}
	y = rfc3339_num(s, 4);
	mo = rfc3339_num(s + 5, 2);
	d = rfc3339_num(s + 8, 2);
	h = rfc3339_num(s + 11, 2);
	mi = rfc3339_num(s + 14, 2);
	sec = rfc3339_num(s + 17, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (s[f] == '.') {
		for (f++; f < n && s[f] >= '0' && s[f] <= '9'; f++)
			;
	}
	if (f + 1 == n && (s[f] == 'Z' || s[f] == 'z'))
		off = 0;
	else if (f + 6 == n && (s[f] == '+' || s[f] == '-') &&
	    s[f + 3] == ':' && rfc3339_num(s + f + 1, 2) >= 0 &&
	    rfc3339_num(s + f + 4, 2) >= 0) {
		off = rfc3339_num(s + f + 1, 2) * 3600 +
		    rfc3339_num(s + f + 4, 2) * 60;
		if (s[f] == '-')
			off = -off;
	} else
		return -1;
	/* Days from the civil date (proleptic Gregorian), 1970-01-01 = 0. */
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	days = (long long)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 +
	    doy - 719468;
	*ts = days * 86400 + h * 3600 + mi * 60 + sec - off;
	return 0;
}

/*
 * The value at the JSON body's dotted path (a string, or a number
 * written as it is), else the form body's field of that name, into buf:
 * 1, 0 if there is none, -1 if it does not fit or is malformed.
 */
static int
body_value(const unsigned char *body, size_t len, const char *path,
    char *buf, size_t cap)
{
	json_t		*root, *v;
	const char	*p, *dot;
	char		 name[128];
	size_t		 n;
	int		 rc = 0, w;

	root = json_loadb((const char *)body, len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return form_get((const char *)body, len, path, buf, cap, &n);
	}
	for (v = root, p = path; v != NULL; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(name)) {
			v = NULL;
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		v = json_object_get(v, name);
		if (dot == NULL)
			break;
	}
	if (json_is_string(v))
		w = snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		w = snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	else
		w = -2;
	if (w >= 0)
		rc = (size_t)w < cap ? 1 : -1;
	json_decref(root);
	return rc;
}

/*
 * The timestamp: its text (as signed) and its value in seconds, from
 * timestamp_header, or timestamp_field into tsbuf.
 */
static int
hmac_timestamp(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, char *tsbuf, size_t tscap,
    const char **raw, size_t *rawlen, long long *ts,
    struct verify_result *res)
{
	const char	*value, *what;
	int		 found;

	if (vc->timestamp_field != NULL) {
		what = vc->timestamp_field;
		found = body_value(body, len, what, tsbuf, tscap);
		if (found != 1) {
			verify_result_set(res, found == 0 ? VERIFY_MISSING :
			    VERIFY_MALFORMED, "%s %s in the body", found == 0 ?
			    "no" : "an unreadable", what);
			return -1;
		}
		value = tsbuf;
	} else {
		what = vc->timestamp_header;
		value = verify_header_need(headers, what, res);
		if (value == NULL)
			return -1;
	}
	if (vc->timestamp_pattern == NULL) {
		*raw = value;
		*rawlen = strlen(value);
		found = 1;
	} else {
		found = pattern_find(vc->timestamp_pattern, value,
		    strlen(value), raw, rawlen, 1);
	}
	if (found == 1 && rfc3339_parse(*raw, *rawlen, ts) == 0)
		return 0;
	if (found != 1 || verify_ts_parse(*raw, *rawlen, ts) == -1) {
		verify_result_set(res, VERIFY_MALFORMED, "%s holds no unix "
		    "or RFC 3339 time", what);
		return -1;
	}
	if (*ts >= TS_MS_FROM)
		*ts /= 1000;
	return 0;
}

/* The signatures' text: signature_header, or signature_field into buf. */
static const char *
hmac_sig_value(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, char *buf, size_t cap,
    struct verify_result *res)
{
	size_t	n;
	int	rc;

	if (vc->signature_field == NULL)
		return verify_header_need(headers, vc->signature_header, res);
	rc = form_get((const char *)body, len, vc->signature_field, buf, cap,
	    &n);
	if (rc == 1)
		return buf;
	verify_result_set(res, rc == 0 ? VERIFY_MISSING : VERIFY_MALFORMED,
	    "%s field %s in the body", rc == 0 ? "no" : "an unreadable",
	    vc->signature_field);
	return NULL;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * ${form}: the body's form fields sorted by name, each name followed by
 * its value, decoded (Twilio's rule); malloc'd into *out, or -1 (res
 * set).  A malformed body is refused, not signed as something else.
 */
static int
form_sorted(const unsigned char *body, size_t len, char **out, size_t *olen,
    struct verify_result *res)
{
	json_t		 *o, *v;
	const char	**keys = NULL, *k;
	char		 *buf = NULL;
	size_t		  n = 0, i, total = 0, kl, vl;

	if ((o = form_object((const char *)body, len, true)) == NULL) {
		verify_result_set(res, VERIFY_MALFORMED, "%s", errno == ENOMEM ?
		    "out of memory" : "the body is not a form");
		return -1;
	}
	if ((keys = calloc(json_object_size(o) + 1, sizeof(*keys))) == NULL)
		goto nomem;
	json_object_foreach(o, k, v) {
		keys[n++] = k;
		total += strlen(k) + strlen(json_string_value(v));
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	if ((buf = malloc(total + 1)) == NULL)
		goto nomem;
	for (i = 0, total = 0; i < n; i++) {
		kl = strlen(keys[i]);
		memcpy(buf + total, keys[i], kl);
		total += kl;
		k = json_string_value(json_object_get(o, keys[i]));
		vl = strlen(k);
		memcpy(buf + total, k, vl);
		total += vl;
	}
	free(keys);
	json_decref(o);
	*out = buf;
	*olen = total;
	return 0;
nomem:
	free(keys);
	json_decref(o);
	verify_result_set(res, VERIFY_ERROR, "out of memory");
	return -1;
}

/*
 * The pieces of signed_content for this request, at most two a part
 * (${full_url}: public_url and the query); their count, or -1 with res
 * set.  *scratch is ${form}'s text, for the caller to free.
 */
static int
hmac_content(const struct verify_conf *vc, const struct verify_http *http,
    const struct header_list *headers, const unsigned char *body, size_t len,
    const char *ts, size_t tslen, struct verify_chunk *msg, char **scratch,
    struct verify_result *res)
{
	size_t			 flen = 0;
	const struct tpl_part	*p;
	const char		*s, *url, *q;
	size_t			 i, n = 0;

	url = http != NULL && http->url != NULL ? http->url : "";
	q = strchr(url, '?');
	for (i = 0; i < vc->signed_content->n; i++) {
		p = &vc->signed_content->v[i];
		switch (p->kind) {
		case TPL_TEXT:
			msg[n++] = (struct verify_chunk){ p->text, p->len };
			break;
		case TPL_BODY:
			msg[n++] = (struct verify_chunk){ body, len };
			break;
		case TPL_HEADER:
			s = verify_header_need(headers, p->text, res);
			if (s == NULL)
				return -1;
			msg[n++] = (struct verify_chunk){ s, strlen(s) };
			break;
		case TPL_METHOD:
			s = http != NULL && http->method != NULL ?
			    http->method : "";
			msg[n++] = (struct verify_chunk){ s, strlen(s) };
			break;
		case TPL_URL:
			msg[n++] = (struct verify_chunk){ url, strlen(url) };
			break;
		case TPL_QUERY:
			s = q != NULL ? q + 1 : "";
			msg[n++] = (struct verify_chunk){ s, strlen(s) };
			break;
		case TPL_FULL_URL:
			/*
			 * public_url, then the query as requested; else the
			 * request's origin and its URL.
			 */
			if (vc->public_url == NULL && http != NULL &&
			    http->origin != NULL) {
				s = http->origin;
				q = url;
			} else
				s = vc->public_url != NULL ? vc->public_url : "";
			msg[n++] = (struct verify_chunk){ s, strlen(s) };
			if (q != NULL)
				msg[n++] = (struct verify_chunk){ q, strlen(q) };
			q = strchr(url, '?');
			break;
		case TPL_TIMESTAMP:
			msg[n++] = (struct verify_chunk){ ts, tslen };
			break;
		case TPL_FORM:
			if (*scratch == NULL && form_sorted(body, len, scratch,
			    &flen, res) == -1)
				return -1;
			msg[n++] = (struct verify_chunk){ *scratch, flen };
			break;
		}
	}
	return (int)n;
}

void
verify_hmac_http(const struct verify_conf *vc, const struct verify_http *http,
    const struct header_list *headers, const unsigned char *body, size_t len,
    time_t now, struct verify_result *res)
{
	struct verify_chunk	 msg[2 * TPL_MAX_PARTS];
	struct verify_sigs	 sigs;
	int			 n;
	struct verify_mac	*m;
	const char		*value, *ts = NULL;
	char			*scratch = NULL, sigbuf[1024], tsbuf[64];
	size_t			 tslen = 0;
	long long		 when = 0;
	bool			 timed;

	if (vc->signed_content == NULL || (vc->signature_header == NULL &&
	    vc->signature_field == NULL) ||
	    (size_t)vc->signature_algorithm >= sizeof(algorithms) /
	    sizeof(algorithms[0])) {
		verify_result_set(res, VERIFY_ERROR, "incomplete hmac rule");
		return;
	}
	m = algorithms[vc->signature_algorithm];
	value = hmac_sig_value(vc, headers, body, len, sigbuf, sizeof(sigbuf),
	    res);
	if (value == NULL)
		return;
	timed = vc->timestamp_header != NULL || vc->timestamp_field != NULL;
	if (timed && hmac_timestamp(vc, headers, body, len, tsbuf,
	    sizeof(tsbuf), &ts, &tslen, &when, res) == -1)
		return;
	n = hmac_content(vc, http, headers, body, len, ts, tslen, msg,
	    &scratch, res);
	if (n == -1 || hmac_sigs(vc, m, value, &sigs, res) == -1) {
		free(scratch);
		return;
	}
	verify_mac_match(m, vc, msg, (size_t)n, &sigs, res);
	free(scratch);
	if (timed)
		verify_ts_window(vc, when, now, res);
}

/* The table's entry; without the request line, as verify_request has. */
void
verify_hmac(const struct verify_conf *vc, const struct header_list *headers,
    const unsigned char *body, size_t len, time_t now,
    struct verify_result *res)
{
	verify_hmac_http(vc, NULL, headers, body, len, now, res);
}
