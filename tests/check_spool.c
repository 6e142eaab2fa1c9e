/*
 * check_spool: the spool's promises, each against real files in a
 * fresh directory under $TMPDIR (/tmp): concurrent appends from many
 * processes, a crash at every byte of a record, a full disk, rotation,
 * modes and hostile segment content, read back as readers do
 * (record_scan(), record_find()).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "record.h"
#include "spool.h"
#include "check_run.h"
#include "check_util.h"

#define SEG1	"seg-00000001.jsonl"

/* Helpers: scratch directories and files. */

static char *
tmpdir_spool(void)
{
	return tmpdir_new("check_spool");
}

static void
file_write(const char *dir, const char *name, const void *data, size_t len)
{
	char	*p = path_of(dir, name);

	file_put(p, data, len, 0600);
	free(p);
}

/* The whole file in a malloc'd buffer (NUL-terminated), or NULL. */
static char *
file_read(const char *dir, const char *name, size_t *len)
{
	char	*p = path_of(dir, name), *buf;

	buf = file_slurp(p, len);
	free(p);
	return buf;
}

static off_t
file_size(const char *dir, const char *name)
{
	char		*p = path_of(dir, name);
	struct stat	 st;
	int		 r;

	r = stat(p, &st);
	free(p);
	return r == 0 ? st.st_size : -1;
}

static int
dir_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	for (de = readdir(d); de != NULL; de = readdir(d)) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
append_str(struct spool *sp, const char *rec)
{
	ck_assert_msg(spool_append(sp, rec, strlen(rec)) == 0,
	    "append: %s", strerror(errno));
}

/* Helpers: collecting a scan. */

struct seen_line {
	char	*text;
	size_t	 len;
	char	 segment[32];
	off_t	 offset;
};

struct seen_bad {
	char	 segment[32];
	off_t	 offset;
	char	 reason[64];
};

struct seen {
	struct seen_line	*lines;
	size_t			 nlines, cap;
	struct seen_bad		*bad;
	size_t			 nbad, badcap;
	size_t			 stop_after;	/* 0: never */
};

static int
seen_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct seen	*s = arg;
	struct seen_line *l;

	if (s->nlines == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->lines = realloc(s->lines, s->cap * sizeof(*s->lines));
		ck_assert_ptr_nonnull(s->lines);
	}
	l = &s->lines[s->nlines++];
	l->text = malloc(len + 1);
	ck_assert_ptr_nonnull(l->text);
	memcpy(l->text, line, len);
	l->text[len] = '\0';
	l->len = len;
	snprintf(l->segment, sizeof(l->segment), "%s", pos->segment);
	l->offset = pos->offset;
	return s->stop_after != 0 && s->nlines == s->stop_after;
}

static void
seen_bad(const struct spool_pos *pos, const char *reason, void *arg)
{
	struct seen	*s = arg;
	struct seen_bad	*b;

	if (s->nbad == s->badcap) {
		s->badcap = s->badcap ? s->badcap * 2 : 16;
		s->bad = realloc(s->bad, s->badcap * sizeof(*s->bad));
		ck_assert_ptr_nonnull(s->bad);
	}
	b = &s->bad[s->nbad++];
	snprintf(b->segment, sizeof(b->segment), "%s", pos->segment);
	b->offset = pos->offset;
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
}

static void
seen_free(struct seen *s)
{
	size_t	i;

	for (i = 0; i < s->nlines; i++)
		free(s->lines[i].text);
	free(s->lines);
	free(s->bad);
	memset(s, 0, sizeof(*s));
}

/* Read the spool as its readers do: records only, through record_scan(). */
static void
scan(const char *dir, int flags, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	ck_assert_msg(record_scan(dir, flags, seen_line, seen_bad, s) == 0,
	    "scan: %s", strerror(errno));
}

/* Helpers: child processes that report by exit status. */

