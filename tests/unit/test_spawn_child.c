/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the spawned child's side (issue 13, bug 10), with seccomp fault injection (as
 * crun's tests/no_openat2.c): the close-on-exec sweep's fallback for kernels without
 * close_range() allocates nothing (the child of a multi-threaded parent must not call malloc),
 * and a child whose parent died before it set PR_SET_PDEATHSIG does not run.
 */
#include "unit.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "spawn.h"

/*
 * Counting allocator: glibc resolves its own malloc calls (opendir's) through this one too.
 * Under ASan the sanitizer owns malloc, so the allocation test is skipped there.
 */
#if !defined(__SANITIZE_ADDRESS__)
#define COUNT_MALLOC 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
static volatile int counting, allocations;

void *malloc(size_t size)
{
	if (counting)
		allocations++;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (counting)
		allocations++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (counting)
		allocations++;
	return __libc_realloc(p, size);
}
#endif

/* Installs a filter: syscall @nr (with args[0] == @arg0 when @arg0 >= 0) gets @action. */
static int install_filter(int nr, long arg0, unsigned action, unsigned flags)
{
	struct sock_filter f[6];
	unsigned short n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0,
					      arg0 < 0 ? 1 : 3);
	if (arg0 >= 0) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, args[0]));
		f[n++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)arg0, 0, 1);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = n, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* In a child: the sweep with close_range() failing as on kernels before 5.11. */
static int fallback_child(void)
{
	int fd = open("/dev/null", O_RDONLY); /* inheritable on purpose */
	if (fd < 3)
		return 10;
	if (install_filter(__NR_close_range, -1, SECCOMP_RET_ERRNO | ENOSYS, 0) < 0)
		return 11;
#ifdef COUNT_MALLOC
	counting = 1;
#endif
	int r = rci_mark_fds_cloexec_from(3);
#ifdef COUNT_MALLOC
	counting = 0;
	if (allocations)
		return 12;
#endif
	if (r < 0)
		return 13;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return 14;
	/* Below @from: untouched. */
	if (fcntl(2, F_GETFD) & FD_CLOEXEC)
		return 15;
	return 0;
}

/* 12: the fallback called malloc (opendir did) in the child. */
static void test_cloexec_fallback_allocates_nothing(void **state)
{
	(void)state;
	ut_assert_child_ok(fallback_child);
}

/*
 * The spawner, in a process of its own: a filter stops its child at prctl(PR_SET_PDEATHSIG)
 * (SECCOMP_RET_USER_NOTIF) and reports the listener fd's number on @report.
 */
static __attribute__((noreturn)) void spawner(int report)
{
	int lfd = install_filter(__NR_prctl, PR_SET_PDEATHSIG, SECCOMP_RET_USER_NOTIF,
				 SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (write(report, &lfd, sizeof(lfd)) != sizeof(lfd) || lfd < 0)
		_exit(1);
	char *argv[] = {"sleep", "1000", NULL};
	struct rci_spawn sp;
	rci_spawn_init_daemon(&sp, "/bin/sleep", argv, -1, NULL, 0);
	sp.die_with_parent = true;
	rci_error_t err = NULL;
	rci_spawn_start(&sp, &err);
	_exit(0);
}

/*
 * A parent that dies between fork and the child's prctl(PR_SET_PDEATHSIG) never sends the death
 * signal: the child must notice (getppid() is no longer its spawner) and exit, not run on
 * unsupervised. The test is the subreaper that inherits it.
 */
static void test_pdeathsig_parent_gone(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t mid = fork();
	assert_true(mid >= 0);
	if (mid == 0)
		spawner(p[1]);
	close(p[1]);
	int lfd_num = -1;
	assert_int_equal(read(p[0], &lfd_num, sizeof(lfd_num)), sizeof(lfd_num));
	close(p[0]);
	if (lfd_num < 0) {
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		skip(); /* no seccomp user notification here */
	}
	int pidfd = (int)syscall(SYS_pidfd_open, mid, 0);
	assert_true(pidfd >= 0);
	int lfd = (int)syscall(SYS_pidfd_getfd, pidfd, lfd_num, 0);
	assert_true(lfd >= 0);
	close(pidfd);

	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	assert_int_equal(ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
	pid_t child = (pid_t)req.pid;
	/* The spawner dies while its child is stopped right before prctl(). */
	kill(mid, SIGKILL);
	assert_int_equal(waitpid(mid, NULL, 0), mid);
	struct seccomp_notif_resp resp = {.id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	assert_int_equal(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
	close(lfd);
	/* Reparented to us (subreaper): it must exit on its own, never exec `sleep 1000`. */
	int ws = 0;
	pid_t w = 0;
	for (int i = 0; i < 300 && w == 0; i++) {
		w = waitpid(child, &ws, WNOHANG);
		if (w == 0)
			usleep(10 * 1000);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (w != child) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		fail_msg("the child of a dead spawner ran on (pid %d)", (int)child);
	}
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 127);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cloexec_fallback_allocates_nothing),
	    cmocka_unit_test(test_pdeathsig_parent_gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
