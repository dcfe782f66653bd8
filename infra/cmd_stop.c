/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "launcher_commands.h"
#include "infra.h"
#include "session.h"

/* Unconditional: the init's SIGTERM path deallocates whatever is still attached. */
int lr_cmd_stop(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (argc != 1)
		return lr_usage_error(err, "stop", "no arguments expected");
	struct lr_session s = {.lock_fd = -1};
	int ret = -1;
	if (lr_session_open(ctx, &s, err) == 0 && lr_session_exclusive(ctx, &s, err) == 0) {
		ret = 0;
		if (s.inf || lr_infra_leftovers(ctx))
			ret = lr_infra_stop(ctx, s.inf, err);
	}
	lr_session_close(&s);
	return ret;
}
