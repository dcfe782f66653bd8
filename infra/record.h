/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_RECORD_H
#define LR_RECORD_H

#include <stdbool.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "context.h"
#include "error.h"
#include "proctable.h"
#include "runtime.h"

/*
 * DOC: the infra record, <state>/infra.json: what the launcher that started the infra knew of
 * it, for every later command. Written atomically; a provisional record (ready false: runtime,
 * root, bundle, then the pid) is written during the start, so that a launcher killed then
 * leaves enough for the next one to clean up (infra.h). Numbers are read with bounds: a damaged
 * record reads as a dead infra, never as another process. Records of launchers before the
 * drivers existed read as slirp4netns for both (what those launchers ran).
 */
struct lr_infra {
	struct lr_runtime rt;
	char *runtime_root;
	char *bundle;
	char *api_socket;
	char *cni_path; /* CNI_PATH inside the infra */
	pid_t pid;	/* the init, a host pid (host PID namespace) */
	unsigned long long pid_start;
	pid_t net_pid; /* the net driver's process: slirp4netns or pasta (net_driver) */
	unsigned long long net_start;
	pid_t fwd_pid; /* the port forwarder (forwarder.h), with --port-driver forwarder */
	unsigned long long fwd_start;
	unsigned fwd_restarts; /* forwarders started again after one died (forwarder.h) */
	enum lr_port_driver port_driver;
	enum lr_net_driver net_driver;
	bool own_userns; /* the launcher made the user namespace: runtime calls must join it */
	bool
	    allow_host_loopback; /* --allow-host-loopback: slirp4netns serves the host's loopback */
	char *image;		 /* --image: the manifest digest it runs from; NULL: imageless */
	bool ready;		 /* started; false in a provisional record */
	char *cni_config_dir;	 /* the user's config dir (context.h), over /etc/cni/net.d */
	char *cni_shipped_dir;	 /* the shipped networks' dir, at LR_IN_SHIPPED_CONF */
	char **plugin_dirs;	 /* the host plugin dirs it was started with */
};

void lr_infra_free(struct lr_infra *inf);

/* Reads <state>/infra.json: 0 with *out NULL when there is none, -1 with *err if unreadable. */
int lr_infra_load(const struct lr_ctx *ctx, struct lr_infra **out, rci_error_t *err);

/* Writes @inf as <state>/infra.json, atomically. -1 with *err. */
int lr_infra_save(const struct lr_ctx *ctx, const struct lr_infra *inf, rci_error_t *err);

/* The infra finished starting and its init is still the process that was started. */
bool lr_infra_alive(const struct lr_infra *inf);

/* "/proc/<pid>/ns/user". */
char *lr_infra_userns_path(const struct lr_infra *inf);

/*
 * OCI LinuxIDMapping objects of the infra's user namespace (lr_userns_mappings), checked to
 * still be the infra's once read (pid reuse).
 */
json_object *lr_infra_mappings(const struct lr_infra *inf, bool gid, rci_error_t *err);

#endif
