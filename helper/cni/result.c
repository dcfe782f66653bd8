/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "result.h"
#include "json.h"
#include "number.h"
#include "util.h"
#include "version.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool is_v6(const char *addr)
{
	return addr && strchr(addr, ':') != NULL;
}

/* "ADDR" (@prefix false) or "ADDR/LEN": what Go's net.ParseIP / net.ParseCIDR accept. */
static bool is_addr(const char *s, bool prefix)
{
	if (!s)
		return false;
	const char *slash = strchr(s, '/');
	if (!prefix && slash)
		return false;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if ((prefix && !slash) || n == 0 || n >= INET6_ADDRSTRLEN)
		return false;
	char addr[INET6_ADDRSTRLEN];
	unsigned char buf[16];
	memcpy(addr, s, n);
	addr[n] = '\0';
	bool v6 = inet_pton(AF_INET6, addr, buf) == 1;
	if (!v6 && inet_pton(AF_INET, addr, buf) != 1)
		return false;
	if (!prefix)
		return true;
	unsigned long len;
	return rci_parse_ulong(slash + 1, 0, v6 ? 128 : 32, &len) == 0;
}

/* An optional string field that, when present, must be an address (engines parse it). */
static bool addr_field_ok(json_object *o, const char *key, bool prefix)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	return json_object_is_type(v, json_type_string) &&
	       (!prefix && !*json_object_get_string(v)
		    ? true
		    : is_addr(json_object_get_string(v), prefix));
}

int cni_result_validate(json_object *r, rci_error_t *err)
{
	if (!json_object_is_type(r, json_type_object))
		return rci_make_error(err, 0, "result is not a JSON object");
	const char *v = rci_json_get_string(r, "cniVersion");
	int fam = cni_version_family(v);
	if (fam == 1) {
		const char *keys[] = {"ip4", "ip6"};
		for (int i = 0; i < 2; i++) {
			json_object *ip;
			if (json_object_object_get_ex(r, keys[i], &ip) &&
			    (!json_object_is_type(ip, json_type_object) ||
			     !rci_json_get_string(ip, "ip")))
				return rci_make_error(err, 0, "result `%s` is malformed", keys[i]);
		}
		return 0;
	}
	const char *arrays[] = {"interfaces", "ips", "routes"};
	for (int i = 0; i < 3; i++) {
		json_object *a;
		if (json_object_object_get_ex(r, arrays[i], &a) &&
		    !json_object_is_type(a, json_type_array) &&
		    !json_object_is_type(a, json_type_null))
			return rci_make_error(err, 0, "result `%s` is not an array", arrays[i]);
	}
	json_object *ips = rci_json_get_type(r, "ips", json_type_array);
	for (size_t i = 0; ips && i < json_object_array_length(ips); i++) {
		json_object *ip = json_object_array_get_idx(ips, i);
		if (!json_object_is_type(ip, json_type_object) ||
		    !rci_json_get_string(ip, "address"))
			return rci_make_error(err, 0, "result ips[%zu] has no `address`", i);
		/* libcni would refuse these too (types.IPNet): engines could not parse them. */
		if (!addr_field_ok(ip, "address", true) || !addr_field_ok(ip, "gateway", false))
			return rci_make_error(err, 0,
					      "result ips[%zu]: `address` must be ADDR/LEN and "
					      "`gateway` an address",
					      i);
	}
	/* Conversion edits interfaces as objects (json-c asserts otherwise: found by fuzz_result).
	 */
	json_object *ifs = rci_json_get_type(r, "interfaces", json_type_array);
	for (size_t i = 0; ifs && i < json_object_array_length(ifs); i++)
		if (!json_object_is_type(json_object_array_get_idx(ifs, i), json_type_object))
			return rci_make_error(err, 0, "result interfaces[%zu] is not an object", i);
	json_object *routes = rci_json_get_type(r, "routes", json_type_array);
	for (size_t i = 0; routes && i < json_object_array_length(routes); i++) {
		json_object *rt = json_object_array_get_idx(routes, i);
		if (!json_object_is_type(rt, json_type_object) || !rci_json_get_string(rt, "dst") ||
		    !addr_field_ok(rt, "dst", true) || !addr_field_ok(rt, "gw", false))
			return rci_make_error(
			    err, 0,
			    "result routes[%zu]: `dst` must be ADDR/LEN and `gw` an address", i);
	}
	json_object *dns;
	if (json_object_object_get_ex(r, "dns", &dns) &&
	    !json_object_is_type(dns, json_type_object))
		return rci_make_error(err, 0, "result `dns` is not an object");
	return 0;
}

