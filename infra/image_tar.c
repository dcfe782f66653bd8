/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_tar.h"
#include "bundle.h"
#include "fs.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK 512
/* Pax headers and GNU long names are paths: anything bigger is not a layer we want. */
#define MAX_META (1 << 20)

struct tar {
	int root;
	lr_tar_read_fn rd;
	void *data;
	char **added; /* paths this layer created: opaque whiteouts keep them */
};

static int read_full(struct tar *t, void *buf, size_t len, bool eof_ok, rci_error_t *err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = t->rd(t->data, (char *)buf + got, len - got, err);
		if (n < 0)
			return -1;
		if (n == 0) {
			if (got == 0 && eof_ok)
				return 1;
			return rci_make_error(err, 0, "truncated tar stream");
		}
		got += (size_t)n;
	}
	return 0;
}

static int skip(struct tar *t, uint64_t n, rci_error_t *err)
{
	char buf[16384];
	while (n) {
		size_t chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if (read_full(t, buf, chunk, false, err) < 0)
			return -1;
		n -= chunk;
	}
	return 0;
}

static uint64_t padding(uint64_t size)
{
	return (BLOCK - size % BLOCK) % BLOCK;
}

/* Octal (NUL or space terminated), or base-256 when the high bit of the first byte is set. */
static int parse_num(const unsigned char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (p[0] & 0x80) {
		if (p[0] & 0x40)
			return -1; /* negative */
		v = p[0] & 0x3f;
		for (size_t i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | p[i];
		}
		*out = v;
		return 0;
	}
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v << 3 | (uint64_t)(p[i] - '0');
	}
	if (i < n && p[i] != ' ' && p[i] != '\0')
		return -1;
	*out = v;
	return 0;
}

static bool checksum_ok(const unsigned char *h)
{
	uint64_t want;
	if (parse_num(h + 148, 8, &want) < 0)
		return false;
	uint64_t sum = 0;
	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

static char *field(const unsigned char *p, size_t n)
{
	return xstrndup((const char *)p, strnlen((const char *)p, n));
}

/* "a/./b/" -> "a/b", "/" or "./" -> "", NULL (with *err) when a component is "..". */
static char *normalize(const char *raw, rci_error_t *err)
{
	cleanup_strv char **parts = rci_strv_split(raw, '/');
	size_t len = 1;
	for (size_t i = 0; parts && parts[i]; i++) {
		if (!strcmp(parts[i], "..")) {
			rci_make_error(err, 0, "refusing tar entry `%s`: it leaves the rootfs",
				       raw);
			return NULL;
		}
		len += strlen(parts[i]) + 1;
	}
	char *out = xmalloc0(len);
	for (size_t i = 0; parts && parts[i]; i++) {
		if (!strcmp(parts[i], "."))
			continue;
		if (*out)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	return out;
}

/* Opens the directory @rel under @root, each component without following symlinks. */
static int open_dir_in(int root, const char *rel, bool create, rci_error_t *err)
{
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return rci_make_error(err, errno, "dup");
	cleanup_strv char **parts = rci_strv_split(rel, '/');
	for (size_t i = 0; parts && parts[i]; i++) {
		int nfd = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, parts[i], 0755) < 0 && errno != EEXIST) {
				rci_make_error(err, errno, "create `%s`", rel);
				close(fd);
				return -1;
			}
			nfd = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int saved = errno;
		close(fd);
		if (nfd < 0) {
			if (saved == ELOOP || saved == ENOTDIR)
				return rci_make_error(err, saved,
						      "`%s`: component `%s` is not a directory "
						      "(a symlink is refused)",
						      rel, parts[i]);
			return rci_make_error(err, saved, "open `%s`", rel);
		}
		fd = nfd;
	}
	return fd;
}

/* Removes @dir/@name, a whole tree if it is a directory; a missing one is success. */
static int remove_entry(int dir, const char *name, rci_error_t *err)
{
	if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return rci_make_error(err, errno, "remove `%s`", name);
	/* lr_remove_tree works on paths; the fd's magic link names exactly this directory. */
	cleanup_free char *p = xasprintf("/proc/self/fd/%d/%s", dir, name);
	return lr_remove_tree(p, err);
}

static bool added_here(const struct tar *t, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; t->added && t->added[i]; i++)
		if (!strncmp(t->added[i], path, n) &&
		    (t->added[i][n] == '\0' || t->added[i][n] == '/'))
			return true;
	return false;
}