static int
wait_child(pid_t pid)
{
	int	status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died of signal %d",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

/* Opening. */

START_TEST(test_open_missing)
{
	char		*dir = tmpdir_spool(), *missing = path_of(dir, "nope");
	struct seen	 s;

	errno = 0;
	ck_assert_ptr_null(spool_open(missing, FSYNC_NEVER));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(spool_scan(missing, 0, seen_line, seen_bad, &s), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(dir_entries(dir), 0);
	free(missing);
	tmpdir_rm(dir);
}
END_TEST

/* A spool moved away under an open writer is no longer written to. */
START_TEST(test_dir_moved_away)
{
	char		*dir = tmpdir_spool(), *away = NULL;
	struct spool	*sp;
	struct seen	 s;
	const char	 rec[] = "{\"type\":\"event\",\"id\":\"a\"}\n";

	ck_assert_int_gt(asprintf(&away, "%s.away", dir), 0);
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	ck_assert_int_eq(rename(dir, away), 0);
	errno = 0;
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(rename(away, dir), 0);
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	spool_close(sp);
	scan(dir, 0, &s);
	ck_assert_int_eq(s.nlines, 2);
	ck_assert_int_eq(s.nbad, 0);
	seen_free(&s);
	free(away);
	tmpdir_rm(dir);
}
END_TEST

START_TEST(test_open_loose_dir)
{
	char		*dir = tmpdir_spool();
	struct spool	*sp;

	ck_assert_int_eq(chmod(dir, 0770), 0);
	errno = 0;
	ck_assert_ptr_null(spool_open(dir, FSYNC_NEVER));
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(chmod(dir, 0702), 0);
	ck_assert_ptr_null(spool_open(dir, FSYNC_NEVER));
	ck_assert_int_eq(dir_entries(dir), 0);
	/* Readable by others is the operator's business: files are 0600. */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_close(sp);
	tmpdir_rm(dir);
}
END_TEST

/*
 * A spool directory opened to its group after the writer opened it
 * gets nothing more once appends move to the next segment: the append
 * fails (EPERM) and no segment is made there.  Made safe again, the
 * same writer goes on.
 */
START_TEST(test_loose_dir_at_switch)
{
	char		*dir = tmpdir_spool();
	struct spool	*sp;
	const char	 rec[] = "{\"type\":\"event\",\"id\":\"a\"}\n";

	sp = spool_open(dir, FSYNC_ALWAYS);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 1);		/* each record fills one */
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	ck_assert_int_eq(chmod(dir, 0770), 0);
	errno = 0;
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(file_size(dir, "seg-00000002.jsonl"), -1);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	ck_assert_int_eq(file_size(dir, "seg-00000002.jsonl"),
	    (off_t)sizeof(rec) - 1);
	/* Given to another user: the same (only root can do that here). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		errno = 0;
		ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), -1);
		ck_assert_int_eq(errno, EPERM);
		ck_assert_int_eq(file_size(dir, "seg-00000003.jsonl"), -1);
		ck_assert_int_eq(chown(dir, 0, 0), 0);
	}
	spool_close(sp);
	tmpdir_rm(dir);
}
END_TEST

/* The reason spool_dir_check() gives, or "" if it finds none. */
static const char *
dir_check(const char *dir, int *err)
{
	static char	why[256];

	why[0] = '\0';
	errno = 0;
	*err = spool_dir_check(dir, why, sizeof(why)) == 0 ? 0 : errno;
	return why;
}

START_TEST(test_dir_check)
{
	char	*dir = tmpdir_spool(), *missing = path_of(dir, "nope");
	char	*file = path_of(dir, "file");
	int	 err;

	ck_assert_str_eq(dir_check(dir, &err), "");
	ck_assert_int_eq(err, 0);
	ck_assert_str_eq(dir_check(missing, &err), "does not exist");
	ck_assert_int_eq(err, ENOENT);
	file_write(dir, "file", "x", 1);
	ck_assert_str_eq(dir_check(file, &err), "not a directory");
	ck_assert_int_eq(err, ENOTDIR);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_str_eq(dir_check(dir, &err), "mode 0777 is writable by "
	    "group or others (chmod go-w)");
	ck_assert_int_eq(err, EPERM);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_str_eq(dir_check(dir, &err), "");
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_str_eq(dir_check(dir, &err), "owned by uid 65534, "
		    "not by this user (uid 0)");
		ck_assert_int_eq(err, EPERM);
		ck_assert_int_eq(chown(dir, 0, 0), 0);
	} else {
		/* Root may write anything: only others can see this. */
		ck_assert_int_eq(chmod(dir, 0500), 0);
		ck_assert_str_eq(dir_check(dir, &err), "not writable by this "
		    "user: Permission denied");
		ck_assert_int_eq(err, EACCES);
		ck_assert_int_eq(chmod(dir, 0700), 0);
	}
	free(missing);
	free(file);
	tmpdir_rm(dir);
}
END_TEST

/*
 * A read-only spool directory.  Root ignores permission bits, so as
 * root the child drops to nobody (65534) and the directory is given to
 * nobody; as anyone else the bits alone do it.
 */
/* As root, become uid 65534 (a child's): -1 if that fails. */
static int
drop_root(void)
{
	if (getuid() == 0 && (setgroups(0, NULL) == -1 ||
	    setgid(65534) == -1 || setuid(65534) == -1))
		return -1;
	return 0;
}

static int
readonly_child(const char *dir)
{
	struct spool	*sp;

	if (drop_root() == -1)
		return 77;
	if (access(dir, W_OK) == 0)
		return 78;			/* still writable: no test */
	sp = spool_open(dir, FSYNC_NEVER);
	if (sp == NULL)
		return errno == EACCES || errno == EPERM ? 0 : 1;
	if (spool_append(sp, "{\"x\":1}\n", 8) == 0)
		return 2;
	spool_close(sp);
	return 0;
}

static void
readonly_case(const char *dir)
{
	pid_t	pid;
	int	rc;

	if (getuid() == 0)
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	ck_assert_int_eq(chmod(dir, 0500), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(readonly_child(dir));
	rc = wait_child(pid);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	if (rc == 77 || rc == 78) {
		fprintf(stderr, "check_spool: SKIP read-only directory: %s\n",
		    rc == 77 ? "cannot drop to uid 65534" :
		    "directory writable despite mode 0500");
		return;
	}
	ck_assert_msg(rc == 0, "read-only spool accepted a record (%d)", rc);
}

START_TEST(test_open_readonly)
{
	char	*dir = tmpdir_spool(), *seg, *after;
	size_t	 alen;

	/* An empty read-only spool: no segment can be made. */
	readonly_case(dir);
	ck_assert_int_eq(dir_entries(dir), 0);

	/* A read-only spool with a read-only segment: nothing written. */
	file_write(dir, SEG1, "{\"a\":1}\n", 8);
	seg = path_of(dir, SEG1);
	ck_assert_int_eq(chmod(seg, 0400), 0);
	if (getuid() == 0)
		ck_assert_int_eq(chown(seg, 65534, 65534), 0);
	free(seg);
	readonly_case(dir);
	after = file_read(dir, SEG1, &alen);
	ck_assert_str_eq(after, "{\"a\":1}\n");
	ck_assert_int_eq(dir_entries(dir), 1);
	free(after);
	tmpdir_rm(dir);
}
END_TEST

START_TEST(test_append_rejects_non_lines)
{
	char		*dir = tmpdir_spool();
	struct spool	*sp;

	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	errno = 0;
	ck_assert_int_eq(spool_append(sp, "", 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(spool_append(sp, "{}", 2), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(spool_append(sp, "{}\n{}\n", 6), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(file_size(dir, SEG1), 0);
	spool_close(sp);
	tmpdir_rm(dir);
}
END_TEST

/*
 * A batch: nothing is written until spool_batch_write(), then every
 * record at once, in order; a reader gets each back at its offset.
 */
START_TEST(test_batch_and_reader)
{
	char			*dir = tmpdir_spool(), *line;
	struct spool		*sp;
	struct spool_reader	*r;
	size_t			 len;

	sp = spool_open(dir, FSYNC_ALWAYS);
	ck_assert_ptr_nonnull(sp);
	append_str(sp, "{\"n\":0}\n");
	spool_batch(sp);
	append_str(sp, "{\"n\":1}\n");
	append_str(sp, "{\"n\":22}\n");
	errno = 0;
	ck_assert_int_eq(spool_append(sp, "{}\n{}\n", 6), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(file_size(dir, SEG1), 8);
	ck_assert_int_eq(spool_batch_write(sp), 0);
	ck_assert_int_eq(file_size(dir, SEG1), 8 + 8 + 9);
	/* After the write, appends are written at once again. */
	append_str(sp, "{\"n\":3}\n");
	ck_assert_int_eq(file_size(dir, SEG1), 33);
	/* An empty batch writes nothing. */
	spool_batch(sp);
	ck_assert_int_eq(spool_batch_write(sp), 0);
	ck_assert_int_eq(file_size(dir, SEG1), 33);
	spool_close(sp);

	r = spool_reader_open(dir);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(spool_reader_line(r, SEG1, 16, &line, &len), 0);
	ck_assert_str_eq(line, "{\"n\":22}");
	ck_assert_uint_eq(len, 8);
	free(line);
	ck_assert_int_eq(spool_reader_line(r, SEG1, 8, &line, &len), 0);
	ck_assert_str_eq(line, "{\"n\":1}");
	free(line);
	errno = 0;
	ck_assert_int_eq(spool_reader_line(r, SEG1, 33, &line, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(spool_reader_line(r, "seg-00000009.jsonl", 0, &line,
	    &len), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* and on after a failure */
	ck_assert_int_eq(spool_reader_line(r, SEG1, 0, &line, &len), 0);
	ck_assert_str_eq(line, "{\"n\":0}");
	free(line);
	spool_reader_close(r);
	tmpdir_rm(dir);
}
END_TEST

/* Modes and names. */

static void
modes_case(mode_t mask)
{
	char		*dir = tmpdir_spool(), *p, name[32];
	struct spool	*sp;
	struct stat	 st;
	mode_t		 old;
	int		 i;

	old = umask(mask);
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 10);
	for (i = 0; i < 3; i++)
		append_str(sp, "{\"n\":\"0123456789\"}\n");
	spool_close(sp);
	umask(old);
	ck_assert_int_eq(dir_entries(dir), 3);
	for (i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "seg-%08d.jsonl", i);
		p = path_of(dir, name);
		ck_assert_msg(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
		/* The full ones sealed, the newest open to appends. */
		ck_assert_msg((st.st_mode & 07777) == (i < 3 ? 0400 : 0600),
		    "%s: mode %o under umask %03o", p,
		    (unsigned)(st.st_mode & 07777), (unsigned)mask);
		ck_assert(S_ISREG(st.st_mode));
		ck_assert_int_eq(st.st_size, 19);
		free(p);
	}
	tmpdir_rm(dir);
}

START_TEST(test_modes_and_names)
{
	modes_case(0);
	modes_case(0277);	/* open(0600) alone would give 0400 */
	modes_case(022);
}
END_TEST

/* Concurrent appends from many processes. */

#define LINE_MAX_PAD	6000	/* longer than PIPE_BUF */

static int
writer_run(const char *dir, enum fsync_mode fm, off_t segsize, int w,
    int n)
{
	struct spool	*sp;
	char		*buf;
	int		 seq, pad, len;

	buf = malloc(LINE_MAX_PAD + 100);
	sp = spool_open(dir, fm);
	if (sp == NULL || buf == NULL)
		return 1;
	if (segsize > 0)
		spool_set_segment_size(sp, segsize);
	for (seq = 0; seq < n; seq++) {
		pad = (w * 7919 + seq * 104729) % 97 == 0 ?
		    LINE_MAX_PAD - 1 : (seq * 31 + w) % 300;
		len = snprintf(buf, LINE_MAX_PAD + 100,
		    "{\"w\":%d,\"s\":%d,\"pad\":\"%0*d\"}\n", w, seq, pad, 0);
		if (spool_append(sp, buf, (size_t)len) == -1)
			return 2;
	}
	spool_close(sp);
	free(buf);
	return 0;
}

static void
writers_run(const char *dir, enum fsync_mode fm, off_t segsize,
    int nwriters, int n)
{
	pid_t	pid[16];
	int	w, rc;

	ck_assert_int_le(nwriters, 16);
	for (w = 0; w < nwriters; w++) {
		pid[w] = fork();
		ck_assert_int_ne(pid[w], -1);
		if (pid[w] == 0)
			_exit(writer_run(dir, fm, segsize, w, n));
	}
	for (w = 0; w < nwriters; w++) {
		rc = wait_child(pid[w]);
		ck_assert_msg(rc == 0, "writer %d failed (%d)", w, rc);
	}
}

/*
 * Every (writer, seq) exactly once, every line whole, and each writer's
 * records in the order it wrote them.
 */
static void
writers_check(const struct seen *s, int nwriters, int n, int reversed)
{
	unsigned char	*hit;
	int		 w, seq, pad, last[16], i, k;
	size_t		 j;
	char		 tail;

	ck_assert_uint_eq(s->nbad, 0);
	ck_assert_uint_eq(s->nlines, (size_t)(nwriters * n));
	hit = calloc((size_t)(nwriters * n), 1);
	ck_assert_ptr_nonnull(hit);
	for (i = 0; i < nwriters; i++)
		last[i] = reversed ? n : -1;
	for (j = 0; j < s->nlines; j++) {
		k = -1;
		ck_assert_msg(sscanf(s->lines[j].text,
		    "{\"w\":%d,\"s\":%d,\"pad\":\"%n", &w, &seq, &k) == 2 &&
		    k > 0, "line %zu: %s", j, s->lines[j].text);
		ck_assert(w >= 0 && w < nwriters && seq >= 0 && seq < n);
		ck_assert_msg(!hit[w * n + seq], "duplicate %d/%d", w, seq);
		hit[w * n + seq] = 1;
		ck_assert(reversed ? seq < last[w] : seq > last[w]);
		last[w] = seq;
		pad = (int)strspn(s->lines[j].text + k, "0");
		tail = s->lines[j].text[k + pad];
		ck_assert_msg(tail == '"' && (size_t)(k + pad + 2) ==
		    s->lines[j].len, "mangled line %d/%d", w, seq);
	}
	free(hit);
}

START_TEST(test_concurrent_never)
{
	char		*dir = tmpdir_spool();
	struct seen	 s;

	writers_run(dir, FSYNC_NEVER, 0, 8, 2000);
	scan(dir, 0, &s);
	writers_check(&s, 8, 2000, 0);
	ck_assert_int_eq(dir_entries(dir), 1);
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

START_TEST(test_concurrent_always)
{
	char		*dir = tmpdir_spool();
	struct seen	 s;

	writers_run(dir, FSYNC_ALWAYS, 0, 8, 100);
	scan(dir, 0, &s);
	writers_check(&s, 8, 100, 0);
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

/*
 * Group commit bookkeeping: after an FSYNC_ALWAYS append, ".sync" says
 * the newest segment is on disk up to its end; a new segment starts the
 * mark afresh, so a later segment is never taken as already synced.
 * The layout of struct sync_page in spool.c.
 */
struct mark {
	uint32_t	gen, segno;
	uint64_t	ino, synced;
	uint32_t	waiters, pad;
};

static void
read_mark(const char *dir, struct mark *m)
{
	char	*path = path_of(dir, ".sync");
	int	 fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, m, sizeof(*m)), sizeof(*m));
	close(fd);
	free(path);
}

/*
 * The mark is whole and says segment segno (the file seg) is on disk up
 * to its end; that size.
 */
static off_t
mark_covers(const char *dir, const char *seg, unsigned segno)
{
	struct mark	m;
	struct stat	st;

	read_mark(dir, &m);
	ck_assert_int_eq(stat(seg, &st), 0);
	ck_assert_uint_eq(m.gen % 2, 0);
	ck_assert_uint_eq(m.segno, segno);
	ck_assert_uint_eq(m.ino, st.st_ino);
	ck_assert_uint_eq(m.synced, (uint64_t)st.st_size);
	return st.st_size;
}

START_TEST(test_group_commit_mark)
{
	char		*dir = tmpdir_spool(), *seg1, *seg2;
	struct spool	*sp;
	struct stat	 st;
	struct mark	 m;
	const char	 rec[] = "{\"type\":\"event\",\"id\":\"a\"}\n";

	seg1 = path_of(dir, "seg-00000001.jsonl");
	seg2 = path_of(dir, "seg-00000002.jsonl");
	sp = spool_open(dir, FSYNC_ALWAYS);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 3 * (sizeof(rec) - 1));
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	mark_covers(dir, seg1, 1);
	ck_assert_int_eq(stat(seg2, &st), -1);	/* not yet */
	free(seg2);
	seg2 = path_of(dir, ".sync");
	ck_assert_int_eq(stat(seg2, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(seg2);
	seg2 = path_of(dir, "seg-00000002.jsonl");
	/* The third record fills segment 1, the fourth starts segment 2. */
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	mark_covers(dir, seg2, 2);
	read_mark(dir, &m);
	ck_assert_uint_eq(m.waiters, 0);
	spool_close(sp);
	free(seg1);
	free(seg2);
	tmpdir_rm(dir);
}
END_TEST

/*
 * A mark left half-written (a writer killed while setting it: gen odd)
 * is not trusted, even when it claims the whole segment: the next
 * append syncs for itself and leaves a whole mark.  So does a mark
 * that stands for another inode under the same segment number.
 */
START_TEST(test_group_commit_torn_mark)
{
	char		*dir = tmpdir_spool(), *seg, *syncf;
	struct spool	*sp;
	struct stat	 st;
	struct mark	 m;
	const char	 rec[] = "{\"type\":\"event\",\"id\":\"b\"}\n";
	int		 fd, round;

	seg = path_of(dir, "seg-00000001.jsonl");
	syncf = path_of(dir, ".sync");
	sp = spool_open(dir, FSYNC_ALWAYS);
	ck_assert_ptr_nonnull(sp);
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	for (round = 0; round < 2; round++) {
		read_mark(dir, &m);
		ck_assert_int_eq(stat(seg, &st), 0);
		if (round == 0)
			m.gen |= 1;		/* torn */
		else
			m.ino += 1;		/* another file */
		m.synced = UINT64_MAX;		/* and claims it all */
		fd = open(syncf, O_WRONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, &m, sizeof(m), 0), sizeof(m));
		close(fd);
		ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
		mark_covers(dir, seg, 1);
	}
	spool_close(sp);
	free(seg);
	free(syncf);
	tmpdir_rm(dir);
}
END_TEST

/*
 * A writer that holds the flock of ".sync" and never moves the mark nor
 * wakes anyone (a syncer stopped, or killed, mid-way) costs the others
 * a wait, never a hang: once its flock is gone, the next append syncs
 * for itself.
 */
START_TEST(test_group_commit_stuck_syncer)
{
	char		*dir = tmpdir_spool(), *syncf, *seg;
	struct spool	*sp;
	const char	 rec[] = "{\"type\":\"event\",\"id\":\"d\"}\n";
	int		 p[2], status;
	pid_t		 pid;
	char		 c;

	sp = spool_open(dir, FSYNC_ALWAYS);
	ck_assert_ptr_nonnull(sp);
	syncf = path_of(dir, ".sync");
	seg = path_of(dir, "seg-00000001.jsonl");
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		/* flock(1): holds it, says so on fd 3, exits 0.3 s later,
		 * and the kernel drops the flock. */
		if (dup2(p[1], 3) == -1)
			_exit(1);
		execlp("flock", "flock", syncf, "sh", "-c",
		    "echo x >&3; sleep 0.3", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);	/* it holds the flock */
	ck_assert_int_eq(spool_append(sp, rec, sizeof(rec) - 1), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	mark_covers(dir, seg, 1);
	close(p[0]);
	spool_close(sp);
	free(syncf);
	free(seg);
	tmpdir_rm(dir);
}
END_TEST

/*
 * Deferred syncs: appends owe their sync until spool_commit(), which
 * pays it for all of them at once (the mark then covers the segment);
 * a move to the next segment pays for the one left; spool_close()
 * pays what is still owed; with fsync = never nothing is ever owed.
 */
START_TEST(test_deferred_commit)
{
	char		*dir = tmpdir_spool(), *seg1, *seg2;
	struct spool	*sp;
	struct mark	 m;
	const char	 rec[] = "{\"type\":\"event\",\"id\":\"c\"}\n";
	const size_t	 len = sizeof(rec) - 1;

	seg1 = path_of(dir, "seg-00000001.jsonl");
	seg2 = path_of(dir, "seg-00000002.jsonl");
	sp = spool_open(dir, FSYNC_ALWAYS);
	ck_assert_ptr_nonnull(sp);
	spool_set_deferred(sp, 1);
	spool_set_segment_size(sp, 3 * len);
	ck_assert_int_eq(spool_pending(sp), 0);
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	ck_assert_int_eq(spool_pending(sp), 1);
	read_mark(dir, &m);
	ck_assert_uint_lt(m.synced, 2 * len);		/* not yet */
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_pending(sp), 0);
	ck_assert_int_eq(mark_covers(dir, seg1, 1), 2 * len);
	/* The third fills segment 1, the fourth opens segment 2. */
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	ck_assert_int_eq(spool_pending(sp), 1);
	ck_assert_int_eq(spool_commit(sp), 0);
	mark_covers(dir, seg2, 2);
	/* Owed at close: paid. */
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	ck_assert_int_eq(spool_pending(sp), 1);
	spool_close(sp);
	ck_assert_int_eq(mark_covers(dir, seg2, 2), 2 * len);
	/* fsync = never owes nothing. */
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_set_deferred(sp, 1);
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	ck_assert_int_eq(spool_pending(sp), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	spool_close(sp);
	free(seg1);
	free(seg2);
	tmpdir_rm(dir);
}
END_TEST

/* Rotation. */

START_TEST(test_rotation)
{
	char		*dir = tmpdir_spool(), name[32];
	struct seen	 fwd, back;
	size_t		 i, j, nseg = 0;
	off_t		 size;

	writers_run(dir, FSYNC_NEVER, 4096, 4, 400);
	scan(dir, 0, &fwd);
	writers_check(&fwd, 4, 400, 0);
	scan(dir, SPOOL_NEWEST_FIRST, &back);
	writers_check(&back, 4, 400, 1);
	for (i = 0; i < fwd.nlines; i++) {
		j = fwd.nlines - 1 - i;
		ck_assert_str_eq(back.lines[j].text, fwd.lines[i].text);
		ck_assert_str_eq(back.lines[j].segment, fwd.lines[i].segment);
		ck_assert_int_eq(back.lines[j].offset, fwd.lines[i].offset);
	}
	/* Consecutive names; every segment but the last filled up. */
	nseg = (size_t)dir_entries(dir);
	ck_assert_uint_gt(nseg, 10);
	for (i = 1; i <= nseg; i++) {
		snprintf(name, sizeof(name), "seg-%08zu.jsonl", i);
		size = file_size(dir, name);
		ck_assert_msg(size > 0, "%s missing or empty", name);
		if (i < nseg)
			ck_assert_msg(size >= 4096, "%s: %jd bytes", name,
			    (intmax_t)size);
		/* Only the line that crossed the limit goes past it. */
		ck_assert_int_lt(size, 4096 + LINE_MAX_PAD + 100);
	}
	ck_assert_str_eq(fwd.lines[0].segment, SEG1);
	snprintf(name, sizeof(name), "seg-%08zu.jsonl", nseg);
	ck_assert_str_eq(fwd.lines[fwd.nlines - 1].segment, name);
	seen_free(&fwd);
	seen_free(&back);
	tmpdir_rm(dir);
}
END_TEST

/* A writer holding an old, full segment moves on to the newest. */
START_TEST(test_rotation_stale_writer)
{
	char		*dir = tmpdir_spool();
	struct spool	*a, *b;
	struct seen	 s;

	a = spool_open(dir, FSYNC_NEVER);
	b = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	spool_set_segment_size(a, 20);
	spool_set_segment_size(b, 20);
	append_str(a, "{\"who\":\"a\",\"n\":1}\n");	/* 18 bytes */
	append_str(b, "{\"who\":\"b\",\"n\":1}\n");	/* fills 1 */
	append_str(b, "{\"who\":\"b\",\"n\":2}\n");	/* opens 2 */
	append_str(b, "{\"who\":\"b\",\"n\":3}\n");	/* fills 2 */
	append_str(b, "{\"who\":\"b\",\"n\":4}\n");	/* opens 3 */
	append_str(a, "{\"who\":\"a\",\"n\":2}\n");	/* must land in 3 */
	spool_close(a);
	spool_close(b);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 6);
	ck_assert_uint_eq(s.nbad, 0);
	ck_assert_str_eq(s.lines[5].text, "{\"who\":\"a\",\"n\":2}");
	ck_assert_str_eq(s.lines[5].segment, "seg-00000003.jsonl");
	ck_assert_int_eq(s.lines[5].offset, 18);
	ck_assert_int_eq(dir_entries(dir), 3);
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

/*
 * A writer that counts a larger size as full (another segment_size)
 * does not go on appending to a segment that another writer found full
 * and moved on from: that one sealed it.
 */
static int
sealed_child(const char *dir, int ready, int go)
{
	struct spool	*sp;
	char		 c = 0;

	if (drop_root() == -1)
		return 77;
	sp = spool_open(dir, FSYNC_NEVER);
	if (sp == NULL)
		return 1;
	/* With a pipe pair: wait, holding the newest segment open, while
	 * the test seals it and the next one. */
	if (ready != -1 && (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1))
		return 3;
	if (spool_append(sp, "{\"who\":\"c\"}\n", 12) == -1)
		return 2;
	spool_close(sp);
	return 0;
}

/* Make a segment file of the child's (uid 65534 when we are root). */
static void
seg_as_child(const char *dir, const char *name, const char *text, mode_t mode)
{
	char	*p;

	file_write(dir, name, text, strlen(text));
	p = path_of(dir, name);
	ck_assert_int_eq(chmod(p, mode), 0);
	if (getuid() == 0)
		ck_assert_int_eq(chown(p, 65534, 65534), 0);
	free(p);
}

START_TEST(test_sealed_segment)
{
	char		*dir = tmpdir_spool(), *p, name[32];
	struct spool	*a, *b;
	struct seen	 s;
	struct stat	 st;
	pid_t		 pid;
	int		 rc, up[2], down[2];
	char		 c;

	a = spool_open(dir, FSYNC_NEVER);
	b = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	spool_set_segment_size(a, 1000);
	spool_set_segment_size(b, 10);
	append_str(a, "{\"who\":\"a\",\"n\":1}\n");	/* 18 bytes in 1 */
	append_str(b, "{\"who\":\"b\",\"n\":1}\n");	/* 1 full for b: 2 */
	append_str(a, "{\"who\":\"a\",\"n\":2}\n");	/* 1 sealed: 2 */
	spool_close(a);
	spool_close(b);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 3);
	ck_assert_str_eq(s.lines[0].segment, SEG1);
	ck_assert_str_eq(s.lines[1].segment, "seg-00000002.jsonl");
	ck_assert_str_eq(s.lines[2].text, "{\"who\":\"a\",\"n\":2}");
	ck_assert_str_eq(s.lines[2].segment, "seg-00000002.jsonl");
	ck_assert_int_eq(s.lines[2].offset, 18);
	seen_free(&s);
	p = path_of(dir, SEG1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0400);
	free(p);

	/* The newest sealed and its successor not made (its writer died
	 * between the two): a writer that may not open it for writing
	 * (not root) makes the next one. */
	p = path_of(dir, "seg-00000002.jsonl");
	ck_assert_int_eq(chmod(p, 0400), 0);
	if (getuid() == 0) {
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(chown(p, 65534, 65534), 0);
	}
	free(p);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(sealed_child(dir, -1, -1));
	rc = wait_child(pid);
	if (rc == 77) {
		fprintf(stderr, "check_spool: SKIP sealed newest segment: "
		    "cannot drop to uid 65534\n");
		tmpdir_rm(dir);
		return;
	}
	ck_assert_int_eq(rc, 0);
	snprintf(name, sizeof(name), "seg-%08d.jsonl", 3);
	ck_assert_int_eq(file_size(dir, name), 12);
	ck_assert_int_eq(dir_entries(dir), 3);

	/* A writer holding 3 open finds it sealed, and the next one too
	 * (a writer with a tiny segment size went through both): it goes
	 * on to the newest, 5. */
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(sealed_child(dir, up[1], down[0]));
	ck_assert_int_eq(read(up[0], &c, 1), 1);
	p = path_of(dir, name);
	ck_assert_int_eq(chmod(p, 0400), 0);
	free(p);
	seg_as_child(dir, "seg-00000004.jsonl", "{\"who\":\"d\"}\n", 0400);
	seg_as_child(dir, "seg-00000005.jsonl", "", 0600);
	ck_assert_int_eq(write(down[1], "g", 1), 1);
	ck_assert_int_eq(wait_child(pid), 0);
	ck_assert_int_eq(file_size(dir, name), 12);
	ck_assert_int_eq(file_size(dir, "seg-00000004.jsonl"), 12);
	ck_assert_int_eq(file_size(dir, "seg-00000005.jsonl"), 12);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	tmpdir_rm(dir);
}
END_TEST

/* A gate sees the spool's end under the lock, and may say no. */
struct gate_seen {
	unsigned	segno, done_segno;
	off_t		size, end;
	int		answer, checks, dones;
};

static int
gate_check(void *arg, unsigned segno, off_t size)
{
	struct gate_seen	*g = arg;

	g->checks++;
	g->segno = segno;
	g->size = size;
	if (g->answer == -1)
		errno = ENOSPC;
	return g->answer;
}

static void
gate_done(void *arg, unsigned segno, off_t end)
{
	struct gate_seen	*g = arg;

	g->dones++;
	g->done_segno = segno;
	g->end = end;
}

START_TEST(test_gate)
{
	char			*dir = tmpdir_spool(), *text;
	struct spool		*sp;
	struct gate_seen	 g;
	struct spool_gate	 gate = { gate_check, gate_done, &g };
	size_t			 len;

	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 30);
	append_str(sp, "{\"n\":0}\n");			/* 8 bytes */
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(spool_append_gated(sp, "{\"n\":1}\n", 8, &gate), 0);
	ck_assert_int_eq(g.checks, 1);
	ck_assert_uint_eq(g.segno, 1);
	ck_assert_int_eq(g.size, 8);
	ck_assert_int_eq(g.dones, 1);
	ck_assert_uint_eq(g.done_segno, 1);
	ck_assert_int_eq(g.end, 16);
	/* No: nothing written, nothing done. */
	g.answer = 1;
	ck_assert_int_eq(spool_append_gated(sp, "{\"n\":2}\n", 8, &gate), 1);
	ck_assert_int_eq(g.size, 16);
	g.answer = -1;
	errno = 0;
	ck_assert_int_eq(spool_append_gated(sp, "{\"n\":3}\n", 8, &gate), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_int_eq(g.dones, 1);
	text = file_read(dir, SEG1, &len);
	ck_assert_str_eq(text, "{\"n\":0}\n{\"n\":1}\n");
	free(text);
	/* The segment the record goes to, after a move to the next. */
	append_str(sp, "{\"n\":\"0123456789ab\"}\n");	/* 1 now full */
	g.answer = 0;
	ck_assert_int_eq(spool_append_gated(sp, "{\"n\":4}\n", 8, &gate), 0);
	ck_assert_uint_eq(g.segno, 2);
	ck_assert_int_eq(g.size, 0);
	ck_assert_uint_eq(g.done_segno, 2);
	ck_assert_int_eq(g.end, 8);
	/* Not while batching; not a line. */
	spool_batch(sp);
	errno = 0;
	ck_assert_int_eq(spool_append_gated(sp, "{\"n\":5}\n", 8, &gate), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(spool_batch_write(sp), 0);
	ck_assert_int_eq(spool_append_gated(sp, "{\"n\":5}", 7, &gate), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(g.checks, 4);
	spool_close(sp);
	tmpdir_rm(dir);
}
END_TEST

/*
 * The locking protocol, seen from outside: a process holding LOCK_EX on
 * the segment (here: the test, in the middle of writing a line) holds
 * up both an append and a scan, and the scan then sees no torn line.
 */
static int
locked_child(const char *dir, int append)
{
	struct spool	*sp;
	struct seen	 s;
	int		 ok;

	if (append) {
		sp = spool_open(dir, FSYNC_NEVER);
		if (sp == NULL || spool_append(sp, "{\"by\":\"child\"}\n", 15) == -1)
			return 1;
		spool_close(sp);
		return 0;
	}
	memset(&s, 0, sizeof(s));
	if (spool_scan(dir, 0, seen_line, seen_bad, &s) == -1)
		return 2;
	ok = s.nbad == 0 && s.nlines == 3;
	seen_free(&s);
	return ok ? 0 : 3;
}

START_TEST(test_lock_protocol)
{
	char		*dir = tmpdir_spool(), p[300], *file;
	struct spool	*sp;
	pid_t		 pid;
	size_t		 len;
	int		 fd, append, status;

	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_close(sp);
	snprintf(p, sizeof(p), "%s/%s", dir, SEG1);
	for (append = 1; append >= 0; append--) {
		fd = open(p, O_WRONLY | O_APPEND);
		ck_assert_int_ne(fd, -1);
		ck_assert_int_eq(flock(fd, LOCK_EX), 0);
		ck_assert_int_eq(write(fd, "{\"by\":", 6), 6);
		pid = fork();
		ck_assert_int_ne(pid, -1);
		if (pid == 0)
			_exit(locked_child(dir, append));
		usleep(200000);
		ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
		ck_assert_int_eq(write(fd, "\"test\"}\n", 8), 8);
		ck_assert_int_eq(flock(fd, LOCK_UN), 0);
		close(fd);
		ck_assert_int_eq(wait_child(pid), 0);
	}
	file = file_read(dir, SEG1, &len);
	ck_assert_str_eq(file, "{\"by\":\"test\"}\n{\"by\":\"child\"}\n"
	    "{\"by\":\"test\"}\n");
	free(file);
	tmpdir_rm(dir);
}
END_TEST

/* A crash at every byte of the last record. */

static const char *good[] = {
	"{\"type\":\"event\",\"id\":\"a\",\"body\":\"one\"}\n",
	"{\"type\":\"event\",\"id\":\"b\",\"body\":\"two \\u00e9\"}\n",
	"{\"type\":\"attempt\",\"id\":\"a\",\"n\":[1,2.5e3,true,null]}\n",
};
static const char torn[] =
    "{\"type\":\"event\",\"id\":\"c\",\"body\":\"thr\xc3\xa9\\\"e\",\"n\":{}}\n";
static const char after[] = "{\"type\":\"event\",\"id\":\"d\"}\n";

START_TEST(test_torn_every_offset)
{
	const size_t	 tlen = sizeof(torn) - 1;
	char		*dir, *buf, *file;
	size_t		 cut, i, goodlen = 0, off, flen, expect;
	struct spool	*sp;
	struct seen	 s;
	int		 boundary, whole;

	buf = malloc(4096);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < 3; i++) {
		memcpy(buf + goodlen, good[i], strlen(good[i]));
		goodlen += strlen(good[i]);
	}
	for (cut = 0; cut <= tlen; cut++) {
		dir = tmpdir_spool();
		memcpy(buf + goodlen, torn, cut);
		file_write(dir, SEG1, buf, goodlen + cut);
		boundary = cut == 0 || cut == tlen;
		/* All but the '\n': a whole object, torn until fenced. */
		whole = cut == tlen - 1;

		scan(dir, 0, &s);
		ck_assert_uint_eq(s.nlines, cut == tlen ? 4 : 3);
		for (i = 0; i < 3; i++) {
			ck_assert_uint_eq(s.lines[i].len, strlen(good[i]) - 1);
			ck_assert_mem_eq(s.lines[i].text, good[i], s.lines[i].len);
		}
		ck_assert_uint_eq(s.nbad, boundary ? 0 : 1);
		if (!boundary) {
			ck_assert_int_eq(s.bad[0].offset, goodlen);
			ck_assert_str_eq(s.bad[0].segment, SEG1);
			ck_assert_ptr_nonnull(strstr(s.bad[0].reason, "torn"));
		}
		seen_free(&s);

		/* The next append is fenced off from the torn tail. */
		sp = spool_open(dir, FSYNC_NEVER);
		ck_assert_ptr_nonnull(sp);
		append_str(sp, after);
		spool_close(sp);
		file = file_read(dir, SEG1, &flen);
		ck_assert_ptr_nonnull(file);
		off = goodlen + cut + (boundary ? 0 : 1);
		ck_assert_uint_eq(flen, off + strlen(after));
		ck_assert_mem_eq(file, buf, goodlen + cut);
		if (!boundary)
			ck_assert_int_eq(file[goodlen + cut], '\n');
		ck_assert_mem_eq(file + off, after, strlen(after));
		free(file);

		scan(dir, 0, &s);
		expect = 3 + (cut == tlen || whole) + 1;
		ck_assert_msg(s.nlines == expect, "cut %zu: %zu lines", cut,
		    s.nlines);
		ck_assert_str_eq(s.lines[expect - 1].text, "{\"type\":\"event\",\"id\":\"d\"}");
		ck_assert_int_eq(s.lines[expect - 1].offset, off);
		ck_assert_uint_eq(s.nbad, boundary || whole ? 0 : 1);
		if (s.nbad == 1) {
			ck_assert_int_eq(s.bad[0].offset, goodlen);
			ck_assert_str_eq(s.bad[0].reason, "not a JSON object");
		}
		seen_free(&s);
		tmpdir_rm(dir);
	}
	free(buf);
}
END_TEST

/*
 * A writer does not look for a torn line when the segment ends where its
 * own last record did; anything else written since, whole or torn, and
 * it looks.  spool_last() names where each record went.
 */
static void
torn_tail(const char *dir)
{
	char	*p = path_of(dir, SEG1);
	int	 fd = open(p, O_WRONLY | O_APPEND);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "{\"torn", 6), 6);
	close(fd);
	free(p);
}

START_TEST(test_fence_after_own_record)
{
	char		*dir = tmpdir_spool(), *file;
	struct spool	*a, *b;
	size_t		 flen;
	unsigned	 segno;
	off_t		 off;

	a = spool_open(dir, FSYNC_NEVER);
	b = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	append_str(a, "{\"n\":1}\n");
	append_str(a, "{\"n\":2}\n");		/* clean: no look */
	spool_last(a, &segno, &off);
	ck_assert_int_eq(off, 8);
	append_str(b, "{\"n\":3}\n");		/* another writer's */
	append_str(a, "{\"n\":4}\n");		/* looks: no fence */
	spool_last(a, &segno, &off);
	ck_assert_int_eq(off, 24);
	torn_tail(dir);				/* a crash, mid-line */
	append_str(a, "{\"n\":5}\n");		/* looks: fenced */
	spool_last(a, &segno, &off);
	ck_assert_int_eq(off, 32 + 6 + 1);
	append_str(a, "{\"n\":6}\n");
	torn_tail(dir);
	append_str(b, "{\"n\":7}\n");
	spool_last(b, &segno, &off);
	ck_assert_int_eq(off, 47 + 8 + 6 + 1);
	spool_close(a);
	spool_close(b);
	file = file_read(dir, SEG1, &flen);
	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(flen, 70);
	ck_assert_mem_eq(file, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n"
	    "{\"torn\n{\"n\":5}\n{\"n\":6}\n{\"torn\n{\"n\":7}\n", flen);
	free(file);
	tmpdir_rm(dir);
}
END_TEST

/* A torn line at the end of a full segment is fenced off as well. */
START_TEST(test_torn_full_segment)
{
	char		*dir = tmpdir_spool(), *file;
	struct spool	*sp;
	struct seen	 s;
	size_t		 len;

	file_write(dir, SEG1, "{\"n\":1}\n{\"n\":", 13);
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 10);
	append_str(sp, "{\"n\":2}\n");
	spool_close(sp);
	file = file_read(dir, SEG1, &len);
	ck_assert_str_eq(file, "{\"n\":1}\n{\"n\":\n");
	free(file);
	ck_assert_int_eq(file_size(dir, "seg-00000002.jsonl"), 8);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 2);
	ck_assert_uint_eq(s.nbad, 1);
	ck_assert_int_eq(s.bad[0].offset, 8);
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

/* A full disk, or a file size limit: nothing of the record stays. */

#define STEP(n, cond)	do { if (!(cond)) return (n); } while (0)

static int
efbig_child(const char *dir)
{
	static const char	 rec[] = "{\"type\":\"event\",\"id\":\"big\","
	    "\"body\":\"0123456789012345678901234567890123456789\"}\n";
	struct spool		*sp;
	struct rlimit		 rl, old;
	struct stat		 st;
	char			 path[4096];
	int			 fd;

	signal(SIGXFSZ, SIG_IGN);
	snprintf(path, sizeof(path), "%s/%s", dir, SEG1);
	sp = spool_open(dir, FSYNC_ALWAYS);
	STEP(1, sp != NULL);
	STEP(2, spool_append(sp, rec, sizeof(rec) - 1) == 0);
	STEP(3, getrlimit(RLIMIT_FSIZE, &old) == 0);
	rl = old;

	/* The limit falls in the middle of the record. */
	rl.rlim_cur = sizeof(rec) - 1 + 10;
	STEP(4, setrlimit(RLIMIT_FSIZE, &rl) == 0);
	errno = 0;
	STEP(5, spool_append(sp, rec, sizeof(rec) - 1) == -1);
	STEP(6, errno == EFBIG);
	STEP(7, stat(path, &st) == 0 && st.st_size == sizeof(rec) - 1);

	/* A torn tail and no room even for the fence. */
	fd = open(path, O_WRONLY | O_APPEND);
	STEP(8, fd != -1 && write(fd, "{\"tor", 5) == 5);
	close(fd);
	rl.rlim_cur = sizeof(rec) - 1 + 5;
	STEP(9, setrlimit(RLIMIT_FSIZE, &rl) == 0);
	STEP(10, spool_append(sp, rec, sizeof(rec) - 1) == -1);
	STEP(11, errno == EFBIG);
	STEP(12, stat(path, &st) == 0 && st.st_size == sizeof(rec) - 1 + 5);

	/* Room again: the next record is whole. */
	STEP(13, setrlimit(RLIMIT_FSIZE, &old) == 0);
	STEP(14, spool_append(sp, rec, sizeof(rec) - 1) == 0);
	spool_close(sp);
	return 0;
}

START_TEST(test_efbig)
{
	char		*dir = tmpdir_spool(), *file;
	struct seen	 s;
	pid_t		 pid;
	size_t		 len, rl;
	int		 rc;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(efbig_child(dir));
	rc = wait_child(pid);
	ck_assert_msg(rc == 0, "step %d failed", rc);
	file = file_read(dir, SEG1, &len);
	ck_assert_ptr_nonnull(file);
	rl = strchr(file, '\n') - file + 1;
	ck_assert_uint_eq(len, rl + 5 + 1 + rl);
	ck_assert_mem_eq(file + rl, "{\"tor\n", 6);
	ck_assert_mem_eq(file + rl + 6, file, rl);
	free(file);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 2);
	ck_assert_uint_eq(s.nbad, 1);
	ck_assert_int_eq(s.bad[0].offset, (off_t)rl);
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

/* Hostile segment content. */

START_TEST(test_hostile_content)
{
	static const char	 nul[] = "{\"a\":\"x\0y\"}\n{\"b\":1}\0\n";
	char			*dir = tmpdir_spool(), *big, *p;
	const size_t		 bigsz = 10 * 1024 * 1024;
	unsigned char		 garbage[4096];
	struct seen		 s;
	size_t			 i;
	int			 fd;

	/* 1: good, NULs, garbage, a 10 MB record, 10 MB of junk, good. */
	p = path_of(dir, SEG1);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "{\"n\":1}\n", 8), 8);
	ck_assert_int_eq(write(fd, nul, sizeof(nul) - 1), sizeof(nul) - 1);
	srandom(1);
	for (i = 0; i < sizeof(garbage); i++) {
		garbage[i] = (unsigned char)random();
		if (garbage[i] == '\n')
			garbage[i] = '{';
	}
	garbage[0] = '{';
	garbage[sizeof(garbage) - 1] = '\n';
	ck_assert_int_eq(write(fd, garbage, sizeof(garbage)), sizeof(garbage));
	big = malloc(bigsz + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', bigsz);
	memcpy(big, "{\"big\":\"", 8);
	memcpy(big + bigsz - 3, "\"}\n", 3);
	ck_assert_int_eq(write(fd, big, bigsz), (ssize_t)bigsz);
	big[bigsz - 3] = 'x';			/* unterminated string */
	ck_assert_int_eq(write(fd, big, bigsz), (ssize_t)bigsz);
	ck_assert_int_eq(write(fd, "{\"n\":2}\n", 8), 8);
	close(fd);
	free(p);
	/* 2: only newlines. */
	file_write(dir, "seg-00000002.jsonl", "\n\n\n", 3);
	/* Not segments: ignored, whatever they hold. */
	file_write(dir, "seg-1.jsonl", "{\"junk\":1}\n", 11);
	file_write(dir, "seg-00000003.jsonl.tmp", "{\"junk\":2}\n", 11);
	file_write(dir, "seg-0000000a.jsonl", "{\"junk\":3}\n", 11);
	file_write(dir, "seg-00000000.jsonl", "{\"junk\":4}\n", 11);
	file_write(dir, "Seg-00000004.jsonl", "{\"junk\":5}\n", 11);
	file_write(dir, "seg-000000004.jsonl", "{\"junk\":6}\n", 11);
	file_write(dir, "notes.txt", "{\"junk\":7}\n", 11);
	/* Named like segments but not files: reported, never followed. */
	p = path_of(dir, "seg-00000005.jsonl");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = path_of(dir, "seg-00000006.jsonl");
	ck_assert_int_eq(symlink("seg-00000001.jsonl", p), 0);
	free(p);

	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 3);
	ck_assert_str_eq(s.lines[0].text, "{\"n\":1}");
	ck_assert_uint_eq(s.lines[1].len, bigsz - 1);
	ck_assert_int_eq(s.lines[1].offset, 8 + sizeof(nul) - 1 + 4096);
	ck_assert_str_eq(s.lines[2].text, "{\"n\":2}");
	/* NUL line x2, garbage, junk, 3 empty lines, dir, symlink. */
	ck_assert_uint_eq(s.nbad, 9);
	ck_assert_int_eq(s.bad[0].offset, 8);
	ck_assert_int_eq(s.bad[1].offset, 8 + 12);
	ck_assert_int_eq(s.bad[2].offset, 8 + sizeof(nul) - 1);
	ck_assert_int_eq(s.bad[3].offset, 8 + sizeof(nul) - 1 + 4096 + bigsz);
	for (i = 4; i < 7; i++) {
		ck_assert_str_eq(s.bad[i].segment, "seg-00000002.jsonl");
		ck_assert_int_eq(s.bad[i].offset, (off_t)(i - 4));
		ck_assert_str_eq(s.bad[i].reason, "empty line");
	}
	ck_assert_str_eq(s.bad[7].segment, "seg-00000005.jsonl");
	ck_assert_str_eq(s.bad[8].segment, "seg-00000006.jsonl");
	ck_assert_str_eq(s.bad[8].reason, "not a regular file");
	seen_free(&s);
	free(big);
	tmpdir_rm(dir);
}
END_TEST

/* Files that are not segments do not disturb appends either. */
START_TEST(test_non_segments_ignored)
{
	char		*dir = tmpdir_spool(), *p;
	struct spool	*sp;
	struct seen	 s;

	file_write(dir, "seg-99999999.jsonl.old", "{\"junk\":1}\n", 11);
	file_write(dir, "seg-1.jsonl", "{\"junk\":2}\n", 11);
	file_write(dir, "README", "{\"junk\":3}\n", 11);
	p = path_of(dir, "tmp");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	append_str(sp, "{\"ok\":1}\n");
	spool_close(sp);
	ck_assert_int_eq(file_size(dir, SEG1), 9);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 1);
	ck_assert_uint_eq(s.nbad, 0);
	ck_assert_str_eq(s.lines[0].text, "{\"ok\":1}");
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

/* A symlink as the newest segment is refused, not written through. */
START_TEST(test_symlink_segment_refused)
{
	char		*dir = tmpdir_spool(), *p;
	struct spool	*sp;

	file_write(dir, "target", "", 0);
	p = path_of(dir, SEG1);
	ck_assert_int_eq(symlink("target", p), 0);
	free(p);
	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_null(sp);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(file_size(dir, "target"), 0);
	tmpdir_rm(dir);
}
END_TEST

/* The JSON check agrees with jansson. */

static const char *json_cases[] = {
	"{}", "{ }", "{\"a\":1}", "{\"a\":1} ", "{\"a\":1}\t\r",
	"{\"a\":-0.5e+10,\"b\":[],\"c\":[{}],\"d\":\"\\u00e9\\ud83d\\ude00\"}",
	"{\"a\":1}x", "{\"a\":1}{}", " {}", "[1]", "\"s\"", "1", "{",
	"{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":01}",
	"{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}",
	"{\"a\":tru}", "{\"a\":nulll}", "{\"a\":NaN}", "{\"a\":\"\\x\"}",
	"{\"a\":\"\\u12\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}",
	"{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
	"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xe0\x80\xaf\"}",
	"{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
	"{\"a\":\"\xc3\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\t\"}",
	"{\"a\":\"\xf0\x9f\x98\x80\"}", "{1:2}", "{\"a\" : [ 1 , 2 ] }",
};

/*
 * What a reader must take for a record: a JSON object as record_decode()
 * reads it (\u0000 allowed in strings), with no raw NUL byte anywhere
 * (jansson 2.14 lets one through after a number: "[1\0,2]").  The test
 * below checks that a scan sorts thousands of mangled lines into records
 * and bad lines by exactly this rule, at the right offsets.
 */
static int
jansson_says_object(const char *line, size_t len)
{
	json_t	*j;
	int	 ok;

	if (len == 0 || line[0] != '{' || memchr(line, '\0', len) != NULL)
		return 0;
	j = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	ok = json_is_object(j);
	json_decref(j);
	return ok;
}

START_TEST(test_json_check_matches_jansson)
{
	static const char	 base[] = "{\"type\":\"event\",\"id\":\"0190a\","
	    "\"h\":{\"x-a\":\"b, c\"},\"body\":\"caf\xc3\xa9 \\\"q\\\" \\u00e9\","
	    "\"n\":[1,-2.5e-3,true,false,null],\"r\":null}";
	char			 line[256], *data;
	size_t			 i, len, dlen = 0, cap = 1 << 20, k, nl;
	char			*dir = tmpdir_spool();
	unsigned		 rnd = 42;
	struct seen		 s;
	char			*verdict;
	size_t			 nlines = 0;

	data = malloc(cap);
	verdict = malloc(4096);
	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(verdict);
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		len = strlen(json_cases[i]);
		memcpy(data + dlen, json_cases[i], len);
		data[dlen + len] = '\n';
		verdict[nlines++] = (char)jansson_says_object(json_cases[i], len);
		dlen += len + 1;
	}
	/* Mutations of a record: replaced, inserted and dropped bytes. */
	for (i = 0; i < 3000; i++) {
		len = sizeof(base) - 1;
		memcpy(line, base, len);
		for (k = 0; k < 1 + i % 3; k++) {
			rnd = rnd * 1103515245 + 12345;
			nl = (rnd >> 8) % len;
			rnd = rnd * 1103515245 + 12345;
			switch ((rnd >> 16) % 3) {
			case 0:
				line[nl] = (char)(rnd >> 24);
				break;
			case 1:
				memmove(line + nl + 1, line + nl, len - nl);
				line[nl] = "{}[]\",:\\ 0e.-u\xc3\x80"[(rnd >> 24) % 17];
				len++;
				break;
			default:
				memmove(line + nl, line + nl + 1, len - nl - 1);
				len--;
			}
		}
		for (k = 0; k < len; k++) {
			if (line[k] == '\n')
				line[k] = ' ';
		}
		memcpy(data + dlen, line, len);
		data[dlen + len] = '\n';
		verdict[nlines++] = (char)jansson_says_object(line, len);
		dlen += len + 1;
	}
	file_write(dir, SEG1, data, dlen);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines + s.nbad, nlines);
	/* Walk both lists in file order and compare each verdict. */
	{
		size_t	a = 0, b = 0, n = 0, off = 0, l;
		int	ours;

		for (n = 0; n < nlines; n++) {
			l = (size_t)((char *)memchr(data + off, '\n', dlen - off) -
			    (data + off));
			ours = a < s.nlines && s.lines[a].offset == (off_t)off;
			if (ours)
				a++;
			else {
				ck_assert(b < s.nbad &&
				    s.bad[b].offset == (off_t)off);
				b++;
			}
			ck_assert_msg(ours == verdict[n],
			    "line %zu: spool says %d, jansson %d: %.*s", n,
			    ours, verdict[n], (int)l, data + off);
			off += l + 1;
		}
	}
	seen_free(&s);
	free(verdict);
	free(data);
	tmpdir_rm(dir);
}
END_TEST

START_TEST(test_json_depth)
{
	char		*dir = tmpdir_spool(), *buf;
	const size_t	 depth = 100000;
	struct seen	 s;
	size_t		 i;

	buf = malloc(2 * depth + 16);
	ck_assert_ptr_nonnull(buf);
	buf[0] = '{';
	memcpy(buf + 1, "\"a\":", 4);
	for (i = 0; i < depth; i++)
		buf[5 + i] = '[';
	for (i = 0; i < depth; i++)
		buf[5 + depth + i] = ']';
	memcpy(buf + 5 + 2 * depth, "}\n", 2);
	file_write(dir, SEG1, buf, 2 * depth + 7);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 0);
	ck_assert_uint_eq(s.nbad, 1);
	seen_free(&s);
	free(buf);
	tmpdir_rm(dir);
}
END_TEST

/* The spool passes on lines; which of them are records is record.c's. */
START_TEST(test_lines_not_records)
{
	static const char	 data[] = "{\"n\":1}\nnot json\n\n{\"n\":2}\n";
	char			*dir = tmpdir_spool();
	struct seen		 s;

	file_write(dir, SEG1, data, sizeof(data) - 1);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_scan(dir, 0, seen_line, seen_bad, &s), 0);
	ck_assert_uint_eq(s.nlines, 3);
	ck_assert_str_eq(s.lines[1].text, "not json");
	ck_assert_int_eq(s.lines[1].offset, 8);
	ck_assert_uint_eq(s.nbad, 1);
	ck_assert_int_eq(s.bad[0].offset, 17);
	ck_assert_str_eq(s.bad[0].reason, "empty line");
	seen_free(&s);
	scan(dir, 0, &s);
	ck_assert_uint_eq(s.nlines, 2);
	ck_assert_str_eq(s.lines[1].text, "{\"n\":2}");
	ck_assert_uint_eq(s.nbad, 2);
	ck_assert_int_eq(s.bad[0].offset, 8);
	ck_assert_str_eq(s.bad[0].reason, "not a JSON object");
	ck_assert_int_eq(s.bad[1].offset, 17);
	ck_assert_str_eq(s.bad[1].reason, "empty line");
	seen_free(&s);
	tmpdir_rm(dir);
}
END_TEST

