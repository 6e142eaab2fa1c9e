/*
 * retry: "wh-retry run".  A pass reads the spool incrementally (only the
 * bytes new since the last pass, and only from the oldest segment that
 * still holds an unsettled event: RETRY_STATE_FILE remembers it between
 * runs), folds the records with history (settled events are forgotten
 * at once), runs every attempt that is due, and removes old segments.
 * Promises: an attempt is only run under the run lock and after its
 * "running" record is in the spool (attempt_run), so a crash loses
 * nothing and redoes at most the attempt in flight; a segment is only
 * removed when every event in it is settled and at least
 * event_history_size events are in newer segments.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backoff.h"
#include "command.h"
#include "clock.h"
#include "conf.h"
#include "attempt.h"
#include "dispatcher.h"
#include "event.h"
#include "filter.h"
#include "history.h"
#include "limit.h"
#include "log.h"
#include "ondead.h"
#include "pause.h"
#include "record.h"
#include "retry.h"
#include "spool.h"

#define POLL_US		(200 * 1000)	/* while others may finish work */
#define FOLLOW_US	(1000 * 1000)	/* --follow: look for new events */
#define RETENTION_US	(INT64_C(60) * 1000000)
#define NEVER		INT64_MAX

volatile sig_atomic_t	retry_stop;

struct seg {
	unsigned	no;
	off_t		scanned;	/* bytes read so far */
	size_t		events;		/* event records in them */
};

/* Counted once, kept in the state file: segments below low are final. */
struct count {
	unsigned	no;
	size_t		events;
};

struct due {
	struct history_event	*ev;
	struct history_handler	*h;
	const struct handler	*handler;
	int64_t			 at;
};

struct run {
	const struct conf	*conf;
	const struct retry_opts	*opts;
	struct retry_stats	*st;
	const char		*dir;
	struct spool		*sp;
	struct history		*hi;
	struct seg		*segs;		/* ascending, from low on */
	size_t			 nsegs;
	struct seg		*cur;		/* the one being scanned */
	unsigned		 low;		/* oldest with unsettled events */
	unsigned		 low_saved;	/* as in the state file */
	struct count		*counts;	/* of segments below low */
	unsigned char		*full;		/* per handler: at its
						 * max_concurrency this pass */
	size_t			 ncounts;
	int			 counts_dirty;
	unsigned		 newest;
	int64_t			 now;
	struct due		*due;
	size_t			 ndue, capdue;
	/* serialize_by: the due attempts of serialized handlers, and per
	 * (handler, key) the oldest event not settled for it (its head:
	 * the only one of the key that may run). */
	struct due		*sdue;
	size_t			 nsdue, capsdue;
	json_t			*heads;		/* "N:key" -> event pointer */
	json_t			*held;		/* retry_held(): id -> handler */
	unsigned		*busy;		/* segments of unsettled events */
	size_t			 nbusy, capbusy;
	int64_t			 wake;		/* next time to look again */
	unsigned char		*paused;	/* per handler, this pass */
	size_t			 progress;	/* records this run wrote */
	int64_t			 last_retention;
};

/* The lock. */

int
retry_lock(const char *spool_dir, int wait_s, int *fd)
{
	char	path[PATH_MAX];
	int64_t	until = mono_us() + (int64_t)wait_s * 1000000;
	int	lfd;

	if (snprintf(path, sizeof(path), "%s/%s", spool_dir, RETRY_LOCK_FILE) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	lfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd == -1)
		return -1;
	(void)fchmod(lfd, 0600);
	for (;;) {
		if (flock(lfd, LOCK_EX | LOCK_NB) == 0) {
			*fd = lfd;
			return 0;
		}
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		if (wait_s == 0 || (wait_s > 0 && mono_us() >= until) ||
		    retry_stop) {
			close(lfd);
			return 1;
		}
		usleep(50 * 1000);
	}
	close(lfd);
	return -1;
}

/*
 * The state file: "low N", the oldest segment that may hold unsettled
 * events, then "count SEG EVENTS" for segments below it, whose event
 * counts retention needs and which never change.
 */

