/*
 * spool: append whole lines to the newest segment of a spool directory,
 * and read them back.  The promises (hookspool-spool(5)):
 *
 *  - a record is written with one write(2) while the writer holds
 *    flock(LOCK_EX) on the segment, so lines of any number of processes
 *    never interleave; a failed write is cut back off with ftruncate(2),
 *    so a line is in the spool whole or not at all;
 *  - with FSYNC_ALWAYS spool_append() returns 0 only after fdatasync(2);
 *    the sync runs after the lock is dropped, and one sync serves every
 *    writer whose record it covers (group commit, see sync_upto);
 *  - a torn last line (a crash mid-write) is fenced off with a '\n'
 *    before the next record; readers skip it and report it;
 *  - appends go to one segment at a time: the writer that finds a
 *    segment full seals it (mode 0400) before it moves on, and no
 *    writer appends to a sealed segment, whatever size it counts as
 *    full; so the append lock orders every record, and a gate
 *    (spool_append_gated) sees all that went before;
 *  - segments are created 0600 whatever the umask, and the directory is
 *    fsync'ed when one is created;
 *  - nothing is written to a directory that is not the writer's own or
 *    that group or others may write: checked at open and again each
 *    time appends move to another segment (EPERM).
 *
 * Lines and bytes only: what a line holds (JSON records) is record.c's.
 * Nothing here logs or exits: errors come back as -1 and errno.
 */
#include "config.h"		/* _GNU_SOURCE: memmem */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/futex.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define SEG_DIGITS	8
#define SEG_NAMELEN	(4 + SEG_DIGITS + 6)	/* "seg-" NNNNNNNN ".jsonl" */
#define SEG_MAX		99999999u
#define SEG_SIZE	((off_t)64 << 20)

struct spool {
	char		*dir;		/* as configured */
	dev_t		 dirdev;	/* what dir named at open */
	ino_t		 dirino;
	int		 dirfd;
	enum fsync_mode	 fsync;
	off_t		 segsize;
	int		 segfd;		/* the segment appends go to */
	unsigned	 segno;		/* its number */
	ino_t		 segino;	/* and its inode */
	int		 syncfd;	/* SYNC_FILE, with FSYNC_ALWAYS */
	struct sync_page *syncpg;	/* and its page, mapped shared */
	unsigned	 last_segno;	/* where the last append went */
	off_t		 last_offset;
	off_t		 last_end;	/* and where it ended */
	ino_t		 last_ino;
	int		 defer;		/* spool_set_deferred() */
	off_t		 owed;		/* unsynced end of segfd; 0: none */
	int		 owed_err;	/* errno of an owed sync that failed */
	int		 batching;	/* spool_batch(): appends gather in */
	char		*batch;		/* this buffer */
	size_t		 batch_len, batch_cap;
};

/*
 * Group commit.  One fdatasync(2) puts on disk every byte written to
 * the segment before it started, so writers that wait together need
 * only one.  SYNC_FILE, mapped shared by every writer, holds a
 * sync_page: how far a segment is known to be on disk.  A writer whose
 * record the mark covers returns at once, without a lock or a system
 * call.  Otherwise it tries the file's flock without blocking: the one
 * that gets it notes the segment's size, syncs, raises the mark and
 * wakes the others; the rest sleep on a futex of the page until the
 * mark moves.  The flock makes one writer the syncer and is dropped by
 * the kernel if that writer dies; the futex only saves the others
 * from queueing on it (a blocked flock wakes every waiter at each
 * unlock, all to queue again: a herd per sync with many workers).
 * Waits are bounded, so a lost wake-up costs a retry, never a hang.
 */
#define SYNC_FILE	".sync"
#define SYNC_PAGE	4096			/* the file's length */
#define SYNC_WAIT_NS	(10 * 1000 * 1000)	/* a futex wait, at most */

struct sync_page {
	_Atomic uint32_t gen;		/* futex word; odd while written */
	_Atomic uint32_t segno;
	_Atomic uint64_t ino;		/* the segment's inode */
	_Atomic uint64_t synced;	/* bytes known to be on disk */
	_Atomic uint32_t waiters;	/* asleep, or about to be, on gen */
	uint32_t	 pad;
};

struct scan {
	const char	*map;		/* the segment, up to size */
	size_t		 size;
	int		 flags;
	struct spool_pos pos;
	spool_line_fn	 line_fn;
	spool_bad_fn	 bad_fn;
	void		*arg;
	const char	*needle;	/* only lines holding it; NULL: all */
	size_t		 needlelen;
	size_t		 from;		/* forward scans start here */
};

