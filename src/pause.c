/*
 * pause: a paused handler is an empty file in the spool directory's
 * PAUSE_DIR; looking is one stat(2) per attempt about to start.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pause.h"

/* The file of name; -1 (EINVAL) for a name that is no file name. */
static int
pause_path(const char *spool_dir, const char *name, char *buf, size_t len)
{
	int	n;

	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, len, "%s/%s/%s", spool_dir, PAUSE_DIR, name);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
pause_held(const char *spool_dir, const char *name)
{
	struct stat	st;
	char		path[4096];

	if (pause_path(spool_dir, name, path, sizeof(path)) == -1)
		return 0;
	return lstat(path, &st) == 0;
}

int
pause_set(const char *spool_dir, const char *name, int on)
{
	char	dir[4096], path[4096];
	int	fd;

	if (pause_path(spool_dir, name, path, sizeof(path)) == -1)
		return -1;
	if (!on)
		return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
	(void)snprintf(dir, sizeof(dir), "%s/%s", spool_dir, PAUSE_DIR);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	return close(fd);
}