static int
count_add(struct run *r, unsigned no, size_t events)
{
	struct count	*v;

	v = reallocarray(r->counts, r->ncounts + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	r->counts = v;
	r->counts[r->ncounts++] = (struct count){ no, events };
	r->counts_dirty = 1;
	return 0;
}

static struct count *
count_find(struct run *r, unsigned no)
{
	size_t	i;

	for (i = 0; i < r->ncounts; i++)
		if (r->counts[i].no == no)
			return &r->counts[i];
	return NULL;
}

static void
count_drop(struct run *r, unsigned no)
{
	struct count	*c = count_find(r, no);

	if (c == NULL)
		return;
	*c = r->counts[--r->ncounts];
	r->counts_dirty = 1;
}

static void
state_read(struct run *r)
{
	char		 path[PATH_MAX];
	FILE		*f;
	unsigned	 no;
	size_t		 n;

	r->low = 0;
	snprintf(path, sizeof(path), "%s/%s", r->dir, RETRY_STATE_FILE);
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fscanf(f, "low %u\n", &r->low) != 1)
		r->low = 0;
	while (r->low != 0 && fscanf(f, "count %u %zu\n", &no, &n) == 2)
		if (no < r->low && count_add(r, no, n) == -1)
			break;
	fclose(f);
	r->low_saved = r->low;
	r->counts_dirty = 0;
}

/* Written whole and renamed; losing it only costs a full scan. */
static int
state_write(struct run *r)
{
	char	 path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE	*f;
	size_t	 i;
	int	 fd, rc;

	snprintf(path, sizeof(path), "%s/%s", r->dir, RETRY_STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	fprintf(f, "low %u\n", r->low);
	for (i = 0; i < r->ncounts; i++)
		if (r->counts[i].no < r->low)
			fprintf(f, "count %u %zu\n", r->counts[i].no,
			    r->counts[i].events);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) == EOF)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc == 0) {
		r->low_saved = r->low;
		r->counts_dirty = 0;
	}
	return rc;
}

/* Reading: the bytes new since the last pass. */

static int
scan_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct run	*r = arg;
	int		 k;

	k = history_add(r->hi, line, len, r->cur->no, (int64_t)pos->offset,
	    NULL);
	if (k == -1)
		return -1;
	if (k == HISTORY_EVENT)
		r->cur->events++;
	r->cur->scanned = pos->offset + (off_t)len + 1;
	r->st->lines++;
	return 0;
}

static void
scan_bad(const struct spool_pos *pos, const char *reason, void *arg)
{
	(void)arg;
	log_debug("%s at %lld: %s", pos->segment, (long long)pos->offset,
	    reason);
}

/*
 * The event counts of the scanned segments that fell below low, for the
 * state file: a later run then need not count them again.
 */
static void
segs_count(struct run *r)
{
	size_t	i;

	for (i = 0; i < r->nsegs; i++)
		if (r->segs[i].no < r->low && r->segs[i].no != r->newest &&
		    count_find(r, r->segs[i].no) == NULL)
			(void)count_add(r, r->segs[i].no, r->segs[i].events);
}

/* Bring r->segs in line with the directory: segments >= low only. */
static int
segs_sync(struct run *r)
{
	unsigned	*nos = NULL;
	struct seg	*v = NULL;
	size_t		 n = 0, i, j = 0, k = 0;

	if (spool_segments(r->dir, &nos, &n) == -1)
		return -1;
	if (n > 0 && (r->low < nos[0] || r->low > nos[n - 1])) {
		r->low = nos[0];	/* no state, or a spool made anew */
		r->ncounts = 0;
		r->counts_dirty = 1;
	}
	if ((v = calloc(n + 1, sizeof(*v))) == NULL) {
		free(nos);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (nos[i] < r->low)
			continue;
		while (j < r->nsegs && r->segs[j].no < nos[i])
			j++;
		if (j < r->nsegs && r->segs[j].no == nos[i])
			v[k++] = r->segs[j];
		else
			v[k++] = (struct seg){ nos[i], 0, 0 };
	}
	r->newest = n > 0 ? nos[n - 1] : 0;
	free(nos);
	free(r->segs);
	r->segs = v;
	r->nsegs = k;
	return 0;
}

static int
run_scan(struct run *r)
{
	size_t	i;
	int64_t	t0 = mono_us();

	if (segs_sync(r) == -1)
		return -1;
	for (i = 0; i < r->nsegs; i++) {
		r->cur = &r->segs[i];
		if (spool_scan_segment(r->dir, r->cur->no, r->cur->scanned,
		    0, NULL, scan_line, scan_bad, r) == -1)
			return -1;
	}
	r->st->scan_us += mono_us() - t0;
	return 0;
}

