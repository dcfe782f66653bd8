/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_SLIRP_H
#define LR_SLIRP_H

#include <sys/types.h>

#include "error.h"

/*
 * slirp4netns connects the infra's network namespace to the host: `--configure --mtu=65520`
 * brings tap0 up as 10.0.2.100 with 10.0.2.2 the host's loopback (buildah's
 * setupRootlessNetwork, seeds/003). It inherits exactly two fds besides /dev/null stdio: fd 3,
 * the read end of the exit pipe whose write end the infra's init holds (slirp4netns exits on
 * hang-up, so it ends when the infra ends, however that happens), and fd 4, the ready pipe it
 * writes "1" to once tap0 is configured. It runs in its own session, outliving the launcher.
 */
struct lr_slirp_opts {
	const char *path;	/* slirp4netns binary */
	pid_t target;		/* a process in the infra's user and network namespaces */
	const char *api_socket; /* kept for port publishing */
	const char *log_path;	/* its stdout and stderr */
	int exit_fd;		/* read end of the exit pipe */
	long timeout_ms;	/* for the ready handshake */
};

/*
 * Starts slirp4netns and waits for the ready fd. The wait also notices slirp4netns dying (the
 * error then quotes its log). Returns its pid or -1 with *err (nothing left running).
 */
pid_t lr_slirp_start(const struct lr_slirp_opts *o, rci_error_t *err);

/*
 * API socket requests (slirp4netns.1 "API SOCKET"): add_hostfwd returns the rule id in *id;
 * remove_hostfwd drops it.
 */
int lr_slirp_hostfwd_add(const char *api_socket, const char *proto, int host_port, int guest_port,
			 int *id, rci_error_t *err);
int lr_slirp_hostfwd_remove(const char *api_socket, int id, rci_error_t *err);

#endif
