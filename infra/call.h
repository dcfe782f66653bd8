/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_CALL_H
#define LR_CALL_H

#include <stdbool.h>
#include <json-c/json.h>

#include "context.h"
#include "infra.h"
#include "spawn.h"

/*
 * Runs the helper in the infra, the way an engine would (DESIGN.md Contract 1).
 *
 * Fast path: a child joins the infra's user, mount and network namespaces (in that order: the
 * user namespace grants the rights to join the other two) and execs /usr/local/bin/
 * rootless-cni-infra there; no runtime involved, a few milliseconds. If joining fails (an
 * older kernel, an LSM), the runtime's `exec` does the same the slow way. RCI_EXEC=runtime
 * forces the fallback, RCI_EXEC=direct forbids it. ctx->helper_fd, when set, is the helper's
 * fd 3 either way (runc and crun `exec --preserve-fds=1`).
 *
 * @passthrough: the helper's stdin, stdout and stderr are ours and *res holds only its status;
 * else they are captured in *res, minus the helper's --debug lines, which go to our stderr
 * when ctx->debug (the helper then runs with --debug), followed by an "exec" step line naming
 * the path taken (log.h: rci_debug_step). Returns -1 with *err only when the helper could not
 * be run.
 */
int lr_call_helper(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
		   bool passthrough, struct rci_spawn_result *res, rci_error_t *err);

/*
 * Captured call whose stdout is JSON: a non-zero exit becomes *err with the helper's message
 * and its exit code as kind (bad input 2, not found 3, conflict 4). Caller owns the result.
 */
json_object *lr_call_json(const struct lr_ctx *ctx, const struct lr_infra *inf, char *const *args,
			  rci_error_t *err);

/*
 * lr_call_networks() - the networks @id is attached to in @inf, from the helper's `list`, in
 * attachment order: 0 and *@nets (NULL-terminated, possibly empty; rci_strv_free), or -1.
 */
int lr_call_networks(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
		     char ***nets, rci_error_t *err);

#endif