/* Planning: what is due now, and when to look again. */

static int
due_push(struct due **due, size_t *n, size_t *cap, struct history_event *ev,
    struct history_handler *h, const struct handler *handler, int64_t at)
{
	struct due	*v;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		v = reallocarray(*due, *cap, sizeof(*v));
		if (v == NULL)
			return -1;
		*due = v;
	}
	(*due)[(*n)++] = (struct due){ ev, h, handler, at };
	return 0;
}

static int
due_add(struct run *r, struct history_event *ev, struct history_handler *h,
    const struct handler *handler, int64_t at)
{
	return due_push(&r->due, &r->ndue, &r->capdue, ev, h, handler, at);
}

/*
 * Before its first attempt, a handler waits for the ones before it, and
 * for as long as a responder's dispatcher may hold the event before it
 * starts it (DISPATCHER_MAX_WAIT): the two never start the same one.
 */
static int64_t
start_grace(const struct run *r, const struct history_event *ev)
{
	const struct handler	*h;
	int64_t			 s = r->opts->grace + DISPATCHER_MAX_WAIT;
	size_t			 i;

	for (i = 0; i < ev->nhandlers; i++) {
		h = ev->handlers[i].listed ?
		    conf_find_handler(r->conf, ev->handlers[i].name) : NULL;
		if (h != NULL)
			s += h->timeout;
	}
	return s * 1000000;
}

static int
busy_add(struct run *r, unsigned no)
{
	unsigned	*v;

	if (r->nbusy > 0 && r->busy[r->nbusy - 1] == no)
		return 0;
	if (r->nbusy == r->capbusy) {
		r->capbusy = r->capbusy ? r->capbusy * 2 : 64;
		v = reallocarray(r->busy, r->capbusy, sizeof(*v));
		if (v == NULL)
			return -1;
		r->busy = v;
	}
	r->busy[r->nbusy++] = no;
	return 0;
}

static int
uint_cmp(const void *a, const void *b)
{
	unsigned	x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static void
wake_at(struct run *r, int64_t t)
{
	if (t < r->wake)
		r->wake = t;
}

/* serialize_by */

static struct attempt_job *load_job(struct run *, const struct history_event *,
    char *, size_t);

/*
 * The key of ev for a serialized handler, worked out once from its
 * record and kept with the handler's state; "" when it has none (the
 * template has no value, or the record cannot be read: run_one() sets
 * such an event aside).  NULL on ENOMEM.
 */
static const char *
serial_key(struct run *r, struct history_event *ev, struct history_handler *h,
    const struct handler *handler)
{
	struct attempt_job	*job;
	struct filter_event	 fe;
	char			 why[JSON_ERROR_TEXT_LENGTH + 64];

	if (h->tag != NULL)
		return h->tag;
	if ((job = load_job(r, ev, why, sizeof(why))) == NULL)
		return h->tag = strdup("");
	memset(&fe, 0, sizeof(fe));
	fe.path = job->path;
	fe.method = job->method;
	fe.headers = &job->headers;
	fe.payload = job->payload;
	fe.query = job->query_fields;
	h->tag = command_expand_first(handler->serialize_by, &fe);
	attempt_job_free(job);
	return h->tag;
}

/*
 * Does a come before b in the spool?  The order of the records is the
 * order in which receivers stored the events (and then answered), which
 * received_at, taken when each request began, need not be.
 */
static int
before(const struct history_event *a, const struct history_event *b)
{
	if (a->segment != b->segment)
		return a->segment < b->segment;
	return a->offset < b->offset;
}

/*
 * A serialized handler h of ev that is not settled: ev may be the head
 * of its key.  Its attempt, when due, waits in sdue for the heads.
 * Returns 1 if ev's handler is serialized by a key, 0 if not (no key:
 * it runs as any other), -1 on ENOMEM.
 */
static int
serial_note(struct run *r, struct history_event *ev,
    struct history_handler *h, const struct handler *handler, int64_t at)
{
	const char		*key;
	struct history_event	*head;
	json_t			*v;
	char			*name;
	int			 rc = 1;

	if ((key = serial_key(r, ev, h, handler)) == NULL)
		return -1;
	if (key[0] == '\0')
		return 0;
	if (asprintf(&name, "%zu:%s", (size_t)(handler - r->conf->handlers),
	    key) == -1)
		return -1;
	v = json_object_get(r->heads, name);
	head = v != NULL ? (struct history_event *)(uintptr_t)
	    json_integer_value(v) : NULL;
	if ((head == NULL || before(ev, head)) && json_object_set_new(
	    r->heads, name, json_integer((json_int_t)(uintptr_t)ev)) == -1)
		rc = -1;
	free(name);
	if (rc == 1 && at >= 0 && at <= r->now && due_push(&r->sdue, &r->nsdue,
	    &r->capsdue, ev, h, handler, at) == -1)
		rc = -1;
	if (rc == 1 && at > r->now)
		wake_at(r, at);
	return rc;
}

/* The serialized attempts due whose event is the head of its key. */
static int
serial_heads(struct run *r)
{
	struct history_event	*head;
	const struct due	*d;
	json_t			*v;
	char			*name;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < r->nsdue && rc == 0; i++) {
		d = &r->sdue[i];
		if (asprintf(&name, "%zu:%s", (size_t)(d->handler -
		    r->conf->handlers), d->h->tag) == -1)
			return -1;
		v = json_object_get(r->heads, name);
		head = (struct history_event *)(uintptr_t)json_integer_value(v);
		free(name);
		if (head == d->ev)
			rc = due_add(r, d->ev, d->h, d->handler, d->at);
		else {
			r->st->held++;
			if (r->held != NULL && json_object_set_new(r->held,
			    d->ev->id, json_string(d->handler->name)) == -1)
				rc = -1;
		}
	}
	r->nsdue = 0;
	json_object_clear(r->heads);
	return rc;
}

