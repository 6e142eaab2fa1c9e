/*
 * dedup: the index of delivery keys beside the spool.  Promises:
 *
 *  - the spool is the truth: an event record holds its dedup_key, and
 *    the index only caches what the spool says, so it may be deleted
 *    or damaged at any time and is rebuilt from the segments that may
 *    hold keys still within their window;
 *  - check, append and entry happen under the spool's append lock (a
 *    gate of spool_append_gated), which orders every record of the
 *    spool: so two writers with the same key make one event, and the
 *    index needs no lock of its own;
 *  - a writer that dies after its append but before its entry leaves a
 *    record the next dedup_sync() finds: the index notes the spool's
 *    end it was last brought up to date with, and any other end (a
 *    record of anyone, keyed or not) starts a catch-up scan from there;
 *  - lookups read one set of DEDUP_WAYS slots: O(1); the table never
 *    grows, and a full set forgets the key that expires first;
 *  - nothing in the file is trusted: the header is checked as a whole
 *    and each slot on its own (a damaged slot is an empty one).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dedup.h"
#include "pages.h"
#include "record.h"
#include "spool.h"

#define DEDUP_MAGIC	"HSDEDUP2"	/* 1: checks made a byte at a time */
#define DEDUP_SETS_MAX	(1u << 24)

struct dedup_head {
	char		magic[8];
	uint32_t	nsets;
	uint32_t	covered_segno;
	uint64_t	covered_off;
	uint8_t		salt[16];
	uint8_t		pad[16];
	uint64_t	check;
};

struct dedup_slot {
	uint8_t		hash[16];	/* of salt, endpoint and key */
	uint8_t		id[16];		/* the event's UUID */
	int64_t		expires_us;	/* 0: empty */
	uint64_t	end;		/* the record's end in its segment */
	uint32_t	segno;
	uint32_t	pad;
	uint64_t	check;
};

/* How often the file is checked for being removed, replaced or cut. */
#define DEDUP_RECHECK_US	1000000

struct dedup {
	char		*dir;
	int		 dirfd;
	int		 fd;
	ino_t		 ino;
	void		*map;
	size_t		 maplen;
	uint32_t	 nsets;
	int64_t		 checked_us;	/* the file last checked; 0: never */
	int		 resident;	/* dedup_set_resident() */
	int		 backed;	/* every page of map backed */
	unsigned long	 forgotten;
	unsigned long	 rebuilt;
};

_Static_assert(sizeof(struct dedup_head) == 64, "dedup head size");
_Static_assert(sizeof(struct dedup_slot) == 64, "dedup slot size");

/* The pure table. */

/*
 * The check of a header or slot: the salt, then the bytes before the
 * check, eight at a time (multiply and fold).  It finds damage, not
 * forgery: whoever can write the file can also write its salt.
 */
static uint64_t
mix_word(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t
mix(const uint8_t salt[16], const void *p, size_t len)
{
	const uint8_t	*b = p;
	uint64_t	 h = 0xcbf29ce484222325ULL, w;
	size_t		 i;

	for (i = 0; i < 16; i += 8) {
		memcpy(&w, salt + i, 8);
		h = mix_word(h, w);
	}
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = mix_word(h, w);
	}
	for (w = 0; i < len; i++)
		w = w << 8 | b[i];
	return mix_word(h, w ^ len);
}

static struct dedup_head *
head_of(const void *buf)
{
	return (struct dedup_head *)(uintptr_t)buf;
}

static struct dedup_slot *
slots_of(const void *buf)
{
	return (struct dedup_slot *)((char *)(uintptr_t)buf +
	    sizeof(struct dedup_head));
}

static void
head_seal(struct dedup_head *h)
{
	h->check = mix(h->salt, h, offsetof(struct dedup_head, check));
}

static void
slot_seal(const struct dedup_head *h, struct dedup_slot *s)
{
	s->check = mix(h->salt, s, offsetof(struct dedup_slot, check));
}

