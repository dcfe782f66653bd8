/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/api.c: plugin stdin (EXE-4/5), ADD chaining and rollback (ADD-1, ADD-3)
 * and version negotiation (CFG-9 REC), driving chains of build/tests/plugins/fake-plugin whose
 * records tell what each plugin received. DEL and CHECK: test_api_del.c.
 */
#include "api_fixture.h"

#include <signal.h>

/* EXE-4/EXE-5: name and cniVersion injected, prevResult only when given, runtimeConfig only for
 * capabilities declared true AND supplied, `capabilities` removed, everything else kept. */
static void test_exe4_5_build_plugin_conf(void **state)
{
	json_object *plugin = ut_json(
	    "{\"type\":\"portmap\",\"name\":\"stale\",\"cniVersion\":\"0.1.0\",\"foo\":{\"bar\":[1]"
	    "},"
	    "\"capabilities\":{\"portMappings\":true,\"bandwidth\":false,\"mac\":true,\"ips\":true,"
	    "\"aliases\":\"true\"},\"runtimeConfig\":{\"stale\":1},\"prevResult\":{\"stale\":1}}");
	json_object *copy = rci_json_copy(plugin);
	json_object *caps = ut_json(caps_json);
	json_object *prev =
	    ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}");
	json_object *c, *want;

	(void)state;
	json_object_object_add(caps, "ips", ut_json("[\"10.0.0.9/24\"]"));
	json_object_object_add(caps, "aliases", ut_json("[\"web\"]"));
	c = cni_build_plugin_conf(plugin, "net", "1.0.0", NULL, caps);
	assert_string_equal(ut_str(c, "name"), "net");
	assert_string_equal(ut_str(c, "cniVersion"), "1.0.0");
	assert_string_equal(ut_str(c, "type"), "portmap");
	assert_false(ut_has(c, "prevResult"));
	assert_false(ut_has(c, "capabilities"));
	want = ut_json(
	    "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}],"
	    "\"ips\":[\"10.0.0.9/24\"]}");
	ut_assert_json_equal(ut_get(c, "runtimeConfig"), want);
	json_object_put(want);
	want = ut_json("{\"bar\":[1]}");
	ut_assert_json_equal(ut_get(c, "foo"), want);
	json_object_put(want);
	json_object_put(c);

	/* prevResult is injected when given; no capability args: no runtimeConfig at all */
	c = cni_build_plugin_conf(plugin, "net", "0.4.0", prev, NULL);
	ut_assert_json_equal(ut_get(c, "prevResult"), prev);
	assert_string_equal(ut_str(c, "cniVersion"), "0.4.0");
	assert_false(ut_has(c, "runtimeConfig"));
	assert_false(ut_has(c, "capabilities"));
	json_object_put(c);

	/* a plugin without capabilities gets no runtimeConfig whatever is supplied */
	json_object_object_del(copy, "capabilities");
	c = cni_build_plugin_conf(copy, "net", "1.0.0", NULL, caps);
	assert_false(ut_has(c, "runtimeConfig"));
	json_object_put(c);
	json_object_put(copy);

	/* the plugin object itself is not modified */
	copy = ut_json(
	    "{\"type\":\"portmap\",\"name\":\"stale\",\"cniVersion\":\"0.1.0\",\"foo\":{\"bar\":[1]"
	    "},"
	    "\"capabilities\":{\"portMappings\":true,\"bandwidth\":false,\"mac\":true,\"ips\":true,"
	    "\"aliases\":\"true\"},\"runtimeConfig\":{\"stale\":1},\"prevResult\":{\"stale\":1}}");
	ut_assert_json_equal(plugin, copy);
	json_object_put(copy);
	json_object_put(plugin);
	json_object_put(caps);
	json_object_put(prev);
}

