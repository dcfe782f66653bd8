/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_IPAM_LEASES_H
#define RCI_IPAM_LEASES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ipam_range.h"

/*
 * DOC: rootless-cni-ipam, the leases of one network, in memory and as the text of its one file
 * (issue 12: host-local keeps one file per address and reads them all on every call):
 *
 *     rootless-cni-ipam leases 1
 *     last 0 10.88.0.3             the last address reserved in range set 0 (round robin)
 *     10.88.0.2 CONTAINER_ID eth0  one line per lease: address, container ID, interface
 *
 * Container IDs and interface names hold no blank (main.c checks both), so a line splits on
 * single spaces. A file that does not parse is refused as a whole with the line at fault:
 * dropping what cannot be read would hand those addresses out twice.
 */
struct rci_ipam_lease {
	struct rci_ipam_ip ip;
	char *id, *ifname;
};

struct rci_ipam_last {
	size_t set;
	struct rci_ipam_ip ip;
};

struct rci_ipam_leases {
	struct rci_ipam_lease *v;
	size_t n, cap;
	struct rci_ipam_last *last;
	size_t n_last;
};

/* Fills @l (zeroed first) from @text; "" is no lease. 0, or -1 with *err naming the line. */
int rci_ipam_leases_parse(const char *text, size_t len, struct rci_ipam_leases *l,
			  rci_error_t *err);
/* The file's text for @l. Caller frees. */
char *rci_ipam_leases_text(const struct rci_ipam_leases *l);
void rci_ipam_leases_clear(struct rci_ipam_leases *l);

void rci_ipam_leases_add(struct rci_ipam_leases *l, struct rci_ipam_ip ip, const char *id,
			 const char *ifname);
/* Removes every lease of (@id, @ifname); returns how many. */
size_t rci_ipam_leases_remove(struct rci_ipam_leases *l, const char *id, const char *ifname);
/* The lease of @ip, or NULL. */
const struct rci_ipam_lease *rci_ipam_leases_find(const struct rci_ipam_leases *l,
						  struct rci_ipam_ip ip);
/* The last address reserved in range set @set: true and *ip, or false. */
bool rci_ipam_leases_get_last(const struct rci_ipam_leases *l, size_t set, struct rci_ipam_ip *ip);
/*
 * rci_ipam_leases_sorted() - the leased addresses, sorted, for rci_ipam_sorted_has (a lookup in
 * O(log n): an allocation may probe many addresses). Caller frees.
 */
struct rci_ipam_ip *rci_ipam_leases_sorted(const struct rci_ipam_leases *l);
bool rci_ipam_sorted_has(const struct rci_ipam_ip *ips, size_t n, struct rci_ipam_ip ip);
void rci_ipam_leases_set_last(struct rci_ipam_leases *l, size_t set, struct rci_ipam_ip ip);

#endif
