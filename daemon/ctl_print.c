/*
 * ctl_print.c - tables and key/value lines for p2psipctl.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_print.h"
#include "xmalloc.h"

/* A scalar (or list of scalars) as text; caller frees. */
static char *
ctl_scalar(const json_t *v)
{
	char	*s, *item, *joined;
	size_t	 i;
	json_t	*e;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return xstrdup(json_string_value(v));
	case JSON_INTEGER:
		return xasprintf("%lld", (long long)json_integer_value(v));
	case JSON_REAL:
		return xasprintf("%g", json_real_value(v));
	case JSON_TRUE:
		return xstrdup("yes");
	case JSON_FALSE:
		return xstrdup("no");
	case JSON_NULL:
		return xstrdup("-");
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return xstrdup("-");
		s = xstrdup("");
		json_array_foreach(v, i, e) {
			item = ctl_scalar(e);
			joined = xasprintf("%s%s%s", s, i ? ", " : "", item);
			free(item);
			free(s);
			s = joined;
		}
		return s;
	case JSON_OBJECT:
		break;
	}
	return json_dumps(v, JSON_COMPACT);
}

/* An array whose members are all objects prints as a table. */
static bool
ctl_is_table(const json_t *v)
{
	size_t	 i;
	json_t	*e;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

struct ctl_kv {
	char	**keys, **vals;
	size_t	 n;
};

static void
ctl_kv_add(struct ctl_kv *kv, char *key, char *val)
{
	kv->keys = xreallocarray(kv->keys, kv->n + 1, sizeof *kv->keys);
	kv->vals = xreallocarray(kv->vals, kv->n + 1, sizeof *kv->vals);
	kv->keys[kv->n] = key;
	kv->vals[kv->n] = val;
	kv->n++;
}

static void
ctl_flatten(struct ctl_kv *kv, const char *prefix, const json_t *obj,
    const json_t **tables, const char **tnames, size_t *ntables)
{
	const char	*key;
	json_t		*v;
	char		*full;

	json_object_foreach((json_t *)obj, key, v) {
		full = prefix != NULL ? xasprintf("%s.%s", prefix, key) :
		    xstrdup(key);
		if (json_is_object(v)) {
			ctl_flatten(kv, full, v, tables, tnames, ntables);
			free(full);
		} else if (ctl_is_table(v) && *ntables < 16) {
			tables[*ntables] = v;
			tnames[(*ntables)++] = key;
			free(full);
		} else
			ctl_kv_add(kv, full, ctl_scalar(v));
	}
}

static void
ctl_print_table(FILE *f, const json_t *rows)
{
	const json_t	*first = json_array_get(rows, 0);
	const char	*key;
	json_t		*v, *row;
	size_t		 ncol = json_object_size(first), c, r, *w;
	const char	**cols;
	char		*s;

	cols = xcalloc(ncol, sizeof *cols);
	w = xcalloc(ncol, sizeof *w);
	c = 0;
	json_object_foreach((json_t *)first, key, v) {
		cols[c] = key;
		w[c] = strlen(key);
		c++;
	}
	json_array_foreach(rows, r, row) {
		for (c = 0; c < ncol; c++) {
			s = ctl_scalar(json_object_get(row, cols[c]) ?
			    json_object_get(row, cols[c]) : json_null());
			if (strlen(s) > w[c])
				w[c] = strlen(s);
			free(s);
		}
	}
	for (c = 0; c < ncol; c++)
		fprintf(f, "%-*s%s", c + 1 < ncol ? (int)w[c] : 0, cols[c],
		    c + 1 < ncol ? "  " : "\n");
	json_array_foreach(rows, r, row) {
		for (c = 0; c < ncol; c++) {
			s = ctl_scalar(json_object_get(row, cols[c]) ?
			    json_object_get(row, cols[c]) : json_null());
			fprintf(f, "%-*s%s", c + 1 < ncol ? (int)w[c] : 0, s,
			    c + 1 < ncol ? "  " : "\n");
			free(s);
		}
	}
	free(cols);
	free(w);
}

void
ctl_print_result(FILE *f, const json_t *result)
{
	struct ctl_kv	 kv = { NULL, NULL, 0 };
	const json_t	*tables[16];
	const char	*tnames[16];
	size_t		 ntables = 0, i, width = 0;
	char		*s;

	if (ctl_is_table(result)) {
		ctl_print_table(f, result);
		return;
	}
	if (!json_is_object(result)) {
		s = ctl_scalar(result);
		fprintf(f, "%s\n", s);
		free(s);
		return;
	}
	ctl_flatten(&kv, NULL, result, tables, tnames, &ntables);
	for (i = 0; i < kv.n; i++)
		if (strlen(kv.keys[i]) > width)
			width = strlen(kv.keys[i]);
	for (i = 0; i < kv.n; i++) {
		fprintf(f, "%-*s  %s\n", (int)width, kv.keys[i], kv.vals[i]);
		free(kv.keys[i]);
		free(kv.vals[i]);
	}
	free(kv.keys);
	free(kv.vals);
	for (i = 0; i < ntables; i++) {
		fprintf(f, "%s%s:\n", kv.n != 0 || i != 0 ? "\n" : "",
		    tnames[i]);
		ctl_print_table(f, tables[i]);
	}
}

void
ctl_print_event(FILE *f, const json_t *event)
{
	const char	*key;
	json_t		*v;
	char		 stamp[16], *s;
	time_t		 now = time(NULL);
	struct tm	 tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
	fprintf(f, "%s %s", stamp,
	    json_string_value(json_object_get(event, "event")));
	json_object_foreach((json_t *)event, key, v) {
		if (strcmp(key, "event") == 0)
			continue;
		s = json_is_object(v) ? json_dumps(v, JSON_COMPACT) :
		    ctl_scalar(v);
		fprintf(f, " %s=%s%s%s", key, strchr(s, ' ') ? "\"" : "", s,
		    strchr(s, ' ') ? "\"" : "");
		free(s);
	}
	fputc('\n', f);
	fflush(f);
}
