/*
 * fcgirec: the FastCGI record stream (FastCGI 1.0) of one connection,
 * as a pure parser and writer: bytes in, a request's parameters and
 * body out, no I/O.  A responder only; one request at a time on a
 * connection (FCGI_MPXS_CONNS is 0).
 *
 * Promises:
 * - Every length a peer sends is checked against the bytes that carry
 *   it before anything is allocated or copied for it; a stream that
 *   lies is an error for the connection, never a crash.
 * - Memory is bounded: the parameters by limit_params bytes (more are
 *   counted, not kept), the body by the limit the caller sets once the
 *   parameters are in (more is read and dropped).
 * - Bytes after a finished request (the next request on a kept
 *   connection) are left to the caller, never lost or parsed early.
 */
#ifndef HOOKSPOOL_FCGIREC_H
#define HOOKSPOOL_FCGIREC_H

#include <stddef.h>

#define FCGIREC_HEADER_LEN	8
/* What one STDOUT record carries at most. */
#define FCGIREC_CONTENT_MAX	65535

enum fcgirec_event {
	FCGIREC_MORE,		/* all bytes taken: feed more */
	FCGIREC_PARAMS,		/* the parameters are in: set the body limit */
	FCGIREC_REQUEST,	/* the request is in (or its body passed the
				 * limit): answer it */
	FCGIREC_ERROR		/* the stream is broken: close, see error */
};

enum fcgirec_state {
	FCGIREC_IDLE,		/* no request begun */
	FCGIREC_IN_PARAMS,
	FCGIREC_IN_BODY,
	FCGIREC_READY,		/* handed over, not yet answered */
	FCGIREC_ANSWERED	/* answered; the rest of its body may come */
};

struct fcgirec {
	/* The record being read. */
	unsigned char	 hdr[FCGIREC_HEADER_LEN];
	size_t		 hdr_len;
	unsigned	 type, rid;
	size_t		 content_left, padding_left;
	unsigned char	 begin[8];	/* BEGIN_REQUEST's body */
	size_t		 begin_len;
	/* The request. */
	enum fcgirec_state state;
	unsigned	 id;		/* its request id */
	int		 keep;		/* FCGI_KEEP_CONN */
	int		 body_eof;	/* its empty STDIN record came */
	char		*params;	/* the raw name-value stream */
	size_t		 params_len, params_cap, params_seen;
	size_t		 limit_params;
	char		**envp;		/* "NAME=VALUE", NULL-terminated */
	size_t		 nenv;
	unsigned char	*body;
	size_t		 body_len, body_cap, body_limit;
	int		 body_over;	/* more came than body_limit */
	/* Records owed to the peer: management replies, refusals. */
	unsigned char	 out[256];
	size_t		 out_len;
	const char	*error;		/* why FCGIREC_ERROR */
};

/* A connection's parser; limit_params bounds the parameter bytes kept. */
void	fcgirec_init(struct fcgirec *, size_t limit_params);
void	fcgirec_free(struct fcgirec *);
/*
 * Take bytes of the stream; returns how many were taken and sets *ev.
 * It stops at an event: after FCGIREC_PARAMS and FCGIREC_REQUEST the
 * caller acts and then feeds the rest.  New bytes may add to out[]
 * (send and clear them).
 */
size_t	fcgirec_feed(struct fcgirec *, const unsigned char *buf, size_t len,
	    enum fcgirec_event *ev);
/* 1 when the parameters came to more than limit_params bytes. */
int	fcgirec_params_over(const struct fcgirec *);
/*
 * After FCGIREC_PARAMS: keep at most limit body bytes.  The request is
 * handed over when its body ends, or at once when more than limit came
 * (then body_over is set, and the rest is read and dropped).
 */
void	fcgirec_set_body_limit(struct fcgirec *, size_t limit);
/*
 * The request is answered: its parameters and body are dropped.  The
 * connection is done with it (next request, or close) once
 * fcgirec_idle() says so: its body may still be coming.
 */
void	fcgirec_answered(struct fcgirec *);
int	fcgirec_idle(const struct fcgirec *);
/* The value of parameter name in the request, or NULL. */
const char *fcgirec_param(const struct fcgirec *, const char *name);
/*
 * The answer to request id: data as STDOUT records, the end of STDOUT,
 * then END_REQUEST.  Writes into buf (cap bytes; needs data's length
 * plus 8 per 65535 bytes plus 32) and returns the length, or 0 when
 * buf is too small.
 */
size_t	fcgirec_answer(unsigned id, const void *data, size_t len,
	    unsigned char *buf, size_t cap);

#endif
