/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_UDP_H
#define FWD_UDP_H

#include "forward.h"

/*
 * DOC: UDP flows.
 *
 * A flow is one client address and port of one forward. Its first datagram asks the child for
 * a socket in the infra connected to the target (bound to the client's address when the infra
 * keeps it, as for TCP), datagrams that come meanwhile wait in a short queue (16, then dropped:
 * UDP may), and from then on datagrams go both ways: host socket -> recvmmsg -> the flow's
 * socket, and the flow's socket -> recvmmsg -> sendmmsg back to the client from the address
 * the client sent to (IP_PKTINFO, so a wildcard listener answers from the right address).
 *
 * A flow expires after --idle-udp-timeout seconds (default 60) without a datagram either way,
 * checked once a second; a forward keeps at most --max-udp-flows (default 1024) flows and
 * evicts the least recently used one for a new client. Errors a datagram earns (ICMP port
 * unreachable from the container) are dropped, as the network would drop the datagram.
 */

/* Prepares the host socket of a new UDP forward (packet info) and its flow table. */
int fwd_udp_setup(struct fwd_forward *f, rci_error_t *err);
void fwd_udp_table_free(struct fwd_udp_table *t);

/* Relays what the host socket of @f has waiting (bounded per call). */
void fwd_udp_receive(struct fwd_forward *f);

/* Closes the flows idle since before @now_ms minus the timeout. */
void fwd_udp_expire(struct fwd_forward *f, long long now_ms);

/* Closes every flow of @f. */
void fwd_udp_close_all(struct fwd_forward *f);

#endif
