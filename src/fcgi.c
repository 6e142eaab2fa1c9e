/*
 * fcgi: FastCGI responder loop over libfcgi's reentrant API.  Signals
 * are seen between rounds of requests (see fcgi_serve); a request in
 * progress is always finished.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "clock.h"
#include "conf.h"
#include "fcgi.h"
#include "log.h"
#include "receive.h"

int
fcgi_is_cgi(void)
{
	return FCGX_IsCGI();
}

/* Remove a socket left at path by an earlier run; nothing else. */
static int
stale_socket(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(path);
}

/*
 * The socket is bound under a name of its own and renamed to path once
 * it listens, so that a client that finds path finds it accepting (a
 * connect between bind and listen is refused).
 */
static int
listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			mask;
	int			fd = -1, rc, bound = 0, n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%ld", path,
	    (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    stale_socket(sun.sun_path) == -1)
		goto fail;
	/* Made 0660 by bind itself: no moment when it is more open. */
	mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (rc == -1)
		goto fail;
	bound = 1;
	if (chmod(sun.sun_path, 0660) == -1 || listen(fd, 128) == -1 ||
	    stale_socket(path) == -1 || rename(sun.sun_path, path) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (bound)
		unlink(sun.sun_path);
	if (fd != -1)
		close(fd);
	return -1;
}

static int
listen_inet(const char *spec, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 host[256];
	const char	*port, *h;
	size_t		 hl;
	int		 fd = -1, on = 1, rc;

	if (spec[0] == '[') {
		h = spec + 1;
		hl = strcspn(h, "]");
		port = h[hl] == ']' && h[hl + 1] == ':' ? h + hl + 2 : NULL;
	} else {
		h = spec;
		port = strrchr(spec, ':');
		hl = port != NULL ? (size_t)(port - spec) : 0;
		port = port != NULL ? port + 1 : NULL;
	}
	if (port == NULL || *port == '\0' || hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "%s: expected HOST:PORT, [V6]:PORT, "
		    "*:PORT or /path.sock", spec);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port, &hints,
	    &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1)
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

int
fcgi_listen(const char *spec, char *err, size_t errlen)
{
	if (spec[0] == '/')
		return listen_unix(spec, err, errlen);
	return listen_inet(spec, err, errlen);
}

static ssize_t
fcgi_read(void *io, void *buf, size_t len)
{
	int	n;

	if (len > 1 << 30)
		len = 1 << 30;
	n = FCGX_GetStr(buf, (int)len, io);
	if (n < 0)
		return -1;
	return n;
}

static void
fcgi_respond(FCGX_Request *fr, const struct response *resp)
{
	char	buf[512];
	int	n;

	/* libfcgi's own FCGX_FPrintF lacks %zu: format here. */
	n = receive_format_head(resp, buf, sizeof(buf));
	FCGX_PutStr(buf, n, fr->out);
	FCGX_PutStr(resp->body, (int)resp->body_len, fr->out);
}

/*
 * With fsync = always a worker does not sync for each request alone:
 * it takes the connections already waiting (up to BATCH_MAX, while the
 * first has waited less than BATCH_US), writes their records, syncs
 * once for all of them (a sync shared with the other workers as well,
 * see spool.c), and only then answers them.  No 2xx goes out before
 * that sync.  Answers that owe nothing to a sync (errors, and every
 * answer with fsync = never) go out at once.
 */
#define BATCH_MAX	16
#define BATCH_US	2000

struct slot {
	FCGX_Request	fr;
	struct request	req;
	struct response	resp;
	int64_t		t0;
	int		busy;		/* answer owed, waiting for the sync */
	int		kept_fd;	/* a kept connection in the epoll set */
	int64_t		idle_since;	/* ... since when */
};

static void
slot_handle(struct receiver *rcv, struct slot *sl)
{
	sl->t0 = mono_us();
	if (receive_request_init(&sl->req, sl->fr.envp) == -1)
		receive_error(&sl->resp, 503, "out of memory", NULL);
	else {
		sl->req.read = fcgi_read;
		sl->req.io = sl->fr.in;
		receive_handle(rcv, &sl->req, &sl->resp);
	}
}

static void
slot_finish(struct receiver *rcv, struct slot *sl)
{
	int	body_read;

	fcgi_respond(&sl->fr, &sl->resp);
	/* req points into fr.envp, which Finish frees. */
	receive_log(&sl->req, &sl->resp, mono_us() - sl->t0);
	body_read = sl->req.body_read;
	receive_request_free(&sl->req);
	/*
	 * With all of the input read, close at once: libfcgi's lingering
	 * close would wait for the web server to close first, a round
	 * trip per request.  With input left, it is needed (a close over
	 * unread data resets the connection, and over TCP the answer can
	 * be lost).
	 */
	if (body_read && !sl->fr.keepConnection &&
	    (FCGX_HasSeenEOF(sl->fr.in) || FCGX_GetChar(sl->fr.in) == EOF))
		FCGX_Detach(&sl->fr);
	FCGX_Finish_r(&sl->fr);
	sl->busy = 0;
	receive_dispatch(rcv, &sl->resp, 0);
}

