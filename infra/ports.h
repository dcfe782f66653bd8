/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PORTS_H
#define LR_PORTS_H

#include <netinet/in.h>
#include <stddef.h>

#include "context.h"
#include "error.h"
#include "infra.h"

/*
 * DOC: published ports. A mapping HOSTIP:HOSTPORT -> CTRPORT takes two hops:
 *
 * 1. slirp4netns' API forwards HOSTIP:HOSTPORT on the host to the infra's tap0 address
 *    (LR_SLIRP_GUEST_ADDR) on the same port. HOSTIP is honoured there, on the host side only.
 * 2. The portmap plugin (capability portMappings, passed to the helper in $RCI_PORT_MAPPINGS)
 *    DNATs HOSTPORT to the container's CTRPORT inside the infra. Its hostIP must be an address
 *    the packet really arrives at: slirp4netns delivers every forward to tap0's address, never to
 *    HOSTIP (127.0.0.1 inside the infra is the infra's own loopback). So, as nerdctl does for
 *    RootlessKit's slirp4netns port driver (seeds/000: getPortMapOpts), a specific HOSTIP becomes
 *    the tap0 address and 0.0.0.0 stays unset (any local address).
 *
 * Because every forward lands on the same address, one HOSTPORT/proto can be published once
 * per infra, whatever HOSTIP. Forwarding rule ids and mappings are kept in the bundle
 * (<state>/bundle/ports/<ID>@<NET>.json, under a lock on that directory; state.h), so they
 * vanish with the infra.
 */
struct lr_port {
	char host_ip[INET_ADDRSTRLEN]; /* canonical IPv4, "0.0.0.0" when not given */
	int host, ctr;
	char proto[4]; /* "tcp" or "udp" */
};

/* Parses [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]; a bad spec is a usage error. */
int lr_port_parse(const char *spec, struct lr_port *p, rci_error_t *err);

/* Rejects two mappings of one host port and protocol (usage error). */
int lr_ports_check_dups(const struct lr_port *ports, size_t n, rci_error_t *err);

/* The portMappings capability array (hostIP rewritten as above) as JSON text, caller frees. */
char *lr_ports_mappings(const struct lr_port *ports, size_t n);

/*
 * Before the CNI ADD, so a taken port costs no allocation: conflicts with ports other
 * attachments published (RCI_ERR_CONFLICT), then a bind() probe on the host: in use
 * (RCI_ERR_CONFLICT), not a local address (RCI_ERR_USAGE), privileged port (RCI_ERR_FAILED).
 */
int lr_ports_check(const struct lr_ctx *ctx, const struct lr_port *ports, size_t n,
		   rci_error_t *err);

/*
 * Adds the slirp4netns forwards of ID on NET and records them. On failure removes those it
 * added and records nothing; a port taken meanwhile is explained as lr_ports_check does.
 */
int lr_ports_publish(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
		     const char *net, const struct lr_port *ports, size_t n, rci_error_t *err);

/* Removes the recorded forwards of ID on NET and the record (best effort). */
void lr_ports_unpublish(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
			const char *net);

#endif
