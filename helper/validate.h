/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_VALIDATE_H
#define RCI_VALIDATE_H

#include <stddef.h>

#include "error.h"

/*
 * Every name that becomes part of a path or of CNI_ARGS is checked here, before anything is
 * created. All failures are RCI_ERR_USAGE (exit 2) with a one-line reason.
 */
#define RCI_ID_MAX 128	   /* container IDs: podman's are 64 hex digits */
#define RCI_NETWORK_MAX 64 /* <net>-<id>-<ifname> must fit NAME_MAX in the CNI cache */
#define RCI_POD_NAME_MAX 253

/* ^[A-Za-z0-9][A-Za-z0-9_.-]*$ (CNI's rule for IDs and network names), 1..@max bytes. */
int rci_validate_name(const char *what, const char *s, size_t max, rci_error_t *err);
int rci_validate_id(const char *s, rci_error_t *err);
int rci_validate_network(const char *s, rci_error_t *err);
/* Printable, no `;` or `=` (CNI_ARGS has no escaping); may be empty. */
int rci_validate_pod_name(const char *s, rci_error_t *err);
/* A bare IPv4 or IPv6 address (no prefix), or "" for none. */
int rci_validate_ip(const char *s, rci_error_t *err);
/* Six colon-separated hex octets, or "" for none. */
int rci_validate_mac(const char *s, rci_error_t *err);

#endif
