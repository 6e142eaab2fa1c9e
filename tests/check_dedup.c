/*
 * check_dedup: the dedup index.  The pure table (find, expiry, a full
 * set forgetting the key that expires first, hostile and damaged
 * bytes) and the file beside a real spool: made anew from the spool
 * when missing, damaged or resized, and the catch-up scan that finds
 * a record whose writer died before making its entry.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dedup.h"
#include "event.h"
#include "header.h"
#include "record.h"
#include "spool.h"
#include "check_run.h"
#include "check_util.h"

#define NOW	((int64_t)1764900000 * 1000000)
#define HOUR	((int64_t)3600 * 1000000)
#define ID1	"01a243fc-2d9a-73f6-849d-d2db1c85db49"
#define ID2	"01a243fc-2faf-7666-b384-789af1f818f2"

static const uint8_t salt[16] = "0123456789abcdef";

static void *
table_new(uint32_t nsets)
{
	void	*buf = calloc(1, dedup_table_size(nsets));

	ck_assert_ptr_nonnull(buf);
	dedup_table_init(buf, nsets, salt);
	ck_assert_int_eq(dedup_table_valid(buf, dedup_table_size(nsets),
	    nsets), 1);
	return buf;
}

START_TEST(test_find_and_expire)
{
	void			*t = table_new(4);
	struct dedup_hit	 hit;

	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW, &hit), 0);
	ck_assert_int_eq(dedup_table_add(t, "gh", "k1", ID1, NOW,
	    NOW + HOUR, 3, 1234), 0);
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW + 1, &hit), 1);
	ck_assert_str_eq(hit.id, ID1);
	ck_assert_uint_eq(hit.segno, 3);
	ck_assert_int_eq(hit.end, 1234);
	/* Another endpoint's key, another key, the end of the window. */
	ck_assert_int_eq(dedup_table_find(t, "gl", "k1", NOW, &hit), 0);
	ck_assert_int_eq(dedup_table_find(t, "gh", "k2", NOW, &hit), 0);
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW + HOUR, &hit),
	    0);
	/* A second entry of a live key changes nothing. */
	ck_assert_int_eq(dedup_table_add(t, "gh", "k1", ID2, NOW,
	    NOW + HOUR, 4, 1), 0);
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW, &hit), 1);
	ck_assert_str_eq(hit.id, ID1);
	/* Once expired, the key is new again. */
	ck_assert_int_eq(dedup_table_add(t, "gh", "k1", ID2, NOW + HOUR,
	    NOW + 2 * HOUR, 4, 1), 0);
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW + HOUR, &hit),
	    1);
	ck_assert_str_eq(hit.id, ID2);
	/* A bad id is refused. */
	ck_assert_int_eq(dedup_table_add(t, "gh", "k3", "nope", NOW,
	    NOW + HOUR, 1, 1), -1);
	free(t);
}
END_TEST

START_TEST(test_full_set_forgets_oldest)
{
	void			*t = table_new(1);
	struct dedup_hit	 hit;
	char			 key[32];
	int			 i, forgot = 0;

	ck_assert_uint_eq(dedup_table_sets(8), 1);
	for (i = 0; i < DEDUP_WAYS + 2; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		forgot += dedup_table_add(t, "gh", key, ID1, NOW + i,
		    NOW + HOUR + i, 1, 1);
	}
	ck_assert_int_eq(forgot, 2);
	ck_assert_int_eq(dedup_table_find(t, "gh", "key-0", NOW, &hit), 0);
	ck_assert_int_eq(dedup_table_find(t, "gh", "key-1", NOW, &hit), 0);
	for (i = 2; i < DEDUP_WAYS + 2; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		ck_assert_int_eq(dedup_table_find(t, "gh", key, NOW, &hit), 1);
	}
	free(t);
}
END_TEST

START_TEST(test_hostile_header)
{
	void		*t = table_new(2);
	size_t		 len = dedup_table_size(2);
	unsigned char	*b = t;
	size_t		 i;

	ck_assert_int_eq(dedup_table_valid(t, len, 4), 0);	/* resized */
	ck_assert_int_eq(dedup_table_valid(t, len - 1, 2), 0);
	ck_assert_int_eq(dedup_table_valid(t, 10, 2), 0);
	ck_assert_int_eq(dedup_table_valid(t, len, 0), 0);
	/* Any byte of the header changed: not a table. */
	for (i = 0; i < 64; i++) {
		b[i] ^= 0x40;
		ck_assert_int_eq(dedup_table_valid(t, len, 2), 0);
		b[i] ^= 0x40;
	}
	ck_assert_int_eq(dedup_table_valid(t, len, 2), 1);
	memset(t, 0, len);
	ck_assert_int_eq(dedup_table_valid(t, len, 2), 0);
	free(t);
}
END_TEST

