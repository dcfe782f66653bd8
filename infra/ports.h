/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PORTS_H
#define LR_PORTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "context.h"
#include "error.h"
#include "infra.h"

/*
 * DOC: published ports, `-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]` (an IPv6 HOSTIP in brackets),
 * by the infra's port driver (context.h, recorded with the infra):
 *
 * forwarder (default; ports_fwd.c): the host socket is bound here, before the CNI ADD, and
 *   handed to the infra's rootless-cni-forwarder (portfwd.h) once the CNI result names the
 *   container's address. HOSTIP is any address of the host, IPv4 or IPv6; without one, the
 *   port is bound on 0.0.0.0 and on :: (each family its own socket). The portmap plugin is not
 *   needed: no DNAT happens in the infra.
 * slirp4netns (ports_slirp.c): slirp4netns' API forwards HOSTIP:HOSTPORT (IPv4 only) to the
 *   infra's tap0 address (LR_SLIRP_GUEST_ADDR), where the portmap plugin (capability
 *   portMappings, $RCI_PORT_MAPPINGS for the helper) DNATs it to the container. slirp4netns
 *   delivers every forward to tap0's address, never to HOSTIP, so, as nerdctl does for
 *   RootlessKit's slirp4netns port driver (seeds/000: getPortMapOpts), a specific HOSTIP
 *   becomes tap0's address in portmap's rule and 0.0.0.0 stays unset; one HOSTPORT/proto can
 *   thus be published once per infra, whatever HOSTIP.
 *
 * Either way the forwards are recorded (port_records.h) and removed with the attachment. The
 * whole sequence of one attachment, reserve -> CNI ADD -> publish -> roll back, is attach.h's.
 */
struct lr_port {
	char spec[64];			/* as given, printable (for messages) */
	char host_ip[INET6_ADDRSTRLEN]; /* canonical, no brackets; "0.0.0.0" when not given */
	bool host_ip_given;
	int family; /* AF_INET or AF_INET6 when HOSTIP is given, else AF_UNSPEC */
	int host, ctr;
	char proto[4]; /* "tcp" or "udp" */
};

/* Parses [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]; a bad spec is a usage error. */
int lr_port_parse(const char *spec, struct lr_port *p, rci_error_t *err);

/*
 * Rejects two mappings of one command that would take the same host socket: one port and
 * protocol on overlapping addresses (a spec without HOSTIP overlaps any; 0.0.0.0 any IPv4
 * address, :: any IPv6 one). A usage error. The slirp4netns driver is stricter (one port and
 * protocol once, whatever HOSTIP): lr_ports_reserve() checks that.
 */
int lr_ports_check_dups(const struct lr_port *ports, size_t n, rci_error_t *err);

/* The portMappings capability array (hostIP rewritten as above) as JSON text, caller frees. */
char *lr_ports_mappings(const struct lr_port *ports, size_t n);

/* The host side of one attachment's ports, held between lr_ports_reserve and publish. */
struct lr_ports_rsv;

/*
 * lr_ports_reserve() - before the CNI ADD, so that a taken port costs no allocation. The
 * driver is @inf's (NULL: no infra runs yet, @ctx's). In order: mappings the driver cannot
 * publish (IPv6 host addresses and a port given twice with slirp4netns: RCI_ERR_USAGE); ports
 * another attachment published (RCI_ERR_CONFLICT, from the records); then the host: the
 * forwarder's sockets are bound now and kept in the reservation, slirp4netns' are probed. A
 * port in use is RCI_ERR_CONFLICT, an address the host does not have RCI_ERR_USAGE, a
 * privileged port RCI_ERR_FAILED. *out is NULL when there are no ports.
 */
int lr_ports_reserve(const struct lr_ctx *ctx, const struct lr_infra *inf,
		     const struct lr_port *ports, size_t n, struct lr_ports_rsv **out,
		     rci_error_t *err);

/* The driver the reservation was made for. */
enum lr_port_driver lr_ports_rsv_driver(const struct lr_ports_rsv *r);

/*
 * What the helper's alloc needs in its environment for these ports ("RCI_PORT_MAPPINGS=...",
 * the portMappings capability of the slirp4netns driver), NULL when nothing (the forwarder,
 * no ports). Caller frees.
 */
char *lr_ports_rsv_env(const struct lr_ports_rsv *r);

/*
 * lr_ports_publish() - after the CNI ADD of @id on @net, whose CNI result is @result (the
 * forwarder forwards to its addresses: an IPv4 host address to the container's first IPv4
 * address, IPv6 to IPv6, either to the other family when the container has only that one).
 * Checks the records again under their lock (a concurrent alloc), publishes, records. On
 * failure nothing of @r stays published or recorded; a port taken meanwhile is explained as
 * lr_ports_reserve does. @r may be NULL (no ports).
 */
int lr_ports_publish(const struct lr_ctx *ctx, const struct lr_infra *inf, struct lr_ports_rsv *r,
		     const char *id, const char *net, json_object *result, rci_error_t *err);

/* Closes what the reservation still holds (host sockets not handed over). NULL is fine. */
void lr_ports_rsv_free(struct lr_ports_rsv *r);

/* Removes the forwards of ID on NET and its record: idempotent, best effort. */
void lr_ports_unpublish(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
			const char *net);

/*
 * lr_ports_replay() - gives a new forwarder (control socket @ctl) every recorded forward
 * again: binds each host port anew and adds it. Call with the records' lock held (@dfd, from
 * lr_port_records_lock). A forward that cannot be restored (its port taken meanwhile) is
 * warned about and skipped. Returns how many were restored.
 */
size_t lr_ports_replay(int dfd, int ctl);

#endif
