/*
 * master: a supervisor for a pool of worker processes that share one
 * listening socket, in the manner of nginx's master process.  It forks
 * the workers, replaces any that dies, passes SIGHUP and SIGTERM on,
 * and returns once every worker has finished.
 */
#ifndef HOOKSPOOL_MASTER_H
#define HOOKSPOOL_MASTER_H

#define MASTER_MAX_WORKERS	1024

struct master_ops {
	/*
	 * In a new worker, which starts with SIGHUP, SIGTERM, SIGINT and
	 * SIGCHLD held: install its own handlers, call master_unblock(),
	 * serve until told to stop, and return the exit status.
	 */
	int	(*serve)(void *arg);
	/*
	 * In the master, on SIGHUP: read the configuration again; the
	 * number of workers it wants (1 to MASTER_MAX_WORKERS), or -1 to
	 * keep the pool and its workers' configuration as they are.
	 */
	int	(*reload)(void *arg);
	/*
	 * In the master, once its own handlers are in: whether SIGTERM or
	 * SIGINT came before, to the program's handlers (while it started).
	 * The master then stops at once, and starts no worker.  May be NULL.
	 */
	int	(*stopped)(void *arg);
	void	*arg;
};

/*
 * Run nworkers workers of ops until SIGTERM or SIGINT, which is passed
 * on to each (as SIGTERM); returns 0 once every worker has exited.
 * Only the workers are the master's children: their own children
 * (dispatchers, handlers) are left to them.
 */
int	master_run(int nworkers, const struct master_ops *);
/* In a worker: release the signals the master held (see serve). */
void	master_unblock(void);

#endif
