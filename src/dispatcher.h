/*
 * dispatcher: the long-lived process that runs a FastCGI responder's
 * handlers.  The responder forks it once (not once per event), and sends
 * it each event's job over a socketpair(2) after the answer has gone
 * out.  It runs the handlers of every event it holds at the same time,
 * those of one event in configuration order, with dispatch_begin() and
 * dispatch_end(), and exits when the responder closes the socket and the
 * last handler has ended.
 */
#ifndef HOOKSPOOL_DISPATCHER_H
#define HOOKSPOOL_DISPATCHER_H

#include <stddef.h>

struct conf;
struct dispatch_job;

#define DISPATCHER_MAX_JOBS	256	/* events whose handlers run at once */
#define DISPATCHER_INLINE_MAX	(64 * 1024)	/* larger jobs go in a memfd */
#define DISPATCHER_SEND_TIMEOUT	2	/* seconds a responder waits */

/*
 * A job as one message: handler indexes, id, endpoint, path, method,
 * headers, body.  malloc'd; NULL on ENOMEM.
 */
unsigned char		*dispatcher_job_encode(const struct dispatch_job *,
			    size_t *len);
/*
 * The job in buf, with every length checked and every handler index
 * below nhandlers; the payload is parsed from the body again.  NULL with
 * errno EINVAL for a malformed message, ENOMEM.
 */
struct dispatch_job	*dispatcher_job_decode(const unsigned char *buf,
			    size_t len, size_t nhandlers);

/*
 * The socketpair: sv[0] for the responder (sends wait at most
 * DISPATCHER_SEND_TIMEOUT), sv[1] for the dispatcher.  0, or -1.
 */
int			 dispatcher_channel(int sv[2]);
/*
 * Send a job to the dispatcher on fd, waiting at most
 * DISPATCHER_SEND_TIMEOUT for room.  0, or -1 with errno (EPIPE: the
 * dispatcher is gone; EAGAIN: it is behind).
 */
int			 dispatcher_send(int fd, const struct dispatch_job *);

/*
 * The dispatcher process's life, on its end of the socketpair.  Returns
 * the exit status.
 */
int			 dispatcher_main(const struct conf *, int fd);

#endif
