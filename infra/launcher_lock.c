/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "launcher_lock.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>

int lr_lock_open(const struct lr_state *st, rci_error_t *err)
{
	int fd = openat(st->dfd, LR_STATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s/%s`", st->dir, LR_STATE_LOCK);
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