static int
slot_intact(const struct dedup_head *h, const struct dedup_slot *s)
{
	return s->expires_us > 0 &&
	    s->check == mix(h->salt, s, offsetof(struct dedup_slot, check));
}

size_t
dedup_table_size(uint32_t nsets)
{
	return sizeof(struct dedup_head) +
	    (size_t)nsets * DEDUP_WAYS * sizeof(struct dedup_slot);
}

uint32_t
dedup_table_sets(size_t max_keys)
{
	uint32_t	n = 1;

	/* Twice the slots asked for: sets fill unevenly. */
	while (n < DEDUP_SETS_MAX && (size_t)n * DEDUP_WAYS < max_keys * 2)
		n *= 2;
	return n;
}

void
dedup_table_init(void *buf, uint32_t nsets, const uint8_t salt[16])
{
	struct dedup_head	*h = head_of(buf);

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, DEDUP_MAGIC, sizeof(h->magic));
	h->nsets = nsets;
	memcpy(h->salt, salt, sizeof(h->salt));
	head_seal(h);
}

int
dedup_table_valid(const void *buf, size_t len, uint32_t nsets)
{
	const struct dedup_head	*h = head_of(buf);

	if (len < sizeof(*h) || nsets == 0 || nsets > DEDUP_SETS_MAX ||
	    len != dedup_table_size(nsets))
		return 0;
	return memcmp(h->magic, DEDUP_MAGIC, sizeof(h->magic)) == 0 &&
	    h->nsets == nsets &&
	    h->check == mix(h->salt, h, offsetof(struct dedup_head, check));
}

static void
key_hash(const struct dedup_head *h, const char *endpoint, const char *key,
    uint8_t out[16])
{
	/* Fetched once, kept for the process (OpenSSL 3 looks a digest
	 * up by name on every init otherwise). */
	static EVP_MD		*sha256;
	static EVP_MD_CTX	*ctx;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned		 mdlen = 0;

	memset(md, 0, sizeof(md));
	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (ctx == NULL)
		ctx = EVP_MD_CTX_new();
	if (ctx != NULL && sha256 != NULL &&
	    EVP_DigestInit_ex(ctx, sha256, NULL) == 1) {
		EVP_DigestUpdate(ctx, h->salt, sizeof(h->salt));
		EVP_DigestUpdate(ctx, endpoint, strlen(endpoint) + 1);
		EVP_DigestUpdate(ctx, key, strlen(key));
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	}
	memcpy(out, md, 16);
}

