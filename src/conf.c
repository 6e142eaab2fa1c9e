/*
 * conf: read hookspool.ini into a struct conf.  libinih splits a line
 * into key and value and strips inline comments; the rest is ours: a
 * reader that counts lines, keeps sections and refuses the lines libinih
 * would cut, and one table (conf_keys[]) that types, range-checks and
 * stores every key, defaults included.
 * Promises: every error of a file is collected as "FILE:LINE: message"
 * (sorted by line), nothing is printed, a value is never silently
 * shortened, and a configuration with any error is never returned.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "command.h"
#include "conf.h"
#include "limit.h"
#include "filter.h"
#include "header.h"
#include "metrics.h"
#include "sink.h"
#include "spool.h"
#include "verify.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif

#define CONF_MAX_FILE		(16 * 1024 * 1024)	/* hookspool.ini */
#define CONF_MAX_SECRET_FILE	(64 * 1024)
#define CONF_MAX_KEY_FILE	(64 * 1024)	/* jwt_public_key_file */
#define CONF_MAX_ERRORS		1000	/* then "too many errors" */

enum section_kind {
	SECT_NONE,		/* before the first section */
	SECT_SERVER,
	SECT_ENDPOINT,
	SECT_HANDLER,
	SECT_SKIP		/* bad or duplicate header: keys ignored */
};

struct conf_parse;
struct conf_key;

/* Store value into obj (a server_conf, endpoint or handler); -1 on
 * error.  p->key is the key as written (a prefix key's whole name). */
typedef int	conf_setter(struct conf_parse *, const struct conf_key *,
		    void *obj, const char *value);

struct conf_key {
	enum section_kind	 section;
	const char		*name;
	conf_setter		*set;
	const char		*def;	/* parsed like a value; NULL: none */
	double			 min;
	double			 max;
	size_t			 off;	/* of the field in obj */
	unsigned		 flags;
	const struct conf_choice *choices; /* set_choice: the words */
};

/* One word of a key that takes one of a few (fsync = always | never). */
struct conf_choice {
	const char	*word;
	int		 value;
};

static const struct conf_choice fsync_choices[] = {
	{ "always", FSYNC_ALWAYS }, { "never", FSYNC_NEVER }, { NULL, 0 }
};
static const struct conf_choice log_choices[] = {
	{ "stderr", LOG_TO_STDERR }, { "syslog", LOG_TO_SYSLOG }, { NULL, 0 }
};
static const struct conf_choice log_format_choices[] = {
	{ "text", LOG_FORMAT_TEXT }, { "json", LOG_FORMAT_JSON }, { NULL, 0 }
};
static const struct conf_choice encoding_choices[] = {
	{ "hex", VERIFY_HEX }, { "base64", VERIFY_BASE64 },
	{ "base64url", VERIFY_BASE64URL }, { NULL, 0 }
};
static const struct conf_choice handshake_choices[] = {
	{ "none", HANDSHAKE_NONE }, { "slack", HANDSHAKE_SLACK },
	{ "zoom", HANDSHAKE_ZOOM }, { "twitch", HANDSHAKE_TWITCH },
	{ "meta", HANDSHAKE_META }, { "msgraph", HANDSHAKE_MSGRAPH },
	{ "eventgrid", HANDSHAKE_EVENTGRID }, { "dropbox", HANDSHAKE_DROPBOX },
	{ "x-crc", HANDSHAKE_XCRC }, { NULL, 0 }
};
static const struct conf_choice algorithm_choices[] = {
	{ "sha1", VERIFY_SHA1 }, { "sha256", VERIFY_SHA256 },
	{ "sha512", VERIFY_SHA512 }, { NULL, 0 }
};

#define KEY_REPEAT	0x01	/* may be given more than once */
#define KEY_RAW		0x02	/* refuse a value an inline comment cut */
#define KEY_MIN_OPEN	0x04	/* value must be greater than min */
#define KEY_PREFIX	0x08	/* name is a prefix: "header." + NAME */

static conf_setter	set_space, set_abspath, set_allow, set_bool, set_command, set_criterion,
			set_choice, set_double, set_group,
			set_handshake_token, set_handshake_token_file,
			set_header, set_header_names, set_int, set_jwt_alg,
			set_query_names,
			set_jwt_key,
			set_long, set_methods, set_path, set_program, set_public_key,
			set_scheme, set_secret, set_secret_file, set_sink, set_size,
			set_string, set_user, set_template, set_sig_pattern,
			set_ts_pattern, set_duration;

#define S(f)	offsetof(struct server_conf, f)
#define E(f)	offsetof(struct endpoint, f)
#define H(f)	offsetof(struct handler, f)

/* Every key of the language.  hookspool.ini(5) documents this table. */
static const struct conf_key conf_keys[] = {
	{ SECT_SERVER, "spool_dir", set_abspath, "/var/spool/hookspool",
	    0, 0, S(spool_dir), 0, NULL },
	{ SECT_SERVER, "max_body_size", set_size, "1048576",
	    1, 1024.0 * 1024 * 1024, S(max_body_size), 0, NULL },
	{ SECT_SERVER, "max_headers", set_int, "500",
	    1, CONF_MAX_HEADERS, S(max_headers), 0, NULL },
	{ SECT_SERVER, "max_header_size", set_size, "65536",
	    1024, CONF_MAX_HEADER_SIZE, S(max_header_size), 0, NULL },
	{ SECT_SERVER, "redact_headers", set_header_names, NULL,
	    0, 0, S(redact_headers), KEY_REPEAT, NULL },
	{ SECT_SERVER, "redact_query", set_query_names, NULL,
	    0, 0, S(redact_query), KEY_REPEAT, NULL },
	{ SECT_SERVER, "fsync", set_choice, "always", 0, 0, S(fsync), 0,
	    fsync_choices },
	{ SECT_SERVER, "max_retry_attempts", set_int, "3",
	    0, 100, S(max_retry_attempts), 0, NULL },
	{ SECT_SERVER, "retry_delay_seconds", set_double, "1.0",
	    0, 86400, S(retry_delay_seconds), KEY_MIN_OPEN, NULL },
	{ SECT_SERVER, "retry_backoff_multiplier", set_double, "2.0",
	    1, 100, S(retry_backoff_multiplier), 0, NULL },
	{ SECT_SERVER, "retry_max_delay_seconds", set_double, "3600",
	    0, 7 * 86400, S(retry_max_delay_seconds), KEY_MIN_OPEN, NULL },
	{ SECT_SERVER, "event_history_size", set_long, "1000",
	    1, 1e9, S(event_history_size), 0, NULL },
	{ SECT_SERVER, "segment_size", set_size, "64M",
	    4096, 1024.0 * 1024 * 1024 * 1024, S(segment_size), 0, NULL },
	{ SECT_SERVER, "request_timeout", set_int, "30",
	    1, 3600, S(request_timeout), 0, NULL },
	{ SECT_SERVER, "handler_nice", set_int, "10",
	    0, 19, S(handler_nice), 0, NULL },
	{ SECT_SERVER, "listen", set_string, NULL, 0, 0, S(listen), 0, NULL },
	{ SECT_SERVER, "workers", set_int, "0", 0, 1024, S(workers), 0, NULL },
	{ SECT_SERVER, "metrics_path", set_path, NULL,
	    0, 0, S(metrics_path), 0, NULL },
	{ SECT_SERVER, "metrics_allow", set_allow, NULL,
	    0, 0, S(metrics_allow), 0, NULL },
	{ SECT_SERVER, "log", set_choice, "stderr", 0, 0, S(log), 0,
	    log_choices },
	{ SECT_SERVER, "min_free_space", set_space, "0", 0, 0,
	    S(min_free_space), 0, NULL },
	{ SECT_SERVER, "health_path", set_path, NULL, 0, 0, S(health_path), 0,
	    NULL },
	{ SECT_SERVER, "log_format", set_choice, "text", 0, 0, S(log_format),
	    0, log_format_choices },
	{ SECT_SERVER, "dedup_max_keys", set_long, "100000",
	    16, 1e8, S(dedup_max_keys), 0, NULL },
	{ SECT_SERVER, "on_dead", set_program, NULL, 0, 0, S(on_dead), 0,
	    NULL },
	{ SECT_ENDPOINT, "path", set_path, NULL, 0, 0, E(path), 0, NULL },
	{ SECT_ENDPOINT, "secret", set_secret, NULL,
	    0, 0, 0, KEY_REPEAT | KEY_RAW, NULL },
	{ SECT_ENDPOINT, "secret_file", set_secret_file, NULL,
	    0, 0, 0, KEY_REPEAT, NULL },
	{ SECT_ENDPOINT, "public_key", set_public_key, NULL,
	    0, 0, 0, KEY_REPEAT, NULL },
	{ SECT_ENDPOINT, "signature_type", set_scheme, "none",
	    0, 0, E(verify.scheme), 0, NULL },
	{ SECT_ENDPOINT, "signature_header", set_header, NULL,
	    0, 0, E(verify.signature_header), 0, NULL },
	{ SECT_ENDPOINT, "redact_headers", set_header_names, NULL,
	    0, 0, E(redact_headers), KEY_REPEAT, NULL },
	{ SECT_ENDPOINT, "redact_query", set_query_names, NULL,
	    0, 0, E(redact_query), KEY_REPEAT, NULL },
	{ SECT_ENDPOINT, "payload_json_field", set_string, NULL,
	    0, 0, E(payload_json_field), 0, NULL },
	{ SECT_ENDPOINT, "methods", set_methods, "POST",
	    0, 0, E(methods), 0, NULL },
	{ SECT_ENDPOINT, "enabled", set_bool, "true",
	    0, 0, E(enabled), 0, NULL },
	{ SECT_ENDPOINT, "signature_encoding", set_choice, "hex",
	    0, 0, E(verify.signature_encoding), 0, encoding_choices },
	{ SECT_ENDPOINT, "timestamp_tolerance", set_long, "300",
	    1, 86400, E(verify.timestamp_tolerance), 0, NULL },
	{ SECT_ENDPOINT, "signed_content", set_template, NULL,
	    0, 0, E(verify.signed_content), 0, NULL },
	{ SECT_ENDPOINT, "signature_pattern", set_sig_pattern, NULL,
	    0, 0, E(verify.signature_pattern), 0, NULL },
	{ SECT_ENDPOINT, "signature_algorithm", set_choice, "sha256",
	    0, 0, E(verify.signature_algorithm), 0, algorithm_choices },
	{ SECT_ENDPOINT, "timestamp_header", set_header, NULL,
	    0, 0, E(verify.timestamp_header), 0, NULL },
	{ SECT_ENDPOINT, "timestamp_pattern", set_ts_pattern, NULL,
	    0, 0, E(verify.timestamp_pattern), 0, NULL },
	{ SECT_ENDPOINT, "signature_field", set_string, NULL,
	    0, 0, E(verify.signature_field), 0, NULL },
	{ SECT_ENDPOINT, "timestamp_field", set_string, NULL,
	    0, 0, E(verify.timestamp_field), 0, NULL },
	{ SECT_ENDPOINT, "handshake", set_choice, "none",
	    0, 0, E(handshake.kind), 0, handshake_choices },
	{ SECT_ENDPOINT, "handshake_token", set_handshake_token, NULL,
	    0, 0, 0, KEY_RAW, NULL },
	{ SECT_ENDPOINT, "handshake_token_file", set_handshake_token_file,
	    NULL, 0, 0, 0, 0, NULL },
	{ SECT_ENDPOINT, "jwt_algorithm", set_jwt_alg, NULL,
	    0, 0, E(verify.jwt_alg), 0, NULL },
	{ SECT_ENDPOINT, "jwt_public_key_file", set_jwt_key, NULL,
	    0, 0, E(verify.jwt_key), 0, NULL },
	{ SECT_ENDPOINT, "jwt_leeway", set_long, "0",
	    0, 3600, E(verify.jwt_leeway), 0, NULL },
	{ SECT_ENDPOINT, "public_url", set_string, NULL,
	    0, 0, E(verify.public_url), 0, NULL },
	{ SECT_ENDPOINT, "jwt_issuer", set_string, NULL,
	    0, 0, E(verify.jwt_issuer), 0, NULL },
	{ SECT_ENDPOINT, "jwt_audience", set_string, NULL,
	    0, 0, E(verify.jwt_audience), 0, NULL },
	{ SECT_ENDPOINT, "dedup_key", set_command, NULL,
	    0, 0, E(dedup_key), 0, NULL },
	{ SECT_ENDPOINT, "dedup_window", set_duration, "72h",
	    1, 366.0 * 86400, E(dedup_window), 0, NULL },
	{ SECT_HANDLER, "command", set_command, NULL,
	    0, 0, H(command), 0, NULL },
	/* the filter's criteria; a handler's methods are one of them */
	{ SECT_HANDLER, "endpoint_paths", set_criterion, NULL,
	    0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "methods", set_criterion, NULL, 0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "header.", set_criterion, NULL,
	    0, 0, 0, KEY_PREFIX | KEY_REPEAT, NULL },
	{ SECT_HANDLER, "payload.", set_criterion, NULL,
	    0, 0, 0, KEY_PREFIX | KEY_REPEAT, NULL },
	{ SECT_HANDLER, "query.", set_criterion, NULL,
	    0, 0, 0, KEY_PREFIX | KEY_REPEAT, NULL },
	{ SECT_HANDLER, "timeout", set_int, "30",
	    1, 86400, H(timeout), 0, NULL },
	{ SECT_HANDLER, "on_dead", set_program, NULL,
	    0, 0, H(on_dead), 0, NULL },
	{ SECT_HANDLER, "max_concurrency", set_int, NULL,
	    1, LIMIT_MAX, H(max_concurrency), 0, NULL },
	{ SECT_HANDLER, "serialize_by", set_command, NULL,
	    0, 0, H(serialize_by), 0, NULL },
	{ SECT_HANDLER, "redis", set_sink, NULL, 0, 0, 0, KEY_RAW, NULL },
	{ SECT_HANDLER, "redis_password_file", set_sink, NULL,
	    0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "redis_tls_ca_file", set_sink, NULL, 0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "redis_tls_cert_file", set_sink, NULL,
	    0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "redis_tls_key_file", set_sink, NULL,
	    0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "redis_tls_server_name", set_sink, NULL,
	    0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "stream", set_sink, NULL, 0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "maxlen", set_sink, NULL, 0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "user", set_user, NULL, 0, 0, 0, 0, NULL },
	{ SECT_HANDLER, "group", set_group, NULL, 0, 0, 0, 0, NULL },
};
#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

