/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/conf.c, a list from its bytes: load-time checks (CFG-7), plugin types
 * (CFG-8), version selection (CFG-9), raw bytes kept (CFG-10). Discovery: test_conf.c. */
#include "unit.h"

#include "conf.h"
#include "json.h"

/* Loads @json with cni_conf_from_bytes expecting failure; the text must contain @needle. */
static void bytes_rejected(const char *json, const char *needle)
{
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	if (cni_conf_from_bytes(json, strlen(json), "test.conflist", &c, &err) != -1) {
		fprintf(stderr, "accepted invalid config %s\n", json);
		cni_conf_free(c);
		fail();
	}
	assert_null(c);
	UT_ERR_CONTAINS(err, "test.conflist", needle);
	rci_error_release(&err);
}

static struct cni_netconf *bytes_ok(const char *json)
{
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	ut_assert_ok(cni_conf_from_bytes(json, strlen(json), "test.conflist", &c, &err), &err);
	return c;
}

/* CFG-7: load-time type checks. */
static void test_cfg7_type_checks(void **state)
{
	(void)state;
	bytes_rejected("[{\"name\":\"net\"}]", "object");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"a\"}]}", "name");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":7,\"plugins\":[{\"type\":\"a\"}]}",
		       "name");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[]}", "plugins");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":{\"type\":\"a\"}}",
		       "plugins");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"x\":1}]}",
		       "type");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"\"}]}",
		       "type");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":1}]}",
		       "type");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[\"bridge\"]}",
		       "plugin");
	bytes_rejected("{\"cniVersion\":1,\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}",
		       "cniVersion");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"cniVersions\":\"1.0.0\",\"name\":\"net\","
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "cniVersions");
	bytes_rejected("{\"cniVersions\":[\"1.0.0\",\"one\"],\"name\":\"net\","
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "cniVersions");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}],",
		       "JSON");
}

/* CFG-8: a plugin type must not contain '/' (it is looked up in CNI_PATH). */
static void test_cfg8_type_with_slash(void **state)
{
	(void)state;
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\","
		       "\"plugins\":[{\"type\":\"../../bin/sh\"}]}",
		       "/");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\","
		       "\"plugins\":[{\"type\":\"ok\"},{\"type\":\"/usr/bin/x\"}]}",
		       "/");
}

/* CFG-7: flags are JSON booleans or "true"/"false" in any case; anything else is an error. */
static void test_cfg7_boolean_flags(void **state)
{
	struct cni_netconf *c;

	(void)state;
	c = bytes_ok("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"disableCheck\":\"TRUE\","
		     "\"disableGC\":true,\"plugins\":[{\"type\":\"a\"}]}");
	assert_true(c->disable_check);
	assert_true(c->disable_gc);
	cni_conf_free(c);
	c = bytes_ok("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"disableCheck\":\"fAlSe\","
		     "\"disableGC\":false,\"plugins\":[{\"type\":\"a\"}]}");
	assert_false(c->disable_check);
	assert_false(c->disable_gc);
	cni_conf_free(c);
	c = bytes_ok("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}");
	assert_false(c->disable_check);
	assert_false(c->disable_gc);
	cni_conf_free(c);
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"disableCheck\":3,"
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "disableCheck");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"disableCheck\":\"yes\","
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "disableCheck");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"disableGC\":null,"
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "disableGC");
	bytes_rejected("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"loadOnlyInlinedPlugins\":1,"
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "loadOnlyInlinedPlugins");
}

/* CFG-9: the highest of cniVersions + cniVersion not above 1.1.0, candidates highest first. */
static void test_cfg9_cni_versions_pick_highest(void **state)
{
	struct cni_netconf *c;

	(void)state;
	c = bytes_ok("{\"cniVersion\":\"0.3.1\",\"cniVersions\":[\"0.4.0\",\"2.0.0\",\"1.1.0\","
		     "\"1.0.0\",\"1.2\"],\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}");
	assert_true(c->has_cni_versions);
	assert_string_equal(c->cni_version, "1.1.0");
	assert_non_null(c->cni_versions);
	assert_string_equal(c->cni_versions[0], "1.1.0");
	assert_string_equal(c->cni_versions[1], "1.0.0");
	assert_string_equal(c->cni_versions[2], "0.4.0");
	assert_string_equal(c->cni_versions[3], "0.3.1");
	assert_null(c->cni_versions[4]);
	cni_conf_free(c);
	/* cniVersion itself is a candidate when it is the highest. */
	c = bytes_ok("{\"cniVersion\":\"1.0.0\",\"cniVersions\":[\"0.4.0\"],\"name\":\"net\","
		     "\"plugins\":[{\"type\":\"a\"}]}");
	assert_string_equal(c->cni_version, "1.0.0");
	cni_conf_free(c);
	/* nothing usable */
	bytes_rejected("{\"cniVersions\":[\"2.0.0\",\"1.2.0\"],\"name\":\"net\","
		       "\"plugins\":[{\"type\":\"a\"}]}",
		       "cniVersions");
}

/* CFG-9: without cniVersions, cniVersion is used; empty means 0.1.0; unknown is refused (ours). */
static void test_cfg9_cni_version(void **state)
{
	struct cni_netconf *c;

	(void)state;
	c = bytes_ok("{\"cniVersion\":\"0.4.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}");
	assert_string_equal(c->cni_version, "0.4.0");
	assert_false(c->has_cni_versions);
	cni_conf_free(c);
	c = bytes_ok("{\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}");
	assert_string_equal(c->cni_version, "0.1.0");
	cni_conf_free(c);
	c = bytes_ok("{\"cniVersion\":\"\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}");
	assert_string_equal(c->cni_version, "0.1.0");
	cni_conf_free(c);
	bytes_rejected("{\"cniVersion\":\"1.0.1\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}",
		       "1.0.1");
	bytes_rejected("{\"cniVersion\":\"2.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}]}",
		       "2.0.0");
}

/* CFG-10: the plugin objects and the list bytes are kept exactly. */
static void test_cfg10_raw_bytes_kept(void **state)
{
	static const char js[] =
	    "{ \"cniVersion\": \"1.0.0\", \"name\": \"net\",\n"
	    "  \"plugins\": [ {\"type\": \"a\", \"custom\": {\"deep\": [1, 2.5, "
	    "\"s\", null, true]}, \"args\": {\"cni\": {\"x\": 1}}} ] }\n";
	struct cni_netconf *c;
	json_object *want;

	(void)state;
	c = bytes_ok(js);
	assert_int_equal(c->len, strlen(js));
	assert_memory_equal(c->bytes, js, c->len);
	want = ut_json("{\"type\": \"a\", \"custom\": {\"deep\": [1, 2.5, \"s\", null, true]},"
		       " \"args\": {\"cni\": {\"x\": 1}}}");
	ut_assert_json_equal(cni_conf_plugin(c, 0), want);
	json_object_put(want);
	cni_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cfg7_type_checks),
	    cmocka_unit_test(test_cfg8_type_with_slash),
	    cmocka_unit_test(test_cfg7_boolean_flags),
	    cmocka_unit_test(test_cfg9_cni_versions_pick_highest),
	    cmocka_unit_test(test_cfg9_cni_version),
	    cmocka_unit_test(test_cfg10_raw_bytes_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