/* Stopping a scan, and failing it. */

static int
fail_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	(void)line;
	(void)len;
	(void)pos;
	(void)arg;
	errno = ENOTSUP;
	return -1;
}

START_TEST(test_scan_stop)
{
	char		*dir = tmpdir_spool();
	struct spool	*sp;
	struct seen	 s;

	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 8);
	append_str(sp, "{\"n\":1}\n");
	append_str(sp, "{\"n\":2}\n");
	append_str(sp, "{\"n\":3}\n");
	spool_close(sp);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	ck_assert_int_eq(spool_scan(dir, 0, seen_line, seen_bad, &s), 0);
	ck_assert_uint_eq(s.nlines, 2);
	ck_assert_str_eq(s.lines[1].text, "{\"n\":2}");
	seen_free(&s);
	s.stop_after = 2;
	ck_assert_int_eq(spool_scan(dir, SPOOL_NEWEST_FIRST, seen_line,
	    seen_bad, &s), 0);
	ck_assert_uint_eq(s.nlines, 2);
	ck_assert_str_eq(s.lines[0].text, "{\"n\":3}");
	ck_assert_str_eq(s.lines[1].text, "{\"n\":2}");
	seen_free(&s);
	errno = 0;
	ck_assert_int_eq(spool_scan(dir, 0, fail_line, NULL, NULL), -1);
	ck_assert_int_eq(errno, ENOTSUP);
	tmpdir_rm(dir);
}
END_TEST

