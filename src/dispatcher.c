/*
 * dispatcher: the process that runs a responder's handlers, from its
 * fork to its exit.  As FastCGI, one long-lived process per responder:
 * forking a dispatcher for every event cost more than the whole request
 * (the page tables of every mapped library copied, then torn down);
 * this one is forked on the first dispatcher_submit(), fed over a
 * socketpair, let go by dispatcher_stop() (on a reload the next submit
 * forks one with the new configuration), and forked anew if it is
 * gone.  As CGI, dispatcher_detach() forks one for the single event.
 *
 * What travels is small and fixed: the event's id, when it came, the
 * segment and offset of its record, the indexes of its handlers, as one
 * SOCK_SEQPACKET message in this host's byte order (both ends are the
 * same program).  The record itself is read back from the spool when
 * the event's turn comes, so the queue costs a few dozen bytes an event
 * and a burst of events is answered at the responder's pace, whatever
 * the handlers cost.
 *
 * The event loop runs up to DISPATCHER_MAX_RUNNING events at once and
 * polls the socket, each running command's output pipe and its pidfd.
 * Nothing is ever lost by this process: an event it cannot take (queue
 * full, waited too long, record unreadable, dispatcher killed) keeps its
 * handlers listed in its record with no attempt, and wh-retry starts
 * them after its grace period (history_due()).
 */
#include "config.h"

#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "attempt.h"
#include "dispatcher.h"
#include "event.h"
#include "limit.h"
#include "log.h"
#include "metrics.h"
#include "pause.h"
#include "record.h"
#include "sink.h"
#include "spool.h"

#define POLL_TICK_MS	20	/* without pidfds: how often to look */
#define START_BATCH	4	/* events started between looks at the socket */
#define LIMIT_RETRY_US	20000	/* a handler at max_concurrency: look again */
#define SINK_BATCH	64	/* sink attempts sent to Redis at once, at most */

/* The message: "WHR1", id, then fixed-size fields in host order. */

#define MAGIC		"WHR1"
#define MSG_MAX		16384
#define MSG_FIXED	(4 + EVENT_ID_LEN + 8 + 4 + 8 + 4)

