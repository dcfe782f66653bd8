/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_MASQ_H
#define RCI_MASQ_H

#include <json-c/json.h>
#include <stdbool.h>

#include "conf.h"
#include "error.h"
#include "exec.h"

/*
 * DOC: masquerading once per network (issue 12). The bridge plugin's `ipMasq` adds a chain and
 * two rules per container, and each iptables call costs more the more rules there are. A
 * network whose list says
 *
 *     "rootless-cni-infra": {"masquerade": true}
 *
 * (the shipped ones, with ipMasq off) is masqueraded by the helper instead, with one rule per
 * subnet in the infra's nat table:
 *
 *     POSTROUTING -s SUBNET ! -d SUBNET -m comment --comment "rootless-cni-infra NETWORK"
 *         -j MASQUERADE                    (ip6tables for an IPv6 SUBNET)
 *
 * added by the first alloc whose result has an address in SUBNET. The subnets done are listed in
 * STATE/masq/NETWORK, read by every alloc of the network under a flock of that file: no process
 * unless a subnet is new (and then `iptables -C`, `-A`). The rules go with the infra: its network
 * namespace, its tmpfs state and they end together, and no dealloc removes them, so an alloc
 * never races a removal. Other networks (the user's) are left exactly as they are written.
 */

/* The list asks for it: `"rootless-cni-infra": {"masquerade": true}`. */
bool rci_masq_wanted(const struct cni_netconf *conf);

/*
 * rci_masq_ensure() - masquerades every subnet of @result's addresses for network @conf, once
 * per infra (see above); @state_dir_fd is the helper's state dir, @rt gives the timeout and the
 * capability drop iptables runs with. -1 with *err when iptables fails.
 */
int rci_masq_ensure(int state_dir_fd, const struct cni_runtime *rt, const struct cni_netconf *conf,
		    json_object *result, rci_error_t *err);

/* "10.88.0.5/16" -> "10.88.0.0/16" (IPv6 too); NULL when not an address with a prefix. */
char *rci_masq_subnet(const char *cidr);

#endif
