/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_CAPS_H
#define RCI_CAPS_H

#include <stddef.h>
#include <sys/capability.h>

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
 */
extern const cap_value_t rci_plugin_caps[];
extern const size_t rci_plugin_caps_count;

/* Child-side hook for rci_spawn: restricts the process to rci_plugin_caps. 0 or -1/errno. */
int rci_caps_restrict_for_plugin(void *unused);

/* "cap_net_admin,cap_net_raw,...": rci_plugin_caps by name (static string). */
const char *rci_plugin_caps_names(void);

#endif
