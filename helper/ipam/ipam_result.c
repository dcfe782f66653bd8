/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipam_result.h"
#include "json.h"
#include "number.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>

static bool valid_cidr(const char *s)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	struct rci_ipam_ip ip;
	uint64_t len;
	if (!slash)
		return false;
	cleanup_free char *a = xstrndup(s, (size_t)(slash - s));
	return rci_ipam_ip_parse(a, &ip) == 0 &&
	       rci_parse_u64(slash + 1, ip.family == AF_INET ? 32 : 128, &len) == 0;
}

int rci_ipam_routes_check(json_object *routes, rci_error_t *err)
{
	if (!routes)
		return 0;
	if (!json_object_is_type(routes, json_type_array))
		return rci_make_error(err, 0, "`routes` must be an array");
	for (size_t i = 0; i < json_object_array_length(routes); i++) {
		json_object *r = json_object_array_get_idx(routes, i);
		const char *dst =
		    json_object_is_type(r, json_type_object) ? rci_json_get_string(r, "dst") : NULL;
		struct rci_ipam_ip gw;
		const char *g = dst ? rci_json_get_string(r, "gw") : NULL;
		if (!valid_cidr(dst))
			return rci_make_error(err, 0, "route %zu: `dst` must be a CIDR", i);
		if (json_object_object_get_ex(r, "gw", NULL) && rci_ipam_ip_parse(g, &gw) < 0)
			return rci_make_error(err, 0, "route %zu: `gw` must be an address", i);
	}
	return 0;
}

static json_object *ip_entry(const char *version, const struct rci_ipam_set *sets, size_t n_sets,
			     struct rci_ipam_ip ip)
{
	const struct rci_ipam_range *r = NULL;
	for (size_t s = 0; s < n_sets && !r; s++)
		r = rci_ipam_set_find(&sets[s], ip);
	char a[RCI_IPAM_ADDR_MAX], cidr[RCI_IPAM_CIDR_MAX];
	json_object *o = json_object_new_object();
	/* 0.3.0 to 0.4.0 results name the family; 1.0.0 dropped the field. */
	if (version[0] == '0')
		json_object_object_add(o, "version",
				       json_object_new_string(ip.family == AF_INET ? "4" : "6"));
	snprintf(cidr, sizeof(cidr), "%s/%u", rci_ipam_ip_str(ip, a), r ? r->prefix : 0);
	json_object_object_add(o, "address", json_object_new_string(cidr));
	if (r)
		json_object_object_add(o, "gateway",
				       json_object_new_string(rci_ipam_ip_str(
					   (struct rci_ipam_ip){r->gateway, r->family}, a)));
	return o;
}

json_object *rci_ipam_result(const char *version, const struct rci_ipam_set *sets, size_t n_sets,
			     const struct rci_ipam_ip *ips, size_t n, json_object *routes,
			     json_object *dns)
{
	json_object *res = json_object_new_object();
	json_object_object_add(res, "cniVersion", json_object_new_string(version));
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, ip_entry(version, sets, n_sets, ips[i]));
	json_object_object_add(res, "ips", list);
	json_object *rl = json_object_new_array();
	for (size_t i = 0; routes && i < json_object_array_length(routes); i++) {
		json_object *r = json_object_array_get_idx(routes, i),
			    *o = json_object_new_object();
		json_object_object_add(o, "dst",
				       json_object_new_string(rci_json_get_string(r, "dst")));
		const char *gw = rci_json_get_string(r, "gw");
		if (gw)
			json_object_object_add(o, "gw", json_object_new_string(gw));
		json_object_array_add(rl, o);
	}
	json_object_object_add(res, "routes", rl);
	if (dns && json_object_is_type(dns, json_type_object))
		json_object_object_add(res, "dns", rci_json_copy(dns));
	return res;
}
