/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spawn_core.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

/* Fds the child gets besides stdio (rci_spawn.extra_fds): a staging array on the stack. */
#define MAX_EXTRA 16
/* Sources are moved at or above this before the dup2()s onto 0..2+n_extra. */
#define STAGING_FD 64
/* The child's stack until it execs: child() and its callees need a few KiB. */
#define CHILD_STACK (64 * 1024)

/* A d_name of /proc/self/fd as a number, -1 for anything else ("." and ".."). */
static int fd_name(const char *s)
{
	int v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int rci_mark_fds_cloexec_from(int from)
{
	if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/*
	 * Kernels before 5.11: walk /proc/self/fd. Runs in children between fork and exec, so
	 * nothing here allocates (opendir would: the parent may hold malloc's lock in another
	 * thread): getdents64 into a buffer on the stack.
	 */
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	char buf[4096] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 {
				unsigned long long d_ino;
				long long d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *de = (void *)(buf + off);
			int fd = fd_name(de->d_name);
			if (fd >= from && fd != dfd)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
			off += de->d_reclen;
		}
	}
	int e = errno;
	close(dfd);
	errno = e;
	return n < 0 ? -1 : 0;
}

void rci_signals_reset(void)
{
	sigset_t none;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Between fork and exec: async-signal-safe calls only, no allocation, _exit() never exit(). */
static __attribute__((noreturn)) void child(const struct rci_child *c, pid_t parent, int status_fd)
{
	const struct rci_spawn *sp = c->sp;
	int n = 3 + (int)c->n_extra;
	int staged[3 + MAX_EXTRA];
	int e;

	/* Ignored signals stay ignored across exec (SIGPIPE is, in the launcher and the init). */
	rci_signals_reset();
	if (c->session) {
		/* A daemon must not pin the directory the user ran us from (a mount to unmount). */
		if (setsid() < 0 || chdir("/") < 0)
			goto fail;
	} else if (setpgid(0, 0) < 0) {
		goto fail;
	}
	if (c->die_with_parent) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			goto fail;
		/* A parent that died before the prctl() sends nothing: we are an orphan already. */
		if (getppid() != parent)
			_exit(127);
	}
	/* Every source above the target range first, so that no dup2() clobbers another. */
	status_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, STAGING_FD + n);
	if (status_fd < 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		int src = i < 3 ? c->stdio[i] : c->extra[i - 3];
		staged[i] = fcntl(src, F_DUPFD_CLOEXEC, STAGING_FD);
		if (staged[i] < 0)
			goto fail;
	}
	for (int i = 0; i < n; i++)
		if (dup2(staged[i], i) < 0)
			goto fail;
	if (rci_mark_fds_cloexec_from(n) < 0)
		goto fail;
	if (sp->child_setup && sp->child_setup(sp->child_data) < 0)
		goto fail;
	execve(sp->path, sp->argv, sp->envp);
fail:
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

#ifndef __SANITIZE_ADDRESS__
struct child_args {
	const struct rci_child *c;
	pid_t parent;
	int status_fd;
};

static int child_entry(void *data)
{
	const struct child_args *a = data;
	child(a->c, a->parent, a->status_fd);
}
#endif

/*
 * The child shares our memory until it execs (CLONE_VM | CLONE_VFORK; we are suspended till
 * then): no page table to copy and no copy-on-write fault in us afterwards, which a fork() of
 * even a small process costs several times over on a VM (issue 12: every plugin, every helper).
 * The child only makes syscalls (see child()), on a stack of its own carved from ours.
 */
static pid_t start_child(const struct rci_child *c, pid_t parent, int status_fd)
{
#ifdef __SANITIZE_ADDRESS__
	/* ASan's shadow of the shared stack would be the child's too: a plain fork there. */
	pid_t pid = fork();
	if (pid == 0)
		child(c, parent, status_fd);
	return pid;
#else
	char stack[CHILD_STACK] __attribute__((aligned(16)));
	struct child_args a = {.c = c, .parent = parent, .status_fd = status_fd};
	return clone(child_entry, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
#endif
}

pid_t rci_child_start(const struct rci_child *c, int *pidfd, int *exec_errno, rci_error_t *err)
{
	int status[2];
	*pidfd = -1;
	*exec_errno = 0;
	if (c->n_extra > MAX_EXTRA)
		return rci_make_error(err, EINVAL, "too many fds for `%s`", c->sp->path);
	if (pipe2(status, O_CLOEXEC) < 0)
		return rci_make_error(err, errno, "pipe");

	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t parent = getpid();
	pid_t pid = start_child(c, parent, status[1]);
	int fork_errno = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(status[1]);
	if (pid < 0) {
		close(status[0]);
		return rci_make_error(err, fork_errno, "fork");
	}
	/* From the parent too: no race with a kill(-pid) of the run-to-completion front end. */
	if (!c->session)
		setpgid(pid, pid);
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	int child_errno = 0;
	ssize_t r;
	do
		r = read(status[0], &child_errno, sizeof(child_errno));
	while (r < 0 && errno == EINTR);
	close(status[0]);
	if (r == (ssize_t)sizeof(child_errno)) {
		if (*pidfd >= 0)
			close(*pidfd);
		*pidfd = -1;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		*exec_errno = child_errno;
		return rci_make_error(err, child_errno, "exec `%s`", c->sp->path);
	}
	return pid;
}
