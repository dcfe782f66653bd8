/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/ipam (rootless-cni-ipam's pure parts): range sets with host-local's
 * defaults and refusals, round robin with wrap, the leases file's text both ways and its
 * refusal of a damaged file, allocation in memory (idempotent, requests, exhaustion).
 */
#include "unit.h"

#include "ipam/ipam_alloc.h"
#include "ipam/ipam_leases.h"
#include "ipam/ipam_range.h"
#include "util.h"

#include <arpa/inet.h>

static struct rci_ipam_ip ip(const char *s)
{
	struct rci_ipam_ip out;
	if (rci_ipam_ip_parse(s, &out) < 0)
		fail_msg("bad test address `%s`", s);
	return out;
}

static const char *str(struct rci_ipam_ip a)
{
	static char buf[4][RCI_IPAM_ADDR_MAX];
	static int i;
	i = (i + 1) % 4;
	return rci_ipam_ip_str(a, buf[i]);
}

/* Parses `{"ranges": RANGES}`: the count, or -1 with the message in *msg (freed by the caller). */
static int sets_of(const char *ranges, struct rci_ipam_set **sets, char **msg)
{
	char *text = xasprintf("{\"ranges\": %s}", ranges);
	json_object *o = json_tokener_parse(text);
	free(text);
	assert_non_null(o);
	rci_error_t err = NULL;
	int n = rci_ipam_sets_parse(o, sets, &err);
	*msg = err ? xstrdup(err->msg) : NULL;
	rci_error_release(&err);
	json_object_put(o);
	return n;
}

static void test_range_defaults(void **state)
{
	(void)state;
	struct rci_ipam_set *s = NULL;
	char *msg = NULL;
	assert_int_equal(
	    sets_of("[[{\"subnet\": \"10.88.0.0/16\"}], [{\"subnet\": \"fd00:89::/64\", "
		    "\"gateway\": \"fd00:89::fe\"}]]",
		    &s, &msg),
	    2);
	const struct rci_ipam_range *r = &s[0].ranges[0];
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->prefix, 16);
	assert_string_equal(str((struct rci_ipam_ip){r->gateway, AF_INET}), "10.88.0.1");
	assert_string_equal(str((struct rci_ipam_ip){r->start, AF_INET}), "10.88.0.1");
	assert_string_equal(str((struct rci_ipam_ip){r->end, AF_INET}), "10.88.255.254");
	assert_true(rci_ipam_reserved(r, ip("10.88.0.0")));
	assert_true(rci_ipam_reserved(r, ip("10.88.0.1")));
	assert_true(rci_ipam_reserved(r, ip("10.88.255.255")));
	assert_false(rci_ipam_reserved(r, ip("10.88.0.2")));
	r = &s[1].ranges[0];
	assert_string_equal(str((struct rci_ipam_ip){r->gateway, AF_INET6}), "fd00:89::fe");
	assert_string_equal(str((struct rci_ipam_ip){r->end, AF_INET6}),
			    "fd00:89::ffff:ffff:ffff:ffff");
	assert_non_null(rci_ipam_set_find(&s[1], ip("fd00:89::5")));
	assert_null(rci_ipam_set_find(&s[1], ip("10.88.0.5")));
	rci_ipam_sets_free(s, 2);

	/* rangeStart/rangeEnd narrow it; the older single-subnet form is one set. */
	assert_int_equal(sets_of("[[{\"subnet\": \"10.1.0.0/24\", \"rangeStart\": \"10.1.0.10\", "
				 "\"rangeEnd\": \"10.1.0.20\"}]]",
				 &s, &msg),
			 1);
	assert_non_null(rci_ipam_set_find(&s[0], ip("10.1.0.10")));
	assert_null(rci_ipam_set_find(&s[0], ip("10.1.0.21")));
	rci_ipam_sets_free(s, 1);
	json_object *o =
	    json_tokener_parse("{\"subnet\": \"10.2.0.0/24\", \"gateway\": \"10.2.0.9\"}");
	rci_error_t err = NULL;
	assert_int_equal(rci_ipam_sets_parse(o, &s, &err), 1);
	assert_true(rci_ipam_reserved(&s[0].ranges[0], ip("10.2.0.9")));
	rci_ipam_sets_free(s, 1);
	json_object_put(o);
}