START_TEST(test_damaged_slots)
{
	void			*t = table_new(1);
	unsigned char		*b = t;
	struct dedup_hit	 hit;
	size_t			 len = dedup_table_size(1), i;

	ck_assert_int_eq(dedup_table_add(t, "gh", "k1", ID1, NOW,
	    NOW + HOUR, 1, 1), 0);
	/* One byte of the slot changed past its key's hash and expiry
	 * (the record's end): the slot no longer answers for the key. */
	for (i = 0; i < DEDUP_WAYS; i++)
		if (b[64 + i * 64 + 40] == 1)
			break;
	ck_assert_uint_lt(i, DEDUP_WAYS);
	b[64 + i * 64 + 40] ^= 0x10;
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW, &hit), 0);
	b[64 + i * 64 + 40] ^= 0x10;
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW, &hit), 1);
	/* Garbage over every slot: read as empty, never a match, and
	 * the set takes keys again without forgetting any. */
	for (i = 64; i < len; i++)
		b[i] = (unsigned char)(i * 131 + 7);
	ck_assert_int_eq(dedup_table_find(t, "gh", "k1", NOW, &hit), 0);
	for (i = 0; i < DEDUP_WAYS; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_int_eq(dedup_table_add(t, "gh", key, ID2, NOW,
		    NOW + HOUR, 1, 1), 0);
	}
	ck_assert_int_eq(dedup_table_find(t, "gh", "k3", NOW, &hit), 1);
	ck_assert_str_eq(hit.id, ID2);
	free(t);
}
END_TEST

/* The file, beside a spool. */

static int64_t
window_hour(const char *endpoint, void *arg)
{
	(void)arg;
	return strcmp(endpoint, "gh") == 0 ? HOUR : 0;
}

/* An event record of endpoint gh with this key and id. */
static char *
keyed_record(const char *key, const char *id, int64_t at, size_t *len)
{
	struct header_list	hl;
	struct event		ev;
	char			*rec;

	memset(&hl, 0, sizeof(hl));
	memset(&ev, 0, sizeof(ev));
	memcpy(ev.id, id, sizeof(ev.id));
	ev.received_us = at;
	ev.endpoint = "gh";
	ev.path = "/hooks/gh";
	ev.method = "POST";
	ev.headers = &hl;
	ev.body = (const unsigned char *)"{}";
	ev.body_len = 2;
	ev.verification = "none ok";
	ev.dedup_key = key;
	rec = record_event_encode(&ev, len);
	ck_assert_ptr_nonnull(rec);
	/* Before "handlers" and "replay_of", which readers find last. */
	ck_assert_ptr_nonnull(strstr(rec, "\"dedup_key\":\""));
	ck_assert_ptr_nonnull(strstr(rec, "\",\"handlers\":[]"));
	ck_assert(strstr(rec, "\"dedup_key\":\"") <
	    strstr(rec, ",\"handlers\":[]"));
	return rec;
}

/* Append it (as a writer that dies before its entry would). */
static void
append_keyed(struct spool *sp, const char *key, const char *id,
    int64_t at, unsigned *segno, off_t *end)
{
	char	*rec;
	size_t	 len;
	off_t	 off;

	rec = keyed_record(key, id, at, &len);
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	spool_last(sp, segno, &off);
	*end = off + (off_t)len;
	free(rec);
}

/*
 * A keyed event through the spool's gate, as wh-receive makes it: the
 * probe made before the lock, the look-up under it and, unless the key
 * is there, the append and the entry.  Without an id, a look-up only:
 * nothing is written.
 */
struct keyed {
	struct dedup		*d;
	struct dedup_probe	 probe;
	const char		*id;
	int64_t			 now;
	struct dedup_hit	 hit;
	int			 found;
};

static int
keyed_check(void *arg, unsigned segno, off_t size)
{
	struct keyed	*k = arg;

	if (dedup_sync(k->d, segno, size, k->now, window_hour, NULL,
	    HOUR) == -1)
		return -1;
	k->found = dedup_find(k->d, &k->probe, k->now, &k->hit);
	return k->id == NULL ? 1 : k->found;
}

