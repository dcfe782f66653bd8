/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image tests' common ground (included, not compiled on its own): tar streams built byte by
 * byte, so hostile ones are easy, handed out in odd-sized pieces, and a temporary rootfs to
 * apply them to. Everything is static inline, as in unit.h.
 */
#ifndef RCI_UNIT_TAR_FIXTURE_H
#define RCI_UNIT_TAR_FIXTURE_H

#include "unit.h"

#include "image_sha256.h"
#include "image_tar.h"

#include <sys/stat.h>

static inline void sha_hex(const void *data, size_t len, size_t chunk, char hex[65])
{
	struct lr_sha256 s;
	lr_sha256_init(&s);
	for (size_t off = 0; off < len; off += chunk)
		lr_sha256_update(&s, (const char *)data + off,
				 len - off < chunk ? len - off : chunk);
	lr_sha256_hex(&s, hex);
}

/* ---- tar streams -------------------------------------------------------------------------- */

struct tarbuf {
	char *data;
	size_t len, off;
};

static inline void put(struct tarbuf *t, const void *p, size_t n)
{
	t->data = realloc(t->data, t->len + n);
	assert_non_null(t->data);
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

/* A NUL-terminated octal field of @width bytes. */
static inline void octal(unsigned char *field, size_t width, unsigned long long v)
{
	char num[32];
	snprintf(num, sizeof(num), "%0*llo", (int)width - 1, v);
	memcpy(field, num, width);
}

static inline void header(struct tarbuf *t, const char *name, char type, unsigned mode, size_t size,
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

static inline void body(struct tarbuf *t, const char *data, size_t len)
{
	static const char zero[512];
	put(t, data, len);
	put(t, zero, (512 - len % 512) % 512);
}

static inline void file(struct tarbuf *t, const char *name, const char *content, unsigned mode)
{
	header(t, name, '0', mode, strlen(content), NULL);
	body(t, content, strlen(content));
}

static inline void end(struct tarbuf *t)
{
	static const char zero[1024];
	put(t, zero, sizeof(zero));
}

/* Hands the stream out in odd-sized pieces: the parser must not assume whole blocks. */
static inline ssize_t rd(void *data, void *buf, size_t len, rci_error_t *err)
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

static inline int setup(void **state)
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

static inline int teardown(void **state)
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
static inline int apply(struct fixture *f, struct tarbuf *t, char **msg)
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

static inline char *at(struct fixture *f, const char *rel)
{
	return ut_path(f->root, rel);
}

static inline void assert_content(struct fixture *f, const char *rel, const char *want)
{
	char *p = at(f, rel);
	char *got = ut_read_file(p);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(p);
}

static inline void assert_absent(struct fixture *f, const char *rel)
{
	char *p = at(f, rel);
	assert_false(ut_exists(p));
	free(p);
}

/* A pax 'x' header with the one record "key=value" (LEN counts itself). */
static inline void pax(struct tarbuf *t, const char *kv)
{
	char rec[512];
	int n = (int)strlen(kv) + 2;
	int len = n + snprintf(NULL, 0, "%d", n);
	if (snprintf(NULL, 0, "%d", len) != snprintf(NULL, 0, "%d", n))
		len++;
	snprintf(rec, sizeof(rec), "%d %s\n", len, kv);
	header(t, "PaxHeaders/x", 'x', 0644, strlen(rec), NULL);
	body(t, rec, strlen(rec));
}

#endif
