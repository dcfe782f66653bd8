/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The slirp4netns port driver (ports.h): slirp4netns' API on the host side, portmap inside. */
#include "json.h"
#include "log.h"
#include "number.h"
#include "ports_driver.h"
#include "slirp.h"
#include "util.h"

#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

static int unprivileged_port_start(void)
{
	uint64_t v;
	if (rci_read_u64_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 65536, &v) < 0)
		return 1024;
	return (int)v;
}

/*
 * slirp4netns' API only answers "slirp_add_hostfwd failed": bind as it will, to say why. TCP
 * with SO_REUSEADDR like libslirp's listeners, so a port in TIME_WAIT counts as free; UDP
 * without it, so a socket sharing the port through SO_REUSEADDR (which libslirp's UDP forwards
 * would silently join) counts as taken.
 */
int lr_slirp_ports_probe(const struct lr_port *p, rci_error_t *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->host)};
	bool udp = !strcmp(p->proto, "udp");
	if (inet_pton(AF_INET, p->host_ip, &sa.sin_addr) != 1)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "host IP `%s`", p->host_ip);
	cleanup_close int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rci_make_error(err, errno, "socket");
	int one = 1;
	if (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return rci_make_error(err, errno, "setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	switch (errno) {
	case EADDRINUSE:
		return rci_make_error_kind(err, RCI_ERR_CONFLICT, 0,
					   "host port %s:%d/%s is already in use", p->host_ip,
					   p->host, p->proto);
	case EADDRNOTAVAIL:
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "host IP `%s` is not an address of this host",
					   p->host_ip);
	case EACCES:
		return rci_make_error(err, 0,
				      "host port %d/%s: ports below %d need privileges (sysctl "
				      "net.ipv4.ip_unprivileged_port_start)",
				      p->host, p->proto, unprivileged_port_start());
	default:
		return rci_make_error(err, errno, "bind host port %s:%d/%s", p->host_ip, p->host,
				      p->proto);
	}
}

void lr_slirp_ports_remove(const struct lr_infra *inf, json_object *rec)
{
	for (size_t k = 0; k < json_object_array_length(rec); k++) {
		rci_error_t tmp = NULL;
		uint64_t v;
		if (rci_json_get_uint(json_object_array_get_idx(rec, k), "id", INT_MAX, &v) < 0)
			continue;
		int id = (int)v;
		if (lr_slirp_hostfwd_remove(inf->api_socket, id, &tmp) < 0) {
			rci_debug("remove forward %d: %s", id, tmp->msg);
			rci_error_release(&tmp);
		}
	}
}

int lr_slirp_ports_add(const struct lr_infra *inf, const struct lr_port *ports, size_t n,
		       json_object *rec, rci_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct lr_port *p = &ports[i];
		int rid;
		if (lr_slirp_hostfwd_add(inf->api_socket, p->proto, p->host_ip, p->host,
					 LR_SLIRP_GUEST_ADDR, p->host, &rid, err) < 0) {
			rci_error_t why = NULL;
			if (lr_slirp_ports_probe(p, &why) < 0) {
				rci_error_release(err);
				*err = why;
			}
			lr_slirp_ports_remove(inf, rec);
			return -1;
		}
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_int(rid));
		json_object_object_add(e, "proto", json_object_new_string(p->proto));
		json_object_object_add(e, "hostIP", json_object_new_string(p->host_ip));
		json_object_object_add(e, "hostPort", json_object_new_int(p->host));
		json_object_object_add(e, "containerPort", json_object_new_int(p->ctr));
		json_object_array_add(rec, e);
	}
	return 0;
}
