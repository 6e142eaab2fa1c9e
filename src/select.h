/*
 * select: the events a bulk command acts on ("wh-retry retry" and
 * "replay" with --status, --endpoint, --handler, --since, --until, or
 * ids), found in one newest-first pass over the spool and returned
 * oldest first.  For each event, the handlers that match: those in a
 * wanted state, of the wanted name.
 */
#ifndef HOOKSPOOL_SELECT_H
#define HOOKSPOOL_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "history.h"

struct select_crit {
	char		**ids;		/* only these (lower case); NULL: any */
	size_t		  nids;
	unsigned	  states;	/* 1 << enum history_state; 0: any */
	const char	 *endpoint;	/* its name or path; NULL: any */
	const char	 *handler;	/* NULL: any */
	int64_t		  since;	/* received at or after; 0: any */
	int64_t		  until;	/* received before; 0: any */
	int		  skip_replayed; /* not those with a replay */
};

struct select_handler {
	char		*name;
	int		 attempts;
	int		 timeout;
	enum history_state state;
};

struct select_item {
	char			 id[EVENT_ID_LEN + 1];
	int64_t			 received_us;
	unsigned		 segment;	/* of its event record */
	int64_t			 offset;
	struct select_handler	*handlers;	/* those that match */
	size_t			 nhandlers;
};

struct selection {
	struct select_item	*items;		/* oldest first */
	size_t			 n;
	char			**found;	/* ids of crit.ids seen */
	size_t			 nfound;
};

/* 0, or -1 with errno (the spool cannot be read, ENOMEM). */
int	select_events(const char *dir, const struct select_crit *,
	    struct selection *);
/* 1 if the selection saw id (one of crit.ids), matched or not. */
int	select_saw(const struct selection *, const char *id);
void	select_free(struct selection *);

#endif
