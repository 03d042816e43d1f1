/*
 * fuzz_cfg.c - libFuzzer target for the config parser.
 *
 * Any input must parse or fail with messages, never crash or leak; a
 * config that parses must dump to text that parses back to the same
 * configuration (decode -> encode -> decode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"

#define FUZZ_MAX	16384

static bool
fuzz_fits(const char *text)
{
	const char	*nl;

	for (; *text != '\0'; text = nl + 1) {
		nl = strchr(text, '\n');
		if (nl == NULL || nl - text > CFG_LINE_MAX)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg		*a = NULL, *b = NULL;
	struct cfg_change	 ch[16];
	char			*cause = NULL, *text;

	if (size > FUZZ_MAX)
		return 0;
	log_setlevel(LOG_LEVEL_ERROR);
	if (cfg_parse_buf(&a, "fuzz", (const char *)data, size, NULL, 0,
	    &cause) != 0) {
		if (cause == NULL || *cause == '\0')
			abort();	/* an error must say why */
		free(cause);
		return 0;
	}
	text = cfg_dump(a);
	/* A relative path grows when made absolute: it may no longer fit. */
	if (fuzz_fits(text)) {
		if (cfg_parse_buf(&b, "dump", text, strlen(text), NULL, 0,
		    &cause) != 0 || cfg_diff(a, b, ch, 16) != 0)
			abort();
		cfg_free(b);
	}
	free(text);
	cfg_free(a);
	return 0;
}
