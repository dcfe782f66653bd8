/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns_hosts.h"
#include "json.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>

bool rci_dns_valid_name(const char *name)
{
	size_t len = name ? strlen(name) : 0, label = 0;
	if (len == 0 || len > 253 || name[0] == '.' || name[len - 1] == '.')
		return false;
	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
		if (!ok || ++label > 63)
			return false;
	}
	return true;
}

static bool in_list(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* An address as inet_pton reads it, or NULL. @cidr: a prefix length is allowed and dropped. */
static char *plain_address(const char *s, bool cidr)
{
	if (!s)
		return NULL;
	size_t n = cidr ? strcspn(s, "/") : strlen(s);
	cleanup_free char *a = xstrndup(s, n);
	unsigned char buf[16];
	if (inet_pton(strchr(a, ':') ? AF_INET6 : AF_INET, a, buf) != 1)
		return NULL;
	char *out = a;
	a = NULL;
	return out;
}

/* The interface at index @idx of prevResult is the container's (it has a sandbox). */
static bool in_sandbox(json_object *prev, json_object *ip)
{
	json_object *idx = NULL;
	if (!json_object_object_get_ex(ip, "interface", &idx) ||
	    !json_object_is_type(idx, json_type_int))
		return true;
	json_object *ifs = rci_json_get_type(prev, "interfaces", json_type_array);
	int64_t i = json_object_get_int64(idx);
	if (!ifs || i < 0 || (size_t)i >= json_object_array_length(ifs))
		return false;
	const char *sb = rci_json_get_string(json_object_array_get_idx(ifs, (size_t)i), "sandbox");
	return sb && *sb;
}

static void add_name(struct rci_dns_entry *e, const char *name)
{
	if (rci_dns_valid_name(name) && !in_list(e->names, name))
		rci_strv_push(&e->names, name);
}

int rci_dns_entry_from(struct rci_dns_entry *e, json_object *prev, const char *network,
		       const char *pod_name, json_object *aliases, rci_error_t *err)
{
	memset(e, 0, sizeof(*e));
	json_object *ips = rci_json_get_type(prev, "ips", json_type_array);
	for (size_t i = 0; ips && i < json_object_array_length(ips); i++) {
		json_object *ip = json_object_array_get_idx(ips, i);
		cleanup_free char *gw = plain_address(rci_json_get_string(ip, "gateway"), false);
		if (gw && !in_list(e->gateways, gw))
			rci_strv_push(&e->gateways, gw);
		cleanup_free char *a = plain_address(rci_json_get_string(ip, "address"), true);
		if (a && in_sandbox(prev, ip) && !in_list(e->addrs, a))
			rci_strv_push(&e->addrs, a);
	}
	if (!e->addrs || !e->gateways) {
		rci_dns_entry_clear(e);
		return rci_make_error(
		    err, 0,
		    "prevResult has %s: the name server answers on the "
		    "network's gateway (a bridge with isGateway before this plugin)",
		    ips ? "no container address or no gateway" : "no `ips`");
	}
	if (pod_name)
		add_name(e, pod_name);
	json_object *mine = aliases ? rci_json_get_type(aliases, network, json_type_array) : NULL;
	for (size_t i = 0; mine && i < json_object_array_length(mine); i++) {
		json_object *a = json_object_array_get_idx(mine, i);
		if (json_object_is_type(a, json_type_string))
			add_name(e, json_object_get_string(a));
	}
	return 0;
}

void rci_dns_entry_clear(struct rci_dns_entry *e)
{
	rci_strv_free(e->addrs);
	rci_strv_free(e->gateways);
	rci_strv_free(e->names);
	memset(e, 0, sizeof(*e));
}

char *rci_dns_hosts_text(const struct rci_dns_entry *e)
{
	if (!e->names)
		return xstrdup("");
	cleanup_free char *names = rci_strv_join(e->names, " ", NULL);
	char *text = xstrdup("");
	for (size_t i = 0; e->addrs && e->addrs[i]; i++) {
		char *t = xasprintf("%s%s\t%s\n", text, e->addrs[i], names);
		free(text);
		text = t;
	}
	return text;
}

/* @first's strings, then @old's (a JSON array) not already there, as a JSON array. */
static json_object *merged(char *const *first, json_object *old)
{
	json_object *arr = json_object_new_array();
	cleanup_strv char **seen = NULL;
	for (size_t i = 0; first && first[i]; i++) {
		json_object_array_add(arr, json_object_new_string(first[i]));
		rci_strv_push(&seen, first[i]);
	}
	for (size_t i = 0; old && i < json_object_array_length(old); i++) {
		json_object *s = json_object_array_get_idx(old, i);
		if (json_object_is_type(s, json_type_string) &&
		    !in_list(seen, json_object_get_string(s))) {
			json_object_array_add(arr, json_object_get(s));
			rci_strv_push(&seen, json_object_get_string(s));
		}
	}
	return arr;
}

json_object *rci_dns_result(json_object *prev, const struct rci_dns_entry *e, const char *domain,
			    const char *version)
{
	json_object *r = rci_json_copy(prev);
	json_object *old = rci_json_get_type(r, "dns", json_type_object);
	json_object *dns = old ? json_object_get(old) : json_object_new_object();
	char *search[] = {(char *)domain, NULL};
	json_object_object_add(
	    dns, "nameservers",
	    merged(e->gateways, rci_json_get_type(dns, "nameservers", json_type_array)));
	json_object_object_add(dns, "search",
			       merged(search, rci_json_get_type(dns, "search", json_type_array)));
	json_object_object_add(r, "dns", dns);
	json_object_object_add(r, "cniVersion", json_object_new_string(version));
	return r;
}
