/*
 * receive: one webhook request, start to answer.  The order of checks
 * is that of wh-receive(8): header limits (431, before anything is built
 * from them), endpoint (404), enabled (503), method (405), size (413,
 * before reading), body, a provider's handshake (answered at once,
 * never spooled: handshake.c), signature (401), spool (503), 202.  Once the
 * signature is verified, the headers that carry credentials are
 * redacted, so that filters, placeholders, the spool and the handlers
 * all see one and the same set of headers.
 * A 2xx is only ever produced after spool_append() has succeeded, and
 * with deferred syncs (resp->owed) only sent after receive_commit().
 * Once the answer is out, receive_dispatch() hands the event's handlers
 * to the dispatcher (dispatcher.c).
 */
#include "config.h"

#include <sys/statvfs.h>

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "command.h"
#include "conf.h"
#include "attempt.h"
#include "dedup.h"
#include "dispatcher.h"
#include "filter.h"
#include "form.h"
#include "handshake.h"
#include "log.h"
#include "metrics.h"
#include "receive.h"
#include "record.h"
#include "spool.h"
#include "verify.h"

#define RETRY_AFTER_SECONDS	30
#define LOG_FIELD_MAX		128

const char *
receive_status_text(int status)
{
	switch (status) {
	case 200: return "200 OK";
	case 202: return "202 Accepted";
	case 400: return "400 Bad Request";
	case 401: return "401 Unauthorized";
	case 403: return "403 Forbidden";
	case 404: return "404 Not Found";
	case 405: return "405 Method Not Allowed";
	case 413: return "413 Content Too Large";
	case 431: return "431 Request Header Fields Too Large";
	case 500: return "500 Internal Server Error";
	case 503: return "503 Service Unavailable";
	default:  return "500 Internal Server Error";
	}
}

int
receive_format_head(const struct response *resp, char *buf, size_t len)
{
	char	allow[96] = "", retry[48] = "";
	int	n;

	if (resp->allow != NULL)
		snprintf(allow, sizeof(allow), "Allow: %s\r\n", resp->allow);
	if (resp->retry_after > 0)
		snprintf(retry, sizeof(retry), "Retry-After: %d\r\n",
		    resp->retry_after);
	n = snprintf(buf, len, "Status: %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\n%s%s%s%s\r\n",
	    receive_status_text(resp->status),
	    resp->content_type ? resp->content_type : "application/json",
	    resp->body_len, allow, retry, resp->header,
	    resp->header[0] != '\0' ? "\r\n" : "");
	return n < (int)len ? n : (int)len - 1;
}

static void
answer(struct response *resp, int status, const char *error,
    const char *reason)
{
	int	n;

	resp->status = status;
	if (status == 503)
		resp->retry_after = RETRY_AFTER_SECONDS;
	n = snprintf(resp->body, sizeof(resp->body), "{\"error\":\"%s\"}\n",
	    error);
	resp->body_len = (size_t)n;
	snprintf(resp->reason, sizeof(resp->reason), "%s",
	    reason != NULL ? reason : error);
}

void
receive_error(struct response *resp, int status, const char *error,
    const char *reason)
{
	memset(resp, 0, sizeof(*resp));
	resp->verify = "-";
	answer(resp, status, error, reason);
}

static const char *
env_value(const char *kv, const char *name)
{
	size_t	n = strlen(name);

	if (strncmp(kv, name, n) == 0 && kv[n] == '=')
		return kv + n + 1;
	return NULL;
}

/*
 * CONTENT_TYPE and CONTENT_LENGTH are headers too, unless the server
 * also passed them as HTTP_CONTENT_* (nginx does): keep one copy.
 */
static int
add_content_header(struct request *req, const char *name, const char *value)
{
	if (value == NULL || *value == '\0' ||
	    header_get(&req->headers, name) != NULL)
		return 0;
	return header_add(&req->headers, name, value);
}

/*
 * Hop-by-hop headers (RFC 9110 section 7.6.1) describe the sender's
 * connection to the web server, which the web server ended: some
 * servers pass them on (Apache's mod_fcgid adds Connection: close, its
 * mod_cgi passes Transfer-Encoding: chunked), others do not.  They are
 * left out so that an event reads the same behind every server.
 */
static int
hop_by_hop(const char *var)
{
	static const char *const names[] = {
		"HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_PROXY_CONNECTION",
		"HTTP_TE", "HTTP_TRAILER", "HTTP_TRANSFER_ENCODING",
		"HTTP_UPGRADE"
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(var, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * Count the HTTP_* variables and their bytes, as the server passed them
 * (a header it sent twice counts twice); the limits are checked on
 * these before any header is copied.
 */
static void
count_headers(struct request *req, char *const *envp)
{
	size_t	n;

	for (; envp != NULL && *envp != NULL; envp++) {
		if (strncmp(*envp, "HTTP_", 5) != 0)
			continue;
		n = strlen(*envp + 5);
		req->header_count++;
		req->header_bytes += n > 0 ? n - 1 : 0;	/* less the '=' */
	}
}

int
receive_request_init(struct request *req, char *const *envp)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} vars[] = {
		{ "REQUEST_METHOD",	offsetof(struct request, method) },
		{ "REQUEST_URI",	offsetof(struct request, uri) },
		{ "SCRIPT_NAME",	offsetof(struct request, script_name) },
		{ "PATH_INFO",		offsetof(struct request, path_info) },
		{ "REMOTE_ADDR",	offsetof(struct request, remote_addr) },
		{ "CONTENT_LENGTH",	offsetof(struct request, content_length) },
		{ "CONTENT_TYPE",	offsetof(struct request, content_type) },
		{ "HTTPS",		offsetof(struct request, https) },
		{ "REQUEST_SCHEME",	offsetof(struct request, request_scheme) },
		{ "SERVER_NAME",	offsetof(struct request, server_name) },
		{ "SERVER_PORT",	offsetof(struct request, server_port) },
	};
	const char	*v;
	char		 name[256];
	size_t		 i, n;
	int		 rc = 0, copy;

	memset(req, 0, sizeof(*req));
	count_headers(req, envp);
	copy = req->header_count <= CONF_MAX_HEADERS &&
	    req->header_bytes <= CONF_MAX_HEADER_SIZE;
	for (; envp != NULL && *envp != NULL; envp++) {
		for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
			v = env_value(*envp, vars[i].name);
			if (v != NULL)
				*(const char **)((char *)req + vars[i].off) = v;
		}
		if (strncmp(*envp, "HTTP_", 5) != 0)
			continue;
		n = strcspn(*envp, "=");
		if ((*envp)[n] != '=' || n >= sizeof(name))
			continue;	/* absurd name: not a header we use */
		memcpy(name, *envp, n);
		name[n] = '\0';
		if (strcmp(name, "HTTP_TRANSFER_ENCODING") == 0)
			req->chunked = 1;
		if (!copy || hop_by_hop(name))
			continue;
		if (header_add_cgi(&req->headers, name, *envp + n + 1) == -1)
			rc = -1;
	}
	if (add_content_header(req, "content-type", req->content_type) == -1 ||
	    add_content_header(req, "content-length", req->content_length) == -1)
		rc = -1;
	return rc;
}

