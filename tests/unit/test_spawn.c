/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/lib/spawn.c: running a child with captured I/O, deadline and output cap. */
#include "unit.h"

#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "spawn.h"
#include "util.h"

static char *const base_env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};

/* Runs /bin/sh -c @script with @input; asserts it started. */
static void run_sh(const char *script, const char *input, long timeout_ms, size_t max_output,
		   struct rci_spawn_result *res)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	struct rci_spawn sp;
	rci_error_t err = NULL;

	rci_spawn_init(&sp);
	sp.path = "/bin/sh";
	sp.argv = argv;
	sp.envp = base_env;
	sp.input = input;
	sp.input_len = input ? strlen(input) : 0;
	sp.timeout_ms = timeout_ms;
	sp.max_output = max_output;
	ut_assert_ok(rci_spawn_run(&sp, res, &err), &err);
}

static void test_spawn_init_defaults(void **state)
{
	struct rci_spawn sp;

	(void)state;
	memset(&sp, 0x5a, sizeof(sp));
	rci_spawn_init(&sp);
	assert_int_equal(sp.in_fd, -1);
	assert_int_equal(sp.out_fd, -1);
	assert_int_equal(sp.err_fd, -1);
	assert_int_equal(sp.timeout_ms, 0);
	assert_int_equal(sp.max_output, 0);
	assert_null(sp.child_setup);
	assert_null(sp.input);
	assert_int_equal(sp.etxtbsy_retries, 5);
}

/* stdin is fed, stdout captured (/bin/cat). */
static void test_spawn_cat_round_trip(void **state)
{
	char *argv[] = {"cat", NULL};
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_error_t err = NULL;

	(void)state;
	rci_spawn_init(&sp);
	sp.path = "/bin/cat";
	sp.argv = argv;
	sp.envp = base_env;
	sp.input = "hello\nworld\n";
	sp.input_len = strlen(sp.input);
	ut_assert_ok(rci_spawn_run(&sp, &res, &err), &err);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.term_signal, 0);
	assert_false(res.timed_out);
	assert_false(res.overflow);
	assert_string_equal(res.out, "hello\nworld\n");
	assert_int_equal(res.out_len, 12);
	assert_string_equal(res.err, "");
	assert_int_equal(res.err_len, 0);
	rci_spawn_result_free(&res);
}

/* Large stdin and stdout at once must not deadlock (poll-driven I/O). */
static void test_spawn_large_io_no_deadlock(void **state)
{
	size_t n = 4 * 1024 * 1024;
	char *big = malloc(n + 1);
	char *argv[] = {"cat", NULL};
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_error_t err = NULL;

	(void)state;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	rci_spawn_init(&sp);
	sp.path = "/bin/cat";
	sp.argv = argv;
	sp.envp = base_env;
	sp.input = big;
	sp.input_len = n;
	sp.timeout_ms = 10000;
	ut_assert_ok(rci_spawn_run(&sp, &res, &err), &err);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out_len, n);
	assert_memory_equal(res.out, big, n);
	rci_spawn_result_free(&res);
	free(big);
}

/* stdout and stderr captured separately; exit code reported. */
static void test_spawn_sh_streams_and_exit_code(void **state)
{
	struct rci_spawn_result res;

	(void)state;
	run_sh("read x; echo \"out:$x\"; echo \"err:$x\" >&2; exit 3", "42\n", 5000, 0, &res);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.term_signal, 0);
	assert_string_equal(res.out, "out:42\n");
	assert_string_equal(res.err, "err:42\n");
	rci_spawn_result_free(&res);
}

