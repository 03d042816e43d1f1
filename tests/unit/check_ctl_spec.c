/*
 * check_ctl_spec.c - command specs: usage lines, argv to args, argument
 * checks, the dispatcher's answers, and p2psipctl's table printer.
 */
#define _GNU_SOURCE		/* open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "ctl_cmd.h"
#include "ctl_print.h"
#include "ctl_proto.h"
#include "ctl_spec.h"
#include "version.h"
#include "xmalloc.h"

/* A command with every kind of argument, to test the generic code. */
static const struct ctl_arg t_args[] = {
	{ "target", CTL_ARG_STRING, CTL_ARG_POSITIONAL | CTL_ARG_REQUIRED,
	    0, 0, "who" },
	{ "file", CTL_ARG_PATH, CTL_ARG_POSITIONAL, 0, 0, "what" },
	{ "expires", CTL_ARG_INT, 0, 1, 3600, "how long" },
	{ "force", CTL_ARG_BOOL, 0, 0, 0, "really" },
	{ "wait", CTL_ARG_INT, CTL_ARG_CLIENT, 0, 0, "client side" },
	{ NULL, 0, 0, 0, 0, NULL }
};
static const struct ctl_spec t_spec = { "t", "tt", "test", t_args, 0 };

static json_t *
argv_ok(const struct ctl_spec *spec, int argc, const char **argv)
{
	json_t	*args = NULL;
	char	*msg = NULL;

	ck_assert_msg(ctl_spec_parse_argv(spec, argc, argv, "/home/u", &args,
	    &msg) == 0, "%s", msg);
	return args;
}

static void
argv_err(const struct ctl_spec *spec, int argc, const char **argv,
    const char *want)
{
	json_t	*args = NULL;
	char	*msg = NULL;

	ck_assert_int_eq(ctl_spec_parse_argv(spec, argc, argv, "/home/u",
	    &args, &msg), EINVAL);
	ck_assert_ptr_null(args);
	ck_assert_str_eq(msg, want);
	free(msg);
}

START_TEST(usage_lines)
{
	char	*u;

	u = ctl_spec_usage(&t_spec, true);
	ck_assert_str_eq(u, "tt TARGET [FILE] [--expires EXPIRES] [--force] "
	    "[--wait WAIT]");
	free(u);
	u = ctl_spec_usage(&t_spec, false);
	ck_assert_str_eq(u, "t TARGET [FILE] [--expires EXPIRES] [--force]");
	free(u);
	u = ctl_spec_usage(ctl_spec_find("log-level", false), true);
	ck_assert_str_eq(u, "log-level [LEVEL]");
	free(u);
	u = ctl_spec_usage(ctl_spec_find("events", true), true);
	ck_assert_str_eq(u, "events [--count COUNT]");
	free(u);
	ck_assert_ptr_null(ctl_spec_find("events", false));
}
END_TEST

START_TEST(argv_to_args)
{
	const char	*a1[] = { "bob", "rec.wav", "--expires", "60", "--force" };
	const char	*a2[] = { "--expires", "1", "alice", "/abs/f" };
	json_t	*args;

	args = argv_ok(&t_spec, 5, a1);
	ck_assert_str_eq(json_string_value(json_object_get(args, "target")),
	    "bob");
	ck_assert_str_eq(json_string_value(json_object_get(args, "file")),
	    "/home/u/rec.wav");
	ck_assert_int_eq(json_integer_value(json_object_get(args, "expires")),
	    60);
	ck_assert(json_is_true(json_object_get(args, "force")));
	json_decref(args);
	args = argv_ok(&t_spec, 4, a2);
	ck_assert_str_eq(json_string_value(json_object_get(args, "file")),
	    "/abs/f");
	json_decref(args);
}
END_TEST

/* An optional positional before a required one: a lone word is the
 * required one's ("dtmf [CALL] DIGITS"). */
START_TEST(argv_optional_first)
{
	const struct ctl_spec	*dtmf = ctl_spec_find("dtmf", false);
	const char		*one[] = { "159#" };
	const char		*two[] = { "--duration", "60", "2", "1" };
	const char		*three[] = { "2", "1", "5" };
	const char		*none[] = { "--duration", "60" };
	char			*u;
	json_t			*args;

	u = ctl_spec_usage(dtmf, true);
	ck_assert_str_eq(u, "dtmf [CALL] DIGITS [--duration DURATION]");
	free(u);
	args = argv_ok(dtmf, 1, one);
	ck_assert_str_eq(json_string_value(json_object_get(args, "digits")),
	    "159#");
	ck_assert_ptr_null(json_object_get(args, "call"));
	json_decref(args);
	args = argv_ok(dtmf, 4, two);
	ck_assert_int_eq(json_integer_value(json_object_get(args, "call")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(args, "digits")),
	    "1");
	ck_assert_int_eq(json_integer_value(json_object_get(args,
	    "duration")), 60);
	json_decref(args);
	argv_err(dtmf, 3, three, "unexpected argument: 5");
	argv_err(dtmf, 2, none, "dtmf needs argument \"digits\"");
	argv_err(dtmf, 2, (const char *[]){ "x", "1" },
	    "call: not an integer: x");
}
END_TEST

