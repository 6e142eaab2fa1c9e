/*
 * fcgi: FastCGI responder loop over libfcgi's reentrant API.  Accept is
 * interruptible (FCGI_FAIL_ACCEPT_ON_INTR) so that SIGHUP and SIGTERM are
 * seen between requests; a request in progress is always finished.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "clock.h"
#include "fcgi.h"
#include "receive.h"

int
fcgi_is_cgi(void)
{
	return FCGX_IsCGI();
}

static int
listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			mask;
	int			fd = -1, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	/* A stale socket from an earlier run; never remove anything else. */
	{
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	/* Made 0660 by bind itself: no moment when it is more open. */
	mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (rc == -1 || chmod(path, 0660) == -1)
		goto fail;
	if (listen(fd, 128) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
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

int
fcgi_serve(int fd, struct receiver *rcv, fcgi_tick_fn tick)
{
	FCGX_Request	fr;
	struct request	req;
	struct response	resp;
	int64_t		t0;
	int		rc, body_read, taken = 0;

	if (FCGX_Init() != 0)
		return -1;
	if (FCGX_InitRequest(&fr, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return -1;
	while (tick(rcv) == 0) {
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			/*
			 * A signal.  ENOTSOCK: a signal's handler took the
			 * socket away for a moment (on_signal() in
			 * wh-receive.c); tick() gives it back.
			 */
			if (rc == -EINTR || (rc == -ENOTSOCK && taken++ < 100))
				continue;
			errno = rc > -4096 ? -rc : EIO;
			FCGX_Free(&fr, 1);
			return -1;
		}
		taken = 0;
		t0 = mono_us();
		if (receive_request_init(&req, fr.envp) == -1)
			receive_error(&resp, 503, "out of memory", NULL);
		else {
			req.read = fcgi_read;
			req.io = fr.in;
			receive_handle(rcv, &req, &resp);
		}
		fcgi_respond(&fr, &resp);
		/* req points into fr.envp, which Finish frees. */
		receive_log(&req, &resp, mono_us() - t0);
		body_read = req.body_read;
		receive_request_free(&req);
		/*
		 * With all of the input read, close at once: libfcgi's
		 * lingering close would wait for the web server to close
		 * first, a round trip per request.  With input left, it
		 * is needed (a close over unread data resets the
		 * connection, and over TCP the answer can be lost).
		 */
		if (body_read && !fr.keepConnection &&
		    (FCGX_HasSeenEOF(fr.in) || FCGX_GetChar(fr.in) == EOF))
			FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
		receive_dispatch(rcv, &resp, 0);
	}
	FCGX_Free(&fr, 1);
	return 0;
}
