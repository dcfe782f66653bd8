/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_blob.h"
#include "image_sha256.h"
#include "json.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

/* Manifests, configs and indexes are small; a bigger "JSON" blob is not one we want. */
#define MAX_JSON_BLOB (4 << 20)

struct lr_blob {
	int fd;
	const char *digest; /* the descriptor's, borrowed */
	int64_t size;
	uint64_t total; /* bytes read so far */
	struct lr_sha256 sha;
};

int lr_blob_open(int layout_fd, const struct lr_desc *d, struct lr_blob **out, rci_error_t *err)
{
	cleanup_free char *rel = xasprintf("blobs/sha256/%s", d->digest + 7);
	/* No symlinks anywhere below the layout: a blob is a plain file in place. */
	int fd = openat(layout_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "blob `%s`", rel);
	struct lr_blob *b = xmalloc0(sizeof(*b));
	b->fd = fd;
	b->digest = d->digest;
	b->size = d->size;
	lr_sha256_init(&b->sha);
	*out = b;
	return 0;
}

void lr_blob_close(struct lr_blob *b)
{
	if (!b)
		return;
	close(b->fd);
	free(b);
}

ssize_t lr_blob_read(void *blob, void *buf, size_t len, rci_error_t *err)
{
	struct lr_blob *b = blob;
	ssize_t n;
	do
		n = read(b->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rci_make_error(err, errno, "read blob `%s`", b->digest);
	b->total += (uint64_t)n;
	if (b->total > (uint64_t)b->size)
		return rci_make_error(
		    err, 0, "blob `%s` does not match its descriptor: more than %" PRId64 " bytes",
		    b->digest, b->size);
	lr_sha256_update(&b->sha, buf, (size_t)n);
	return n;
}

int lr_blob_verify(struct lr_blob *b, rci_error_t *err)
{
	char buf[65536];
	ssize_t n;
	while ((n = lr_blob_read(b, buf, sizeof(buf), err)) > 0)
		;
	if (n < 0)
		return b->total > (uint64_t)b->size ? -2 : -1;
	char hex[65];
	lr_sha256_hex(&b->sha, hex);
	if ((int64_t)b->total != b->size || strcmp(hex, b->digest + 7) != 0) {
		rci_make_error(err, 0,
			       "blob `%s` does not match its descriptor: %" PRIu64
			       " bytes, sha256:%s (expected %" PRId64 " bytes)",
			       b->digest, b->total, hex, b->size);
		return -2;
	}
	return 0;
}

json_object *lr_blob_read_json(int layout_fd, const struct lr_desc *d, char **raw, size_t *raw_len,
			       rci_error_t *err)
{
	if (d->size > MAX_JSON_BLOB) {
		rci_make_error(err, EFBIG, "blob `%s` of %" PRId64 " bytes", d->digest, d->size);
		return NULL;
	}
	struct lr_blob *b = NULL;
	if (lr_blob_open(layout_fd, d, &b, err) < 0)
		return NULL;
	char *text = xmalloc0((size_t)d->size + 1);
	size_t len = 0;
	json_object *o = NULL;
	while (len < (size_t)d->size) {
		ssize_t n = lr_blob_read(b, text + len, (size_t)d->size - len, err);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (lr_blob_verify(b, err) < 0)
		goto out;
	o = rci_json_parse(text, len, d->digest, err);
	if (o && raw) {
		*raw = text;
		*raw_len = len;
		text = NULL;
	}
out:
	free(text);
	lr_blob_close(b);
	return o;
}
