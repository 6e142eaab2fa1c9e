/*
 * dispatcher: one long-lived process per FastCGI responder runs its
 * handlers.  Forking a dispatcher for every event cost more than the
 * whole request (the page tables of every mapped library copied, then
 * torn down); this one is forked once and fed over a socketpair.
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "dispatch.h"
#include "dispatcher.h"
#include "event.h"
#include "log.h"
#include "record.h"
#include "spool.h"

#define POLL_TICK_MS	20	/* without pidfds: how often to look */
#define START_BATCH	4	/* events started between looks at the socket */

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

/* The dispatcher's side. */

struct slot {
	struct dispatch_job	*job;	/* NULL: free */
	size_t			 next;	/* index into job->handlers */
	struct dispatch_run	 run;
	int			 pidfd;
	short			 out_ev;	/* revents of the last poll */
	short			 pid_ev;
};

struct loop {
	const struct conf	*conf;
	struct spool		*sp;
	struct dispatcher_ref	*head, *tail;	/* the queue */
	size_t			 queued;
	size_t			 dropped;	/* for a full queue */
	struct slot		 slots[DISPATCHER_MAX_RUNNING];
	size_t			 running;
};

/*
 * The job of a ref: its event read back from the spool, with the ref's
 * handlers.  NULL (logged) if the record is not there: its handlers are
 * then wh-retry's to start.
 */
static struct dispatch_job *
load(const struct loop *l, const struct dispatcher_ref *ref)
{
	struct dispatch_job	*job = NULL;
	json_t			*rec = NULL;
	const char		*id;
	char			 seg[64], err[128], *line = NULL;
	size_t			 len;

	spool_segment_name(ref->segno, seg, sizeof(seg));
	if (spool_read_line(l->conf->server.spool_dir, seg, ref->offset,
	    &line, &len) == -1) {
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
	if ((job = record_job(rec)) == NULL ||
	    (job->handlers = calloc(ref->nhandlers, sizeof(size_t))) == NULL) {
		log_warn("id=%s: handlers left to wh-retry", ref->id);
		dispatch_job_free(job);
		job = NULL;
		goto out;
	}
	memcpy(job->handlers, ref->handlers, ref->nhandlers * sizeof(size_t));
	job->nhandlers = ref->nhandlers;
out:
	json_decref(rec);
	free(line);
	return job;
}

/*
 * Start the slot's next handler that can start; free the slot when none
 * is left.  Attempts that could not be recorded are skipped, as in
 * dispatch_attempt(); without a spool nothing starts, and wh-retry will
 * find the handlers of the event never started.
 */
static void
slot_next(struct loop *l, struct slot *s)
{
	const struct handler	*h;

	s->pidfd = -1;
	for (; s->next < s->job->nhandlers; s->next++) {
		if (l->sp == NULL && (l->sp = spool_open(
		    l->conf->server.spool_dir, l->conf->server.fsync)) == NULL) {
			log_warn("id=%s: spool %s: handlers left to wh-retry",
			    s->job->id, l->conf->server.spool_dir);
			break;
		}
		h = &l->conf->handlers[s->job->handlers[s->next]];
		if (dispatch_begin(l->sp, h, s->job, 1, &s->run) == -1)
			continue;
		if (s->run.pid == -1) {
			dispatch_end(l->sp, l->conf, s->job, &s->run, 0, 0);
			continue;
		}
		s->pidfd = pidfd_open(s->run.pid, 0);
		return;
	}
	dispatch_job_free(s->job);
	s->job = NULL;
	l->running--;
}

static void
slot_end(struct loop *l, struct slot *s, int status, int timed_out)
{
	if (s->pidfd != -1)
		close(s->pidfd);
	dispatch_end(l->sp, l->conf, s->job, &s->run, status, timed_out);
	s->next++;
	slot_next(l, s);
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
	struct dispatch_job	*job;
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
		l->running++;
		slot_next(l, &l->slots[i]);
	}
}

/*
 * One message from the responder (fd is non-blocking).  Returns 1 for a
 * message, 0 if there is none now, -1 at end of input.
 */
static int
receive_ref(struct loop *l, int fd)
{
	struct dispatcher_ref	*ref;
	unsigned char		 buf[MSG_MAX];
	ssize_t			 n;

	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
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

	if (s->out_ev & (POLLIN | POLLHUP | POLLERR))
		dispatch_read(&s->run);
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
		dispatch_kill(s->run.pid, &status);
		slot_end(l, s, status, 1);
	}
}

int
dispatcher_main(const struct conf *conf, int fd)
{
	struct loop		*l;
	struct dispatcher_ref	*ref;
	struct pollfd		 pfd[1 + 2 * DISPATCHER_MAX_RUNNING];
	struct slot		*who[1 + 2 * DISPATCHER_MAX_RUNNING];
	size_t			 i, n;
	int64_t			 now, wait_us;	/* -1: no deadline */
	int			 eof = 0, tick, timeout, rc = 0;

	dispatch_child_init(conf);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("dispatcher");
		return 1;
	}
	l->conf = conf;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!eof || l->running > 0 || l->head != NULL) {
		/*
		 * The socket first, what is there (up to 1024): a
		 * responder whose send finds no room waits (up to
		 * DISPATCHER_SEND_TIMEOUT), and the answers must not go at
		 * the pace of the handlers.
		 */
		for (i = 0; i < 1024 && !eof &&
		    (rc = receive_ref(l, fd)) != 0; i++)
			if (rc == -1)
				eof = 1;
		start_queued(l);
		n = 0;
		if (!eof) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			who[n++] = NULL;
		}
		now = mono_us();
		wait_us = -1;
		tick = 0;
		for (i = 0; i < DISPATCHER_MAX_RUNNING; i++) {
			struct slot	*s = &l->slots[i];

			if (s->job == NULL)
				continue;
			s->out_ev = s->pid_ev = 0;
			if (s->run.fd != -1) {
				pfd[n].fd = s->run.fd;
				pfd[n].events = POLLIN;
				who[n++] = s;
			}
			if (s->pidfd != -1) {
				pfd[n].fd = s->pidfd;
				pfd[n].events = POLLIN;
				who[n++] = s;
			} else
				tick = 1;
			if (wait_us == -1 || s->run.deadline - now < wait_us)
				wait_us = s->run.deadline > now ?
				    s->run.deadline - now : 0;
		}
		if (n == 0 && l->running == 0)	/* no socket, nothing running */
			continue;
		timeout = wait_us == -1 ? -1 : (int)((wait_us + 999) / 1000);
		if (tick && (timeout == -1 || timeout > POLL_TICK_MS))
			timeout = POLL_TICK_MS;
		/* More to start: only look, do not wait. */
		if (l->head != NULL && l->running < DISPATCHER_MAX_RUNNING)
			timeout = 0;
		if (poll(pfd, n, timeout) == -1 && errno != EINTR) {
			log_warn("dispatcher: poll");
			break;
		}
		for (i = 0; i < n; i++) {
			if (who[i] == NULL)
				continue;
			if (pfd[i].fd == who[i]->pidfd)
				who[i]->pid_ev = pfd[i].revents;
			else
				who[i]->out_ev = pfd[i].revents;
		}
		now = mono_us();
		for (i = 0; i < DISPATCHER_MAX_RUNNING; i++)
			if (l->slots[i].job != NULL)
				check_slot(l, &l->slots[i], now);
	}
	while ((ref = l->head) != NULL) {
		l->head = ref->next;
		log_warnx("id=%s: handlers left to wh-retry", ref->id);
		free(ref);
	}
	spool_close(l->sp);
	free(l);
	close(fd);
	return 0;
}