static unsigned char *
put(unsigned char *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

size_t
dispatcher_ref_encode(const struct dispatcher_ref *ref, unsigned char *buf,
    size_t len)
{
	unsigned char	*p = buf;
	int64_t		 received = ref->received_us, off = ref->offset;
	uint32_t	 segno = ref->segno, n = (uint32_t)ref->nhandlers, h;
	size_t		 i;

	if (len < MSG_FIXED || ref->nhandlers > (len - MSG_FIXED) / 4)
		return 0;
	p = put(p, MAGIC, 4);
	p = put(p, ref->id, EVENT_ID_LEN);
	p = put(p, &received, 8);
	p = put(p, &segno, 4);
	p = put(p, &off, 8);
	p = put(p, &n, 4);
	for (i = 0; i < ref->nhandlers; i++) {
		h = (uint32_t)ref->handlers[i];
		p = put(p, &h, 4);
	}
	return (size_t)(p - buf);
}

struct dispatcher_ref *
dispatcher_ref_decode(const unsigned char *buf, size_t len, size_t nhandlers)
{
	struct dispatcher_ref	*ref;
	const unsigned char	*p = buf + 4;
	int64_t			 received, off;
	uint32_t		 segno, n, h;
	size_t			 i;

	errno = EINVAL;
	if (len < MSG_FIXED || memcmp(buf, MAGIC, 4) != 0)
		return NULL;
	memcpy(&n, buf + MSG_FIXED - 4, 4);
	if (n == 0 || n > nhandlers || len != MSG_FIXED + (size_t)n * 4)
		return NULL;
	if ((ref = calloc(1, sizeof(*ref) + n * sizeof(size_t))) == NULL)
		return NULL;
	memcpy(ref->id, p, EVENT_ID_LEN);
	p += EVENT_ID_LEN;
	memcpy(&received, p, 8);
	memcpy(&segno, p + 8, 4);
	memcpy(&off, p + 12, 8);
	p += 24;
	if (!event_id_valid(ref->id) || received <= 0 || segno == 0 ||
	    off < 0)
		goto bad;
	ref->received_us = received;
	ref->segno = segno;
	ref->offset = (off_t)off;
	for (i = 0; i < n; i++, p += 4) {
		memcpy(&h, p, 4);
		if (h >= nhandlers)
			goto bad;
		ref->handlers[i] = h;
	}
	ref->nhandlers = n;
	return ref;
bad:
	free(ref);
	errno = EINVAL;
	return NULL;
}

/* The responder's side. */

int
dispatcher_channel(int sv[2])
{
	struct timeval	tv = { DISPATCHER_SEND_TIMEOUT, 0 };

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ==
	    -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	return 0;
}

int
dispatcher_send(int fd, const struct dispatcher_ref *ref)
{
	unsigned char	buf[MSG_MAX];
	size_t		len;
	ssize_t		n;

	if ((len = dispatcher_ref_encode(ref, buf, sizeof(buf))) == 0) {
		errno = E2BIG;
		return -1;
	}
	do {
		n = send(fd, buf, len, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	/* SO_SNDTIMEO ran out: the dispatcher is behind. */
	if (n == -1 && errno == EWOULDBLOCK)
		errno = EAGAIN;
	return n == -1 ? -1 : 0;
}

int
dispatcher_alive(const struct dispatcher *d)
{
	struct pollfd	pfd;

	if (d->fd == -1)
		return 1;
	pfd.fd = d->fd;
	pfd.events = 0;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1)
		return 1;		/* no news is not bad news */
	return (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) == 0;
}

void
dispatcher_init(struct dispatcher *d, int listen_fd)
{
	d->fd = -1;
	d->listen_fd = listen_fd;
}

/*
 * In the forked dispatcher: it keeps nothing of the responder's but the
 * log: not the listening socket (a web server must see the responder
 * gone when it is), not the FastCGI connection, not the responder's
 * spool file (its flock is the responder's).  Never returns.
 */
static void
child(const struct dispatcher *d, const struct conf *conf, int fd)
{
	int	null;

	closelog();
	if (fd != 3 && dup2(fd, 3) == -1)
		_exit(1);
	close_range(4, ~0U, 0);
	if (d->listen_fd == STDIN_FILENO &&
	    (null = open("/dev/null", O_RDONLY)) != -1) {
		dup2(null, STDIN_FILENO);
		if (null != STDIN_FILENO)
			close(null);
	}
	log_reopen();
	_exit(dispatcher_main(conf, 3));
}

/* Fork a dispatcher with conf, on a new socketpair.  0, or -1. */
static int
dispatcher_start(struct dispatcher *d, const struct conf *conf)
{
	pid_t	pid;
	int	sv[2];

	if (dispatcher_channel(sv) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0)
		child(d, conf, sv[1]);
	close(sv[1]);
	d->fd = sv[0];
	return 0;
}

void
dispatcher_stop(struct dispatcher *d)
{
	if (d->fd != -1)
		close(d->fd);
	d->fd = -1;
}

int
dispatcher_submit(struct dispatcher *d, const struct conf *conf,
    const struct attempt_job *job, int64_t received_us, unsigned segno,
    off_t offset)
{
	struct dispatcher_ref	*ref;
	int			 tries, rc = -1;

	if ((ref = calloc(1, sizeof(*ref) + job->nhandlers *
	    sizeof(size_t))) == NULL)
		return -1;
	memcpy(ref->id, job->id, sizeof(ref->id));
	ref->received_us = received_us;
	ref->segno = segno;
	ref->offset = offset;
	ref->nhandlers = job->nhandlers;
	memcpy(ref->handlers, job->handlers, job->nhandlers * sizeof(size_t));
	/* One that is gone (killed, or exited) is started anew, once. */
	for (tries = 0; tries < 2 && rc == -1; tries++) {
		if (d->fd == -1 && dispatcher_start(d, conf) == -1)
			break;
		if ((rc = dispatcher_send(d->fd, ref)) == -1 &&
		    errno != EPIPE && errno != ECONNRESET &&
		    errno != ECONNREFUSED)
			break;
		if (rc == -1)
			dispatcher_stop(d);
	}
	free(ref);
	return rc;
}

/*
 * In either kind of dispatcher process, forked from a responder: the
 * default SIGTERM, SIGINT and SIGCHLD, SIGHUP ignored (a reload is the
 * responder's), and our priority lowered by handler_nice, for the
 * dispatcher and the commands it starts: under load the answers come
 * first, the handlers after.
 */
static void
child_init(const struct conf *conf)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	errno = 0;
	if (conf->server.handler_nice > 0 &&
	    nice(conf->server.handler_nice) == -1 && errno != 0)
		log_warn("handler_nice %d", conf->server.handler_nice);
}

/*
 * A paused handler does not start here: wh-retry runs its attempt once
 * it is resumed (the one rule for handlers a dispatcher never started).
 * Nor does a serialized one (serialize_by): wh-retry alone runs those,
 * one event of a key after the other.
 */
static int
held(const struct conf *conf, const struct handler *h,
    const struct attempt_job *job)
{
	if (h->serialize_by != NULL) {
		log_debug("id=%s handler=%s: serialized: left to wh-retry",
		    job->id, h->name);
		return 1;
	}
	if (!pause_held(conf->server.spool_dir, h->name))
		return 0;
	log_info("id=%s handler=%s: paused, left to wh-retry", job->id,
	    h->name);
	return 1;
}

/*
 * A dispatcher may wait for one of a handler's max_concurrency slots
 * until DISPATCHER_MAX_WAIT after the event came (its id says when),
 * and no longer: wh-retry starts a handler never started only well
 * after that, and the two must never start the same one.
 */
static int64_t
limit_until(const struct attempt_job *job)
{
	return event_id_time(job->id) + (int64_t)DISPATCHER_MAX_WAIT * 1000000;
}

static void
limit_left(const struct handler *h, const struct attempt_job *job, int rc)
{
	if (rc == 0)
		log_info("id=%s handler=%s: max_concurrency %d reached for "
		    "%d s: left to wh-retry", job->id, h->name,
		    h->max_concurrency, DISPATCHER_MAX_WAIT);
	else
		log_warn("id=%s handler=%s: max_concurrency slot in %s/%s: "
		    "left to wh-retry", job->id, h->name,
		    "the spool", LIMIT_DIR);
}

/* This process's metrics slot; NULL without metrics_path. */
static struct metrics_slot *
metrics_of(const struct conf *conf)
{
	if (conf->server.metrics_path == NULL)
		return NULL;
	return metrics_process(conf->server.spool_dir);
}

/* As CGI: a dispatcher of the event's own. */

/* The detached dispatcher: every handler of the job, in order. */
static void
detached(const struct conf *conf, const struct attempt_job *job)
{
	const struct handler	*h;
	struct spool		*sp;
	struct metrics_slot	*m;
	size_t			 i;
	int			 fd, lfd, rc;

	child_init(conf);
	/* Not the listening socket: the web server must see us gone. */
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	/* Our own open file, hence our own flock(2) on it. */
	if ((sp = spool_open(conf->server.spool_dir, conf->server.fsync)) ==
	    NULL) {
		log_warn("id=%s: spool %s", job->id, conf->server.spool_dir);
		_exit(1);
	}
	m = metrics_of(conf);
	if (m != NULL)
		metrics_set(m, &m->dispatcher_running, 1);
	for (i = 0; i < job->nhandlers; i++) {
		h = &conf->handlers[job->handlers[i]];
		if (held(conf, h, job))
			continue;
		if ((rc = limit_wait(conf->server.spool_dir, h,
		    limit_until(job), NULL, &lfd)) != 1) {
			limit_left(h, job, rc);
			continue;
		}
		attempt_run(sp, conf, h, job, 1);
		limit_release(lfd);
	}
	if (m != NULL)
		metrics_set(m, &m->dispatcher_running, 0);
	spool_close(sp);
	_exit(0);
}

int
dispatcher_detach(const struct conf *conf, const struct attempt_job *job)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		detached(conf, job);
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
	return 0;
}

