/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/lib/fs.c as a security boundary (issue 6): state and lock files are
 * opened without following symlinks, a planted link is refused (or replaced, never written
 * through), private directories must be ours and 0700, reads are bounded.
 */
#include "unit.h"

#include "fs.h"
#include "lock.h"

#include <dirent.h>
#include <sys/file.h>

struct fixture {
	char *dir;     /* the "state dir" */
	char *outside; /* a directory outside it, target of the planted links */
	int dirfd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = ut_mkdtemp();
	f->outside = ut_mkdtemp();
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dirfd >= 0);
	ut_write_file(f->outside, "target", "original");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->dirfd);
	ut_rm_rf(f->dir);
	ut_rm_rf(f->outside);
	free(f->dir);
	free(f->outside);
	free(f);
	return 0;
}

static void plant(struct fixture *f, const char *name, const char *target_name)
{
	char *target = ut_path(f->outside, target_name);
	assert_int_equal(symlinkat(target, f->dirfd, name), 0);
	free(target);
}

/* The outside dir holds only "target", still with its original content. */
static void assert_outside_untouched(struct fixture *f)
{
	char *p = ut_path(f->outside, "target");
	char *content = ut_read_file(p);
	assert_string_equal(content, "original");
	free(content);
	free(p);
	DIR *d = opendir(f->outside);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 1);
}

static void test_read_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	plant(f, "ctr.json", "target");
	rci_error_t err = NULL;
	char *buf = NULL;
	assert_int_equal(rci_read_file_at(f->dirfd, "ctr.json", 1024, &buf, NULL, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "symlink"));
	assert_null(buf);
	rci_error_release(&err);
	/* A dangling link too: refused, not "missing". */
	plant(f, "dangling.json", "nothing-here");
	assert_int_equal(rci_open_file_at(f->dirfd, "dangling.json", &err), -1);
	rci_error_release(&err);
	assert_outside_untouched(f);
}

static void test_atomic_write_replaces_symlink(void **state)
{
	struct fixture *f = *state;
	plant(f, "ctr.json", "target");
	rci_error_t err = NULL;
	assert_int_equal(rci_write_file_atomic_at(f->dirfd, "ctr.json", "new", 3, 0600, &err), 0);
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, "ctr.json", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_outside_untouched(f);
}

static void test_atomic_write_refuses_symlinked_temp(void **state)
{
	struct fixture *f = *state;
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".ctr.json.tmp-%d", (int)getpid());
	plant(f, tmp, "target");
	rci_error_t err = NULL;
	assert_int_equal(rci_write_file_atomic_at(f->dirfd, "ctr.json", "new", 3, 0600, &err), -1);
	rci_error_release(&err);
	assert_outside_untouched(f);
	assert_false(faccessat(f->dirfd, "ctr.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
}

static void test_lock_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	plant(f, "ctr", "target");
	plant(f, "ctr2", "not-created");
	rci_error_t err = NULL;
	assert_int_equal(rci_lock_at(f->dirfd, "ctr", LOCK_EX, &err), -1);
	rci_error_release(&err);
	assert_int_equal(rci_lock_at(f->dirfd, "ctr2", LOCK_EX, &err), -1);
	rci_error_release(&err);
	assert_outside_untouched(f);
}

static void test_subdir_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(symlinkat(f->outside, f->dirfd, "containers"), 0);
	rci_error_t err = NULL;
	assert_int_equal(rci_open_subdir(f->dirfd, "containers", true, &err), -1);
	assert_non_null(strstr(err->msg, "symlink"));
	rci_error_release(&err);
	assert_outside_untouched(f);
}

static void test_private_dir_checks(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	char *p = ut_path(f->dir, "state");
	assert_int_equal(rci_mkdir_p(p, 0700, true, &err), 0);
	/* Too open. */
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(rci_mkdir_p(p, 0700, true, &err), -1);
	assert_non_null(strstr(err->msg, "0700"));
	rci_error_release(&err);
	/* A symlink to a private directory of ours. */
	char *link = ut_path(f->dir, "link");
	assert_int_equal(chmod(f->outside, 0700), 0);
	assert_int_equal(symlink(f->outside, link), 0);
	assert_int_equal(rci_mkdir_p(link, 0700, true, &err), -1);
	assert_non_null(strstr(err->msg, "symlink"));
	rci_error_release(&err);
	/* Not ours: / belongs to root (skipped when we are root). */
	if (geteuid() != 0) {
		assert_int_equal(rci_mkdir_p("/", 0700, true, &err), -1);
		assert_non_null(strstr(err->msg, "owned by"));
		rci_error_release(&err);
	}
	/* Not a directory. */
	char *file = ut_path(f->dir, "file");
	ut_write_file(f->dir, "file", "x");
	assert_int_equal(rci_mkdir_p(file, 0700, true, &err), -1);
	rci_error_release(&err);
	free(file);
	free(link);
	free(p);
	assert_outside_untouched(f);
}

static void test_read_is_bounded(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(70000);
	memset(big, 'x', 69999);
	big[69999] = '\0';
	ut_write_file(f->dir, "big", big);
	free(big);
	rci_error_t err = NULL;
	char *buf = NULL;
	assert_int_equal(rci_read_file_at(f->dirfd, "big", 65536, &buf, NULL, &err), -1);
	assert_int_equal(err->status, EFBIG);
	assert_null(buf);
	rci_error_release(&err);
	size_t len = 0;
	assert_int_equal(rci_read_file_at(f->dirfd, "big", 69999, &buf, &len, &err), 0);
	assert_int_equal(len, 69999);
	free(buf);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_read_refuses_symlink),
	    T(test_atomic_write_replaces_symlink),
	    T(test_atomic_write_refuses_symlinked_temp),
	    T(test_lock_refuses_symlink),
	    T(test_subdir_refuses_symlink),
	    T(test_private_dir_checks),
	    T(test_read_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
