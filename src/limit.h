/*
 * limit: a handler's max_concurrency across every process of the host
 * that runs its commands (each responder's dispatcher, detached CGI
 * dispatchers, wh-retry).  The handler has that many slot files in the
 * spool directory's LIMIT_DIR; running a command holds an exclusive
 * flock(2) on one of them for as long as the command runs.  A process
 * that dies lets go of its slot with it; the file descriptor is
 * close-on-exec, so the command itself never holds one.
 */
#ifndef HOOKSPOOL_LIMIT_H
#define HOOKSPOOL_LIMIT_H

#include <stdint.h>

#define LIMIT_DIR	".limits"
#define LIMIT_MAX	1024		/* max_concurrency's largest value */

struct handler;

/*
 * Take one of h's slots without waiting: 1 with *fd holding it (-1 if h
 * has no limit: nothing to hold), 0 if every slot is taken, -1 with
 * errno if the slot files cannot be opened (logged by the caller; the
 * command must not run, as nothing would bound it).
 */
int	limit_take(const char *spool_dir, const struct handler *h, int *fd);
/*
 * The same, looking again every few milliseconds until wall-clock time
 * until_us (0: once; INT64_MAX: for as long as it takes) or a signal
 * sets *stop.  Returns as limit_take().
 */
int	limit_wait(const char *spool_dir, const struct handler *h,
	    int64_t until_us, volatile int *stop, int *fd);
void	limit_release(int fd);

#endif
