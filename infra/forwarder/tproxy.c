/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tproxy.h"
#include "nl.h"
#include "util.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

/* The priority of iptables' mangle table: marks are set before the routing decision. */
#define NF_PRIORITY_MANGLE (-150)

static int lo_up(unsigned *ifindex, rci_error_t *err)
{
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0)
		return rci_make_error(err, errno, "socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return rci_make_error(err, errno, "get the flags of `lo`");
	/* A local route needs its device up ("Nexthop device is not up"). */
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			return rci_make_error(err, errno, "bring `lo` up");
	}
	*ifindex = if_nametoindex("lo");
	if (!*ifindex)
		return rci_make_error(err, errno, "index of `lo`");
	return 0;
}

static void nft_msg(struct fwd_nlbuf *b, uint16_t type, uint16_t flags, int family)
{
	struct nfgenmsg g = {.nfgen_family = (uint8_t)family, .version = NFNETLINK_V0};
	if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END)
		g.res_id = htons(NFNL_SUBSYS_NFTABLES);
	else
		type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	fwd_nl_msg(b, type, flags, &g, sizeof(g));
}

/* One expression of a rule: {NFTA_EXPR_NAME, NFTA_EXPR_DATA {...}}; returns the data nest. */
static size_t expr_begin(struct fwd_nlbuf *b, const char *name, size_t *elem)
{
	*elem = fwd_nl_nest(b, NFTA_LIST_ELEM);
	fwd_nl_attr_str(b, NFTA_EXPR_NAME, name);
	return fwd_nl_nest(b, NFTA_EXPR_DATA);
}

static void expr_end(struct fwd_nlbuf *b, size_t data, size_t elem)
{
	fwd_nl_nest_end(b, data);
	fwd_nl_nest_end(b, elem);
}

static void data_value(struct fwd_nlbuf *b, uint16_t type, const void *v, size_t len)
{
	size_t n = fwd_nl_nest(b, type);
	fwd_nl_attr(b, NFTA_DATA_VALUE, v, len);
	fwd_nl_nest_end(b, n);
}

/* An expression of two big-endian u32 attributes: a key or an operator, and a register. */
static void expr_u32x2(struct fwd_nlbuf *b, const char *name, uint16_t a1, uint32_t v1, uint16_t a2,
		       uint32_t v2)
{
	size_t elem, d = expr_begin(b, name, &elem);
	fwd_nl_attr_be32(b, a1, v1);
	fwd_nl_attr_be32(b, a2, v2);
	expr_end(b, d, elem);
}

/* socket transparent 1 meta mark set mark | FWD_TPROXY_MARK */
static void nft_mark_rule(struct fwd_nlbuf *b)
{
	size_t elem, d;
	uint8_t one = 1;
	uint32_t mask = ~FWD_TPROXY_MARK, mark = FWD_TPROXY_MARK; /* host order, as the register */

	nft_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_INET);
	fwd_nl_attr_str(b, NFTA_RULE_TABLE, FWD_TPROXY_NFT_TABLE);
	fwd_nl_attr_str(b, NFTA_RULE_CHAIN, "prerouting");
	size_t list = fwd_nl_nest(b, NFTA_RULE_EXPRESSIONS);

	expr_u32x2(b, "socket", NFTA_SOCKET_KEY, NFT_SOCKET_TRANSPARENT, NFTA_SOCKET_DREG,
		   NFT_REG_1);
	d = expr_begin(b, "cmp", &elem);
	fwd_nl_attr_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	fwd_nl_attr_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	data_value(b, NFTA_CMP_DATA, &one, sizeof(one));
	expr_end(b, d, elem);

	expr_u32x2(b, "meta", NFTA_META_KEY, NFT_META_MARK, NFTA_META_DREG, NFT_REG_1);
	d = expr_begin(b, "bitwise", &elem);
	fwd_nl_attr_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
	fwd_nl_attr_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
	fwd_nl_attr_be32(b, NFTA_BITWISE_LEN, sizeof(mark));
	data_value(b, NFTA_BITWISE_MASK, &mask, sizeof(mask));
	data_value(b, NFTA_BITWISE_XOR, &mark, sizeof(mark));
	expr_end(b, d, elem);
	expr_u32x2(b, "meta", NFTA_META_KEY, NFT_META_MARK, NFTA_META_SREG, NFT_REG_1);

	fwd_nl_nest_end(b, list);
}

/* One transaction: add, delete and add again the table (replacing any older one), then the
 * chain and the rule. */
