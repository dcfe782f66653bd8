/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/lock.c: flock-based locks under a dir fd, with the removed-file re-check. */
#include "unit.h"

#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "lock.h"

struct fixture {
	char *dir;
	int dirfd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = ut_mkdtemp();
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dirfd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->dirfd);
	ut_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int lock_ok(struct fixture *f, const char *name, int op)
{
	rci_error_t err = NULL;
	int fd = rci_lock_at(f->dirfd, name, op, &err);

	ut_assert_ok(fd, &err);
	return fd;
}

/* A second open of the same lock conflicts (flock locks belong to the open file description). */
static void assert_busy(struct fixture *f, const char *name, int op)
{
	rci_error_t err = NULL;

	assert_int_equal(rci_lock_at(f->dirfd, name, op | LOCK_NB, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->status, EWOULDBLOCK);
	UT_ERR_CONTAINS(err, name);
	rci_error_release(&err);
}

/* CON-2: exclusive excludes everything; shared admits shared only. */
static void test_con2_exclusive_and_shared(void **state)
{
	struct fixture *f = *state;
	int ex, sh1, sh2;
	char *p = ut_path(f->dir, "lock");
	struct stat st;

	ex = lock_ok(f, "lock", LOCK_EX);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_busy(f, "lock", LOCK_EX);
	assert_busy(f, "lock", LOCK_SH);
	rci_unlock_at(f->dirfd, "lock", ex, false);
	assert_true(ut_exists(p)); /* kept without remove */
	sh1 = lock_ok(f, "lock", LOCK_SH);
	sh2 = lock_ok(f, "lock", LOCK_SH | LOCK_NB);
	assert_busy(f, "lock", LOCK_EX);
	rci_unlock_at(f->dirfd, "lock", sh1, false);
	assert_busy(f, "lock", LOCK_EX);
	rci_unlock_at(f->dirfd, "lock", sh2, false);
	ex = lock_ok(f, "lock", LOCK_EX | LOCK_NB);
	rci_unlock_at(f->dirfd, "lock", ex, true);
	assert_false(ut_exists(p));
	/* unlocking "no fd" is a no-op */
	rci_unlock_at(f->dirfd, "lock", -1, true);
	free(p);
}

/* Lock files are opened without following symlinks. */
static void test_lock_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char *target = ut_path(f->dir, "target"), *link = ut_path(f->dir, "id1");
	rci_error_t err = NULL;

	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(rci_lock_at(f->dirfd, "id1", LOCK_EX, &err), -1);
	UT_ERR_CONTAINS(err, "id1");
	rci_error_release(&err);
	assert_false(ut_exists(target));
	free(target);
	free(link);
}

/* True once /proc/locks shows @pid waiting for a lock (bounded). */
static bool wait_blocked(pid_t pid, int ms)
{
	char needle[32];

	snprintf(needle, sizeof(needle), " %d ", (int)pid);
	for (int waited = 0; waited <= ms; waited += 5) {
		char *locks = ut_read_file("/proc/locks");
		bool found = false;

		for (char *line = locks ? strtok(locks, "\n") : NULL; line && !found;
		     line = strtok(NULL, "\n"))
			found = strstr(line, "->") && strstr(line, needle);
		free(locks);
		if (found)
			return true;
		usleep(5 * 1000);
	}
	return false;
}

/*
 * The re-check: B waits for A's lock on "id"; A removes the file while holding it (the last
 * attachment of the ID went away) and unlocks. B then holds a lock on an unlinked inode that
 * nobody else can find; rci_lock_at must notice and lock the file that the name now refers to.
 */
static void test_lock_recheck_after_removal(void **state)
{
	struct fixture *f = *state;
	int a = lock_ok(f, "id", LOCK_EX), st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		rci_error_t err = NULL;
		struct stat s1, s2;
		int fd;

		close(a); /* a forked copy would keep A's lock alive */
		fd = rci_lock_at(f->dirfd, "id", LOCK_EX, &err);

		if (fd < 0)
			_exit(1);
		if (fstat(fd, &s1) < 0 || fstatat(f->dirfd, "id", &s2, AT_SYMLINK_NOFOLLOW) < 0)
			_exit(2); /* the locked file is not (no longer) at the path */
		_exit(s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev ? 0 : 3);
	}
	if (!wait_blocked(pid, 2000)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "child never blocked on the lock\n");
		fail();
	}
	rci_unlock_at(f->dirfd, "id", a, true);
	for (int waited = 0; waited <= 2000; waited += 5) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(5 * 1000);
		if (waited + 5 > 2000) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the child's lock died with it; the file it re-created is there and lockable */
	a = lock_ok(f, "id", LOCK_EX | LOCK_NB);
	rci_unlock_at(f->dirfd, "id", a, true);
}

/* A lock fd is close-on-exec: plugins must not inherit (and so hold) our locks. */
static void test_lock_fd_cloexec(void **state)
{
	struct fixture *f = *state;
	int fd = lock_ok(f, "lock", LOCK_EX);

	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	rci_unlock_at(f->dirfd, "lock", fd, false);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_con2_exclusive_and_shared),
	    T(test_lock_symlink_refused),
	    T(test_lock_recheck_after_removal),
	    T(test_lock_fd_cloexec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
