/*
 * history: an event's state, folded from its spool records.  Pure: it is
 * fed record lines (any order: the latest attempt of a handler is the
 * one with the highest number, its outcome after its "running", a
 * "retry" of the same number after both), and
 * answers each event's status, the time each handler's next attempt is
 * due, and its last error.  Lines are read without building a JSON tree
 * (top-level members are picked out and only those decoded), so that a
 * spool of a million events folds in about a second.
 */
#ifndef HOOKSPOOL_HISTORY_H
#define HOOKSPOOL_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum history_state {
	HS_NONE,		/* no attempt recorded yet */
	HS_RUNNING,
	HS_DONE,
	HS_FAILED,		/* another attempt is due at next_us */
	HS_DEAD,
	HS_UNREADABLE,		/* its event record cannot be read: set aside */
	HS_RETRY		/* failed or dead, given one more attempt by
				 * "wh-retry retry": due at next_us */
};

/* An event's status, from its handlers' (hookspool-spool(5)). */
enum history_status {
	HISTORY_DONE,		/* every handler done, or none */
	HISTORY_PENDING,	/* some handler not started or running */
	HISTORY_FAILED,		/* some handler failed, a retry is due */
	HISTORY_DEAD,		/* some handler failed for good */
	HISTORY_UNREADABLE	/* its event record cannot be read */
};

struct history_handler {
	const char		*name;	/* owned by the history */
	int			 listed; /* in the event's "handlers" */
	int			 attempts; /* highest number; 0: none */
	enum history_state	 state;	/* of the latest record */
	int64_t			 started_us;
	int64_t			 ended_us;	/* 0: none */
	int64_t			 next_us;	/* 0: none */
	int			 timeout;	/* seconds, as recorded */
	int			 exit_status;	/* -1: none */
	int			 signal;
	int			 timed_out;
	const char		*error;		/* NULL: none */
	char			*tag;		/* a reader's (malloc'd), freed
						 * with the event; NULL */
};

struct history_event {
	char			 id[EVENT_ID_LEN + 1];
	int			 has_event; /* its event record was seen */
	int64_t			 received_us;
	const char		*endpoint;	/* owned by the history */
	const char		*path;
	int			 replay;	/* replay_of is set */
	char			 replay_of[EVENT_ID_LEN + 1]; /* or "" */
	unsigned		 segment;	/* where its event record is */
	unsigned		 anchor;	/* where a later scan finds it:
						 * its event record's segment,
						 * or its retry record's */
	int64_t			 offset;
	struct history_handler	*handlers;
	size_t			 nhandlers;
	struct history_event	*next;		/* hash chain */
};

enum history_kind {
	HISTORY_OTHER,		/* not a record we fold; skipped */
	HISTORY_EVENT,
	HISTORY_ATTEMPT
};

/*
 * HISTORY_SETTLED_DROP: keep only events that may still need work.  For
 * feeding in spool order (oldest first): an event is forgotten as soon
 * as every handler is done or dead, and attempts of events not seen are
 * ignored.
 */
enum {
	HISTORY_SETTLED_DROP = 1 << 0
};

struct history;

struct history	*history_new(int flags);
void		 history_free(struct history *);

/*
 * Fold one spool line (without '\n') found at (segment, offset).
 * Returns its kind, and in *evp (if not NULL) the event it touched, or
 * NULL if that event is not kept; -1 with errno ENOMEM.
 */
int		 history_add(struct history *, const char *line, size_t len,
		    unsigned segment, int64_t offset,
		    struct history_event **evp);

/* Drop ev from the history (a reader done with it). */
void		 history_forget(struct history *, struct history_event *);
/* The time a record line carries: an event's received_at, an attempt's
 * started_at.  -1 if it has none. */
int		 history_record_time(const char *line, size_t len,
		    int64_t *us);

struct history_event	*history_get(const struct history *, const char *id);
/* Every event kept, in no particular order: call fn until it returns
 * non-zero, which is returned. */
int		 history_each(const struct history *,
		    int (*fn)(struct history_event *, void *), void *arg);
size_t		 history_count(const struct history *);

enum history_status	 history_status(const struct history_event *);
const char		*history_status_name(enum history_status);
/* "pending" etc. to a status; -1 if unknown. */
int			 history_status_parse(const char *);
const char		*history_state_name(enum history_state);
/* 1 if every handler of ev is done, dead or unreadable (or it has
 * none). */
int			 history_settled(const struct history_event *);

/* Grace periods of the rule below, in microseconds. */
struct history_grace {
	int64_t	running;	/* past a running attempt's timeout */
	int64_t	start;		/* past receipt, for a handler not started */
};

/*
 * When handler h of ev is due to run again, -1 if never: a failed one
 * at its next_at; one still "running" past its timeout plus the grace
 * (its runner died); one never started, once the grace after receipt
 * is over (the receiver's dispatcher did not start it).
 */
int64_t		 history_due(const struct history_event *,
		    const struct history_handler *,
		    const struct history_grace *);

/* The last failure of h for a table: "exit 1", "timeout"...; "" if none. */
void		 history_error(const struct history_handler *, char *buf,
		    size_t len);
/* Total attempts recorded of every handler. */
int		 history_attempts(const struct history_event *);

#endif
