/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_DNS_HOSTS_H
#define RCI_DNS_HOSTS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

/*
 * DOC: rootless-cni-dns, names. What an attachment puts in its network's name server, read from
 * the chain's prevResult and the request: the container's addresses (those of `ips` whose
 * interface has a `sandbox`, or names no interface), the gateways it reaches the name server
 * at, and its names (the K8S_POD_NAME of CNI_ARGS, then the `aliases` capability's list for
 * this network). The hosts text is what dnsmasq reads from the network's hosts directory: one
 * line per address, "ADDRESS NAME ALIAS...". Names that are no valid host name are left out
 * (dnsmasq would refuse them too), so are duplicates.
 */
struct rci_dns_entry {
	char **addrs;	 /* without prefix length, in prevResult order */
	char **gateways; /* distinct, in prevResult order */
	char **names;	 /* the pod name first, then the aliases */
};

/* True for a host name dnsmasq serves: dot-separated labels of [A-Za-z0-9_-], at most 253. */
bool rci_dns_valid_name(const char *name);

/*
 * rci_dns_entry_from() - fills @e from @prev (prevResult), @pod_name (may be NULL) and @aliases
 * (runtimeConfig.aliases, may be NULL) for network @network. Fails when prevResult has no
 * address of the container or no gateway (nothing to answer on). Free with rci_dns_entry_clear.
 */
int rci_dns_entry_from(struct rci_dns_entry *e, json_object *prev, const char *network,
		       const char *pod_name, json_object *aliases, rci_error_t *err);
void rci_dns_entry_clear(struct rci_dns_entry *e);

/* The hosts text of @e ("" when it has no name). Caller frees. */
char *rci_dns_hosts_text(const struct rci_dns_entry *e);

/*
 * rci_dns_result() - @prev with `dns` set for @version: the gateways as nameservers and @domain
 * as search domain, ahead of what prevResult already had. A new object.
 */
json_object *rci_dns_result(json_object *prev, const struct rci_dns_entry *e, const char *domain,
			    const char *version);

#endif
