/*
 * metrics: wh-receive's counters in a file of the spool directory,
 * one slot per process, summed on scrape (see metrics.h).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "pages.h"

#define METRICS_MAGIC	"HSMETR1"
#define METRICS_VERSION	4

struct metrics_slot	*metrics_self;

static const int status_code[MS_COUNT] = {
	200, 202, 400, 401, 403, 404, 405, 408, 411, 413, 431, 500, 503, 0
};
static const char *const verify_reason[MV_COUNT] = {
	"missing", "malformed", "mismatch", "stale", "error", "other"
};
/* Upper bounds of the latency buckets, microseconds. */
static const int64_t bucket_us[METRICS_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 5000000
};

static int
header_ok(const struct metrics_file *m)
{
	return memcmp(m->magic, METRICS_MAGIC, sizeof(m->magic)) == 0 &&
	    m->version == METRICS_VERSION && m->nslots == METRICS_SLOTS &&
	    m->slot_size == sizeof(struct metrics_slot);
}

/*
 * A new file at path, atomically: a zeroed map with a header.  Where
 * there is none, it is linked in, never renamed over: two processes
 * that both found none (a CGI request and its dispatcher, at once)
 * must end up counting in the same file, so the second takes the
 * first's (-1 with EEXIST: open it again).  A damaged file is replaced.
 */
static int
metrics_create(const char *path, int replace)
{
	struct metrics_file	*h;
	char			 tmp[4096];
	int			 fd;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0640);
	if (fd == -1)
		return -1;
	/* Too large for the stack; only the header is written. */
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	memcpy(h->magic, METRICS_MAGIC, sizeof(h->magic));
	h->version = METRICS_VERSION;
	h->nslots = METRICS_SLOTS;
	h->slot_size = sizeof(struct metrics_slot);
	if (ftruncate(fd, (off_t)sizeof(struct metrics_file)) == -1 ||
	    pwrite(fd, h, offsetof(struct metrics_file, slot), 0) !=
	    (ssize_t)offsetof(struct metrics_file, slot) ||
	    (replace ? rename(tmp, path) : link(tmp, path)) == -1) {
		int	e = errno;

		free(h);
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (!replace)
		unlink(tmp);
	free(h);
	return fd;
}

static struct metrics_file *
map_fd(int fd)
{
	struct stat	 st;
	void		*p;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)sizeof(struct metrics_file)) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, sizeof(struct metrics_file), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (!header_ok(p)) {
		munmap(p, sizeof(struct metrics_file));
		errno = EINVAL;
		return NULL;
	}
	return p;
}

struct metrics_file *
metrics_map(const char *dir)
{
	struct metrics_file	*m;
	char			 path[4096];
	int			 fd, tries, replace;

	if (snprintf(path, sizeof(path), "%s/%s", dir, METRICS_FILE) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		replace = fd != -1 || errno != ENOENT;
		if (fd != -1) {
			m = map_fd(fd);
			close(fd);
			if (m != NULL)
				return m;
		}
		/* Missing: made here unless another process was first;
		 * damaged or foreign: started again. */
		if ((fd = metrics_create(path, replace)) != -1)
			break;
		if (errno != EEXIST)
			return NULL;
	}
	if (fd == -1)
		return NULL;
	m = map_fd(fd);
	close(fd);
	return m;
}

void
metrics_unmap(struct metrics_file *m)
{
	if (m != NULL)
		munmap(m, sizeof(*m));
}

static int
pid_gone(int32_t pid)
{
	return pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH);
}