/* 0.1/0.2 -> 0.3+ shape: ip4/ip6 {ip, gateway, routes} become ips[] and routes[]. */
static json_object *up_from_legacy(json_object *r, bool with_version)
{
	json_object *out = json_object_new_object();
	json_object *ips = json_object_new_array(), *routes = json_object_new_array();
	const char *keys[] = {"ip4", "ip6"};
	for (int i = 0; i < 2; i++) {
		json_object *ip = rci_json_get_type(r, keys[i], json_type_object);
		if (!ip)
			continue;
		json_object *e = json_object_new_object();
		if (with_version)
			json_object_object_add(e, "version", json_object_new_string(i ? "6" : "4"));
		json_object_object_add(e, "address",
				       json_object_new_string(rci_json_get_string(ip, "ip")));
		const char *gw = rci_json_get_string(ip, "gateway");
		if (gw)
			json_object_object_add(e, "gateway", json_object_new_string(gw));
		json_object_array_add(ips, e);
		json_object *rt = rci_json_get_type(ip, "routes", json_type_array);
		for (size_t j = 0; rt && j < json_object_array_length(rt); j++)
			json_object_array_add(routes,
					      rci_json_copy(json_object_array_get_idx(rt, j)));
	}
	json_object_object_add(out, "ips", ips);
	if (json_object_array_length(routes))
		json_object_object_add(out, "routes", routes);
	else
		json_object_put(routes);
	json_object *dns;
	if (json_object_object_get_ex(r, "dns", &dns))
		json_object_object_add(out, "dns", rci_json_copy(dns));
	return out;
}

/* 0.3+ -> 0.1/0.2: first IPv4 and first IPv6 only; routes go with the family of their dst. */
static json_object *down_to_legacy(json_object *r)
{
	json_object *out = json_object_new_object();
	json_object *ips = rci_json_get_type(r, "ips", json_type_array);
	json_object *routes = rci_json_get_type(r, "routes", json_type_array);
	for (int fam = 0; fam < 2; fam++) {
		json_object *first = NULL;
		for (size_t i = 0; ips && i < json_object_array_length(ips) && !first; i++) {
			json_object *ip = json_object_array_get_idx(ips, i);
			if (is_v6(rci_json_get_string(ip, "address")) == (fam == 1))
				first = ip;
		}
		if (!first)
			continue;
		json_object *e = json_object_new_object();
		json_object_object_add(
		    e, "ip", json_object_new_string(rci_json_get_string(first, "address")));
		const char *gw = rci_json_get_string(first, "gateway");
		if (gw)
			json_object_object_add(e, "gateway", json_object_new_string(gw));
		json_object *rt = json_object_new_array();
		for (size_t i = 0; routes && i < json_object_array_length(routes); i++) {
			json_object *ro = json_object_array_get_idx(routes, i);
			if (is_v6(rci_json_get_string(ro, "dst")) == (fam == 1))
				json_object_array_add(rt, rci_json_copy(ro));
		}
		json_object_object_add(e, "routes", rt);
		json_object_object_add(out, fam ? "ip6" : "ip4", e);
	}
	json_object *dns;
	if (json_object_object_get_ex(r, "dns", &dns))
		json_object_object_add(out, "dns", rci_json_copy(dns));
	return out;
}

static const char *const v11_iface_fields[] = {"mtu", "socketPath", "pciID"};

json_object *cni_result_convert(json_object *result, const char *default_version,
				const char *to_version, rci_error_t *err)
{
	if (json_object_is_type(result, json_type_null) || !result) {
		json_object *empty = json_object_new_object();
		json_object_object_add(empty, "cniVersion", json_object_new_string(to_version));
		return empty;
	}
	if (!json_object_is_type(result, json_type_object)) {
		/* json-c asserts on object operations on other types (found by fuzz_result). */
		rci_make_error(err, 0, "CNI result is not a JSON object");
		return NULL;
	}
	const char *from = rci_json_get_string(result, "cniVersion");
	if (!from || !*from)
		from = default_version;
	int ff = cni_version_family(from), tf = cni_version_family(to_version);
	if (!ff || !tf) {
		rci_make_error(err, 0, "cannot convert a CNI result from version `%s` to `%s`",
			       from ? from : "", to_version ? to_version : "");
		return NULL;
	}
	/* Validate as the source version. */
	cleanup_json json_object *src = rci_json_copy(result);
	json_object_object_add(src, "cniVersion", json_object_new_string(from));
	if (cni_result_validate(src, err) < 0)
		return NULL;
	json_object *out;
	if (ff == tf) {
		out = rci_json_copy(src);
	} else if (ff == 1) {
		out = up_from_legacy(src, tf == 3);
	} else if (tf == 1) {
		out = down_to_legacy(src);
	} else {
		out = rci_json_copy(src);
		json_object *ips = rci_json_get_type(out, "ips", json_type_array);
		for (size_t i = 0; ips && i < json_object_array_length(ips); i++) {
			json_object *ip = json_object_array_get_idx(ips, i);
			if (tf == 10) {
				json_object_object_del(ip, "version");
			} else {
				const char *a = rci_json_get_string(ip, "address");
				json_object_object_add(
				    ip, "version", json_object_new_string(is_v6(a) ? "6" : "4"));
			}
		}
		json_object *ifs = rci_json_get_type(out, "interfaces", json_type_array);
		for (size_t i = 0; tf == 3 && ifs && i < json_object_array_length(ifs); i++)
			for (size_t k = 0; k < RCI_ARRAY_SIZE(v11_iface_fields); k++)
				json_object_object_del(json_object_array_get_idx(ifs, i),
						       v11_iface_fields[k]);
	}
	json_object_object_add(out, "cniVersion", json_object_new_string(to_version));
	return out;
}
