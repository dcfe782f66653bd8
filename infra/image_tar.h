/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_TAR_H
#define LR_IMAGE_TAR_H

#include <sys/types.h>

#include "error.h"
#include "image_archive.h" /* lr_tar_read_fn */

/*
 * DOC: applying an OCI layer (a tar stream) to a rootfs, rootless.
 *
 * libarchive reads the stream (ustar, pax extended and global headers, GNU long names and
 * sparse files, v7): no tar parsing of our own, whose pax parser read out of bounds (issue 13,
 * bug 3). A warning from libarchive is fatal (a malformed pax header is a corrupt layer) except
 * a name it cannot convert to the locale's charset, kept as raw bytes. Entries are created by
 * this file, never by libarchive's disk writer, which follows symlinks.
 *
 * Regular files, directories, symlinks, hard links and FIFOs are created; character and block
 * devices are skipped (nobody may mknod them without privileges, and the infra's /dev is a
 * tmpfs the runtime fills). Owners are not applied: everything belongs to the unpacking user,
 * who is root inside the infra's user namespace. Modes are kept minus setuid/setgid, directories
 * get u+rwx so the cache can be extended and removed.
 *
 * Whiteouts (OCI image spec, "Representing Changes"): `.wh.NAME` removes NAME from lower layers;
 * `.wh..wh..opq` empties its directory of what lower layers put there, keeping what this layer
 * adds. A whiteout that names no entry (`.wh..`, `.wh...`) is refused.
 *
 * Safety: entry names are made relative, `..` is refused, and every parent directory is opened
 * component by component with O_NOFOLLOW from the rootfs' fd (beneath.h): an entry can never
 * write outside the rootfs, whatever symlinks earlier entries planted. A parent that is a
 * symlink is an error; a hard link's target is found the same way.
 */

/*
 * Applies the (uncompressed) tar stream read by @rd to the directory @rootfs_fd. -1 with *err:
 * the reader's own error when it failed, else what is wrong with the stream or an entry.
 */
int lr_tar_apply(int rootfs_fd, lr_tar_read_fn rd, void *data, rci_error_t *err);

#endif
