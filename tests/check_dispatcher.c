/*
 * The message from a responder to its dispatcher: what is encoded
 * decodes to the same reference, and a message cut, padded or tampered
 * with is refused, never read past its end.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "check_util.h"
#include "conf.h"
#include "dispatcher.h"
#include "header.h"
#include "record.h"
#include "spool.h"

#define ID	"01a22659-5e7f-76d6-895c-bdfe7b249bad"

static struct dispatcher_ref *
sample(void)
{
	struct dispatcher_ref	*ref;

	ref = calloc(1, sizeof(*ref) + 2 * sizeof(size_t));
	ck_assert_ptr_nonnull(ref);
	memcpy(ref->id, ID, sizeof(ref->id));
	ref->received_us = 1764403200123456;
	ref->segno = 7;
	ref->offset = (off_t)5 << 32;	/* past 4 GiB: 64 bits on the wire */
	ref->nhandlers = 2;
	ref->handlers[0] = 0;
	ref->handlers[1] = 2;
	return ref;
}

static unsigned char	msg[256];

static size_t
sample_msg(void)
{
	struct dispatcher_ref	*ref = sample();
	size_t			 len;

	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_uint_gt(len, 0);
	free(ref);
	return len;
}

START_TEST(test_round_trip)
{
	struct dispatcher_ref	*ref;
	size_t			 len = sample_msg();

	ref = dispatcher_ref_decode(msg, len, 3);
	ck_assert_ptr_nonnull(ref);
	ck_assert_str_eq(ref->id, ID);
	ck_assert_int_eq(ref->received_us, 1764403200123456);
	ck_assert_uint_eq(ref->segno, 7);
	ck_assert_int_eq(ref->offset, (off_t)5 << 32);
	ck_assert_uint_eq(ref->nhandlers, 2);
	ck_assert_uint_eq(ref->handlers[0], 0);
	ck_assert_uint_eq(ref->handlers[1], 2);
	free(ref);
}
END_TEST

/* Every proper prefix, and one byte more, is refused. */
START_TEST(test_cut_and_padded)
{
	size_t	len = sample_msg(), i;

	for (i = 0; i < len; i++) {
		errno = 0;
		ck_assert_msg(dispatcher_ref_decode(msg, i, 3) == NULL,
		    "prefix of %zu bytes accepted", i);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len + 1, 3));
}
END_TEST

/* A handler index the dispatcher's configuration does not have. */
START_TEST(test_handler_index)
{
	size_t	len = sample_msg();

	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 2));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 0));
}
END_TEST

START_TEST(test_bad_fields)
{
	struct dispatcher_ref	*ref = sample();
	size_t			 len;

	/* An id that is not one. */
	len = sample_msg();
	msg[4 + 8] = 'x';
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	/* Another magic. */
	len = sample_msg();
	msg[3] = '2';
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	/* No segment 0, no negative offset, no time before 1970. */
	ref->segno = 0;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	ref->segno = 1;
	ref->offset = -1;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	ref->offset = 0;
	ref->received_us = 0;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	/* No handler at all. */
	ref->received_us = 1;
	ref->nhandlers = 0;
	len = dispatcher_ref_encode(ref, msg, sizeof(msg));
	ck_assert_ptr_null(dispatcher_ref_decode(msg, len, 3));
	free(ref);
}
END_TEST

/* Too many handlers for the buffer: nothing written, 0. */
START_TEST(test_encode_room)
{
	struct dispatcher_ref	*ref = sample();

	ck_assert_uint_eq(dispatcher_ref_encode(ref, msg, 20), 0);
	ck_assert_uint_eq(dispatcher_ref_encode(ref, msg, 4 + 36 + 24 + 4), 0);
	ck_assert_uint_eq(dispatcher_ref_encode(ref, msg, 4 + 36 + 24 + 8),
	    4 + 36 + 24 + 8);
	free(ref);
}
END_TEST

