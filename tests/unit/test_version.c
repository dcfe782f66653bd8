/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/version.c: parsing, ordering, known versions, result families (CFG-9).
 */
#include "unit.h"

#include "version.h"

static void check_parse(const char *v, int a, int b, int c)
{
	int out[3] = {-1, -1, -1};

	if (!cni_version_parse(v, out)) {
		fprintf(stderr, "`%s` did not parse\n", v ? v : "(null)");
		fail();
	}
	assert_int_equal(out[0], a);
	assert_int_equal(out[1], b);
	assert_int_equal(out[2], c);
}

/* CFG-9: up to three dot-separated integers. */
static void test_parse_valid(void **state)
{
	(void)state;
	check_parse("1.0.0", 1, 0, 0);
	check_parse("1.1.0", 1, 1, 0);
	check_parse("0.4.0", 0, 4, 0);
	check_parse("0.3.1", 0, 3, 1);
	check_parse("0.4", 0, 4, 0);
	check_parse("2", 2, 0, 0);
	check_parse("10.20.30", 10, 20, 30);
}

/* CFG-9: an empty version means 0.1.0 (spec). */
static void test_parse_empty_is_010(void **state)
{
	(void)state;
	check_parse("", 0, 1, 0);
	check_parse(NULL, 0, 1, 0);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {"1.0.0.0", "a.b.c",  "1..0",	     "-1",     "1.0.",
					  " 1.0.0",  "1.0.0 ", "1.0.0-rc1",  "v1.0.0", ".1",
					  "1.x",     "1.0.+1", "99999999999"};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int out[3];

		if (cni_version_parse(bad[i], out)) {
			fprintf(stderr, "`%s` parsed but is malformed\n", bad[i]);
			fail();
		}
	}
}

static void test_cmp(void **state)
{
	(void)state;
	assert_true(cni_version_cmp("0.4.0", "1.0.0") < 0);
	assert_true(cni_version_cmp("1.1.0", "1.0.0") > 0);
	assert_int_equal(cni_version_cmp("1.0.0", "1.0.0"), 0);
	/* numeric, not lexical */
	assert_true(cni_version_cmp("0.10.0", "0.9.0") > 0);
	assert_true(cni_version_cmp("1.0.10", "1.1.0") < 0);
	/* missing parts are zero */
	assert_int_equal(cni_version_cmp("1.0", "1.0.0"), 0);
	assert_int_equal(cni_version_cmp("1", "1.0.0"), 0);
	/* "" is 0.1.0 */
	assert_int_equal(cni_version_cmp("", "0.1.0"), 0);
	assert_true(cni_version_cmp("", "0.2.0") < 0);
}

/* Malformed versions sort lowest, below even 0.0.0. */
static void test_cmp_malformed_lowest(void **state)
{
	(void)state;
	assert_true(cni_version_cmp("garbage", "0.0.0") < 0);
	assert_true(cni_version_cmp("0.1.0", "x.y") > 0);
	assert_int_equal(cni_version_cmp("x", "y"), 0);
}

static void test_known(void **state)
{
	static const char *const yes[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1",
					  "0.4.0", "1.0.0", "1.1.0"};
	static const char *const no[] = {"1.0.1", "1.0", "1", "0.5.0", "2.0.0", "", "1.1.0 "};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(cni_version_known(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (cni_version_known(no[i])) {
			fprintf(stderr, "`%s` should not be a known version\n", no[i]);
			fail();
		}
	}
	assert_false(cni_version_known(NULL));
}

/* EXE-11: result shape families. */
static void test_family(void **state)
{
	(void)state;
	assert_int_equal(cni_version_family("0.1.0"), 1);
	assert_int_equal(cni_version_family("0.2.0"), 1);
	assert_int_equal(cni_version_family("0.3.0"), 3);
	assert_int_equal(cni_version_family("0.3.1"), 3);
	assert_int_equal(cni_version_family("0.4.0"), 3);
	assert_int_equal(cni_version_family("1.0.0"), 10);
	assert_int_equal(cni_version_family("1.1.0"), 10);
	assert_int_equal(cni_version_family("1.0.1"), 0);
	assert_int_equal(cni_version_family("1.0"), 0);
	assert_int_equal(cni_version_family(""), 0);
	assert_int_equal(cni_version_family(NULL), 0);
}

static void test_runtime_max(void **state)
{
	(void)state;
	assert_string_equal(CNI_RUNTIME_MAX_VERSION, "1.1.0");
	assert_true(cni_version_known(CNI_RUNTIME_MAX_VERSION));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid),
	    cmocka_unit_test(test_parse_empty_is_010),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_cmp),
	    cmocka_unit_test(test_cmp_malformed_lowest),
	    cmocka_unit_test(test_known),
	    cmocka_unit_test(test_family),
	    cmocka_unit_test(test_runtime_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
