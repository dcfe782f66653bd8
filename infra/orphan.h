/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_ORPHAN_H
#define LR_ORPHAN_H

#include <stdbool.h>

#include "record.h"

/*
 * lr_infra_orphaned() - true when the live infra @inf, sharing an engine's user namespace, is
 * all that is left of that namespace: no process but the infra's own (its init, what runs in its
 * mount namespace, its slirp4netns or pasta, its port forwarder and that one's child) is in it or
 * in a user namespace below it. That is what a
 * podman pause process that died (a new one makes a new namespace) leaves: an infra nobody can
 * reach any more, which keeps the old namespace alive by itself.
 *
 * The namespace is compared by the fds of live processes (the infra's init, verified by its
 * start time, and each candidate's /proc/PID/ns/user), never by a recorded number. Processes we
 * may not inspect (other users', and from a sibling namespace those of IDs other than ours) are
 * not counted; an engine keeps a process of the user's own ID in its namespace (podman's pause
 * and conmon are root there), which we can inspect. False when the infra is gone or is in our
 * own namespace.
 */
bool lr_infra_orphaned(const struct lr_infra *inf);

#endif
