/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proctable.h"
#include "fs.h"
#include "log.h"
#include "number.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Start time from the stat file of an open /proc/PID directory; 0 when gone or a zombie. */
static unsigned long long start_time_at(int proc_dfd)
{
	char buf[1024];
	cleanup_close int fd = openat(proc_dfd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may contain spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	/* A zombie still has a start time, but is no longer the live infra. */
	if (p[2] == 'Z' || p[2] == 'X')
		return 0;
	/* After ") " comes field 3 (state); the start time is field 22, one space apart. */
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	uint64_t start;
	if (rci_parse_u64_n(p, strcspn(p, " \n"), UINT64_MAX, &start) < 0)
		return 0;
	return start;
}

/*
 * /proc/@pid as a directory fd, only while @pid is the process that started at @start (any when
 * 0). The fd pins that process: what is opened through it is that process's or fails (ESRCH),
 * even if the pid is reused meanwhile. -1 with errno set.
 */
static int open_proc_dir(pid_t pid, unsigned long long start)
{
	char path[64];
	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	unsigned long long now = start_time_at(dfd);
	if (now == 0 || (start && now != start)) {
		close(dfd);
		errno = ESRCH;
		return -1;
	}
	return dfd;
}

unsigned long long lr_proc_start_time(pid_t pid)
{
	cleanup_close int dfd = open_proc_dir(pid, 0);
	return dfd < 0 ? 0 : start_time_at(dfd);
}

bool lr_proc_alive(pid_t pid, unsigned long long start)
{
	if (pid <= 0)
		return false;
	unsigned long long now = lr_proc_start_time(pid);
	return now != 0 && (start == 0 || now == start);
}

bool lr_proc_wait_gone(pid_t pid, unsigned long long start, long timeout_ms)
{
	long long deadline = rci_now_ms() + timeout_ms;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (lr_proc_alive(pid, start)) {
		long long left = deadline - rci_now_ms();
		if (left <= 0)
			return false;
		if (pidfd >= 0) {
			/* A pidfd polls readable when the process exits, even when not our child.
			 */
			struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
			poll(&pfd, 1, left > 50 ? 50 : (int)left);
		} else {
			usleep(20 * 1000);
		}
		/* Our own child turns into a zombie until reaped. */
		waitpid(pid, NULL, WNOHANG);
	}
	return true;
}

int lr_proc_signal(pid_t pid, unsigned long long start, int sig)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* Check after opening the pidfd: from then on the pid cannot be reused under us. */
	if (!lr_proc_alive(pid, start))
		return -1;
	if (pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	return kill(pid, sig);
}

int lr_proc_ns_id(pid_t pid, const char *ns, struct lr_ns_id *out)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	if (stat(path, &st) < 0)
		return -1;
	out->dev = (unsigned long long)st.st_dev;
	out->ino = (unsigned long long)st.st_ino;
	return 0;
}

int lr_proc_open_ns(pid_t pid, unsigned long long start, const char *ns)
{
	char name[32];
	cleanup_close int dfd = open_proc_dir(pid, start);
	if (dfd < 0)
		return -1;
	snprintf(name, sizeof(name), "ns/%s", ns);
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	/* Checked again once opened: the process may have exited in between (the fd then names a
	 * namespace nobody may still be in, whose number could go to another). */
	if (fd >= 0 && start_time_at(dfd) == 0) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

bool lr_proc_rooted_at(pid_t pid, unsigned long long start, const char *root)
{
	struct stat want, st;
	cleanup_close int dfd = open_proc_dir(pid, start);
	return dfd >= 0 && stat(root, &want) == 0 && fstatat(dfd, "root", &st, 0) == 0 &&
	       st.st_dev == want.st_dev && st.st_ino == want.st_ino;
}

pid_t lr_proc_next_pid(DIR *d)
{
	struct dirent *de;
	while ((de = readdir(d))) {
		uint64_t v;
		if (rci_parse_u64(de->d_name, LR_PID_MAX, &v) == 0 && v > 0 && (pid_t)v != getpid())
			return (pid_t)v;
	}
	return 0;
}

/* One pass over /proc: signals the members of @id, returns their pidfds (-1: none) in *fds. */
static size_t kill_mntns_pass(const struct lr_ns_id *id, int **fds, size_t *nfds)
{
	size_t killed = 0;
	cleanup_dir DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t p;
	while ((p = lr_proc_next_pid(d))) {
		long pid = (long)p;
		/* Pinned first: if @pid is reused after this, the signal fails with ESRCH. */
		int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		struct lr_ns_id ns;
		/* Other users' processes fail here (EACCES): they are not ours to kill. */
		if (lr_proc_ns_id((pid_t)pid, "mnt", &ns) < 0 || ns.dev != id->dev ||
		    ns.ino != id->ino) {
			if (pidfd >= 0)
				close(pidfd);
			continue;
		}
		rci_debug("killing pid %ld, left in the infra's mount namespace", pid);
		int r = pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0)
				   : kill((pid_t)pid, SIGKILL);
		if (r < 0) {
			if (pidfd >= 0)
				close(pidfd);
			continue;
		}
		killed++;
		*fds = xrealloc(*fds, (*nfds + 1) * sizeof(int));
		(*fds)[(*nfds)++] = pidfd;
	}
	return killed;
}

int lr_proc_kill_mntns(int mntns_fd, long timeout_ms)
{
	struct lr_ns_id self;
	struct stat st;
	if (mntns_fd < 0 || fstat(mntns_fd, &st) < 0)
		return 0;
	/* The open fd keeps the namespace, and so its number, from going to another. */
	struct lr_ns_id id = {(unsigned long long)st.st_dev, (unsigned long long)st.st_ino};
	if (lr_proc_ns_id(getpid(), "mnt", &self) == 0 && self.dev == id.dev &&
	    self.ino == id.ino) {
		rci_warning("refusing to kill the processes of our own mount namespace");
		return 0;
	}
	long long deadline = rci_now_ms() + timeout_ms;
	int total = 0;
	for (;;) {
		cleanup_free int *fds = NULL;
		size_t nfds = 0;
		size_t n = kill_mntns_pass(&id, &fds, &nfds);
		total += (int)n;
		/* Wait for them to be gone: a process being killed may still fork no more, but a
		 * scan racing its exit would find it again. */
		for (size_t i = 0; i < nfds; i++) {
			if (fds[i] >= 0) {
				long long left = deadline - rci_now_ms();
				struct pollfd pfd = {.fd = fds[i], .events = POLLIN};
				if (left > 0)
					poll(&pfd, 1, left > 2000 ? 2000 : (int)left);
				close(fds[i]);
			}
		}
		if (n == 0 || rci_now_ms() >= deadline)
			break;
		if (nfds && fds[0] < 0)
			usleep(20 * 1000);
	}
	return total;
}

void lr_proc_kill_rooted_at(const char *root)
{
	struct stat want;
	if (stat(root, &want) < 0)
		return;
	cleanup_dir DIR *d = opendir("/proc");
	if (!d)
		return;
	pid_t p;
	while ((p = lr_proc_next_pid(d))) {
		long pid = (long)p;
		char path[64];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%ld/root", pid);
		/* Other users' processes fail here (EACCES): they are not ours to kill. */
		if (stat(path, &st) < 0 || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
			continue;
		unsigned long long start = lr_proc_start_time((pid_t)pid);
		rci_debug("killing pid %ld, left in the container rooted at `%s`", pid, root);
		if (lr_proc_signal((pid_t)pid, start, SIGKILL) == 0)
			lr_proc_wait_gone((pid_t)pid, start, 2000);
	}
}
