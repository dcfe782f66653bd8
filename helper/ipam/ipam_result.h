/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_IPAM_RESULT_H
#define RCI_IPAM_RESULT_H

#include <json-c/json.h>

#include "error.h"
#include "ipam_range.h"

/* Checks an `ipam.routes` value: absent, or an array of {dst: CIDR, gw?: address}. */
int rci_ipam_routes_check(json_object *routes, rci_error_t *err);

/*
 * rci_ipam_result() - the CNI result of @version for @ips (each inside one of @sets): `ips`
 * with the address and its subnet's prefix length and gateway (0.3.x and 0.4.0: `version` "4"
 * or "6" too), `routes` from @routes (dst, gw), `dns` a copy of @dns when it is an object. A
 * new object.
 */
json_object *rci_ipam_result(const char *version, const struct rci_ipam_set *sets, size_t n_sets,
			     const struct rci_ipam_ip *ips, size_t n, json_object *routes,
			     json_object *dns);

#endif
