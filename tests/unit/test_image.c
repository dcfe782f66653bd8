/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's image code without a layout: SHA-256 against FIPS 180-4's vectors, and layers
 * (tar streams built byte by byte in tar_fixture.h, so hostile ones are easy) applied to a rootfs:
 * every entry type, long names, whiteouts, and entries that try to leave the rootfs.
 */
#include "tar_fixture.h"

/* ---- SHA-256 ------------------------------------------------------------------------------ */

static void test_sha256_vectors(void **state)
{
	(void)state;
	char hex[65];
	sha_hex("", 0, 1, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the padding needs a second block. */
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	for (size_t chunk = 1; chunk <= 64; chunk *= 4) {
		sha_hex(two, strlen(two), chunk, hex);
		assert_string_equal(
		    hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
	size_t n = 1000000;
	char *a = malloc(n);
	assert_non_null(a);
	memset(a, 'a', n);
	sha_hex(a, n, 4097, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void test_tar_entry_types(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	header(&t, "./", '5', 0755, 0, NULL);
	header(&t, "./a/", '5', 0750, 0, NULL);
	file(&t, "./a/f", "hello", 0640);
	header(&t, "a/l", '2', 0777, 0, "f");
	header(&t, "a/h", '1', 0644, 0, "a/f");
	header(&t, "a/p", '6', 0600, 0, NULL);
	header(&t, "a/dev", '3', 0600, 0, NULL);
	/* A parent missing from the stream is created. */
	file(&t, "x/y/z", "deep", 0755);
	/* Big enough to cross several reads and blocks. */
	char big[3000];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	file(&t, "big", big, 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), 0);
	assert_null(msg);
	assert_content(f, "a/f", "hello");
	assert_content(f, "a/l", "hello");
	assert_content(f, "a/h", "hello");
	assert_content(f, "x/y/z", "deep");
	assert_content(f, "big", big);
	struct stat st, st2;
	char *p = at(f, "a/f"), *h = at(f, "a/h"), *l = at(f, "a/l"), *fifo = at(f, "a/p");
	char *dir = at(f, "a"), *dev = at(f, "a/dev"), *z = at(f, "x/y/z");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtime, 1000000000);
	assert_int_equal(stat(h, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(lstat(l, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* Directories stay writable by their owner: the cache must be removable. */
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_false(ut_exists(dev));
	assert_int_equal(stat(z, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(p);
	free(h);
	free(l);
	free(fifo);
	free(dir);
	free(dev);
	free(z);
}

static void test_tar_long_names(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	/* 300 bytes in components of 49 (NAME_MAX is per component). */
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 50; i < sizeof(longname) - 1; i += 50)
		longname[i - 1] = '/';
	memcpy(longname, "gnu/", 4);
	/* GNU: a 'L' entry carries the next entry's name. */
	header(&t, "././@LongLink", 'L', 0644, strlen(longname) + 1, NULL);
	body(&t, longname, strlen(longname) + 1);
	file(&t, "truncated", "gnu", 0644);
	/* pax: "LEN path=VALUE\n", LEN counting itself. */
	char rec[400];
	longname[0] = 'p';
	longname[1] = 'a';
	longname[2] = 'x';
	int n = (int)strlen(longname) + (int)strlen(" path=\n");
	int len = n + snprintf(NULL, 0, "%d", n);
	if (snprintf(NULL, 0, "%d", len) != snprintf(NULL, 0, "%d", n))
		len++;
	snprintf(rec, sizeof(rec), "%d path=%s\n", len, longname);
	header(&t, "PaxHeaders/x", 'x', 0644, strlen(rec), NULL);
	body(&t, rec, strlen(rec));
	file(&t, "truncated2", "pax", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), 0);
	assert_null(msg);
	assert_content(f, longname, "pax");
	memcpy(longname, "gnu", 3);
	assert_content(f, longname, "gnu");
	assert_absent(f, "truncated");
	assert_absent(f, "truncated2");
}

static void test_tar_whiteouts(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	file(&t, "a/f", "f", 0644);
	file(&t, "a/g", "g", 0644);
	file(&t, "b/x", "x", 0644);
	file(&t, "b/sub/x", "x", 0644);
	file(&t, "c/file-then-dir", "file", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), 0);
	/* The next layer: removes a/f, makes b opaque (keeping its own b/y), turns a file into a
	 * directory. */
	file(&t, "b/y", "y", 0644);
	header(&t, "a/.wh.f", '0', 0644, 0, NULL);
	header(&t, "b/.wh..wh..opq", '0', 0644, 0, NULL);
	header(&t, "c/file-then-dir", '5', 0755, 0, NULL);
	file(&t, "c/file-then-dir/in", "in", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), 0);
	assert_null(msg);
	assert_absent(f, "a/f");
	assert_content(f, "a/g", "g");
	assert_absent(f, "b/x");
	assert_absent(f, "b/sub");
	assert_content(f, "b/y", "y");
	assert_content(f, "c/file-then-dir/in", "in");
	assert_absent(f, "a/.wh.f");
	assert_absent(f, "b/.wh..wh..opq");
}

static void test_tar_refuses_escapes(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	file(&t, "../evil", "x", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), -1);
	assert_non_null(strstr(msg, "leaves the rootfs"));
	free(msg);
	char *outside = ut_path(f->dir, "evil");
	assert_false(ut_exists(outside));
	free(outside);

	/* A symlink planted to the outside, then an entry through it. */
	char *target = ut_path(f->dir, "outside");
	assert_int_equal(mkdir(target, 0755), 0);
	header(&t, "s", '2', 0777, 0, target);
	file(&t, "s/x", "x", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), -1);
	assert_non_null(strstr(msg, "is not a directory"));
	free(msg);
	char *through = ut_path(target, "x");
	assert_false(ut_exists(through));
	free(through);

	/* A hard link to a file outside. */
	header(&t, "hl", '1', 0644, 0, "../outside");
	end(&t);
	assert_int_equal(apply(f, &t, &msg), -1);
	free(msg);
	free(target);
}

static void test_tar_corrupt(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	file(&t, "a", "a", 0644);
	t.data[0] ^= 1; /* the name, so the checksum no longer matches */
	end(&t);
	assert_int_equal(apply(f, &t, &msg), -1);
	assert_non_null(strstr(msg, "checksum"));
	free(msg);
	/* Truncated data. */
	header(&t, "b", '0', 0644, 4000, NULL);
	body(&t, "short", 5);
	assert_int_equal(apply(f, &t, &msg), -1);
	assert_non_null(strstr(msg, "truncated"));
	free(msg);
}

/*
 * Bug 3 (issue 13): the hand-written pax parser took " 1 x" style records, whose length field
 * strtoul() accepts after leading whitespace, and computed a negative record length: memchr and
 * strndup then read past the header's buffer (a heap overflow under ASan). Such a header is
 * malformed: the layer is refused and nothing of it is created.
 */
static void test_tar_pax_malformed(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"\n1 x",	   " 6 a=b\n",	 "\t\t\t\t\t\t\t\t\t1 \n",
					  "9999 path=x\n", "0 path=y\n", "5 path\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tarbuf t = {0};
		char *msg = NULL;
		header(&t, "PaxHeaders/bad", 'x', 0644, strlen(bad[i]), NULL);
		body(&t, bad[i], strlen(bad[i]));
		file(&t, "after-bad-pax", "x", 0644);
		end(&t);
		assert_int_equal(apply(f, &t, &msg), -1);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "pax"));
		free(msg);
		assert_absent(f, "after-bad-pax");
	}
}

