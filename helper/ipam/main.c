/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootless-cni-ipam: a CNI IPAM plugin (spec 0.3.0 to 1.0.0) for the shipped networks (issue
 * 12). It replaces Debian's host-local there, which reads every reservation file of the network
 * on each ADD and DEL and holds a directory lock for its whole run: 73 ms an ADD+DEL with no
 * reservation, 155 ms with 800, and parallel ADDs queue on that lock. Here: one static C
 * process, one file per network, one lock held for the in-memory update only.
 *
 * Config (host-local's subset that the shipped and podman's networks use): `ipam`: {type,
 * ranges: [[{subnet, rangeStart?, rangeEnd?, gateway?}], ...], routes: [{dst, gw?}], dataDir?
 * (default /var/lib/cni/rootless-cni-ipam), dns?}. One address per range set. Requests: CNI_ARGS
 * IP=A[,B], runtimeConfig.ips (the `ips` capability) and args.cni.ips.
 * ADD: the attachment's leases if it has some, else new ones; prints the result. DEL: frees the
 * attachment's leases; none is success. CHECK: fails unless the attachment holds leases, and
 * every address of prevResult inside our ranges is one of them. Errors are CNI error objects
 * on stdout, exit 1.
 */
#include "ipam_alloc.h"
#include "ipam_result.h"
#include "ipam_store.h"
#include "json.h"
#include "own_plugin.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Our codes (own_plugin.h has the spec's). */
enum {
	E_STORE = 100, /* the leases file: unreadable, corrupt, not writable */
	E_ALLOC = 101, /* no address: the range is full, a requested one is taken or outside */
	E_CHECK = 102, /* CHECK found the attachment's leases missing */
};

struct request {
	const char *command, *id, *ifname;
	json_object *conf, *ipam; /* stdin, and its `ipam` */
	const char *version, *network, *data_dir;
	struct rci_ipam_set *sets;
	size_t n_sets;
	struct rci_ipam_ip *want;
	size_t n_want;
	struct rci_ipam_ip *got; /* ADD's addresses (n_sets room) */
	size_t n_got;
	bool alloc_failed;
};

static void want_push(struct request *r, struct rci_ipam_ip ip)
{
	r->want = xrealloc(r->want, (r->n_want + 1) * sizeof(*r->want));
	r->want[r->n_want++] = ip;
}

/* IP=A[,B] of CNI_ARGS, as host-local reads it; 0 or the exit status printed. */
static int want_from_args(struct request *r)
{
	cleanup_free char *value = cni_own_arg("IP");
	cleanup_strv char **ips = value ? rci_strv_split(value, ',') : NULL;
	for (size_t k = 0; ips && ips[k]; k++) {
		struct rci_ipam_ip ip;
		if (rci_ipam_ip_parse(ips[k], &ip) < 0)
			return cni_own_fail(r->version, CNI_E_ENV, "invalid IP in CNI_ARGS",
					    ips[k]);
		want_push(r, ip);
	}
	return 0;
}

/* An array of "A" or "A/LEN" strings (runtimeConfig.ips, args.cni.ips); 0 or the status. */
static int want_from_list(struct request *r, json_object *list, const char *what)
{
	if (!list)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return cni_own_fail(r->version, CNI_E_CONFIG, "requested IPs must be an array",
				    what);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		struct rci_ipam_ip ip;
		const char *s =
		    json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		if (rci_ipam_ip_parse_cidr(s, &ip) < 0)
			return cni_own_fail(r->version, CNI_E_CONFIG, "invalid requested IP", what);
		want_push(r, ip);
	}
	return 0;
}

static int load_requests(struct request *r)
{
	json_object *rc = rci_json_get_type(r->conf, "runtimeConfig", json_type_object);
	json_object *args = rci_json_get_type(r->conf, "args", json_type_object);
	json_object *cni = args ? rci_json_get_type(args, "cni", json_type_object) : NULL;
	json_object *ips = NULL, *aips = NULL;
	if (rc)
		json_object_object_get_ex(rc, "ips", &ips);
	if (cni)
		json_object_object_get_ex(cni, "ips", &aips);
	int ret = want_from_args(r);
	if (ret == 0)
		ret = want_from_list(r, ips, "runtimeConfig.ips");
	if (ret == 0)
		ret = want_from_list(r, aips, "args.cni.ips");
	return ret;
}

/* Checks the environment and the config; 0, or the exit status of the error printed. */
static int load(struct request *r)
{
	r->id = getenv("CNI_CONTAINERID");
	r->ifname = getenv("CNI_IFNAME");
	rci_error_t err = NULL;
	int ret = cni_own_read_conf("rootless-cni-ipam", &r->conf, &r->version);
	if (ret)
		return ret;
	r->network = rci_json_get_string(r->conf, "name");
	if (!cni_own_valid_name(r->network))
		return cni_own_fail(r->version, CNI_E_CONFIG, "invalid network name", r->network);
	r->ipam = rci_json_get_type(r->conf, "ipam", json_type_object);
	if (!r->ipam)
		return cni_own_fail(r->version, CNI_E_CONFIG, "missing `ipam` object", NULL);
	json_object *dd = NULL;
	r->data_dir = RCI_IPAM_DATA_DIR;
	if (json_object_object_get_ex(r->ipam, "dataDir", &dd)) {
		r->data_dir = rci_json_get_string(r->ipam, "dataDir");
		if (!r->data_dir || r->data_dir[0] != '/')
			return cni_own_fail(r->version, CNI_E_CONFIG,
					    "dataDir must be an absolute path", r->data_dir);
	}
	if (!r->id || !cni_own_valid_name(r->id))
		return cni_own_fail(r->version, CNI_E_ENV, "invalid or missing CNI_CONTAINERID",
				    r->id);
	if (!cni_own_valid_ifname(r->ifname))
		return cni_own_fail(r->version, CNI_E_ENV, "invalid or missing CNI_IFNAME",
				    r->ifname);
	/* DEL needs no range: it frees what the attachment holds, whatever the config says now. */
	if (!strcmp(r->command, "DEL"))
		return 0;
	int n = rci_ipam_sets_parse(r->ipam, &r->sets, &err);
	if (n < 0)
		return cni_own_fail_err(r->version, CNI_E_CONFIG, "invalid IPAM ranges", &err);
	r->n_sets = (size_t)n;
	json_object *routes = NULL;
	json_object_object_get_ex(r->ipam, "routes", &routes);
	if (rci_ipam_routes_check(routes, &err) < 0)
		return cni_own_fail_err(r->version, CNI_E_CONFIG, "invalid IPAM routes", &err);
	return load_requests(r);
}

