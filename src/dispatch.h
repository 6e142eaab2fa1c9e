/*
 * dispatch: run handler commands for an event, after the answer.  Each
 * attempt is bracketed by spool records: "running" before the command
 * starts, then "done", "failed" (with next_at) or "dead".  A command runs
 * without a shell in a process group of its own, with the raw body on
 * stdin, and is killed with its whole group at its timeout.
 */
#ifndef HOOKSPOOL_DISPATCH_H
#define HOOKSPOOL_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "event.h"
#include "filter.h"
#include "header.h"

struct conf;
struct handler;
struct spool;

#define DISPATCH_OUTPUT_MAX	4096	/* output kept in the record */

/* An event with everything its handlers need; owns all of it. */
struct dispatch_job {
	char			 id[EVENT_ID_LEN + 1];
	char			*endpoint;
	char			*path;
	char			*method;
	struct header_list	 headers;
	unsigned char		*body;
	size_t			 body_len;
	json_t			*payload;	/* NULL: body not JSON */
	size_t			*handlers;	/* indexes into conf->handlers */
	const char		**names;	/* theirs, for the event record */
	size_t			 nhandlers;
};

enum attempt_state {
	ATTEMPT_RUNNING,
	ATTEMPT_DONE,
	ATTEMPT_FAILED,		/* another attempt is due at next_at */
	ATTEMPT_DEAD,		/* failed, and no retry is left */
	ATTEMPT_UNRECORDED	/* the spool refused the record: not run */
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
 * Fork a dispatcher that runs the first attempt of each of the job's
 * handlers in order and exits.  Returns its pid (the caller reaps it),
 * or -1.  With detach, the dispatcher is a grandchild in a session of
 * its own, with stdout and stderr on /dev/null (CGI: the web server
 * waits for the end of output) and the pid returned is the short-lived
 * intermediate.
 */
pid_t		 dispatch_start(const struct conf *, const struct dispatch_job *,
		    int detach);
void		 dispatch_job_free(struct dispatch_job *);

#endif
