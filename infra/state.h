/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_STATE_H
#define LR_STATE_H

#include <stdbool.h>

#include "error.h"

/*
 * DOC: the launcher's state directory (--root; default $XDG_RUNTIME_DIR/rootless-cni-infra,
 * /run/user/UID/..., or /tmp/rootless-cni-infra-UID). Every name in it is one of these, and
 * everything in it is reached through one directory fd, opened once (lr_state_open), with *at()
 * calls that follow no symlink. Paths are made (lr_state_path) only for what other programs are
 * given: the runtime's --root and --bundle, slirp4netns' socket, bind-mount sources.
 *
 *   lock              the launcher lock (launcher_lock.h); the one entry that stays
 *   infra.json        the record of the infra (record.h)
 *   bundle/           its OCI bundle (bundle.h): config.json, rootfs/, resolv.conf, infra.pid,
 *                     infra.log, slirp4netns.log or pasta.log and pasta.pid, forwarder.log,
 *                     ports/ (the records of published ports, port_records.h)
 *   runtime/          the OCI runtime's state (its --root)
 *   slirp4netns.sock  slirp4netns' API socket
 *   forwarder.sock    the port forwarder's control socket (portfwd.h), 0600
 *   image-cache/      unpacked --image layouts (image.h)
 *   .bundle.tmp-PID, .bundle.del-PID-N   a bundle being built, or being removed (bundle.h)
 *   .enter-PID.resolv.conf               `enter`'s resolv.conf until it is mounted
 *   doctor-RUNTIME-PID (and its .tmp-/.del- forms), .doctor-runtime-PID   `doctor`'s probe
 */
#define LR_STATE_LOCK "lock"
#define LR_STATE_RECORD "infra.json"
#define LR_STATE_BUNDLE "bundle"
#define LR_STATE_RUNTIME "runtime"
#define LR_STATE_API_SOCKET "slirp4netns.sock"
#define LR_STATE_FWD_SOCKET "forwarder.sock"
#define LR_STATE_IMAGE_CACHE "image-cache"
/* In the bundle. */
#define LR_BUNDLE_PORTS "ports"
#define LR_BUNDLE_PID_FILE "infra.pid"
#define LR_BUNDLE_LOG "infra.log"
#define LR_BUNDLE_SLIRP_LOG "slirp4netns.log"
#define LR_BUNDLE_PASTA_LOG "pasta.log"
#define LR_BUNDLE_PASTA_PID "pasta.pid"
#define LR_BUNDLE_FWD_LOG "forwarder.log"
/* Per process (printf formats, the pid last). */
#define LR_STATE_ENTER_RESOLV_FMT ".enter-%d.resolv.conf"
#define LR_STATE_DOCTOR_BUNDLE_FMT "doctor-%s-%d"
#define LR_STATE_DOCTOR_RUNTIME_FMT ".doctor-runtime-%d"

struct lr_state {
	char *dir; /* absolute */
	int dfd;   /* the directory, O_NOFOLLOW | O_CLOEXEC; -1 until lr_state_open */
};

/*
 * lr_state_open() - creates @st->dir if missing (0700, parents 0755), refuses it unless it is a
 * real directory owned by us with no access for group or others (anyone may make
 * /tmp/rootless-cni-infra-UID first), then opens it as @st->dfd. -1 with *err.
 */
int lr_state_open(struct lr_state *st, rci_error_t *err);
void lr_state_close(struct lr_state *st);

/* "<dir>/<name>" for another program; caller frees. */
char *lr_state_path(const struct lr_state *st, const char *name);

/* True when @name (a relative path) exists, itself (a symlink is not followed). */
bool lr_state_exists(const struct lr_state *st, const char *name);

/*
 * lr_state_open_dir() - opens the directory @name (a relative path: each component opened
 * O_NOFOLLOW below the state dir), creating its last component (0700) when @create. Returns an
 * O_CLOEXEC fd, -2 (no error) when missing and !@create, or -1 with *err.
 */
int lr_state_open_dir(const struct lr_state *st, const char *name, bool create, rci_error_t *err);

/* Unlinks @name (a file or socket); a missing one is success. Best effort, warns. */
void lr_state_unlink(const struct lr_state *st, const char *name);

#endif