/*
 * `.wh..` and `.wh...` name no entry. The hand-written reader removed what they resolve to: the
 * whiteout's own directory, or its parent (for a top-level one, the directory holding the
 * rootfs). They are refused now, and nothing is removed.
 */
static void test_tar_whiteout_names_no_entry(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"a/.wh..", "a/.wh..."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tarbuf t = {0};
		char *msg = NULL;
		file(&t, "a/keep", "k", 0644);
		end(&t);
		assert_int_equal(apply(f, &t, &msg), 0);
		header(&t, bad[i], '0', 0644, 0, NULL);
		end(&t);
		assert_int_equal(apply(f, &t, &msg), -1);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "names no entry"));
		free(msg);
		assert_content(f, "a/keep", "k");
	}
}

/*
 * Names are bytes: a pax path that is not UTF-8 (libarchive warns that it cannot convert it to
 * the locale's charset) is created as it is, as Go's archive/tar and umoci do.
 */
static void test_tar_raw_names(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	pax(&t, "path=raw-\xff\xfe");
	file(&t, "ignored", "raw", 0644);
	pax(&t, "path=caf\xc3\xa9");
	file(&t, "ignored2", "utf8", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), 0);
	assert_null(msg);
	assert_content(f, "raw-\xff\xfe", "raw");
	assert_content(f, "caf\xc3\xa9", "utf8");
}

/*
 * Entries deeper than 60 levels are refused: the cache must stay removable, and the launcher's
 * tree removal descends 64 levels at most.
 */
static void test_tar_depth(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	char *msg = NULL;
	char deep[200] = "";
	for (int i = 0; i < 59; i++)
		strcat(deep, "d/");
	strcat(deep, "f");
	char kv[220];
	snprintf(kv, sizeof(kv), "path=%s", deep);
	pax(&t, kv);
	file(&t, "ignored", "60", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), 0);
	assert_content(f, deep, "60");
	snprintf(kv, sizeof(kv), "path=d/%s", deep);
	pax(&t, kv);
	file(&t, "ignored", "61", 0644);
	end(&t);
	assert_int_equal(apply(f, &t, &msg), -1);
	assert_non_null(strstr(msg, "deeper than 60 levels"));
	free(msg);
}

/* A stream that fails after @fail_at bytes, with its own error. */
struct failing {
	struct tarbuf *t;
	size_t fail_at;
};

static ssize_t rd_failing(void *data, void *buf, size_t len, rci_error_t *err)
{
	struct failing *f = data;
	if (f->t->off >= f->fail_at)
		return rci_make_error(err, EIO, "read boom");
	if (len > f->fail_at - f->t->off)
		len = f->fail_at - f->t->off;
	return rd(f->t, buf, len, err);
}

/* The reader's error is the error, wherever it comes: none may read as an (empty) end. */
static void test_tar_reader_error(void **state)
{
	struct fixture *f = *state;
	struct tarbuf t = {0};
	file(&t, "a", "a", 0644);
	file(&t, "b", "b", 0644);
	end(&t);
	static const size_t at[] = {0, 100, 512, 1024, 1536};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct failing fl = {.t = &t, .fail_at = at[i]};
		rci_error_t err = NULL;
		t.off = 0;
		assert_int_equal(lr_tar_apply(f->fd, rd_failing, &fl, &err), -1);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "read boom"));
		assert_int_equal(err->status, EIO);
		rci_error_release(&err);
	}
	free(t.data);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_vectors),
	    T(test_tar_entry_types),
	    T(test_tar_long_names),
	    T(test_tar_whiteouts),
	    T(test_tar_refuses_escapes),
	    T(test_tar_corrupt),
	    T(test_tar_pax_malformed),
	    T(test_tar_whiteout_names_no_entry),
	    T(test_tar_raw_names),
	    T(test_tar_depth),
	    T(test_tar_reader_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
