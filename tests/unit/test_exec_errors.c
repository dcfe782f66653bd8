/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/exec.c, when plugins fail or misbehave: CNI error objects and the
 * messages made of other output (EXE-8), "try again later" (EXE-9), deadlines and output caps
 * (CON-3), VERSION (EXE-10), plugins that cannot be run. The fixture: exec_fixture.h.
 */
#include "exec_fixture.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* EXE-8: a CNI error object on stdout: code, msg and details verbatim, plus the plugin name. */
static void test_exe8_error_object(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *result = NULL;

	assert_int_equal(run_fake(f, "ADD",
				  "\"failOn\":\"ADD\",\"error\":{\"code\":7,\"msg\":\"invalid "
				  "network config\",\"details\":\"bridge `cni0` is not a bridge\"}",
				  &result, &err),
			 -1);
	UT_ERR_CONTAINS(err, "`fake`", "ADD", "7", "invalid network config",
			"bridge `cni0` is not a bridge");
	rci_error_release(&err);
	assert_null(result);
	/* no cniVersion in the error object (bridge 1.1.1 omits it): still understood */
	assert_int_equal(run_fake(f, "DEL",
				  "\"failOn\":\"DEL\",\"error\":{\"code\":101,\"msg\":\"custom\"}",
				  NULL, &err),
			 -1);
	UT_ERR_CONTAINS(err, "`fake`", "DEL", "101", "custom");
	rci_error_release(&err);
}

/* EXE-9: code 11 ("try again later") is retried with backoff, a bounded number of times. */
static void test_exe9_try_again_retried(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *conf = fake_conf(f, NULL), *result = NULL;
	char *counter = NULL, *body = NULL;

	assert_true(asprintf(&counter, "%s/count", f->rec) > 0);
	/* Busy twice, then a result. */
	assert_true(
	    asprintf(&body,
		     "cat >/dev/null\necho x >>%s\n"
		     "if [ $(wc -l <%s) -le 2 ]; then echo '{\"code\":11,\"msg\":\"busy\"}'; "
		     "exit 1; fi\n"
		     "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[]}'\n",
		     counter, counter) > 0);
	ut_write_script(f->d1, "flaky", body);
	ut_assert_ok(cni_exec_plugin(&f->rt, "flaky", "ADD", &default_call, conf, &result, &err),
		     &err);
	assert_non_null(result);
	json_object_put(result);
	result = NULL;
	free(body);
	/* Always busy: 1 try + 3 retries, then the plugin's error. */
	unlink(counter);
	assert_true(asprintf(&body,
			     "cat >/dev/null\necho x >>%s\n"
			     "echo '{\"code\":11,\"msg\":\"still busy\"}'; exit 1\n",
			     counter) > 0);
	ut_write_script(f->d1, "busy", body);
	assert_int_equal(cni_exec_plugin(&f->rt, "busy", "ADD", &default_call, conf, &result, &err),
			 -1);
	UT_ERR_CONTAINS(err, "`busy`", "11", "still busy");
	rci_error_release(&err);
	FILE *c = fopen(counter, "re");
	assert_non_null(c);
	int lines = 0;
	for (int ch; (ch = fgetc(c)) != EOF;)
		lines += ch == '\n';
	fclose(c);
	assert_int_equal(lines, 4);
	/* Any other code is not retried. */
	unlink(counter);
	free(body);
	assert_true(asprintf(&body,
			     "cat >/dev/null\necho x >>%s\n"
			     "echo '{\"code\":7,\"msg\":\"bad\"}'; exit 1\n",
			     counter) > 0);
	ut_write_script(f->d1, "bad", body);
	assert_int_equal(cni_exec_plugin(&f->rt, "bad", "ADD", &default_call, conf, &result, &err),
			 -1);
	rci_error_release(&err);
	c = fopen(counter, "re");
	assert_non_null(c);
	lines = 0;
	for (int ch; (ch = fgetc(c)) != EOF;)
		lines += ch == '\n';
	fclose(c);
	assert_int_equal(lines, 1);
	free(body);
	free(counter);
	json_object_put(conf);
}

/* EXE-8: stdout that is not a CNI error is quoted. */
static void test_exe8_garbage_quoted(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;

	assert_int_equal(
	    run_fake(f, "ADD",
		     "\"failOn\":\"ADD\",\"garbage\":\"panic: runtime error: index out "
		     "of range\"",
		     NULL, &err),
	    -1);
	UT_ERR_CONTAINS(err, "`fake`", "panic: runtime error: index out of range");
	rci_error_release(&err);
}

