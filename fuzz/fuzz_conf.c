/*
 * libFuzzer target: the INI configuration.  The input is written to a
 * scratch file and loaded with conf_load(), as wh-receive -t would.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	path[] = "/tmp/fuzz_conf.XXXXXX";
static int	fd = -1;

/* The scratch file goes when the fuzzer exits. */
static void
scratch_rm(void)
{
	(void)unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	size_t			 i;

	if (fd == -1) {
		if ((fd = mkstemp(path)) == -1)
			abort();
		atexit(scratch_rm);
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, len, 0) != (ssize_t)len)
		abort();
	c = conf_load(path, &errs);
	if ((c == NULL) == (errs.n == 0))
		abort();	/* failure must say why, success must not */
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.msg[i], path, strlen(path)) != 0)
			abort();	/* every error names FILE: */
	conf_free(c);
	conf_errors_free(&errs);
	return 0;
}
