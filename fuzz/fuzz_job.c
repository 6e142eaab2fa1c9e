/*
 * libFuzzer target: a job message as the dispatcher reads it from its
 * socket.  What decodes must encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "dispatcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dispatch_job	*job;
	unsigned char		*again;
	size_t			 n;

	if ((job = dispatcher_job_decode(data, len, 8)) == NULL)
		return 0;
	if ((again = dispatcher_job_encode(job, &n)) == NULL)
		abort();
	/* Header names are normalised on the way in, so not bytewise. */
	if (n != len)
		abort();
	free(again);
	dispatch_job_free(job);
	return 0;
}