/* The dispatcher's side. */

struct slot {
	struct attempt_job	*job;	/* NULL: free */
	size_t			 next;	/* index into job->handlers */
	struct attempt_proc	 run;
	int			 pidfd;
	int			 lfd;	/* its max_concurrency slot, or -1 */
	int64_t			 retry_at; /* waiting for one: look again
					 * then (CLOCK_MONOTONIC); else 0 */
	/* a sink's attempt waiting for loop_sink(): the handler; or NULL */
	const struct handler	*sink;
	short			 out_ev;	/* revents of the last poll */
	short			 pid_ev;
};

struct loop {
	const struct conf	*conf;
	struct spool		*sp;
	struct spool_reader	*reader;	/* of event records */
	int			 fd;		/* from the responder */
	int			 eof;		/* it has closed its end */
	struct dispatcher_ref	*head, *tail;	/* the queue */
	size_t			 queued;
	size_t			 dropped;	/* for a full queue */
	struct slot		 slots[DISPATCHER_MAX_RUNNING];
	size_t			 running;
	/* The poll set, and the slot of each entry (NULL: the socket). */
	struct pollfd		 pfd[1 + 2 * DISPATCHER_MAX_RUNNING];
	struct slot		*who[1 + 2 * DISPATCHER_MAX_RUNNING];
	size_t			 npfd;
	/* Slots whose sink attempt waits to be sent, and their items. */
	struct slot		*sinkq[DISPATCHER_MAX_RUNNING];
	size_t			 nsink;
	struct sink_item	 sinkit[DISPATCHER_MAX_RUNNING];
};