/* `.wh..wh..opq`: what lower layers put in @dirpath goes, this layer's entries stay. */
static int opaque(struct tar *t, int dir, const char *dirpath, rci_error_t *err)
{
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s`", dirpath);
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return rci_make_error(err, errno, "open `%s`", dirpath);
	}
	cleanup_strv char **doomed = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cleanup_free char *p =
		    *dirpath ? xasprintf("%s/%s", dirpath, de->d_name) : xstrdup(de->d_name);
		if (!added_here(t, p))
			rci_strv_push(&doomed, de->d_name);
	}
	for (size_t i = 0; doomed && doomed[i]; i++)
		if (remove_entry(dir, doomed[i], err) < 0)
			return -1;
	return 0;
}

static int write_data(struct tar *t, int fd, uint64_t size, const char *path, rci_error_t *err)
{
	char buf[65536];
	while (size) {
		size_t chunk = size < sizeof(buf) ? (size_t)size : sizeof(buf);
		if (read_full(t, buf, chunk, false, err) < 0)
			return -1;
		if (rci_write_all(fd, buf, chunk) < 0)
			return rci_make_error(err, errno, "write `%s`", path);
		size -= chunk;
	}
	return 0;
}

struct entry {
	char type;
	mode_t mode;
	uint64_t size;
	struct timespec mtime;
	const char *name;
	const char *link;
};

/* Creates one entry; the data of a regular file is consumed here, other data by the caller. */
static int create(struct tar *t, int dir, const char *base, const char *path, const struct entry *e,
		  bool *consumed, rci_error_t *err)
{
	struct timespec times[2] = {e->mtime, e->mtime};
	switch (e->type) {
	case '0':
	case '\0':
	case '7': {
		cleanup_close int fd =
		    openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   e->mode & 0700);
		if (fd < 0)
			return rci_make_error(err, errno, "create `%s`", path);
		*consumed = true;
		if (write_data(t, fd, e->size, path, err) < 0)
			return -1;
		/* fchmod after the data: the umask must not change the layer's modes. */
		if (fchmod(fd, e->mode & 01777) < 0 || futimens(fd, times) < 0)
			return rci_make_error(err, errno, "set the mode of `%s`", path);
		return 0;
	}
	case '5':
		if (mkdirat(dir, base, 0700) < 0)
			return rci_make_error(err, errno, "create `%s`", path);
		if (fchmodat(dir, base, (e->mode & 01777) | 0700, 0) < 0)
			return rci_make_error(err, errno, "chmod `%s`", path);
		return 0;
	case '2':
		if (symlinkat(e->link, dir, base) < 0)
			return rci_make_error(err, errno, "symlink `%s`", path);
		utimensat(dir, base, times, AT_SYMLINK_NOFOLLOW);
		return 0;
	case '1': {
		cleanup_free char *target = normalize(e->link, err);
		if (!target)
			return -1;
		cleanup_free char *tdir = xstrdup(target);
		char *slash = strrchr(tdir, '/');
		const char *tbase = slash ? slash + 1 : target;
		if (slash)
			*slash = '\0';
		else
			tdir[0] = '\0';
		cleanup_close int tfd = open_dir_in(t->root, tdir, false, err);
		if (tfd < 0)
			return rci_error_wrap(err, "hard link `%s`", path);
		if (linkat(tfd, tbase, dir, base, 0) < 0)
			return rci_make_error(err, errno, "hard link `%s` to `%s`", path, target);
		return 0;
	}
	case '6':
		if (mkfifoat(dir, base, e->mode & 0777) < 0)
			return rci_make_error(err, errno, "mkfifo `%s`", path);
		return 0;
	case '3':
	case '4':
		rci_debug("skipping device node `%s` (unprivileged)", path);
		return 0;
	default:
		rci_debug("skipping `%s` of tar type `%c`", path, e->type);
		return 0;
	}
}

static int apply_entry(struct tar *t, const struct entry *e, bool *consumed, rci_error_t *err)
{
	cleanup_free char *path = normalize(e->name, err);
	if (!path)
		return -1;
	if (!*path)
		return 0; /* the root itself: the cache owns its mode */
	cleanup_free char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? path + (slash - parent) + 1 : path;
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	cleanup_close int dir = open_dir_in(t->root, parent, true, err);
	if (dir < 0)
		return -1;
	if (!strncmp(base, ".wh.", 4)) {
		if (!strcmp(base, ".wh..wh..opq"))
			return opaque(t, dir, parent, err);
		return remove_entry(dir, base + 4, err);
	}
	rci_strv_push(&t->added, path);
	struct stat st;
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A directory over a directory merges: lower layers' children stay. */
		if (e->type == '5' && S_ISDIR(st.st_mode)) {
			if (fchmodat(dir, base, (e->mode & 01777) | 0700, 0) < 0)
				return rci_make_error(err, errno, "chmod `%s`", path);
			return 0;
		}
		if (remove_entry(dir, base, err) < 0)
			return -1;
	}
	return create(t, dir, base, path, e, consumed, err);
}

/* Pax records "LEN key=value\n": path, linkpath and size matter, the rest is metadata. */
static int parse_pax(const char *buf, size_t len, char **path, char **link, int64_t *size,
		     rci_error_t *err)
{
	size_t off = 0;
	while (off < len) {
		char *end;
		unsigned long rl = strtoul(buf + off, &end, 10);
		if (end == buf + off || *end != ' ' || rl == 0 || rl > len - off ||
		    buf[off + rl - 1] != '\n')
			return rci_make_error(err, 0, "malformed pax header");
		const char *kv = end + 1;
		const char *eq = memchr(kv, '=', (size_t)(buf + off + rl - 1 - kv));
		if (!eq)
			return rci_make_error(err, 0, "malformed pax record");
		size_t klen = (size_t)(eq - kv);
		char *val = xstrndup(eq + 1, (size_t)(buf + off + rl - 1 - (eq + 1)));
		if (klen == 4 && !strncmp(kv, "path", 4)) {
			free(*path);
			*path = val;
		} else if (klen == 8 && !strncmp(kv, "linkpath", 8)) {
			free(*link);
			*link = val;
		} else if (klen == 4 && !strncmp(kv, "size", 4)) {
			*size = strtoll(val, NULL, 10);
			free(val);
		} else {
			free(val);
		}
		off += rl;
	}
	return 0;
}

static int read_meta(struct tar *t, uint64_t size, char **out, rci_error_t *err)
{
	if (size > MAX_META)
		return rci_make_error(err, 0, "tar metadata entry of %" PRIu64 " bytes", size);
	char *buf = xmalloc0((size_t)size + 1);
	if (read_full(t, buf, (size_t)size, false, err) < 0 || skip(t, padding(size), err) < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

static bool all_zero(const unsigned char *h)
{
	for (int i = 0; i < BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

int lr_tar_apply(int rootfs_fd, lr_tar_read_fn rd, void *data, rci_error_t *err)
{
	struct tar t = {.root = rootfs_fd, .rd = rd, .data = data};
	cleanup_strv char **added = NULL;
	cleanup_free char *long_name = NULL, *long_link = NULL, *pax_path = NULL, *pax_link = NULL;
	int64_t pax_size = -1;
	int ret = -1;
	for (;;) {
		unsigned char h[BLOCK];
		int r = read_full(&t, h, BLOCK, true, err);
		if (r < 0)
			goto out;
		/* End of archive: a zero block (the second one, if any, is drained by the caller).
		 */
		if (r == 1 || all_zero(h))
			break;
		if (!checksum_ok(h)) {
			rci_make_error(err, 0, "bad tar header checksum");
			goto out;
		}
		uint64_t size, mode, mtime;
		if (parse_num(h + 124, 12, &size) < 0 || parse_num(h + 100, 8, &mode) < 0 ||
		    parse_num(h + 136, 12, &mtime) < 0) {
			rci_make_error(err, 0, "bad number in a tar header");
			goto out;
		}
		char type = (char)h[156];
		if (type == 'x' || type == 'L' || type == 'K') {
			cleanup_free char *meta = NULL;
			if (read_meta(&t, size, &meta, err) < 0)
				goto out;
			if (type == 'x') {
				if (parse_pax(meta, (size_t)size, &pax_path, &pax_link, &pax_size,
					      err) < 0)
					goto out;
			} else if (type == 'L') {
				free(long_name);
				long_name = meta;
				meta = NULL;
			} else {
				free(long_link);
				long_link = meta;
				meta = NULL;
			}
			continue;
		}
		if (type == 'g') {
			if (skip(&t, size + padding(size), err) < 0)
				goto out;
			continue;
		}
		if (pax_size >= 0)
			size = (uint64_t)pax_size;
		cleanup_free char *name = NULL;
		if (pax_path)
			name = xstrdup(pax_path);
		else if (long_name)
			name = xstrdup(long_name);
		else if (!memcmp(h + 257, "ustar\0", 6) && h[345])
			name =
			    xasprintf("%.155s/%.100s", (const char *)h + 345, (const char *)h + 0);
		else
			name = field(h, 100);
		cleanup_free char *link = pax_link    ? xstrdup(pax_link)
					  : long_link ? xstrdup(long_link)
						      : field(h + 157, 100);
		struct entry e = {.type = type,
				  .mode = (mode_t)mode,
				  .size = size,
				  .mtime = {.tv_sec = (time_t)mtime},
				  .name = name,
				  .link = link};
		t.added = added;
		bool consumed = false;
		r = apply_entry(&t, &e, &consumed, err);
		added = t.added;
		if (r < 0) {
			rci_error_wrap(err, "tar entry `%s`", name);
			goto out;
		}
		/* Links, devices, directories and FIFOs carry no data whatever `size` says
		 * (as Go's archive/tar, which wrote most layers). */
		uint64_t data_len = strchr("123456", type) && type ? 0 : size;
		uint64_t rest = consumed ? 0 : data_len;
		if (skip(&t, rest + padding(data_len), err) < 0)
			goto out;
		free(long_name);
		free(long_link);
		free(pax_path);
		free(pax_link);
		long_name = long_link = pax_path = pax_link = NULL;
		pax_size = -1;
	}
	ret = 0;
out:
	return ret;
}
