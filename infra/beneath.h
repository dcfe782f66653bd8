/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_BENEATH_H
#define LR_BENEATH_H

#include <stdbool.h>

#include "error.h"

/*
 * DOC: paths below a directory fd that never leave it.
 *
 * An image's rootfs is hostile ground: any of its entries may be a symlink (`etc -> /home/u/x`),
 * and creating `etc/cni/net.d` by path would write into the user's home (issue 13, bug 4). So
 * the layer applier (image_tar.h) and the rootfs' mount points (rootfs.h) reach every path
 * through these helpers: a relative path walked component by component from a directory fd,
 * each opened with O_DIRECTORY|O_NOFOLLOW. A symlink or a non-directory on the way is an error,
 * never followed; a `..` component is refused; empty and `.` components are skipped.
 *
 * Why not openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): it resolves in one call but cannot
 * create the missing components, and sandboxes that filter it (ENOSYS) would need this walk
 * anyway. One walk serves both.
 */

/*
 * lr_beneath_open_dir() - opens the directory @rel below @root ("" is @root itself), creating
 * missing components (mode 0755) when @create. Return: the fd (O_CLOEXEC), or -1 with *err.
 */
int lr_beneath_open_dir(int root, const char *rel, bool create, rci_error_t *err);

/*
 * lr_beneath_open_parent() - opens the directory holding @rel's last component (as
 * lr_beneath_open_dir) and points *@base at that component inside @rel. Return: the fd, or -1
 * with *err (also when @rel ends in `/`, `.` or `..`).
 */
int lr_beneath_open_parent(int root, const char *rel, bool create, const char **base,
			   rci_error_t *err);

#endif
