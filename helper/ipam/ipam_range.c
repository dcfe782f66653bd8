/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipam_range.h"
#include "json.h"
#include "number.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>

typedef unsigned __int128 u128;

static u128 ones(unsigned bits)
{
	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

static unsigned width(int family)
{
	return family == AF_INET ? 32 : 128;
}

int rci_ipam_ip_parse(const char *s, struct rci_ipam_ip *out)
{
	unsigned char b[16];
	int family = s && strchr(s, ':') ? AF_INET6 : AF_INET;
	if (!s || inet_pton(family, s, b) != 1)
		return -1;
	u128 v = 0;
	for (size_t i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		v = v << 8 | b[i];
	out->v = v;
	out->family = family;
	return 0;
}

int rci_ipam_ip_parse_cidr(const char *s, struct rci_ipam_ip *out)
{
	if (!s)
		return -1;
	cleanup_free char *a = xstrndup(s, strcspn(s, "/"));
	uint64_t len;
	if (s[strlen(a)] == '/' && rci_parse_u64(s + strlen(a) + 1, 128, &len) < 0)
		return -1;
	return rci_ipam_ip_parse(a, out);
}

char *rci_ipam_ip_str(struct rci_ipam_ip ip, char *buf)
{
	unsigned char b[16];
	size_t n = ip.family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(ip.v >> (8 * (n - 1 - i)));
	if (!inet_ntop(ip.family, b, buf, RCI_IPAM_ADDR_MAX))
		strcpy(buf, "?");
	return buf;
}

int rci_ipam_ip_cmp(struct rci_ipam_ip a, struct rci_ipam_ip b)
{
	if (a.family != b.family)
		return a.family == AF_INET ? -1 : 1;
	return a.v < b.v ? -1 : a.v > b.v;
}

/* An address field of a range: absent is fine (*set false), anything but an address is not. */
static int range_addr(json_object *o, const char *key, struct rci_ipam_range *r, u128 *out,
		      bool *set, rci_error_t *err)
{
	json_object *f = NULL;
	*set = false;
	if (!json_object_object_get_ex(o, key, &f) || json_object_is_type(f, json_type_null))
		return 0;
	struct rci_ipam_ip ip;
	const char *s = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
	if (rci_ipam_ip_parse(s, &ip) < 0 || ip.family != r->family)
		return rci_make_error(err, 0, "`%s` of subnet `%s` is no IPv%d address", key,
				      r->subnet, r->family == AF_INET ? 4 : 6);
	*out = ip.v;
	*set = true;
	return 0;
}

static int parse_range(json_object *o, struct rci_ipam_range *r, rci_error_t *err)
{
	const char *subnet =
	    json_object_is_type(o, json_type_object) ? rci_json_get_string(o, "subnet") : NULL;
	if (!subnet)
		return rci_make_error(err, 0, "a range needs a `subnet` string");
	r->subnet = xstrdup(subnet);
	const char *slash = strchr(subnet, '/');
	cleanup_free char *a = slash ? xstrndup(subnet, (size_t)(slash - subnet)) : NULL;
	struct rci_ipam_ip ip;
	uint64_t len;
	if (!a || rci_ipam_ip_parse(a, &ip) < 0 ||
	    rci_parse_u64(slash + 1, width(ip.family), &len) < 0)
		return rci_make_error(err, 0, "invalid subnet `%s`", subnet);
	r->family = ip.family;
	r->prefix = (unsigned)len;
	u128 host = ones(width(ip.family) - r->prefix);
	if (ip.v & host)
		return rci_make_error(err, 0, "subnet `%s` has host bits set", subnet);
	/* host-local's limit: a gateway and one address, plus an IPv4 broadcast. */
	if (r->prefix + 2 > width(ip.family))
		return rci_make_error(err, 0, "subnet `%s` is too small to allocate from", subnet);
	r->net = ip.v;
	r->last = ip.v | host;
	bool has_start, has_end, has_gw;
	if (range_addr(o, "rangeStart", r, &r->start, &has_start, err) < 0 ||
	    range_addr(o, "rangeEnd", r, &r->end, &has_end, err) < 0 ||
	    range_addr(o, "gateway", r, &r->gateway, &has_gw, err) < 0)
		return -1;
	if (!has_gw)
		r->gateway = r->net + 1;
	if (!has_start)
		r->start = r->net + 1;
	if (!has_end)
		r->end = r->family == AF_INET ? r->last - 1 : r->last;
	char buf[RCI_IPAM_ADDR_MAX];
	if (r->start < r->net || r->start > r->last)
		return rci_make_error(
		    err, 0, "rangeStart `%s` is outside subnet `%s`",
		    rci_ipam_ip_str((struct rci_ipam_ip){r->start, r->family}, buf), subnet);
	if (r->end < r->net || r->end > r->last)
		return rci_make_error(err, 0, "rangeEnd `%s` is outside subnet `%s`",
				      rci_ipam_ip_str((struct rci_ipam_ip){r->end, r->family}, buf),
				      subnet);
	if (r->start > r->end)
		return rci_make_error(err, 0, "rangeStart is after rangeEnd in subnet `%s`",
				      subnet);
	return 0;
}

static int parse_set(json_object *arr, struct rci_ipam_set *s, rci_error_t *err)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	if (n == 0)
		return rci_make_error(err, 0, "a range set must be a non-empty array of ranges");
	s->ranges = xmalloc0(n * sizeof(*s->ranges));
	for (size_t i = 0; i < n; i++) {
		s->n = i + 1;
		if (parse_range(json_object_array_get_idx(arr, i), &s->ranges[i], err) < 0)
			return -1;
		if (s->ranges[i].family != s->ranges[0].family)
			return rci_make_error(err, 0, "mixed address families in one range set");
	}
	return 0;
}

static bool overlap(const struct rci_ipam_range *a, const struct rci_ipam_range *b)
{
	return a->family == b->family && a->start <= b->end && b->start <= a->end;
}

/* Ranges overlap (in one set or across sets): one address would belong to two of them. */
static int check_overlaps(const struct rci_ipam_set *sets, size_t n, rci_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sets[i].n; k++)
			for (size_t j = i; j < n; j++)
				for (size_t l = (j == i ? k + 1 : 0); l < sets[j].n; l++)
					if (overlap(&sets[i].ranges[k], &sets[j].ranges[l]))
						return rci_make_error(
						    err, 0,
						    "range set %zu (`%s`) overlaps range set %zu "
						    "(`%s`)",
						    i, sets[i].ranges[k].subnet, j,
						    sets[j].ranges[l].subnet);
	return 0;
}

