/*
 * A preload library for tests: once the file named by HOOKSPOOL_LATE_SIGNAL
 * exists, the next wait for a connection (a blocking accept(2), or
 * epoll_wait(2)) is preceded by a SIGTERM to the process itself, handled
 * before the wait begins: the race of a signal that comes after the loop
 * has looked at its flags and before it waits (tests/batch.sh).  The file
 * is removed, so it happens once.
 */
#include "config.h"		/* _GNU_SOURCE: RTLD_NEXT */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int	accept(int, struct sockaddr *, socklen_t *);
int	epoll_wait(int, struct epoll_event *, int, int);

static void
late_signal(void)
{
	const char	*flag = getenv("HOOKSPOOL_LATE_SIGNAL");

	if (flag != NULL && unlink(flag) == 0)
		raise(SIGTERM);
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	static int	(*real)(int, struct sockaddr *, socklen_t *);
	int		flags = fcntl(fd, F_GETFL);

	if (flags != -1 && !(flags & O_NONBLOCK))
		late_signal();
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "accept");
	return real(fd, sa, len);
}

int
epoll_wait(int epfd, struct epoll_event *ev, int n, int ms)
{
	static int	(*real)(int, struct epoll_event *, int, int);

	late_signal();
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "epoll_wait");
	return real(epfd, ev, n, ms);
}