/*
 * The job of a ref: its event read back from the spool, with the ref's
 * handlers.  NULL (logged) if the record is not there: its handlers are
 * then wh-retry's to start.
 */
static struct attempt_job *
load(struct loop *l, const struct dispatcher_ref *ref)
{
	struct attempt_job	*job = NULL;
	json_t			*rec = NULL;
	const char		*id;
	char			 seg[64], err[128], *line = NULL;
	size_t			 len, i;
	int			 flags = RECORD_JOB_NO_PAYLOAD;

	spool_segment_name(ref->segno, seg, sizeof(seg));
	if ((l->reader == NULL && (l->reader = spool_reader_open(
	    l->conf->server.spool_dir)) == NULL) ||
	    spool_reader_line(l->reader, seg, ref->offset, &line, &len) ==
	    -1) {
		spool_reader_close(l->reader);	/* anew next time */
		l->reader = NULL;
		log_warn("id=%s: %s at %lld: handlers left to wh-retry",
		    ref->id, seg, (long long)ref->offset);
		return NULL;
	}
	rec = record_decode(line, len, err, sizeof(err));
	id = json_string_value(json_object_get(rec, "id"));
	if (id == NULL || strcmp(id, ref->id) != 0) {
		log_warnx("id=%s: not the record at %s %lld: handlers left "
		    "to wh-retry", ref->id, seg, (long long)ref->offset);
		goto out;
	}
	/* Only a command's placeholders need the payload: a sink's
	 * event goes as it came. */
	for (i = 0; i < ref->nhandlers; i++)
		if (l->conf->handlers[ref->handlers[i]].sink == NULL)
			flags = 0;
	if ((job = record_job_opt(l->conf, rec, flags)) == NULL ||
	    (job->handlers = calloc(ref->nhandlers, sizeof(size_t))) == NULL) {
		log_warn("id=%s: handlers left to wh-retry", ref->id);
		attempt_job_free(job);
		job = NULL;
		goto out;
	}
	memcpy(job->handlers, ref->handlers, ref->nhandlers * sizeof(size_t));
	job->nhandlers = ref->nhandlers;
	job->record = line;
	job->record_len = len;
	line = NULL;
out:
	json_decref(rec);
	free(line);
	return job;
}

/*
 * Start the slot's next handler that can start; free the slot when none
 * is left.  Attempts that could not be recorded are skipped, as in
 * attempt_run(); without a spool nothing starts, and wh-retry will
 * find the handlers of the event never started.
 */
static void
slot_unlimit(struct slot *s)
{
	limit_release(s->lfd);
	s->lfd = -1;
}