int rci_ipam_sets_parse(json_object *ipam, struct rci_ipam_set **out, rci_error_t *err)
{
	*out = NULL;
	json_object *ranges = NULL;
	size_t n;
	bool legacy = false;
	if (json_object_object_get_ex(ipam, "ranges", &ranges)) {
		if (!json_object_is_type(ranges, json_type_array) ||
		    json_object_array_length(ranges) == 0)
			return rci_make_error(err, 0, "`ranges` must be a non-empty array");
		n = json_object_array_length(ranges);
	} else if (json_object_object_get_ex(ipam, "subnet", NULL)) {
		legacy = true;
		n = 1;
	} else {
		return rci_make_error(err, 0, "no `ranges` (nor `subnet`) in `ipam`");
	}
	struct rci_ipam_set *sets = xmalloc0(n * sizeof(*sets));
	int ret = 0;
	size_t done = 0;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		done = i + 1;
		if (legacy) {
			sets[i].ranges = xmalloc0(sizeof(*sets[i].ranges));
			sets[i].n = 1;
			ret = parse_range(ipam, &sets[i].ranges[0], err);
		} else {
			ret = parse_set(json_object_array_get_idx(ranges, i), &sets[i], err);
		}
		if (ret < 0)
			rci_error_wrap(err, "range set %zu", i);
	}
	if (ret == 0)
		ret = check_overlaps(sets, n, err);
	if (ret < 0) {
		rci_ipam_sets_free(sets, done);
		return -1;
	}
	*out = sets;
	return (int)n;
}

void rci_ipam_sets_free(struct rci_ipam_set *sets, size_t n)
{
	for (size_t i = 0; sets && i < n; i++) {
		for (size_t k = 0; k < sets[i].n; k++)
			free(sets[i].ranges[k].subnet);
		free(sets[i].ranges);
	}
	free(sets);
}

const struct rci_ipam_range *rci_ipam_set_find(const struct rci_ipam_set *s, struct rci_ipam_ip ip)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct rci_ipam_range *r = &s->ranges[i];
		if (r->family == ip.family && ip.v >= r->start && ip.v <= r->end)
			return r;
	}
	return NULL;
}

bool rci_ipam_reserved(const struct rci_ipam_range *r, struct rci_ipam_ip ip)
{
	return ip.v == r->net || ip.v == r->gateway || (r->family == AF_INET && ip.v == r->last);
}

int rci_ipam_next_free(const struct rci_ipam_set *s, const struct rci_ipam_ip *last,
		       bool (*taken)(void *arg, struct rci_ipam_ip ip), void *arg,
		       struct rci_ipam_ip *out)
{
	size_t ri = 0;
	u128 cur = s->ranges[0].start;
	const struct rci_ipam_range *lr = last ? rci_ipam_set_find(s, *last) : NULL;
	if (lr) {
		ri = (size_t)(lr - s->ranges);
		cur = last->v;
	}
	bool step = lr != NULL; /* start after @last, at the first range's start otherwise */
	size_t first_ri = 0;
	u128 first = 0;
	for (bool started = false;; started = true) {
		if (step) {
			if (cur == s->ranges[ri].end) {
				ri = (ri + 1) % s->n;
				cur = s->ranges[ri].start;
			} else {
				cur++;
			}
		}
		step = true;
		if (!started) {
			first_ri = ri;
			first = cur;
		} else if (ri == first_ri && cur == first) {
			return -1;
		}
		struct rci_ipam_ip ip = {cur, s->ranges[ri].family};
		if (!rci_ipam_reserved(&s->ranges[ri], ip) && !taken(arg, ip)) {
			*out = ip;
			return 0;
		}
	}
}
