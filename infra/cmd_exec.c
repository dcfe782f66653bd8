/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "call.h"
#include "launcher_commands.h"
#include "session.h"
#include "util.h"

#include <string.h>

/* The debugging door: the helper's stdio and exit status are the caller's, unchanged. */
int lr_cmd_exec(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	int first = 1;
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc)
		return lr_usage_error(err, "exec -- ARGS...", "no helper arguments given");
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	if (lr_session_open(ctx, &s, err) < 0 || lr_session_shared(ctx, &s, false, err) < 0)
		goto out;
	if (!s.inf) {
		rci_make_error_kind(err, RCI_ERR_NOT_FOUND, 0,
				    "the infra is not running for user namespace `%s` (start it "
				    "with `rootless-cni-launcher start`)",
				    ctx->key);
		goto out;
	}
	struct rci_spawn_result res;
	if (lr_call_helper(ctx, s.inf, argv + first, true, &res, err) < 0)
		goto out;
	ret = res.term_signal ? 128 + res.term_signal : res.exit_code;
	rci_spawn_result_free(&res);
out:
	lr_session_close(&s);
	return ret;
}
