/*
 * libFuzzer target: spool lines folded by history_add(), as wh-retry
 * reads them (spool_scan(): no JSON check before).  The input is
 * split at newlines and fed both in order and into a dropping history.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
visit(struct history_event *ev, void *arg)
{
	char	buf[64];
	size_t	i;

	(void)arg;
	(void)history_status(ev);
	(void)history_attempts(ev);
	for (i = 0; i < ev->nhandlers; i++)
		history_error(&ev->handlers[i], buf, sizeof(buf));
	return 0;
}

static void
feed(int flags, const char *p, size_t len)
{
	struct history	*hi = history_new(flags);
	const char	*nl, *end = p + len;
	int64_t		 t;

	if (hi == NULL)
		return;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		(void)history_add(hi, p, (size_t)(nl - p), 1, 0, NULL);
		(void)history_record_time(p, (size_t)(nl - p), &t);
		p = nl + 1;
	}
	history_each(hi, visit, NULL);
	history_free(hi);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	feed(0, (const char *)data, len);
	feed(HISTORY_SETTLED_DROP, (const char *)data, len);
	return 0;
}