/* EXE-8: empty stdout: stderr is the message. */
static void test_exe8_stderr_used(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;

	assert_int_equal(run_fake(f, "ADD",
				  "\"failOn\":\"ADD\",\"silent\":true,\"exitCode\":2,"
				  "\"stderr\":\"cannot open /dev/net/tun\\n\"",
				  NULL, &err),
			 -1);
	UT_ERR_CONTAINS(err, "`fake`", "cannot open /dev/net/tun", "2");
	rci_error_release(&err);
}

/* EXE-8 / cni#732: nothing at all: say "no error message" and give the exit status. */
static void test_exe8_no_message(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;

	assert_int_equal(
	    run_fake(f, "ADD", "\"failOn\":\"ADD\",\"silent\":true,\"exitCode\":42", NULL, &err),
	    -1);
	UT_ERR_CONTAINS(err, "`fake`", "no error message", "status 42");
	rci_error_release(&err);
}

/* EXE-8: death by signal is a failure, named as such. */
static void test_exe8_signal(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;

	assert_int_equal(run_fake(f, "ADD", "\"failOn\":\"ADD\",\"signal\":11", NULL, &err), -1);
	UT_ERR_CONTAINS(err, "`fake`", "killed by signal 11");
	rci_error_release(&err);
	/* a signal is a failure even for DEL, where stdout does not matter */
	assert_int_equal(run_fake(f, "DEL", "\"failOn\":\"DEL\",\"signal\":9", NULL, &err), -1);
	UT_ERR_CONTAINS(err, "killed by signal 9");
	rci_error_release(&err);
}

/* Reads <rec>/child.pid written by the fake's spawnChild. */
static pid_t read_child_pid(struct fixture *f)
{
	char *p = ut_path(f->rec, "child.pid");
	char *s = ut_read_file(p);
	pid_t pid;

	assert_non_null(s);
	pid = (pid_t)atoi(s);
	assert_true(pid > 1);
	free(s);
	free(p);
	return pid;
}

