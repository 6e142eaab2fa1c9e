/*
 * A preload library for tests: rename(2) first makes NEW.renaming, then
 * holds the rename until NEW.go exists (60 s at most), as a process on
 * a loaded machine may stall there.  A receiver that takes over a
 * socket path from a running one must leave the old socket there until
 * its own replaces it in one step (tests/listen.sh sends a request
 * while the rename is held).
 */
#include "config.h"		/* _GNU_SOURCE: RTLD_NEXT */

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int	rename(const char *, const char *);

int
rename(const char *from, const char *to)
{
	static int	(*real)(const char *, const char *);
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	char		mark[4096], go[4096];
	int		fd, i;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "rename");
	snprintf(mark, sizeof(mark), "%s.renaming", to);
	snprintf(go, sizeof(go), "%s.go", to);
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) != -1)
		close(fd);
	for (i = 0; i < 6000 && access(go, F_OK) == -1; i++)
		nanosleep(&ts, NULL);
	return real(from, to);
}
