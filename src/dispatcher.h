/*
 * dispatcher: the long-lived process that runs a FastCGI responder's
 * handlers.  The responder forks it once (not once per event) and, after
 * each answer, sends it where the event's record is in the spool and
 * which handlers matched.  The spool is the queue: the dispatcher holds
 * only these references, reads each event back when its turn comes, and
 * runs the handlers of many events at once, those of one event in
 * configuration order, with dispatch_begin() and dispatch_end().  It
 * exits when the responder closes the socket and its queue is empty.
 */
#ifndef HOOKSPOOL_DISPATCHER_H
#define HOOKSPOOL_DISPATCHER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct conf;

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

#endif
