/*
 * dispatcher: one long-lived process per FastCGI responder runs its
 * handlers.  Forking a dispatcher for every event cost more than the
 * whole request (the page tables of every mapped library copied, then
 * torn down); this one is forked once and fed over a socketpair.
 *
 * A job travels as one SOCK_SEQPACKET message: "WHJ1", then 32-bit
 * counts and lengths, in this host's byte order (both ends are the same
 * program).  A job larger than DISPATCHER_INLINE_MAX goes in a memfd
 * passed with SCM_RIGHTS, behind a "WHJM" message.
 *
 * The event loop holds up to DISPATCHER_MAX_JOBS events and polls the
 * socket, each running command's output pipe and its pidfd.  While it is
 * full it stops reading, the socket's buffer fills, and the responder's
 * send gives up after DISPATCHER_SEND_TIMEOUT: those handlers are left to
 * wh-retry (the event record lists them; see history_due()).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dispatch.h"
#include "dispatcher.h"
#include "filter.h"
#include "log.h"
#include "spool.h"

#define MAGIC_INLINE	"WHJ1"
#define MAGIC_MEMFD	"WHJM"
#define POLL_TICK_MS	20	/* without pidfds: how often to look */

/* Encoding. */

struct wbuf {
	unsigned char	*p;
	size_t		 len;
};

