/*
 * fuzz_ctl.c - libFuzzer target for the control line codec.
 *
 * The input is read as the daemon reads it (framing, request parsing,
 * argument checks against the command table) and as p2psipctl reads the
 * daemon's lines.  Whatever parses is encoded again and must parse back
 * to the same thing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "ctl_spec.h"

#define FUZZ_MAX	(CTL_LINE_MAX + 16)

static void
fuzz_request(const char *line, size_t len)
{
	struct ctl_req		 req, again;
	const struct ctl_spec	*spec;
	const char		*code;
	char			*msg = NULL, *enc;
	json_t			*id = NULL;

	if (ctl_req_parse(line, len, &req, &code, &msg, &id) != 0) {
		if (msg == NULL || code == NULL)
			abort();
		free(msg);
		json_decref(id);
		return;
	}
	json_decref(id);
	if ((spec = ctl_spec_find(req.cmd, false)) != NULL) {
		if (ctl_spec_check(spec, req.args, false, &msg) != 0)
			free(msg);
	}
	enc = ctl_encode_request(req.id, req.cmd, req.args);
	if (ctl_req_parse(enc, strlen(enc) - 1, &again, &code, &msg, &id) != 0)
		abort();
	json_decref(id);
	if (strcmp(again.cmd, req.cmd) != 0 ||
	    !json_equal(again.args, req.args) ||
	    (req.id != NULL && !json_equal(again.id, req.id)))
		abort();
	ctl_req_clear(&again);
	ctl_req_clear(&req);
	free(enc);
}

static void
fuzz_msg(const char *line, size_t len)
{
	struct ctl_msg	 m, again;
	char		*enc = NULL;

	if (ctl_msg_parse(line, len, &m) != 0)
		return;
	switch (m.type) {
	case CTL_MSG_RESULT:
		enc = ctl_encode_result(m.id, m.result);
		break;
	case CTL_MSG_ERROR:
		enc = ctl_encode_error(m.id, m.code, m.message);
		break;
	case CTL_MSG_EVENT:
		enc = ctl_encode_event(m.event, m.root);
		break;
	}
	if (ctl_msg_parse(enc, strlen(enc), &again) != 0 ||
	    again.type != m.type)
		abort();
	if (m.type == CTL_MSG_RESULT && !json_equal(again.result, m.result))
		abort();
	if (m.type == CTL_MSG_EVENT && strcmp(again.event, m.event) != 0)
		abort();
	ctl_msg_clear(&again);
	ctl_msg_clear(&m);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;
	size_t		 linelen, used;

	if (size > FUZZ_MAX)
		return 0;
	/* Each complete line, as a stream of them arrives. */
	while (size > 0 &&
	    ctl_line_find(buf, size, CTL_LINE_MAX, &linelen, &used) == 0) {
		fuzz_request(buf, linelen);
		fuzz_msg(buf, linelen);
		buf += used;
		size -= used;
	}
	/* And the whole input as one line. */
	fuzz_request((const char *)data, size);
	return 0;
}