static struct dedup_slot *
set_of(const void *buf, const uint8_t hash[16])
{
	const struct dedup_head	*h = head_of(buf);
	uint32_t		 i;

	memcpy(&i, hash, sizeof(i));
	return slots_of(buf) + (size_t)(i & (h->nsets - 1)) * DEDUP_WAYS;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
id_pack(const char *id, uint8_t out[16])
{
	size_t	i, n = 0;

	if (!event_id_valid(id))
		return -1;
	for (i = 0; id[i] != '\0' && n < 16; i++) {
		if (id[i] == '-')
			continue;
		out[n++] = (uint8_t)(hexval(id[i]) << 4 | hexval(id[i + 1]));
		i++;
	}
	return 0;
}

static void
id_unpack(const uint8_t in[16], char out[EVENT_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, n = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[in[i] >> 4];
		out[n++] = hex[in[i] & 15];
	}
	out[n] = '\0';
}

static struct dedup_slot *
slot_find(const void *buf, const uint8_t hash[16], int64_t now_us)
{
	const struct dedup_head	*h = head_of(buf);
	struct dedup_slot	*set = set_of(buf, hash);
	size_t			 i;

	/* The check is sums over the slot's bytes: made only for a slot
	 * that would answer, not for each of the set. */
	for (i = 0; i < DEDUP_WAYS; i++) {
		if (set[i].expires_us > now_us &&
		    memcmp(set[i].hash, hash, 16) == 0 &&
		    slot_intact(h, &set[i]))
			return &set[i];
	}
	return NULL;
}

static int
table_find_hash(const void *buf, const uint8_t hash[16], int64_t now_us,
    struct dedup_hit *hit)
{
	const struct dedup_slot	*s;

	s = slot_find(buf, hash, now_us);
	if (s == NULL)
		return 0;
	id_unpack(s->id, hit->id);
	hit->segno = s->segno;
	hit->end = (off_t)(s->end > (uint64_t)INT64_MAX ? 0 : s->end);
	return 1;
}

int
dedup_table_find(const void *buf, const char *endpoint, const char *key,
    int64_t now_us, struct dedup_hit *hit)
{
	uint8_t	hash[16];

	key_hash(head_of(buf), endpoint, key, hash);
	return table_find_hash(buf, hash, now_us, hit);
}

/* The slot a new key takes: a free or expired one, else the one that
 * expires first (*evicted set). */
static struct dedup_slot *
slot_victim(const void *buf, const uint8_t hash[16], int64_t now_us,
    int *evicted)
{
	const struct dedup_head	*h = head_of(buf);
	struct dedup_slot	*set = set_of(buf, hash), *v = NULL;
	size_t			 i;

	*evicted = 0;
	/* An empty or expired slot, damaged or not, is free. */
	for (i = 0; i < DEDUP_WAYS; i++)
		if (set[i].expires_us <= now_us)
			return &set[i];
	/* Only when the set looks full are the slots checked: a damaged
	 * one is free too. */
	for (i = 0; i < DEDUP_WAYS; i++) {
		if (!slot_intact(h, &set[i]))
			return &set[i];
		if (v == NULL || set[i].expires_us < v->expires_us)
			v = &set[i];
	}
	*evicted = 1;
	return v;
}

static int
table_add_hash(void *buf, const uint8_t hash[16], const char *id,
    int64_t now_us, int64_t expires_us, unsigned segno, off_t end)
{
	struct dedup_slot	*s, n;
	int			 evicted;

	memset(&n, 0, sizeof(n));
	if (id_pack(id, n.id) == -1 || expires_us <= 0 || end < 0)
		return -1;
	if (slot_find(buf, hash, now_us) != NULL)
		return 0;
	s = slot_victim(buf, hash, now_us, &evicted);
	memcpy(n.hash, hash, sizeof(n.hash));
	n.expires_us = expires_us;
	n.end = (uint64_t)end;
	n.segno = segno;
	slot_seal(head_of(buf), &n);
	*s = n;
	return evicted;
}

int
dedup_table_add(void *buf, const char *endpoint, const char *key,
    const char *id, int64_t now_us, int64_t expires_us, unsigned segno,
    off_t end)
{
	uint8_t	hash[16];

	key_hash(head_of(buf), endpoint, key, hash);
	return table_add_hash(buf, hash, id, now_us, expires_us, segno, end);
}

void
dedup_table_covered(const void *buf, unsigned *segno, off_t *off)
{
	const struct dedup_head	*h = head_of(buf);

	*segno = h->covered_segno;
	*off = (off_t)(h->covered_off > (uint64_t)INT64_MAX ? 0 :
	    h->covered_off);
}

void
dedup_table_set_covered(void *buf, unsigned segno, off_t off)
{
	struct dedup_head	*h = head_of(buf);

	h->covered_segno = segno;
	h->covered_off = (uint64_t)off;
	head_seal(h);
}

/* The file. */

struct dedup *
dedup_open(const char *dir, size_t max_keys)
{
	struct dedup	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->fd = -1;
	d->nsets = dedup_table_sets(max_keys);
	d->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd == -1 || (d->dir = strdup(dir)) == NULL) {
		dedup_close(d);
		return NULL;
	}
	return d;
}

void
dedup_set_resident(struct dedup *d, int resident)
{
	d->resident = resident;
}

