/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Published ports: the specs, and what both drivers share (ports.h). */
#include "ports.h"
#include "json.h"
#include "log.h"
#include "port_records.h"
#include "ports_driver.h"
#include "slirp.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define SPEC_FORM "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]"
#define ANY4 "0.0.0.0"

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

/* HOSTIP of @spec (@ip, brackets removed) into @p, canonical. */
static int parse_host_ip(const char *spec, const char *ip, bool bracketed, struct lr_port *p,
			 rci_error_t *err)
{
	unsigned char a[sizeof(struct in6_addr)];
	if (bracketed) {
		if (inet_pton(AF_INET6, ip, a) != 1)
			return bad_spec(spec, "the host IP in brackets is not an IPv6 address",
					err);
		p->family = AF_INET6;
	} else if (strchr(ip, ':')) {
		return bad_spec(spec, "an IPv6 host IP goes in brackets, as in [::1]:8080:80", err);
	} else if (inet_pton(AF_INET, ip, a) == 1) {
		p->family = AF_INET;
	} else {
		return bad_spec(spec, "the host IP is not an IPv4 address", err);
	}
	inet_ntop(p->family, a, p->host_ip, sizeof(p->host_ip));
	p->host_ip_given = true;
	return 0;
}

int lr_port_parse(const char *spec, struct lr_port *p, rci_error_t *err)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->proto, "tcp");
	strcpy(p->host_ip, ANY4);
	p->family = AF_UNSPEC;
	cleanup_free char *shown = rci_printable(spec, sizeof(p->spec) - 1);
	snprintf(p->spec, sizeof(p->spec), "%s", shown);
	cleanup_free char *s = xstrdup(spec);
	char *slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			strcpy(p->proto, "udp");
		else if (strcmp(slash + 1, "tcp") != 0)
			return bad_spec(spec, "the protocol must be tcp or udp", err);
	}
	char *ports = s;
	if (s[0] == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return bad_spec(spec, "no `]:` after the bracketed host IP", err);
		*close = '\0';
		ports = close + 2;
		if (parse_host_ip(spec, s + 1, true, p, err) < 0)
			return -1;
	}
	char *ctr = strrchr(ports, ':');
	if (!ctr)
		return bad_spec(spec, "no container port", err);
	*ctr++ = '\0';
	char *host = strrchr(ports, ':');
	if (host && p->host_ip_given)
		return bad_spec(spec, "too many fields", err);
	if (host) {
		*host++ = '\0';
		if (parse_host_ip(spec, ports, false, p, err) < 0)
			return -1;
	} else {
		host = ports;
	}
	if (parse_port(host, &p->host) < 0)
		return bad_spec(spec, "the host port must be a number from 1 to 65535", err);
	if (parse_port(ctr, &p->ctr) < 0)
		return bad_spec(spec, "the container port must be a number from 1 to 65535", err);
	return 0;
}

/* The address the host socket(s) of @p would take and the IPv4 or IPv6 @ip overlap. */
static bool overlaps_ip(const struct lr_port *p, const char *ip)
{
	if (!p->host_ip_given)
		return true;
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (family != p->family)
		return false;
	const char *any = family == AF_INET6 ? "::" : ANY4;
	return !strcmp(ip, p->host_ip) || !strcmp(ip, any) || !strcmp(p->host_ip, any);
}

/* @a and @b would take the same host socket (@strict: any two on one port, slirp4netns). */
static bool overlaps(const struct lr_port *a, const struct lr_port *b, bool strict)
{
	if (a->host != b->host || strcmp(a->proto, b->proto) != 0)
		return false;
	if (strict || !b->host_ip_given)
		return true;
	return overlaps_ip(a, b->host_ip);
}

static int check_dups(const struct lr_port *ports, size_t n, bool strict, rci_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (overlaps(&ports[i], &ports[k], strict))
				return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
							   "host port %d/%s is published twice",
							   ports[i].host, ports[i].proto);
	return 0;
}

