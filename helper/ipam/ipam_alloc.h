/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_IPAM_ALLOC_H
#define RCI_IPAM_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ipam_leases.h"
#include "ipam_range.h"

/* What an ADD asks for: the attachment, its network's range sets, the addresses requested. */
struct rci_ipam_request {
	const char *network, *id, *ifname;
	const struct rci_ipam_set *sets;
	size_t n_sets;
	const struct rci_ipam_ip *want; /* CNI_ARGS IP=, runtimeConfig.ips, args.cni.ips */
	size_t n_want;
};

/*
 * rci_ipam_allocate() - one address per range set for @q, in @l (memory only: the caller
 * writes the file, so a failure leaves nothing to roll back). When the attachment already
 * holds leases, those are the answer (ADD is idempotent, as host-local's). A requested address
 * goes to the first range set holding it and must be free and not reserved; the other sets get
 * their next free address, round robin. Return: the count of addresses in @out (room for
 * @q->n_sets) with *changed telling whether @l changed, or -1 with *err.
 */
int rci_ipam_allocate(const struct rci_ipam_request *q, struct rci_ipam_leases *l,
		      struct rci_ipam_ip *out, bool *changed, rci_error_t *err);

#endif
