/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_ADDR_H
#define FWD_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

/* An IPv4 or IPv6 socket address; the family says which member is valid. */
union fwd_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* "[1234:...]:65535" at most, NUL included. */
#define FWD_ADDR_STRLEN (INET6_ADDRSTRLEN + 8)

/* sizeof the member that @a's family uses (0 for neither family). */
socklen_t fwd_addr_len(const union fwd_addr *a);

/* The port of @a in host byte order. */
int fwd_addr_port(const union fwd_addr *a);

/*
 * fwd_addr_parse() - fills @out from a bare IPv4 or IPv6 address @ip (no brackets, no scope)
 * and @port (0..65535). Returns 0, or -1 with *err (RCI_ERR_USAGE) naming @what.
 */
int fwd_addr_parse(const char *what, const char *ip, int port, union fwd_addr *out,
		   rci_error_t *err);

/* The address of @a without port, into @buf of INET6_ADDRSTRLEN bytes; returns @buf. */
const char *fwd_addr_ip(const union fwd_addr *a, char *buf);

/* "1.2.3.4:80" or "[::1]:80" into @buf of FWD_ADDR_STRLEN bytes; returns @buf. */
const char *fwd_addr_str(const union fwd_addr *a, char *buf);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes plain IPv4, in place. */
void fwd_addr_unmap(union fwd_addr *a);

/* Same family, address and port. */
bool fwd_addr_equal(const union fwd_addr *a, const union fwd_addr *b);

/* A hash of address and port, for the UDP flow table. */
uint32_t fwd_addr_hash(const union fwd_addr *a);

/*
 * fwd_addr_can_keep() - whether the infra can send from @client to a target of family
 * @target_family with a transparent socket: the same family (after unmapping), and an address
 * the container can route a reply to. Loopback (127/8, ::1), unspecified, multicast, broadcast
 * and IPv6 link-local addresses cannot: as a source on the bridge they are martian or need a
 * scope the infra does not share, so such clients go through a plain socket.
 */
bool fwd_addr_can_keep(const union fwd_addr *client, int target_family);

#endif