int lr_ports_check_dups(const struct lr_port *ports, size_t n, rci_error_t *err)
{
	return check_dups(ports, n, false, err);
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
		if (ports[i].host_ip_given && strcmp(ports[i].host_ip, ANY4) != 0)
			json_object_object_add(m, "hostIP",
					       json_object_new_string(LR_SLIRP_GUEST_ADDR));
		json_object_array_add(a, m);
	}
	return xstrdup(rci_json_str(a));
}

/* ---- the records of other attachments ---------------------------------------------------- */

struct conflict_check {
	const struct lr_ports_rsv *r;
	rci_error_t *err;
};

static int conflicts_with(const char *id, const char *net, json_object *rec, void *data)
{
	struct conflict_check *c = data;
	bool strict = c->r->driver == LR_PORT_SLIRP;
	for (size_t k = 0; k < json_object_array_length(rec); k++) {
		json_object *e = json_object_array_get_idx(rec, k);
		const char *proto = rci_json_get_string(e, "proto");
		const char *ip = rci_json_get_string(e, "hostIP");
		uint64_t host = 0;
		if (!proto || !ip || rci_json_get_uint(e, "hostPort", 65535, &host) < 0)
			continue;
		for (size_t i = 0; i < c->r->n; i++) {
			const struct lr_port *p = &c->r->ports[i];
			if ((uint64_t)p->host != host || strcmp(p->proto, proto) != 0 ||
			    (!strict && !overlaps_ip(p, ip)))
				continue;
			return rci_make_error_kind(
			    c->err, RCI_ERR_CONFLICT, 0,
			    "host port %d/%s is already published for `%s` on `%s`", p->host, proto,
			    id, net);
		}
	}
	return 0;
}

/* A port of @r that another attachment's record (any but @own) holds: a conflict. */
static int check_records(int dfd, const char *own, const struct lr_ports_rsv *r, rci_error_t *err)
{
	struct conflict_check c = {r, err};
	return lr_port_records_each(dfd, own, conflicts_with, &c) ? -1 : 0;
}

/* ---- the sequence ------------------------------------------------------------------------ */

static int driver_refuses(const struct lr_ports_rsv *r, rci_error_t *err)
{
	if (r->driver != LR_PORT_SLIRP)
		return 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->ports[i].family == AF_INET6)
			return bad_spec(r->ports[i].spec,
					"slirp4netns forwards IPv4 host addresses only "
					"(--port-driver forwarder takes IPv6 too)",
					err);
	return check_dups(r->ports, r->n, true, err);
}

int lr_ports_reserve(const struct lr_ctx *ctx, const struct lr_infra *inf,
		     const struct lr_port *ports, size_t n, struct lr_ports_rsv **out,
		     rci_error_t *err)
{
	*out = NULL;
	if (n == 0)
		return 0;
	struct lr_ports_rsv *r = xmalloc0(sizeof(*r));
	r->driver = inf ? inf->port_driver : ctx->port_driver;
	r->ports = xmalloc0(n * sizeof(*ports));
	memcpy(r->ports, ports, n * sizeof(*ports));
	r->n = n;
	cleanup_close int dfd = -1;
	if (driver_refuses(r, err) < 0)
		goto fail;
	if (inf) {
		dfd = lr_port_records_lock(ctx, false, err);
		if (dfd == -1 || (dfd >= 0 && check_records(dfd, NULL, r, err) < 0))
			goto fail;
	}
	if (r->driver == LR_PORT_FORWARDER) {
		if (lr_fwd_ports_bind(r, err) < 0)
			goto fail;
	} else {
		for (size_t i = 0; i < n; i++)
			if (lr_slirp_ports_probe(&ports[i], err) < 0)
				goto fail;
	}
	*out = r;
	return 0;
fail:
	lr_ports_rsv_free(r);
	return -1;
}

enum lr_port_driver lr_ports_rsv_driver(const struct lr_ports_rsv *r)
{
	return r->driver;
}

