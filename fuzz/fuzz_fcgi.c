/*
 * libFuzzer target: the FastCGI record stream as it reaches a worker
 * (fcgirec.c), fed in pieces whose sizes come from the input, so that
 * every record boundary falls at every place in a read.  The first
 * byte picks the piece size; the rest is the stream.  Each request is
 * handled as fcgi.c does: a body limit once the parameters are in, an
 * answer written once it is in, the parser told so.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgirec.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define LIMIT_PARAMS	4096
#define LIMIT_BODY	2048

static void
check_request(const struct fcgirec *fr)
{
	size_t	i;

	assert(fr->body_len <= LIMIT_BODY);
	assert(fr->params_len <= LIMIT_PARAMS);
	assert(fr->envp != NULL && fr->envp[fr->nenv] == NULL);
	for (i = 0; i < fr->nenv; i++)
		assert(strchr(fr->envp[i], '=') > fr->envp[i]);
}

static void
answer(struct fcgirec *fr)
{
	static unsigned char	buf[65536 + 64];
	size_t			n;

	check_request(fr);
	(void)fcgirec_param(fr, "CONTENT_LENGTH");
	n = fcgirec_answer(fr->id, fr->body, fr->body_len, buf, sizeof(buf));
	assert(n >= 24);
	fcgirec_answered(fr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgirec		fr;
	enum fcgirec_event	ev;
	size_t			piece, n, at, end;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	fcgirec_init(&fr, LIMIT_PARAMS);
	for (at = 1; at < size; at = end) {
		end = at + piece < size ? at + piece : size;
		while (at < end) {
			n = fcgirec_feed(&fr, data + at, end - at, &ev);
			assert(n <= end - at);
			at += n;
			assert(fr.out_len <= sizeof(fr.out));
			fr.out_len = 0;
			if (ev == FCGIREC_ERROR) {
				assert(fr.error != NULL);
				goto out;
			}
			if (ev == FCGIREC_PARAMS) {
				fcgirec_set_body_limit(&fr, LIMIT_BODY);
				/* As for a Content-Length too large. */
				if (fcgirec_params_over(&fr) ||
				    (fr.nenv & 1) == 1)
					answer(&fr);
			} else if (ev == FCGIREC_REQUEST)
				answer(&fr);
			else
				assert(n > 0 || at == end);
		}
	}
out:
	fcgirec_free(&fr);
	return 0;
}
