/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_INFRA_H
#define LR_INFRA_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "context.h"
#include "error.h"
#include "proctable.h"
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
	bool
	    allow_host_loopback; /* --allow-host-loopback: slirp4netns serves the host's loopback */
	char *image;		 /* --image: the manifest digest it runs from; NULL: imageless */
	bool ready;		 /* started; false in a provisional record */
	char *cni_config_dir;	 /* the host dir mounted at /etc/cni/net.d */
	char **plugin_dirs;	 /* the host plugin dirs it was started with */
};

void lr_infra_free(struct lr_infra *inf);

/* Reads <state>/infra.json: 0 with *out NULL when there is none, -1 with *err if unreadable. */
int lr_infra_load(const struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err);

/* The infra finished starting and its init is still the process that was started. */
bool lr_infra_alive(const struct lr_infra *inf);

/* Starts the infra when it is not running (cleaning up a dead one first). */
int lr_infra_ensure(struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err);

/*
 * Stops @inf (NULL: whatever the state dir holds) and removes every trace of it. Fails when its
 * init or slirp4netns survives SIGKILL: then the record stays, so that a later stop retries
 * (nothing else would know the survivor, which keeps the host ports).
 */
int lr_infra_stop(struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err);

/* True when the state dir holds anything of an infra (record, bundle, socket, runtime state). */
bool lr_infra_leftovers(const struct lr_ctx *ctx);

/*
 * Environment of a helper call in the infra: the infra's own (PATH, CNI_PATH...), then this
 * command's (ctx->extra_env, RCI_PLUGIN_TIMEOUT). The init's environment in config.json is the
 * first part only: nothing of the command that happened to start the infra.
 */
char **lr_infra_env(const struct lr_ctx *ctx, const struct lr_infra *inf);

/*
 * Fails with RCI_ERR_CONFLICT when this command names a --cni-config-dir, --cni-plugin-dir,
 * --runtime or --image other than the ones the running @inf was started with, or --image
 * against an imageless infra (it would silently ignore them otherwise). --image is compared by
 * manifest digest, so it prepares ctx->img: call under the launcher lock.
 */
int lr_infra_check_options(struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err);

/*
 * OCI LinuxIDMapping objects of the infra's user namespace (lr_userns_mappings), checked to
 * still be the infra's once read (pid reuse).
 */
json_object *lr_infra_mappings(const struct lr_infra *inf, bool gid, rci_error_t *err);

/* "/proc/<pid>/ns/user". */
char *lr_infra_userns_path(const struct lr_infra *inf);

#endif
