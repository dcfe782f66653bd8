/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_layer.h"
#include "image_sha256.h"
#include "util.h"

#include <string.h>

static const struct {
	const char *media_type;
	enum lr_layer_compression c;
} media_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", LR_LAYER_TAR},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", LR_LAYER_TAR},
    {"application/vnd.oci.image.layer.v1.tar+gzip", LR_LAYER_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LR_LAYER_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", LR_LAYER_GZIP},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LR_LAYER_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", LR_LAYER_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LR_LAYER_ZSTD},
};

int lr_layer_compression(const char *media_type)
{
	for (size_t i = 0; i < RCI_ARRAY_SIZE(media_types); i++)
		if (!strcmp(media_type, media_types[i].media_type))
			return (int)media_types[i].c;
	return -1;
}

/* The layer's bytes as the tar applier reads them: decompressed, hashed on the way. */
struct unpacked {
	struct archive *a; /* the decompressor; NULL for a plain tar layer */
	const char *name;  /* of the compression, for messages */
	bool eof;
	struct lr_archive_input in; /* the compressed stream */
	struct lr_sha256 diff;
};

static int ar_error(struct unpacked *u, rci_error_t *err)
{
	return lr_archive_error(u->a, &u->in, u->name, err);
}

static ssize_t read_unpacked(void *data, void *buf, size_t len, rci_error_t *err)
{
	struct unpacked *u = data;
	ssize_t n;
	if (!u->a) {
		n = u->in.rd(u->in.data, buf, len, err);
	} else if (u->eof) {
		n = 0;
	} else {
		n = u->in.la->read_data(u->a, buf, len);
		if (n < 0)
			return ar_error(u, err);
	}
	if (n > 0)
		lr_sha256_update(&u->diff, buf, (size_t)n);
	return n;
}

/*
 * The decompressor: the filter the media type names, forced (no guessing from the data), and
 * the "raw" format, which hands out the decompressed stream as one entry. Not the "empty"
 * format: it bids on a stream whose first read fails, and would turn a corrupt or truncated
 * stream into an empty layer. So a stream that decompresses to nothing is refused, as no tar.
 */
static int open_decompressor(struct unpacked *u, enum lr_layer_compression c, rci_error_t *err)
{
	u->name = c == LR_LAYER_GZIP ? "gzip" : "zstd";
	const struct lr_libarchive *la = u->in.la;
	u->a = la->read_new();
	if (!u->a)
		abort(); /* out of memory, as xmalloc */
	/* ARCHIVE_WARN means an external program would decompress: not here. */
	int r = la->read_append_filter(u->a, c == LR_LAYER_GZIP ? ARCHIVE_FILTER_GZIP
								: ARCHIVE_FILTER_ZSTD);
	if (r != ARCHIVE_OK)
		return rci_make_error(err, 0, "this libarchive cannot read %s layers itself: %s",
				      u->name, la->error_string(u->a));
	if (la->read_support_format_raw(u->a) != ARCHIVE_OK)
		return ar_error(u, err);
	if (lr_archive_open(u->a, &u->in) != ARCHIVE_OK) {
		/* The filter's own error is gone: "Unrecognized archive format" replaced it. */
		if (u->in.rd_err)
			return ar_error(u, err);
		return rci_make_error(err, 0, "%s: corrupt, truncated or empty stream", u->name);
	}
	struct archive_entry *e;
	r = la->read_next_header(u->a, &e);
	if (r == ARCHIVE_EOF)
		u->eof = true;
	else if (r != ARCHIVE_OK)
		return ar_error(u, err);
	return 0;
}

int lr_layer_apply_stream(int rootfs_fd, enum lr_layer_compression c, lr_tar_read_fn rd, void *data,
			  char diff_hex[65], rci_error_t *err)
{
	const struct lr_libarchive *la = lr_libarchive_load(err);
	if (!la)
		return -1;
	struct unpacked *u = xmalloc0(sizeof(*u));
	u->in.la = la;
	u->in.rd = rd;
	u->in.data = data;
	lr_sha256_init(&u->diff);
	int ret = -1;
	if (c != LR_LAYER_TAR && open_decompressor(u, c, err) < 0)
		goto out;
	if (lr_tar_apply(rootfs_fd, read_unpacked, u, err) < 0)
		goto out;
	/* What the tar reader left (end-of-archive blocks, padding) is part of the diff too. */
	char buf[16384];
	ssize_t n;
	while ((n = read_unpacked(u, buf, sizeof(buf), err)) > 0)
		;
	if (n < 0)
		goto out;
	lr_sha256_hex(&u->diff, diff_hex);
	ret = 0;
out:
	if (u->a)
		la->read_free(u->a);
	rci_error_release(&u->in.rd_err);
	free(u);
	return ret;
}

int lr_layer_apply(int layout_fd, const struct lr_desc *d, const char *diff_id, int rootfs_fd,
		   rci_error_t *err)
{
	int c = lr_layer_compression(d->media_type);
	if (c < 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "layer `%s`: unsupported media type `%s` (tar, "
					   "tar+gzip or tar+zstd only)",
					   d->digest, d->media_type);
	struct lr_blob *b = NULL;
	if (lr_blob_open(layout_fd, d, &b, err) < 0)
		return -1;
	char diff[65];
	int ret = -1;
	if (lr_layer_apply_stream(rootfs_fd, (enum lr_layer_compression)c, lr_blob_read, b, diff,
				  err) < 0) {
		/* A corrupt blob first shows as bad gzip or tar data: say what it really is. */
		rci_error_t mismatch = NULL;
		if (lr_blob_verify(b, &mismatch) == -2 && !strstr((*err)->msg, mismatch->msg)) {
			cleanup_free char *why = rci_error_text(*err);
			rci_error_release(err);
			rci_make_error(err, 0, "%s (%s)", mismatch->msg, why);
		}
		rci_error_release(&mismatch);
		goto out;
	}
	/* The rest of the blob (after the compressed stream's end) counts for its digest. */
	if (lr_blob_verify(b, err) < 0)
		goto out;
	if (diff_id && (strncmp(diff_id, "sha256:", 7) != 0 || strcmp(diff_id + 7, diff) != 0)) {
		rci_make_error(err, 0, "layer `%s`: uncompressed sha256:%s, the config says `%s`",
			       d->digest, diff, diff_id);
		goto out;
	}
	ret = 0;
out:
	lr_blob_close(b);
	return ret;
}