static void
keyed_done(void *arg, unsigned segno, off_t end)
{
	struct keyed	*k = arg;

	(void)dedup_add(k->d, &k->probe, k->id, k->now, k->now + HOUR,
	    segno, end);
}

/* A look-up with a probe made before (a record that is never written). */
static int
look_probe(struct spool *sp, struct keyed *k, struct dedup_hit *hit)
{
	struct spool_gate	g = { keyed_check, keyed_done, k };

	k->id = NULL;
	ck_assert_int_eq(spool_append_gated(sp, "{}\n", 3, &g), 1);
	*hit = k->hit;
	return k->found;
}

static int
lock_find(struct spool *sp, struct dedup *d, const char *key, int64_t now,
    struct dedup_hit *hit)
{
	struct keyed	k = { .d = d, .now = now };

	ck_assert_int_eq(dedup_prepare(d, &k.probe, "gh", key, now), 0);
	return look_probe(sp, &k, hit);
}

/* A keyed event through the gate, with an id: 0 appended, 1 a
 * duplicate, -1 refused. */
static int
gate_keyed(struct spool *sp, struct dedup *d, const char *key, int64_t now)
{
	struct keyed		 k = { .d = d, .now = now };
	struct spool_gate	 g = { keyed_check, keyed_done, &k };
	char			 id[EVENT_ID_LEN + 1], *rec;
	size_t			 len;
	int			 r;

	ck_assert_int_eq(event_id_new(id, now), 0);
	k.id = id;
	if (dedup_prepare(d, &k.probe, "gh", key, now) == -1)
		return -1;
	rec = keyed_record(key, id, now, &len);
	r = spool_append_gated(sp, rec, len, &g);
	free(rec);
	return r;
}

/*
 * Of the pages of this process's mapping of the index, how many are in
 * its page table (/proc/self/pagemap, bit 63); the mapping's pages in
 * *total.
 */
static long
index_pages_in(long *total)
{
	FILE		*f = fopen("/proc/self/maps", "r");
	char		 line[512];
	unsigned long	 lo = 0, hi = 0, a, b;
	uint64_t	 e;
	long		 pg = sysconf(_SC_PAGESIZE), in = 0;
	int		 fd;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) > 7 &&
		    strcmp(line + strlen(line) - 7, "/" DEDUP_FILE) == 0 &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2)
			lo = a, hi = b;
	}
	fclose(f);
	ck_assert_msg(hi > lo, "the index is not mapped");
	*total = (long)(hi - lo) / pg;
	fd = open("/proc/self/pagemap", O_RDONLY);
	ck_assert_int_ne(fd, -1);
	for (a = lo; a < hi; a += (unsigned long)pg) {
		ck_assert_int_eq(pread(fd, &e, sizeof(e), (off_t)(a / pg * 8)),
		    sizeof(e));
		in += (long)(e >> 63);
	}
	close(fd);
	return in;
}

/*
 * The index file is sparse, and a page of it that cannot be backed (a
 * full disk; here, the file cut short under the mapping) must refuse
 * the event, not raise SIGBUS in the process.  A resident index has all
 * its pages in at once: entering keys costs no page fault.
 */
START_TEST(test_pages_backed)
{
	char		*dir = tmpdir_new("check_dedup"), *p, key[32];
	struct spool	*sp;
	struct dedup	*d;
	struct dedup_hit hit;
	void		*probe;
	int64_t		 now = (int64_t)time(NULL) * 1000000;
	long		 total;
	int		 i, refused = 0, supported;

	probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(probe, MAP_FAILED);
	supported = madvise(probe, 4096, MADV_POPULATE_WRITE) == 0;
	munmap(probe, 4096);
	if (!supported) {
		fprintf(stderr, "check_dedup: SKIP backed pages: this kernel "
		    "has no MADV_POPULATE_WRITE\n");
		tmpdir_rm(dir);
		return;
	}
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	d = dedup_open(dir, 100000);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(lock_find(sp, d, "made", now, &hit), 0);
	/* Cut to its first page behind the mapping (checked again only
	 * a second later): keys whose set is past it are refused. */
	p = path_of(dir, DEDUP_FILE);
	ck_assert_int_eq(truncate(p, 4096), 0);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "cut-%d", i);
		errno = 0;
		if (gate_keyed(sp, d, key, now) == -1) {
			ck_assert_int_eq(errno, ENOSPC);
			refused++;
		}
	}
	ck_assert_int_ge(refused, 40);
	/* A second on, the file is checked, made anew, and used. */
	ck_assert_int_eq(gate_keyed(sp, d, "cut-0", now + 1000000), 0);
	ck_assert_int_eq(gate_keyed(sp, d, "cut-0", now + 1000000), 1);
	/* Pages come in as keys are entered... */
	ck_assert_int_lt(index_pages_in(&total), total / 2);
	dedup_close(d);
	/* ...or, resident, all at once. */
	d = dedup_open(dir, 100000);
	ck_assert_ptr_nonnull(d);
	dedup_set_resident(d, 1);
	ck_assert_int_eq(lock_find(sp, d, "cut-0", now + 1000000, &hit), 1);
	ck_assert_int_eq(index_pages_in(&total), total);
	ck_assert_int_ge(total, 2048);
	dedup_close(d);
	spool_close(sp);
	free(p);
	tmpdir_rm(dir);
}
END_TEST