/* Sync for the waiting answers, then send them. */
static void
batch_finish(struct receiver *rcv, struct slot *slots)
{
	size_t	i;
	int	err = 0, any = 0;

	for (i = 0; i < BATCH_MAX; i++)
		any += slots[i].busy;
	if (!any)
		return;
	if (receive_commit(rcv) == -1)
		err = errno;
	log_debug("%d answer%s, one sync%s%s", any, any == 1 ? "" : "s",
	    err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
	for (i = 0; i < BATCH_MAX; i++) {
		if (!slots[i].busy)
			continue;
		if (err != 0)
			receive_commit_failed(&slots[i].resp, err);
		slot_finish(rcv, &slots[i]);
	}
}

/* A slot for a new connection: no answer owed, no connection held. */
static size_t
slot_free(const struct slot *slots)
{
	size_t	i;

	for (i = 0; i < BATCH_MAX; i++)
		if (!slots[i].busy && slots[i].fr.ipcFd < 0)
			break;
	return i;
}

/*
 * Watch, with epoll, the connections that the web server keeps open
 * and no request is on: 1 if there are any, -1 on error.
 */
static int
slots_watch_kept(int epfd, struct slot *slots)
{
	struct epoll_event	 ev = { .events = EPOLLIN };
	struct slot		*sl;
	size_t			 i;
	int			 any = 0;

	for (i = 0; i < BATCH_MAX; i++) {
		sl = &slots[i];
		if (sl->busy || sl->fr.ipcFd < 0 || sl->kept_fd == sl->fr.ipcFd)
			continue;
		sl->kept_fd = sl->fr.ipcFd;
		sl->idle_since = mono_us();
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, sl->kept_fd, &ev) == -1)
			return -1;
		any = 1;
	}
	return any;
}

static void
slot_unwatch(int epfd, struct slot *sl)
{
	(void)epoll_ctl(epfd, EPOLL_CTL_DEL, sl->kept_fd, NULL);
	sl->kept_fd = -1;
}

/* Close an idle kept connection: nothing unread, so no lingering close. */
static void
slot_close_kept(int epfd, struct slot *sl)
{
	slot_unwatch(epfd, sl);
	FCGX_Detach(&sl->fr);
	FCGX_Free(&sl->fr, 1);
}

/*
 * No slot free for a new connection: close the kept connection idle
 * the longest (the web server opens another when it needs one; nginx
 * tries again on its own when a kept connection fails), rather than
 * leave new connections waiting until idle ones time out.
 */
static size_t
slot_evict(int epfd, struct slot *slots)
{
	size_t	i, old = BATCH_MAX;

	for (i = 0; i < BATCH_MAX; i++)
		if (slots[i].kept_fd >= 0 && (old == BATCH_MAX ||
		    slots[i].idle_since < slots[old].idle_since))
			old = i;
	if (old < BATCH_MAX)
		slot_close_kept(epfd, &slots[old]);
	return old;
}

/* Read and handle the request accepted into sl; answer it unless owed. */
static void
slot_serve(struct receiver *rcv, struct slot *sl, int64_t *t_first)
{
	slot_handle(rcv, sl);
	if (sl->resp.owed) {
		sl->busy = 1;
		if (*t_first == 0)
			*t_first = sl->t0;
	} else
		slot_finish(rcv, sl);
}

/*
 * The loop.  Each round looks at tick(), waits, and serves what came:
 * the next request on each connection the web server keeps open
 * (FCGI_KEEP_CONN), then new connections, with fsync = always those
 * waiting behind the first too, up to BATCH_MAX, and their answers
 * share one sync.  An idle kept connection is watched with epoll
 * beside the listening socket, so that it never holds the worker.
 * Taking the waiting connections must not block, so then the socket is
 * non-blocking and the wait is epoll's (EPOLLEXCLUSIVE: a connection
 * wakes one idle worker, not all).  With fsync = never, in a worker
 * that has had no kept connection, a blocking accept(2) is the wait,
 * which costs fewer system calls.  Either wait ends at a signal, and
 * after WAIT_MS in any case (SO_RCVTIMEO bounds accept), so a signal
 * that comes after tick() has looked and before the wait has begun is
 * seen within that time, and a worker whose configuration disagrees
 * with another's on the socket's blocking mode never waits longer.
 */
