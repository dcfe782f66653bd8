/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_FDPASS_H
#define FWD_FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Most fds fwd_recv_with_fds() takes from one message. */
#define FWD_FDPASS_MAX 4

/*
 * fwd_send_with_fd() - sendmsg() of @len bytes of @buf carrying @fd as SCM_RIGHTS (none when
 * @fd < 0), with @flags | MSG_NOSIGNAL. Returns what sendmsg() returns.
 */
ssize_t fwd_send_with_fd(int sock, const void *buf, size_t len, int fd, int flags);

/*
 * fwd_recv_with_fds() - recvmsg() of up to @len bytes into @buf, with @flags |
 * MSG_CMSG_CLOEXEC. Received fds go to @fds (at most @max <= FWD_FDPASS_MAX, *n_fds of them);
 * any beyond are closed and *lost is set, as it is when the kernel truncated them (MSG_CTRUNC).
 * Returns what recvmsg() returns; on error no fd was received.
 */
ssize_t fwd_recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max, size_t *n_fds,
			  bool *lost, int flags);

#endif
