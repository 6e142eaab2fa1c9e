/*
 * spool_stats: the spool's state for a monitoring system, as `wh-retry
 * metrics` prints it: events by status, the oldest waiting ones, dead
 * events by handler, the spool's size, and wh-retry run's last pass.
 */
#ifndef HOOKSPOOL_SPOOL_STATS_H
#define HOOKSPOOL_SPOOL_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SPOOL_STATS_STATUSES	5	/* enum history_status */
#define SPOOL_LAST_RUN		".last-run"	/* in the spool directory */

struct spool_stats_dead {
	char		*handler;
	uint64_t	 events;
};

struct spool_stats {
	uint64_t		 events[SPOOL_STATS_STATUSES];
	int64_t			 oldest_us[SPOOL_STATS_STATUSES]; /* 0: none */
	struct spool_stats_dead	*dead;
	size_t			 ndead;
	uint64_t		 bytes;
	uint64_t		 segments;
	int64_t			 last_run_us;	/* 0: never */
	int64_t			 last_run_took_us;
};

/* Read dir's spool.  0, or -1 with errno. */
int	spool_stats_read(const char *dir, struct spool_stats *);
void	spool_stats_free(struct spool_stats *);
/* The stats in Prometheus text format, ages as of now_us. */
void	spool_stats_render(const struct spool_stats *, int64_t now_us, FILE *);
/* Note a pass of wh-retry run (wall-clock end, duration): 0 or -1. */
int	spool_stats_note_run(const char *dir, int64_t end_us, int64_t took_us);

#endif
