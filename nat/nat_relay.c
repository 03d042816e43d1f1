/*
 * nat_relay.c - one TURN allocation on the first relay of a list that
 * grants it (nat_relay.h says how).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "log_ctx.h"
#include "nat_relay.h"
#include "turn.h"
#include "xmalloc.h"

struct nr_send {
	struct addr	to;
	size_t		len;
	uint8_t		buf[TURN_MSG_MAX];
};

struct nat_relay {
	struct nat_relay_cfg	 cfg;
	char			*user, *password;
	struct rng		*rng;
	const struct log_ctx	*log;
	struct nat_relay_info	 r[NAT_RELAYS_MAX];
	unsigned		 n;
	int			 cur;		/* r[cur] has turn; -1: none */
	struct turn		*turn;
	int64_t			 retry_at;	/* all failed: again then */
	struct fifo		 sends;		/* struct nr_send */
};

const char *
nat_relay_state_name(enum nat_relay_state s)
{
	switch (s) {
	case NAT_RELAY_UNTRIED:
		return "untried";
	case NAT_RELAY_TRYING:
		return "trying";
	case NAT_RELAY_ALLOCATED:
		return "allocated";
	case NAT_RELAY_REFUSED:
		return "refused";
	case NAT_RELAY_SILENT:
		return "silent";
	}
	return "?";
}

int
nat_relay_new(struct nat_relay **out, const struct nat_relay_cfg *cfg,
    struct rng *rng, const struct log_ctx *log)
{
	struct nat_relay	*nr;

	if (cfg->user == NULL || cfg->password == NULL || rng == NULL)
		return EINVAL;
	nr = xcalloc(1, sizeof *nr);
	nr->cfg = *cfg;
	nr->user = xstrdup(cfg->user);
	nr->password = xstrdup(cfg->password);
	nr->cfg.user = nr->user;
	nr->cfg.password = nr->password;
	nr->rng = rng;
	nr->log = log;
	nr->cur = -1;
	nr->retry_at = INT64_MAX;
	fifo_init(&nr->sends, sizeof(struct nr_send));
	*out = nr;
	return 0;
}

static void
nr_drop(struct nat_relay *nr)
{
	turn_free(nr->turn);
	nr->turn = NULL;
	nr->cur = -1;
}

void
nat_relay_free(struct nat_relay *nr)
{
	if (nr == NULL)
		return;
	nr_drop(nr);
	fifo_clear(&nr->sends);
	free(nr->user);
	free(nr->password);
	free(nr);
}

static void	nr_next(struct nat_relay *, int64_t now);

/* What the TURN core asks for and tells. */
static void
nr_drain(struct nat_relay *nr, int64_t now)
{
	struct turn_action	*a;
	struct nat_relay_info	*ri;
	struct nr_send		*s;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	char			 b3[ADDR_STRLEN];
	bool			 failed = false;

	if (nr->turn == NULL)
		return;
	ri = &nr->r[nr->cur];
	a = xmalloc(sizeof *a);
	s = xmalloc(sizeof *s);
	while (nr->turn != NULL && turn_next_action(nr->turn, a)) {
		switch (a->type) {
		case TURN_ACT_SEND:
			s->to = ri->server;
			s->len = a->len;
			memcpy(s->buf, a->buf, a->len);
			fifo_push(&nr->sends, s);
			break;
		case TURN_ACT_ALLOCATED:
			ri->state = NAT_RELAY_ALLOCATED;
			ri->relayed = a->relayed;
			ri->mapped = a->mapped;
			lc_info(nr->log, "relay: %s relayed via %s (mapped "
			    "%s)", addr_str(&a->relayed, b1),
			    addr_str(&ri->server, b2), addr_str(&a->mapped,
			    b3));
			break;
		case TURN_ACT_FAILED:
			ri->state = a->code == 0 ? NAT_RELAY_SILENT :
			    NAT_RELAY_REFUSED;
			ri->code = a->code;
			snprintf(ri->why, sizeof ri->why, "%s", a->why);
			memset(&ri->relayed, 0, sizeof ri->relayed);
			lc_warn(nr->log, "relay: %s %s: %u %s",
			    addr_str(&ri->server, b1), a->code == 0 ?
			    "does not answer" : "refuses", a->code, a->why);
			failed = true;
			break;
		default:
			break;
		}
	}
	free(a);
	free(s);
	if (failed) {
		nr_drop(nr);
		nr_next(nr, now);
	}
}

