/*
 * ondead: the on_dead program, in a grandchild of the caller (the
 * intermediate child exits at once and is reaped), so that neither a
 * dispatcher nor wh-retry waits for it or leaves a zombie.  The
 * grandchild starts the program in a process group of its own, waits
 * for it until the handler's timeout, kills the group then, and logs
 * what went wrong.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "attempt.h"
#include "command.h"
#include "conf.h"
#include "log.h"
#include "ondead.h"
#include "record.h"

/* Signals a dispatcher or wh-retry ignores or catches. */
static const int	ondead_sigs[] = { SIGPIPE, SIGXFSZ, SIGHUP, SIGTERM,
			    SIGINT, SIGCHLD, SIGALRM };

static volatile sig_atomic_t	ondead_alarm;

static void
on_alarm(int sig)
{
	(void)sig;
	ondead_alarm = 1;
}

/* Ours without WH_*, then WH_EVENT_ID, WH_HANDLER, WH_LAST_ERROR. */
static char **
ondead_env(const struct handler *h, const struct attempt_job *job,
    const char *error)
{
	extern char	**environ;
	char		**env;
	size_t		  n = 0, i, k = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 4, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "WH_", 3) != 0)
			env[k++] = environ[i];
	if (asprintf(&env[k++], "WH_EVENT_ID=%s", job->id) == -1 ||
	    asprintf(&env[k++], "WH_HANDLER=%s", h->name) == -1 ||
	    asprintf(&env[k++], "WH_LAST_ERROR=%s", error) == -1)
		return NULL;		/* the process exits just after */
	return env;
}

/* In the program's process: never returns. */
static void
ondead_exec(char **argv, char **env, int in)
{
	sigset_t	none;
	size_t		i;
	int		null;

	setpgid(0, 0);
	for (i = 0; i < sizeof(ondead_sigs) / sizeof(ondead_sigs[0]); i++)
		signal(ondead_sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((null = open("/dev/null", O_WRONLY)) == -1 ||
	    dup2(in, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1)
		_exit(126);
	close_range(3, ~0U, 0);
	execve(argv[0], argv, env);
	dprintf(STDERR_FILENO, "hookspool: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for pid until timeout seconds have passed, then kill its group. */
static void
ondead_wait(const struct handler *h, const struct attempt_job *job,
    const char *prog, pid_t pid)
{
	struct sigaction	sa;
	int			status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);		/* no SA_RESTART */
	alarm((unsigned)h->timeout);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return;
		if (ondead_alarm) {
			attempt_kill(pid, &status);
			log_warnx("id=%s handler=%s: on_dead %s: killed at its "
			    "timeout (%d s)", job->id, h->name, prog,
			    h->timeout);
			return;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warnx("id=%s handler=%s: on_dead %s: exit %d", job->id,
		    h->name, prog, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("id=%s handler=%s: on_dead %s: signal %d", job->id,
		    h->name, prog, WTERMSIG(status));
}

/* The grandchild's work. */
static void
ondead_child(const struct conf *conf, const struct handler *h,
    const struct attempt_job *job, const char *error)
{
	const struct command	 *cmd = conf_on_dead(conf, h);
	struct filter_event	  fe;
	char			**argv, **env, *line = NULL;
	size_t			  len = 0;
	pid_t			  pid;
	int			  in;

	/* Not the caller's spool, lock or sockets: they are not ours to
	 * hold (a run lock would stay taken until the program ended). */
	closelog();			/* syslog(3) opens it again */
	close_range(3, ~0U, 0);
	fe.path = job->path;
	fe.method = job->method;
	fe.headers = &job->headers;
	fe.payload = job->payload;
	fe.query = job->query_fields;
	if (job->record != NULL && (line = malloc(job->record_len + 1)) !=
	    NULL) {
		memcpy(line, job->record, job->record_len);
		len = job->record_len;
	} else if (job->record == NULL && record_find(conf->server.spool_dir,
	    job->id, &line, &len) != 1)
		log_warnx("id=%s handler=%s: on_dead: its event record is not "
		    "found", job->id, h->name);
	if (line != NULL)
		line[len++] = '\n';	/* in place of the NUL */
	in = attempt_memfd("wh-event", line != NULL ? line : "", len);
	if (in == -1 || (argv = command_expand(cmd, &fe)) == NULL ||
	    (env = ondead_env(h, job, error)) == NULL) {
		log_warn("id=%s handler=%s: on_dead", job->id, h->name);
		_exit(1);
	}
	if ((pid = fork()) == -1) {
		log_warn("id=%s handler=%s: on_dead %s", job->id, h->name,
		    argv[0]);
		_exit(1);
	}
	if (pid == 0)
		ondead_exec(argv, env, in);
	setpgid(pid, pid);
	ondead_wait(h, job, argv[0], pid);
	_exit(0);
}

void
ondead_run(const struct conf *conf, const struct handler *h,
    const struct attempt_job *job, const char *error)
{
	pid_t	pid;

	if (conf_on_dead(conf, h) == NULL)
		return;
	if ((pid = fork()) == -1) {
		log_warn("id=%s handler=%s: on_dead not run", job->id, h->name);
		return;
	}
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		if (fork() == 0)
			ondead_child(conf, h, job, error);
		_exit(0);
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
}
