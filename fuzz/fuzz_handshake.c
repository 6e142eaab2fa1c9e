/*
 * libFuzzer target: providers' verification handshakes.  The input is
 * split at NUL bytes into a URL (path and query), a header value and a
 * body; the header value goes into every header a handshake reads
 * (Twitch's message type, Slack's and Zoom's signature and timestamp),
 * and every kind of handshake answers the request as a GET and as a
 * POST, unsigned (signature_type none) and signed (slack, which the
 * input cannot sign).  What must hold: an answer is 0 or 1, a 200's
 * body fits, and an echoed text body is only ever challenge bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "handshake.h"
#include "header.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const headers[] = {
	"twitch-eventsub-message-type", "x-slack-signature",
	"x-slack-request-timestamp", "x-zm-signature", "aeg-event-type"
};

static void
check(const struct handshake_reply *r, int rc)
{
	size_t	i;

	if (rc != 0 && rc != 1)
		abort();
	if (rc == 0 || r->status != 200)
		return;
	if (r->body_len > sizeof(r->body) || r->content_type == NULL)
		abort();
	if (strncmp(r->content_type, "text/plain", 10) != 0)
		return;
	if (r->body_len == 0 || r->body_len > HANDSHAKE_MAX_CHALLENGE)
		abort();
	for (i = 0; i < r->body_len; i++)
		if (r->body[i] == '\0' ||
		    strchr(HANDSHAKE_CHALLENGE_CHARS, r->body[i]) == NULL)
			abort();
}

static void
run(struct handshake_conf *hc, const struct verify_conf *vc,
    struct handshake_request *req)
{
	static const char *const methods[] = { "GET", "POST" };
	struct handshake_reply	 r;
	int			 kind;
	size_t			 m;

	for (kind = HANDSHAKE_SLACK; kind <= HANDSHAKE_XCRC; kind++) {
		hc->kind = kind;
		for (m = 0; m < 2; m++) {
			req->method = methods[m];
			check(&r, handshake_answer(hc, vc, req, &r));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct header_list		 hl = { NULL, 0, 0 };
	struct handshake_conf		 hc;
	struct handshake_request	 req;
	struct verify_conf		 vc;
	struct secret			 sec = { (unsigned char *)"secret", 6, 0 };
	const uint8_t			*p = data, *end = data + len;
	char				*url, *value;
	size_t				 i;

	url = next_part(&p, end);
	value = next_part(&p, end);
	if (url == NULL || value == NULL)
		goto out;
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (header_add(&hl, headers[i], value) == -1)
			goto out;
	memset(&hc, 0, sizeof(hc));
	hc.token.data = (unsigned char *)"meatyhamhock";
	hc.token.len = 12;
	memset(&vc, 0, sizeof(vc));
	vc.scheme = verify_scheme_find("none");
	vc.secrets = &sec;
	vc.nsecrets = 1;
	vc.timestamp_tolerance = 300;
	if (vc.scheme == NULL)
		abort();
	req.url = url;
	req.headers = &hl;
	req.body = p;
	req.body_len = (size_t)(end - p);
	req.now = 1700000000;
	run(&hc, &vc, &req);
	vc.scheme = verify_scheme_find("slack");
	if (vc.scheme == NULL)
		abort();
	vc.signature_header = "x-slack-signature";
	run(&hc, &vc, &req);
out:
	header_list_free(&hl);
	free(url);
	free(value);
	return 0;
}