static void
slot_next(struct loop *l, struct slot *s)
{
	const struct handler	*h;
	int			 rc;

	s->pidfd = -1;
	s->retry_at = 0;
	for (; s->next < s->job->nhandlers; s->next++) {
		if (l->sp == NULL && (l->sp = spool_open(
		    l->conf->server.spool_dir, l->conf->server.fsync)) == NULL) {
			log_warn("id=%s: spool %s: handlers left to wh-retry",
			    s->job->id, l->conf->server.spool_dir);
			break;
		}
		h = &l->conf->handlers[s->job->handlers[s->next]];
		if (held(l->conf, h, s->job))
			continue;
		if ((rc = limit_take(l->conf->server.spool_dir, h,
		    &s->lfd)) == 0 && wall_us() < limit_until(s->job)) {
			s->retry_at = mono_us() + LIMIT_RETRY_US;
			return;		/* every slot taken: look again */
		}
		if (rc != 1) {
			limit_left(h, s->job, rc);
			continue;
		}
		if (h->sink != NULL) {		/* begun by loop_sink() */
			s->sink = h;
			l->sinkq[l->nsink++] = s;
			return;
		}
		if (attempt_begin(l->sp, h, s->job, 1, &s->run) == -1) {
			slot_unlimit(s);
			continue;
		}
		if (s->run.pid == -1) {
			attempt_end(l->sp, l->conf, s->job, &s->run, 0, 0);
			slot_unlimit(s);
			continue;
		}
		s->pidfd = pidfd_open(s->run.pid, 0);
		return;
	}
	attempt_job_free(s->job);
	s->job = NULL;
	l->running--;
}

static void
slot_end(struct loop *l, struct slot *s, int status, int timed_out)
{
	if (s->pidfd != -1)
		close(s->pidfd);
	attempt_end(l->sp, l->conf, s->job, &s->run, status, timed_out);
	slot_unlimit(s);
	s->next++;
	slot_next(l, s);
}

/*
 * The sink attempts of the slots, in one batch: their "running" records
 * in one write to the spool (none written, none sent), then a
 * pipelined round trip per Redis address, then their outcomes in one
 * write.  Each slot then goes on to its next handler, which may be
 * another sink's, for the next batch.
 */
static void
loop_sink(struct loop *l)
{
	struct slot	*v[DISPATCHER_MAX_RUNNING], *s;
	size_t		 i, n = l->nsink, m = 0;

	memcpy(v, l->sinkq, n * sizeof(v[0]));
	l->nsink = 0;
	spool_batch(l->sp);
	for (i = 0; i < n; i++)		/* -1 only without memory */
		if (attempt_begin(l->sp, v[i]->sink, v[i]->job, 1,
		    &v[i]->run) == 0)
			v[m++] = v[i];
		else
			l->sinkq[l->nsink++] = v[i];	/* not begun */
	if (spool_batch_write(l->sp) == -1) {
		log_warn("%zu sink attempts: cannot record them: left to "
		    "wh-retry", m);
		memcpy(l->sinkq + l->nsink, v, m * sizeof(v[0]));
		l->nsink += m;
		m = 0;
	}
	for (i = 0; i < m; i++)
		attempt_sink_item(l->conf, v[i]->job, &v[i]->run,
		    &l->sinkit[i]);
	sink_deliver(l->sinkit, m);
	spool_batch(l->sp);
	for (i = 0; i < m; i++)
		attempt_sink_end(l->sp, l->conf, v[i]->job, &v[i]->run,
		    &l->sinkit[i]);
	if (spool_batch_write(l->sp) == -1)
		log_warn("cannot record the outcomes of %zu sink attempts", m);
	/* Those not begun, then those done: on to their next handler. */
	memcpy(v + m, l->sinkq, l->nsink * sizeof(v[0]));
	n = m + l->nsink;
	l->nsink = 0;
	for (i = 0; i < n; i++) {
		s = v[i];
		s->sink = NULL;
		slot_unlimit(s);
		s->next++;
		slot_next(l, s);
	}
}

/*
 * Start queued events while there is room.  One that waited longer than
 * DISPATCHER_MAX_WAIT is not started: wh-retry starts the handlers of an
 * event that has none under way after its grace period (30 s), and the
 * two must never run the same attempt.
 */
