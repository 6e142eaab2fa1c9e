/*
 * wh-retry: retries, replay, history and retention for the spool of
 * wh-receive, run by cron (or a systemd timer or service).  Subcommands:
 * run (the default), list, show, replay, check.  Exit statuses follow
 * sysexits(3); replay exits 1 when a handler failed.  See wh-retry(8).
 */
#include "config.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "conf.h"
#include "attempt.h"
#include "escape.h"
#include "event.h"
#include "filter.h"
#include "history.h"
#include "limit.h"
#include "log.h"
#include "pause.h"
#include "record.h"
#include "retry.h"
#include "select.h"
#include "spool.h"
#include "spool_stats.h"

#define SHOW_SLACK_US	(INT64_C(300) * 1000000)

static const char	*conf_path;
static const char	*pause_dir;	/* the spool, for list and show */
static int		 verbose;

static int
usage(void)
{
	fprintf(stderr,
	    "usage: wh-retry [-v] [-c file] [run] [--linger seconds] "
	    "[--follow] [--wait[=seconds]] [--grace seconds]\n"
	    "       wh-retry [-c file] list [--endpoint path] "
	    "[--status pending|failed|dead|done|unreadable] [--limit n] "
	    "[--since time] [--json]\n"
	    "       wh-retry [-c file] show [--json] id\n"
	    "       wh-retry [-c file] replay [--handler name] id\n"
	    "       wh-retry [-c file] retry | replay [selection] [--limit n] "
	    "[--dry-run] [id ...]\n"
	    "         selection: [--status s[,s]] [--endpoint path] "
	    "[--handler name]\n"
	    "                    [--since time] [--until time]\n"
	    "       wh-retry [-c file] check\n"
	    "       wh-retry [-c file] metrics [--textfile path]\n"
	    "       wh-retry [-c file] pause | resume handler\n");
	return EX_USAGE;
}

/* A number in [min, max], or -1. */
static long
parse_num(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/* The configuration, its errors printed.  NULL: exit EX_CONFIG. */
static struct conf *
load_conf(int quiet_ok)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct conf		*c;
	size_t			 i;

	c = conf_load(conf_path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	conf_errors_free(&errs);
	if (c == NULL)
		fprintf(stderr, "%s: configuration has errors\n", conf_path);
	else if (!quiet_ok)
		printf("%s: configuration OK\n", conf_path);
	return c;
}

/* check */

/*
 * The configuration, its warnings, and the spool directory: run and
 * wh-receive need it there, this user's own and closed to others.
 */
static int
cmd_check(int argc, char **argv)
{
	struct conf	*c;
	char		 msg[1024];
	size_t		 i;
	int		 rc = EX_OK;

	if (argc > 1)
		return usage();
	(void)argv;
	if ((c = load_conf(1)) == NULL)
		return EX_CONFIG;
	for (i = 0; i < c->warnings.n; i++)
		fprintf(stderr, "%s\n", c->warnings.msg[i]);
	if (conf_spool_check(c, msg, sizeof(msg)) == -1 ||
	    conf_programs_check(c, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "%s\n", msg);
		rc = EX_CONFIG;
	} else
		printf("%s: configuration OK\n", conf_path);
	conf_free(c);
	return rc;
}

/* run */

static void
on_stop(int sig)
{
	(void)sig;
	retry_stop = 1;
}

static int
run_locked(const struct conf *conf, const struct retry_opts *o)
{
	struct retry_stats	st;
	int64_t			t0 = mono_us();
	int			rc;

	rc = retry_run(conf, o, &st);
	if (rc == -1)
		log_warn("run: spool %s", conf->server.spool_dir);
	else if (spool_stats_note_run(conf->server.spool_dir, wall_us(),
	    mono_us() - t0) == -1)
		log_warn("run: %s/%s", conf->server.spool_dir, SPOOL_LAST_RUN);
	if (verbose)
		log_info("run: %zu passes, %zu records read, %zu due, %zu run, "
		    "%zu held by serialize_by, "
		    "%zu segments removed, %zu unsettled; scan %.3f s, plan "
		    "%.3f s, retention %.3f s, attempts %.3f s", st.passes,
		    st.lines, st.due, st.ran, st.held, st.removed, st.kept,
		    st.scan_us / 1e6, st.plan_us / 1e6, st.retention_us / 1e6,
		    st.exec_us / 1e6);
	if (rc == -1)
		return errno == ENOENT || errno == EACCES || errno == EPERM ?
		    EX_TEMPFAIL : EX_IOERR;
	return EX_OK;
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "linger", required_argument, NULL, 'l' },
		{ "follow", no_argument, NULL, 'f' },
		{ "wait", optional_argument, NULL, 'w' },
		{ "grace", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	struct retry_opts	 o = { 55, 0, RETRY_GRACE };
	struct conf		*conf;
	int			 ch, wait_s = 0, fd = -1, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if ((o.linger = (int)parse_num(optarg, 0, 86400)) < 0)
				return usage();
			break;
		case 'f':
			o.follow = 1;
			break;
		case 'w':
			wait_s = optarg == NULL ? -1 :
			    (int)parse_num(optarg, 0, 86400);
			if (optarg != NULL && wait_s < 0)
				return usage();
			break;
		case 'g':
			if ((o.grace = (int)parse_num(optarg, 0, 86400)) < 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if ((conf = load_conf(1)) == NULL)
		return EX_CONFIG;
	log_init("wh-retry", conf->server.log);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	rc = retry_lock(conf->server.spool_dir, wait_s, &fd);
	if (rc == 1) {
		if (verbose || wait_s != 0)
			log_warnx("run: another wh-retry run holds the lock");
		rc = wait_s == 0 ? EX_OK : EX_TEMPFAIL;
	} else if (rc == -1) {
		log_warn("run: lock in %s", conf->server.spool_dir);
		rc = EX_TEMPFAIL;
	} else {
		rc = run_locked(conf, &o);
		close(fd);
	}
	conf_free(conf);
	return rc;
}

/*
 * metrics [--textfile PATH]: the spool's state in Prometheus text
 * format, on stdout or replacing PATH atomically (node_exporter's
 * textfile collector must never read half a file).
 */
static int
write_textfile(const char *path, const char *text, size_t len)
{
	char	tmp[4096];
	int	fd, e, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))
	    == -1)
		return -1;
	ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	e = errno;
	if (close(fd) == -1 && ok) {
		ok = 0;
		e = errno;
	}
	if (ok && rename(tmp, path) == -1) {
		ok = 0;
		e = errno;
	}
	if (!ok) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static int
