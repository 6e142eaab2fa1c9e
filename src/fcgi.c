/*
 * fcgi: the FastCGI front end: listen, accept, read each connection's
 * records through its parser (fcgirec.c) without ever blocking on one
 * peer, hand whole requests to receive.c, write the answers.  Signals
 * are seen between rounds (see fcgi_serve); a request in progress is
 * always finished.
 */
#include "config.h"

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

#include "clock.h"
#include "conf.h"
#include "fcgi.h"
#include "fcgirec.h"
#include "log.h"
#include "receive.h"

/* 0 if path is free or a socket (left by an earlier run, or the one a
 * running receiver listens on); nothing else may be replaced. */
static int
socket_or_none(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EADDRINUSE;
		return -1;
	}
	return 0;
}

/* Remove a socket left at path by an earlier run; nothing else. */
static int
stale_socket(const char *path)
{
	if (socket_or_none(path) == -1)
		return -1;
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

/*
 * The socket is bound under a name of its own and renamed to path once
 * it listens, so that a client that finds path finds it accepting (a
 * connect between bind and listen is refused).  The rename replaces a
 * socket already at path in one step: while a new receiver takes over
 * from a running one, path always names one that accepts.
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
	    socket_or_none(path) == -1 || rename(sun.sun_path, path) == -1)
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

int
fcgi_is_cgi(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	/* A listening socket has no peer: FastCGI.  Anything else: CGI. */
	return !(getpeername(STDIN_FILENO, (struct sockaddr *)&ss, &len) ==
	    -1 && errno == ENOTCONN);
}

/*
 * The loop: one epoll set with the listening socket and every
 * connection of this worker, all non-blocking.  A connection's bytes
 * go through its parser (fcgirec.c) as they come; a request is handled
 * once it is in whole, so a peer that is slow or stops never holds the
 * worker, and one that is not done after request_timeout is closed.
 *
 * With fsync = always a worker does not sync for each request alone:
 * the requests that are in whole when it looks (up to BATCH_MAX: on
 * the connections that spoke, and those waiting to be accepted) have
 * their records written, one sync for all (shared with the other
 * workers too, see spool.c), and only then their answers.  Reading
 * never blocks, so the first waits only for the work of the others,
 * never for a slow peer.  No 2xx goes out before that sync.
 * Answers that owe nothing to a sync (errors, and every answer with
 * fsync = never) go out at once.
 */
#define CONN_MAX	64		/* connections a worker holds */
#define BATCH_MAX	16
#define WAIT_MS		1000		/* tick() at least this often */
/* Parameter bytes kept: the headers' limit, and room for the rest. */
#define PARAMS_SLACK	(64 * 1024)
#define READ_ROUNDS	16		/* reads per connection per round */
#define LISTEN_EV	CONN_MAX	/* epoll data of the listening socket */

struct conn {
	int		 fd;		/* -1: a free slot */
	struct fcgirec	 rec;
	int64_t		 deadline;	/* for the request; 0: idle, none */
	int64_t		 since;		/* accepted, or idle since */
	int		 close_idle;	/* answered, not kept: close when idle */
	int		 watched;	/* in the epoll set */
	int		 busy;		/* answer owed, waiting for the sync */
	unsigned char	*stash;		/* bytes after a request owed */
	size_t		 stash_len;
	struct request	 req;
	struct response	 resp;
	int64_t		 t0;
	size_t		 body_at;	/* receive's read cursor */
};

struct server {
	struct receiver	*rcv;
	int		 lfd, epfd;
	int		 nbusy;
	struct conn	 conns[CONN_MAX];
	unsigned char	 rbuf[65536];
};

static void
conn_close(struct conn *c, const char *why)
{
	if (why != NULL)
		log_warnx("FastCGI connection closed: %s", why);
	close(c->fd);
	c->fd = -1;
	fcgirec_free(&c->rec);
	free(c->stash);
	c->stash = NULL;
	c->stash_len = 0;
	c->busy = 0;
}

/* Send all of buf; the socket is non-blocking, so a peer that does not
 * read its answers (a web server always does) loses the connection. */
