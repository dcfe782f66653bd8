/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's layer reading around the tar applier: compressed layers (gzip, concatenated
 * members, zstd, through libarchive, with the diff_id hashed on the way) and blobs verified
 * against their descriptors.
 */
#include "tar_fixture.h"

#include "image_blob.h"
#include "image_layer.h"

#include <archive.h>
#include <archive_entry.h>

/* ---- compressed layers (image_layer.h) ---------------------------------------------------- */

/* @in compressed with libarchive's @filter (ARCHIVE_FILTER_GZIP, _ZSTD), appended to @out. */
static void compress(const char *in, size_t len, int filter, struct tarbuf *out)
{
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	/* No blocking: the stream ends where the compressed data ends. */
	assert_int_equal(archive_write_set_bytes_per_block(a, 0), ARCHIVE_OK);
	size_t cap = len + 4096, used = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, in, len), (la_ssize_t)len);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_free(a);
	put(out, buf, used);
	free(buf);
}

/* Applies @t as a layer compressed as @c; the error text in *msg, the diff in @diff. */
static int apply_layer(struct fixture *f, struct tarbuf *t, enum lr_layer_compression c,
		       char diff[65], char **msg)
{
	rci_error_t err = NULL;
	t->off = 0;
	int r = lr_layer_apply_stream(f->fd, c, rd, t, diff, &err);
	*msg = err ? rci_error_text(err) : NULL;
	rci_error_release(&err);
	free(t->data);
	t->data = NULL;
	t->len = 0;
	return r;
}

static void test_layer_compressed(void **state)
{
	struct fixture *f = *state;
	struct tarbuf tar = {0};
	char *msg = NULL;
	char want[65], diff[65];
	file(&tar, "g/f", "gzip", 0644);
	file(&tar, "z/f", "zstd", 0644);
	end(&tar);
	sha_hex(tar.data, tar.len, tar.len, want);

	/* gzip, as two concatenated members (RFC 1952; Go reads them as one stream). */
	struct tarbuf t = {0};
	compress(tar.data, 700, ARCHIVE_FILTER_GZIP, &t);
	compress(tar.data + 700, tar.len - 700, ARCHIVE_FILTER_GZIP, &t);
	assert_int_equal(apply_layer(f, &t, LR_LAYER_GZIP, diff, &msg), 0);
	assert_null(msg);
	assert_string_equal(diff, want);
	assert_content(f, "g/f", "gzip");

	compress(tar.data, tar.len, ARCHIVE_FILTER_ZSTD, &t);
	assert_int_equal(apply_layer(f, &t, LR_LAYER_ZSTD, diff, &msg), 0);
	assert_null(msg);
	assert_string_equal(diff, want);
	assert_content(f, "z/f", "zstd");

	/* Plain tar: the diff is the stream itself. */
	put(&t, tar.data, tar.len);
	assert_int_equal(apply_layer(f, &t, LR_LAYER_TAR, diff, &msg), 0);
	assert_string_equal(diff, want);

	/* A plain tar where the media type says gzip, and a truncated gzip stream. */
	put(&t, tar.data, tar.len);
	assert_int_equal(apply_layer(f, &t, LR_LAYER_GZIP, diff, &msg), -1);
	assert_non_null(strstr(msg, "gzip"));
	free(msg);
	compress(tar.data, tar.len, ARCHIVE_FILTER_GZIP, &t);
	t.len -= 12;
	assert_int_equal(apply_layer(f, &t, LR_LAYER_GZIP, diff, &msg), -1);
	assert_non_null(msg);
	free(msg);
	free(tar.data);

	assert_int_equal(lr_layer_compression("application/vnd.oci.image.layer.v1.tar+zstd"),
			 LR_LAYER_ZSTD);
	assert_int_equal(lr_layer_compression("application/vnd.docker.image.rootfs.diff.tar.gzip"),
			 LR_LAYER_GZIP);
	assert_int_equal(lr_layer_compression("application/vnd.oci.image.layer.v1.tar+bzip2"), -1);
}

/* ---- verified blobs (image_blob.h) -------------------------------------------------------- */

static void test_blob_verify(void **state)
{
	struct fixture *f = *state;
	/* sha256("hello") */
	static const char hello[] =
	    "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	char *top = ut_path(f->dir, "blobs");
	char *blobs = ut_path(top, "sha256");
	assert_int_equal(mkdir(top, 0755), 0);
	assert_int_equal(mkdir(blobs, 0755), 0);
	free(top);
	ut_write_file(blobs, hello + 7, "hello");
	int layout = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(layout >= 0);
	struct {
		int64_t size;
		const char *digest;
		int want;
	} cases[] = {
	    {5, hello, 0},
	    {4, hello, -2}, /* longer than its descriptor says: refused while reading */
	    {6, hello, -2},
	    {5, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9825", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lr_desc d = {
		    .media_type = "x", .digest = cases[i].digest, .size = cases[i].size};
		struct lr_blob *b = NULL;
		rci_error_t err = NULL;
		if (cases[i].want == -1) {
			/* No such blob: the name is the digest. */
			assert_int_equal(lr_blob_open(layout, &d, &b, &err), -1);
			rci_error_release(&err);
			continue;
		}
		assert_int_equal(lr_blob_open(layout, &d, &b, &err), 0);
		assert_int_equal(lr_blob_verify(b, &err), cases[i].want);
		if (cases[i].want) {
			assert_non_null(strstr(err->msg, "does not match its descriptor"));
			rci_error_release(&err);
		}
		lr_blob_close(b);
	}
	/* Same size, another digest. */
	ut_write_file(blobs, hello + 7, "hellO");
	struct lr_desc d = {.media_type = "x", .digest = hello, .size = 5};
	struct lr_blob *b = NULL;
	rci_error_t err = NULL;
	assert_int_equal(lr_blob_open(layout, &d, &b, &err), 0);
	assert_int_equal(lr_blob_verify(b, &err), -2);
	assert_non_null(strstr(err->msg, "sha256:"));
	rci_error_release(&err);
	lr_blob_close(b);
	close(layout);
	free(blobs);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_layer_compressed),
	    T(test_blob_verify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
