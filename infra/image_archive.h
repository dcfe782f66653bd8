/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_ARCHIVE_H
#define LR_IMAGE_ARCHIVE_H

#include <sys/types.h>

#include "error.h"
#include "image_libarchive.h"

/*
 * DOC: libarchive fed from our streams. The layer reader chains two libarchive readers (the
 * decompressor, image_layer.h, then the tar reader, image_tar.h), each fed by a read function
 * of ours. When that function fails, its own error (errno, wording) is what the caller gets,
 * not the vaguer one libarchive makes of it.
 */

/* Reads up to @len bytes: >0 bytes read, 0 at end of stream, -1 with *err. */
typedef ssize_t (*lr_tar_read_fn)(void *data, void *buf, size_t len, rci_error_t *err);

struct lr_archive_input {
	const struct lr_libarchive *la; /* loaded by the reader that owns this input */
	lr_tar_read_fn rd;
	void *data;
	rci_error_t rd_err; /* @rd's error, once it failed */
	char buf[65536];
};

/* Opens @a on the stream of @in (archive_read_open). Return: an ARCHIVE_* code. */
int lr_archive_open(struct archive *a, struct lr_archive_input *in);

/*
 * lr_archive_error() - the failure of a libarchive call on @a as *@err: @in's read error when
 * the stream failed, else libarchive's message, lower-cased as ours are ("Truncated tar
 * archive"), after "@what: " unless @what is "". Return: -1.
 */
int lr_archive_error(struct archive *a, struct lr_archive_input *in, const char *what,
		     rci_error_t *err);

#endif
