/*
 * sip_replaces.c - the Replaces header (RFC 3891 §6.1):
 *
 *   Replaces        = "Replaces" HCOLON callid *(SEMI replaces-param)
 *   replaces-param  = to-tag / from-tag / early-flag / generic-param
 *   to-tag          = "to-tag" EQUAL token
 *   from-tag        = "from-tag" EQUAL token
 *   early-flag      = "early-only"
 *
 * callid (RFC 3261 §25.1) is word ["@" word]; SEMI and EQUAL allow
 * whitespace around them.
 */
#include <errno.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_replaces.h"

/* RFC 3261 §25.1: word's characters, and token's. */
static bool
sip_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("-.!%*_+`'~()<>:\\\"/[]?{}", c) != NULL);
}

static bool
sip_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("-.!%*_+`'~", c) != NULL);
}

static bool
sip_lws(char c)
{
	return c == ' ' || c == '\t';
}

/* The run of chars from *p that ok takes, into *out: false if empty. */
static bool
sip_run(const char **p, const char *end, bool (*ok)(char),
    struct sip_pl *out)
{
	const char	*s = *p;

	while (*p < end && ok(**p))
		(*p)++;
	*out = (struct sip_pl){ s, (size_t)(*p - s) };
	return out->l > 0;
}

static void
sip_skip_lws(const char **p, const char *end)
{
	while (*p < end && sip_lws(**p))
		(*p)++;
}

/* callid = word ["@" word] */
static bool
sip_callid(const char **p, const char *end, struct sip_pl *out)
{
	const char	*s = *p;
	struct sip_pl	 w;

	if (!sip_run(p, end, sip_word_char, &w))
		return false;
	if (*p < end && **p == '@') {
		(*p)++;
		if (!sip_run(p, end, sip_word_char, &w))
			return false;
	}
	*out = (struct sip_pl){ s, (size_t)(*p - s) };
	return true;
}

int
sip_replaces_parse(const struct sip_msg *m, struct sip_replaces *r,
    const char **why)
{
	const struct sip_hdr	*h = sip_msg_hdr_named(m, "Replaces", NULL);
	const char		*p, *end;
	struct sip_pl		 name, value, *tag;

	memset(r, 0, sizeof *r);
	if (h == NULL)
		return ENOENT;
	*why = "More than one Replaces";
	if (sip_msg_hdr_named(m, "Replaces", h) != NULL)
		return EBADMSG;
	p = h->value.p;
	end = p + h->value.l;
	*why = "Bad Replaces: no Call-ID";
	sip_skip_lws(&p, end);
	if (!sip_callid(&p, end, &r->call_id))
		return EBADMSG;
	for (;;) {
		sip_skip_lws(&p, end);
		if (p == end)
			break;
		*why = "Bad Replaces: parameter";
		if (*p++ != ';')
			return EBADMSG;
		sip_skip_lws(&p, end);
		if (!sip_run(&p, end, sip_token_char, &name))
			return EBADMSG;
		sip_skip_lws(&p, end);
		value = (struct sip_pl){ NULL, 0 };
		if (p < end && *p == '=') {
			p++;
			sip_skip_lws(&p, end);
			if (!sip_run(&p, end, sip_token_char, &value))
				return EBADMSG;
		}
		tag = sip_pl_caseeq(&name, "to-tag") ? &r->to_tag :
		    sip_pl_caseeq(&name, "from-tag") ? &r->from_tag : NULL;
		if (tag != NULL) {
			*why = "Bad Replaces: a tag twice, or empty";
			if (tag->p != NULL || value.l == 0)
				return EBADMSG;
			*tag = value;
		} else if (sip_pl_caseeq(&name, "early-only")) {
			*why = "Bad Replaces: early-only with a value";
			if (value.p != NULL)
				return EBADMSG;
			r->early_only = true;
		}
	}
	*why = "Bad Replaces: to-tag and from-tag are required";
	if (r->to_tag.p == NULL || r->from_tag.p == NULL)
		return EBADMSG;
	*why = NULL;
	return 0;
}
