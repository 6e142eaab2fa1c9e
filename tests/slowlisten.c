/*
 * A preload library for tests: listen(2) waits a second before it
 * listens, as a process on a loaded machine may between bind(2) and
 * listen(2).  A client that connects in that second is refused, so a
 * socket path must not appear before it listens (tests/listen.sh).
 */
#include "config.h"		/* _GNU_SOURCE: RTLD_NEXT */

#include <sys/socket.h>
#include <dlfcn.h>
#include <unistd.h>

int	listen(int, int);

int
listen(int fd, int backlog)
{
	static int	(*real)(int, int);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "listen");
	sleep(1);
	return real(fd, backlog);
}
