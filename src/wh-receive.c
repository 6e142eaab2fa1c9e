/*
 * wh-receive: the webhook receiver.  A FastCGI responder on an inherited
 * socket (fd 0) or its own (--listen, or systemd's), or a plain CGI
 * program when the web server starts it as one.  On a socket of its own
 * it is the master of a pool of workers (see master.c); on one a web
 * server or spawn-fcgi hands it, one process, which they supervise.
 * The configuration is read at start and again on SIGHUP; a bad new
 * configuration keeps the old one running.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "clock.h"
#include "conf.h"
#include "dispatcher.h"
#include "fcgi.h"
#include "log.h"
#include "master.h"
#include "receive.h"
#include "spool.h"

static volatile sig_atomic_t	got_hup, got_term;
static struct conf		*conf;
static const char		*conf_path;
static int			 opt_stderr;
static pid_t			 master_pid;	/* a worker's; 0: none */

static void
usage(void)
{
	fprintf(stderr, "usage: wh-receive [-dtv] [-c file] "
	    "[--listen host:port | --listen /path.sock]\n");
	exit(2);
}

/*
 * SIGHUP and SIGTERM set flags, which tick() reads between requests:
 * the signal ends fcgi_serve()'s wait at once, or, if it came just
 * before the wait began, within a second.  Children (dispatchers) are
 * reaped here, in the handler, so that none is left a zombie while we
 * wait.
 */
static void
on_signal(int sig)
{
	int	saved = errno;

	if (sig == SIGCHLD) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			continue;
		errno = saved;
		return;
	}
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
	errno = saved;
}

static void
print_errors(const struct conf_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		log_warnx("%s", errs->msg[i]);
}

static void
print_stderr(const struct conf_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
}

/*
 * -t: every error, or "configuration OK"; the exit status says which.
 * Warnings are printed but pass.  The spool directory is checked too:
 * the receiver would refuse to start on it.
 */
static int
test_config(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	char			 msg[1024];
	int			 rc = 1;

	c = conf_load(conf_path, &errs);
	print_stderr(&errs);
	conf_errors_free(&errs);
	if (c == NULL) {
		fprintf(stderr, "%s: configuration has errors\n", conf_path);
		return 1;
	}
	print_stderr(&c->warnings);
	if (conf_spool_check(c, msg, sizeof(msg)) == -1 ||
	    conf_programs_check(c, msg, sizeof(msg)) == -1)
		fprintf(stderr, "%s\n", msg);
	else {
		printf("%s: configuration OK\n", conf_path);
		rc = 0;
	}
	conf_free(c);
	return rc;
}

/*
 * A FastCGI process serves for long: one whose spool is unusable from
 * the start would answer every event 503, so it refuses to start, and
 * says why.  A CGI program starts for each request, and answers that
 * one 503 (without the warnings, which would come with every request).
 */
static int
start_check(const char *listen_spec)
{
	char	msg[1024];

	if (listen_spec == NULL && fcgi_is_cgi())
		return 0;
	print_errors(&conf->warnings);
	if (conf_spool_check(conf, msg, sizeof(msg)) == 0)
		return 0;
	log_warnx("%s", msg);
	return -1;
}

/* After a reload, the same, but the process serves on (answering 503). */
static void
reload_check(const struct conf *c)
{
	char	msg[1024];

	print_errors(&c->warnings);
	if (conf_spool_check(c, msg, sizeof(msg)) == -1)
		log_warnx("%s; events are answered 503 until it is fixed",
		    msg);
}

/* The configuration read again, or NULL (logged) to keep the old. */
static struct conf *
reread_conf(void)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;

	if ((c = conf_load(conf_path, &errs)) == NULL) {
		print_errors(&errs);
		log_warnx("%s: reload failed, keeping the running configuration",
		    conf_path);
		conf_errors_free(&errs);
	}
	return c;
}

