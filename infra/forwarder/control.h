/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_CONTROL_H
#define FWD_CONTROL_H

#include "forward.h"

/*
 * The control socket's server (protocol.h has the protocol). Clients are served from the event
 * loop like any connection, one request at a time each, so a client that stops reading its
 * replies delays no one else. Only a peer of our own uid may talk (SO_PEERCRED), on top of the
 * socket's 0600 mode.
 */
struct fwd_control;

/*
 * fwd_control_open() - creates the unix socket @path (mode 0600; a stale socket there is
 * replaced, a live one is a conflict) and serves it from @ctx's loop. NULL with *err.
 */
struct fwd_control *fwd_control_open(struct fwd_ctx *ctx, const char *path, pid_t infra_pid,
				     rci_error_t *err);

/* Closes every client and the socket, and unlinks @path. */
void fwd_control_close(struct fwd_control *ctl);

#endif
