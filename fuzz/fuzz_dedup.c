/*
 * libFuzzer target: the dedup index file as wh-receive reads it.  The
 * input is taken three ways: as a whole file image (dedup_table_valid,
 * then look-ups and entries if it passes), as the slots of a table
 * with a good header (every slot read as a reader would: damaged ones
 * are empty), and as .dedup in a scratch spool that dedup_sync() maps,
 * checks and makes anew.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define ID	"01a243fc-2d9a-73f6-849d-d2db1c85db49"
#define NOW	((int64_t)1764900000 * 1000000)

static int64_t
window(const char *endpoint, void *arg)
{
	(void)endpoint;
	(void)arg;
	return (int64_t)3600 * 1000000;
}

static void
use(void *t)
{
	struct dedup_hit	hit;
	unsigned		segno;
	off_t			off;
	char			key[8];
	int			i;

	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		(void)dedup_table_find(t, "gh", key, NOW, &hit);
		(void)dedup_table_add(t, "gh", key, ID, NOW + i, NOW + 3600, 1,
		    i);
		(void)dedup_table_find(t, "gh", key, NOW, &hit);
	}
	dedup_table_covered(t, &segno, &off);
}

static void
as_image(const uint8_t *data, size_t len)
{
	uint32_t	nsets;
	void		*t;

	for (nsets = 1; nsets <= 2; nsets++) {
		if (len != dedup_table_size(nsets))
			continue;
		if ((t = malloc(len)) == NULL)
			return;
		memcpy(t, data, len);
		if (dedup_table_valid(t, len, nsets))
			use(t);
		free(t);
	}
}

static void
as_slots(const uint8_t *data, size_t len)
{
	static const uint8_t	 salt[16];
	size_t			 size = dedup_table_size(1);
	uint8_t			*t;

	if ((t = calloc(1, size)) == NULL)
		return;
	dedup_table_init(t, 1, salt);
	memcpy(t + 64, data, len < size - 64 ? len : size - 64);
	use(t);
	free(t);
}

static char	scratch[64];

/* The scratch spool goes when the fuzzer exits. */
static void
scratch_rm(void)
{
	char	path[96];

	snprintf(path, sizeof(path), "%s/%s", scratch, DEDUP_FILE);
	(void)unlink(path);
	(void)rmdir(scratch);
}

static void
as_file(const uint8_t *data, size_t len)
{
	const char	*dir = scratch;
	struct dedup	*d;
	struct dedup_hit hit;
	struct dedup_probe probe;
	char		 path[96];
	int		 fd;

	if (scratch[0] == '\0') {
		snprintf(scratch, sizeof(scratch), "/tmp/fuzz_dedup.XXXXXX");
		if (mkdtemp(scratch) == NULL)
			abort();
		atexit(scratch_rm);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, DEDUP_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		return;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return;
	}
	close(fd);
	if ((d = dedup_open(dir, 8)) == NULL)
		return;
	/* The spool's end, as a gate sees it: an empty first segment. */
	if (dedup_prepare(d, &probe, "gh", "k1", NOW) == 0 &&
	    dedup_sync(d, 1, 0, NOW, window, NULL, 3600) == 0) {
		(void)dedup_find(d, &probe, NOW, &hit);
		(void)dedup_add(d, &probe, ID, NOW, NOW + 1, 1, 0);
	}
	dedup_close(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	as_image(data, len);
	as_slots(data, len);
	as_file(data, len);
	return 0;
}
