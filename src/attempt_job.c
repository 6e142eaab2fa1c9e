/*
 * attempt_job: an event with everything its handlers need, freed in
 * one call.
 */
#include "config.h"

#include <stdlib.h>

#include <jansson.h>

#include "attempt_job.h"
#include "header.h"

void
attempt_job_free(struct attempt_job *job)
{
	if (job == NULL)
		return;
	free(job->endpoint);
	free(job->path);
	free(job->method);
	free(job->dedup_key);
	header_list_free(&job->headers);
	free(job->body);
	json_decref(job->payload);
	free(job->query);
	json_decref(job->query_fields);
	free(job->handlers);
	free(job->names);
	free(job->record);
	free(job);
}
