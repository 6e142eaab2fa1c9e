/*
 * libFuzzer target: a message as the dispatcher reads it from its
 * responder.  What decodes must encode back to the very same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dispatcher_ref	*ref;
	unsigned char		 again[16384];
	size_t			 n;

	if ((ref = dispatcher_ref_decode(data, len, 8)) == NULL)
		return 0;
	n = dispatcher_ref_encode(ref, again, sizeof(again));
	if (n != len || memcmp(again, data, len) != 0)
		abort();
	free(ref);
	return 0;
}
