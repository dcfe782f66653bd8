/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nl.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/rtnetlink.h>

void fwd_nl_init(struct fwd_nlbuf *b)
{
	memset(b, 0, sizeof(*b));
}

static void *room(struct fwd_nlbuf *b, size_t len)
{
	size_t aligned = NLMSG_ALIGN(len);
	if (b->overflow || b->len + aligned > sizeof(b->data)) {
		b->overflow = true;
		return NULL;
	}
	void *p = b->data + b->len;
	memset(p, 0, aligned);
	b->len += aligned;
	((struct nlmsghdr *)(void *)(b->data + b->msg))->nlmsg_len = (uint32_t)(b->len - b->msg);
	return p;
}

void fwd_nl_msg(struct fwd_nlbuf *b, uint16_t type, uint16_t flags, const void *fixed,
		size_t fixed_len)
{
	if (b->overflow || b->len + NLMSG_HDRLEN > sizeof(b->data)) {
		b->overflow = true;
		return;
	}
	b->msg = b->len;
	struct nlmsghdr *h = room(b, NLMSG_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(flags | NLM_F_REQUEST);
	h->nlmsg_seq = ++b->seq;
	if (flags & NLM_F_ACK)
		b->n_acked++;
	void *p = room(b, fixed_len);
	if (p && fixed_len)
		memcpy(p, fixed, fixed_len);
}

void fwd_nl_attr(struct fwd_nlbuf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = room(b, NLA_HDRLEN + len);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
}

void fwd_nl_attr_u32(struct fwd_nlbuf *b, uint16_t type, uint32_t v)
{
	fwd_nl_attr(b, type, &v, sizeof(v));
}

void fwd_nl_attr_be32(struct fwd_nlbuf *b, uint16_t type, uint32_t v)
{
	fwd_nl_attr_u32(b, type, htonl(v));
}

void fwd_nl_attr_str(struct fwd_nlbuf *b, uint16_t type, const char *s)
{
	fwd_nl_attr(b, type, s, strlen(s) + 1);
}

size_t fwd_nl_nest(struct fwd_nlbuf *b, uint16_t type)
{
	size_t off = b->len;
	fwd_nl_attr(b, (uint16_t)(type | NLA_F_NESTED), NULL, 0);
	return off;
}

void fwd_nl_nest_end(struct fwd_nlbuf *b, size_t nest)
{
	if (b->overflow)
		return;
	((struct nlattr *)(void *)(b->data + nest))->nla_len = (uint16_t)(b->len - nest);
}

/* Reads acks until every sequence number of @b got one; 0 or -1 with errno. */
static int collect_acks(int fd, const struct fwd_nlbuf *b, int *kernel_errno)
{
	unsigned char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t acked = 0;
	*kernel_errno = 0;
	while (acked < b->n_acked) {
		ssize_t n = recv(fd, buf, sizeof(buf), *kernel_errno ? MSG_DONTWAIT : 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* After a failure the rest of a batch may never be acked: done. */
			if (*kernel_errno && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
			return -1;
		}
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq == 0 ||
			    h->nlmsg_seq > b->seq)
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			acked++;
			if (e->error && !*kernel_errno)
				*kernel_errno = -e->error;
		}
	}
	return 0;
}

int fwd_nl_talk(int protocol, struct fwd_nlbuf *b, int *kernel_errno, rci_error_t *err)
{
	if (b->overflow)
		return rci_make_error(err, EMSGSIZE, "netlink request too large");
	cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return rci_make_error(err, errno, "netlink socket (protocol %d)", protocol);
	/* Bounded: a kernel that never answers must not hang the forwarder's start. */
	struct timeval tv = {.tv_sec = 2};
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return rci_make_error(err, errno, "setsockopt SO_RCVTIMEO");
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(fd, b->data, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)b->len)
		return rci_make_error(err, n < 0 ? errno : EIO, "netlink send (protocol %d)",
				      protocol);
	if (collect_acks(fd, b, kernel_errno) < 0)
		return rci_make_error(err, errno, "netlink receive (protocol %d)", protocol);
	return 0;
}

/* The attributes of one RTM_NEWROUTE answer. */
static void parse_route(const struct nlmsghdr *h, struct fwd_route *out)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	out->type = rt->rtm_type;
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&out->oif, RTA_DATA(a), sizeof(uint32_t));
		else if (a->rta_type == RTA_GATEWAY || a->rta_type == RTA_VIA)
			out->via_gateway = true;
	}
}

int fwd_nl_route_get(const union fwd_addr *dst, struct fwd_route *out)
{
	static struct fwd_nlbuf b;
	bool v6 = dst->sa.sa_family == AF_INET6;
	struct rtmsg rt = {.rtm_family = (uint8_t)dst->sa.sa_family, .rtm_dst_len = v6 ? 128 : 32};
	memset(out, 0, sizeof(*out));
	fwd_nl_init(&b);
	fwd_nl_msg(&b, RTM_GETROUTE, 0, &rt, sizeof(rt));
	if (v6)
		fwd_nl_attr(&b, RTA_DST, &dst->in6.sin6_addr, sizeof(dst->in6.sin6_addr));
	else
		fwd_nl_attr(&b, RTA_DST, &dst->in.sin_addr, sizeof(dst->in.sin_addr));
	cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct timeval tv = {.tv_sec = 1};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    sendto(fd, b.data, b.len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	unsigned char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n;
	do
		n = recv(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	int len = (int)n;
	for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR)
			return ((const struct nlmsgerr *)NLMSG_DATA(h))->error ?: -EPROTO;
		if (h->nlmsg_type == RTM_NEWROUTE) {
			parse_route(h, out);
			return 0;
		}
	}
	return -EPROTO;
}
