/*
 * record: the spool record format, its one owner.  Every reader and
 * writer of spool records goes through here: an event or an attempt
 * encoded as one JSON line, a line decoded, an event record's body,
 * times and jobs read from records, and the scans that take only
 * records from the spool's lines.  The format is hookspool-spool(5).
 */
#ifndef HOOKSPOOL_RECORD_H
#define HOOKSPOOL_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "event.h"
#include "spool.h"

struct conf;

struct attempt_job;
struct header_list;

/*
 * Encode ev as one JSON object followed by '\n', with no other newline
 * in it.  Returns a malloc'd buffer and its length in *len, or NULL.
 */
char	*record_event_encode(const struct event *ev, size_t *len);

/* The same for an attempt record. */
char	*record_attempt_encode(const struct attempt *at, size_t *len);

/*
 * Parse one spool line (without its '\n').  Returns the object if it is
 * valid JSON with a string "type" and "id", else NULL with a reason in
 * err.
 */
json_t	*record_decode(const char *line, size_t len, char *err, size_t errlen);

/*
 * The raw body of a decoded event record: a malloc'd copy (decoding
 * base64 when "body_encoding" says so) and its length.  -1 on error.
 */
int	 record_event_body(const json_t *rec, unsigned char **body,
	    size_t *len);

/*
 * us as RFC 3339 "2026-11-29T05:31:35.123456Z" (RECORD_TIME_LEN bytes
 * and a NUL) into buf: its length, or -1 (a year past 9999, no room).
 */
#define RECORD_TIME_LEN	27
int	 record_time_format(int64_t us, char *buf, size_t len);
/*
 * Headers as a record holds them, a JSON object of names and (redacted)
 * values: malloc'd, NUL-terminated, its length in len.  NULL on ENOMEM.
 */
char	*record_headers_encode(const struct header_list *, size_t *len);
/* RFC 3339 "2026-11-29T05:31:35.123456Z" (fraction optional) to us. */
int	 record_time_parse(const char *s, size_t len, int64_t *us);

/*
 * A job for a decoded event record (its id, endpoint, path, method,
 * headers, body and payload), with no handlers yet.  NULL with errno on
 * error (EINVAL: the record does not make one).
 */
struct attempt_job	*record_job(const struct conf *, const json_t *rec);
/* The same; with RECORD_JOB_NO_PAYLOAD the body is not parsed (the job's
 * payload is NULL), for handlers that need none. */
#define RECORD_JOB_NO_PAYLOAD	0x01
struct attempt_job	*record_job_opt(const struct conf *, const json_t *rec,
			    int flags);

/*
 * spool_scan() and spool_scan_segment() (without a needle) that pass on
 * only the lines that are a JSON object, as record_decode() reads one,
 * and report the others to bad_fn as "not a JSON object".
 */
int	 record_scan(const char *dir, int flags, spool_line_fn, spool_bad_fn,
	    void *arg);
int	 record_scan_segment(const char *dir, unsigned no, off_t from,
	    int flags, spool_line_fn, spool_bad_fn, void *arg);

/*
 * Find the event record with this id, newest first: *line is a malloc'd
 * copy of it (without '\n').  Returns 1 if found, 0 if not, -1 on error.
 */
int	 record_find(const char *dir, const char *id, char **line,
	    size_t *len);

#endif
