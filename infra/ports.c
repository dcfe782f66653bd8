/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ports.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "slirp.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int parse_port(const char *s, size_t len, int *out)
{
	if (len == 0 || len > 5)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

int lr_port_parse(const char *spec, struct lr_port *p, rci_error_t *err)
{
	const char *colon = strchr(spec, ':');
	const char *slash = strchr(spec, '/');
	const char *end = slash ? slash : spec + strlen(spec);
	strcpy(p->proto, "tcp");
	if (slash) {
		if (!strcmp(slash + 1, "udp"))
			strcpy(p->proto, "udp");
		else if (strcmp(slash + 1, "tcp") != 0)
			colon = NULL;
	}
	if (!colon || colon > end || parse_port(spec, (size_t)(colon - spec), &p->host) < 0 ||
	    parse_port(colon + 1, (size_t)(end - colon - 1), &p->ctr) < 0)
		return rci_make_error_kind(
		    err, RCI_ERR_USAGE, 0,
		    "bad port mapping `%s` (want HOSTPORT:CTRPORT[/tcp|udp])", spec);
	return 0;
}

char *lr_ports_mappings(const struct lr_port *ports, size_t n)
{
	cleanup_json json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_new_object();
		json_object_object_add(m, "hostPort", json_object_new_int(ports[i].host));
		json_object_object_add(m, "containerPort", json_object_new_int(ports[i].ctr));
		json_object_object_add(m, "protocol", json_object_new_string(ports[i].proto));
		json_object_array_add(a, m);
	}
	return xstrdup(rci_json_str(a));
}

static char *record_name(const char *id, const char *net)
{
	return xasprintf("%s@%s.json", id, net);
}

int lr_ports_publish(const struct lr_infra *inf, const char *id, const char *net,
		     const struct lr_port *ports, size_t n, rci_error_t *err)
{
	if (n == 0)
		return 0;
	cleanup_free char *dir = xasprintf("%s/ports", inf->bundle);
	if (rci_mkdir_p(dir, 0700, true, err) < 0)
		return -1;
	cleanup_json json_object *ids = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		int rid;
		if (lr_slirp_hostfwd_add(inf->api_socket, ports[i].proto, ports[i].host,
					 ports[i].host, &rid, err) < 0) {
			for (size_t k = 0; k < json_object_array_length(ids); k++) {
				rci_error_t tmp = NULL;
				lr_slirp_hostfwd_remove(
				    inf->api_socket,
				    json_object_get_int(json_object_array_get_idx(ids, k)), &tmp);
				rci_error_release(&tmp);
			}
			return -1;
		}
		json_object_array_add(ids, json_object_new_int(rid));
	}
	cleanup_close int dfd = rci_open_dir(dir, err);
	cleanup_free char *name = record_name(id, net);
	const char *text = rci_json_str(ids);
	if (dfd < 0 || rci_write_file_atomic_at(dfd, name, text, strlen(text), 0600, err) < 0)
		return -1;
	return 0;
}

void lr_ports_unpublish(const struct lr_infra *inf, const char *id, const char *net)
{
	cleanup_free char *dir = xasprintf("%s/ports", inf->bundle);
	cleanup_free char *name = record_name(id, net);
	rci_error_t tmp = NULL;
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return;
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (rci_read_file_at(dfd, name, 1 << 16, &text, &len, &tmp) != 0) {
		rci_error_release(&tmp);
		return;
	}
	cleanup_json json_object *ids = rci_json_parse(text, len, name, &tmp);
	for (size_t k = 0; ids && k < json_object_array_length(ids); k++) {
		if (lr_slirp_hostfwd_remove(inf->api_socket,
					    json_object_get_int(json_object_array_get_idx(ids, k)),
					    &tmp) < 0)
			rci_debug("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	rci_error_release(&tmp);
	unlinkat(dfd, name, 0);
}
