/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/lib/log.c: the --debug step format both programs share (issue 11). */
#include "unit.h"

#include <fcntl.h>
#include <regex.h>

#include "log.h"
#include "util.h"

/* Runs @fn with stderr going to a file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	char *dir = ut_mkdtemp();
	char *path = ut_path(dir, "stderr");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int saved = fcntl(2, F_DUPFD_CLOEXEC, 0);
	char *text;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	text = ut_read_file(path);
	ut_rm_rf(dir);
	free(path);
	free(dir);
	return text;
}

static void log_steps(void)
{
	long long t0 = rci_now_ms() - 42;

	errno = EBUSY;
	rci_debug_step("plugin", t0, "bridge %s exited with status %d", "ADD", 0);
	/* errno is the caller's still (catatonit's _log: a log line must not change it). */
	assert_int_equal(errno, EBUSY);
	rci_debug_step("state", rci_now_ms() + 1000, "wrote `x`");
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	if (regexec(&re, text, 0, NULL, 0) != 0) {
		fprintf(stderr, "`%s`\n  does not match `%s`\n", text, pattern);
		regfree(&re);
		fail();
	}
	regfree(&re);
}

/* "PROG: debug: STEP: DETAIL (N ms)", N the time since t0; never negative. */
static void test_debug_step_format(void **state)
{
	char *text;

	(void)state;
	rci_log_init("rootless-cni-infra", RCI_LOG_DEBUG);
	text = capture_stderr(log_steps);
	assert_matches(text, "^rootless-cni-infra: debug: plugin: bridge ADD exited with status 0 "
			     "\\((4[2-9]|[5-9][0-9]|[0-9]{3,}) ms\\)$");
	assert_matches(text, "^rootless-cni-infra: debug: state: wrote `x` \\(0 ms\\)$");
	free(text);
}

/* Without --debug, nothing. */
static void test_debug_step_silent_by_default(void **state)
{
	char *text;

	(void)state;
	rci_log_init("rootless-cni-launcher", RCI_LOG_WARNING);
	text = capture_stderr(log_steps);
	assert_string_equal(text, "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debug_step_format),
	    cmocka_unit_test(test_debug_step_silent_by_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
