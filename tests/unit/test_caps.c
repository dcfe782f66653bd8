/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/caps.c (issue 13, bug 10): the capability drop a plugin's child runs
 * between fork and exec. Each test forks a child that enters a new user namespace (full
 * capabilities there, as the helper has in the infra, for any user running the tests) and
 * reports through its exit status.
 */
#include "unit.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "caps.h"
#include "util.h"

/* Exit statuses of the children. */
enum { CHILD_OK = 0, CHILD_SETUP_FAILED = 90, CHILD_WRONG = 91 };

static bool kept(int c)
{
	for (size_t i = 0; i < rci_plugin_caps_count; i++)
		if ((int)rci_plugin_caps[i] == c)
			return true;
	return false;
}

static int last_cap(void)
{
	int c = 0;
	while (prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	return c;
}

/* Clears @cap from the effective set (keeps it permitted): what a helper without it has. */
static int drop_effective(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	return (int)syscall(SYS_capset, &h, d);
}

/* Runs @body in a child in a new user namespace; returns its wait status. */
static int in_child(int (*body)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(CHILD_SETUP_FAILED);
		_exit(body());
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_child_ok(int st, const char *what)
{
	if (WIFSIGNALED(st))
		fail_msg("%s: the child was killed by signal %d", what, WTERMSIG(st));
	if (WEXITSTATUS(st) == CHILD_SETUP_FAILED)
		fail_msg("%s: the child could not enter a user namespace", what);
	if (WEXITSTATUS(st) != CHILD_OK)
		fail_msg("%s: the child exited with %d", what, WEXITSTATUS(st));
}

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef TEST_AUDIT_ARCH
/* After fork only async-signal-safe calls: the hook may make prctl and capset, nothing else (no
 * malloc, no capget, no /proc). Any other system call kills the child with SIGSYS. */
static int hook_under_seccomp(void)
{
	struct rci_caps_plan plan;
	rci_error_t err = NULL;
	if (rci_caps_plan_for_plugin(&plan, &err) < 0)
		return CHILD_SETUP_FAILED;
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 0, 5),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 3, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_capset, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = RCI_ARRAY_SIZE(filter), .filter = filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return CHILD_SETUP_FAILED;
	int r = rci_caps_restrict_for_plugin(&plan);
	/* Not _exit(): under ASan its interceptor makes calls of its own (sigaltstack). */
	syscall(SYS_exit_group, r == 0 ? CHILD_OK : CHILD_WRONG);
	return CHILD_WRONG;
}

static void test_caps_child_side_only_prctl_and_capset(void **state)
{
	(void)state;
	assert_child_ok(in_child(hook_under_seccomp), "hook under a prctl+capset-only filter");
}
#else
static void test_caps_child_side_only_prctl_and_capset(void **state)
{
	(void)state;
	skip();
}
#endif

/* The result: bounding, permitted and effective sets are exactly the kept capabilities. */
static int check_result(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return CHILD_SETUP_FAILED;
	for (int c = 0; c <= last_cap(); c++) {
		bool bnd = prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
		bool prm = d[c / 32].permitted & (1U << (c % 32));
		bool eff = d[c / 32].effective & (1U << (c % 32));
		bool amb = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1;
		if (bnd != kept(c) || prm != kept(c) || eff != kept(c) || amb != kept(c))
			return CHILD_WRONG;
	}
	return CHILD_OK;
}

/* Plans as the parent does, then runs the child hook here: the hook's return, errno kept. */
static int restrict_now(void)
{
	struct rci_caps_plan plan;
	rci_error_t err = NULL;
	if (rci_caps_plan_for_plugin(&plan, &err) < 0) {
		rci_error_release(&err);
		errno = ENOTRECOVERABLE;
		return -1;
	}
	errno = 0;
	return rci_caps_restrict_for_plugin(&plan);
}

/* The hook must fail, with EPERM from the call that was refused. */
static int restrict_refused(void)
{
	return restrict_now() == -1 && errno == EPERM ? CHILD_OK : CHILD_WRONG;
}

static int hook_full_caps(void)
{
	return restrict_now() == 0 ? check_result() : CHILD_WRONG;
}

static void test_caps_restricts_all_sets(void **state)
{
	(void)state;
	assert_child_ok(in_child(hook_full_caps), "restrict with every capability");
}

/* Without CAP_SETPCAP, PR_CAPBSET_DROP fails with EPERM: a capability left in the bounding set
 * would come back to a root plugin at exec. That must fail the spawn, not pass silently. */
static int hook_without_setpcap(void)
{
	return drop_effective(CAP_SETPCAP) < 0 ? CHILD_SETUP_FAILED : restrict_refused();
}

static void test_caps_eperm_with_caps_still_bounding_fails(void **state)
{
	(void)state;
	assert_child_ok(in_child(hook_without_setpcap), "EPERM from PR_CAPBSET_DROP");
}

/* ... but when every capability to drop is already out of the bounding set, EPERM is harmless. */
static int hook_without_setpcap_already_bounded(void)
{
	for (int c = 0; c <= last_cap(); c++)
		if (!kept(c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return CHILD_SETUP_FAILED;
	if (drop_effective(CAP_SETPCAP) < 0)
		return CHILD_SETUP_FAILED;
	return restrict_now() == 0 ? check_result() : CHILD_WRONG;
}

static void test_caps_eperm_tolerated_when_already_dropped(void **state)
{
	(void)state;
	assert_child_ok(in_child(hook_without_setpcap_already_bounded),
			"EPERM for capabilities already out of the bounding set");
}

/* A non-root plugin keeps its capabilities only through the ambient set: a refused raise
 * (here SECBIT_NO_CAP_AMBIENT_RAISE) must fail the spawn. */
static int hook_ambient_refused(void)
{
	if (prctl(PR_SET_SECUREBITS, 1 << 6 /* SECBIT_NO_CAP_AMBIENT_RAISE */, 0, 0, 0) < 0)
		return CHILD_SETUP_FAILED;
	return restrict_refused();
}

static void test_caps_ambient_raise_checked(void **state)
{
	(void)state;
	assert_child_ok(in_child(hook_ambient_refused), "refused ambient raise");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_caps_child_side_only_prctl_and_capset),
	    cmocka_unit_test(test_caps_restricts_all_sets),
	    cmocka_unit_test(test_caps_eperm_with_caps_still_bounding_fails),
	    cmocka_unit_test(test_caps_eperm_tolerated_when_already_dropped),
	    cmocka_unit_test(test_caps_ambient_raise_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
