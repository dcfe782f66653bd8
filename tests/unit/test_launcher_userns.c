/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of infra/userns.c: the user namespace plan from subordinate ID files, and who may
 * run the launcher at all. */
#include "unit.h"

#include "userns.h"

/* subgid(5) is keyed by the user (name or uid), like subuid: a gid that differs from the uid
 * must not hide the user's group range. */
static void test_subgid_keyed_by_user(void **state)
{
	(void)state;
	char *dir = ut_mkdtemp();
	ut_write_file(dir, "subuid", "4321:100000:65536\n");
	ut_write_file(dir, "subgid", "# by uid, as shadow writes it\n4321:300000:65536\n");
	char *su = ut_path(dir, "subuid"), *sg = ut_path(dir, "subgid");
	struct lr_userns_plan p;
	rci_error_t err = NULL;
	ut_assert_ok(lr_userns_plan_for(&p, 4321, 9999, NULL, su, sg, &err), &err);
	assert_true(p.has_ranges);
	assert_int_equal(p.gid[1].host_id, 300000);
	assert_int_equal(p.gid[1].size, 65536);
	assert_int_equal(p.gid[0].host_id, 9999);
	lr_userns_plan_free(&p);

	/* By name too; and a line for the gid (not the user) is not ours. */
	ut_write_file(dir, "subuid", "alice:100000:65536\n");
	ut_write_file(dir, "subgid", "9999:500000:10\nalice:200000:65536\n");
	ut_assert_ok(lr_userns_plan_for(&p, 4321, 9999, "alice", su, sg, &err), &err);
	assert_true(p.has_ranges);
	assert_int_equal(p.gid[1].host_id, 200000);
	lr_userns_plan_free(&p);

	/* No group range for the user: single, and the reason names the file. */
	ut_write_file(dir, "subgid", "9999:500000:10\n");
	ut_assert_ok(lr_userns_plan_for(&p, 4321, 9999, "alice", su, sg, &err), &err);
	assert_true(p.single);
	assert_false(p.has_ranges);
	assert_non_null(strstr(p.reason, "no subordinate GID range for `alice`"));
	lr_userns_plan_free(&p);
	free(su);
	free(sg);
	ut_rm_rf(dir);
	free(dir);
}

/*
 * Issue 13, bug 9: numbers with bounds. A range whose start or count is not a plain decimal
 * number (a sign, blanks, junk, overflow) or that runs past the 32-bit ID space is no range:
 * strtoul read "-1" as ULONG_MAX and " 5" as 5.
 */
static void test_subid_numbers_strict(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "u:100000:-1\n",
	    "u:-100000:65536\n",
	    "u: 100000:65536\n",
	    "u:100000: 65536\n",
	    "u:100000:65536x\n",
	    "u:+100000:65536\n",
	    "u:0x10000:65536\n",
	    "u:100000:0\n",
	    "u:4294967295:2\n",
	    "u:100000:4294967296\n",
	    "u:99999999999999999999:1\n",
	    "u::65536\n",
	};
	char *dir = ut_mkdtemp();
	char *f = ut_path(dir, "subuid");
	unsigned long start = 7, count = 7;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ut_write_file(dir, "subuid", bad[i]);
		if (lr_subid_lookup(f, "u", 4321, &start, &count) != 1)
			fail_msg("accepted the range line `%s`", bad[i]);
	}
	/* The first good line wins; the bad ones before it are skipped. */
	ut_write_file(dir, "subuid", "u:100000:-1\nu:200000:65536\n");
	assert_int_equal(lr_subid_lookup(f, "u", 4321, &start, &count), 0);
	assert_int_equal(start, 200000);
	assert_int_equal(count, 65536);
	/* The whole 32-bit space, to its last ID, is fine. */
	ut_write_file(dir, "subuid", "u:4294901760:65536\n");
	assert_int_equal(lr_subid_lookup(f, "u", 4321, &start, &count), 0);
	assert_int_equal(count, 65536);
	free(f);
	ut_rm_rf(dir);
	free(dir);
}

static void test_host_root_refused(void **state)
{
	(void)state;
	rci_error_t err = NULL;
	assert_true(lr_userns_check_caller(0, false, &err) < 0);
	assert_int_equal(err->kind, RCI_ERR_USAGE);
	assert_string_equal(err->msg, "rootless-cni-launcher is for unprivileged users: run it as "
				      "a normal user, or inside a user namespace");
	rci_error_release(&err);
	/* Root of an engine's user namespace: the shared mode. */
	ut_assert_ok(lr_userns_check_caller(0, true, &err), &err);
	ut_assert_ok(lr_userns_check_caller(1000, false, &err), &err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subgid_keyed_by_user),
	    cmocka_unit_test(test_subid_numbers_strict),
	    cmocka_unit_test(test_host_root_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