static void
start_queued(struct loop *l)
{
	struct dispatcher_ref	*ref;
	struct attempt_job	*job;
	size_t			 i = 0, started = 0;

	while (l->head != NULL && l->running < DISPATCHER_MAX_RUNNING &&
	    started++ < START_BATCH) {
		ref = l->head;
		if ((l->head = ref->next) == NULL)
			l->tail = NULL;
		l->queued--;
		if (wall_us() - ref->received_us >
		    (int64_t)DISPATCHER_MAX_WAIT * 1000000) {
			log_warnx("id=%s: waited over %d s to start: handlers "
			    "left to wh-retry", ref->id, DISPATCHER_MAX_WAIT);
			free(ref);
			continue;
		}
		job = load(l, ref);
		free(ref);
		if (job == NULL)
			continue;
		while (l->slots[i].job != NULL)
			i++;
		l->slots[i].job = job;
		l->slots[i].next = 0;
		l->slots[i].lfd = -1;
		l->running++;
		slot_next(l, &l->slots[i]);
	}
}

/*
 * One message from the responder (its socket is non-blocking).  Returns
 * 1 for a message, 0 if there is none now, -1 at end of input.
 */
static int
loop_receive(struct loop *l)
{
	struct dispatcher_ref	*ref;
	struct metrics_slot	*m;
	unsigned char		 buf[MSG_MAX];
	ssize_t			 n;

	n = recv(l->fd, buf, sizeof(buf), MSG_TRUNC);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	if ((size_t)n > sizeof(buf) || (ref = dispatcher_ref_decode(buf,
	    (size_t)n, l->conf->nhandlers)) == NULL) {
		log_warnx("dropped a malformed message from the responder");
		return 1;
	}
	/*
	 * Full: the event stays in the spool with its handlers listed and
	 * no attempt, for wh-retry.  Reading on keeps the responder from
	 * waiting on a socket that does not drain.
	 */
	if (l->queued >= DISPATCHER_MAX_QUEUE) {
		if (l->dropped++ % 1000 == 0)
			log_warnx("id=%s: queue full (%d events): handlers "
			    "left to wh-retry (%zu events so far)", ref->id,
			    DISPATCHER_MAX_QUEUE, l->dropped);
		if ((m = metrics_of(l->conf)) != NULL)
			metrics_add(m, &m->dispatcher_overflows, 1);
		free(ref);
		return 1;
	}
	if (l->tail != NULL)
		l->tail->next = ref;
	else
		l->head = ref;
	l->tail = ref;
	l->queued++;
	return 1;
}

/* Has the command of a running slot exited, or run out of time? */
static void
check_slot(struct loop *l, struct slot *s, int64_t now)
{
	pid_t	pid;
	int	status = 0;

	if (s->sink)			/* loop_sink()'s */
		return;
	if (s->retry_at != 0) {		/* waiting for a slot */
		if (now >= s->retry_at)
			slot_next(l, s);
		return;
	}
	if (s->out_ev & (POLLIN | POLLHUP | POLLERR))
		attempt_read(&s->run);
	if (s->pidfd != -1 && !(s->pid_ev & (POLLIN | POLLHUP)) &&
	    now < s->run.deadline)
		return;
	do {
		pid = waitpid(s->run.pid, &status, WNOHANG);
	} while (pid == -1 && errno == EINTR);
	if (pid == -1) {
		s->run.at.error = "cannot wait for the command";
		slot_end(l, s, 0, 0);
	} else if (pid == s->run.pid)
		slot_end(l, s, status, 0);
	else if (now >= s->run.deadline) {
		attempt_kill(s->run.pid, &status);
		slot_end(l, s, status, 1);
	}
}

/*
 * The socket first, what is there (up to 1024 messages): a responder
 * whose send finds no room waits (up to DISPATCHER_SEND_TIMEOUT), and
 * the answers must not go at the pace of the handlers.
 */
static void
loop_read(struct loop *l)
{
	size_t	i;
	int	rc;

	for (i = 0; i < 1024 && !l->eof && (rc = loop_receive(l)) != 0; i++)
		if (rc == -1)
			l->eof = 1;
}

/* A descriptor to poll for reading, for slot s (NULL: the socket). */
static void
loop_watch(struct loop *l, int fd, struct slot *s)
{
	l->pfd[l->npfd].fd = fd;
	l->pfd[l->npfd].events = POLLIN;
	l->who[l->npfd++] = s;
}

/*
 * Build the poll set: the socket until its end, and each running
 * command's output pipe and pidfd.  Returns poll(2)'s timeout: up to the
 * nearest deadline, at most POLL_TICK_MS when a command has no pidfd to
 * wake us, 0 when more events wait for a free slot.
 */
