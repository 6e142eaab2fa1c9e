/*
 * check_receive: the request path with a hand-built configuration and a
 * scripted body reader: what is read, what is answered, what is spooled.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dispatcher.h"
#include "form.h"
#include "receive.h"
#include "record.h"
#include "handshake.h"
#include "spool.h"
#include "verify.h"
#include "check_run.h"
#include "check_util.h"

struct body_src {
	const char	*data;
	size_t		 len, off;
	size_t		 chunk;		/* bytes per read, 0 = all */
	int		 fail_at;	/* read call that fails, 0 = none */
	int		 calls;
};

static ssize_t
src_read(void *io, void *buf, size_t len)
{
	struct body_src	*s = io;
	size_t		 n;

	s->calls++;
	if (s->fail_at != 0 && s->calls == s->fail_at)
		return -1;
	n = s->len - s->off;
	if (n > len)
		n = len;
	if (s->chunk != 0 && n > s->chunk)
		n = s->chunk;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static char		*spool_dir;
static struct conf	 cf;
static struct endpoint	 ep[3];
static struct secret	 sec;
static struct receiver	 rcv;

/* A POST endpoint whose scheme checks sec, in header. */
static void
signed_endpoint(struct endpoint *e, const char *name, const char *scheme,
    const char *header)
{
	static char	paths[3][32];

	snprintf(paths[e - ep], sizeof(paths[0]), "/hooks/%s", name);
	e->name = (char *)name;
	e->path = paths[e - ep];
	e->verify.scheme = verify_scheme_find(scheme);
	e->verify.signature_header = (char *)header;
	e->verify.secrets = &sec;
	e->verify.nsecrets = 1;
	e->methods = METHOD_POST;
	e->enabled = true;
}

static void
setup(void)
{
	spool_dir = tmpdir_new("check_receive");
	memset(&cf, 0, sizeof(cf));
	memset(ep, 0, sizeof(ep));
	sec.data = (unsigned char *)"It's a Secret to Everybody";
	sec.len = strlen((char *)sec.data);
	signed_endpoint(&ep[0], "github", "hmac-sha256", "x-hub-signature-256");
	ep[1].name = "open";
	ep[1].path = "/hooks/open";
	ep[1].verify.scheme = verify_scheme_find("none");
	ep[1].methods = METHOD_POST | METHOD_PUT;
	ep[1].enabled = true;
	signed_endpoint(&ep[2], "gitlab", "gitlab", "x-token");
	cf.endpoints = ep;
	cf.nendpoints = 3;
	cf.server.spool_dir = spool_dir;
	cf.server.max_body_size = 100;
	cf.server.max_headers = 500;
	cf.server.max_header_size = 65536;
	cf.server.fsync = FSYNC_NEVER;
	memset(&rcv, 0, sizeof(rcv));
	rcv.conf = &cf;
}

static void
teardown(void)
{
	receive_reset(&rcv);
	tmpdir_rm(spool_dir);
}

/* Run one request; returns the status. */
static int
run(const char *method, const char *uri, const char *cl,
    struct body_src *src, const char *sig, struct response *resp)
{
	struct request	req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.uri = uri;
	req.content_length = cl;
	req.read = src_read;
	req.io = src;
	if (sig != NULL)
		ck_assert_int_eq(header_add(&req.headers, "X-Hub-Signature-256",
		    sig), 0);
	receive_handle(&rcv, &req, resp);
	receive_request_free(&req);
	return resp->status;
}

static int
count_lines(void)
{
	char	cmd[320];
	FILE	*p;
	int	n = -1;

	snprintf(cmd, sizeof(cmd), "cat %s/seg-*.jsonl 2>/dev/null | wc -l",
	    spool_dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

#define GH_SIG "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

START_TEST(test_github_example_spooled)
{
	struct body_src	src = { "Hello, World!", 13, 0, 5, 0, 0 };
	struct response	resp;
	char		*line = NULL;
	size_t		 len;

	ck_assert_int_eq(run("POST", "/hooks/github", "13", &src, GH_SIG,
	    &resp), 202);
	ck_assert_int_eq(strlen(resp.id), 36);
	ck_assert(strstr(resp.body, resp.id) != NULL);
	ck_assert_int_eq(record_find(spool_dir, resp.id, &line, &len), 1);
	ck_assert(strstr(line, "\"body\":\"Hello, World!\"") != NULL);
	free(line);
}
END_TEST

START_TEST(test_too_large_reads_nothing)
{
	struct body_src	src = { "x", 1, 0, 0, 0, 0 };
	struct response	resp;

	ck_assert_int_eq(run("POST", "/hooks/open", "101", &src, NULL, &resp),
	    413);
	ck_assert_int_eq(src.calls, 0);
	ck_assert_int_eq(count_lines(), 0);
}
END_TEST

START_TEST(test_no_length_over_limit)
{
	char		big[300];
	struct body_src	src = { big, sizeof(big), 0, 7, 0, 0 };
	struct response	resp;

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(run("POST", "/hooks/open", NULL, &src, NULL, &resp),
	    413);
	ck_assert_int_eq(count_lines(), 0);
}
END_TEST

START_TEST(test_exact_limit_accepted)
{
	char		body[100];
	struct body_src	src = { body, sizeof(body), 0, 0, 0, 0 };
	struct response	resp;

	memset(body, 'b', sizeof(body));
	ck_assert_int_eq(run("POST", "/hooks/open", "100", &src, NULL, &resp),
	    202);
	ck_assert_int_eq(count_lines(), 1);
}
END_TEST

START_TEST(test_read_error_is_400)
{
	struct body_src	src = { "Hello, World!", 13, 0, 4, 2, 0 };
	struct response	resp;

	ck_assert_int_eq(run("POST", "/hooks/github", "13", &src, GH_SIG,
	    &resp), 400);
	ck_assert_int_eq(count_lines(), 0);
}
END_TEST

START_TEST(test_statuses)
{
	struct body_src	src = { "{}", 2, 0, 0, 0, 0 };
	struct response	resp;

	ck_assert_int_eq(run("POST", "/nope", "2", &src, NULL, &resp), 404);
	ck_assert_int_eq(run("GET", "/hooks/github", "2", &src, NULL, &resp),
	    405);
	ck_assert_str_eq(resp.allow, "POST");
	ck_assert_int_eq(run("BREW", "/hooks/open", "2", &src, NULL, &resp),
	    405);
	ck_assert_str_eq(resp.allow, "POST, PUT");
	ck_assert_int_eq(run("POST", "/hooks/github", "2", &src, NULL, &resp),
	    401);
	ck_assert_str_eq(resp.verify, "missing");
	ck_assert_int_eq(run("POST", "/hooks/open", "1x", &src, NULL, &resp),
	    400);
	ck_assert_int_eq(run("POST", "/hooks/open",
	    "99999999999999999999999999", &src, NULL, &resp), 400);
	ep[1].enabled = false;
	ck_assert_int_eq(run("POST", "/hooks/open", "2", &src, NULL, &resp),
	    503);
	ck_assert_int_gt(resp.retry_after, 0);
	ck_assert_int_eq(count_lines(), 0);
}
END_TEST

START_TEST(test_health)
{
	struct body_src	src = { "", 0, 0, 0, 0, 0 };
	struct response	resp;
	int		sv[2];

	dispatcher_init(&rcv.dispatcher, -1);
	ck_assert_int_eq(run("GET", "/health", NULL, &src, NULL, &resp), 404);
	cf.server.health_path = "/health";
	ck_assert_int_eq(run("GET", "/health", NULL, &src, NULL, &resp), 200);
	ck_assert_str_eq(resp.body, "{\"status\":\"ok\"}\n");
	ck_assert_int_eq(resp.quiet, 1);
	ck_assert_int_eq(run("HEAD", "/health?x=1", NULL, &src, NULL, &resp),
	    200);
	ck_assert_int_eq(run("POST", "/health", "0", &src, NULL, &resp), 405);
	ck_assert_str_eq(resp.allow, "GET, HEAD");
	ck_assert_int_eq(resp.quiet, 0);
	/* A dispatcher whose socket hung up is gone. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	rcv.dispatcher.fd = sv[0];
	ck_assert_int_eq(run("GET", "/health", NULL, &src, NULL, &resp), 200);
	close(sv[1]);
	ck_assert_int_eq(run("GET", "/health", NULL, &src, NULL, &resp), 503);
	ck_assert_ptr_nonnull(strstr(resp.body, "\"reason\":\"the dispatcher "
	    "is gone\""));
	ck_assert_int_eq(resp.quiet, 0);
	close(sv[0]);
	rcv.dispatcher.fd = -1;
	/* A spool others may write is not one. */
	ck_assert_int_eq(chmod(spool_dir, 0770), 0);
	ck_assert_int_eq(run("GET", "/health", NULL, &src, NULL, &resp), 503);
	ck_assert_ptr_nonnull(strstr(resp.body, "writable by group"));
	ck_assert_int_gt(resp.retry_after, 0);
	ck_assert_int_eq(chmod(spool_dir, 0700), 0);
	ck_assert_int_eq(count_lines(), 0);
}
END_TEST

START_TEST(test_spool_missing_then_back)
{
	struct body_src	src = { "{}", 2, 0, 0, 0, 0 };
	struct response	resp;
	char		moved[64];

	snprintf(moved, sizeof(moved), "%s.x", spool_dir);
	ck_assert_int_eq(rename(spool_dir, moved), 0);
	ck_assert_int_eq(run("POST", "/hooks/open", "2", &src, NULL, &resp),
	    503);
	ck_assert_str_eq(resp.body, "{\"error\":\"spool unavailable\"}\n");
	ck_assert_int_eq(resp.id[0], '\0');
	ck_assert_int_eq(rename(moved, spool_dir), 0);
	src.off = 0;
	ck_assert_int_eq(run("POST", "/hooks/open", "2", &src, NULL, &resp),
	    202);
	ck_assert_int_eq(count_lines(), 1);
}
END_TEST

/*
 * fsync = always with deferred syncs (FastCGI batches): a 202 is owed
 * its sync until receive_commit(); a failed commit turns every owed
 * answer into a 503 with Retry-After, and leaves other answers alone.
 */
START_TEST(test_deferred_answers)
{
	struct body_src	src = { "{}", 2, 0, 0, 0, 0 };
	struct response	r1, r2, r3;

	cf.server.fsync = FSYNC_ALWAYS;
	rcv.defer = 1;
	ck_assert_int_eq(run("POST", "/hooks/open", "2", &src, NULL, &r1), 202);
	src.off = 0;
	ck_assert_int_eq(run("POST", "/hooks/open", "2", &src, NULL, &r2), 202);
	src.off = 0;
	ck_assert_int_eq(run("POST", "/hooks/nowhere", "2", &src, NULL, &r3),
	    404);
	ck_assert_int_eq(r1.owed, 1);
	ck_assert_int_eq(r2.owed, 1);
	ck_assert_int_eq(r3.owed, 0);
	ck_assert_int_eq(receive_commit(&rcv), 0);
	ck_assert_int_eq(count_lines(), 2);
	ck_assert_int_eq(receive_commit(&rcv), 0);	/* nothing owed */

	receive_commit_failed(&r2, EIO);
	ck_assert_int_eq(r2.status, 503);
	ck_assert_int_eq(r2.retry_after, 30);
	ck_assert_int_eq(r2.owed, 0);
	ck_assert_ptr_null(r2.job);
	ck_assert_str_eq(r2.body, "{\"error\":\"spool unavailable\"}\n");
	ck_assert(strstr(r2.reason, "spool sync") != NULL);
	receive_commit_failed(&r3, EIO);
	ck_assert_int_eq(r3.status, 404);
}
END_TEST

START_TEST(test_request_from_env)
{
	char *env[] = {
		"REQUEST_METHOD=POST", "REQUEST_URI=/hooks/open?x=1",
		"CONTENT_LENGTH=2", "CONTENT_TYPE=application/json",
		"HTTP_X_GITHUB_EVENT=push", "HTTP_=odd", "=nothing", "JUNK",
		"REMOTE_ADDR=::1", NULL
	};
	struct request	req;

	ck_assert_int_eq(receive_request_init(&req, env), 0);
	ck_assert_str_eq(req.method, "POST");
	ck_assert_str_eq(req.uri, "/hooks/open?x=1");
	ck_assert_str_eq(req.content_length, "2");
	ck_assert_str_eq(req.remote_addr, "::1");
	ck_assert_str_eq(header_get(&req.headers, "X-GitHub-Event"), "push");
	ck_assert_str_eq(header_get(&req.headers, "content-type"),
	    "application/json");
	ck_assert_str_eq(header_get(&req.headers, "content-length"), "2");
	receive_request_free(&req);
}
END_TEST

/* Hop-by-hop headers are dropped; Transfer-Encoding is remembered. */
START_TEST(test_request_hop_by_hop)
{
	char *env[] = {
		"REQUEST_METHOD=POST", "REQUEST_URI=/hooks/open",
		"HTTP_CONNECTION=close", "HTTP_TRANSFER_ENCODING=chunked",
		"HTTP_KEEP_ALIVE=5", "HTTP_TE=trailers", "HTTP_UPGRADE=h2c",
		"HTTP_PROXY_CONNECTION=keep-alive", "HTTP_TRAILER=X-Sum",
		"HTTP_X_GITHUB_EVENT=push", NULL
	};
	struct request	req;

	ck_assert_int_eq(receive_request_init(&req, env), 0);
	ck_assert_int_eq(req.headers.n, 1);
	ck_assert_str_eq(req.headers.v[0].name, "x-github-event");
	ck_assert_int_eq(req.chunked, 1);
	receive_request_free(&req);
}
END_TEST

/*
 * A body without a Content-Length (chunked through mod_cgi) is spooled
 * with the content-length of the body kept; a present one is kept as
 * is, and a request without a body gets none.
 */
static char *
spooled_line(const char *id)
{
	char	*line = NULL;
	size_t	 len;

	ck_assert_int_eq(record_find(spool_dir, id, &line, &len), 1);
	return line;
}

static int
count_of(const char *s, const char *what)
{
	int	n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return n;
}

START_TEST(test_body_length_added)
{
	struct body_src	src = { "{\"a\":1}", 7, 0, 3, 0, 0 };
	struct response	resp;
	struct request	req;
	char		*line;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.uri = "/hooks/open";
	req.chunked = 1;
	req.read = src_read;
	req.io = &src;
	receive_handle(&rcv, &req, &resp);
	receive_request_free(&req);
	ck_assert_int_eq(resp.status, 202);
	line = spooled_line(resp.id);
	ck_assert_int_eq(count_of(line, "\"content-length\":\"7\""), 1);
	free(line);

	src.off = 0;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.uri = "/hooks/open";
	req.content_length = "7";
	req.read = src_read;
	req.io = &src;
	ck_assert_int_eq(header_add(&req.headers, "content-length", "7"), 0);
	receive_handle(&rcv, &req, &resp);
	receive_request_free(&req);
	line = spooled_line(resp.id);
	ck_assert_int_eq(count_of(line, "\"content-length\""), 1);
	free(line);

	src.len = 0;
	src.off = 0;
	ck_assert_int_eq(run("PUT", "/hooks/open", NULL, &src, NULL, &resp),
	    202);
	line = spooled_line(resp.id);
	ck_assert(strstr(line, "content-length") == NULL);
	free(line);
}
END_TEST

/*
 * A request as the web server passes it: REQUEST_METHOD=POST, uri, then
 * the "HTTP_..." variables given; nmany more HTTP_X_H_<i>=v after them.
 */
struct env {
	char	**v;
	size_t	  n, cap;
};

static void
env_put(struct env *e, char *s)
{
	/* No ck_assert in here: each passing one costs a message to the
	 * runner, and 50,000 of them add up. */
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->v = reallocarray(e->v, e->cap, sizeof(*e->v));
	}
	if (e->v == NULL || s == NULL)
		ck_abort_msg("out of memory");
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

static void
env_init(struct env *e, const char *uri, size_t nmany, const char *first,
    ...)
{
	va_list		 ap;
	const char	*s;
	char		 h[32];
	size_t		 i;

	memset(e, 0, sizeof(*e));
	env_put(e, strdup("REQUEST_METHOD=POST"));
	env_put(e, strdup(uri));
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		env_put(e, strdup(s));
	va_end(ap);
	for (i = 0; i < nmany; i++) {
		snprintf(h, sizeof(h), "HTTP_X_H_%zu=v", i);
		env_put(e, strdup(h));
	}
}

static void
env_free(struct env *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
}

/* Run the request of e with body "{}"; returns the status. */
static int
run_env(struct env *e, struct response *resp, size_t *copied)
{
	struct body_src	src = { "{}", 2, 0, 0, 0, 0 };
	struct request	req;

	ck_assert_int_eq(receive_request_init(&req, e->v), 0);
	if (copied != NULL)
		*copied = req.headers.n;
	req.read = src_read;
	req.io = &src;
	receive_handle(&rcv, &req, resp);
	if (resp->status == 431)
		ck_assert_int_eq(src.calls, 0);	/* refused before the body */
	receive_request_free(&req);
	env_free(e);
	return resp->status;
}

START_TEST(test_max_headers)
{
	struct env	e;
	struct response	resp;

	env_init(&e, "REQUEST_URI=/hooks/open", 500, NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 202);
	env_init(&e, "REQUEST_URI=/hooks/open", 501, NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 431);
	ck_assert_str_eq(resp.body,
	    "{\"error\":\"request header fields too large\"}\n");
	ck_assert_str_eq(resp.reason, "501 headers, max_headers 500");
	ck_assert_str_eq(receive_status_text(431),
	    "431 Request Header Fields Too Large");
	/* A header the server passed twice counts twice. */
	env_init(&e, "REQUEST_URI=/hooks/open", 499, "HTTP_X_H_0=w",
	    "HTTP_X_H_1=w", NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 431);
	ck_assert_int_eq(count_lines(), 1);
}
END_TEST

START_TEST(test_max_header_size)
{
	struct env	 e;
	struct response	 resp;
	char		*h;

	/* "x-long" and its value: 6 + 65530 bytes, the limit exactly. */
	h = malloc(65536 + 64);
	ck_assert_ptr_nonnull(h);
	strcpy(h, "HTTP_X_LONG=");
	memset(h + 12, 'x', 65530);
	h[12 + 65530] = '\0';
	env_init(&e, "REQUEST_URI=/hooks/open", 0, h, NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 202);
	h[12 + 65530] = 'x';
	h[12 + 65531] = '\0';
	env_init(&e, "REQUEST_URI=/hooks/open", 0, h, NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 431);
	ck_assert_str_eq(resp.reason,
	    "65537 bytes of headers, max_header_size 65536");
	ck_assert_int_eq(count_lines(), 1);
	free(h);
}
END_TEST

/*
 * 50,000 headers are counted, not copied: refused before anything is
 * built from them, the body unread, nothing spooled.  At the highest
 * max_headers, 10,000 distinct ones are all kept.
 */
START_TEST(test_many_headers)
{
	struct env	 e;
	struct response	 resp;
	char		*line;
	size_t		 copied;

	env_init(&e, "REQUEST_URI=/hooks/open", 50000, NULL);
	ck_assert_int_eq(run_env(&e, &resp, &copied), 431);
	ck_assert_uint_eq(copied, 0);
	ck_assert_int_eq(count_lines(), 0);

	cf.server.max_headers = CONF_MAX_HEADERS;
	cf.server.max_header_size = CONF_MAX_HEADER_SIZE;
	env_init(&e, "REQUEST_URI=/hooks/open", CONF_MAX_HEADERS, NULL);
	ck_assert_int_eq(run_env(&e, &resp, &copied), 202);
	ck_assert_uint_eq(copied, CONF_MAX_HEADERS);
	line = spooled_line(resp.id);
	ck_assert_int_eq(count_of(line, "\"x-h-"), CONF_MAX_HEADERS);
	ck_assert_ptr_nonnull(strstr(line, "\"x-h-9999\":\"v\""));
	free(line);
}
END_TEST

/*
 * A header passed twice (nginx passes a repeated header as two params)
 * is one header whose values are joined in arrival order: in the spool,
 * and for verification, where a signature sent twice is no signature.
 */
START_TEST(test_repeated_header)
{
	struct env	 e;
	struct response	 resp;
	char		*line;

	env_init(&e, "REQUEST_URI=/hooks/open", 0, "HTTP_X_A=1", "HTTP_X_B=2",
	    "HTTP_X_A=3", NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 202);
	line = spooled_line(resp.id);
	ck_assert_ptr_nonnull(strstr(line,
	    "\"headers\":{\"x-a\":\"1, 3\",\"x-b\":\"2\","));
	free(line);

	env_init(&e, "REQUEST_URI=/hooks/github", 0,
	    "HTTP_X_HUB_SIGNATURE_256=" GH_SIG,
	    "HTTP_X_HUB_SIGNATURE_256=" GH_SIG, NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 401);
	ck_assert_str_eq(resp.verify, "malformed");
}
END_TEST

/*
 * A GitLab token under another header name is the secret all the same,
 * and redact_headers (the server's and the endpoint's) adds others: none
 * of them reaches the spool.
 */
START_TEST(test_redacted_in_spool)
{
	static char	*server_names[] = { "x-api-key" };
	static char	*endpoint_names[] = { "x-session" };
	struct env	 e;
	struct response	 resp;
	char		*line;

	env_init(&e, "REQUEST_URI=/hooks/gitlab", 0,
	    "HTTP_X_TOKEN=It's a Secret to Everybody", NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 202);
	line = spooled_line(resp.id);
	ck_assert_ptr_null(strstr(line, "Secret"));
	ck_assert_ptr_nonnull(strstr(line, "\"x-token\":\"[redacted]\""));
	free(line);

	cf.server.redact_headers.v = server_names;
	cf.server.redact_headers.n = 1;
	ep[1].redact_headers.v = endpoint_names;
	ep[1].redact_headers.n = 1;
	env_init(&e, "REQUEST_URI=/hooks/open", 0, "HTTP_X_API_KEY=k3y-one",
	    "HTTP_X_SESSION=s3ss", "HTTP_X_KEPT=plain", NULL);
	ck_assert_int_eq(run_env(&e, &resp, NULL), 202);
	line = spooled_line(resp.id);
	ck_assert_ptr_null(strstr(line, "k3y-one"));
	ck_assert_ptr_null(strstr(line, "s3ss"));
	ck_assert_ptr_nonnull(strstr(line, "\"x-api-key\":\"[redacted]\""));
	ck_assert_ptr_nonnull(strstr(line, "\"x-kept\":\"plain\""));
	free(line);
	memset(&cf.server.redact_headers, 0, sizeof(cf.server.redact_headers));
	memset(&ep[1].redact_headers, 0, sizeof(ep[1].redact_headers));
}
END_TEST

/* A request to /hooks/open with a content type; the status. */
static int
run_typed(const char *uri, const char *type, struct body_src *src,
    struct response *resp)
{
	struct request	req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.uri = uri;
	req.content_type = type;
	req.read = src_read;
	req.io = src;
	ck_assert_int_eq(header_add(&req.headers, "content-type", type), 0);
	receive_handle(&rcv, &req, resp);
	receive_request_free(&req);
	return resp->status;
}

#define FORM	"application/x-www-form-urlencoded"

/*
 * A form body is spooled byte for byte; one that does not decode is a
 * 400 and spooled not at all.  The query is kept, redact_query's values
 * (server's and endpoint's, any case) replaced.
 */
START_TEST(test_form_and_query)
{
	static char	*server_names[] = { "token" };
	static char	*endpoint_names[] = { "sig" };
	struct body_src	 ok = { "Body=Hi+there%21&From=%2B1555", 29, 0, 0, 0,
	    0 };
	struct body_src	 bad = { "Body=%zz", 8, 0, 0, 0, 0 };
	struct body_src	 nul = { "a=%00", 5, 0, 0, 0, 0 };
	struct response	 resp;
	char		*line;

	cf.server.redact_query.v = server_names;
	cf.server.redact_query.n = 1;
	ep[1].redact_query.v = endpoint_names;
	ep[1].redact_query.n = 1;
	ck_assert_int_eq(run_typed("/hooks/open?TOKEN=s3cret&x=1&Sig=abc#f",
	    FORM "; charset=utf-8", &ok, &resp), 202);
	line = spooled_line(resp.id);
	ck_assert_ptr_nonnull(strstr(line,
	    "\"body\":\"Body=Hi+there%21&From=%2B1555\""));
	ck_assert_ptr_nonnull(strstr(line, "\"query\":\"TOKEN="
	    FORM_REDACTED "&x=1&Sig=" FORM_REDACTED "\""));
	ck_assert_ptr_null(strstr(line, "s3cret"));
	ck_assert_ptr_null(strstr(line, "abc"));
	free(line);
	ck_assert_int_eq(run_typed("/hooks/open", FORM, &bad, &resp), 400);
	ck_assert_int_eq(run_typed("/hooks/open", FORM, &nul, &resp), 400);
	ck_assert_int_eq(count_lines(), 1);
	memset(&cf.server.redact_query, 0, sizeof(cf.server.redact_query));
	memset(&ep[1].redact_query, 0, sizeof(ep[1].redact_query));
}
END_TEST

/*
 * A GET handshake on an endpoint whose methods do not list GET: answered
 * 200 as text, never spooled; a GET that is no handshake is still 405;
 * a POST there is still an event.
 */
START_TEST(test_handshake_answered)
{
	struct body_src	src = { "", 0, 0, 0, 0, 0 };
	struct body_src	ev = { "{}", 2, 0, 0, 0, 0 };
	struct response	resp;
	char		head[512];

	ep[1].handshake.kind = HANDSHAKE_DROPBOX;
	ck_assert_int_eq(run("GET", "/hooks/open?challenge=abc123", NULL, &src,
	    NULL, &resp), 200);
	ck_assert_uint_eq(resp.body_len, 6);
	ck_assert_int_eq(memcmp(resp.body, "abc123", 6), 0);
	ck_assert_str_eq(resp.handshake, "dropbox");
	ck_assert_str_eq(resp.id, "");
	ck_assert_ptr_null(resp.job);
	receive_format_head(&resp, head, sizeof(head));
	ck_assert_ptr_nonnull(strstr(head, "Status: 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n"
	    "X-Content-Type-Options: nosniff\r\n"));
	src.off = 0;
	ck_assert_int_eq(run("GET", "/hooks/open?challenge=%3Cb%3E", NULL, &src,
	    NULL, &resp), 400);
	ck_assert_ptr_null(strstr(resp.reason, "<b>"));
	src.off = 0;
	ck_assert_int_eq(run("GET", "/hooks/open?x=1", NULL, &src, NULL, &resp),
	    405);
	ck_assert_str_eq(resp.allow, "POST, PUT");
	ck_assert_int_eq(count_lines(), 0);
	ck_assert_int_eq(run("POST", "/hooks/open?challenge=abc", "2", &ev,
	    NULL, &resp), 202);
	ck_assert_int_eq(count_lines(), 1);
}
END_TEST

static Suite *
receive_suite(void)
{
	Suite	*s = suite_create("receive");
	TCase	*tc = tcase_create("request path");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_github_example_spooled);
	tcase_add_test(tc, test_too_large_reads_nothing);
	tcase_add_test(tc, test_no_length_over_limit);
	tcase_add_test(tc, test_exact_limit_accepted);
	tcase_add_test(tc, test_read_error_is_400);
	tcase_add_test(tc, test_statuses);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_handshake_answered);
	tcase_add_test(tc, test_spool_missing_then_back);
	tcase_add_test(tc, test_deferred_answers);
	tcase_add_test(tc, test_request_from_env);
	tcase_add_test(tc, test_request_hop_by_hop);
	tcase_add_test(tc, test_body_length_added);
	tcase_add_test(tc, test_max_headers);
	tcase_add_test(tc, test_max_header_size);
	tcase_add_test(tc, test_many_headers);
	tcase_add_test(tc, test_repeated_header);
	tcase_add_test(tc, test_redacted_in_spool);
	tcase_add_test(tc, test_form_and_query);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(receive_suite());
}
