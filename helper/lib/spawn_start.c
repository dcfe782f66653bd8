/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The detached front end of spawn.h: start, wait, kill. */
#include "spawn.h"
#include "spawn_core.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

void rci_spawn_init_daemon(struct rci_spawn *sp, const char *path, char *const *argv, int log_fd,
			   const int *extra, size_t n_extra)
{
	rci_spawn_init(sp);
	sp->path = path;
	sp->argv = argv;
	sp->envp = environ;
	sp->out_fd = sp->err_fd = log_fd;
	sp->extra_fds = extra;
	sp->n_extra = n_extra;
	sp->new_session = true;
}

pid_t rci_spawn_start(const struct rci_spawn *sp, rci_error_t *err)
{
	cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return rci_make_error(err, errno, "open `/dev/null`");
	const int want[3] = {sp->in_fd, sp->out_fd, sp->err_fd};
	struct rci_child c = {.sp = sp,
			      .extra = sp->extra_fds,
			      .n_extra = sp->n_extra,
			      .session = sp->new_session,
			      .die_with_parent = sp->die_with_parent};
	for (int i = 0; i < 3; i++)
		c.stdio[i] = want[i] >= 0 ? want[i] : devnull;
	int pidfd = -1, exec_errno = 0;
	pid_t pid = rci_child_start(&c, &pidfd, &exec_errno, err);
	if (pidfd >= 0)
		close(pidfd);
	return pid;
}

int rci_spawn_wait(pid_t pid, long timeout_ms, int *wstatus, rci_error_t *err)
{
	long long deadline = timeout_ms > 0 ? rci_now_ms() + timeout_ms : 0;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		int ws;
		pid_t w = waitpid(pid, &ws, WNOHANG);
		if (w == pid) {
			*wstatus = ws;
			return 0;
		}
		if (w < 0 && errno != EINTR)
			return rci_make_error(err, errno, "waitpid %d", (int)pid);
		long left = 100;
		if (deadline) {
			long long l = deadline - rci_now_ms();
			if (l <= 0)
				return 1;
			if (pidfd >= 0 || l < left)
				left = (long)l;
		} else if (pidfd >= 0) {
			left = -1;
		}
		if (pidfd >= 0) {
			/* A pidfd polls readable when the process exits. */
			struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
			poll(&pfd, 1, (int)left);
		} else {
			usleep((useconds_t)(left > 20 ? 20 : left) * 1000);
		}
	}
}

void rci_spawn_kill_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