struct metrics_slot *
metrics_claim(struct metrics_file *m)
{
	int32_t	 me = (int32_t)getpid(), pid;
	size_t	 i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < METRICS_SLOTS; i++)
		if (__atomic_load_n(&m->pid[i], __ATOMIC_RELAXED) == me)
			return &m->slot[i];
	/* A slot whose process is gone keeps its counts; we add to them. */
	for (i = 0; i < METRICS_SLOTS; i++) {
		pid = __atomic_load_n(&m->pid[i], __ATOMIC_RELAXED);
		if (!pid_gone(pid))
			continue;
		/* The file is sparse: a new slot gets real blocks before
		 * it is counted in. */
		if (pid == 0 && pages_back(&m->slot[i], sizeof(m->slot[i])) ==
		    -1)
			return NULL;
		if (__atomic_compare_exchange_n(&m->pid[i], &pid, me, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return &m->slot[i];
	}
	return NULL;
}

void
metrics_add(struct metrics_slot *s, uint64_t *field, uint64_t n)
{
	if (s != NULL)
		__atomic_fetch_add(field, n, __ATOMIC_RELAXED);
}

static size_t
status_index(int status)
{
	size_t	i;

	for (i = 0; i < MS_OTHER; i++)
		if (status_code[i] == status)
			return i;
	return MS_OTHER;
}

void
metrics_request(struct metrics_slot *s, size_t endpoint, int status,
    int64_t elapsed_us, uint64_t bytes)
{
	size_t	b;

	if (s == NULL)
		return;
	if (endpoint > METRICS_ENDPOINTS)
		endpoint = METRICS_ENDPOINTS;
	metrics_add(s, &s->requests[endpoint][status_index(status)], 1);
	metrics_add(s, &s->bytes_received, bytes);
	if (elapsed_us < 0)
		elapsed_us = 0;
	for (b = 0; b < METRICS_BUCKETS && elapsed_us > bucket_us[b]; b++)
		;
	if (b < METRICS_BUCKETS)
		metrics_add(s, &s->latency_buckets[b], 1);
	metrics_add(s, &s->latency_count, 1);
	metrics_add(s, &s->latency_sum_us, (uint64_t)elapsed_us);
}

void
metrics_verify_failure(struct metrics_slot *s, size_t endpoint,
    const char *verify_status)
{
	size_t	r;

	if (s == NULL)
		return;
	if (endpoint > METRICS_ENDPOINTS)
		endpoint = METRICS_ENDPOINTS;
	for (r = 0; r < MV_OTHER; r++)
		if (verify_status != NULL &&
		    strcmp(verify_status, verify_reason[r]) == 0)
			break;
	metrics_add(s, &s->verify_failures[endpoint][r], 1);
}

void
metrics_attempt(struct metrics_slot *s, size_t handler,
    enum metrics_outcome o)
{
	if (handler > METRICS_HANDLERS)
		handler = METRICS_HANDLERS;
	if (s != NULL && o < MO_COUNT)
		metrics_add(s, &s->attempts[handler][o], 1);
}

void
metrics_set(struct metrics_slot *s, uint64_t *field, uint64_t v)
{
	if (s != NULL)
		__atomic_store_n(field, v, __ATOMIC_RELAXED);
}

struct metrics_slot *
metrics_process(const char *dir)
{
	static struct metrics_file	*m;
	static pid_t			 claimed;

	if (claimed == getpid())
		return metrics_self;
	if (m == NULL)
		m = metrics_map(dir);
	metrics_self = metrics_claim(m);
	claimed = getpid();
	return metrics_self;
}

/* The sum over the slots of the uint64_t at offset off. */
static uint64_t
sum(const struct metrics_file *m, size_t off)
{
	uint64_t	t = 0;
	size_t		i;

	/* A slot never claimed may be a hole: not even read. */
	for (i = 0; i < METRICS_SLOTS; i++)
		if (__atomic_load_n(&m->pid[i], __ATOMIC_ACQUIRE) != 0)
			t += __atomic_load_n((const uint64_t *)
			    ((const char *)&m->slot[i] + off),
			    __ATOMIC_RELAXED);
	return t;
}

/*
 * The sum of a gauge over the slots of live processes: a dead
 * dispatcher's queue is gone (its events are wh-retry's).
 */
static uint64_t
sum_live(const struct metrics_file *m, size_t off)
{
	uint64_t	t = 0;
	size_t		i;
	int32_t		pid;

	for (i = 0; i < METRICS_SLOTS; i++) {
		pid = __atomic_load_n(&m->pid[i], __ATOMIC_ACQUIRE);
		if (pid != 0 && !pid_gone(pid))
			t += __atomic_load_n((const uint64_t *)
			    ((const char *)&m->slot[i] + off),
			    __ATOMIC_RELAXED);
	}
	return t;
}

struct out {
	char	*buf;
	size_t	 len, cap;
	int	 err;
};

static void
out(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		if ((p = realloc(o->buf, o->cap * 2 + (size_t)n)) == NULL) {
			o->err = 1;
			return;
		}
		o->buf = p;
		o->cap = o->cap * 2 + (size_t)n;
	}
}

