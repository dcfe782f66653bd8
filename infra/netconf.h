/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_NETCONF_H
#define LR_NETCONF_H

#include "context.h"
#include "error.h"

/*
 * Checks on the host, before any infra is started, that network @name exists in the resolved
 * CNI config dir and that its plugins exist in the plugin dirs. The errors are the actionable
 * ones: "network `x` not found in `dirs` (found: a, b)", "plugin `y` not found in `dirs`"
 * (kind not found, exit 3). The helper repeats the checks inside; these name the host paths.
 */
int lr_netconf_check(struct lr_ctx *ctx, const char *name, rci_error_t *err);

/* Comma-separated names of every network in the resolved config dir (for messages). */
char *lr_netconf_list(const struct lr_ctx *ctx);

#endif
