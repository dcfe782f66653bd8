/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_SVC_H
#define RCI_SVC_H

#include <stddef.h>

#include "error.h"

/*
 * DOC: the helper service's wire format (issue 12, fewer processes per operation). The infra's
 * init starts `rootless-cni-infra serve`, which listens on RCI_SVC_SOCKET inside the infra. A
 * client (the launcher, through /proc/INFRA_PID/root) sends ONE request per connection on a
 * SOCK_SEQPACKET socket: the helper's argv and environment, and with SCM_RIGHTS the fds that
 * become the helper's 0, 1, 2 (and 3, 4... when given). The service forks a worker that runs
 * the helper's code on them, exactly as an exec'd helper would, and answers with one status
 * message when the worker is gone. A connection closed before the answer means the client gave
 * up (a deadline, a signal): the service kills the worker's process group, as the launcher
 * kills an exec'd helper's at its deadline.
 *
 * Request: "RCI1", u32 argc, u32 envc, u32 umask, then argc + envc NUL-terminated strings; at
 * most RCI_SVC_MAX_MSG bytes and RCI_SVC_MAX_FDS fds. Answer: "RCI1", i32 exit code, i32 signal
 * (0 unless the worker was killed by one); exit code RCI_SVC_REFUSED means the service ran
 * nothing (a request it could not read, a client of another user, a service stopping): the
 * client may run the command another way.
 */
#define RCI_SVC_SOCKET "/run/rootless-cni-infra/helper.sock"
#define RCI_SVC_MAX_MSG (64 * 1024)
#define RCI_SVC_MAX_FDS 6
#define RCI_SVC_REFUSED (-1)

struct rci_svc_request {
	unsigned umask; /* the client's */
	char **argv;	/* NULL-terminated */
	char **envp;	/* NULL-terminated */
	int fds[RCI_SVC_MAX_FDS];
	size_t n_fds;
};

/* Sends a request on connected @sock, with our umask. Returns 0, or -1 with *err. */
int rci_svc_send_request(int sock, char *const *argv, char *const *envp, const int *fds,
			 size_t n_fds, rci_error_t *err);

/*
 * Receives one request from @sock into @req (rci_svc_request_clear frees it and closes its
 * fds). Returns 0, or -1 with *err for anything malformed (fds received are closed).
 */
int rci_svc_recv_request(int sock, struct rci_svc_request *req, rci_error_t *err);
void rci_svc_request_clear(struct rci_svc_request *req);

/* The answer: the worker's exit code, or the signal that killed it. */
int rci_svc_send_status(int sock, int exit_code, int term_signal);

/*
 * Reads the answer from @sock. Returns 0 with *exit_code and *term_signal; 1 when the service
 * closed the connection without one (the command may have run); 2 when the service ran nothing
 * (RCI_SVC_REFUSED, or a connection reset before it was accepted); -1 with *err.
 */
int rci_svc_recv_status(int sock, int *exit_code, int *term_signal, rci_error_t *err);

#endif
