/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of infra/proctable.c (the sweep of a mount namespace's processes, roots) and of
 * spawn.h's detached front end (status wording, daemons' working directory). */
#include "unit.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "proctable.h"
#include "spawn.h"

/* An exit code above 128 is no signal. */
static void test_describe_wstatus(void **state)
{
	(void)state;
	char *s = rci_describe_wstatus(137 << 8);
	assert_string_equal(s, "exited with status 137");
	free(s);
	s = rci_describe_wstatus(SIGKILL);
	assert_string_equal(s, "killed by signal 9 (KILL)");
	free(s);

	pid_t pid = fork();
	if (pid == 0)
		_exit(200);
	int ws = 0;
	rci_error_t err = NULL;
	ut_assert_ok(rci_spawn_wait(pid, 5000, &ws, &err), &err);
	s = rci_describe_wstatus(ws);
	assert_string_equal(s, "exited with status 200");
	free(s);
}

static char *run_pwd(bool new_session, const char *dir)
{
	char *out = ut_path(dir, new_session ? "daemon" : "plain");
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	char *argv[] = {"/bin/sh", "-c", "pwd -P", NULL};
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, "/bin/sh", argv, fd, NULL, 0);
	sp.new_session = new_session;
	rci_error_t err = NULL;
	pid_t pid = rci_spawn_start(&sp, &err);
	ut_assert_ok(pid, &err);
	int status = -1;
	ut_assert_ok(rci_spawn_wait(pid, 10000, &status, &err), &err);
	assert_int_equal(status, 0);
	close(fd);
	char *text = ut_read_file(out);
	free(out);
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/* A daemon (new session) must not pin the user's working directory. */
static void test_daemon_cwd_is_root(void **state)
{
	(void)state;
	char *dir = ut_mkdtemp();
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	char real[PATH_MAX];
	assert_non_null(realpath(dir, real));
	char *plain = run_pwd(false, dir);
	char *daemon = run_pwd(true, dir);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(plain, real);
	assert_string_equal(daemon, "/");
	free(plain);
	free(daemon);
	ut_rm_rf(dir);
	free(dir);
}

/* A child in a mount namespace of its own (through a user namespace when unprivileged). */
static pid_t spawn_in_new_mntns(int ready_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		int flags = CLONE_NEWNS | (geteuid() != 0 ? CLONE_NEWUSER : 0);
		char c = unshare(flags) == 0 ? '1' : '0';
		/* A grandchild in the same namespace, in a session of its own (the reviewer's
		 * `setsid sleep`), forked before we report ready. */
		if (c == '1' && fork() == 0) {
			setsid();
			for (;;)
				pause();
		}
		if (write(ready_fd, &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

/*
 * The sweep takes the namespace as an open fd, never as a number: the fd keeps the namespace,
 * and so its number, from going to another (issue 13), and it is opened only for the process
 * that started at the given time.
 */
static void test_kill_mntns(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t child = spawn_in_new_mntns(p[1]);
	char c = 0;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	if (c != '1') {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		skip();
	}
	unsigned long long start = lr_proc_start_time(child);
	assert_true(start > 0);
	/* Another start time is another process: not opened. */
	assert_int_equal(lr_proc_open_ns(child, start + 1, "mnt"), -1);
	assert_int_equal(errno, ESRCH);
	int ns = lr_proc_open_ns(child, start, "mnt");
	assert_true(ns >= 0);
	int self = lr_proc_open_ns(getpid(), 0, "mnt");
	assert_true(self >= 0);
	/* Our own namespace is refused outright. */
	assert_int_equal(lr_proc_kill_mntns(self, 1000), 0);
	close(self);
	/* The child and its grandchild, whatever their session. */
	int n = lr_proc_kill_mntns(ns, 5000);
	assert_true(n >= 2);
	int ws = 0;
	assert_int_equal(waitpid(child, &ws, 0), child);
	assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	/* Nothing is left in it, and the fd still names it (no other namespace got its number). */
	assert_int_equal(lr_proc_kill_mntns(ns, 1000), 0);
	close(ns);
	/* The dead child's namespace cannot be opened any more. */
	assert_int_equal(lr_proc_open_ns(child, start, "mnt"), -1);
	assert_int_equal(lr_proc_kill_mntns(-1, 1000), 0);
}

/* A process is rooted at a directory only when its root is that directory (dev and inode). */
static void test_rooted_at(void **state)
{
	(void)state;
	assert_true(lr_proc_rooted_at(getpid(), 0, "/"));
	assert_true(lr_proc_rooted_at(getpid(), lr_proc_start_time(getpid()), "/"));
	assert_false(lr_proc_rooted_at(getpid(), 0, "/tmp"));
	assert_false(lr_proc_rooted_at(getpid(), lr_proc_start_time(getpid()) + 1, "/"));
	assert_false(lr_proc_rooted_at(getpid(), 0, "/nonexistent-rci"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_describe_wstatus),
	    cmocka_unit_test(test_daemon_cwd_is_root),
	    cmocka_unit_test(test_kill_mntns),
	    cmocka_unit_test(test_rooted_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