static void
reload(struct receiver *rcv)
{
	struct conf	*c;

	if ((c = reread_conf()) == NULL)
		return;
	receive_reset(rcv);
	/* It runs on with the old configuration, which it has a copy of. */
	dispatcher_stop(&rcv->dispatcher);
	conf_free(conf);
	conf = c;
	rcv->conf = conf;
	log_info("%s: configuration reloaded", conf_path);
	reload_check(conf);
}

/* On exit: wait for every child (the handlers' timeouts bound it). */
static void
reap_all(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		continue;
}

static int
tick(struct receiver *rcv)
{
	if (got_hup) {
		got_hup = 0;
		reload(rcv);
	}
	/* A worker whose master was killed must free the socket. */
	if (master_pid != 0 && getppid() != master_pid) {
		log_warnx("the master is gone; stopping");
		return 1;
	}
	return got_term;
}

static void
signals_setup(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;	/* no SA_RESTART: the wait returns */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* A file size limit must fail the append (503), not kill us. */
	sigaction(SIGXFSZ, &sa, NULL);
}

static size_t	cgi_consumed;	/* body bytes read from stdin */
static int	cgi_eof;

static ssize_t
cgi_read(void *io, void *buf, size_t len)
{
	ssize_t	n;

	(void)io;
	do {
		n = read(STDIN_FILENO, buf, len);
	} while (n == -1 && errno == EINTR);
	if (n > 0)
		cgi_consumed += (size_t)n;
	else if (n == 0)
		cgi_eof = 1;
	return n;
}

/*
 * Read and drop the rest of a body that was not read (404, 405, 413,
 * ...), up to its Content-Length, or to its end without one, but never
 * more than CGI_DRAIN_MAX bytes.  A CGI program that exits with input
 * unread resets its connection: Apache's mod_cgid then loses the answer
 * (the client sees the connection close) or holds it for seconds.  The
 * web server's own request limit (LimitRequestBody, ...) bounds what
 * arrives here; the cap only guards against a server without one.
 */
#define CGI_DRAIN_MAX	((size_t)64 << 20)

static void
cgi_drain(const char *content_length)
{
	char	 buf[8192], *end;
	size_t	 want = CGI_DRAIN_MAX;
	unsigned long long v;

	if (cgi_eof)
		return;
	if (content_length != NULL && *content_length != '\0') {
		errno = 0;
		v = strtoull(content_length, &end, 10);
		if (errno == 0 && *end == '\0' && v < CGI_DRAIN_MAX)
			want = (size_t)v;
	}
	while (cgi_consumed < want)
		if (cgi_read(NULL, buf, want - cgi_consumed < sizeof(buf) ?
		    want - cgi_consumed : sizeof(buf)) <= 0)
			break;
}

/* One request as a CGI program: environment in, stdout out. */
static int
serve_cgi(struct receiver *rcv)
{
	extern char	**environ;
	struct request	  req;
	struct response	  resp;
	int64_t		  t0;
	char		  head[RECEIVE_HEAD_MAX];
	int		  n;

	t0 = mono_us();
	if (receive_request_init(&req, environ) == -1)
		receive_error(&resp, 503, "out of memory", NULL);
	else {
		req.read = cgi_read;
		receive_handle(rcv, &req, &resp);
		cgi_drain(req.content_length);
	}
	n = receive_format_head(&resp, head, sizeof(head));
	fwrite(head, 1, (size_t)n, stdout);
	fwrite(resp.text ? resp.text : resp.body, 1, resp.body_len, stdout);
	fflush(stdout);
	receive_dispatch(rcv, &resp, 1);
	receive_log(rcv, &req, &resp, mono_us() - t0);
	receive_observe(rcv, &req, &resp, mono_us() - t0);
	receive_request_free(&req);
	receive_reset(rcv);	/* the spool and the dedup index */
	return 0;
}

/* Serve FastCGI on rcv's socket until SIGTERM; the exit status. */
static int
serve_fcgi(struct receiver *rcv)
{
	int	rc;

	rc = fcgi_serve(rcv->listen_fd, rcv, tick);
	if (rc == -1)
		log_warn("accept");
	/* Handlers still running finish (their timeouts bound the wait). */
	dispatcher_stop(&rcv->dispatcher);
	reap_all();
	receive_reset(rcv);
	conf_free(conf);
	return rc == 0 ? 0 : 1;
}

