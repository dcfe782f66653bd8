/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RCI_IPAM_RANGE_H
#define RCI_IPAM_RANGE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/*
 * DOC: rootless-cni-ipam, addresses and ranges. An address is a number (IPv4 in the low 32
 * bits) with its family, so stepping through a range and comparing is integer arithmetic. A
 * range set is what host-local calls one: the ranges one IP of the attachment is taken from
 * (dualstack is two sets, one per family). Defaults are host-local's: the gateway is the
 * subnet's first address, a range runs from there to the last address (IPv4: the one before the
 * broadcast). The network address, the gateway and the IPv4 broadcast are never handed out.
 */
struct rci_ipam_ip {
	unsigned __int128 v;
	int family; /* AF_INET or AF_INET6 */
};

struct rci_ipam_range {
	int family;
	unsigned prefix;
	unsigned __int128 net, last; /* the subnet's first and last (broadcast) address */
	unsigned __int128 start, end, gateway;
	char *subnet; /* as configured, for messages */
};

struct rci_ipam_set {
	struct rci_ipam_range *ranges;
	size_t n;
};

/* The longest text of an address and of an address with a prefix length. */
#define RCI_IPAM_ADDR_MAX 46
#define RCI_IPAM_CIDR_MAX 50

/* Parses a bare address (no prefix): 0, or -1 when @s is none. */
int rci_ipam_ip_parse(const char *s, struct rci_ipam_ip *out);
/* Parses "ADDR" or "ADDR/LEN" (the length is dropped): 0 or -1. */
int rci_ipam_ip_parse_cidr(const char *s, struct rci_ipam_ip *out);
/* Writes @ip's text into @buf (RCI_IPAM_ADDR_MAX bytes); returns @buf. */
char *rci_ipam_ip_str(struct rci_ipam_ip ip, char *buf);
/* <0, 0, >0 as @a sorts before, with or after @b (IPv4 first). */
int rci_ipam_ip_cmp(struct rci_ipam_ip a, struct rci_ipam_ip b);

/*
 * rci_ipam_sets_parse() - the range sets of an `ipam` object: `ranges` (an array of arrays of
 * {subnet, rangeStart?, rangeEnd?, gateway?}), or host-local's older single `subnet` form
 * (with rangeStart, rangeEnd, gateway beside it). Defaults filled in, then checked: a subnet
 * with host bits or too small to allocate from, a start or end outside its subnet or in the
 * wrong order, mixed families in one set, and overlapping ranges are refused. Return: the
 * count and *out (free with rci_ipam_sets_free), or -1 with *err saying which.
 */
int rci_ipam_sets_parse(json_object *ipam, struct rci_ipam_set **out, rci_error_t *err);
void rci_ipam_sets_free(struct rci_ipam_set *sets, size_t n);

/* The range of @s holding @ip (within start..end), or NULL. */
const struct rci_ipam_range *rci_ipam_set_find(const struct rci_ipam_set *s, struct rci_ipam_ip ip);

/* True for an address never handed out: @r's network address, its gateway, IPv4 broadcast. */
bool rci_ipam_reserved(const struct rci_ipam_range *r, struct rci_ipam_ip ip);

/*
 * rci_ipam_next_free() - round robin, as host-local: the first address of @s after @last (its
 * ranges in order, wrapping to the first) that is neither reserved nor @taken, so a freed
 * address is not the next one handed out. @last NULL, or outside @s: from the first range's
 * start. Return: 0 with *out, or -1 when every address of @s is taken.
 */
int rci_ipam_next_free(const struct rci_ipam_set *s, const struct rci_ipam_ip *last,
		       bool (*taken)(void *arg, struct rci_ipam_ip ip), void *arg,
		       struct rci_ipam_ip *out);

#endif
