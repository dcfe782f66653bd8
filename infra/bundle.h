/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_BUNDLE_H
#define LR_BUNDLE_H

#include <json-c/json.h>

#include "error.h"

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
 * Bundle directories appear and disappear atomically (containerd's bundle.go): built under
 * "<dir>/.<name>.tmp-<pid>" and renamed into place, removed by renaming to a hidden name first,
 * so a crash never leaves a half-built bundle under the real name.
 */

/* Creates "<dir>/.<name>.tmp-<pid>/rootfs"; returns the temp bundle path or NULL with *err. */
char *lr_bundle_begin(const char *dir, const char *name, rci_error_t *err);
/* Writes @config as config.json into @tmp and renames @tmp to "<dir>/<name>". */
int lr_bundle_commit(const char *tmp, const char *dir, const char *name, json_object *config,
		     rci_error_t *err);
/* Removes the bundle (or temp bundle) at @path; a missing one is success. */
int lr_bundle_remove(const char *path, rci_error_t *err);

/* rm -rf without following symlinks, staying on the directory's file system. */
int lr_remove_tree(const char *path, rci_error_t *err);

#endif