cmd_metrics(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "textfile", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct spool_stats	 st;
	struct conf		*conf;
	const char		*textfile = NULL;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*f;
	int			 ch, rc = EX_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 't')
			return usage();
		textfile = optarg;
	}
	if (optind != argc)
		return usage();
	if ((conf = load_conf(1)) == NULL)
		return EX_CONFIG;
	if (spool_stats_read(conf->server.spool_dir, &st) == -1) {
		log_warn("metrics: spool %s", conf->server.spool_dir);
		conf_free(conf);
		return EX_TEMPFAIL;
	}
	if ((f = open_memstream(&text, &len)) == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	spool_stats_render(&st, wall_us(), f);
	if (fclose(f) != 0) {
		rc = EX_OSERR;
		goto out;
	}
	if (textfile == NULL) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
			rc = EX_IOERR;
	} else if (write_textfile(textfile, text, len) == -1) {
		log_warn("metrics: %s", textfile);
		rc = EX_CANTCREAT;
	}
out:
	free(text);
	spool_stats_free(&st);
	conf_free(conf);
	return rc;
}

/* Printing events. */

static void
format_time(int64_t us, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(us / 1000000);

	if (us <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "handler: exit 1" of the handler that failed last, or "". */
static void
last_error(const struct history_event *ev, char *buf, size_t len)
{
	const struct history_handler	*h, *last = NULL;
	char				 e[256];
	size_t				 i;

	buf[0] = '\0';
	for (i = 0; i < ev->nhandlers; i++) {
		h = &ev->handlers[i];
		if ((h->state == HS_FAILED || h->state == HS_DEAD ||
		    h->state == HS_UNREADABLE) &&
		    (last == NULL || h->ended_us > last->ended_us))
			last = h;
	}
	if (last == NULL)
		return;
	history_error(last, e, sizeof(e));
	snprintf(buf, len, "%s: %s", last->name, e);
}

static void
handler_names(const struct history_event *ev, char *buf, size_t len)
{
	size_t	i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < ev->nhandlers && o + 1 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    ev->handlers[i].name);
	if (ev->nhandlers == 0)
		snprintf(buf, len, "-");
}

/* Text from senders and handlers, escaped for a terminal (escape.h). */
static char *
safe(const char *s)
{
	char	*e;

	if ((e = escape_text(s, strlen(s), 0)) == NULL)
		err(EX_OSERR, "escape");
	return e;
}

/* The same, printed. */
static void
put_safe(const char *s)
{
	escape_fputs(s, strlen(s), 0, stdout);
}

/* Whether h still has attempts to run and is paused. */
static int
held(const struct history_handler *h)
{
	if (pause_dir == NULL || h->state == HS_DONE || h->state == HS_DEAD ||
	    h->state == HS_UNREADABLE)
		return 0;
	return pause_held(pause_dir, h->name);
}

/*
 * Events a run holds back behind an older one of their serialize_by key
 * (retry_held()), when some handler has one: for list and show.
 */
static json_t		*held_ids;

static void
find_held(const struct conf *conf)
{
	size_t	i;

	for (i = 0; i < conf->nhandlers; i++)
		if (conf->handlers[i].serialize_by != NULL)
			break;
	if (i == conf->nhandlers)
		return;
	if ((held_ids = retry_held(conf)) == NULL)
		log_warn("serialize_by: what is held back is not shown");
}

/* ev's status, "held" if a run holds it back behind an older event of
 * its key, or "paused" if a handler it waits for is. */
static const char *
status_name(const struct history_event *ev)
{
	size_t	i;

	if (held_ids != NULL && json_object_get(held_ids, ev->id) != NULL)
		return "held";
	for (i = 0; i < ev->nhandlers; i++)
		if (held(&ev->handlers[i]))
			return "paused";
	return history_status_name(history_status(ev));
}

static void
print_row(const struct history_event *ev)
{
	char	when[32], names[256], err[320];
	char	*id, *path, *hs, *e;

	format_time(ev->received_us, when, sizeof(when));
	handler_names(ev, names, sizeof(names));
	last_error(ev, err, sizeof(err));
	id = safe(ev->id);
	path = safe(ev->path != NULL ? ev->path : "-");
	hs = safe(names);
	e = safe(err);
	printf("%-36s  %-19s  %-20s  %-20s  %-7s  %8d  %s\n", id, when, path,
	    hs, status_name(ev), history_attempts(ev), e);
	free(id);
	free(path);
	free(hs);
	free(e);
}

static json_t *
as_json(const struct history_event *ev)
{
	json_t	*o, *hs, *h, *v;
	char	 when[40], err[320];
	size_t	 i;

	o = json_object();
	hs = json_object();
	for (i = 0; hs != NULL && i < ev->nhandlers; i++) {
		history_error(&ev->handlers[i], err, sizeof(err));
		h = json_pack("{s:s, s:i, s:s?}", "state",
		    history_state_name(ev->handlers[i].state), "attempts",
		    ev->handlers[i].attempts, "error", err[0] ? err : NULL);
		if (h != NULL && held(&ev->handlers[i]))
			json_object_set_new(h, "paused", json_true());
		if (h != NULL && held_ids != NULL && json_is_string(v =
		    json_object_get(held_ids, ev->id)) && strcmp(
		    json_string_value(v), ev->handlers[i].name) == 0)
			json_object_set_new(h, "held", json_true());
		json_object_set_new(hs, ev->handlers[i].name, h);
	}
	format_time(ev->received_us, when, sizeof(when));
	when[10] = 'T';
	snprintf(when + 19, sizeof(when) - 19, ".%06dZ",
	    (int)(ev->received_us % 1000000));
	last_error(ev, err, sizeof(err));
	json_object_set_new(o, "id", json_string(ev->id));
	json_object_set_new(o, "received_at", json_string(when));
	json_object_set_new(o, "endpoint", ev->endpoint ?
	    json_string(ev->endpoint) : json_null());
	json_object_set_new(o, "path", ev->path ?
	    json_string(ev->path) : json_null());
	json_object_set_new(o, "status", json_string(status_name(ev)));
	json_object_set_new(o, "attempts", json_integer(history_attempts(ev)));
	json_object_set_new(o, "last_error", err[0] ? json_string(err) :
	    json_null());
	json_object_set_new(o, "replay", json_boolean(ev->replay));
	json_object_set_new(o, "handlers", hs);
	return o;
}

static void
print_json(const struct history_event *ev)
{
	json_t	*o = as_json(ev);

	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

/* list */

struct lister {
	struct history	*hi;
	const char	*endpoint;	/* a path or an endpoint name */
	int		 status;	/* -1: any */
	long		 limit;		/* -1: all */
	int64_t		 since;		/* 0: all */
	int		 json;
	long		 shown;
};

static int
list_match(const struct lister *l, const struct history_event *ev)
{
	if (l->endpoint != NULL && !(ev->path != NULL &&
	    strcmp(ev->path, l->endpoint) == 0) && !(ev->endpoint != NULL &&
	    strcmp(ev->endpoint, l->endpoint) == 0))
		return 0;
	if (l->status >= 0 && (int)history_status(ev) != l->status)
		return 0;
	return l->since == 0 || ev->received_us >= l->since;
}

/* Newest first: an event's attempts come before it, all of them. */
static int
list_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct lister		*l = arg;
	struct history_event	*ev;
	int			 k, stop = 0;

	k = history_add(l->hi, line, len, spool_segment_number(pos->segment),
	    (int64_t)pos->offset, &ev);
	if (k == -1)
		return -1;
	if (k != HISTORY_EVENT || ev == NULL)
		return 0;
	if (list_match(l, ev)) {
		if (l->json)
			print_json(ev);
		else
			print_row(ev);
		l->shown++;
	}
	/* Ids are times: far enough past --since, nothing older matches. */
	if (l->since != 0 && ev->received_us < l->since - SHOW_SLACK_US)
		stop = 1;
	history_forget(l->hi, ev);
	return stop || (l->limit >= 0 && l->shown >= l->limit);
}

/* --since: RFC 3339, a date, @EPOCH, or an age as 30s, 15m, 2h, 7d. */
static int
parse_since(const char *s, int64_t *us)
{
	char		 buf[64], *end;
	long		 n;
	size_t		 len = strlen(s);

	if (s[0] == '@') {
		if ((n = parse_num(s + 1, 0, LONG_MAX)) < 0)
			return -1;
		*us = (int64_t)n * 1000000;
		return 0;
	}
	if (len == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		return record_time_parse(buf, strlen(buf), us);
	}
	if (record_time_parse(s, len, us) == 0)
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || n < 0 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': break;
	case 'm': n *= 60; break;
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	default: return -1;
	}
	*us = wall_us() - (int64_t)n * 1000000;
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "status", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct lister	 l = { NULL, NULL, -1, -1, 0, 0, 0 };
	struct conf	*conf;
	int		 ch, rc = EX_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			l.endpoint = optarg;
			break;
		case 's':
			if ((l.status = history_status_parse(optarg)) < 0)
				return usage();
			break;
		case 'n':
			if ((l.limit = parse_num(optarg, 0, LONG_MAX)) < 0)
				return usage();
			break;
		case 'S':
			if (parse_since(optarg, &l.since) == -1)
				return usage();
			break;
		case 'j':
			l.json = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if ((conf = load_conf(1)) == NULL)
		return EX_CONFIG;
	pause_dir = conf->server.spool_dir;
	find_held(conf);
	if ((l.hi = history_new(0)) == NULL) {
		conf_free(conf);
		return EX_OSERR;
	}
	if (!l.json)
		printf("%-36s  %-19s  %-20s  %-20s  %-7s  %8s  %s\n", "ID",
		    "RECEIVED (UTC)", "ENDPOINT", "HANDLERS", "STATUS",
		    "ATTEMPTS", "LAST ERROR");
	if (l.limit != 0 && spool_scan(conf->server.spool_dir,
	    SPOOL_NEWEST_FIRST, list_line, NULL, &l) == -1) {
		log_warn("list: spool %s", conf->server.spool_dir);
		rc = EX_TEMPFAIL;
	}
	fflush(stdout);
	history_free(l.hi);
	json_decref(held_ids);
	held_ids = NULL;
	conf_free(conf);
	return rc;
}