void
receive_request_free(struct request *req)
{
	header_list_free(&req->headers);
}

/*
 * The URL path: REQUEST_URI up to '?' or '#', else SCRIPT_NAME +
 * PATH_INFO (CGI servers that do not pass REQUEST_URI).
 */
static int
request_path(const struct request *req, char *buf, size_t len)
{
	size_t	n;

	if (req->uri != NULL) {
		n = strcspn(req->uri, "?#");
		if (n >= len)
			return -1;
		memcpy(buf, req->uri, n);
		buf[n] = '\0';
		return 0;
	}
	n = (size_t)snprintf(buf, len, "%s%s",
	    req->script_name ? req->script_name : "",
	    req->path_info ? req->path_info : "");
	return n < len ? 0 : -1;
}

/*
 * A chunked body reaches wh-receive without a Content-Length from some
 * servers (Apache's mod_cgi) and with one from others (nginx, lighttpd
 * and mod_proxy_fcgi count it): give the event the length of the body
 * it keeps, so that it reads the same behind every server.
 */
static int
add_body_length(struct request *req, size_t body_len)
{
	char	len[32];

	if (header_get(&req->headers, "content-length") != NULL ||
	    (body_len == 0 && !req->chunked))
		return 0;
	snprintf(len, sizeof(len), "%zu", body_len);
	return header_add(&req->headers, "content-length", len);
}