static void
head(struct out *o, const char *name, const char *type, const char *help)
{
	out(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Endpoint e's label value; escaping is not needed: names are [-_a-zA-Z0-9]. */
static const char *
endpoint_name(const struct metrics_names *names, size_t e)
{
	if (e == METRICS_ENDPOINTS)
		return "-";
	return e < names->nendpoints ? names->endpoint[e] : "other";
}

#define SLOT_OFF(f)	offsetof(struct metrics_slot, f)

static void
render_requests(struct out *o, const struct metrics_file *m,
    const struct metrics_names *names)
{
	uint64_t	v;
	size_t		e, s;
	char		code[16];

	head(o, "hookspool_requests_total", "counter",
	    "Requests answered, by endpoint (\"-\": none matched) and status.");
	for (e = 0; e <= METRICS_ENDPOINTS; e++)
		for (s = 0; s < MS_COUNT; s++) {
			v = sum(m, SLOT_OFF(requests[e][s]));
			if (v == 0 && !(s == MS_202 && e < names->nendpoints))
				continue;
			if (s == MS_OTHER)
				snprintf(code, sizeof(code), "other");
			else
				snprintf(code, sizeof(code), "%d",
				    status_code[s]);
			out(o, "hookspool_requests_total{endpoint=\"%s\","
			    "status=\"%s\"} %llu\n", endpoint_name(names, e),
			    code, (unsigned long long)v);
		}
	head(o, "hookspool_verification_failures_total", "counter",
	    "Requests whose signature was refused, by endpoint and reason.");
	for (e = 0; e <= METRICS_ENDPOINTS; e++)
		for (s = 0; s < MV_COUNT; s++) {
			v = sum(m, SLOT_OFF(verify_failures[e][s]));
			if (v != 0)
				out(o, "hookspool_verification_failures_total"
				    "{endpoint=\"%s\",reason=\"%s\"} %llu\n",
				    endpoint_name(names, e), verify_reason[s],
				    (unsigned long long)v);
		}
}

static void
render_attempts(struct out *o, const struct metrics_file *m,
    const struct metrics_names *names)
{
	static const char	*outcome[MO_COUNT] = { "done", "failed", "dead" };
	uint64_t		 v;
	size_t			 h, r, named;

	head(o, "hookspool_handler_attempts_total", "counter",
	    "Handler attempts that ended, by handler and outcome.");
	named = names->nhandlers < METRICS_HANDLERS ? names->nhandlers :
	    METRICS_HANDLERS;
	for (r = 0; r < MO_COUNT; r++) {
		for (h = 0; h < named; h++) {
			v = sum(m, SLOT_OFF(attempts[h][r]));
			if (v != 0 || r == MO_DONE)
				out(o, "hookspool_handler_attempts_total{"
				    "handler=\"%s\",outcome=\"%s\"} %llu\n",
				    names->handler[h], outcome[r],
				    (unsigned long long)v);
		}
		/* Past the configuration's (a reload, or too many). */
		for (v = 0; h <= METRICS_HANDLERS; h++)
			v += sum(m, SLOT_OFF(attempts[h][r]));
		if (v != 0)
			out(o, "hookspool_handler_attempts_total{handler="
			    "\"other\",outcome=\"%s\"} %llu\n", outcome[r],
			    (unsigned long long)v);
	}
}

static void
render_latency(struct out *o, const struct metrics_file *m)
{
	uint64_t	cum = 0;
	size_t		b;

	head(o, "hookspool_request_duration_seconds", "histogram",
	    "Time from a request's start to its answer.");
	for (b = 0; b < METRICS_BUCKETS; b++) {
		cum += sum(m, SLOT_OFF(latency_buckets[b]));
		out(o, "hookspool_request_duration_seconds_bucket{le=\"%g\"} "
		    "%llu\n", (double)bucket_us[b] / 1e6,
		    (unsigned long long)cum);
	}
	cum = sum(m, SLOT_OFF(latency_count));
	out(o, "hookspool_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "hookspool_request_duration_seconds_sum %.6f\n"
	    "hookspool_request_duration_seconds_count %llu\n",
	    (unsigned long long)cum,
	    (double)sum(m, SLOT_OFF(latency_sum_us)) / 1e6,
	    (unsigned long long)cum);
}

static void
render_counter(struct out *o, const struct metrics_file *m, const char *name,
    const char *help, size_t off)
{
	head(o, name, "counter", help);
	out(o, "%s %llu\n", name, (unsigned long long)sum(m, off));
}

char *
metrics_render(const struct metrics_file *m, const struct metrics_names *names,
    size_t *len)
{
	struct out	o = { NULL, 0, 4096, 0 };

	if ((o.buf = malloc(o.cap)) == NULL)
		return NULL;
	o.buf[0] = '\0';
	render_requests(&o, m, names);
	render_counter(&o, m, "hookspool_received_bytes_total",
	    "Request body bytes read.", SLOT_OFF(bytes_received));
	render_counter(&o, m, "hookspool_spool_appends_total",
	    "Events appended to the spool.", SLOT_OFF(spool_appends));
	render_counter(&o, m, "hookspool_spool_fsync_batches_total",
	    "Syncs of the spool, each for one or more events.",
	    SLOT_OFF(fsync_batches));
	render_counter(&o, m, "hookspool_low_space_refusals_total",
	    "Events refused because the spool's free space was low.",
	    SLOT_OFF(refused_low_space));
	render_attempts(&o, m, names);
	head(&o, "hookspool_dispatcher_queued", "gauge",
	    "Events waiting in the dispatchers for a free slot.");
	out(&o, "hookspool_dispatcher_queued %llu\n",
	    (unsigned long long)sum_live(m, SLOT_OFF(dispatcher_queued)));
	head(&o, "hookspool_dispatcher_running", "gauge",
	    "Events whose handlers the dispatchers are running.");
	out(&o, "hookspool_dispatcher_running %llu\n",
	    (unsigned long long)sum_live(m, SLOT_OFF(dispatcher_running)));
	render_counter(&o, m, "hookspool_dispatcher_overflows_total",
	    "Events a dispatcher's full queue left to wh-retry.",
	    SLOT_OFF(dispatcher_overflows));
	render_latency(&o, m);
	if (o.err) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}

/* Whether addr (IPv4 or IPv6 text) is in the network net/bits. */
static int
in_net(const char *addr, const char *net, int bits)
{
	unsigned char	a[16], n[16];
	int		af, i, max;

	af = strchr(net, ':') != NULL ? AF_INET6 : AF_INET;
	max = af == AF_INET6 ? 128 : 32;
	if (bits < 0)
		bits = max;
	if (bits > max || inet_pton(af, net, n) != 1 ||
	    inet_pton(af, addr, a) != 1)
		return 0;
	for (i = 0; i < bits / 8; i++)
		if (a[i] != n[i])
			return 0;
	if (bits % 8 != 0 &&
	    ((a[i] ^ n[i]) & (0xff00 >> (bits % 8)) & 0xff) != 0)
		return 0;
	return 1;
}

/* One "ADDR[/BITS]" entry of len bytes: 1 if addr is in it, 0 if not,
 * -1 if it is no network. */
static int
allow_entry(const char *s, size_t len, const char *addr)
{
	char		 net[64], *slash, *end;
	long		 bits = -1;
	unsigned char	 tmp[16];

	if (len == 0 || len >= sizeof(net))
		return -1;
	memcpy(net, s, len);
	net[len] = '\0';
	if ((slash = strchr(net, '/')) != NULL) {
		*slash++ = '\0';
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0 ||
		    bits > (strchr(net, ':') ? 128 : 32))
			return -1;
	}
	if (inet_pton(strchr(net, ':') ? AF_INET6 : AF_INET, net, tmp) != 1)
		return -1;
	return addr != NULL && in_net(addr, net, (int)bits);
}

int
metrics_allowed(const char *list, const char *addr)
{
	const char	*s = list, *e;
	size_t		 n;
	int		 r, any = 0;

	if (list == NULL)
		return 1;
	while (*s != '\0') {
		s += strspn(s, " \t,");
		if (*s == '\0')
			break;
		e = s + strcspn(s, " \t,");
		n = (size_t)(e - s);
		if ((r = allow_entry(s, n, addr)) == -1)
			return -1;
		any |= r;
		s = e;
	}
	return any;
}
