/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_INNER_H
#define FWD_INNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "error.h"
#include "loop.h"

/*
 * DOC: inner sockets, RootlessKit's builtin-driver split.
 *
 * A plain user cannot setns() into the infra's network namespace from the host's user
 * namespace (that needs CAP_SYS_ADMIN in its own namespace too), but it owns the infra's user
 * namespace and may join it, and then its network namespace. A process that did so cannot come
 * back, and a threaded process cannot join a user namespace at all. So the forwarder forks one
 * child at start that joins the infra's user and network namespaces and stays there; the
 * parent never leaves the host's namespaces (listeners, accept, splice).
 *
 * For each client the parent sends the child a request (protocol, client and target address)
 * over a SOCK_SEQPACKET socketpair; the child creates the socket in the infra, makes it
 * transparent and binds it to the client's address when asked, starts a non-blocking connect()
 * and sends the socket back at once with SCM_RIGHTS. The connect completes in the parent's
 * event loop (EPOLLOUT), so a slow or dead container never stalls the child or anyone else.
 * Requests the socketpair cannot take yet wait in a queue; replies come in request order.
 */

struct fwd_inner;
struct fwd_inner_req;

/*
 * Called once per request with the connected (or connecting) socket, or @fd -1 and @error an
 * errno value. @transparent: bound to the client's address. The callee owns @fd.
 */
typedef void (*fwd_inner_done)(void *owner, int fd, int error, bool transparent);

/*
 * fwd_inner_start() - opens the user and network namespaces of @infra_pid (checked to have
 * started at @infra_start), forks the child, and waits (bounded) for it to report that it
 * joined them and whether the infra keeps source addresses (@keep_source asks it to program
 * that). Call before any other fd worth hiding from the child exists: it keeps only its end of
 * the socketpair and stderr. Returns NULL with *err on failure.
 */
struct fwd_inner *fwd_inner_start(struct fwd_loop *loop, pid_t infra_pid,
				  unsigned long long infra_start, bool keep_source,
				  rci_error_t *err);

/* Kills and reaps the child, fails nothing (owners are gone by then), frees @in. */
void fwd_inner_free(struct fwd_inner *in);

pid_t fwd_inner_pid(const struct fwd_inner *in);

/* Address families (FWD_TPROXY_V4/_V6) for which the child can keep a client's address. */
unsigned fwd_inner_families(const struct fwd_inner *in);

/*
 * fwd_inner_dial() - asks for a socket of @proto (IPPROTO_TCP/_UDP) connected to @target,
 * keeping @client's address when the infra can (NULL: never). @done runs later from the loop,
 * never from within this call. Returns a handle for fwd_inner_cancel().
 */
struct fwd_inner_req *fwd_inner_dial(struct fwd_inner *in, int proto, const union fwd_addr *client,
				     const union fwd_addr *target, fwd_inner_done done,
				     void *owner);

/* The owner is going away: @done will not run, and the socket is closed when it comes. */
void fwd_inner_cancel(struct fwd_inner_req *req);

/* ---- the wire between parent and child (same binary on both ends: fixed structs) ---- */

struct fwd_inner_request {
	uint32_t id;
	uint8_t proto;
	uint8_t keep_source;
	union fwd_addr client;
	union fwd_addr target;
};

struct fwd_inner_reply {
	uint32_t id;
	int32_t error; /* errno, 0: the socket comes with SCM_RIGHTS */
	uint8_t transparent;
};

struct fwd_inner_hello {
	int32_t error;	   /* errno of a failure to join; msg says what failed */
	uint32_t families; /* FWD_TPROXY_V4 | FWD_TPROXY_V6 */
	char msg[480];	   /* failure, or why a family cannot keep addresses ("" if none) */
};

/* The child's life: joins, programs, reports, serves until the parent hangs up. */
__attribute__((noreturn)) void fwd_inner_child(int sock, int userns_fd, int netns_fd,
					       bool keep_source);

#endif
