/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/api.c: plugin stdin (EXE-4/5), ADD chaining and rollback (ADD-1, ADD-3),
 * DEL from the cache (DEL-1..3), CHECK (CHK-1) and version negotiation (CFG-9 REC), driving chains
 * of build/tests/plugins/fake-plugin whose records tell what each plugin received.
 */
#include "unit.h"

#include <signal.h>

#include "api.h"
#include "cache.h"
#include "json.h"
#include "util.h"

struct fixture {
	char *tmp, *plugins, *rec, *cache;
	char *dirs[2];
	struct cni_runtime rt;
	struct cni_args args; /* IgnoreUnknown=1;IP=10.0.0.5 */
	json_object *caps;    /* portMappings + bandwidth */
	struct cni_attachment att;
};

static const char caps_json[] =
    "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}],"
    "\"bandwidth\":{\"ingressRate\":1000,\"ingressBurst\":100},"
    "\"dns\":{\"servers\":[\"10.0.0.1\"]}}";

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *fake = ut_fake_plugin(), *link, *body = NULL;
	rci_error_t err = NULL;

	f->tmp = ut_mkdtemp();
	f->plugins = ut_path(f->tmp, "plugins");
	f->rec = ut_path(f->tmp, "rec");
	f->cache = ut_path(f->tmp, "cache");
	assert_int_equal(mkdir(f->plugins, 0755), 0);
	assert_int_equal(mkdir(f->rec, 0755), 0);
	link = ut_path(f->plugins, "fake");
	assert_int_equal(symlink(fake, link), 0);
	free(link);
	/* "old": the fake plugin, but VERSION says it stops at 1.0.0 (like Debian's plugins). */
	if (asprintf(
		&body,
		"if [ \"$CNI_COMMAND\" = VERSION ]; then\n"
		"  cat >/dev/null\n"
		"  echo '{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}'\n"
		"  exit 0\n"
		"fi\n"
		"exec '%s'\n",
		fake) < 0)
		abort();
	ut_write_script(f->plugins, "old", body);
	free(body);
	free(fake);
	f->dirs[0] = f->plugins;
	f->rt.plugin_dirs = f->dirs;
	f->rt.cache_dir = f->cache;
	f->rt.timeout_ms = 10 * 1000;
	ut_assert_ok(cni_args_add(&f->args, "IgnoreUnknown", "1", &err), &err);
	ut_assert_ok(cni_args_add(&f->args, "IP", "10.0.0.5", &err), &err);
	f->caps = ut_json(caps_json);
	f->att.container_id = "cid1";
	f->att.netns = "/run/netns/cid1";
	f->att.ifname = "eth0";
	f->att.args = &f->args;
	f->att.capability_args = f->caps;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f->plugins);
	free(f->rec);
	free(f->cache);
	cni_args_clear(&f->args);
	json_object_put(f->caps);
	free(f);
	return 0;
}

/*
 * A list "net" with the given top-level keys (@head, e.g. "\"cniVersion\":\"1.0.0\"") and one
 * fake plugin per non-NULL entry of @fake (extra keys of its "fake" object, tag p<i+1>).
 * Plugin 1 declares portMappings, plugin 3 bandwidth and mac (only bandwidth is supplied).
 */
static struct cni_netconf *make_conf(struct fixture *f, const char *head, const char *type,
				     const char *const *fake, size_t n)
{
	static const char *const caps[] = {
	    ",\"capabilities\":{\"portMappings\":true,\"bandwidth\":false}", "",
	    ",\"capabilities\":{\"bandwidth\":true,\"mac\":true}"};
	char *buf = NULL, *tmp;
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	if (asprintf(&buf, "{%s,\"name\":\"net\",\"plugins\":[", head) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (asprintf(
			&tmp,
			"%s%s{\"type\":\"%s\"%s,\"fake\":{\"record\":\"%s\",\"tag\":\"p%zu\"%s%s}}",
			buf, i ? "," : "", type, i < 3 ? caps[i] : "", f->rec, i + 1,
			fake[i] && *fake[i] ? "," : "", fake[i] ? fake[i] : "") < 0)
			abort();
		free(buf);
		buf = tmp;
	}
	if (asprintf(&tmp, "%s]}", buf) < 0)
		abort();
	free(buf);
	ut_assert_ok(cni_conf_from_bytes(tmp, strlen(tmp), "test.conflist", &c, &err), &err);
	free(tmp);
	return c;
}

static struct cni_netconf *conf3(struct fixture *f, const char *f1, const char *f2, const char *f3)
{
	const char *fk[] = {f1, f2, f3};

	return make_conf(f, "\"cniVersion\":\"1.0.0\"", "fake", fk, 3);
}

/* "ADD:p1 ADD:p2 DEL:p2" from the records. */
static char *call_seq(json_object *calls)
{
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *c = json_object_array_get_idx(calls, i);

		t = xasprintf("%s%s%s:%s", s, i ? " " : "", ut_str(c, "command"), ut_str(c, "tag"));
		free(s);
		s = t;
	}
	return s;
}

static void assert_seq(json_object *calls, const char *want)
{
	char *s = call_seq(calls);

	if (strcmp(s, want) != 0) {
		fprintf(stderr, "calls `%s`, want `%s`\n", s, want);
		free(s);
		fail();
	}
	free(s);
}

static json_object *call_stdin(json_object *calls, size_t i)
{
	return ut_get(json_object_array_get_idx(calls, i), "stdin");
}

static char *cache_file(struct fixture *f)
{
	return xasprintf("%s/results/net-cid1-eth0", f->cache);
}

static json_object *add_ok(struct fixture *f, struct cni_netconf *c)
{
	rci_error_t err = NULL;
	json_object *result = NULL;

	ut_assert_ok(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), &err);
	assert_non_null(result);
	return result;
}

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

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

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
	    T(test_cfg9_negotiated_version_used_by_add_del_check),
	    T(test_cfg9_no_common_version),
	    T(test_del_ignores_foreign_cache_entry),
	    T(test_chk_ignores_foreign_cache_entry),
	    T(test_add_refuses_foreign_cache_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