/* Finding one event: show and replay. */

struct found {
	const char	*id;
	struct history	*hi;
	json_t		*event;		/* its record */
	json_t		*attempts;	/* array of attempt records */
};

static int
found_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct found	*f = arg;
	json_t		*rec;
	const char	*type;

	(void)pos;
	rec = record_decode(line, len, NULL, 0);
	if (rec == NULL || strcmp(json_string_value(json_object_get(rec,
	    "id")), f->id) != 0) {
		json_decref(rec);
		return 0;
	}
	type = json_string_value(json_object_get(rec, "type"));
	if (strcmp(type, "event") == 0 && f->event == NULL)
		f->event = json_incref(rec);
	else if (strcmp(type, "attempt") == 0)
		json_array_append(f->attempts, rec);
	json_decref(rec);
	if (history_add(f->hi, line, len, 0, 0, NULL) == -1)
		return -1;
	return 0;
}

static int
first_time(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	(void)pos;
	if (history_record_time(line, len, arg) == -1)
		*(int64_t *)arg = -1;
	return 1;
}

/* The time of a segment's first record, -1 if unknown. */
static int64_t
segment_time(const char *dir, unsigned no)
{
	int64_t	t = -1;

	if (record_scan_segment(dir, no, 0, 0, first_time, NULL, &t) == -1)
		return -1;
	return t;
}