static const struct {
	const char	*name;
	unsigned	 bit;
} conf_methods[] = {
	{ "GET", METHOD_GET },
	{ "HEAD", METHOD_HEAD },
	{ "POST", METHOD_POST },
	{ "PUT", METHOD_PUT },
	{ "PATCH", METHOD_PATCH },
	{ "DELETE", METHOD_DELETE },
	{ "OPTIONS", METHOD_OPTIONS },
};
#define NMETHODS	(sizeof(conf_methods) / sizeof(conf_methods[0]))

struct section_state {
	int	line;			/* of the header; 0: not seen */
	int	seen[NKEYS];		/* line each key was first set on */
	bool	bad_id;			/* handler: unknown user or group */
};

struct conf_error {
	int	 line;			/* 0: the file as a whole */
	size_t	 seq;			/* keeps equal lines in order */
	char	*msg;
};

struct conf_parse {
	const char		*file;
	const char		*buf;		/* the whole file */
	size_t			 len;
	size_t			 pos;		/* start of the next line */
	int			 lineno;
	const char		*raw;		/* current line, trimmed */
	size_t			 rawlen;
	bool			 key_pending;	/* key line given to libinih */
	bool			 key_called;	/* and the handler saw it */
	const char		*key;		/* being set, as written */
	enum section_kind	 kind;
	size_t			 cur;		/* endpoint or handler read */
	struct conf		*conf;
	struct section_state	 server;
	struct section_state	*eps;		/* one per endpoint */
	size_t			 epcap;
	struct section_state	*hs;		/* one per handler */
	size_t			 hcap;
	struct conf_error	*errs;
	size_t			 nerrs;
	size_t			 errcap;
	bool			 others_read;	/* the file is mode o+r */
	bool			 full;		/* CONF_MAX_ERRORS reached */
	bool			 oom;
};

