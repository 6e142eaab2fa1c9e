/*
 * event: what an event and a handler's attempt are, and UUIDv7 ids.
 * The structs are filled by the request path and the dispatcher and
 * written as spool records by record.h; ids are made here (the only
 * I/O: the random bytes of event_id_new()).
 */
#ifndef HOOKSPOOL_EVENT_H
#define HOOKSPOOL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct header_list;

#define EVENT_ID_LEN	36		/* 8-4-4-4-12 hex digits */

struct event {
	char				 id[EVENT_ID_LEN + 1];
	int64_t				 received_us;	/* since the epoch */
	const char			*endpoint;	/* endpoint name */
	const char			*path;
	const char			*query;		/* redacted; NULL: none */
	const char			*method;
	const char			*remote_addr;	/* may be NULL */
	const struct header_list	*headers;
	const unsigned char		*body;
	size_t				 body_len;
	const char			*verification;	/* "hmac-sha256 ok", ... */
	json_t				*claims;	/* jwt; NULL: no key */
	const char *const		*handlers;	/* names that matched */
	size_t				 nhandlers;
	const char			*replay_of;	/* event id or NULL */
	const char			*dedup_key;	/* NULL: none */
};

/*
 * One attempt of a handler for an event: "running" when it starts, then
 * its outcome.  See hookspool-spool(5).
 */
struct attempt {
	const char	*event_id;
	const char	*handler;
	int		 number;	/* 1 = the first run */
	const char	*state;		/* running, done, failed, dead */
	int64_t		 started_us;
	int64_t		 ended_us;	/* 0: still running */
	int		 timeout;	/* the handler's, in seconds */
	int		 exit_status;	/* -1: none (signal, timeout, no exec) */
	int		 signal;	/* 0: none */
	int		 timed_out;
	const char	*output;	/* last bytes of stdout + stderr */
	size_t		 output_len;
	int64_t		 next_us;	/* next attempt due; 0: none */
	const char	*error;		/* why it could not start, or NULL */
	int		 placed;	/* a retry's: segment and offset of */
	unsigned	 segment;	/* the event record are written */
	int64_t		 offset;
};

/* Format a UUIDv7 from a millisecond time and 10 random bytes. */
void	 event_id_format(char out[EVENT_ID_LEN + 1], int64_t unix_ms,
	    const unsigned char rnd[10]);
/* A fresh UUIDv7 for now_us (getrandom).  -1 if no randomness. */
int	 event_id_new(char out[EVENT_ID_LEN + 1], int64_t now_us);
/* 1 if s is a well-formed UUID (any version), else 0. */
int	 event_id_valid(const char *s);
/* The time a valid UUIDv7 was made in (its milliseconds), in us. */
int64_t	 event_id_time(const char *id);

#endif
