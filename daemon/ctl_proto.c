/*
 * ctl_proto.c - JSON line codec for the control socket.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "xmalloc.h"

/*
 * Duplicate keys are ambiguous; reject them rather than guess.  Without
 * JSON_ALLOW_NUL jansson also refuses "\u0000", so every string decoded
 * here is a proper C string.
 */
#define CTL_JSON_FLAGS	(JSON_REJECT_DUPLICATES)

int
ctl_line_find(const char *buf, size_t len, size_t max, size_t *linelen,
    size_t *used)
{
	const char	*nl;
	size_t		 n;

	if (len == 0)
		return ENODATA;		/* buf may be NULL: no memchr */
	nl = memchr(buf, '\n', len > max + 2 ? max + 2 : len);
	if (nl == NULL)
		return len > max + 1 ? EMSGSIZE : ENODATA;
	n = (size_t)(nl - buf);
	*used = n + 1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > max)
		return EMSGSIZE;
	*linelen = n;
	return 0;
}

static bool
ctl_id_valid(const json_t *id)
{
	return json_is_integer(id) || json_is_string(id) || json_is_null(id);
}

/* The members of a request object: NULL if fine, else why not. */
static char *
ctl_req_check(json_t *root)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(root, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "cmd") != 0 &&
		    strcmp(key, "args") != 0)
			return xasprintf("unknown member \"%.64s\"", key);
	}
	v = json_object_get(root, "cmd");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return xstrdup("\"cmd\" must be a command name");
	v = json_object_get(root, "args");
	if (v != NULL && !json_is_object(v) && !json_is_null(v))
		return xstrdup("\"args\" must be an object");
	return NULL;
}

int
ctl_req_parse(const char *line, size_t len, struct ctl_req *req,
    const char **code, char **msg, json_t **idp)
{
	json_error_t	 jerr;
	json_t		*root, *id, *args;

	memset(req, 0, sizeof *req);
	*idp = NULL;
	if ((root = json_loadb(line, len, CTL_JSON_FLAGS, &jerr)) == NULL) {
		*code = CTL_E_PARSE;
		*msg = xasprintf("invalid JSON at column %d: %s", jerr.column,
		    jerr.text);
		return EBADMSG;
	}
	*code = CTL_E_REQUEST;
	if (!json_is_object(root)) {
		*msg = xstrdup("a request must be a JSON object");
		goto fail;
	}
	id = json_object_get(root, "id");
	if (id != NULL && !ctl_id_valid(id)) {
		*msg = xstrdup("\"id\" must be an integer, a string or null");
		goto fail;
	}
	if (id != NULL)
		*idp = json_incref(id);
	if ((*msg = ctl_req_check(root)) != NULL)
		goto fail;
	args = json_object_get(root, "args");
	if (args == NULL || json_is_null(args)) {
		args = json_object();
		json_object_set_new(root, "args", args);
	}
	req->root = root;
	req->id = id;
	req->cmd = json_string_value(json_object_get(root, "cmd"));
	req->args = args;
	return 0;
fail:
	json_decref(root);
	return EBADMSG;
}

void
ctl_req_clear(struct ctl_req *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof *req);
}

/* Serialise root on one line and add the newline. */
static char *
ctl_dump_line(json_t *root)
{
	char	*s, *line;
	size_t	 n;

	s = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(root);
	if (s == NULL)
		abort();	/* only out of memory: all input was valid */
	n = strlen(s);
	line = xmalloc(n + 2);
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	free(s);
	return line;
}

static json_t *
ctl_id_copy(const json_t *id)
{
	return id != NULL ? json_deep_copy(id) : json_null();
}

char *
ctl_encode_request(const json_t *id, const char *cmd, const json_t *args)
{
	json_t	*root;

	root = json_object();
	json_object_set_new(root, "id", ctl_id_copy(id));
	json_object_set_new(root, "cmd", json_string(cmd));
	if (args != NULL)
		json_object_set_new(root, "args", json_deep_copy(args));
	return ctl_dump_line(root);
}

char *
ctl_encode_result(const json_t *id, const json_t *result)
{
	json_t	*root;

	root = json_object();
	json_object_set_new(root, "id", ctl_id_copy(id));
	json_object_set_new(root, "result",
	    result != NULL ? json_deep_copy(result) : json_object());
	return ctl_dump_line(root);
}

char *
ctl_encode_error(const json_t *id, const char *code, const char *message)
{
	json_t	*root;

	root = json_object();
	json_object_set_new(root, "id", ctl_id_copy(id));
	json_object_set_new(root, "error", json_pack("{s:s, s:s}",
	    "code", code, "message", message));
	return ctl_dump_line(root);
}

char *
ctl_encode_event(const char *event, const json_t *fields)
{
	json_t		*root, *v;
	const char	*key;

	root = json_object();
	json_object_set_new(root, "event", json_string(event));
	if (fields != NULL) {
		json_object_foreach((json_t *)fields, key, v) {
			if (strcmp(key, "event") != 0)
				json_object_set_new(root, key,
				    json_deep_copy(v));
		}
	}
	return ctl_dump_line(root);
}

static int
ctl_msg_error(json_t *err, struct ctl_msg *msg)
{
	json_t	*code, *message;

	code = json_object_get(err, "code");
	message = json_object_get(err, "message");
	if (!json_is_string(code) || !json_is_string(message))
		return EBADMSG;
	msg->type = CTL_MSG_ERROR;
	msg->code = json_string_value(code);
	msg->message = json_string_value(message);
	return 0;
}

int
ctl_msg_parse(const char *line, size_t len, struct ctl_msg *msg)
{
	json_t	*root, *v;
	int	 rc = EBADMSG;

	memset(msg, 0, sizeof *msg);
	if ((root = json_loadb(line, len, CTL_JSON_FLAGS, NULL)) == NULL)
		return EBADMSG;
	if (!json_is_object(root))
		goto out;
	if ((v = json_object_get(root, "event")) != NULL) {
		if (!json_is_string(v))
			goto out;
		msg->type = CTL_MSG_EVENT;
		msg->event = json_string_value(v);
		rc = 0;
		goto out;
	}
	msg->id = json_object_get(root, "id");
	if (msg->id == NULL || !ctl_id_valid(msg->id))
		goto out;
	if ((v = json_object_get(root, "result")) != NULL) {
		msg->type = CTL_MSG_RESULT;
		msg->result = v;
		rc = 0;
	} else if (json_is_object(v = json_object_get(root, "error")))
		rc = ctl_msg_error(v, msg);
out:
	if (rc == 0)
		msg->root = root;
	else {
		json_decref(root);
		memset(msg, 0, sizeof *msg);
	}
	return rc;
}

void
ctl_msg_clear(struct ctl_msg *msg)
{
	json_decref(msg->root);
	memset(msg, 0, sizeof *msg);
}