/* Allocate on the first untried relay, or wait to start over. */
static void
nr_next(struct nat_relay *nr, int64_t now)
{
	struct turn_cfg	tc;
	unsigned	i;

	for (i = 0; i < nr->n; i++) {
		if (nr->r[i].state != NAT_RELAY_UNTRIED)
			continue;
		memset(&tc, 0, sizeof tc);
		tc.server = nr->r[i].server;
		tc.user = nr->cfg.user;
		tc.password = nr->cfg.password;
		tc.stun = nr->cfg.stun;
		if (turn_new(&nr->turn, &tc, nr->rng, nr->log) != 0 ||
		    turn_allocate(nr->turn, now) != 0) {
			nr_drop(nr);
			nr->r[i].state = NAT_RELAY_REFUSED;
			snprintf(nr->r[i].why, sizeof nr->r[i].why,
			    "cannot ask it");
			continue;
		}
		nr->cur = (int)i;
		nr->r[i].state = NAT_RELAY_TRYING;
		nr->retry_at = INT64_MAX;
		nr_drain(nr, now);
		return;
	}
	nr->retry_at = nr->n > 0 ? now + NAT_RELAY_RETRY_MS : INT64_MAX;
}

void
nat_relay_set(struct nat_relay *nr, int64_t now, const struct addr *a,
    unsigned n)
{
	struct nat_relay_info	r[NAT_RELAYS_MAX];
	unsigned		i, j, k = 0;
	int			cur = -1;

	memset(r, 0, sizeof r);
	for (i = 0; i < n && k < NAT_RELAYS_MAX; i++) {
		for (j = 0; j < k; j++)
			if (addr_eq(&r[j].server, &a[i]))
				break;
		if (j < k || a[i].family == 0 || a[i].port == 0)
			continue;
		memset(&r[k], 0, sizeof r[k]);
		r[k].server = a[i];
		for (j = 0; j < nr->n; j++)
			if (addr_eq(&nr->r[j].server, &a[i])) {
				r[k] = nr->r[j];
				if ((int)j == nr->cur)
					cur = (int)k;
			}
		k++;
	}
	if (nr->cur >= 0 && cur < 0)
		nr_drop(nr);		/* its relay is gone from the list */
	memcpy(nr->r, r, k * sizeof r[0]);
	nr->n = k;
	nr->cur = cur;
	if (nr->cur < 0)
		nr_next(nr, now);
}

bool
nat_relay_input(struct nat_relay *nr, int64_t now, const struct addr *from,
    const uint8_t *buf, size_t len)
{
	bool	ours;

	if (nr->turn == NULL || !addr_eq(from, &nr->r[nr->cur].server))
		return false;
	ours = turn_input(nr->turn, now, from, buf, len);
	nr_drain(nr, now);
	return ours;
}

void
nat_relay_tick(struct nat_relay *nr, int64_t now)
{
	unsigned	i;

	if (nr->turn != NULL) {
		turn_tick(nr->turn, now);
		nr_drain(nr, now);
	} else if (now >= nr->retry_at) {
		for (i = 0; i < nr->n; i++)
			nr->r[i].state = NAT_RELAY_UNTRIED;
		nr_next(nr, now);
	}
}

int64_t
nat_relay_deadline(const struct nat_relay *nr)
{
	return nr->turn != NULL ? turn_deadline(nr->turn) : nr->retry_at;
}

bool
nat_relay_next_send(struct nat_relay *nr, struct addr *to, uint8_t *buf,
    size_t *len)
{
	struct nr_send	*s = xmalloc(sizeof *s);
	bool		 got = fifo_pop(&nr->sends, s);

	if (got) {
		*to = s->to;
		memcpy(buf, s->buf, s->len);
		*len = s->len;
	}
	free(s);
	return got;
}

const struct addr *
nat_relay_relayed(const struct nat_relay *nr)
{
	return nr->cur >= 0 && nr->r[nr->cur].state == NAT_RELAY_ALLOCATED ?
	    &nr->r[nr->cur].relayed : NULL;
}

const struct addr *
nat_relay_server(const struct nat_relay *nr)
{
	return nat_relay_relayed(nr) != NULL ? &nr->r[nr->cur].server : NULL;
}

unsigned
nat_relay_count(const struct nat_relay *nr)
{
	return nr->n;
}

void
nat_relay_info(const struct nat_relay *nr, unsigned i,
    struct nat_relay_info *out)
{
	if (i < nr->n)
		*out = nr->r[i];
	else
		memset(out, 0, sizeof *out);
}
