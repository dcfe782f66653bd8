/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_SPAWN_CORE_H
#define RCI_SPAWN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "spawn.h"

/*
 * DOC: the fork/exec core under both front ends of spawn.h (rci_spawn_run: run to completion;
 * rci_spawn_start: start detached). Not for other callers.
 *
 * The child is started with clone(CLONE_VM | CLONE_VFORK) (fork() in sanitizer builds): it
 * shares our memory and we wait until it execs or exits, so it copies no page table and we take
 * no copy-on-write fault afterwards. The parent blocks every signal around the clone, so the
 * child starts with no handler of ours running. The child makes syscalls only (no malloc, no
 * write to memory we read later): every signal back to its default and an empty mask; its own
 * process group or session; PR_SET_PDEATHSIG then a check that its parent is still the spawner (a
 * parent dead before the prctl() sends nothing); every source fd moved above the target range
 * before any dup2() (so none clobbers another, whatever numbers the caller's fds have), then onto
 * 0, 1, 2, 3...; everything above close-on-exec; the setup hook; execve(). An exec failure reaches
 * the parent as its errno over a close-on-exec pipe (EOF means the exec happened).
 */

/* What a front end decided; every fd is a real one (the front end supplies /dev/null). */
struct rci_child {
	const struct rci_spawn *sp; /* path, argv, envp, child_setup */
	int stdio[3];		    /* sources of the child's fds 0, 1, 2 */
	const int *extra;	    /* sources of its fds 3, 4, ... */
	size_t n_extra;
	bool session;	      /* setsid() and chdir("/"), else setpgid(0, 0) */
	bool die_with_parent; /* PR_SET_PDEATHSIG(SIGKILL) */
};

/*
 * rci_child_start() - forks and execs @c. Returns the pid, with *pidfd a pidfd of it (-1 on
 * kernels without pidfd_open). On failure returns -1 with *err; when the exec itself failed,
 * *exec_errno holds its errno (else 0) and the child has been reaped.
 */
pid_t rci_child_start(const struct rci_child *c, int *pidfd, int *exec_errno, rci_error_t *err);

#endif
