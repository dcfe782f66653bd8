/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/lib/util.c's bounded number parsing (issue 13, bug 9): every number the
 * helper, the CNI runtime and the launcher read from text goes through these. */
#include "unit.h"

#include <math.h>

#include "number.h"
#include "util.h"

static void assert_double_rejected(const char *text, double min, double max, int want_errno)
{
	double v = 12345;
	errno = 0;
	if (rci_parse_double(text, min, max, &v) != -1)
		fail_msg("`%s` was accepted as %g", text, v);
	assert_int_equal(errno, want_errno);
	assert_true(v == 12345); /* untouched on failure */
}

static void test_parse_double_accepts_plain_decimals(void **state)
{
	(void)state;
	double v = 0;
	assert_int_equal(rci_parse_double("5", 0.001, 86400, &v), 0);
	assert_true(v == 5);
	assert_int_equal(rci_parse_double("0.5", 0.001, 86400, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(rci_parse_double(".25", 0, 1, &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(rci_parse_double("1e3", 0, 86400, &v), 0);
	assert_true(v == 1000);
	assert_int_equal(rci_parse_double("86400", 0.001, 86400, &v), 0);
	assert_true(v == 86400);
	assert_int_equal(rci_parse_double("-2.5", -10, 10, &v), 0);
	assert_true(v == -2.5);
	assert_int_equal(rci_parse_double("+3", 0, 10, &v), 0);
	assert_true(v == 3);
}

static void test_parse_double_rejects_junk(void **state)
{
	(void)state;
	static const char *const junk[] = {"",	       " 5",   "5 ",	"\t5",	  "5\n",  "5s",
					   "nan",      "NAN",  "-nan",	"nan(1)", "inf",  "-inf",
					   "Infinity", "0x10", "0x1p3", "5,0",	  "1e",	  "--1",
					   "e5",       ".",    "+",	"1.2.3",  "5\x01"};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(junk); i++)
		assert_double_rejected(junk[i], -1e6, 1e6, EINVAL);
	assert_double_rejected(NULL, 0, 1, EINVAL);
}

static void test_parse_double_bounds(void **state)
{
	(void)state;
	assert_double_rejected("-1", 0.001, 86400, ERANGE);
	assert_double_rejected("0", 0.001, 86400, ERANGE);
	assert_double_rejected("1e9", 0.001, 86400, ERANGE);
	assert_double_rejected("86400.5", 0.001, 86400, ERANGE);
	/* Beyond double's range: strtod gives HUGE_VAL, which is not a number either. */
	assert_double_rejected("1e999", 0, INFINITY, ERANGE);
	assert_double_rejected("-1e999", -INFINITY, 0, ERANGE);
}

static void assert_ulong_rejected(const char *text, unsigned long min, unsigned long max,
				  int want_errno)
{
	unsigned long v = 12345;
	errno = 0;
	if (rci_parse_ulong(text, min, max, &v) != -1)
		fail_msg("`%s` was accepted as %lu", text, v);
	assert_int_equal(errno, want_errno);
	assert_true(v == 12345);
}

static void test_parse_ulong(void **state)
{
	(void)state;
	unsigned long v = 0;
	assert_int_equal(rci_parse_ulong("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rci_parse_ulong("4194304", 1, 4194304, &v), 0);
	assert_int_equal(v, 4194304);
	assert_int_equal(rci_parse_ulong("024", 0, 32, &v), 0);
	assert_int_equal(v, 24);
	assert_int_equal(rci_parse_ulong("18446744073709551615", 0, ~0UL, &v), 0);
	assert_true(v == ~0UL);
	static const char *const junk[] = {"",	   " 1", "1 ", "+1",  "-1",  "1.0", "1e3",
					   "0x10", "1a", "a1", "nan", "inf", "1\n", "\n"};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(junk); i++)
		assert_ulong_rejected(junk[i], 0, ~0UL, EINVAL);
	assert_ulong_rejected(NULL, 0, 1, EINVAL);
	assert_ulong_rejected("18446744073709551616", 0, ~0UL, ERANGE);
	assert_ulong_rejected("99999999999999999999999", 0, ~0UL, ERANGE);
	assert_ulong_rejected("0", 1, 10, ERANGE);
	assert_ulong_rejected("11", 1, 10, ERANGE);
}

/* One line for error messages (exec.c's plugin errors use the head variant: it replaced a copy). */
static void test_one_line_head_and_control_bytes(void **state)
{
	static const struct {
		const char *text;
		size_t max;
		bool head;
		const char *want;
	} cases[] = {
	    {"panic: boom\n\tgoroutine 1 [running]:\n\tmain.go:12\n", 0, true,
	     "panic: boom; goroutine 1 [running]:; main.go:12"},
	    {"panic: boom\ngoroutine 1\n", 14, true, "panic: boom..."},
	    {"panic: boom\ngoroutine 1\n", 14, false, "...goroutine 1"},
	    {"short", 14, true, "short"},
	    {"a\tb\x1b[31mred\r\n\x7f", 0, false, "a b?[31mred; ?"},
	    {NULL, 10, true, ""},
	};
	(void)state;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(cases); i++) {
		char *s = cases[i].head ? rci_one_line_head(cases[i].text, cases[i].max)
					: rci_one_line(cases[i].text, cases[i].max);
		if (strcmp(s, cases[i].want) != 0)
			fail_msg("case %zu: `%s`, want `%s`", i, s, cases[i].want);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_double_accepts_plain_decimals),
	    cmocka_unit_test(test_parse_double_rejects_junk),
	    cmocka_unit_test(test_parse_double_bounds),
	    cmocka_unit_test(test_parse_ulong),
	    cmocka_unit_test(test_one_line_head_and_control_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
