/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_LAYER_H
#define LR_IMAGE_LAYER_H

#include "error.h"
#include "image_blob.h"
#include "image_tar.h"

/*
 * DOC: one layer of an image onto a rootfs.
 *
 * The layer blob is read through the verified stream (image_blob.h), decompressed by
 * libarchive as its media type says (tar, tar+gzip with concatenated members, tar+zstd; the
 * OCI and Docker names), and the uncompressed bytes are hashed (they are what the config's
 * diff_id names) on their way to the tar applier (image_tar.h). libarchive never runs an
 * external decompressor here: a libarchive built without zlib or zstd refuses those layers.
 * A layer that fails to apply and whose blob does not match its descriptor is reported as the
 * mismatch: corrupt gzip or tar data is usually a corrupt blob.
 */

enum lr_layer_compression {
	LR_LAYER_TAR,
	LR_LAYER_GZIP,
	LR_LAYER_ZSTD,
};

/* The compression of the layer media type @media_type; -1 for one that is no layer we read. */
int lr_layer_compression(const char *media_type);

/*
 * lr_layer_apply_stream() - decompresses (as @c says) the stream read by @rd and applies the tar
 * stream in it to @rootfs_fd; the sha256 of the whole uncompressed stream goes to @diff_hex.
 * Return: 0, or -1 with *err.
 */
int lr_layer_apply_stream(int rootfs_fd, enum lr_layer_compression c, lr_tar_read_fn rd, void *data,
			  char diff_hex[65], rci_error_t *err);

/*
 * lr_layer_apply() - applies the layer @d of the layout @layout_fd to @rootfs_fd, checking the
 * blob against @d and, unless @diff_id is NULL, the uncompressed stream against @diff_id
 * ("sha256:<hex>"). Return: 0, or -1 with *err, RCI_ERR_USAGE for an unknown media type.
 */
int lr_layer_apply(int layout_fd, const struct lr_desc *d, const char *diff_id, int rootfs_fd,
		   rci_error_t *err);

#endif
