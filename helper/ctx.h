/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_CTX_H
#define RCI_CTX_H

#include <stdbool.h>

#include "api.h"
#include "caps.h"
#include "error.h"
#include "state.h"

/* Everything a subcommand needs, built once in main() from options and environment. */
struct rci_ctx {
	char *state_dir; /* RCI_STATE_DIR, --state-dir */
	/*
	 * RCI_CNI_CONFIG_DIR, --config-dir: CNI config dirs, colon-separated, searched in order
	 * (discover.h: the first holding a network wins). The launcher passes the user's dir
	 * then the shipped networks'; an engine may pass one dir, as before.
	 */
	char **config_dirs;
	long infra_pid; /* RCI_INFRA_PID, 0 when unset (then STATE_DIR/infra.pid is read) */
	struct cni_runtime rt;
	struct rci_caps_plan plugin_caps; /* rt.child_data: the capability drop, precomputed */
	struct rci_state st;
	bool state_open;
};

int rci_ctx_init(struct rci_ctx *ctx, rci_error_t *err);
/* A colon-separated list of directories as a NULL-terminated vector, empty entries dropped. */
char **rci_ctx_split_dirs(const char *list);
void rci_ctx_fini(struct rci_ctx *ctx);
int rci_ctx_open_state(struct rci_ctx *ctx, rci_error_t *err);

/* <state>/netns/<ID>, the path CNI plugins get as CNI_NETNS (inside the infra). */
char *rci_ctx_netns_path(const struct rci_ctx *ctx, const char *id);
/*
 * Paths the engine can open from the host: /proc/<infra pid>/root<netns path> and
 * /proc/<infra pid>/ns/user. The pid is RCI_INFRA_PID or <state>/infra.pid, used only when it
 * shares our mount namespace; otherwise the in-infra paths are returned (with a warning).
 */
void rci_ctx_host_paths(struct rci_ctx *ctx, const char *id, char **netns, char **userns);

/* CNI_ARGS of an attachment: IgnoreUnknown=1;K8S_POD_NAME=<pod>[;IP=<ip>][;MAC=<mac>]. */
int rci_attachment_args(const struct rci_attachment_rec *a, struct cni_args *args,
			rci_error_t *err);

/*
 * Releases one attachment of @rec (index @idx): CNI DEL (from the cache, or with the current
 * config), then removes the record entry, and the netns when it was the last. Caller holds
 * the ID's lock. On DEL failure, nothing is removed (the DEL can be retried).
 */
int rci_release_attachment(struct rci_ctx *ctx, struct rci_container_rec *rec, size_t idx,
			   rci_error_t *err);

/* Saves @rec; when it has no attachments left, removes the record under the global lock. */
int rci_commit_record(struct rci_ctx *ctx, struct rci_container_rec *rec, rci_error_t *err);

/* No attachment exists (one being added counts), read under the shared global lock. */
int rci_ctx_is_idle(struct rci_ctx *ctx, bool *idle, rci_error_t *err);
/* Prints {"idle": bool}: is-idle's answer, also dealloc's (an extra field there). */
int rci_ctx_print_idle(struct rci_ctx *ctx, rci_error_t *err);

/*
 * Loads @id's record for print-cni-result (@net: that attachment) and print-netns-path (@net
 * NULL: any attachment): RCI_ERR_NOT_FOUND unless one is ready. *idx is @net's index (or -1);
 * the caller frees *rec, also on failure.
 */
int rci_ctx_load_ready(struct rci_ctx *ctx, const char *id, const char *net,
		       struct rci_container_rec **rec, int *idx, rci_error_t *err);

/* Per-ID lock (locks/<ID>), exclusive. */
int rci_lock_id(struct rci_ctx *ctx, const char *id, rci_error_t *err);
void rci_unlock_id(struct rci_ctx *ctx, const char *id, int fd, bool remove);

#endif
