/*
 * command: handler command lines.  command_parse() splits the
 * line into words once, at load time, each word a list of parts: literal
 * bytes or a ${payload.PATH} / ${header.NAME} placeholder.
 * command_expand() then only concatenates, per event.
 * Promises: a value from the event becomes part of exactly one argv
 * element, byte for byte, whatever it contains (spaces, quotes, $(...),
 * ;, newlines); nothing is ever handed to a shell; the program name never
 * comes from the event; anything a user could have meant for a shell is
 * refused at load time rather than passed on literally by surprise.
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "command.h"
#include "filter.h"
#include "header.h"

/* Unquoted, these would be shell syntax. */
#define COMMAND_SHELL_CHARS	";|&<>()`"

enum part_kind {
	PART_TEXT,		/* s: literal bytes (len of them) */
	PART_PAYLOAD,		/* s: payload path */
	PART_HEADER,		/* s: header name, normalised */
	PART_QUERY		/* s: query field name */
};

struct command_part {
	enum part_kind	 kind;
	char		*s;		/* NUL-terminated */
	size_t		 len;
};

struct command_word {
	struct command_part	*parts;	/* none: the empty string */
	size_t			 n;
};

struct command {
	struct command_word	*words;
	size_t			 n;
};

/* A growing byte string, always NUL-terminated once anything is in it. */
struct command_buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

struct command_parser {
	const char		*line;
	size_t			 pos;
	char			*err;
	size_t			 errlen;
	struct command		*cmd;
	struct command_word	 word;		/* being read */
	struct command_buf	 lit;		/* its pending literal */
	bool			 inword;
	bool			 alternatives;	/* a key: no program */
};

