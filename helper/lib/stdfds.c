/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "stdfds.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int rci_stdfds_ensure(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* Not close-on-exec: these are stdio, for us and for what we exec. */
		int nul = open("/dev/null", O_RDWR | O_NOCTTY);
		if (nul < 0)
			return -1;
		/* The lowest free fd is @fd (those below it are open), unless a thread raced us. */
		if (nul != fd) {
			int r = dup2(nul, fd);
			int saved = errno;
			close(nul);
			errno = saved;
			if (r < 0)
				return -1;
		}
	}
	return 0;
}
