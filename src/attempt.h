/*
 * attempt: one attempt of one handler for an event, and which handlers
 * an event's filters select (attempt_match()).  Each attempt is
 * bracketed by spool records: "running" before the command starts,
 * then "done", "failed" (with next_at) or "dead" (also at once when no
 * attempt could ever start it: E2BIG).  A command runs without a shell
 * in a process group of its own, with the raw body on stdin, and is
 * killed with its whole group at its timeout.  The processes that call
 * these are dispatcher.c's and wh-retry's.
 */
#ifndef HOOKSPOOL_ATTEMPT_H
#define HOOKSPOOL_ATTEMPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "attempt_job.h"
#include "event.h"
#include "filter.h"
#include "header.h"

struct conf;
struct handler;
struct spool;

#define ATTEMPT_OUTPUT_MAX	4096	/* output kept in the record */

enum attempt_state {
	ATTEMPT_RUNNING,
	ATTEMPT_DONE,
	ATTEMPT_FAILED,		/* another attempt is due at next_at */
	ATTEMPT_DEAD,		/* failed, and no retry is left */
	ATTEMPT_UNRECORDED	/* the spool refused the record: not run */
};

/* The last bytes of a command's output (stdout and stderr). */
struct attempt_output {
	char	buf[2 * ATTEMPT_OUTPUT_MAX];
	size_t	len;
};

/*
 * One attempt in progress, for a caller that watches many at once (the
 * dispatcher's event loop): attempt_begin(), then attempt_read() when
 * fd is readable, then attempt_end() once the command has exited or
 * its deadline has passed.  h and job must outlive it.
 */
struct attempt_proc {
	const struct handler	*h;
	struct attempt		 at;
	struct attempt_output	 out;
	pid_t			 pid;		/* -1: the command did not start */
	int			 permanent;	/* and never will: dead at once */
	char			 error[256];	/* at.error, when made here */
	int			 fd;		/* its output; -1 after EOF */
	int64_t			 deadline;	/* CLOCK_MONOTONIC, us */
};

struct sink_item;

/* "running", "done", "failed", "dead". */
const char	*attempt_state_name(enum attempt_state);

/*
 * Indexes of the handlers whose filters match ev, in configuration
 * order, into idx (room for conf->nhandlers).  Returns how many.
 */
size_t		 attempt_match(const struct conf *, const struct filter_event *,
		    size_t *idx);

/*
 * Run attempt number `attempt` (1 = first) of handler h for job now, and
 * record it in sp.  Returns the outcome.
 */
enum attempt_state attempt_run(struct spool *, const struct conf *,
		    const struct handler *, const struct attempt_job *,
		    int attempt);

/*
 * Record attempt number `attempt` of h as running, and start its command.
 * Returns -1 if the spool refused the record (nothing started), else 0;
 * run->pid is -1 if the command could not start (call attempt_end()).
 */
int		 attempt_begin(struct spool *, const struct handler *,
		    const struct attempt_job *, int attempt,
		    struct attempt_proc *);
/* Read what is there of the command's output; closes fd at EOF. */
void		 attempt_read(struct attempt_proc *);
/*
 * The command has exited with status (waitpid(2)'s), or timed_out (it
 * was killed with its group): read the rest of its output, record the
 * outcome with the next attempt's time, log it.
 */
enum attempt_state attempt_end(struct spool *, const struct conf *,
		    const struct attempt_job *, struct attempt_proc *,
		    int status, int timed_out);
/*
 * A sink's attempt (h->sink): attempt_begin() records it running and
 * starts nothing (run->pid is -1); attempt_sink_item() fills in what
 * sink_deliver() needs, and attempt_sink_end() records what it did.
 */
void		 attempt_sink_item(const struct conf *,
		    const struct attempt_job *, const struct attempt_proc *,
		    struct sink_item *);
enum attempt_state attempt_sink_end(struct spool *, const struct conf *,
		    const struct attempt_job *, struct attempt_proc *,
		    const struct sink_item *);
/*
 * A memfd holding len bytes at p, read from its start: a command's stdin,
 * a job too large for one message.  -1 with errno.
 */
int		 attempt_memfd(const char *name, const void *p, size_t len);
/* Kill a command's whole process group and reap the command. */
void		 attempt_kill(pid_t, int *status);

#endif
