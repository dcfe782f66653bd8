/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's image code without a layout: SHA-256 against FIPS 180-4's vectors, and layers
 * (tar streams built here byte by byte, so hostile ones are easy) applied to a temporary rootfs:
 * every entry type, long names, whiteouts, and entries that try to leave the rootfs.
 */
#include "unit.h"

#include "image_sha256.h"
#include "image_tar.h"

#include <sys/stat.h>

/* ---- SHA-256 ------------------------------------------------------------------------------ */

static void sha_hex(const void *data, size_t len, size_t chunk, char hex[65])
{
	struct lr_sha256 s;
	lr_sha256_init(&s);
	for (size_t off = 0; off < len; off += chunk)
		lr_sha256_update(&s, (const char *)data + off,
				 len - off < chunk ? len - off : chunk);
	lr_sha256_hex(&s, hex);
}

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

/* ---- tar streams -------------------------------------------------------------------------- */

struct tarbuf {
	char *data;
	size_t len, off;
};

static void put(struct tarbuf *t, const void *p, size_t n)
{
	t->data = realloc(t->data, t->len + n);
	assert_non_null(t->data);
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

/* A NUL-terminated octal field of @width bytes. */
static void octal(unsigned char *field, size_t width, unsigned long long v)
{
	char num[32];
	snprintf(num, sizeof(num), "%0*llo", (int)width - 1, v);
	memcpy(field, num, width);
}

static void header(struct tarbuf *t, const char *name, char type, unsigned mode, size_t size,
		   const char *link)
{
	unsigned char h[512] = {0};
	strncpy((char *)h, name, 99);
	octal(h + 100, 8, mode);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, 1000000000);
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link)
		strncpy((char *)h + 157, link, 99);
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	octal(h + 148, 7, sum);
	put(t, h, 512);
}

static void body(struct tarbuf *t, const char *data, size_t len)
{
	static const char zero[512];
	put(t, data, len);
	put(t, zero, (512 - len % 512) % 512);
}

static void file(struct tarbuf *t, const char *name, const char *content, unsigned mode)
{
	header(t, name, '0', mode, strlen(content), NULL);
	body(t, content, strlen(content));
}

static void end(struct tarbuf *t)
{
	static const char zero[1024];
	put(t, zero, sizeof(zero));
}

/* Hands the stream out in odd-sized pieces: the parser must not assume whole blocks. */
static ssize_t rd(void *data, void *buf, size_t len, rci_error_t *err)
{
	(void)err;
	struct tarbuf *t = data;
	size_t n = t->len - t->off;
	if (n > len)
		n = len;
	if (n > 777)
		n = 777;
	memcpy(buf, t->data + t->off, n);
	t->off += n;
	return (ssize_t)n;
}

struct fixture {
	char *dir;
	char *root;
	int fd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = ut_mkdtemp();
	f->root = ut_path(f->dir, "rootfs");
	assert_int_equal(mkdir(f->root, 0755), 0);
	f->fd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->fd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->fd);
	ut_rm_rf(f->dir);
	free(f->root);
	free(f->dir);
	free(f);
	return 0;
}

/* Applies @t; returns the result, the error text in *msg (or NULL). */
static int apply(struct fixture *f, struct tarbuf *t, char **msg)
{
	rci_error_t err = NULL;
	t->off = 0;
	int r = lr_tar_apply(f->fd, rd, t, &err);
	*msg = err ? rci_error_text(err) : NULL;
	rci_error_release(&err);
	free(t->data);
	t->data = NULL;
	t->len = 0;
	return r;
}

static char *at(struct fixture *f, const char *rel)
{
	return ut_path(f->root, rel);
}

static void assert_content(struct fixture *f, const char *rel, const char *want)
{
	char *p = at(f, rel);
	char *got = ut_read_file(p);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(p);
}

static void assert_absent(struct fixture *f, const char *rel)
{
	char *p = at(f, rel);
	assert_false(ut_exists(p));
	free(p);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