static int
plan_event(struct history_event *ev, void *arg)
{
	struct run		*r = arg;
	struct history_grace	 g;
	struct history_handler	*h;
	const struct handler	*handler;
	int64_t			 at;
	size_t			 i;

	if (!ev->has_event)
		return 0;
	if (ev->anchor < r->low)
		r->low = ev->anchor;
	if (busy_add(r, ev->segment) == -1)
		return -1;
	g.running = (int64_t)r->opts->grace * 1000000;
	g.start = start_grace(r, ev);
	for (i = 0; i < ev->nhandlers; i++) {
		h = &ev->handlers[i];
		if ((at = history_due(ev, h, &g)) < 0)
			continue;
		if ((handler = conf_find_handler(r->conf, h->name)) == NULL)
			continue;	/* not configured now: cannot run */
		if (r->paused[handler - r->conf->handlers])
			continue;	/* held until it is resumed */
		if (handler->serialize_by != NULL) {
			/* No dispatcher starts it: no wait for one. */
			if (h->state == HS_NONE && ev->has_event && h->listed)
				at = ev->received_us + g.running;
			switch (serial_note(r, ev, h, handler, at)) {
			case -1:
				return -1;
			case 1:
				continue;
			}
		}
		if (h->state == HS_RUNNING || h->state == HS_NONE)
			wake_at(r, r->now + POLL_US);
		if (at > r->now)
			wake_at(r, at);
		else if (due_add(r, ev, h, handler, at) == -1)
			return -1;
	}
	return 0;
}

static int
due_cmp(const void *a, const void *b)
{
	const struct due	*x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->ev->id, y->ev->id);
}

static int
run_plan(struct run *r)
{
	int64_t	t0 = mono_us();
	size_t	i;

	r->ndue = 0;
	r->nbusy = 0;
	r->wake = NEVER;
	r->now = wall_us();
	r->low = r->newest;
	for (i = 0; i < r->conf->nhandlers; i++)
		r->paused[i] = (unsigned char)pause_held(r->dir,
		    r->conf->handlers[i].name);
	if (history_each(r->hi, plan_event, r) != 0 || serial_heads(r) == -1)
		return -1;
	if (r->ndue > 1)
		qsort(r->due, r->ndue, sizeof(*r->due), due_cmp);
	if (r->nbusy > 1)
		qsort(r->busy, r->nbusy, sizeof(*r->busy), uint_cmp);
	segs_count(r);
	r->st->due += r->ndue;
	r->st->plan_us += mono_us() - t0;
	return 0;
}

/* Running what is due. */

/*
 * The job of ev's event record; NULL with errno, and why in err when
 * the record itself is damaged (EINVAL): it will never be read.
 */
