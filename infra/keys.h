/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_KEYS_H
#define LR_KEYS_H

#include <json-c/json.h>

#include "context.h"

/*
 * DOC: the infras of every user namespace under one state dir (statekey.h has the layout).
 *
 * A launcher works on the infra of its own user namespace only; these look at the others:
 * `status` lists them, and the sweep cleans those nobody will come back for. The sweep runs
 * when an infra starts (a new podman pause process, hence a new user namespace, is exactly when
 * the old one's infra is left behind). For each `userns-` key but the caller's, taken only when
 * its launcher lock is free (a busy key is in use, by definition):
 *
 *   - a dead infra (its init is not the recorded process any more): its leftovers are removed
 *     as the key's own next launcher would (lr_infra_stop on a dead infra);
 *   - a live infra that is orphaned (orphan.h): it is stopped, which releases its attachments.
 *
 * The key's directory stays, holding its lock file: removing a lock file others may have opened
 * would let two launchers lock different files. `host`, whose infra lives in a namespace the
 * launcher made for it, is never swept: it stops when idle, and its own launcher cleans up.
 */

/* Cleans what other user namespaces' infras left (above). Best effort: warns, never fails. */
void lr_keys_sweep(const struct lr_ctx *ctx);

/*
 * lr_keys_status() - one object per key under the state dir that holds an infra or its
 * leftovers: {"key", "stateDir", "running", "pid", "userns", "ownUserns", "orphaned"} for a
 * running one, {"key", "stateDir", "running": false, "leftovers": true} otherwise, and
 * {"key", "stateDir", "busy": true} for a key whose lock is held exclusively (starting or
 * stopping). Reads only, under each key's shared lock taken without waiting.
 */
json_object *lr_keys_status(const struct lr_ctx *ctx);

#endif
