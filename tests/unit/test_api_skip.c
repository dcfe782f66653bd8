/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CNI runtime skips a plugin that declares only `portMappings` when there is no mapping
 * (issue 12, api.h: cni_plugin_skipped), on ADD, DEL and CHECK alike.
 */
#include "api_fixture.h"

static void test_skipped_only_for_port_mappings_alone(void **state)
{
	(void)state;
	static const struct {
		const char *plugin, *caps;
		bool skipped;
	} cases[] = {
	    /* declares portMappings only (false ones do not count), none supplied */
	    {"{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}", NULL, true},
	    {"{\"type\":\"p\",\"capabilities\":{\"portMappings\":true,\"mac\":false}}", "{}", true},
	    {"{\"type\":\"p\",\"capabilities\":{\"portMappings\":true}}",
	     "{\"portMappings\":[],\"mac\":\"02:00:00:00:00:01\"}", true},
	    /* a mapping is there */
	    {"{\"type\":\"p\",\"capabilities\":{\"portMappings\":true}}",
	     "{\"portMappings\":[{\"hostPort\":1,\"containerPort\":2,\"protocol\":\"tcp\"}]}",
	     false},
	    /* it may have other work: another capability, or none declared at all */
	    {"{\"type\":\"p\",\"capabilities\":{\"portMappings\":true,\"bandwidth\":true}}", NULL,
	     false},
	    {"{\"type\":\"p\",\"capabilities\":{}}", NULL, false},
	    {"{\"type\":\"portmap\"}", NULL, false},
	    {"{\"type\":\"p\",\"capabilities\":{\"portMappings\":\"true\"}}", NULL, false},
	};
	for (size_t i = 0; i < RCI_ARRAY_SIZE(cases); i++) {
		json_object *p = ut_json(cases[i].plugin);
		json_object *c = cases[i].caps ? ut_json(cases[i].caps) : NULL;

		if (cni_plugin_skipped(p, c) != cases[i].skipped) {
			fprintf(stderr, "case %zu: %s with %s\n", i, cases[i].plugin,
				cases[i].caps ? cases[i].caps : "nothing");
			fail();
		}
		json_object_put(p);
		json_object_put(c);
	}
}

/* p1 declares portMappings (and bandwidth false): without mappings it never runs. */
static void test_add_del_check_skip_it(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, "\"result\":{\"ips\":[{\"address\":\"10.1.1.2/24\"}]}",
				      "\"result\":{\"ips\":[{\"address\":\"10.2.2.2/24\"}]}", NULL);
	json_object *bw = ut_json("{\"bandwidth\":{\"ingressRate\":1000,\"ingressBurst\":100}}");
	json_object *result, *calls, *want;
	rci_error_t err = NULL;

	f->att.capability_args = bw;
	result = add_ok(f, c);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p2 ADD:p3");
	/* p2 is first now: no prevResult; the result is p2's, passed through p3 */
	assert_false(ut_has(call_stdin(calls, 0), "prevResult"));
	want = ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.2.2.2/24\"}]}");
	ut_assert_json_equal(result, want);
	json_object_put(want);
	json_object_put(calls);

	/* CHECK and DEL decide on the cached capability args: the same skip, whatever now */
	ut_clear_calls(f->rec);
	f->att.capability_args = f->caps;
	ut_assert_ok(cni_check_network_list(&f->rt, c, &f->att, &err), &err);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "CHECK:p2 CHECK:p3 DEL:p3 DEL:p2");
	json_object_put(calls);
	json_object_put(result);
	json_object_put(bw);
	cni_conf_free(c);
}

/* With a mapping it runs, and its rollback DEL too. */
static void test_runs_with_mappings(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c =
	    conf3(f, NULL, NULL, "\"failOn\":\"ADD\",\"error\":{\"code\":150,\"msg\":\"no\"}");
	json_object *result = NULL, *calls;
	rci_error_t err = NULL;

	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2 ADD:p3 DEL:p3 DEL:p2 DEL:p1");
	json_object_put(calls);
	cni_conf_free(c);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as helper/main.c does */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skipped_only_for_port_mappings_alone),
	    T(test_add_del_check_skip_it),
	    T(test_runs_with_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
