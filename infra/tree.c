/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tree.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

static int remove_at(int parent, const char *name, dev_t dev, int depth, rci_error_t *err)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", name);
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != dev || depth > 64)
			return rci_make_error(err, EXDEV, "refusing to descend into `%s`", name);
		int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return rci_make_error(err, errno, "open `%s`", name);
		cleanup_dir DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			return rci_make_error(err, errno, "open `%s`", name);
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (remove_at(dirfd(d), de->d_name, dev, depth + 1, err) < 0)
				return rci_error_wrap(err, "%s", name);
		}
		if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return rci_make_error(err, errno, "remove `%s`", name);
		return 0;
	}
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return rci_make_error(err, errno, "remove `%s`", name);
	return 0;
}

int lr_remove_tree_at(int dirfd, const char *name, rci_error_t *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", name);
	if (remove_at(dirfd, name, st.st_dev, 0, err) < 0)
		return rci_error_wrap(err, "remove `%s`", name);
	return 0;
}

int lr_remove_tree(const char *path, rci_error_t *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", path);
	cleanup_free char *copy = xstrdup(path);
	cleanup_free char *copy2 = xstrdup(path);
	cleanup_close int parent = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return rci_make_error(err, errno, "open `%s`", path);
	if (remove_at(parent, basename(copy2), st.st_dev, 0, err) < 0)
		return rci_error_wrap(err, "remove `%s`", path);
	return 0;
}
