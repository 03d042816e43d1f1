/*
 * cfg.c - a configuration as a whole: read from a file, freed, compared
 * with another (SIGHUP applies the difference) and printed as INI text.
 * Parsing is cfg_parse.c's; the keys and their defaults are cfg_key.c's.
 */
#define _DEFAULT_SOURCE		/* explicit_bzero */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_int.h"
#include "xmalloc.h"

char *
cfg_default_control_socket(void)
{
	const char	*rt = getenv("XDG_RUNTIME_DIR");

	if (rt != NULL && rt[0] == '/')
		return xasprintf("%s/p2psipd.sock", rt);
	return xstrdup("/run/p2psipd/p2psipd.sock");
}

int
cfg_read_file(const char *file, size_t max, char **buf, size_t *len,
    char **cause)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd, rc = 0;

	*buf = NULL;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = errno;
		*cause = xasprintf("%s: cannot open: %s", file, strerror(rc));
		return rc;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = EINVAL;
		*cause = xasprintf("%s: not a regular file", file);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		rc = EFBIG;
		*cause = xasprintf("%s: too large (at most %zu bytes)", file,
		    max);
		goto out;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	*len = 0;
	while (*len < (size_t)st.st_size &&
	    (n = read(fd, *buf + *len, (size_t)st.st_size - *len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = errno;
			*cause = xasprintf("%s: cannot read: %s", file,
			    strerror(rc));
			free(*buf);
			*buf = NULL;
			goto out;
		}
		*len += (size_t)n;
	}
out:
	close(fd);
	return rc;
}

int
cfg_load(struct cfg **out, const char *file, const char *const *overrides,
    size_t noverrides, char **cause)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 rc;

	if (file != NULL &&
	    (rc = cfg_read_file(file, CFG_FILE_MAX, &buf, &len, cause)) != 0)
		return rc;
	rc = cfg_parse_buf(out, file, buf, len, overrides, noverrides, cause);
	free(buf);
	return rc;
}

void
cfg_free(struct cfg *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_key_table[i].type == CFG_PATH ||
		    cfg_key_table[i].type == CFG_FQDN ||
		    cfg_key_table[i].type == CFG_TEXT)
			free(*(char **)((char *)c + cfg_key_table[i].off));
		else if (cfg_key_table[i].type == CFG_ADDRLIST)
			free(((struct cfg_addrlist *)((char *)c +
			    cfg_key_table[i].off))->v);
		else if (cfg_key_table[i].type == CFG_AORLIST) {
			struct cfg_strlist *l = (struct cfg_strlist *)
			    ((char *)c + cfg_key_table[i].off);
			int		    j;

			for (j = 0; j < l->n; j++)
				free(l->v[j]);
			free(l->v);
		}
	}
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		explicit_bzero(c->users[i].password,
		    strlen(c->users[i].password));
		free(c->users[i].password);
	}
	free(c->users);
	free(c->file);
	free(c);
}

const char *
cfg_user_password(const struct cfg *c, const char *aor)
{
	size_t	i, l = strcspn(aor, "@");

	for (i = 0; i < c->nusers; i++)
		if (strlen(c->users[i].name) == l &&
		    strncmp(c->users[i].name, aor, l) == 0)
			return c->users[i].password;
	return NULL;
}

static bool
cfg_equal(const struct cfg *a, const struct cfg *b, const struct cfg_key *k)
{
	const void	*fa = (const char *)a + k->off;
	const void	*fb = (const char *)b + k->off;

	const struct cfg_addrlist *la = fa, *lb = fb;
	const struct cfg_strlist *sa = fa, *sb = fb;
	int			 i;

	switch (k->type) {
	case CFG_PATH:
	case CFG_FQDN:
	case CFG_TEXT:
		return strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
	case CFG_LOGLEVEL:
		return *(const enum log_level *)fa ==
		    *(const enum log_level *)fb;
	case CFG_INT:
	case CFG_BOOL:
	case CFG_CHOICE:
		return *(const int *)fa == *(const int *)fb;
	case CFG_PORTS:
		return memcmp(fa, fb, 2 * sizeof(int)) == 0;
	case CFG_AORLIST:
		if (sa->n != sb->n)
			return false;
		for (i = 0; i < sa->n; i++)
			if (strcmp(sa->v[i], sb->v[i]) != 0)
				return false;
		return true;
	case CFG_ADDR:
	case CFG_IP:
		return addr_eq(fa, fb);
	case CFG_ADDRLIST:
		if (la->n != lb->n)
			return false;
		for (i = 0; i < la->n; i++)
			if (!addr_eq(&la->v[i], &lb->v[i]))
				return false;
		return true;
	}
	return false;
}

