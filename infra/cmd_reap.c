/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "launcher_commands.h"
#include "session.h"

int lr_cmd_reap(struct lr_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (argc != 1)
		return lr_usage_error(err, "reap", "no arguments expected");
	struct lr_session s = {.lock_fd = -1};
	bool stopped;
	int ret = -1;
	if (lr_session_open(ctx, &s, err) == 0 && lr_session_exclusive(ctx, &s, err) == 0 &&
	    lr_session_reap(ctx, &s, &stopped, err) == 0)
		ret = 0;
	lr_session_close(&s);
	return ret;
}
