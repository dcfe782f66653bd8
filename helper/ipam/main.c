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
#include "fs.h"
#include "ipam_alloc.h"
#include "ipam_result.h"
#include "ipam_store.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>

#define MAX_STDIN (1 << 20)

static const char *const versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};

/* CNI error codes (SPEC section 5) and ours (100 and up). */
enum {
	E_VERSION = 1,
	E_ENV = 4,
	E_DECODE = 6,
	E_CONFIG = 7,
	E_STORE = 100, /* the leases file: unreadable, corrupt, not writable */
	E_ALLOC = 101, /* no address: the range is full, a requested one is taken or outside */
	E_CHECK = 102, /* CHECK found the attachment's leases missing */
};

static int fail(const char *version, int code, const char *msg, const char *details)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object_object_add(o, "cniVersion",
			       json_object_new_string(version ? version : "1.0.0"));
	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (details && *details)
		json_object_object_add(o, "details", json_object_new_string(details));
	printf("%s\n", rci_json_str(o));
	return 1;
}

static int fail_err(const char *version, int code, const char *msg, rci_error_t *err)
{
	cleanup_free char *text = rci_error_text(*err);
	rci_error_release(err);
	return fail(version, code, msg, text);
}

static bool supported(const char *v)
{
	for (size_t i = 0; v && i < RCI_ARRAY_SIZE(versions); i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

/* The network's name and the container's ID go into the leases file and a path: validate.h. */
static bool valid_name(const char *n)
{
	rci_error_t err = NULL;
	int r = rci_validate_name("name", n, RCI_ID_MAX, &err);
	rci_error_release(&err);
	return r == 0;
}

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

/* IP=A[,B] of CNI_ARGS ("K=V;K=V"), as host-local reads it; 0 or the exit status printed. */
static int want_from_args(struct request *r)
{
	const char *args = getenv("CNI_ARGS");
	cleanup_strv char **pairs = rci_strv_split(args ? args : "", ';');
	for (size_t i = 0; pairs && pairs[i]; i++) {
		if (strncmp(pairs[i], "IP=", 3))
			continue;
		cleanup_strv char **ips = rci_strv_split(pairs[i] + 3, ',');
		for (size_t k = 0; ips && ips[k]; k++) {
			struct rci_ipam_ip ip;
			if (rci_ipam_ip_parse(ips[k], &ip) < 0)
				return fail(r->version, E_ENV, "invalid IP in CNI_ARGS", ips[k]);
			want_push(r, ip);
		}
	}
	return 0;
}

/* An array of "A" or "A/LEN" strings (runtimeConfig.ips, args.cni.ips); 0 or the status. */
static int want_from_list(struct request *r, json_object *list, const char *what)
{
	if (!list)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return fail(r->version, E_CONFIG, "requested IPs must be an array", what);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		struct rci_ipam_ip ip;
		const char *s =
		    json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		if (rci_ipam_ip_parse_cidr(s, &ip) < 0)
			return fail(r->version, E_CONFIG, "invalid requested IP", what);
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
	r->command = getenv("CNI_COMMAND");
	r->id = getenv("CNI_CONTAINERID");
	r->ifname = getenv("CNI_IFNAME");
	cleanup_free char *in = NULL;
	size_t len = 0;
	rci_error_t err = NULL;
	if (rci_read_all_fd(0, MAX_STDIN, &in, &len, &err) < 0)
		return fail_err(NULL, E_DECODE, "cannot read the network configuration", &err);
	r->conf = rci_json_parse(in, len, "stdin", &err);
	if (!r->conf || !json_object_is_type(r->conf, json_type_object)) {
		if (!err)
			rci_make_error(&err, 0, "not a JSON object");
		return fail_err(NULL, E_DECODE, "decoding the network configuration", &err);
	}
	r->version = rci_json_get_string(r->conf, "cniVersion");
	if (!supported(r->version))
		return fail(NULL, E_VERSION, "incompatible CNI versions",
			    "rootless-cni-ipam supports 0.3.0, 0.3.1, 0.4.0 and 1.0.0");
	r->network = rci_json_get_string(r->conf, "name");
	if (!valid_name(r->network))
		return fail(r->version, E_CONFIG, "invalid network name", r->network);
	r->ipam = rci_json_get_type(r->conf, "ipam", json_type_object);
	if (!r->ipam)
		return fail(r->version, E_CONFIG, "missing `ipam` object", NULL);
	json_object *dd = NULL;
	r->data_dir = RCI_IPAM_DATA_DIR;
	if (json_object_object_get_ex(r->ipam, "dataDir", &dd)) {
		r->data_dir = rci_json_get_string(r->ipam, "dataDir");
		if (!r->data_dir || r->data_dir[0] != '/')
			return fail(r->version, E_CONFIG, "dataDir must be an absolute path",
				    r->data_dir);
	}
	if (!r->id || !valid_name(r->id))
		return fail(r->version, E_ENV, "invalid or missing CNI_CONTAINERID", r->id);
	if (!r->ifname || !*r->ifname || strlen(r->ifname) > 15 ||
	    strpbrk(r->ifname, "/: \t\n\r") || !strcmp(r->ifname, ".") || !strcmp(r->ifname, ".."))
		return fail(r->version, E_ENV, "invalid or missing CNI_IFNAME", r->ifname);
	/* DEL needs no range: it frees what the attachment holds, whatever the config says now. */
	if (!strcmp(r->command, "DEL"))
		return 0;
	int n = rci_ipam_sets_parse(r->ipam, &r->sets, &err);
	if (n < 0)
		return fail_err(r->version, E_CONFIG, "invalid IPAM ranges", &err);
	r->n_sets = (size_t)n;
	json_object *routes = NULL;
	json_object_object_get_ex(r->ipam, "routes", &routes);
	if (rci_ipam_routes_check(routes, &err) < 0)
		return fail_err(r->version, E_CONFIG, "invalid IPAM routes", &err);
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
		return fail_err(r->version, r->alloc_failed ? E_ALLOC : E_STORE,
				r->alloc_failed ? "cannot allocate an address" : "the leases file",
				&err);
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
		return fail_err(r->version, E_STORE, "the leases file", &err);
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
		return fail_err(r->version, r->alloc_failed ? E_CHECK : E_STORE,
				r->alloc_failed ? "the attachment's leases are missing"
						: "the leases file",
				&err);
	return 0;
}

static int cmd_version(void)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < RCI_ARRAY_SIZE(versions); i++)
		json_object_array_add(list, json_object_new_string(versions[i]));
	json_object_object_add(o, "cniVersion", json_object_new_string("1.0.0"));
	json_object_object_add(o, "supportedVersions", list);
	printf("%s\n", rci_json_str(o));
	return 0;
}

int main(void)
{
	const char *command = getenv("CNI_COMMAND");
	if (command && !strcmp(command, "VERSION"))
		return cmd_version();
	if (!command ||
	    (strcmp(command, "ADD") && strcmp(command, "DEL") && strcmp(command, "CHECK")))
		return fail(NULL, E_ENV, "unknown CNI_COMMAND", command ? command : "(unset)");
	struct request r = {0};
	int ret = load(&r);
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
