/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_NL_H
#define FWD_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "addr.h"
#include "error.h"

/*
 * A minimal netlink request builder, enough to program a few routing rules and one nftables
 * table once at start: the infra may not ship `ip` or `nft`, and a tool's output would be one
 * more thing to parse. Messages are appended to a fixed buffer; every one asks for an ack.
 */
struct fwd_nlbuf {
	unsigned char data[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
	size_t msg;	/* offset of the message being built */
	uint32_t seq;	/* of the last message */
	size_t n_acked; /* messages that asked for an ack */
	bool overflow;	/* something did not fit: fwd_nl_talk refuses to send */
};

void fwd_nl_init(struct fwd_nlbuf *b);

/* Starts a message of @type with @flags | NLM_F_REQUEST, then @fixed_len bytes of @fixed. */
void fwd_nl_msg(struct fwd_nlbuf *b, uint16_t type, uint16_t flags, const void *fixed,
		size_t fixed_len);

void fwd_nl_attr(struct fwd_nlbuf *b, uint16_t type, const void *data, size_t len);
void fwd_nl_attr_u32(struct fwd_nlbuf *b, uint16_t type, uint32_t v);
/* Big-endian u32, as nftables wants its numbers. */
void fwd_nl_attr_be32(struct fwd_nlbuf *b, uint16_t type, uint32_t v);
void fwd_nl_attr_str(struct fwd_nlbuf *b, uint16_t type, const char *s);

/* Opens a nested attribute; returns its offset for fwd_nl_nest_end(). */
size_t fwd_nl_nest(struct fwd_nlbuf *b, uint16_t type);
void fwd_nl_nest_end(struct fwd_nlbuf *b, size_t nest);

/*
 * fwd_nl_talk() - sends @b on a new NETLINK_@protocol socket (in the caller's network
 * namespace) and collects the acks. Returns 0 with *kernel_errno set to the first error the
 * kernel reported (0: all succeeded), or -1 with *err when the exchange itself failed.
 */
int fwd_nl_talk(int protocol, struct fwd_nlbuf *b, int *kernel_errno, rci_error_t *err);

/* What `ip route get` says about a destination. */
struct fwd_route {
	int type;	  /* RTN_UNICAST, RTN_LOCAL... */
	unsigned oif;	  /* output interface, 0 if none */
	bool via_gateway; /* reached through a router, not on the link itself */
};

/*
 * fwd_nl_route_get() - the kernel's route to @dst in the caller's network namespace. Returns 0,
 * or a negative errno (-ENETUNREACH when there is none).
 */
int fwd_nl_route_get(const union fwd_addr *dst, struct fwd_route *out);

#endif
