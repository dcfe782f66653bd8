/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_TREE_H
#define LR_TREE_H

#include "error.h"

/*
 * rm -rf without following symlinks, staying on the file system of the top directory (a bind
 * mount left in a rootfs is refused, not emptied) and at most 64 levels deep. A missing one is
 * success. lr_remove_tree_at removes @name below the directory fd @dirfd.
 */
int lr_remove_tree(const char *path, rci_error_t *err);
int lr_remove_tree_at(int dirfd, const char *name, rci_error_t *err);

#endif