static void test_range_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *ranges, *msg;
	} bad[] = {
	    {"[]", "`ranges` must be a non-empty array"},
	    {"[[]]", "range set 0: a range set must be a non-empty array of ranges"},
	    {"[[{}]]", "range set 0: a range needs a `subnet` string"},
	    {"[[{\"subnet\": \"10.0.0.0\"}]]", "range set 0: invalid subnet `10.0.0.0`"},
	    {"[[{\"subnet\": \"10.0.0.0/33\"}]]", "range set 0: invalid subnet `10.0.0.0/33`"},
	    {"[[{\"subnet\": \"10.0.0.1/24\"}]]",
	     "range set 0: subnet `10.0.0.1/24` has host bits set"},
	    {"[[{\"subnet\": \"10.0.0.0/31\"}]]",
	     "range set 0: subnet `10.0.0.0/31` is too small to allocate from"},
	    {"[[{\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.1.5\"}]]",
	     "range set 0: rangeStart `10.0.1.5` is outside subnet `10.0.0.0/24`"},
	    {"[[{\"subnet\": \"10.0.0.0/24\", \"rangeEnd\": \"10.0.1.5\"}]]",
	     "range set 0: rangeEnd `10.0.1.5` is outside subnet `10.0.0.0/24`"},
	    {"[[{\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.9\", \"rangeEnd\": "
	     "\"10.0.0.5\"}]]",
	     "range set 0: rangeStart is after rangeEnd in subnet `10.0.0.0/24`"},
	    {"[[{\"subnet\": \"10.0.0.0/24\", \"gateway\": \"fd00::1\"}]]",
	     "range set 0: `gateway` of subnet `10.0.0.0/24` is no IPv4 address"},
	    {"[[{\"subnet\": \"10.0.0.0/24\"}, {\"subnet\": \"fd00::/64\"}]]",
	     "range set 0: mixed address families in one range set"},
	    {"[[{\"subnet\": \"10.0.0.0/24\"}], [{\"subnet\": \"10.0.0.0/25\"}]]",
	     "range set 0 (`10.0.0.0/24`) overlaps range set 1 (`10.0.0.0/25`)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rci_ipam_set *s = (void *)1;
		char *msg = NULL;
		if (sets_of(bad[i].ranges, &s, &msg) != -1 || !msg || strcmp(msg, bad[i].msg))
			fail_msg("%s: got `%s`, want `%s`", bad[i].ranges, msg ? msg : "(none)",
				 bad[i].msg);
		assert_null(s);
		free(msg);
	}
}

static bool taken_in(void *arg, struct rci_ipam_ip a)
{
	const char *const *list = arg;
	for (size_t i = 0; list[i]; i++)
		if (rci_ipam_ip_cmp(ip(list[i]), a) == 0)
			return true;
	return false;
}

