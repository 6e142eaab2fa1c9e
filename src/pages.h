/*
 * pages: back the pages of a shared file mapping before they are
 * written.  A page of a sparse file that the filesystem cannot back
 * (it is full) is SIGBUS at the first write to it; MADV_POPULATE_WRITE
 * allocates it instead, or fails.
 */
#ifndef HOOKSPOOL_PAGES_H
#define HOOKSPOOL_PAGES_H

#include <sys/mman.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/*
 * Back the pages holding [p, p + len): 0, or -1 with errno (EFAULT: a
 * page would have been SIGBUS; ENOMEM...).  A kernel without
 * MADV_POPULATE_WRITE (before Linux 5.14, EINVAL) is trusted: the
 * pages come in as they are used.
 */
static inline int
pages_back(const void *p, size_t len)
{
	uintptr_t	pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t	a = (uintptr_t)p & ~(pg - 1);

	if (madvise((void *)a, (uintptr_t)p + len - a,
	    MADV_POPULATE_WRITE) == 0 || errno == EINVAL)
		return 0;
	return -1;
}

#endif