/* ADD-1 + EXE-4/5 in a real chain: plugin k gets plugin k-1's result; stdin per plugin. */
static void test_add1_chaining(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f,
				      "\"result\":{\"ips\":[{\"address\":\"10.1.1.2/"
				      "24\"}],\"interfaces\":[{\"name\":\"eth0\"}]}",
				      NULL, "\"result\":{\"ips\":[{\"address\":\"10.3.3.3/24\"}]}");
	json_object *result = add_ok(f, c), *calls = ut_read_calls(f->rec), *want;
	json_object *in1, *in2, *in3;

	assert_seq(calls, "ADD:p1 ADD:p2 ADD:p3");
	in1 = call_stdin(calls, 0);
	in2 = call_stdin(calls, 1);
	in3 = call_stdin(calls, 2);
	assert_false(ut_has(in1, "prevResult"));
	want = ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.1.2/24\"}],"
		       "\"interfaces\":[{\"name\":\"eth0\"}]}");
	ut_assert_json_equal(ut_get(in2, "prevResult"), want);
	/* p2 echoes its prevResult: p3 gets the same */
	ut_assert_json_equal(ut_get(in3, "prevResult"), want);
	json_object_put(want);
	want = ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.3.3.3/24\"}]}");
	ut_assert_json_equal(result, want);
	json_object_put(want);
	for (size_t i = 0; i < 3; i++) {
		json_object *in = call_stdin(calls, i);

		assert_string_equal(ut_str(in, "name"), "net");
		assert_string_equal(ut_str(in, "cniVersion"), "1.0.0");
		assert_false(ut_has(in, "capabilities"));
		assert_string_equal(ut_str(json_object_array_get_idx(calls, i), "args"),
				    "IgnoreUnknown=1;IP=10.0.0.5");
	}
	/* EXE-5: p1 declared portMappings; p2 nothing; p3 bandwidth (mac declared, not supplied) */
	want = ut_json(
	    "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}");
	ut_assert_json_equal(ut_get(in1, "runtimeConfig"), want);
	json_object_put(want);
	assert_false(ut_has(in2, "runtimeConfig"));
	want = ut_json("{\"bandwidth\":{\"ingressRate\":1000,\"ingressBurst\":100}}");
	ut_assert_json_equal(ut_get(in3, "runtimeConfig"), want);
	json_object_put(want);
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* ADD-1 / CCH-2: after a full success the cache holds config, args, capability args and result. */
static void test_add1_cache_written(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, NULL, NULL);
	json_object *result = add_ok(f, c);
	struct cni_cache_entry *e = NULL;
	rci_error_t err = NULL;
	char *a1, *a2;

	ut_assert_ok(cni_cache_read(f->cache, "net", "cid1", "eth0", &e, &err), &err);
	assert_int_equal(e->config_len, c->len);
	assert_memory_equal(e->config, c->bytes, c->len);
	assert_string_equal(e->netns, "/run/netns/cid1");
	a1 = cni_args_to_string(&e->args);
	a2 = cni_args_to_string(&f->args);
	assert_string_equal(a1, a2);
	ut_assert_json_equal(e->capability_args, f->caps);
	ut_assert_json_equal(e->result, result);
	free(a1);
	free(a2);
	cni_cache_entry_free(e);
	json_object_put(result);
	cni_conf_free(c);
}

/* EXE-13 (REC): a result in another version is converted to the list's before chaining/caching. */
static void test_exe13_results_converted(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f,
				      "\"result\":{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":"
				      "\"4\",\"address\":\"10.1.1.2/24\"}]}",
				      NULL, NULL);
	json_object *result = add_ok(f, c), *calls = ut_read_calls(f->rec), *prev;

	prev = ut_get(call_stdin(calls, 1), "prevResult");
	assert_string_equal(ut_str(prev, "cniVersion"), "1.0.0");
	assert_false(ut_has(json_object_array_get_idx(ut_get(prev, "ips"), 0), "version"));
	assert_string_equal(ut_str(result, "cniVersion"), "1.0.0");
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* EXE-7 / #895: an ADD result without cniVersion takes the request's. */
static void test_exe7_add_result_without_cniversion(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL};
	struct cni_netconf *c;
	json_object *result;

	ut_write_script(f->plugins, "nover",
			"cat >/dev/null\necho '{\"ips\":[{\"address\":\"10.0.0.2/24\"}]}'\n");
	c = make_conf(f, "\"cniVersion\":\"1.0.0\"", "nover", fk, 1);
	result = add_ok(f, c);
	assert_string_equal(ut_str(result, "cniVersion"), "1.0.0");
	assert_string_equal(ut_str(json_object_array_get_idx(ut_get(result, "ips"), 0), "address"),
			    "10.0.0.2/24");
	json_object_put(result);
	cni_conf_free(c);
}

