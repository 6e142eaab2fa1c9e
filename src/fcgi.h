/*
 * fcgi: the FastCGI front end, an epoll loop over the connections of a
 * listening socket (records parsed by fcgirec.c).  It turns the FastCGI
 * parameters into a struct request, and writes the response; with
 * fsync = always, the answers of the requests that were waiting
 * together share one sync (see receive_commit).
 */
#ifndef HOOKSPOOL_FCGI_H
#define HOOKSPOOL_FCGI_H

#include <stddef.h>

struct receiver;

/* Called between rounds of requests; returns non-zero to stop serving. */
typedef int	(*fcgi_tick_fn)(struct receiver *);

/* 1 when fd 0 is not a FastCGI listening socket (plain CGI or a tty). */
int	fcgi_is_cgi(void);
/*
 * Listen on "HOST:PORT", "[V6]:PORT" or "/path.sock" (mode 0660).  A
 * host is required: "*:PORT" binds every interface, and only on request.
 * Returns the socket, or -1 with a message in err.
 */
int	fcgi_listen(const char *spec, char *err, size_t errlen);
/*
 * Serve requests on fd until tick says stop.  tick() is called at least
 * once a second, and at once after a signal.  With fsync = always, and
 * once the web server has kept a connection open, fd is made
 * non-blocking (every worker on a shared socket must be a wh-receive).
 * Connections the web server keeps are served as they speak, beside
 * new ones.  Returns 0, or -1 on error.
 */
int	fcgi_serve(int fd, struct receiver *, fcgi_tick_fn tick);

#endif
