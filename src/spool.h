/*
 * spool: the durable, append-only store of lines.  A spool is a
 * directory of segment files "seg-NNNNNNNN.jsonl" (mode 0600, the
 * directory 0700), one record per line; what a record holds is
 * record.h's: the spool moves lines and bytes.  Writers append whole
 * lines under an exclusive flock(2) on the segment; with FSYNC_ALWAYS,
 * spool_append() returns only after fdatasync(2).  A torn last line left
 * by a crash is fenced off with a newline before the next record, and
 * readers skip and report it.  See hookspool-spool(5).
 */
#ifndef HOOKSPOOL_SPOOL_H
#define HOOKSPOOL_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

struct spool;

/* When appends reach the disk (the fsync key of hookspool.ini(5)). */
enum fsync_mode {
	FSYNC_ALWAYS,
	FSYNC_NEVER
};

/*
 * Open the spool in dir for appending; dir must exist (it is not
 * created: a missing spool is an operator's error, not ours to paper
 * over).  NULL with errno set on failure.
 */
struct spool	*spool_open(const char *dir, enum fsync_mode);
/*
 * Whether dir can be the spool of this (effective) user: it exists, is
 * a directory, is owned by the user and not writable by group or
 * others (refused with EPERM, by spool_open() too and whenever appends
 * move to another segment), and the user may write it.  0, or -1 with
 * errno set and the reason, for a message, in why.
 */
int		 spool_dir_check(const char *dir, char *why, size_t len);
/*
 * Append one record: rec must be a single line ending in '\n'.  Either
 * the whole line is in the spool (and on disk, with FSYNC_ALWAYS) and 0
 * is returned, or nothing of it is and -1 is returned with errno set.
 */
int		 spool_append(struct spool *, const char *rec, size_t len);
/*
 * Deferred syncs, for a writer that has several records to answer for
 * at once: with FSYNC_ALWAYS and defer set, spool_append() writes
 * without syncing and the sync is owed (spool_pending() is 1) until
 * spool_commit(), which does one (shared, group commit) sync for every
 * record appended since, and returns 0 only when all of them are on
 * disk.  A move to the next segment syncs the one left behind first.
 * spool_close() commits what is owed, but cannot report a failure.
 */
void		 spool_set_deferred(struct spool *, int defer);
/*
 * A batch: after spool_batch(), spool_append() only gathers its records
 * in memory (returning -1 only on ENOMEM), and spool_batch_write()
 * appends all of them in one write, as spool_append() does one record:
 * 0, or -1 with errno set and none of them appended.  For a writer whose records may wait a
 * moment (a dispatcher's attempts of many events at once).
 */
void		 spool_batch(struct spool *);
int		 spool_batch_write(struct spool *);
int		 spool_pending(const struct spool *);
int		 spool_commit(struct spool *);
/*
 * Owe a sync for segment segno up to end as if this handle had written
 * it: an answer that names a record another writer appended (dedup)
 * must not be sent before that record is on disk either.  With
 * FSYNC_ALWAYS and a deferred handle the sync is owed like an
 * append's when segno is the segment appends go to; otherwise it is
 * made now.  0, or -1 with errno set.
 */
int		 spool_owe(struct spool *, unsigned segno, off_t end);
/*
 * A gate for spool_append_gated().  Both run with the append lock held,
 * so no record of any writer goes in between: check() before the
 * write, with the segment the record would go to and its size (the
 * spool's end: appends go to no other segment), returns 0 to write,
 * 1 to write nothing, -1 to fail with errno set; done() after the
 * write, with where the record ends.  A check may scan that segment
 * with SPOOL_LOCKED.
 */
struct spool_gate {
	int	(*check)(void *arg, unsigned segno, off_t size);
	void	(*done)(void *arg, unsigned segno, off_t end);
	void	 *arg;
};
/* spool_append() through a gate (not while batching): 0 appended, 1 the
 * gate said no, -1 with errno set. */
int		 spool_append_gated(struct spool *, const char *rec,
		    size_t len, const struct spool_gate *);
/* Where the last record appended through this handle begins. */
void		 spool_last(const struct spool *, unsigned *segno,
		    off_t *offset);
/* A segment's file name inside the spool dir, "seg-00000001.jsonl". */
void		 spool_segment_name(unsigned no, char *buf, size_t len);
void		 spool_close(struct spool *);
/* Segment size at which appends move to a new segment (default 64 MiB). */
void		 spool_set_segment_size(struct spool *, off_t);

/* Where a line was found. */
struct spool_pos {
	const char	*segment;	/* file name inside the spool dir */
	off_t		 offset;	/* of the line's first byte */
};

/*
 * Called for each intact, non-empty line (without its '\n'), in file
 * order or, with SPOOL_NEWEST_FIRST, newest first.  Return 0 to go on,
 * 1 to stop, -1 to stop with an error.
 */
typedef int	(*spool_line_fn)(const char *line, size_t len,
		    const struct spool_pos *, void *arg);
/*
 * Called for each line that cannot be a record: a torn last line (no
 * '\n') or an empty line.  reason is for a log.
 */
typedef void	(*spool_bad_fn)(const struct spool_pos *, const char *reason,
		    void *arg);

enum {
	SPOOL_NEWEST_FIRST = 1 << 0,
	/* spool_scan_segment() of the segment whose append lock the
	 * caller holds (a gate's check): no shared lock taken. */
	SPOOL_LOCKED = 1 << 1
};

/* Scan every segment.  Returns 0, or -1 with errno set on I/O error. */
int	 spool_scan(const char *dir, int flags, spool_line_fn, spool_bad_fn,
	    void *arg);

/* Segment by segment (wh-retry). */

/* The number of a segment's file name ("seg-00000007.jsonl": 7), or 0. */
unsigned spool_segment_number(const char *name);
/* The segment numbers, ascending, in a malloc'd array.  -1 on error. */
int	 spool_segments(const char *dir, unsigned **segs, size_t *nsegs);
/*
 * Scan segment no only (0 if it is gone), as spool_scan; forward scans
 * start at byte from (a line's start: where an earlier scan stopped).
 * With a needle (forward only), only lines that hold it are passed on:
 * a fast search for one id.  Returns 0, 1 if line_fn
 * stopped, or -1.
 */
int	 spool_scan_segment(const char *dir, unsigned no, off_t from, int flags,
	    const char *needle, spool_line_fn, spool_bad_fn, void *arg);
/*
 * The line at a position a scan reported, as a malloc'd NUL-terminated
 * copy without its '\n'.  -1 with errno set on error.
 */
int	 spool_read_line(const char *dir, const char *segment, off_t offset,
	    char **line, size_t *len);
/*
 * The same for a reader of many lines, which keeps the spool directory
 * and the last segment it read open.
 */
struct spool_reader;
struct spool_reader	*spool_reader_open(const char *dir);
int	 spool_reader_line(struct spool_reader *, const char *segment,
	    off_t offset, char **line, size_t *len);
void	 spool_reader_close(struct spool_reader *);
/*
 * Remove whole segment no (retention).  The newest segment is never
 * removed (EBUSY): writers append to it.
 */
int	 spool_remove_segment(const char *dir, unsigned no);

#endif
