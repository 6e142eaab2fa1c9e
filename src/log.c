/*
 * log: stderr in the foreground (and under web servers that collect
 * stderr), syslog when asked.  One line per message, never a secret.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

int			 log_verbose;
static const char	*log_name = "hookspool";
static enum log_target	 log_target = LOG_TO_STDERR;

/*
 * The pid for log lines is asked once per process: getpid(2) is a
 * system call, and a busy worker logs every request.  A forked child
 * asks again (pthread_atfork clears it).
 */
static pid_t	log_pid;
static int	log_pid_kept;

static void
log_forked(void)
{
	log_pid = 0;
}

void
log_init(const char *progname, enum log_target target)
{
	if (!log_pid_kept && pthread_atfork(NULL, NULL, log_forked) == 0)
		log_pid_kept = 1;
	log_name = progname;
	log_target = target;
	if (target == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_reopen(void)
{
	if (log_target == LOG_TO_SYSLOG) {
		closelog();
		openlog(log_name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

/* The pid for log lines, once log_init() can keep it: see there. */
static int
log_getpid(void)
{
	if (!log_pid_kept)
		return (int)getpid();
	if (log_pid == 0)
		log_pid = getpid();
	return (int)log_pid;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *errstr)
{
	char	msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_target == LOG_TO_SYSLOG) {
		if (errstr != NULL)
			syslog(pri, "%s: %s", msg, errstr);
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (errstr != NULL)
		fprintf(stderr, "%s[%d]: %s: %s\n", log_name, log_getpid(),
		    msg, errstr);
	else
		fprintf(stderr, "%s[%d]: %s\n", log_name, log_getpid(), msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
