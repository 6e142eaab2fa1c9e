/*
 * retry: the work of "wh-retry run": find the handler attempts that are
 * due (the rule is history_due()), run them with attempt_run(),
 * linger for the ones that fall due soon, and enforce retention by
 * removing whole old segments.  One run at a time: retry_lock().
 */
#ifndef HOOKSPOOL_RETRY_H
#define HOOKSPOOL_RETRY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct conf;

#define RETRY_LOCK_FILE		".wh-retry.lock"
#define RETRY_STATE_FILE	".wh-retry.state"
#define RETRY_GRACE		30	/* seconds; see wh-retry(8) */

struct retry_opts {
	int	linger;		/* seconds to wait for attempts falling due */
	int	follow;		/* run until stopped */
	int	grace;		/* seconds, past a timeout or a receipt */
};

struct retry_stats {
	int64_t	scan_us;	/* reading the spool */
	int64_t	plan_us;	/* finding what is due */
	int64_t	exec_us;	/* running attempts (the handlers' time) */
	int64_t	retention_us;
	size_t	passes;
	size_t	lines;		/* records read */
	size_t	due;		/* attempts found due */
	size_t	ran;		/* attempts run */
	size_t	held;		/* due, held behind an older event of
				 * their serialize_by key (per pass) */
	size_t	removed;	/* segments removed by retention */
	size_t	kept;		/* events unsettled at the end */
};

/* Set by a signal handler: finish the attempt in hand, then return. */
extern volatile sig_atomic_t	retry_stop;

/*
 * Take the run lock in the spool directory: wait_s 0 does not wait, -1
 * waits as long as it takes.  Returns 0 with the lock's fd in *fd, 1 if
 * another run holds it (after waiting wait_s), -1 with errno on error.
 */
int	retry_lock(const char *spool_dir, int wait_s, int *fd);

/*
 * What a run would hold back now (serialize_by), without running
 * anything or taking the lock: an object of event id -> the handler
 * held; NULL with errno.
 */
json_t	*retry_held(const struct conf *);

/* The run itself, with the lock held.  0, or -1 with errno set. */
int	retry_run(const struct conf *, const struct retry_opts *,
	    struct retry_stats *);

#endif
