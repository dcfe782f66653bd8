/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "forward.h"
#include "log.h"
#include "tcp.h"
#include "udp.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static void on_listener(struct fwd_watch *w, uint32_t events)
{
	struct fwd_forward *f = fwd_container_of(w, struct fwd_forward, watch);
	(void)events;
	if (f->proto == IPPROTO_TCP)
		fwd_tcp_accept(f);
	else
		fwd_udp_receive(f);
}

static int sockopt_int(int fd, int opt, int *v)
{
	socklen_t len = sizeof(*v);
	return getsockopt(fd, SOL_SOCKET, opt, v, &len);
}

/* The socket the launcher sent suits a forward of @proto; *host gets its address. */
static int check_socket(int fd, int proto, union fwd_addr *host, rci_error_t *err)
{
	const char *name = fwd_proto_name(proto);
	int domain = 0, type = 0, listening = 0;
	socklen_t len = sizeof(*host);
	memset(host, 0, sizeof(*host));
	if (sockopt_int(fd, SO_DOMAIN, &domain) < 0 || sockopt_int(fd, SO_TYPE, &type) < 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, errno,
					   "the %s host fd is not a socket", name);
	if ((domain != AF_INET && domain != AF_INET6) ||
	    type != (proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the host fd is not an IPv4 or IPv6 %s socket", name);
	if (getsockname(fd, &host->sa, &len) < 0)
		return rci_make_error(err, errno, "getsockname of the %s host socket", name);
	if (fwd_addr_port(host) == 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "the %s host socket is not bound",
					   name);
	if (proto == IPPROTO_TCP && (sockopt_int(fd, SO_ACCEPTCONN, &listening) < 0 || !listening))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the tcp host socket does not listen");
	return 0;
}

static struct fwd_forward *find_host(struct fwd_ctx *ctx, int proto, const union fwd_addr *host)
{
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &ctx->forwards)
	{
		struct fwd_forward *f = fwd_container_of(pos, struct fwd_forward, link);
		if (f->proto == proto && fwd_addr_equal(&f->host, host))
			return f;
	}
	return NULL;
}

static void forward_free(void *p)
{
	struct fwd_forward *f = p;
	fwd_udp_table_free(f->udp);
	free(f->owner_id);
	free(f->owner_net);
	free(f);
}

int fwd_forward_add(struct fwd_ctx *ctx, int fd, const struct fwd_request *req,
		    union fwd_addr *host, rci_error_t *err)
{
	char where[FWD_ADDR_STRLEN];
	if (check_socket(fd, req->proto, host, err) < 0)
		return -1;
	struct fwd_forward *dup = find_host(ctx, req->proto, host);
	if (dup)
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "host port %s/%s is already forwarded for `%s` on `%s`",
					   fwd_addr_str(host, where), fwd_proto_name(req->proto),
					   dup->owner_id, dup->owner_net);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return rci_make_error(err, errno, "make the host socket non-blocking");
	struct fwd_forward *f = xmalloc0(sizeof(*f));
	f->ctx = ctx;
	f->proto = req->proto;
	f->host = *host;
	f->target = req->target;
	f->owner_id = xstrdup(req->owner_id);
	f->owner_net = xstrdup(req->owner_net);
	f->watch.fd = fd;
	f->watch.cb = on_listener;
	fwd_list_init(&f->flows);
	if ((f->proto == IPPROTO_UDP && fwd_udp_setup(f, err) < 0) ||
	    fwd_loop_add(ctx->loop, &f->watch, EPOLLIN, err) < 0) {
		forward_free(f);
		return -1;
	}
	fwd_list_add_tail(&ctx->forwards, &f->link);
	ctx->n_forwards++;
	char to[FWD_ADDR_STRLEN];
	rci_debug("forwarding %s/%s to %s for `%s` on `%s`", fwd_addr_str(host, where),
		  fwd_proto_name(f->proto), fwd_addr_str(&f->target, to), f->owner_id,
		  f->owner_net);
	return 0;
}

static void forward_remove(struct fwd_forward *f)
{
	struct fwd_ctx *ctx = f->ctx;
	if (f->proto == IPPROTO_TCP)
		fwd_tcp_close_all(f);
	else
		fwd_udp_close_all(f);
	fwd_watch_kill(ctx->loop, &f->watch);
	/* Closed now, not when freed: nothing may listen on the port once `remove` answered. */
	close(f->watch.fd);
	f->watch.fd = -1;
	fwd_list_del(&f->link);
	ctx->n_forwards--;
	fwd_loop_defer_free(ctx->loop, f, forward_free);
}

size_t fwd_forward_remove_owner(struct fwd_ctx *ctx, const char *id, const char *net)
{
	size_t removed = 0;
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &ctx->forwards)
	{
		struct fwd_forward *f = fwd_container_of(pos, struct fwd_forward, link);
		if (!strcmp(f->owner_id, id) && !strcmp(f->owner_net, net)) {
			forward_remove(f);
			removed++;
		}
	}
	return removed;
}

size_t fwd_forward_remove_host(struct fwd_ctx *ctx, int proto, const union fwd_addr *host)
{
	struct fwd_forward *f = find_host(ctx, proto, host);
	if (!f)
		return 0;
	forward_remove(f);
	return 1;
}

void fwd_forward_remove_all(struct fwd_ctx *ctx)
{
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &ctx->forwards)
	    forward_remove(fwd_container_of(pos, struct fwd_forward, link));
}

json_object *fwd_forward_list_json(const struct fwd_ctx *ctx)
{
	json_object *a = json_object_new_array();
	for (const struct fwd_list *pos = ctx->forwards.next; pos != &ctx->forwards;
	     pos = pos->next) {
		const struct fwd_forward *f = fwd_container_of(pos, struct fwd_forward, link);
		json_object *o = json_object_new_object();
		json_object *owner = json_object_new_object();
		json_object_object_add(owner, "id", json_object_new_string(f->owner_id));
		json_object_object_add(owner, "network", json_object_new_string(f->owner_net));
		json_object_object_add(o, "proto",
				       json_object_new_string(fwd_proto_name(f->proto)));
		json_object_object_add(o, "host", fwd_addr_json(&f->host));
		json_object_object_add(o, "target", fwd_addr_json(&f->target));
		json_object_object_add(o, "owner", owner);
		json_object_object_add(o, "connections",
				       json_object_new_int64((int64_t)f->n_flows));
		json_object_object_add(o, "total", json_object_new_int64((int64_t)f->total));
		json_object_array_add(a, o);
	}
	return a;
}

void fwd_forward_pause(struct fwd_forward *f)
{
	if (f->paused)
		return;
	f->paused = true;
	if (fwd_loop_mod(f->ctx->loop, &f->watch, 0) < 0)
		rci_warning("epoll_ctl on a listener: %m");
}

void fwd_forward_tick(struct fwd_ctx *ctx, long long now_ms)
{
	struct fwd_list *pos, *n;
	fwd_list_for_each_safe(pos, n, &ctx->forwards)
	{
		struct fwd_forward *f = fwd_container_of(pos, struct fwd_forward, link);
		if (f->proto == IPPROTO_UDP)
			fwd_udp_expire(f, now_ms);
		if (f->paused && fwd_loop_mod(ctx->loop, &f->watch, EPOLLIN) == 0)
			f->paused = false;
	}
}
