/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_INFRA_H
#define LR_INFRA_H

#include <stdbool.h>

#include "context.h"
#include "error.h"
#include "record.h"
#include "runtime.h"

/*
 * DOC: the infra container's lifecycle, all under the exclusive launcher lock.
 *
 * start: build the bundle (rootfs.h, bundle.h) -> `RUNTIME create --preserve-fds 1` inside the
 * user namespace (userns.h), fd 3 being the write end of slirp4netns' exit pipe -> slirp4netns
 * on the created pid, ready handshake -> `RUNTIME start` -> wait for the init's pid file ->
 * write <state>/infra.json (record.h). Any failure undoes every step; with no --runtime the next
 * runtime is tried, so the one that works on this host wins. The image (--image) is prepared
 * again under the lock, which the pruning of the image cache also takes.
 *
 * A provisional record (runtime, root, bundle, no pid) is written before `create`, and
 * completed as the pid and slirp4netns become known, so a launcher killed mid-start leaves
 * enough for the next one to clean up.
 *
 * stop: `kill TERM` (the init deallocates every attachment), KILL after a timeout longer than
 * the init's own teardown budget (init/teardown.h), then every process still in the infra's
 * mount namespace is SIGKILLed (the host PID namespace and no cgroup mean neither the runtime
 * nor the init can find a daemon a plugin started, or anything joined with nsenter), then
 * `delete --force`, slirp4netns ends on the exit pipe's hang-up (killed if not), then the
 * socket, bundle, runtime state and record go. The namespace is opened while the init is
 * verifiably alive (pid and start time) and held open until the sweep: a recorded namespace
 * number is never trusted, since the kernel reuses it once the namespace dies (issue 13). A
 * dead infra (SIGKILLed, host reboot of /run) goes through the same cleanup minus that sweep:
 * what it left is found by its root, the bundle's rootfs. The next command notices and starts
 * afresh.
 */
/*
 * Starts the infra when it is not running (start.c), cleaning up a dead one first; fails over
 * a survivor of the last one (lr_infra_stop). *out is the running infra's record.
 */
int lr_infra_ensure(struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err);

/*
 * Stops @inf (NULL: whatever the state dir holds) and removes every trace of it (stop.c). Fails
 * when its init or slirp4netns survives SIGKILL: then the record stays, so that a later stop
 * retries (nothing else would know the survivor, which keeps the host ports).
 */
int lr_infra_stop(struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err);

/*
 * Undoes a start that failed (start.c): when @created (the runtime's `create` ran, with @rt in
 * the user namespace @userns_fd), kills the init, sweeps its mount namespace (@mntns_fd, or
 * opened now), deletes the container; then kills and reaps slirp4netns (our child) and removes
 * the files. Best effort.
 */
void lr_infra_discard(struct lr_ctx *ctx, struct lr_infra *inf, const struct lr_runtime *rt,
		      bool created, int userns_fd, int mntns_fd);

/* True when the state dir holds anything of an infra (record, bundle, socket, runtime state). */
bool lr_infra_leftovers(const struct lr_ctx *ctx);

/*
 * The infra's own environment (env.c): PATH, CNI_PATH and the rest that config.json gives the
 * init, and that every helper call starts from. Caller frees (rci_strv_free).
 */
char **lr_infra_base_env(const struct lr_infra *inf);

/*
 * Environment of a helper call in the infra: the infra's own (lr_infra_base_env), then this
 * command's (ctx->extra_env, RCI_PLUGIN_TIMEOUT). The init's environment in config.json is the
 * first part only: nothing of the command that happened to start the infra.
 */
char **lr_infra_env(const struct lr_ctx *ctx, const struct lr_infra *inf);

/*
 * Fails with RCI_ERR_CONFLICT when @inf is not the infra of the caller's user namespace
 * (lr_statekey_check_infra), or when this command names a --cni-config-dir, --cni-plugin-dir,
 * --runtime, --image, --port-driver or --net-driver other than the ones the running @inf was
 * started with, --image against an imageless infra, or --allow-host-loopback against an infra
 * started without it (it would silently ignore them otherwise; options.c). --image is compared
 * by manifest digest, so it prepares ctx->img: call under the launcher lock.
 */
int lr_infra_check_options(struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err);

#endif
