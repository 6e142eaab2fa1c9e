/*
 * attempt_job: an event with everything its handlers need, in one
 * struct that owns all of it.  Made by the request path and by
 * record_job() from a spool record, run by attempt.c; it sits below
 * both, so that neither has to include the other.
 */
#ifndef HOOKSPOOL_ATTEMPT_JOB_H
#define HOOKSPOOL_ATTEMPT_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "event.h"
#include "header.h"

struct attempt_job {
	char			 id[EVENT_ID_LEN + 1];
	char			*endpoint;
	char			*path;
	char			*method;
	int64_t			 received_us;	/* when it came; 0: unknown */
	char			*dedup_key;	/* the delivery's; NULL: none */
	struct header_list	 headers;
	unsigned char		*body;
	size_t			 body_len;
	json_t			*payload;	/* NULL: body not JSON */
	char			*query;		/* redacted; NULL: none */
	json_t			*query_fields;	/* of query, lenient */
	size_t			*handlers;	/* indexes into conf->handlers */
	const char		**names;	/* theirs, for the event record */
	size_t			 nhandlers;
	char			*record;	/* its spool line; NULL: unread */
	size_t			 record_len;
};

void	attempt_job_free(struct attempt_job *);

#endif
