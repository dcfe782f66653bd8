/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_DNS_SERVER_H
#define RCI_DNS_SERVER_H

#include <stdbool.h>

#include "error.h"

/*
 * DOC: rootless-cni-dns, the name server of a network. One dnsmasq per network, started by the
 * first ADD that finds none (or one whose configuration is not today's: other gateways, another
 * domain), and left running: it ends with the infra, whose stop kills what runs in it. It
 * listens on the network's gateways only (bind-dynamic: it follows the addresses as they come),
 * answers the names of DIR/hosts.d/ (--hostsdir: dnsmasq reads a file when it is renamed into
 * place and forgets its names when it is removed, by inotify, so an attachment costs one file
 * written or removed and no signal), under the domain and as plain names, and forwards the rest
 * to the resolvers of the infra's /etc/resolv.conf. Everything lives under DIR =
 * RUN_DIR/NETWORK/: dnsmasq.conf, pid, lock (held while one ADD checks or starts the server) and
 * hosts.d/.
 */
struct rci_dns_server {
	const char *run_dir; /* "runDir" of the config, default RCI_DNS_RUN_DIR */
	const char *network; /* the list's name, checked by the caller */
	const char *domain;
	char *const *listen; /* the gateways */
};

#define RCI_DNS_RUN_DIR "/run/rootless-cni-dns"

/*
 * rci_dns_server_ensure() - makes sure the network's dnsmasq runs with today's configuration,
 * starting (or restarting) it under the network's lock. -1 with *err when it cannot start
 * (dnsmasq's own message).
 */
int rci_dns_server_ensure(const struct rci_dns_server *s, rci_error_t *err);

/* True when the network's dnsmasq runs with today's configuration (CHECK). */
bool rci_dns_server_running(const struct rci_dns_server *s);

/*
 * rci_dns_hosts_put() - writes @text as the attachment's file NAME in the network's hosts.d
 * (atomically: dnsmasq never reads half a file); "" removes it. A missing file on removal is
 * success (DEL is idempotent).
 */
int rci_dns_hosts_put(const struct rci_dns_server *s, const char *name, const char *text,
		      rci_error_t *err);

/* The attachment's file: 0 and *text, -2 when there is none. */
int rci_dns_hosts_get(const struct rci_dns_server *s, const char *name, char **text,
		      rci_error_t *err);

#endif
