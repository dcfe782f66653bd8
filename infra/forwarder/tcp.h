/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_TCP_H
#define FWD_TCP_H

#include "forward.h"

/*
 * DOC: TCP, spliced (the shape of passt's tcp_splice.c).
 *
 * Each accepted client gets an inner socket from the child (inner.h); once its connect()
 * completes, bytes move with splice(2) through one pipe per direction, socket -> pipe -> socket,
 * never copied to user space. Both sockets are in one epoll set, edge-triggered: EPOLLIN (or
 * EPOLLRDHUP) on a side pumps what it sent, EPOLLOUT pumps what waits for it. A pump runs until
 * neither splice moves a byte: the source is drained (EAGAIN), or the pipe is full and the
 * destination would block, in which case its next EPOLLOUT resumes it.
 *
 * Half-close: EOF from one side (splice returns 0) is passed on as shutdown(SHUT_WR) to the
 * other once its pipe is empty; the other direction keeps flowing. The connection ends when
 * both directions are shut, or on an error or reset of either side, which closes both with RST
 * (SO_LINGER 0), so the peer learns it the way a direct connection would tell it.
 *
 * Pipes start at the kernel's default size (64 KiB) and grow to --pipe-size when a direction
 * has moved four times that: many idle connections cost little of the user's pipe quota
 * (fs.pipe-user-pages-soft), bulk ones get big splices. A failed F_SETPIPE_SZ keeps the default.
 */

/* Accepts what the listener of @f has waiting (bounded per call). */
void fwd_tcp_accept(struct fwd_forward *f);

/* Closes every connection of @f (RST to both sides). */
void fwd_tcp_close_all(struct fwd_forward *f);

#endif