/* Strict decimal: digits only, no sign, no overflow. */
static int
parse_length(const char *s, size_t *out)
{
	size_t	v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/*
 * Read the body: exactly Content-Length bytes, or up to end of input
 * when there is none.  Returns 0, or the status to answer with.
 */
static int
read_body(struct request *req, size_t max, unsigned char **body,
    size_t *len, struct response *resp)
{
	unsigned char	*buf = NULL;
	size_t		 want = 0, have = 0, cap;
	ssize_t		 n;
	int		 known;

	known = req->content_length != NULL && *req->content_length != '\0';
	if (known && parse_length(req->content_length, &want) == -1) {
		answer(resp, 400, "bad content length", NULL);
		return 400;
	}
	if (known && want > max) {
		answer(resp, 413, "body too large", NULL);
		return 413;
	}
	cap = known ? want : 16384;
	if ((buf = malloc(cap + 1)) == NULL)
		goto nomem;
	for (;;) {
		if (known && have == want)
			break;
		if (!known && have == cap) {
			unsigned char *nbuf;

			if (cap > max) {
				free(buf);
				answer(resp, 413, "body too large", NULL);
				return 413;
			}
			cap *= 2;
			if ((nbuf = realloc(buf, cap + 1)) == NULL)
				goto nomem;
			buf = nbuf;
		}
		n = req->read(req->io, buf + have, cap - have);
		if (n < 0) {
			free(buf);
			answer(resp, 400, "cannot read body", "read error");
			return 400;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (known && have < want) {
		free(buf);
		answer(resp, 400, "body shorter than content length", NULL);
		return 400;
	}
	if (!known && have > max) {
		free(buf);
		answer(resp, 413, "body too large", NULL);
		return 413;
	}
	buf[have] = '\0';
	*body = buf;
	*len = have;
	req->body_read = 1;
	return 0;
nomem:
	free(buf);
	answer(resp, 503, "out of memory", NULL);
	return 503;
}

/*
 * Why the spool refused: an unsafe directory (EPERM) is named with the
 * reason spool_dir_check() gives, anything else with errno's text.
 */
static void
why_refused(const struct receiver *rcv, struct response *resp,
    const char *what)
{
	const char	*dir = rcv->conf->server.spool_dir;
	char		 why[256];
	int		 save = errno;

	if (save != EPERM || spool_dir_check(dir, why, sizeof(why)) == 0)
		(void)snprintf(why, sizeof(why), "%s", strerror(save));
	/* A long path may cut the end of the reason; it stays a string. */
	if (snprintf(resp->reason, sizeof(resp->reason), "%s %s: %s",
	    what, dir, why) < 0)
		resp->reason[0] = '\0';
	errno = save;
}

static int
open_spool(struct receiver *rcv, struct response *resp)
{
	if (rcv->spool != NULL)
		return 0;
	rcv->spool = spool_open(rcv->conf->server.spool_dir,
	    rcv->conf->server.fsync);
	if (rcv->spool == NULL) {
		why_refused(rcv, resp, "spool");
		return -1;
	}
	spool_set_segment_size(rcv->spool,
	    (off_t)rcv->conf->server.segment_size);
	spool_set_deferred(rcv->spool, rcv->defer);
	return 0;
}

/* The event's record; NULL with the reason in resp. */
static char *
encode_event(const struct event *ev, struct response *resp, size_t *len)
{
	char	*rec;

	if ((rec = record_event_encode(ev, len)) == NULL)
		snprintf(resp->reason, sizeof(resp->reason), "encode: %s",
		    strerror(errno));
	return rec;
}

/* Append an encoded record; *end is where it ends in its segment. */
static int
append_record(struct receiver *rcv, const char *rec, size_t len,
    struct response *resp, off_t *end)
{
	if (open_spool(rcv, resp) == -1)
		return -1;
	if (spool_append(rcv->spool, rec, len) == -1) {
		why_refused(rcv, resp, "spool append");
		/* Reopen next time: the directory may have been replaced. */
		receive_reset(rcv);
		return -1;
	}
	spool_last(rcv->spool, &resp->segno, &resp->offset);
	*end = resp->offset + (off_t)len;
	resp->owed = spool_pending(rcv->spool);
	return 0;
}

/* Encode and append an event (one without a dedup key). */
static int
append_event(struct receiver *rcv, const struct event *ev,
    struct response *resp, off_t *end)
{
	char	*rec;
	size_t	 len;
	int	 rc;

	if ((rec = encode_event(ev, resp, &len)) == NULL)
		return -1;
	rc = append_record(rcv, rec, len, resp, end);
	free(rec);
	return rc;
}

/* Deduplication (see dedup.h). */

/* The window of the endpoint named so in the running configuration. */
static int64_t
endpoint_window(const char *name, void *arg)
{
	const struct conf	*conf = arg;
	size_t			 i;

	for (i = 0; i < conf->nendpoints; i++) {
		if (strcmp(conf->endpoints[i].name, name) == 0)
			return conf->endpoints[i].dedup_key == NULL ? 0 :
			    (int64_t)conf->endpoints[i].dedup_window * 1000000;
	}
	return 0;
}

static int64_t
max_window(const struct conf *conf)
{
	int64_t	w, max = 0;
	size_t	i;

	for (i = 0; i < conf->nendpoints; i++) {
		if (conf->endpoints[i].dedup_key == NULL)
			continue;
		w = (int64_t)conf->endpoints[i].dedup_window * 1000000;
		if (w > max)
			max = w;
	}
	return max;
}

static void
dedup_log(struct receiver *rcv)
{
	unsigned long	forgotten, rebuilt;

	dedup_stats(rcv->dedup, &forgotten, &rebuilt);
	if (rebuilt > 0)
		log_warnx("dedup: index %s/%s made anew from the spool",
		    rcv->conf->server.spool_dir, DEDUP_FILE);
	if (forgotten > 0)
		log_warnx("dedup: index full: %lu key%s forgotten before "
		    "the end of %s window (raise dedup_max_keys)", forgotten,
		    forgotten == 1 ? "" : "s", forgotten == 1 ? "its" :
		    "their");
}

/* The first event of this key, found under the lock: answer with it
 * once its record is as durable as ours would have been. */
static int
answer_duplicate(struct receiver *rcv, const struct dedup_hit *hit,
    struct response *resp)
{
	if (spool_owe(rcv->spool, hit->segno, hit->end) == -1) {
		why_refused(rcv, resp, "spool sync");
		return -1;
	}
	memcpy(resp->id, hit->id, sizeof(resp->id));
	resp->duplicate = 1;
	resp->owed = spool_pending(rcv->spool);
	return 0;
}

/*
 * append_event() for an event with a dedup key: the look-up, the append
 * if the key is new, and its entry, all under the spool's append lock
 * (a gate: see dedup.h).  The sync comes after the lock, shared with
 * other writers (group commit).
 */
struct once {
	struct receiver		*rcv;
	const struct endpoint	*ep;
	const struct event	*ev;
	struct dedup_probe	 probe;
	struct dedup_hit	 hit;
	int			 found;
	int			 failed;	/* the index, not the spool */
};

static int
once_check(void *arg, unsigned segno, off_t size)
{
	struct once		*o = arg;
	const struct conf	*conf = o->rcv->conf;
	int64_t			 now = o->ev->received_us;

	if (dedup_sync(o->rcv->dedup, segno, size, now, endpoint_window,
	    (void *)conf, max_window(conf)) == -1) {
		o->failed = 1;
		return -1;
	}
	if ((o->found = dedup_find(o->rcv->dedup, &o->probe, now,
	    &o->hit)) == -1)
		o->failed = 1;
	return o->found;
}

static void
once_done(void *arg, unsigned segno, off_t end)
{
	struct once	*o = arg;
	int64_t		 now = o->ev->received_us;

	(void)dedup_add(o->rcv->dedup, &o->probe, o->ev->id, now,
	    now + (int64_t)o->ep->dedup_window * 1000000, segno, end);
}

static int
append_event_once(struct receiver *rcv, const struct endpoint *ep,
    const struct event *ev, struct response *resp)
{
	const struct conf	*conf = rcv->conf;
	struct once		 o = { .rcv = rcv, .ep = ep, .ev = ev };
	struct spool_gate	 gate = { once_check, once_done, &o };
	int			 rc;
	char			*rec;
	size_t			 len;

	if (open_spool(rcv, resp) == -1)
		return -1;
	/* Made before the lock, which covers only the look-up, the append
	 * and the key: every writer of the spool waits on it. */
	if ((rec = encode_event(ev, resp, &len)) == NULL)
		return -1;
	if (rcv->dedup == NULL) {
		if ((rcv->dedup = dedup_open(conf->server.spool_dir,
		    (size_t)conf->server.dedup_max_keys)) == NULL) {
			why_refused(rcv, resp, "dedup index");
			free(rec);
			return -1;
		}
		/* A FastCGI worker serves many: the table in at once. */
		dedup_set_resident(rcv->dedup, rcv->listen_fd != -1);
	}
	/* The key's hash and the file's check outside the lock. */
	o.failed = dedup_prepare(rcv->dedup, &o.probe, ep->name,
	    ev->dedup_key, ev->received_us) == -1;
	rc = o.failed ? -1 : spool_append_gated(rcv->spool, rec, len, &gate);
	free(rec);
	if (rc == -1 && o.failed) {
		why_refused(rcv, resp, "dedup index");
		dedup_close(rcv->dedup);
		rcv->dedup = NULL;
		return -1;
	}
	if (rc == -1) {
		why_refused(rcv, resp, "spool append");
		receive_reset(rcv);
		return -1;
	}
	dedup_log(rcv);
	if (rc == 1)
		return answer_duplicate(rcv, &o.hit, resp);
	spool_last(rcv->spool, &resp->segno, &resp->offset);
	resp->owed = spool_pending(rcv->spool);
	return 0;
}

/*
 * The event's dedup key into *key (malloc'd), or NULL when the endpoint
 * has none, or when it has no usable value (empty, too long: the event
 * is kept, not deduplicated, and a line says so).  -1 on ENOMEM.
 */
static int
dedup_key_of(const struct endpoint *ep, const struct request *req,
    const char *path, const char *query, const unsigned char *body,
    size_t body_len, char **key)
{
	struct filter_event	 fe;
	json_t			*payload = NULL, *fields = NULL;
	size_t			 n;

	*key = NULL;
	if (ep->dedup_key == NULL)
		return 0;
	/* Most keys are a header: the body is parsed only for a path,
	 * the query string split only for a field. */
	if (command_uses_payload(ep->dedup_key))
		payload = filter_payload_parse(body, body_len);
	if (query != NULL && command_uses_query(ep->dedup_key) &&
	    (fields = form_object(query, strlen(query), false)) == NULL) {
		json_decref(payload);
		return -1;
	}
	memset(&fe, 0, sizeof(fe));
	fe.path = path;
	fe.method = req->method;
	fe.headers = &req->headers;
	fe.payload = payload;
	fe.query = fields;
	*key = command_expand_first(ep->dedup_key, &fe);
	json_decref(payload);
	json_decref(fields);
	if (*key == NULL)
		return -1;
	n = strlen(*key);
	if (n > 0 && n <= DEDUP_KEY_MAX)
		return 0;
	log_warnx("endpoint %s: %s dedup key: the event is kept, not "
	    "deduplicated", ep->name, n == 0 ? "no" : "over 256 bytes of");
	free(*key);
	*key = NULL;
	return 0;
}

/*
 * Match every handler's filter against the event; the body is parsed as
 * JSON once for all of them.  *out is NULL when none matches.
 */
static int
match_handlers(const struct conf *conf, const struct endpoint *ep,
    const char *path, const struct request *req, json_t **payload,
    const char *query, struct attempt_job **out)
{
	struct filter_event	 fe;
	struct attempt_job	*job = NULL;
	size_t			 i;

	*out = NULL;
	if (conf->nhandlers == 0)
		return 0;
	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->handlers = calloc(conf->nhandlers,
	    sizeof(*job->handlers))) == NULL)
		goto fail;
	job->payload = *payload;
	*payload = NULL;
	if (query != NULL && ((job->query = strdup(query)) == NULL ||
	    (job->query_fields = form_object(query, strlen(query), false)) ==
	    NULL))
		goto fail;
	fe.path = path;
	fe.method = req->method;
	fe.headers = &req->headers;
	fe.payload = job->payload;
	fe.query = job->query_fields;
	job->nhandlers = attempt_match(conf, &fe, job->handlers);
	if (job->nhandlers == 0) {
		attempt_job_free(job);
		return 0;
	}
	if ((job->names = calloc(job->nhandlers, sizeof(*job->names))) ==
	    NULL || (job->endpoint = strdup(ep->name)) == NULL ||
	    (job->path = strdup(path)) == NULL ||
	    (job->method = strdup(req->method)) == NULL)
		goto fail;
	for (i = 0; i < job->nhandlers; i++)
		job->names[i] = conf->handlers[job->handlers[i]].name;
	*out = job;
	return 0;
fail:
	attempt_job_free(job);
	return -1;
}

void
receive_init(struct receiver *rcv, const struct conf *conf, int listen_fd)
{
	memset(rcv, 0, sizeof(*rcv));
	rcv->conf = conf;
	rcv->listen_fd = listen_fd;
	dispatcher_init(&rcv->dispatcher, listen_fd);
}

void
receive_dispatch(struct receiver *rcv, struct response *resp, int detach)
{
	if (resp->job == NULL)
		return;
	if (!detach) {
		if (dispatcher_submit(&rcv->dispatcher, rcv->conf, resp->job,
		    resp->received_us, resp->segno, resp->offset) == -1)
			log_warn("id=%s: handlers not started (wh-retry will)",
			    resp->id);
	} else if (dispatcher_detach(rcv->conf, resp->job) == -1)
		log_warn("id=%s: cannot start the handlers (wh-retry will)",
		    resp->id);
	attempt_job_free(resp->job);
	resp->job = NULL;
}

/* 431 unless the request's headers are within the server's limits. */
static int
check_header_limits(const struct server_conf *sv, const struct request *req,
    struct response *resp)
{
	char	reason[sizeof(resp->reason)];

	if (req->header_count > (size_t)sv->max_headers)
		snprintf(reason, sizeof(reason), "%zu headers, max_headers %d",
		    req->header_count, sv->max_headers);
	else if (req->header_bytes > sv->max_header_size)
		snprintf(reason, sizeof(reason), "%zu bytes of headers, "
		    "max_header_size %zu", req->header_bytes,
		    sv->max_header_size);
	else
		return 0;
	answer(resp, 431, "request header fields too large", reason);
	return 431;
}

static int
redact_names(struct header_list *hl, const struct conf_names *names)
{
	size_t	i;

	for (i = 0; i < names->n; i++)
		if (header_redact(hl, names->v[i]) == -1)
			return -1;
	return 0;
}

/*
 * Every header that carries a credential: the ones that always do
 * (header_is_secret), the signature header of a scheme that compares a
 * secret or takes a bearer token (VERIFY_TOKEN), and redact_headers of
 * the server and of the endpoint.  -1 on ENOMEM.
 */
static int
redact_request(const struct conf *conf, const struct endpoint *ep,
    struct header_list *hl)
{
	if (header_redact_secrets(hl) == -1)
		return -1;
	if ((ep->verify.scheme->flags & VERIFY_TOKEN) != 0 &&
	    ep->verify.signature_header != NULL &&
	    header_redact(hl, ep->verify.signature_header) == -1)
		return -1;
	if (redact_names(hl, &conf->server.redact_headers) == -1 ||
	    redact_names(hl, &ep->redact_headers) == -1)
		return -1;
	return 0;
}

/*
 * The request's query string (after '?', before '#'; NULL if none) with
 * the values of redact_query of the server and of the endpoint replaced
 * by FORM_REDACTED: what the spool, filters and placeholders see.  -1 on
 * ENOMEM.
 */
static int
redact_query(const struct conf *conf, const struct endpoint *ep,
    const struct request *req, char **out)
{
	const char	*q;
	char		*s;

	*out = NULL;
	if (req->uri == NULL || (q = strchr(req->uri, '?')) == NULL ||
	    q > req->uri + strcspn(req->uri, "#"))
		return 0;
	q++;
	if ((s = form_redact(q, strcspn(q, "#"), conf->server.redact_query.v,
	    conf->server.redact_query.n)) == NULL)
		return -1;
	*out = form_redact(s, strlen(s), ep->redact_query.v,
	    ep->redact_query.n);
	free(s);
	return *out != NULL ? 0 : -1;
}

/*
 * The payload filters and placeholders see (filter_payload_request()),
 * parsed when a handler may look at it or the body is a form, which must
 * decode: 0, or -1 with a 400 (or a 503) in resp.
 */
static int
request_payload(const struct conf *conf, const struct endpoint *ep,
    const struct request *req, const unsigned char *body, size_t body_len,
    json_t **payload, struct response *resp)
{
	bool	form = form_content_type(req->content_type);

	*payload = NULL;
	if (conf->nhandlers == 0 && !form)
		return 0;
	errno = 0;
	*payload = filter_payload_request(body, body_len, req->content_type,
	    ep->payload_json_field);
	if (*payload != NULL || !form)
		return 0;
	if (errno == ENOMEM)
		answer(resp, 503, "out of memory", NULL);
	else
		answer(resp, 400, "bad form body", "a field is not well "
		    "encoded, holds a NUL byte or is not UTF-8");
	return -1;
}

static void
refuse_method(struct receiver *rcv, const struct endpoint *ep,
    struct response *resp)
{
	conf_methods_format(ep->methods, rcv->allow, sizeof(rcv->allow));
	resp->allow = rcv->allow;
	answer(resp, 405, "method not allowed", NULL);
}

/*
 * min_free_space: 0 while the spool's filesystem has more room than
 * it, else -1 with the 503 in resp, before anything is written.  The
 * log says so when it starts, then at most once a minute.
 */
static int
room_check(struct receiver *rcv, struct response *resp)
{
	const struct conf_space	*min = &rcv->conf->server.min_free_space;
	struct statvfs		 sv;
	unsigned long long	 avail, want;
	int64_t			 now;

	if (min->bytes == 0 && min->percent == 0)
		return 0;
	if (statvfs(rcv->conf->server.spool_dir, &sv) == -1)
		return 0;		/* the append says what is wrong */
	avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	want = min->percent > 0 ? (unsigned long long)((double)sv.f_blocks *
	    (double)sv.f_frsize * min->percent / 100) : min->bytes;
	if (avail >= want) {
		rcv->low_space_logged_us = 0;
		return 0;
	}
	now = mono_us();
	if (rcv->low_space_logged_us == 0 ||
	    now - rcv->low_space_logged_us >= 60 * INT64_C(1000000)) {
		log_warnx("spool %s: %llu bytes free, below min_free_space "
		    "(%llu): events are refused with 503",
		    rcv->conf->server.spool_dir, avail, want);
		rcv->low_space_logged_us = now;
	}
	answer(resp, 503, "spool nearly full", "below min_free_space");
	return -1;
}

/*
 * health_path: 200 {"status":"ok"} when the spool directory is usable
 * and has room and the dispatcher is there, else 503 with the reason.
 * 1 when path was it (resp is the answer), else 0.
 */
static int
health(struct receiver *rcv, const struct request *req, const char *path,
    struct response *resp)
{
	const char	*dir = rcv->conf->server.spool_dir;
	char		 why[sizeof(resp->reason) - 32];
	struct statvfs	 sv;
	json_t		*o;
	char		*s;

	if (rcv->conf->server.health_path == NULL ||
	    strcmp(path, rcv->conf->server.health_path) != 0)
		return 0;
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		resp->allow = "GET, HEAD";
		answer(resp, 405, "method not allowed", NULL);
		return 1;
	}
	(void)snprintf(why, sizeof(why), "spool directory: ");
	if (spool_dir_check(dir, why + strlen(why), sizeof(why) -
	    strlen(why)) == 0) {
		why[0] = '\0';
		if (statvfs(dir, &sv) == -1)
			snprintf(why, sizeof(why), "statvfs %s: %s", dir,
			    strerror(errno));
		else if (sv.f_bavail == 0)
			snprintf(why, sizeof(why), "the spool's filesystem "
			    "is full");
		else if (room_check(rcv, resp) == -1)
			snprintf(why, sizeof(why), "below min_free_space");
		else if (!dispatcher_alive(&rcv->dispatcher))
			snprintf(why, sizeof(why), "the dispatcher is gone");
	}
	if (why[0] == '\0') {
		resp->status = 200;
		resp->body_len = (size_t)snprintf(resp->body,
		    sizeof(resp->body), "{\"status\":\"ok\"}\n");
		resp->quiet = 1;
		return 1;
	}
	answer(resp, 503, "unhealthy", why);
	o = json_pack("{s:s, s:s}", "status", "unhealthy", "reason", why);
	s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	if (s != NULL && strlen(s) + 2 <= sizeof(resp->body))
		resp->body_len = (size_t)snprintf(resp->body,
		    sizeof(resp->body), "%s\n", s);
	free(s);
	json_decref(o);
	return 1;
}