static void	conf_error(struct conf_parse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	conf_warning(struct conf_parse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	conf_hseen(const struct conf_parse *, size_t, const char *);

const char *
conf_default_path(void)
{
	const char	*env;

	env = getenv("HOOKSPOOL_CONFIG");
	if (env != NULL && env[0] != '\0')
		return env;
	return SYSCONFDIR "/hookspool/hookspool.ini";
}

/* Control bytes in a message become '?', so a hostile file cannot
 * write escape sequences to the operator's terminal. */
static void
conf_error_clean(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

static int
conf_error_push(struct conf_parse *p, int line, char *msg)
{
	struct conf_error	*v;
	size_t			 cap;

	if (p->nerrs == p->errcap) {
		cap = p->errcap ? p->errcap * 2 : 16;
		v = reallocarray(p->errs, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		p->errs = v;
		p->errcap = cap;
	}
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	p->errs[p->nerrs].msg = msg;
	p->nerrs++;
	return 0;
}

/* "FILE:LINE: " (or "FILE: ") and the message, malloc'd; NULL: ENOMEM. */
static char *
conf_message(const struct conf_parse *p, int line, const char *fmt,
    va_list ap)
{
	char	*text = NULL, *msg = NULL;
	int	 n;

	if (vasprintf(&text, fmt, ap) < 0)
		return NULL;
	if (line > 0)
		n = asprintf(&msg, "%s:%d: %s", p->file, line, text);
	else
		n = asprintf(&msg, "%s: %s", p->file, text);
	free(text);
	if (n < 0)
		return NULL;
	conf_error_clean(msg);
	return msg;
}

static void
conf_error(struct conf_parse *p, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (p->full)
		return;
	va_start(ap, fmt);
	msg = conf_message(p, line, fmt, ap);
	va_end(ap);
	if (msg == NULL || conf_error_push(p, line, msg) == -1) {
		p->oom = true;
		free(msg);
		return;
	}
	if (p->nerrs == CONF_MAX_ERRORS) {
		conf_error(p, line, "too many errors, giving up");
		p->full = true;
	}
}

/*
 * A warning does not fail the load: it goes with the configuration
 * (conf->warnings), in file order, for the programs to print.
 */
static void
conf_warning(struct conf_parse *p, int line, const char *fmt, ...)
{
	struct conf_errors	*w = &p->conf->warnings;
	va_list			 ap;
	char			*msg, **v;

	va_start(ap, fmt);
	msg = conf_message(p, line, fmt, ap);
	va_end(ap);
	v = msg != NULL ? reallocarray(w->msg, w->n + 1, sizeof(*v)) : NULL;
	if (v == NULL) {
		p->oom = true;
		free(msg);
		return;
	}
	w->msg = v;
	w->msg[w->n++] = msg;
}

static int
conf_error_cmp(const void *a, const void *b)
{
	const struct conf_error	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Hand the errors, sorted by line, over to the caller's struct. */
static void
conf_errors_move(struct conf_parse *p, struct conf_errors *errs)
{
	size_t	i;

	if (p->nerrs == 0)
		return;
	qsort(p->errs, p->nerrs, sizeof(*p->errs), conf_error_cmp);
	errs->msg = calloc(p->nerrs, sizeof(*errs->msg));
	if (errs->msg == NULL) {
		p->oom = true;
		for (i = 0; i < p->nerrs; i++)
			free(p->errs[i].msg);
		return;
	}
	for (i = 0; i < p->nerrs; i++)
		errs->msg[i] = p->errs[i].msg;
	errs->n = p->nerrs;
}

void
conf_errors_free(struct conf_errors *errs)
{
	size_t	i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

/* Read at most max bytes of fd; -1 with errno (EFBIG if larger). */
static int
conf_read_fd(int fd, size_t max, char **bufp, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 rc = -1;

	for (;;) {
		if (len == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL)
				goto out;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		errno = EFBIG;
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	return rc;
}

/* ---- sections and their objects ---- */

static struct section_state *
conf_state(struct conf_parse *p)
{
	if (p->kind == SECT_SERVER)
		return &p->server;
	if (p->kind == SECT_HANDLER)
		return &p->hs[p->cur];
	return &p->eps[p->cur];
}

static void *
conf_object(struct conf_parse *p)
{
	if (p->kind == SECT_SERVER)
		return &p->conf->server;
	if (p->kind == SECT_HANDLER)
		return &p->conf->handlers[p->cur];
	return &p->conf->endpoints[p->cur];
}

static void
conf_defaults(struct conf_parse *p, enum section_kind kind, void *obj)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].section == kind && conf_keys[i].def != NULL)
			(void)conf_keys[i].set(p, &conf_keys[i], obj,
			    conf_keys[i].def);
	}
}

/* Endpoint and handler names: they appear in logs and the spool. */
static bool
conf_name_ok(const char *name)
{
	if (name[0] == '\0')
		return false;
	for (; *name != '\0'; name++) {
		if (!isalnum((unsigned char)*name) && strchr("._-", *name) ==
		    NULL)
			return false;
	}
	return true;
}

/*
 * Room for one more section object (an endpoint or a handler) in *items,
 * n of size bytes in use, and for its state in *states; both hold *cap.
 */
static int
conf_grow(void *itemsp, size_t size, size_t n, struct section_state **states,
    size_t *cap)
{
	void			**items = itemsp;
	void			 *iv;
	struct section_state	 *sv;
	size_t			  ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	iv = reallocarray(*items, ncap, size);
	if (iv == NULL)
		return -1;
	*items = iv;
	sv = reallocarray(*states, ncap, sizeof(*sv));
	if (sv == NULL)
		return -1;
	*states = sv;
	*cap = ncap;
	return 0;
}

/* A section's NAME, or an error naming the section. */
static bool
conf_section_name_ok(struct conf_parse *p, const char *kind, const char *name)
{
	if (conf_name_ok(name))
		return true;
	conf_error(p, p->lineno, "bad %s name \"%s\" in [%s:%s] (letters, "
	    "digits, '.', '_' and '-')", kind, name, kind, name);
	return false;
}

/* [endpoint:NAME]: a new endpoint with its defaults.  Duplicate names
 * are found once the whole file is read (conf_check_unique). */
static void
conf_endpoint_open(struct conf_parse *p, const char *name)
{
	struct endpoint	*ep;

	p->kind = SECT_SKIP;
	if (!conf_section_name_ok(p, "endpoint", name))
		return;
	if (conf_grow(&p->conf->endpoints, sizeof(*p->conf->endpoints),
	    p->conf->nendpoints, &p->eps, &p->epcap) == -1) {
		p->oom = true;
		return;
	}
	ep = &p->conf->endpoints[p->conf->nendpoints];
	memset(ep, 0, sizeof(*ep));
	memset(&p->eps[p->conf->nendpoints], 0, sizeof(*p->eps));
	ep->name = strdup(name);
	if (ep->name == NULL) {
		p->oom = true;
		return;
	}
	ep->line = p->lineno;
	p->eps[p->conf->nendpoints].line = p->lineno;
	p->cur = p->conf->nendpoints++;
	p->kind = SECT_ENDPOINT;
	conf_defaults(p, SECT_ENDPOINT, ep);
}

/* [handler:NAME]: a new handler with an empty filter (it matches every
 * event until a criterion is added) and its defaults. */
static void
conf_handler_open(struct conf_parse *p, const char *name)
{
	struct handler	*h;

	p->kind = SECT_SKIP;
	if (!conf_section_name_ok(p, "handler", name))
		return;
	if (conf_grow(&p->conf->handlers, sizeof(*p->conf->handlers),
	    p->conf->nhandlers, &p->hs, &p->hcap) == -1) {
		p->oom = true;
		return;
	}
	h = &p->conf->handlers[p->conf->nhandlers];
	memset(h, 0, sizeof(*h));
	memset(&p->hs[p->conf->nhandlers], 0, sizeof(*p->hs));
	p->conf->nhandlers++;		/* conf_free frees what is set */
	h->name = strdup(name);
	h->filter = filter_new();
	if (h->name == NULL || h->filter == NULL) {
		p->oom = true;
		return;
	}
	h->line = p->lineno;
	p->hs[p->conf->nhandlers - 1].line = p->lineno;
	p->cur = p->conf->nhandlers - 1;
	p->kind = SECT_HANDLER;
	conf_defaults(p, SECT_HANDLER, h);
}

static void
conf_section_open(struct conf_parse *p, const char *name)
{
	p->kind = SECT_SKIP;
	if (strcmp(name, "server") == 0) {
		if (p->server.line != 0) {
			conf_error(p, p->lineno, "duplicate section [server] "
			    "(first on line %d)", p->server.line);
			return;
		}
		p->server.line = p->lineno;
		p->kind = SECT_SERVER;
	} else if (strncmp(name, "endpoint:", 9) == 0)
		conf_endpoint_open(p, name + 9);
	else if (strncmp(name, "handler:", 8) == 0)
		conf_handler_open(p, name + 8);
	else
		conf_error(p, p->lineno, "unknown section [%s]", name);
}

/* "[NAME]", optionally followed by a comment.  libinih never sees it:
 * it would cut long names and could not tell us a section began. */
static void
conf_section_line(struct conf_parse *p, const char *line, size_t len)
{
	const char	*end, *rest, *s;
	char		*name = NULL;
	size_t		 n;

	p->kind = SECT_SKIP;
	end = memchr(line, ']', len);
	if (end == NULL) {
		conf_error(p, p->lineno, "section header without \"]\"");
		return;
	}
	for (rest = end + 1; rest < line + len && isspace((unsigned char)*rest);
	    rest++)
		;
	if (rest < line + len && *rest != ';' && *rest != '#') {
		conf_error(p, p->lineno, "text after \"]\" in section header");
		return;
	}
	for (s = line + 1; s < end && isspace((unsigned char)*s); s++)
		;
	n = (size_t)(end - s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	name = strndup(s, n);
	if (name == NULL) {
		p->oom = true;
		return;
	}
	conf_section_open(p, name);
	free(name);
}

/* ---- the reader libinih pulls lines through ---- */

/* A key line libinih did not call the handler for had no '='. */
static void
conf_line_end(struct conf_parse *p)
{
	if (p->key_pending && !p->key_called)
		conf_error(p, p->lineno, "expected \"key = value\", "
		    "\"[section]\" or a comment");
	p->key_pending = false;
	p->key_called = false;
}

/*
 * Classify one line (without its end).  Only key lines reach libinih,
 * without their indent (which libinih would take for a continuation);
 * everything else becomes an empty line for it.
 */
static void
conf_line(struct conf_parse *p, const char *line, size_t len, char *str,
    size_t num)
{
	size_t	skip;

	if (memchr(line, '\0', len) != NULL) {
		conf_error(p, p->lineno, "NUL byte in line");
		return;
	}
	if (len >= num) {
		conf_error(p, p->lineno, "line longer than %zu bytes",
		    num - 1);
		return;
	}
	for (skip = 0; skip < len && isspace((unsigned char)line[skip]); skip++)
		;
	line += skip;
	len -= skip;
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	p->raw = line;
	p->rawlen = len;
	if (len == 0 || line[0] == ';' || line[0] == '#')
		return;
	if (line[0] == '[') {
		conf_section_line(p, line, len);
		return;
	}
	memcpy(str, line, len);
	str[len] = '\0';
	p->key_pending = true;
}

static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parse	*p = stream;
	const char		*line, *nl;
	size_t			 len;

	conf_line_end(p);
	if (p->full || p->oom || p->pos >= p->len || num < 2)
		return NULL;
	line = p->buf + p->pos;
	nl = memchr(line, '\n', p->len - p->pos);
	len = nl != NULL ? (size_t)(nl - line) : p->len - p->pos;
	p->pos += len + (nl != NULL ? 1 : 0);
	p->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (p->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	str[0] = '\0';
	p->raw = NULL;
	p->rawlen = 0;
	conf_line(p, line, len, str, (size_t)num);
	return str;
}

/* ---- the handler: one key = value ---- */

static bool
conf_key_is(const struct conf_key *k, const char *name)
{
	if ((k->flags & KEY_PREFIX) != 0)
		return strncmp(name, k->name, strlen(k->name)) == 0;
	return strcmp(name, k->name) == 0;
}

static const struct conf_key *
conf_key_find(enum section_kind kind, const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].section == kind &&
		    conf_key_is(&conf_keys[i], name))
			return &conf_keys[i];
	}
	return NULL;
}

/* Did libinih cut value at an inline comment?  Compare with the line. */
static bool
conf_value_cut(const struct conf_parse *p, const char *value)
{
	const char	*r = p->raw, *end = p->raw + p->rawlen;

	while (r < end && *r != '=' && *r != ':')
		r++;
	if (r < end)
		r++;
	while (r < end && isspace((unsigned char)*r))
		r++;
	return (size_t)(end - r) != strlen(value) ||
	    memcmp(r, value, (size_t)(end - r)) != 0;
}

/* "[server]", "[endpoint:NAME]" or "[handler:NAME]" for messages. */
static void
conf_section_name(const struct conf_parse *p, char *buf, size_t len)
{
	if (p->kind == SECT_SERVER)
		snprintf(buf, len, "[server]");
	else if (p->kind == SECT_HANDLER)
		snprintf(buf, len, "[handler:%s]",
		    p->conf->handlers[p->cur].name);
	else
		snprintf(buf, len, "[endpoint:%s]",
		    p->conf->endpoints[p->cur].name);
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_parse	*p = user;
	const struct conf_key	*k;
	struct section_state	*st;
	size_t			 i;
	char			 sect[256];

	(void)section;		/* ours is complete, libinih's may be cut */
	p->key_called = true;
	if (p->kind == SECT_SKIP)
		return 1;
	if (p->kind == SECT_NONE) {
		conf_error(p, p->lineno, "key \"%s\" outside any section",
		    name);
		return 1;
	}
	k = conf_key_find(p->kind, name);
	if (k == NULL) {
		conf_section_name(p, sect, sizeof(sect));
		conf_error(p, p->lineno, "unknown key \"%s\" in %s", name,
		    sect);
		return 1;
	}
	st = conf_state(p);
	i = (size_t)(k - conf_keys);
	if (st->seen[i] != 0 && (k->flags & KEY_REPEAT) == 0) {
		conf_error(p, p->lineno, "duplicate key \"%s\" (first on "
		    "line %d)", name, st->seen[i]);
		return 1;
	}
	if (st->seen[i] == 0)
		st->seen[i] = p->lineno;
	if ((k->flags & KEY_RAW) != 0 && conf_value_cut(p, value)) {
		conf_error(p, p->lineno, "%s: the text after \" ;\" would be "
		    "taken for a comment; remove the comment, or put a %s "
		    "containing \" ;\" in a secret_file", name, name);
		return 1;
	}
	if (value[0] == '\0') {
		conf_error(p, p->lineno, "%s has an empty value", name);
		return 1;
	}
	p->key = name;
	(void)k->set(p, k, conf_object(p), value);
	p->key = NULL;
	return 1;
}

/* ---- setters, one per type ---- */

static int
conf_replace(struct conf_parse *p, char **field, const char *value)
{
	char	*s;

	s = strdup(value);
	if (s == NULL) {
		p->oom = true;
		return -1;
	}
	free(*field);
	*field = s;
	return 0;
}

static int
set_string(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return conf_replace(p, (char **)((char *)obj + k->off), value);
}

static int
set_abspath(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	if (value[0] != '/') {
		conf_error(p, p->lineno, "%s: \"%s\" is not an absolute path",
		    k->name, value);
		return -1;
	}
	return set_string(p, k, obj, value);
}

/* metrics_allow: addresses and networks, "ADDR[/BITS]" each. */
static int
set_allow(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	if (metrics_allowed(value, NULL) == -1) {
		conf_error(p, p->lineno, "%s: \"%s\" is not a list of "
		    "addresses or networks (ADDR[/BITS], ...)", k->name, value);
		return -1;
	}
	return set_string(p, k, obj, value);
}

/* An endpoint path: what REQUEST_URI holds before any '?'. */
static int
set_path(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	const char	*s;

	if (value[0] != '/') {
		conf_error(p, p->lineno, "%s: \"%s\" does not start with \"/\"",
		    k->name, value);
		return -1;
	}
	if (strpbrk(value, "?#") != NULL) {
		conf_error(p, p->lineno, "%s: \"%s\" contains \"?\" or \"#\" "
		    "(the query string is not part of the path)", k->name,
		    value);
		return -1;
	}
	for (s = value; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
			conf_error(p, p->lineno, "%s: \"%s\" contains a space "
			    "or a control character", k->name, value);
			return -1;
		}
	}
	return set_string(p, k, obj, value);
}

/* Whole-string decimal integer; -1 if it is not one. */
static int
conf_integer(const char *value, long long *v, const char **end)
{
	char	*e = NULL;

	if (!isdigit((unsigned char)value[0]) && value[0] != '-' &&
	    value[0] != '+')
		return -1;
	errno = 0;
	*v = strtoll(value, &e, 10);
	if (errno != 0 || e == value)
		return -1;
	*end = e;
	return 0;
}

static int
conf_range(struct conf_parse *p, const struct conf_key *k, const char *value,
    long long v)
{
	if ((double)v < k->min || (double)v > k->max) {
		conf_error(p, p->lineno, "%s: %s is out of range (%.0f to %.0f)",
		    k->name, value, k->min, k->max);
		return -1;
	}
	return 0;
}

static int
conf_whole_integer(struct conf_parse *p, const struct conf_key *k,
    const char *value, long long *v)
{
	const char	*end = NULL;

	if (conf_integer(value, v, &end) == -1 || *end != '\0') {
		conf_error(p, p->lineno, "%s: \"%s\" is not an integer",
		    k->name, value);
		return -1;
	}
	return conf_range(p, k, value, *v);
}

static int
set_int(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	long long	v;

	if (conf_whole_integer(p, k, value, &v) == -1)
		return -1;
	*(int *)((char *)obj + k->off) = (int)v;
	return 0;
}

static int
set_long(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	long long	v;

	if (conf_whole_integer(p, k, value, &v) == -1)
		return -1;
	*(long *)((char *)obj + k->off) = (long)v;
	return 0;
}

/* A unit letter and what it multiplies by. */
struct conf_unit {
	char		c;
	long long	mult;
};

