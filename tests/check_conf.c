/*
 * check_conf: hookspool.ini as an operator writes it, and as an attacker
 * or a bad editor might.  Each test writes its file into a fresh mkdtemp
 * directory and asserts the loaded values or the exact "FILE:LINE:
 * message" errors.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "command.h"
#include "conf.h"
#include "sink.h"
#include "filter.h"
#include "header.h"
#include "verify.h"
#include "check_run.h"
#include "check_util.h"

static char			*tmpdir;
static char			 ini[300];
static struct conf		*c;
static struct conf_errors	 errs;

static void
setup(void)
{
	tmpdir = tmpdir_new("check_conf");
	snprintf(ini, sizeof(ini), "%s/hookspool.ini", tmpdir);
	c = NULL;
	memset(&errs, 0, sizeof(errs));
}

static void
teardown(void)
{
	conf_free(c);
	c = NULL;
	conf_errors_free(&errs);
	tmpdir_rm(tmpdir);
}

/* tmpdir/name with data, mode; returns the path (4 in rotation). */
static const char *
put_file(const char *name, const void *data, size_t len, mode_t mode)
{
	static char	paths[4][512];
	static int	next;
	char		*path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", tmpdir, name);
	file_put(path, data, len, mode);
	return path;
}

/* conf with text, written at mode (a warning may depend on it). */
static struct conf *
load_at(const void *text, size_t len, mode_t mode)
{
	put_file("hookspool.ini", text, len, mode);
	c = conf_load(ini, &errs);
	return c;
}

static struct conf *
load_n(const void *text, size_t len)
{
	return load_at(text, len, 0600);
}

static struct conf *
load(const char *text)
{
	return load_n(text, strlen(text));
}

/* The load failed with exactly these errors ("LINE: message" each). */
static void
expect_errors(const char *first, ...)
{
	va_list		 ap;
	const char	*want;
	char		 full[4096];
	size_t		 i = 0;

	ck_assert_ptr_null(c);
	va_start(ap, first);
	for (want = first; want != NULL; want = va_arg(ap, const char *)) {
		ck_assert_msg(i < errs.n, "missing error %zu: %s", i, want);
		snprintf(full, sizeof(full), "%s:%s", ini, want);
		ck_assert_str_eq(errs.msg[i], full);
		i++;
	}
	va_end(ap);
	ck_assert_msg(errs.n == i, "%zu errors, expected %zu; extra: %s",
	    errs.n, i, errs.n > i ? errs.msg[i] : "");
}

static bool
secret_is(const struct secret *s, const char *want)
{
	return s->len == strlen(want) && memcmp(s->data, want, s->len) == 0;
}

static char *
repeat(char ch, size_t n)
{
	char	*s;

	s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

/* ---- good files ---- */

START_TEST(test_full)
{
	const struct endpoint	*ep;
	const char		*sf;
	char			 text[2048];

	sf = put_file("gh.secret", "filesecret\n", 11, 0600);
	snprintf(text, sizeof(text),
	    "; hookspool test configuration\n"
	    "[server]\n"
	    "spool_dir = /srv/spool\n"
	    "max_body_size = 64k\n"
	    "fsync = never                  ; always | never\n"
	    "max_retry_attempts = 5\n"
	    "retry_delay_seconds = 0.5\n"
	    "retry_backoff_multiplier = 3\n"
	    "retry_max_delay_seconds = 600\n"
	    "event_history_size = 5000\n"
	    "handler_nice = 0\n"
	    "listen = 127.0.0.1:9000\n"
	    "workers = 3\n"
	    "log = syslog\n"
	    "\n"
	    "[endpoint:github]\n"
	    "path = /hooks/github\n"
	    "signature_type = hmac-sha256\n"
	    "signature_header = X-Hub-Signature-256\n"
	    "secret_file = %s\n"
	    "methods = post, PUT\n"
	    "enabled = no\n"
	    "\n"
	    "# a hash comment\n"
	    "[endpoint:legacy]\n"
	    "path = /hooks/legacy\n"
	    "signature_type = hmac-sha1\n"
	    "secret = s3cr3t\n"
	    "\n"
	    "[endpoint:open]\n"
	    "path = /hooks/open ; no signature\n", sf);
	ck_assert_ptr_nonnull(load(text));
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c->file, ini);
	ck_assert_str_eq(c->server.spool_dir, "/srv/spool");
	ck_assert_uint_eq(c->server.max_body_size, 65536);
	ck_assert_int_eq(c->server.fsync, FSYNC_NEVER);
	ck_assert_int_eq(c->server.max_retry_attempts, 5);
	ck_assert_double_eq(c->server.retry_delay_seconds, 0.5);
	ck_assert_double_eq(c->server.retry_backoff_multiplier, 3.0);
	ck_assert_double_eq(c->server.retry_max_delay_seconds, 600.0);
	ck_assert_int_eq(c->server.event_history_size, 5000);
	ck_assert_int_eq(c->server.handler_nice, 0);
	ck_assert_str_eq(c->server.listen, "127.0.0.1:9000");
	ck_assert_int_eq(c->server.workers, 3);
	ck_assert_int_eq(c->server.log, LOG_TO_SYSLOG);
	ck_assert_uint_eq(c->nendpoints, 3);

	ep = conf_find_endpoint(c, "/hooks/github");
	ck_assert_ptr_nonnull(ep);
	ck_assert_str_eq(ep->name, "github");
	ck_assert_int_eq(ep->line, 16);
	ck_assert_ptr_eq(ep->verify.scheme, verify_scheme_find("hmac-sha256"));
	ck_assert_str_eq(ep->verify.signature_header, "x-hub-signature-256");
	ck_assert_uint_eq(ep->verify.nsecrets, 1);
	ck_assert(secret_is(&ep->verify.secrets[0], "filesecret"));
	ck_assert_uint_eq(ep->methods, METHOD_POST | METHOD_PUT);
	ck_assert(!ep->enabled);

	ep = conf_find_endpoint(c, "/hooks/legacy");
	ck_assert_ptr_nonnull(ep);
	ck_assert_ptr_eq(ep->verify.scheme, verify_scheme_find("hmac-sha1"));
	ck_assert_str_eq(ep->verify.signature_header, "x-hub-signature");
	ck_assert_uint_eq(ep->verify.nsecrets, 1);
	ck_assert(secret_is(&ep->verify.secrets[0], "s3cr3t"));
	ck_assert_uint_eq(ep->methods, METHOD_POST);
	ck_assert(ep->enabled);

	ep = conf_find_endpoint(c, "/hooks/open");
	ck_assert_ptr_nonnull(ep);
	ck_assert_ptr_eq(ep->verify.scheme, verify_scheme_find("none"));
	ck_assert_ptr_null(ep->verify.signature_header);
	ck_assert_uint_eq(ep->verify.nsecrets, 0);

	ck_assert_ptr_null(conf_find_endpoint(c, "/hooks/open/"));
	ck_assert_ptr_null(conf_find_endpoint(c, "/hooks"));
	ck_assert_ptr_null(conf_find_endpoint(c, "/HOOKS/OPEN"));
}
END_TEST

START_TEST(test_defaults)
{
	ck_assert_ptr_nonnull(load("[endpoint:a]\npath = /a\n"));
	ck_assert_str_eq(c->server.spool_dir, "/var/spool/hookspool");
	ck_assert_uint_eq(c->server.max_body_size, 1048576);
	ck_assert_int_eq(c->server.fsync, FSYNC_ALWAYS);
	ck_assert_int_eq(c->server.max_retry_attempts, 3);
	ck_assert_double_eq(c->server.retry_delay_seconds, 1.0);
	ck_assert_double_eq(c->server.retry_backoff_multiplier, 2.0);
	ck_assert_double_eq(c->server.retry_max_delay_seconds, 3600.0);
	ck_assert_int_eq(c->server.event_history_size, 1000);
	ck_assert_int_eq(c->server.handler_nice, 10);
	ck_assert_int_eq(c->server.max_headers, 500);
	ck_assert_uint_eq(c->server.max_header_size, 65536);
	ck_assert_uint_eq(c->server.redact_headers.n, 0);
	ck_assert_uint_eq(c->endpoints[0].redact_headers.n, 0);
	ck_assert_ptr_null(c->server.listen);
	ck_assert_int_eq(c->server.workers, 0);
	ck_assert_int_eq(c->server.log, LOG_TO_STDERR);
	ck_assert_uint_eq(c->nendpoints, 1);
	ck_assert_str_eq(c->endpoints[0].path, "/a");
	ck_assert_ptr_eq(c->endpoints[0].verify.scheme, verify_scheme_find("none"));
	ck_assert_uint_eq(c->endpoints[0].methods, METHOD_POST);
	ck_assert(c->endpoints[0].enabled);
}
END_TEST

/* A [server] section as hookspool.ini(5) shows it, inline comments and all. */
START_TEST(test_design_example)
{
	ck_assert_ptr_nonnull(load(
	    "[server]\n"
	    "spool_dir = /var/spool/hookspool\n"
	    "max_body_size = 1048576\n"
	    "fsync = always                 ; always | never  (always: 2xx "
	    "only after fdatasync)\n"
	    "max_retry_attempts = 3         ; retries after the first "
	    "attempt: delays 1s, 2s, 4s\n"
	    "retry_delay_seconds = 1.0\n"
	    "retry_backoff_multiplier = 2.0\n"
	    "retry_max_delay_seconds = 3600\n"
	    "event_history_size = 1000      ; at least this many newest "
	    "events are kept\n"
	    "; listen = 127.0.0.1:9000      ; only for standalone mode\n"
	    "\n"
	    "[endpoint:github]\n"
	    "path = /hooks/github\n"
	    "signature_type = hmac-sha256   ; none | hmac-sha256 | hmac-sha1\n"
	    "signature_header = X-Hub-Signature-256\n"
	    "secret = abc\n"
	    "methods = POST\n"
	    "enabled = true\n"));
	ck_assert_int_eq(c->server.fsync, FSYNC_ALWAYS);
	ck_assert_int_eq(c->server.max_retry_attempts, 3);
	ck_assert_int_eq(c->server.event_history_size, 1000);
	ck_assert_ptr_null(c->server.listen);
	ck_assert_ptr_eq(c->endpoints[0].verify.scheme,
	    verify_scheme_find("hmac-sha256"));
}
END_TEST

START_TEST(test_value_forms)
{
	ck_assert_ptr_nonnull(load(
	    "[server]\n"
	    "  max_body_size = 1G\n"		/* indented: not a continuation */
	    "\tfsync=ALWAYS\n"
	    "log: stderr\n"			/* configparser's ':' */
	    "[ endpoint:a ]\n"
	    "path = /a\n"
	    "methods = get,Head  options\tDELETE,patch\n"
	    "enabled = Off\n"
	    "[endpoint:b] ; comment after the header\n"
	    "path = /b\n"
	    "enabled = 1\n"
	    "signature_header = X_Custom_Sig\n"));
	ck_assert_uint_eq(c->server.max_body_size, 1024UL * 1024 * 1024);
	ck_assert_int_eq(c->server.fsync, FSYNC_ALWAYS);
	ck_assert_int_eq(c->server.log, LOG_TO_STDERR);
	ck_assert_uint_eq(c->endpoints[0].methods, METHOD_GET | METHOD_HEAD |
	    METHOD_OPTIONS | METHOD_DELETE | METHOD_PATCH);
	ck_assert(!c->endpoints[0].enabled);
	ck_assert(c->endpoints[1].enabled);
	ck_assert_str_eq(c->endpoints[1].verify.signature_header, "x-custom-sig");
}
END_TEST

START_TEST(test_size_suffixes)
{
	ck_assert_ptr_nonnull(load("[server]\nmax_body_size = 2M\n"));
	ck_assert_uint_eq(c->server.max_body_size, 2 * 1024 * 1024);
	conf_free(c);
	ck_assert_ptr_nonnull(load("[server]\nmax_body_size = 1\n"));
	ck_assert_uint_eq(c->server.max_body_size, 1);
	conf_free(c);
	ck_assert_ptr_nonnull(load("[server]\nmax_body_size = 1073741824\n"));
	ck_assert_uint_eq(c->server.max_body_size, 1073741824);
}
END_TEST

START_TEST(test_dedup_keys)
{
	ck_assert_ptr_nonnull(load("[endpoint:a]\npath = /a\n"));
	ck_assert_ptr_null(c->endpoints[0].dedup_key);
	ck_assert_int_eq(c->endpoints[0].dedup_window, 72 * 3600);
	ck_assert_int_eq(c->server.dedup_max_keys, 100000);
	conf_free(c);
	ck_assert_ptr_nonnull(load("[server]\ndedup_max_keys = 64\n"
	    "[endpoint:a]\npath = /a\n"
	    "dedup_key = ${header.X-Id} id-${payload.id}\n"
	    "dedup_window = 90m\n"));
	ck_assert_ptr_nonnull(c->endpoints[0].dedup_key);
	ck_assert_int_eq(c->endpoints[0].dedup_window, 90 * 60);
	ck_assert_int_eq(c->server.dedup_max_keys, 64);
	conf_free(c);
	/* auto: the scheme's own key, whatever the order of the keys. */
	ck_assert_ptr_nonnull(load("[endpoint:a]\npath = /a\n"
	    "dedup_key = auto\nsignature_type = github\nsecret = s\n"));
	ck_assert_ptr_nonnull(c->endpoints[0].dedup_key);
	conf_free(c);
	load("[endpoint:a]\npath = /a\ndedup_key = auto\n");
	expect_errors("3: dedup_key = auto: signature_type none has no "
	    "delivery id of its own; write the key, as ${header.NAME} or "
	    "${payload.PATH}", NULL);
	conf_errors_free(&errs);
	memset(&errs, 0, sizeof(errs));
	load("[endpoint:a]\npath = /a\ndedup_key = ${header.A} same\n"
	    "dedup_window = 3x\n");
	expect_errors("3: dedup_key: word 2 has no placeholder: every "
	    "delivery would have the same key",
	    "4: dedup_window: \"3x\" is not a duration (seconds, or a number "
	    "with s, m, h or d)", NULL);
}
END_TEST

