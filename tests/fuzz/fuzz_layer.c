/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's layer reader (infra/image_layer.c: lr_layer_apply_stream, on libarchive, and
 * infra/image_tar.c: what OCI adds). One input is one layer, decompressed as its magic says
 * (gzip, zstd, else a plain tar stream) and applied to a fresh rootfs/ in a private temporary
 * directory, removed after each input. Beside it lies outside/, which must stay empty, and the
 * directory must hold nothing else: an entry that escapes (`..`, a planted symlink, a hard
 * link) fails the run, and so does a rootfs that cannot be removed again (the cache must stay
 * removable). Every input must succeed, or fail with exactly one error of one line.
 */
#include "tree.h"
#include "fuzz.h"
#include "image_layer.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *base; /* <TMPDIR>/rci-fuzz-layer-XXXXXX */

struct mem {
	const uint8_t *p;
	size_t len, off, calls;
};

/* Pieces of varying odd sizes, as a pipe gives them: nothing may assume whole blocks. */
static ssize_t rd(void *data, void *buf, size_t len, rci_error_t *err)
{
	static const size_t piece[] = {4093, 1, 511, 65536};
	(void)err;
	struct mem *m = data;
	size_t n = piece[m->calls++ % RCI_ARRAY_SIZE(piece)];
	n = n < len ? n : len;
	n = n < m->len - m->off ? n : m->len - m->off;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static void remove_base(void)
{
	rci_error_t err = NULL;
	if (lr_remove_tree(base, &err) < 0)
		rci_error_release(&err);
}

static void init(void)
{
	const char *tmp = getenv("TMPDIR");
	base = xasprintf("%s/rci-fuzz-layer-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		abort();
	cleanup_free char *outside = xasprintf("%s/outside", base);
	if (mkdir(outside, 0700) < 0)
		abort();
	atexit(remove_base);
	/* A small zstd input can inflate to gigabytes: a file stops at 16 MiB (EFBIG). */
	struct rlimit fsize = {16 << 20, 16 << 20};
	if (setrlimit(RLIMIT_FSIZE, &fsize) < 0 || signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		abort();
}

static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		__builtin_trap();
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base)
		init();
	cleanup_free char *root = xasprintf("%s/rootfs", base);
	cleanup_free char *outside = xasprintf("%s/outside", base);
	if (mkdir(root, 0755) < 0)
		abort();
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	enum lr_layer_compression c = LR_LAYER_TAR;
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		c = LR_LAYER_GZIP;
	else if (size >= 4 && !memcmp(data, "\x28\xb5\x2f\xfd", 4))
		c = LR_LAYER_ZSTD;
	struct mem m = {.p = data, .len = size};
	rci_error_t err = NULL;
	char diff[65];
	int r = lr_layer_apply_stream(fd, c, rd, &m, diff, &err);
	close(fd);
	if (r == 0 ? err != NULL : (r != -1 || !err || !err->msg || strchr(err->msg, '\n')))
		__builtin_trap();
	if (r == 0 && strlen(diff) != 64)
		__builtin_trap();
	/* Nothing escaped: outside/ is empty and nothing appeared beside rootfs/. */
	if (entries(outside) != 0 || entries(base) != 2)
		__builtin_trap();
	rci_error_release(&err);
	if (lr_remove_tree(root, &err) < 0)
		abort();
	return 0;
}
