/*
 * escape: text from senders and handlers made safe for a terminal.
 * Control characters (C0 but tab, and newline unless kept; DEL; C1 as
 * U+0080..U+009F) and bytes that are not UTF-8 are written as visible
 * escapes (\x1b, \u009b), so that no sequence a sender chose reaches
 * the operator's terminal: no cleared screen, no line that seems to be
 * the tool's own, no clipboard written.  Everything else passes as is.
 */
#ifndef HOOKSPOOL_ESCAPE_H
#define HOOKSPOOL_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* s (len bytes) escaped, NUL-terminated, malloc'd; NULL on ENOMEM. */
char	*escape_text(const char *s, size_t len, int keep_newlines);
/* The same, written to f. */
void	 escape_fputs(const char *s, size_t len, int keep_newlines, FILE *f);

#endif
