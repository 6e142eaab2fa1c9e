/*
 * A preload library for tests: rename(2) first makes NEW.renaming, then
 * waits a second before it renames, as a process on a loaded machine
 * may.  A receiver that takes over a socket path from a running one
 * must leave the old socket there until its own replaces it in one step
 * (tests/listen.sh sends a request in that second).
 */
#include "config.h"		/* _GNU_SOURCE: RTLD_NEXT */

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int	rename(const char *, const char *);

int
rename(const char *from, const char *to)
{
	static int	(*real)(const char *, const char *);
	char		mark[4096];
	int		fd;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "rename");
	snprintf(mark, sizeof(mark), "%s.renaming", to);
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) != -1)
		close(fd);
	sleep(1);
	return real(from, to);
}