static const struct conf_unit size_units[] = {
	{ 'k', 1024 }, { 'K', 1024 }, { 'm', 1024 * 1024 },
	{ 'M', 1024 * 1024 }, { 'g', 1024 * 1024 * 1024 },
	{ 'G', 1024 * 1024 * 1024 }, { '\0', 0 }
};
static const struct conf_unit duration_units[] = {
	{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { '\0', 0 }
};

/* A number with an optional unit letter (64k, 72h); -1 if not. */
static int
conf_scaled(const char *value, const struct conf_unit *units, long long *v)
{
	const char	*end = NULL;
	long long	 mult = 1;

	if (conf_integer(value, v, &end) == -1 || *v < 0)
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	for (; *end != '\0' && units->c != '\0'; units++) {
		if (units->c == *end)
			break;
	}
	if (*end != '\0' && units->c == '\0')
		return -1;
	if (*end != '\0')
		mult = units->mult;
	*v = *v > LLONG_MAX / mult ? LLONG_MAX : *v * mult;
	return 0;
}

/* size_t bytes (set_size) or long seconds (set_duration). */
static int
set_scaled(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value, int bytes)
{
	long long	v;

	if (conf_scaled(value, bytes ? size_units : duration_units, &v) ==
	    -1) {
		conf_error(p, p->lineno, "%s: \"%s\" is not a %s", k->name,
		    value, bytes ? "size (bytes, or a number with k, M or G)" :
		    "duration (seconds, or a number with s, m, h or d)");
		return -1;
	}
	if (conf_range(p, k, value, v) == -1)
		return -1;
	if (bytes)
		*(size_t *)((char *)obj + k->off) = (size_t)v;
	else
		*(long *)((char *)obj + k->off) = (long)v;
	return 0;
}

static int
set_size(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return set_scaled(p, k, obj, value, 1);
}

static int
set_duration(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return set_scaled(p, k, obj, value, 0);
}

/* A size, or a percentage of the filesystem below 100 ("5%"). */
static int
set_space(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct conf_space	*sp = (void *)((char *)obj + k->off);
	size_t			 n = strlen(value);
	char			*end = NULL;
	long long		 b;
	double			 v;

	if (n > 1 && value[n - 1] == '%') {
		errno = 0;
		v = strtod(value, &end);
		if (!isdigit((unsigned char)value[0]) || end != value + n - 1 ||
		    errno != 0 || !(v > 0 && v < 100)) {
			conf_error(p, p->lineno, "%s: \"%s\" is not a "
			    "percentage above 0 and below 100", k->name, value);
			return -1;
		}
		sp->bytes = 0;
		sp->percent = v;
		return 0;
	}
	if (conf_scaled(value, size_units, &b) == -1) {
		conf_error(p, p->lineno, "%s: \"%s\" is not a size (bytes, or "
		    "a number with k, M or G) or a percentage", k->name, value);
		return -1;
	}
	sp->bytes = (unsigned long long)b;
	sp->percent = 0;
	return 0;
}

static int
set_double(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	char	*end = NULL;
	double	 v;
	bool	 low;

	errno = 0;
	v = strtod(value, &end);
	if (strspn(value, "0123456789.eE+-") != strlen(value) ||
	    end == value || *end != '\0' || errno != 0 || !isfinite(v)) {
		conf_error(p, p->lineno, "%s: \"%s\" is not a number",
		    k->name, value);
		return -1;
	}
	low = (k->flags & KEY_MIN_OPEN) != 0 ? v <= k->min : v < k->min;
	if (low || v > k->max) {
		conf_error(p, p->lineno, "%s: %s is out of range (%s %g, at "
		    "most %g)", k->name, value, (k->flags & KEY_MIN_OPEN) ?
		    "more than" : "at least", k->min, k->max);
		return -1;
	}
	*(double *)((char *)obj + k->off) = v;
	return 0;
}

static int
set_bool(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	bool	*field = (bool *)((char *)obj + k->off);
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*field = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*field = false;
			return 0;
		}
	}
	conf_error(p, p->lineno, "%s: \"%s\" is not a boolean (true, false, "
	    "yes, no, on, off, 1, 0)", k->name, value);
	return -1;
}

/* A key that takes one of k->choices' words, in any case. */
/* "is neither "a" nor "b"", or "is none of "a", "b", "c"". */
static void
conf_choice_error(struct conf_parse *p, const struct conf_key *k,
    const char *value)
{
	const struct conf_choice	*c;
	char				 list[128];
	size_t				 off = 0, n = 0;

	for (c = k->choices; c->word != NULL; c++, n++)
		off += (size_t)snprintf(list + off, off < sizeof(list) ?
		    sizeof(list) - off : 0, "%s\"%s\"", n > 0 ? ", " : "",
		    c->word);
	if (n == 2)
		conf_error(p, p->lineno, "%s: \"%s\" is neither \"%s\" nor "
		    "\"%s\"", k->name, value, k->choices[0].word,
		    k->choices[1].word);
	else
		conf_error(p, p->lineno, "%s: \"%s\" is none of %s", k->name,
		    value, list);
}

static int
set_choice(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	const struct conf_choice	*c = k->choices;

	for (; c->word != NULL; c++) {
		if (strcasecmp(value, c->word) == 0) {
			*(int *)((char *)obj + k->off) = c->value;
			return 0;
		}
	}
	conf_choice_error(p, k, value);
	return -1;
}

static int
set_scheme(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	const struct verify_scheme	*sc;

	sc = verify_scheme_find(value);
	if (sc == NULL) {
		conf_error(p, p->lineno, "%s: unknown scheme \"%s\" (known: "
		    "%s)", k->name, value, verify_scheme_names());
		return -1;
	}
	*(const struct verify_scheme **)((char *)obj + k->off) = sc;
	return 0;
}

/* signature_encoding: hex or base64. */
static int
set_jwt_alg(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	const struct verify_jwt_alg	*alg;

	alg = verify_jwt_alg_find(value);
	if (alg == NULL) {
		conf_error(p, p->lineno, "%s: %s \"%s\" (known: %s)", k->name,
		    strcasecmp(value, "none") == 0 ? "refusing" :
		    "unknown algorithm", value, verify_jwt_alg_names());
		return -1;
	}
	*(const struct verify_jwt_alg **)((char *)obj + k->off) = alg;
	return 0;
}

/* A PEM public key, or the key of a PEM certificate; NULL if neither. */
static EVP_PKEY *
conf_pem_pubkey(const char *buf, size_t len)
{
	BIO		*bio = NULL;
	X509		*cert = NULL;
	EVP_PKEY	*pkey = NULL;

	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL)
		return NULL;
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (pkey == NULL && BIO_reset(bio) == 1) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (cert != NULL)
			pkey = X509_get_pubkey(cert);
	}
	X509_free(cert);
	BIO_free(bio);
	return pkey;
}

/*
 * jwt_public_key_file: read and parse now, once; requests only ever
 * use the parsed EVP_PKEY.  Whether it suits jwt_algorithm is checked
 * when the section is complete (conf_check_jwt).
 */
static int
set_jwt_key(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct endpoint	*ep = obj;
	char		*buf = NULL;
	size_t		 len = 0;
	int		 fd = -1, rc = -1;

	if (value[0] != '/') {
		conf_error(p, p->lineno, "%s: \"%s\" is not an absolute path",
		    k->name, value);
		goto out;
	}
	fd = open(value, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		conf_error(p, p->lineno, "%s %s: %s", k->name, value,
		    strerror(errno));
		goto out;
	}
	if (conf_read_fd(fd, CONF_MAX_KEY_FILE, &buf, &len) == -1) {
		if (errno == ENOMEM)
			p->oom = true;
		else
			conf_error(p, p->lineno, "%s %s: %s", k->name, value,
			    errno == EFBIG ? "larger than 64 KiB" :
			    strerror(errno));
		goto out;
	}
	ep->verify.jwt_key = conf_pem_pubkey(buf, len);
	if (ep->verify.jwt_key == NULL) {
		conf_error(p, p->lineno, "%s %s: not a PEM public key (BEGIN "
		    "PUBLIC KEY) or certificate", k->name, value);
		goto out;
	}
	rc = conf_replace(p, &ep->verify.jwt_key_file, value);
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * The next word of a list separated by commas and/or blanks: *s moved
 * to it, and its length; 0 at the end.
 */
static size_t
conf_list_next(const char **s)
{
	*s += strspn(*s, " \t,");
	return strcspn(*s, " \t,");
}

/* Length of the HTTP field name (RFC 9110 token) at the start of s. */
static size_t
conf_header_name_len(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~");
}

/* An HTTP field name, stored normalised. */
static int
set_header(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	char	**field = (char **)((char *)obj + k->off);

	if (value[conf_header_name_len(value)] != '\0') {
		conf_error(p, p->lineno, "%s: \"%s\" is not a header name",
		    k->name, value);
		return -1;
	}
	if (conf_replace(p, field, value) == -1)
		return -1;
	header_name_normalise(*field);
	return 0;
}

/*
 * Names (token characters) separated by commas and/or white space,
 * added to the list (the key may be given again); header names are
 * stored normalised, query field names as given.
 */
static int
set_names(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value, const char *what)
{
	struct conf_names	*l = (struct conf_names *)((char *)obj + k->off);
	const char		*s = value;
	char			**v;
	size_t			 n, given = 0;
	bool			 header = strcmp(what, "header") == 0;

	for (; (n = conf_list_next(&s)) > 0; s += n) {
		if (conf_header_name_len(s) < n) {
			conf_error(p, p->lineno, "%s: \"%.*s\" is not a %s "
			    "name", k->name, (int)n, s, what);
			return -1;
		}
		v = reallocarray(l->v, l->n + 1, sizeof(*v));
		if (v == NULL) {
			p->oom = true;
			return -1;
		}
		l->v = v;
		if ((v[l->n] = strndup(s, n)) == NULL) {
			p->oom = true;
			return -1;
		}
		if (header)
			header_name_normalise(v[l->n]);
		l->n++;
		given++;
	}
	if (given == 0) {
		conf_error(p, p->lineno, "%s: no %s name given", k->name, what);
		return -1;
	}
	return 0;
}

static int
set_header_names(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return set_names(p, k, obj, value, "header");
}

static int
set_query_names(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return set_names(p, k, obj, value, "query field");
}

static void
conf_names_free(struct conf_names *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static unsigned
conf_method_bit_n(const char *s, size_t n, bool icase)
{
	size_t	i;

	for (i = 0; i < NMETHODS; i++) {
		if (strlen(conf_methods[i].name) != n)
			continue;
		if (icase ? strncasecmp(s, conf_methods[i].name, n) == 0 :
		    strncmp(s, conf_methods[i].name, n) == 0)
			return conf_methods[i].bit;
	}
	return 0;
}

/* "POST PUT", "post,put" or "POST, PUT". */
static int
set_methods(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	const char	*s = value;
	unsigned	 bits = 0, bit;
	size_t		 n;

	for (; (n = conf_list_next(&s)) > 0; s += n) {
		bit = conf_method_bit_n(s, n, true);
		if (bit == 0) {
			conf_error(p, p->lineno, "%s: unknown method \"%.*s\" "
			    "(known: GET HEAD POST PUT PATCH DELETE OPTIONS)",
			    k->name, (int)n, s);
			return -1;
		}
		bits |= bit;
	}
	if (bits == 0) {
		conf_error(p, p->lineno, "%s: no method given", k->name);
		return -1;
	}
	*(unsigned *)((char *)obj + k->off) = bits;
	return 0;
}

static int
conf_secret_add(struct conf_parse *p, struct endpoint *ep,
    const char *data, size_t len)
{
	struct secret	*v;
	unsigned char	*copy;

	v = reallocarray(ep->verify.secrets, ep->verify.nsecrets + 1, sizeof(*v));
	if (v == NULL) {
		p->oom = true;
		return -1;
	}
	ep->verify.secrets = v;
	copy = malloc(len);
	if (copy == NULL) {
		p->oom = true;
		return -1;
	}
	memcpy(copy, data, len);
	v[ep->verify.nsecrets].data = copy;
	v[ep->verify.nsecrets].len = len;
	v[ep->verify.nsecrets].line = p->lineno;
	ep->verify.nsecrets++;
	return 0;
}

static int
set_secret(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	(void)k;
	/* A secret_file must be 0600; a secret here is only as private
	 * as the file around it. */
	if (p->others_read)
		conf_warning(p, p->lineno, "warning: inline secret in a file "
		    "readable by others (chmod o-r %s, or use secret_file)",
		    p->file);
	return conf_secret_add(p, obj, value, strlen(value));
}

/* One secret per line; the line end is not part of it; empty lines
 * are skipped.  Returns the number of secrets added, -1 on ENOMEM. */
static int
conf_secret_lines(struct conf_parse *p, struct endpoint *ep,
    const char *buf, size_t len)
{
	const char	*line = buf, *end = buf + len, *nl;
	size_t		 n;
	int		 count = 0;

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > 0) {
			if (conf_secret_add(p, ep, line, n) == -1)
				return -1;
			count++;
		}
		line = nl != NULL ? nl + 1 : end;
	}
	return count;
}

