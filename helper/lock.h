/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_LOCK_H
#define RCI_LOCK_H

#include <stdbool.h>

#include "error.h"

/*
 * flock()-based locks on files inside a directory fd, opened without following symlinks.
 * Lock files that are removed after use (per-ID locks) are re-checked after locking: if the
 * path no longer names the locked inode, another process removed it meanwhile and we retry.
 */
/* Returns the locked fd (LOCK_EX or LOCK_SH in @op) or -1 with *err. */
int rci_lock_at(int dirfd, const char *name, int op, rci_error_t *err);
/* Unlocks and closes @fd; with @remove, unlinks the file first (while still holding it). */
void rci_unlock_at(int dirfd, const char *name, int fd, bool remove);

#endif
