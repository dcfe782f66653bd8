/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_HOOK_H
#define LR_HOOK_H

#include "context.h"
#include "error.h"
#include "hook_state.h"
#include "state.h"

/*
 * DOC: `rootless-cni-launcher oci-hook [STAGE]` (DESIGN.md Contract 3), for engines and runtimes
 * that make the container's network namespace themselves and run hooks (podman with a hooks
 * dir, runc or crun with hooks in config.json, nerdctl, buildah).
 *
 * createRuntime (lr_hook_create), in the runtime's namespaces, under the launcher lock held
 * shared throughout (no reap can slip in). The runtime's namespaces must be those of the
 * infra's user namespace (podman's own; for runc, run inside the infra's, see the README): runc
 * makes its init non-dumpable when a container joins a user namespace by path, and then only
 * root of the initial namespace may open its /proc/PID/ns/net at this stage (a createContainer
 * hook could, but runs in the container's PID namespace, where neither the plugins nor the
 * daemons they start belong).
 *   1. the container's netns is opened once (hook_netns.h) and must belong to the user
 *      namespace of this user namespace's infra, or to one below it: checked before anything
 *      starts;
 *   2. the infra is started if needed (its networks checked on the host first);
 *   3. the hook record is written (hook_record.h), so that a poststop finds the infra even if
 *      this hook is killed from here on;
 *   4. each network is attached in order (eth0, eth1...) by attach.h's sequence (host ports
 *      reserved before the CNI ADD, published once the CNI result names the container's
 *      address, all rolled back on failure) with the helper's `alloc --netns /proc/self/fd/3`,
 *      the netns being our fd 3 there: the helper pins that very namespace under the container
 *      ID, so that a DEL still works once the container's processes are gone; ports go to the
 *      first network;
 *   5. the DNS files are written (hook_dns.h).
 * Any failure undoes every step in reverse (DNS files, forwards, attachments and with the last
 * one the pin, the record) and stops an infra left idle: exit non-zero with one line, and the
 * runtime refuses to start the container.
 *
 * poststop (lr_hook_poststop) needs no pid: from the record, every attachment of the ID that the
 * infra lists is released with its forwards (the last one unpins the netns), then the infra is
 * reaped when idle and the record and log removed. No record, or no infra: nothing to do. So
 * it is idempotent, and a second run succeeds.
 */

/* createRuntime (or prestart) of @st as @req asks; @hooks is the hook dir (hook_record.h). */
int lr_hook_create(struct lr_ctx *ctx, const struct lr_hook_state *st,
		   const struct lr_hook_req *req, const struct lr_state *hooks, rci_error_t *err);

/* poststop of @st. */
int lr_hook_poststop(struct lr_ctx *ctx, const struct lr_hook_state *st,
		     const struct lr_state *hooks, rci_error_t *err);

#endif
