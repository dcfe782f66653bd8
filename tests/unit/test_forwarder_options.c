/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the forwarder's command line (infra/forwarder/options.c): strict numbers. */
#include "unit.h"

#include "forwarder/options.h"

#include <limits.h>

#define BASE "--control", "/run/x.sock", "--infra-pid", "42"

static int parse(struct fwd_options *o, rci_error_t *err, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	FILE *out = fopen("/dev/null", "we");
	int r = fwd_options_parse(argc, argv, o, out, err);
	fclose(out);
	return r;
}

static void test_defaults_and_values(void **state)
{
	(void)state;
	struct fwd_options o;
	rci_error_t err = NULL;
	char *min[] = {"fwd", BASE, NULL};
	ut_assert_ok(parse(&o, &err, min), &err);
	assert_string_equal(o.control, "/run/x.sock");
	assert_int_equal(o.infra_pid, 42);
	assert_int_equal(o.ready_fd, -1);
	assert_int_equal(o.udp_timeout, FWD_DEFAULT_UDP_TIMEOUT);
	assert_int_equal(o.udp_flows, FWD_DEFAULT_UDP_FLOWS);
	assert_int_equal(o.pipe_size, FWD_DEFAULT_PIPE_SIZE);
	assert_true(o.keep_source);
	assert_false(o.debug);
	assert_null(o.log);
	fwd_options_free(&o);

	char *all[] = {"fwd",
		       BASE,
		       "--infra-start-time",
		       "18446744073709551615",
		       "--ready-fd",
		       "3",
		       "--log",
		       "/tmp/l",
		       "--idle-udp-timeout",
		       "86400",
		       "--max-udp-flows",
		       "1",
		       "--pipe-size",
		       "67108864",
		       "--no-source-address",
		       "--debug",
		       NULL};
	ut_assert_ok(parse(&o, &err, all), &err);
	assert_true(o.infra_start == ULLONG_MAX);
	assert_int_equal(o.ready_fd, 3);
	assert_string_equal(o.log, "/tmp/l");
	assert_int_equal(o.udp_timeout, 86400);
	assert_int_equal(o.udp_flows, 1);
	assert_int_equal(o.pipe_size, 64 << 20);
	assert_false(o.keep_source);
	assert_true(o.debug);
	fwd_options_free(&o);

	char *help[] = {"fwd", "--help", NULL};
	assert_int_equal(parse(&o, &err, help), 1);
	fwd_options_free(&o);
}

static void test_bad_command_lines(void **state)
{
	(void)state;
	static const struct {
		const char *opt, *arg, *why;
	} bad[] = {
	    {"--infra-pid", "0", "`0` is not a number from 1 to 2147483647"},
	    {"--infra-pid", "-1", "is not a number"},
	    {"--infra-pid", "+1", "is not a number"},
	    {"--infra-pid", " 1", "is not a number"},
	    {"--infra-pid", "1 ", "is not a number"},
	    {"--infra-pid", "0x10", "is not a number"},
	    {"--infra-pid", "2147483648", "is not a number"},
	    {"--infra-pid", "", "`` is not a number"},
	    {"--infra-start-time", "18446744073709551616", "is not a number"},
	    {"--infra-start-time", "0", "is not a number"},
	    {"--ready-fd", "2", "from 3 to"},
	    {"--idle-udp-timeout", "86401", "from 1 to 86400"},
	    {"--idle-udp-timeout", "0", "from 1 to 86400"},
	    {"--max-udp-flows", "65537", "from 1 to 65536"},
	    {"--pipe-size", "4095", "from 4096 to 67108864"},
	    {"--pipe-size", "1e6", "is not a number"},
	    {"--control", "", "option `--control` needs a path"},
	    {"--log", "", "option `--log` needs a path"},
	    {"--bogus", NULL, "unknown option `--bogus`"},
	    {"-h", NULL, "unknown option `-h`"},
	    {"extra", NULL, "unexpected argument `extra`"},
	    {"--idle-udp-timeout", "1\n2", "`1?2` is not a number"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fwd_options o;
		rci_error_t err = NULL;
		char *argv[] = {"fwd", BASE, (char *)bad[i].opt, (char *)bad[i].arg, NULL};
		if (parse(&o, &err, argv) >= 0)
			fail_msg("`%s %s` accepted", bad[i].opt, bad[i].arg ? bad[i].arg : "");
		assert_int_equal(err->kind, RCI_ERR_USAGE);
		if (!strstr(err->msg, bad[i].why))
			fail_msg("`%s`: `%s` lacks `%s`", bad[i].opt, err->msg, bad[i].why);
		assert_null(strchr(err->msg, '\n'));
		rci_error_release(&err);
		fwd_options_free(&o);
	}
	static const struct {
		char *argv[4];
		const char *why;
	} missing[] = {
	    {{"fwd", "--infra-pid", "1", NULL}, "option `--control` is required"},
	    {{"fwd", "--control", "/x", NULL}, "option `--infra-pid` is required"},
	    {{"fwd", "--control", NULL, NULL}, "option `--control` requires an argument"},
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct fwd_options o;
		rci_error_t err = NULL;
		assert_int_equal(parse(&o, &err, (char **)missing[i].argv), -1);
		if (!strstr(err->msg, missing[i].why))
			fail_msg("`%s` lacks `%s`", err->msg, missing[i].why);
		rci_error_release(&err);
		fwd_options_free(&o);
	}
}

static void test_parse_number(void **state)
{
	(void)state;
	unsigned long long v = 7;
	assert_int_equal(fwd_parse_number("0", 0, 1, &v), 0);
	assert_true(v == 0);
	assert_int_equal(fwd_parse_number("00042", 0, 100, &v), 0);
	assert_true(v == 42);
	assert_int_equal(fwd_parse_number("18446744073709551615", 0, ULLONG_MAX, &v), 0);
	assert_true(v == ULLONG_MAX);
	assert_int_equal(fwd_parse_number("18446744073709551616", 0, ULLONG_MAX, &v), -1);
	assert_int_equal(fwd_parse_number("000000000000000000001", 0, 9, &v), -1); /* 21 digits */
	assert_int_equal(fwd_parse_number("101", 0, 100, &v), -1);
	assert_int_equal(fwd_parse_number("4", 5, 100, &v), -1);
	assert_true(v == ULLONG_MAX); /* untouched by failures */
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_defaults_and_values),
					  cmocka_unit_test(test_bad_command_lines),
					  cmocka_unit_test(test_parse_number)};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
