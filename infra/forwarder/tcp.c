/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tcp.h"
#include "log.h"
#include "util.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define ACCEPT_BATCH 64
#define GROW_AFTER 4 /* times the current pipe size moved */

struct splice_dir {
	int pipe[2]; /* [0] read end, [1] write end */
	size_t cap;  /* the pipe's size */
	size_t in_pipe;
	unsigned long long moved;
	bool eof;  /* the source sent FIN */
	bool shut; /* passed on: shutdown(SHUT_WR) of the destination */
	bool grown;
};

struct fwd_tcp_conn {
	struct fwd_list link; /* in forward->flows */
	struct fwd_forward *fwd;
	struct fwd_watch host, inner;
	struct fwd_inner_req *dialing;
	union fwd_addr client;
	struct splice_dir up;	/* host -> inner */
	struct splice_dir down; /* inner -> host */
	bool open;		/* the inner connect completed */
};

static void conn_free(void *p)
{
	free(p);
}

static void close_fd(int *fd, bool reset)
{
	if (*fd < 0)
		return;
	if (reset) {
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(*fd);
	*fd = -1;
}

static void dir_close(struct splice_dir *d)
{
	close_fd(&d->pipe[0], false);
	close_fd(&d->pipe[1], false);
}

/* Ends @c: RST to both peers when @reset, else a plain close after both FINs. */
static void conn_close(struct fwd_tcp_conn *c, bool reset)
{
	struct fwd_loop *loop = c->fwd->ctx->loop;
	fwd_watch_kill(loop, &c->host);
	fwd_watch_kill(loop, &c->inner);
	fwd_inner_cancel(c->dialing);
	close_fd(&c->host.fd, reset);
	close_fd(&c->inner.fd, reset);
	dir_close(&c->up);
	dir_close(&c->down);
	fwd_list_del(&c->link);
	c->fwd->n_flows--;
	fwd_loop_defer_free(loop, c, conn_free);
}

static void conn_fail(struct fwd_tcp_conn *c, const char *what, int error)
{
	if (rci_log_debug_enabled()) {
		char from[FWD_ADDR_STRLEN], to[FWD_ADDR_STRLEN];
		rci_debug("tcp %s -> %s: %s: %s", fwd_addr_str(&c->client, from),
			  fwd_addr_str(&c->fwd->target, to), what, strerror(error));
	}
	conn_close(c, true);
}

static int dir_open(struct splice_dir *d)
{
	if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	int size = fcntl(d->pipe[0], F_GETPIPE_SZ);
	d->cap = size > 0 ? (size_t)size : 65536;
	return 0;
}

static void dir_grow(struct splice_dir *d, unsigned want)
{
	d->grown = true;
	/* EPERM above fs.pipe-max-size or past the user's pipe quota: try half as much, down to
	 * the size it has, which still works. */
	for (; want > d->cap; want /= 2) {
		int size = fcntl(d->pipe[0], F_SETPIPE_SZ, (int)want);
		if (size > 0) {
			d->cap = (size_t)size;
			return;
		}
	}
}

/*
 * Moves what @src has to @dst through @d's pipe until no splice moves a byte; passes EOF on.
 * Returns 0, or -1 with errno on an error of either socket.
 */
static int pump(int src, int dst, struct splice_dir *d, unsigned grow_to)
{
	for (;;) {
		ssize_t in = 0, out = 0;
		if (!d->eof) {
			in = splice(src, NULL, d->pipe[1], NULL, d->cap,
				    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (in == 0) {
				d->eof = true;
			} else if (in < 0) {
				if (errno == EINTR)
					continue;
				/* EAGAIN: the source is drained, or the pipe is full. */
				if (errno != EAGAIN)
					return -1;
				in = 0;
			}
			d->in_pipe += (size_t)in;
		}
		if (d->in_pipe) {
			/* More to come when the read filled the pipe: let TCP build full segments.
			 */
			unsigned more = (size_t)in == d->cap ? SPLICE_F_MORE : 0;
			out = splice(d->pipe[0], NULL, dst, NULL, d->in_pipe,
				     SPLICE_F_MOVE | SPLICE_F_NONBLOCK | more);
			if (out < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN)
					return -1;
				out = 0;
			}
			d->in_pipe -= (size_t)out;
			d->moved += (unsigned long long)out;
		}
		if (d->eof && !d->in_pipe && !d->shut) {
			if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
				return -1;
			d->shut = true;
		}
		if (!d->grown && d->moved >= (unsigned long long)d->cap * GROW_AFTER)
			dir_grow(d, grow_to);
		if (in == 0 && out == 0)
			return 0;
	}
}

/* After events on either side: pumps the directions they concern, ends when both are shut. */
static void conn_run(struct fwd_tcp_conn *c, bool up, bool down)
{
	unsigned grow_to = c->fwd->ctx->opt->pipe_size;
	if (up && !c->up.shut && pump(c->host.fd, c->inner.fd, &c->up, grow_to) < 0) {
		conn_fail(c, "client to container", errno);
		return;
	}
	if (down && !c->down.shut && pump(c->inner.fd, c->host.fd, &c->down, grow_to) < 0) {
		conn_fail(c, "container to client", errno);
		return;
	}
	if (c->up.shut && c->down.shut)
		conn_close(c, false);
}

static int sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return errno;
	return e;
}

