/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "orphan.h"
#include "log.h"
#include "proctable.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int fd_id(int fd, struct lr_ns_id *id)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	*id = (struct lr_ns_id){(unsigned long long)st.st_dev, (unsigned long long)st.st_ino};
	return 0;
}

/* The parent of @pid (field 4 of /proc/PID/stat), 0 when unknown. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields follow the last ')'. */
	const char *p = strrchr(buf, ')');
	int ppid = 0;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* The infra's own processes on the host: its net driver, its forwarder and the forwarder's
 * child, which joined the infra's user namespace to make sockets there. */
static bool infra_helper(const struct lr_infra *inf, pid_t pid)
{
	return pid == inf->net_pid ||
	       (inf->fwd_pid > 0 && (pid == inf->fwd_pid || parent_of(pid) == inf->fwd_pid));
}

bool lr_infra_orphaned(const struct lr_infra *inf)
{
	/* Held open for the scan: the namespaces cannot die and pass their numbers on meanwhile.
	 */
	cleanup_close int user = lr_proc_open_ns(inf->pid, inf->pid_start, "user");
	cleanup_close int mnt = lr_proc_open_ns(inf->pid, inf->pid_start, "mnt");
	struct lr_ns_id userns, mntns, self;
	if (user < 0 || mnt < 0 || fd_id(user, &userns) < 0 || fd_id(mnt, &mntns) < 0)
		return false;
	if (lr_proc_ns_id(getpid(), "user", &self) == 0 && self.dev == userns.dev &&
	    self.ino == userns.ino)
		return false;
	cleanup_dir DIR *d = opendir("/proc");
	if (!d)
		return false;
	pid_t pid;
	while ((pid = lr_proc_next_pid(d))) {
		if (pid == inf->pid || infra_helper(inf, pid))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		/* Not ours to inspect (EACCES), or gone: not counted. */
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || !lr_userns_within(fd, &userns))
			continue;
		/* A zombie (a daemon's first half, not yet reaped) uses nothing any more. */
		if (!lr_proc_start_time(pid))
			continue;
		struct lr_ns_id m;
		if (lr_proc_ns_id(pid, "mnt", &m) == 0 && m.dev == mntns.dev && m.ino == mntns.ino)
			continue;
		rci_debug("pid %d is in the user namespace of the infra (pid %d): not orphaned",
			  (int)pid, (int)inf->pid);
		return false;
	}
	return true;
}