/* Segment names. */

static void
seg_name(char *buf, size_t bufsz, unsigned no)
{
	(void)snprintf(buf, bufsz, "seg-%08u.jsonl", no);
}

/* The number of a segment file name, or 0 if name is not one. */
static unsigned
seg_number(const char *name)
{
	unsigned	no = 0;
	size_t		i;

	if (strlen(name) != SEG_NAMELEN || strncmp(name, "seg-", 4) != 0 ||
	    strcmp(name + 4 + SEG_DIGITS, ".jsonl") != 0)
		return 0;
	for (i = 4; i < 4 + SEG_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		no = no * 10 + (unsigned)(name[i] - '0');
	}
	return no;
}

static int
seg_cmp(const void *a, const void *b)
{
	unsigned	x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The segment numbers in dirfd, ascending, in a malloc'd array. */
static int
seg_list(int dirfd, unsigned **segs, size_t *nsegs)
{
	DIR		*d = NULL;
	struct dirent	*de;
	unsigned	*v = NULL, *nv, no;
	size_t		 n = 0, cap = 0;
	int		 fd = -1, ret = -1, save;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		goto out;
	d = fdopendir(fd);
	if (d == NULL)
		goto out;
	fd = -1;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		no = seg_number(de->d_name);
		if (no == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nv = reallocarray(v, cap, sizeof(*v));
			if (nv == NULL)
				goto out;
			v = nv;
		}
		v[n++] = no;
	}
	if (errno != 0)
		goto out;
	if (n > 1)
		qsort(v, n, sizeof(*v), seg_cmp);
	*segs = v;
	*nsegs = n;
	v = NULL;
	ret = 0;
out:
	save = errno;
	free(v);
	if (d != NULL)
		closedir(d);
	if (fd != -1)
		close(fd);
	errno = save;
	return ret;
}

/* Small I/O helpers: retry on EINTR, loop on short counts. */