static void
dedup_unmap(struct dedup *d)
{
	if (d->map != NULL)
		(void)munmap(d->map, d->maplen);
	d->map = NULL;
	d->maplen = 0;
	d->backed = 0;
}

static void
dedup_drop(struct dedup *d)
{
	dedup_unmap(d);
	if (d->fd != -1)
		close(d->fd);
	d->fd = -1;
}

void
dedup_close(struct dedup *d)
{
	int	save = errno;

	if (d == NULL)
		return;
	dedup_drop(d);
	if (d->dirfd != -1)
		close(d->dirfd);
	free(d->dir);
	free(d);
	errno = save;
}

/*
 * Open the file the name leads to now (it may have been removed or
 * replaced, or cut shorter), at most once in DEDUP_RECHECK_US: in
 * between, the mapping of the file last seen serves.  A file gone or
 * replaced meanwhile only costs catch-up scans: whichever file a
 * writer uses, it indexes what the spool holds since that file's mark.
 */
static int
dedup_open_file(struct dedup *d, int64_t now_us)
{
	struct stat	st, cur;

	if (d->fd != -1 && d->checked_us != 0 && now_us >= d->checked_us &&
	    now_us - d->checked_us < DEDUP_RECHECK_US)
		return 0;

	for (;;) {
		if (d->fd == -1) {
			d->fd = openat(d->dirfd, DEDUP_FILE, O_RDWR | O_CREAT |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
			if (d->fd == -1)
				return -1;
		}
		if (fstat(d->fd, &st) == -1)
			return -1;
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			return -1;
		}
		/* Still the file of that name?  Removed or renamed over,
		 * it has no link left: the common case needs no lookup. */
		if (st.st_nlink == 1 && d->ino == st.st_ino)
			break;
		if (fstatat(d->dirfd, DEDUP_FILE, &cur, AT_SYMLINK_NOFOLLOW)
		    == 0 && cur.st_ino == st.st_ino && cur.st_dev == st.st_dev)
			break;
		dedup_drop(d);		/* removed or replaced: theirs now */
	}
	if (d->ino != st.st_ino || d->maplen != (size_t)st.st_size)
		dedup_unmap(d);
	d->ino = st.st_ino;
	d->checked_us = now_us;
	return 0;
}

/* pages_back(), with ENOSPC for a page that would have been SIGBUS
 * (most likely for want of space). */
static int
back(const void *p, size_t len)
{
	if (pages_back(p, len) == 0)
		return 0;
	if (errno == EFAULT)
		errno = ENOSPC;
	return -1;
}

/*
 * Map the table, and back its header.  A resident index (a long-lived
 * process) has every page backed and mapped writable at once: a key
 * goes to a set anywhere in the table, so every page is soon written by
 * every process, and faulted in as used that is two page faults per
 * page and process, paid by requests (on some virtual machines, as much
 * as the rest of the request).  Otherwise (one request, as CGI) only
 * the sets written are backed, as they are (back_set).
 */
static int
table_map(struct dedup *d, size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	if (p == MAP_FAILED)
		return -1;
	d->map = p;
	d->maplen = len;
	d->backed = d->resident && back(p, len) == 0;
	if (d->backed || back(p, sizeof(struct dedup_head)) == 0)
		return 0;
	dedup_unmap(d);
	return -1;
}

/* Back the set of hash before it is written: 0, or -1 with errno. */
static int
back_set(const struct dedup *d, const uint8_t hash[16])
{
	if (d->backed)
		return 0;
	return back(set_of(d->map, hash), DEDUP_WAYS *
	    sizeof(struct dedup_slot));
}

