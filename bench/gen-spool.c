/*
 * gen-spool DIR N DUE: write a spool of N events into DIR (which must
 * exist, mode 0700) through spool_append, as a month of GitHub-like
 * traffic: 8 headers and a ~700-byte JSON body per event; 80% of the
 * events name the handler "sync", which has a "running" and a "done"
 * record, except for DUE of them spread evenly over the spool, whose
 * single attempt "failed" with next_at in the past (so a run finds DUE
 * attempts due), and 1 in 1000 that are "dead".  Prints the ids of the
 * first and the last event, for "show".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "header.h"
#include "record.h"
#include "spool.h"

#define MONTH_US	(INT64_C(30) * 86400 * 1000000)

static struct spool	*sp;

/* Append what encode wrote; len is read only after the call. */
static void
put(char *rec, const size_t *len)
{
	if (rec == NULL || spool_append(sp, rec, *len) == -1) {
		perror("gen-spool: append");
		exit(1);
	}
	free(rec);
}

static void
attempt(const char *id, int number, const char *state, int64_t t,
    int64_t next)
{
	struct attempt	at;
	size_t		len;

	memset(&at, 0, sizeof(at));
	at.event_id = id;
	at.handler = "sync";
	at.number = number;
	at.timeout = 30;
	at.started_us = t;
	at.exit_status = -1;
	at.state = "running";
	put(record_attempt_encode(&at, &len), &len);
	at.state = state;
	at.ended_us = t + 40000;
	at.exit_status = strcmp(state, "done") == 0 ? 0 : 1;
	at.output = strcmp(state, "done") == 0 ? "synced\n" :
	    "sync: remote not reachable\n";
	at.output_len = strlen(at.output);
	at.next_us = next;
	put(record_attempt_encode(&at, &len), &len);
}

/* The headers of event i: GitHub's, with its own delivery id. */
static void
headers(struct header_list *hl, long i)
{
	char	delivery[64];

	memset(hl, 0, sizeof(*hl));
	header_add(hl, "host", "hooks.example.com");
	header_add(hl, "user-agent", "GitHub-Hookshot/5a3c9f1");
	header_add(hl, "accept", "*/*");
	header_add(hl, "content-type", "application/json");
	header_add(hl, "x-github-event", "push");
	header_add(hl, "x-github-hook-id", "412345678");
	header_add(hl, "x-hub-signature-256", "sha256=0b8e3b0f5c2e7d6a9f1e4c"
	    "3b2a1d0e9f8c7b6a5d4e3f2a1b0c9d8e7f6a5b4c3d");
	snprintf(delivery, sizeof(delivery), "%08lx-1f2e-11ef-8a3b-"
	    "0242ac120002", i);
	header_add(hl, "x-github-delivery", delivery);
}

int
main(int argc, char **argv)
{
	static const char *const handlers[] = { "sync" };
	struct header_list	 hl;
	struct event		 ev;
	char			 body[2048], first[40] = "";
	long			 n, due, i, every;
	int			 is_due;
	int64_t			 now, t;
	size_t			 len;

	if (argc != 4 || (n = atol(argv[2])) <= 0 || (due = atol(argv[3])) < 0) {
		fprintf(stderr, "usage: gen-spool dir n due\n");
		return 2;
	}
	if ((sp = spool_open(argv[1], FSYNC_NEVER)) == NULL) {
		perror(argv[1]);
		return 1;
	}
	now = (int64_t)time(NULL) * 1000000;
	every = due > 0 ? n / due : 0;
	for (i = 0; i < n; i++) {
		t = now - MONTH_US + (MONTH_US / n) * i;
		memset(&ev, 0, sizeof(ev));
		if (event_id_new(ev.id, t) == -1)
			return 1;
		headers(&hl, i);
		snprintf(body, sizeof(body), "{\"ref\":\"refs/heads/main\","
		    "\"before\":\"6113728f27ae82c7b1a177c8d03f9e96e0adf246\","
		    "\"after\":\"76ae82c7b1a177c8d03f9e96e0adf2466113728f\","
		    "\"repository\":{\"id\":%ld,\"name\":\"repo-%ld\","
		    "\"full_name\":\"example/repo-%ld\",\"private\":false},"
		    "\"pusher\":{\"name\":\"octocat\",\"email\":\"octocat@"
		    "example.com\"},\"head_commit\":{\"id\":\"76ae82c7b1a177c8"
		    "d03f9e96e0adf2466113728f\",\"message\":\"Fix the thing "
		    "that broke the other thing (#%ld)\",\"timestamp\":"
		    "\"2026-11-01T10:00:00Z\",\"author\":{\"name\":\"Mona Lisa"
		    "\",\"email\":\"mona@example.com\"},\"added\":[],"
		    "\"removed\":[],\"modified\":[\"src/main.c\","
		    "\"README.md\"]},\"sender\":{\"login\":\"octocat\",\"id\":"
		    "583231,\"type\":\"User\"}}", i % 977, i % 977, i % 977, i);
		ev.received_us = t;
		ev.endpoint = "github";
		ev.path = "/hooks/github";
		ev.method = "POST";
		ev.remote_addr = "140.82.115.10";
		ev.headers = &hl;
		ev.body = (const unsigned char *)body;
		ev.body_len = strlen(body);
		ev.verification = "github ok";
		ev.handlers = handlers;
		is_due = every > 0 && i % every == every / 2 && due > 0;
		ev.nhandlers = is_due || i % 5 != 4 ? 1 : 0;
		put(record_event_encode(&ev, &len), &len);
		header_list_free(&hl);
		if (i == 0)
			memcpy(first, ev.id, sizeof(ev.id));
		if (ev.nhandlers == 0)
			continue;
		if (is_due) {
			attempt(ev.id, 1, "failed", t + 5000, t + 1045000);
			due--;
		}
		else if (i % 1000 == 3)
			attempt(ev.id, 4, "dead", t + 5000, 0);
		else
			attempt(ev.id, 1, "done", t + 5000, 0);
	}
	printf("%s %s\n", first, ev.id);
	spool_close(sp);
	return 0;
}