/* Segment 1 from an offset, lines with needle only (NULL: all), into s. */
static void
scan_segment(const char *dir, off_t from, const char *needle, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	ck_assert_msg(spool_scan_segment(dir, 1, from, 0, needle, seen_line,
	    seen_bad, s) == 0, "scan: %s", strerror(errno));
}

/*
 * Forward scans read the segment in chunks of 1 MiB: lines that cross a
 * chunk's end, a line longer than the buffer, a needle found past the
 * first chunk, a start offset and a torn tail all come out as in one
 * piece.
 */
START_TEST(test_scan_chunks)
{
	char		*dir = tmpdir_spool(), *data, *p;
	const size_t	 big = 2621440 + 7, small = 300000;
	size_t		 len, i, off[12];
	struct seen	 s;

	len = 12 * small + big + 64;
	data = malloc(len);
	ck_assert_ptr_nonnull(data);
	p = data;
	for (i = 0; i < 12; i++) {
		off[i] = (size_t)(p - data);
		if (i == 5) {		/* longer than two chunks */
			memset(p, 'b', big);
			memcpy(p, "{\"big\":\"", 8);
			p += big;
		} else {
			memset(p, 'x', small);
			p[0] = '{';
			p[1] = (char)('a' + i);
			p += small;
		}
		*p++ = '\n';
	}
	memcpy(p, "{\"torn", 6);
	p += 6;
	len = (size_t)(p - data);
	file_write(dir, SEG1, data, len);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(spool_scan(dir, 0, seen_line, seen_bad, &s), 0);
	ck_assert_uint_eq(s.nlines, 12);
	for (i = 0; i < 12; i++) {
		ck_assert_int_eq(s.lines[i].offset, (off_t)off[i]);
		ck_assert_uint_eq(s.lines[i].len, i == 5 ? big : small);
		ck_assert_mem_eq(s.lines[i].text, data + off[i],
		    s.lines[i].len);
	}
	ck_assert_uint_eq(s.nbad, 1);
	ck_assert_int_eq(s.bad[0].offset, (off_t)(len - 6));
	ck_assert_str_eq(s.bad[0].reason, "torn line (no newline at the end)");
	seen_free(&s);

	/* From the start of line 7, only the lines with "{h" or "{j". */
	scan_segment(dir, (off_t)off[7], "{h", &s);
	ck_assert_uint_eq(s.nlines, 1);
	ck_assert_int_eq(s.lines[0].offset, (off_t)off[7]);
	ck_assert_uint_eq(s.nbad, 0);
	seen_free(&s);
	scan_segment(dir, (off_t)off[6], "{j", &s);
	ck_assert_uint_eq(s.nlines, 1);
	ck_assert_int_eq(s.lines[0].offset, (off_t)off[9]);
	seen_free(&s);
	/* A needle only in the big line, and one only in the torn tail. */
	scan_segment(dir, 0, "{\"big", &s);
	ck_assert_uint_eq(s.nlines, 1);
	ck_assert_uint_eq(s.lines[0].len, big);
	ck_assert_uint_eq(s.nbad, 0);
	seen_free(&s);
	scan_segment(dir, 0, "torn", &s);
	ck_assert_uint_eq(s.nlines, 0);
	ck_assert_uint_eq(s.nbad, 1);
	ck_assert_int_eq(s.bad[0].offset, (off_t)(len - 6));
	seen_free(&s);
	/* From the end: nothing. */
	scan_segment(dir, (off_t)len, NULL, &s);
	ck_assert_uint_eq(s.nlines + s.nbad, 0);
	free(data);
	tmpdir_rm(dir);
}
END_TEST

