/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/lib/stdfds.c: closed stdio gets /dev/null, open stdio is left alone. */
#include "unit.h"

#include "stdfds.h"

/* In a child (it closes its own stdio): exit 0 when every check passed, else the failed one. */
static int closed_stdio_child(void)
{
	struct stat null_st, st;
	if (stat("/dev/null", &null_st) < 0)
		return 10;
	int keep = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (dup2(keep, 0) < 0)
		return 11;
	close(1);
	close(2);
	if (rci_stdfds_ensure() < 0)
		return 12;
	/* 1 and 2 are /dev/null now, and inheritable. */
	for (int fd = 1; fd <= 2; fd++) {
		if (fstat(fd, &st) < 0 || st.st_rdev != null_st.st_rdev || !S_ISCHR(st.st_mode))
			return 13;
		if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
			return 14;
	}
	/* The next file opened no longer takes a stdio number. */
	int next = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (next <= 2)
		return 15;
	return 0;
}

static void test_closed_stdio_gets_dev_null(void **state)
{
	(void)state;
	ut_assert_child_ok(closed_stdio_child);
}

static void test_open_stdio_untouched(void **state)
{
	(void)state;
	struct stat before[3], after[3];
	for (int fd = 0; fd <= 2; fd++)
		assert_int_equal(fstat(fd, &before[fd]), 0);
	assert_int_equal(rci_stdfds_ensure(), 0);
	for (int fd = 0; fd <= 2; fd++) {
		assert_int_equal(fstat(fd, &after[fd]), 0);
		assert_true(before[fd].st_ino == after[fd].st_ino &&
			    before[fd].st_dev == after[fd].st_dev);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_closed_stdio_gets_dev_null),
	    cmocka_unit_test(test_open_stdio_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
