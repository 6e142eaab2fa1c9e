/*
 * event: spool records as single-line JSON objects, and UUIDv7 ids.
 * Pure: encoding and decoding of buffers; the only I/O is the random
 * bytes of event_id_new().  The format is hookspool-spool(5).
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
};

/* Format a UUIDv7 from a millisecond time and 10 random bytes. */
void	 event_id_format(char out[EVENT_ID_LEN + 1], int64_t unix_ms,
	    const unsigned char rnd[10]);
/* A fresh UUIDv7 for now_us (getrandom).  -1 if no randomness. */
int	 event_id_new(char out[EVENT_ID_LEN + 1], int64_t now_us);
/* 1 if s is a well-formed UUID (any version), else 0. */
int	 event_id_valid(const char *s);

/*
 * Encode ev as one JSON object followed by '\n', with no other newline
 * in it.  Returns a malloc'd buffer and its length in *len, or NULL.
 */
char	*event_encode(const struct event *ev, size_t *len);

/* The same for an attempt record. */
char	*attempt_encode(const struct attempt *at, size_t *len);

/*
 * Parse one spool line (without its '\n').  Returns the object if it is
 * valid JSON with a string "type" and "id", else NULL with a reason in
 * err.
 */
json_t	*record_decode(const char *line, size_t len, char *err, size_t errlen);

/*
 * The raw body of a decoded event record: a malloc'd copy (decoding
 * base64 when "body_encoding" says so) and its length.  -1 on error.
 */
int	 record_event_body(const json_t *rec, unsigned char **body,
	    size_t *len);

#endif
