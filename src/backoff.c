/*
 * backoff: exponential delays between retries of a failed handler, the
 * doubling from retry_delay_seconds (1 s, 2 s, 4 s with the defaults), with a
 * cap and a limit.  The delay is counted from the end of the failed
 * attempt, so a slow handler does not eat its own pause.
 */
#include "config.h"

#include <math.h>

#include "backoff.h"

double
backoff_delay(const struct backoff_policy *p, int retry)
{
	double	d;

	if (retry < 1)
		retry = 1;
	d = p->delay * pow(p->multiplier, retry - 1);
	/* pow() may overflow to inf for large retry numbers: the cap holds. */
	if (!(d <= p->max_delay))
		d = p->max_delay;
	return d;
}

int
backoff_next(const struct backoff_policy *p, int attempt, int64_t ended_us,
    int64_t *next_us)
{
	if (attempt < 1 || attempt > p->max_retries)
		return 0;
	*next_us = ended_us + (int64_t)llround(backoff_delay(p, attempt) * 1e6);
	return 1;
}