/* EXE-7: an ADD printing `null` succeeds with an empty result. */
static void test_exe7_add_null_result(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL};
	struct cni_netconf *c;
	json_object *result;

	ut_write_script(f->plugins, "nullres", "cat >/dev/null\necho null\n");
	c = make_conf(f, "\"cniVersion\":\"1.0.0\"", "nullres", fk, 1);
	result = add_ok(f, c);
	assert_string_equal(ut_str(result, "cniVersion"), "1.0.0");
	assert_false(ut_has(result, "ips"));
	json_object_put(result);
	cni_conf_free(c);
}

/* EXE-1: a plugin of the list that is missing fails the ADD before anything runs. */
static void test_exe1_missing_plugin_fails_before_running(void **state)
{
	struct fixture *f = *state;
	char *js = xasprintf("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":["
			     "{\"type\":\"fake\",\"fake\":{\"record\":\"%s\",\"tag\":\"p1\"}},"
			     "{\"type\":\"missing-plugin\"}]}",
			     f->rec);
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;
	json_object *result = NULL, *calls;

	ut_assert_ok(cni_conf_from_bytes(js, strlen(js), "test.conflist", &c, &err), &err);
	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	UT_ERR_CONTAINS(err, "missing-plugin", f->plugins);
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(calls), 0);
	json_object_put(calls);
	cni_conf_free(c);
	free(js);
}

/* ADD-3: plugin 2 fails: DEL the whole list in reverse, never-reached p3 included, same
 * CNI_ARGS/netns/capability args, no prevResult; no cache entry; the ADD error is returned. */
static void test_add3_rollback(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, "\"failOn\":\"ADD\"", NULL);
	rci_error_t err = NULL;
	json_object *result = NULL, *calls, *rc_add, *rc_del;
	char *file = cache_file(f);

	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	assert_null(result);
	UT_ERR_CONTAINS(err, "fake failure");
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2 DEL:p3 DEL:p2 DEL:p1");
	for (size_t i = 2; i < 5; i++) {
		json_object *d = json_object_array_get_idx(calls, i);

		assert_string_equal(ut_str(d, "args"), "IgnoreUnknown=1;IP=10.0.0.5");
		assert_string_equal(ut_str(d, "containerId"), "cid1");
		assert_string_equal(ut_str(d, "ifname"), "eth0");
		assert_string_equal(ut_str(d, "netns"), "/run/netns/cid1");
		/* The chain's result so far (p2's) as prevResult: firewall removes its per-IP
		 * rules only when it is told the IPs (issue 6; ADD-3 said "no prevResult"). */
		assert_true(ut_has(ut_get(d, "stdin"), "prevResult"));
	}
	/* p1's capability args are the same on its DEL as on its ADD */
	rc_add = ut_get(call_stdin(calls, 0), "runtimeConfig");
	rc_del = ut_get(call_stdin(calls, 4), "runtimeConfig");
	assert_non_null(rc_add);
	ut_assert_json_equal(rc_del, rc_add);
	assert_false(ut_exists(file));
	json_object_put(calls);
	cni_conf_free(c);
	free(file);
}

/* ADD-3: the error reported is the ADD's, not a rollback DEL's. */
static void test_add3_reports_add_error(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c =
	    conf3(f, NULL, "\"failOn\":\"ADD\",\"error\":{\"code\":100,\"msg\":\"add-broke\"}",
		  "\"failOn\":\"DEL\",\"error\":{\"code\":101,\"msg\":\"del-broke\"}");
	rci_error_t err = NULL;
	json_object *result = NULL;
	char *txt;

	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	UT_ERR_CONTAINS(err, "add-broke");
	txt = rci_error_text(err);
	assert_null(strstr(txt, "del-broke"));
	free(txt);
	rci_error_release(&err);
	cni_conf_free(c);
}

/* ADD-3: the rollback DELs every plugin even when one DEL fails: p3 was never reached (it has
 * nothing to undo and may well fail), p1 did run and must not leak. The caller (cmd_alloc)
 * forgets the attachment after a failed ADD, so a DEL skipped here is never retried. */
