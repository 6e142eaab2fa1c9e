/*
 * dedup: one event per delivery id.  The truth is the spool: an event
 * record carries its "dedup_key".  The index, DEDUP_FILE in the spool
 * directory, is a cache of the keys seen within their window: a
 * fixed-size, set-associative hash table mapped shared by every writer
 * and changed only under the spool's append lock, which also covers the
 * check and the append of the event (a gate of spool_append_gated():
 * dedup_prepare() before the lock, dedup_sync() and dedup_find() under
 * it before the write, dedup_add() after).
 * A missing, damaged or resized index is rebuilt from the spool; records
 * appended since the index was last brought up to date (by a writer
 * without a key, or one that died before its entry) are found by the
 * catch-up scan of dedup_sync().  See wh-receive(8), hookspool.ini(5).
 */
#ifndef HOOKSPOOL_DEDUP_H
#define HOOKSPOOL_DEDUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

#define DEDUP_FILE	".dedup"
#define DEDUP_KEY_MAX	256		/* longer keys are not deduplicated */
#define DEDUP_WAYS	16		/* slots per set */

struct dedup;

/* What the index knows of a key seen before. */
struct dedup_hit {
	char		id[EVENT_ID_LEN + 1];	/* the first event's */
	unsigned	segno;			/* where its record ends */
	off_t		end;
};

/* An endpoint's window in microseconds, 0 if it has none (gone). */
typedef int64_t	(*dedup_window_fn)(const char *endpoint, void *arg);

/* The pure table, over a buffer of dedup_table_size(nsets) bytes. */

size_t	 dedup_table_size(uint32_t nsets);
/* The number of sets an index of max_keys keys gets (a power of two). */
uint32_t dedup_table_sets(size_t max_keys);
/* Make buf, all zeros (a new file), an empty table with this salt. */
void	 dedup_table_init(void *buf, uint32_t nsets, const uint8_t salt[16]);
/*
 * 1 if buf (len bytes) is a table of nsets sets whose header is intact,
 * else 0.  Slots are checked one by one as they are read: a damaged
 * slot is an empty one.
 */
int	 dedup_table_valid(const void *buf, size_t len, uint32_t nsets);
/* 1 and hit filled if key of endpoint is in the table unexpired at now. */
int	 dedup_table_find(const void *buf, const char *endpoint,
	    const char *key, int64_t now_us, struct dedup_hit *hit);
/*
 * Enter key (unless it is there and unexpired at now).  Returns 0, 1 if
 * a key still within its window had to be forgotten to make room (its
 * set was full: the one that expires first goes), -1 on a bad id.
 */
int	 dedup_table_add(void *buf, const char *endpoint, const char *key,
	    const char *id, int64_t now_us, int64_t expires_us,
	    unsigned segno, off_t end);
/* Where the table was last brought up to date with the spool. */
void	 dedup_table_covered(const void *buf, unsigned *segno, off_t *off);
void	 dedup_table_set_covered(void *buf, unsigned segno, off_t off);

/* The index file of a spool directory. */

struct dedup	*dedup_open(const char *dir, size_t max_keys);
void		 dedup_close(struct dedup *);
/*
 * For a process that serves many requests: map the whole table in at
 * once (every page backed and writable) when it is next mapped, rather
 * than page by page as requests touch it.  Off by default (CGI).
 */
void		 dedup_set_resident(struct dedup *, int);
/*
 * A key of an endpoint as the index looks it up: the caller's strings,
 * which must last as long as the probe is used, and their hash under
 * the salt it was made with (made anew when the index has another).
 */
struct dedup_probe {
	const char	*endpoint, *key;
	uint8_t		 salt[16], hash[16];
	int		 hashed;
};

/*
 * Before the lock, to keep the work under it short: make the probe of
 * key, check the file now and then, and hash the key and fetch its set.
 * -1 with errno set.
 */
int		 dedup_prepare(struct dedup *, struct dedup_probe *,
		    const char *endpoint, const char *key, int64_t now_us);
/*
 * With the spool's append lock held and its end at (segno, size):
 * (re)map the file, rebuild it when it is missing, damaged or of
 * another size, and index the records appended since it was last
 * brought up to date (window gives each endpoint's window;
 * max_window_us bounds the scan of a rebuild).  -1 with errno set.
 */
int		 dedup_sync(struct dedup *, unsigned segno, off_t size,
		    int64_t now_us, dedup_window_fn window, void *arg,
		    int64_t max_window_us);
int		 dedup_find(struct dedup *, struct dedup_probe *,
		    int64_t now_us, struct dedup_hit *);
/* With the append lock held, after the record was appended: it ends at
 * (segno, end), the spool's end now. */
int		 dedup_add(struct dedup *, struct dedup_probe *,
		    const char *id, int64_t now_us, int64_t expires_us,
		    unsigned segno, off_t end);
/* Keys forgotten (full sets) and rebuilds since the last call, for logs. */
void		 dedup_stats(struct dedup *, unsigned long *forgotten,
		    unsigned long *rebuilt);

#endif
