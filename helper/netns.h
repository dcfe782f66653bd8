/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_NETNS_H
#define RCI_NETNS_H

#include <stdbool.h>

#include "error.h"

/*
 * One network namespace per container ID, pinned by bind-mounting its nsfs file onto
 * <state>/netns/<ID> in our mount namespace: no holder process per container, and no PID-reuse
 * hazard of /proc/<pid>/ns/net paths (plugins#714). Loopback is brought up at creation.
 */
/* Creates and pins the netns at @path (which must not exist yet). */
int rci_netns_create(const char *path, rci_error_t *err);
/*
 * rci_netns_pin() - pins the existing network namespace at @src (an nsfs file: /proc/PID/ns/net,
 * a /proc/PID/fd/N, another pin) at @path, which must not exist yet: an engine's own netns,
 * given to `alloc --netns`. Anything but a network namespace is refused (RCI_ERR_USAGE).
 */
int rci_netns_pin(const char *path, const char *src, rci_error_t *err);
/*
 * True when the pinned namespace at @path is the one at @src (same nsfs inode). False when
 * either cannot be opened.
 */
bool rci_netns_same(const char *path, const char *src);
/* True when @path is a pinned network namespace. */
bool rci_netns_is_pinned(const char *path);
/* Unmounts and removes @path; a missing path is success. */
int rci_netns_remove(const char *path, rci_error_t *err);

#endif
