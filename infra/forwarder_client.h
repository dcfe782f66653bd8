/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_FORWARDER_CLIENT_H
#define LR_FORWARDER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "error.h"

/*
 * The launcher's side of rootless-cni-forwarder (infra/forwarder/README.md): start it for an
 * infra, bind host ports, and add, remove, list forwards over its control socket. Every call is
 * bounded by LR_FWD_TIMEOUT_MS, so a hung forwarder fails a command instead of hanging it.
 */
#define LR_FWD_TIMEOUT_MS 10000

/*
 * lr_fwd_bind() - binds the host side of a published port: @host_ip ("0.0.0.0", "127.0.0.1",
 * "::", "::1" or any address of the host, no brackets) and @port for @proto ("tcp": bound with
 * SO_REUSEADDR and listening; "udp": bound). An IPv6 address binds IPv6 only (IPV6_V6ONLY), so
 * "0.0.0.0" and "::" can be published side by side. Returns the fd (close-on-exec), or -1 with
 * *err: RCI_ERR_CONFLICT "host port IP:PORT/PROTO is already in use", RCI_ERR_USAGE for an
 * address the host does not have, RCI_ERR_FAILED for a privileged port and anything else.
 */
int lr_fwd_bind(const char *host_ip, int port, const char *proto, rci_error_t *err);

/* Connects to the control socket at @path; -1 with *err ("the forwarder is not running"). */
int lr_fwd_connect(const char *path, rci_error_t *err);

/*
 * lr_fwd_add() - hands @host_fd (from lr_fwd_bind; the caller still closes its copy) to the
 * forwarder on @ctl, to forward to @ctr_ip:@ctr_port for container @id on network @net.
 * Returns 0, or -1 with *err carrying the forwarder's message and code (RCI_ERR_CONFLICT when
 * that host socket is already forwarded, RCI_ERR_USAGE for a bad argument).
 */
int lr_fwd_add(int ctl, int host_fd, const char *proto, const char *ctr_ip, int ctr_port,
	       const char *id, const char *net, rci_error_t *err);

/* Removes every forward of @id on @net; *removed (optional) gets how many. Idempotent. */
int lr_fwd_remove_owner(int ctl, const char *id, const char *net, size_t *removed,
			rci_error_t *err);

/* Removes the forward on @proto @host_ip:@port; *removed (optional) is 0 or 1. Idempotent. */
int lr_fwd_remove_host(int ctl, const char *proto, const char *host_ip, int port, size_t *removed,
		       rci_error_t *err);

/* The forwards (the `list` reply's array, for `status`); caller puts. NULL with *err. */
json_object *lr_fwd_list(int ctl, rci_error_t *err);

/* The `ping` reply (pid, infraPid, sourceAddress, forwards, version); caller puts. */
json_object *lr_fwd_ping(int ctl, rci_error_t *err);

struct lr_fwd_start {
	const char *path;		/* the forwarder binary (lr_ctx_find_shipped) */
	const char *control;		/* control socket to create, in the state dir */
	pid_t infra_pid;		/* the infra's init */
	unsigned long long infra_start; /* its start time (lr_proc_start_time), 0: read it */
	const char *log;		/* its stderr, appended; NULL: /dev/null */
	bool debug;
	unsigned udp_timeout; /* 0: the forwarder's default */
};

/*
 * lr_fwd_start() - starts the forwarder as a daemon (own session; it outlives the command and
 * exits with the infra) and waits, at most LR_FWD_TIMEOUT_MS, until its control socket listens.
 * Returns its pid, or -1 with *err (its last log line when it died).
 */
pid_t lr_fwd_start(const struct lr_fwd_start *s, rci_error_t *err);

#endif
