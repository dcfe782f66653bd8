/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fs.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

int rci_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rci_read_all_fd(int fd, size_t max, char **out, size_t *len, rci_error_t *err)
{
	size_t cap = 4096, used = 0;
	cleanup_free char *buf = xmalloc0(cap + 1);
	for (;;) {
		if (used == cap) {
			if (cap >= max + 1)
				return rci_make_error(err, EFBIG, "file larger than %zu bytes",
						      max);
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rci_make_error(err, errno, "read");
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max)
			return rci_make_error(err, EFBIG, "file larger than %zu bytes", max);
	}
	buf[used] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = used;
	return 0;
}

static int check_dir(const char *path, bool private_dir, rci_error_t *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return rci_make_error(err, errno, "stat `%s`", path);
	if (S_ISLNK(st.st_mode))
		return rci_make_error(err, 0, "`%s` is a symlink, refusing to use it", path);
	if (!S_ISDIR(st.st_mode))
		return rci_make_error(err, ENOTDIR, "`%s`", path);
	if (private_dir) {
		if (st.st_uid != geteuid())
			return rci_make_error(err, 0, "`%s` is owned by uid %u, not by us (uid %u)",
					      path, (unsigned)st.st_uid, (unsigned)geteuid());
		if (st.st_mode & 077)
			return rci_make_error(err, 0,
					      "`%s` has mode %04o; it must not be accessible "
					      "to group or others (0700)",
					      path, (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

int rci_mkdir_p(const char *path, mode_t mode, bool private_dir, rci_error_t *err)
{
	cleanup_free char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			return rci_make_error(err, errno, "mkdir `%s`", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return rci_make_error(err, errno, "mkdir `%s`", copy);
	return check_dir(path, private_dir, err);
}

int rci_list_dir(const char *path, int (*cmp)(const struct dirent **, const struct dirent **),
		 int *dfd, struct dirent ***names)
{
	*names = NULL;
	*dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0)
		return -1;
	int n = scandirat(*dfd, ".", names, NULL, cmp);
	if (n < 0) {
		int saved = errno;
		close(*dfd);
		*dfd = -1;
		*names = NULL;
		errno = saved;
	}
	return n;
}

void rci_free_dirents(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int rci_open_dir(const char *path, rci_error_t *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "open directory `%s`", path);
	return fd;
}

int rci_open_file_at(int dirfd, const char *name, rci_error_t *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		if (errno == ELOOP)
			return rci_make_error(err, ELOOP,
					      "`%s` is a symlink, refusing to follow it", name);
		return rci_make_error(err, errno, "open `%s`", name);
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rci_make_error(err, 0, "`%s` is not a regular file", name);
	}
	return fd;
}

int rci_read_file_at(int dirfd, const char *name, size_t max, char **out, size_t *len,
		     rci_error_t *err)
{
	cleanup_close int fd = rci_open_file_at(dirfd, name, err);
	if (fd < 0)
		return fd;
	if (rci_read_all_fd(fd, max, out, len, err) < 0)
		return rci_error_wrap(err, "read `%s`", name);
	return 0;
}

int rci_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			     rci_error_t *err)
{
	cleanup_free char *tmp = xasprintf(".%s.tmp-%d", name, (int)getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return rci_make_error(err, errno, "create `%s`", tmp);
	if (rci_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int saved = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return rci_make_error(err, saved, "write `%s`", tmp);
	}
	if (close(fd) < 0) {
		int saved = errno;
		unlinkat(dirfd, tmp, 0);
		return rci_make_error(err, saved, "close `%s`", tmp);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int saved = errno;
		unlinkat(dirfd, tmp, 0);
		return rci_make_error(err, saved, "rename `%s` to `%s`", tmp, name);
	}
	return 0;
}

int rci_unlink_at(int dirfd, const char *name, int flags, rci_error_t *err)
{
	if (unlinkat(dirfd, name, flags) < 0 && errno != ENOENT)
		return rci_make_error(err, errno, "remove `%s`", name);
	return 0;
}

int rci_open_subdir(int dirfd, const char *name, bool create, rci_error_t *err)
{
	if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return rci_make_error(err, errno, "mkdir `%s`", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !create)
			return -2;
		if (errno == ELOOP || errno == ENOTDIR)
			return rci_make_error(
			    err, errno, "`%s` is not a directory (symlinks are refused)", name);
		return rci_make_error(err, errno, "open directory `%s`", name);
	}
	return fd;
}

char *rci_read_tail(const char *path, size_t max)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return xstrdup("");
	if ((size_t)st.st_size > max && lseek(fd, st.st_size - (off_t)max, SEEK_SET) < 0)
		return xstrdup("");
	char *buf = xmalloc0(max + 1);
	size_t used = 0;
	while (used < max) {
		ssize_t n = read(fd, buf + used, max - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	return rci_trim_end(buf);
}
