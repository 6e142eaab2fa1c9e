/*
 * receive: the request path of wh-receive (see wh-receive(8)): match the
 * endpoint, check method and size, read the body, verify, spool, answer.
 * It knows nothing of FastCGI or CGI: the front end fills a struct
 * request, supplies a body reader, and writes out the struct response.
 */
#ifndef HOOKSPOOL_RECEIVE_H
#define HOOKSPOOL_RECEIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dispatcher.h"
#include "event.h"
#include "header.h"

struct conf;
struct attempt_job;
struct dedup;
struct spool;
struct metrics_file;

struct request {
	const char		*method;	/* REQUEST_METHOD */
	const char		*uri;		/* REQUEST_URI, with query */
	const char		*script_name;	/* used when uri is NULL */
	const char		*path_info;
	const char		*remote_addr;
	const char		*content_length; /* NULL when absent */
	const char		*content_type;
	/* What ${full_url} is rebuilt from, without public_url. */
	const char		*https;		/* HTTPS: "on" or "1" */
	const char		*request_scheme; /* REQUEST_SCHEME */
	const char		*server_name;
	const char		*server_port;
	int			 chunked;	/* a Transfer-Encoding came */
	/* HTTP_* as the server passed them: max_headers, max_header_size */
	size_t			 header_count;
	size_t			 header_bytes;	/* names (less HTTP_), values */
	struct header_list	 headers;	/* empty when over the limits */
	/* Body reader: bytes read, 0 at end of input, -1 on error. */
	ssize_t			(*read)(void *io, void *buf, size_t len);
	void			*io;
	int			 body_read;	/* all of it, set by receive */
};

/* Room for the CGI head receive_format_head() writes. */
#define RECEIVE_HEAD_MAX	1024

struct response {
	int		 status;
	const char	*allow;		/* Allow: value for 405, else NULL */
	int		 retry_after;	/* seconds for 503, 0 for none */
	const char	*content_type;	/* NULL: application/json */
	char		 header[320];	/* a handshake's "Name: value", or "" */
	char		 body[512];	/* JSON, but a handshake's */
	size_t		 body_len;
	char		*text;		/* malloc'd body of body_len instead */
	int64_t		 received_us;	/* when the body was in */
	/* For the log line. */
	char		 id[EVENT_ID_LEN + 1];	/* "" unless spooled */
	const char	*endpoint;		/* NULL when unmatched */
	const char	*verify;		/* verify_status_name() or "-" */
	const char	*handshake;		/* its name, if it was one */
	char		 reason[256];		/* why it failed, for the log */
	/* Handlers to run once the answer is out; NULL if none matched. */
	struct attempt_job *job;
	unsigned	 segno;		/* where the event's record is */
	off_t		 offset;
	int		 owed;		/* a 202 that waits for receive_commit */
	int		 quiet;		/* not logged: a healthy health_path */
	int		 duplicate;	/* a 200 naming an earlier event */
};

struct receiver {
	const struct conf	*conf;
	struct spool		*spool;		/* opened lazily, reopened */
	char			 allow[64];	/* scratch for Allow: */
	int			 listen_fd;	/* FastCGI's; -1 as CGI */
	struct dispatcher	 dispatcher;	/* runs FastCGI's handlers */
	struct dedup		*dedup;		/* the index, opened lazily */
	int			 defer;		/* receive_commit() syncs */
	int			 commit_err;	/* a sync owed failed at reset */
	int64_t			 low_space_logged_us; /* 0: room enough */
	struct metrics_file	*metrics;	/* mapped once; NULL: none */
	size_t			 body_bytes;	/* of the request handled */
};

/* An idle receiver for conf, serving on listen_fd (-1 as CGI). */
void	receive_init(struct receiver *, const struct conf *, int listen_fd);

/*
 * Fill req from CGI meta-variables ("NAME=VALUE" strings, as in environ
 * or the FastCGI parameters); req points into envp, which must outlive it.
 * HTTP_* and CONTENT_TYPE / CONTENT_LENGTH become headers, a repeated
 * one's values joined; the HTTP_* are counted first, and when they are
 * over what any configuration allows (CONF_MAX_HEADERS and
 * CONF_MAX_HEADER_SIZE) none is copied: receive_handle() refuses the
 * request.  On ENOMEM returns -1 with req still safe to log and free.
 */
int	receive_request_init(struct request *, char *const *envp);
void	receive_request_free(struct request *);
/* Fill resp as a JSON error answer. */
void	receive_error(struct response *, int status, const char *error,
	    const char *reason);

/* Handle one request; resp is always filled in.  Never exits. */
void	receive_handle(struct receiver *, struct request *,
	    struct response *);
/*
 * Deferred syncs (fsync = always as FastCGI, with rcv->defer set): a 202
 * whose record is written but not yet on disk has resp->owed set, and
 * must not be sent before receive_commit() has returned 0, which syncs
 * every record owed since the last commit at once.  When it returns -1,
 * receive_commit_failed() turns each such answer into a 503.
 */
int	receive_commit(struct receiver *);
void	receive_commit_failed(struct response *, int err);
/*
 * After the answer is finished: have the handlers of resp->job run, and
 * free the job.  As FastCGI, they go to the responder's dispatcher
 * (dispatcher_submit()); the caller reaps it once it has let it go
 * (dispatcher_stop()).  With detach (CGI), a dispatcher of its own is
 * forked for the job and left to run on its own (dispatcher_detach()).
 */
void	receive_dispatch(struct receiver *, struct response *, int detach);
/* Drop the open spool (after a reload, or on shutdown). */
void	receive_reset(struct receiver *);
/* Count a finished request in the shared metrics; free resp->text. */
void	receive_observe(struct receiver *, const struct request *,
	    struct response *, int64_t elapsed_us);
/* Write the one log line for a finished request. */
void	receive_log(const struct receiver *, const struct request *,
	    const struct response *,
	    int64_t elapsed_us);
/*
 * The CGI response header block ("Status: ...\r\n" ... "\r\n") into
 * buf; returns its length.
 */
int	receive_format_head(const struct response *, char *buf, size_t len);
/* Status line text: "202 Accepted". */
const char *receive_status_text(int status);

#endif
