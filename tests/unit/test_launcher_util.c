/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the helper/lib additions the launcher uses for its messages: joining, trimming,
 * folding a tool's output to one line, reading a log's tail. */
#include "unit.h"

#include "fs.h"
#include "util.h"

static void test_strv_join(void **state)
{
	(void)state;
	char *v[] = {"a", "b c", NULL};
	char *s = rci_strv_join(v, ", ", "`");
	assert_string_equal(s, "`a`, `b c`");
	free(s);
	s = rci_strv_join(v, ":", NULL);
	assert_string_equal(s, "a:b c");
	free(s);
	s = rci_strv_join(NULL, ", ", "`");
	assert_string_equal(s, "");
	free(s);
}

static void test_trim_end(void **state)
{
	(void)state;
	char buf[] = "text \t\n\n";
	assert_string_equal(rci_trim_end(buf), "text");
	char empty[] = " \n";
	assert_string_equal(rci_trim_end(empty), "");
}

/* runc's stderr: several log lines, blank ones, trailing newline. */
static void test_one_line_joins(void **state)
{
	(void)state;
	char *s =
	    rci_one_line("time=1 level=warning msg=\"x\"\n\n  time=2 level=error msg=\"y\"  \n", 0);
	assert_string_equal(s, "time=1 level=warning msg=\"x\"; time=2 level=error msg=\"y\"");
	free(s);
	s = rci_one_line("\n\n", 0);
	assert_string_equal(s, "");
	free(s);
	s = rci_one_line(NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

/* Too long: the end (the cause) is kept. */
static void test_one_line_keeps_the_end(void **state)
{
	(void)state;
	char *s = rci_one_line("first line that is long\nthe cause\n", 12);
	assert_string_equal(s, "...the cause");
	assert_int_equal(strlen(s), 12);
	assert_null(strchr(s, '\n'));
	free(s);
}

static void test_read_tail(void **state)
{
	(void)state;
	char *dir = ut_mkdtemp();
	ut_write_file(dir, "log", "line 1\nline 2\nthe end\n\n");
	char *p = ut_path(dir, "log");
	char *t = rci_read_tail(p, 9);
	assert_string_equal(t, "the end");
	free(t);
	t = rci_read_tail(p, 4096);
	assert_string_equal(t, "line 1\nline 2\nthe end");
	free(t);
	/* A symlink is not followed (the log lives in a dir others could write). */
	char *l = ut_path(dir, "link");
	assert_int_equal(symlink(p, l), 0);
	t = rci_read_tail(l, 4096);
	assert_string_equal(t, "");
	free(t);
	char *missing = ut_path(dir, "missing");
	t = rci_read_tail(missing, 4096);
	assert_string_equal(t, "");
	free(t);
	free(missing);
	free(l);
	free(p);
	ut_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strv_join),	   cmocka_unit_test(test_trim_end),
	    cmocka_unit_test(test_one_line_joins), cmocka_unit_test(test_one_line_keeps_the_end),
	    cmocka_unit_test(test_read_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