#define RACE_KEYS	200

/* One of two writers racing through the same keys. */
static int
race_child(const char *dir, off_t segsize, int64_t now)
{
	struct spool		*sp;
	struct dedup		*d;
	struct keyed		 k;
	struct spool_gate	 g = { keyed_check, keyed_done, &k };
	char			 key[32], id[EVENT_ID_LEN + 1], *rec;
	size_t			 len;
	int			 i, r;

	if ((sp = spool_open(dir, FSYNC_NEVER)) == NULL ||
	    (d = dedup_open(dir, 1000)) == NULL)
		return 1;
	spool_set_segment_size(sp, segsize);
	for (i = 0; i < RACE_KEYS; i++) {
		snprintf(key, sizeof(key), "race-%d", i);
		if (event_id_new(id, now) == -1)
			return 2;
		k = (struct keyed){ .d = d, .id = id, .now = now };
		if (dedup_prepare(d, &k.probe, "gh", key, now) == -1)
			return 4;
		rec = keyed_record(key, id, now, &len);
		r = spool_append_gated(sp, rec, len, &g);
		free(rec);
		if (r == -1)
			return 3;
	}
	dedup_close(d);
	spool_close(sp);
	return 0;
}

static int
count_key(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	int		*seen = arg;
	const char	*k = memmem(line, len, "\"dedup_key\":\"race-", 18);

	(void)pos;
	if (k != NULL)
		seen[atoi(k + 18)]++;
	return 0;
}

/*
 * Two writers append the same keys at once, one of them counting a much
 * smaller segment as full (as after a change of segment_size): every
 * key makes one event.
 */
START_TEST(test_race_one_event_per_key)
{
	char		*dir = tmpdir_new("check_dedup");
	int		 seen[RACE_KEYS], i, round, st;
	int64_t		 now = (int64_t)time(NULL) * 1000000;
	pid_t		 pid[2];
	unsigned	*segs;
	size_t		 nsegs;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 2; i++) {
			pid[i] = fork();
			ck_assert_int_ne(pid[i], -1);
			if (pid[i] == 0)
				_exit(race_child(dir, i == 0 ? 4096 : 1 << 20,
				    now + round * HOUR * 2));
		}
		for (i = 0; i < 2; i++) {
			ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
			ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			    "writer %d: status %d", i, st);
		}
	}
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(spool_scan(dir, 0, count_key, NULL, seen), 0);
	/* Each round's keys are new again: its window starts after the
	 * last round's ended. */
	for (i = 0; i < RACE_KEYS; i++)
		ck_assert_msg(seen[i] == 3, "key race-%d: %d events", i,
		    seen[i]);
	/* The small segment size moved both writers on, more than once. */
	ck_assert_int_eq(spool_segments(dir, &segs, &nsegs), 0);
	ck_assert_uint_gt(nsegs, 3);
	free(segs);
	tmpdir_rm(dir);
}
END_TEST

static void
write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char	*p = path_of(dir, name);
	int	 fd;

	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(p);
}

