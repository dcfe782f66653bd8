/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_FORWARD_H
#define FWD_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "addr.h"
#include "error.h"
#include "inner.h"
#include "list.h"
#include "loop.h"
#include "options.h"
#include "protocol.h"

/* Everything the forwarder's modules share, passed down (no globals). */
struct fwd_ctx {
	const struct fwd_options *opt;
	struct fwd_loop *loop;
	struct fwd_inner *inner;
	struct fwd_list forwards; /* struct fwd_forward */
	size_t n_forwards;
};

struct fwd_udp_table;

/*
 * One published port: a host socket the launcher bound and handed over, and the target in the
 * infra. Its TCP connections or UDP flows hang off @flows and die with it.
 */
struct fwd_forward {
	struct fwd_list link; /* in ctx->forwards */
	struct fwd_ctx *ctx;
	struct fwd_watch watch; /* the host socket */
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	union fwd_addr host;	/* as bound (getsockname) */
	union fwd_addr target;	/* container IP and port, inside the infra */
	char *owner_id, *owner_net;
	struct fwd_list flows; /* struct fwd_tcp_conn / UDP flows, least recently used first */
	size_t n_flows;
	unsigned long long total; /* connections or flows since added */
	bool paused;		  /* accept() ran out of fds: retried at the next tick */
	struct fwd_udp_table *udp;
};

/*
 * fwd_forward_add() - takes over @fd (a bound host socket received in an `add` request) when
 * it suits @req: its type matches the protocol, a TCP socket listens, and no forward uses the
 * same host address. *host gets its bound address. Returns 0 (the forward owns @fd), or -1 with
 * *err: RCI_ERR_USAGE for an unsuitable socket, RCI_ERR_CONFLICT for a duplicate; the caller
 * still owns @fd.
 */
int fwd_forward_add(struct fwd_ctx *ctx, int fd, const struct fwd_request *req,
		    union fwd_addr *host, rci_error_t *err);

/* Removes the forwards of an owner, or the one on @proto/@host; returns how many. */
size_t fwd_forward_remove_owner(struct fwd_ctx *ctx, const char *id, const char *net);
size_t fwd_forward_remove_host(struct fwd_ctx *ctx, int proto, const union fwd_addr *host);
void fwd_forward_remove_all(struct fwd_ctx *ctx);

/* The `list` reply's array. */
json_object *fwd_forward_list_json(const struct fwd_ctx *ctx);

/* Once a second: expires idle UDP flows, resumes paused listeners. */
void fwd_forward_tick(struct fwd_ctx *ctx, long long now_ms);

/* Stops accepting on @f until the next tick (out of file descriptors). */
void fwd_forward_pause(struct fwd_forward *f);

#endif
