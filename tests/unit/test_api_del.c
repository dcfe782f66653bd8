/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/api.c, DEL and CHECK: reverse order and cached prevResult (DEL-1),
 * without or with a corrupt cache (DEL-2), replay of the ADD's config and arguments (DEL-3),
 * CHECK (CHK-1), the cached result, and entries of another attachment under the same cache name
 * (issue 13, bug 8). The fixture: api_fixture.h.
 */
#include "api_fixture.h"

#include <signal.h>

/* DEL-1: reverse order, every plugin gets the cached final result; the entry is removed. */
static void test_del1_reverse_with_cached_prev(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c =
	    conf3(f, "\"result\":{\"ips\":[{\"address\":\"10.1.1.2/24\"}]}", NULL, NULL);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;
	char *file = cache_file(f);

	assert_true(ut_exists(file));
	ut_clear_calls(f->rec);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p3 DEL:p2 DEL:p1");
	for (size_t i = 0; i < 3; i++) {
		json_object *in = call_stdin(calls, i);

		ut_assert_json_equal(ut_get(in, "prevResult"), result);
		assert_string_equal(ut_str(in, "cniVersion"), "1.0.0");
	}
	assert_false(ut_exists(file));
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
	free(file);
}

/* DEL-1: before 0.4.0 there is no prevResult on DEL. */
static void test_del1_no_prev_result_before_040(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL, NULL};
	struct cni_netconf *c = make_conf(f, "\"cniVersion\":\"0.3.1\"", "fake", fk, 2);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p2 DEL:p1");
	assert_false(ut_has(call_stdin(calls, 0), "prevResult"));
	assert_false(ut_has(call_stdin(calls, 1), "prevResult"));
	assert_string_equal(ut_str(call_stdin(calls, 0), "cniVersion"), "0.3.1");
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* DEL-1: stop at the first error and keep the cache so the DEL can be retried. */
static void test_del1_stops_at_first_error_keeps_cache(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, "\"failOn\":\"DEL\"", NULL);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;
	char *file = cache_file(f);

	ut_clear_calls(f->rec);
	assert_int_equal(cni_del_network_list(&f->rt, "net", c, &f->att, &err), -1);
	UT_ERR_CONTAINS(err, "fake failure");
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p3 DEL:p2");
	assert_true(ut_exists(file));
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
	free(file);
}

/* DEL-2: no cache entry: DEL still runs the whole chain (no prevResult), empty netns is fine. */
static void test_del2_without_cache(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *calls;
	rci_error_t err = NULL;

	f->att.netns = "";
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p3 DEL:p2 DEL:p1");
	for (size_t i = 0; i < 3; i++) {
		json_object *d = json_object_array_get_idx(calls, i);

		assert_false(ut_has(ut_get(d, "stdin"), "prevResult"));
		assert_string_equal(ut_str(d, "netns"), "");
		assert_string_equal(ut_str(d, "args"), "IgnoreUnknown=1;IP=10.0.0.5");
	}
	json_object_put(calls);
	cni_conf_free(c);
}

/* DEL-2 / #1055: a corrupt (empty) cache entry is dropped and DEL goes on without it. */
static void test_del2_corrupt_cache(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *calls;
	rci_error_t err = NULL;
	char *results = ut_path(f->cache, "results");
	char *file = cache_file(f);

	assert_int_equal(mkdir(f->cache, 0700), 0);
	assert_int_equal(mkdir(results, 0700), 0);
	ut_write_file_mode(results, "net-cid1-eth0", "", 0600);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p3 DEL:p2 DEL:p1");
	assert_false(ut_has(call_stdin(calls, 0), "prevResult"));
	assert_false(ut_exists(file));
	json_object_put(calls);
	cni_conf_free(c);
	free(results);
	free(file);
}

