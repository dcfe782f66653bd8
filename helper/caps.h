/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_CAPS_H
#define RCI_CAPS_H

#include <stddef.h>
#include <linux/capability.h>

#include "error.h"

/*
 * The capabilities a CNI plugin keeps (all others are removed from the bounding, permitted,
 * effective and inheritable sets before exec, so an exec'd root plugin cannot regain them):
 *   CAP_NET_ADMIN  links, addresses, routes, bridges, iptables/nftables rules, sysctls
 *   CAP_NET_RAW    iptables (legacy backend) and raw sockets used by ARP/ND helpers
 *   CAP_SYS_ADMIN  setns() into the container's network namespace (owned by our userns)
 *   CAP_DAC_OVERRIDE  tuning creates /run/cni with mode 0600 and then a directory inside it
 *                  (static MAC/sysctl state): without it, "mkdir /run/cni/tuning: permission
 *                  denied"
 *   CAP_NET_BIND_SERVICE  dnsname starts dnsmasq, which inherits the plugin's capabilities and
 *                  binds port 53 on the bridge: without it, "dnsmasq: failed to create
 *                  listening socket for 10.88.0.1: Permission denied"
 *   CAP_SETGID     dnsmasq (started by dnsname as `-u root`) drops its supplementary groups and
 *                  switches to group dip: without it, "dnsmasq: failed to change group-id to dip:
 *                  Operation not permitted"
 * Measured with Debian's bridge, host-local, portmap, firewall, tuning, loopback and dnsname.
 * Ours need none of them: rootless-cni-ipam only writes its leases under /var/lib/cni (owned
 * by the infra's root), rootless-cni-dns starts dnsmasq (the two above).
 */
extern const int rci_plugin_caps[];
extern const size_t rci_plugin_caps_count;

/*
 * Everything the child needs, computed in the parent: between fork and exec the child may only
 * make async-signal-safe calls (the parent may hold malloc's or libcap's locks), so it gets
 * numbers and ready syscall arguments, and makes prctl and capset calls only.
 */
struct rci_caps_plan {
	int drop[64]; /* to remove from the bounding set: every capability not kept */
	size_t n_drop;
	int keep[16]; /* kept capabilities we hold: permitted, effective, inheritable, ambient */
	size_t n_keep;
	struct __user_cap_header_struct header;
	struct __user_cap_data_struct data[2]; /* capset's argument: the keep set in P, E and I */
};

/* Parent side: fills @plan from the kernel's capability range and our current sets. */
int rci_caps_plan_for_plugin(struct rci_caps_plan *plan, rci_error_t *err);

/*
 * Child side, an rci_spawn child_setup hook (@plan: a struct rci_caps_plan): trims the bounding
 * set (needs CAP_SETPCAP, dropped right after; without it, EPERM is accepted only for a
 * capability already out of the bounding set), sets P = E = I = keep with capset, and raises
 * the keep set in the ambient set (a non-root plugin keeps them across exec only that way).
 * Returns 0, or -1 with errno from the first failing call.
 */
int rci_caps_restrict_for_plugin(void *plan);

/* "cap_net_admin,cap_net_raw,...": rci_plugin_caps by name (static string). */
const char *rci_plugin_caps_names(void);

#endif
