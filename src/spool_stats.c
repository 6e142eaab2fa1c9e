/*
 * spool_stats: one pass over the spool, newest first, folding each
 * event's attempts (history.c) as `wh-retry list` does, and counting.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "spool.h"
#include "spool_stats.h"

struct scan {
	struct history		*hi;
	struct spool_stats	*st;
};

static int
count_dead(struct spool_stats *st, const char *handler)
{
	struct spool_stats_dead	*d;
	size_t			 i;

	for (i = 0; i < st->ndead; i++)
		if (strcmp(st->dead[i].handler, handler) == 0) {
			st->dead[i].events++;
			return 0;
		}
	if ((d = reallocarray(st->dead, st->ndead + 1, sizeof(*d))) == NULL)
		return -1;
	st->dead = d;
	if ((d[st->ndead].handler = strdup(handler)) == NULL)
		return -1;
	d[st->ndead++].events = 1;
	return 0;
}

static int
count_event(struct spool_stats *st, const struct history_event *ev)
{
	enum history_status	s = history_status(ev);
	size_t			i;

	st->events[s]++;
	if (st->oldest_us[s] == 0 || ev->received_us < st->oldest_us[s])
		st->oldest_us[s] = ev->received_us;
	for (i = 0; i < ev->nhandlers; i++)
		if (ev->handlers[i].state == HS_DEAD &&
		    count_dead(st, ev->handlers[i].name) == -1)
			return -1;
	return 0;
}

/* Newest first: an event's attempts come before it, all of them. */
static int
scan_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct scan		*sc = arg;
	struct history_event	*ev;
	int			 k, rc;

	k = history_add(sc->hi, line, len, spool_segment_number(pos->segment),
	    (int64_t)pos->offset, &ev);
	if (k == -1)
		return -1;
	if (k != HISTORY_EVENT || ev == NULL)
		return 0;
	rc = count_event(sc->st, ev);
	history_forget(sc->hi, ev);
	return rc;
}

static void
read_size(const char *dir, struct spool_stats *st)
{
	unsigned	*nos = NULL;
	size_t		 n = 0, i;
	struct stat	 sb;
	char		 name[64], path[4096];

	if (spool_segments(dir, &nos, &n) == -1)
		return;
	st->segments = n;
	for (i = 0; i < n; i++) {
		spool_segment_name(nos[i], name, sizeof(name));
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) <
		    (int)sizeof(path) && stat(path, &sb) == 0)
			st->bytes += (uint64_t)sb.st_size;
	}
	free(nos);
}

static void
read_last_run(const char *dir, struct spool_stats *st)
{
	char		 path[4096];
	long long	 at, took;
	FILE		*f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, SPOOL_LAST_RUN) >=
	    (int)sizeof(path) || (f = fopen(path, "re")) == NULL)
		return;
	if (fscanf(f, "%lld %lld", &at, &took) == 2 && at > 0 && took >= 0) {
		st->last_run_us = at;
		st->last_run_took_us = took;
	}
	fclose(f);
}

int
spool_stats_read(const char *dir, struct spool_stats *st)
{
	struct scan	sc;
	int		rc, e;

	memset(st, 0, sizeof(*st));
	if ((sc.hi = history_new(0)) == NULL)
		return -1;
	sc.st = st;
	rc = spool_scan(dir, SPOOL_NEWEST_FIRST, scan_line, NULL, &sc);
	e = errno;
	history_free(sc.hi);
	if (rc == -1) {
		spool_stats_free(st);
		errno = e;
		return -1;
	}
	read_size(dir, st);
	read_last_run(dir, st);
	return 0;
}

void
spool_stats_free(struct spool_stats *st)
{
	size_t	i;

	for (i = 0; i < st->ndead; i++)
		free(st->dead[i].handler);
	free(st->dead);
	st->dead = NULL;
	st->ndead = 0;
}

static void
head(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static double
age(int64_t now_us, int64_t then_us)
{
	return then_us > 0 && now_us > then_us ? (now_us - then_us) / 1e6 : 0;
}

/* A handler's name as a label value: \ " and newline escaped. */
static void
label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void
spool_stats_render(const struct spool_stats *st, int64_t now_us, FILE *f)
{
	static const int	 waiting[] = { HISTORY_PENDING, HISTORY_FAILED };
	size_t			 i;
	int			 s;

	head(f, "hookspool_spool_events", "Events in the spool by status.");
	for (s = 0; s < SPOOL_STATS_STATUSES; s++)
		fprintf(f, "hookspool_spool_events{status=\"%s\"} %" PRIu64
		    "\n", history_status_name(s), st->events[s]);
	head(f, "hookspool_oldest_event_age_seconds", "Age of the oldest "
	    "event with a handler still to run, by status; 0: none.");
	for (i = 0; i < 2; i++)
		fprintf(f, "hookspool_oldest_event_age_seconds{status=\"%s\"} "
		    "%.3f\n", history_status_name(waiting[i]),
		    age(now_us, st->oldest_us[waiting[i]]));
	head(f, "hookspool_dead_events", "Events a handler gave up on, by "
	    "handler.");
	for (i = 0; i < st->ndead; i++) {
		fputs("hookspool_dead_events{handler=\"", f);
		label(f, st->dead[i].handler);
		fprintf(f, "\"} %" PRIu64 "\n", st->dead[i].events);
	}
	head(f, "hookspool_spool_size_bytes", "Bytes in the spool's segments.");
	fprintf(f, "hookspool_spool_size_bytes %" PRIu64 "\n", st->bytes);
	head(f, "hookspool_spool_segments", "Segment files in the spool.");
	fprintf(f, "hookspool_spool_segments %" PRIu64 "\n", st->segments);
	head(f, "hookspool_retry_last_run_timestamp_seconds", "When the last "
	    "wh-retry run pass ended, in seconds since the epoch; 0: never.");
	fprintf(f, "hookspool_retry_last_run_timestamp_seconds %.3f\n",
	    st->last_run_us / 1e6);
	head(f, "hookspool_retry_last_run_duration_seconds", "How long the "
	    "last wh-retry run took.");
	fprintf(f, "hookspool_retry_last_run_duration_seconds %.3f\n",
	    st->last_run_took_us / 1e6);
}

int
spool_stats_note_run(const char *dir, int64_t end_us, int64_t took_us)
{
	char	path[4096], tmp[4096 + 32];
	FILE	*f;
	int	ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, SPOOL_LAST_RUN) >=
	    (int)sizeof(path))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "we")) == NULL)
		return -1;
	ok = fprintf(f, "%lld %lld\n", (long long)end_us,
	    (long long)took_us) > 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
