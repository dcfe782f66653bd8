/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/exec.c: the plugin execution protocol (EXE-1, EXE-2, EXE-4, EXE-6,
 * EXE-7) and the capability drop (caps.c) as a plugin sees them, with build/tests/plugins/
 * fake-plugin and small shell-script plugins for odd replies. Failures, limits and VERSION:
 * test_exec_errors.c. The fixture: exec_fixture.h.
 */
#include "exec_fixture.h"

#include <signal.h>
#include <sys/wait.h>

#include "caps.h"

/* EXE-1: the first CNI_PATH dir holding a regular file named type wins. */
static void test_exe1_lookup_order(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char *path = NULL, *want;

	ut_write_script(f->d1, "both", "exit 0\n");
	ut_write_script(f->d2, "both", "exit 0\n");
	ut_write_script(f->d2, "second", "exit 0\n");
	ut_assert_ok(cni_find_plugin(&f->rt, "both", &path, &err), &err);
	want = ut_path(f->d1, "both");
	assert_string_equal(path, want);
	free(want);
	free(path);
	ut_assert_ok(cni_find_plugin(&f->rt, "second", &path, &err), &err);
	want = ut_path(f->d2, "second");
	assert_string_equal(path, want);
	free(want);
	free(path);
	/* symlinks are followed (d1/fake links to the build dir) */
	ut_assert_ok(cni_find_plugin(&f->rt, "fake", &path, &err), &err);
	free(path);
}

/* EXE-1: a directory of that name is not a plugin; the search goes on. */
static void test_exe1_directory_skipped(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char *path = NULL, *dir = ut_path(f->d1, "p"), *want = ut_path(f->d2, "p");

	assert_int_equal(mkdir(dir, 0755), 0);
	ut_write_script(f->d2, "p", "exit 0\n");
	ut_assert_ok(cni_find_plugin(&f->rt, "p", &path, &err), &err);
	assert_string_equal(path, want);
	free(path);
	free(dir);
	free(want);
}

/* EXE-1: a missing plugin is an error naming every dir, before anything runs. */
static void test_exe1_missing_plugin_names_dirs(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char *path = NULL;
	json_object *conf = fake_conf(f, NULL), *calls;

	assert_int_equal(cni_find_plugin(&f->rt, "nope", &path, &err), -1);
	assert_null(path);
	UT_ERR_CONTAINS(err, "nope", f->d1, f->d2);
	rci_error_release(&err);
	assert_int_equal(cni_exec_plugin(&f->rt, "nope", "ADD", &default_call, conf, NULL, &err),
			 -1);
	UT_ERR_CONTAINS(err, "nope", f->d1, f->d2);
	rci_error_release(&err);
	json_object_put(conf);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	json_object_put(calls);
}

/* EXE-1: an empty type, a type with '/', or no plugin dirs are errors. */
static void test_exe1_invalid_type_or_path(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char *path = NULL;
	char *none[] = {NULL};
	struct cni_runtime rt = f->rt;

	assert_int_equal(cni_find_plugin(&f->rt, "", &path, &err), -1);
	assert_non_null(err);
	rci_error_release(&err);
	assert_int_equal(cni_find_plugin(&f->rt, "../d1/fake", &path, &err), -1);
	assert_non_null(err);
	rci_error_release(&err);
	rt.plugin_dirs = none;
	assert_int_equal(cni_find_plugin(&rt, "fake", &path, &err), -1);
	UT_ERR_CONTAINS(err, "CNI_PATH");
	rci_error_release(&err);
	rt.plugin_dirs = NULL;
	assert_int_equal(cni_find_plugin(&rt, "fake", &path, &err), -1);
	rci_error_release(&err);
	assert_null(path);
}

static bool json_array_has_string(json_object *arr, const char *s)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return true;
	return false;
}

