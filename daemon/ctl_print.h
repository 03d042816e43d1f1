/*
 * ctl_print.h - p2psipctl's human-readable output.
 *
 * Results print as aligned "key  value" lines (nested objects flattened
 * with dots, lists of scalars comma-separated, null as "-"), and lists of
 * objects as tables with a header row.  Events print on one line each.
 */
#ifndef CTL_PRINT_H
#define CTL_PRINT_H

#include <stdio.h>

#include <jansson.h>

void	ctl_print_result(FILE *, const json_t *result);
/* "HH:MM:SS name key=value ..." (local time now). */
void	ctl_print_event(FILE *, const json_t *event);

#endif