size_t
cfg_diff(const struct cfg *old, const struct cfg *new,
    struct cfg_change *out, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_equal(old, new, &cfg_key_table[i]))
			continue;
		if (n < max) {
			out[n].section = cfg_key_table[i].section;
			out[n].key = cfg_key_table[i].name;
			out[n].live = (cfg_key_table[i].flags &
			    CFG_F_LIVE) != 0;
		}
		n++;
	}
	return n;
}

/* The value of key k in c as config text; caller frees. */
static char *
cfg_list_text(const struct cfg_addrlist *l, const char *key)
{
	char	*out = xstrdup(""), *next, a[ADDR_STRLEN];
	int	 i;

	for (i = 0; i < l->n; i++) {
		/* four to a line keeps lines under CFG_LINE_MAX */
		if (i != 0 && i % 4 == 0)
			next = xasprintf("%s\n%s = %s", out, key,
			    addr_str(&l->v[i], a));
		else
			next = xasprintf("%s%s%s", out, i == 0 ? "" : ",",
			    addr_str(&l->v[i], a));
		free(out);
		out = next;
	}
	return out;
}

/* One AOR to a line, the lines after the first with their key. */
static char *
cfg_aors_text(const struct cfg_strlist *l, const char *key)
{
	char	*out = xstrdup(""), *next;
	int	 i;

	for (i = 0; i < l->n; i++) {
		next = xasprintf("%s%s%s%s", out, i == 0 ? "" : "\n",
		    i == 0 ? "" : key, "");
		free(out);
		out = i == 0 ? xasprintf("%s%s", next, l->v[i]) :
		    xasprintf("%s = %s", next, l->v[i]);
		free(next);
	}
	return out;
}

static char *
cfg_value_text(const struct cfg *c, const struct cfg_key *k)
{
	const void	*field = (const char *)c + k->off;
	char		 a[ADDR_STRLEN];

	switch (k->type) {
	case CFG_TEXT:
		if ((k->flags & CFG_F_SECRET) && **(char *const *)field != '\0')
			return xstrdup("(secret)");
		return xstrdup(*(char *const *)field);
	case CFG_PATH:
	case CFG_FQDN:
		return xstrdup(*(char *const *)field);
	case CFG_LOGLEVEL:
		return xstrdup(log_level_name(*(const enum log_level *)field));
	case CFG_INT:
		return xasprintf("%d", *(const int *)field);
	case CFG_BOOL:
		return xstrdup(*(const int *)field ? "yes" : "no");
	case CFG_ADDR:
		if (((const struct addr *)field)->family == 0)
			return xstrdup("");
		return xstrdup(addr_str(field, a));
	case CFG_ADDRLIST:
		return cfg_list_text(field, k->name);
	case CFG_AORLIST:
		return cfg_aors_text(field, k->name);
	case CFG_CHOICE:
		return xstrdup(k->choices[*(const int *)field]);
	case CFG_PORTS:
		return xasprintf("%d-%d", ((const int *)field)[0],
		    ((const int *)field)[1]);
	case CFG_IP:
		if (((const struct addr *)field)->family == 0)
			return xstrdup("");
		return xstrdup(addr_ip_str(field, a));
	}
	return xstrdup("");
}

char *
cfg_dump(const struct cfg *c)
{
	const struct cfg_key	*k;
	const char		*section = NULL;
	char			*out = xstrdup(""), *v, *next;
	bool			 head;
	size_t			 i;

	for (i = 0; i < CFG_NKEYS; i++) {
		k = &cfg_key_table[i];
		head = section == NULL || strcmp(section, k->section) != 0;
		v = cfg_value_text(c, k);
		next = xasprintf("%s%s%s%s%s%s = %s\n", out,
		    head && section != NULL ? "\n" : "", head ? "[" : "",
		    head ? k->section : "", head ? "]\n" : "", k->name, v);
		free(out);
		free(v);
		out = next;
		section = k->section;
	}
	if (c->nusers != 0) {
		next = xasprintf("%s\n[users]\n; %zu, passwords not shown:",
		    out, c->nusers);
		free(out);
		out = next;
		for (i = 0; i < c->nusers; i++) {
			next = xasprintf("%s %s", out, c->users[i].name);
			free(out);
			out = next;
		}
		next = xasprintf("%s\n", out);
		free(out);
		out = next;
	}
	return out;
}