/* CON-3: the deadline kills the whole process group, fast, and the call fails. */
static void test_exe_timeout_kills_group(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	long long t0;
	pid_t child;

	/* Orphans come to us, so "dead" can be checked even where pid 1 does not reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	f->rt.timeout_ms = 300;
	t0 = rci_now_ms();
	assert_int_equal(run_fake(f, "ADD", "\"sleepMs\":5000,\"spawnChild\":true", NULL, &err),
			 -1);
	assert_true(rci_now_ms() - t0 < 3000);
	UT_ERR_CONTAINS(err, "`fake`", "timed out");
	rci_error_release(&err);
	child = read_child_pid(f);
	ut_assert_gone(child, 2000, "plugin's child (after the plugin's timeout)");
}

/* A plugin's helper cannot hold our pipes open past the plugin's exit. */
static void test_exe_child_keeping_stdio_does_not_hang(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *result = NULL;
	long long t0;
	pid_t child;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	f->rt.timeout_ms = 5000;
	t0 = rci_now_ms();
	ut_assert_ok(
	    run_fake(f, "ADD", "\"spawnChild\":true,\"childKeepsStdio\":true", &result, &err),
	    &err);
	assert_true(rci_now_ms() - t0 < 3000);
	assert_non_null(result);
	json_object_put(result);
	child = read_child_pid(f);
	ut_assert_gone(child, 2000, "plugin's child (after the plugin exited)");
}

/* Output cap: a flood on stdout is cut off and the call fails. */
static void test_exe_output_cap(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	long long t0 = rci_now_ms();

	f->rt.max_output = 64 * 1024;
	assert_int_equal(run_fake(f, "ADD", "\"floodBytes\":50000000", NULL, &err), -1);
	assert_true(rci_now_ms() - t0 < 3000);
	UT_ERR_CONTAINS(err, "`fake`", "output");
	rci_error_release(&err);
}

static void assert_versions(char **v, const char *const *want, size_t n)
{
	assert_non_null(v);
	assert_int_equal(rci_strv_len(v), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
}

/* EXE-10: VERSION is sent with {"cniVersion": max}; the reply's cniVersion need not echo it. */
static void test_exe10_version_fake(void **state)
{
	static const char *const want[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char **v = NULL;
	json_object *calls, *c;

	/* VERSION's stdin has no "fake" object: the record dir comes through the environment,
	 * which the helper does not pass on (cni_plugin_env_keep), so a wrapper sets it. */
	char *fake = ut_fake_plugin(),
	     *body = xasprintf("FAKE_CNI_RECORD='%s' exec '%s'\n", f->rec, fake);
	ut_write_script(f->d1, "fakerec", body);
	free(body);
	free(fake);
	ut_assert_ok(cni_plugin_versions(&f->rt, "fakerec", &v, &err), &err);
	assert_versions(v, want, 5);
	rci_strv_free(v);
	c = only_call(f, &calls);
	assert_string_equal(ut_str(c, "command"), "VERSION");
	assert_string_equal(ut_str(ut_get(c, "stdin"), "cniVersion"), "1.1.0");
	json_object_put(calls);
}

/* EXE-10: no supportedVersions is accepted only with cniVersion 0.2.0 ([0.1.0, 0.2.0]). */
static void test_exe10_legacy_replies(void **state)
{
	static const char *const v020[] = {"0.1.0", "0.2.0"};
	static const char *const v010[] = {"0.1.0"};
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char **v = NULL;

	ut_write_script(f->d1, "old020", "cat >/dev/null\necho '{\"cniVersion\":\"0.2.0\"}'\n");
	ut_write_script(f->d1, "bad100", "cat >/dev/null\necho '{\"cniVersion\":\"1.0.0\"}'\n");
	ut_write_script(f->d1, "old010",
			"cat >/dev/null\necho '{\"code\":4,\"msg\":\"unknown CNI_COMMAND: "
			"VERSION\"}'\nexit 1\n");
	ut_write_script(f->d1, "broken", "cat >/dev/null\necho 'not json'\n");
	ut_assert_ok(cni_plugin_versions(&f->rt, "old020", &v, &err), &err);
	assert_versions(v, v020, 2);
	rci_strv_free(v);
	ut_assert_ok(cni_plugin_versions(&f->rt, "old010", &v, &err), &err);
	assert_versions(v, v010, 1);
	rci_strv_free(v);
	v = NULL;
	assert_int_equal(cni_plugin_versions(&f->rt, "bad100", &v, &err), -1);
	UT_ERR_CONTAINS(err, "bad100", "supportedVersions");
	rci_error_release(&err);
	rci_strv_free(v);
	v = NULL;
	assert_int_equal(cni_plugin_versions(&f->rt, "broken", &v, &err), -1);
	UT_ERR_CONTAINS(err, "broken");
	rci_error_release(&err);
	rci_strv_free(v);
}

/* EXE-10: a failing VERSION is an error carrying the plugin's message. */
static void test_exe10_version_failure(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char **v = NULL;

	ut_write_script(f->d1, "fails",
			"cat >/dev/null\necho '{\"code\":999,\"msg\":\"exploded\"}'\nexit 1\n");
	assert_int_equal(cni_plugin_versions(&f->rt, "fails", &v, &err), -1);
	UT_ERR_CONTAINS(err, "fails", "exploded");
	rci_error_release(&err);
	rci_strv_free(v);
}

/* A plugin file that cannot be executed is an error naming it. */
static void test_exe_not_executable(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *conf = fake_conf(f, NULL);

	ut_write_file_mode(f->d1, "noexec", "#!/bin/sh\nexit 0\n", 0644);
	assert_int_equal(cni_exec_plugin(&f->rt, "noexec", "ADD", &default_call, conf, NULL, &err),
			 -1);
	UT_ERR_CONTAINS(err, "noexec");
	rci_error_release(&err);
	json_object_put(conf);
}

static void test_runtime_path_env(void **state)
{
	struct fixture *f = *state;
	char *s = cni_runtime_path_env(&f->rt), *want = NULL;

	if (asprintf(&want, "%s:%s", f->d1, f->d2) < 0)
		abort();
	assert_string_equal(s, want);
	free(s);
	free(want);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as helper/main.c does */
	const struct CMUnitTest tests[] = {
	    T(test_exe8_error_object),	     T(test_exe9_try_again_retried),
	    T(test_exe8_garbage_quoted),     T(test_exe8_stderr_used),
	    T(test_exe8_no_message),	     T(test_exe8_signal),
	    T(test_exe_timeout_kills_group), T(test_exe_child_keeping_stdio_does_not_hang),
	    T(test_exe_output_cap),	     T(test_exe10_version_fake),
	    T(test_exe10_legacy_replies),    T(test_exe10_version_failure),
	    T(test_exe_not_executable),	     T(test_runtime_path_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