/* Make the file an empty table of the size we want, with a new salt. */
static int
dedup_reset(struct dedup *d)
{
	uint8_t	salt[16];
	size_t	len = dedup_table_size(d->nsets);
	int	punched;

	dedup_unmap(d);
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt) ||
	    fchmod(d->fd, 0600) == -1 || ftruncate(d->fd, (off_t)len) == -1)
		return -1;
	/* Zeros, keeping the size: a process that still maps the file
	 * (another dedup_max_keys, or a look-up's header read before the
	 * lock) reads a header that is not its own rather than past the
	 * end, even if we die here.  Where holes cannot be punched, the
	 * zeros are written. */
	punched = fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    0, (off_t)len) == 0;
	if (!punched && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	if (table_map(d, len) == -1 || (!punched && !d->backed &&
	    back(d->map, len) == -1))
		return -1;
	if (!punched)
		memset(d->map, 0, len);
	dedup_table_init(d->map, d->nsets, salt);
	d->rebuilt++;
	return 0;
}

static int
dedup_map(struct dedup *d)
{
	struct stat	st;

	if (d->map == NULL) {
		if (fstat(d->fd, &st) == -1)
			return -1;
		if (st.st_size != (off_t)dedup_table_size(d->nsets))
			return dedup_reset(d);
		if (table_map(d, (size_t)st.st_size) == -1)
			return -1;
	}
	if (!dedup_table_valid(d->map, d->maplen, d->nsets))
		return dedup_reset(d);
	return 0;
}

/* The catch-up scan: every event record with a key, from a position. */
struct catchup {
	struct dedup	*d;
	unsigned	 segno;
	int64_t		 now_us;
	dedup_window_fn	 window;
	void		*arg;
};

static int
catchup_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct catchup	*c = arg;
	json_t		*rec;
	const char	*key, *id, *ep, *at;
	int64_t		 us, w;
	uint8_t		 hash[16];
	int		 r = 0;

	rec = record_decode(line, len, NULL, 0);
	if (rec == NULL)
		return 0;
	key = json_string_value(json_object_get(rec, "dedup_key"));
	id = json_string_value(json_object_get(rec, "id"));
	ep = json_string_value(json_object_get(rec, "endpoint"));
	at = json_string_value(json_object_get(rec, "received_at"));
	if (key != NULL && ep != NULL && at != NULL &&
	    strcmp(json_string_value(json_object_get(rec, "type")),
	    "event") == 0 &&
	    record_time_parse(at, strlen(at), &us) == 0 &&
	    (w = c->window(ep, c->arg)) > 0 && us + w > c->now_us) {
		key_hash(head_of(c->d->map), ep, key, hash);
		if ((r = back_set(c->d, hash)) == 0 &&
		    table_add_hash(c->d->map, hash, id, us, us + w, c->segno,
		    pos->offset + (off_t)len + 1) == 1)
			c->d->forgotten++;
	}
	json_decref(rec);
	return r;
}

static off_t
seg_size(int dirfd, unsigned no)
{
	struct stat	st;
	char		name[32];

	spool_segment_name(no, name, sizeof(name));
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return st.st_size;
}

/* 1 if segment no was last written before since_us (holds no key of
 * the window). */
static int
seg_old(int dirfd, unsigned no, int64_t since_us)
{
	struct stat	st;
	char		name[32];

	spool_segment_name(no, name, sizeof(name));
	if (fstatat(dirfd, name, &st, 0) == -1)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000 +
	    st.st_mtim.tv_nsec / 1000 < since_us;
}