/* Finding an event. */

START_TEST(test_find_event)
{
	char		*dir = tmpdir_spool(), *line = NULL, *missing;
	struct spool	*sp;
	size_t		 len = 0;
	const char	*id = "0190a7c2-5b1e-7c3d-8e4f-a1b2c3d4e5f6";
	char		 rec[256];

	sp = spool_open(dir, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	spool_set_segment_size(sp, 100);
	/* The id elsewhere, in an attempt, as a prefix: none of these. */
	snprintf(rec, sizeof(rec), "{\"type\":\"event\",\"id\":\"x\","
	    "\"replay_of\":\"%s\"}\n", id);
	append_str(sp, rec);
	snprintf(rec, sizeof(rec), "{\"type\":\"attempt\",\"id\":\"%s\"}\n", id);
	append_str(sp, rec);
	snprintf(rec, sizeof(rec), "{\"type\":\"event\",\"id\":\"%s0\"}\n", id);
	append_str(sp, rec);
	snprintf(rec, sizeof(rec), "{\"type\":\"event\",\"id\":\"%.35s\"}\n", id);
	append_str(sp, rec);
	/* The one, then more after it in later segments. */
	snprintf(rec, sizeof(rec), "{\"type\":\"event\",\"id\":\"%s\","
	    "\"n\":7}\n", id);
	append_str(sp, rec);
	append_str(sp, "{\"type\":\"event\",\"id\":\"y\"}\n");
	append_str(sp, "{\"type\":\"event\",\"id\":\"q\\\"\"}\n");
	spool_close(sp);

	ck_assert_int_eq(record_find(dir, id, &line, &len), 1);
	ck_assert_uint_eq(len, strlen(rec) - 1);
	ck_assert_mem_eq(line, rec, len);
	ck_assert_int_eq(line[len], '\0');
	free(line);
	line = NULL;
	ck_assert_int_eq(record_find(dir, "q\"", &line, &len), 1);
	ck_assert_str_eq(line, "{\"type\":\"event\",\"id\":\"q\\\"\"}");
	free(line);
	line = NULL;
	ck_assert_int_eq(record_find(dir, "0190a7c2", &line, &len), 0);
	ck_assert_ptr_null(line);
	ck_assert_int_eq(record_find(dir, "", &line, &len), -1);
	missing = path_of(dir, "nope");
	errno = 0;
	ck_assert_int_eq(record_find(missing, id, &line, &len), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(missing);
	tmpdir_rm(dir);
}
END_TEST

static Suite *
spool_suite(void)
{
	Suite	*s = suite_create("spool");
	TCase	*tc;

	tc = tcase_create("open");
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_sealed_segment);
	tcase_add_test(tc, test_gate);
	tcase_add_test(tc, test_open_loose_dir);
	tcase_add_test(tc, test_loose_dir_at_switch);
	tcase_add_test(tc, test_dir_check);
	tcase_add_test(tc, test_dir_moved_away);
	tcase_add_test(tc, test_open_readonly);
	tcase_add_test(tc, test_append_rejects_non_lines);
	tcase_add_test(tc, test_batch_and_reader);
	tcase_add_test(tc, test_modes_and_names);
	tcase_add_test(tc, test_symlink_segment_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_add_test(tc, test_concurrent_never);
	tcase_add_test(tc, test_concurrent_always);
	tcase_add_test(tc, test_group_commit_mark);
	tcase_add_test(tc, test_group_commit_torn_mark);
	tcase_add_test(tc, test_group_commit_stuck_syncer);
	tcase_add_test(tc, test_deferred_commit);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_rotation_stale_writer);
	tcase_add_test(tc, test_lock_protocol);
	suite_add_tcase(s, tc);

	tc = tcase_create("crash");
	tcase_add_test(tc, test_torn_every_offset);
	tcase_add_test(tc, test_torn_full_segment);
	tcase_add_test(tc, test_fence_after_own_record);
	tcase_add_test(tc, test_efbig);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_test(tc, test_hostile_content);
	tcase_add_test(tc, test_non_segments_ignored);
	tcase_add_test(tc, test_json_check_matches_jansson);
	tcase_add_test(tc, test_json_depth);
	tcase_add_test(tc, test_lines_not_records);
	tcase_add_test(tc, test_scan_stop);
	tcase_add_test(tc, test_scan_chunks);
	tcase_add_test(tc, test_find_event);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(spool_suite());
}
