/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_RUNTIME_H
#define LR_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* An OCI runtime binary and the flags it needs to run rootless. */
struct lr_runtime {
	char *name; /* "runc", "crun", or the basename of --runtime PATH */
	char *path;
	bool crun;
};

/*
 * The runtimes to try, best first: --runtime NAME|PATH alone when given, else runc and crun as
 * found in PATH (auto: the first that really runs the infra wins). *out is a NULL-name
 * terminated array; -1 with *err when none is installed.
 */
int lr_runtime_candidates(const char *want, struct lr_runtime **out, rci_error_t *err);
void lr_runtime_list_free(struct lr_runtime *list);
struct lr_runtime lr_runtime_dup(const struct lr_runtime *rt);
void lr_runtime_clear(struct lr_runtime *rt);

/*
 * argv for `RUNTIME <global options> @args...`: --root @root, and when not real root the
 * rootless cgroup handling (runc --rootless=true ignores cgroup permission errors; crun
 * --cgroup-manager=disabled). Caller frees (rci_strv_free).
 */
char **lr_runtime_argv(const struct lr_runtime *rt, const char *root, char *const *args);

/*
 * Runs a short runtime command (start, kill, delete, state) in the user namespace @userns_fd
 * (-1: here) with a timeout (rci_run_checked: a non-zero exit is an error carrying the
 * runtime's own stderr). *out (optional) receives stdout.
 */
int lr_runtime_run(const struct lr_runtime *rt, const char *root, int userns_fd, long timeout_ms,
		   char *const *args, char **out, rci_error_t *err);

#endif
