/*
 * backoff: when a failed handler attempt runs again.  Pure: a function
 * of the policy, the attempt number and the time the attempt ended.
 * Retry n (n >= 1) waits delay x multiplier^(n-1), capped at max_delay;
 * after max_retries retries the attempt is dead.
 */
#ifndef HOOKSPOOL_BACKOFF_H
#define HOOKSPOOL_BACKOFF_H

#include <stdint.h>

struct backoff_policy {
	int	max_retries;	/* retries after the first attempt */
	double	delay;		/* seconds before retry 1 */
	double	multiplier;
	double	max_delay;	/* cap on any one delay, seconds */
};

/* Seconds to wait before retry n (n >= 1). */
double	backoff_delay(const struct backoff_policy *, int retry);
/*
 * Attempt number `attempt` (1 = the first run) failed at ended_us.
 * Returns 1 with the time the next attempt is due in *next_us, or 0 when
 * there is none (the handler is dead for this event).
 */
int	backoff_next(const struct backoff_policy *, int attempt,
	    int64_t ended_us, int64_t *next_us);

#endif
