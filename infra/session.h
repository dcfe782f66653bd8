/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_SESSION_H
#define LR_SESSION_H

#include <stdbool.h>

#include "context.h"
#include "infra.h"

/*
 * A command's hold on the infra. Helper calls run under the shared launcher lock with a live
 * infra; when there is none and @start is set, it is started under the exclusive lock, which
 * is then dropped and the shared one retaken (flock cannot convert atomically, so the infra is
 * re-checked: a reap may have slipped in). With @start false, *out is NULL when not running.
 * A running infra's options are checked against the command's (lr_infra_check_options) and its
 * port forwarder restarted if it died (portfwd.h).
 */
struct lr_session {
	int lock_fd;
	struct lr_infra *inf;
};

int lr_session_open(struct lr_ctx *ctx, struct lr_session *s, rci_error_t *err);
int lr_session_shared(struct lr_ctx *ctx, struct lr_session *s, bool start, rci_error_t *err);
int lr_session_exclusive(struct lr_ctx *ctx, struct lr_session *s, rci_error_t *err);
void lr_session_release(struct lr_session *s);
void lr_session_close(struct lr_session *s);

/*
 * Under the exclusive lock: stops the infra when the helper reports it idle (or cleans up a
 * dead one). *stopped tells whether it is gone.
 */
int lr_session_reap(struct lr_ctx *ctx, struct lr_session *s, bool *stopped, rci_error_t *err);

#endif
