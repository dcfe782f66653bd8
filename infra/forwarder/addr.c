/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "addr.h"
#include "util.h"
#include "validate.h"

#include <arpa/inet.h>
#include <string.h>

socklen_t fwd_addr_len(const union fwd_addr *a)
{
	switch (a->sa.sa_family) {
	case AF_INET:
		return sizeof(a->in);
	case AF_INET6:
		return sizeof(a->in6);
	default:
		return 0;
	}
}

int fwd_addr_port(const union fwd_addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in.sin_port);
}

int fwd_addr_parse(const char *what, const char *ip, int port, union fwd_addr *out,
		   rci_error_t *err)
{
	memset(out, 0, sizeof(*out));
	if (port < 0 || port > 65535)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "%s port %d is not a number from 0 to 65535", what,
					   port);
	if (inet_pton(AF_INET, ip, &out->in.sin_addr) == 1) {
		out->in.sin_family = AF_INET;
		out->in.sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &out->in6.sin6_addr) == 1) {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons((uint16_t)port);
		return 0;
	}
	cleanup_free char *shown = rci_printable(ip, 64);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				   "%s IP `%s` is not an IPv4 or IPv6 address", what, shown);
}

const char *fwd_addr_ip(const union fwd_addr *a, char *buf)
{
	const void *src = a->sa.sa_family == AF_INET6 ? (const void *)&a->in6.sin6_addr
						      : (const void *)&a->in.sin_addr;
	if (!inet_ntop(a->sa.sa_family, src, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

const char *fwd_addr_str(const union fwd_addr *a, char *buf)
{
	char ip[INET6_ADDRSTRLEN];
	fwd_addr_ip(a, ip);
	snprintf(buf, FWD_ADDR_STRLEN, a->sa.sa_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip,
		 fwd_addr_port(a));
	return buf;
}

void fwd_addr_unmap(union fwd_addr *a)
{
	if (a->sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr))
		return;
	struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = a->in6.sin6_port};
	memcpy(&v4.sin_addr, &a->in6.sin6_addr.s6_addr[12], 4);
	memset(a, 0, sizeof(*a));
	a->in = v4;
}

bool fwd_addr_equal(const union fwd_addr *a, const union fwd_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       IN6_ARE_ADDR_EQUAL(&a->in6.sin6_addr, &b->in6.sin6_addr) &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id;
	return false;
}

uint32_t fwd_addr_hash(const union fwd_addr *a)
{
	/* FNV-1a over address and port: flows are keyed by remote clients, not an attacker's
	 * choice of bucket that matters much; the table is bounded anyway. */
	const unsigned char *p;
	size_t n;
	if (a->sa.sa_family == AF_INET6) {
		p = a->in6.sin6_addr.s6_addr;
		n = sizeof(a->in6.sin6_addr);
	} else {
		p = (const unsigned char *)&a->in.sin_addr;
		n = sizeof(a->in.sin_addr);
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	uint32_t port = (uint32_t)fwd_addr_port(a);
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h;
}

bool fwd_addr_can_keep(const union fwd_addr *client, int target_family)
{
	union fwd_addr c = *client;
	fwd_addr_unmap(&c);
	if (c.sa.sa_family != target_family)
		return false;
	if (c.sa.sa_family == AF_INET) {
		uint32_t ip = ntohl(c.in.sin_addr.s_addr);
		return (ip >> 24) != 127 && ip != INADDR_ANY && ip != INADDR_BROADCAST &&
		       !IN_MULTICAST(ip);
	}
	const struct in6_addr *ip6 = &c.in6.sin6_addr;
	return !IN6_IS_ADDR_LOOPBACK(ip6) && !IN6_IS_ADDR_UNSPECIFIED(ip6) &&
	       !IN6_IS_ADDR_MULTICAST(ip6) && !IN6_IS_ADDR_LINKLOCAL(ip6);
}
