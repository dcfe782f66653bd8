/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "beneath.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int lr_beneath_open_dir(int root, const char *rel, bool create, rci_error_t *err)
{
	cleanup_strv char **parts = rci_strv_split(rel, '/');
	cleanup_close int fd = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return rci_make_error(err, errno, "dup");
	for (size_t i = 0; parts && parts[i]; i++) {
		if (!strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], ".."))
			return rci_make_error(err, 0, "`%s`: `..` leaves the root", rel);
		int nfd = openat(fd, parts[i], DIR_FLAGS);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, parts[i], 0755) < 0 && errno != EEXIST)
				return rci_make_error(err, errno, "create `%s`", rel);
			nfd = openat(fd, parts[i], DIR_FLAGS);
		}
		if (nfd < 0) {
			int saved = errno;
			/* The path up to the culprit: `d/up`, not just `up`. */
			char *rest = parts[i + 1];
			parts[i + 1] = NULL;
			cleanup_free char *upto = rci_strv_join(parts, "/", NULL);
			parts[i + 1] = rest;
			if (saved == ELOOP || saved == ENOTDIR)
				return rci_make_error(err, saved,
						      "component `%s` is not a directory (a "
						      "symlink is refused)",
						      upto);
			return rci_make_error(err, saved, "open `%s`", upto);
		}
		close(fd);
		fd = nfd;
	}
	int ret = fd;
	fd = -1;
	return ret;
}

int lr_beneath_open_parent(int root, const char *rel, bool create, const char **base,
			   rci_error_t *err)
{
	const char *slash = strrchr(rel, '/');
	const char *b = slash ? slash + 1 : rel;
	if (!*b || !strcmp(b, ".") || !strcmp(b, ".."))
		return rci_make_error(err, 0, "`%s` names no entry", rel);
	cleanup_free char *parent = xstrndup(rel, slash ? (size_t)(slash - rel) : 0);
	int fd = lr_beneath_open_dir(root, parent, create, err);
	if (fd < 0)
		return -1;
	*base = b;
	return fd;
}
