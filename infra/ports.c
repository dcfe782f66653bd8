/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ports.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "number.h"
#include "slirp.h"
#include "state.h"
#include "util.h"
#include "validate.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define SPEC_FORM "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]"
#define ANY_ADDR "0.0.0.0"

static int parse_port(const char *s, int *out)
{
	size_t len = strlen(s);
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

static int bad_spec(const char *spec, const char *why, rci_error_t *err)
{
	/* Quoted printable: a spec holding a newline must not split the one-line error. */
	cleanup_free char *shown = rci_printable(spec, 64);
	return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
				   "bad port mapping `%s`: %s (want " SPEC_FORM ")", shown, why);
}

int lr_port_parse(const char *spec, struct lr_port *p, rci_error_t *err)
{
	static const char v4_only[] = "slirp4netns forwards IPv4 host addresses only";
	memset(p, 0, sizeof(*p));
	strcpy(p->proto, "tcp");
	strcpy(p->host_ip, ANY_ADDR);
	if (spec[0] == '[')
		return bad_spec(spec, v4_only, err);
	cleanup_free char *s = xstrdup(spec);
	char *slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			strcpy(p->proto, "udp");
		else if (strcmp(slash + 1, "tcp") != 0)
			return bad_spec(spec, "the protocol must be tcp or udp", err);
	}
	char *ctr = strrchr(s, ':');
	if (!ctr)
		return bad_spec(spec, "no container port", err);
	*ctr++ = '\0';
	char *host = strrchr(s, ':');
	if (host) {
		*host++ = '\0';
		struct in_addr a;
		if (strchr(s, ':'))
			return bad_spec(spec, v4_only, err);
		if (inet_pton(AF_INET, s, &a) != 1)
			return bad_spec(spec, "the host IP is not an IPv4 address", err);
		inet_ntop(AF_INET, &a, p->host_ip, sizeof(p->host_ip));
	} else {
		host = s;
	}
	if (parse_port(host, &p->host) < 0)
		return bad_spec(spec, "the host port must be a number from 1 to 65535", err);
	if (parse_port(ctr, &p->ctr) < 0)
		return bad_spec(spec, "the container port must be a number from 1 to 65535", err);
	return 0;
}

int lr_ports_check_dups(const struct lr_port *ports, size_t n, rci_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (ports[i].host == ports[k].host &&
			    !strcmp(ports[i].proto, ports[k].proto))
				return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
							   "host port %d/%s is published twice",
							   ports[i].host, ports[i].proto);
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
		/* See ports.h: HOSTIP is for slirp4netns; inside, packets arrive at tap0's address.
		 */
		if (strcmp(ports[i].host_ip, ANY_ADDR) != 0)
			json_object_object_add(m, "hostIP",
					       json_object_new_string(LR_SLIRP_GUEST_ADDR));
		json_object_array_add(a, m);
	}
	return xstrdup(rci_json_str(a));
}

/* ---- host-side probe --------------------------------------------------------------------- */

static int unprivileged_port_start(void)
{
	uint64_t v;
	if (rci_read_u64_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 65536, &v) < 0)
		return 1024;
	return (int)v;
}

/*
 * Binds HOSTIP:HOSTPORT the way slirp4netns will, to name why it cannot (slirp4netns' API only
 * answers "slirp_add_hostfwd failed"). TCP with SO_REUSEADDR like libslirp's listeners, so a
 * port in TIME_WAIT counts as free; UDP without it, so a socket sharing the port through
 * SO_REUSEADDR (which libslirp's UDP forwards would silently join) counts as taken.
 */
static int probe(const struct lr_port *p, rci_error_t *err)
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

/* ---- records ----------------------------------------------------------------------------- */

static char *record_name(const char *id, const char *net)
{
	/* IDs and network names never contain '@' (rci_validate_id/_network). */
	return xasprintf("%s@%s.json", id, net);
}

/*
 * Opens <bundle>/ports (creating it when @create) and locks it exclusively: checking the
 * records and adding forwards is one step for concurrent allocs. The lock goes with the fd.
 * Returns the fd, -2 when it does not exist and !@create, or -1 with *err.
 */
static int open_locked(const struct lr_ctx *ctx, bool create, rci_error_t *err)
{
	static const char dir[] = LR_STATE_BUNDLE "/" LR_BUNDLE_PORTS;
	cleanup_close int fd = lr_state_open_dir(&ctx->state, dir, create, err);
	if (fd < 0)
		return fd;
	if (TEMP_FAILURE_RETRY(flock(fd, LOCK_EX)) < 0)
		return rci_make_error(err, errno, "lock `%s/%s`", ctx->state.dir, dir);
	int ret = fd;
	fd = -1;
	return ret;
}

