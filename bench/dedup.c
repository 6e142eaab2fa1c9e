/*
 * bench/dedup: the deduplication index alone, in memory, at scale: N
 * keys (1,000,000 by default) entered into a table sized for them, as
 * dedup_max_keys = N sizes it, then every key looked up again in a
 * random order, and as many keys never entered.  Prints the table's
 * size, the keys it still holds (a full set forgets its oldest), and
 * nanoseconds per insert and per lookup (mean, and the 99th and 99.9th
 * percentiles of lookups timed one by one).  One core, no I/O: the file
 * the receivers share is this table mapped; its lock and catch-up scan
 * are in the dedup row of bench/run.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dedup.h"
#include "event.h"

#define NOW	INT64_C(1764394295000000)
#define WINDOW	(INT64_C(72) * 3600 * 1000000)

static int64_t
ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
key_of(char *k, size_t len, unsigned long i)
{
	/* GitHub's X-GitHub-Delivery: a UUID. */
	snprintf(k, len, "%08lx-4e2a-11f0-8a3b-%012lx", i * 2654435761UL &
	    0xffffffffUL, i);
}

int
main(int argc, char **argv)
{
	unsigned long		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	uint8_t			 salt[16] = { 7, 1, 2, 3 };
	struct dedup_hit	 hit;
	unsigned char		 rnd[10] = { 0 };
	char			 key[64], id[EVENT_ID_LEN + 1];
	unsigned long		 i, j, *order, held = 0, forgot = 0, wrong = 0;
	int64_t			 t0, t1, *lat;
	uint32_t		 nsets;
	size_t			 size;
	void			*buf;

	if (n < 16 || n > 100000000UL)
		return 2;
	nsets = dedup_table_sets(n);
	size = dedup_table_size(nsets);
	order = calloc(n, sizeof(*order));
	lat = calloc(n, sizeof(*lat));
	if ((buf = calloc(1, size)) == NULL || order == NULL || lat == NULL)
		return 1;
	dedup_table_init(buf, nsets, salt);
	t0 = ns();
	for (i = 0; i < n; i++) {
		key_of(key, sizeof(key), i);
		memcpy(rnd, &i, sizeof(i));
		event_id_format(id, NOW / 1000 + (int64_t)i, rnd);
		if (dedup_table_add(buf, "github", key, id, NOW + (int64_t)i,
		    NOW + (int64_t)i + WINDOW, 1, (off_t)i) == 1)
			forgot++;
	}
	t1 = ns();
	printf("dedup index: %lu keys into %" PRIu32 " sets x %d ways, "
	    "%.1f MiB\n", n, nsets, DEDUP_WAYS, size / 1048576.0);
	printf("  insert:       %7.0f ns per key (%lu keys forgotten: sets "
	    "full)\n", (double)(t1 - t0) / n, forgot);
	for (i = 0; i < n; i++)
		order[i] = i;
	srand(1);
	for (i = n - 1; i > 0; i--) {
		j = ((unsigned long)rand() << 16 ^ (unsigned long)rand()) %
		    (i + 1);
		t0 = (int64_t)order[i];
		order[i] = order[j];
		order[j] = (unsigned long)t0;
	}
	/* Every key entered, in a random order, each timed. */
	for (i = 0; i < n; i++) {
		key_of(key, sizeof(key), order[i]);
		t0 = ns();
		if (dedup_table_find(buf, "github", key, NOW + (int64_t)n,
		    &hit) == 1) {
			held++;
			if (hit.end != (off_t)order[i])
				wrong++;
		}
		lat[i] = ns() - t0;
	}
	qsort(lat, n, sizeof(*lat), cmp64);
	t1 = 0;
	for (i = 0; i < n; i++)
		t1 += lat[i];
	printf("  lookup (hit): %7.0f ns mean, p99 %" PRId64 " ns, p99.9 %"
	    PRId64 " ns, max %" PRId64 " ns; %lu of %lu held, %lu wrong\n",
	    (double)t1 / n, lat[n * 99 / 100], lat[n * 999 / 1000],
	    lat[n - 1], held, n, wrong);
	/* As many keys never entered. */
	held = 0;
	t0 = ns();
	for (i = 0; i < n; i++) {
		key_of(key, sizeof(key), n + order[i]);
		held += (unsigned long)dedup_table_find(buf, "github", key,
		    NOW + (int64_t)n, &hit);
	}
	t1 = ns();
	printf("  lookup (miss): %6.0f ns mean; %lu false hits\n",
	    (double)(t1 - t0) / n, held);
	free(buf);
	free(order);
	free(lat);
	return wrong != 0 || held != 0;
}
