/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_BUNDLE_H
#define LR_BUNDLE_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "context.h"
#include "error.h"
#include "infra.h"
#include "state.h"

/* What varies between the infra's config.json and the doctor's probe container. */
struct lr_bundle_opts {
	char *const *args;   /* process.args */
	char *const *env;    /* process.env */
	json_object *mounts; /* borrowed; copied into the config */
	const char *hostname;
};

/*
 * The infra's config.json (OCI runtime spec 1.0): privileged inside its user namespace (every
 * capability, no seccomp, no masked paths), host PID namespace so /proc/<pid>/... paths work
 * from the host, new mount, network, IPC and UTS namespaces, a read-only root, no user
 * namespace (the runtime already runs in the right one, see userns.h) and no cgroup settings
 * (rootless runtimes may not have any). Caller owns the result.
 */
json_object *lr_bundle_config(const struct lr_bundle_opts *o);

/*
 * Bundle directories of the state dir (state.h) appear and disappear atomically (containerd's
 * bundle.go): built under ".<name>.tmp-<pid>" and renamed into place, removed by renaming to
 * ".<name>.del-<pid>-<n>" first, so a crash never leaves a half-built bundle under the real
 * name. Those temp names are a crashed launcher's leftovers (lr_bundle_is_temp).
 */

/* Creates ".<name>.tmp-<pid>/rootfs"; returns the temp bundle's path or NULL with *err. */
char *lr_bundle_begin(const struct lr_state *st, const char *name, rci_error_t *err);
/* Writes @config as config.json into the temp bundle of @name and renames it to @name. */
int lr_bundle_commit(const struct lr_state *st, const char *name, json_object *config,
		     rci_error_t *err);
/* Removes the temp bundle of @name this process began (best effort). */
void lr_bundle_abort(const struct lr_state *st, const char *name);
/* Removes the bundle @name; a missing one is success. */
int lr_bundle_remove(const struct lr_state *st, const char *name, rci_error_t *err);
/* True when the state dir entry @entry is a temp name of the bundle @name. */
bool lr_bundle_is_temp(const char *entry, const char *name);

/* The root directory the config.json of bundle @name names, absolute; NULL when unreadable. */
char *lr_bundle_root(const struct lr_state *st, const char *name);

/* The pid the runtime wrote to the infra bundle's pid file (LR_BUNDLE_PID_FILE). */
int lr_bundle_pid(const struct lr_state *st, pid_t *pid, rci_error_t *err);

/*
 * lr_bundle_build() - builds the infra's bundle, <state>/bundle: the rootfs (imageless from the
 * host with @helper and @init bind-mounted, or ctx->img's rootfs in place), its resolv.conf
 * (slirp.h), config.json with the infra's own command and environment. The bundle outlives this
 * command: nothing of it goes in (no --debug, no RCI_PORT_MAPPINGS, no RCI_PLUGIN_TIMEOUT), or
 * every later runtime `exec` and the init's teardown would inherit it. Sets inf->cni_path, and
 * inf->image with --image. -1 with *err, nothing left behind.
 */
int lr_bundle_build(struct lr_ctx *ctx, const char *helper, const char *init, struct lr_infra *inf,
		    rci_error_t *err);

#endif
