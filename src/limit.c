/*
 * limit: max_concurrency slots as flock(2)ed files, LIMIT_DIR/NAME.K
 * for K in [0, max_concurrency).  A process tries them from a place of
 * its own (its pid), so that many waiting processes do not all queue on
 * slot 0.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "limit.h"

#define LIMIT_POLL_US	20000

int
limit_take(const char *spool_dir, const struct handler *h, int *fd)
{
	char	path[4096];
	int	i, k, n = h->max_concurrency, lfd;

	*fd = -1;
	if (n <= 0)
		return 1;
	if (h->name[0] == '\0' || h->name[0] == '.' ||
	    strchr(h->name, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", spool_dir, LIMIT_DIR);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	for (i = 0; i < n; i++) {
		k = (int)(((unsigned)getpid() + (unsigned)i) % (unsigned)n);
		if (snprintf(path, sizeof(path), "%s/%s/%s.%d", spool_dir,
		    LIMIT_DIR, h->name, k) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		lfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (lfd == -1)
			return -1;
		if (flock(lfd, LOCK_EX | LOCK_NB) == 0) {
			*fd = lfd;
			return 1;
		}
		close(lfd);
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
	}
	return 0;
}

int
limit_wait(const char *spool_dir, const struct handler *h, int64_t until_us,
    volatile int *stop, int *fd)
{
	int	rc;

	while ((rc = limit_take(spool_dir, h, fd)) == 0) {
		if (wall_us() >= until_us || (stop != NULL && *stop))
			break;
		usleep(LIMIT_POLL_US);
	}
	return rc;
}

void
limit_release(int fd)
{
	if (fd != -1)
		close(fd);
}