static void	command_error(struct command_parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
command_error(struct command_parser *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->err == NULL || p->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

static int
command_buf_add(struct command_buf *b, const char *s, size_t n)
{
	char	*v = NULL;
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		v = realloc(b->s, cap);
		if (v == NULL)
			return -1;
		b->s = v;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static void
command_word_clear(struct command_word *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		free(w->parts[i].s);
	free(w->parts);
	w->parts = NULL;
	w->n = 0;
}

void
command_free(struct command *cmd)
{
	size_t	i;

	if (cmd == NULL)
		return;
	for (i = 0; i < cmd->n; i++)
		command_word_clear(&cmd->words[i]);
	free(cmd->words);
	free(cmd);
}

/* Append a part owning s to the word being read; frees s on error. */
static int
command_part_add(struct command_parser *p, enum part_kind kind, char *s,
    size_t len)
{
	struct command_part	*v = NULL;

	v = reallocarray(p->word.parts, p->word.n + 1, sizeof(*v));
	if (v == NULL) {
		free(s);
		command_error(p, "out of memory");
		return -1;
	}
	p->word.parts = v;
	v[p->word.n].kind = kind;
	v[p->word.n].s = s;
	v[p->word.n].len = len;
	p->word.n++;
	return 0;
}

/* Turn the pending literal into a part of its own. */
static int
command_flush(struct command_parser *p)
{
	char	*s = NULL;
	size_t	 len;

	if (p->lit.len == 0)
		return 0;
	s = p->lit.s;
	len = p->lit.len;
	memset(&p->lit, 0, sizeof(p->lit));
	return command_part_add(p, PART_TEXT, s, len);
}

static int
command_word_end(struct command_parser *p)
{
	struct command_word	*v = NULL;

	if (!p->inword)
		return 0;
	if (command_flush(p) == -1)
		return -1;
	v = reallocarray(p->cmd->words, p->cmd->n + 1, sizeof(*v));
	if (v == NULL) {
		command_error(p, "out of memory");
		return -1;
	}
	p->cmd->words = v;
	v[p->cmd->n++] = p->word;
	memset(&p->word, 0, sizeof(p->word));
	p->inword = false;
	return 0;
}

static int
command_literal(struct command_parser *p, const char *s, size_t n)
{
	if (command_buf_add(&p->lit, s, n) == -1) {
		command_error(p, "out of memory");
		return -1;
	}
	return 0;
}

/* The inside of ${...} (n bytes at s, the '$' at offset at): its kind
 * and a copy of its path or name in *out. */
static int
command_placeholder_name(struct command_parser *p, size_t at,
    const char *s, size_t n, enum part_kind *kind, char **out)
{
	char	 msg[128];
	size_t	 skip;
	int	 rc = -1;

	*out = NULL;
	if (n >= 8 && strncmp(s, "payload.", 8) == 0) {
		*kind = PART_PAYLOAD;
		skip = 8;
	} else if (n >= 7 && strncmp(s, "header.", 7) == 0) {
		*kind = PART_HEADER;
		skip = 7;
	} else if (n >= 7 && strncmp(s, "query.", 6) == 0) {
		*kind = PART_QUERY;
		skip = 6;
	} else {
		command_error(p, "unknown placeholder \"${%.*s}\" at offset "
		    "%zu: use ${payload.PATH}, ${header.NAME} or "
		    "${query.NAME}", (int)n, s, at);
		goto out;
	}
	*out = strndup(s + skip, n - skip);
	if (*out == NULL) {
		command_error(p, "out of memory");
		goto out;
	}
	if (*kind == PART_PAYLOAD)
		rc = filter_payload_path_check(*out, msg, sizeof(msg));
	else if (*kind == PART_QUERY)
		rc = 0;
	else
		rc = filter_header_name_check(*out, msg, sizeof(msg));
	if (rc == -1) {
		command_error(p, "\"${%.*s}\" at offset %zu: %s", (int)n, s,
		    at, msg);
		goto out;
	}
	if (*kind == PART_HEADER)
		header_name_normalise(*out);
out:
	if (rc == -1) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* ${payload.PATH} or ${header.NAME} at p->pos (on the '$'); leaves
 * p->pos after the '}'. */
static int
command_placeholder(struct command_parser *p)
{
	const char	*s = p->line + p->pos, *end;
	enum part_kind	 kind = PART_TEXT;
	char		*name = NULL;
	size_t		 at = p->pos;

	if (s[1] != '{') {
		command_error(p, "'$' at offset %zu: only ${payload.PATH}, "
		    "${header.NAME} and ${query.NAME} are expanded; write \\$ "
		    "for a dollar", at);
		return -1;
	}
	end = strchr(s + 2, '}');
	if (end == NULL) {
		command_error(p, "unterminated \"${\" at offset %zu", at);
		return -1;
	}
	if (command_placeholder_name(p, at, s + 2, (size_t)(end - s - 2),
	    &kind, &name) == -1)
		return -1;
	if (p->cmd->n == 0 && !p->alternatives) {
		free(name);
		command_error(p, "placeholder at offset %zu in the program "
		    "name: an event may not choose the program", at);
		return -1;
	}
	p->pos = (size_t)(end - p->line) + 1;
	if (command_flush(p) == -1) {
		free(name);
		return -1;
	}
	return command_part_add(p, kind, name, strlen(name));
}

static int
command_single(struct command_parser *p)
{
	const char	*s = p->line + p->pos + 1, *end;

	end = strchr(s, '\'');
	if (end == NULL) {
		command_error(p, "unterminated \"'\" at offset %zu", p->pos);
		return -1;
	}
	p->pos = (size_t)(end - p->line) + 1;
	return command_literal(p, s, (size_t)(end - s));
}

static int
command_double(struct command_parser *p)
{
	size_t	open = p->pos;
	char	c;

	p->pos++;
	for (;;) {
		c = p->line[p->pos];
		if (c == '\0') {
			command_error(p, "unterminated '\"' at offset %zu",
			    open);
			return -1;
		}
		if (c == '"')
			break;
		if (c == '$') {
			if (command_placeholder(p) == -1)
				return -1;
			continue;
		}
		if (c == '`') {
			command_error(p, "'`' at offset %zu: commands run "
			    "without a shell; write \\` for a backquote",
			    p->pos);
			return -1;
		}
		if (c == '\\' && p->line[p->pos + 1] != '\0' &&
		    strchr("\"\\$`", p->line[p->pos + 1]) != NULL)
			p->pos++;
		if (command_literal(p, p->line + p->pos, 1) == -1)
			return -1;
		p->pos++;
	}
	p->pos++;
	return 0;
}

/* One byte (or quoted run) of a word, at p->pos. */
static int
command_step(struct command_parser *p)
{
	char	c = p->line[p->pos];

	p->inword = true;
	if (c == '\'')
		return command_single(p);
	if (c == '"')
		return command_double(p);
	if (c == '$')
		return command_placeholder(p);
	if (c == '\\') {
		if (p->line[p->pos + 1] == '\0') {
			command_error(p, "trailing backslash at offset %zu",
			    p->pos);
			return -1;
		}
		p->pos++;
	} else if (strchr(COMMAND_SHELL_CHARS, c) != NULL) {
		command_error(p, "unquoted '%c' at offset %zu: commands run "
		    "without a shell; quote it, or run sh -c", c, p->pos);
		return -1;
	}
	if (command_literal(p, p->line + p->pos, 1) == -1)
		return -1;
	p->pos++;
	return 0;
}

static struct command *
command_parse_words(const char *line, bool alternatives, char *err,
    size_t errlen)
{
	struct command_parser	p;
	struct command		*ret = NULL;
	char			 c;

	memset(&p, 0, sizeof(p));
	p.alternatives = alternatives;
	p.line = line;
	p.err = err;
	p.errlen = errlen;
	p.cmd = calloc(1, sizeof(*p.cmd));
	if (p.cmd == NULL) {
		command_error(&p, "out of memory");
		goto out;
	}
	for (;;) {
		c = line[p.pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\0') {
			if (command_word_end(&p) == -1)
				goto out;
			if (c == '\0')
				break;
			p.pos++;
		} else if (command_step(&p) == -1) {
			goto out;
		}
	}
	if (p.cmd->n == 0) {
		command_error(&p, alternatives ? "empty template" :
		    "empty command");
		goto out;
	}
	if (!alternatives && p.cmd->words[0].n == 0) {
		command_error(&p, "empty program name");
		goto out;
	}
	ret = p.cmd;
	p.cmd = NULL;
out:
	command_word_clear(&p.word);
	free(p.lit.s);
	command_free(p.cmd);
	return ret;
}

struct command *
command_parse(const char *line, char *err, size_t errlen)
{
	return command_parse_words(line, false, err, errlen);
}

/* 1 if w has a placeholder. */
static bool
command_word_varies(const struct command_word *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++) {
		if (w->parts[i].kind != PART_TEXT)
			return true;
	}
	return false;
}

struct command *
command_parse_alternatives(const char *line, char *err, size_t errlen)
{
	struct command	*cmd;
	size_t		 i;

	if ((cmd = command_parse_words(line, true, err, errlen)) == NULL)
		return NULL;
	for (i = 0; i < cmd->n; i++) {
		if (!command_word_varies(&cmd->words[i])) {
			snprintf(err, errlen, "word %zu has no placeholder: "
			    "every delivery would have the same key", i + 1);
			command_free(cmd);
			return NULL;
		}
	}
	return cmd;
}

static bool
uses(const struct command *cmd, enum part_kind kind)
{
	size_t	i, j;

	for (i = 0; i < cmd->n; i++)
		for (j = 0; j < cmd->words[i].n; j++)
			if (cmd->words[i].parts[j].kind == kind)
				return true;
	return false;
}

bool
command_uses_payload(const struct command *cmd)
{
	return uses(cmd, PART_PAYLOAD);
}

bool
command_uses_query(const struct command *cmd)
{
	return uses(cmd, PART_QUERY);
}

const char *
command_program(const struct command *cmd)
{
	const struct command_word	*w = &cmd->words[0];

	/* Placeholders are refused in argv[0] and an empty one too: it
	 * is exactly one literal part. */
	return w->parts[0].s;
}

size_t
command_argc(const struct command *cmd)
{
	return cmd->n;
}

/* Append the text of one part for ev to b. */
static int
command_part_expand(const struct command_part *part,
    const struct filter_event *ev, struct command_buf *b)
{
	char		 num[FILTER_NUMBUF];
	const json_t	*v = NULL;
	const char	*text = "";
	size_t		 len = 0;
	char		*dump = NULL;
	int		 rc = -1;

	if (part->kind == PART_TEXT) {
		text = part->s;
		len = part->len;
	} else if (part->kind == PART_HEADER && ev->headers != NULL) {
		text = header_get(ev->headers, part->s);
		if (text == NULL)
			text = "";
		len = strlen(text);
	} else if (part->kind == PART_QUERY) {
		v = json_object_get(ev->query, part->s);
		text = json_string_value(v) != NULL ? json_string_value(v) : "";
		len = strlen(text);
	} else if (part->kind == PART_PAYLOAD) {
		v = filter_payload_get(ev->payload, part->s);
		if (v != NULL && filter_scalar_text(v, num, &text, &len) == -1) {
			dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (dump == NULL)
				goto out;
			text = dump;
			len = strlen(dump);
		}
	}
	rc = command_buf_add(b, text, len);
out:
	free(dump);
	return rc;
}

static char *
command_word_expand(const struct command_word *w,
    const struct filter_event *ev)
{
	struct command_buf	b;
	size_t			i;

	memset(&b, 0, sizeof(b));
	if (command_buf_add(&b, "", 0) == -1)
		return NULL;
	for (i = 0; i < w->n; i++) {
		if (command_part_expand(&w->parts[i], ev, &b) == -1) {
			free(b.s);
			return NULL;
		}
	}
	return b.s;
}

char **
command_expand(const struct command *cmd, const struct filter_event *ev)
{
	char	**argv = NULL;
	size_t	  i;

	argv = calloc(cmd->n + 1, sizeof(*argv));
	if (argv == NULL)
		return NULL;
	for (i = 0; i < cmd->n; i++) {
		argv[i] = command_word_expand(&cmd->words[i], ev);
		if (argv[i] == NULL) {
			command_argv_free(argv);
			return NULL;
		}
	}
	return argv;
}

/*
 * 1 if every placeholder of w has a value for ev that is not empty and
 * not a redacted credential (a key made of "[redacted]" would make
 * every delivery the same).
 */
static bool
command_word_complete(const struct command_word *w,
    const struct filter_event *ev)
{
	const struct command_part	*part;
	const json_t			*v;
	const char			*text;
	size_t				 i, n;

	for (i = 0; i < w->n; i++) {
		part = &w->parts[i];
		if (part->kind == PART_HEADER) {
			text = ev->headers != NULL ?
			    header_get(ev->headers, part->s) : NULL;
			if (text == NULL || *text == '\0')
				return false;
			n = strlen(text);
			if (n >= strlen(HEADER_REDACTED) &&
			    strcmp(text + n - strlen(HEADER_REDACTED),
			    HEADER_REDACTED) == 0)
				return false;
		} else if (part->kind == PART_PAYLOAD) {
			v = filter_payload_get(ev->payload, part->s);
			if (v == NULL || json_is_null(v) ||
			    (json_is_string(v) && json_string_length(v) == 0))
				return false;
		}
	}
	return true;
}

char *
command_expand_first(const struct command *cmd,
    const struct filter_event *ev)
{
	size_t	i;

	for (i = 0; i < cmd->n; i++) {
		if (command_word_complete(&cmd->words[i], ev))
			return command_word_expand(&cmd->words[i], ev);
	}
	return strdup("");
}

/* Bytes of the strings of v and their pointers; *big: the first too long. */
static size_t
command_vec_size(char *const *v, size_t arg_len, ssize_t *big, size_t *blen)
{
	size_t	i, n, sum = 0;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		n = strlen(v[i]);
		if (n >= arg_len && *big < 0) {
			*big = (ssize_t)i;
			*blen = n;
		}
		sum += n + 1 + sizeof(char *);
	}
	return sum + sizeof(char *);
}

int
command_argv_fits(char *const *argv, char *const *env, size_t arg_len,
    size_t total, char *err, size_t errlen)
{
	ssize_t	big = -1, ebig = -1;
	size_t	blen = 0, elen = 0, sum;

	sum = command_vec_size(argv, arg_len, &big, &blen);
	sum += command_vec_size(env, arg_len, &ebig, &elen);
	if (big >= 0)
		snprintf(err, errlen, "argument list too long: argument %zd "
		    "has %zu bytes, over the limit of %zu", big, blen,
		    arg_len - 1);
	else if (ebig >= 0)
		snprintf(err, errlen, "argument list too long: environment "
		    "string %zd has %zu bytes, over the limit of %zu", ebig,
		    elen, arg_len - 1);
	else if (sum > total)
		snprintf(err, errlen, "argument list too long: %zu bytes of "
		    "arguments and environment, over the limit of %zu", sum,
		    total);
	else
		return 0;
	return -1;
}

void
command_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
