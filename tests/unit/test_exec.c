/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/exec.c: the plugin execution protocol (EXE-1, EXE-2, EXE-6..EXE-10),
 * with build/tests/plugins/fake-plugin (its "fake" config key scripts it, and it records every
 * call to <record>/calls.jsonl) and small shell-script plugins for odd replies.
 */
#include "unit.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "caps.h"
#include "exec.h"
#include "util.h"

struct fixture {
	char *tmp, *d1, *d2, *rec;
	char *fake;	       /* absolute path of the built fake plugin */
	char *dirs[3];	       /* d1, d2, NULL */
	struct cni_runtime rt; /* plugin_dirs = dirs */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *link;

	f->fake = ut_fake_plugin();
	f->tmp = ut_mkdtemp();
	f->d1 = ut_path(f->tmp, "d1");
	f->d2 = ut_path(f->tmp, "d2");
	f->rec = ut_path(f->tmp, "rec");
	assert_int_equal(mkdir(f->d1, 0755), 0);
	assert_int_equal(mkdir(f->d2, 0755), 0);
	assert_int_equal(mkdir(f->rec, 0755), 0);
	link = ut_path(f->d1, "fake");
	assert_int_equal(symlink(f->fake, link), 0);
	free(link);
	f->dirs[0] = f->d1;
	f->dirs[1] = f->d2;
	f->rt.plugin_dirs = f->dirs;
	f->rt.timeout_ms = 10 * 1000;
	f->rt.max_output = CNI_DEFAULT_MAX_OUTPUT;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f->d1);
	free(f->d2);
	free(f->rec);
	free(f->fake);
	free(f);
	return 0;
}

/* Plugin stdin {cniVersion, name, type:"fake", fake:{record, <extra>}}. */
static json_object *fake_conf(struct fixture *f, const char *extra)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"fake\","
		 "\"fake\":{\"record\":\"%s\"%s%s}}",
		 f->rec, extra && *extra ? "," : "", extra ? extra : "");
	return ut_json(buf);
}

static const struct cni_call default_call = {.container_id = "cid1",
					     .netns = "/run/netns/cid1",
					     .ifname = "eth0",
					     .args = "IgnoreUnknown=1"};

/* Runs the fake with @extra in its "fake" object; returns cni_exec_plugin's value. */
static int run_fake(struct fixture *f, const char *command, const char *extra, json_object **result,
		    rci_error_t *err)
{
	json_object *conf = fake_conf(f, extra);
	int r = cni_exec_plugin(&f->rt, "fake", command, &default_call, conf, result, err);

	json_object_put(conf);
	return r;
}

/* The single recorded call (asserts there is exactly one); caller puts the array. */
static json_object *only_call(struct fixture *f, json_object **calls)
{
	*calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(*calls), 1);
	return json_object_array_get_idx(*calls, 0);
}

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

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

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
	    T(test_exe8_error_object),
	    T(test_exe9_try_again_retried),
	    T(test_exe8_garbage_quoted),
	    T(test_exe8_stderr_used),
	    T(test_exe8_no_message),
	    T(test_exe8_signal),
	    T(test_exe_timeout_kills_group),
	    T(test_exe_child_keeping_stdio_does_not_hang),
	    T(test_exe_output_cap),
	    T(test_exe10_version_fake),
	    T(test_exe10_legacy_replies),
	    T(test_exe10_version_failure),
	    T(test_exe_not_executable),
	    T(test_runtime_path_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