/* EXE-2: all six CNI_* set, our values win over inherited ones, CNI_PATH = the dirs, sane PATH. */
static void test_exe2_environment(void **state)
{
	static const char *const six[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
					  "CNI_IFNAME",	 "CNI_ARGS",	    "CNI_PATH"};
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *calls, *c, *env, *result = NULL;
	char *old_path = xstrdup(getenv("PATH"));
	char *want_path = NULL;

	setenv("CNI_IFNAME", "bogus", 1);
	setenv("CNI_COMMAND", "VERSION", 1);
	setenv("PATH", "/bin", 1);
	setenv("RCI_UNIT_INHERITED", "yes", 1);
	setenv("XTABLES_LOCKFILE", "/run/xt.lock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
	ut_assert_ok(run_fake(f, "ADD", NULL, &result, &err), &err);
	setenv("PATH", old_path, 1);
	unsetenv("CNI_IFNAME");
	unsetenv("CNI_COMMAND");
	unsetenv("RCI_UNIT_INHERITED");
	unsetenv("XTABLES_LOCKFILE");
	unsetenv("XDG_RUNTIME_DIR");
	c = only_call(f, &calls);
	for (size_t i = 0; i < 6; i++)
		if (!json_array_has_string(ut_get(c, "set"), six[i])) {
			fprintf(stderr, "%s not set\n", six[i]);
			fail();
		}
	assert_string_equal(ut_str(c, "command"), "ADD");
	assert_string_equal(ut_str(c, "containerId"), "cid1");
	assert_string_equal(ut_str(c, "netns"), "/run/netns/cid1");
	assert_string_equal(ut_str(c, "ifname"), "eth0");
	assert_string_equal(ut_str(c, "args"), "IgnoreUnknown=1");
	if (asprintf(&want_path, "%s:%s", f->d1, f->d2) < 0)
		abort();
	assert_string_equal(ut_str(c, "path"), want_path);
	env = ut_get(c, "env");
	/* Only what plugins read is inherited (exec.c: cni_plugin_env_keep), and PATH can find
	 * iptables. */
	assert_false(ut_has(env, "RCI_UNIT_INHERITED"));
	assert_string_equal(ut_str(env, "XTABLES_LOCKFILE"), "/run/xt.lock");
	assert_string_equal(ut_str(env, "XDG_RUNTIME_DIR"), "/run/user/0");
	json_object_object_foreach(env, key, val)
	{
		(void)val;
		bool allowed = strncmp(key, "CNI_", 4) == 0 || strcmp(key, "PATH") == 0;
		for (size_t i = 0; cni_plugin_env_keep[i] && !allowed; i++)
			allowed = strcmp(key, cni_plugin_env_keep[i]) == 0;
		if (!allowed)
			fail_msg("the plugin inherited %s", key);
	}
	assert_non_null(strstr(ut_str(env, "PATH"), "/usr/sbin"));
	assert_non_null(strstr(ut_str(env, "PATH"), "/bin"));
	json_object_put(result);
	json_object_put(calls);
	free(want_path);
	free(old_path);
}

/* EXE-2 / DEL-2: on DEL with no netns, CNI_NETNS is still set (empty), never inherited. */
static void test_exe2_del_empty_netns(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	struct cni_call call = {.container_id = "cid1", .netns = "", .ifname = "eth0", .args = ""};
	json_object *conf = fake_conf(f, NULL), *calls, *c;

	setenv("CNI_NETNS", "/proc/1/ns/net", 1);
	ut_assert_ok(cni_exec_plugin(&f->rt, "fake", "DEL", &call, conf, NULL, &err), &err);
	unsetenv("CNI_NETNS");
	c = only_call(f, &calls);
	assert_true(json_array_has_string(ut_get(c, "set"), "CNI_NETNS"));
	assert_true(json_array_has_string(ut_get(c, "set"), "CNI_ARGS"));
	assert_string_equal(ut_str(c, "netns"), "");
	assert_string_equal(ut_str(c, "command"), "DEL");
	json_object_put(conf);
	json_object_put(calls);
}

/* EXE-4: the plugin receives the stdin we give it, unchanged. */
static void test_exe4_stdin_passed(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *conf = fake_conf(f, "\"tag\":\"t\""), *calls, *c, *result = NULL;

	json_object_object_add(conf, "unknownKey", ut_json("{\"deep\":[1,\"x\"]}"));
	ut_assert_ok(cni_exec_plugin(&f->rt, "fake", "ADD", &default_call, conf, &result, &err),
		     &err);
	c = only_call(f, &calls);
	ut_assert_json_equal(ut_get(c, "stdin"), conf);
	json_object_put(conf);
	json_object_put(calls);
	json_object_put(result);
}

/* EXE-6: the plugin runs in our netns, in its own process group, with no blocked signals. */
static void test_exe6_process_setup(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *calls, *c, *result = NULL;
	char ns[256];
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	sigset_t set, old;

	assert_true(n > 0);
	ns[n] = '\0';
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	ut_assert_ok(run_fake(f, "ADD", NULL, &result, &err), &err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	c = only_call(f, &calls);
	assert_string_equal(ut_str(c, "selfNetns"), ns);
	assert_int_equal(json_object_get_int(ut_get(c, "pgid")),
			 json_object_get_int(ut_get(c, "pid")));
	assert_int_equal(strtoull(ut_str(c, "sigBlk"), NULL, 16), 0);
	json_object_put(calls);
	json_object_put(result);
}

/* EXE-6 REC: inherited fds are closed; the plugin sees only 0, 1 and 2. */
static void test_exe6_only_std_fds(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *calls, *c, *fds, *result = NULL;
	int extra = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
	int p[2];

	assert_true(extra >= 0);
	assert_int_equal(pipe(p), 0);
	ut_assert_ok(run_fake(f, "ADD", NULL, &result, &err), &err);
	close(extra);
	close(p[0]);
	close(p[1]);
	c = only_call(f, &calls);
	fds = ut_get(c, "fds");
	assert_int_equal(json_object_array_length(fds), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(json_object_get_int(json_object_array_get_idx(fds, (size_t)i)), i);
	json_object_put(calls);
	json_object_put(result);
}

static unsigned long long plugin_caps_mask(void)
{
	unsigned long long m = 0;

	for (size_t i = 0; i < rci_plugin_caps_count; i++)
		m |= 1ULL << rci_plugin_caps[i];
	return m;
}

/* caps.c: with child_setup = rci_caps_restrict_for_plugin, exactly rci_plugin_caps remain. */
static void test_caps_restricted_for_plugin(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *calls, *c, *result = NULL;
	unsigned long long want = plugin_caps_mask();

	struct rci_caps_plan plan;
	ut_assert_ok(rci_caps_plan_for_plugin(&plan, &err), &err);
	f->rt.child_setup = rci_caps_restrict_for_plugin;
	f->rt.child_data = &plan;
	ut_assert_ok(run_fake(f, "ADD", NULL, &result, &err), &err);
	c = only_call(f, &calls);
	if (geteuid() != 0) {
		fprintf(stderr,
			"# not root: not checking the plugin's capability sets "
			"(capEff=%s)\n",
			ut_str(c, "capEff"));
	} else {
		assert_int_equal(strtoull(ut_str(c, "capEff"), NULL, 16), want);
		assert_int_equal(strtoull(ut_str(c, "capPrm"), NULL, 16), want);
		/* nothing outside the kept set can come back through the bounding set */
		assert_int_equal(strtoull(ut_str(c, "capBnd"), NULL, 16) & ~want, 0);
	}
	json_object_put(calls);
	json_object_put(result);
}

/* EXE-7: ADD returns the parsed stdout; other verbs return no result. */
static void test_exe7_add_result_returned(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *result = NULL, *want;

	ut_assert_ok(
	    run_fake(
		f, "ADD",
		"\"result\":{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.0.2/24\"}]}",
		&result, &err),
	    &err);
	want = ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.0.2/24\"}]}");
	ut_assert_json_equal(result, want);
	json_object_put(want);
	json_object_put(result);
	result = (json_object *)1;
	ut_assert_ok(run_fake(f, "DEL", NULL, &result, &err), &err);
	assert_null(result);
}

/* EXE-7: an ADD result without cniVersion is accepted as is (#895; the caller assumes its own). */
static void test_exe7_result_without_cniversion(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *conf = fake_conf(f, NULL), *result = NULL;

	ut_write_script(f->d1, "nover",
			"cat >/dev/null\necho '{\"ips\":[{\"address\":\"10.0.0.2/24\"}]}'\n");
	ut_assert_ok(cni_exec_plugin(&f->rt, "nover", "ADD", &default_call, conf, &result, &err),
		     &err);
	assert_non_null(result);
	assert_false(ut_has(result, "cniVersion"));
	json_object_put(result);
	json_object_put(conf);
}

/* EXE-7: `null` on stdout is a valid (empty) ADD result, not an error. */
static void test_exe7_null_output_accepted(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *conf = fake_conf(f, NULL), *result = (json_object *)1;

	ut_write_script(f->d1, "nullres", "cat >/dev/null\necho null\n");
	ut_assert_ok(cni_exec_plugin(&f->rt, "nullres", "ADD", &default_call, conf, &result, &err),
		     &err);
	assert_null(err);
	assert_null(result);
	json_object_put(conf);
}

/* EXE-7: an ADD that exits 0 with no output or non-JSON output fails, naming the plugin. */
static void test_exe7_add_without_result_fails(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *conf = fake_conf(f, NULL), *result = NULL;

	ut_write_script(f->d1, "quiet", "cat >/dev/null\nexit 0\n");
	ut_write_script(f->d1, "chatty", "cat >/dev/null\necho 'all good!'\n");
	assert_int_equal(
	    cni_exec_plugin(&f->rt, "quiet", "ADD", &default_call, conf, &result, &err), -1);
	UT_ERR_CONTAINS(err, "quiet", "no result");
	rci_error_release(&err);
	assert_int_equal(
	    cni_exec_plugin(&f->rt, "chatty", "ADD", &default_call, conf, &result, &err), -1);
	UT_ERR_CONTAINS(err, "chatty");
	rci_error_release(&err);
	assert_null(result);
	/* for DEL, stdout is ignored */
	ut_assert_ok(cni_exec_plugin(&f->rt, "chatty", "DEL", &default_call, conf, NULL, &err),
		     &err);
	json_object_put(conf);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as helper/main.c does */
	const struct CMUnitTest tests[] = {
	    T(test_exe1_lookup_order),
	    T(test_exe1_directory_skipped),
	    T(test_exe1_missing_plugin_names_dirs),
	    T(test_exe1_invalid_type_or_path),
	    T(test_exe2_environment),
	    T(test_exe2_del_empty_netns),
	    T(test_exe4_stdin_passed),
	    T(test_exe6_process_setup),
	    T(test_exe6_only_std_fds),
	    T(test_caps_restricted_for_plugin),
	    T(test_exe7_add_result_returned),
	    T(test_exe7_result_without_cniversion),
	    T(test_exe7_null_output_accepted),
	    T(test_exe7_add_without_result_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