/* The spool ends at (segno, size); the caller holds its append lock. */
static int
dedup_catchup(struct dedup *d, unsigned segno, off_t size, int64_t now_us,
    dedup_window_fn window, void *arg, int64_t max_window_us)
{
	struct catchup	 c = { d, 0, now_us, window, arg };
	unsigned	*segs = NULL, cseg;
	size_t		 n = 0, i;
	off_t		 coff, from;
	int		 rc = -1;

	dedup_table_covered(d->map, &cseg, &coff);
	/* The common case, each time: nothing appended since the index
	 * was last brought up to date.  No system call. */
	if (cseg != 0 && cseg == segno && coff == size)
		return 0;
	if (spool_segments(d->dir, &segs, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (segs[i] < cseg)
			continue;
		if (cseg == 0 && segs[i] != segno && seg_old(d->dirfd,
		    segs[i], now_us - max_window_us))
			continue;
		from = segs[i] == cseg ? coff : 0;
		/* Shorter than the mark: not the file it was. */
		if (from > (segs[i] == segno ? size : seg_size(d->dirfd,
		    segs[i])))
			from = 0;
		c.segno = segs[i];
		if (spool_scan_segment(d->dir, segs[i], from, segs[i] == segno ?
		    SPOOL_LOCKED : 0, "\"dedup_key\":\"", catchup_line, NULL,
		    &c) == -1)
			goto out;
	}
	/* Rescanning is harmless (an entry is made once), but need not
	 * start from the beginning again. */
	if (n > 0 && segs[n - 1] == segno)
		dedup_table_set_covered(d->map, segno, size);
	else if (n > 0 && segs[n - 1] != cseg)
		dedup_table_set_covered(d->map, segs[n - 1], 0);
	rc = 0;
out:
	free(segs);
	return rc;
}

/* The probe's hash under the salt of the table now: made anew, and
 * kept, when the salt is not the one it was made with. */
static const uint8_t *
probe_hash(const struct dedup *d, struct dedup_probe *p)
{
	const struct dedup_head	*h = head_of(d->map);

	if (!p->hashed || memcmp(p->salt, h->salt, sizeof(p->salt)) != 0) {
		memcpy(p->salt, h->salt, sizeof(p->salt));
		key_hash(h, p->endpoint, p->key, p->hash);
		p->hashed = 1;
	}
	return p->hash;
}

int
dedup_prepare(struct dedup *d, struct dedup_probe *p, const char *endpoint,
    const char *key, int64_t now_us)
{
	const struct dedup_slot	*set;
	size_t			 i;

	p->endpoint = endpoint;
	p->key = key;
	p->hashed = 0;
	if (dedup_open_file(d, now_us) == -1)
		return -1;
	/* Read without the lock: a reset meanwhile changes the salt, and
	 * the look-up then hashes anew.  The set is fetched, not read:
	 * a prefetch never faults, and the lines are in by the time the
	 * lock is. */
	if (d->map == NULL || !dedup_table_valid(d->map, d->maplen, d->nsets))
		return 0;
	set = set_of(d->map, probe_hash(d, p));
	for (i = 0; i < DEDUP_WAYS; i++)
		__builtin_prefetch(&set[i]);	/* a slot is a cache line */
	return 0;
}

int
dedup_sync(struct dedup *d, unsigned segno, off_t size, int64_t now_us,
    dedup_window_fn window, void *arg, int64_t max_window_us)
{
	if (dedup_open_file(d, now_us) == -1 || dedup_map(d) == -1 ||
	    dedup_catchup(d, segno, size, now_us, window, arg,
	    max_window_us) == -1)
		return -1;
	return 0;
}

int
dedup_find(struct dedup *d, struct dedup_probe *p, int64_t now_us,
    struct dedup_hit *hit)
{
	const uint8_t	*hash = probe_hash(d, p);

	/* The set dedup_add() writes, backed before the append. */
	if (back_set(d, hash) == -1)
		return -1;
	return table_find_hash(d->map, hash, now_us, hit);
}

int
dedup_add(struct dedup *d, struct dedup_probe *p, const char *id,
    int64_t now_us, int64_t expires_us, unsigned segno, off_t end)
{
	int	r;

	r = table_add_hash(d->map, probe_hash(d, p), id, now_us, expires_us,
	    segno, end);
	if (r == 1)
		d->forgotten++;
	dedup_table_set_covered(d->map, segno, end);
	return r == -1 ? -1 : 0;
}

void
dedup_stats(struct dedup *d, unsigned long *forgotten, unsigned long *rebuilt)
{
	*forgotten = d->forgotten;
	*rebuilt = d->rebuilt;
	d->forgotten = 0;
	d->rebuilt = 0;
}