/*
 * A provider's verification request, answered from the request alone:
 * 1 when it was one (resp is its answer), else 0.
 */
static int
handshake(const struct endpoint *ep, const struct request *req,
    const unsigned char *body, size_t body_len, struct response *resp)
{
	struct handshake_request	hr;
	struct handshake_reply		hy;

	if (ep->handshake.kind == HANDSHAKE_NONE)
		return 0;
	hr.method = req->method;
	hr.url = req->uri;
	hr.headers = &req->headers;
	hr.body = body;
	hr.body_len = body_len;
	hr.now = (time_t)(resp->received_us / 1000000);
	if (handshake_answer(&ep->handshake, &ep->verify, &hr, &hy) == 0)
		return 0;
	resp->handshake = handshake_name(ep->handshake.kind);
	resp->verify = hy.verify;
	if (hy.status != 200) {
		answer(resp, hy.status, hy.error, hy.reason);
		return 1;
	}
	_Static_assert(sizeof(hy.body) <= sizeof(resp->body), "room");
	memcpy(resp->body, hy.body, hy.body_len);
	resp->body_len = hy.body_len;
	resp->content_type = hy.content_type;
	_Static_assert(sizeof(hy.header) <= sizeof(resp->header), "room");
	memcpy(resp->header, hy.header, sizeof(hy.header));
	resp->status = 200;
	return 1;
}