/* DEL-2: repeating a DEL succeeds. */
static void test_del2_repeat(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2 ADD:p3 DEL:p3 DEL:p2 DEL:p1 DEL:p3 DEL:p2 DEL:p1");
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* Without a config and without a cache entry there is nothing to run: NOT_FOUND. */
static void test_del_no_conf_no_cache(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	json_object *calls;

	assert_int_equal(cni_del_network_list(&f->rt, "net", NULL, &f->att, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	json_object_put(calls);
}

/* DEL-3: DEL replays the ADD's CNI_ARGS and capability args from the cache, not the new ones. */
static void test_del3_replays_cached_args(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *result = add_ok(f, c), *calls, *rc_add, *want;
	struct cni_args other = {0};
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	ut_assert_ok(cni_args_add(&other, "IP", "10.9.9.9", &err), &err);
	f->att.args = &other;
	f->att.capability_args = NULL;
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p3 DEL:p2 DEL:p1");
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(ut_str(json_object_array_get_idx(calls, i), "args"),
				    "IgnoreUnknown=1;IP=10.0.0.5");
	/* portmap-like p1 gets its portMappings back (plugins#509) */
	want = ut_json(
	    "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}");
	rc_add = ut_get(call_stdin(calls, 2), "runtimeConfig");
	ut_assert_json_equal(rc_add, want);
	json_object_put(want);
	json_object_put(calls);
	json_object_put(result);
	cni_args_clear(&other);
	cni_conf_free(c);
}

/* DEL-3 / CCH-4: DEL runs the cached list, even when today's config differs. */
static void test_del3_uses_cached_config(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	const char *fk[] = {"\"tag\":\"new\""};
	struct cni_netconf *now = make_conf(f, "\"cniVersion\":\"1.0.0\"", "fake", fk, 1);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", now, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "DEL:p3 DEL:p2 DEL:p1");
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
	cni_conf_free(now);
}

/* CHK-1: CHECK runs in list order with the cached result and the ADD's parameters. */
static void test_chk1_check_in_order(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	ut_assert_ok(cni_check_network_list(&f->rt, c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "CHECK:p1 CHECK:p2 CHECK:p3");
	for (size_t i = 0; i < 3; i++) {
		json_object *d = json_object_array_get_idx(calls, i);

		ut_assert_json_equal(ut_get(ut_get(d, "stdin"), "prevResult"), result);
		assert_string_equal(ut_str(d, "args"), "IgnoreUnknown=1;IP=10.0.0.5");
		assert_string_equal(ut_str(d, "netns"), "/run/netns/cid1");
	}
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* CHK-1: CHECK stops at the first failing plugin. */
static void test_chk1_stops_at_first_error(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, "\"failOn\":\"CHECK\"", NULL);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	assert_int_equal(cni_check_network_list(&f->rt, c, &f->att, &err), -1);
	UT_ERR_CONTAINS(err, "fake failure");
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "CHECK:p1 CHECK:p2");
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* CHK-1: refused below 0.4.0, without exec'ing anything. */
static void test_chk1_refused_for_031(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL};
	struct cni_netconf *c = make_conf(f, "\"cniVersion\":\"0.3.1\"", "fake", fk, 1);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	assert_int_equal(cni_check_network_list(&f->rt, c, &f->att, &err), -1);
	UT_ERR_CONTAINS(err, "0.3.1", "CHECK");
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* CHK-1: disableCheck succeeds without exec'ing anything. */
static void test_chk1_disable_check(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL, NULL};
	struct cni_netconf *c =
	    make_conf(f, "\"cniVersion\":\"1.0.0\",\"disableCheck\":true", "fake", fk, 2);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	ut_clear_calls(f->rec);
	ut_assert_ok(cni_check_network_list(&f->rt, c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* CHK-1 (REC): no cached result: fail at once (NOT_FOUND), exec nothing. */
static void test_chk1_no_cache(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *calls;
	rci_error_t err = NULL;

	assert_int_equal(cni_check_network_list(&f->rt, c, &f->att, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	json_object_put(calls);
	cni_conf_free(c);
}

/* cni_get_cached_result: the result after ADD, -2 when there is none. */
static void test_cch_get_cached_result(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *got = NULL, *result;
	rci_error_t err = NULL;

	assert_int_equal(cni_get_cached_result(&f->rt, "net", &f->att, &got, &err), -2);
	assert_null(err);
	result = add_ok(f, c);
	ut_assert_ok(cni_get_cached_result(&f->rt, "net", &f->att, &got, &err), &err);
	ut_assert_json_equal(got, result);
	json_object_put(got);
	json_object_put(result);
	cni_conf_free(c);
}

/*
 * Issue 13 bug 8: network "net-x" with ID "y" and network "net" with ID "x-y" share the cache
 * name "net-x-y-eth0". An entry of "net-x"/"y" sits there; the fixture's attachment is "x-y" on
 * "net": its DEL, CHECK, ADD and cached result must never use or touch that entry.
 */
static const char foreign_config[] =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"net-x\","
    "\"plugins\":[{\"type\":\"fake\",\"fake\":{\"tag\":\"foreign\"}}]}";

static char *write_foreign_entry(struct fixture *f)
{
	struct cni_cache_entry e = {0};
	rci_error_t err = NULL;

	e.container_id = "y";
	e.network = "net-x";
	e.ifname = "eth0";
	e.netns = "/run/netns/y";
	e.config = (char *)foreign_config;
	e.config_len = strlen(foreign_config);
	ut_assert_ok(cni_args_add(&e.args, "IP", "10.9.9.9", &err), &err);
	e.capability_args = ut_json(caps_json);
	e.result = ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.9.9/24\"}]}");
	ut_assert_ok(cni_cache_write(f->cache, &e, &err), &err);
	cni_args_clear(&e.args);
	json_object_put(e.capability_args);
	json_object_put(e.result);
	f->att.container_id = "x-y";
	return xasprintf("%s/results/net-x-y-eth0", f->cache);
}

static void assert_foreign_intact(const char *file)
{
	char *text = ut_read_file(file);
	json_object *o;

	assert_non_null(text);
	o = ut_json(text);
	assert_string_equal(ut_str(o, "containerId"), "y");
	assert_string_equal(ut_str(o, "networkName"), "net-x");
	json_object_put(o);
	free(text);
}

static void test_del_ignores_foreign_cache_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	char *file = write_foreign_entry(f);
	json_object *calls;
	rci_error_t err = NULL;

	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	/* today's config of "net", our own arguments, no prevResult: as without a cache entry */
	assert_seq(calls, "DEL:p3 DEL:p2 DEL:p1");
	for (size_t i = 0; i < 3; i++) {
		json_object *d = json_object_array_get_idx(calls, i);

		assert_false(ut_has(ut_get(d, "stdin"), "prevResult"));
		assert_string_equal(ut_str(d, "containerId"), "x-y");
		assert_string_equal(ut_str(d, "args"), "IgnoreUnknown=1;IP=10.0.0.5");
	}
	assert_foreign_intact(file);
	json_object_put(calls);
	cni_conf_free(c);
	free(file);
}

static void test_chk_ignores_foreign_cache_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	char *file = write_foreign_entry(f);
	json_object *calls, *got = NULL;
	rci_error_t err = NULL;

	assert_int_equal(cni_check_network_list(&f->rt, c, &f->att, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	rci_error_release(&err);
	assert_int_equal(cni_get_cached_result(&f->rt, "net", &f->att, &got, &err), -2);
	assert_null(err);
	assert_null(got);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	assert_foreign_intact(file);
	json_object_put(calls);
	cni_conf_free(c);
	free(file);
}

/* An ADD whose cache name turns out taken when it is written is a conflict, rolled back. */
static void test_add_refuses_foreign_cache_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	char *file = write_foreign_entry(f);
	json_object *calls, *result = NULL;
	rci_error_t err = NULL;
	bool rolled_back = false;

	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, &rolled_back, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	UT_ERR_CONTAINS(err, "`y`", "`net-x`");
	rci_error_release(&err);
	assert_null(result);
	assert_true(rolled_back);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2 ADD:p3 DEL:p3 DEL:p2 DEL:p1");
	assert_foreign_intact(file);
	json_object_put(calls);
	cni_conf_free(c);
	free(file);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as helper/main.c does */
	const struct CMUnitTest tests[] = {
	    T(test_del1_reverse_with_cached_prev),
	    T(test_del1_no_prev_result_before_040),
	    T(test_del1_stops_at_first_error_keeps_cache),
	    T(test_del2_without_cache),
	    T(test_del2_corrupt_cache),
	    T(test_del2_repeat),
	    T(test_del_no_conf_no_cache),
	    T(test_del3_replays_cached_args),
	    T(test_del3_uses_cached_config),
	    T(test_chk1_check_in_order),
	    T(test_chk1_stops_at_first_error),
	    T(test_chk1_refused_for_031),
	    T(test_chk1_disable_check),
	    T(test_chk1_no_cache),
	    T(test_cch_get_cached_result),
	    T(test_del_ignores_foreign_cache_entry),
	    T(test_chk_ignores_foreign_cache_entry),
	    T(test_add_refuses_foreign_cache_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
