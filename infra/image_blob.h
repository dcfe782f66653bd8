/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_IMAGE_BLOB_H
#define LR_IMAGE_BLOB_H

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/*
 * DOC: verified blobs of an OCI image layout.
 *
 * A descriptor names a blob by digest and size; the blob is the plain file
 * blobs/sha256/<hex> of the layout, opened without following symlinks. Reading it goes through
 * a stream that hashes every byte and counts them: it fails at once when the blob grows past
 * its descriptor's size, and lr_blob_verify() fails unless size and sha256 both match. Nothing
 * read from a blob is trusted before that check, except by code that is safe on any input
 * (the layer applier, image_tar.h).
 */

/* A content descriptor (OCI image spec, "Descriptors"): what a blob must be. */
struct lr_desc {
	const char *media_type;
	const char *digest; /* "sha256:<64 lowercase hex>" */
	int64_t size;
};

struct lr_blob;

/* Opens the blob of @d in the layout @layout_fd. -1 with *err. */
int lr_blob_open(int layout_fd, const struct lr_desc *d, struct lr_blob **out, rci_error_t *err);

/*
 * lr_blob_read() - reads up to @len bytes of the blob (an lr_tar_read_fn, image_tar.h; @blob is
 * the struct lr_blob). Return: >0 bytes read, 0 at its end, -1 with *err (also past its size).
 */
ssize_t lr_blob_read(void *blob, void *buf, size_t len, rci_error_t *err);

/*
 * lr_blob_verify() - reads the rest of the blob, then checks its size and sha256 against the
 * descriptor. Return: 0; -2 with *err ("... does not match its descriptor ...") when it does
 * not match; -1 with *err when it cannot be read.
 */
int lr_blob_verify(struct lr_blob *b, rci_error_t *err);

void lr_blob_close(struct lr_blob *b);

/*
 * lr_blob_read_json() - reads the (small) JSON blob of @d, verifies it and parses it. Its raw
 * text goes to *@raw (and *@raw_len) when @raw is not NULL. Return: the object, or NULL with
 * *err.
 */
json_object *lr_blob_read_json(int layout_fd, const struct lr_desc *d, char **raw, size_t *raw_len,
			       rci_error_t *err);

#endif
