/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_SERVICE_CALL_H
#define LR_SERVICE_CALL_H

#include <stdbool.h>

#include "infra.h"
#include "spawn.h"

/* A captured helper call's deadline and output cap, whichever way it reaches the helper. */
#define LR_SERVICE_TIMEOUT_MS 300000
#define LR_SERVICE_MAX_OUTPUT (16 << 20)

/*
 * lr_call_service() - runs the helper command @argv (argv[0] included) with @envp in @inf
 * through its helper service (svc.h). @helper_fd (>= 0) becomes the helper's fd 3. With
 * @passthrough the helper's stdio is ours and *res holds only its status; else stdout and stderr
 * are captured in *res with LR_SERVICE_TIMEOUT_MS and LR_SERVICE_MAX_OUTPUT, as rci_spawn_run
 * would. Returns 0 when the service ran it (whatever its status), 1 when nothing was run (no
 * service to talk to: an infra of an older version, a service that died or is stopping; or the
 * service refused the request): the caller execs the helper instead; -1 with *err when the
 * request failed after the service took it.
 */
int lr_call_service(const struct lr_infra *inf, char *const *argv, char *const *envp, int helper_fd,
		    bool passthrough, struct rci_spawn_result *res, rci_error_t *err);

#endif