/*
 * scheme://host[:port] of the request as the web server saw it, for
 * ${full_url} without public_url: the scheme from HTTPS or
 * REQUEST_SCHEME, the host from the Host header, else SERVER_NAME; and,
 * when the host names no port, a SERVER_PORT that is not the scheme's
 * own.  NULL if it cannot be told
 * (no REQUEST_URI, no host, a host with a '/', '?' or blank, too long).
 */
static const char *
request_origin(const struct request *req, char *buf, size_t cap)
{
	const char	*scheme, *host, *port = NULL, *p;
	int		 tls, n;

	tls = (req->https != NULL && (strcasecmp(req->https, "on") == 0 ||
	    strcmp(req->https, "1") == 0)) ||
	    (req->request_scheme != NULL &&
	    strcasecmp(req->request_scheme, "https") == 0);
	scheme = tls ? "https" : "http";
	if ((host = header_get(&req->headers, "host")) == NULL)
		host = req->server_name;
	/* A host without a port (nginx passes $host): the server's. */
	if (host != NULL) {
		p = strrchr(host, ':');
		if (p == NULL || strchr(p, ']') != NULL)  /* [::1] */
			port = req->server_port;
	}
	if (port != NULL && strcmp(port, tls ? "443" : "80") == 0)
		port = NULL;
	if (req->uri == NULL || host == NULL || *host == '\0' ||
	    strpbrk(host, "/?# \t") != NULL)
		return NULL;
	n = snprintf(buf, cap, "%s://%s%s%s", scheme, host,
	    port != NULL ? ":" : "", port != NULL ? port : "");
	return n < 0 || (size_t)n >= cap ? NULL : buf;
}