/* The environment is exactly envp. */
static void test_spawn_explicit_env(void **state)
{
	char *argv[] = {"env", NULL};
	char *envp[] = {"ONLY=this", NULL};
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_error_t err = NULL;

	(void)state;
	setenv("RCI_UNIT_LEAK", "1", 1);
	rci_spawn_init(&sp);
	sp.path = "/usr/bin/env";
	sp.argv = argv;
	sp.envp = envp;
	ut_assert_ok(rci_spawn_run(&sp, &res, &err), &err);
	unsetenv("RCI_UNIT_LEAK");
	assert_string_equal(res.out, "ONLY=this\n");
	rci_spawn_result_free(&res);
}

/* A child that does not read its stdin is fine (EPIPE is its right); SIGPIPE ignored as main()
 * does. */
static void test_spawn_stdin_not_read(void **state)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n + 1);
	struct rci_spawn_result res;

	(void)state;
	memset(big, 'x', n);
	big[n] = '\0';
	run_sh("exec 0<&-; echo done", big, 5000, 0, &res);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(res.out, "done\n");
	rci_spawn_result_free(&res);
	free(big);
}

/*
 * The same with SIGPIPE at its default disposition: rci_spawn_run must not kill its caller when
 * the child closes stdin early. (main() ignores SIGPIPE, but spawn.h states no such requirement;
 * run in a forked process so the death, if any, is observable.)
 */