/*
 * A file of secrets (secret_file, handshake_token_file): an absolute
 * path to a regular file, mode 0600 or stricter, at most 64 KiB, read
 * into a malloc'd *buf the caller wipes.  -1 once reported.
 */
static int
conf_secret_file_read(struct conf_parse *p, const struct conf_key *k,
    const char *value, char **bufp, size_t *lenp)
{
	struct stat	 st;
	int		 fd = -1, rc = -1;

	if (value[0] != '/') {
		conf_error(p, p->lineno, "%s: \"%s\" is not an absolute path",
		    k->name, value);
		goto out;
	}
	fd = open(value, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 || fstat(fd, &st) == -1) {
		conf_error(p, p->lineno, "secret file %s: %s", value,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_error(p, p->lineno, "secret file %s is not a regular file",
		    value);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		conf_error(p, p->lineno, "secret file %s is mode %04o; it must "
		    "not be readable by group or others (chmod 600)", value,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (conf_read_fd(fd, CONF_MAX_SECRET_FILE, bufp, lenp) == -1) {
		if (errno == ENOMEM)
			p->oom = true;
		else
			conf_error(p, p->lineno, "secret file %s: %s", value,
			    errno == EFBIG ? "larger than 64 KiB" :
			    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

static void
conf_secret_file_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	explicit_bzero(buf, len);
	free(buf);
}

static int
set_secret_file(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 n;

	if (conf_secret_file_read(p, k, value, &buf, &len) == -1)
		return -1;
	n = conf_secret_lines(p, obj, buf, len);
	if (n == 0)
		conf_error(p, p->lineno, "secret file %s holds no secret",
		    value);
	conf_secret_file_free(buf, len);
	return n > 0 ? 0 : -1;
}

/* handshake_token: Meta's verify token, one per endpoint. */
static int
conf_handshake_token_set(struct conf_parse *p, struct endpoint *ep,
    const char *data, size_t len)
{
	struct secret	*tok = &ep->handshake.token;

	if (tok->data != NULL) {
		conf_error(p, p->lineno, "handshake_token and "
		    "handshake_token_file both set (first on line %d)",
		    tok->line);
		return -1;
	}
	if ((tok->data = malloc(len)) == NULL) {
		p->oom = true;
		return -1;
	}
	memcpy(tok->data, data, len);
	tok->len = len;
	tok->line = p->lineno;
	return 0;
}

static int
set_handshake_token(struct conf_parse *p, const struct conf_key *k,
    void *obj, const char *value)
{
	(void)k;
	if (p->others_read)
		conf_warning(p, p->lineno, "warning: inline handshake_token in "
		    "a file readable by others (chmod o-r %s, or use "
		    "handshake_token_file)", p->file);
	return conf_handshake_token_set(p, obj, value, strlen(value));
}

/* The file's first line is the token (without its line end). */
static int
set_handshake_token_file(struct conf_parse *p, const struct conf_key *k,
    void *obj, const char *value)
{
	char	*buf = NULL;
	size_t	 len = 0, n;
	int	 rc = -1;

	if (conf_secret_file_read(p, k, value, &buf, &len) == -1)
		return -1;
	for (n = 0; n < len && buf[n] != '\r' && buf[n] != '\n'; n++)
		;
	if (n == 0 || memchr(buf, '\0', n) != NULL)
		conf_error(p, p->lineno, "handshake_token_file %s: the first "
		    "line is no token", value);
	else
		rc = conf_handshake_token_set(p, obj, buf, n);
	conf_secret_file_free(buf, len);
	return rc;
}

/* One more parsed ed25519 key for ep; -1 on ENOMEM (key freed). */
static int
conf_public_key_add(struct conf_parse *p, struct endpoint *ep, EVP_PKEY *key)
{
	EVP_PKEY	**v;

	v = reallocarray(ep->verify.public_keys, ep->verify.npublic_keys + 1, sizeof(*v));
	if (v == NULL) {
		EVP_PKEY_free(key);
		p->oom = true;
		return -1;
	}
	ep->verify.public_keys = v;
	v[ep->verify.npublic_keys++] = key;
	return 0;
}

/*
 * public_key: an ed25519 key, parsed now; whether the scheme takes one
 * is checked when the section is complete (conf_check_scheme_keys).
 */
static int
set_public_key(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	EVP_PKEY	*key;
	char		 why[96];

	key = verify_ed25519_key(value, strlen(value), why, sizeof(why));
	if (key == NULL) {
		conf_error(p, p->lineno, "%s: %s (an ed25519 public key is 64 "
		    "hex digits, or whpk_ and the base64 of 32 bytes)", k->name,
		    why);
		return -1;
	}
	return conf_public_key_add(p, obj, key);
}

/* signed_content: compiled now; an unknown variable is an error here. */
static int
set_template(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct verify_template	**field = (struct verify_template **)
				    ((char *)obj + k->off);
	struct verify_template	 *t;
	char			  err[160];

	t = verify_template_parse(value, err, sizeof(err));
	if (t == NULL) {
		conf_error(p, p->lineno, "%s: %s", k->name, err);
		return -1;
	}
	verify_template_free(*field);
	*field = t;
	return 0;
}

/* A pattern with the named group that picks the value out. */
static int
conf_pattern(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value, const char *group)
{
	struct verify_pattern	**field = (struct verify_pattern **)
				    ((char *)obj + k->off);
	struct verify_pattern	 *re;
	char			  err[300];

	re = verify_pattern_compile(value, group, err, sizeof(err));
	if (re == NULL) {
		conf_error(p, p->lineno, "%s: %s", k->name, err);
		return -1;
	}
	verify_pattern_free(*field);
	*field = re;
	return 0;
}

static int
set_sig_pattern(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return conf_pattern(p, k, obj, value, "sig");
}

static int
set_ts_pattern(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	return conf_pattern(p, k, obj, value, "ts");
}

/* ---- handler keys ---- */

/* Parsed once, here: a bad command is an error of the file. */
static int
set_command(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct command	**field = (struct command **)((char *)obj + k->off);
	struct command	 *cmd;
	char		  err[256];

	if (strcmp(k->name, "dedup_key") == 0) {
		/* auto: the scheme's, known once the section is read. */
		((struct endpoint *)obj)->dedup_auto = strcmp(value, "auto") == 0;
		command_free(*field);
		*field = NULL;
		if (strcmp(value, "auto") == 0)
			return 0;
		cmd = command_parse_alternatives(value, err, sizeof(err));
	} else if (strcmp(k->name, "serialize_by") == 0)
		cmd = command_parse_alternatives(value, err, sizeof(err));
	else
		cmd = command_parse(value, err, sizeof(err));
	if (cmd == NULL) {
		conf_error(p, p->lineno, "%s: %s", k->name, err);
		return -1;
	}
	command_free(*field);
	*field = cmd;
	return 0;
}

/*
 * on_dead: a command without placeholders in its program, which must be
 * an absolute path (it runs without a PATH search, as anyone may).
 */
static int
set_program(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct conf_prog	*field = (struct conf_prog *)((char *)obj +
				    k->off);
	struct command		*cmd;
	char			 err[256];

	if ((cmd = command_parse(value, err, sizeof(err))) == NULL) {
		conf_error(p, p->lineno, "%s: %s", k->name, err);
		return -1;
	}
	if (command_program(cmd)[0] != '/') {
		conf_error(p, p->lineno, "%s: %s: not an absolute path",
		    k->name, command_program(cmd));
		command_free(cmd);
		return -1;
	}
	command_free(field->cmd);
	field->cmd = cmd;
	field->line = p->lineno;
	return 0;
}

/*
 * redis, redis_password_file, stream, maxlen: the handler's sink, made
 * on the first of them.
 */
static int
set_sink_password_file(struct conf_parse *p, const struct conf_key *k,
    struct sink_conf *sc, const char *value)
{
	char	*buf = NULL, *nl;
	size_t	 len = 0, n;

	if (conf_secret_file_read(p, k, value, &buf, &len) == -1)
		return -1;
	nl = memchr(buf, '\n', len);
	n = nl != NULL ? (size_t)(nl - buf) : len;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0 || memchr(buf, '\0', n) != NULL) {
		conf_error(p, p->lineno, "%s %s: no password on its first "
		    "line", k->name, value);
		conf_secret_file_free(buf, len);
		return -1;
	}
	if (sc->password != NULL) {
		conf_error(p, p->lineno, "%s: a password both in the URL and "
		    "in this file", k->name);
		conf_secret_file_free(buf, len);
		return -1;
	}
	if ((sc->password = strndup(buf, n)) == NULL)
		p->oom = true;
	conf_secret_file_free(buf, len);
	return sc->password != NULL ? 0 : -1;
}

/* redis_tls_*: a file that must be there to read, or the server's name. */
static int
set_sink_tls(struct conf_parse *p, const struct conf_key *k,
    struct sink_conf *sc, const char *value)
{
	char	**field;

	if (strcmp(k->name, "redis_tls_server_name") == 0)
		field = &sc->tls_server_name;
	else {
		field = strcmp(k->name, "redis_tls_ca_file") == 0 ?
		    &sc->tls_ca_file : strcmp(k->name,
		    "redis_tls_cert_file") == 0 ? &sc->tls_cert_file :
		    &sc->tls_key_file;
		if (value[0] != '/') {
			conf_error(p, p->lineno, "%s: \"%s\" is not an "
			    "absolute path", k->name, value);
			return -1;
		}
		if (access(value, R_OK) == -1) {
			conf_error(p, p->lineno, "%s %s: %s", k->name, value,
			    strerror(errno));
			return -1;
		}
	}
	return conf_replace(p, field, value);
}

static int
set_sink(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct handler	*h = obj;
	char		 err[256], *keep = NULL;
	int		 rc;

	if (h->sink == NULL && (h->sink = calloc(1, sizeof(*h->sink))) ==
	    NULL) {
		p->oom = true;
		return -1;
	}
	if (strcmp(k->name, "redis") == 0) {
		/* A password in the URL or in redis_password_file. */
		keep = h->sink->password;
		h->sink->password = NULL;
		rc = sink_conf_url(h->sink, value, err, sizeof(err));
		if (keep != NULL && h->sink->password != NULL) {
			conf_error(p, p->lineno, "redis: a password both in "
			    "the URL and in redis_password_file");
			rc = 1;
		}
		if (keep != NULL && h->sink->password == NULL)
			h->sink->password = keep;
		else
			free(keep);
		if (rc == 1)
			return -1;
		h->sink_line = p->lineno;
		if (rc == 0 && h->sink->password != NULL && keep == NULL &&
		    p->others_read)
			conf_warning(p, p->lineno, "warning: inline redis "
			    "password in a file readable by others (chmod o-r "
			    "%s, or use redis_password_file)", p->file);
	} else if (strcmp(k->name, "redis_password_file") == 0)
		return set_sink_password_file(p, k, h->sink, value);
	else if (strncmp(k->name, "redis_tls_", 10) == 0)
		return set_sink_tls(p, k, h->sink, value);
	else if (strcmp(k->name, "stream") == 0)
		rc = sink_conf_stream(h->sink, value, err, sizeof(err));
	else
		rc = sink_conf_maxlen(h->sink, value, err, sizeof(err));
	if (rc == -1)
		conf_error(p, p->lineno, "%s", err);
	return rc;
}

/* endpoint_paths, methods, header.NAME, payload.PATH: one criterion of
 * the handler's filter each; filter_add() names the key in err. */
static int
set_criterion(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct handler	*h = obj;
	char		 err[512];

	(void)k;
	if (filter_add(h->filter, p->key, value, err, sizeof(err)) == -1) {
		conf_error(p, p->lineno, "%s", err);
		return -1;
	}
	return 0;
}

/* Resolved now: the user's uid, and its primary group unless group
 * says otherwise (in either order).  h->user is kept for initgroups. */
static int
set_user(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct handler		*h = obj;
	const struct passwd	*pw;
	uid_t			 uid;
	gid_t			 gid;

	pw = getpwnam(value);
	if (pw == NULL) {
		conf_error(p, p->lineno, "%s: unknown user \"%s\"", k->name,
		    value);
		p->hs[p->cur].bad_id = true;
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (conf_replace(p, &h->user, value) == -1)
		return -1;
	h->uid = uid;
	if (conf_hseen(p, p->cur, "group") == 0)
		h->gid = gid;
	h->drop_privileges = true;
	return 0;
}

static int
set_group(struct conf_parse *p, const struct conf_key *k, void *obj,
    const char *value)
{
	struct handler		*h = obj;
	const struct group	*gr;

	gr = getgrnam(value);
	if (gr == NULL) {
		conf_error(p, p->lineno, "%s: unknown group \"%s\"", k->name,
		    value);
		p->hs[p->cur].bad_id = true;
		return -1;
	}
	h->gid = gr->gr_gid;
	h->drop_privileges = true;
	return 0;
}

/* ---- checks once the whole file is read ---- */

static int
conf_key_index(enum section_kind kind, const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].section == kind &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Line a key of endpoint i was first set on; 0 if never. */
static int
conf_seen(const struct conf_parse *p, size_t i, const char *key)
{
	int	k = conf_key_index(SECT_ENDPOINT, key);

	return k < 0 ? 0 : p->eps[i].seen[k];
}

/* Line a key of handler i was first set on; 0 if never. */
static int
conf_hseen(const struct conf_parse *p, size_t i, const char *key)
{
	int	k = conf_key_index(SECT_HANDLER, key);

	return k < 0 ? 0 : p->hs[i].seen[k];
}

/* Keys that only some schemes read are refused on the others. */
static void
conf_check_scheme_keys(struct conf_parse *p, size_t i)
{
	static const struct {
		const char	*key;
		unsigned	 flag;
		const char	*which;
	} only[] = {
		{ "signature_encoding", VERIFY_ENCODING,
		    "hmac-sha256, hmac-sha1 and hmac" },
		{ "timestamp_tolerance", VERIFY_TIMESTAMPED,
		    "stripe, slack, standard-webhooks, discord and hmac" },
		{ "signed_content", VERIFY_HMAC_RULE, "hmac" },
		{ "signature_pattern", VERIFY_HMAC_RULE, "hmac" },
		{ "signature_algorithm", VERIFY_HMAC_RULE, "hmac" },
		{ "timestamp_header", VERIFY_HMAC_RULE, "hmac" },
		{ "timestamp_pattern", VERIFY_HMAC_RULE, "hmac" },
		{ "signature_field", VERIFY_HMAC_RULE, "hmac" },
		{ "timestamp_field", VERIFY_HMAC_RULE, "hmac" },
		{ "public_key", VERIFY_ED25519,
		    "discord and standard-webhooks" },
		{ "signature_header", 0, NULL },
		{ "public_url", VERIFY_FULL_URL, "hmac, hubspot, square and twilio" },
		{ "jwt_algorithm", VERIFY_JWT, "jwt" },
		{ "jwt_public_key_file", VERIFY_JWT, "jwt" },
		{ "jwt_leeway", VERIFY_JWT, "jwt" },
		{ "jwt_issuer", VERIFY_JWT, "jwt" },
		{ "jwt_audience", VERIFY_JWT, "jwt" },
	};
	const struct endpoint		*ep = &p->conf->endpoints[i];
	const struct verify_scheme	*sc = ep->verify.scheme;
	size_t				 j;
	int				 line;

	for (j = 0; j < sizeof(only) / sizeof(only[0]); j++) {
		line = conf_seen(p, i, only[j].key);
		if (line == 0)
			continue;
		if (only[j].which == NULL) {
			if ((sc->flags & VERIFY_FIXED_HEADERS) != 0)
				conf_error(p, line, "signature_header does not "
				    "apply to signature_type %s (it reads "
				    "fixed headers)", sc->name);
		} else if ((sc->flags & only[j].flag) == 0) {
			conf_error(p, line, "%s applies only to signature_type "
			    "%s, not %s", only[j].key, only[j].which, sc->name);
		}
	}
}

/* jwt: the algorithm, and a secret or a key that suits it. */
static void
conf_check_jwt(struct conf_parse *p, size_t i)
{
	struct endpoint			*ep = &p->conf->endpoints[i];
	const struct verify_jwt_alg	*alg = ep->verify.jwt_alg;
	const char			*why;
	char				 buf[128];
	int				 kline = conf_seen(p, i,
					    "jwt_public_key_file");

	if (alg == NULL) {
		if (conf_seen(p, i, "jwt_algorithm") == 0)
			conf_error(p, ep->line, "[endpoint:%s]: signature_type "
			    "jwt needs jwt_algorithm", ep->name);
		return;
	}
	if (alg->kind == VERIFY_JWT_HMAC) {
		if (ep->verify.nsecrets == 0)
			conf_error(p, ep->line, "[endpoint:%s]: jwt_algorithm "
			    "%s needs a secret or secret_file", ep->name,
			    alg->name);
		if (kline != 0)
			conf_error(p, kline, "jwt_public_key_file: %s takes a "
			    "secret, not a public key", alg->name);
		return;
	}
	if (ep->verify.nsecrets > 0)
		conf_error(p, ep->verify.secrets[0].line, "jwt_algorithm %s checks "
		    "with jwt_public_key_file, not a secret", alg->name);
	if (kline == 0)
		conf_error(p, ep->line, "[endpoint:%s]: jwt_algorithm %s needs "
		    "jwt_public_key_file", ep->name, alg->name);
	if (ep->verify.jwt_key == NULL)
		return;		/* not given, or already reported */
	why = verify_jwt_key_check(alg, ep->verify.jwt_key, buf, sizeof(buf));
	if (why != NULL)
		conf_error(p, kline, "jwt_public_key_file %s: %s",
		    ep->verify.jwt_key_file, why);
}

#define WHPK_PREFIX	"whpk_"

static bool
conf_secret_is_whpk(const struct secret *sec)
{
	return sec->len >= sizeof(WHPK_PREFIX) - 1 &&
	    memcmp(sec->data, WHPK_PREFIX, sizeof(WHPK_PREFIX) - 1) == 0;
}

/* Drop secret i of ep (wiped), keeping the order of the others. */
static void
conf_secret_remove(struct endpoint *ep, size_t i)
{
	explicit_bzero(ep->verify.secrets[i].data, ep->verify.secrets[i].len);
	free(ep->verify.secrets[i].data);
	memmove(&ep->verify.secrets[i], &ep->verify.secrets[i + 1],
	    (ep->verify.nsecrets - i - 1) * sizeof(ep->verify.secrets[0]));
	ep->verify.nsecrets--;
}

/* A whpk_ secret of standard-webhooks: moved to the public keys. */
static void
conf_whpk_move(struct conf_parse *p, struct endpoint *ep, size_t i)
{
	struct secret	*sec = &ep->verify.secrets[i];
	EVP_PKEY	*key;
	char		 why[96];

	key = verify_ed25519_key((const char *)sec->data, sec->len, why,
	    sizeof(why));
	if (key == NULL)
		conf_error(p, sec->line, "secret: %s (a Standard Webhooks "
		    "public key is whpk_ and the base64 of 32 bytes)", why);
	else if (conf_public_key_add(p, ep, key) == -1)
		return;
	conf_secret_remove(ep, i);
}

/*
 * Standard Webhooks secrets are whsec_<base64>: keep the key bytes.  A
 * whpk_<base64> one is a public key, for the v1a signatures.
 */
static void
conf_decode_whsec(struct conf_parse *p, struct endpoint *ep)
{
	struct secret	*sec;
	unsigned char	*key = NULL;
	size_t		 i = 0, len = 0;

	while (i < ep->verify.nsecrets) {
		sec = &ep->verify.secrets[i];
		if (conf_secret_is_whpk(sec)) {
			conf_whpk_move(p, ep, i);
			continue;
		}
		if (verify_whsec_decode(sec->data, sec->len, &key, &len) == -1)
			conf_error(p, sec->line, "secret is not a Standard "
			    "Webhooks secret (whsec_ and base64)");
		else {
			explicit_bzero(sec->data, sec->len);
			free(sec->data);
			sec->data = key;
			sec->len = len;
		}
		i++;
	}
}

/* A whpk_ public key is no shared secret for an HMAC or token scheme. */
static void
conf_refuse_whpk(struct conf_parse *p, const struct endpoint *ep)
{
	size_t	i;

	for (i = 0; i < ep->verify.nsecrets; i++) {
		if (conf_secret_is_whpk(&ep->verify.secrets[i]))
			conf_error(p, ep->verify.secrets[i].line, "secret: a whpk_ "
			    "public key does not apply to signature_type %s "
			    "(it takes a shared secret)", ep->verify.scheme->name);
	}
}

/*
 * A scheme that checks with a secret or a public key has one.  A key
 * that was given but refused has been reported already.
 */
static void
conf_check_secrets(struct conf_parse *p, size_t i)
{
	struct endpoint			*ep = &p->conf->endpoints[i];
	const struct verify_scheme	*sc = ep->verify.scheme;
	bool				 ed = (sc->flags & VERIFY_ED25519) != 0;
	bool				 given;

	given = ep->verify.nsecrets > 0 || (ed && conf_seen(p, i, "public_key") != 0);
	if ((sc->flags & VERIFY_WHSEC) != 0)
		conf_decode_whsec(p, ep);
	else if (!ed)
		conf_refuse_whpk(p, ep);
	if (sc->needs_secret && !given)
		conf_error(p, ep->line, "[endpoint:%s]: signature_type %s "
		    "needs a secret or secret_file%s", ep->name, sc->name,
		    ed ? " (whsec_), or a public_key (whpk_)" : "");
	if (!sc->needs_secret && ed && !given)
		conf_error(p, ep->line, "[endpoint:%s]: signature_type %s "
		    "needs a public_key", ep->name, sc->name);
	if (!sc->needs_secret && ed && ep->verify.nsecrets > 0)
		conf_error(p, ep->verify.secrets[0].line, "signature_type %s checks "
		    "with public_key, not a secret", sc->name);
	else if (!sc->needs_secret && (sc->flags & VERIFY_JWT) == 0 &&
	    ep->verify.nsecrets > 0)
		conf_error(p, ep->line, "[endpoint:%s] has a secret but "
		    "signature_type %s checks none; set signature_type",
		    ep->name, sc->name);
}

/*
 * hmac: a signature header or form field, not both; signed_content
 * (default ${body}) may use ${timestamp} only with a timestamp_header
 * or timestamp_field (not both), as may timestamp_pattern and
 * timestamp_tolerance.
 */
static void
conf_check_hmac(struct conf_parse *p, size_t i)
{
	struct endpoint	*ep = &p->conf->endpoints[i];
	char		 err[160];
	int		 line;

	if (ep->verify.signature_header == NULL &&
	    ep->verify.signature_field == NULL)
		conf_error(p, ep->line, "[endpoint:%s]: signature_type hmac "
		    "needs signature_header or signature_field", ep->name);
	if (ep->verify.signature_header != NULL &&
	    ep->verify.signature_field != NULL)
		conf_error(p, conf_seen(p, i, "signature_field"),
		    "signature_field and signature_header exclude each other");
	if (ep->verify.timestamp_header != NULL &&
	    ep->verify.timestamp_field != NULL)
		conf_error(p, conf_seen(p, i, "timestamp_field"),
		    "timestamp_field and timestamp_header exclude each other");
	if (ep->verify.timestamp_field != NULL &&
	    (ep->verify.timestamp_field[0] == '\0' ||
	    ep->verify.timestamp_field[0] == '.' ||
	    strstr(ep->verify.timestamp_field, "..") != NULL ||
	    ep->verify.timestamp_field[strlen(ep->verify.timestamp_field) - 1]
	    == '.'))
		conf_error(p, conf_seen(p, i, "timestamp_field"),
		    "timestamp_field: \"%s\" is not a path (NAME[.NAME...])",
		    ep->verify.timestamp_field);
	if (ep->verify.signed_content == NULL &&
	    conf_seen(p, i, "signed_content") == 0) {
		ep->verify.signed_content = verify_template_parse("${body}", err,
		    sizeof(err));
		if (ep->verify.signed_content == NULL)
			p->oom = true;
	}
	if (ep->verify.timestamp_header != NULL ||
	    ep->verify.timestamp_field != NULL)
		return;
	line = conf_seen(p, i, "signed_content");
	if (verify_template_has_timestamp(ep->verify.signed_content))
		conf_error(p, line, "signed_content: ${timestamp} needs "
		    "timestamp_header");
	line = conf_seen(p, i, "timestamp_pattern");
	if (line != 0)
		conf_error(p, line, "timestamp_pattern needs timestamp_header");
	line = conf_seen(p, i, "timestamp_tolerance");
	if (line != 0)
		conf_error(p, line, "timestamp_tolerance needs "
		    "timestamp_header");
}

/*
 * handshake: handshake_token is Meta's and Meta needs one; Zoom and X
 * answer with an HMAC under the endpoint's secret.
 */
static void
conf_check_handshake(struct conf_parse *p, size_t i)
{
	struct endpoint	*ep = &p->conf->endpoints[i];
	int		 kind = ep->handshake.kind;
	int		 line = ep->handshake.token.line;

	if (kind != HANDSHAKE_META && line != 0)
		conf_error(p, line, "handshake_token applies only to handshake "
		    "meta, not %s", handshake_name(kind));
	if (kind == HANDSHAKE_META && ep->handshake.token.data == NULL &&
	    conf_seen(p, i, "handshake_token") == 0 &&
	    conf_seen(p, i, "handshake_token_file") == 0)
		conf_error(p, ep->line, "[endpoint:%s]: handshake meta needs "
		    "handshake_token or handshake_token_file", ep->name);
	if (handshake_needs_secret(kind) && ep->verify.nsecrets == 0)
		conf_error(p, ep->line, "[endpoint:%s]: handshake %s needs a "
		    "secret or secret_file (its answer is an HMAC under it)",
		    ep->name, handshake_name(kind));
}

/*
 * dedup_key = auto: the delivery id of the provider the scheme is for.
 * Only on request: an endpoint without dedup_key keeps every request.
 */
static void
conf_check_dedup(struct conf_parse *p, size_t i)
{
	static const struct {
		const char	*scheme;
		const char	*key;
	} keys[] = {
		{ "github", "${header.X-GitHub-Delivery}" },
		{ "standard-webhooks", "${header.webhook-id}" },
		{ "stripe", "${payload.id}" },
		{ "slack", "${payload.event_id}" },
		{ "shopify", "${header.X-Shopify-Webhook-Id}" },
		{ "gitlab",
		    "${header.Idempotency-Key} ${header.X-Gitlab-Event-UUID}" },
	};
	struct endpoint	*ep = &p->conf->endpoints[i];
	char		 err[256];
	size_t		 k;

	if (!ep->dedup_auto || ep->dedup_key != NULL)
		return;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (strcmp(keys[k].scheme, ep->verify.scheme->name) == 0)
			break;
	}
	if (k == sizeof(keys) / sizeof(keys[0])) {
		conf_error(p, conf_seen(p, i, "dedup_key"), "dedup_key = auto: "
		    "signature_type %s has no delivery id of its own; write "
		    "the key, as ${header.NAME} or ${payload.PATH}",
		    ep->verify.scheme->name);
		return;
	}
	ep->dedup_key = command_parse_alternatives(keys[k].key, err,
	    sizeof(err));
	if (ep->dedup_key == NULL)
		conf_error(p, conf_seen(p, i, "dedup_key"), "dedup_key: %s",
		    err);
}

/*
 * ${full_url} is public_url, the URL the provider signed (a proxy in
 * front may change scheme, host and port), and the request's query;
 * without it, the URL is rebuilt from the request (receive.c).
 */
static void
conf_check_public_url(struct conf_parse *p, size_t i)
{
	struct endpoint	*ep = &p->conf->endpoints[i];
	const char	*u = ep->verify.public_url;

	if (u == NULL)		/* rebuilt from the request */
		return;
	if ((strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) ||
	    strpbrk(u, "?# \t") != NULL)
		conf_error(p, conf_seen(p, i, "public_url"), "public_url: "
		    "an http:// or https:// URL without query or fragment");
}

/* A preset: its rule, fixed in verify_preset.c. */
static void
conf_apply_preset(struct conf_parse *p, size_t i)
{
	struct endpoint	*ep = &p->conf->endpoints[i];
	char		 err[160];

	if (verify_preset_apply(&ep->verify, err, sizeof(err)) == -1)
		conf_error(p, ep->line, "[endpoint:%s]: signature_type %s: %s",
		    ep->name, ep->verify.scheme->name, err);
}

static void
conf_endpoint_check(struct conf_parse *p, size_t i)
{
	struct endpoint			*ep = &p->conf->endpoints[i];
	const struct verify_scheme	*sc = ep->verify.scheme;

	if (ep->path == NULL)
		conf_error(p, ep->line, "[endpoint:%s] has no path", ep->name);
	if (sc == NULL)
		return;		/* ENOMEM or a broken default */
	conf_check_secrets(p, i);
	conf_check_scheme_keys(p, i);
	conf_check_handshake(p, i);
	if ((sc->flags & VERIFY_JWT) != 0)
		conf_check_jwt(p, i);
	if ((sc->flags & VERIFY_HMAC_RULE) != 0)
		conf_check_hmac(p, i);
	if ((sc->flags & VERIFY_PRESET) != 0)
		conf_apply_preset(p, i);
	if ((sc->flags & VERIFY_FULL_URL) != 0)
		conf_check_public_url(p, i);
	conf_check_dedup(p, i);
	if (ep->verify.signature_header == NULL && sc->default_header != NULL) {
		if (conf_replace(p, &ep->verify.signature_header,
		    sc->default_header) == 0)
			header_name_normalise(ep->verify.signature_header);
	}
}

/*
 * user and group only mean something to a process that can switch to
 * them.  Not root: a handler that would run as this very process needs
 * no switch; any other user or group is an error now, not at the first
 * event.
 */
static void
conf_check_privileges(struct conf_parse *p, size_t i)
{
	struct handler	*h = &p->conf->handlers[i];
	int		 uline = conf_hseen(p, i, "user");
	int		 gline = conf_hseen(p, i, "group");

	if (!h->drop_privileges || p->hs[i].bad_id)
		return;		/* nothing to switch to, or already reported */
	if (uline == 0)
		h->uid = geteuid();	/* group alone: only the group */
	if (geteuid() == 0)
		return;
	if (h->uid != geteuid())
		conf_error(p, uline, "user %s: switching to another user needs "
		    "root (running as uid %u)", h->user, (unsigned)geteuid());
	else if (h->gid != getegid())
		conf_error(p, gline != 0 ? gline : uline, "%s: switching to "
		    "gid %u needs root (running as gid %u)", gline != 0 ?
		    "group" : "user", (unsigned)h->gid, (unsigned)getegid());
	else
		h->drop_privileges = false;	/* already who it should be */
}

static void
conf_handler_check(struct conf_parse *p, size_t i)
{
	const struct handler	*h = &p->conf->handlers[i];

	if (h->sink != NULL) {
		if (conf_hseen(p, i, "redis") == 0)
			conf_error(p, h->line, "[handler:%s]: stream, maxlen "
			    "and redis_password_file need redis", h->name);
		else if (h->command != NULL)
			conf_error(p, h->line, "[handler:%s] has both a command "
			    "and redis: one or the other", h->name);
		else if (h->sink->url != NULL && !h->sink->tls &&
		    (h->sink->tls_ca_file != NULL || h->sink->tls_cert_file !=
		    NULL || h->sink->tls_key_file != NULL ||
		    h->sink->tls_server_name != NULL))
			conf_error(p, h->line, "[handler:%s]: redis_tls_* "
			    "keys need a rediss:// URL", h->name);
		else if ((h->sink->tls_cert_file == NULL) !=
		    (h->sink->tls_key_file == NULL))
			conf_error(p, h->line, "[handler:%s]: "
			    "redis_tls_cert_file and redis_tls_key_file go "
			    "together", h->name);
		else if (h->sink->user != NULL && h->sink->password == NULL)
			conf_error(p, h->sink_line, "redis: user %s needs a "
			    "password (USER:PASSWORD@ or redis_password_file)",
			    h->sink->user);
		else if (h->sink->url != NULL && h->sink->stream == NULL &&
		    conf_hseen(p, i, "stream") == 0)
			conf_error(p, h->line, "[handler:%s] has redis but no "
			    "stream", h->name);
		if (h->drop_privileges || h->user != NULL)
			conf_error(p, h->line, "[handler:%s]: user and group "
			    "are for commands, not for redis", h->name);
	} else if (h->command == NULL && conf_hseen(p, i, "command") == 0)
		conf_error(p, h->line, "[handler:%s] has no command (nor "
		    "redis)", h->name);
	conf_check_privileges(p, i);
}

struct conf_sortkey {
	const char	*s;
	size_t		 i;
};

static int
conf_sortkey_cmp(const void *a, const void *b)
{
	const struct conf_sortkey	*x = a, *y = b;
	int				 c;

	c = strcmp(x->s, y->s);
	if (c != 0)
		return c;
	return (x->i > y->i) - (x->i < y->i);
}

enum conf_unique {
	UNIQUE_ENDPOINT_NAME,
	UNIQUE_ENDPOINT_PATH,
	UNIQUE_HANDLER_NAME
};

/* The string item i must not share with another item; NULL: none. */
static const char *
conf_unique_key(const struct conf_parse *p, enum conf_unique what, size_t i)
{
	if (what == UNIQUE_HANDLER_NAME)
		return p->conf->handlers[i].name;
	if (what == UNIQUE_ENDPOINT_PATH)
		return p->conf->endpoints[i].path;
	return p->conf->endpoints[i].name;
}

/* Item dup repeats the key of item first, which comes before it. */
static void
conf_unique_error(struct conf_parse *p, enum conf_unique what, size_t first,
    size_t dup)
{
	const struct endpoint	*ep = p->conf->endpoints;
	const struct handler	*h = p->conf->handlers;
	int			 pathkey;

	switch (what) {
	case UNIQUE_ENDPOINT_NAME:
		conf_error(p, ep[dup].line, "duplicate section [endpoint:%s] "
		    "(first on line %d)", ep[dup].name, ep[first].line);
		break;
	case UNIQUE_ENDPOINT_PATH:
		pathkey = conf_key_index(SECT_ENDPOINT, "path");
		conf_error(p, p->eps[dup].seen[pathkey], "path %s is already "
		    "used by [endpoint:%s] (line %d)", ep[dup].path,
		    ep[first].name, p->eps[first].seen[pathkey]);
		break;
	case UNIQUE_HANDLER_NAME:
		conf_error(p, h[dup].line, "duplicate section [handler:%s] "
		    "(first on line %d)", h[dup].name, h[first].line);
		break;
	}
}

/*
 * Endpoint names and paths, and handler names, must be unique.  Sorting
 * makes this O(n log n): a file with ten thousand endpoints loads at once.
 */
static void
conf_check_unique(struct conf_parse *p, enum conf_unique what)
{
	struct conf_sortkey	*v = NULL;
	size_t			 i, n = 0, first = 0, count;

	count = what == UNIQUE_HANDLER_NAME ? p->conf->nhandlers :
	    p->conf->nendpoints;
	v = calloc(count + 1, sizeof(*v));
	if (v == NULL) {
		p->oom = true;
		return;
	}
	for (i = 0; i < count; i++) {
		v[n].s = conf_unique_key(p, what, i);
		v[n].i = i;
		if (v[n].s != NULL)
			n++;
	}
	qsort(v, n, sizeof(*v), conf_sortkey_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].s, v[first].s) != 0)
			first = i;
		else
			conf_unique_error(p, what, v[first].i, v[i].i);
	}
	free(v);
}

static void
conf_server_check(struct conf_parse *p)
{
	struct server_conf	*s = &p->conf->server;
	int			 line;
	const struct endpoint	*ep;
	size_t			 i;

	s->spool_dir_line = p->server.seen[conf_key_index(SECT_SERVER,
	    "spool_dir")];
	for (i = 0; s->health_path != NULL && i < p->conf->nendpoints; i++) {
		ep = &p->conf->endpoints[i];
		if (ep->path != NULL && strcmp(ep->path, s->health_path) == 0)
			conf_error(p, p->server.seen[conf_key_index(
			    SECT_SERVER, "health_path")], "health_path %s is "
			    "the path of [endpoint:%s] (line %d)",
			    s->health_path, ep->name, ep->line);
	}
	if (s->retry_max_delay_seconds >= s->retry_delay_seconds)
		return;
	line = p->server.seen[conf_key_index(SECT_SERVER,
	    "retry_max_delay_seconds")];
	if (line == 0)
		line = p->server.seen[conf_key_index(SECT_SERVER,
		    "retry_delay_seconds")];
	conf_error(p, line, "retry_max_delay_seconds (%g) is less than "
	    "retry_delay_seconds (%g)", s->retry_max_delay_seconds,
	    s->retry_delay_seconds);
}

static void
conf_finish(struct conf_parse *p)
{
	size_t	i;

	for (i = 0; i < p->conf->nendpoints; i++)
		conf_endpoint_check(p, i);
	for (i = 0; i < p->conf->nhandlers; i++)
		conf_handler_check(p, i);
	conf_check_unique(p, UNIQUE_ENDPOINT_NAME);
	conf_check_unique(p, UNIQUE_ENDPOINT_PATH);
	conf_check_unique(p, UNIQUE_HANDLER_NAME);
	conf_server_check(p);
}

/* ---- the interface ---- */

static int
conf_read_file(struct conf_parse *p, const char *path, char **buf,
    size_t *len)
{
	struct stat	st;
	int		fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		conf_error(p, 0, "%s", strerror(errno));
		return -1;
	}
	p->others_read = fstat(fd, &st) == 0 && (st.st_mode & S_IROTH) != 0;
	rc = conf_read_fd(fd, CONF_MAX_FILE, buf, len);
	if (rc == -1 && errno == EFBIG)
		conf_error(p, 0, "larger than %d bytes", CONF_MAX_FILE);
	else if (rc == -1)
		conf_error(p, 0, "%s", strerror(errno));
	close(fd);
	return rc;
}

