/*
 * ctl_proto.h - the control socket's line codec (STYLE.md §8).
 *
 * One JSON object per line, read and written with jansson:
 *
 *   request  {"id":N,"cmd":"name","args":{...}}
 *   answer   {"id":N,"result":...}
 *            {"id":N,"error":{"code":"...","message":"..."}}
 *   event    {"event":"name",...}          (after subscribe)
 *
 * "id" is an integer, a string or null and is echoed back; "args" may be
 * left out.  No I/O here: the daemon (ctl.c) and p2psipctl both use it, and
 * tests/fuzz/fuzz_ctl.c fuzzes it.
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#include <stddef.h>

#include <jansson.h>

/* Longest request line the daemon accepts, newline excluded. */
#define CTL_LINE_MAX	(64 * 1024)
/* Longest answer or event line p2psipctl accepts. */
#define CTL_REPLY_MAX	(4 * 1024 * 1024)

/* Error codes in {"error":{"code":...}}. */
#define CTL_E_PARSE	"parse-error"	/* the line is not JSON */
#define CTL_E_REQUEST	"bad-request"	/* JSON, but not a request */
#define CTL_E_UNKNOWN	"unknown-command"
#define CTL_E_ARGS	"bad-args"	/* arguments don't fit the command */
#define CTL_E_TOOLONG	"line-too-long"	/* connection closed after it */
#define CTL_E_DENIED	"denied"	/* peer credentials refused */
#define CTL_E_BUSY	"busy"		/* too many connections */
#define CTL_E_FAILED	"failed"	/* the command ran and failed */

struct ctl_req {
	json_t		*root;		/* owns everything below */
	json_t		*id;		/* integer, string or null */
	const char	*cmd;
	json_t		*args;		/* an object, possibly empty */
};

/*
 * Find the first line in buf.  Returns 0 with *linelen (without the "\n"
 * and an optional "\r" before it) and *used (bytes to consume, newline
 * included); ENODATA when no newline has come yet; EMSGSIZE when the line
 * is, or will be, longer than max.
 */
int	 ctl_line_find(const char *buf, size_t len, size_t max,
	    size_t *linelen, size_t *used);

/*
 * Parse a request line (no newline).  Returns 0 and fills req (clear it
 * with ctl_req_clear), or EBADMSG with *code set to CTL_E_PARSE or
 * CTL_E_REQUEST, *msg to an allocated explanation, and *id to the request's
 * id when one could be read (a new reference, or NULL).
 */
int	 ctl_req_parse(const char *line, size_t len, struct ctl_req *req,
	    const char **code, char **msg, json_t **id);
void	 ctl_req_clear(struct ctl_req *);

/*
 * Encoders.  Each returns an allocated line ending in "\n" (free(3) it).
 * id may be NULL for null; result, args and fields are borrowed.
 */
char	*ctl_encode_request(const json_t *id, const char *cmd,
	    const json_t *args);
char	*ctl_encode_result(const json_t *id, const json_t *result);
char	*ctl_encode_error(const json_t *id, const char *code,
	    const char *message);
/* fields: an object whose members go beside "event", or NULL. */
char	*ctl_encode_event(const char *event, const json_t *fields);

enum ctl_msg_type {
	CTL_MSG_RESULT,
	CTL_MSG_ERROR,
	CTL_MSG_EVENT,
};

/* A line the daemon sent, as p2psipctl reads it. */
struct ctl_msg {
	enum ctl_msg_type type;
	json_t		*root;		/* owns everything below */
	json_t		*id;		/* RESULT, ERROR: the id, or NULL */
	json_t		*result;	/* RESULT */
	const char	*code;		/* ERROR */
	const char	*message;	/* ERROR */
	const char	*event;		/* EVENT: its name */
};

/* Parse one line from the daemon.  0, or EBADMSG when it is none of the
 * three forms. */
int	 ctl_msg_parse(const char *line, size_t len, struct ctl_msg *msg);
void	 ctl_msg_clear(struct ctl_msg *);

#endif
