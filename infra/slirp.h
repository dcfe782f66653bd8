/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_SLIRP_H
#define LR_SLIRP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/*
 * slirp4netns connects the infra's network namespace to the host: `--configure --mtu=65520`
 * brings tap0 up as 10.0.2.100 with 10.0.2.2 the gateway (buildah's setupRootlessNetwork,
 * seeds/003). `--disable-host-loopback` keeps 10.0.2.2 from reaching the host's 127.0.0.1,
 * where every service of the host would be open to every container (podman's default
 * allow_host_loopback=false); --allow-host-loopback drops it. `--enable-ipv6` (when the host has
 * IPv6) adds
 * fd00::100/64 so dual-stack networks route IPv6 out too. It inherits exactly two fds besides
 * /dev/null stdio: fd 3, the read end of the exit pipe whose write end the infra's init holds
 * (slirp4netns exits on hang-up, so it ends when the infra ends, however that happens), and
 * fd 4, the ready pipe it writes "1" to once tap0 is configured. It runs in its own session,
 * outliving the launcher.
 */

/* The infra's tap0 address: where slirp4netns delivers forwarded host ports. */
#define LR_SLIRP_GUEST_ADDR "10.0.2.100"
/* slirp4netns' DNS forwarder: it relays to the host's resolvers, loopback ones included. */
#define LR_SLIRP_DNS "10.0.2.3"

struct lr_slirp_opts {
	const char *path;	  /* slirp4netns binary */
	pid_t target;		  /* a process in the infra's user and network namespaces */
	const char *api_socket;	  /* kept for port publishing */
	const char *log_path;	  /* its stdout and stderr */
	int exit_fd;		  /* read end of the exit pipe */
	bool allow_host_loopback; /* no --disable-host-loopback */
	long timeout_ms;	  /* for the ready handshake */
};

/*
 * Starts slirp4netns and waits for the ready fd. The wait also notices slirp4netns dying (the
 * error then quotes its log). Returns its pid or -1 with *err (nothing left running).
 */
pid_t lr_slirp_start(const struct lr_slirp_opts *o, rci_error_t *err);

/*
 * API socket requests (slirp4netns.1 "API SOCKET"): add_hostfwd forwards @host_addr:@host_port
 * (IPv4 only in slirp4netns 1.2) to @guest_addr:@guest_port and returns the rule id in *id;
 * remove_hostfwd drops it.
 */
int lr_slirp_hostfwd_add(const char *api_socket, const char *proto, const char *host_addr,
			 int host_port, const char *guest_addr, int guest_port, int *id,
			 rci_error_t *err);
int lr_slirp_hostfwd_remove(const char *api_socket, int id, rci_error_t *err);

/* The host has IPv6 (no ipv6.disable=1): slirp4netns runs with --enable-ipv6. */
bool lr_slirp_ipv6(void);

/*
 * --enable-ipv6 configures no IPv6 address: tap0 learns fd00::/64 and its default route from
 * libslirp's router advertisements. A dual-stack bridge turns IPv6 forwarding on in the infra,
 * and a forwarding interface ignores advertisements unless accept_ra is 2; DAD would only delay
 * the address on a link nobody else is on. Adds these as linux.sysctl of the infra's OCI
 * @config (for interfaces created later: tap0). A no-op without IPv6.
 */
void lr_slirp_sysctls(json_object *config);

/*
 * The infra resolves through slirp4netns' DNS forwarder, not through the host's resolv.conf
 * (whose 127.0.0.53 or LAN resolvers the infra may not reach): dnsname's dnsmasq forwards
 * names it does not own to the servers of the infra's /etc/resolv.conf. Writes
 * @bundle_tmp/resolv.conf and points the /etc/resolv.conf mount of @mounts at
 * @bundle/resolv.conf (its path once the bundle is committed), adding the mount if missing.
 */
int lr_slirp_resolv_conf(const char *bundle_tmp, const char *bundle, json_object *mounts,
			 rci_error_t *err);

#endif