static void
conf_parse_buffer(struct conf_parse *p)
{
	int	rc;

	rc = ini_parse_stream(conf_reader, p, conf_handler, p);
	conf_line_end(p);
	if (rc < 0)
		p->oom = true;
	else if (rc > 0 && p->nerrs == 0)
		conf_error(p, rc, "syntax error");
	if (!p->oom && !p->full)
		conf_finish(p);
}

struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	struct conf_parse	 p;
	struct conf		*conf = NULL;
	char			*buf = NULL;
	size_t			 len = 0;

	memset(errs, 0, sizeof(*errs));
	memset(&p, 0, sizeof(p));
	p.file = path;
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		p.oom = true;
		goto out;
	}
	p.conf = conf;
	conf->file = strdup(path);
	if (conf->file == NULL) {
		p.oom = true;
		goto out;
	}
	conf_defaults(&p, SECT_SERVER, &conf->server);
	if (conf_read_file(&p, path, &buf, &len) == 0) {
		p.buf = buf;
		p.len = len;
		conf_parse_buffer(&p);
	}
out:
	if (p.oom)
		conf_error(&p, 0, "out of memory");
	conf_errors_move(&p, errs);
	if (p.oom || errs->n > 0) {
		conf_free(conf);
		conf = NULL;
	}
	if (p.oom)
		errno = ENOMEM;
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	free(p.errs);
	free(p.eps);
	free(p.hs);
	return conf;
}

