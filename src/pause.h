/*
 * pause: handlers held by "wh-retry pause".  A paused handler is a file
 * of its name in the spool's PAUSE_DIR, so that every process of the
 * host (responders' dispatchers, wh-retry) sees the same state, and a
 * restart keeps it.  While it is there no attempt of the handler starts;
 * events are received and spooled as ever, and wh-retry runs the held
 * attempts once it is gone.
 */
#ifndef HOOKSPOOL_PAUSE_H
#define HOOKSPOOL_PAUSE_H

#define PAUSE_DIR	"paused"

/* 1 if handler name is paused in spool_dir, else 0. */
int	pause_held(const char *spool_dir, const char *name);
/*
 * Pause (on) or resume (!on) handler name.  The directory is made 0700
 * and the file 0600, as the spool's are.  0, or -1 with errno.
 */
int	pause_set(const char *spool_dir, const char *name, int on);

#endif