static void test_spawn_stdin_not_read_sigpipe_default(void **state)
{
	pid_t pid;
	int st = 0;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t n = 1024 * 1024;
		char *big = malloc(n + 1);
		char *argv[] = {"sh", "-c", "exec 0<&-; echo done", NULL};
		struct rci_spawn sp;
		struct rci_spawn_result res;
		rci_error_t err = NULL;

		signal(SIGPIPE, SIG_DFL);
		memset(big, 'x', n);
		big[n] = '\0';
		rci_spawn_init(&sp);
		sp.path = "/bin/sh";
		sp.argv = argv;
		sp.envp = base_env;
		sp.input = big;
		sp.input_len = n;
		sp.timeout_ms = 5000;
		if (rci_spawn_run(&sp, &res, &err) < 0)
			_exit(1);
		_exit(res.exit_code == 0 && strcmp(res.out, "done\n") == 0 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "rci_spawn_run's caller was killed by signal %d\n", WTERMSIG(st));
		fail();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Death by signal: term_signal set, described as "killed by signal N (NAME)". */
static void test_spawn_signal(void **state)
{
	struct rci_spawn_result res;
	char *s;

	(void)state;
	run_sh("kill -SEGV $$", NULL, 5000, 0, &res);
	assert_int_equal(res.term_signal, SIGSEGV);
	s = rci_spawn_describe_status(&res, 0);
	assert_non_null(strstr(s, "killed by signal 11"));
	assert_non_null(strstr(s, "SEGV"));
	free(s);
	rci_spawn_result_free(&res);
}

/* The child starts with no blocked signals and SIGPIPE at default, in its own process group. */
static void test_spawn_child_state(void **state)
{
	struct rci_spawn_result res;
	sigset_t set, old;
	void (*old_pipe)(int);

	(void)state;
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	old_pipe = signal(SIGPIPE, SIG_IGN);
	run_sh("grep -E '^(SigBlk|SigIgn):' /proc/$$/status | tr -d '\\t';"
	       "read -r pid comm st ppid pgrp rest </proc/$$/stat; echo \"pgrp=$pgrp pid=$pid\"",
	       NULL, 5000, 0, &res);
	signal(SIGPIPE, old_pipe);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(res.exit_code, 0);
	assert_non_null(strstr(res.out, "SigBlk:0000000000000000"));
	/* sh itself may ignore nothing; SIGPIPE (bit 13 -> 0x1000) must not be ignored */
	{
		const char *ign = strstr(res.out, "SigIgn:");
		unsigned long long mask;

		assert_non_null(ign);
		mask = strtoull(ign + 7, NULL, 16);
		assert_int_equal(mask & (1ULL << (SIGPIPE - 1)), 0);
	}
	{
		const char *p = strstr(res.out, "pgrp=");
		int pgrp = 0, pid = -1;

		assert_non_null(p);
		assert_int_equal(sscanf(p, "pgrp=%d pid=%d", &pgrp, &pid), 2);
		assert_int_equal(pgrp, pid);
		assert_int_not_equal(pgrp, getpgrp());
	}
	rci_spawn_result_free(&res);
}

/* fds >= 3 of the parent, even without O_CLOEXEC, are not inherited. */
static void test_spawn_no_inherited_fds(void **state)
{
	int extra = open("/dev/null", O_RDONLY);
	struct rci_spawn_result res;
	char script[128];

	(void)state;
	assert_true(extra >= 3);
	snprintf(script, sizeof(script),
		 "if [ -e /proc/$$/fd/%d ]; then echo leaked; else echo closed; fi", extra);
	run_sh(script, NULL, 5000, 0, &res);
	close(extra);
	assert_string_equal(res.out, "closed\n");
	rci_spawn_result_free(&res);
}

/* The deadline kills the whole group (a background grandchild too) and returns promptly. */
static void test_spawn_timeout_kills_group(void **state)
{
	struct rci_spawn_result res;
	long long t0 = rci_now_ms();
	char *s;
	pid_t bg;

	(void)state;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	run_sh("sleep 60 >/dev/null 2>&1 </dev/null & echo $!; sleep 60", NULL, 300, 0, &res);
	assert_true(rci_now_ms() - t0 < 3000);
	assert_true(res.timed_out);
	s = rci_spawn_describe_status(&res, 300);
	assert_non_null(strstr(s, "timed out after 300 ms"));
	free(s);
	bg = (pid_t)atoi(res.out);
	assert_true(bg > 1);
	ut_assert_gone(bg, 2000, "background child (after the timeout)");
	rci_spawn_result_free(&res);
}

/* A grandchild left running when the child exits normally dies with the group too. */
static void test_spawn_exit_kills_leftover_group(void **state)
{
	struct rci_spawn_result res;
	pid_t bg;

	(void)state;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	run_sh("sleep 60 >/dev/null 2>&1 </dev/null & echo $!", NULL, 5000, 0, &res);
	assert_int_equal(res.exit_code, 0);
	bg = (pid_t)atoi(res.out);
	assert_true(bg > 1);
	ut_assert_gone(bg, 2000, "background child (after its parent exited)");
	rci_spawn_result_free(&res);
}

/* The output cap kills the child; what was read is kept, never more than the cap. */
static void test_spawn_output_cap(void **state)
{
	struct rci_spawn_result res;
	long long t0 = rci_now_ms();
	char *s;

	(void)state;
	run_sh("while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done", NULL,
	       10000, 1000, &res);
	assert_true(rci_now_ms() - t0 < 3000);
	assert_true(res.overflow);
	assert_false(res.timed_out);
	assert_true(res.out_len <= 1000);
	s = rci_spawn_describe_status(&res, 0);
	assert_non_null(strstr(s, "output"));
	free(s);
	rci_spawn_result_free(&res);
	/* exactly at the cap is fine */
	run_sh("printf 1234567890", NULL, 5000, 10, &res);
	assert_false(res.overflow);
	assert_string_equal(res.out, "1234567890");
	rci_spawn_result_free(&res);
}

/* A missing executable is a start failure naming it, not a child exit status. */
static void test_spawn_exec_failure(void **state)
{
	char *argv[] = {"nope", NULL};
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_error_t err = NULL;

	(void)state;
	rci_spawn_init(&sp);
	sp.path = "/nonexistent/nope";
	sp.argv = argv;
	sp.envp = base_env;
	assert_int_equal(rci_spawn_run(&sp, &res, &err), -1);
	UT_ERR_CONTAINS(err, "exec", "/nonexistent/nope", "No such file");
	rci_error_release(&err);
}

static int failing_setup(void *data)
{
	(void)data;
	errno = EPERM;
	return -1;
}

/* A syscall that changes the child, not us: the child shares our memory until it execs. */
static int marking_setup(void *data)
{
	umask((mode_t)(uintptr_t)data);
	return 0;
}

/* child_setup runs before exec; its failure (with errno) fails the spawn. */
static void test_spawn_child_setup(void **state)
{
	char *argv[] = {"true", NULL};
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_error_t err = NULL;

	(void)state;
	rci_spawn_init(&sp);
	sp.path = "/bin/true";
	sp.argv = argv;
	sp.envp = base_env;
	sp.child_setup = failing_setup;
	assert_int_equal(rci_spawn_run(&sp, &res, &err), -1);
	UT_ERR_CONTAINS(err, "Operation not permitted");
	rci_error_release(&err);
	char *sh_argv[] = {"sh", "-c", "umask", NULL};
	sp.path = "/bin/sh";
	sp.argv = sh_argv;
	sp.child_setup = marking_setup;
	sp.child_data = (void *)(uintptr_t)0077;
	mode_t ours = umask(0022);
	ut_assert_ok(rci_spawn_run(&sp, &res, &err), &err);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(res.out, "0077\n");
	assert_int_equal(umask(ours), 0022); /* ours is untouched */
	rci_spawn_result_free(&res);
}

/* in_fd / out_fd / err_fd redirect instead of capturing. */
static void test_spawn_fd_redirection(void **state)
{
	char *dir = ut_mkdtemp(), *in = ut_path(dir, "in"), *out = ut_path(dir, "out"), *got;
	char *argv[] = {"sh", "-c", "cat; echo oops >&2", NULL};
	struct rci_spawn sp;
	struct rci_spawn_result res;
	rci_error_t err = NULL;
	int ifd, ofd;

	(void)state;
	ut_write_file(dir, "in", "from a file\n");
	ifd = open(in, O_RDONLY | O_CLOEXEC);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	rci_spawn_init(&sp);
	sp.path = "/bin/sh";
	sp.argv = argv;
	sp.envp = base_env;
	sp.in_fd = ifd;
	sp.out_fd = ofd;
	ut_assert_ok(rci_spawn_run(&sp, &res, &err), &err);
	close(ifd);
	close(ofd);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "oops\n");
	got = ut_read_file(out);
	assert_string_equal(got, "from a file\n");
	free(got);
	rci_spawn_result_free(&res);
	ut_rm_rf(dir);
	free(dir);
	free(in);
	free(out);
}

