/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipam_leases.h"
#include "number.h"
#include "util.h"
#include "validate.h"

#include <string.h>

#define HEADER "rootless-cni-ipam leases 1"

/* Container IDs (validate.h) and interface names (at most 15 bytes, IFNAMSIZ - 1). */
static bool valid_field(const char *s, size_t max)
{
	rci_error_t err = NULL;
	int r = rci_validate_name("name", s, max, &err);
	rci_error_release(&err);
	return r == 0;
}

static bool valid_ifname(const char *s)
{
	return *s && strlen(s) <= 15 && !strpbrk(s, "/: \t\n\r") && strcmp(s, ".") &&
	       strcmp(s, "..");
}

/*
 * Splits @line in place into exactly three non-empty fields separated by single spaces: no
 * allocation per line, which is what a thousand-lease file costs on every call (issue 12).
 */
static bool split3(char *line, char **f)
{
	for (int i = 0; i < 3; i++) {
		f[i] = line;
		line = strchr(line, ' ');
		if (i < 2 && !line)
			return false;
		if (line)
			*line++ = '\0';
		if (!*f[i])
			return false;
	}
	return line == NULL;
}

static int parse_line(char *line, struct rci_ipam_leases *l, rci_error_t *err)
{
	char *f[3];
	struct rci_ipam_ip ip;
	bool three = split3(line, f);
	if (three && !strcmp(f[0], "last")) {
		uint64_t set;
		if (rci_parse_u64(f[1], 1024, &set) < 0 || rci_ipam_ip_parse(f[2], &ip) < 0)
			return rci_make_error(err, 0, "bad `last` line");
		rci_ipam_leases_set_last(l, (size_t)set, ip);
		return 0;
	}
	if (!three || rci_ipam_ip_parse(f[0], &ip) < 0)
		return rci_make_error(err, 0, "not `ADDRESS ID IFNAME`");
	if (!valid_field(f[1], RCI_ID_MAX) || !valid_ifname(f[2]))
		return rci_make_error(err, 0, "bad container ID or interface name");
	rci_ipam_leases_add(l, ip, f[1], f[2]);
	return 0;
}

int rci_ipam_leases_parse(const char *text, size_t len, struct rci_ipam_leases *l, rci_error_t *err)
{
	memset(l, 0, sizeof(*l));
	if (len == 0)
		return 0;
	if (memchr(text, '\0', len) || text[len - 1] != '\n')
		return rci_make_error(err, 0, "the leases file is truncated or not text");
	cleanup_free char *copy = xstrndup(text, len);
	size_t lineno = 0;
	for (char *p = copy, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		lineno++;
		int r =
		    lineno == 1
			? (strcmp(p, HEADER) ? rci_make_error(err, 0, "no `%s` header", HEADER) : 0)
			: parse_line(p, l, err);
		if (r < 0) {
			rci_ipam_leases_clear(l);
			return rci_error_wrap(err, "the leases file, line %zu", lineno);
		}
	}
	/* Sorted, a duplicate is next to its twin: one pass instead of n lookups. */
	cleanup_free struct rci_ipam_ip *ips = rci_ipam_leases_sorted(l);
	for (size_t i = 1; i < l->n; i++)
		if (rci_ipam_ip_cmp(ips[i - 1], ips[i]) == 0) {
			char a[RCI_IPAM_ADDR_MAX];
			rci_ipam_leases_clear(l);
			return rci_make_error(err, 0, "the leases file: address `%s` leased twice",
					      rci_ipam_ip_str(ips[i], a));
		}
	return 0;
}

static int cmp_ip(const void *a, const void *b)
{
	return rci_ipam_ip_cmp(*(const struct rci_ipam_ip *)a, *(const struct rci_ipam_ip *)b);
}

struct rci_ipam_ip *rci_ipam_leases_sorted(const struct rci_ipam_leases *l)
{
	struct rci_ipam_ip *ips = xmalloc0((l->n + 1) * sizeof(*ips));
	for (size_t i = 0; i < l->n; i++)
		ips[i] = l->v[i].ip;
	qsort(ips, l->n, sizeof(*ips), cmp_ip);
	return ips;
}

bool rci_ipam_sorted_has(const struct rci_ipam_ip *ips, size_t n, struct rci_ipam_ip ip)
{
	return bsearch(&ip, ips, n, sizeof(*ips), cmp_ip) != NULL;
}

char *rci_ipam_leases_text(const struct rci_ipam_leases *l)
{
	/* At most: "last N " or nothing, an address, an ID, an ifname, blanks and a newline. */
	size_t cap = sizeof(HEADER) + (l->n + l->n_last) * (RCI_IPAM_ADDR_MAX + RCI_ID_MAX + 32);
	char *out = xmalloc0(cap), *p = out, a[RCI_IPAM_ADDR_MAX];
	p += snprintf(p, cap, "%s\n", HEADER);
	for (size_t i = 0; i < l->n_last; i++)
		p += snprintf(p, cap - (size_t)(p - out), "last %zu %s\n", l->last[i].set,
			      rci_ipam_ip_str(l->last[i].ip, a));
	for (size_t i = 0; i < l->n; i++)
		p += snprintf(p, cap - (size_t)(p - out), "%s %s %s\n",
			      rci_ipam_ip_str(l->v[i].ip, a), l->v[i].id, l->v[i].ifname);
	return out;
}

void rci_ipam_leases_clear(struct rci_ipam_leases *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].id);
		free(l->v[i].ifname);
	}
	free(l->v);
	free(l->last);
	memset(l, 0, sizeof(*l));
}

void rci_ipam_leases_add(struct rci_ipam_leases *l, struct rci_ipam_ip ip, const char *id,
			 const char *ifname)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct rci_ipam_lease){ip, xstrdup(id), xstrdup(ifname)};
}

size_t rci_ipam_leases_remove(struct rci_ipam_leases *l, const char *id, const char *ifname)
{
	size_t kept = 0, removed = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].id, id) && !strcmp(l->v[i].ifname, ifname)) {
			free(l->v[i].id);
			free(l->v[i].ifname);
			removed++;
			continue;
		}
		l->v[kept++] = l->v[i];
	}
	l->n = kept;
	return removed;
}

const struct rci_ipam_lease *rci_ipam_leases_find(const struct rci_ipam_leases *l,
						  struct rci_ipam_ip ip)
{
	for (size_t i = 0; i < l->n; i++)
		if (rci_ipam_ip_cmp(l->v[i].ip, ip) == 0)
			return &l->v[i];
	return NULL;
}

bool rci_ipam_leases_get_last(const struct rci_ipam_leases *l, size_t set, struct rci_ipam_ip *ip)
{
	for (size_t i = 0; i < l->n_last; i++)
		if (l->last[i].set == set) {
			*ip = l->last[i].ip;
			return true;
		}
	return false;
}

void rci_ipam_leases_set_last(struct rci_ipam_leases *l, size_t set, struct rci_ipam_ip ip)
{
	for (size_t i = 0; i < l->n_last; i++)
		if (l->last[i].set == set) {
			l->last[i].ip = ip;
			return;
		}
	l->last = xrealloc(l->last, (l->n_last + 1) * sizeof(*l->last));
	l->last[l->n_last++] = (struct rci_ipam_last){set, ip};
}