static void
conf_endpoint_free(struct endpoint *ep)
{
	size_t	i;

	for (i = 0; i < ep->verify.nsecrets; i++) {
		explicit_bzero(ep->verify.secrets[i].data, ep->verify.secrets[i].len);
		free(ep->verify.secrets[i].data);
	}
	free(ep->verify.secrets);
	if (ep->handshake.token.data != NULL) {
		explicit_bzero(ep->handshake.token.data, ep->handshake.token.len);
		free(ep->handshake.token.data);
	}
	free(ep->name);
	free(ep->path);
	free(ep->verify.signature_header);
	verify_template_free(ep->verify.signed_content);
	command_free(ep->dedup_key);
	verify_pattern_free(ep->verify.signature_pattern);
	free(ep->verify.timestamp_header);
	free(ep->verify.signature_field);
	free(ep->verify.timestamp_field);
	verify_pattern_free(ep->verify.timestamp_pattern);
	for (i = 0; i < ep->verify.npublic_keys; i++)
		EVP_PKEY_free(ep->verify.public_keys[i]);
	free(ep->verify.public_keys);
	EVP_PKEY_free(ep->verify.jwt_key);
	free(ep->verify.jwt_key_file);
	free(ep->verify.jwt_issuer);
	free(ep->verify.public_url);
	free(ep->verify.jwt_audience);
	conf_names_free(&ep->redact_headers);
	conf_names_free(&ep->redact_query);
	free(ep->payload_json_field);
}

