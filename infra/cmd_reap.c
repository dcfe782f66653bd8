/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keys.h"
#include "launcher_commands.h"
#include "session.h"

/*
 * reap: stops this user namespace's infra when it is idle, then sweeps what the infras of other
 * user namespaces left (keys.h): from the host, an engine's infra orphaned by its namespace.
 */
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
	if (ret == 0)
		lr_keys_sweep(ctx);
	return ret;
}
