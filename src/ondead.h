/*
 * ondead: the on_dead program, run once when a handler's attempt turns
 * dead (attempt_end(), or wh-retry closing an abandoned last attempt).
 * It runs without a shell, with the event record (its spool line, with
 * its '\n') on stdin and WH_EVENT_ID, WH_HANDLER and WH_LAST_ERROR in
 * its environment, in a process of its own: the caller never waits for
 * it.  It is killed with its process group at the handler's timeout;
 * its failure is logged, never retried.
 */
#ifndef HOOKSPOOL_ONDEAD_H
#define HOOKSPOOL_ONDEAD_H

struct attempt_job;
struct conf;
struct handler;

/*
 * Start h's on_dead program (conf_on_dead()) for job, if it has one;
 * error is the last attempt's failure ("exit 1").  job->record, or the
 * event's line found in the spool, goes on its stdin.
 */
void	ondead_run(const struct conf *, const struct handler *h,
	    const struct attempt_job *job, const char *error);

#endif
