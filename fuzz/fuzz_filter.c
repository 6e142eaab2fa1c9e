/*
 * libFuzzer target: handler filters and command lines.  The input is
 * split at NUL bytes into a spec, a command line and a body.  Spec lines
 * are "KEY=VALUE": @path, @method and @h.NAME set the event, any other
 * key goes to filter_add() (globs, methods, header and payload regexes).
 * The body is parsed once, as the dispatcher does, then the filter is
 * matched and the command parsed and expanded against the event.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "filter.h"
#include "header.h"

#define FUZZ_MAX_LINES	32

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Next NUL-terminated part of data as a malloc'd string. */
static char *
fuzz_part(const uint8_t **data, size_t *len)
{
	const uint8_t	*nul;
	size_t		 n;
	char		*s;

	nul = memchr(*data, '\0', *len);
	n = nul != NULL ? (size_t)(nul - *data) : *len;
	s = strndup((const char *)*data, n);
	*data += n;
	*len -= n;
	if (*len > 0) {
		(*data)++;
		(*len)--;
	}
	return s;
}

static void
fuzz_line(struct filter *f, struct filter_event *ev,
    struct header_list *hl, char *line)
{
	char	 err[256];
	char	*eq;

	eq = strchr(line, '=');
	if (eq == NULL)
		return;
	*eq = '\0';
	if (strcmp(line, "@path") == 0)
		ev->path = eq + 1;
	else if (strcmp(line, "@method") == 0)
		ev->method = eq + 1;
	else if (strncmp(line, "@h.", 3) == 0)
		(void)header_add(hl, line + 3, eq + 1);
	else if (filter_add(f, line, eq + 1, err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		abort();	/* every failure explains itself */
	if (strncmp(line, "payload.", 8) == 0)
		(void)filter_payload_get(ev->payload, line + 8);
}

static void
fuzz_command(const char *line, const struct filter_event *ev)
{
	struct command	 *cmd = NULL;
	char		**argv = NULL;
	char		  err[256];
	size_t		  i;

	err[0] = '\0';
	cmd = command_parse(line, err, sizeof(err));
	if (cmd == NULL) {
		if (err[0] == '\0')
			abort();
		return;
	}
	argv = command_expand(cmd, ev);
	if (argv != NULL) {
		for (i = 0; argv[i] != NULL; i++)
			;
		if (i != command_argc(cmd) || argv[0][0] == '\0' ||
		    strcmp(argv[0], command_program(cmd)) != 0)
			abort();
	}
	command_argv_free(argv);
	command_free(cmd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct header_list	 hl = { NULL, 0, 0 };
	struct filter_event	 ev;
	struct filter		*f = NULL;
	json_t			*payload = NULL;
	char			*spec = NULL, *line, *save = NULL, *cmd = NULL;
	int			 n = 0;

	spec = fuzz_part(&data, &len);
	cmd = fuzz_part(&data, &len);
	f = filter_new();
	if (spec == NULL || cmd == NULL || f == NULL)
		goto out;
	payload = filter_payload_parse(data, len);
	memset(&ev, 0, sizeof(ev));
	ev.path = "/hooks/fuzz";
	ev.method = "POST";
	ev.headers = &hl;
	ev.payload = payload;
	for (line = strtok_r(spec, "\n", &save); line != NULL &&
	    n < FUZZ_MAX_LINES; line = strtok_r(NULL, "\n", &save), n++)
		fuzz_line(f, &ev, &hl, line);
	(void)filter_match(f, &ev);
	fuzz_command(cmd, &ev);
out:
	filter_free(f);
	json_decref(payload);
	header_list_free(&hl);
	free(spec);
	free(cmd);
	return 0;
}
