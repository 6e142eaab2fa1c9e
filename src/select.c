/*
 * select: bulk commands' events.  The spool is read newest first, as
 * "wh-retry list" reads it, so that an event's attempts (and replays)
 * are folded before its own record: when the event record comes, the
 * event is whole, is matched, and is forgotten.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "select.h"
#include "spool.h"

struct pass {
	const struct select_crit	*crit;
	struct selection		*sel;
	struct history			*hi;
	json_t				*replayed;	/* ids that have one */
	size_t				 cap;
};

static int
wanted_id(const struct select_crit *c, const char *id)
{
	size_t	i;

	if (c->ids == NULL)
		return 1;
	for (i = 0; i < c->nids; i++)
		if (strcmp(c->ids[i], id) == 0)
			return 1;
	return 0;
}

static int
event_matches(const struct pass *p, const struct history_event *ev)
{
	const struct select_crit	*c = p->crit;

	if (c->endpoint != NULL && !(ev->path != NULL &&
	    strcmp(ev->path, c->endpoint) == 0) && !(ev->endpoint != NULL &&
	    strcmp(ev->endpoint, c->endpoint) == 0))
		return 0;
	if (c->since != 0 && ev->received_us < c->since)
		return 0;
	if (c->until != 0 && ev->received_us >= c->until)
		return 0;
	return !(c->skip_replayed && p->replayed != NULL &&
	    json_object_get(p->replayed, ev->id) != NULL);
}

static int
handler_matches(const struct select_crit *c, const struct history_handler *h)
{
	if (c->handler != NULL && strcmp(c->handler, h->name) != 0)
		return 0;
	return c->states == 0 || (c->states & (1u << h->state)) != 0;
}

static void
item_free(struct select_item *it)
{
	size_t	i;

	for (i = 0; i < it->nhandlers; i++)
		free(it->handlers[i].name);
	free(it->handlers);
}

static int
take(struct pass *p, const struct history_event *ev)
{
	struct selection	*s = p->sel;
	struct select_item	*it, *v;
	struct select_handler	*sh;
	size_t			 i;

	if (s->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		if ((v = reallocarray(s->items, p->cap, sizeof(*v))) == NULL)
			return -1;
		s->items = v;
	}
	it = &s->items[s->n];
	memset(it, 0, sizeof(*it));
	if ((it->handlers = calloc(ev->nhandlers + 1,
	    sizeof(*it->handlers))) == NULL)
		return -1;
	for (i = 0; i < ev->nhandlers; i++) {
		if (!handler_matches(p->crit, &ev->handlers[i]))
			continue;
		sh = &it->handlers[it->nhandlers];
		if ((sh->name = strdup(ev->handlers[i].name)) == NULL) {
			item_free(it);
			return -1;
		}
		sh->attempts = ev->handlers[i].attempts;
		sh->timeout = ev->handlers[i].timeout;
		sh->state = ev->handlers[i].state;
		it->nhandlers++;
	}
	if (it->nhandlers == 0 && (p->crit->states != 0 ||
	    p->crit->handler != NULL)) {
		item_free(it);
		return 0;
	}
	memcpy(it->id, ev->id, sizeof(it->id));
	it->received_us = ev->received_us;
	it->segment = ev->segment;
	it->offset = ev->offset;
	s->n++;
	return 0;
}

static int
found_add(struct selection *s, const char *id)
{
	char	**v;

	if ((v = reallocarray(s->found, s->nfound + 1, sizeof(*v))) == NULL)
		return -1;
	s->found = v;
	if ((v[s->nfound] = strdup(id)) == NULL)
		return -1;
	s->nfound++;
	return 0;
}

static int
pass_line(const char *line, size_t len, const struct spool_pos *pos,
    void *arg)
{
	struct pass		*p = arg;
	struct history_event	*ev;
	int			 k, rc = 0;

	k = history_add(p->hi, line, len, spool_segment_number(pos->segment),
	    (int64_t)pos->offset, &ev);
	if (k == -1)
		return -1;
	if (k != HISTORY_EVENT || ev == NULL)
		return 0;
	if (ev->replay_of[0] != '\0' && p->replayed != NULL &&
	    json_object_set_new(p->replayed, ev->replay_of, json_true()) == -1)
		rc = -1;
	if (rc == 0 && wanted_id(p->crit, ev->id)) {
		if (p->crit->ids != NULL && found_add(p->sel, ev->id) == -1)
			rc = -1;
		else if (event_matches(p, ev) && take(p, ev) == -1)
			rc = -1;
	}
	history_forget(p->hi, ev);
	if (rc == -1)
		errno = ENOMEM;
	return rc;
}

int
select_events(const char *dir, const struct select_crit *crit,
    struct selection *sel)
{
	struct pass		p;
	struct select_item	t;
	size_t			i;
	int			rc = -1, save;

	memset(sel, 0, sizeof(*sel));
	memset(&p, 0, sizeof(p));
	p.crit = crit;
	p.sel = sel;
	if ((p.hi = history_new(0)) == NULL ||
	    (crit->skip_replayed && (p.replayed = json_object()) == NULL)) {
		errno = ENOMEM;
		goto out;
	}
	if (spool_scan(dir, SPOOL_NEWEST_FIRST, pass_line, NULL, &p) == -1)
		goto out;
	for (i = 0; i < sel->n / 2; i++) {	/* oldest first */
		t = sel->items[i];
		sel->items[i] = sel->items[sel->n - 1 - i];
		sel->items[sel->n - 1 - i] = t;
	}
	rc = 0;
out:
	save = errno;
	history_free(p.hi);
	json_decref(p.replayed);
	if (rc == -1)
		select_free(sel);
	errno = save;
	return rc;
}

int
select_saw(const struct selection *sel, const char *id)
{
	size_t	i;

	for (i = 0; i < sel->nfound; i++)
		if (strcmp(sel->found[i], id) == 0)
			return 1;
	return 0;
}

void
select_free(struct selection *sel)
{
	size_t	i;

	for (i = 0; i < sel->n; i++)
		item_free(&sel->items[i]);
	free(sel->items);
	for (i = 0; i < sel->nfound; i++)
		free(sel->found[i]);
	free(sel->found);
	memset(sel, 0, sizeof(*sel));
}
