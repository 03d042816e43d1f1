/*
 * check_ctl_proto.c - the control line codec: framing limits, request
 * validation with the error code each fault gets, and encode/parse round
 * trips of answers and events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "ctl_proto.h"
#include "xmalloc.h"

START_TEST(line_find)
{
	size_t	len = 0, used = 0;

	ck_assert_int_eq(ctl_line_find("abc\ndef", 7, 10, &len, &used), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(ctl_line_find("abc\r\n", 5, 10, &len, &used), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(used, 5);
	ck_assert_int_eq(ctl_line_find("\n", 1, 10, &len, &used), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(ctl_line_find("abc", 3, 10, &len, &used), ENODATA);
	ck_assert_int_eq(ctl_line_find("", 0, 10, &len, &used), ENODATA);
	ck_assert_int_eq(ctl_line_find(NULL, 0, 10, &len, &used), ENODATA);
}
END_TEST

/* The limit is on the line without its newline, exactly. */
START_TEST(line_limit)
{
	char	buf[32];
	size_t	len, used;

	memset(buf, 'x', sizeof buf);
	buf[4] = '\n';
	ck_assert_int_eq(ctl_line_find(buf, 5, 4, &len, &used), 0);
	buf[4] = '\r';
	buf[5] = '\n';
	ck_assert_int_eq(ctl_line_find(buf, 6, 4, &len, &used), 0);
	ck_assert_uint_eq(len, 4);
	buf[4] = 'x';
	ck_assert_int_eq(ctl_line_find(buf, 6, 4, &len, &used), EMSGSIZE);
	/* A partial line already past the limit is refused early. */
	memset(buf, 'x', sizeof buf);
	ck_assert_int_eq(ctl_line_find(buf, 5, 4, &len, &used), ENODATA);
	ck_assert_int_eq(ctl_line_find(buf, 6, 4, &len, &used), EMSGSIZE);
	ck_assert_int_eq(ctl_line_find(buf, 32, 4, &len, &used), EMSGSIZE);
}
END_TEST

static void
req_ok(const char *line, struct ctl_req *req)
{
	const char	*code = NULL;
	char		*msg = NULL;
	json_t		*id = NULL;
	int		 rc;

	rc = ctl_req_parse(line, strlen(line), req, &code, &msg, &id);
	ck_assert_msg(rc == 0, "%s: %s", line, msg);
	json_decref(id);
}

START_TEST(request_forms)
{
	struct ctl_req	req;

	req_ok("{\"id\":7,\"cmd\":\"status\"}", &req);
	ck_assert_str_eq(req.cmd, "status");
	ck_assert_int_eq(json_integer_value(req.id), 7);
	ck_assert(json_is_object(req.args));
	ck_assert_uint_eq(json_object_size(req.args), 0);
	ctl_req_clear(&req);

	req_ok("{\"cmd\":\"x\",\"id\":\"abc\",\"args\":{\"a\":[1,2]}}", &req);
	ck_assert_str_eq(json_string_value(req.id), "abc");
	ck_assert_int_eq(json_integer_value(json_array_get(
	    json_object_get(req.args, "a"), 1)), 2);
	ctl_req_clear(&req);

	req_ok("  {\"cmd\":\"x\",\"args\":null}  ", &req);
	ck_assert_ptr_null(req.id);
	ck_assert(json_is_object(req.args));
	ctl_req_clear(&req);
}
END_TEST

/* Each malformed request: its error code, its message, and the id. */
static const struct {
	const char	*line;
	const char	*code;
	const char	*msg;
	const char	*id;	/* JSON of the id echoed, or NULL */
} bad_requests[] = {
	{ "", CTL_E_PARSE, "invalid JSON at column 0: '[' or '{' expected "
	    "near end of file", NULL },
	{ "{\"cmd\":\"x\"", CTL_E_PARSE, NULL, NULL },
	{ "[1]", CTL_E_REQUEST, "a request must be a JSON object", NULL },
	{ "{\"id\":1.5,\"cmd\":\"x\"}", CTL_E_REQUEST,
	    "\"id\" must be an integer, a string or null", NULL },
	{ "{\"id\":{},\"cmd\":\"x\"}", CTL_E_REQUEST, NULL, NULL },
	{ "{\"id\":3}", CTL_E_REQUEST, "\"cmd\" must be a command name", "3" },
	{ "{\"id\":3,\"cmd\":\"\"}", CTL_E_REQUEST, NULL, "3" },
	{ "{\"id\":3,\"cmd\":5}", CTL_E_REQUEST, NULL, "3" },
	{ "{\"id\":\"q\",\"cmd\":\"a\\u0000b\"}", CTL_E_PARSE, NULL, NULL },
	{ "{\"id\":4,\"cmd\":\"x\",\"args\":[]}", CTL_E_REQUEST,
	    "\"args\" must be an object", "4" },
	{ "{\"id\":4,\"cmd\":\"x\",\"args\":\"a\"}", CTL_E_REQUEST, NULL,
	    "4" },
	{ "{\"id\":5,\"cmd\":\"x\",\"extra\":1}", CTL_E_REQUEST,
	    "unknown member \"extra\"", "5" },
	{ "{\"id\":6,\"cmd\":\"x\",\"cmd\":\"y\"}", CTL_E_PARSE, NULL, NULL },
	{ "{\"id\":6,\"cmd\":\"x\"} {}", CTL_E_PARSE, NULL, NULL },
	{ "{\"cmd\":\"\xff\"}", CTL_E_PARSE, NULL, NULL },
};