static struct attempt_job *
load_job(struct run *r, const struct history_event *ev, char *err,
    size_t errlen)
{
	struct attempt_job	*job = NULL;
	json_t			*rec;
	char			 name[32], *line = NULL;
	size_t			 len;

	snprintf(err, errlen, "%s", "cannot read it");
	snprintf(name, sizeof(name), "seg-%08u.jsonl", ev->segment);
	if (spool_read_line(r->dir, name, (off_t)ev->offset, &line, &len) ==
	    -1) {
		errno = errno == EINVAL ? EIO : errno;	/* not its content */
		return NULL;
	}
	if ((rec = record_decode(line, len, err, errlen)) == NULL)
		errno = EINVAL;
	else if ((job = record_job(r->conf, rec)) == NULL && errno == EINVAL)
		snprintf(err, errlen, "%s", "its body does not decode");
	if (job != NULL) {
		job->record = line;
		job->record_len = len;
		line = NULL;
	}
	json_decref(rec);
	free(line);
	return job;
}

static enum attempt_state
append_attempt(struct run *r, struct attempt *at)
{
	char	*rec;
	size_t	 len;
	int	 rc;

	if ((rec = record_attempt_encode(at, &len)) == NULL)
		return ATTEMPT_UNRECORDED;
	rc = spool_append(r->sp, rec, len);
	free(rec);
	if (rc == -1)
		return ATTEMPT_UNRECORDED;
	r->progress++;
	return ATTEMPT_DONE;
}

/*
 * ev's event record cannot be read: an "unreadable" attempt for each
 * handler that may still need one (the one due, those not started or
 * failed; one running elsewhere gets its own when it comes due), so that
 * the event is settled and never looked at again.  -1 if the spool
 * refuses the records.
 */
static int
set_aside(struct run *r, const struct due *d, const char *why)
{
	struct history_handler	*h;
	struct attempt		 at;
	char			 error[256];
	size_t			 i;

	snprintf(error, sizeof(error), "event record unreadable: %s", why);
	memset(&at, 0, sizeof(at));
	at.event_id = d->ev->id;
	at.state = "unreadable";
	at.started_us = at.ended_us = wall_us();
	at.exit_status = -1;
	at.error = error;
	for (i = 0; i < d->ev->nhandlers; i++) {
		h = &d->ev->handlers[i];
		if (h != d->h && h->state != HS_NONE && h->state != HS_FAILED)
			continue;
		at.handler = h->name;
		at.number = h->attempts + 1;
		at.timeout = h->timeout;
		if (append_attempt(r, &at) == ATTEMPT_UNRECORDED)
			return -1;
		h->state = HS_UNREADABLE;	/* not due again in this pass */
	}
	log_warn("id=%s: event record at seg-%08u.jsonl offset %lld: %s: "
	    "set aside, its handlers are not run", d->ev->id, d->ev->segment,
	    (long long)d->ev->offset, why);
	return 0;
}

/*
 * A "running" attempt whose runner died: record it as failed (or dead
 * if it was the last), so that the next one can run now.
 */
static enum attempt_state
close_abandoned(struct run *r, const struct due *d)
{
	const struct backoff_policy	policy = {
		r->conf->server.max_retry_attempts,
		r->conf->server.retry_delay_seconds,
		r->conf->server.retry_backoff_multiplier,
		r->conf->server.retry_max_delay_seconds
	};
	struct attempt		at;
	enum attempt_state	st = ATTEMPT_FAILED;

	memset(&at, 0, sizeof(at));
	at.event_id = d->ev->id;
	at.handler = d->h->name;
	at.number = d->h->attempts;
	at.started_us = d->h->started_us;
	at.ended_us = wall_us();
	at.timeout = d->h->timeout;
	at.exit_status = -1;
	at.error = "no outcome recorded: its runner stopped";
	if (backoff_next(&policy, at.number, at.ended_us, &at.next_us))
		at.next_us = at.ended_us;	/* the next one runs now */
	else
		st = ATTEMPT_DEAD;
	at.state = attempt_state_name(st);
	if (append_attempt(r, &at) == ATTEMPT_UNRECORDED)
		return ATTEMPT_UNRECORDED;
	log_info("id=%s handler=%s attempt=%d state=%s: abandoned by its "
	    "runner", at.event_id, at.handler, at.number, at.state);
	return st;
}

