/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PORTS_DRIVER_H
#define LR_PORTS_DRIVER_H

/* Between ports.c (the drivers' common part) and each driver: ports_slirp.c, ports_fwd.c. */

#include "ports.h"

/* One host socket of the forwarder driver: a spec without HOSTIP has two (0.0.0.0, ::). */
struct lr_fwd_sock {
	size_t port; /* its mapping, an index into lr_ports_rsv.ports */
	char host_ip[INET6_ADDRSTRLEN];
	int fd; /* -1 once handed to the forwarder */
};

struct lr_ports_rsv {
	enum lr_port_driver driver;
	struct lr_port *ports;
	size_t n;
	struct lr_fwd_sock *socks; /* forwarder only */
	size_t nsocks;
};

/* slirp4netns: bind()s HOSTIP:HOSTPORT the way slirp4netns will, to name why it cannot. */
int lr_slirp_ports_probe(const struct lr_port *p, rci_error_t *err);
/* Adds the forwards of @ports through slirp4netns' API, appending them to @rec; on failure
 * removes those it added. */
int lr_slirp_ports_add(const struct lr_infra *inf, const struct lr_port *ports, size_t n,
		       json_object *rec, rci_error_t *err);
/* Removes the forwards of the record @rec (best effort). */
void lr_slirp_ports_remove(const struct lr_infra *inf, json_object *rec);

/* forwarder: binds every host socket of @r (lr_fwd_bind); on failure closes them all. */
int lr_fwd_ports_bind(struct lr_ports_rsv *r, rci_error_t *err);
/* Hands @r's sockets to the forwarder for @id on @net, to addresses of @result, appending
 * them to @rec; on failure removes every forward of @id on @net. */
int lr_fwd_ports_add(const struct lr_ctx *ctx, struct lr_ports_rsv *r, const char *id,
		     const char *net, json_object *result, json_object *rec, rci_error_t *err);
/* Removes every forward of @id on @net from the forwarder (best effort, idempotent). */
void lr_fwd_ports_remove(const struct lr_ctx *ctx, const char *id, const char *net);

#endif
