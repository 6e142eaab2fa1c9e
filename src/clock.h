/*
 * clock: microseconds, from the wall clock (for records and logs) or the
 * monotonic one (for durations and deadlines).
 */
#ifndef HOOKSPOOL_CLOCK_H
#define HOOKSPOOL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_us(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t
wall_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

static inline int64_t
mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

#endif