START_TEST(argv_errors)
{
	const char	*missing[] = { "--force" };
	const char	*extra[] = { "a", "b", "c" };
	const char	*unknown[] = { "a", "--nope" };
	const char	*novalue[] = { "a", "--expires" };
	const char	*notint[] = { "a", "--expires", "12x" };
	const char	*range[] = { "a", "--expires", "0" };
	const char	*twice[] = { "a", "--force", "--force" };
	const char	*badutf8[] = { "\xff" };

	argv_err(&t_spec, 1, missing, "t needs argument \"target\"");
	argv_err(&t_spec, 3, extra, "unexpected argument: c");
	argv_err(&t_spec, 2, unknown, "unknown option --nope");
	argv_err(&t_spec, 2, novalue, "option --expires needs a value");
	argv_err(&t_spec, 3, notint, "expires: not an integer: 12x");
	argv_err(&t_spec, 3, range,
	    "argument \"expires\" must be between 1 and 3600");
	argv_err(&t_spec, 3, twice, "force given twice");
	argv_err(&t_spec, 1, badutf8, "target: not valid UTF-8");
	argv_err(ctl_spec_find("status", false), 1, extra,
	    "unexpected argument: a");
}
END_TEST

/*
 * A secret (identity export's passphrase) is sent in the request but
 * never taken from the command line, where ps shows it; p2psipctl's
 * usage leaves it out, the protocol's has it.
 */
START_TEST(secret_args)
{
	const struct ctl_spec	*spec = ctl_spec_find("identity export",
				    true);
	const char		*secret[] = { "alice", "f.p12", "--passphrase",
				    "hunter22" };
	json_t			*args;
	char			*u;

	ck_assert_ptr_nonnull(spec);
	ck_assert_str_eq(spec->name, "identity-export");
	argv_err(spec, 4, secret, "--passphrase: never on the command line "
	    "(ps shows it): use --passphrase-file, P2PSIPD_PASSPHRASE or the "
	    "terminal");
	u = ctl_spec_usage(spec, true);
	ck_assert_str_eq(u, "identity export AOR FILE [--passphrase-file "
	    "PASSPHRASE_FILE] [--force]");
	free(u);
	u = ctl_spec_usage(spec, false);
	ck_assert_str_eq(u, "identity-export AOR FILE [--passphrase "
	    "PASSPHRASE] [--force]");
	free(u);
	args = json_pack("{s:s, s:s, s:s}", "aor", "alice", "file", "/f",
	    "passphrase", "hunter22");
	u = NULL;
	ck_assert_int_eq(ctl_spec_check(spec, args, false, &u), 0);
	json_decref(args);
}
END_TEST

START_TEST(check_args)
{
	json_t	*args;
	char	*msg = NULL;

	args = json_pack("{s:s, s:i}", "target", "x", "expires", 5);
	ck_assert_int_eq(ctl_spec_check(&t_spec, args, false, &msg), 0);
	json_object_set_new(args, "expires", json_string("5"));
	ck_assert_int_eq(ctl_spec_check(&t_spec, args, false, &msg), EINVAL);
	ck_assert_str_eq(msg, "argument \"expires\" must be an integer");
	free(msg);
	json_object_set_new(args, "expires", json_integer(5));
	json_object_set_new(args, "file", json_string("relative"));
	ck_assert_int_eq(ctl_spec_check(&t_spec, args, false, &msg), EINVAL);
	ck_assert_str_eq(msg, "argument \"file\" must be an absolute path");
	free(msg);
	json_object_del(args, "file");
	/* The client's own arguments are not the daemon's. */
	json_object_set_new(args, "wait", json_integer(1));
	ck_assert_int_eq(ctl_spec_check(&t_spec, args, true, &msg), 0);
	ck_assert_int_eq(ctl_spec_check(&t_spec, args, false, &msg), EINVAL);
	ck_assert_str_eq(msg, "t takes no argument \"wait\"");
	free(msg);
	json_object_del(args, "target");
	json_object_del(args, "wait");
	ck_assert_int_eq(ctl_spec_check(&t_spec, args, false, &msg), EINVAL);
	ck_assert_str_eq(msg, "t needs argument \"target\"");
	free(msg);
	json_decref(args);
}
END_TEST