static int add_locked(struct rci_ipam_leases *l, void *arg, rci_error_t *err)
{
	struct request *r = arg;
	struct rci_ipam_request q = {r->network, r->id,	  r->ifname, r->sets,
				     r->n_sets,	 r->want, r->n_want};
	bool changed;
	int n = rci_ipam_allocate(&q, l, r->got, &changed, err);
	if (n < 0) {
		r->alloc_failed = true;
		return -1;
	}
	r->n_got = (size_t)n;
	return changed ? 1 : 0;
}

static int cmd_add(struct request *r)
{
	r->got = xmalloc0(r->n_sets * sizeof(*r->got));
	rci_error_t err = NULL;
	if (rci_ipam_store_update(r->data_dir, r->network, true, add_locked, r, &err) < 0)
		return cni_own_fail_err(
		    r->version, r->alloc_failed ? E_ALLOC : E_STORE,
		    r->alloc_failed ? "cannot allocate an address" : "the leases file", &err);
	json_object *routes = NULL, *dns = NULL;
	json_object_object_get_ex(r->ipam, "routes", &routes);
	json_object_object_get_ex(r->ipam, "dns", &dns);
	cleanup_json json_object *res =
	    rci_ipam_result(r->version, r->sets, r->n_sets, r->got, r->n_got, routes, dns);
	printf("%s\n", rci_json_str(res));
	return 0;
}

static int del_locked(struct rci_ipam_leases *l, void *arg, rci_error_t *err)
{
	struct request *r = arg;
	(void)err;
	return rci_ipam_leases_remove(l, r->id, r->ifname) ? 1 : 0;
}

static int cmd_del(struct request *r)
{
	rci_error_t err = NULL;
	if (rci_ipam_store_update(r->data_dir, r->network, false, del_locked, r, &err) < 0)
		return cni_own_fail_err(r->version, E_STORE, "the leases file", &err);
	return 0;
}

static bool holds(const struct rci_ipam_leases *l, const struct request *r, struct rci_ipam_ip ip)
{
	const struct rci_ipam_lease *e = rci_ipam_leases_find(l, ip);
	return e && !strcmp(e->id, r->id) && !strcmp(e->ifname, r->ifname);
}

static int check_locked(struct rci_ipam_leases *l, void *arg, rci_error_t *err)
{
	struct request *r = arg;
	r->alloc_failed = true; /* every failure here is CHECK's finding */
	bool any = false;
	for (size_t i = 0; i < l->n && !any; i++)
		any = !strcmp(l->v[i].id, r->id) && !strcmp(l->v[i].ifname, r->ifname);
	if (!any)
		return rci_make_error(err, 0, "`%s` (%s) holds no lease in network `%s`", r->id,
				      r->ifname, r->network);
	json_object *prev = rci_json_get_type(r->conf, "prevResult", json_type_object);
	json_object *ips = prev ? rci_json_get_type(prev, "ips", json_type_array) : NULL;
	for (size_t i = 0; ips && i < json_object_array_length(ips); i++) {
		const char *a = rci_json_get_string(json_object_array_get_idx(ips, i), "address");
		struct rci_ipam_ip ip;
		bool ours = false;
		if (rci_ipam_ip_parse_cidr(a, &ip) < 0)
			continue;
		for (size_t s = 0; s < r->n_sets && !ours; s++)
			ours = rci_ipam_set_find(&r->sets[s], ip) != NULL;
		if (ours && !holds(l, r, ip))
			return rci_make_error(err, 0, "`%s` (%s) holds no lease of `%s`", r->id,
					      r->ifname, a);
	}
	r->alloc_failed = false;
	return 0;
}

static int cmd_check(struct request *r)
{
	rci_error_t err = NULL;
	if (rci_ipam_store_update(r->data_dir, r->network, false, check_locked, r, &err) < 0)
		return cni_own_fail_err(r->version, r->alloc_failed ? E_CHECK : E_STORE,
					r->alloc_failed ? "the attachment's leases are missing"
							: "the leases file",
					&err);
	return 0;
}

int main(void)
{
	struct request r = {0};
	int ret;
	if (cni_own_command(&r.command, &ret))
		return ret;
	ret = load(&r);
	if (ret == 0) {
		if (!strcmp(r.command, "ADD"))
			ret = cmd_add(&r);
		else if (!strcmp(r.command, "DEL"))
			ret = cmd_del(&r);
		else
			ret = cmd_check(&r);
	}
	if (r.conf)
		json_object_put(r.conf);
	rci_ipam_sets_free(r.sets, r.n_sets);
	free(r.want);
	free(r.got);
	fflush(stdout);
	return ret;
}
