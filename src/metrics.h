/*
 * metrics: counters of wh-receive shared by every worker of the host,
 * in a small file mapped from the spool directory (METRICS_FILE).
 * Each process claims a slot of its own (a free one, or one whose
 * process is gone) and only ever adds to it, without locks; a scrape
 * sums the slots.  Slots are never cleared, so what a worker counted
 * outlives it.  A file of another size or layout is replaced.
 */
#ifndef HOOKSPOOL_METRICS_H
#define HOOKSPOOL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_FILE		".metrics"
#define METRICS_SLOTS		128	/* processes counted apart */
#define METRICS_ENDPOINTS	64	/* the rest count as "other" */
#define METRICS_BUCKETS		12	/* latency histogram */
#define METRICS_HANDLERS	64	/* the rest count as "other" */

/* How a handler's attempt ended. */
enum metrics_outcome {
	MO_DONE, MO_FAILED, MO_DEAD, MO_COUNT
};

/* The statuses counted by name; any other is "other". */
enum metrics_status {
	MS_200, MS_202, MS_400, MS_401, MS_403, MS_404, MS_405, MS_408,
	MS_411, MS_413, MS_431, MS_500, MS_503, MS_OTHER, MS_COUNT
};

/* Why a signature was refused (verify_status_name()). */
enum metrics_verify {
	MV_MISSING, MV_MALFORMED, MV_MISMATCH, MV_STALE, MV_ERROR, MV_OTHER,
	MV_COUNT
};

struct metrics_slot {
	/* index METRICS_ENDPOINTS: no endpoint matched */
	uint64_t	requests[METRICS_ENDPOINTS + 1][MS_COUNT];
	uint64_t	verify_failures[METRICS_ENDPOINTS + 1][MV_COUNT];
	uint64_t	bytes_received;
	uint64_t	spool_appends;
	uint64_t	fsync_batches;
	uint64_t	latency_buckets[METRICS_BUCKETS];	/* not cumulative */
	uint64_t	latency_count;
	uint64_t	latency_sum_us;
	uint64_t	refused_low_space;
	uint64_t	attempts[METRICS_HANDLERS + 1][MO_COUNT];
	/* A dispatcher's, set (not added): counted while it lives. */
	uint64_t	dispatcher_queued;
	uint64_t	dispatcher_running;
	uint64_t	dispatcher_overflows;	/* a counter */
};

struct metrics_file {
	char		magic[8];	/* METRICS_MAGIC */
	uint32_t	version;
	uint32_t	nslots;
	uint64_t	slot_size;
	uint64_t	pad;
	/* slot[i]'s process; 0: never used, its pages maybe a hole */
	int32_t		pid[METRICS_SLOTS];
	struct metrics_slot slot[METRICS_SLOTS];
};

/* What one scrape names: the endpoints, in the configuration's order. */
struct metrics_names {
	const char	*const *endpoint;
	size_t		 nendpoints;
	const char	*const *handler;
	size_t		 nhandlers;
};

/*
 * Map dir/METRICS_FILE, creating or replacing it when missing, short or
 * foreign.  Returns the mapping or NULL (errno set); never fatal.
 */
struct metrics_file	*metrics_map(const char *dir);
void			 metrics_unmap(struct metrics_file *);
/* This process's slot in m, or NULL when all are taken by live ones. */
struct metrics_slot	*metrics_claim(struct metrics_file *);

/* Counting into a slot (NULL: nothing happens). */
void	metrics_request(struct metrics_slot *, size_t endpoint, int status,
	    int64_t elapsed_us, uint64_t bytes);
void	metrics_verify_failure(struct metrics_slot *, size_t endpoint,
	    const char *verify_status);
void	metrics_add(struct metrics_slot *, uint64_t *field, uint64_t n);
/* Set a gauge of the slot (NULL: nothing happens). */
void	metrics_set(struct metrics_slot *, uint64_t *field, uint64_t v);
/* An attempt of handler (its index in the configuration) ended so. */
void	metrics_attempt(struct metrics_slot *, size_t handler,
	    enum metrics_outcome);

/* The sum of every slot in Prometheus text format; malloc'd, or NULL. */
char	*metrics_render(const struct metrics_file *,
	    const struct metrics_names *, size_t *len);

/*
 * Whether addr is in list ("ADDR[/BITS], ..." as metrics_allow; NULL
 * allows any): 1 or 0, or -1 when an entry of list is no network.
 */
int	metrics_allowed(const char *list, const char *addr);

/* Process-wide slot of wh-receive, for the code that counts. */
extern struct metrics_slot	*metrics_self;
/*
 * metrics_self, claimed in dir's file on the first call of this process
 * (and again after a fork); NULL when it cannot be had.
 */
struct metrics_slot	*metrics_process(const char *dir);

#endif