START_TEST(tables_agree)
{
	char	*cause = NULL;

	ck_assert_msg(ctl_cmd_check_tables(&cause), "%s", cause);
}
END_TEST

/* Run a request through the dispatcher and parse the answer. */
static void
handle(const char *line, struct ctl_msg *m, unsigned *flags)
{
	char	*answer;

	answer = ctl_cmd_handle(NULL, 1, line, strlen(line), flags);
	ck_assert_ptr_eq(strchr(answer, '\n'), answer + strlen(answer) - 1);
	ck_assert_int_eq(ctl_msg_parse(answer, strlen(answer), m), 0);
	free(answer);
}

START_TEST(dispatch)
{
	struct ctl_msg	m;
	unsigned	flags;

	handle("{\"id\":1,\"cmd\":\"hello\"}", &m, &flags);
	ck_assert_int_eq(m.type, CTL_MSG_RESULT);
	ck_assert_int_eq(json_integer_value(json_object_get(m.result,
	    "protocol")), CTL_PROTOCOL_VERSION);
	ctl_msg_clear(&m);

	handle("{\"id\":2,\"cmd\":\"nope\"}", &m, &flags);
	ck_assert_int_eq(m.type, CTL_MSG_ERROR);
	ck_assert_str_eq(m.code, CTL_E_UNKNOWN);
	ck_assert_int_eq(json_integer_value(m.id), 2);
	ctl_msg_clear(&m);

	/* The alias is p2psipctl's; the protocol name is subscribe. */
	handle("{\"id\":2,\"cmd\":\"events\"}", &m, &flags);
	ck_assert_str_eq(m.code, CTL_E_UNKNOWN);
	ctl_msg_clear(&m);

	handle("{\"id\":\"s\",\"cmd\":\"subscribe\",\"args\":{\"count\":1}}",
	    &m, &flags);
	ck_assert_str_eq(m.code, CTL_E_ARGS);
	ck_assert_uint_eq(flags, 0);
	ctl_msg_clear(&m);

	handle("{\"id\":3,\"cmd\":\"help\",\"args\":{\"command\":\"events\"}}",
	    &m, &flags);
	ck_assert_int_eq(m.type, CTL_MSG_RESULT);
	ck_assert_str_eq(json_string_value(json_object_get(m.result, "name")),
	    "subscribe");
	ck_assert(json_is_true(json_object_get(m.result, "stream")));
	ctl_msg_clear(&m);

	handle("{\"id\":4,\"cmd\":\"help\"}", &m, &flags);
	ck_assert_uint_gt(json_array_size(json_object_get(m.result,
	    "commands")), 5);
	ctl_msg_clear(&m);

	handle("{\"id\":5,\"cmd\":\"help\",\"args\":{\"command\":7}}", &m,
	    &flags);
	ck_assert_str_eq(m.code, CTL_E_ARGS);
	ck_assert_str_eq(m.message, "argument \"command\" must be a string");
	ctl_msg_clear(&m);

	handle("{oops", &m, &flags);
	ck_assert_str_eq(m.code, CTL_E_PARSE);
	ck_assert(json_is_null(m.id));
	ctl_msg_clear(&m);
}
END_TEST

static char *
print_to_string(const json_t *v)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	ctl_print_result(f, v);
	fclose(f);
	return buf;
}

START_TEST(print_result)
{
	json_t	*v;
	char	*s;

	v = json_pack("{s:s, s:n, s:b, s:{s:i}, s:[s,s], s:[]}", "state", "up",
	    "node_id", "ok", 1, "store", "starts", 3, "ids", "a", "b",
	    "none");
	s = print_to_string(v);
	ck_assert_str_eq(s,
	    "state         up\n"
	    "node_id       -\n"
	    "ok            yes\n"
	    "store.starts  3\n"
	    "ids           a, b\n"
	    "none          -\n");
	free(s);
	json_decref(v);
	v = json_pack("{s:i, s:[{s:s, s:i}, {s:s, s:i}]}", "n", 2, "peers",
	    "id", "abc", "bytes", 10, "id", "d", "bytes", 12345);
	s = print_to_string(v);
	ck_assert_str_eq(s,
	    "n  2\n"
	    "\n"
	    "peers:\n"
	    "id   bytes\n"
	    "abc  10\n"
	    "d    12345\n");
	free(s);
	json_decref(v);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ctl_spec");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, usage_lines);
	tcase_add_test(tc, argv_to_args);
	tcase_add_test(tc, argv_optional_first);
	tcase_add_test(tc, argv_errors);
	tcase_add_test(tc, secret_args);
	tcase_add_test(tc, check_args);
	tcase_add_test(tc, tables_agree);
	tcase_add_test(tc, dispatch);
	tcase_add_test(tc, print_result);
	suite_add_tcase(s, tc);
	return s;
}