static void test_spawn_describe_exit(void **state)
{
	struct rci_spawn_result res = {.exit_code = 7};
	char *s = rci_spawn_describe_status(&res, 0);

	(void)state;
	assert_string_equal(s, "exited with status 7");
	free(s);
}

int main(void)
{
	/* As helper/main.c does: a plugin that closes its stdin early must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spawn_init_defaults),
	    cmocka_unit_test(test_spawn_cat_round_trip),
	    cmocka_unit_test(test_spawn_large_io_no_deadlock),
	    cmocka_unit_test(test_spawn_sh_streams_and_exit_code),
	    cmocka_unit_test(test_spawn_explicit_env),
	    cmocka_unit_test(test_spawn_stdin_not_read),
	    cmocka_unit_test(test_spawn_stdin_not_read_sigpipe_default),
	    cmocka_unit_test(test_spawn_signal),
	    cmocka_unit_test(test_spawn_child_state),
	    cmocka_unit_test(test_spawn_no_inherited_fds),
	    cmocka_unit_test(test_spawn_timeout_kills_group),
	    cmocka_unit_test(test_spawn_exit_kills_leftover_group),
	    cmocka_unit_test(test_spawn_output_cap),
	    cmocka_unit_test(test_spawn_exec_failure),
	    cmocka_unit_test(test_spawn_child_setup),
	    cmocka_unit_test(test_spawn_fd_redirection),
	    cmocka_unit_test(test_spawn_describe_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