/*
 * The socket systemd passed (sd_listen_fds(3): LISTEN_PID is ours,
 * LISTEN_FDS counts from fd 3), or -1.  The variables go, so that
 * handlers do not take the socket for theirs.
 */
static int
systemd_socket(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct stat	 st;
	int		 fd = 3;

	if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != getpid())
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strtol(fds, NULL, 10) < 1 || fstat(fd, &st) == -1 ||
	    !S_ISSOCK(st.st_mode)) {
		log_warnx("LISTEN_FDS=%s: no socket at descriptor 3", fds);
		return -1;
	}
	if (strtol(fds, NULL, 10) > 1)
		log_warnx("LISTEN_FDS=%s: serving the first socket only", fds);
	return fd;
}

/* The size of the pool: workers, or one per online CPU. */
static int
workers(const struct conf *c)
{
	long	n = c->server.workers;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > MASTER_MAX_WORKERS ? MASTER_MAX_WORKERS : (int)n;
}

/* A worker of the pool: the master's receiver, its configuration. */
static int
pool_serve(void *arg)
{
	struct receiver	*rcv = arg;

	master_pid = getppid();
	signals_setup();
	master_unblock();
	return serve_fcgi(rcv);
}

/* The master: was it told to stop while it started? */
static int
pool_stopped(void *arg)
{
	(void)arg;
	return got_term;
}

/* The master on SIGHUP: its workers read the file themselves. */
static int
pool_reload(void *arg)
{
	struct receiver	*rcv = arg;
	struct conf	*c;

	if ((c = reread_conf()) == NULL)
		return -1;
	conf_free(conf);
	conf = c;
	rcv->conf = conf;
	return workers(conf);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "listen",	required_argument,	NULL, 'l' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_errors	 errs = { NULL, 0 };
	struct receiver		 rcv;
	struct master_ops	 pool_ops = { pool_serve, pool_reload,
				    pool_stopped, &rcv };
	const char		*listen_spec = NULL;
	char			 err[512];
	int			 ch, tflag = 0, fd, rc, n, own = 0;

	while ((ch = getopt_long(argc, argv, "c:dtvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			opt_stderr = 1;
			break;
		case 'l':
			listen_spec = optarg;
			break;
		case 't':
			tflag = 1;
			break;
		case 'v':
			log_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (conf_path == NULL)
		conf_path = conf_default_path();
	if (tflag)
		return test_config();

	log_init("wh-receive", LOG_TO_STDERR);
	if ((conf = conf_load(conf_path, &errs)) == NULL) {
		print_errors(&errs);
		fatalx("%s: configuration has errors", conf_path);
	}
	if (!opt_stderr)
		log_init("wh-receive", conf->server.log);
	receive_init(&rcv, conf, -1);
	signals_setup();

	if (listen_spec == NULL)
		listen_spec = conf->server.listen;
	if (start_check(listen_spec) == -1)
		fatalx("%s: the spool directory is unusable, not starting",
		    conf_path);
	if (listen_spec != NULL) {
		if ((fd = fcgi_listen(listen_spec, err, sizeof(err))) == -1)
			fatalx("listen %s", err);
		log_info("listening on %s", listen_spec);
		own = 1;
	} else if ((fd = systemd_socket()) != -1)
		own = 1;
	else if (!fcgi_is_cgi())
		fd = STDIN_FILENO;
	else if (getenv("GATEWAY_INTERFACE") != NULL ||
	    getenv("REQUEST_METHOD") != NULL)
		return serve_cgi(&rcv);
	else
		fatalx("not started by a web server as FastCGI or CGI; "
		    "use --listen");

	receive_init(&rcv, conf, fd);
	if (own && (n = workers(conf)) > 1) {
		rc = master_run(n, &pool_ops);
		receive_reset(&rcv);
		conf_free(conf);
		return rc;
	}
	return serve_fcgi(&rcv);
}