static int nft_setup(rci_error_t *err)
{
	static struct fwd_nlbuf b;
	fwd_nl_init(&b);
	nft_msg(&b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC);
	nft_msg(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET);
	fwd_nl_attr_str(&b, NFTA_TABLE_NAME, FWD_TPROXY_NFT_TABLE);
	nft_msg(&b, NFT_MSG_DELTABLE, NLM_F_ACK, NFPROTO_INET);
	fwd_nl_attr_str(&b, NFTA_TABLE_NAME, FWD_TPROXY_NFT_TABLE);
	nft_msg(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET);
	fwd_nl_attr_str(&b, NFTA_TABLE_NAME, FWD_TPROXY_NFT_TABLE);

	nft_msg(&b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET);
	fwd_nl_attr_str(&b, NFTA_CHAIN_TABLE, FWD_TPROXY_NFT_TABLE);
	fwd_nl_attr_str(&b, NFTA_CHAIN_NAME, "prerouting");
	size_t hook = fwd_nl_nest(&b, NFTA_CHAIN_HOOK);
	fwd_nl_attr_be32(&b, NFTA_HOOK_HOOKNUM, NF_INET_PRE_ROUTING);
	fwd_nl_attr_be32(&b, NFTA_HOOK_PRIORITY, (uint32_t)NF_PRIORITY_MANGLE);
	fwd_nl_nest_end(&b, hook);
	fwd_nl_attr_be32(&b, NFTA_CHAIN_POLICY, NF_ACCEPT);
	fwd_nl_attr_str(&b, NFTA_CHAIN_TYPE, "filter");

	nft_mark_rule(&b);
	nft_msg(&b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC);

	int kerr = 0;
	if (fwd_nl_talk(NETLINK_NETFILTER, &b, &kerr, err) < 0)
		return -1;
	if (kerr)
		return rci_make_error(err, kerr, "add the nftables table `%s`",
				      FWD_TPROXY_NFT_TABLE);
	return 0;
}

/* Sends @b; a kernel error other than @tolerated fails as "add the @v @what". */
static int route_talk(struct fwd_nlbuf *b, int tolerated, const char *v, const char *what,
		      rci_error_t *err)
{
	int kerr = 0;
	if (fwd_nl_talk(NETLINK_ROUTE, b, &kerr, err) < 0)
		return -1;
	if (kerr && kerr != tolerated)
		return rci_make_error(err, kerr, "add the %s %s", v, what);
	return 0;
}

static int route_setup(int family, unsigned lo, rci_error_t *err)
{
	static struct fwd_nlbuf b;
	const char *v = family == AF_INET6 ? "IPv6" : "IPv4";

	/* ip rule add fwmark MARK/MARK lookup TABLE priority P; EEXIST: a restart, kept. */
	struct fib_rule_hdr rule = {.family = (uint8_t)family, .action = FR_ACT_TO_TBL};
	fwd_nl_init(&b);
	fwd_nl_msg(&b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &rule, sizeof(rule));
	fwd_nl_attr_u32(&b, FRA_FWMARK, FWD_TPROXY_MARK);
	fwd_nl_attr_u32(&b, FRA_FWMASK, FWD_TPROXY_MARK);
	fwd_nl_attr_u32(&b, FRA_TABLE, FWD_TPROXY_TABLE);
	fwd_nl_attr_u32(&b, FRA_PRIORITY, FWD_TPROXY_RULE_PRIORITY);
	if (route_talk(&b, EEXIST, v, "fwmark rule", err) < 0)
		return -1;

	/* ip route replace local default dev lo table TABLE */
	struct rtmsg rt = {.rtm_family = (uint8_t)family,
			   .rtm_table = RT_TABLE_UNSPEC,
			   .rtm_protocol = RTPROT_BOOT,
			   .rtm_scope = RT_SCOPE_HOST,
			   .rtm_type = RTN_LOCAL};
	fwd_nl_init(&b);
	fwd_nl_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, &rt, sizeof(rt));
	fwd_nl_attr_u32(&b, RTA_TABLE, FWD_TPROXY_TABLE);
	fwd_nl_attr_u32(&b, RTA_OIF, lo);
	return route_talk(&b, 0, v, "local route", err);
}

unsigned fwd_tproxy_setup(rci_error_t *err)
{
	unsigned lo = 0, families = 0;
	if (lo_up(&lo, err) < 0 || nft_setup(err) < 0)
		return 0;
	if (route_setup(AF_INET, lo, err) == 0)
		families |= FWD_TPROXY_V4;
	/* IPv6 may be disabled in the infra: IPv4 alone still keeps IPv4 clients. */
	if (route_setup(AF_INET6, lo, err) == 0)
		families |= FWD_TPROXY_V6;
	return families;
}
