/*
 * dispatcher: the long-lived process that runs a FastCGI responder's
 * handlers, and the responder's handle on it.  The responder starts it
 * on the first dispatcher_submit() (not once per event) and, after each
 * answer, submits where the event's record is in the spool and which
 * handlers matched.  The spool is the queue: the dispatcher holds only
 * these references, reads each event back when its turn comes, and
 * runs the handlers of many events at once, those of one event in
 * configuration order, with attempt_begin() and attempt_end().  It
 * exits when the responder closes the socket (dispatcher_stop(): on a
 * reload, the next submit starts one with the new configuration) and
 * its queue is empty.  As CGI, dispatcher_detach() forks one for a
 * single event instead.
 */
#ifndef HOOKSPOOL_DISPATCHER_H
#define HOOKSPOOL_DISPATCHER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct conf;
struct attempt_job;

#define DISPATCHER_MAX_RUNNING	256	/* events whose handlers run at once */
#define DISPATCHER_MAX_QUEUE	65536	/* events waiting their turn */
#define DISPATCHER_MAX_WAIT	60	/* seconds an event may wait to start */
#define DISPATCHER_SEND_TIMEOUT	1	/* seconds a responder waits for room */

/* An event to run handlers for: where it is, and which handlers. */
struct dispatcher_ref {
	struct dispatcher_ref	*next;		/* in the queue */
	char			 id[EVENT_ID_LEN + 1];
	int64_t			 received_us;
	unsigned		 segno;		/* its record's segment */
	off_t			 offset;	/* and where the line begins */
	size_t			 nhandlers;
	size_t			 handlers[];	/* indexes into conf->handlers */
};

/* A ref as one message; returns its length (at most len), 0 if too long. */
size_t			 dispatcher_ref_encode(const struct dispatcher_ref *,
			    unsigned char *buf, size_t len);
/*
 * The ref in a message, with every field checked and every handler index
 * below nhandlers.  malloc'd; NULL with errno EINVAL or ENOMEM.
 */
struct dispatcher_ref	*dispatcher_ref_decode(const unsigned char *buf,
			    size_t len, size_t nhandlers);

/*
 * The socketpair: sv[0] for the responder (a send waits at most
 * DISPATCHER_SEND_TIMEOUT for room), sv[1] for the dispatcher.  0, or -1.
 */
int			 dispatcher_channel(int sv[2]);
/* Send a ref.  0, or -1 with errno (EPIPE: the dispatcher is gone). */
int			 dispatcher_send(int fd, const struct dispatcher_ref *);

/*
 * The dispatcher process's life, on its end of the socketpair.  Returns
 * the exit status.
 */
int			 dispatcher_main(const struct conf *, int fd);

/* A responder's dispatcher. */
struct dispatcher {
	int	fd;		/* our end of its socketpair; -1: none */
	int	listen_fd;	/* the responder's, which it must not keep */
};

/*
 * Whether the dispatcher this responder started is still there (its
 * socket not hung up); true when none was needed yet.
 */
int			 dispatcher_alive(const struct dispatcher *);
/* None running yet, for a responder serving on listen_fd. */
void			 dispatcher_init(struct dispatcher *, int listen_fd);
/*
 * Have the dispatcher run job's handlers for the event received at
 * received_us whose record is at offset in segment segno.  One with
 * conf is forked when none is running, and again once if the one there
 * is gone.  0, or -1 with errno: the handlers are then wh-retry's.
 */
int			 dispatcher_submit(struct dispatcher *,
			    const struct conf *, const struct attempt_job *,
			    int64_t received_us, unsigned segno, off_t offset);
/*
 * Let the dispatcher go: it ends the handlers it holds, then exits (the
 * responder reaps it).  The next submit forks a new one, with the
 * configuration of that time.  For a reload, and on shutdown.
 */
void			 dispatcher_stop(struct dispatcher *);

/*
 * As CGI: fork a dispatcher that runs the first attempt of each of the
 * job's handlers in order and exits, a grandchild in a session of its
 * own with stdout and stderr on /dev/null (the web server waits for
 * the end of output).  Returns once the intermediate child is reaped:
 * 0, or -1 if it could not be forked.
 */
int			 dispatcher_detach(const struct conf *,
			    const struct attempt_job *);

#endif
