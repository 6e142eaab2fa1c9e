/*
 * command: a handler's `command` line, parsed once at load time into an
 * argv template and expanded per event into a NULL-terminated argv for
 * execve().  No shell is ever involved: words are split with shell-like
 * quoting at parse time only, and ${payload.PATH} / ${header.NAME}
 * values are substituted inside a word afterwards, never re-split.
 * Pure: no I/O, nothing printed; errors go into the caller's buffer.
 */
#ifndef HOOKSPOOL_COMMAND_H
#define HOOKSPOOL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

struct command;
struct filter_event;

/*
 * Parse a command line.  Quoting: '...' is literal; "..." is literal but
 * for \" \\ \$ \` (backslash, then that byte); a backslash outside
 * quotes takes the next byte literally.  Unquoted ; | & < > ( ) and a `
 * or a $ that does not start ${payload.PATH} or ${header.NAME} anywhere
 * but in '...' are errors: they would mean something to a shell, and
 * there is none (quote or escape them, or run sh -c yourself).  Globs
 * (* ? [) and ~ stay literal.  Blanks are space, tab and newline.  argv[0] must be free of placeholders, so
 * an event never chooses the program.  Returns NULL with a message in
 * err ("unterminated '\"' at offset 12") on error or ENOMEM.
 */
struct command	*command_parse(const char *line, char *err, size_t errlen);

/*
 * The same language for a template of alternatives (dedup_key): each
 * word is one and must hold a placeholder (one may start the first), and
 * command_expand_first() gives the expansion of the first word whose
 * placeholders all have a value (present, not empty, not null, not a
 * redacted credential), or "" if none has.  NULL only on ENOMEM.
 */
struct command	*command_parse_alternatives(const char *line, char *err,
		    size_t errlen);
char		*command_expand_first(const struct command *,
		    const struct filter_event *ev);

/* Whether a ${payload...} placeholder is in it (the body must be
 * parsed to expand it). */
bool		 command_uses_payload(const struct command *);
/* The same for ${query...} (the query string must be split). */
bool		 command_uses_query(const struct command *);

/* The program (argv[0]) as written, for checks and logs. */
const char	*command_program(const struct command *);
/* Number of words (argv entries). */
size_t		 command_argc(const struct command *);

/*
 * argv for ev: each placeholder replaced by the value's text (as in
 * filter_scalar_text(); an object or array as compact JSON; a missing
 * header or path, or a payload that is not JSON, as "").  An empty
 * expansion still yields its argument.  NULL only on ENOMEM.
 */
char		**command_expand(const struct command *,
		    const struct filter_event *ev);
/*
 * Will execve(2) take argv and env?  Each argument (and environment
 * string) must be shorter than arg_len bytes, and all of them, with
 * their NULs and pointers, at most total bytes.  0 if so; else -1 with
 * "argument list too long: argument 1 has 204800 bytes, over the limit
 * of 131071" or the like in err: no retry can change that.
 */
int		 command_argv_fits(char *const *argv, char *const *env,
		    size_t arg_len, size_t total, char *err, size_t errlen);
void		 command_argv_free(char **);
void		 command_free(struct command *);

#endif
