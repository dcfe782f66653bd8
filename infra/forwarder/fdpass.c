/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fdpass.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

union fd_cmsg {
	char buf[CMSG_SPACE(FWD_FDPASS_MAX * sizeof(int))];
	struct cmsghdr align;
};

ssize_t fwd_send_with_fd(int sock, const void *buf, size_t len, int fd, int flags)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	union fd_cmsg u;
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
}

ssize_t fwd_recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max, size_t *n_fds,
			  bool *lost, int flags)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	union fd_cmsg u;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	*n_fds = 0;
	*lost = false;
	ssize_t n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*n_fds < max && *n_fds < FWD_FDPASS_MAX) {
				fds[(*n_fds)++] = fd;
			} else {
				close(fd);
				*lost = true;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		*lost = true;
	return n;
}
