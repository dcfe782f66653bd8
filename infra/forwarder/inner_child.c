/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The forwarder's child, in the infra's user and network namespaces: creates the inner sockets
 * (see inner.h). It runs one request at a time and never waits on the network: connect() is
 * non-blocking and completes in the parent.
 */
#include "fdpass.h"
#include "inner.h"
#include "nl.h"
#include "userns.h"
#include "tproxy.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

static void hello_msg(struct fwd_inner_hello *h, rci_error_t *e)
{
	cleanup_free char *text = rci_error_text(*e);
	snprintf(h->msg, sizeof(h->msg), "%s", text);
	rci_error_release(e);
}

static int set_int(int fd, int level, int opt)
{
	int one = 1;
	return setsockopt(fd, level, opt, &one, sizeof(one));
}

/*
 * A socket bound to @client's address (its port when free, else one the kernel picks at
 * connect time), then connecting to @target. Returns the fd or -errno.
 */
static int dial_transparent(int type, const union fwd_addr *client_in, const union fwd_addr *target)
{
	union fwd_addr client = *client_in;
	fwd_addr_unmap(&client);
	bool v6 = client.sa.sa_family == AF_INET6;
	for (int attempt = 0; attempt < 2; attempt++) {
		cleanup_close int fd =
		    socket(client.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		/* REUSEADDR: the same client port may reach two published ports at once. */
		if (set_int(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT) <
			0 ||
		    set_int(fd, SOL_SOCKET, SO_REUSEADDR) < 0)
			return -errno;
		if (attempt == 1) {
			/* The port is chosen at connect(), knowing the 4-tuple: no false conflicts.
			 */
			if (set_int(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT) < 0)
				return -errno;
			if (v6)
				client.in6.sin6_port = 0;
			else
				client.in.sin_port = 0;
		}
		if (bind(fd, &client.sa, fwd_addr_len(&client)) < 0) {
			if (errno == EADDRINUSE && attempt == 0)
				continue;
			return -errno;
		}
		if (connect(fd, &target->sa, fwd_addr_len(target)) < 0 && errno != EINPROGRESS) {
			/* The same 4-tuple is still in use (TIME_WAIT, or a twin): any port. */
			if (errno == EADDRNOTAVAIL && attempt == 0)
				continue;
			return -errno;
		}
		int ret = fd;
		fd = -1;
		return ret;
	}
	return -EADDRINUSE;
}

static int dial_plain(int type, const union fwd_addr *target)
{
	cleanup_close int fd = socket(target->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, &target->sa, fwd_addr_len(target)) < 0 && errno != EINPROGRESS)
		return -errno;
	int ret = fd;
	fd = -1;
	return ret;
}

/*
 * The container would answer @client on its own link, not through the infra: the client's
 * address lies in a subnet of the container's interface (a host with a rootful bridge of the
 * same subnet, say). Its replies would never reach the transparent socket, so such a client
 * goes through a plain socket. A client the infra has no route to is fine: the container's
 * reply comes to the infra (its default gateway) and is delivered by the TPROXY route.
 */
static bool on_container_link(const union fwd_addr *client_in, const union fwd_addr *target)
{
	union fwd_addr client = *client_in;
	struct fwd_route to_client, to_target;
	fwd_addr_unmap(&client);
	if (fwd_nl_route_get(&client, &to_client) < 0 || fwd_nl_route_get(target, &to_target) < 0)
		return false;
	return to_client.type == RTN_UNICAST && !to_client.via_gateway &&
	       to_client.oif == to_target.oif;
}

static void serve_one(int sock, const struct fwd_inner_request *rq)
{
	struct fwd_inner_reply rep = {.id = rq->id};
	int type = rq->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int fd = -1;
	if (rq->keep_source && !on_container_link(&rq->client, &rq->target)) {
		fd = dial_transparent(type, &rq->client, &rq->target);
		/* Not fatal: a plain socket still reaches the container (as the infra). */
		rep.transparent = fd >= 0;
	}
	if (fd < 0)
		fd = dial_plain(type, &rq->target);
	if (fd < 0)
		rep.error = -fd;

	/* Blocking: the parent reads replies whenever its loop turns; it never waits on us. */
	while (fwd_send_with_fd(sock, &rep, sizeof(rep), fd, 0) < 0 && errno == EINTR)
		;
	if (fd >= 0)
		close(fd);
}

/* Keeps only fds 0-2, @sock and the two namespace fds: nothing of the parent's leaks here. */
static void close_others(int sock, int a, int b)
{
	int keep[3] = {sock, a, b};
	/* Sort the three so the gaps between them can be closed in ranges. */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	unsigned from = 3;
	for (int i = 0; i < 3; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > from)
			from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

void fwd_inner_child(int sock, int userns_fd, int netns_fd, bool keep_source)
{
	struct fwd_inner_hello hello;
	sigset_t none;
	memset(&hello, 0, sizeof(hello));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* It serves the parent only: when the parent dies, so does it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(1);
	close_others(sock, userns_fd, netns_fd);

	/* The user namespace first: it grants the right to join its network namespace. */
	if (lr_join_userns(userns_fd) < 0 || setns(netns_fd, CLONE_NEWNET) < 0) {
		hello.error = errno;
		snprintf(hello.msg, sizeof(hello.msg),
			 "join the infra's user and network namespaces");
		if (send(sock, &hello, sizeof(hello), MSG_NOSIGNAL) < 0)
			_exit(1);
		_exit(1);
	}
	close(userns_fd);
	close(netns_fd);
	if (keep_source) {
		rci_error_t e = NULL;
		hello.families = fwd_tproxy_setup(&e);
		if (e)
			hello_msg(&hello, &e);
	}
	if (send(sock, &hello, sizeof(hello), MSG_NOSIGNAL) < 0)
		_exit(1);

	for (;;) {
		struct fwd_inner_request rq;
		ssize_t n = recv(sock, &rq, sizeof(rq), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the parent hung up */
		if (n != (ssize_t)sizeof(rq))
			_exit(2); /* one binary on both ends: a bug; the parent sees us die */
		serve_one(sock, &rq);
	}
}
