/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PORTFWD_H
#define LR_PORTFWD_H

#include <json-c/json.h>

#include "context.h"
#include "error.h"
#include "record.h"

/*
 * DOC: the infra's port forwarder (--port-driver forwarder): one rootless-cni-forwarder
 * (infra/forwarder/README.md) per infra, its control socket <state>/forwarder.sock, its log
 * <state>/bundle/forwarder.log. Its pid and start time are in the infra's record.
 *
 * start: once the infra's init is ready (start.c), before the record says ready.
 * check: every command that takes the infra (lr_session_shared) asks whether it lives (its pid
 *   and start time) and answers (its control socket accepts); if not, a new one is started
 *   and given every recorded forward again (ports.h: lr_ports_replay), under the records' lock
 *   so that concurrent commands restart it once; the record counts the restarts.
 * stop: it exits by itself when the init does (it holds a pidfd); stop.c waits for that,
 *   insists, and fails while it survives (it would hold the host ports).
 */

/* Starts the forwarder of @inf (running, not yet ready) and records its pid in @inf. */
int lr_portfwd_start(const struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err);

/*
 * lr_portfwd_check() - with --port-driver forwarder, makes sure @inf's forwarder runs (see
 * above), updating @inf and the record after a restart. 0 at once for the other driver.
 */
int lr_portfwd_check(const struct lr_ctx *ctx, struct lr_infra *inf, rci_error_t *err);

/*
 * For `status`: {"pid", "alive", "restarts", "control", "log"}, and from a live forwarder its
 * `ping` (sourceAddress, sourceAddressIPv6, version) and `list` ("forwards"); "error" when it
 * does not answer. Caller puts.
 */
json_object *lr_portfwd_status(const struct lr_ctx *ctx, const struct lr_infra *inf);

#endif
