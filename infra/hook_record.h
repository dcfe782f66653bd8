/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_HOOK_RECORD_H
#define LR_HOOK_RECORD_H

#include "context.h"
#include "error.h"
#include "state.h"

/*
 * DOC: the OCI hook's own files, in <dir>/hooks/, <dir> being --root when given, else the
 * user's state dir found from the UID alone (lr_ctx_uid_state_dir): the one place both stages
 * find whatever environment the engine passes them (podman's poststop gets none, its
 * createRuntime gets podman's XDG_RUNTIME_DIR).
 *
 *   hooks/<ID>.json  written by createRuntime before it attaches anything, removed by the
 *                    poststop that released everything: the state dir and key of the infra the
 *                    container's networks are in (the infra's state follows XDG_RUNTIME_DIR
 *                    when createRuntime has it, so that `status` finds it), and the networks
 *   hooks/<ID>.log   both stages' log (every level), since runtimes swallow a poststop's
 *                    stderr; removed with the record, and by a createRuntime that failed
 *                    (everything rolled back, and runtimes show a createRuntime's stderr)
 *
 * <ID> is the state's `id`, validated as a container ID.
 */
#define LR_HOOKS_DIR "hooks"

struct lr_hook_record {
	char *state_base; /* the infra's state dir: ctx->state_base of createRuntime */
	char *key;	  /* its user namespace (statekey.h) */
	char **networks;
};

/* Opens (creating) <dir>/hooks as @hooks (lr_state_close() after). -1 with *err. */
int lr_hook_dir_open(const struct lr_ctx *ctx, struct lr_state *hooks, rci_error_t *err);

/* Opens <ID>.log for appending (0600, created, no symlink followed): an fd, or -1 with *err. */
int lr_hook_log_open(const struct lr_state *hooks, const char *id, rci_error_t *err);

int lr_hook_record_save(const struct lr_state *hooks, const char *id,
			const struct lr_hook_record *rec, rci_error_t *err);
/* 0 with *rec, -2 when there is none, -1 with *err (a damaged record). */
int lr_hook_record_load(const struct lr_state *hooks, const char *id, struct lr_hook_record *rec,
			rci_error_t *err);
void lr_hook_record_clear(struct lr_hook_record *rec);
/* Removes <ID>.log unless <ID>.json exists (a createRuntime that failed). Best effort. */
void lr_hook_log_remove(const struct lr_state *hooks, const char *id);

/* Removes <ID>.json, and <ID>.log when @log. Best effort. */
void lr_hook_record_remove(const struct lr_state *hooks, const char *id, bool log);

#endif
