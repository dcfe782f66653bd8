/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "launcher_lock.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>

int lr_lock_open(const char *state_dir, rci_error_t *err)
{
	cleanup_free char *path = xasprintf("%s/lock", state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s`", path);
	return fd;
}

int lr_lock_take(int fd, bool exclusive, rci_error_t *err)
{
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return rci_make_error(err, errno, "lock the launcher lock file");
	}
	return 0;
}

void lr_lock_release(int fd)
{
	if (fd >= 0)
		flock(fd, LOCK_UN);
}