static void test_next_free_wraps(void **state)
{
	(void)state;
	struct rci_ipam_set *s = NULL;
	char *msg = NULL;
	/* .0 network, .1 gateway, .7 broadcast: .2 to .6 to hand out. */
	assert_int_equal(sets_of("[[{\"subnet\": \"10.9.0.0/29\"}]]", &s, &msg), 1);
	const char *none[] = {NULL}, *three[] = {"10.9.0.3", NULL};
	const char *all[] = {"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6", NULL};
	struct rci_ipam_ip out, last;
	assert_int_equal(rci_ipam_next_free(&s[0], NULL, taken_in, none, &out), 0);
	assert_string_equal(str(out), "10.9.0.2");
	/* Round robin: after the last one handed out, skipping what is taken. */
	last = ip("10.9.0.2");
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, three, &out), 0);
	assert_string_equal(str(out), "10.9.0.4");
	/* From the end, around to the start (the gateway skipped). */
	last = ip("10.9.0.6");
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, none, &out), 0);
	assert_string_equal(str(out), "10.9.0.2");
	/* The last one outside the set (the config changed): from the start. */
	last = ip("10.200.0.1");
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, none, &out), 0);
	assert_string_equal(str(out), "10.9.0.2");
	/* Full: every address tried once, then none. */
	last = ip("10.9.0.4");
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, all, &out), -1);
	const char *but_last[] = {"10.9.0.2", "10.9.0.3", "10.9.0.5", "10.9.0.6", NULL};
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, but_last, &out), 0);
	assert_string_equal(str(out), "10.9.0.4");
	rci_ipam_sets_free(s, 1);

	/* Two ranges in one set: from the end of the first into the second, and around. */
	assert_int_equal(sets_of("[[{\"subnet\": \"10.9.0.0/24\", \"rangeStart\": \"10.9.0.10\", "
				 "\"rangeEnd\": \"10.9.0.11\"}, {\"subnet\": \"10.9.1.0/24\", "
				 "\"rangeStart\": \"10.9.1.10\", \"rangeEnd\": \"10.9.1.10\"}]]",
				 &s, &msg),
			 1);
	last = ip("10.9.0.11");
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, none, &out), 0);
	assert_string_equal(str(out), "10.9.1.10");
	last = out;
	assert_int_equal(rci_ipam_next_free(&s[0], &last, taken_in, none, &out), 0);
	assert_string_equal(str(out), "10.9.0.10");
	rci_ipam_sets_free(s, 1);
}

static void test_leases_round_trip(void **state)
{
	(void)state;
	const char *text = "rootless-cni-ipam leases 1\n"
			   "last 0 10.88.0.3\n"
			   "last 1 fd00:89::3\n"
			   "10.88.0.2 c1 eth0\n"
			   "fd00:89::2 c1 eth0\n"
			   "10.88.0.3 c2 eth1\n";
	struct rci_ipam_leases l;
	rci_error_t err = NULL;
	assert_int_equal(rci_ipam_leases_parse(text, strlen(text), &l, &err), 0);
	assert_int_equal(l.n, 3);
	struct rci_ipam_ip last;
	assert_true(rci_ipam_leases_get_last(&l, 1, &last));
	assert_string_equal(str(last), "fd00:89::3");
	assert_false(rci_ipam_leases_get_last(&l, 2, &last));
	char *out = rci_ipam_leases_text(&l);
	assert_string_equal(out, text);
	free(out);
	assert_string_equal(rci_ipam_leases_find(&l, ip("10.88.0.3"))->id, "c2");
	assert_int_equal(rci_ipam_leases_remove(&l, "c1", "eth0"), 2);
	assert_int_equal(rci_ipam_leases_remove(&l, "c1", "eth0"), 0);
	out = rci_ipam_leases_text(&l);
	assert_string_equal(out, "rootless-cni-ipam leases 1\nlast 0 10.88.0.3\nlast 1 fd00:89::3\n"
				 "10.88.0.3 c2 eth1\n");
	free(out);
	rci_ipam_leases_clear(&l);
	/* An empty file is no lease. */
	assert_int_equal(rci_ipam_leases_parse("", 0, &l, &err), 0);
	assert_int_equal(l.n, 0);
}

