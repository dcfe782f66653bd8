/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lock.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

int rci_lock_at(int dirfd, const char *name, int op, rci_error_t *err)
{
	for (;;) {
		int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return rci_make_error(err, errno, "open lock `%s`", name);
		int r;
		do
			r = flock(fd, op);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			int saved = errno;
			close(fd);
			return rci_make_error(err, saved, "lock `%s`", name);
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		/* Unlinked by its previous holder while we waited: lock the new file instead. */
		close(fd);
	}
}

void rci_unlock_at(int dirfd, const char *name, int fd, bool remove)
{
	if (fd < 0)
		return;
	if (remove)
		unlinkat(dirfd, name, 0);
	close(fd);
}