static struct metrics_slot *metrics_slot(struct receiver *);
static int	serve_metrics(struct receiver *, const struct request *,
		    const char *, struct response *);

void
receive_handle(struct receiver *rcv, struct request *req,
    struct response *resp)
{
	const struct endpoint	*ep;
	struct verify_result	 vr;
	struct verify_http	 http;
	char			 origin[512];
	struct event		 ev;
	struct attempt_job	*job = NULL;
	unsigned char		*body = NULL;
	size_t			 body_len = 0;
	json_t			*payload = NULL;
	char			 path[1024], verification[128], *key = NULL;
	char			*query = NULL;
	off_t			 end;
	unsigned		 bit;

	memset(resp, 0, sizeof(*resp));
	memset(&vr, 0, sizeof(vr));
	rcv->body_bytes = 0;
	resp->verify = "-";
	if (check_header_limits(&rcv->conf->server, req, resp) != 0)
		goto out;
	if (req->method == NULL || request_path(req, path, sizeof(path)) == -1) {
		answer(resp, 400, "bad request", "no method or path");
		goto out;
	}
	if (health(rcv, req, path, resp))
		goto out;
	if (serve_metrics(rcv, req, path, resp))
		goto out;
	ep = conf_find_endpoint(rcv->conf, path);
	if (ep == NULL) {
		answer(resp, 404, "not found", NULL);
		goto out;
	}
	resp->endpoint = ep->name;
	if (!ep->enabled) {
		answer(resp, 503, "endpoint disabled", NULL);
		goto out;
	}
	bit = conf_method_bit(req->method);
	if (bit == 0 || ((ep->methods & bit) == 0 &&
	    !handshake_takes(&ep->handshake, req->method))) {
		refuse_method(rcv, ep, resp);
		goto out;
	}
	if (read_body(req, rcv->conf->server.max_body_size, &body, &body_len,
	    resp) != 0)
		goto out;
	rcv->body_bytes = body_len;
	if (add_body_length(req, body_len) == -1) {
		answer(resp, 503, "out of memory", NULL);
		goto out;
	}