static void test_leases_refuse_damage(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"10.88.0.2 c1 eth0\n",
	     "the leases file, line 1: no `rootless-cni-ipam leases 1` header"},
	    {"rootless-cni-ipam leases 1\n10.88.0.2 c1 eth0",
	     "the leases file is truncated or not text"},
	    {"rootless-cni-ipam leases 1\n10.88.0.2 c1\n",
	     "the leases file, line 2: not `ADDRESS ID IFNAME`"},
	    {"rootless-cni-ipam leases 1\n10.88.0.300 c1 eth0\n",
	     "the leases file, line 2: not `ADDRESS ID IFNAME`"},
	    {"rootless-cni-ipam leases 1\n10.88.0.2 ../c1 eth0\n",
	     "the leases file, line 2: bad container ID or interface name"},
	    {"rootless-cni-ipam leases 1\nlast x 10.88.0.2\n",
	     "the leases file, line 2: bad `last` line"},
	    {"rootless-cni-ipam leases 1\n10.88.0.2 c1 eth0\n10.88.0.2 c2 eth0\n",
	     "the leases file: address `10.88.0.2` leased twice"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rci_ipam_leases l;
		rci_error_t err = NULL;
		if (rci_ipam_leases_parse(bad[i].text, strlen(bad[i].text), &l, &err) != -1 ||
		    !err || strcmp(err->msg, bad[i].msg))
			fail_msg("case %zu: got `%s`, want `%s`", i, err ? err->msg : "(none)",
				 bad[i].msg);
		assert_int_equal(l.n, 0);
		rci_error_release(&err);
	}
	/* A NUL inside is damage too. */
	struct rci_ipam_leases l;
	rci_error_t err = NULL;
	assert_int_equal(rci_ipam_leases_parse("rootless-cni-ipam leases 1\n\0\n", 29, &l, &err),
			 -1);
	rci_error_release(&err);
}

static void test_allocate(void **state)
{
	(void)state;
	struct rci_ipam_set *s = NULL;
	char *msg = NULL;
	/* A /30: .1 gateway, .2 the only address, .3 broadcast. */
	assert_int_equal(
	    sets_of("[[{\"subnet\": \"10.7.0.0/30\"}], [{\"subnet\": \"fd00:7::/126\"}]]", &s,
		    &msg),
	    2);
	struct rci_ipam_leases l = {0};
	struct rci_ipam_ip out[2];
	bool changed;
	rci_error_t err = NULL;
	struct rci_ipam_request q = {"n", "c1", "eth0", s, 2, NULL, 0};
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), 2);
	assert_true(changed);
	assert_string_equal(str(out[0]), "10.7.0.2");
	assert_string_equal(str(out[1]), "fd00:7::2");
	/* Idempotent: the same attachment gets the same, nothing changes. */
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), 2);
	assert_false(changed);
	assert_string_equal(str(out[0]), "10.7.0.2");
	/* Exhausted: an error, and no lease added for c2 (in neither family). */
	q.id = "c2";
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), -1);
	assert_string_equal(err->msg,
			    "no free address left in range set 0 (`10.7.0.0/30`) of network `n`");
	rci_error_release(&err);
	assert_int_equal(l.n, 2);
	/* Requests: taken, reserved, outside. */
	struct rci_ipam_ip want = ip("10.7.0.2");
	q.want = &want;
	q.n_want = 1;
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), -1);
	assert_string_equal(err->msg, "requested IP `10.7.0.2` is already allocated to `c1`");
	rci_error_release(&err);
	want = ip("10.7.0.1");
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), -1);
	assert_non_null(strstr(err->msg, "is reserved"));
	rci_error_release(&err);
	want = ip("10.8.0.1");
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), -1);
	assert_string_equal(err->msg,
			    "requested IP `10.8.0.1` is in no free range set of network `n`");
	rci_error_release(&err);
	assert_int_equal(l.n, 2);
	/* Freed, the address is handed out again; the last one is remembered per set. */
	assert_int_equal(rci_ipam_leases_remove(&l, "c1", "eth0"), 2);
	q.want = NULL;
	q.n_want = 0;
	assert_int_equal(rci_ipam_allocate(&q, &l, out, &changed, &err), 2);
	assert_string_equal(str(out[0]), "10.7.0.2");
	/* IPv6 has no broadcast: ::3 is the set's next one after ::2. */
	assert_string_equal(str(out[1]), "fd00:7::3");
	struct rci_ipam_ip last;
	assert_true(rci_ipam_leases_get_last(&l, 1, &last));
	assert_string_equal(str(last), "fd00:7::3");
	rci_ipam_leases_clear(&l);
	rci_ipam_sets_free(s, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_defaults),	 cmocka_unit_test(test_range_refusals),
	    cmocka_unit_test(test_next_free_wraps),	 cmocka_unit_test(test_leases_round_trip),
	    cmocka_unit_test(test_leases_refuse_damage), cmocka_unit_test(test_allocate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
