/*
 * fcgi: the FastCGI front end, and the only file that includes libfcgi.
 * It accepts one connection at a time on a listening socket, turns the
 * FastCGI parameters into a struct request, and writes the response.
 */
#ifndef HOOKSPOOL_FCGI_H
#define HOOKSPOOL_FCGI_H

#include <stddef.h>

struct receiver;

/* Called before each accept; returns non-zero to stop serving. */
typedef int	(*fcgi_tick_fn)(struct receiver *);

/* 1 when fd 0 is not a FastCGI listening socket (plain CGI or a tty). */
int	fcgi_is_cgi(void);
/*
 * Listen on "HOST:PORT", "[V6]:PORT" or "/path.sock" (mode 0660).  A
 * host is required: "*:PORT" binds every interface, and only on request.
 * Returns the socket, or -1 with a message in err.
 */
int	fcgi_listen(const char *spec, char *err, size_t errlen);
/* Serve requests on fd until tick says stop.  Returns 0, or -1 on error. */
int	fcgi_serve(int fd, struct receiver *, fcgi_tick_fn tick);

#endif