/* Flip every byte in turn: refused or decoded, never a crash. */
START_TEST(test_every_byte)
{
	struct dispatcher_ref	*ref;
	size_t			 len = sample_msg(), i;
	int			 refused = 0;

	for (i = 0; i < len; i++) {
		msg[i] ^= 0xff;
		if ((ref = dispatcher_ref_decode(msg, len, 3)) == NULL)
			refused++;
		free(ref);
		msg[i] ^= 0xff;
	}
	/* Magic, id, count, handlers: most flips break the message. */
	ck_assert_int_gt(refused, (int)len / 2);
}
END_TEST

/* The loop itself. */

static int64_t
now_us(void)
{
	struct timeval	tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Append an event with one handler (index 0); fill ref for it. */
static struct dispatcher_ref *
append_event(struct spool *sp, const char *id, int64_t received_us)
{
	static const char *const	 names[] = { "mark" };
	struct dispatcher_ref		*ref;
	struct header_list		 hl = { NULL, 0, 0 };
	struct event			 ev;
	char				*rec;
	size_t				 len;

	memset(&ev, 0, sizeof(ev));
	memcpy(ev.id, id, sizeof(ev.id));
	ev.received_us = received_us;
	ev.endpoint = "e";
	ev.path = "/e";
	ev.method = "POST";
	ev.headers = &hl;
	ev.body = (const unsigned char *)"{\"n\":1}";
	ev.body_len = 7;
	ev.verification = "none ok";
	ev.handlers = names;
	ev.nhandlers = 1;
	rec = record_event_encode(&ev, &len);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(spool_append(sp, rec, len), 0);
	free(rec);
	ref = calloc(1, sizeof(*ref) + sizeof(size_t));
	memcpy(ref->id, id, sizeof(ref->id));
	ref->received_us = received_us;
	spool_last(sp, &ref->segno, &ref->offset);
	ref->nhandlers = 1;
	ref->handlers[0] = 0;
	return ref;
}

/* How many attempt records of id in state are in the spool. */
static int
attempts(const char *spool, const char *id, const char *state)
{
	char	 cmd[1024], line[16];
	FILE	*p;
	int	 n = -1;

	snprintf(cmd, sizeof(cmd), "cat %s/seg-*.jsonl | grep '\"type\":\"attempt\"'"
	    " | grep '\"id\":\"%s\"' | grep -c '\"state\":\"%s\"'",
	    spool, id, state);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (fgets(line, sizeof(line), p) != NULL)
		n = atoi(line);
	pclose(p);
	return n;
}

static int
exists(const char *dir, const char *name)
{
	char		path[512];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/*
 * In the scratch directory dir, a spool and a configuration whose
 * handler "mark" runs command (with dir as $0); the loaded conf.  Its
 * timeout is a day: a handler that waits for the test must not be
 * killed because a loaded machine made the test slow.
 */
static struct conf *
loop_setup(const char *dir, char *spool, size_t spoolsz, const char *command)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*conf;
	char			 ini[512];
	FILE			*f;

	snprintf(spool, spoolsz, "%s/spool", dir);
	ck_assert_int_eq(mkdir(spool, 0700), 0);
	snprintf(ini, sizeof(ini), "%s/h.ini", dir);
	f = fopen(ini, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[server]\nspool_dir = %s\nfsync = never\n"
	    "[endpoint:e]\npath = /e\n"
	    "[handler:mark]\ncommand = /bin/sh -c '%s' %s\n"
	    "timeout = 86400\n",
	    spool, command, dir);
	fclose(f);
	conf = conf_load(ini, &errs);
	ck_assert_ptr_nonnull(conf);
	conf_errors_free(&errs);
	return conf;
}

/* Fork a dispatcher for conf, its log to errlog (NULL: ours). */
static pid_t
loop_start(const struct conf *conf, int *fd, const char *errlog)
{
	pid_t	pid;
	int	sv[2], lfd;

	ck_assert_int_eq(dispatcher_channel(sv), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(sv[0]);
		if (errlog != NULL) {
			lfd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (lfd == -1 || dup2(lfd, 2) == -1)
				_exit(99);
		}
		_exit(dispatcher_main(conf, sv[1]));
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/* The dispatcher exits, with 0, at the end of its input. */
static void
loop_wait(pid_t pid)
{
	int	status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A dispatcher fed two events: the one received now has its handler run
 * and recorded; the one that waited past DISPATCHER_MAX_WAIT is left
 * alone (wh-retry's); at the end of its input the dispatcher exits.
 */
START_TEST(test_loop)
{
	static const char	 fresh[] = "01a22659-5e7f-76d6-895c-bdfe7b249bad";
	static const char	 stale[] = "01a22659-5e7f-76d6-895c-bdfe7b249bae";
	struct dispatcher_ref	*a, *b;
	struct spool		*sp;
	struct conf		*conf;
	char			*dir = tmpdir_new("check_dispatcher");
	char			 spool[512], name[128];
	pid_t			 pid;
	int			 fd;

	conf = loop_setup(dir, spool, sizeof(spool),
	    "touch \"$0/ran.$WH_EVENT_ID\"");
	sp = spool_open(spool, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	a = append_event(sp, stale,
	    now_us() - (int64_t)(DISPATCHER_MAX_WAIT + 1) * 1000000);
	b = append_event(sp, fresh, now_us());
	spool_close(sp);

	pid = loop_start(conf, &fd, NULL);
	ck_assert_int_eq(dispatcher_send(fd, a), 0);
	ck_assert_int_eq(dispatcher_send(fd, b), 0);
	close(fd);
	loop_wait(pid);

	snprintf(name, sizeof(name), "ran.%s", fresh);
	ck_assert_msg(exists(dir, name), "the fresh event's handler ran");
	snprintf(name, sizeof(name), "ran.%s", stale);
	ck_assert_msg(!exists(dir, name), "the stale event's handler ran");
	ck_assert_int_eq(attempts(spool, fresh, "running"), 1);
	ck_assert_int_eq(attempts(spool, fresh, "done"), 1);
	ck_assert_int_eq(attempts(spool, stale, "running"), 0);
	tmpdir_rm(dir);
	free(a);
	free(b);
	conf_free(conf);
}
END_TEST

/*
 * Send, and when the dispatcher is behind (a send times out after
 * DISPATCHER_SEND_TIMEOUT: slow under valgrind), send again, for up to
 * 30 minutes: a bound only on what would never end, as a loaded machine
 * running the suite under valgrind can take minutes.  A SOCK_SEQPACKET
 * message goes whole or not at all.
 */
static void
send_patiently(int fd, const struct dispatcher_ref *ref)
{
	int	i;

	for (i = 0; i < 1800; i++) {
		if (dispatcher_send(fd, ref) == 0)
			return;
		ck_assert_int_eq(errno, EAGAIN);
	}
	ck_abort_msg("the dispatcher read nothing for 30 minutes");
}

/*
 * 1 once the file holds text, within 30 minutes (under valgrind on a
 * loaded machine a full queue took over 5 to fill and log).
 */
static int
file_has(const char *path, const char *text)
{
	char	buf[4096];
	FILE	*f;
	int	i, found = 0;

	for (i = 0; i < 18000 && !found; i++) {
		if ((f = fopen(path, "r")) != NULL) {
			while (!found && fgets(buf, sizeof(buf), f) != NULL)
				found = strstr(buf, text) != NULL;
			fclose(f);
		}
		if (!found)
			usleep(100000);
	}
	return found;
}

/*
 * A full queue.  DISPATCHER_MAX_RUNNING events whose handler waits for
 * a line from a FIFO fill every slot; DISPATCHER_MAX_QUEUE more (received
 * long ago, so never started once their turn comes) fill the queue; one
 * more is dropped, and logged: its handler is left to wh-retry, no attempt
 * is recorded.  The dispatcher reads on meanwhile, and once the lines
 * come, the running handlers end, the queue drains and it exits.
 */
START_TEST(test_queue_full)
{
	static const char	 extra[] = "01a22659-5e7f-76d6-895c-bdfe7b24ffff";
	struct dispatcher_ref	*ref, **run;
	struct spool		*sp;
	struct conf		*conf;
	char			*dir = tmpdir_new("check_dispatcher");
	char			 spool[512], path[600], id[40], first[40];
	char			 lines[DISPATCHER_MAX_RUNNING];
	pid_t			 pid;
	int			 fd, go, i;
	int64_t			 now = now_us(), old, later;

	/* Each handler sleeps in read(2) until its line comes: no polling. */
	conf = loop_setup(dir, spool, sizeof(spool), "read x < \"$0/go\"");
	snprintf(path, sizeof(path), "%s/go", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	sp = spool_open(spool, FSYNC_NEVER);
	ck_assert_ptr_nonnull(sp);
	run = calloc(DISPATCHER_MAX_RUNNING, sizeof(*run));
	ck_assert_ptr_nonnull(run);
	/*
	 * Received "a day from now": never too old to start, however long a
	 * loaded machine under valgrind takes to start 256 handlers (at
	 * DISPATCHER_MAX_WAIT the dispatcher would leave them to wh-retry,
	 * their slots would stay free and the queue would never fill).
	 */
	later = now + INT64_C(86400) * 1000000;
	for (i = 0; i < DISPATCHER_MAX_RUNNING; i++) {
		snprintf(id, sizeof(id), "01a22659-5e7f-76d6-895c-bdfe7b%06x", i);
		run[i] = append_event(sp, id, later);
	}
	memcpy(first, run[0]->id, sizeof(first) - 1);
	first[sizeof(first) - 1] = '\0';
	spool_close(sp);
	snprintf(path, sizeof(path), "%s/log", dir);

	pid = loop_start(conf, &fd, path);
	for (i = 0; i < DISPATCHER_MAX_RUNNING; i++)
		send_patiently(fd, run[i]);
	/* The stale ones: their records need not exist, nothing reads them. */
	ref = calloc(1, sizeof(*ref) + sizeof(size_t));
	ck_assert_ptr_nonnull(ref);
	old = now - (int64_t)(DISPATCHER_MAX_WAIT + 1) * 1000000;
	ref->received_us = old;
	ref->segno = 1;
	ref->nhandlers = 1;
	for (i = 0; i < DISPATCHER_MAX_QUEUE; i++) {
		snprintf(id, sizeof(id), "01a22659-5e7f-76d6-895c-%012x", i);
		memcpy(ref->id, id, sizeof(ref->id));
		send_patiently(fd, ref);
	}
	memcpy(ref->id, extra, sizeof(ref->id));
	ref->received_us = now;
	send_patiently(fd, ref);
	ck_assert_msg(file_has(path, "queue full"), "a full queue is logged");
	ck_assert_msg(file_has(path, extra), "... with the id dropped");

	/* One line per handler, the pipe held open until every one has read. */
	snprintf(path, sizeof(path), "%s/go", dir);
	ck_assert_int_ne(go = open(path, O_RDWR), -1);
	memset(lines, '\n', sizeof(lines));
	ck_assert_int_eq(write(go, lines, sizeof(lines)), sizeof(lines));
	close(fd);
	loop_wait(pid);
	close(go);
	ck_assert_int_eq(attempts(spool, first, "done"), 1);
	ck_assert_int_eq(attempts(spool, extra, "running"), 0);
	tmpdir_rm(dir);
	for (i = 0; i < DISPATCHER_MAX_RUNNING; i++)
		free(run[i]);
	free(run);
	free(ref);
	conf_free(conf);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dispatcher");
	TCase	*tc = tcase_create("message");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_cut_and_padded);
	tcase_add_test(tc, test_handler_index);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_encode_room);
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);
	tc = tcase_create("loop");
	tcase_add_test(tc, test_loop);
	tcase_add_test(tc, test_queue_full);
	suite_add_tcase(s, tc);
	return check_run(s);
}
