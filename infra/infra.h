/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_INFRA_H
#define LR_INFRA_H

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"
#include "runtime.h"

/*
 * DOC: the infra container's lifecycle, all under the exclusive launcher lock.
 *
 * start: build the bundle (rootfs.h, bundle.h) -> `RUNTIME create --preserve-fds 1` inside the
 * user namespace (userns.h), fd 3 being the write end of slirp4netns' exit pipe -> slirp4netns
 * on the created pid, ready handshake -> `RUNTIME start` -> wait for the init's pid file ->
 * write <state>/infra.json. Any failure undoes every step; with no --runtime the next runtime
 * is tried, so the one that works on this host wins.
 *
 * stop: `kill TERM` (the init deallocates every attachment), KILL after a timeout,
 * `delete --force`, slirp4netns ends on the exit pipe's hang-up (killed if not), then the
 * socket, bundle, runtime state and record go. A dead infra (SIGKILLed, host reboot of /run)
 * goes through the same cleanup: the next command notices and starts afresh.
 */
struct lr_infra {
	struct lr_runtime rt;
	char *runtime_root;
	char *bundle;
	char *api_socket;
	char *cni_path; /* CNI_PATH inside the infra */
	pid_t pid;	/* the init, a host pid (host PID namespace) */
	unsigned long long pid_start;
	pid_t slirp_pid;
	unsigned long long slirp_start;
	bool own_userns; /* the launcher made the user namespace: runtime calls must join it */
};

void lr_infra_free(struct lr_infra *inf);

/* Reads <state>/infra.json: 0 with *out NULL when there is none, -1 with *err if unreadable. */
int lr_infra_load(const struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err);

/* The init is still the process that was started. */
bool lr_infra_alive(const struct lr_infra *inf);

/* Starts the infra when it is not running (cleaning up a dead one first). */
int lr_infra_ensure(struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err);

/* Stops @inf (NULL: whatever the state dir holds) and removes every trace of it. */
int lr_infra_stop(struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err);

/* True when the state dir holds anything of an infra (record, bundle, socket, runtime state). */
bool lr_infra_leftovers(const struct lr_ctx *ctx);

/* Environment of processes in the infra (the init, the helper). */
char **lr_infra_env(const struct lr_ctx *ctx, const struct lr_infra *inf);

/* "/proc/<pid>/ns/user". */
char *lr_infra_userns_path(const struct lr_infra *inf);

#endif
