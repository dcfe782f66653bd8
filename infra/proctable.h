/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PROCTABLE_H
#define LR_PROCTABLE_H

#include <stdbool.h>
#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "number.h"

/* PID_MAX_LIMIT of 64-bit kernels: no pid is larger (bounds for pids read from files). */
#define LR_PID_MAX RCI_PID_MAX

/*
 * The process table, read through /proc: start times (they tell a live process from a reused
 * pid), waiting for and signalling processes that are not our children, namespaces, and the
 * sweeps that kill what an infra left behind. The launcher starts its own children through
 * spawn.h.
 */

/* The next pid of the /proc listing @d (opendir("/proc")), ours skipped; 0 at its end. */
pid_t lr_proc_next_pid(DIR *d);

/* Start time of @pid (field 22 of /proc/PID/stat), 0 if it does not exist: guards pid reuse. */
unsigned long long lr_proc_start_time(pid_t pid);

/* True when @pid exists and started at @start (any start when @start is 0). */
bool lr_proc_alive(pid_t pid, unsigned long long start);

/*
 * Waits until @pid (any process, not only a child) has exited, at most @timeout_ms. Returns true
 * when it is gone. Uses a pidfd, polling /proc on kernels without one.
 */
bool lr_proc_wait_gone(pid_t pid, unsigned long long start, long timeout_ms);

/* Sends @sig to @pid only while it is still the process that started at @start. */
int lr_proc_signal(pid_t pid, unsigned long long start, int sig);

/*
 * SIGKILLs this user's processes whose root directory is @root (another container's leftovers)
 * and waits for them, at most 2 s each. Best effort.
 */
void lr_proc_kill_rooted_at(const char *root);

/* A namespace's identity: st_dev and st_ino of /proc/PID/ns/NAME. */
struct lr_ns_id {
	unsigned long long dev, ino;
};

/* Reads the identity of namespace @ns ("mnt", "user"...) of @pid; 0, or -1 with errno set. */
int lr_proc_ns_id(pid_t pid, const char *ns, struct lr_ns_id *out);

/*
 * lr_proc_open_ns() - opens /proc/@pid/ns/@ns ("mnt", "user"...) only while @pid is the
 * process that started at @start (any when 0): an O_CLOEXEC fd, or -1 with errno set (ESRCH
 * when that process is gone). The fd keeps the namespace alive, and so keeps its inode number
 * from being reused by a new namespace for as long as it is open.
 */
int lr_proc_open_ns(pid_t pid, unsigned long long start, const char *ns);

/* True when @pid (started at @start, any when 0) has the directory @root as its root. */
bool lr_proc_rooted_at(pid_t pid, unsigned long long start, const char *root);

/*
 * lr_proc_kill_mntns() - SIGKILLs every process in the mount namespace @mntns_fd names (those
 * we may inspect: ours, and those of user namespaces we own) and waits for them, scanning again
 * until a scan finds none or @timeout_ms passes. The namespace comes as an fd, never as a
 * recorded number: numbers are reused once a namespace dies, and the fd keeps it alive (issue
 * 13). Each candidate is pinned by a pidfd before its namespace is compared, so a reused pid is
 * never signalled. The caller's own mount namespace is refused. Returns the number of processes
 * signalled.
 */
int lr_proc_kill_mntns(int mntns_fd, long timeout_ms);

#endif