char *lr_ports_rsv_env(const struct lr_ports_rsv *r)
{
	if (!r || r->driver != LR_PORT_SLIRP)
		return NULL;
	cleanup_free char *m = lr_ports_mappings(r->ports, r->n);
	return xasprintf("RCI_PORT_MAPPINGS=%s", m);
}

void lr_ports_rsv_free(struct lr_ports_rsv *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsocks; i++)
		if (r->socks[i].fd >= 0)
			close(r->socks[i].fd);
	free(r->socks);
	free(r->ports);
	free(r);
}

/* "0.0.0.0:8080->80/tcp, [::1]:53->53/udp" for --debug (a spec without HOSTIP as 0.0.0.0). */
static char *describe(const struct lr_port *ports, size_t n)
{
	cleanup_strv char **v = NULL;
	for (size_t i = 0; i < n; i++) {
		bool v6 = ports[i].family == AF_INET6;
		cleanup_free char *s =
		    xasprintf("%s%s%s:%d->%d/%s", v6 ? "[" : "", ports[i].host_ip, v6 ? "]" : "",
			      ports[i].host, ports[i].ctr, ports[i].proto);
		rci_strv_push(&v, s);
	}
	return rci_strv_join(v, ", ", NULL);
}

/* The forwards of a record left by an earlier attachment of the same ID and NET. */
static void remove_forwards(const struct lr_ctx *ctx, const struct lr_infra *inf,
			    enum lr_port_driver driver, const char *id, const char *net,
			    json_object *rec)
{
	if (driver == LR_PORT_FORWARDER)
		lr_fwd_ports_remove(ctx, id, net);
	else if (rec)
		lr_slirp_ports_remove(inf, rec);
}

int lr_ports_publish(const struct lr_ctx *ctx, const struct lr_infra *inf, struct lr_ports_rsv *r,
		     const char *id, const char *net, json_object *result, rci_error_t *err)
{
	if (!r)
		return 0;
	long long t0 = rci_now_ms();
	cleanup_close int dfd = lr_port_records_lock(ctx, true, err);
	if (dfd < 0)
		return -1;
	cleanup_free char *name = lr_port_record_name(id, net);
	if (check_records(dfd, name, r, err) < 0)
		return -1;
	/* The helper has just attached ID anew: a record of it is stale (a launcher killed before
	 * its rollback), and so are its forwards. */
	cleanup_json json_object *stale = lr_port_record_read(dfd, name);
	if (stale) {
		remove_forwards(ctx, inf, r->driver, id, net, stale);
		lr_port_record_remove(dfd, name);
	}
	cleanup_json json_object *rec = json_object_new_array();
	int added = r->driver == LR_PORT_FORWARDER
			? lr_fwd_ports_add(ctx, r, id, net, result, rec, err)
			: lr_slirp_ports_add(inf, r->ports, r->n, rec, err);
	if (added < 0)
		return -1;
	if (lr_port_record_write(dfd, name, rec, err) < 0) {
		remove_forwards(ctx, inf, r->driver, id, net, rec);
		return -1;
	}
	if (rci_log_debug_enabled()) {
		cleanup_free char *shown = describe(r->ports, r->n);
		rci_debug_step("ports", t0, "published %s for `%s` on `%s`", shown, id, net);
	}
	return 0;
}

void lr_ports_unpublish(const struct lr_ctx *ctx, const struct lr_infra *inf, const char *id,
			const char *net)
{
	rci_error_t tmp = NULL;
	cleanup_close int dfd = lr_port_records_lock(ctx, false, &tmp);
	if (dfd == -1) {
		rci_warning("%s", tmp->msg);
		rci_error_release(&tmp);
	}
	cleanup_free char *name = lr_port_record_name(id, net);
	cleanup_json json_object *rec = dfd >= 0 ? lr_port_record_read(dfd, name) : NULL;
	/* The forwarder is asked even without a record: an alloc killed between handing the
	 * sockets over and recording them left forwards of its owner. */
	if (inf->port_driver == LR_PORT_FORWARDER || rec)
		remove_forwards(ctx, inf, inf->port_driver, id, net, rec);
	if (rec)
		lr_port_record_remove(dfd, name);
}
