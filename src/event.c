/*
 * event: event ids, UUIDv7 (RFC 9562): made, checked, read as a time.
 * The record an event is written as is record.c's.
 *
 * Promises:
 * - event_id_new() ids are strictly increasing within one process.
 * - event_id_valid() takes only the canonical lowercase form, so ids
 *   compare with strcmp() in the order they were made.
 * The only I/O is getrandom(2) (and one page mapped for its pool) in
 * event_id_new().
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <sys/mman.h>
#include <sys/random.h>

#include "event.h"

/*
 * UUIDv7 (RFC 9562 section 5.7): 48-bit big-endian unix ms, version 7,
 * 12 bits rand_a, variant 10, 62 bits rand_b.  rnd[0]'s low nibble and
 * rnd[1] are rand_a; rnd[2]'s low 6 bits and rnd[3..9] are rand_b.
 */
void
event_id_format(char out[EVENT_ID_LEN + 1], int64_t unix_ms,
    const unsigned char rnd[10])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 b[16];
	uint64_t		 ms = (uint64_t)unix_ms;
	size_t			 i, o = 0;

	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (8 * (5 - i)));
	b[6] = (unsigned char)(0x70 | (rnd[0] & 0x0f));
	b[7] = rnd[1];
	b[8] = (unsigned char)(0x80 | (rnd[2] & 0x3f));
	memcpy(b + 9, rnd + 3, 7);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

static int
getrandom_all(unsigned char *buf, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		r = getrandom(buf, n, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Random bytes come from a pool that one getrandom(2) fills for about
 * 400 ids, so that an id costs no system call.  The pool's page is
 * wiped in a forked child (MADV_WIPEONFORK), which then fills its own:
 * two processes never hand out the same bytes.  Where the kernel cannot
 * (before Linux 4.14), every id asks it.
 */
#define POOL_PAGE	4096

struct pool {
	size_t		left;		/* unused, at the end of b */
	unsigned char	b[POOL_PAGE - sizeof(size_t)];
};

static struct pool	*pool;
static int		 pool_none;

static int
random_bytes(unsigned char *buf, size_t n)
{
	void	*p;

	if (pool == NULL && !pool_none) {
		p = mmap(NULL, POOL_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED &&
		    madvise(p, POOL_PAGE, MADV_WIPEONFORK) == 0)
			pool = p;
		else {
			if (p != MAP_FAILED)
				(void)munmap(p, POOL_PAGE);
			pool_none = 1;
		}
	}
	if (pool == NULL || n > sizeof(pool->b))
		return getrandom_all(buf, n);
	if (pool->left < n) {
		if (getrandom_all(pool->b, sizeof(pool->b)) == -1)
			return -1;
		pool->left = sizeof(pool->b);
	}
	memcpy(buf, pool->b + sizeof(pool->b) - pool->left, n);
	pool->left -= n;
	return 0;
}

/*
 * Monotonic ids: RFC 9562 section 6.2, method 1 (fixed bit-length
 * dedicated counter).  The counter is 42 bits: rand_a (12) and the top
 * 30 bits of rand_b; the low 32 bits of rand_b are fresh random bytes
 * in every id.  On a new millisecond the counter is seeded at random
 * with its top bit clear (a guard: at least 2^41 ids fit in one ms);
 * when the ms is not past the last one (same ms, or the clock stepped
 * back) the last ms is kept and the counter is incremented by one.  If
 * it ever overflowed, the ms is moved one ahead and the counter
 * reseeded.  State is per process and not thread-safe.
 */
#define ID_CTR_BITS	42
#define ID_CTR_MAX	((UINT64_C(1) << ID_CTR_BITS) - 1)
#define ID_MS_MAX	((INT64_C(1) << 48) - 1)

static int64_t	id_last_ms = -1;
static uint64_t	id_last_ctr;

static uint64_t
id_counter_seed(const unsigned char rnd[10])
{
	uint64_t	c = 0;
	size_t		i;

	for (i = 0; i < 6; i++)
		c = c << 8 | rnd[i];
	return c & (ID_CTR_MAX >> 1);
}

static void
id_counter_store(unsigned char rnd[10], uint64_t ctr)
{
	rnd[0] = (unsigned char)(ctr >> 38 & 0x0f);
	rnd[1] = (unsigned char)(ctr >> 30);
	rnd[2] = (unsigned char)(ctr >> 24 & 0x3f);
	rnd[3] = (unsigned char)(ctr >> 16);
	rnd[4] = (unsigned char)(ctr >> 8);
	rnd[5] = (unsigned char)ctr;
}

int
event_id_new(char out[EVENT_ID_LEN + 1], int64_t now_us)
{
	unsigned char	rnd[10];
	int64_t		ms;
	uint64_t	ctr;

	if (random_bytes(rnd, sizeof(rnd)) == -1)
		return -1;
	ms = now_us < 0 ? 0 : now_us / 1000;
	if (ms > ID_MS_MAX)
		ms = ID_MS_MAX;
	if (ms > id_last_ms) {
		ctr = id_counter_seed(rnd);
	} else {
		ms = id_last_ms;
		ctr = id_last_ctr + 1;
		if (ctr > ID_CTR_MAX) {
			ms++;
			ctr = id_counter_seed(rnd);
		}
	}
	id_last_ms = ms;
	id_last_ctr = ctr;
	id_counter_store(rnd, ctr);
	event_id_format(out, ms, rnd);
	return 0;
}

/*
 * The canonical form only: 8-4-4-4-12 lowercase hex digits, as
 * event_id_format writes them, so that ids compare with strcmp.
 */
int
event_id_valid(const char *s)
{
	static const unsigned char	hex[256] = {
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
		['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
		['f'] = 1
	};
	const unsigned char	*u = (const unsigned char *)s;
	unsigned		 ok = 1;
	size_t			 i;

	if (s == NULL)
		return 0;
	/* Without a branch per character: readers check an id per line
	 * (a NUL fails the table, so nothing is read past it). */
	for (i = 0; i < EVENT_ID_LEN && ok; i++)
		ok &= (i == 8 || i == 13 || i == 18 || i == 23) ?
		    u[i] == '-' : hex[u[i]];
	return ok && s[EVENT_ID_LEN] == '\0';
}

/* The first 48 bits of a UUIDv7 are unix milliseconds. */
int64_t
event_id_time(const char *id)
{
	int64_t	ms = 0;
	int	i;

	for (i = 0; i < 13; i++) {
		if (id[i] == '-')
			continue;
		ms = ms << 4 | (isdigit((unsigned char)id[i]) ? id[i] - '0' :
		    id[i] - 'a' + 10);
	}
	return ms * 1000;
}