/*
 * Which segment to start in: the last whose first record is older than
 * the event by more than any record's lag behind its own time (a slow
 * handler's outcome is written long after its started_at).
 */
static size_t
find_start(const char *dir, const unsigned *nos, size_t n, int64_t t,
    int64_t slack, int64_t *times)
{
	size_t	i, start = 0;

	for (i = 0; i < n; i++) {
		times[i] = segment_time(dir, nos[i]);
		if (times[i] >= 0 && times[i] + slack <= t)
			start = i;
		if (times[i] > t + slack)
			break;
	}
	for (; i < n; i++)
		times[i] = -1;
	return start;
}

/* 1 found, 0 not, -1 error; f->event and f->attempts filled. */
static int
find_event(const struct conf *conf, struct found *f)
{
	const char		*dir = conf->server.spool_dir;
	struct history_event	*ev;
	unsigned		*nos = NULL;
	int64_t			*times = NULL, t = event_id_time(f->id), slack;
	size_t			 n = 0, i;
	int			 rc = -1;

	slack = SHOW_SLACK_US;
	for (i = 0; i < conf->nhandlers; i++)
		slack += (int64_t)conf->handlers[i].timeout * 1000000;
	if (spool_segments(dir, &nos, &n) == -1 ||
	    (times = calloc(n + 1, sizeof(*times))) == NULL)
		goto out;
	for (i = find_start(dir, nos, n, t, slack, times); i < n; i++) {
		if (f->event == NULL && times[i] > t + slack)
			break;		/* appended after the event could be */
		if (spool_scan_segment(dir, nos[i], 0, 0, f->id,
		    found_line, NULL, f) == -1)
			goto out;
		ev = history_get(f->hi, f->id);
		if (f->event != NULL && ev != NULL && history_settled(ev) &&
		    history_status(ev) != HISTORY_DEAD)
			break;		/* no attempt can follow (a dead
					 * handler's can: wh-retry retry) */
	}
	rc = f->event != NULL;
out:
	free(nos);
	free(times);
	return rc;
}

/* The configuration and the event of argv's id; an exit status if not. */
static int
load_event(const char *arg, struct conf **conf, struct found *f, char *id)
{
	size_t	i;
	int	r;

	for (i = 0; i <= EVENT_ID_LEN && arg[i] != '\0'; i++)
		id[i] = (char)tolower((unsigned char)arg[i]);
	id[i < EVENT_ID_LEN + 1 ? i : EVENT_ID_LEN] = '\0';
	if (!event_id_valid(id) || strlen(arg) != EVENT_ID_LEN) {
		fprintf(stderr, "wh-retry: %s: not an event id\n", arg);
		return EX_DATAERR;
	}
	if ((*conf = load_conf(1)) == NULL)
		return EX_CONFIG;
	pause_dir = (*conf)->server.spool_dir;
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->hi = history_new(0);
	f->attempts = json_array();
	if (f->hi == NULL || f->attempts == NULL)
		return EX_OSERR;
	r = find_event(*conf, f);
	if (r == -1) {
		log_warn("spool %s", (*conf)->server.spool_dir);
		return EX_TEMPFAIL;
	}
	if (r == 0) {
		fprintf(stderr, "wh-retry: %s: no such event\n", id);
		return EX_NOINPUT;
	}
	return EX_OK;
}

static void
found_free(struct found *f)
{
	history_free(f->hi);
	json_decref(f->event);
	json_decref(f->attempts);
}

/* show */