static int
conn_send(struct conn *c, const unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The body as receive reads it: from the bytes the parser kept. */
static ssize_t
conn_body_read(void *io, void *buf, size_t len)
{
	struct conn	*c = io;
	size_t		 left = c->rec.body_len - c->body_at;

	if (len > left)
		len = left;
	if (len > 0)
		memcpy(buf, c->rec.body + c->body_at, len);
	c->body_at += len;
	return (ssize_t)len;
}

/*
 * A connection with no request in progress: closed if it was not kept
 * (the web server reads until it closes), else idle with no deadline.
 * -1 once it is closed.
 */
static int
conn_settle(struct conn *c)
{
	if (c->busy || !fcgirec_idle(&c->rec))
		return 0;
	if (c->close_idle) {
		conn_close(c, NULL);
		return -1;
	}
	c->deadline = 0;
	c->since = mono_us();
	return 0;
}

/*
 * Heap buffers for an answer whose body (resp->text, the metrics) is
 * larger than the ones on the stack: head and body, and its records.
 */
static int
answer_buffers(const struct response *resp, char **head,
    unsigned char **buf, size_t *cap)
{
	*cap = resp->body_len + resp->body_len / 8 + 1024;
	*head = malloc(RECEIVE_HEAD_MAX + resp->body_len);
	*buf = malloc(*cap);
	if (*head != NULL && *buf != NULL)
		return 0;
	free(*head);
	free(*buf);
	return -1;
}

/* Send the answer, log it, hand its handlers on. */
static void
conn_finish(struct server *srv, struct conn *c)
{
	char		shead[RECEIVE_HEAD_MAX + sizeof(c->resp.body)];
	char		*head = shead;
	unsigned char	sbuf[sizeof(shead) + 64], *buf = sbuf;
	size_t		n, cap = sizeof(sbuf);
	int		hl;

	if (c->resp.text != NULL && answer_buffers(&c->resp, &head, &buf,
	    &cap) == -1) {
		free(c->resp.text);
		c->resp.text = NULL;
		receive_error(&c->resp, 503, "out of memory", NULL);
	}
	hl = receive_format_head(&c->resp, head, RECEIVE_HEAD_MAX);
	memcpy(head + hl, c->resp.text ? c->resp.text : c->resp.body,
	    c->resp.body_len);
	n = fcgirec_answer(c->rec.id, head, (size_t)hl + c->resp.body_len,
	    buf, cap);
	if (head != shead)
		free(head);
	if (c->busy)
		srv->nbusy--;
	c->busy = 0;
	receive_log(srv->rcv, &c->req, &c->resp, mono_us() - c->t0);
	receive_observe(srv->rcv, &c->req, &c->resp, mono_us() - c->t0);
	receive_request_free(&c->req);
	fcgirec_answered(&c->rec);
	if (n == 0 || conn_send(c, buf, n) == -1)
		conn_close(c, "the web server does not read its answer");
	else {
		c->close_idle = !c->rec.keep;
		(void)conn_settle(c);
	}
	if (buf != sbuf)
		free(buf);
	receive_dispatch(srv->rcv, &c->resp, 0);
}

/* Handle the request that is in; answer it unless the answer is owed. */
static void
conn_serve(struct server *srv, struct conn *c)
{
	c->t0 = mono_us();
	c->body_at = 0;
	if (receive_request_init(&c->req, c->rec.envp) == -1)
		receive_error(&c->resp, 503, "out of memory", NULL);
	else if (fcgirec_params_over(&c->rec))
		receive_error(&c->resp, 431,
		    "request header fields too large", "parameters too large");
	else {
		c->req.read = conn_body_read;
		c->req.io = c;
		receive_handle(srv->rcv, &c->req, &c->resp);
	}
	if (!c->resp.owed) {
		conn_finish(srv, c);
		return;
	}
	c->busy = 1;
	srv->nbusy++;
}

/*
 * The parameters are in.  A body too large to keep, or parameters that
 * were, are answered now, the rest of the body read and dropped after
 * the answer; otherwise the body is kept as it comes, up to one byte
 * more than max_body_size (receive answers 413 for that byte).
 */
static void
conn_params(struct server *srv, struct conn *c)
{
	const char	*cl = fcgirec_param(&c->rec, "CONTENT_LENGTH");
	size_t		 max = srv->rcv->conf->server.max_body_size;
	char		*end;
	unsigned long long v;

	fcgirec_set_body_limit(&c->rec, max + 1);
	if (fcgirec_params_over(&c->rec))
		conn_serve(srv, c);
	else if (cl != NULL && *cl >= '0' && *cl <= '9') {
		errno = 0;
		v = strtoull(cl, &end, 10);
		if (errno == ERANGE || (*end == '\0' && v > max))
			conn_serve(srv, c);
	}
}

/* Keep bytes that came after a request whose answer waits for a sync. */
static int
conn_stash(struct conn *c, const unsigned char *p, size_t len)
{
	unsigned char	*s;

	if ((s = realloc(c->stash, c->stash_len + len)) == NULL)
		return -1;
	memcpy(s + c->stash_len, p, len);
	c->stash = s;
	c->stash_len += len;
	return 0;
}

/* Feed bytes through the connection's parser; -1: it is closed. */
static int
conn_feed(struct server *srv, struct conn *c, const unsigned char *p,
    size_t len)
{
	enum fcgirec_event	ev;
	size_t			n;

	if (len > 0 && fcgirec_idle(&c->rec) && c->deadline == 0)
		c->deadline = mono_us() +
		    (int64_t)srv->rcv->conf->server.request_timeout * 1000000;
	while (len > 0 && c->fd != -1) {
		if (c->busy) {
			if (conn_stash(c, p, len) == -1)
				conn_close(c, "out of memory");
			break;
		}
		n = fcgirec_feed(&c->rec, p, len, &ev);
		p += n;
		len -= n;
		if (c->rec.out_len > 0) {
			if (conn_send(c, c->rec.out, c->rec.out_len) == -1) {
				conn_close(c, "the web server does not read");
				break;
			}
			c->rec.out_len = 0;
		}
		if (ev == FCGIREC_ERROR)
			conn_close(c, c->rec.error);
		else if (ev == FCGIREC_PARAMS)
			conn_params(srv, c);
		else if (ev == FCGIREC_REQUEST && c->rec.state == FCGIREC_READY)
			conn_serve(srv, c);
	}
	if (c->fd == -1)
		return -1;
	return conn_settle(c);
}

/* Read what the peer sent, a bounded amount per round. */
static void
conn_input(struct server *srv, struct conn *c)
{
	ssize_t	n;
	int	i;

	for (i = 0; i < READ_ROUNDS && c->fd != -1 && !c->busy; i++) {
		n = read(c->fd, srv->rbuf, sizeof(srv->rbuf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* The web server closed: mid-request is worth a word. */
			conn_close(c, fcgirec_idle(&c->rec) || c->close_idle ?
			    NULL : "closed by the web server mid-request");
			return;
		}
		if (conn_feed(srv, c, srv->rbuf, (size_t)n) == -1)
			return;
	}
}

/* Sync for the answers owed, then send them; then the bytes stashed
 * behind them (which may owe more). */
static void
batch_finish(struct server *srv)
{
	struct conn	*c;
	unsigned char	*s;
	size_t		 i, len;
	int		 err, any;

	while (srv->nbusy > 0) {
		err = receive_commit(srv->rcv) == -1 ? errno : 0;
		any = srv->nbusy;
		log_debug("%d answer%s, one sync%s%s", any, any == 1 ? "" : "s",
		    err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		for (i = 0; i < CONN_MAX; i++) {
			c = &srv->conns[i];
			if (!c->busy)
				continue;
			if (err != 0)
				receive_commit_failed(&c->resp, err);
			conn_finish(srv, c);
		}
		for (i = 0; i < CONN_MAX && srv->nbusy < BATCH_MAX; i++) {
			c = &srv->conns[i];
			if (c->fd == -1 || c->stash == NULL)
				continue;
			s = c->stash;
			len = c->stash_len;
			c->stash = NULL;
			c->stash_len = 0;
			(void)conn_feed(srv, c, s, len);
			free(s);
		}
	}
}

/*
 * A slot for a new connection: a free one, else the kept connection
 * idle the longest (the web server opens another when it needs one),
 * else the request begun the longest ago (under a flood of slow
 * requests, those that come in whole are still served).  -1: none.
 */
static int
conn_slot(struct server *srv)
{
	struct conn	*c;
	int		 i, idle = -1, slow = -1;

	for (i = 0; i < CONN_MAX; i++) {
		c = &srv->conns[i];
		if (c->fd == -1)
			return i;
		if (c->busy)
			continue;
		if (c->deadline == 0 && (idle == -1 ||
		    c->since < srv->conns[idle].since))
			idle = i;
		else if (c->deadline != 0 && (slow == -1 ||
		    c->deadline < srv->conns[slow].deadline))
			slow = i;
	}
	if (idle != -1)
		conn_close(&srv->conns[idle], NULL);
	else if (slow != -1)
		conn_close(&srv->conns[slow],
		    "every connection busy: the slowest request dropped");
	return idle != -1 ? idle : slow;
}

/* Take the connections waiting, up to a batch, and read what they sent. */
static int
accept_batch(struct server *srv)
{
	struct conn		*c;
	int			 fd, i, n;

	for (n = 0; n < BATCH_MAX; n++) {
		fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return 0;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept");
				return 0;
			}
			return -1;
		}
		if ((i = conn_slot(srv)) == -1) {
			close(fd);	/* every slot owes an answer */
			return 0;
		}
		c = &srv->conns[i];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		fcgirec_init(&c->rec, srv->rcv->conf->server.max_header_size +
		    PARAMS_SLACK);
		c->since = mono_us();
		c->deadline = c->since +
		    (int64_t)srv->rcv->conf->server.request_timeout * 1000000;
		/* The web server writes at once: its request is likely in. */
		conn_input(srv, c);
		/* With fsync = never, nothing to share: one at a time. */
		if (srv->rcv->conf->server.fsync != FSYNC_ALWAYS ||
		    srv->nbusy >= BATCH_MAX)
			break;
	}
	return 0;
}

/*
 * Watch the connections that are still open after a round.  Most are
 * not: a request that came in whole with its connection was answered
 * and closed without ever being in the epoll set.
 */
static void
watch_open(struct server *srv)
{
	struct epoll_event	 ev = { .events = EPOLLIN };
	struct conn		*c;
	size_t			 i;

	for (i = 0; i < CONN_MAX; i++) {
		c = &srv->conns[i];
		if (c->fd == -1 || c->watched)
			continue;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
			conn_close(c, strerror(errno));
		else
			c->watched = 1;
	}
}

/* Close connections whose request is late; the wait until the next. */
static int
expire(struct server *srv)
{
	struct conn	*c;
	int64_t		 now = mono_us(), next = now + WAIT_MS * 1000;
	char		 why[80];
	size_t		 i;

	for (i = 0; i < CONN_MAX; i++) {
		c = &srv->conns[i];
		if (c->fd == -1 || c->busy || c->deadline == 0)
			continue;
		if (c->deadline <= now) {
			snprintf(why, sizeof(why), "request not in after %d s",
			    srv->rcv->conf->server.request_timeout);
			conn_close(c, why);
		} else if (c->deadline < next)
			next = c->deadline;
	}
	return (int)((next - now + 999) / 1000);
}

static int
server_init(struct server *srv, int fd, struct receiver *rcv)
{
	struct epoll_event	ev;
	int			flags;
	size_t			i;

	srv->rcv = rcv;
	srv->lfd = fd;
	srv->epfd = -1;
	for (i = 0; i < CONN_MAX; i++)
		srv->conns[i].fd = -1;
	/* Every worker on a shared socket takes its connections this way. */
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    ((flags & O_NONBLOCK) == 0 &&
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1))
		return -1;
	if ((srv->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	/* EPOLLEXCLUSIVE: a connection wakes one idle worker, not all. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.u32 = LISTEN_EV;
	return epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int
fcgi_serve(int fd, struct receiver *rcv, fcgi_tick_fn tick)
{
	struct epoll_event	 evs[CONN_MAX + 1];
	struct server		*srv;
	struct conn		*c;
	int			 i, n, wait_ms, ret = -1, lready;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return -1;
	if (server_init(srv, fd, rcv) == -1)
		goto out;
	rcv->defer = 1;
	while (tick(rcv) == 0) {
		wait_ms = expire(srv);
		n = epoll_wait(srv->epfd, evs, CONN_MAX + 1, wait_ms);
		if (n == -1 && errno != EINTR)
			goto out;
		lready = 0;
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 == LISTEN_EV) {
				lready = 1;
				continue;
			}
			c = &srv->conns[evs[i].data.u32];
			if (c->fd != -1)
				conn_input(srv, c);
			if (srv->nbusy >= BATCH_MAX)
				batch_finish(srv);
		}
		if (lready && accept_batch(srv) == -1)
			goto out;
		batch_finish(srv);
		watch_open(srv);
	}
	ret = 0;
out:
	batch_finish(srv);
	for (i = 0; i < CONN_MAX; i++)
		if (srv->conns[i].fd != -1)
			conn_close(&srv->conns[i], NULL);
	if (srv->epfd != -1)
		close(srv->epfd);
	free(srv);
	return ret;
}