START_TEST(test_file_rebuilt)
{
	char			*dir = tmpdir_new("check_dedup");
	struct spool		*sp;
	struct dedup		*d, *d2;
	struct dedup_hit	 hit;
	struct keyed		 stale;
	unsigned long		 forgot, rebuilt;
	unsigned		 segno;
	off_t			 end;
	int64_t			 now;
	char			*p;

	/* The window is measured against the segments' mtime: now. */
	now = (int64_t)time(NULL) * 1000000;
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	append_keyed(sp, "delivery-1", ID1, now, &segno, &end);
	d = dedup_open(dir, 100);
	ck_assert_ptr_nonnull(d);
	/* No index: made from the spool. */
	ck_assert_int_eq(lock_find(sp, d, "delivery-1", now, &hit), 1);
	ck_assert_str_eq(hit.id, ID1);
	ck_assert_int_eq(hit.end, end);
	dedup_stats(d, &forgot, &rebuilt);
	ck_assert_uint_eq(rebuilt, 1);
	/* A writer that died after its append: the catch-up finds it. */
	append_keyed(sp, "delivery-2", ID2, now, &segno, &end);
	ck_assert_int_eq(lock_find(sp, d, "delivery-2", now, &hit), 1);
	ck_assert_str_eq(hit.id, ID2);
	dedup_stats(d, &forgot, &rebuilt);
	ck_assert_uint_eq(rebuilt, 0);
	/* Damaged: garbage of the right size, then a short file. */
	p = calloc(1, dedup_table_size(dedup_table_sets(100)));
	ck_assert_ptr_nonnull(p);
	memset(p, 'x', dedup_table_size(dedup_table_sets(100)));
	write_file(dir, DEDUP_FILE, p, dedup_table_size(dedup_table_sets(100)));
	free(p);
	ck_assert_int_eq(lock_find(sp, d, "delivery-1", now, &hit), 1);
	ck_assert_int_eq(lock_find(sp, d, "delivery-2", now, &hit), 1);
	write_file(dir, DEDUP_FILE, "HSDEDUP2", 8);
	ck_assert_int_eq(lock_find(sp, d, "delivery-2", now, &hit), 1);
	ck_assert_str_eq(hit.id, ID2);
	/* Deleted while open: the new file is the one used, from the
	 * first look-up a second after the last check. */
	p = path_of(dir, DEDUP_FILE);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(lock_find(sp, d, "delivery-1", now, &hit), 1);
	ck_assert_int_eq(access(p, F_OK), -1);
	ck_assert_int_eq(lock_find(sp, d, "delivery-1", now + 1000000, &hit),
	    1);
	ck_assert_int_eq(access(p, F_OK), 0);
	free(p);
	/* A key hashed before the lock under a salt that a rebuild by
	 * another writer then replaced: hashed anew under the lock. */
	d2 = dedup_open(dir, 100);
	ck_assert_ptr_nonnull(d2);
	stale = (struct keyed){ .d = d, .now = now };
	ck_assert_int_eq(dedup_prepare(d, &stale.probe, "gh", "delivery-2",
	    now), 0);
	p = calloc(1, dedup_table_size(dedup_table_sets(100)));
	ck_assert_ptr_nonnull(p);
	write_file(dir, DEDUP_FILE, p, dedup_table_size(dedup_table_sets(100)));
	free(p);
	ck_assert_int_eq(lock_find(sp, d2, "delivery-1", now, &hit), 1);
	ck_assert_int_eq(look_probe(sp, &stale, &hit), 1);
	ck_assert_str_eq(hit.id, ID2);
	dedup_close(d2);
	/* Another size (dedup_max_keys changed): made anew, keys kept. */
	dedup_close(d);
	d = dedup_open(dir, 100000);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(lock_find(sp, d, "delivery-1", now, &hit), 1);
	ck_assert_str_eq(hit.id, ID1);
	dedup_stats(d, &forgot, &rebuilt);
	ck_assert_uint_eq(rebuilt, 1);
	/* Outside the window: new. */
	ck_assert_int_eq(lock_find(sp, d, "delivery-1", now + HOUR, &hit), 0);
	dedup_close(d);
	spool_close(sp);
	tmpdir_rm(dir);
}
END_TEST

static Suite *
dedup_suite(void)
{
	Suite	*s = suite_create("dedup");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_find_and_expire);
	tcase_add_test(tc, test_full_set_forgets_oldest);
	tcase_add_test(tc, test_hostile_header);
	tcase_add_test(tc, test_damaged_slots);
	tcase_add_test(tc, test_race_one_event_per_key);
	tcase_add_test(tc, test_file_rebuilt);
	tcase_add_test(tc, test_pages_backed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(dedup_suite());
}
