/*
 * sink: a handler that delivers events into a Redis stream instead of
 * running a command ([handler:NAME] with redis = ...).  Each event
 * becomes one stream entry (fields id, endpoint, path, received_at,
 * headers as JSON, body as raw bytes), added by a server-side script
 * together with a marker keyed by the event's delivery id (its dedup
 * key, else its event id) that expires after the endpoint's
 * dedup_window: a second attempt for the same delivery, after a lost
 * acknowledgement or from another receiver, finds the marker and adds
 * nothing.  An attempt is done only when Redis has answered with the
 * entry's id; any other answer, or none, is a failed attempt with
 * Redis's words as its error, retried like a command's.
 *
 * Connections are kept per process (one per Redis address), commands
 * are pipelined (sink_deliver() sends a batch in one write and reads
 * the answers), and a connection that failed is tried again only after
 * a backoff (0.1 s doubling to 10 s); attempts meanwhile fail at once.
 */
#ifndef HOOKSPOOL_SINK_H
#define HOOKSPOOL_SINK_H

#include <stdbool.h>
#include <stddef.h>

struct attempt_job;

#define SINK_ERROR_MAX	200

/* Where and how: parsed from the handler's keys at load time. */
struct sink_conf {
	char	*url;		/* as written, the password hidden */
	char	*host;		/* TCP; NULL with a unix socket */
	int	 port;
	char	*socket;	/* unix socket path; NULL with TCP */
	int	 db;		/* SELECT; 0 is the default */
	char	*user;		/* AUTH user (ACL); NULL: default */
	char	*password;	/* NULL: no AUTH */
	bool	 tls;		/* rediss:// */
	char	*tls_ca_file;	/* NULL: the system's CAs */
	char	*tls_cert_file;	/* a client certificate, and its key */
	char	*tls_key_file;
	char	*tls_server_name; /* NULL: the URL's host */
	char	*stream;	/* the key, with ${endpoint} in it or not */
	long	 maxlen;	/* 0: no trimming */
	bool	 maxlen_exact;	/* "=N"/"N"; default "~N" (approximate) */
};

/*
 * Parse a redis key's value: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB],
 * the same with rediss:// for TLS, or unix:PATH[?db=N] (also
 * redis+unix://PATH).  0, or -1 with the reason in err.
 */
int	 sink_conf_url(struct sink_conf *, const char *url, char *err,
	    size_t errlen);
/* The stream key: literal text and ${endpoint}.  0 or -1 with err. */
int	 sink_conf_stream(struct sink_conf *, const char *s, char *err,
	    size_t errlen);
/* maxlen: "~N", "=N" or "N" (exact).  0 or -1 with err. */
int	 sink_conf_maxlen(struct sink_conf *, const char *s, char *err,
	    size_t errlen);
void	 sink_conf_free(struct sink_conf *);

/* The stream key for an event of endpoint: malloc'd, NULL on ENOMEM. */
char	*sink_stream_key(const struct sink_conf *, const char *endpoint);

/* One event to deliver, and what became of it. */
struct sink_item {
	const struct sink_conf		*sc;
	const struct attempt_job	*job;
	long				 ttl;	/* the marker's, seconds */
	int				 timeout; /* seconds for Redis */
	/* out: */
	int				 ok;	/* acknowledged */
	int				 added;	/* 0: the marker was there */
	char				 entry[64]; /* the entry's id */
	char				 error[SINK_ERROR_MAX];
};

/*
 * Deliver n items, pipelined per Redis address; each gets ok, or its
 * error.  It waits for Redis: up to 5 s (at most the items' largest
 * timeout) to connect, then up to that timeout for each step of the
 * connection's set-up (AUTH, SELECT, SCRIPT LOAD), for the batch to be
 * sent, and for each answer.
 */
void	 sink_deliver(struct sink_item *items, size_t n);
/* Close this process's connections (before exit, or after a fork). */
void	 sink_close_all(void);

#endif
