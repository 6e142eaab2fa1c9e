/*
 * A preload library for tests: fdatasync(2) fails with EIO while the
 * file named by HOOKSPOOL_FAIL_SYNC exists, so that a test can show what
 * a failed sync does to the answers (tests/batch.sh).
 */
#include "config.h"		/* _GNU_SOURCE: RTLD_NEXT */

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int	fdatasync(int);

int
fdatasync(int fd)
{
	static int	(*real)(int);
	const char	*flag = getenv("HOOKSPOOL_FAIL_SYNC");

	if (flag != NULL && access(flag, F_OK) == 0) {
		errno = EIO;
		return -1;
	}
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
