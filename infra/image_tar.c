/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_tar.h"
#include "beneath.h"
#include "tree.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Deeper entries are refused: the cache must stay removable, and lr_remove_tree (tree.h)
 * descends 64 levels at most, counted from the cache entry above the rootfs.
 */
#define MAX_DEPTH 60
/* MAX_DEPTH components of NAME_MAX bytes, and change. */
#define MAX_NAME 16384

struct tar {
	int root;
	struct lr_archive_input in;
	char **added; /* paths this layer created: opaque whiteouts keep them */
};

/*
 * "a/./b/" -> "a/b", "/" or "./" -> "", NULL (with *err) when a component is "..", or the path
 * is deeper than MAX_DEPTH or longer than MAX_NAME.
 */
static char *normalize(const char *raw, rci_error_t *err)
{
	if (strlen(raw) > MAX_NAME) {
		rci_make_error(err, 0, "refusing tar entry `%.64s...`: longer than %d bytes", raw,
			       MAX_NAME);
		return NULL;
	}
	cleanup_strv char **parts = rci_strv_split(raw, '/');
	cleanup_strv char **kept = NULL;
	size_t depth = 0;
	for (size_t i = 0; parts && parts[i]; i++) {
		if (!strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], "..")) {
			rci_make_error(err, 0, "refusing tar entry `%s`: it leaves the rootfs",
				       raw);
			return NULL;
		}
		if (++depth > MAX_DEPTH) {
			rci_make_error(err, 0, "refusing tar entry `%s`: deeper than %d levels",
				       raw, MAX_DEPTH);
			return NULL;
		}
		rci_strv_push(&kept, parts[i]);
	}
	return rci_strv_join(kept, "/", NULL);
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

/* `.wh.NAME` removes NAME; a NAME that is no entry (".wh..", ".wh...") would remove the dir. */
static int whiteout(struct tar *t, int dir, const char *parent, const char *base, rci_error_t *err)
{
	if (!strcmp(base, ".wh..wh..opq"))
		return opaque(t, dir, parent, err);
	const char *victim = base + 4;
	if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
		return rci_make_error(err, 0, "whiteout `%s` names no entry", base);
	return remove_entry(dir, victim, err);
}

static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The entry's data, block by block at its offsets: sparse files keep their holes. */
static int write_data(struct tar *t, struct archive *a, struct archive_entry *e, int fd,
		      const char *path, rci_error_t *err)
{
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = t->in.la->read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return lr_archive_error(a, &t->in, "", err);
		if (off < 0 || pwrite_all(fd, buf, len, (off_t)off) < 0)
			return rci_make_error(err, errno, "write `%s`", path);
	}
	if (t->in.la->entry_size_is_set(e) && ftruncate(fd, (off_t)t->in.la->entry_size(e)) < 0)
		return rci_make_error(err, errno, "write `%s`", path);
	return 0;
}

/* Owners are not applied (image_tar.h); modes lose setuid and setgid. */
static mode_t layer_mode(const struct tar *t, struct archive_entry *e)
{
	return t->in.la->entry_perm(e) & 01777;
}

static int hard_link(struct tar *t, int dir, const char *base, const char *path, const char *link,
		     rci_error_t *err)
{
	cleanup_free char *target = normalize(link, err);
	if (!target)
		return -1;
	const char *tbase;
	cleanup_close int tfd = lr_beneath_open_parent(t->root, target, false, &tbase, err);
	if (tfd < 0)
		return rci_error_wrap(err, "hard link `%s`", path);
	/* No AT_SYMLINK_FOLLOW: a link to a symlink is a link to the symlink itself. */
	if (linkat(tfd, tbase, dir, base, 0) < 0)
		return rci_make_error(err, errno, "hard link `%s` to `%s`", path, target);
	return 0;
}