/* The on_dead program of an attempt close_abandoned() made dead. */
static void
abandoned_dead(struct run *r, const struct due *d)
{
	struct attempt_job	*job;
	char			 why[JSON_ERROR_TEXT_LENGTH + 64];

	if (conf_on_dead(r->conf, d->handler) == NULL)
		return;
	if ((job = load_job(r, d->ev, why, sizeof(why))) == NULL) {
		log_warnx("id=%s handler=%s: on_dead not run: its event "
		    "record: %s", d->ev->id, d->handler->name, why);
		return;
	}
	ondead_run(r->conf, d->handler, job,
	    "no outcome recorded: its runner stopped");
	attempt_job_free(job);
}

static int
run_one(struct run *r, const struct due *d)
{
	struct attempt_job	*job;
	enum attempt_state	 st;
	char			 why[JSON_ERROR_TEXT_LENGTH + 64];
	size_t			 idx;
	int			 lfd, rc;

	if (d->h->state == HS_UNREADABLE)
		return 0;		/* set aside with another handler */
	if (d->h->state == HS_RUNNING) {
		st = close_abandoned(r, d);
		if (st == ATTEMPT_UNRECORDED)
			return -1;
		if (st == ATTEMPT_DEAD) {
			abandoned_dead(r, d);
			return 0;
		}
	}
	/* At its max_concurrency (or with no way to tell): this handler's
	 * turn comes again after the others' of this pass, in order. */
	idx = (size_t)(d->handler - r->conf->handlers);
	if (r->full[idx])
		return 0;
	if ((rc = limit_take(r->dir, d->handler, &lfd)) != 1) {
		if (rc == -1)
			log_warn("handler=%s: max_concurrency slot in %s/%s",
			    d->handler->name, r->dir, LIMIT_DIR);
		r->full[idx] = 1;
		wake_at(r, wall_us() + POLL_US);
		return 0;
	}
	if ((job = load_job(r, d->ev, why, sizeof(why))) == NULL) {
		limit_release(lfd);
		if (errno == EINVAL)
			return set_aside(r, d, why);
		if (errno == ENOENT)	/* a retry of an event since removed */
			return set_aside(r, d, "its segment is gone");
		log_warn("id=%s: cannot read its event record", d->ev->id);
		return 0;
	}
	st = attempt_run(r->sp, r->conf, d->handler, job,
	    d->h->attempts + 1);
	limit_release(lfd);
	attempt_job_free(job);
	if (st == ATTEMPT_UNRECORDED)
		return -1;
	r->st->ran++;
	r->progress++;
	return 0;
}

static int
run_exec(struct run *r)
{
	int64_t	t0 = mono_us();
	size_t	i;
	int	rc = 0;

	memset(r->full, 0, r->conf->nhandlers + 1);
	for (i = 0; i < r->ndue && !retry_stop; i++) {
		if (run_one(r, &r->due[i]) == -1) {
			rc = -1;	/* the spool refuses records: stop */
			break;
		}
	}
	r->st->exec_us += mono_us() - t0;
	return rc;
}

/* Retention. */

static int
count_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	size_t	*n = arg;

	(void)pos;
	if (len > 16 && memcmp(line, "{\"type\":\"event\",", 16) == 0)
		(*n)++;
	return 0;
}

/* Event records in segment no: counted in a scan, before, or now. */
static int
seg_events(struct run *r, unsigned no, size_t *n)
{
	struct count	*c;
	size_t		 i;

	for (i = 0; i < r->nsegs; i++)
		if (r->segs[i].no == no) {
			*n = r->segs[i].events;
			return 0;
		}
	if ((c = count_find(r, no)) != NULL) {
		*n = c->events;
		return 0;
	}
	*n = 0;
	if (spool_scan_segment(r->dir, no, 0, 0, NULL,
	    count_line, NULL, n) == -1)
		return -1;
	if (no < r->low)
		(void)count_add(r, no, *n);
	return 0;
}

/*
 * Newest first: a segment goes when every event in it is settled and
 * at least event_history_size events are in newer segments.  The
 * newest segment, which writers append to, always stays.
 */