static void on_host(struct fwd_watch *w, uint32_t ev)
{
	struct fwd_tcp_conn *c = fwd_container_of(w, struct fwd_tcp_conn, host);
	if (ev & EPOLLERR) {
		conn_fail(c, "client", sock_error(w->fd));
		return;
	}
	conn_run(c, ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP), ev & EPOLLOUT);
}

static void on_open(struct fwd_tcp_conn *c)
{
	struct fwd_ctx *ctx = c->fwd->ctx;
	rci_error_t err = NULL;
	c->open = true;
	if (dir_open(&c->up) < 0 || dir_open(&c->down) < 0) {
		conn_fail(c, "pipe", errno);
		return;
	}
	c->host.cb = on_host;
	if (fwd_loop_add(ctx->loop, &c->host, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &err) <
	    0) {
		int e = err->status;
		rci_error_release(&err);
		conn_fail(c, "epoll", e);
		return;
	}
	/* What the client sent while we connected raised no edge we saw: pump it now. */
	conn_run(c, true, true);
}

static void on_inner(struct fwd_watch *w, uint32_t ev)
{
	struct fwd_tcp_conn *c = fwd_container_of(w, struct fwd_tcp_conn, inner);
	if (!c->open) {
		int e = sock_error(w->fd);
		if (e || (ev & (EPOLLERR | EPOLLHUP))) {
			conn_fail(c, "connect", e ? e : ECONNREFUSED);
			return;
		}
		if (ev & EPOLLOUT)
			on_open(c);
		return;
	}
	if (ev & EPOLLERR) {
		conn_fail(c, "container", sock_error(w->fd));
		return;
	}
	conn_run(c, ev & EPOLLOUT, ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP));
}

static void set_nodelay(int fd)
{
	/* We relay segments as they come; Nagle would only delay a small one a second time. */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void on_dialed(void *owner, int fd, int error, bool transparent)
{
	struct fwd_tcp_conn *c = owner;
	rci_error_t err = NULL;
	c->dialing = NULL;
	if (fd < 0) {
		conn_fail(c, "inner socket", error);
		return;
	}
	c->inner.fd = fd;
	c->inner.cb = on_inner;
	set_nodelay(fd);
	if (fwd_loop_add(c->fwd->ctx->loop, &c->inner, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			 &err) < 0) {
		int e = err->status;
		rci_error_release(&err);
		conn_fail(c, "epoll", e);
		return;
	}
	if (rci_log_debug_enabled()) {
		char from[FWD_ADDR_STRLEN], to[FWD_ADDR_STRLEN];
		rci_debug("tcp %s -> %s: connecting%s", fwd_addr_str(&c->client, from),
			  fwd_addr_str(&c->fwd->target, to),
			  transparent ? " from the client's address" : "");
	}
}

static void accept_one(struct fwd_forward *f, int fd, const union fwd_addr *client)
{
	struct fwd_tcp_conn *c = xmalloc0(sizeof(*c));
	c->fwd = f;
	c->client = *client;
	c->host.fd = fd;
	c->inner.fd = -1;
	c->up.pipe[0] = c->up.pipe[1] = c->down.pipe[0] = c->down.pipe[1] = -1;
	fwd_list_add_tail(&f->flows, &c->link);
	f->n_flows++;
	f->total++;
	set_nodelay(fd);
	c->dialing = fwd_inner_dial(f->ctx->inner, IPPROTO_TCP, client, &f->target, on_dialed, c);
}

void fwd_tcp_accept(struct fwd_forward *f)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		union fwd_addr client;
		socklen_t len = sizeof(client);
		int fd = accept4(f->watch.fd, &client.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(f, fd, &client);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
			continue;
		case EAGAIN:
			return;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Level-triggered: retrying now would spin. Clients wait in the backlog. */
			rci_warning("accept on port %d: %m; pausing it for a second",
				    fwd_addr_port(&f->host));
			fwd_forward_pause(f);
			return;
		default:
			rci_warning("accept on port %d: %m", fwd_addr_port(&f->host));
			return;
		}
	}
}

void fwd_tcp_close_all(struct fwd_forward *f)
{
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &f->flows)
	    conn_close(fwd_container_of(pos, struct fwd_tcp_conn, link), true);
}
