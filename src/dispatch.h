/*
 * dispatch: run handler commands for an event, after the answer.  Each
 * attempt is bracketed by spool records: "running" before the command
 * starts, then "done", "failed" (with next_at) or "dead" (also at once
 * when no attempt could ever start it: E2BIG).  A command runs
 * without a shell in a process group of its own, with the raw body on
 * stdin, and is killed with its whole group at its timeout.
 */
#ifndef HOOKSPOOL_DISPATCH_H
#define HOOKSPOOL_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "dispatch_job.h"
#include "event.h"
#include "filter.h"
#include "header.h"

struct conf;
struct handler;
struct spool;

#define DISPATCH_OUTPUT_MAX	4096	/* output kept in the record */

enum attempt_state {
	ATTEMPT_RUNNING,
	ATTEMPT_DONE,
	ATTEMPT_FAILED,		/* another attempt is due at next_at */
	ATTEMPT_DEAD,		/* failed, and no retry is left */
	ATTEMPT_UNRECORDED	/* the spool refused the record: not run */
};

/* The last bytes of a command's output (stdout and stderr). */
struct dispatch_output {
	char	buf[2 * DISPATCH_OUTPUT_MAX];
	size_t	len;
};

/*
 * One attempt in progress, for a caller that watches many at once (the
 * dispatcher's event loop): dispatch_begin(), then dispatch_read() when
 * fd is readable, then dispatch_end() once the command has exited or
 * its deadline has passed.  h and job must outlive it.
 */
struct dispatch_run {
	const struct handler	*h;
	struct attempt		 at;
	struct dispatch_output	 out;
	pid_t			 pid;		/* -1: the command did not start */
	int			 permanent;	/* and never will: dead at once */
	char			 error[160];	/* at.error, when made here */
	int			 fd;		/* its output; -1 after EOF */
	int64_t			 deadline;	/* CLOCK_MONOTONIC, us */
};

/* "running", "done", "failed", "dead". */
const char	*dispatch_state_name(enum attempt_state);

/*
 * Indexes of the handlers whose filters match ev, in configuration
 * order, into idx (room for conf->nhandlers).  Returns how many.
 */
size_t		 dispatch_match(const struct conf *, const struct filter_event *,
		    size_t *idx);

/*
 * Run attempt number `attempt` (1 = first) of handler h for job now, and
 * record it in sp.  Returns the outcome.
 */
enum attempt_state dispatch_attempt(struct spool *, const struct conf *,
		    const struct handler *, const struct dispatch_job *,
		    int attempt);

/*
 * Record attempt number `attempt` of h as running, and start its command.
 * Returns -1 if the spool refused the record (nothing started), else 0;
 * run->pid is -1 if the command could not start (call dispatch_end()).
 */
int		 dispatch_begin(struct spool *, const struct handler *,
		    const struct dispatch_job *, int attempt,
		    struct dispatch_run *);
/* Read what is there of the command's output; closes fd at EOF. */
void		 dispatch_read(struct dispatch_run *);
/*
 * The command has exited with status (waitpid(2)'s), or timed_out (it
 * was killed with its group): read the rest of its output, record the
 * outcome with the next attempt's time, log it.
 */
enum attempt_state dispatch_end(struct spool *, const struct conf *,
		    const struct dispatch_job *, struct dispatch_run *,
		    int status, int timed_out);
/*
 * A memfd holding len bytes at p, read from its start: a command's stdin,
 * a job too large for one message.  -1 with errno.
 */
int		 dispatch_memfd(const char *name, const void *p, size_t len);
/*
 * In a dispatcher process, forked from a responder: the default
 * SIGTERM, SIGINT and SIGCHLD, SIGHUP ignored (a reload is the
 * responder's), and our priority lowered by handler_nice, for the
 * dispatcher and the commands it starts: under load the answers come
 * first, the handlers after.
 */
void		 dispatch_child_init(const struct conf *);
/* Kill a command's whole process group and reap the command. */
void		 dispatch_kill(pid_t, int *status);

/*
 * Fork a dispatcher that runs the first attempt of each of the job's
 * handlers in order and exits.  Returns its pid (the caller reaps it),
 * or -1.  With detach, the dispatcher is a grandchild in a session of
 * its own, with stdout and stderr on /dev/null (CGI: the web server
 * waits for the end of output) and the pid returned is the short-lived
 * intermediate.
 */
pid_t		 dispatch_start(const struct conf *, const struct dispatch_job *,
		    int detach);

#endif
