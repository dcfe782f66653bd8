/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "udp.h"
#include "log.h"
#include "util.h"

#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define BATCH 16
#define MAX_DGRAM 65536
#define MAX_QUEUED 16 /* at most BATCH: sent in one sendmmsg */
#define BUCKETS 256   /* per forward; chains stay short at the default 1024 flows */
#define ROUNDS 8      /* recvmmsg batches per event, so one busy forward cannot starve the rest */

struct queued {
	struct queued *next;
	size_t len;
	unsigned char data[];
};

/* Where the client sent its datagram: the source of our answers. */
union local_info {
	struct in_pktinfo v4;
	struct in6_pktinfo v6;
};

struct udp_flow {
	struct fwd_list link;	/* in forward->flows, least recently used first */
	struct udp_flow *hnext; /* hash chain */
	struct fwd_forward *fwd;
	struct fwd_watch watch; /* the inner socket, fd -1 while dialing */
	struct fwd_inner_req *dialing;
	union fwd_addr client;
	int local_family; /* AF_INET or AF_INET6 when @local is known, else 0 */
	union local_info local;
	long long last_ms;
	struct queued *queue, **queue_tail;
	unsigned n_queued;
};

struct fwd_udp_table {
	struct udp_flow *buckets[BUCKETS];
};

/* One batch buffer set, shared: the loop is single-threaded and a batch is used at once. */
static unsigned char bufs[BATCH][MAX_DGRAM];
static union {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
} ctrl[BATCH];

static int set_int(int fd, int level, int opt)
{
	int one = 1;
	return setsockopt(fd, level, opt, &one, sizeof(one));
}

int fwd_udp_setup(struct fwd_forward *f, rci_error_t *err)
{
	bool v6 = f->host.sa.sa_family == AF_INET6;
	if (set_int(f->watch.fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_RECVPKTINFO : IP_PKTINFO) < 0)
		return rci_make_error(err, errno, "enable packet info on the udp host socket");
	f->udp = xmalloc0(sizeof(*f->udp));
	return 0;
}

void fwd_udp_table_free(struct fwd_udp_table *t)
{
	free(t);
}

static struct udp_flow **bucket(struct fwd_forward *f, const union fwd_addr *client)
{
	return &f->udp->buckets[fwd_addr_hash(client) % BUCKETS];
}

static void flow_free(void *p)
{
	struct udp_flow *fl = p;
	while (fl->queue) {
		struct queued *q = fl->queue;
		fl->queue = q->next;
		free(q);
	}
	free(fl);
}

static void flow_close(struct udp_flow *fl)
{
	struct fwd_forward *f = fl->fwd;
	for (struct udp_flow **pp = bucket(f, &fl->client); *pp; pp = &(*pp)->hnext) {
		if (*pp == fl) {
			*pp = fl->hnext;
			break;
		}
	}
	fwd_watch_kill(f->ctx->loop, &fl->watch);
	fwd_inner_cancel(fl->dialing);
	if (fl->watch.fd >= 0)
		close(fl->watch.fd);
	fwd_list_del(&fl->link);
	f->n_flows--;
	fwd_loop_defer_free(f->ctx->loop, fl, flow_free);
}

/*
 * Sends @n datagrams of @msgs (as received: each one's msg_len bytes of its iovec, which is
 * trimmed to that) on @fl's connected socket.
 */