#define WAIT_MS		1000
#define LISTEN_EV	BATCH_MAX	/* epoll data of the listening socket */

/* Set or clear O_NONBLOCK; a system call only to change it. */
static int
set_nonblock(int fd, int on)
{
	int	flags, want;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	want = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return want == flags ? 0 : fcntl(fd, F_SETFL, want);
}

int
fcgi_serve(int fd, struct receiver *rcv, fcgi_tick_fn tick)
{
	struct epoll_event	 evs[BATCH_MAX + 1], ev;
	struct timeval		 tv = { WAIT_MS / 1000, (WAIT_MS % 1000) * 1000 };
	struct slot		*slots = NULL, *sl;
	size_t			 i, cur, n, nready;
	size_t			 ready[BATCH_MAX];
	int64_t			 t_first;
	int			 rc, epfd = -1, ret = -1;
	int			 batch, nonblock = -1, waited, want;
	int			 lready, kept, seen_kept = 0;

	if (FCGX_Init() != 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.u32 = LISTEN_EV;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1 ||
	    (slots = calloc(BATCH_MAX, sizeof(*slots))) == NULL)
		goto out;
	for (i = 0; i < BATCH_MAX; i++) {
		slots[i].kept_fd = -1;
		if (FCGX_InitRequest(&slots[i].fr, fd,
		    FCGI_FAIL_ACCEPT_ON_INTR) != 0)
			goto out;
	}
	rcv->defer = 1;
	waited = 0;
	while (tick(rcv) == 0) {
		batch = rcv->conf->server.fsync == FSYNC_ALWAYS;
		/*
		 * Kept connections need a socket that does not block.  A
		 * worker that has had one keeps it so (workers share the
		 * flag: one turning it back at each last kept connection
		 * would make another's accept block), and looks each round,
		 * as one that has not may have changed it.
		 */
		want = batch || seen_kept;
		if (want != nonblock || seen_kept) {
			if (set_nonblock(fd, want) == -1)
				goto out;
			nonblock = want;
		}
		nready = 0;
		lready = !nonblock && !waited;	/* a blocking accept waits */
		if (!lready) {
			waited = 0;
			rc = epoll_wait(epfd, evs, BATCH_MAX + 1, WAIT_MS);
			if (rc == -1 && errno != EINTR)
				goto out;
			for (i = 0; rc > 0 && i < (size_t)rc; i++) {
				if (evs[i].data.u32 == LISTEN_EV)
					lready = 1;
				else if (evs[i].data.u32 < BATCH_MAX)
					ready[nready++] = evs[i].data.u32;
			}
			if (rc <= 0)
				continue;
		}
		t_first = 0;
		rc = 0;
		/* The next request on each kept connection that has one. */
		for (i = 0; i < nready; i++) {
			sl = &slots[ready[i]];
			slot_unwatch(epfd, sl);
			/* At the web server's close, libfcgi closes too and
			 * tries the (non-blocking) listening socket. */
			if ((rc = FCGX_Accept_r(&sl->fr)) < 0)
				break;
			slot_serve(rcv, sl, &t_first);
		}
		/* New connections: one, or with fsync = always a batch. */
		for (n = 0; rc >= 0 && lready && n < BATCH_MAX; n++) {
			if ((cur = slot_free(slots)) == BATCH_MAX &&
			    (n > 0 || (cur = slot_evict(epfd, slots)) ==
			    BATCH_MAX))
				break;
			if ((rc = FCGX_Accept_r(&slots[cur].fr)) < 0)
				break;
			slot_serve(rcv, &slots[cur], &t_first);
			if (!batch || (t_first != 0 &&
			    mono_us() - t_first > BATCH_US))
				break;
		}
		batch_finish(rcv, slots);
		if ((kept = slots_watch_kept(epfd, slots)) == -1)
			goto out;
		seen_kept |= kept;
		if (rc >= 0 || rc == -EINTR)
			continue;
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			/* Blocking: the time ran out, or another worker
			 * made the socket non-blocking: wait with epoll.
			 * Non-blocking: another worker was first. */
			waited = !nonblock;
			continue;
		}
		errno = rc > -4096 ? -rc : EIO;
		goto out;
	}
	ret = 0;
out:
	if (slots != NULL) {
		for (i = 0; i < BATCH_MAX; i++) {
			if (slots[i].kept_fd >= 0)
				slot_close_kept(epfd, &slots[i]);
			FCGX_Free(&slots[i].fr, 1);
		}
		free(slots);
	}
	if (epfd != -1)
		close(epfd);
	return ret;
}