static int
run_retention(struct run *r)
{
	unsigned	*nos = NULL;
	size_t		 n = 0, i, total = 0, cnt;
	size_t		 want = (size_t)r->conf->server.event_history_size;
	int		 rc = -1;

	if (spool_segments(r->dir, &nos, &n) == -1)
		return -1;
	for (i = n; i-- > 0;) {
		if (nos[i] < r->newest && total >= want &&
		    bsearch(&nos[i], r->busy, r->nbusy, sizeof(*r->busy),
		    uint_cmp) == NULL) {
			if (spool_remove_segment(r->dir, nos[i]) == -1)
				goto out;
			count_drop(r, nos[i]);
			log_debug("retention: removed seg-%08u.jsonl", nos[i]);
			r->st->removed++;
			continue;
		}
		if (seg_events(r, nos[i], &cnt) == -1)
			goto out;
		total += cnt;
	}
	rc = 0;
out:
	free(nos);
	return rc;
}

/* The loop. */

static void
sleep_until(int64_t t)
{
	int64_t	d;

	while (!retry_stop && (d = t - wall_us()) > 0) {
		if (d > 100000)
			d = 100000;	/* to notice a signal soon */
		usleep((useconds_t)d);
	}
}

static int
run_pass(struct run *r)
{
	int64_t	t0;

	r->st->passes++;
	if (run_scan(r) == -1 || run_plan(r) == -1)
		return -1;
	if (r->now - r->last_retention >= RETENTION_US) {
		t0 = mono_us();
		r->last_retention = r->now;
		if (run_retention(r) == -1)
			log_warn("retention");
		r->st->retention_us += mono_us() - t0;
	}
	if ((r->low != r->low_saved || r->counts_dirty) &&
	    state_write(r) == -1)
		log_warn("%s/%s", r->dir, RETRY_STATE_FILE);
	return run_exec(r);
}

/* A run's state, for retry_run() and retry_held(); -1 with errno. */
static int
run_init(struct run *r, const struct conf *conf,
    const struct retry_opts *opts, struct retry_stats *st)
{
	memset(r, 0, sizeof(*r));
	memset(st, 0, sizeof(*st));
	r->conf = conf;
	r->opts = opts;
	r->st = st;
	r->dir = conf->server.spool_dir;
	r->last_retention = -RETENTION_US;
	r->sp = spool_open(r->dir, conf->server.fsync);
	r->hi = history_new(HISTORY_SETTLED_DROP);
	r->paused = calloc(conf->nhandlers + 1, 1);
	r->full = calloc(conf->nhandlers + 1, 1);
	r->heads = json_object();
	if (r->sp == NULL || r->hi == NULL || r->paused == NULL ||
	    r->full == NULL || r->heads == NULL) {
		if (errno == 0)
			errno = ENOMEM;
		return -1;
	}
	spool_set_segment_size(r->sp, (off_t)conf->server.segment_size);
	state_read(r);
	return 0;
}

static void
run_free(struct run *r)
{
	int	save = errno;

	r->st->kept = r->hi != NULL ? history_count(r->hi) : 0;
	history_free(r->hi);
	spool_close(r->sp);
	free(r->segs);
	free(r->due);
	free(r->busy);
	free(r->counts);
	free(r->paused);
	free(r->full);
	free(r->sdue);
	json_decref(r->heads);
	errno = save;
}

json_t *
retry_held(const struct conf *conf)
{
	static const struct retry_opts	 opts = { 0, 0, 0 };
	struct retry_stats		 st;
	struct run			 r;
	json_t				*held = NULL;

	if (run_init(&r, conf, &opts, &st) == 0 &&
	    (held = r.held = json_object()) != NULL &&
	    (run_scan(&r) == -1 || run_plan(&r) == -1)) {
		json_decref(held);
		held = NULL;
	}
	run_free(&r);
	return held;
}

int
retry_run(const struct conf *conf, const struct retry_opts *opts,
    struct retry_stats *st)
{
	struct run	r;
	int64_t		deadline;
	size_t		progress;
	int		rc = -1;

	deadline = wall_us() + (int64_t)opts->linger * 1000000;
	if (run_init(&r, conf, opts, st) == -1)
		goto out;
	while (!retry_stop) {
		progress = r.progress;
		if (run_pass(&r) == -1)
			goto out;
		if (r.progress > progress)
			continue;	/* outcomes may make more due at once */
		if (opts->follow && r.wake > wall_us() + FOLLOW_US)
			r.wake = wall_us() + FOLLOW_US;
		if (r.wake == NEVER || (!opts->follow && r.wake > deadline))
			break;
		sleep_until(r.wake);
	}
	rc = 0;
out:
	run_free(&r);
	return rc;
}