static void
conf_handler_free(struct handler *h)
{
	free(h->name);
	command_free(h->command);
	command_free(h->serialize_by);
	sink_conf_free(h->sink);
	filter_free(h->filter);
	free(h->user);
	command_free(h->on_dead.cmd);
}

void
conf_free(struct conf *conf)
{
	size_t	i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nendpoints; i++)
		conf_endpoint_free(&conf->endpoints[i]);
	free(conf->endpoints);
	for (i = 0; i < conf->nhandlers; i++)
		conf_handler_free(&conf->handlers[i]);
	free(conf->handlers);
	free(conf->server.spool_dir);
	free(conf->server.listen);
	free(conf->server.health_path);
	free(conf->server.metrics_path);
	free(conf->server.metrics_allow);
	command_free(conf->server.on_dead.cmd);
	conf_names_free(&conf->server.redact_headers);
	conf_names_free(&conf->server.redact_query);
	conf_errors_free(&conf->warnings);
	free(conf->file);
	free(conf);
}

const struct endpoint *
conf_find_endpoint(const struct conf *conf, const char *path)
{
	size_t	i;

	for (i = 0; i < conf->nendpoints; i++) {
		if (strcmp(conf->endpoints[i].path, path) == 0)
			return &conf->endpoints[i];
	}
	return NULL;
}

const struct handler *
conf_find_handler(const struct conf *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->nhandlers; i++)
		if (strcmp(conf->handlers[i].name, name) == 0)
			return &conf->handlers[i];
	return NULL;
}

/* Request methods are case-sensitive (RFC 9110 9.1); "get" is unknown. */
unsigned
conf_method_bit(const char *name)
{
	return conf_method_bit_n(name, strlen(name), false);
}

void
conf_methods_format(unsigned methods, char *buf, size_t len)
{
	size_t	i, used = 0, sep, n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < NMETHODS; i++) {
		if ((methods & conf_methods[i].bit) == 0)
			continue;
		sep = used > 0 ? 2 : 0;
		n = strlen(conf_methods[i].name);
		if (used + sep + n >= len)
			break;
		memcpy(buf + used, ", ", sep);
		memcpy(buf + used + sep, conf_methods[i].name, n);
		used += sep + n;
		buf[used] = '\0';
	}
}

int
conf_spool_check(const struct conf *conf, char *msg, size_t len)
{
	const struct server_conf	*s = &conf->server;
	char				 where[64] = "", why[256];
	int				 save;

	if (spool_dir_check(s->spool_dir, why, sizeof(why)) == 0)
		return 0;
	save = errno;
	if (s->spool_dir_line > 0)
		(void)snprintf(where, sizeof(where), ":%d", s->spool_dir_line);
	(void)snprintf(msg, len, "%s%s: spool_dir %s: %s", conf->file, where,
	    s->spool_dir, why);
	errno = save;
	return -1;
}

/* 0 if prog is none or an executable file, else -1 and why in msg. */
static int
conf_program_check(const struct conf *conf, const struct conf_prog *prog,
    char *msg, size_t len)
{
	struct stat	 st;
	const char	*path;
	const char	*why = NULL;

	if (prog->cmd == NULL)
		return 0;
	path = command_program(prog->cmd);
	if (stat(path, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (access(path, X_OK) == -1)
		why = strerror(errno);
	if (why == NULL)
		return 0;
	(void)snprintf(msg, len, "%s:%d: on_dead %s: %s", conf->file,
	    prog->line, path, why);
	return -1;
}

int
conf_programs_check(const struct conf *conf, char *msg, size_t len)
{
	size_t	i;

	if (conf_program_check(conf, &conf->server.on_dead, msg, len) == -1)
		return -1;
	for (i = 0; i < conf->nhandlers; i++)
		if (conf_program_check(conf, &conf->handlers[i].on_dead, msg,
		    len) == -1)
			return -1;
	return 0;
}

const struct command *
conf_on_dead(const struct conf *conf, const struct handler *h)
{
	if (h->on_dead.cmd != NULL)
		return h->on_dead.cmd;
	return conf->server.on_dead.cmd;
}