	resp->received_us = wall_us();
	if (handshake(ep, req, body, body_len, resp))
		goto out;
	if ((ep->methods & bit) == 0) {	/* a GET that was no handshake */
		refuse_method(rcv, ep, resp);
		goto out;
	}
	http.method = req->method;
	http.url = req->uri;
	http.origin = request_origin(req, origin, sizeof(origin));
	verify_request_http(&ep->verify, &http, &req->headers, body, body_len,
	    (time_t)(resp->received_us / 1000000), &vr);
	resp->verify = verify_status_name(vr.status);
	if (vr.status != VERIFY_OK) {
		answer(resp, vr.status == VERIFY_ERROR ? 500 : 401,
		    vr.status == VERIFY_ERROR ? "verification failed" :
		    "bad signature", vr.detail[0] ? vr.detail : resp->verify);
		goto out;
	}
	if (room_check(rcv, resp) == -1) {
		if (metrics_slot(rcv) != NULL)
			metrics_add(metrics_self,
			    &metrics_self->refused_low_space, 1);
		goto out;
	}
	if (redact_request(rcv->conf, ep, &req->headers) == -1 ||
	    redact_query(rcv->conf, ep, req, &query) == -1) {
		answer(resp, 503, "out of memory", NULL);
		goto out;
	}
	if (request_payload(rcv->conf, ep, req, body, body_len, &payload,
	    resp) == -1)
		goto out;

	memset(&ev, 0, sizeof(ev));
	if (event_id_new(ev.id, resp->received_us) == -1) {
		answer(resp, 503, "no event id", "getrandom failed");
		goto out;
	}
	snprintf(verification, sizeof(verification), "%s %s",
	    ep->verify.scheme->name, resp->verify);
	ev.received_us = resp->received_us;
	ev.endpoint = ep->name;
	ev.path = path;
	ev.query = query;
	ev.method = req->method;
	ev.remote_addr = req->remote_addr;
	ev.headers = &req->headers;
	ev.body = body;
	ev.body_len = body_len;
	ev.verification = verification;
	ev.claims = vr.claims;
	if (match_handlers(rcv->conf, ep, path, req, &payload, query, &job) ==
	    -1) {
		answer(resp, 503, "out of memory", NULL);
		goto out;
	}
	if (job != NULL) {
		ev.handlers = job->names;
		ev.nhandlers = job->nhandlers;
	}
	if (dedup_key_of(ep, req, path, query, body, body_len, &key) == -1) {
		answer(resp, 503, "out of memory", NULL);
		goto out;
	}
	ev.dedup_key = key;
	if ((key != NULL ? append_event_once(rcv, ep, &ev, resp) :
	    append_event(rcv, &ev, resp, &end)) == -1) {
		char reason[sizeof(resp->reason)];

		memcpy(reason, resp->reason, sizeof(reason));
		answer(resp, 503, "spool unavailable", reason);
		goto out;
	}
	if (resp->duplicate) {
		resp->status = 200;
		resp->body_len = (size_t)snprintf(resp->body,
		    sizeof(resp->body), "{\"id\":\"%s\",\"duplicate\":true}\n",
		    resp->id);
		snprintf(resp->reason, sizeof(resp->reason), "duplicate");
		goto out;
	}
	memcpy(resp->id, ev.id, sizeof(resp->id));
	resp->status = 202;
	resp->body_len = (size_t)snprintf(resp->body, sizeof(resp->body),
	    "{\"id\":\"%s\"}\n", ev.id);
	resp->reason[0] = '\0';
	if (job != NULL) {
		/* The handlers get the body and headers; the answer goes first. */
		memcpy(job->id, ev.id, sizeof(job->id));
		job->body = body;
		job->body_len = body_len;
		body = NULL;
		job->headers = req->headers;
		memset(&req->headers, 0, sizeof(req->headers));
		job->received_us = ev.received_us;
		job->dedup_key = key;
		key = NULL;
		resp->job = job;
		job = NULL;
	}
out:
	verify_result_clear(&vr);
	attempt_job_free(job);
	json_decref(payload);
	free(query);
	free(body);
	free(key);
}

/*
 * The metrics, when path is metrics_path: 200 with the text, or 403 to
 * an address metrics_allow leaves out.  Returns whether it answered.
 */