static void flow_send(struct udp_flow *fl, const struct mmsghdr *msgs, unsigned n)
{
	struct mmsghdr out[BATCH];
	memset(out, 0, sizeof(out));
	for (unsigned i = 0; i < n; i++) {
		out[i].msg_hdr.msg_iov = msgs[i].msg_hdr.msg_iov;
		out[i].msg_hdr.msg_iov->iov_len = msgs[i].msg_len;
		out[i].msg_hdr.msg_iovlen = 1;
	}
	/* Errors are the datagrams' fate (a refused port, a full buffer): UDP drops them. */
	if (sendmmsg(fl->watch.fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    rci_log_debug_enabled())
		rci_debug("udp to %d: %m", fwd_addr_port(&fl->fwd->target));
}

/* Builds the IP_PKTINFO / IPV6_PKTINFO that makes an answer leave from @fl->local. */
static size_t local_cmsg(const struct udp_flow *fl, void *buf)
{
	struct msghdr mh = {.msg_control = buf, .msg_controllen = sizeof(ctrl[0])};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (fl->local_family == AF_INET) {
		struct in_pktinfo pi = {.ipi_spec_dst = fl->local.v4.ipi_addr};
		c->cmsg_level = SOL_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (fl->local_family == AF_INET6) {
		struct in6_pktinfo pi = {.ipi6_addr = fl->local.v6.ipi6_addr};
		/* A link-local address means nothing without its interface. */
		if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
			pi.ipi6_ifindex = fl->local.v6.ipi6_ifindex;
		c->cmsg_level = SOL_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	return 0;
}

/* The container answered: relay its datagrams to the client, in batches. */
static void on_inner(struct fwd_watch *w, uint32_t ev)
{
	struct udp_flow *fl = fwd_container_of(w, struct udp_flow, watch);
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	(void)ev;
	for (int round = 0; round < ROUNDS; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = MAX_DGRAM};
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(w->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return; /* EAGAIN, or an ICMP error the last datagram earned: dropped */
		fl->last_ms = rci_now_ms();
		fwd_list_del(&fl->link);
		fwd_list_add_tail(&fl->fwd->flows, &fl->link);
		for (int i = 0; i < n; i++) {
			iov[i].iov_len = msgs[i].msg_len;
			msgs[i].msg_hdr.msg_name = &fl->client;
			msgs[i].msg_hdr.msg_namelen = fwd_addr_len(&fl->client);
			msgs[i].msg_hdr.msg_control = ctrl[i].buf;
			msgs[i].msg_hdr.msg_controllen = local_cmsg(fl, ctrl[i].buf);
			if (!msgs[i].msg_hdr.msg_controllen)
				msgs[i].msg_hdr.msg_control = NULL;
		}
		if (sendmmsg(fl->fwd->watch.fd, msgs, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL) <
			0 &&
		    rci_log_debug_enabled())
			rci_debug("udp back to the client: %m");
		if (n < BATCH)
			return;
	}
}

static void on_dialed(void *owner, int fd, int error, bool transparent)
{
	struct udp_flow *fl = owner;
	rci_error_t err = NULL;
	fl->dialing = NULL;
	if (fd < 0) {
		rci_debug("udp flow to port %d: %s", fwd_addr_port(&fl->fwd->target),
			  strerror(error));
		flow_close(fl);
		return;
	}
	fl->watch.fd = fd;
	fl->watch.cb = on_inner;
	if (fwd_loop_add(fl->fwd->ctx->loop, &fl->watch, EPOLLIN, &err) < 0) {
		rci_debug("%s", err->msg);
		rci_error_release(&err);
		flow_close(fl);
		return;
	}
	rci_debug("udp flow to port %d open%s", fwd_addr_port(&fl->fwd->target),
		  transparent ? " from the client's address" : "");
	/* What came while it dialed, in one go (MAX_QUEUED <= BATCH). */
	struct mmsghdr msgs[MAX_QUEUED];
	struct iovec iov[MAX_QUEUED];
	unsigned n = 0;
	for (struct queued *q = fl->queue; q; q = q->next, n++) {
		iov[n] = (struct iovec){.iov_base = q->data, .iov_len = q->len};
		msgs[n] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[n], .msg_iovlen = 1},
					   .msg_len = (unsigned)q->len};
	}
	if (n)
		flow_send(fl, msgs, n);
	while (fl->queue) {
		struct queued *q = fl->queue;
		fl->queue = q->next;
		free(q);
	}
	fl->n_queued = 0;
}

static struct udp_flow *flow_find(struct fwd_forward *f, const union fwd_addr *client)
{
	for (struct udp_flow *fl = *bucket(f, client); fl; fl = fl->hnext)
		if (fwd_addr_equal(&fl->client, client))
			return fl;
	return NULL;
}

static struct udp_flow *flow_new(struct fwd_forward *f, const union fwd_addr *client)
{
	/* Full: the least recently used flow makes room (it is the list's head). */
	if (f->n_flows >= f->ctx->opt->udp_flows && !fwd_list_empty(&f->flows))
		flow_close(fwd_container_of(f->flows.next, struct udp_flow, link));
	struct udp_flow *fl = xmalloc0(sizeof(*fl));
	struct udp_flow **b = bucket(f, client);
	fl->fwd = f;
	fl->client = *client;
	fl->watch.fd = -1;
	fl->queue_tail = &fl->queue;
	fl->hnext = *b;
	*b = fl;
	fwd_list_add_tail(&f->flows, &fl->link);
	f->n_flows++;
	f->total++;
	fl->dialing = fwd_inner_dial(f->ctx->inner, IPPROTO_UDP, client, &f->target, on_dialed, fl);
	return fl;
}

static void enqueue(struct udp_flow *fl, const void *data, size_t len)
{
	if (fl->n_queued >= MAX_QUEUED)
		return;
	struct queued *q = xmalloc0(sizeof(*q) + len);
	q->len = len;
	memcpy(q->data, data, len);
	*fl->queue_tail = q;
	fl->queue_tail = &q->next;
	fl->n_queued++;
}

static void note_local(struct udp_flow *fl, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&fl->local.v4, CMSG_DATA(c), sizeof(fl->local.v4));
			fl->local_family = AF_INET;
		} else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&fl->local.v6, CMSG_DATA(c), sizeof(fl->local.v6));
			fl->local_family = AF_INET6;
		}
	}
}

