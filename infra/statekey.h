/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_STATEKEY_H
#define LR_STATEKEY_H

#include <stdbool.h>

#include "error.h"
#include "record.h"

/*
 * DOC: one infra per user namespace (issue 11, DESIGN.md "User namespace model").
 *
 * A netns can only be joined from the user namespace that owns it (or one above), so a plain
 * user's infra (in the namespace the launcher makes with newuidmap) cannot serve podman's
 * containers (in podman's namespace), nor the other way round. Each user namespace a launcher
 * runs in gets its own infra, and its own state under the user's state dir (--root, or the
 * default of context.h), named by a key:
 *
 *   <state>/                 key `host`: the caller is in the initial user namespace; its infra
 *                            runs in a namespace of its own (userns.h). The layout of state.h,
 *                            unchanged from before keys existed. Also the key of a caller
 *                            inside that infra's own user namespace.
 *   <state>/userns-<inode>/  key `userns-<inode>`: the caller is in another user namespace (an
 *                            engine's, entered by `podman unshare` or a hook), which its infra
 *                            shares; <inode> is that of /proc/self/ns/user. The same layout.
 *
 * Namespace inode numbers are reused once a namespace dies, so a key names a namespace only
 * while something keeps that namespace alive. A key's infra is trusted only while its init is
 * verifiably alive (pid and start time, record.h): its namespace is then alive, and the only one
 * with that inode. A key dir whose infra is dead holds leftovers, which the next launcher of the
 * key cleans as before, or the sweep of keys.h when another namespace starts its infra.
 */
#define LR_KEY_HOST "host"
#define LR_KEY_USERNS_PREFIX "userns-"

/*
 * lr_statekey_self() - the key of the caller's user namespace (caller frees). A caller inside
 * the user namespace of the live `host` infra under @base (a runc createContainer hook of a
 * container that joined it, a shell of `enter`) belongs to that infra: `host`.
 */
char *lr_statekey_self(const char *base);

/* True when @name is a well-formed `userns-<inode>` key (a directory name of the state dir). */
bool lr_statekey_is_userns(const char *name);

/*
 * lr_statekey_check_infra() - for a `userns-` key, fails (RCI_ERR_CONFLICT) unless the live @inf
 * runs in the caller's own user namespace: a record that says otherwise was not written by a
 * launcher of this key. Always 0 for `host`.
 */
int lr_statekey_check_infra(const char *key, const struct lr_infra *inf, rci_error_t *err);

#endif
