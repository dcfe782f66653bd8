/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "commands.h"

/* is-idle: {"idle": true} when no attachment exists (one being added counts as existing). */
int cmd_is_idle(struct rci_ctx *ctx, int argc, char **argv, rci_error_t *err)
{
	(void)argv;
	if (rci_check_argc("is-idle", "", argc, 0, 0, err) < 0)
		return -1;
	return rci_ctx_print_idle(ctx, err);
}