/* Creates one entry in @dir (which holds it under @base); its data is consumed here. */
static int create(struct tar *t, struct archive *a, struct archive_entry *e, int dir,
		  const char *base, const char *path, rci_error_t *err)
{
	const struct lr_libarchive *la = t->in.la;
	struct timespec times[2] = {
	    {.tv_sec = la->entry_mtime(e), .tv_nsec = la->entry_mtime_nsec(e)}};
	times[1] = times[0];
	const char *hl = la->entry_hardlink(e);
	if (hl)
		return hard_link(t, dir, base, path, hl, err);
	switch (la->entry_filetype(e)) {
	case AE_IFREG: {
		cleanup_close int fd =
		    openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   layer_mode(t, e) & 0700);
		if (fd < 0)
			return rci_make_error(err, errno, "create `%s`", path);
		if (write_data(t, a, e, fd, path, err) < 0)
			return -1;
		/* fchmod after the data: the umask must not change the layer's modes. */
		if (fchmod(fd, layer_mode(t, e)) < 0 || futimens(fd, times) < 0)
			return rci_make_error(err, errno, "set the mode of `%s`", path);
		return 0;
	}
	case AE_IFDIR:
		/* u+rwx: the cache must be extendable by later layers and removable. */
		if (mkdirat(dir, base, 0700) < 0 ||
		    fchmodat(dir, base, layer_mode(t, e) | 0700, AT_SYMLINK_NOFOLLOW) < 0)
			return rci_make_error(err, errno, "create `%s`", path);
		return 0;
	case AE_IFLNK: {
		const char *target = la->entry_symlink(e);
		if (!target || symlinkat(target, dir, base) < 0)
			return rci_make_error(err, target ? errno : 0, "symlink `%s`", path);
		utimensat(dir, base, times, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	case AE_IFIFO:
		if (mkfifoat(dir, base, layer_mode(t, e) & 0777) < 0)
			return rci_make_error(err, errno, "mkfifo `%s`", path);
		return 0;
	case AE_IFCHR:
	case AE_IFBLK:
		/* Nobody may mknod them unprivileged; the infra's /dev is a tmpfs. */
		rci_debug("skipping device node `%s` (unprivileged)", path);
		return 0;
	default:
		rci_debug("skipping `%s` of file type 0%o", path, la->entry_filetype(e));
		return 0;
	}
}

static int apply_entry(struct tar *t, struct archive *a, struct archive_entry *e, const char *name,
		       rci_error_t *err)
{
	cleanup_free char *path = normalize(name, err);
	if (!path)
		return -1;
	if (!*path)
		return 0; /* the root itself: the cache owns its mode */
	const char *base;
	cleanup_close int dir = lr_beneath_open_parent(t->root, path, true, &base, err);
	if (dir < 0)
		return -1;
	if (!strncmp(base, ".wh.", 4)) {
		cleanup_free char *parent = xstrndup(path, (size_t)(base - path));
		if (*parent)
			parent[strlen(parent) - 1] = '\0'; /* its trailing slash */
		return whiteout(t, dir, parent, base, err);
	}
	rci_strv_push(&t->added, path);
	struct stat st;
	if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A directory over a directory merges: lower layers' children stay. */
		if (t->in.la->entry_filetype(e) == AE_IFDIR && !t->in.la->entry_hardlink(e) &&
		    S_ISDIR(st.st_mode)) {
			if (fchmodat(dir, base, layer_mode(t, e) | 0700, 0) < 0)
				return rci_make_error(err, errno, "chmod `%s`", path);
			return 0;
		}
		if (remove_entry(dir, base, err) < 0)
			return -1;
	}
	return create(t, a, e, dir, base, path, err);
}

/*
 * A warning from archive_read_next_header is fatal (a malformed pax header is a corrupt layer),
 * except a name that cannot be converted to the locale's charset: libarchive then keeps the
 * raw bytes, which are what the file system gets (Go's archive/tar and umoci do the same).
 */
static bool harmless_warning(const struct lr_libarchive *la, struct archive *a)
{
	const char *m = la->error_string(a);
	return m && strstr(m, "can't be converted");
}

int lr_tar_apply(int rootfs_fd, lr_tar_read_fn rd, void *data, rci_error_t *err)
{
	const struct lr_libarchive *la = lr_libarchive_load(err);
	if (!la)
		return -1;
	struct tar *t = xmalloc0(sizeof(*t));
	t->in.la = la;
	t->root = rootfs_fd;
	t->in.rd = rd;
	t->in.data = data;
	int ret = -1;
	struct archive *a = la->read_new();
	if (!a)
		abort(); /* out of memory, as xmalloc */
	/* tar covers ustar, pax (extended and global headers), GNU (long names, sparse) and v7;
	 * empty takes a zero-byte stream. Nothing else: a layer is a tar stream. */
	if (la->read_support_format_tar(a) != ARCHIVE_OK ||
	    la->read_support_format_empty(a) != ARCHIVE_OK) {
		lr_archive_error(a, &t->in, "libarchive", err);
		goto out;
	}
	if (lr_archive_open(a, &t->in) != ARCHIVE_OK) {
		/* libarchive says "Unrecognized archive format" for a first header that fails
		 * its checksum or carries no tar magic. */
		lr_archive_error(a, &t->in, "not a tar stream (bad header checksum or magic)", err);
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int r = la->read_next_header(a, &e);
		/* The "empty" format bids on a stream whose first read failed: not an end. */
		if (r == ARCHIVE_EOF && t->in.rd_err) {
			lr_archive_error(a, &t->in, "", err);
			goto out;
		}
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN && harmless_warning(la, a)) {
			rci_debug("tar entry `%s`: %s", la->entry_pathname(e), la->error_string(a));
		} else if (r != ARCHIVE_OK) {
			lr_archive_error(a, &t->in,
					 r == ARCHIVE_WARN
					     ? "refusing a tar header libarchive warns about"
					     : "tar header",
					 err);
			goto out;
		}
		const char *name = la->entry_pathname(e);
		if (apply_entry(t, a, e, name ? name : "", err) < 0) {
			rci_error_wrap(err, "tar entry `%s`", name ? name : "");
			goto out;
		}
	}
	ret = 0;
out:
	/* Entry names are the layer's: a newline in one must not split the one-line error. */
	for (char *p = ret < 0 && *err ? (*err)->msg : NULL; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	la->read_free(a);
	rci_error_release(&t->in.rd_err);
	rci_strv_free(t->added);
	free(t);
	return ret;
}
