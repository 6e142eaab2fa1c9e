/* libFuzzer target: a spool line read back by record_decode(). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	unsigned char	*body = NULL;
	size_t		 blen;
	char		 err[128];
	json_t		*rec;

	rec = record_decode((const char *)data, len, err, sizeof(err));
	if (rec != NULL) {
		if (record_event_body(rec, &body, &blen) == 0)
			free(body);
		json_decref(rec);
	}
	return 0;
}
