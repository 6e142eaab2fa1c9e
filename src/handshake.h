/*
 * handshake: the verification requests providers send to a webhook URL
 * before they deliver events to it (Slack's url_verification, Zoom's
 * endpoint.url_validation, Twitch's webhook_callback_verification,
 * Meta's hub.challenge, Microsoft Graph's validationToken, Azure Event
 * Grid's SubscriptionValidationEvent, Dropbox's challenge, X's CRC),
 * answered from the request alone.  A pure function of (the endpoint's
 * handshake and signature configuration, method, URL, headers, body,
 * now): no I/O, no log.
 * Promises: an answer never holds a byte of a challenge outside
 * HANDSHAKE_CHALLENGE_CHARS or longer than HANDSHAKE_MAX_CHALLENGE (such
 * a request is refused with 400), so the endpoint cannot reflect
 * markup; a signed provider's request (slack, zoom, twitch) is answered
 * only once its signature verifies; the verify token is compared in
 * constant time; no reason string holds a token or a challenge.
 */
#ifndef HOOKSPOOL_HANDSHAKE_H
#define HOOKSPOOL_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "verify.h"

struct header_list;

/* handshake = ... of an endpoint */
enum handshake_kind {
	HANDSHAKE_NONE = 0,
	HANDSHAKE_SLACK,
	HANDSHAKE_ZOOM,
	HANDSHAKE_TWITCH,
	HANDSHAKE_META,
	HANDSHAKE_MSGRAPH,
	HANDSHAKE_EVENTGRID,
	HANDSHAKE_DROPBOX,
	HANDSHAKE_XCRC
};

/* The longest challenge echoed, and the bytes it may hold. */
#define HANDSHAKE_MAX_CHALLENGE		256
#define HANDSHAKE_CHALLENGE_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"abcdefghijklmnopqrstuvwxyz0123456789-._~+/=: "
/* Room for the longest answer (Zoom's: the challenge and 64 hex). */
#define HANDSHAKE_BODY_MAX		(HANDSHAKE_MAX_CHALLENGE + 128)

struct handshake_conf {
	int		kind;		/* enum handshake_kind */
	/* handshake_token (Meta's hub.verify_token); data NULL if unset */
	struct secret	token;
};

struct handshake_request {
	const char			*method;
	const char			*url;	/* path and query, as sent */
	const struct header_list	*headers;
	const unsigned char		*body;
	size_t				 body_len;
	time_t				 now;	/* for the signature check */
};

#define HANDSHAKE_HEADER_MAX	320	/* one header line of a 200 */

struct handshake_reply {
	int		 status;	/* 200, or 400, 401, 403, 500 */
	const char	*content_type;	/* of a 200 */
	char		 body[HANDSHAKE_BODY_MAX]; /* of a 200 */
	size_t		 body_len;
	const char	*error;		/* of a refusal, for its JSON */
	const char	*verify;	/* verify_status_name(), or "-" */
	char		 reason[96];	/* of a refusal, for the log */
	char		 header[HANDSHAKE_HEADER_MAX]; /* "Name: value" or "" */
};

/*
 * 0 if the request is no handshake of hc's kind (it is an event, or
 * the endpoint answers none), else 1 with the answer in reply: the
 * provider's answer (status 200) or a refusal.
 */
int		 handshake_answer(const struct handshake_conf *hc,
		    const struct verify_conf *vc,
		    const struct handshake_request *req,
		    struct handshake_reply *reply);
/*
 * Whether a request with this method may be a handshake of hc's kind
 * even when the endpoint's methods do not allow it: GET for meta,
 * dropbox and x-crc, OPTIONS for eventgrid.
 */
bool		 handshake_takes(const struct handshake_conf *hc,
		    const char *method);
/* "slack", as in hookspool.ini; "none" for HANDSHAKE_NONE. */
const char	*handshake_name(int kind);
/* Whether kind answers with an HMAC under the endpoint's secret. */
bool		 handshake_needs_secret(int kind);

#endif
