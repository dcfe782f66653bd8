/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_NETCONF_H
#define LR_NETCONF_H

#include "conf.h"
#include "context.h"
#include "error.h"

/*
 * lr_netconf_find() - network @name in the CNI config dirs (lr_ctx_resolve_cni: the user's,
 * then the shipped networks), by the helper's own rules (discover.h: .conflist first, symlinked
 * files followed, the first dir holding the name wins). A not-found error (exit 3) names both
 * dirs and the networks found in each. Caller frees *out with cni_conf_free.
 */
int lr_netconf_find(struct lr_ctx *ctx, const char *name, struct cni_netconf **out,
		    rci_error_t *err);

/*
 * Checks on the host, before any infra is started, that network @name exists (as
 * lr_netconf_find) and that each of its plugins is in the plugin dirs: "CNI plugin `y` not
 * found in `dirs`" (exit 3). The helper repeats the checks inside; these name the host paths.
 * With --image the plugins are the image's, so it prepares the image in the cache: call it under
 * the launcher lock (shared is enough), or a concurrent start may prune the entry under it.
 */
int lr_netconf_check(struct lr_ctx *ctx, const char *name, rci_error_t *err);

#endif
