/*
 * conf: the INI configuration (libinih) turned into typed structs.
 * Keys are typed and range-checked from one table; every error of a file
 * is collected as "FILE:LINE: message" and the load fails as a whole.
 * (Named conf, not config, so as not to clash with autoconf's config.h.)
 */
#ifndef HOOKSPOOL_CONF_H
#define HOOKSPOOL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "handshake.h"			/* struct handshake_conf */
#include "log.h"
#include "spool.h"			/* enum fsync_mode */
#include "verify.h"			/* struct verify_conf */

struct command;
struct filter;
struct sink_conf;

/* HTTP methods an endpoint accepts, as a bit set. */
enum {
	METHOD_GET	= 1 << 0,
	METHOD_HEAD	= 1 << 1,
	METHOD_POST	= 1 << 2,
	METHOD_PUT	= 1 << 3,
	METHOD_PATCH	= 1 << 4,
	METHOD_DELETE	= 1 << 5,
	METHOD_OPTIONS	= 1 << 6
};

/*
 * Limits of a request's headers (max_headers, max_header_size) cannot
 * be set above these: a request over them is refused without its
 * headers ever being copied.
 */
#define CONF_MAX_HEADERS	10000
#define CONF_MAX_HEADER_SIZE	(1024 * 1024)

/* A list of header names, normalised (redact_headers). */
struct conf_names {
	char	**v;
	size_t	  n;
};

struct endpoint {
	char			*name;		/* from [endpoint:NAME] */
	int			 line;		/* of the section header */
	char			*path;		/* "/hooks/github" */
	unsigned		 methods;	/* METHOD_* bits; default POST */
	bool			 enabled;
	struct verify_conf	 verify;	/* signature_type and its keys */
	struct handshake_conf	 handshake;	/* handshake, handshake_token */
	struct conf_names	 redact_headers; /* besides the server's */
	struct conf_names	 redact_query;	/* query field names */
	char			*payload_json_field; /* of a form body */
	/* one event per delivery: the key's alternatives, NULL: none */
	struct command		*dedup_key;
	bool			 dedup_auto;	/* the scheme's key */
	long			 dedup_window;	/* seconds */
};

/* min_free_space: bytes, or a percentage of the filesystem; 0: none. */
struct conf_space {
	unsigned long long	bytes;
	double			percent;
};

/* on_dead: a program, parsed as a command is, and the line it is on. */
struct conf_prog {
	struct command		*cmd;		/* NULL: none */
	int			 line;
};

struct server_conf {
	char		*spool_dir;
	int		 spool_dir_line; /* of the key; 0: the default */
	size_t		 max_body_size;
	int		 max_headers;	/* a request's, counted as sent */
	size_t		 max_header_size; /* their names and values, bytes */
	struct conf_names redact_headers; /* for every endpoint */
	struct conf_names redact_query;	/* for every endpoint */
	enum fsync_mode	 fsync;
	int		 max_retry_attempts;
	double		 retry_delay_seconds;
	double		 retry_backoff_multiplier;
	double		 retry_max_delay_seconds;
	long		 event_history_size;
	size_t		 segment_size;	/* a segment's size limit, bytes */
	char		*listen;	/* NULL unless set */
	int		 workers;	/* with a socket of its own; 0: CPUs */
	enum log_target	 log;
	enum log_format	 log_format;
	char		*health_path;	/* NULL: none */
	struct conf_space min_free_space; /* refuse events below it */
	int		 handler_nice;	/* added to the dispatcher's nice */
	int		 request_timeout; /* seconds for a request to come in */
	long		 dedup_max_keys; /* the dedup index's size */
	char		*metrics_path;	/* NULL: no metrics served */
	char		*metrics_allow;	/* "ADDR[/BITS], ..."; NULL: any */
	struct conf_prog on_dead;	/* for every handler without one */
};

/* [handler:NAME]: a command run for every event its filter matches, or
 * a Redis stream each such event is added to. */
struct handler {
	char			*name;
	int			 line;		/* of the section header */
	struct command		*command;	/* parsed template */
	struct filter		*filter;	/* all criteria; never NULL */
	int			 timeout;	/* seconds, 1..86400 */
	/* user/group, resolved at load: uid is the user's (else the
	 * loader's euid), gid the group's (else the user's primary).
	 * false when unset, or when a non-root loader already is them. */
	bool			 drop_privileges;
	uid_t			 uid;
	gid_t			 gid;
	char			*user;		/* for initgroups(); NULL: none */
	struct conf_prog	 on_dead;	/* NULL cmd: the server's */
	int			 max_concurrency; /* 0: no limit */
	/* alternatives (as dedup_key); NULL: not serialized.  A handler
	 * with it is run by wh-retry only, one event at a time per key,
	 * in the order the events came. */
	struct command		*serialize_by;
	/* redis = ...: a sink (sink.h) instead of a command; NULL: none */
	struct sink_conf	*sink;
	int			 sink_line;	/* of the redis key */
};

struct conf_errors {
	char	**msg;			/* "FILE:LINE: message" each */
	size_t	  n;
};

struct conf {
	char			*file;
	/* "FILE:LINE: warning: ..." that did not fail the load */
	struct conf_errors	 warnings;
	struct server_conf	 server;
	struct endpoint		*endpoints;
	size_t			 nendpoints;
	struct handler		*handlers;	/* in configuration order */
	size_t			 nhandlers;
};

/* Default configuration file: -c, else $HOOKSPOOL_CONFIG, else this. */
const char	*conf_default_path(void);

/*
 * Read and check path.  On success returns the configuration and leaves
 * errs empty; on any error returns NULL with every error in errs.
 */
struct conf	*conf_load(const char *path, struct conf_errors *errs);
void		 conf_free(struct conf *);
void		 conf_errors_free(struct conf_errors *);
/*
 * Whether spool_dir can be the spool (spool_dir_check()): 0, or -1 with
 * errno set and "FILE:LINE: spool_dir DIR: reason" in msg.
 */
int		 conf_spool_check(const struct conf *, char *msg, size_t len);

/*
 * Whether each on_dead program exists and is executable: 0, or -1 with
 * "FILE:LINE: on_dead PROGRAM: reason" in msg (the first one wrong).
 */
int		 conf_programs_check(const struct conf *, char *msg,
		    size_t len);
/* The on_dead program of h (its own, else the server's), or NULL. */
const struct command	*conf_on_dead(const struct conf *,
			    const struct handler *);

/* The endpoint (enabled or not) whose path is exactly path, or NULL. */
const struct endpoint	*conf_find_endpoint(const struct conf *,
			    const char *path);
/* The handler called name, or NULL. */
const struct handler	*conf_find_handler(const struct conf *,
			    const char *name);

/* METHOD_* bit of an HTTP method name, 0 if unknown. */
unsigned	 conf_method_bit(const char *);
/* "POST, PUT" for an Allow header, into buf. */
void		 conf_methods_format(unsigned methods, char *buf, size_t len);

#endif
