/*
 * log: one place that decides where messages go: stderr in the
 * foreground, syslog otherwise.  Library-like modules never print;
 * they return errors and main() logs them.
 */
#ifndef HOOKSPOOL_LOG_H
#define HOOKSPOOL_LOG_H

#include <stdarg.h>

/* How wh-receive writes a request's log line (log_format). */
enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON
};

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG
};

void	log_init(const char *progname, enum log_target);
/* Open the syslog connection again (a child that closed every fd). */
void	log_reopen(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
extern int log_verbose;

#endif
