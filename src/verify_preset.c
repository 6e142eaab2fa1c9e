/*
 * verify_preset: providers whose HMAC rule signature_type hmac can
 * write, by name.  A preset is a fixed set of the declarative keys
 * (signed_content, signature_pattern, signature_encoding,
 * signature_algorithm, timestamp_header, timestamp_pattern); the
 * scheme's default_header is its signature_header.  The configuration
 * gives a secret, and may change timestamp_tolerance; the rest is
 * filled in here, at load, and checked by verify_hmac.c as any rule.
 * hookspool.ini(5) prints each preset in its declarative form.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "verify.h"

struct verify_preset {
	const char	*name;		/* as in signature_type */
	const char	*signed_content;
	const char	*signature_pattern;	/* NULL: the whole value */
	int		 encoding;		/* verify_encoding */
	int		 algorithm;		/* verify_algorithm */
	const char	*timestamp_header;	/* NULL: none */
	const char	*timestamp_pattern;	/* NULL: the whole value */
};

static const struct verify_preset presets[] = {
	{ "zoom", "v0:${timestamp}:${body}", "^v0=(?<sig>[0-9a-fA-F]+)$",
	    VERIFY_HEX, VERIFY_SHA256, "x-zm-request-timestamp", NULL },
	{ "twitch", "${header.twitch-eventsub-message-id}${timestamp}${body}",
	    "^sha256=(?<sig>[0-9a-fA-F]+)$", VERIFY_HEX, VERIFY_SHA256,
	    "twitch-eventsub-message-timestamp", NULL },
	{ "paddle", "${timestamp}:${body}", "(?:^|;)h1=(?<sig>[0-9a-fA-F]+)",
	    VERIFY_HEX, VERIFY_SHA256, "paddle-signature",
	    "(?:^|;)ts=(?<ts>[0-9]+)" },
	{ "linear", "${body}", NULL, VERIFY_HEX, VERIFY_SHA256, NULL, NULL },
	{ "pagerduty", "${body}", "(?:^|,)\\s*v1=(?<sig>[0-9a-fA-F]+)",
	    VERIFY_HEX, VERIFY_SHA256, NULL, NULL },
	{ "sentry", "${body}", NULL, VERIFY_HEX, VERIFY_SHA256, NULL, NULL },
	{ "typeform", "${body}", "^sha256=(?<sig>[A-Za-z0-9+/]+=*)$",
	    VERIFY_BASE64, VERIFY_SHA256, NULL, NULL },
	/* HubSpot v3: the timestamp is in milliseconds. */
	{ "hubspot", "${method}${full_url}${body}${timestamp}", NULL,
	    VERIFY_BASE64, VERIFY_SHA256, "x-hubspot-request-timestamp", NULL },
	{ "square", "${full_url}${body}", NULL, VERIFY_BASE64, VERIFY_SHA256,
	    NULL, NULL },
	/* Twilio: form bodies (a JSON body's bodySHA256 is not checked). */
	{ "twilio", "${full_url}${form}", NULL, VERIFY_BASE64, VERIFY_SHA1,
	    NULL, NULL },
};

static const struct verify_preset *
preset_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

/* One pattern of the preset, or NULL for none; -1 if it fails. */
static int
preset_pattern(const char *re, const char *group,
    struct verify_pattern **out, char *err, size_t errlen)
{
	*out = NULL;
	if (re == NULL)
		return 0;
	*out = verify_pattern_compile(re, group, err, errlen);
	return *out == NULL ? -1 : 0;
}

int
verify_preset_apply(struct verify_conf *vc, char *err, size_t errlen)
{
	const struct verify_preset	*pr;

	pr = vc->scheme == NULL ? NULL : preset_find(vc->scheme->name);
	if (pr == NULL) {
		snprintf(err, errlen, "no such preset");
		return -1;
	}
	vc->signature_encoding = pr->encoding;
	vc->signature_algorithm = pr->algorithm;
	vc->signed_content = verify_template_parse(pr->signed_content, err,
	    errlen);
	if (vc->signed_content == NULL)
		return -1;
	if (preset_pattern(pr->signature_pattern, "sig",
	    &vc->signature_pattern, err, errlen) == -1 ||
	    preset_pattern(pr->timestamp_pattern, "ts",
	    &vc->timestamp_pattern, err, errlen) == -1)
		return -1;
	if (pr->timestamp_header != NULL) {
		vc->timestamp_header = strdup(pr->timestamp_header);
		if (vc->timestamp_header == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}
