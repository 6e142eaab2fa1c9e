/*
 * attempt: run a handler's command for an event and record the attempt.
 * The straight line of one attempt: record "running", fork, exec without
 * a shell, collect the last ATTEMPT_OUTPUT_MAX bytes of output until the
 * command exits or its timeout kills its process group, record the
 * outcome with the next attempt's time by the backoff rule.  A dispatcher
 * that dies in between leaves the "running" record, which wh-retry takes
 * for a failure once the timeout has passed.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "clock.h"
#include "command.h"
#include "conf.h"
#include "attempt.h"
#include "log.h"
#include "sink.h"
#include "metrics.h"
#include "ondead.h"
#include "record.h"
#include "spool.h"

#define POLL_TICK_MS	20

const char *
attempt_state_name(enum attempt_state st)
{
	switch (st) {
	case ATTEMPT_RUNNING:	return "running";
	case ATTEMPT_DONE:	return "done";
	case ATTEMPT_FAILED:	return "failed";
	case ATTEMPT_DEAD:	return "dead";
	default:		return "unrecorded";
	}
}

size_t
attempt_match(const struct conf *conf, const struct filter_event *fe,
    size_t *idx)
{
	size_t	i, n = 0;

	for (i = 0; i < conf->nhandlers; i++)
		if (filter_match(conf->handlers[i].filter, fe))
			idx[n++] = i;
	return n;
}

/* Keep only the last ATTEMPT_OUTPUT_MAX bytes. */
static void
output_add(struct attempt_output *o, const char *p, size_t n)
{
	if (n >= ATTEMPT_OUTPUT_MAX) {
		memcpy(o->buf, p + n - ATTEMPT_OUTPUT_MAX, ATTEMPT_OUTPUT_MAX);
		o->len = ATTEMPT_OUTPUT_MAX;
		return;
	}
	if (o->len + n > sizeof(o->buf)) {
		memmove(o->buf, o->buf + o->len - (ATTEMPT_OUTPUT_MAX - n),
		    ATTEMPT_OUTPUT_MAX - n);
		o->len = ATTEMPT_OUTPUT_MAX - n;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static const char *
output_tail(const struct attempt_output *o, size_t *len)
{
	*len = o->len > ATTEMPT_OUTPUT_MAX ? ATTEMPT_OUTPUT_MAX : o->len;
	return o->buf + (o->len - *len);
}

static int
append_attempt(struct spool *sp, const struct attempt *at)
{
	char	*rec;
	size_t	 len;
	int	 rc;

	if ((rec = record_attempt_encode(at, &len)) == NULL)
		return -1;
	rc = spool_append(sp, rec, len);
	free(rec);
	return rc;
}

int
attempt_memfd(const char *name, const void *p, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) == -1)
		return -1;
	while (off < len) {
		n = write(fd, (const char *)p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
child_drop_privileges(const struct handler *h)
{
	if (!h->drop_privileges)
		return;
	if ((h->user != NULL ? initgroups(h->user, h->gid) :
	    setgroups(1, &h->gid)) == -1 || setgid(h->gid) == -1 ||
	    setuid(h->uid) == -1) {
		dprintf(STDERR_FILENO, "hookspool: cannot become %s: %s\n",
		    h->user != NULL ? h->user : "the configured group",
		    strerror(errno));
		_exit(126);
	}
}

/* Signals the responder ignores or catches, reset for the command. */
static const int	child_sigs[] = { SIGPIPE, SIGXFSZ, SIGHUP, SIGTERM,
			    SIGINT, SIGCHLD };

/*
 * The command's environment: ours, with WH_EVENT_ID, WH_ENDPOINT,
 * WH_HANDLER and WH_ATTEMPT set.  One malloc'd block (free() it).
 */
static char **
child_env(const struct handler *h, const struct attempt_job *job,
    int attempt)
{
	extern char	**environ;
	const char	 *wh[4];
	char		**env, *p;
	size_t		  n = 0, i, k = 0, len;

	for (i = 0; environ[i] != NULL; i++)
		n++;
	len = (n + 5) * sizeof(char *) + strlen(job->id) + strlen(job->endpoint)
	    + strlen(h->name) + 4 * 16 + 16;
	if ((env = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "WH_", 3) != 0)
			env[k++] = environ[i];
	p = (char *)(env + n + 5);
	wh[0] = "WH_EVENT_ID=";
	wh[1] = "WH_ENDPOINT=";
	wh[2] = "WH_HANDLER=";
	wh[3] = "WH_ATTEMPT=";
	env[k++] = p;
	p += sprintf(p, "%s%s", wh[0], job->id) + 1;
	env[k++] = p;
	p += sprintf(p, "%s%s", wh[1], job->endpoint) + 1;
	env[k++] = p;
	p += sprintf(p, "%s%s", wh[2], h->name) + 1;
	env[k++] = p;
	sprintf(p, "%s%d", wh[3], attempt);
	env[k] = NULL;
	return env;
}

/*
 * Start the command with posix_spawn(3): glibc's is a vfork-like clone
 * that copies no page tables, far cheaper than fork(2) from a process
 * with this many libraries mapped.  It cannot change users, so handlers
 * with user or group take the fork() path below.
 */
static pid_t
spawn_posix(char **argv, char **env, int in, int out, struct attempt *at)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, def;
	size_t				 i;
	pid_t				 pid = -1;
	int				 rc;

	sigemptyset(&none);
	sigemptyset(&def);
	for (i = 0; i < sizeof(child_sigs) / sizeof(child_sigs[0]); i++)
		sigaddset(&def, child_sigs[i]);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	rc = posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out, STDERR_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (rc == 0)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &def);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
	if (rc != 0) {
		at->error = strerror(rc);
		pid = -1;
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	errno = rc;
	return pid;
}

/* In the forked child: become the command.  Never returns. */
static void
child_exec(const struct handler *h, char **argv, char **env, int in, int out)
{
	sigset_t	none;
	size_t		i;

	setpgid(0, 0);
	for (i = 0; i < sizeof(child_sigs) / sizeof(child_sigs[0]); i++)
		signal(child_sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(126);
	close_range(3, ~0U, 0);
	child_drop_privileges(h);
	execvpe(argv[0], argv, env);
	dprintf(STDERR_FILENO, "hookspool: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void
attempt_kill(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		continue;
}

/*
 * Collect output until the command exits, or kill its process group at
 * the deadline.  A pidfd makes the command's exit wake poll(2) at once;
 * without one (kernels before 5.3) exit is noticed within POLL_TICK_MS.
 * attempt_end() reads what is left; output still arriving from
 * grandchildren after the command itself exited is not waited for.
 */
static void
supervise(pid_t pid, int fd, int timeout, struct attempt_output *o,
    int *status, int *timed_out)
{
	struct pollfd	pfd[2];
	int64_t		deadline = mono_us() + (int64_t)timeout * 1000000;
	int64_t		left;
	char		buf[4096];
	ssize_t		n;
	int		pidfd, eof = 0;

	*timed_out = 0;
	pidfd = pidfd_open(pid, 0);
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = pidfd;
	pfd[1].events = POLLIN;
	while (waitpid(pid, status, WNOHANG) != pid) {
		left = (deadline - mono_us()) / 1000;
		if (left <= 0) {
			attempt_kill(pid, status);
			*timed_out = 1;
			break;
		}
		if (pidfd == -1 && left > POLL_TICK_MS)
			left = POLL_TICK_MS;
		/* After EOF only the exit (or the clock) is waited for. */
		pfd[0].fd = eof ? -1 : fd;
		pfd[0].revents = 0;
		if (poll(pfd, 2, (int)left) <= 0 || !(pfd[0].revents & (POLLIN |
		    POLLHUP | POLLERR)))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n > 0)
			output_add(o, buf, (size_t)n);
		else if (n == 0 || errno != EINTR)
			eof = 1;
	}
	if (pidfd != -1)
		close(pidfd);
}

/*
 * An argv that execve(2) refuses with E2BIG (an argument or the whole
 * over the system's limit) fails the same on every retry: the attempt
 * is permanent, with why.
 */
static int
too_long(char **argv, char **env, struct attempt_proc *run)
{
	long	page = sysconf(_SC_PAGESIZE), max = sysconf(_SC_ARG_MAX);

	if (command_argv_fits(argv, env, (size_t)(page > 0 ? page : 4096) *
	    32, max > 0 ? (size_t)max : SIZE_MAX, run->error,
	    sizeof(run->error)) == 0)
		return 0;
	run->at.error = run->error;
	run->permanent = 1;
	return 1;
}

/* Fork and exec; returns the pid, or -1 with a reason in run->at.error. */
static pid_t
spawn(const struct handler *h, const struct attempt_job *job, int attempt,
    struct attempt_proc *run)
{
	struct filter_event	 fe;
	struct attempt		*at = &run->at;
	char			**argv = NULL, **env = NULL;
	int			 in = -1, pipefd[2] = { -1, -1 };
	pid_t			 pid = -1;

	fe.path = job->path;
	fe.method = job->method;
	fe.headers = &job->headers;
	fe.payload = job->payload;
	fe.query = job->query_fields;
	if ((argv = command_expand(h->command, &fe)) == NULL ||
	    (env = child_env(h, job, attempt)) == NULL) {
		at->error = "cannot build the command line";
		goto out;
	}
	if (too_long(argv, env, run))
		goto out;
	if ((in = attempt_memfd("wh-body", job->body, job->body_len)) ==
	    -1 || pipe2(pipefd, O_CLOEXEC) == -1) {
		at->error = strerror(errno);
		goto out;
	}
	if (!h->drop_privileges) {
		pid = spawn_posix(argv, env, in, pipefd[1], at);
		if (pid == -1 && errno == E2BIG) {
			snprintf(run->error, sizeof(run->error), "argument list "
			    "too long: over the system's limit");
			at->error = run->error;
			run->permanent = 1;
		}
	} else if ((pid = fork()) == -1)
		at->error = strerror(errno);
	else if (pid == 0)
		child_exec(h, argv, env, in, pipefd[1]);
	if (pid == -1)
		goto out;
	/* Also here, so that kill(-pid) works before the child's own call. */
	setpgid(pid, pid);
	run->fd = pipefd[0];
	pipefd[0] = -1;
out:
	free(env);
	if (in != -1)
		close(in);
	if (pipefd[0] != -1)
		close(pipefd[0]);
	if (pipefd[1] != -1)
		close(pipefd[1]);
	command_argv_free(argv);
	return pid;
}

static void
outcome(const struct conf *conf, struct attempt *at, int status,
    int permanent, enum attempt_state *st)
{
	const struct backoff_policy	policy = {
		conf->server.max_retry_attempts,
		conf->server.retry_delay_seconds,
		conf->server.retry_backoff_multiplier,
		conf->server.retry_max_delay_seconds
	};

	if (at->error == NULL && !at->timed_out && WIFEXITED(status))
		at->exit_status = WEXITSTATUS(status);
	if (at->error == NULL && WIFSIGNALED(status))
		at->signal = WTERMSIG(status);
	if (at->exit_status == 0) {
		*st = ATTEMPT_DONE;
		return;
	}
	if (!permanent &&
	    backoff_next(&policy, at->number, at->ended_us, &at->next_us))
		*st = ATTEMPT_FAILED;
	else
		*st = ATTEMPT_DEAD;
}

int
attempt_begin(struct spool *sp, const struct handler *h,
    const struct attempt_job *job, int attempt, struct attempt_proc *run)
{
	memset(run, 0, sizeof(*run));
	run->h = h;
	run->pid = -1;
	run->fd = -1;
	run->at.event_id = job->id;
	run->at.handler = h->name;
	run->at.number = attempt;
	run->at.state = attempt_state_name(ATTEMPT_RUNNING);
	run->at.started_us = wall_us();
	run->at.timeout = h->timeout;
	run->at.exit_status = -1;
	if (append_attempt(sp, &run->at) == -1) {
		log_warn("id=%s handler=%s attempt=%d: cannot record the "
		    "attempt, not running it", job->id, h->name, attempt);
		return -1;
	}
	run->deadline = mono_us() + (int64_t)h->timeout * 1000000;
	if (h->sink == NULL)
		run->pid = spawn(h, job, attempt, run);
	return 0;
}

/* A sink's marker lives as long as its endpoint's dedup_window. */
void
attempt_sink_item(const struct conf *conf, const struct attempt_job *job,
    const struct attempt_proc *run, struct sink_item *it)
{
	size_t	i;

	memset(it, 0, sizeof(*it));
	it->sc = run->h->sink;
	it->job = job;
	it->timeout = run->h->timeout;
	it->ttl = 72 * 3600;
	for (i = 0; i < conf->nendpoints; i++)
		if (strcmp(conf->endpoints[i].name, job->endpoint) == 0)
			it->ttl = conf->endpoints[i].dedup_window;
}

enum attempt_state
attempt_sink_end(struct spool *sp, const struct conf *conf,
    const struct attempt_job *job, struct attempt_proc *run,
    const struct sink_item *it)
{
	char	msg[160];
	int	n;

	if (!it->ok) {
		snprintf(run->error, sizeof(run->error), "%s", it->error);
		run->at.error = run->error;
	} else {
		n = snprintf(msg, sizeof(msg), "%s %s\n", it->added ?
		    "added" : "already there (this delivery was added before):",
		    it->entry);
		output_add(&run->out, msg, n > 0 && (size_t)n < sizeof(msg) ?
		    (size_t)n : 0);
	}
	return attempt_end(sp, conf, job, run, 0, 0);
}

void
attempt_read(struct attempt_proc *run)
{
	char	buf[4096];
	ssize_t	n;

	if (run->fd == -1)
		return;
	n = read(run->fd, buf, sizeof(buf));
	if (n > 0)
		output_add(&run->out, buf, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(run->fd);
		run->fd = -1;
	}
}

/* The failure of an attempt in words, as wh-retry list shows it. */
static void
attempt_error(const struct attempt *at, char *buf, size_t len)
{
	if (at->error != NULL)
		snprintf(buf, len, "%s", at->error);
	else if (at->timed_out)
		snprintf(buf, len, "timeout (%d s)", at->timeout);
	else if (at->signal != 0)
		snprintf(buf, len, "signal %d", at->signal);
	else
		snprintf(buf, len, "exit %d", at->exit_status);
}

/* h's index in conf, for the metrics; METRICS_HANDLERS if not there. */
static size_t
handler_index(const struct conf *conf, const struct handler *h)
{
	size_t	i;

	for (i = 0; i < conf->nhandlers && i < METRICS_HANDLERS; i++)
		if (&conf->handlers[i] == h)
			return i;
	return METRICS_HANDLERS;
}

enum attempt_state
attempt_end(struct spool *sp, const struct conf *conf,
    const struct attempt_job *job, struct attempt_proc *run, int status,
    int timed_out)
{
	struct attempt		*at = &run->at;
	enum attempt_state	 st;
	char			 buf[4096];
	ssize_t			 n;

	/* What is there now, without waiting for grandchildren. */
	if (run->fd != -1) {
		fcntl(run->fd, F_SETFL, fcntl(run->fd, F_GETFL) | O_NONBLOCK);
		while ((n = read(run->fd, buf, sizeof(buf))) > 0)
			output_add(&run->out, buf, (size_t)n);
		close(run->fd);
		run->fd = -1;
	}
	at->timed_out = timed_out;
	at->ended_us = wall_us();
	at->output = output_tail(&run->out, &at->output_len);
	outcome(conf, at, status, run->permanent, &st);
	at->state = attempt_state_name(st);
	if (append_attempt(sp, at) == -1)
		log_warn("id=%s handler=%s attempt=%d: cannot record the "
		    "outcome (%s)", job->id, run->h->name, at->number,
		    at->state);
	log_info("id=%s handler=%s attempt=%d state=%s exit=%d signal=%d%s "
	    "us=%lld", job->id, run->h->name, at->number, at->state,
	    at->exit_status, at->signal, timed_out ? " timeout" : "",
	    (long long)(at->ended_us - at->started_us));
	if (conf->server.metrics_path != NULL && st != ATTEMPT_UNRECORDED &&
	    st != ATTEMPT_RUNNING)
		metrics_attempt(metrics_process(conf->server.spool_dir),
		    handler_index(conf, run->h), st == ATTEMPT_DONE ?
		    MO_DONE : st == ATTEMPT_FAILED ? MO_FAILED : MO_DEAD);
	if (st == ATTEMPT_DEAD) {
		attempt_error(at, buf, sizeof(buf));
		ondead_run(conf, run->h, job, buf);
	}
	return st;
}

enum attempt_state
attempt_run(struct spool *sp, const struct conf *conf,
    const struct handler *h, const struct attempt_job *job, int attempt)
{
	struct attempt_proc	run;
	struct sink_item	it;
	int			status = 0, timed_out = 0;

	if (attempt_begin(sp, h, job, attempt, &run) == -1)
		return ATTEMPT_UNRECORDED;
	if (h->sink != NULL) {
		attempt_sink_item(conf, job, &run, &it);
		sink_deliver(&it, 1);
		return attempt_sink_end(sp, conf, job, &run, &it);
	}
	if (run.pid != -1)
		supervise(run.pid, run.fd, h->timeout, &run.out, &status,
		    &timed_out);
	return attempt_end(sp, conf, job, &run, status, timed_out);
}
