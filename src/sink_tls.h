/*
 * sink_tls: a sink's connection to Redis over TLS (see sink_tls.c).
 * The certificate of the server is always verified, against
 * redis_tls_ca_file or the system's CAs, for the URL's host or
 * redis_tls_server_name.
 */
#ifndef HOOKSPOOL_SINK_TLS_H
#define HOOKSPOOL_SINK_TLS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct sink_conf;
struct sink_tls;

/*
 * Connect (within ctimeout seconds) and make the TLS handshake; each read
 * and write then waits up to timeout seconds.  NULL with err on error.
 */
struct sink_tls	*sink_tls_connect(const struct sink_conf *, int ctimeout,
		    int timeout, char *err, size_t errlen);
/* Queue a command (as redisAppendCommandArgv()).  -1 on ENOMEM. */
int		 sink_tls_append(struct sink_tls *, int argc,
		    const char **argv, const size_t *len);
/*
 * Send what is queued, then read the next answer (as redisGetReply()).
 * -1 with sink_tls_error() set: the connection is no longer of use.
 */
int		 sink_tls_reply(struct sink_tls *, redisReply **);
const char	*sink_tls_error(const struct sink_tls *);
void		 sink_tls_free(struct sink_tls *);

#endif
