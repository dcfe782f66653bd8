/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The forwarder port driver (ports.h): host sockets bound here, forwarded by portfwd.h's. */
#include "forwarder_client.h"
#include "json.h"
#include "log.h"
#include "port_records.h"
#include "ports_driver.h"
#include "slirp.h"
#include "state.h"
#include "util.h"

#include <string.h>
#include <sys/socket.h>

static int bind_one(struct lr_ports_rsv *r, size_t port, const char *ip, bool optional,
		    rci_error_t *err)
{
	const struct lr_port *p = &r->ports[port];
	rci_error_t tmp = NULL;
	int fd = lr_fwd_bind(ip, p->host, p->proto, &tmp);
	if (fd < 0) {
		/* A host without IPv6 has no "::" to add to a port given without HOSTIP. */
		if (optional && tmp->kind == RCI_ERR_USAGE) {
			rci_debug("host port %d/%s: not on `%s`: %s", p->host, p->proto, ip,
				  tmp->msg);
			rci_error_release(&tmp);
			return 0;
		}
		*err = tmp;
		return -1;
	}
	r->socks = xrealloc(r->socks, (r->nsocks + 1) * sizeof(*r->socks));
	struct lr_fwd_sock *s = &r->socks[r->nsocks++];
	s->port = port;
	snprintf(s->host_ip, sizeof(s->host_ip), "%s", ip);
	s->fd = fd;
	return 0;
}

int lr_fwd_ports_bind(struct lr_ports_rsv *r, rci_error_t *err)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct lr_port *p = &r->ports[i];
		int rc;
		if (p->host_ip_given)
			rc = bind_one(r, i, p->host_ip, false, err);
		else
			/* Both families, like a dual-stack listener, each its own socket. */
			rc = bind_one(r, i, "0.0.0.0", false, err) < 0 ||
				     (lr_slirp_ipv6() && bind_one(r, i, "::", true, err) < 0)
				 ? -1
				 : 0;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The first address of @family in the CNI result @result ("ips"), without prefix; or NULL. */
static char *result_addr(json_object *result, int family)
{
	json_object *ips = rci_json_get_type(result, "ips", json_type_array);
	for (size_t i = 0; ips && i < json_object_array_length(ips); i++) {
		const char *a = rci_json_get_string(json_object_array_get_idx(ips, i), "address");
		if (!a || (strchr(a, ':') != NULL) != (family == AF_INET6))
			continue;
		return xstrndup(a, strcspn(a, "/"));
	}
	return NULL;
}

static int control(const struct lr_ctx *ctx, rci_error_t *err)
{
	cleanup_free char *path = lr_ctx_path(ctx, LR_STATE_FWD_SOCKET);
	return lr_fwd_connect(path, err);
}

int lr_fwd_ports_add(const struct lr_ctx *ctx, struct lr_ports_rsv *r, const char *id,
		     const char *net, json_object *result, json_object *rec, rci_error_t *err)
{
	cleanup_free char *ip4 = result_addr(result, AF_INET);
	cleanup_free char *ip6 = result_addr(result, AF_INET6);
	if (!ip4 && !ip6)
		return rci_make_error(err, 0,
				      "the CNI result of `%s` on `%s` has no address to forward "
				      "ports to",
				      id, net);
	cleanup_close int ctl = control(ctx, err);
	if (ctl < 0)
		return rci_error_wrap(err, "publish the ports of `%s`", id);
	for (size_t i = 0; i < r->nsocks; i++) {
		struct lr_fwd_sock *s = &r->socks[i];
		const struct lr_port *p = &r->ports[s->port];
		/* The client's family where the container has it: its address can then be kept. */
		const char *to = strchr(s->host_ip, ':') ? (ip6 ? ip6 : ip4) : (ip4 ? ip4 : ip6);
		if (lr_fwd_add(ctl, s->fd, p->proto, to, p->ctr, id, net, err) < 0) {
			rci_error_t tmp = NULL;
			if (lr_fwd_remove_owner(ctl, id, net, NULL, &tmp) < 0)
				rci_error_release(&tmp);
			return rci_error_wrap(err, "publish host port %d/%s", p->host, p->proto);
		}
		close(s->fd);
		s->fd = -1;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "proto", json_object_new_string(p->proto));
		json_object_object_add(e, "hostIP", json_object_new_string(s->host_ip));
		json_object_object_add(e, "hostPort", json_object_new_int(p->host));
		json_object_object_add(e, "containerIP", json_object_new_string(to));
		json_object_object_add(e, "containerPort", json_object_new_int(p->ctr));
		json_object_array_add(rec, e);
	}
	return 0;
}

void lr_fwd_ports_remove(const struct lr_ctx *ctx, const char *id, const char *net)
{
	rci_error_t tmp = NULL;
	cleanup_close int ctl = control(ctx, &tmp);
	size_t n = 0;
	if (ctl < 0 || lr_fwd_remove_owner(ctl, id, net, &n, &tmp) < 0) {
		/* No forwarder, no forwards: a restarted one gets only what is recorded. */
		rci_debug("remove the forwards of `%s` on `%s`: %s", id, net, tmp->msg);
		rci_error_release(&tmp);
		return;
	}
	if (n)
		rci_debug("removed %zu forward(s) of `%s` on `%s`", n, id, net);
}

struct replay {
	int ctl;
	size_t restored;
};

static int replay_one(const char *id, const char *net, json_object *rec, void *data)
{
	struct replay *rp = data;
	for (size_t k = 0; k < json_object_array_length(rec); k++) {
		json_object *e = json_object_array_get_idx(rec, k);
		const char *proto = rci_json_get_string(e, "proto");
		const char *host_ip = rci_json_get_string(e, "hostIP");
		const char *ctr_ip = rci_json_get_string(e, "containerIP");
		uint64_t host = 0, ctr = 0;
		rci_error_t tmp = NULL;
		if (!proto || !host_ip || !ctr_ip ||
		    rci_json_get_uint(e, "hostPort", 65535, &host) < 0 ||
		    rci_json_get_uint(e, "containerPort", 65535, &ctr) < 0) {
			rci_warning("ignoring a malformed forward in the record of `%s` on `%s`",
				    id, net);
			continue;
		}
		cleanup_close int fd = lr_fwd_bind(host_ip, (int)host, proto, &tmp);
		if (fd < 0 || lr_fwd_add(rp->ctl, fd, proto, ctr_ip, (int)ctr, id, net, &tmp) < 0) {
			rci_warning("could not restore host port %s:%d/%s of `%s` on `%s`: %s",
				    host_ip, (int)host, proto, id, net, tmp->msg);
			rci_error_release(&tmp);
			continue;
		}
		rp->restored++;
	}
	return 0;
}

size_t lr_ports_replay(int dfd, int ctl)
{
	struct replay rp = {ctl, 0};
	lr_port_records_each(dfd, NULL, replay_one, &rp);
	return rp.restored;
}