static void
put(struct wbuf *w, const void *p, size_t n)
{
	if (w->p != NULL)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void
put_u32(struct wbuf *w, size_t v)
{
	uint32_t	u = (uint32_t)v;

	put(w, &u, sizeof(u));
}

static void
put_bytes(struct wbuf *w, const void *p, size_t n)
{
	put_u32(w, n);
	put(w, p, n);
}

static void
put_str(struct wbuf *w, const char *s)
{
	put_bytes(w, s, strlen(s));
}

/* Twice: once to measure (w->p NULL), once to write. */
static void
encode(struct wbuf *w, const struct dispatch_job *job)
{
	size_t	i;

	put(w, MAGIC_INLINE, 4);
	put_u32(w, job->nhandlers);
	for (i = 0; i < job->nhandlers; i++)
		put_u32(w, job->handlers[i]);
	put_str(w, job->id);
	put_str(w, job->endpoint);
	put_str(w, job->path);
	put_str(w, job->method);
	put_u32(w, job->headers.n);
	for (i = 0; i < job->headers.n; i++) {
		put_str(w, job->headers.v[i].name);
		put_str(w, job->headers.v[i].value);
	}
	put_bytes(w, job->body != NULL ? job->body : (const unsigned char *)"",
	    job->body_len);
}

unsigned char *
dispatcher_job_encode(const struct dispatch_job *job, size_t *len)
{
	struct wbuf	w = { NULL, 0 };

	if (job->body_len > UINT32_MAX || job->headers.n > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	encode(&w, job);
	if ((w.p = malloc(w.len)) == NULL)
		return NULL;
	*len = w.len;
	w.len = 0;
	encode(&w, job);
	return w.p;
}

/* Decoding: every length is checked against what is left. */

struct rbuf {
	const unsigned char	*p;
	size_t			 left;
};

static int
get_u32(struct rbuf *r, size_t *v)
{
	uint32_t	u;

	if (r->left < sizeof(u))
		return -1;
	memcpy(&u, r->p, sizeof(u));
	r->p += sizeof(u);
	r->left -= sizeof(u);
	*v = u;
	return 0;
}

static int
get_bytes(struct rbuf *r, const unsigned char **p, size_t *n)
{
	if (get_u32(r, n) == -1 || *n > r->left)
		return -1;
	*p = r->p;
	r->p += *n;
	r->left -= *n;
	return 0;
}

/* A C string: no NUL inside.  malloc'd into *out. */
static int
get_str(struct rbuf *r, char **out)
{
	const unsigned char	*p;
	size_t			 n;

	if (get_bytes(r, &p, &n) == -1 || memchr(p, '\0', n) != NULL)
		return -1;
	if ((*out = malloc(n + 1)) == NULL)
		return -2;
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	return 0;
}

struct dispatch_job *
dispatcher_job_decode(const unsigned char *buf, size_t len, size_t nhandlers)
{
	struct rbuf		 r = { buf, len };
	struct dispatch_job	*job;
	const unsigned char	*body;
	char			*id = NULL, *name = NULL, *value = NULL;
	size_t			 i, n, v;
	int			 rc = -1;

	if (len < 4 || memcmp(buf, MAGIC_INLINE, 4) != 0) {
		errno = EINVAL;
		return NULL;
	}
	r.p += 4;
	r.left -= 4;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	/* Each index takes 4 bytes: n is bounded by what is left. */
	if (get_u32(&r, &n) == -1 || n == 0 || n > nhandlers ||
	    n > r.left / 4)
		goto out;
	if ((job->handlers = calloc(n, sizeof(*job->handlers))) == NULL) {
		rc = -2;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (get_u32(&r, &v) == -1 || v >= nhandlers)
			goto out;
		job->handlers[i] = v;
	}
	job->nhandlers = n;
	if ((rc = get_str(&r, &id)) != 0)
		goto out;
	rc = -1;
	if (strlen(id) != EVENT_ID_LEN || !event_id_valid(id))
		goto out;
	memcpy(job->id, id, sizeof(job->id));
	if ((rc = get_str(&r, &job->endpoint)) != 0 ||
	    (rc = get_str(&r, &job->path)) != 0 ||
	    (rc = get_str(&r, &job->method)) != 0)
		goto out;
	rc = -1;
	if (get_u32(&r, &n) == -1 || n > r.left / 8)
		goto out;
	for (i = 0; i < n; i++) {
		if ((rc = get_str(&r, &name)) != 0 ||
		    (rc = get_str(&r, &value)) != 0)
			goto out;
		if (header_add(&job->headers, name, value) == -1) {
			rc = -2;
			goto out;
		}
		free(name);
		free(value);
		name = value = NULL;
	}
	rc = -1;
	if (get_bytes(&r, &body, &n) == -1 || r.left != 0)
		goto out;
	if ((job->body = malloc(n + 1)) == NULL) {
		rc = -2;
		goto out;
	}
	memcpy(job->body, body, n);
	job->body[n] = '\0';
	job->body_len = n;
	job->payload = filter_payload_parse(job->body, job->body_len);
	rc = 0;
out:
	free(id);
	free(name);
	free(value);
	if (rc == 0)
		return job;
	dispatch_job_free(job);
	errno = rc == -2 ? ENOMEM : EINVAL;
	return NULL;
}

/* The responder's side. */

static int
send_fd(int fd, int memfd)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} u;

	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	iov.iov_base = (void *)MAGIC_MEMFD;
	iov.iov_len = 4;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	while (sendmsg(fd, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

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
dispatcher_send(int fd, const struct dispatch_job *job)
{
	unsigned char	*msg;
	size_t		 len;
	ssize_t		 n;
	int		 memfd, rc = -1, saved;

	if ((msg = dispatcher_job_encode(job, &len)) == NULL)
		return -1;
	if (len <= DISPATCHER_INLINE_MAX) {
		do {
			n = send(fd, msg, len, MSG_NOSIGNAL);
		} while (n == -1 && errno == EINTR);
		rc = n == -1 ? -1 : 0;
	} else if ((memfd = dispatch_memfd("wh-job", msg, len)) != -1) {
		rc = send_fd(fd, memfd);
		saved = errno;
		close(memfd);
		errno = saved;
	}
	saved = errno;
	free(msg);
	/* SO_SNDTIMEO ran out: the dispatcher is behind. */
	errno = saved == EWOULDBLOCK ? EAGAIN : saved;
	return rc;
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
	struct slot		 slots[DISPATCHER_MAX_JOBS];
	size_t			 active;
};

static int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
slot_free(struct loop *l, struct slot *s)
{
	dispatch_job_free(s->job);
	s->job = NULL;
	l->active--;
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
	slot_free(l, s);
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

static void
take(struct loop *l, struct dispatch_job *job)
{
	size_t	i;

	for (i = 0; i < DISPATCHER_MAX_JOBS; i++)
		if (l->slots[i].job == NULL)
			break;
	if (i == DISPATCHER_MAX_JOBS) {		/* not read when full */
		dispatch_job_free(job);
		return;
	}
	l->slots[i].job = job;
	l->slots[i].next = 0;
	l->active++;
	slot_next(l, &l->slots[i]);
}

/* A job in a memfd: its whole content. */
static unsigned char *
read_memfd(int fd, size_t *len)
{
	struct stat	 st;
	unsigned char	*p;
	ssize_t		 n;
	size_t		 off = 0;

	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > (uint64_t)SIZE_MAX / 2)
		return NULL;
	if ((p = malloc((size_t)st.st_size)) == NULL)
		return NULL;
	while (off < (size_t)st.st_size) {
		n = pread(fd, p + off, (size_t)st.st_size - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(p);
			return NULL;
		}
		off += (size_t)n;
	}
	*len = off;
	return p;
}

/* One message from the responder.  Returns 0, or -1 at end of input. */
static int
receive_job(struct loop *l, int fd, unsigned char *buf, size_t size)
{
	struct dispatch_job	*job;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cm;
	unsigned char		*big = NULL;
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} u;
	size_t			 len;
	ssize_t			 n;
	int			 memfd = -1;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = size;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type ==
		    SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&memfd, CMSG_DATA(cm), sizeof(int));
	len = (size_t)n;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		job = NULL;
	else if (len == 4 && memcmp(buf, MAGIC_MEMFD, 4) == 0 && memfd != -1 &&
	    (big = read_memfd(memfd, &len)) != NULL)
		job = dispatcher_job_decode(big, len, l->conf->nhandlers);
	else
		job = dispatcher_job_decode(buf, len, l->conf->nhandlers);
	if (memfd != -1)
		close(memfd);
	free(big);
	if (job == NULL)
		log_warnx("dropped a malformed job from the responder");
	else
		take(l, job);
	return 0;
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
	struct loop	*l;
	struct pollfd	 pfd[1 + 2 * DISPATCHER_MAX_JOBS];
	struct slot	*who[1 + 2 * DISPATCHER_MAX_JOBS];
	unsigned char	*buf;
	size_t		 i, n;
	int64_t		 now, wait_us;
	int		 eof = 0, tick, timeout;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (buf = malloc(DISPATCHER_INLINE_MAX)) == NULL) {
		log_warn("dispatcher");
		return 1;
	}
	l->conf = conf;
	while (!eof || l->active > 0) {
		n = 0;
		if (!eof && l->active < DISPATCHER_MAX_JOBS) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			who[n++] = NULL;
		}
		now = mono_us();
		wait_us = -1;
		tick = 0;
		for (i = 0; i < DISPATCHER_MAX_JOBS; i++) {
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
				wait_us = s->run.deadline - now;
		}
		timeout = wait_us < 0 ? -1 : (int)((wait_us + 999) / 1000);
		if (wait_us >= 0 && wait_us < 1000)
			timeout = wait_us > 0;
		if (tick && (timeout == -1 || timeout > POLL_TICK_MS))
			timeout = POLL_TICK_MS;
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
		for (i = 0; i < DISPATCHER_MAX_JOBS; i++)
			if (l->slots[i].job != NULL)
				check_slot(l, &l->slots[i], now);
		if (n > 0 && who[0] == NULL && pfd[0].revents != 0 &&
		    receive_job(l, fd, buf, DISPATCHER_INLINE_MAX) == -1)
			eof = 1;
	}
	free(buf);
	spool_close(l->sp);
	free(l);
	close(fd);
	return 0;
}