START_TEST(test_empty_file)
{
	ck_assert_ptr_nonnull(load(""));
	ck_assert_uint_eq(c->nendpoints, 0);
	ck_assert_str_eq(c->server.spool_dir, "/var/spool/hookspool");
}
END_TEST

START_TEST(test_bom)
{
	ck_assert_ptr_nonnull(load("\xef\xbb\xbf[server]\nfsync = never\n"));
	ck_assert_int_eq(c->server.fsync, FSYNC_NEVER);
}
END_TEST

START_TEST(test_bom_not_first)
{
	load("[server]\n\xef\xbb\xbf[endpoint:a]\n");
	/* a BOM is only skipped at the start: here it is part of a key */
	expect_errors("2: unknown key \"\xef\xbb\xbf[endpoint\" in [server]",
	    NULL);
}
END_TEST

START_TEST(test_crlf)
{
	ck_assert_ptr_nonnull(load("[endpoint:a]\r\npath = /a\r\n"
	    "secret = abc\r\nsignature_type = hmac-sha1\r\n"));
	ck_assert_str_eq(c->endpoints[0].path, "/a");
	ck_assert(secret_is(&c->endpoints[0].verify.secrets[0], "abc"));
}
END_TEST

/* ---- one error of each kind, with its line ---- */

START_TEST(test_unknown_key)
{
	load("[server]\nspool_dir = /x\nspooldir = /y\n"
	    "[endpoint:a]\npath = /a\ncolour = red\n");
	expect_errors("3: unknown key \"spooldir\" in [server]",
	    "6: unknown key \"colour\" in [endpoint:a]", NULL);
}
END_TEST

START_TEST(test_health_path_taken)
{
	load("[server]\nspool_dir = /x\nhealth_path = /a\n"
	    "[endpoint:a]\npath = /a\nsignature_type = none\n");
	expect_errors("3: health_path /a is the path of [endpoint:a] (line 4)",
	    NULL);
	conf_errors_free(&errs);
	load("[server]\nhealth_path = health\n");
	expect_errors("2: health_path: \"health\" does not start with \"/\"",
	    NULL);
}
END_TEST

START_TEST(test_min_free_space)
{
	load("[server]\nmin_free_space = 512M\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->server.min_free_space.bytes, 512ULL << 20);
	ck_assert(c->server.min_free_space.percent == 0);
	conf_free(c);
	load("[server]\nmin_free_space = 2.5%\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->server.min_free_space.bytes, 0);
	ck_assert(c->server.min_free_space.percent == 2.5);
	conf_free(c);
	load("[server]\nmin_free_space = 100%\n");
	expect_errors("2: min_free_space: \"100%\" is not a percentage above "
	    "0 and below 100", NULL);
	conf_errors_free(&errs);
	load("[server]\nmin_free_space = -1\n");
	expect_errors("2: min_free_space: \"-1\" is not a size (bytes, or a "
	    "number with k, M or G) or a percentage", NULL);
	conf_errors_free(&errs);
	load("[server]\nmin_free_space = %\n");
	expect_errors("2: min_free_space: \"%\" is not a size (bytes, or a "
	    "number with k, M or G) or a percentage", NULL);
}
END_TEST

START_TEST(test_unknown_section)
{
	load("[server]\n\n[handlers:push]\ncommand = /bin/true\n"
	    "[endpoints:a]\npath = /a\n[]\n[handler]\n");
	expect_errors("3: unknown section [handlers:push]",
	    "5: unknown section [endpoints:a]", "7: unknown section []",
	    "8: unknown section [handler]", NULL);
}
END_TEST

START_TEST(test_key_outside_section)
{
	load("fsync = never\n[server]\n");
	expect_errors("1: key \"fsync\" outside any section", NULL);
}
END_TEST

START_TEST(test_bad_values)
{
	load("[server]\n"
	    "spool_dir = var/spool\n"
	    "max_body_size = 10 MB\n"
	    "fsync = sometimes\n"
	    "max_retry_attempts = three\n"
	    "retry_delay_seconds = fast\n"
	    "retry_backoff_multiplier = nan\n"
	    "event_history_size = 12abc\n"
	    "log = journal\n"
	    "listen =\n"
	    "workers = -1\n"
	    "[endpoint:a]\n"
	    "path = hooks/a\n"
	    "signature_type = md5\n"
	    "methods = POST, FETCH\n"
	    "enabled = maybe\n"
	    "signature_header = X Sig\n");
	expect_errors(
	    "2: spool_dir: \"var/spool\" is not an absolute path",
	    "3: max_body_size: \"10 MB\" is not a size (bytes, or a number "
	    "with k, M or G)",
	    "4: fsync: \"sometimes\" is neither \"always\" nor \"never\"",
	    "5: max_retry_attempts: \"three\" is not an integer",
	    "6: retry_delay_seconds: \"fast\" is not a number",
	    "7: retry_backoff_multiplier: \"nan\" is not a number",
	    "8: event_history_size: \"12abc\" is not an integer",
	    "9: log: \"journal\" is neither \"stderr\" nor \"syslog\"",
	    "10: listen has an empty value",
	    "11: workers: -1 is out of range (0 to 1024)",
	    "12: [endpoint:a] has no path",
	    "13: path: \"hooks/a\" does not start with \"/\"",
	    "14: signature_type: unknown scheme \"md5\" (known: "
	    "none hmac-sha256 hmac-sha1 jwt github stripe slack "
	    "standard-webhooks shopify gitlab discord mailgun hmac zoom twitch paddle "
	    "linear pagerduty sentry typeform hubspot square twilio)",
	    "15: methods: unknown method \"FETCH\" (known: GET HEAD POST PUT "
	    "PATCH DELETE OPTIONS)",
	    "16: enabled: \"maybe\" is not a boolean (true, false, yes, no, "
	    "on, off, 1, 0)",
	    "17: signature_header: \"X Sig\" is not a header name", NULL);
}
END_TEST

START_TEST(test_scheme_list_from_verify)
{
	char	want[512];

	load("[endpoint:a]\npath = /a\nsignature_type = nope\n");
	snprintf(want, sizeof(want), "3: signature_type: unknown scheme "
	    "\"nope\" (known: %s)", verify_scheme_names());
	expect_errors(want, NULL);
}
END_TEST

START_TEST(test_ranges)
{
	load("[server]\n"
	    "max_body_size = 0\n"
	    "max_retry_attempts = 101\n"
	    "retry_delay_seconds = 0\n"
	    "retry_backoff_multiplier = 0.5\n"
	    "retry_max_delay_seconds = 604801\n"
	    "event_history_size = 1000000001\n"
	    "handler_nice = 20\n"
	    "[server]\n");
	expect_errors(
	    "2: max_body_size: 0 is out of range (1 to 1073741824)",
	    "3: max_retry_attempts: 101 is out of range (0 to 100)",
	    "4: retry_delay_seconds: 0 is out of range (more than 0, at most "
	    "86400)",
	    "5: retry_backoff_multiplier: 0.5 is out of range (at least 1, "
	    "at most 100)",
	    "6: retry_max_delay_seconds: 604801 is out of range (more than 0, "
	    "at most 604800)",
	    "7: event_history_size: 1000000001 is out of range (1 to "
	    "1000000000)",
	    "8: handler_nice: 20 is out of range (0 to 19)",
	    "9: duplicate section [server] (first on line 1)", NULL);
}
END_TEST

START_TEST(test_range_edges)
{
	ck_assert_ptr_nonnull(load("[server]\n"
	    "max_body_size = 1G\n"
	    "max_retry_attempts = 0\n"
	    "retry_delay_seconds = 0.001\n"
	    "retry_backoff_multiplier = 100\n"
	    "retry_max_delay_seconds = 604800\n"
	    "event_history_size = 1000000000\n"));
	ck_assert_int_eq(c->server.max_retry_attempts, 0);
	ck_assert_double_eq(c->server.retry_max_delay_seconds, 604800.0);
	ck_assert_int_eq(c->server.event_history_size, 1000000000L);
	conf_free(c);
	load("[server]\nmax_body_size = 1025M\nmax_retry_attempts = -1\n"
	    "max_body_size = 99999999999999999999999\n");
	expect_errors(
	    "2: max_body_size: 1025M is out of range (1 to 1073741824)",
	    "3: max_retry_attempts: -1 is out of range (0 to 100)",
	    "4: duplicate key \"max_body_size\" (first on line 2)", NULL);
}
END_TEST

START_TEST(test_header_limits)
{
	ck_assert_ptr_nonnull(load("[server]\nmax_headers = 10000\n"
	    "max_header_size = 1M\n"));
	ck_assert_int_eq(c->server.max_headers, CONF_MAX_HEADERS);
	ck_assert_uint_eq(c->server.max_header_size, CONF_MAX_HEADER_SIZE);
	conf_free(c);
	ck_assert_ptr_nonnull(load("[server]\nmax_headers = 1\n"
	    "max_header_size = 1k\n"));
	ck_assert_int_eq(c->server.max_headers, 1);
	ck_assert_uint_eq(c->server.max_header_size, 1024);
	conf_free(c);
	load("[server]\nmax_headers = 10001\nmax_header_size = 1023\n"
	    "[endpoint:a]\npath = /a\nmax_headers = 5\n");
	expect_errors(
	    "2: max_headers: 10001 is out of range (1 to 10000)",
	    "3: max_header_size: 1023 is out of range (1024 to 1048576)",
	    "6: unknown key \"max_headers\" in [endpoint:a]", NULL);
}
END_TEST

/* Names separated by commas or blanks, normalised; the key adds up. */
START_TEST(test_redact_headers)
{
	const struct endpoint	*ep;

	ck_assert_ptr_nonnull(load("[server]\nredact_headers = X-Api-Key\n"
	    "[endpoint:a]\npath = /a\n"
	    "redact_headers = X_Session, X-Other  Cookie\n"
	    "redact_headers = x-more\n"));
	ck_assert_uint_eq(c->server.redact_headers.n, 1);
	ck_assert_str_eq(c->server.redact_headers.v[0], "x-api-key");
	ep = &c->endpoints[0];
	ck_assert_uint_eq(ep->redact_headers.n, 4);
	ck_assert_str_eq(ep->redact_headers.v[0], "x-session");
	ck_assert_str_eq(ep->redact_headers.v[1], "x-other");
	ck_assert_str_eq(ep->redact_headers.v[2], "cookie");
	ck_assert_str_eq(ep->redact_headers.v[3], "x-more");
	conf_free(c);
	load("[server]\nredact_headers = X-Ok, X:Bad\n"
	    "[endpoint:a]\npath = /a\nredact_headers = ,\n");
	expect_errors(
	    "2: redact_headers: \"X:Bad\" is not a header name",
	    "5: redact_headers: no header name given", NULL);
}
END_TEST

/* Query field names are kept as given: '_' is no '-' in a query. */
START_TEST(test_redact_query)
{
	static const char *const	 want[] = { "Sig", "key" };
	const struct conf_names		*l;
	size_t				 i;

	ck_assert_ptr_nonnull(load("[server]\nredact_query = access_token\n"
	    "[endpoint:a]\npath = /a\nredact_query = Sig, key\n"
	    "payload_json_field = payload\n"));
	ck_assert_str_eq(c->server.redact_query.v[0], "access_token");
	l = &c->endpoints[0].redact_query;
	for (i = 0; i < l->n && i < 2; i++)
		ck_assert_str_eq(l->v[i], want[i]);
	ck_assert_uint_eq(i + c->server.redact_query.n, 3);
	ck_assert_str_eq(c->endpoints[0].payload_json_field, "payload");
	conf_free(c);
	load("[server]\nredact_query = a=b\n"
	    "[endpoint:a]\npath = /a\nredact_query = ,\n");
	expect_errors(
	    "2: redact_query: \"a=b\" is not a query field name",
	    "5: redact_query: no query field name given", NULL);
}
END_TEST

START_TEST(test_retry_delay_order)
{
	load("[server]\nretry_delay_seconds = 60\n"
	    "retry_max_delay_seconds = 30\n");
	expect_errors("3: retry_max_delay_seconds (30) is less than "
	    "retry_delay_seconds (60)", NULL);
}
END_TEST

START_TEST(test_missing_path)
{
	load("[server]\n\n[endpoint:a]\nmethods = POST\n[endpoint:b]\n");
	expect_errors("3: [endpoint:a] has no path",
	    "5: [endpoint:b] has no path", NULL);
}
END_TEST

START_TEST(test_bad_paths)
{
	load("[endpoint:a]\npath = /a?x=1\n"
	    "[endpoint:b]\npath = /b#frag\n"
	    "[endpoint:c]\npath = /c d\n");
	expect_errors(
	    "1: [endpoint:a] has no path",
	    "2: path: \"/a?x=1\" contains \"?\" or \"#\" (the query string is "
	    "not part of the path)",
	    "3: [endpoint:b] has no path",
	    "4: path: \"/b#frag\" contains \"?\" or \"#\" (the query string is "
	    "not part of the path)",
	    "5: [endpoint:c] has no path",
	    "6: path: \"/c d\" contains a space or a control character", NULL);
}
END_TEST

START_TEST(test_duplicate_path)
{
	load("[endpoint:a]\npath = /same\n\n[endpoint:b]\nmethods = GET\n"
	    "path = /same\n[endpoint:c]\npath = /same\n");
	expect_errors(
	    "6: path /same is already used by [endpoint:a] (line 2)",
	    "8: path /same is already used by [endpoint:a] (line 2)", NULL);
}
END_TEST

START_TEST(test_duplicate_section)
{
	load("[server]\n[endpoint:a]\npath = /a\n[server]\n"
	    "[endpoint:a]\npath = /b\n");
	expect_errors("4: duplicate section [server] (first on line 1)",
	    "5: duplicate section [endpoint:a] (first on line 2)", NULL);
}
END_TEST

START_TEST(test_bad_endpoint_name)
{
	load("[endpoint:]\npath = /a\n[endpoint:a b]\npath = /b\n");
	expect_errors(
	    "1: bad endpoint name \"\" in [endpoint:] (letters, digits, '.', "
	    "'_' and '-')",
	    "3: bad endpoint name \"a b\" in [endpoint:a b] (letters, digits, "
	    "'.', '_' and '-')", NULL);
}
END_TEST

START_TEST(test_duplicate_key)
{
	load("[endpoint:a]\npath = /a\nmethods = GET\npath = /b\n"
	    "methods = POST\n");
	expect_errors("4: duplicate key \"path\" (first on line 2)",
	    "5: duplicate key \"methods\" (first on line 3)", NULL);
}
END_TEST

START_TEST(test_signed_without_secret)
{
	load("[endpoint:gh]\npath = /gh\nsignature_type = hmac-sha256\n");
	expect_errors("1: [endpoint:gh]: signature_type hmac-sha256 needs a "
	    "secret or secret_file", NULL);
}
END_TEST

START_TEST(test_secret_without_scheme)
{
	load("[endpoint:gh]\npath = /gh\nsecret = abc\n");
	expect_errors("1: [endpoint:gh] has a secret but signature_type none "
	    "checks none; set signature_type", NULL);
}
END_TEST

START_TEST(test_empty_secret)
{
	load("[endpoint:gh]\npath = /gh\nsignature_type = hmac-sha1\n"
	    "secret =\nsecret = ok\n");
	expect_errors("4: secret has an empty value", NULL);
}
END_TEST

START_TEST(test_empty_methods)
{
	load("[endpoint:a]\npath = /a\nmethods = , ,\n");
	expect_errors("3: methods: no method given", NULL);
}
END_TEST

START_TEST(test_section_without_bracket)
{
	load("[server\nfsync = never\n[endpoint:a] x\npath = /a\n");
	expect_errors("1: section header without \"]\"",
	    "3: text after \"]\" in section header", NULL);
}
END_TEST

START_TEST(test_key_without_equals)
{
	load("[server]\nfsync never\n\nspool_dir ; = /x\nlog = stderr\n");
	expect_errors(
	    "2: expected \"key = value\", \"[section]\" or a comment",
	    "4: expected \"key = value\", \"[section]\" or a comment", NULL);
}
END_TEST

START_TEST(test_missing_file)
{
	char	want[PATH_MAX + 64];

	c = conf_load(ini, &errs);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	snprintf(want, sizeof(want), "%s: No such file or directory", ini);
	ck_assert_str_eq(errs.msg[0], want);
}
END_TEST

/* ---- several errors, all reported, in line order ---- */

START_TEST(test_many_errors)
{
	load("[server]\n"			/* 1 */
	    "fsync = maybe\n"			/* 2 */
	    "[endpoint:a]\n"			/* 3 */
	    "signature_type = hmac-sha256\n"	/* 4 */
	    "bogus = 1\n"			/* 5 */
	    "[endpoint:b]\n"			/* 6 */
	    "path = /b\n"			/* 7 */
	    "[endpoint:c]\n"			/* 8 */
	    "path = /b\n"			/* 9 */
	    "[nope]\n"				/* 10 */
	    "whatever = 1\n"			/* 11: ignored, section bad */
	    "[endpoint:d]\n"			/* 12 */
	    "path = /d\n"			/* 13 */
	    "enabled = perhaps\n");		/* 14 */
	expect_errors(
	    "2: fsync: \"maybe\" is neither \"always\" nor \"never\"",
	    "3: [endpoint:a] has no path",
	    "3: [endpoint:a]: signature_type hmac-sha256 needs a secret or "
	    "secret_file",
	    "5: unknown key \"bogus\" in [endpoint:a]",
	    "9: path /b is already used by [endpoint:b] (line 7)",
	    "10: unknown section [nope]",
	    "14: enabled: \"perhaps\" is not a boolean (true, false, yes, no, "
	    "on, off, 1, 0)", NULL);
}
END_TEST

START_TEST(test_too_many_errors)
{
	char	*text, want[PATH_MAX + 64];
	size_t	 i;

	text = malloc(3000 * 4 + 1);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 3000; i++)
		memcpy(text + i * 4, "xyz\n", 4);
	text[3000 * 4] = '\0';
	load(text);
	free(text);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1001);
	snprintf(want, sizeof(want), "%s:1000: too many errors, giving up",
	    ini);
	ck_assert_str_eq(errs.msg[1000], want);
}
END_TEST