static int
lock_fd(int fd, int op)
{
	while (flock(fd, op) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static void
unlock_fd(int fd)
{
	int	save = errno;

	(void)flock(fd, LOCK_UN);
	errno = save;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writing. */

/*
 * With the lock held: if the segment does not end in a newline (a torn
 * line left by a crash), write one, so the next record starts a line.
 * 1 if it did, 0 if none was needed, -1.
 */
static int
seg_fence(int fd, off_t size)
{
	char	last = '\n';
	ssize_t	n;

	if (size == 0)
		return 0;
	n = pread(fd, &last, 1, size - 1);
	if (n != 1) {
		if (n == 0)
			errno = EIO;
		return -1;
	}
	if (last == '\n')
		return 0;
	return write_all(fd, "\n", 1) == -1 ? -1 : 1;
}

static long
futex(_Atomic uint32_t *word, int op, uint32_t val,
    const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/*
 * Set the mark, seqlock style: readers that see gen odd, or changed
 * under them, do not trust what they read.  Only the flock holder
 * writes, so a writer that died mid-way (gen left odd) is mended by
 * the next.  Then wake whoever waits for the mark to move.
 */
static void
sync_mark_set(struct sync_page *pg, unsigned segno, ino_t ino, off_t synced)
{
	uint32_t	g = atomic_load(&pg->gen) | 1;

	atomic_store(&pg->gen, g);
	atomic_store(&pg->segno, segno);
	atomic_store(&pg->ino, (uint64_t)ino);
	atomic_store(&pg->synced, (uint64_t)synced);
	atomic_store(&pg->gen, g + 1);
}

static void
sync_wake(struct sync_page *pg)
{
	if (atomic_load(&pg->waiters) > 0)
		(void)futex(&pg->gen, FUTEX_WAKE, INT32_MAX, NULL);
}

/* 1 if the mark covers our segment up to end; 0 if not or unsure. */
static int
sync_covered(struct spool *sp, uint32_t *gen, off_t end)
{
	struct sync_page	*pg = sp->syncpg;
	uint32_t		 g = atomic_load(&pg->gen);
	int			 covered;

	covered = atomic_load(&pg->segno) == sp->segno &&
	    atomic_load(&pg->ino) == (uint64_t)sp->segino &&
	    atomic_load(&pg->synced) >= (uint64_t)end;
	*gen = g;
	return covered && (g & 1) == 0 && atomic_load(&pg->gen) == g;
}

/* A new segment starts with nothing known on disk. */
static int
sync_mark_reset(struct spool *sp)
{
	if (sp->syncpg == NULL)
		return 0;
	if (lock_fd(sp->syncfd, LOCK_EX) == -1)
		return -1;
	sync_mark_set(sp->syncpg, 0, 0, 0);
	unlock_fd(sp->syncfd);
	sync_wake(sp->syncpg);
	return 0;
}

/*
 * Make sure the segment is on disk up to end (the end of our record).
 * The size is taken before fdatasync starts, so everything below it
 * was written before the sync and is covered by it.
 */
static int
sync_upto(struct spool *sp, off_t end)
{
	struct sync_page	*pg = sp->syncpg;
	struct timespec		 ts = { 0, SYNC_WAIT_NS };
	struct stat		 st;
	uint32_t		 gen;
	int			 locked = 0, rc = 0;

	/* Counted before the first look at the mark: a syncer that moves
	 * it after that look sees the count and wakes us. */
	atomic_fetch_add(&pg->waiters, 1);
	while (!sync_covered(sp, &gen, end)) {
		if (flock(sp->syncfd, LOCK_EX | LOCK_NB) == 0) {
			locked = 1;
			break;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = -1;
			break;
		}
		/* Someone is syncing: sleep until the mark moves. */
		(void)futex(&pg->gen, FUTEX_WAIT, gen, &ts);
	}
	atomic_fetch_sub(&pg->waiters, 1);
	if (!locked)
		return rc;
	/* We hold the flock: nobody else writes the mark.  Whether we
	 * sync or find the mark moved, gen moves, so that those who
	 * failed to get the flock while we held it do not sleep on. */
	if (sync_covered(sp, &gen, end))
		atomic_fetch_add(&pg->gen, 2);
	else if (fstat(sp->segfd, &st) == 0 && fdatasync(sp->segfd) == 0)
		sync_mark_set(pg, sp->segno, sp->segino, st.st_size);
	else {
		rc = -1;
		atomic_fetch_add(&pg->gen, 2);
	}
	unlock_fd(sp->syncfd);
	sync_wake(pg);
	return rc;
}

/*
 * Whoever can write the spool directory can plant or replace segments:
 * it must be ours and closed to group and others.  0, or -1 with EPERM
 * and a reason in why.
 */
static int
dir_safe(const struct stat *st, char *why, size_t len)
{
	if (st->st_uid != geteuid()) {
		(void)snprintf(why, len, "owned by uid %lu, not by this user "
		    "(uid %lu)", (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
		errno = EPERM;
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		(void)snprintf(why, len, "mode %04o is writable by group or "
		    "others (chmod go-w)", (unsigned)(st->st_mode & 07777));
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* dir_safe() of the directory the spool has open. */
static int
spool_dir_safe(const struct spool *sp)
{
	struct stat	st;
	char		why[128];

	if (fstat(sp->dirfd, &st) == -1)
		return -1;
	return dir_safe(&st, why, sizeof(why));
}

int
spool_dir_check(const char *dir, char *why, size_t len)
{
	struct stat	st;

	if (stat(dir, &st) == -1) {
		(void)snprintf(why, len, "%s", errno == ENOENT ?
		    "does not exist" : strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(void)snprintf(why, len, "not a directory");
		errno = ENOTDIR;
		return -1;
	}
	if (dir_safe(&st, why, len) == -1)
		return -1;
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == -1) {
		(void)snprintf(why, len, "not writable by this user: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Make segment no the one appends go to.  With create, make it with
 * O_EXCL; if another writer beat us to it, use theirs.  A new file is
 * chmod'ed (the umask may have cut its mode) and the directory synced
 * so the name survives a crash.  With FSYNC_ALWAYS the directory is
 * also synced when we move to a segment that is still empty, in case
 * its creator died before its own sync.
 */
static int
seg_switch(struct spool *sp, unsigned no, int create)
{
	char		name[32];
	struct stat	st;
	int		fd = -1, created = 0, save;
	const int	flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC;

	if (no == 0 || no > SEG_MAX) {
		errno = EFBIG;
		return -1;
	}
	/* A directory that became unsafe since the open gets no more. */
	if (spool_dir_safe(sp) == -1)
		return -1;
	/* Records owed a sync stay in the segment we leave: sync it now. */
	if (sp->owed > 0 && sync_upto(sp, sp->owed) == -1 && sp->owed_err == 0)
		sp->owed_err = errno != 0 ? errno : EIO;
	sp->owed = 0;
	seg_name(name, sizeof(name), no);
	if (create) {
		fd = openat(sp->dirfd, name, flags | O_CREAT | O_EXCL, 0600);
		if (fd == -1 && errno != EEXIST)
			goto fail;
		created = fd != -1;
	}
	if (fd == -1)
		fd = openat(sp->dirfd, name, flags);
	if (fd == -1)
		goto fail;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (created && fchmod(fd, 0600) == -1)
		goto fail;
	if ((created || (sp->fsync == FSYNC_ALWAYS && st.st_size == 0)) &&
	    fsync(sp->dirfd) == -1)
		goto fail;
	if (created && sync_mark_reset(sp) == -1)
		goto fail;
	if (sp->segfd != -1)
		close(sp->segfd);
	sp->segfd = fd;
	sp->segno = no;
	sp->segino = st.st_ino;
	return 0;
fail:
	save = errno;
	if (fd != -1)
		close(fd);
	errno = save;
	return -1;
}

/* Switch to the highest-numbered segment, creating the first one. */
static int
seg_newest(struct spool *sp)
{
	unsigned	*segs = NULL;
	size_t		 n = 0;
	int		 ret = -1;

	if (seg_list(sp->dirfd, &segs, &n) == -1)
		return -1;
	if (n == 0)
		ret = seg_switch(sp, sp->segno + 1, 1);
	else if ((ret = seg_switch(sp, segs[n - 1], 0)) == -1 &&
	    errno == EACCES)
		/* Sealed (and we are not root): full, its writer has not
		 * made the next one yet, or died first. */
		ret = seg_switch(sp, segs[n - 1] + 1, 1);
	free(segs);
	return ret;
}

/*
 * Lock the segment to append to and return its size.  Under the lock,
 * a segment that has reached the size limit (another writer filled it
 * while we held it open), was sealed or was removed sends us on to the
 * next.
 */
static int
seg_lock(struct spool *sp, off_t *size)
{
	struct stat	st;
	int		r;

	for (;;) {
		if (lock_fd(sp->segfd, LOCK_EX) == -1)
			return -1;
		if (fstat(sp->segfd, &st) == -1) {
			unlock_fd(sp->segfd);
			return -1;
		}
		if (st.st_nlink > 0 && st.st_size < sp->segsize &&
		    (st.st_mode & S_IWUSR) != 0) {
			*size = st.st_size;
			return 0;
		}
		/* A full segment is left ending in a newline, torn or not,
		 * and sealed: a writer that counts a larger size as full
		 * (another segment_size) does not go on appending to it. */
		r = 0;
		if (st.st_nlink > 0 && (st.st_mode & S_IWUSR) != 0 &&
		    (r = seg_fence(sp->segfd, st.st_size)) != -1)
			r = fchmod(sp->segfd, S_IRUSR);
		unlock_fd(sp->segfd);
		if (r == -1)
			return -1;
		if (st.st_nlink == 0)
			r = seg_newest(sp);
		else if ((r = seg_switch(sp, sp->segno + 1, 1)) == -1 &&
		    errno == EACCES)
			/* The next one sealed too (not root: we may not
			 * open it to write): on to the newest. */
			r = seg_newest(sp);
		if (r == -1)
			return -1;
	}
}

/*
 * With the lock held and the file size known: fence, write the record,
 * and on any failure cut the file back to size so that no partial line
 * is left behind.  A segment whose last bytes are our own last record
 * (clean) ends in a newline and needs no look.  Under the lock nobody
 * else writes, so O_APPEND puts the record at size.
 */
static int
seg_write(int fd, off_t size, int clean, const char *rec, size_t len,
    off_t *end)
{
	int	fenced = 0, save;

	*end = -1;
	if (!clean)
		fenced = seg_fence(fd, size);
	if (fenced != -1 && write_all(fd, rec, len) == 0)
		*end = size + fenced + (off_t)len;
	if (*end == -1) {
		save = errno;
		if (ftruncate(fd, size) == -1) {
			/* The torn tail stays; the next fence ends it. */
		}
		errno = save;
		return -1;
	}
	return 0;
}

/*
 * Open and map SYNC_FILE.  A file shorter than a page (new, or from an
 * older version) is made one page long; its contents need not survive
 * a crash, as the mark only saves syncs.
 */
static int
sync_open(struct spool *sp)
{
	struct stat	st;
	void		*p;

	_Static_assert(sizeof(struct sync_page) <= SYNC_PAGE, "sync page size");
	sp->syncfd = openat(sp->dirfd, SYNC_FILE,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (sp->syncfd == -1 || fchmod(sp->syncfd, 0600) == -1 ||
	    fstat(sp->syncfd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (st.st_size < SYNC_PAGE && ftruncate(sp->syncfd, SYNC_PAGE) == -1)
		return -1;
	p = mmap(NULL, SYNC_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, sp->syncfd, 0);
	if (p == MAP_FAILED)
		return -1;
	sp->syncpg = p;
	return 0;
}

struct spool *
spool_open(const char *dir, enum fsync_mode fsync_mode)
{
	struct spool	*sp = NULL;
	struct stat	 st;
	char		 why[128];
	int		 save;

	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return NULL;
	sp->dirfd = -1;
	sp->segfd = -1;
	sp->syncfd = -1;
	sp->fsync = fsync_mode;
	sp->segsize = SEG_SIZE;
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd == -1)
		goto fail;
	if (fstat(sp->dirfd, &st) == -1 ||
	    dir_safe(&st, why, sizeof(why)) == -1)
		goto fail;
	sp->dirdev = st.st_dev;
	sp->dirino = st.st_ino;
	if ((sp->dir = strdup(dir)) == NULL)
		goto fail;
	if (fsync_mode == FSYNC_ALWAYS && sync_open(sp) == -1)
		goto fail;
	if (seg_newest(sp) == -1)
		goto fail;
	return sp;
fail:
	save = errno;
	spool_close(sp);
	errno = save;
	return NULL;
}

void
spool_set_segment_size(struct spool *sp, off_t size)
{
	sp->segsize = size > 0 ? size : 1;
}

/*
 * The spool is the directory the configuration names.  If that name
 * now leads elsewhere or nowhere (moved, removed, replaced), appends
 * must not go on into the old directory: ENOENT, and the caller opens
 * the spool afresh.
 */
static int
spool_dir_same(const struct spool *sp)
{
	struct stat	st;

	if (stat(sp->dir, &st) == -1)
		return -1;
	if (st.st_dev != sp->dirdev || st.st_ino != sp->dirino) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/*
 * The durable write as a straight line: lock, fence, write, unlock,
 * fdatasync (shared with the writers queued alongside, see sync_upto).
 * The fdatasync is the commit point.
 */
static int	append_lines(struct spool *, const char *, size_t,
		    const struct spool_gate *);

/* One whole line: 0, or -1 with EINVAL. */
static int
one_line(const char *rec, size_t len)
{
	if (len == 0 || rec[len - 1] != '\n' ||
	    memchr(rec, '\n', len - 1) != NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
spool_append(struct spool *sp, const char *rec, size_t len)
{
	char	*nb;
	size_t	 cap;

	if (one_line(rec, len) == -1)
		return -1;
	if (!sp->batching)
		return append_lines(sp, rec, len, NULL);
	if (len > sp->batch_cap - sp->batch_len) {
		cap = sp->batch_cap ? sp->batch_cap : 16384;
		while (cap - sp->batch_len < len)
			cap *= 2;
		if ((nb = realloc(sp->batch, cap)) == NULL)
			return -1;
		sp->batch = nb;
		sp->batch_cap = cap;
	}
	memcpy(sp->batch + sp->batch_len, rec, len);
	sp->batch_len += len;
	return 0;
}

void
spool_batch(struct spool *sp)
{
	sp->batching = 1;
	sp->batch_len = 0;
}

int
spool_batch_write(struct spool *sp)
{
	size_t	len = sp->batch_len;

	sp->batching = 0;
	sp->batch_len = 0;
	return len == 0 ? 0 : append_lines(sp, sp->batch, len, NULL);
}

int
spool_append_gated(struct spool *sp, const char *rec, size_t len,
    const struct spool_gate *gate)
{
	if (one_line(rec, len) == -1)
		return -1;
	if (sp->batching) {
		errno = EINVAL;
		return -1;
	}
	return append_lines(sp, rec, len, gate);
}

/* Whole lines, in one write; through the gate if there is one. */
static int
append_lines(struct spool *sp, const char *rec, size_t len,
    const struct spool_gate *gate)
{
	off_t	size = -1, end = -1;
	int	r;

	if (spool_dir_same(sp) == -1)
		return -1;
	if (seg_lock(sp, &size) == -1)
		return -1;
	if (gate != NULL && (r = gate->check(gate->arg, sp->segno, size)) != 0) {
		unlock_fd(sp->segfd);
		return r;
	}
	/* Nobody wrote since our last record: no torn line to fence. */
	r = seg_write(sp->segfd, size, sp->last_segno == sp->segno &&
	    sp->last_ino == sp->segino && sp->last_end == size && size > 0,
	    rec, len, &end);
	if (r == 0 && gate != NULL)
		gate->done(gate->arg, sp->segno, end);
	unlock_fd(sp->segfd);
	if (r == -1)
		return -1;
	sp->last_segno = sp->segno;
	sp->last_offset = end - (off_t)len;
	sp->last_end = end;
	sp->last_ino = sp->segino;
	if (sp->fsync != FSYNC_ALWAYS)
		return 0;
	if (sp->defer) {
		sp->owed = end;
		return 0;
	}
	return sync_upto(sp, end);
}

void
spool_set_deferred(struct spool *sp, int defer)
{
	sp->defer = defer;
}

int
spool_pending(const struct spool *sp)
{
	return sp->owed > 0 || sp->owed_err != 0;
}

int
spool_commit(struct spool *sp)
{
	int	rc = 0;

	if (sp->owed > 0 && sync_upto(sp, sp->owed) == -1)
		rc = -1;
	sp->owed = 0;
	if (sp->owed_err != 0) {
		errno = sp->owed_err;
		sp->owed_err = 0;
		rc = -1;
	}
	return rc;
}

int
spool_owe(struct spool *sp, unsigned segno, off_t end)
{
	char	name[32];
	int	fd, r, save;

	if (sp->fsync != FSYNC_ALWAYS)
		return 0;
	if (segno == sp->segno) {
		if (!sp->defer)
			return sync_upto(sp, end);
		if (end > sp->owed)
			sp->owed = end;
		return 0;
	}
	/* A segment left behind: rare, and synced at once. */
	seg_name(name, sizeof(name), segno);
	fd = openat(sp->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	r = fdatasync(fd);
	save = errno;
	close(fd);
	errno = save;
	return r;
}

void
spool_last(const struct spool *sp, unsigned *segno, off_t *offset)
{
	*segno = sp->last_segno;
	*offset = sp->last_offset;
}

void
spool_segment_name(unsigned no, char *buf, size_t len)
{
	seg_name(buf, len, no);
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->owed > 0)
		(void)spool_commit(sp);
	if (sp->segfd != -1)
		close(sp->segfd);
	if (sp->syncpg != NULL)
		(void)munmap(sp->syncpg, SYNC_PAGE);
	if (sp->syncfd != -1)
		close(sp->syncfd);
	if (sp->dirfd != -1)
		close(sp->dirfd);
	free(sp->batch);
	free(sp->dir);
	free(sp);
}

/* Reading. */

static void
scan_bad(struct scan *sc, size_t off, const char *reason)
{
	sc->pos.offset = (off_t)off;
	if (sc->bad_fn != NULL)
		sc->bad_fn(&sc->pos, reason, sc->arg);
}

/* One line at off of the segment, without its '\n': 0 go on, 1 stop, -1. */
static int
scan_line(struct scan *sc, const char *line, size_t off, size_t len)
{
	if (len == 0) {
		scan_bad(sc, off, "empty line");
		return 0;
	}
	sc->pos.offset = (off_t)off;
	if (sc->line_fn == NULL)
		return 0;
	return sc->line_fn(line, len, &sc->pos, sc->arg);
}

static size_t	line_start(const char *, size_t);

#define SCAN_CHUNK	(1024 * 1024)

/*
 * Forward, with pread(2) into a buffer of whole lines rather than a
 * mapping: on a virtual machine a page fault per mapped page can cost
 * far more than the copy (finding the lines of a million events took
 * 0.9 s mapped and 0.14 s read).  With a needle, only the lines that
 * hold it are passed on.  The buffer grows to the longest line.
 */
static int
scan_forward(struct scan *sc, int fd)
{
	char		*buf = NULL, *nb;
	const char	*nl, *hit;
	size_t		 cap = SCAN_CHUNK, have = 0, off, want;
	size_t		 base = sc->from;
	ssize_t		 n;
	int		 r = -1;

	if (base >= sc->size)
		return 0;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	for (;;) {
		want = sc->size - base - have;
		n = pread(fd, buf + have, want < cap - have ? want :
		    cap - have, (off_t)(base + have));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		have += (size_t)n;
		off = 0;
		while (off < have) {
			if (sc->needle != NULL) {
				hit = memmem(buf + off, have - off, sc->needle,
				    sc->needlelen);
				if (hit == NULL)
					break;
				off = line_start(buf, (size_t)(hit - buf));
			}
			nl = memchr(buf + off, '\n', have - off);
			if (nl == NULL)
				break;
			r = scan_line(sc, buf + off, base + off,
			    (size_t)(nl - buf) - off);
			if (r != 0)
				goto out;
			r = -1;
			off = (size_t)(nl - buf) + 1;
		}
		if (n == 0 || base + have == sc->size) {
			/* The end: what is left is a line without its end. */
			if (off < have && (sc->needle == NULL ||
			    memmem(buf + off, have - off, sc->needle,
			    sc->needlelen) != NULL))
				scan_bad(sc, base + line_start(buf, have),
				    "torn line (no newline at the end)");
			r = 0;
			goto out;
		}
		/* Keep the line not yet whole; skip what holds no needle. */
		if (sc->needle != NULL)
			off = line_start(buf, have);
		memmove(buf, buf + off, have - off);
		base += off;
		have -= off;
		if (have == cap) {
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto out;
			buf = nb;
			cap *= 2;
		}
	}
out:
	free(buf);
	return r;
}

/* The start of the line that ends before end (just past a '\n' or 0). */
static size_t
line_start(const char *map, size_t end)
{
	while (end > 0 && map[end - 1] != '\n')
		end--;
	return end;
}

static int
scan_backward(struct scan *sc)
{
	size_t	end = sc->size, start;
	int	r;

	if (sc->map[end - 1] != '\n') {
		end = line_start(sc->map, end);
		scan_bad(sc, end, "torn line (no newline at the end)");
	}
	while (end > 0) {
		start = line_start(sc->map, end - 1);
		r = scan_line(sc, sc->map + start, start, end - 1 - start);
		if (r != 0)
			return r;
		end = start;
	}
	return 0;
}

/*
 * The segment's size under a shared lock: no writer is mid-line then,
 * and writers only ever cut back to a size at least this, so the bytes
 * up to it stay put while they are mapped.
 */
static int
seg_snapshot(int fd, struct stat *st)
{
	int	r;

	if (lock_fd(fd, LOCK_SH) == -1)
		return -1;
	r = fstat(fd, st);
	unlock_fd(fd);
	return r;
}

static int
seg_map(struct scan *sc, int fd, const struct stat *st)
{
	void	*map;

	if ((uintmax_t)st->st_size > SIZE_MAX) {
		errno = EFBIG;
		return -1;
	}
	map = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	(void)madvise(map, (size_t)st->st_size, MADV_WILLNEED);
	sc->map = map;
	sc->size = (size_t)st->st_size;
	return 0;
}

/* Scan one segment: 0 go on, 1 stop, -1 error. */
static int
seg_scan(int dirfd, unsigned no, struct scan *sc)
{
	char		name[32];
	struct stat	st;
	int		fd = -1, r = -1, save;

	seg_name(name, sizeof(name), no);
	sc->pos.segment = name;
	sc->map = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		r = 0;			/* removed since we listed it */
		goto out;
	}
	if (fd == -1 && errno == ELOOP) {
		scan_bad(sc, 0, "not a regular file");
		r = 0;
		goto out;
	}
	if (fd == -1 || fstat(fd, &st) == -1)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		scan_bad(sc, 0, "not a regular file");
		r = 0;
		goto out;
	}
	/* Under the caller's append lock, nobody writes: the size is
	 * settled (and a shared lock of our own would wait for ever). */
	if (!(sc->flags & SPOOL_LOCKED) && seg_snapshot(fd, &st) == -1)
		goto out;
	r = 0;
	if (st.st_size == 0)
		goto out;
	sc->size = (size_t)st.st_size;
	if (!(sc->flags & SPOOL_NEWEST_FIRST)) {
		r = scan_forward(sc, fd);
		goto out;
	}
	r = -1;
	if (seg_map(sc, fd, &st) == -1)
		goto out;
	r = scan_backward(sc);
out:
	save = errno;
	if (sc->map != NULL)
		munmap((void *)(uintptr_t)sc->map, sc->size);
	sc->map = NULL;
	sc->pos.segment = NULL;		/* name is ours, gone on return */
	if (fd != -1)
		close(fd);
	errno = save;
	return r;
}

int
spool_scan(const char *dir, int flags, spool_line_fn line_fn,
    spool_bad_fn bad_fn, void *arg)
{
	struct scan	 sc;
	unsigned	*segs = NULL;
	size_t		 n = 0, i;
	int		 dirfd = -1, ret = -1, r, save;

	memset(&sc, 0, sizeof(sc));
	sc.flags = flags;
	sc.line_fn = line_fn;
	sc.bad_fn = bad_fn;
	sc.arg = arg;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1)
		goto out;
	if (seg_list(dirfd, &segs, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		r = seg_scan(dirfd, (flags & SPOOL_NEWEST_FIRST) ?
		    segs[n - 1 - i] : segs[i], &sc);
		if (r == -1)
			goto out;
		if (r == 1)
			break;
	}
	ret = 0;
out:
	save = errno;
	free(segs);
	if (dirfd != -1)
		close(dirfd);
	errno = save;
	return ret;
}

/* Segments one at a time, for readers that know where to look. */

unsigned
spool_segment_number(const char *name)
{
	return seg_number(name);
}

int
spool_segments(const char *dir, unsigned **segs, size_t *nsegs)
{
	int	dirfd, r, save;

	*segs = NULL;
	*nsegs = 0;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1)
		return -1;
	r = seg_list(dirfd, segs, nsegs);
	save = errno;
	close(dirfd);
	errno = save;
	return r;
}

int
spool_scan_segment(const char *dir, unsigned no, off_t from, int flags,
    const char *needle, spool_line_fn line_fn, spool_bad_fn bad_fn,
    void *arg)
{
	struct scan	sc;
	int		dirfd, r, save;

	memset(&sc, 0, sizeof(sc));
	sc.flags = flags;
	sc.line_fn = line_fn;
	sc.bad_fn = bad_fn;
	sc.arg = arg;
	if (from < 0 || (from > 0 && (flags & SPOOL_NEWEST_FIRST))) {
		errno = EINVAL;
		return -1;
	}
	sc.from = (size_t)from;
	if (needle != NULL && *needle != '\0') {
		if (flags & SPOOL_NEWEST_FIRST) {
			errno = EINVAL;
			return -1;
		}
		sc.needle = needle;
		sc.needlelen = strlen(needle);
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1)
		return -1;
	r = seg_scan(dirfd, no, &sc);
	save = errno;
	close(dirfd);
	errno = save;
	return r;
}

struct spool_reader {
	int		 dirfd;
	char		 segment[64];	/* of fd; "" for none */
	int		 fd;
};

struct spool_reader *
spool_reader_open(const char *dir)
{
	struct spool_reader	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fd = -1;
	if ((r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		free(r);
		return NULL;
	}
	return r;
}

void
spool_reader_close(struct spool_reader *r)
{
	int	save = errno;

	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
	close(r->dirfd);
	free(r);
	errno = save;
}

int
spool_reader_line(struct spool_reader *r, const char *segment, off_t offset,
    char **line, size_t *len)
{
	char	*buf = NULL, *nb, *nl;
	size_t	 have = 0, cap = 0;
	ssize_t	 n;
	int	 save;

	if (r->fd == -1 || strcmp(r->segment, segment) != 0) {
		if (r->fd != -1)
			close(r->fd);
		r->segment[0] = '\0';
		r->fd = openat(r->dirfd, segment, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (r->fd == -1)
			return -1;
		snprintf(r->segment, sizeof(r->segment), "%s", segment);
	}
	for (;;) {
		if (cap - have < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		n = pread(r->fd, buf + have, cap - have - 1,
		    offset + (off_t)have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		nl = memchr(buf + have, '\n', (size_t)n);
		have += (size_t)n;
		if (nl != NULL) {
			have = (size_t)(nl - buf);
			break;
		}
		if (n == 0) {
			errno = EINVAL;	/* torn: no whole line there */
			goto fail;
		}
	}
	buf[have] = '\0';
	*line = buf;
	*len = have;
	return 0;
fail:
	save = errno;
	free(buf);
	errno = save;
	return -1;
}

int
spool_read_line(const char *dir, const char *segment, off_t offset,
    char **line, size_t *len)
{
	struct spool_reader	*r;
	int			 ret;

	if ((r = spool_reader_open(dir)) == NULL)
		return -1;
	ret = spool_reader_line(r, segment, offset, line, len);
	spool_reader_close(r);
	return ret;
}

/*
 * Retention: unlink a whole segment and sync the directory.  Never the
 * newest one, which writers may hold open: EBUSY.
 */
int
spool_remove_segment(const char *dir, unsigned no)
{
	char		 name[32];
	unsigned	*segs = NULL;
	size_t		 n = 0;
	int		 dirfd = -1, ret = -1, save;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1)
		goto out;
	if (seg_list(dirfd, &segs, &n) == -1)
		goto out;
	if (n == 0 || no >= segs[n - 1]) {
		errno = EBUSY;
		goto out;
	}
	seg_name(name, sizeof(name), no);
	if (unlinkat(dirfd, name, 0) == -1 || fsync(dirfd) == -1)
		goto out;
	ret = 0;
out:
	save = errno;
	free(segs);
	if (dirfd != -1)
		close(dirfd);
	errno = save;
	return ret;
}
