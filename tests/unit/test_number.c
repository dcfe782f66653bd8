/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/lib/number.c: decimal numbers with bounds, and nothing else. */
#include "unit.h"

#include "number.h"

static void test_parse_accepts(void **state)
{
	(void)state;
	uint64_t v = 1;
	assert_int_equal(rci_parse_u64("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rci_parse_u64("10", 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(rci_parse_u64("007", 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(rci_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(rci_parse_u64_n("123 456", 3, 1000, &v), 0);
	assert_int_equal(v, 123);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *const junk[] = {"",	  " 1",	 "1 ",	"+1",  "-1",  "0x10",
					   "1e3", "1.5", "nan", "1\n", "\t7", "١"};
	uint64_t v = 42;
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		errno = 0;
		if (rci_parse_u64(junk[i], UINT64_MAX, &v) != -1 || errno != EINVAL)
			fail_msg("`%s` was not rejected as EINVAL", junk[i]);
	}
	assert_int_equal(rci_parse_u64(NULL, 10, &v), -1);
	static const char *const big[] = {"11", "100", "18446744073709551616",
					  "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		errno = 0;
		if (rci_parse_u64(big[i], i < 2 ? 10 : UINT64_MAX, &v) != -1 || errno != ERANGE)
			fail_msg("`%s` was not rejected as ERANGE", big[i]);
	}
	/* Junk after an overflow is junk. */
	errno = 0;
	assert_int_equal(rci_parse_u64("99999999999999999999x", UINT64_MAX, &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(v, 42);
}

static void test_read_file(void **state)
{
	(void)state;
	char *dir = ut_mkdtemp();
	char *f = ut_path(dir, "n");
	uint64_t v = 0;
	ut_write_file(dir, "n", "4321\n");
	assert_int_equal(rci_read_u64_file(f, 1 << 22, &v), 0);
	assert_int_equal(v, 4321);
	ut_write_file(dir, "n", "4321");
	assert_int_equal(rci_read_u64_file(f, 1 << 22, &v), 0);
	static const char *const bad[] = {"",	     "\n",    "4321\n\n", " 4321",
					  "4321abc", "-4321", "4194305"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ut_write_file(dir, "n", bad[i]);
		if (rci_read_u64_file(f, 1 << 22, &v) != -1)
			fail_msg("accepted the file content `%s`", bad[i]);
	}
	/* Larger than a number can be: refused without reading it all. */
	char big[200];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ut_write_file(dir, "n", big);
	assert_int_equal(rci_read_u64_file(f, UINT64_MAX, &v), -1);
	/* A symlink is not followed. */
	ut_write_file(dir, "real", "5\n");
	char *link = ut_path(dir, "link");
	char *real = ut_path(dir, "real");
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(rci_read_u64_file(link, 10, &v), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(rci_read_u64_file(real, 10, &v), 0);
	/* Relative to a directory fd: the same rules, the same refusal of a symlink. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	v = 0;
	assert_int_equal(rci_read_u64_at(dfd, "real", 10, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(rci_read_u64_at(dfd, "link", 10, &v), -1);
	assert_int_equal(errno, ELOOP);
	ut_write_file(dir, "n", " 7\n");
	assert_int_equal(rci_read_u64_at(dfd, "n", 10, &v), -1);
	assert_int_equal(rci_read_u64_at(dfd, "real", 4, &v), -1);
	assert_int_equal(errno, ERANGE);
	close(dfd);
	free(link);
	free(real);
	free(f);
	ut_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_accepts),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
