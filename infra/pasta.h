/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LR_PASTA_H
#define LR_PASTA_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/*
 * DOC: --net-driver pasta. Debian 12's passt package (a 2023-03 snapshot: `pasta --version`
 * says "unknown version") connects the infra's network namespace to the host instead of
 * slirp4netns. Only options that snapshot has are used:
 *
 *   --userns /proc/PID/ns/user --netns /proc/PID/ns/net   the infra's namespaces
 *   --config-net -I tap0 -a 10.0.2.100 -n 24 -g 10.0.2.2  tap0 addressed as slirp4netns does
 *   -a fd00::100 -g fd00::2 (with IPv6; else -4)           its IPv6 address and gateway
 *   --dns-forward 10.0.2.3                                  DNS at slirp4netns' address, relayed
 *                                                           to the host's first resolver
 *   -t none -u none -T none -U none                         no port forwarding either way: the
 *                                                           forwarder publishes ports, and the
 *                                                           host's loopback ports stay closed
 *   --no-map-gw        unless --allow-host-loopback: 10.0.2.2 (fd00::2) is not the host's
 *                      loopback (pasta maps the gateway address to it by default)
 *   --no-dhcp --no-dhcpv6 --no-ra                           tap0 is configured, not leased
 *   -q -P FILE                                              quiet; its pid, for the handshake
 *
 * The MTU is pasta's default, 65520. Handshake: pasta configures tap0 in the foreground, then
 * forks its daemon, writes the daemon's pid to -P's file and exits 0; so its exit status is the
 * ready signal and the file names the process to record. The daemon does not notice the infra
 * dying (it holds the namespace; its quit-on-delete watch covers only filesystem-bound
 * namespaces), so the launcher ends it: stop sends SIGTERM (SIGKILL if needed, and fails while
 * it survives), and the next command after a crashed infra does the same. It binds no host
 * port, so a pasta outliving a crashed infra holds nothing anyone else needs.
 */

/* tap0's addresses under pasta: those of slirp4netns (slirp.h). */
#define LR_PASTA_GW6 "fd00::2"

struct lr_pasta_opts {
	const char *path;	  /* the pasta binary */
	pid_t target;		  /* a process in the infra's user and network namespaces */
	const char *pid_file;	  /* written by pasta */
	const char *log_path;	  /* its stdout and stderr until it daemonises */
	bool allow_host_loopback; /* no --no-map-gw */
	long timeout_ms;	  /* for the handshake */
};

/*
 * lr_pasta_start() - runs pasta for the infra and waits for its handshake. Returns the
 * daemon's pid (*start its start time), or -1 with *err quoting its log (nothing left running).
 */
pid_t lr_pasta_start(const struct lr_pasta_opts *o, unsigned long long *start, rci_error_t *err);

/*
 * Whether the pasta at @path has every option above (its --help lists them): "" when it
 * does, else the first missing one. Caller frees; NULL when it does not run.
 */
char *lr_pasta_missing_option(const char *path);

#endif
