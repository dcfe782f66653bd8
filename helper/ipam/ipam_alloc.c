/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ipam_alloc.h"
#include "util.h"

#include <string.h>

struct taken {
	const struct rci_ipam_ip *ips;
	size_t n;
};

static bool is_taken(void *arg, struct rci_ipam_ip ip)
{
	const struct taken *t = arg;
	return rci_ipam_sorted_has(t->ips, t->n, ip);
}

/* The leases (@id, @ifname) holds, one per range set, in set order. */
static int existing(const struct rci_ipam_request *q, const struct rci_ipam_leases *l,
		    struct rci_ipam_ip *out, rci_error_t *err)
{
	size_t held = 0, n = 0;
	for (size_t i = 0; i < l->n; i++)
		held += !strcmp(l->v[i].id, q->id) && !strcmp(l->v[i].ifname, q->ifname);
	for (size_t s = 0; held && s < q->n_sets; s++)
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->v[i].id, q->id) && !strcmp(l->v[i].ifname, q->ifname) &&
			    rci_ipam_set_find(&q->sets[s], l->v[i].ip)) {
				out[n++] = l->v[i].ip;
				break;
			}
	/* The network's ranges changed under a live attachment: say so, hand out nothing. */
	if (n != held)
		return rci_make_error(err, 0,
				      "`%s` (%s) holds leases outside the ranges of network `%s`",
				      q->id, q->ifname, q->network);
	return (int)n;
}

/* Which set each requested address goes to (@set_of[s]: index in q->want, or -1). */
static int place_wanted(const struct rci_ipam_request *q, const struct rci_ipam_leases *l,
			const struct taken *t, long *set_of, rci_error_t *err)
{
	char a[RCI_IPAM_ADDR_MAX];
	for (size_t s = 0; s < q->n_sets; s++)
		set_of[s] = -1;
	for (size_t w = 0; w < q->n_want; w++) {
		const struct rci_ipam_range *r = NULL;
		size_t s = 0;
		for (; s < q->n_sets && !r; s++)
			if (set_of[s] < 0)
				r = rci_ipam_set_find(&q->sets[s], q->want[w]);
		rci_ipam_ip_str(q->want[w], a);
		if (!r)
			return rci_make_error(
			    err, 0,
			    "requested IP `%s` is in no free range set of network "
			    "`%s`",
			    a, q->network);
		if (rci_ipam_reserved(r, q->want[w]))
			return rci_make_error(err, 0,
					      "requested IP `%s` is reserved (the network address, "
					      "the gateway or the broadcast)",
					      a);
		if (is_taken((void *)t, q->want[w])) {
			const struct rci_ipam_lease *o = rci_ipam_leases_find(l, q->want[w]);
			return rci_make_error(err, 0,
					      "requested IP `%s` is already allocated to `%s`", a,
					      o ? o->id : "?");
		}
		set_of[s - 1] = (long)w;
	}
	return 0;
}

int rci_ipam_allocate(const struct rci_ipam_request *q, struct rci_ipam_leases *l,
		      struct rci_ipam_ip *out, bool *changed, rci_error_t *err)
{
	*changed = false;
	int n = existing(q, l, out, err);
	if (n != 0)
		return n;
	cleanup_free struct rci_ipam_ip *ips = rci_ipam_leases_sorted(l);
	struct taken t = {ips, l->n};
	cleanup_free long *set_of = xmalloc0(q->n_sets * sizeof(*set_of));
	if (place_wanted(q, l, &t, set_of, err) < 0)
		return -1;
	for (size_t s = 0; s < q->n_sets; s++) {
		if (set_of[s] >= 0) {
			out[s] = q->want[set_of[s]];
			continue;
		}
		struct rci_ipam_ip last;
		bool has_last = rci_ipam_leases_get_last(l, s, &last);
		/* Sets do not overlap (ipam_range.c): this call's earlier picks cannot collide. */
		if (rci_ipam_next_free(&q->sets[s], has_last ? &last : NULL, is_taken, &t,
				       &out[s]) < 0)
			return rci_make_error(err, 0,
					      "no free address left in range set %zu (`%s`) of "
					      "network `%s`",
					      s, q->sets[s].ranges[0].subnet, q->network);
	}
	for (size_t s = 0; s < q->n_sets; s++) {
		rci_ipam_leases_add(l, out[s], q->id, q->ifname);
		rci_ipam_leases_set_last(l, s, out[s]);
	}
	*changed = true;
	return (int)q->n_sets;
}