static int
loop_pollset(struct loop *l)
{
	struct slot	*s;
	size_t		 i;
	int64_t		 now, wait_us = -1;	/* -1: no deadline */
	int		 tick = 0, timeout;

	l->npfd = 0;
	if (!l->eof)
		loop_watch(l, l->fd, NULL);
	now = mono_us();
	for (i = 0; i < DISPATCHER_MAX_RUNNING; i++) {
		s = &l->slots[i];
		if (s->job == NULL)
			continue;
		s->out_ev = s->pid_ev = 0;
		if (s->sink)
			continue;
		if (s->retry_at != 0) {
			if (wait_us == -1 || s->retry_at - now < wait_us)
				wait_us = s->retry_at > now ?
				    s->retry_at - now : 0;
			continue;
		}
		if (s->run.fd != -1)
			loop_watch(l, s->run.fd, s);
		if (s->pidfd != -1)
			loop_watch(l, s->pidfd, s);
		else
			tick = 1;
		if (wait_us == -1 || s->run.deadline - now < wait_us)
			wait_us = s->run.deadline > now ?
			    s->run.deadline - now : 0;
	}
	timeout = wait_us == -1 ? -1 : (int)((wait_us + 999) / 1000);
	if (tick && (timeout == -1 || timeout > POLL_TICK_MS))
		timeout = POLL_TICK_MS;
	/* More to start: only look, do not wait. */
	if ((l->head != NULL && l->running < DISPATCHER_MAX_RUNNING) ||
	    l->nsink > 0)
		timeout = 0;
	return timeout;
}

/* Hand what poll(2) found to the slots, then look at each. */
static void
loop_revents(struct loop *l)
{
	struct slot	*s;
	size_t		 i;
	int64_t		 now;

	for (i = 0; i < l->npfd; i++) {
		if ((s = l->who[i]) == NULL)
			continue;
		if (l->pfd[i].fd == s->pidfd)
			s->pid_ev = l->pfd[i].revents;
		else
			s->out_ev = l->pfd[i].revents;
	}
	now = mono_us();
	for (i = 0; i < DISPATCHER_MAX_RUNNING; i++)
		if (l->slots[i].job != NULL)
			check_slot(l, &l->slots[i], now);
}

/* The gauges of this dispatcher, when they have changed. */
static void
loop_gauges(struct loop *l)
{
	struct metrics_slot	*m;

	if ((m = metrics_of(l->conf)) == NULL)
		return;
	if (m->dispatcher_queued != l->queued)
		metrics_set(m, &m->dispatcher_queued, l->queued);
	if (m->dispatcher_running != l->running)
		metrics_set(m, &m->dispatcher_running, l->running);
}

/* At the end: what is still queued is wh-retry's. */
static void
loop_free(struct loop *l)
{
	struct dispatcher_ref	*ref;

	while ((ref = l->head) != NULL) {
		l->head = ref->next;
		log_warnx("id=%s: handlers left to wh-retry", ref->id);
		free(ref);
	}
	spool_close(l->sp);
	spool_reader_close(l->reader);
	close(l->fd);
	free(l);
	sink_close_all();
}

int
dispatcher_main(const struct conf *conf, int fd)
{
	struct loop	*l;
	int		 timeout;

	child_init(conf);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("dispatcher");
		return 1;
	}
	l->conf = conf;
	l->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!l->eof || l->running > 0 || l->head != NULL) {
		loop_read(l);
		start_queued(l);
		/* A batch for Redis once it is full, or nothing more can
		 * join it now. */
		if (l->nsink > 0 && (l->nsink >= SINK_BATCH || l->head == NULL ||
		    l->running >= DISPATCHER_MAX_RUNNING))
			loop_sink(l);
		loop_gauges(l);
		timeout = loop_pollset(l);
		/* No socket, nothing running: only the queue is left. */
		if (l->npfd == 0 && l->running == 0)
			continue;
		if (poll(l->pfd, l->npfd, timeout) == -1 && errno != EINTR) {
			log_warn("dispatcher: poll");
			break;
		}
		loop_revents(l);
	}
	l->queued = l->running = 0;
	loop_gauges(l);
	loop_free(l);
	return 0;
}
