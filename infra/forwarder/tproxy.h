/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_TPROXY_H
#define FWD_TPROXY_H

#include "error.h"

/*
 * DOC: keeping the client's address (the TPROXY recipe, programmed by netlink).
 *
 * The inner socket is IP_TRANSPARENT (IPV6_TRANSPARENT) and bound to the client's own address
 * before it connects, so the container sees the real client. The container answers that
 * (non-local) address through its default route, the infra: without help the infra would
 * forward the reply out of its uplink. So, in the infra's network namespace:
 *
 *   nft: table inet rootless-cni-forwarder, chain prerouting (filter hook, mangle priority):
 *        `socket transparent 1 meta mark set mark | FWD_TPROXY_MARK`: a packet that belongs
 *        to a transparent socket is marked;
 *   ip rule add fwmark FWD_TPROXY_MARK/FWD_TPROXY_MARK lookup FWD_TPROXY_TABLE (IPv4, IPv6);
 *   ip route add local default dev lo table FWD_TPROXY_TABLE (IPv4, IPv6):
 *        a marked packet is delivered locally, to the transparent socket.
 *
 * All of it needs CAP_NET_ADMIN in the infra's user namespace only: the forwarder's child has
 * it after joining. It is idempotent (a restarted forwarder programs it again: the table is
 * replaced in one transaction, an existing rule kept, the route replaced) and is never removed:
 * it touches only packets of transparent sockets and dies with the infra's network namespace.
 */
#define FWD_TPROXY_MARK 0x10000000u
#define FWD_TPROXY_TABLE 3520u	       /* a routing table no CNI plugin uses */
#define FWD_TPROXY_RULE_PRIORITY 1000u /* after "local" (0), before "main" (32766) */
#define FWD_TPROXY_NFT_TABLE "rootless-cni-forwarder"

enum { FWD_TPROXY_V4 = 1, FWD_TPROXY_V6 = 2 };

/*
 * fwd_tproxy_setup() - programs the above in the caller's network namespace (the infra's) and
 * brings lo up. Returns the families that work (FWD_TPROXY_V4 | FWD_TPROXY_V6); when one of
 * them does not, *err says why (the caller warns and keeps going with plain sockets for it).
 */
unsigned fwd_tproxy_setup(rci_error_t *err);

#endif
