/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PORTS_H
#define LR_PORTS_H

#include <stddef.h>

#include "context.h"
#include "error.h"
#include "infra.h"

/*
 * Published ports take two hops: slirp4netns' API forwards host HOSTPORT to the infra's tap0
 * on the same port, and the portmap plugin (capability portMappings) DNATs it there to the
 * container's CTRPORT. The helper receives the mappings in $RCI_PORT_MAPPINGS, a CNI
 * runtimeConfig portMappings array. Forwarding rule ids are kept in the bundle
 * (ports/<ID>@<NET>.json), so they vanish with the infra.
 */
struct lr_port {
	int host, ctr;
	char proto[4]; /* "tcp" or "udp" */
};

/* Parses HOSTPORT:CTRPORT[/tcp|udp]; a bad spec is a usage error. */
int lr_port_parse(const char *spec, struct lr_port *p, rci_error_t *err);

/* The portMappings array as JSON text, caller frees. */
char *lr_ports_mappings(const struct lr_port *ports, size_t n);

/* Adds the slirp4netns forwards and records them; on failure removes those it added. */
int lr_ports_publish(const struct lr_infra *inf, const char *id, const char *net,
		     const struct lr_port *ports, size_t n, rci_error_t *err);

/* Removes the recorded forwards of ID on NET (best effort). */
void lr_ports_unpublish(const struct lr_infra *inf, const char *id, const char *net);

#endif