/* The record @name in @dfd as a JSON array, NULL when missing or unreadable. */
static json_object *record_read(int dfd, const char *name)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	rci_error_t tmp = NULL;
	int r = rci_read_file_at(dfd, name, 1 << 20, &text, &len, &tmp);
	if (r != 0) {
		if (r == -1)
			rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
		return NULL;
	}
	json_object *a = rci_json_parse(text, len, name, &tmp);
	if (!a || !json_object_is_type(a, json_type_array)) {
		rci_warning("ignoring the malformed port record `%s`", name);
		rci_error_release(&tmp);
		json_object_put(a);
		return NULL;
	}
	return a;
}

/* A port of @ports another attachment published (its record is not @own): a conflict. */
static int check_records(int dfd, const char *own, const struct lr_port *ports, size_t n,
			 rci_error_t *err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "open the port records");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return rci_make_error(err, errno, "open the port records");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] == '.' || !dot || strcmp(dot, ".json") != 0 ||
		    (own && !strcmp(de->d_name, own)))
			continue;
		cleanup_json json_object *rec = record_read(dfd, de->d_name);
		for (size_t k = 0; rec && k < json_object_array_length(rec); k++) {
			json_object *e = json_object_array_get_idx(rec, k);
			const char *proto = rci_json_get_string(e, "proto");
			uint64_t host = 0;
			if (rci_json_get_uint(e, "hostPort", 65535, &host) < 0)
				continue;
			for (size_t i = 0; proto && i < n; i++) {
				if ((uint64_t)ports[i].host != host ||
				    strcmp(ports[i].proto, proto) != 0)
					continue;
				cleanup_free char *id =
				    xstrndup(de->d_name, (size_t)(dot - de->d_name));
				char *at = strchr(id, '@');
				if (at)
					*at++ = '\0';
				return rci_make_error_kind(
				    err, RCI_ERR_CONFLICT, 0,
				    "host port %d/%s is already published for `%s` on `%s`",
				    ports[i].host, proto, id, at ? at : "?");
			}
		}
	}
	return 0;
}

static void remove_forwards(const struct lr_infra *inf, json_object *rec)
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

static void record_remove(const struct lr_infra *inf, int dfd, const char *name)
{
	cleanup_json json_object *rec = record_read(dfd, name);
	if (!rec)
		return;
	remove_forwards(inf, rec);
	rci_error_t tmp = NULL;
	if (rci_unlink_at(dfd, name, 0, &tmp) < 0) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
}

int lr_ports_check(const struct lr_ctx *ctx, const struct lr_port *ports, size_t n,
		   rci_error_t *err)
{
	if (n == 0)
		return 0;
	cleanup_close int dfd = open_locked(ctx, false, err);
	if (dfd == -1 || (dfd >= 0 && check_records(dfd, NULL, ports, n, err) < 0))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (probe(&ports[i], err) < 0)
			return -1;
	return 0;
}

int lr_ports_publish(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
		     const char *net, const struct lr_port *ports, size_t n, rci_error_t *err)
{
	if (n == 0)
		return 0;
	cleanup_close int dfd = open_locked(ctx, true, err);
	if (dfd < 0)
		return -1;
	cleanup_free char *name = record_name(id, net);
	if (check_records(dfd, name, ports, n, err) < 0)
		return -1;
	/* The helper has just attached ID anew: a record of it is stale (a launcher killed before
	 * its rollback), and so are its forwards. */
	record_remove(inf, dfd, name);
	cleanup_json json_object *rec = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const struct lr_port *p = &ports[i];
		int rid;
		if (lr_slirp_hostfwd_add(inf->api_socket, p->proto, p->host_ip, p->host,
					 LR_SLIRP_GUEST_ADDR, p->host, &rid, err) < 0) {
			rci_error_t why = NULL;
			if (probe(p, &why) < 0) {
				rci_error_release(err);
				*err = why;
			}
			remove_forwards(inf, rec);
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
	const char *text = rci_json_str(rec);
	if (rci_write_file_atomic_at(dfd, name, text, strlen(text), 0600, err) < 0) {
		remove_forwards(inf, rec);
		return -1;
	}
	rci_debug("published %zu port(s) for `%s` on `%s`", n, id, net);
	return 0;
}

void lr_ports_unpublish(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
			const char *net)
{
	rci_error_t tmp = NULL;
	cleanup_close int dfd = open_locked(ctx, false, &tmp);
	if (dfd < 0) {
		if (dfd == -1)
			rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
		return;
	}
	cleanup_free char *name = record_name(id, net);
	record_remove(inf, dfd, name);
}