static int
serve_metrics(struct receiver *rcv, const struct request *req,
    const char *path, struct response *resp)
{
	const struct conf	*conf = rcv->conf;
	const char		**names;
	struct metrics_names	 mn;
	size_t			 i;

	if (conf->server.metrics_path == NULL ||
	    strcmp(path, conf->server.metrics_path) != 0)
		return 0;
	if (metrics_allowed(conf->server.metrics_allow, req->remote_addr) !=
	    1) {
		answer(resp, 403, "forbidden", "not in metrics_allow");
		return 1;
	}
	if (rcv->metrics == NULL)
		rcv->metrics = metrics_map(conf->server.spool_dir);
	names = calloc(conf->nendpoints + conf->nhandlers + 1,
	    sizeof(*names));
	if (rcv->metrics == NULL || names == NULL) {
		free(names);
		answer(resp, 503, "metrics unavailable", strerror(errno));
		return 1;
	}
	for (i = 0; i < conf->nendpoints; i++)
		names[i] = conf->endpoints[i].name;
	for (i = 0; i < conf->nhandlers; i++)
		names[conf->nendpoints + i] = conf->handlers[i].name;
	mn.endpoint = names;
	mn.nendpoints = conf->nendpoints;
	mn.handler = names + conf->nendpoints;
	mn.nhandlers = conf->nhandlers;
	resp->text = metrics_render(rcv->metrics, &mn, &resp->body_len);
	free(names);
	if (resp->text == NULL) {
		answer(resp, 503, "out of memory", NULL);
		return 1;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 1;
}

/* This process's metrics slot, claimed once (after any fork). */
static struct metrics_slot *
metrics_slot(struct receiver *rcv)
{
	if (rcv->conf->server.metrics_path == NULL)
		return NULL;
	return metrics_process(rcv->conf->server.spool_dir);
}

void
receive_observe(struct receiver *rcv, const struct request *req,
    struct response *resp, int64_t elapsed_us)
{
	const struct conf	*conf = rcv->conf;
	const struct endpoint	*ep = NULL;
	size_t			 e = METRICS_ENDPOINTS, i;

	(void)req;
	free(resp->text);
	resp->text = NULL;
	if (metrics_slot(rcv) == NULL)
		return;
	for (i = 0; resp->endpoint != NULL && i < conf->nendpoints; i++)
		if (conf->endpoints[i].name == resp->endpoint)
			ep = &conf->endpoints[i];
	if (ep != NULL)
		e = (size_t)(ep - conf->endpoints);
	metrics_request(metrics_self, e, resp->status, elapsed_us,
	    rcv->body_bytes);
	if (resp->status == 401 || (resp->status == 500 &&
	    strcmp(resp->verify, "error") == 0))
		metrics_verify_failure(metrics_self, e, resp->verify);
	if (resp->status == 202 || resp->id[0] != '\0')
		metrics_add(metrics_self, &metrics_self->spool_appends, 1);
}

void
receive_reset(struct receiver *rcv)
{
	dedup_close(rcv->dedup);
	rcv->dedup = NULL;
	if (rcv->spool == NULL)
		return;
	/* Records of this batch written so far are owed their sync. */
	if (spool_pending(rcv->spool) && spool_commit(rcv->spool) == -1 &&
	    rcv->commit_err == 0)
		rcv->commit_err = errno != 0 ? errno : EIO;
	spool_close(rcv->spool);
	rcv->spool = NULL;
}

int
receive_commit(struct receiver *rcv)
{
	int	err = rcv->commit_err;

	rcv->commit_err = 0;
	if (rcv->spool != NULL && spool_pending(rcv->spool) &&
	    metrics_self != NULL)
		metrics_add(metrics_self, &metrics_self->fsync_batches, 1);
	if (rcv->spool != NULL && spool_commit(rcv->spool) == -1 && err == 0)
		err = errno != 0 ? errno : EIO;
	if (err == 0)
		return 0;
	/* Reopen next time, as after a failed append (nothing is owed
	 * now, so the reset cannot fail again). */
	receive_reset(rcv);
	errno = err;
	return -1;
}

void
receive_commit_failed(struct response *resp, int err)
{
	char	reason[sizeof(resp->reason)];

	if (!resp->owed)
		return;
	snprintf(reason, sizeof(reason), "spool sync: %s", strerror(err));
	/* The id stays for the log: the record may be in the spool. */
	attempt_job_free(resp->job);
	resp->job = NULL;
	answer(resp, 503, "spool unavailable", reason);
	resp->owed = 0;
}

/*
 * Copy s for a log line: printable ASCII only, cut at len or at a '?'
 * (a query string may carry a token, and tokens never reach a log).
 */
static const char *
loggable(const char *s, char *buf, size_t len)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return "-";
	for (i = 0; s[i] != '\0' && s[i] != '?' && i + 1 < len; i++)
		buf[i] = (s[i] > ' ' && s[i] < 0x7f && s[i] != '"') ?
		    s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* The request's log line as one JSON object (log_format = json). */
static void
log_json(const struct request *req, const struct response *resp,
    int64_t elapsed_us)
{
	char	m[16], p[LOG_FIELD_MAX], a[64], r[sizeof(resp->reason)], *line;
	json_t	*o;
	size_t	i;

	o = json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:i, s:s, s:I}",
	    "id", resp->id[0] ? resp->id : NULL,
	    "endpoint", resp->endpoint,
	    "method", loggable(req->method, m, sizeof(m)),
	    "path", loggable(req->uri ? req->uri : req->path_info, p,
	    sizeof(p)),
	    "from", loggable(req->remote_addr, a, sizeof(a)),
	    "status", resp->status, "verify", resp->verify,
	    "us", (json_int_t)elapsed_us);
	if (o != NULL && resp->handshake != NULL)
		json_object_set_new(o, "handshake",
		    json_string(resp->handshake));
	if (o != NULL && resp->reason[0] != '\0') {
		/* ASCII text: a reason may quote a file name. */
		for (i = 0; resp->reason[i] != '\0' && i + 1 < sizeof(r); i++)
			r[i] = resp->reason[i] >= ' ' && resp->reason[i] < 0x7f ?
			    resp->reason[i] : '?';
		r[i] = '\0';
		json_object_set_new(o, "reason", json_string(r));
	}
	line = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) :
	    NULL;
	if (line != NULL)
		log_info("%s", line);
	else
		log_warnx("id=%s: the log line could not be made",
		    resp->id[0] ? resp->id : "-");
	free(line);
	json_decref(o);
}

void
receive_log(const struct receiver *rcv, const struct request *req,
    const struct response *resp, int64_t elapsed_us)
{
	char		 m[16], p[LOG_FIELD_MAX], a[64], path[LOG_FIELD_MAX];
	const char	*u = req->uri ? req->uri : req->path_info;

	if (resp->quiet)
		return;
	if (rcv->conf->server.log_format == LOG_FORMAT_JSON) {
		log_json(req, resp, elapsed_us);
		return;
	}
	/* The path only: a query's values may be credentials. */
	if (u != NULL)
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(u, "?#"), u);
	log_info("id=%s endpoint=%s method=%s path=%s from=%s status=%d "
	    "verify=%s%s%s us=%lld%s%s",
	    resp->id[0] ? resp->id : "-",
	    resp->endpoint ? resp->endpoint : "-",
	    loggable(req->method, m, sizeof(m)),
	    loggable(u != NULL ? path : NULL, p, sizeof(p)),
	    loggable(req->remote_addr, a, sizeof(a)),
	    resp->status, resp->verify,
	    resp->handshake ? " handshake=" : "",
	    resp->handshake ? resp->handshake : "", (long long)elapsed_us,
	    resp->reason[0] ? " reason=" : "", resp->reason);
}