static const char *
jstr(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static void
show_attempt(const json_t *a)
{
	const json_t	*v;
	const char	*out;

	fputs("  ", stdout);
	put_safe(jstr(a, "handler"));
	printf(" #%lld ", (long long)json_integer_value(json_object_get(a,
	    "attempt")));
	put_safe(jstr(a, "state"));
	putchar(' ');
	put_safe(jstr(a, "started_at"));
	if (json_is_string(json_object_get(a, "ended_at"))) {
		fputs(" -> ", stdout);
		put_safe(jstr(a, "ended_at"));
	}
	if (json_is_integer(v = json_object_get(a, "exit_status")))
		printf(" exit %lld", (long long)json_integer_value(v));
	if (json_is_integer(v = json_object_get(a, "signal")))
		printf(" signal %lld", (long long)json_integer_value(v));
	if (json_is_true(json_object_get(a, "timed_out")))
		printf(" timeout");
	if (json_is_string(json_object_get(a, "next_at"))) {
		fputs(" next ", stdout);
		put_safe(jstr(a, "next_at"));
	}
	if (json_is_string(json_object_get(a, "error"))) {
		fputs(" error: ", stdout);
		put_safe(jstr(a, "error"));
	}
	putchar('\n');
	out = json_string_value(json_object_get(a, "output"));
	if (out != NULL && *out != '\0') {
		fputs("      output: ", stdout);
		escape_fputs(out, strcspn(out, "\n"), 0, stdout);
		putchar('\n');
	}
}

/* "label" and the record's value of key, escaped, on a line. */
static void
show_field(const char *label, const json_t *ev, const char *key)
{
	fputs(label, stdout);
	put_safe(jstr(ev, key));
	putchar('\n');
}

/*
 * Every value a sender or a handler chose is escaped (escape.h); the
 * body comes last, with its newlines, so that no line of it can pass
 * for a field or an attempt of the tool's own.
 */
static void
show_text(const struct found *f)
{
	const json_t		*ev = f->event, *v;
	const char		*name;
	struct history_event	*h = history_get(f->hi, f->id);
	unsigned char		*body = NULL;
	size_t			 len = 0, i;

	fputs("id:           ", stdout);
	put_safe(f->id);
	putchar('\n');
	show_field("received_at:  ", ev, "received_at");
	fputs("endpoint:     ", stdout);
	put_safe(jstr(ev, "endpoint"));
	putchar(' ');
	put_safe(jstr(ev, "path"));
	if (json_is_string(json_object_get(ev, "query"))) {
		putchar('?');
		put_safe(jstr(ev, "query"));
	}
	putchar('\n');
	show_field("method:       ", ev, "method");
	show_field("remote_addr:  ", ev, "remote_addr");
	show_field("verification: ", ev, "verification");
	show_field("replay_of:    ", ev, "replay_of");
	printf("status:       %s\nheaders:\n",
	    h != NULL ? status_name(h) : "-");
	json_object_foreach((json_t *)(uintptr_t)json_object_get(ev,
	    "headers"), name, v) {
		fputs("  ", stdout);
		put_safe(name);
		fputs(": ", stdout);
		put_safe(json_is_string(v) ? json_string_value(v) : "-");
		putchar('\n');
	}
	printf("attempts:%s\n", json_array_size(f->attempts) ? "" : " none");
	for (i = 0; i < json_array_size(f->attempts); i++)
		show_attempt(json_array_get(f->attempts, i));
	if (record_event_body(ev, &body, &len) == -1)
		printf("body: (unreadable)\n");
	else if (strcmp(jstr(ev, "body_encoding"), "base64") == 0)
		printf("body: %zu bytes, not text (show --json | jq -r "
		    "'select(.type==\"event\").body' | base64 -d)\n", len);
	else {
		printf("body: %zu bytes\n", len);
		escape_fputs((const char *)body, len, 1, stdout);
		if (len > 0 && body[len - 1] != '\n')
			putchar('\n');
	}
	free(body);
}

static void
dump_line(const json_t *rec)
{
	json_dumpf(rec, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
}

static int
cmd_show(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf	*conf = NULL;
	struct found	 f;
	char		 id[EVENT_ID_LEN + 1];
	size_t		 i;
	int		 ch, json = 0, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return usage();
		json = 1;
	}
	if (optind != argc - 1)
		return usage();
	memset(&f, 0, sizeof(f));
	rc = load_event(argv[optind], &conf, &f, id);
	if (rc == EX_OK && json) {
		dump_line(f.event);
		for (i = 0; i < json_array_size(f.attempts); i++)
			dump_line(json_array_get(f.attempts, i));
	} else if (rc == EX_OK) {
		find_held(conf);
		show_text(&f);
		json_decref(held_ids);
		held_ids = NULL;
	}
	found_free(&f);
	conf_free(conf);
	return rc;
}

/* replay */

/* The handlers to run: NAME only, or those whose filters match. */
static int
replay_handlers(const struct conf *conf, struct attempt_job *job,
    const char *only)
{
	struct filter_event	fe;
	size_t			i;

	if ((job->handlers = calloc(conf->nhandlers + 1,
	    sizeof(*job->handlers))) == NULL ||
	    (job->names = calloc(conf->nhandlers + 1,
	    sizeof(*job->names))) == NULL)
		return -1;
	if (only != NULL) {
		for (i = 0; i < conf->nhandlers; i++)
			if (strcmp(conf->handlers[i].name, only) == 0)
				job->handlers[job->nhandlers++] = i;
	} else {
		fe.path = job->path;
		fe.method = job->method;
		fe.headers = &job->headers;
		fe.payload = job->payload;
		fe.query = job->query_fields;
		job->nhandlers = attempt_match(conf, &fe, job->handlers);
	}
	for (i = 0; i < job->nhandlers; i++)
		job->names[i] = conf->handlers[job->handlers[i]].name;
	return 0;
}

/* The new event: the old one's request, now, replay_of = its id. */
static int
replay_append(struct spool *sp, const json_t *rec, struct attempt_job *job)
{
	struct event	 ev;
	char		*line;
	size_t		 len;
	int		 rc;

	memset(&ev, 0, sizeof(ev));
	ev.received_us = wall_us();
	if (event_id_new(ev.id, ev.received_us) == -1)
		return -1;
	ev.endpoint = jstr(rec, "endpoint");
	ev.path = job->path;
	ev.query = job->query;
	ev.method = job->method;
	ev.remote_addr = json_string_value(json_object_get(rec,
	    "remote_addr"));
	ev.headers = &job->headers;
	ev.body = job->body;
	ev.body_len = job->body_len;
	ev.verification = json_string_value(json_object_get(rec,
	    "verification"));
	ev.claims = json_object_get(rec, "claims");
	ev.handlers = job->names;
	ev.nhandlers = job->nhandlers;
	ev.replay_of = job->id;
	if ((line = record_event_encode(&ev, &len)) == NULL)
		return -1;
	rc = spool_append(sp, line, len);
	free(line);
	if (rc == 0) {
		/* A new event: its own time, and no delivery's key (a sink
		 * adds it as the event it is, as retries of it will). */
		memcpy(job->id, ev.id, sizeof(job->id));
		job->received_us = ev.received_us;
		free(job->dedup_key);
		job->dedup_key = NULL;
	}
	return rc;
}

static int
replay_run(const struct conf *conf, const json_t *rec, const char *only,
    const char *old)
{
	const struct handler	*h;
	struct attempt_job	*job = NULL;
	struct spool		*sp = NULL;
	enum attempt_state	 st;
	size_t			 i;
	int			 rc = EX_OK, lfd;

	if ((job = record_job(conf, rec)) == NULL ||
	    replay_handlers(conf, job, only) == -1) {
		log_warn("replay: event record");
		rc = EX_DATAERR;
		goto out;
	}
	if ((sp = spool_open(conf->server.spool_dir, conf->server.fsync)) ==
	    NULL || (spool_set_segment_size(sp,
	    (off_t)conf->server.segment_size), replay_append(sp, rec, job)) ==
	    -1) {
		log_warn("replay: spool %s", conf->server.spool_dir);
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (old != NULL)
		printf("%s replayed as %s\n", old, job->id);
	else
		printf("%s\n", job->id);
	fflush(stdout);
	for (i = 0; i < job->nhandlers; i++) {
		h = &conf->handlers[job->handlers[i]];
		/* An operator's command: wait for a slot as long as it
		 * takes (or until interrupted: then not run, and listed
		 * for wh-retry). */
		if (limit_wait(conf->server.spool_dir, h, INT64_MAX,
		    (volatile int *)&retry_stop, &lfd) != 1) {
			printf("%s%s: not run: %s\n", old != NULL ? "  " : "",
			    job->names[i], retry_stop ? "interrupted" :
			    "no max_concurrency slot");
			rc = 1;
			continue;
		}
		st = attempt_run(sp, conf, h, job, 1);
		limit_release(lfd);
		printf("%s%s: %s\n", old != NULL ? "  " : "", job->names[i],
		    attempt_state_name(st));
		fflush(stdout);
		if (st != ATTEMPT_DONE)
			rc = 1;
	}
out:
	spool_close(sp);
	attempt_job_free(job);
	return rc;
}

/* retry, and replay of a selection */

/* "dead,failed" to a mask of handler states; -1 if a name is wrong. */
static long
parse_states(const char *arg, int retry)
{
	char	 buf[128], *p, *save = NULL;
	long	 m = 0;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -1;
	for (p = strtok_r(buf, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (strcmp(p, "dead") == 0)
			m |= 1L << HS_DEAD;
		else if (strcmp(p, "failed") == 0)
			m |= 1L << HS_FAILED;
		else if (!retry && strcmp(p, "done") == 0)
			m |= 1L << HS_DONE;
		else if (!retry && strcmp(p, "pending") == 0)
			m |= 1L << HS_NONE | 1L << HS_RUNNING | 1L << HS_RETRY;
		else
			return -1;
	}
	return m;
}

/* A "retry" record for handler h of it: due now, as attempt N again. */
static int
retry_append(struct spool *sp, const struct select_item *it,
    const struct select_handler *h)
{
	struct attempt	 at;
	char		*rec;
	size_t		 len;
	int		 rc;

	memset(&at, 0, sizeof(at));
	at.event_id = it->id;
	at.handler = h->name;
	at.number = h->attempts;
	at.state = "retry";
	at.started_us = at.ended_us = at.next_us = wall_us();
	at.timeout = h->timeout;
	at.exit_status = -1;
	at.placed = 1;
	at.segment = it->segment;
	at.offset = it->offset;
	if ((rec = record_attempt_encode(&at, &len)) == NULL)
		return -1;
	rc = spool_append(sp, rec, len);
	free(rec);
	return rc;
}

/* The event record of it, decoded; NULL if it cannot be read. */
static json_t *
item_record(const struct conf *conf, const struct select_item *it)
{
	json_t	*rec;
	char	 name[32], *line = NULL;
	size_t	 len;

	snprintf(name, sizeof(name), "seg-%08u.jsonl", it->segment);
	if (spool_read_line(conf->server.spool_dir, name, (off_t)it->offset,
	    &line, &len) == -1)
		return NULL;
	rec = record_decode(line, len, NULL, 0);
	free(line);
	return rec;
}

static int
bulk_act(const struct conf *conf, const struct select_crit *c,
    const struct selection *sel, long limit, int dry, int retry)
{
	struct spool		*sp = NULL;
	const struct select_item *it;
	json_t			*rec;
	size_t			 i, j, n = 0, nh = 0;
	int			 rc = EX_OK, r;

	if (!dry && retry && (sp = spool_open(conf->server.spool_dir,
	    conf->server.fsync)) == NULL) {
		log_warn("retry: spool %s", conf->server.spool_dir);
		return EX_TEMPFAIL;
	}
	if (sp != NULL)
		spool_set_segment_size(sp, (off_t)conf->server.segment_size);
	for (i = 0; i < sel->n && (limit < 0 || (long)n < limit); i++) {
		it = &sel->items[i];
		n++;
		if (!retry) {
			if (dry) {
				printf("%s would be replayed\n", it->id);
				continue;
			}
			if ((rec = item_record(conf, it)) == NULL) {
				log_warnx("replay: %s: its event record "
				    "cannot be read", it->id);
				rc = EX_DATAERR;
				continue;
			}
			r = replay_run(conf, rec, c->handler, it->id);
			json_decref(rec);
			if (r == EX_TEMPFAIL)
				return r;	/* the spool refuses: stop */
			if (r != EX_OK && rc == EX_OK)
				rc = r;
			continue;
		}
		for (j = 0; j < it->nhandlers; j++, nh++) {
			if (!dry && retry_append(sp, it, &it->handlers[j]) ==
			    -1) {
				log_warn("retry: spool %s",
				    conf->server.spool_dir);
				spool_close(sp);
				return EX_TEMPFAIL;
			}
			printf("%s %s: %s (was %s after attempt %d)\n", it->id,
			    it->handlers[j].name, dry ? "would be pending" :
			    "pending", history_state_name(it->handlers[j].state),
			    it->handlers[j].attempts);
		}
	}
	fflush(stdout);
	spool_close(sp);
	if (retry)
		fprintf(stderr, "wh-retry: retry: %zu handler%s of %zu "
		    "event%s %s\n", nh, nh == 1 ? "" : "s", n, n == 1 ? "" : "s",
		    dry ? "would be made pending" : "made pending");
	if (n < sel->n)
		fprintf(stderr, "wh-retry: %s: --limit %ld reached, %zu more "
		    "selected: run it again for them\n", retry ? "retry" :
		    "replay", limit, sel->n - n);
	return rc;
}

/* Ids given that were not found or had nothing to act on. */
static int
bulk_missing(const struct select_crit *c, const struct selection *sel,
    int retry)
{
	size_t	i, j;
	int	rc = EX_OK, hit;

	for (i = 0; i < c->nids; i++) {
		if (!select_saw(sel, c->ids[i])) {
			fprintf(stderr, "wh-retry: %s: no such event\n",
			    c->ids[i]);
			rc = EX_NOINPUT;
			continue;
		}
		for (hit = 0, j = 0; j < sel->n && !hit; j++)
			hit = strcmp(sel->items[j].id, c->ids[i]) == 0;
		if (!hit) {
			fprintf(stderr, "wh-retry: %s: nothing to %s: no "
			    "handler of it is %s\n", c->ids[i],
			    retry ? "retry" : "replay", retry ?
			    "failed or dead" : "selected");
			if (rc == EX_OK)
				rc = EX_DATAERR;
		}
	}
	return rc;
}

/*
 * retry [selection] [id...]: the failed or dead handlers of the events
 * selected get one more attempt on the same event, run by the next
 * "wh-retry run".  replay [selection] [id...]: each event selected
 * becomes a new one, run now; a selection leaves out events already
 * replayed, so that a second run does not replay them again.
 */
static int
bulk(int argc, char **argv, int retry)
{
	static const struct option	 opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "handler", required_argument, NULL, 'H' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct select_crit	 c;
	struct selection	 sel;
	struct conf		*conf;
	long			 limit = 1000, m;
	int			 ch, dry = 0, chosen = 0, rc, i;
	size_t			 k;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		chosen |= ch != 'n' && ch != 'd';
		switch (ch) {
		case 's':
			if ((m = parse_states(optarg, retry)) <= 0) {
				fprintf(stderr, "wh-retry: %s: --status %s: "
				    "not %s\n", argv[0], optarg, retry ?
				    "dead or failed" :
				    "dead, failed, done or pending");
				return EX_USAGE;
			}
			c.states = (unsigned)m;
			break;
		case 'e':
			c.endpoint = optarg;
			break;
		case 'H':
			c.handler = optarg;
			break;
		case 'S':
		case 'U':
			if (parse_since(optarg, ch == 'S' ? &c.since :
			    &c.until) == -1)
				return usage();
			break;
		case 'n':
			if ((limit = parse_num(optarg, 1, LONG_MAX)) < 0)
				return usage();
			break;
		case 'd':
			dry = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind == argc && !chosen) {
		fprintf(stderr, "wh-retry: %s: name the events: ids, or a "
		    "selection (--status, --endpoint, --handler, --since, "
		    "--until)\n", argv[0]);
		return EX_USAGE;
	}
	if (optind < argc) {
		c.nids = (size_t)(argc - optind);
		if ((c.ids = calloc(c.nids, sizeof(*c.ids))) == NULL)
			return EX_OSERR;
		for (i = optind; i < argc; i++) {
			if (strlen(argv[i]) != EVENT_ID_LEN) {
				fprintf(stderr, "wh-retry: %s: not an event "
				    "id\n", argv[i]);
				free(c.ids);
				return EX_DATAERR;
			}
			for (k = 0; k < EVENT_ID_LEN; k++)
				argv[i][k] = (char)tolower(
				    (unsigned char)argv[i][k]);
			if (!event_id_valid(argv[i])) {
				fprintf(stderr, "wh-retry: %s: not an event "
				    "id\n", argv[i]);
				free(c.ids);
				return EX_DATAERR;
			}
			c.ids[i - optind] = argv[i];
		}
	}
	if (retry && c.states == 0)
		c.states = 1u << HS_DEAD | 1u << HS_FAILED;
	c.skip_replayed = !retry && c.ids == NULL;
	if ((conf = load_conf(1)) == NULL) {
		free(c.ids);
		return EX_CONFIG;
	}
	if (c.handler != NULL && conf_find_handler(conf, c.handler) == NULL) {
		fprintf(stderr, "wh-retry: %s: no handler \"%s\" in %s\n",
		    argv[0], c.handler, conf_path);
		rc = EX_USAGE;
	} else if (select_events(conf->server.spool_dir, &c, &sel) == -1) {
		log_warn("%s: spool %s", argv[0], conf->server.spool_dir);
		rc = EX_TEMPFAIL;
	} else {
		signal(SIGPIPE, SIG_IGN);
		signal(SIGXFSZ, SIG_IGN);
		rc = bulk_act(conf, &c, &sel, limit, dry, retry);
		i = bulk_missing(&c, &sel, retry);
		if (rc == EX_OK)
			rc = i;
		select_free(&sel);
	}
	free(c.ids);
	conf_free(conf);
	return rc;
}

static int
cmd_retry(int argc, char **argv)
{
	return bulk(argc, argv, 1);
}


static int
cmd_replay(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "handler", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf	*conf = NULL;
	struct found	 f;
	const char	*only = NULL;
	char		 id[EVENT_ID_LEN + 1];
	int		 ch, rc, i;

	/* Anything but "[--handler name] id" is a bulk replay. */
	for (i = 1; i < argc; i++)
		if ((argv[i][0] == '-' && strncmp(argv[i], "--handler", 9) != 0)
		    || argc > 4)
			return bulk(argc, argv, 0);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'H')
			return usage();
		only = optarg;
	}
	if (optind != argc - 1)
		return bulk(argc, argv, 0);
	memset(&f, 0, sizeof(f));
	rc = load_event(argv[optind], &conf, &f, id);
	if (rc == EX_OK && only != NULL &&
	    conf_find_handler(conf, only) == NULL) {
		fprintf(stderr, "wh-retry: replay: no handler \"%s\" in %s\n",
		    only, conf_path);
		rc = EX_USAGE;
	}
	if (rc == EX_OK) {
		signal(SIGPIPE, SIG_IGN);
		signal(SIGXFSZ, SIG_IGN);
		rc = replay_run(conf, f.event, only, NULL);
	}
	found_free(&f);
	conf_free(conf);
	return rc;
}

/* pause, resume */

static int
pause_cmd(int argc, char **argv, int on)
{
	struct conf	*conf;
	int		 rc = EX_OK;

	if (argc != 2 || argv[1][0] == '-')
		return usage();
	if ((conf = load_conf(1)) == NULL)
		return EX_CONFIG;
	if (conf_find_handler(conf, argv[1]) == NULL) {
		fprintf(stderr, "wh-retry: %s: no such handler in %s\n",
		    argv[1], conf->file);
		rc = EX_USAGE;
	} else if (pause_set(conf->server.spool_dir, argv[1], on) == -1) {
		fprintf(stderr, "wh-retry: %s %s: %s/%s: %s\n", argv[0],
		    argv[1], conf->server.spool_dir, PAUSE_DIR,
		    strerror(errno));
		rc = errno == EACCES || errno == EPERM ? EX_NOPERM :
		    EX_CANTCREAT;
	}
	conf_free(conf);
	return rc;
}

static int
cmd_pause(int argc, char **argv)
{
	return pause_cmd(argc, argv, 1);
}

static int
cmd_resume(int argc, char **argv)
{
	return pause_cmd(argc, argv, 0);
}

/* main */

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "run", cmd_run },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "replay", cmd_replay },
	{ "retry", cmd_retry },
	{ "check", cmd_check },
	{ "metrics", cmd_metrics },
	{ "pause", cmd_pause },
	{ "resume", cmd_resume }
};

int
main(int argc, char **argv)
{
	const char	*cmd = "run";
	size_t		 i;
	int		 ch;

	conf_path = conf_default_path();
	/* Long options (--linger...) are the command's, even with "run" left out. */
	while (optind < argc && strncmp(argv[optind], "--", 2) != 0 &&
	    (ch = getopt(argc, argv, "+c:hv")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && argv[0][0] != '-') {
		cmd = argv[0];
	} else {
		argv--;		/* "run" implied: keep the options */
		argc++;
	}
	log_init("wh-retry", LOG_TO_STDERR);
	log_verbose = verbose;
	optind = 0;		/* glibc: start over on the new argv */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(argc, argv);
	fprintf(stderr, "wh-retry: %s: unknown command\n", cmd);
	return usage();
}
