/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_TAR_H
#define LR_IMAGE_TAR_H

#include <sys/types.h>

#include "error.h"

/*
 * DOC: applying an OCI layer (a tar stream) to a rootfs, rootless.
 *
 * Formats: ustar (with prefix), pax extended headers (path, linkpath, size; global headers are
 * ignored) and GNU long names. Regular files, directories, symlinks, hard links and FIFOs are
 * created; character and block devices are skipped (nobody may mknod them without privileges,
 * and the infra's /dev is a tmpfs the runtime fills). Owners are not applied: everything belongs
 * to the unpacking user, who is root inside the infra's user namespace. Modes are kept minus
 * setuid/setgid, directories get u+rwx so the cache can be extended and removed.
 *
 * Whiteouts (OCI image spec, "Representing Changes"): `.wh.NAME` removes NAME from lower layers;
 * `.wh..wh..opq` empties its directory of what lower layers put there, keeping what this layer
 * adds.
 *
 * Safety: entry names are made relative, `..` is refused, and every parent directory is opened
 * component by component with O_NOFOLLOW from the rootfs' fd: an entry can never write outside
 * the rootfs, whatever symlinks earlier entries planted. A parent that is a symlink is an error.
 */

/* Reads up to @len bytes: >0 bytes read, 0 at end of stream, -1 with *err. */
typedef ssize_t (*lr_tar_read_fn)(void *data, void *buf, size_t len, rci_error_t *err);

/* Applies the tar stream read by @rd to the directory @rootfs_fd. -1 with *err. */
int lr_tar_apply(int rootfs_fd, lr_tar_read_fn rd, void *data, rci_error_t *err);

#endif