START_TEST(request_errors)
{
	struct ctl_req	 req;
	const char	*code = NULL;
	char		*msg = NULL, *idtext;
	json_t		*id = NULL;
	size_t		 i = (size_t)_i;

	ck_assert_int_eq(ctl_req_parse(bad_requests[i].line,
	    strlen(bad_requests[i].line), &req, &code, &msg, &id), EBADMSG);
	ck_assert_str_eq(code, bad_requests[i].code);
	ck_assert_ptr_nonnull(msg);
	if (bad_requests[i].msg != NULL)
		ck_assert_str_eq(msg, bad_requests[i].msg);
	if (bad_requests[i].id == NULL)
		ck_assert_ptr_null(id);
	else {
		idtext = json_dumps(id, JSON_ENCODE_ANY);
		ck_assert_str_eq(idtext, bad_requests[i].id);
		free(idtext);
	}
	ck_assert_ptr_null(req.root);
	json_decref(id);
	free(msg);
}
END_TEST

/* An encoded line is one line and parses back to what went in. */
START_TEST(answers_round_trip)
{
	struct ctl_msg	 m;
	json_t		*id = json_integer(42), *res;
	char		*line;

	res = json_pack("{s:s, s:[i,i]}", "text", "two\nlines", "n", 1, 2);
	line = ctl_encode_result(id, res);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	ck_assert_int_eq(ctl_msg_parse(line, strlen(line) - 1, &m), 0);
	ck_assert_int_eq(m.type, CTL_MSG_RESULT);
	ck_assert_int_eq(json_integer_value(m.id), 42);
	ck_assert(json_equal(m.result, res));
	ctl_msg_clear(&m);
	free(line);

	line = ctl_encode_error(NULL, CTL_E_ARGS, "bad \"x\"");
	ck_assert_int_eq(ctl_msg_parse(line, strlen(line), &m), 0);
	ck_assert_int_eq(m.type, CTL_MSG_ERROR);
	ck_assert(json_is_null(m.id));
	ck_assert_str_eq(m.code, CTL_E_ARGS);
	ck_assert_str_eq(m.message, "bad \"x\"");
	ctl_msg_clear(&m);
	free(line);

	line = ctl_encode_request(id, "log-level", json_object_get(res, "n"));
	ck_assert_str_eq(line, "{\"id\":42,\"cmd\":\"log-level\","
	    "\"args\":[1,2]}\n");
	free(line);
	json_decref(res);
	json_decref(id);
}
END_TEST

START_TEST(events)
{
	struct ctl_msg	 m;
	json_t		*f;
	char		*line;

	f = json_pack("{s:s, s:s, s:i}", "level", "debug", "event", "fake",
	    "n", 3);
	line = ctl_encode_event("log-level", f);
	ck_assert_str_eq(line, "{\"event\":\"log-level\",\"level\":\"debug\","
	    "\"n\":3}\n");
	ck_assert_int_eq(ctl_msg_parse(line, strlen(line), &m), 0);
	ck_assert_int_eq(m.type, CTL_MSG_EVENT);
	ck_assert_str_eq(m.event, "log-level");
	ctl_msg_clear(&m);
	free(line);
	json_decref(f);
	line = ctl_encode_event("shutdown", NULL);
	ck_assert_str_eq(line, "{\"event\":\"shutdown\"}\n");
	free(line);
}
END_TEST

START_TEST(msg_errors)
{
	static const char *const bad[] = {
		"", "[]", "{}", "{\"id\":1}", "{\"event\":1}",
		"{\"id\":1,\"error\":{\"code\":\"x\"}}",
		"{\"id\":1,\"error\":\"x\"}", "{\"id\":[],\"result\":1}",
		"{\"result\":1}",
	};
	struct ctl_msg	m;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(ctl_msg_parse(bad[i], strlen(bad[i]), &m) ==
		    EBADMSG, "accepted %s", bad[i]);
		ck_assert_ptr_null(m.root);
	}
}
END_TEST

/* Non-ASCII text survives as \u escapes: lines are pure ASCII. */
START_TEST(ascii_lines)
{
	json_t	*res = json_pack("{s:s}", "name", "caf\xc3\xa9");
	char	*line = ctl_encode_result(NULL, res);

	ck_assert_str_eq(line, "{\"id\":null,\"result\":{\"name\":"
	    "\"caf\\u00E9\"}}\n");
	free(line);
	json_decref(res);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ctl_proto");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, line_find);
	tcase_add_test(tc, line_limit);
	tcase_add_test(tc, request_forms);
	tcase_add_loop_test(tc, request_errors, 0,
	    sizeof bad_requests / sizeof bad_requests[0]);
	tcase_add_test(tc, answers_round_trip);
	tcase_add_test(tc, events);
	tcase_add_test(tc, msg_errors);
	tcase_add_test(tc, ascii_lines);
	suite_add_tcase(s, tc);
	return s;
}