/* ---- values are kept whole or refused, never cut ---- */

START_TEST(test_line_limit)
{
	char	line[512], *v;

	/* libinih (Debian, INI_MAX_LINE 200) lends us 200 bytes: 199 + NUL */
	v = repeat('a', 199 - strlen("secret = "));
	snprintf(line, sizeof(line), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\nsecret = %s\n", v);
	ck_assert_ptr_nonnull(load(line));
	ck_assert_uint_eq(c->endpoints[0].verify.nsecrets, 1);
	ck_assert(secret_is(&c->endpoints[0].verify.secrets[0], v));
	conf_free(c);
	free(v);

	v = repeat('a', 200 - strlen("secret = "));
	snprintf(line, sizeof(line), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\nsecret = %s\n", v);
	load(line);
	free(v);
	expect_errors("1: [endpoint:a]: signature_type hmac-sha256 needs a "
	    "secret or secret_file", "4: line longer than 199 bytes", NULL);
}
END_TEST

START_TEST(test_long_value)
{
	char	*v, *text;

	v = repeat('x', 1000);
	ck_assert_int_ne(asprintf(&text, "[server]\nlisten = %s\n"
	    "[endpoint:a]\npath = /%s\n", v, v), -1);
	load(text);
	free(text);
	free(v);
	expect_errors("2: line longer than 199 bytes",
	    "3: [endpoint:a] has no path",
	    "4: line longer than 199 bytes", NULL);
}
END_TEST

START_TEST(test_100k_line)
{
	char	*v, *text;

	v = repeat('z', 100 * 1024);
	ck_assert_int_ne(asprintf(&text, "[server]\n%s\nfsync = never\n", v),
	    -1);
	load(text);
	free(text);
	free(v);
	expect_errors("2: line longer than 199 bytes", NULL);
}
END_TEST

START_TEST(test_secret_inline_comment)
{
	load("[endpoint:a]\npath = /a\nsignature_type = hmac-sha256\n"
	    "secret = abc ;def\n"
	    "secret = abc\t;def\n"
	    "secret = ;abc\n");
	expect_errors(
	    "1: [endpoint:a]: signature_type hmac-sha256 needs a secret or "
	    "secret_file",
	    "4: secret: the text after \" ;\" would be taken for a comment; "
	    "remove the comment, or put a secret containing \" ;\" in a "
	    "secret_file",
	    "5: secret: the text after \" ;\" would be taken for a comment; "
	    "remove the comment, or put a secret containing \" ;\" in a "
	    "secret_file",
	    "6: secret: the text after \" ;\" would be taken for a comment; "
	    "remove the comment, or put a secret containing \" ;\" in a "
	    "secret_file", NULL);
}
END_TEST

START_TEST(test_secret_kept_whole)
{
	const struct endpoint	*ep;

	ck_assert_ptr_nonnull(load("[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\n"
	    "secret = abc #def\n"
	    "secret = #starts-with-hash\n"
	    "secret = semi;colon\n"
	    "secret = with spaces inside\n"
	    "secret: a=b:c\n"));
	ep = &c->endpoints[0];
	ck_assert_uint_eq(ep->verify.nsecrets, 5);
	ck_assert(secret_is(&ep->verify.secrets[0], "abc #def"));
	ck_assert(secret_is(&ep->verify.secrets[1], "#starts-with-hash"));
	ck_assert(secret_is(&ep->verify.secrets[2], "semi;colon"));
	ck_assert(secret_is(&ep->verify.secrets[3], "with spaces inside"));
	ck_assert(secret_is(&ep->verify.secrets[4], "a=b:c"));
}
END_TEST

START_TEST(test_secret_file_semicolon)
{
	const char	*sf;
	char		 text[1024];

	sf = put_file("s", "abc ;def\n", 9, 0600);
	snprintf(text, sizeof(text), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\nsecret_file = %s\n", sf);
	ck_assert_ptr_nonnull(load(text));
	ck_assert(secret_is(&c->endpoints[0].verify.secrets[0], "abc ;def"));
}
END_TEST

/* ---- secrets: rotation and files ---- */

/*
 * Inline secrets in a file others may read load, with a warning for
 * each secret line; a file closed to others, or secrets in files, none.
 * The spool_dir key's line is kept for messages about the directory.
 */
START_TEST(test_inline_secret_warning)
{
	const char	*sf, *text = "[server]\nspool_dir = /x\n"
	    "[endpoint:a]\npath = /a\nsignature_type = hmac-sha256\n"
	    "secret = one\nsecret = two\n";
	char		 want[1024], buf[1024];

	ck_assert_ptr_nonnull(load_at(text, strlen(text), 0644));
	ck_assert_int_eq(c->server.spool_dir_line, 2);
	ck_assert_uint_eq(c->warnings.n, 2);
	snprintf(want, sizeof(want), "%s:6: warning: inline secret in a file "
	    "readable by others (chmod o-r %s, or use secret_file)", ini, ini);
	ck_assert_str_eq(c->warnings.msg[0], want);
	ck_assert_ptr_nonnull(strstr(c->warnings.msg[1], ".ini:7: warning: "));
	conf_free(c);
	c = NULL;
	ck_assert_ptr_nonnull(load_at(text, strlen(text), 0640));
	ck_assert_uint_eq(c->warnings.n, 0);
	conf_free(c);
	c = NULL;
	sf = put_file("s", "one\n", 4, 0600);
	snprintf(buf, sizeof(buf), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\nsecret_file = %s\n", sf);
	ck_assert_ptr_nonnull(load_at(buf, strlen(buf), 0644));
	ck_assert_uint_eq(c->warnings.n, 0);
	ck_assert_int_eq(c->server.spool_dir_line, 0);
}
END_TEST

START_TEST(test_rotation)
{
	const struct endpoint	*ep;
	const char		*sf;
	char			 text[1024];

	sf = put_file("rot.secret", "third\r\n\n\nfourth", 15, 0600);
	snprintf(text, sizeof(text), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\n"
	    "secret = first\n"
	    "secret_file = %s\n"
	    "secret = second\n", sf);
	ck_assert_ptr_nonnull(load(text));
	ep = &c->endpoints[0];
	ck_assert_uint_eq(ep->verify.nsecrets, 4);
	ck_assert(secret_is(&ep->verify.secrets[0], "first"));
	ck_assert(secret_is(&ep->verify.secrets[1], "third"));
	ck_assert(secret_is(&ep->verify.secrets[2], "fourth"));
	ck_assert(secret_is(&ep->verify.secrets[3], "second"));
}
END_TEST

START_TEST(test_secret_file_modes)
{
	const char	*sf;
	char		 text[1024], want[1024];

	sf = put_file("open.secret", "x\n", 2, 0644);
	snprintf(text, sizeof(text), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha256\nsecret_file = %s\n", sf);
	load(text);
	snprintf(want, sizeof(want), "4: secret file %s is mode 0644; it must "
	    "not be readable by group or others (chmod 600)", sf);
	expect_errors("1: [endpoint:a]: signature_type hmac-sha256 needs a "
	    "secret or secret_file", want, NULL);
	conf_errors_free(&errs);

	ck_assert_int_eq(chmod(sf, 0640), 0);
	load(text);
	snprintf(want, sizeof(want), "4: secret file %s is mode 0640; it must "
	    "not be readable by group or others (chmod 600)", sf);
	expect_errors("1: [endpoint:a]: signature_type hmac-sha256 needs a "
	    "secret or secret_file", want, NULL);
	conf_errors_free(&errs);

	ck_assert_int_eq(chmod(sf, 0600), 0);
	ck_assert_ptr_nonnull(load(text));
	ck_assert(secret_is(&c->endpoints[0].verify.secrets[0], "x"));
	conf_free(c);
	c = NULL;

	ck_assert_int_eq(chmod(sf, 0400), 0);
	ck_assert_ptr_nonnull(load(text));
}
END_TEST

START_TEST(test_secret_file_errors)
{
	const char	*empty;
	char		 text[2048], want[3][1024];

	empty = put_file("empty.secret", "\n\r\n\n", 4, 0600);
	snprintf(text, sizeof(text), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha1\n"
	    "secret_file = %s/missing\n"
	    "secret_file = relative/file\n"
	    "secret_file = %s\n"
	    "secret_file = %s\n"
	    "secret = ok\n", tmpdir, empty, tmpdir);
	load(text);
	snprintf(want[0], sizeof(want[0]), "4: secret file %s/missing: No "
	    "such file or directory", tmpdir);
	snprintf(want[1], sizeof(want[1]), "6: secret file %s holds no "
	    "secret", empty);
	snprintf(want[2], sizeof(want[2]), "7: secret file %s is not a "
	    "regular file", tmpdir);
	expect_errors(want[0],
	    "5: secret_file: \"relative/file\" is not an absolute path",
	    want[1], want[2], NULL);
}
END_TEST

START_TEST(test_secret_file_too_big)
{
	char		*big, text[1024], want[1024];
	const char	*sf;

	big = repeat('k', 64 * 1024 + 1);
	sf = put_file("big.secret", big, strlen(big), 0600);
	free(big);
	snprintf(text, sizeof(text), "[endpoint:a]\npath = /a\n"
	    "signature_type = hmac-sha1\nsecret = ok\nsecret_file = %s\n", sf);
	load(text);
	snprintf(want, sizeof(want), "5: secret file %s: larger than 64 KiB",
	    sf);
	expect_errors(want, NULL);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(test_binary_garbage)
{
	unsigned char	buf[8192];
	unsigned	seed = 42;
	size_t		i;

	for (i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (unsigned char)(seed >> 16);
	}
	load_n(buf, sizeof(buf));
	ck_assert_ptr_null(c);
	ck_assert_uint_gt(errs.n, 0);
	for (i = 0; i < errs.n; i++) {
		ck_assert_msg(strncmp(errs.msg[i], ini, strlen(ini)) == 0,
		    "%s", errs.msg[i]);
		ck_assert_msg(strpbrk(errs.msg[i], "\x1b\r\n") == NULL,
		    "control byte in error %zu", i);
	}
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char text[] = "[server]\nspool_dir = /a\0/b\n"
	    "[endpoint:a]\npath = /a\n\0\n";

	load_n(text, sizeof(text) - 1);
	expect_errors("2: NUL byte in line", "5: NUL byte in line", NULL);
}
END_TEST

START_TEST(test_control_chars_in_message)
{
	load("[\x1b[31mred]\n");
	expect_errors("1: unknown section [?[31mred]", NULL);
}
END_TEST

static char *
many_endpoints(size_t n, const char *extra)
{
	char	*text, *p;
	size_t	 i, cap = n * 64 + strlen(extra) + 1;

	text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	p = text;
	for (i = 0; i < n; i++)
		p += sprintf(p, "[endpoint:e%zu]\npath = /hooks/%zu\n\n", i, i);
	strcpy(p, extra);
	return text;
}

/* Check's timeout bounds the load; how fast is bench/'s question. */
START_TEST(test_10000_endpoints)
{
	char		*text;

	text = many_endpoints(10000, "");
	load(text);
	free(text);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nendpoints, 10000);
	ck_assert_str_eq(conf_find_endpoint(c, "/hooks/9999")->name, "e9999");
	ck_assert_str_eq(conf_find_endpoint(c, "/hooks/0")->name, "e0");
}
END_TEST

START_TEST(test_10000_endpoints_duplicate)
{
	char	*text;

	text = many_endpoints(10000, "[endpoint:e17]\npath = /hooks/5000\n");
	load(text);
	free(text);
	expect_errors(
	    "30001: duplicate section [endpoint:e17] (first on line 52)",
	    "30002: path /hooks/5000 is already used by [endpoint:e5000] "
	    "(line 15002)", NULL);
}
END_TEST

/* ---- [handler:NAME] ---- */

/* One event as the filters see it: path, method, a header, a body. */
struct tev {
	struct header_list	 hl;
	json_t			*payload;
	struct filter_event	 ev;
};

static void
tev_init(struct tev *t, const char *path, const char *method,
    const char *hname, const char *hvalue, const char *body)
{
	memset(t, 0, sizeof(*t));
	if (hname != NULL)
		ck_assert_int_eq(header_add(&t->hl, hname, hvalue), 0);
	if (body != NULL)
		t->payload = filter_payload_parse(body, strlen(body));
	t->ev.path = path;
	t->ev.method = method;
	t->ev.headers = &t->hl;
	t->ev.payload = t->payload;
}

static void
tev_free(struct tev *t)
{
	header_list_free(&t->hl);
	json_decref(t->payload);
}

/* Does handler h want a POST to path with header hname: hvalue? */
static bool
wants(const struct handler *h, const char *path, const char *method,
    const char *hname, const char *hvalue, const char *body)
{
	struct tev	t;
	bool		yes;

	tev_init(&t, path, method, hname, hvalue, body);
	yes = filter_match(h->filter, &t.ev);
	tev_free(&t);
	return yes;
}

static const char	handlers_ini[] =
	"[endpoint:github]\n"					/* 1 */
	"path = /hooks/github\n"
	"methods = POST, PUT\n"
	"\n"
	"[handler:push]\n"					/* 5 */
	"command = /usr/bin/sync-repo --name ${payload.repository.name} "
	"'a b'\n"
	"endpoint_paths = /hooks/* /other/**\n"
	"methods = PUT\n"
	"header.X-GitHub-Event = push|pull_request\n"
	"payload.action = opened\n"				/* 10 */
	"timeout = 5\n"
	"\n"
	"[handler:log-all]\n"					/* 13 */
	"command = /bin/true\n";

START_TEST(test_handlers_in_order)
{
	const struct handler	*h;
	const char		*op = "{\"action\":\"opened\","
				    "\"repository\":{\"name\":\"my-repo\"}}";
	struct tev		 t;
	char			**argv;

	ck_assert_ptr_nonnull(load(handlers_ini));
	ck_assert_uint_eq(c->nhandlers, 2);
	/* the endpoint's methods keep their meaning: what it accepts */
	ck_assert_uint_eq(c->endpoints[0].methods, METHOD_POST | METHOD_PUT);

	h = &c->handlers[0];
	ck_assert_str_eq(h->name, "push");
	ck_assert_int_eq(h->line, 5);
	ck_assert_int_eq(h->timeout, 5);
	ck_assert(!h->drop_privileges);
	ck_assert_ptr_null(h->user);
	ck_assert_str_eq(command_program(h->command), "/usr/bin/sync-repo");
	ck_assert_uint_eq(command_argc(h->command), 4);
	tev_init(&t, "/hooks/github", "PUT", "X-GitHub-Event", "push", op);
	ck_assert(filter_match(h->filter, &t.ev));
	argv = command_expand(h->command, &t.ev);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[0], "/usr/bin/sync-repo");
	ck_assert_str_eq(argv[1], "--name");
	ck_assert_str_eq(argv[2], "my-repo");
	ck_assert_str_eq(argv[3], "a b");
	ck_assert_ptr_null(argv[4]);
	command_argv_free(argv);
	tev_free(&t);
	/* every criterion must hold */
	ck_assert(wants(h, "/other/a/b", "PUT", "x-github-event",
	    "pull_request", op));
	ck_assert(!wants(h, "/hooks/github", "PUT", "X-GitHub-Event",
	    "push_x", op));
	ck_assert(!wants(h, "/hooks/github", "PUT", "X-GitHub-Event",
	    "xpush", op));
	ck_assert(!wants(h, "/hooks/github", "POST", "X-GitHub-Event",
	    "push", op));
	ck_assert(!wants(h, "/hooks/a/b", "PUT", "X-GitHub-Event", "push",
	    op));
	ck_assert(!wants(h, "/hooks/github", "PUT", NULL, NULL, op));
	ck_assert(!wants(h, "/hooks/github", "PUT", "X-GitHub-Event", "push",
	    "{\"action\":\"opened_again\"}"));
	ck_assert(!wants(h, "/hooks/github", "PUT", "X-GitHub-Event", "push",
	    ""));

	h = &c->handlers[1];
	ck_assert_str_eq(h->name, "log-all");
	ck_assert_int_eq(h->line, 13);
	ck_assert_int_eq(h->timeout, 30);
	ck_assert_ptr_nonnull(h->filter);
	ck_assert_str_eq(command_program(h->command), "/bin/true");
	/* no criteria: every event */
	ck_assert(wants(h, "/hooks/github", "POST", NULL, NULL, NULL));
	ck_assert(wants(h, "/x", "DELETE", "a", "b", "[1]"));
}
END_TEST

/* " ;" starts an inline comment, "\\ \\;" passes one (as the manual says). */
START_TEST(test_handler_command_semicolon)
{
	struct tev	  t;
	char		**argv;

	ck_assert_ptr_nonnull(load("[handler:a]\n"
	    "command = /bin/echo a\\ \\;b ; a comment\n"));
	ck_assert_uint_eq(command_argc(c->handlers[0].command), 2);
	tev_init(&t, "/", "POST", NULL, NULL, NULL);
	argv = command_expand(c->handlers[0].command, &t.ev);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[1], "a ;b");
	command_argv_free(argv);
	tev_free(&t);
}
END_TEST

/* on_dead: the server's for every handler, a handler's own first. */
START_TEST(test_on_dead)
{
	char	msg[1024];

	ck_assert_ptr_nonnull(load("[server]\n"
	    "on_dead = /bin/true --from server\n"
	    "[handler:a]\ncommand = /bin/false\n"
	    "[handler:b]\ncommand = /bin/false\n"
	    "on_dead = '/usr/bin/env' 'a b'\n"));
	ck_assert_int_eq(c->server.on_dead.line, 2);
	ck_assert_int_eq(c->handlers[1].on_dead.line, 7);
	ck_assert_ptr_null(c->handlers[0].on_dead.cmd);
	ck_assert_ptr_eq(conf_on_dead(c, &c->handlers[0]),
	    c->server.on_dead.cmd);
	ck_assert_ptr_eq(conf_on_dead(c, &c->handlers[1]),
	    c->handlers[1].on_dead.cmd);
	ck_assert_str_eq(command_program(conf_on_dead(c, &c->handlers[1])),
	    "/usr/bin/env");
	ck_assert_uint_eq(command_argc(c->server.on_dead.cmd), 3);
	ck_assert_int_eq(conf_programs_check(c, msg, sizeof(msg)), 0);
	conf_free(c);

	/* none anywhere */
	ck_assert_ptr_nonnull(load("[handler:a]\ncommand = /bin/false\n"));
	ck_assert_ptr_null(conf_on_dead(c, &c->handlers[0]));
	ck_assert_int_eq(conf_programs_check(c, msg, sizeof(msg)), 0);
	conf_free(c);

	/* -t: the program must be there, a file, executable */
	ck_assert_ptr_nonnull(load("[handler:a]\ncommand = /bin/false\n"
	    "on_dead = /nonexistent/alert\n"));
	ck_assert_int_eq(conf_programs_check(c, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg + strlen(ini), ":3: on_dead /nonexistent/alert: "
	    "No such file or directory");
	conf_free(c);
	ck_assert_ptr_nonnull(load("[server]\non_dead = /\n"));
	ck_assert_int_eq(conf_programs_check(c, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg + strlen(ini), ":2: on_dead /: not a regular file");
}
END_TEST

START_TEST(test_on_dead_errors)
{
	load("[server]\non_dead = alert.sh\n"
	    "[handler:a]\ncommand = /bin/false\n"
	    "on_dead = /bin/alert ${payload.x\n"
	    "[handler:b]\ncommand = /bin/false\n"
	    "on_dead = ${payload.prog}\n"
	    "[handler:c]\ncommand = /bin/false\n"
	    "on_dead = /bin/alert; rm -rf /\n");
	expect_errors(
	    "2: on_dead: alert.sh: not an absolute path",
	    "5: on_dead: unterminated \"${\" at offset 11",
	    "8: on_dead: placeholder at offset 0 in the program name: an "
	    "event may not choose the program",
	    "11: on_dead: unquoted ';' at offset 10: commands run "
	    "without a shell; quote it, or run sh -c",
	    NULL);
}
END_TEST

/* A prefix key given twice is two criteria, both of which must hold. */
START_TEST(test_handler_repeated_criteria)
{
	const struct handler	*h;

	ck_assert_ptr_nonnull(load("[handler:h]\ncommand = /bin/true\n"
	    "header.X-Event = a.*\nheader.x-event = [a-z]*z\n"
	    "payload.n = [0-9]+\npayload.n = 1[0-9]*\n"));
	h = &c->handlers[0];
	ck_assert(wants(h, "/", "POST", "X-Event", "abcz", "{\"n\":12}"));
	ck_assert(!wants(h, "/", "POST", "X-Event", "abc-z", "{\"n\":12}"));
	ck_assert(!wants(h, "/", "POST", "X-Event", "bcz", "{\"n\":12}"));
	ck_assert(!wants(h, "/", "POST", "X-Event", "az", "{\"n\":22}"));
	ck_assert(!wants(h, "/", "POST", "X-Event", "az", "{\"n\":\"1x\"}"));
	/* values are compared as JSON text: 5, true, null */
	conf_free(c);
	ck_assert_ptr_nonnull(load("[handler:h]\ncommand = /bin/true\n"
	    "payload.a.0.ok = true\npayload.n = 5\npayload.z = null\n"));
	h = &c->handlers[0];
	ck_assert(wants(h, "/", "POST", NULL, NULL,
	    "{\"a\":[{\"ok\":true}],\"n\":5,\"z\":null}"));
	ck_assert(!wants(h, "/", "POST", NULL, NULL,
	    "{\"a\":[{\"ok\":\"yes\"}],\"n\":5,\"z\":null}"));
	/* a blank and a semicolon in a regex, as the manual says */
	conf_free(c);
	ck_assert_ptr_nonnull(load("[handler:h]\ncommand = /bin/true\n"
	    "payload.m = a[ ];b\\x20;c ; a comment\n"));
	h = &c->handlers[0];
	ck_assert(wants(h, "/", "POST", NULL, NULL, "{\"m\":\"a ;b ;c\"}"));
	ck_assert(!wants(h, "/", "POST", NULL, NULL, "{\"m\":\"a ;b\"}"));
}
END_TEST

/* A header sent twice is matched as its values joined with ", ". */
START_TEST(test_handler_repeated_header)
{
	struct tev	t;

	ck_assert_ptr_nonnull(load("[handler:h]\ncommand = /bin/true\n"
	    "header.X-Event = push, ping\n"));
	tev_init(&t, "/", "POST", "X-Event", "push", NULL);
	ck_assert(!filter_match(c->handlers[0].filter, &t.ev));
	ck_assert_int_eq(header_add(&t.hl, "x_event", "ping"), 0);
	ck_assert(filter_match(c->handlers[0].filter, &t.ev));
	tev_free(&t);
}
END_TEST

/* A handler section as hookspool.ini(5) shows it, inline comments and all. */
START_TEST(test_design_handler)
{
	const struct handler	*h;
	const char		*body = "{\"action\":\"opened\","
				    "\"repository\":{\"name\":\"my-repo-x\"}}";

	ck_assert_ptr_nonnull(load(
	    "[handler:github_push_handler]\n"
	    "command = /usr/local/bin/trigger-sync --repo "
	    "${payload.repository.name}\n"
	    "endpoint_paths = /hooks/github /hooks/gitlab   ; glob; * stays "
	    "inside one segment, ** crosses /\n"
	    "methods = POST\n"
	    "header.X-GitHub-Event = push|pull_request      ; PCRE2, whole "
	    "value must match\n"
	    "payload.action = opened                        ; dotted JSON "
	    "path, a.0.b indexes arrays\n"
	    "payload.repository.name = my-repo.*\n"
	    "timeout = 30\n"));
	h = &c->handlers[0];
	ck_assert_str_eq(h->name, "github_push_handler");
	ck_assert_int_eq(h->timeout, 30);
	ck_assert_uint_eq(command_argc(h->command), 3);
	ck_assert(wants(h, "/hooks/gitlab", "POST", "X-GitHub-Event",
	    "pull_request", body));
	ck_assert(!wants(h, "/hooks/github/x", "POST", "X-GitHub-Event",
	    "push", body));
	ck_assert(!wants(h, "/hooks/github", "POST", "X-GitHub-Event",
	    "push_x", body));
}
END_TEST

/* A sink: redis = ... with its stream, parsed at load. */
START_TEST(test_sink)
{
	const struct sink_conf	*sc;
	char			 buf[512];

	ck_assert_ptr_nonnull(load("[handler:s]\n"
	    "redis = redis://u%3Ax:p%40ss@[::1]:6380/3\n"
	    "stream = hooks:${endpoint}:in\nmaxlen = ~5000\n"));
	sc = c->handlers[0].sink;
	ck_assert_ptr_nonnull(sc);
	ck_assert_ptr_null(c->handlers[0].command);
	ck_assert_str_eq(sc->host, "::1");
	ck_assert_int_eq(sc->port, 6380);
	ck_assert_int_eq(sc->db, 3);
	ck_assert_str_eq(sc->user, "u:x");
	ck_assert_str_eq(sc->password, "p@ss");
	ck_assert_str_eq(sc->url, "redis://u:x:***@[::1]:6380/3");
	ck_assert_int_eq(sc->maxlen, 5000);
	ck_assert(!sc->maxlen_exact);
	{
		char *k = sink_stream_key(sc, "gh");

		ck_assert_str_eq(k, "hooks:gh:in");
		free(k);
	}
	conf_free(c);
	ck_assert_ptr_nonnull(load("[handler:s]\nredis = unix:/run/r.sock?db=2\n"
	    "stream = s\nmaxlen = 10\n"));
	sc = c->handlers[0].sink;
	ck_assert_str_eq(sc->socket, "/run/r.sock");
	ck_assert_ptr_null(sc->host);
	ck_assert_int_eq(sc->db, 2);
	ck_assert_ptr_null(sc->password);
	ck_assert(sc->maxlen_exact);
	conf_free(c);
	ck_assert_ptr_nonnull(load("[handler:s]\nredis = redis://h\n"
	    "stream = s\n"));
	sc = c->handlers[0].sink;
	ck_assert_str_eq(sc->host, "h");
	ck_assert_int_eq(sc->port, 6379);
	ck_assert_int_eq(sc->maxlen, 0);
	ck_assert_str_eq(sc->url, "redis://h:6379/0");
	conf_free(c);
	/* An ACL user whose password is in a file. */
	put_file("redis.pass", "pw1\nignored\n", 11, 0600);
	snprintf(buf, sizeof(buf), "[handler:s]\nredis = redis://bob@h\n"
	    "redis_password_file = %s/redis.pass\nstream = s\n", tmpdir);
	ck_assert_ptr_nonnull(load(buf));
	sc = c->handlers[0].sink;
	ck_assert_str_eq(sc->user, "bob");
	ck_assert_str_eq(sc->password, "pw1");
	ck_assert_str_eq(sc->url, "redis://bob@h:6379/0");
	ck_assert(!sc->tls);
	conf_free(c);
	ck_assert_ptr_nonnull(load("[handler:s]\nredis = rediss://:pw@h:6380\n"
	    "stream = s\n"));
	sc = c->handlers[0].sink;
	ck_assert(sc->tls);
	ck_assert_int_eq(sc->port, 6380);
	ck_assert_str_eq(sc->url, "rediss://:***@h:6380/0");
}
END_TEST

START_TEST(test_sink_errors)
{
	load("[handler:a]\nredis = redis://h\ncommand = /bin/true\n"
	    "stream = s\n");
	expect_errors("1: [handler:a] has both a command and redis: one or "
	    "the other", NULL);
	conf_free(c);
	conf_errors_free(&errs);
	load("[handler:a]\nredis = redis://h\n");
	expect_errors("1: [handler:a] has redis but no stream", NULL);
	conf_free(c);
	conf_errors_free(&errs);
	load("[handler:a]\nstream = s\ncommand = /bin/true\n");
	expect_errors("1: [handler:a]: stream, maxlen and redis_password_file "
	    "need redis", NULL);
	conf_free(c);
	conf_errors_free(&errs);
	load("[handler:a]\nredis = redis://bob@h\nstream = s\n"
	    "[handler:b]\nredis = redis://bob:@h\nstream = s\n");
	expect_errors("2: redis: user bob needs a password (USER:PASSWORD@ or "
	    "redis_password_file)", "5: redis: an empty password", NULL);
	conf_free(c);
	conf_errors_free(&errs);
	load("[handler:b]\nredis = http://h\nstream = s\n"
	    "[handler:c]\nredis = redis://h:0\nstream = s\n"
	    "[handler:d]\nredis = redis://h/x\nstream = s\n"
	    "[handler:e]\nredis = unix:r.sock\nstream = s\n"
	    "[handler:f]\nredis = redis://h\nstream = a${payload.x}\n"
	    "[handler:g]\nredis = redis://h\nstream = {a}\n"
	    "[handler:h]\nredis = redis://h\nstream = s\nmaxlen = ~0\n"
	    "[handler:i]\nredis = rediss://h\nstream = s\n"
	    "redis_tls_ca_file = relative.pem\n");
	expect_errors("2: redis: not redis[s]://HOST[:PORT][/DB] nor unix:PATH: "
	    "http://h",
	    "5: redis: not a port: 0",
	    "8: redis: not a database number: x",
	    "11: redis: a socket path must be absolute: r.sock",
	    "15: stream: only ${endpoint} may be substituted, and no other $, "
	    "{ or }: a${payload.x}",
	    "18: stream: only ${endpoint} may be substituted, and no other $, "
	    "{ or }: {a}",
	    "22: maxlen: not ~N, =N or N with N at least 1: 0",
	    "26: redis_tls_ca_file: \"relative.pem\" is not an absolute path",
	    NULL);
	conf_free(c);
	conf_errors_free(&errs);
}
END_TEST

START_TEST(test_handler_errors)
{
	load("[handler:a]\ntimeout = 10\n");
	expect_errors("1: [handler:a] has no command (nor redis)", NULL);
	conf_free(c);
	conf_errors_free(&errs);
	load("[handler:a]\ncommand = /bin/echo \"abc\n");
	expect_errors("2: command: unterminated '\"' at offset 10", NULL);
	conf_free(c);
	conf_errors_free(&errs);
	load("[handler:a]\ncommand = /bin/echo $(touch x)\n"
	    "[handler:b]\ncommand = ${payload.prog}\n");
	expect_errors("2: command: '$' at offset 10: only ${payload.PATH}, "
	    "${header.NAME} and ${query.NAME} are expanded; write \\$ for a "
	    "dollar",
	    "4: command: placeholder at offset 0 in the program name: an "
	    "event may not choose the program", NULL);
}
END_TEST

START_TEST(test_handler_filter_errors)
{
	load("[handler:a]\ncommand = /bin/true\n"
	    "header.X-GitHub-Event = push(\n"
	    "payload.a..b = x\n"
	    "payload. = x\n"
	    "header.X Y = x\n"
	    "endpoint_paths = hooks/x\n"
	    "methods = POST FETCH\n"
	    "payload.ok = [z-a]\n");
	expect_errors("3: header.X-GitHub-Event: bad regex: missing closing "
	    "parenthesis at offset 5",
	    "4: payload.a..b: empty component in payload path",
	    "5: payload.: empty payload path",
	    "6: header.X Y: bad character in header name",
	    "7: endpoint_paths: \"hooks/x\" does not start with '/'",
	    "8: methods: unknown method \"FETCH\" (known: GET HEAD POST PUT "
	    "PATCH DELETE OPTIONS)",
	    "9: payload.ok: bad regex: range out of order in character class "
	    "at offset 3", NULL);
}
END_TEST

START_TEST(test_handler_key_errors)
{
	load("[handler:a]\ncommand = /bin/true\ncolour = red\n"
	    "command = /bin/false\nmethods = POST\nmethods = PUT\n"
	    "secret = x\npath = /a\nheader = x\n"
	    "[endpoint:e]\npath = /e\nheader.X = y\ncommand = /bin/true\n");
	expect_errors("3: unknown key \"colour\" in [handler:a]",
	    "4: duplicate key \"command\" (first on line 2)",
	    "6: duplicate key \"methods\" (first on line 5)",
	    "7: unknown key \"secret\" in [handler:a]",
	    "8: unknown key \"path\" in [handler:a]",
	    "9: unknown key \"header\" in [handler:a]",
	    "12: unknown key \"header.X\" in [endpoint:e]",
	    "13: unknown key \"command\" in [endpoint:e]", NULL);
}
END_TEST

START_TEST(test_handler_names)
{
	load("[handler:a]\ncommand = /bin/true\n"
	    "[handler:b]\ncommand = /bin/true\n"
	    "[handler:a]\ncommand = /bin/false\n"
	    "[handler:a b]\ncommand = /bin/true\n"
	    "[handler:]\ncommand = /bin/true\n"
	    "[endpoint:a]\npath = /a\n");
	expect_errors("5: duplicate section [handler:a] (first on line 1)",
	    "7: bad handler name \"a b\" in [handler:a b] (letters, digits, "
	    "'.', '_' and '-')",
	    "9: bad handler name \"\" in [handler:] (letters, digits, '.', "
	    "'_' and '-')", NULL);
}
END_TEST

START_TEST(test_handler_timeout)
{
	ck_assert_ptr_nonnull(load("[handler:a]\ncommand = /bin/true\n"
	    "timeout = 1\n[handler:b]\ncommand = /bin/true\n"
	    "timeout = 86400\n"));
	ck_assert_int_eq(c->handlers[0].timeout, 1);
	ck_assert_int_eq(c->handlers[1].timeout, 86400);
	conf_free(c);
	load("[handler:a]\ncommand = /bin/true\ntimeout = 0\n"
	    "[handler:b]\ncommand = /bin/true\ntimeout = 86401\n"
	    "[handler:c]\ncommand = /bin/true\ntimeout = 5s\n");
	expect_errors("3: timeout: 0 is out of range (1 to 86400)",
	    "6: timeout: 86401 is out of range (1 to 86400)",
	    "9: timeout: \"5s\" is not an integer", NULL);
}
END_TEST

START_TEST(test_handler_user_group)
{
	const struct passwd	*pw;
	const struct group	*gr;
	uid_t			 nuid;
	gid_t			 ngid, ggid;

	pw = getpwnam("nobody");
	gr = getgrnam("nogroup");
	if (geteuid() != 0)
		CHECK_SKIP("needs root");
	if (pw == NULL || gr == NULL)
		CHECK_SKIP("needs the user nobody and the group nogroup");
	nuid = pw->pw_uid;
	ngid = pw->pw_gid;
	ggid = gr->gr_gid;
	ck_assert_ptr_nonnull(load(
	    "[handler:u]\ncommand = /bin/true\nuser = nobody\n"
	    "[handler:g]\ncommand = /bin/true\ngroup = nogroup\n"
	    "[handler:ug]\ncommand = /bin/true\ngroup = root\nuser = nobody\n"
	    "[handler:gu]\ncommand = /bin/true\nuser = nobody\ngroup = root\n"
	    "[handler:none]\ncommand = /bin/true\n"));
	ck_assert(c->handlers[0].drop_privileges);
	ck_assert_str_eq(c->handlers[0].user, "nobody");
	ck_assert_uint_eq(c->handlers[0].uid, nuid);
	ck_assert_uint_eq(c->handlers[0].gid, ngid);
	/* group alone: only the group changes */
	ck_assert(c->handlers[1].drop_privileges);
	ck_assert_ptr_null(c->handlers[1].user);
	ck_assert_uint_eq(c->handlers[1].uid, 0);
	ck_assert_uint_eq(c->handlers[1].gid, ggid);
	/* both, in either order: group wins over the primary group */
	ck_assert_uint_eq(c->handlers[2].uid, nuid);
	ck_assert_uint_eq(c->handlers[2].gid, 0);
	ck_assert_uint_eq(c->handlers[3].uid, nuid);
	ck_assert_uint_eq(c->handlers[3].gid, 0);
	ck_assert(!c->handlers[4].drop_privileges);
	conf_free(c);
	load("[handler:a]\ncommand = /bin/true\n"
	    "user = no-such-user-hookspool\ngroup = no-such-group-hookspool\n"
	    "[handler:b]\ncommand = /bin/true\n"
	    "group = no-such-group-hookspool\n"
	    "user = nobody\n");
	expect_errors("3: user: unknown user \"no-such-user-hookspool\"",
	    "4: group: unknown group \"no-such-group-hookspool\"",
	    "7: group: unknown group \"no-such-group-hookspool\"", NULL);
}
END_TEST

/* In a child that is uid:gid, load text; the errors, one a line, and
 * "drop" if the first handler would switch user, into out. */
static int
load_as(const char *text, uid_t uid, gid_t gid, char *out, size_t outlen)
{
	struct conf_errors	 e;
	struct conf		*cf;
	pid_t			 pid;
	int			 st = 0, fds[2];
	FILE			*fp;
	size_t			 i, n;

	put_file("hookspool.ini", text, strlen(text), 0644);
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(0, NULL) == -1 || setgid(gid) == -1 ||
		    setuid(uid) == -1)
			_exit(2);
		cf = conf_load(ini, &e);
		fp = fdopen(fds[1], "w");
		if (fp == NULL)
			_exit(3);
		for (i = 0; i < e.n; i++)
			fprintf(fp, "%s\n", e.msg[i]);
		if (cf != NULL && cf->handlers[0].drop_privileges)
			fprintf(fp, "drop\n");
		fclose(fp);
		st = cf != NULL ? 0 : 1;
		conf_free(cf);		/* for valgrind in the child */
		conf_errors_free(&e);
		_exit(st);
	}
	close(fds[1]);
	n = 0;
	for (;;) {
		ssize_t	r = read(fds[0], out + n, outlen - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(test_handler_user_not_root)
{
	const struct passwd	*pw;
	char			 text[2048], want[1024];

	pw = getpwnam("nobody");
	if (geteuid() != 0)
		CHECK_SKIP("needs root");
	if (pw == NULL)
		CHECK_SKIP("needs the user nobody");
	ck_assert_int_eq(load_as("[handler:a]\ncommand = /bin/true\n"
	    "user = nobody\n", pw->pw_uid, pw->pw_gid, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "");		/* loaded, and no switch */
	ck_assert_int_eq(load_as("[handler:a]\ncommand = /bin/true\n"
	    "user = root\n[handler:b]\ncommand = /bin/true\ngroup = root\n",
	    pw->pw_uid, pw->pw_gid, text, sizeof(text)), 1);
	snprintf(want, sizeof(want), "%s:3: user root: switching to another "
	    "user needs root (running as uid %u)\n%s:6: group: switching to "
	    "gid 0 needs root (running as gid %u)\n", ini,
	    (unsigned)pw->pw_uid, ini, (unsigned)pw->pw_gid);
	ck_assert_str_eq(text, want);
}
END_TEST

/* ---- the shipped example and the manual ---- */

static const char *const all_keys[] = {
	"spool_dir", "max_body_size", "fsync", "max_retry_attempts",
	"retry_delay_seconds", "retry_backoff_multiplier",
	"retry_max_delay_seconds", "event_history_size", "listen", "log",
	"path", "signature_type", "signature_header", "secret", "secret_file",
	"methods", "enabled", "signature_encoding", "timestamp_tolerance",
	"jwt_algorithm", "jwt_public_key_file", "jwt_leeway", "jwt_issuer",
	"jwt_audience", "command", "endpoint_paths", "timeout", "user", "group",
	"max_headers", "max_header_size", "redact_headers", "public_key",
	"signed_content", "signature_pattern", "signature_algorithm",
	"timestamp_header", "timestamp_pattern", "handshake", "handshake_token",
	"handshake_token_file", "on_dead"
};

START_TEST(test_example_file)
{
	const char	*path = TOP_SRCDIR "/contrib/hookspool.ini.example";
	char		*text, key[64];
	size_t		 i;

	c = conf_load(path, &errs);
	ck_assert_msg(c != NULL, "%s", errs.n > 0 ? errs.msg[0] : "ENOMEM");
	ck_assert_uint_eq(c->nendpoints, 3);
	ck_assert_ptr_nonnull(conf_find_endpoint(c, "/hooks/github"));
	text = file_slurp_in(TOP_SRCDIR, "contrib/hookspool.ini.example",
	    NULL);
	for (i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		snprintf(key, sizeof(key), "\n%s = ", all_keys[i]);
		if (strstr(text, key) == NULL)
			snprintf(key, sizeof(key), "\n; %s = ", all_keys[i]);
		ck_assert_msg(strstr(text, key) != NULL, "example lacks %s",
		    all_keys[i]);
	}
	ck_assert(strstr(text, "\n; header.X-GitHub-Event = ") != NULL);
	ck_assert(strstr(text, "\n; payload.action = ") != NULL);
	free(text);
}
END_TEST

/* The example's commented handler, uncommented, loads.  Not root, its
 * user and group are left out: switching to them would need root. */
START_TEST(test_example_handler)
{
	char		*text, *s, *nl, out[4096];
	size_t		 len = 0, n;

	text = file_slurp_in(TOP_SRCDIR, "contrib/hookspool.ini.example",
	    NULL);
	s = strstr(text, "\n; [handler:github_push_handler]\n");
	ck_assert_ptr_nonnull(s);
	for (s++; strncmp(s, "; ", 2) == 0; s = nl + 1) {
		nl = strchr(s, '\n');
		ck_assert_ptr_nonnull(nl);
		n = (size_t)(nl - s) - 2;
		if (geteuid() != 0 && (strncmp(s + 2, "user", 4) == 0 ||
		    strncmp(s + 2, "group", 5) == 0))
			continue;
		ck_assert_uint_lt(len + n + 1, sizeof(out));
		memcpy(out + len, s + 2, n);
		out[len + n] = '\n';
		len += n + 1;
	}
	free(text);
	ck_assert_ptr_nonnull(load_n(out, len));
	ck_assert_uint_eq(c->nhandlers, 1);
	ck_assert_str_eq(c->handlers[0].name, "github_push_handler");
	ck_assert_str_eq(command_program(c->handlers[0].on_dead.cmd),
	    "/usr/local/bin/page-oncall");
	ck_assert(wants(&c->handlers[0], "/hooks/gitlab", "POST",
	    "X-GitHub-Event", "push",
	    "{\"action\":\"opened\",\"repository\":{\"name\":\"my-repo\"}}"));
}
END_TEST

START_TEST(test_manual_keys)
{
	char	*text, key[64];
	size_t	 i;

	text = file_slurp_in(TOP_SRCDIR, "doc/hookspool.ini.5", NULL);
	for (i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		snprintf(key, sizeof(key), "\n.It Cm %s Ns = ", all_keys[i]);
		ck_assert_msg(strstr(text, key) != NULL, "manual lacks %s",
		    all_keys[i]);
	}
	ck_assert(strstr(text, "\n.It Cm header.\\& Ns Ar NAME Ns = ") !=
	    NULL);
	ck_assert(strstr(text, "\n.It Cm payload.\\& Ns Ar PATH Ns = ") !=
	    NULL);
	free(text);
}
END_TEST

/* ---- signature schemes: jwt and the providers ---- */

#define JWT_KNOWN	"(known: HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384)"

START_TEST(test_jwt_good)
{
	const struct endpoint	*ep;
	char			 text[2048];

	snprintf(text, sizeof(text),
	    "[endpoint:hs]\npath = /hs\nsignature_type = jwt\n"
	    "jwt_algorithm = HS256\nsecret = a\nsecret = b\n"
	    "jwt_leeway = 30\njwt_issuer = ci.example\n"
	    "jwt_audience = hookspool\n"
	    "[endpoint:rs]\npath = /rs\nsignature_type = jwt\n"
	    "jwt_algorithm = RS256\n"
	    "jwt_public_key_file = %s/jwt-rsa.pub\n"
	    "[endpoint:cert]\npath = /cert\nsignature_type = jwt\n"
	    "jwt_algorithm = RS512\n"
	    "jwt_public_key_file = %s/jwt-rsa.crt\n"
	    "[endpoint:es]\npath = /es\nsignature_type = jwt\n"
	    "jwt_algorithm = ES384\n"
	    "jwt_public_key_file = %s/jwt-es384.pub\n",
	    TEST_DATA, TEST_DATA, TEST_DATA);
	ck_assert_msg(load(text) != NULL, "%s", errs.n ? errs.msg[0] : "");
	ep = &c->endpoints[0];
	ck_assert_str_eq(ep->verify.jwt_alg->name, "HS256");
	ck_assert_uint_eq(ep->verify.nsecrets, 2);
	ck_assert_int_eq(ep->verify.jwt_leeway, 30);
	ck_assert_str_eq(ep->verify.jwt_issuer, "ci.example");
	ck_assert_str_eq(ep->verify.jwt_audience, "hookspool");
	ck_assert_str_eq(ep->verify.signature_header, "authorization");
	ck_assert_ptr_null(ep->verify.jwt_key);
	ck_assert_ptr_nonnull(c->endpoints[1].verify.jwt_key);
	ck_assert_int_eq(c->endpoints[1].verify.jwt_leeway, 0);
	ck_assert_ptr_null(c->endpoints[1].verify.jwt_issuer);
	ck_assert_ptr_nonnull(c->endpoints[2].verify.jwt_key);
	ck_assert_ptr_nonnull(c->endpoints[3].verify.jwt_key);
}
END_TEST

START_TEST(test_jwt_needs_algorithm)
{
	load("[endpoint:j]\npath = /j\nsignature_type = jwt\nsecret = x\n");
	expect_errors("1: [endpoint:j]: signature_type jwt needs "
	    "jwt_algorithm", NULL);
}
END_TEST

START_TEST(test_jwt_bad_algorithm)
{
	load("[endpoint:j]\npath = /j\nsignature_type = jwt\nsecret = x\n"
	    "jwt_algorithm = none\n"
	    "[endpoint:k]\npath = /k\nsignature_type = jwt\nsecret = x\n"
	    "jwt_algorithm = PS256\n"
	    "[endpoint:l]\npath = /l\nsignature_type = jwt\nsecret = x\n"
	    "jwt_algorithm = hs256\n");
	expect_errors("5: jwt_algorithm: refusing \"none\" " JWT_KNOWN,
	    "10: jwt_algorithm: unknown algorithm \"PS256\" " JWT_KNOWN,
	    "15: jwt_algorithm: unknown algorithm \"hs256\" " JWT_KNOWN,
	    NULL);
}
END_TEST

START_TEST(test_jwt_key_needed)
{
	load("[endpoint:j]\npath = /j\nsignature_type = jwt\n"
	    "jwt_algorithm = RS256\n"
	    "[endpoint:h]\npath = /h\nsignature_type = jwt\n"
	    "jwt_algorithm = HS512\n");
	expect_errors("1: [endpoint:j]: jwt_algorithm RS256 needs "
	    "jwt_public_key_file",
	    "5: [endpoint:h]: jwt_algorithm HS512 needs a secret or "
	    "secret_file", NULL);
}
END_TEST

START_TEST(test_jwt_key_and_secret_mixed)
{
	char	text[1024];

	snprintf(text, sizeof(text),
	    "[endpoint:j]\npath = /j\nsignature_type = jwt\n"
	    "jwt_algorithm = ES256\njwt_public_key_file = %s/jwt-es256.pub\n"
	    "secret = leftover\n"
	    "[endpoint:h]\npath = /h\nsignature_type = jwt\n"
	    "jwt_algorithm = HS256\nsecret = s\n"
	    "jwt_public_key_file = %s/jwt-rsa.pub\n", TEST_DATA, TEST_DATA);
	load(text);
	expect_errors("6: jwt_algorithm ES256 checks with "
	    "jwt_public_key_file, not a secret",
	    "12: jwt_public_key_file: HS256 takes a secret, not a public key",
	    NULL);
}
END_TEST

START_TEST(test_jwt_key_files)
{
	const char	*junk, *priv;
	char		 text[2048], w1[512], w2[512], w3[512], w4[512], w5[512];

	junk = put_file("junk.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n"
	    "-----END PUBLIC KEY-----\n", 56, 0644);
	priv = TEST_DATA "/jwt-es256.key";
	snprintf(text, sizeof(text),
	    "[endpoint:a]\npath = /a\nsignature_type = jwt\n"
	    "jwt_algorithm = RS256\njwt_public_key_file = %s/none.pub\n"
	    "[endpoint:b]\npath = /b\nsignature_type = jwt\n"
	    "jwt_algorithm = RS256\njwt_public_key_file = %s\n"
	    "[endpoint:c]\npath = /c\nsignature_type = jwt\n"
	    "jwt_algorithm = ES256\njwt_public_key_file = %s\n"
	    "[endpoint:d]\npath = /d\nsignature_type = jwt\n"
	    "jwt_algorithm = ES256\njwt_public_key_file = %s/jwt-rsa.pub\n"
	    "[endpoint:e]\npath = /e\nsignature_type = jwt\n"
	    "jwt_algorithm = ES256\njwt_public_key_file = %s/jwt-es384.pub\n"
	    "[endpoint:f]\npath = /f\nsignature_type = jwt\n"
	    "jwt_algorithm = RS256\njwt_public_key_file = %s/jwt-rsa1024.pub\n"
	    "[endpoint:g]\npath = /g\nsignature_type = jwt\n"
	    "jwt_algorithm = RS256\njwt_public_key_file = jwt-rsa.pub\n",
	    TEST_DATA, junk, priv, TEST_DATA, TEST_DATA, TEST_DATA);
	load(text);
	snprintf(w1, sizeof(w1), "5: jwt_public_key_file %s/none.pub: No "
	    "such file or directory", TEST_DATA);
	snprintf(w2, sizeof(w2), "10: jwt_public_key_file %s: not a PEM "
	    "public key (BEGIN PUBLIC KEY) or certificate", junk);
	snprintf(w3, sizeof(w3), "15: jwt_public_key_file %s: not a PEM "
	    "public key (BEGIN PUBLIC KEY) or certificate", priv);
	snprintf(w4, sizeof(w4), "20: jwt_public_key_file %s/jwt-rsa.pub: "
	    "an RSA key cannot verify ES256", TEST_DATA);
	snprintf(w5, sizeof(w5), "25: jwt_public_key_file %s/jwt-es384.pub: "
	    "an EC key on curve secp384r1 cannot verify ES256 (needs "
	    "prime256v1)", TEST_DATA);
	{
		char	w6[512];

		snprintf(w6, sizeof(w6), "30: jwt_public_key_file "
		    "%s/jwt-rsa1024.pub: an RSA key of 1024 bits is too small "
		    "(at least 2048)", TEST_DATA);
		expect_errors(w1, w2, w3, w4, w5, w6,
		    "35: jwt_public_key_file: \"jwt-rsa.pub\" is not an "
		    "absolute path", NULL);
	}
}
END_TEST

START_TEST(test_jwt_leeway_range)
{
	load("[endpoint:j]\npath = /j\nsignature_type = jwt\nsecret = x\n"
	    "jwt_algorithm = HS256\njwt_leeway = -1\n"
	    "[endpoint:k]\npath = /k\nsignature_type = jwt\nsecret = x\n"
	    "jwt_algorithm = HS256\njwt_leeway = 3601\n"
	    "[endpoint:l]\npath = /l\nsignature_type = jwt\nsecret = x\n"
	    "jwt_algorithm = HS256\njwt_leeway = 1m\n");
	expect_errors("6: jwt_leeway: -1 is out of range (0 to 3600)",
	    "12: jwt_leeway: 3601 is out of range (0 to 3600)",
	    "18: jwt_leeway: \"1m\" is not an integer", NULL);
}
END_TEST

/* Keys that only some schemes read are refused on the others. */
START_TEST(test_scheme_only_keys)
{
	load("[endpoint:a]\npath = /a\nsignature_type = hmac-sha256\n"
	    "secret = x\njwt_issuer = me\njwt_algorithm = HS256\n"
	    "timestamp_tolerance = 60\n"
	    "[endpoint:b]\npath = /b\nsignature_type = stripe\nsecret = x\n"
	    "signature_encoding = base64\n"
	    "[endpoint:c]\npath = /c\nsignature_type = standard-webhooks\n"
	    "secret = whsec_YWJj\nsignature_header = X-Sig\n");
	expect_errors("5: jwt_issuer applies only to signature_type jwt, "
	    "not hmac-sha256",
	    "6: jwt_algorithm applies only to signature_type jwt, not "
	    "hmac-sha256",
	    "7: timestamp_tolerance applies only to signature_type stripe, "
	    "slack, standard-webhooks, discord and hmac, not hmac-sha256",
	    "12: signature_encoding applies only to signature_type "
	    "hmac-sha256, hmac-sha1 and hmac, not stripe",
	    "17: signature_header does not apply to signature_type "
	    "standard-webhooks (it reads fixed headers)", NULL);
}
END_TEST

START_TEST(test_provider_defaults)
{
	ck_assert_ptr_nonnull(load(
	    "[endpoint:s]\npath = /s\nsignature_type = stripe\nsecret = x\n"
	    "[endpoint:t]\npath = /t\nsignature_type = slack\nsecret = x\n"
	    "timestamp_tolerance = 86400\n"
	    "[endpoint:g]\npath = /g\nsignature_type = github\nsecret = x\n"
	    "[endpoint:l]\npath = /l\nsignature_type = gitlab\nsecret = x\n"
	    "[endpoint:h]\npath = /h\nsignature_type = shopify\nsecret = x\n"
	    "[endpoint:b]\npath = /b\nsignature_type = hmac-sha1\nsecret = x\n"
	    "signature_encoding = BASE64\n"));
	ck_assert_int_eq(c->endpoints[0].verify.timestamp_tolerance, 300);
	ck_assert_str_eq(c->endpoints[0].verify.signature_header, "stripe-signature");
	ck_assert_int_eq(c->endpoints[1].verify.timestamp_tolerance, 86400);
	ck_assert_str_eq(c->endpoints[1].verify.signature_header, "x-slack-signature");
	ck_assert_str_eq(c->endpoints[2].verify.signature_header,
	    "x-hub-signature-256");
	ck_assert_str_eq(c->endpoints[3].verify.signature_header, "x-gitlab-token");
	ck_assert_str_eq(c->endpoints[4].verify.signature_header,
	    "x-shopify-hmac-sha256");
	ck_assert_int_eq(c->endpoints[0].verify.signature_encoding, VERIFY_HEX);
	ck_assert_int_eq(c->endpoints[5].verify.signature_encoding, VERIFY_BASE64);
}
END_TEST

START_TEST(test_provider_bad_values)
{
	load("[endpoint:s]\npath = /s\nsignature_type = stripe\nsecret = x\n"
	    "timestamp_tolerance = 0\n"
	    "[endpoint:t]\npath = /t\nsignature_type = slack\nsecret = x\n"
	    "timestamp_tolerance = 86401\n"
	    "[endpoint:b]\npath = /b\nsignature_type = hmac-sha1\nsecret = x\n"
	    "signature_encoding = b64\n"
	    "[endpoint:n]\npath = /n\nsignature_type = gitlab\n");
	expect_errors("5: timestamp_tolerance: 0 is out of range (1 to 86400)",
	    "10: timestamp_tolerance: 86401 is out of range (1 to 86400)",
	    "15: signature_encoding: \"b64\" is none of \"hex\", "
	    "\"base64\", \"base64url\"",
	    "16: [endpoint:n]: signature_type gitlab needs a secret or "
	    "secret_file", NULL);
}
END_TEST

/* whsec_ secrets are decoded at load, from lines and from files. */
START_TEST(test_whsec_secrets)
{
	const struct endpoint	*ep;
	const char		*sf;
	char			 text[1024];

	sf = put_file("swh.secret", "whsec_ZGVm\nZ2hp\n", 16, 0600);
	snprintf(text, sizeof(text), "[endpoint:w]\npath = /w\n"
	    "signature_type = standard-webhooks\n"
	    "secret = whsec_YWJj\nsecret_file = %s\nsecret = YWI\n", sf);
	ck_assert_msg(load(text) != NULL, "%s", errs.n ? errs.msg[0] : "");
	ep = &c->endpoints[0];
	ck_assert_uint_eq(ep->verify.nsecrets, 4);
	ck_assert(secret_is(&ep->verify.secrets[0], "abc"));
	ck_assert(secret_is(&ep->verify.secrets[1], "def"));
	ck_assert(secret_is(&ep->verify.secrets[2], "ghi"));
	ck_assert(secret_is(&ep->verify.secrets[3], "ab"));
	ck_assert_ptr_null(ep->verify.signature_header);
}
END_TEST

START_TEST(test_whsec_bad)
{
	const char	*sf;
	char		 text[1024];

	sf = put_file("bad.secret", "whsec_ok==\nnot base64!\n", 23, 0600);
	snprintf(text, sizeof(text), "[endpoint:w]\npath = /w\n"
	    "signature_type = standard-webhooks\n"
	    "secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
	    "secret = whsec_\nsecret = whsec_a\nsecret_file = %s\n", sf);
	load(text);
	expect_errors("5: secret is not a Standard Webhooks secret (whsec_ "
	    "and base64)",
	    "6: secret is not a Standard Webhooks secret (whsec_ and base64)",
	    "7: secret is not a Standard Webhooks secret (whsec_ and base64)",
	    NULL);
}
END_TEST

/*
 * ed25519 public keys: the key of the Standard Webhooks reference
 * library's asymmetric test (libraries/go/webhook_asymmetric_test.go),
 * written the three ways a key may be.
 */
#define ED_HEX	"6653787a0edd492aa2d26a17f61414937a2bacea2e2b74154129496b6e3c73f8"
#define ED_B64	"ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g="

/* The raw bytes of key are ED_HEX's. */
static bool
ed_key_is(EVP_PKEY *key)
{
	unsigned char	raw[32];
	char		hex[65];
	size_t		len = sizeof(raw), i;

	if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != 32)
		return false;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return strcmp(hex, ED_HEX) == 0;
}

/* public_key in hex or base64; whpk_ secrets of standard-webhooks are
 * keys too, from lines and from files, and leave the whsec_ ones. */
START_TEST(test_ed25519_keys)
{
	static const char	 keys[] = "whpk_" ED_B64 "\nwhsec_ZGVm\n";
	const struct endpoint	*ep;
	const char		*sf;
	char			 text[1024];
	size_t			 i;

	sf = put_file("swh.keys", keys, sizeof(keys) - 1, 0600);
	snprintf(text, sizeof(text), "[endpoint:d]\npath = /d\n"
	    "signature_type = discord\npublic_key = " ED_HEX "\n"
	    "public_key = whpk_" ED_B64 "\ntimestamp_tolerance = 60\n"
	    "[endpoint:w]\npath = /w\nsignature_type = standard-webhooks\n"
	    "secret = whpk_" ED_B64 "\nsecret = whsec_YWJj\n"
	    "secret_file = %s\npublic_key = " ED_B64 "\n"
	    "[endpoint:k]\npath = /k\nsignature_type = standard-webhooks\n"
	    "public_key = " ED_HEX "\n", sf);
	ck_assert_msg(load(text) != NULL, "%s", errs.n ? errs.msg[0] : "");
	ep = &c->endpoints[0];
	ck_assert_str_eq(ep->verify.scheme->name, "discord");
	ck_assert_str_eq(ep->verify.signature_header, "x-signature-ed25519");
	ck_assert_int_eq(ep->verify.timestamp_tolerance, 60);
	ck_assert_uint_eq(ep->verify.nsecrets, 0);
	ck_assert_uint_eq(ep->verify.npublic_keys, 2);
	for (i = 0; i < ep->verify.npublic_keys; i++)
		ck_assert(ed_key_is(ep->verify.public_keys[i]));
	ep = &c->endpoints[1];
	ck_assert_uint_eq(ep->verify.nsecrets, 2);
	ck_assert(secret_is(&ep->verify.secrets[0], "abc"));
	ck_assert(secret_is(&ep->verify.secrets[1], "def"));
	ck_assert_uint_eq(ep->verify.npublic_keys, 3);
	for (i = 0; i < ep->verify.npublic_keys; i++)
		ck_assert(ed_key_is(ep->verify.public_keys[i]));
	ep = &c->endpoints[2];
	ck_assert_uint_eq(ep->verify.nsecrets, 0);
	ck_assert_uint_eq(ep->verify.npublic_keys, 1);
}
END_TEST

/* Every way to get a key wrong is an error at its line. */
START_TEST(test_ed25519_key_errors)
{
	load("[endpoint:d]\npath = /d\nsignature_type = discord\n"
	    "public_key = " ED_HEX "00\n"
	    "public_key = 6653787a0edd492aa2d26a17f61414937a2bacea2e2b741541"
	    "29496b6e3c73fx\n"
	    "public_key = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
	    "public_key = whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g*\n"
	    "public_key = whpk_YWJj\n"
	    "secret = " ED_HEX "\n"
	    "[endpoint:e]\npath = /e\nsignature_type = discord\n"
	    "[endpoint:s]\npath = /s\nsignature_type = stripe\n"
	    "secret = whpk_" ED_B64 "\npublic_key = " ED_HEX "\n"
	    "[endpoint:w]\npath = /w\nsignature_type = standard-webhooks\n"
	    "secret = whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248\n"
	    "[endpoint:n]\npath = /n\nsignature_type = standard-webhooks\n");
	expect_errors("4: public_key: 66 hex digits, want 64 (an ed25519 "
	    "public key is 64 hex digits, or whpk_ and the base64 of 32 bytes)",
	    "5: public_key: 64 characters, but not hex (an ed25519 public key "
	    "is 64 hex digits, or whpk_ and the base64 of 32 bytes)",
	    "6: public_key: a whsec_ value is a shared secret, not a public "
	    "key (an ed25519 public key is 64 hex digits, or whpk_ and the "
	    "base64 of 32 bytes)",
	    "7: public_key: whpk_ key is not base64 (an ed25519 public key is "
	    "64 hex digits, or whpk_ and the base64 of 32 bytes)",
	    "8: public_key: 3 bytes, want 32 (an ed25519 public key is 64 hex "
	    "digits, or whpk_ and the base64 of 32 bytes)",
	    "9: signature_type discord checks with public_key, not a secret",
	    "10: [endpoint:e]: signature_type discord needs a public_key",
	    "16: secret: a whpk_ public key does not apply to signature_type "
	    "stripe (it takes a shared secret)",
	    "17: public_key applies only to signature_type discord and "
	    "standard-webhooks, not stripe",
	    "21: secret: 30 bytes, want 32 (a Standard Webhooks public key is "
	    "whpk_ and the base64 of 32 bytes)",
	    "22: [endpoint:n]: signature_type standard-webhooks needs a secret "
	    "or secret_file (whsec_), or a public_key (whpk_)", NULL);
}
END_TEST

/* signature_type hmac: a rule that loads, and its defaults. */
START_TEST(test_hmac_rule)
{
	const struct endpoint	*ep;

	ck_assert_msg(load("[endpoint:s]\npath = /s\nsignature_type = hmac\n"
	    "signature_header = X-Slack-Signature\n"
	    "signature_pattern = ^v0=(?<sig>[0-9a-f]+)$ ; a comment\n"
	    "timestamp_header = X_Slack_Request_Timestamp\n"
	    "signed_content = v0:${timestamp}:${body}\n"
	    "signature_algorithm = sha512\nsignature_encoding = base64url\n"
	    "timestamp_tolerance = 60\nsecret = x\n"
	    "[endpoint:b]\npath = /b\nsignature_type = hmac\n"
	    "signature_header = X-Sig\nsecret = x\n") != NULL, "%s",
	    errs.n ? errs.msg[0] : "");
	ep = &c->endpoints[0];
	ck_assert_str_eq(ep->verify.signature_header, "x-slack-signature");
	ck_assert_str_eq(ep->verify.timestamp_header, "x-slack-request-timestamp");
	ck_assert_ptr_nonnull(ep->verify.signature_pattern);
	ck_assert(verify_template_has_timestamp(ep->verify.signed_content));
	ck_assert_int_eq(ep->verify.signature_algorithm, VERIFY_SHA512);
	ck_assert_int_eq(ep->verify.signature_encoding, VERIFY_BASE64URL);
	ep = &c->endpoints[1];
	ck_assert_ptr_nonnull(ep->verify.signed_content);	/* ${body} */
	ck_assert_ptr_null(ep->verify.signature_pattern);
	ck_assert_int_eq(ep->verify.signature_algorithm, VERIFY_SHA256);
	ck_assert_int_eq(ep->verify.signature_encoding, VERIFY_HEX);
}
END_TEST

/* Every way to get a rule wrong is an error at its line. */
START_TEST(test_hmac_rule_errors)
{
	load("[endpoint:a]\npath = /a\nsignature_type = hmac\nsecret = x\n"
	    "signature_header = X-Sig\n"
	    "signed_content = ${header.X-Id}.${bdy}\n"
	    "signature_pattern = v1=([0-9a-f]+)\n"
	    "timestamp_pattern = t=(?<sig>[0-9]+)\n"
	    "signature_algorithm = md5\n"
	    "[endpoint:b]\npath = /b\nsignature_type = hmac\nsecret = x\n"
	    "signed_content = ${timestamp}.${body}\n"
	    "timestamp_pattern = t=(?<ts>[0-9]+)\ntimestamp_tolerance = 5\n"
	    "[endpoint:c]\npath = /c\nsignature_type = stripe\nsecret = x\n"
	    "signed_content = ${body}\ntimestamp_header = X-Ts\n"
	    "[endpoint:d]\npath = /d\nsignature_type = hmac\nsecret = x\n"
	    "signature_header = X-Sig\nsigned_content = v0:${body\n"
	    "signature_pattern = v1=(?<sig>[0-9a-f]+\n");
	expect_errors("6: signed_content: unknown variable ${bdy} (known: "
	    "body, method, url, full_url, query, form, timestamp, header.NAME)",
	    "7: signature_pattern: no (?<sig>...) group",
	    "8: timestamp_pattern: no (?<ts>...) group",
	    "8: timestamp_pattern needs timestamp_header",
	    "9: signature_algorithm: \"md5\" is none of \"sha1\", \"sha256\", "
	    "\"sha512\"",
	    "10: [endpoint:b]: signature_type hmac needs signature_header or "
	    "signature_field",
	    "14: signed_content: ${timestamp} needs timestamp_header",
	    "15: timestamp_pattern needs timestamp_header",
	    "16: timestamp_tolerance needs timestamp_header",
	    "21: signed_content applies only to signature_type hmac, not "
	    "stripe",
	    "22: timestamp_header applies only to signature_type hmac, not "
	    "stripe",
	    "28: signed_content: ${ without a closing }",
	    "29: signature_pattern: bad regex: missing closing parenthesis at "
	    "offset 19", NULL);
}
END_TEST

/* signature_field and timestamp_field: in place of the headers. */
START_TEST(test_hmac_fields)
{
	const struct endpoint	*ep;

	ck_assert_msg(load("[endpoint:a]\npath = /a\nsignature_type = hmac\n"
	    "secret = x\nsignature_field = sig\n"
	    "timestamp_field = signature.timestamp\n"
	    "signed_content = ${timestamp}${body}\n") != NULL, "%s",
	    errs.n ? errs.msg[0] : "");
	ep = &c->endpoints[0];
	ck_assert_str_eq(ep->verify.signature_field, "sig");
	ck_assert_str_eq(ep->verify.timestamp_field, "signature.timestamp");
	conf_free(c);
	c = NULL;
	conf_errors_free(&errs);
	load("[endpoint:a]\npath = /a\nsignature_type = hmac\nsecret = x\n"
	    "signature_field = sig\nsignature_header = X-Sig\n"
	    "timestamp_header = X-Ts\ntimestamp_field = a..b\n"
	    "[endpoint:b]\npath = /b\nsignature_type = github\nsecret = x\n"
	    "signature_field = sig\n");
	expect_errors("5: signature_field and signature_header exclude each "
	    "other",
	    "8: timestamp_field and timestamp_header exclude each other",
	    "8: timestamp_field: \"a..b\" is not a path (NAME[.NAME...])",
	    "13: signature_field applies only to signature_type hmac, not "
	    "github", NULL);
}
END_TEST

/* ---- helpers of the interface ---- */

START_TEST(test_method_bit)
{
	ck_assert_uint_eq(conf_method_bit("GET"), METHOD_GET);
	ck_assert_uint_eq(conf_method_bit("HEAD"), METHOD_HEAD);
	ck_assert_uint_eq(conf_method_bit("POST"), METHOD_POST);
	ck_assert_uint_eq(conf_method_bit("PUT"), METHOD_PUT);
	ck_assert_uint_eq(conf_method_bit("PATCH"), METHOD_PATCH);
	ck_assert_uint_eq(conf_method_bit("DELETE"), METHOD_DELETE);
	ck_assert_uint_eq(conf_method_bit("OPTIONS"), METHOD_OPTIONS);
	ck_assert_uint_eq(conf_method_bit("post"), 0);
	ck_assert_uint_eq(conf_method_bit("POSTS"), 0);
	ck_assert_uint_eq(conf_method_bit("POS"), 0);
	ck_assert_uint_eq(conf_method_bit(""), 0);
	ck_assert_uint_eq(conf_method_bit("TRACE"), 0);
}
END_TEST

START_TEST(test_methods_format)
{
	char	buf[64];

	conf_methods_format(METHOD_PUT | METHOD_POST, buf, sizeof(buf));
	ck_assert_str_eq(buf, "POST, PUT");
	conf_methods_format(METHOD_POST, buf, sizeof(buf));
	ck_assert_str_eq(buf, "POST");
	conf_methods_format(0x7f, buf, sizeof(buf));
	ck_assert_str_eq(buf, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
	conf_methods_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	/* too small: whole names only, always terminated */
	conf_methods_format(METHOD_GET | METHOD_POST, buf, 9);
	ck_assert_str_eq(buf, "GET");
	conf_methods_format(METHOD_GET | METHOD_POST, buf, 10);
	ck_assert_str_eq(buf, "GET, POST");
	buf[0] = 'x';
	conf_methods_format(METHOD_GET, buf, 0);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

START_TEST(test_default_path)
{
	ck_assert_int_eq(setenv("HOOKSPOOL_CONFIG", "/tmp/x.ini", 1), 0);
	ck_assert_str_eq(conf_default_path(), "/tmp/x.ini");
	ck_assert_int_eq(setenv("HOOKSPOOL_CONFIG", "", 1), 0);
	ck_assert_str_eq(conf_default_path(),
	    SYSCONFDIR "/hookspool/hookspool.ini");
	ck_assert_int_eq(unsetenv("HOOKSPOOL_CONFIG"), 0);
	ck_assert_str_eq(conf_default_path(),
	    SYSCONFDIR "/hookspool/hookspool.ini");
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("conf");
	tc = tcase_create("good");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_design_example);
	tcase_add_test(tc, test_value_forms);
	tcase_add_test(tc, test_size_suffixes);
	tcase_add_test(tc, test_dedup_keys);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_crlf);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bom_not_first);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_health_path_taken);
	tcase_add_test(tc, test_min_free_space);
	tcase_add_test(tc, test_unknown_section);
	tcase_add_test(tc, test_key_outside_section);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_scheme_list_from_verify);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_header_limits);
	tcase_add_test(tc, test_redact_headers);
	tcase_add_test(tc, test_redact_query);
	tcase_add_test(tc, test_range_edges);
	tcase_add_test(tc, test_retry_delay_order);
	tcase_add_test(tc, test_missing_path);
	tcase_add_test(tc, test_bad_paths);
	tcase_add_test(tc, test_duplicate_path);
	tcase_add_test(tc, test_duplicate_section);
	tcase_add_test(tc, test_bad_endpoint_name);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_signed_without_secret);
	tcase_add_test(tc, test_secret_without_scheme);
	tcase_add_test(tc, test_empty_secret);
	tcase_add_test(tc, test_empty_methods);
	tcase_add_test(tc, test_section_without_bracket);
	tcase_add_test(tc, test_key_without_equals);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_too_many_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("whole");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_line_limit);
	tcase_add_test(tc, test_long_value);
	tcase_add_test(tc, test_100k_line);
	tcase_add_test(tc, test_secret_inline_comment);
	tcase_add_test(tc, test_secret_kept_whole);
	tcase_add_test(tc, test_secret_file_semicolon);
	suite_add_tcase(s, tc);

	tc = tcase_create("secrets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_inline_secret_warning);
	tcase_add_test(tc, test_secret_file_modes);
	tcase_add_test(tc, test_secret_file_errors);
	tcase_add_test(tc, test_secret_file_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_binary_garbage);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_control_chars_in_message);
	tcase_add_test(tc, test_10000_endpoints);
	tcase_add_test(tc, test_10000_endpoints_duplicate);
	suite_add_tcase(s, tc);

	tc = tcase_create("schemes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jwt_good);
	tcase_add_test(tc, test_jwt_needs_algorithm);
	tcase_add_test(tc, test_jwt_bad_algorithm);
	tcase_add_test(tc, test_jwt_key_needed);
	tcase_add_test(tc, test_jwt_key_and_secret_mixed);
	tcase_add_test(tc, test_jwt_key_files);
	tcase_add_test(tc, test_jwt_leeway_range);
	tcase_add_test(tc, test_scheme_only_keys);
	tcase_add_test(tc, test_provider_defaults);
	tcase_add_test(tc, test_provider_bad_values);
	tcase_add_test(tc, test_whsec_secrets);
	tcase_add_test(tc, test_whsec_bad);
	tcase_add_test(tc, test_ed25519_keys);
	tcase_add_test(tc, test_ed25519_key_errors);
	tcase_add_test(tc, test_hmac_rule);
	tcase_add_test(tc, test_hmac_rule_errors);
	tcase_add_test(tc, test_hmac_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("handlers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_handlers_in_order);
	tcase_add_test(tc, test_handler_repeated_criteria);
	tcase_add_test(tc, test_handler_repeated_header);
	tcase_add_test(tc, test_handler_command_semicolon);
	tcase_add_test(tc, test_on_dead);
	tcase_add_test(tc, test_on_dead_errors);
	tcase_add_test(tc, test_design_handler);
	tcase_add_test(tc, test_handler_errors);
	tcase_add_test(tc, test_sink);
	tcase_add_test(tc, test_sink_errors);
	tcase_add_test(tc, test_handler_filter_errors);
	tcase_add_test(tc, test_handler_key_errors);
	tcase_add_test(tc, test_handler_names);
	tcase_add_test(tc, test_handler_timeout);
	tcase_add_test(tc, test_handler_user_group);
	tcase_add_test(tc, test_handler_user_not_root);
	suite_add_tcase(s, tc);

	tc = tcase_create("interface");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_method_bit);
	tcase_add_test(tc, test_methods_format);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_example_file);
	tcase_add_test(tc, test_example_handler);
	tcase_add_test(tc, test_manual_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(conf_suite());
}
