/*
 * libFuzzer target: the CGI/FastCGI parameters a web server passes and
 * the request path that follows.  The input is NUL-separated
 * "NAME=VALUE" strings; after an empty one, the rest is the body.
 * Events go to a scratch spool that is emptied as it grows.
 */
#include "config.h"

#include <sys/stat.h>

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "receive.h"
#include "spool.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct src {
	const uint8_t	*p;
	size_t		 n;
};

static ssize_t
src_read(void *io, void *buf, size_t len)
{
	struct src	*s = io;

	if (len > s->n)
		len = s->n;
	memcpy(buf, s->p, len);
	s->p += len;
	s->n -= len;
	return (ssize_t)len;
}

static struct conf	cf;
static struct endpoint	ep[2];
static struct secret	sec = { (unsigned char *)"secret", 6 };
static struct receiver	rcv;
static char		dir[] = "/tmp/fuzz_params.XXXXXX";
static unsigned		runs;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* The scratch spool goes when the fuzzer exits. */
static void
scratch_rm(void)
{
	(void)nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
init(void)
{
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(scratch_rm);
	ep[0].name = "signed";
	ep[0].path = "/hooks/signed";
	ep[0].verify.scheme = verify_scheme_find("hmac-sha256");
	ep[0].verify.signature_header = "x-hub-signature-256";
	ep[0].verify.secrets = &sec;
	ep[0].verify.nsecrets = 1;
	ep[0].methods = METHOD_POST;
	ep[0].enabled = true;
	ep[1].name = "open";
	ep[1].path = "/hooks/open";
	ep[1].verify.scheme = verify_scheme_find("none");
	ep[1].methods = METHOD_POST | METHOD_PUT;
	ep[1].enabled = true;
	cf.endpoints = ep;
	cf.nendpoints = 2;
	cf.server.spool_dir = dir;
	cf.server.max_body_size = 4096;
	cf.server.max_headers = 500;
	cf.server.max_header_size = 65536;
	cf.server.fsync = FSYNC_NEVER;
	rcv.conf = &cf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct request	 req;
	struct response	 resp;
	struct src	 body;
	char		*copy, *env[64], *p, *end, path[64];
	size_t		 n = 0;

	if (rcv.conf == NULL)
		init();
	if ((copy = malloc(len + 1)) == NULL)
		return 0;
	memcpy(copy, data, len);
	copy[len] = '\0';
	p = copy;
	end = copy + len;
	while (p < end && *p != '\0' && n < 63) {
		env[n++] = p;
		p += strlen(p) + 1;
	}
	env[n] = NULL;
	if (p < end && *p == '\0')
		p++;
	body.p = (const uint8_t *)p;
	body.n = p < end ? (size_t)(end - p) : 0;
	receive_request_init(&req, env);
	req.read = src_read;
	req.io = &body;
	receive_handle(&rcv, &req, &resp);
	if (resp.status < 200 || resp.status > 503 || resp.body_len == 0 ||
	    resp.body[resp.body_len - 1] != '\n')
		abort();
	receive_request_free(&req);
	free(copy);
	if (++runs % 1000 == 0) {
		receive_reset(&rcv);
		snprintf(path, sizeof(path), "%s/seg-00000001.jsonl", dir);
		unlink(path);
	}
	return 0;
}
