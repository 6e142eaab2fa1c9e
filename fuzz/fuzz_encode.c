/*
 * libFuzzer target: the record writer.  The input becomes an event's
 * header names and values, verification text and body (split at the
 * first bytes 0x01); record_event_encode() must produce one line that
 * jansson reads back as an object, with the body byte-for-byte and
 * every header present.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "header.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The next piece of *p up to a 0x01 byte, as a C string (cut at NUL). */
static char *
piece(const uint8_t **p, const uint8_t *end)
{
	const uint8_t	*q = memchr(*p, 0x01, (size_t)(end - *p));
	size_t		 n = q != NULL ? (size_t)(q - *p) : (size_t)(end - *p);
	char		*s = strndup((const char *)*p, n);

	*p += q != NULL ? n + 1 : n;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint8_t		*p = data, *end = data + len;
	struct header_list	 hl = { NULL, 0, 0 };
	struct event		 ev;
	char			*name = NULL, *value = NULL, *verif = NULL;
	char			*line = NULL, err[128];
	unsigned char		*body = NULL;
	size_t			 n, blen, i;
	json_t			*rec = NULL, *h;

	memset(&ev, 0, sizeof(ev));
	strcpy(ev.id, "019ad0b4-5c3e-7a61-9a0e-3c1f6f2d8b7e");
	ev.received_us = 1764400000000000LL;
	ev.endpoint = "fuzz";
	ev.path = "/fuzz";
	ev.method = "POST";
	for (i = 0; i < 3 && p < end; i++) {
		name = piece(&p, end);
		value = piece(&p, end);
		if (name == NULL || value == NULL || header_add(&hl, name,
		    value) == -1)
			abort();
		free(name);
		free(value);
	}
	verif = piece(&p, end);
	ev.verification = verif;
	ev.headers = &hl;
	ev.body = p;
	ev.body_len = (size_t)(end - p);
	line = record_event_encode(&ev, &n);
	if (line == NULL || n == 0 || line[n - 1] != '\n' ||
	    memchr(line, '\n', n - 1) != NULL)
		abort();
	rec = record_decode(line, n - 1, err, sizeof(err));
	if (rec == NULL)
		abort();
	if (record_event_body(rec, &body, &blen) == -1 || blen != ev.body_len ||
	    (blen > 0 && memcmp(body, ev.body, blen) != 0))
		abort();
	h = json_object_get(rec, "headers");
	for (i = 0; i < hl.n; i++)
		if (strspn(hl.v[i].name, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		    strlen(hl.v[i].name) && json_object_get(h, hl.v[i].name) ==
		    NULL)
			abort();	/* a plain name must be there as given */
	json_decref(rec);
	free(body);
	free(line);
	free(verif);
	header_list_free(&hl);
	return 0;
}
