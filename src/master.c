/*
 * master: supervise a pool of workers on one listening socket.
 *
 * Promises:
 *  - the pool has the number of workers asked for: a worker that dies
 *    is forked again, and its end is logged with its exit status or
 *    signal;
 *  - at most as many workers are replaced within one second as the pool
 *    has; when they die faster, the rest wait until that second is
 *    over, so a worker that cannot start does not make the master spin;
 *  - SIGHUP is passed to every worker, after ops->reload, and the pool
 *    grows or shrinks to the new number (extra workers get SIGTERM);
 *  - SIGTERM and SIGINT are passed on as SIGTERM; the master returns
 *    only once every worker has exited, and forks no new one meanwhile;
 *    one that came while the program started (ops->stopped) stops it
 *    before any worker is forked;
 *  - only the master's own children are waited for: the workers.  Their
 *    dispatchers and handlers are theirs, and outlive a killed worker
 *    on their own.
 */
#include "config.h"

#include <sys/select.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "master.h"

#define SECOND_US	1000000

struct pool {
	const struct master_ops	*ops;
	pid_t			*pid;	/* slot -> worker; 0: none */
	int			 cap;	/* slots allocated */
	int			 want;	/* slots 0..want-1 are kept full */
	int			 stopping;
	int64_t			 window;	/* start of the restart second */
	int			 restarts;	/* within it */
	int			 warned;	/* about it, once */
};

static volatile sig_atomic_t	got_hup, got_term;
static sigset_t			master_oldmask;

static void
master_signal(int sig)
{
	/* SIGCHLD only ends the wait: every turn reaps. */
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig != SIGCHLD)
		got_term = 1;
}

void
master_unblock(void)
{
	sigprocmask(SIG_SETMASK, &master_oldmask, NULL);
}

/* Hold the signals, which pselect() alone lets in: none is missed. */
static void
master_signals(void)
{
	struct sigaction	sa;
	sigset_t		set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &master_oldmask);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = master_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/* Make room for n slots; -1 (logged) if there is none. */
static int
master_grow(struct pool *p, int n)
{
	pid_t	*np;

	if (n <= p->cap)
		return 0;
	if ((np = realloc(p->pid, (size_t)n * sizeof(*np))) == NULL) {
		log_warn("workers");
		return -1;
	}
	memset(np + p->cap, 0, (size_t)(n - p->cap) * sizeof(*np));
	p->pid = np;
	p->cap = n;
	return 0;
}

/* Fork the worker of slot i; -1 (logged) if fork failed. */
static int
master_fork(struct pool *p, int i)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		log_warn("fork worker");
		return -1;
	}
	if (pid == 0) {
		free(p->pid);
		exit(p->ops->serve(p->ops->arg));
	}
	p->pid[i] = pid;
	log_debug("worker %d started (pid %ld)", i, (long)pid);
	return 0;
}

/*
 * Fill the empty slots below want.  Replacements count against the
 * restart second; the first workers (restart 0) do not.  Returns the
 * microseconds until another try is due, or -1 if none is.
 */
static int64_t
master_fill(struct pool *p, int restart)
{
	int64_t	now;
	int	i;

	for (i = 0; i < p->want; i++) {
		if (p->pid[i] != 0)
			continue;
		if (restart) {
			now = mono_us();
			if (now - p->window >= SECOND_US) {
				p->window = now;
				p->restarts = 0;
				p->warned = 0;
			}
			if (p->restarts >= p->want) {
				if (!p->warned)
					log_warnx("%d workers replaced within a "
					    "second; the next in a second",
					    p->restarts);
				p->warned = 1;
				return p->window + SECOND_US - now;
			}
			p->restarts++;
		}
		if (master_fork(p, i) == -1)
			return SECOND_US;
	}
	return -1;
}

static void
master_kill(struct pool *p, int from, int sig)
{
	int	i;

	for (i = from; i < p->cap; i++)
		if (p->pid[i] != 0)
			kill(p->pid[i], sig);
}

static void
master_log_exit(int i, pid_t pid, int status, int quiet)
{
	if (WIFSIGNALED(status))
		log_warnx("worker %d (pid %ld) killed by signal %d (%s)", i,
		    (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		log_warnx("worker %d (pid %ld) exited with status %d", i,
		    (long)pid, WEXITSTATUS(status));
	else if (!quiet)
		log_info("worker %d (pid %ld) exited", i, (long)pid);
}

/* Wait for every worker that has ended; returns how many are left. */
static int
master_reap(struct pool *p)
{
	pid_t	pid;
	int	i, status, alive = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < p->cap; i++)
			if (p->pid[i] == pid)
				break;
		if (i == p->cap)
			continue;	/* not a worker: not ours to report */
		p->pid[i] = 0;
		/* A stop asked for is no news; a worker's death is. */
		master_log_exit(i, pid, status, p->stopping || i >= p->want);
	}
	for (i = 0; i < p->cap; i++)
		if (p->pid[i] != 0)
			alive++;
	return alive;
}

static void
master_reload(struct pool *p)
{
	int	n;

	if ((n = p->ops->reload(p->ops->arg)) == -1)
		return;
	if (n != p->want)
		log_info("workers: %d, were %d", n, p->want);
	if (n > p->want && master_grow(p, n) == -1)
		n = p->want;
	master_kill(p, 0, SIGHUP);
	p->want = n;
	/* Those beyond the new number finish what they serve and go. */
	master_kill(p, n, SIGTERM);
	master_fill(p, 0);
}

int
master_run(int nworkers, const struct master_ops *ops)
{
	struct pool	 p;
	struct timespec	 ts;
	int64_t		 due = -1;
	int		 alive;

	memset(&p, 0, sizeof(p));
	p.ops = ops;
	p.want = nworkers;
	p.window = mono_us();
	if (master_grow(&p, nworkers) == -1)
		return 1;
	master_signals();
	if (ops->stopped != NULL && ops->stopped(ops->arg))
		got_term = 1;
	else {
		log_info("master: %d workers", nworkers);
		due = master_fill(&p, 0);
	}
	for (;;) {
		alive = master_reap(&p);
		if (got_term && !p.stopping) {
			p.stopping = 1;
			log_info("stopping %d workers", alive);
			master_kill(&p, 0, SIGTERM);
		}
		if (p.stopping) {
			if (alive == 0)
				break;
		} else {
			if (got_hup) {
				got_hup = 0;
				master_reload(&p);
			}
			due = master_fill(&p, 1);
		}
		ts.tv_sec = due / SECOND_US;
		ts.tv_nsec = (due % SECOND_US) * 1000;
		/* Signals come in here only; it returns with them held. */
		if (pselect(0, NULL, NULL, NULL, due < 0 || p.stopping ?
		    NULL : &ts, &master_oldmask) == -1 && errno != EINTR)
			log_warn("pselect");
	}
	free(p.pid);
	log_info("master: every worker has exited");
	return 0;
}