static void test_add3_rollback_continues_past_del_error(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c =
	    conf3(f, NULL, "\"failOn\":\"ADD\",\"error\":{\"code\":100,\"msg\":\"add-broke\"}",
		  "\"failOn\":\"DEL\",\"error\":{\"code\":101,\"msg\":\"del-broke\"}");
	rci_error_t err = NULL;
	json_object *result = NULL, *calls;

	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2 DEL:p3 DEL:p2 DEL:p1");
	json_object_put(calls);
	cni_conf_free(c);
}

/* ADD-3: a timed-out ADD counts as a failure and is rolled back too. */
static void test_add3_timeout_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = conf3(f, NULL, "\"sleepMs\":5000,\"sleepOn\":\"ADD\"", NULL);
	rci_error_t err = NULL;
	json_object *result = NULL, *calls;
	long long t0 = rci_now_ms();
	char *file = cache_file(f);

	f->rt.timeout_ms = 300;
	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	assert_true(rci_now_ms() - t0 < 4000);
	UT_ERR_CONTAINS(err, "timed out");
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2 DEL:p3 DEL:p2 DEL:p1");
	assert_false(ut_exists(file));
	json_object_put(calls);
	cni_conf_free(c);
	free(file);
}

/* CFG-9 REC: with cniVersions, ADD uses the highest version every plugin supports; the DEL
 * and CHECK of that attachment must use the same version (Debian's plugins reject 1.1.0). */
static void test_cfg9_negotiated_version_used_by_add_del_check(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL, NULL};
	struct cni_netconf *c =
	    make_conf(f, "\"cniVersions\":[\"0.4.0\",\"1.0.0\",\"1.1.0\"]", "old", fk, 2);
	json_object *result = add_ok(f, c), *calls;
	rci_error_t err = NULL;

	calls = ut_read_calls(f->rec);
	assert_seq(calls, "ADD:p1 ADD:p2");
	assert_string_equal(ut_str(call_stdin(calls, 0), "cniVersion"), "1.0.0");
	assert_string_equal(ut_str(result, "cniVersion"), "1.0.0");
	json_object_put(calls);
	ut_clear_calls(f->rec);
	ut_assert_ok(cni_check_network_list(&f->rt, c, &f->att, &err), &err);
	ut_assert_ok(cni_del_network_list(&f->rt, "net", c, &f->att, &err), &err);
	calls = ut_read_calls(f->rec);
	assert_seq(calls, "CHECK:p1 CHECK:p2 DEL:p2 DEL:p1");
	for (size_t i = 0; i < 4; i++)
		if (strcmp(ut_str(call_stdin(calls, i), "cniVersion"), "1.0.0") != 0) {
			fprintf(stderr, "call %zu (%s) sent cniVersion %s, ADD used 1.0.0\n", i,
				ut_str(json_object_array_get_idx(calls, i), "command"),
				ut_str(call_stdin(calls, i), "cniVersion"));
			fail();
		}
	json_object_put(calls);
	json_object_put(result);
	cni_conf_free(c);
}

/* CFG-9 REC: no common version: ADD fails clearly, before any ADD runs. */
static void test_cfg9_no_common_version(void **state)
{
	struct fixture *f = *state;
	const char *fk[] = {NULL};
	struct cni_netconf *c = make_conf(f, "\"cniVersions\":[\"1.1.0\"]", "old", fk, 1);
	rci_error_t err = NULL;
	json_object *result = NULL, *calls;

	assert_int_equal(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), -1);
	UT_ERR_CONTAINS(err, "net", "cniVersions");
	rci_error_release(&err);
	calls = ut_read_calls(f->rec);
	for (size_t i = 0; i < json_object_array_length(calls); i++)
		assert_string_not_equal(ut_str(json_object_array_get_idx(calls, i), "command"),
					"ADD");
	json_object_put(calls);
	cni_conf_free(c);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* as helper/main.c does */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exe4_5_build_plugin_conf),
	    T(test_add1_chaining),
	    T(test_add1_cache_written),
	    T(test_exe13_results_converted),
	    T(test_exe7_add_result_without_cniversion),
	    T(test_exe7_add_null_result),
	    T(test_exe1_missing_plugin_fails_before_running),
	    T(test_add3_rollback),
	    T(test_add3_reports_add_error),
	    T(test_add3_rollback_continues_past_del_error),
	    T(test_add3_timeout_rolls_back),
	    T(test_cfg9_negotiated_version_used_by_add_del_check),
	    T(test_cfg9_no_common_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