/* The open flow @m belongs to (created, refreshed), or NULL when it was queued or dropped. */
static struct udp_flow *flow_of(struct fwd_forward *f, struct mmsghdr *m, long long now)
{
	union fwd_addr *client = m->msg_hdr.msg_name;
	if (m->msg_hdr.msg_flags & MSG_TRUNC)
		return NULL;
	struct udp_flow *fl = flow_find(f, client);
	if (!fl) {
		fl = flow_new(f, client);
	} else {
		fwd_list_del(&fl->link);
		fwd_list_add_tail(&f->flows, &fl->link);
	}
	fl->last_ms = now;
	note_local(fl, &m->msg_hdr);
	if (fl->watch.fd >= 0)
		return fl;
	enqueue(fl, m->msg_hdr.msg_iov->iov_base, m->msg_len);
	return NULL;
}

/*
 * Relays a received batch: consecutive datagrams of one client go out in one sendmmsg. A run
 * is sent before the next datagram is looked at, as that one may evict the run's flow.
 */
static void relay(struct fwd_forward *f, struct mmsghdr *msgs, int n)
{
	long long now = rci_now_ms();
	struct udp_flow *run = NULL;
	int run_from = 0;
	for (int i = 0; i < n; i++) {
		if (run && !fwd_addr_equal(&run->client, msgs[i].msg_hdr.msg_name)) {
			flow_send(run, msgs + run_from, (unsigned)(i - run_from));
			run = NULL;
		}
		if (run)
			continue;
		run = flow_of(f, &msgs[i], now);
		run_from = i;
	}
	if (run)
		flow_send(run, msgs + run_from, (unsigned)(n - run_from));
}

void fwd_udp_receive(struct fwd_forward *f)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	union fwd_addr names[BATCH];
	for (int round = 0; round < ROUNDS; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = MAX_DGRAM};
			msgs[i].msg_hdr = (struct msghdr){.msg_name = &names[i],
							  .msg_namelen = sizeof(names[i]),
							  .msg_iov = &iov[i],
							  .msg_iovlen = 1,
							  .msg_control = ctrl[i].buf,
							  .msg_controllen = sizeof(ctrl[i].buf)};
		}
		int n = recvmmsg(f->watch.fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rci_debug("udp receive on port %d: %m", fwd_addr_port(&f->host));
			return;
		}
		relay(f, msgs, n);
		if (n < BATCH)
			return;
	}
}

void fwd_udp_expire(struct fwd_forward *f, long long now_ms)
{
	long long idle_ms = (long long)f->ctx->opt->udp_timeout * 1000;
	while (!fwd_list_empty(&f->flows)) {
		struct udp_flow *fl = fwd_container_of(f->flows.next, struct udp_flow, link);
		if (now_ms - fl->last_ms < idle_ms)
			return;
		flow_close(fl);
	}
}

void fwd_udp_close_all(struct fwd_forward *f)
{
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &f->flows)
	    flow_close(fwd_container_of(pos, struct udp_flow, link));
}
