/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/result.c: result shapes (EXE-11) and version conversion (EXE-12). */
#include "unit.h"

#include "result.h"

static json_object *convert_ok(const char *in, const char *dflt, const char *to)
{
	json_object *src = ut_json(in), *out;
	rci_error_t err = NULL;

	out = cni_result_convert(src, dflt, to, &err);
	ut_assert_ok(out ? 0 : -1, &err);
	json_object_put(src);
	assert_string_equal(ut_str(out, "cniVersion"), to);
	return out;
}

static void convert_fails(const char *in, const char *dflt, const char *to, const char *needle)
{
	json_object *src = ut_json(in), *out;
	rci_error_t err = NULL;

	out = cni_result_convert(src, dflt, to, &err);
	if (out) {
		fprintf(stderr, "converted %s to %s: %s\n", in, to,
			json_object_to_json_string(out));
		json_object_put(out);
		fail();
	}
	UT_ERR_CONTAINS(err, needle);
	rci_error_release(&err);
	json_object_put(src);
}

static json_object *ip_at(json_object *r, size_t i)
{
	json_object *ips = ut_get(r, "ips");

	assert_non_null(ips);
	assert_true(i < json_object_array_length(ips));
	return json_object_array_get_idx(ips, i);
}

#define RESULT_040                                                                                 \
	"{\"cniVersion\":\"0.4.0\","                                                               \
	"\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"/ns\"}],"  \
	"\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\","        \
	"\"interface\":0},{\"version\":\"6\",\"address\":\"fd00::2/64\",\"interface\":0}],"        \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{\"nameservers\":[\"10.1.0.1\"]}}"

/* EXE-12: 0.4.0 -> 1.0.0 drops ips[].version and keeps everything else. */
static void test_exe12_040_to_100_drops_version(void **state)
{
	json_object *out = convert_ok(RESULT_040, "0.4.0", "1.0.0");
	json_object *src = ut_json(RESULT_040);

	(void)state;
	assert_false(ut_has(ip_at(out, 0), "version"));
	assert_false(ut_has(ip_at(out, 1), "version"));
	assert_string_equal(ut_str(ip_at(out, 0), "address"), "10.1.0.2/24");
	assert_string_equal(ut_str(ip_at(out, 0), "gateway"), "10.1.0.1");
	assert_int_equal(json_object_get_int(ut_get(ip_at(out, 1), "interface")), 0);
	ut_assert_json_equal(ut_get(out, "interfaces"), ut_get(src, "interfaces"));
	ut_assert_json_equal(ut_get(out, "routes"), ut_get(src, "routes"));
	ut_assert_json_equal(ut_get(out, "dns"), ut_get(src, "dns"));
	json_object_put(src);
	json_object_put(out);
}

/* EXE-12: 1.0.0 -> 0.4.0 derives version "4"/"6" from the address family. */
static void test_exe12_100_to_040_adds_version(void **state)
{
	json_object *out =
	    convert_ok("{\"cniVersion\":\"1.0.0\",\"ips\":["
		       "{\"address\":\"fd00::2/64\"},{\"address\":\"10.1.0.2/24\"}]}",
		       "1.0.0", "0.4.0");

	(void)state;
	assert_string_equal(ut_str(ip_at(out, 0), "version"), "6");
	assert_string_equal(ut_str(ip_at(out, 1), "version"), "4");
	json_object_put(out);
	/* 0.3.1 is the same family */
	out = convert_ok("{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.0.0.1/8\"}]}",
			 "1.1.0", "0.3.1");
	assert_string_equal(ut_str(ip_at(out, 0), "version"), "4");
	json_object_put(out);
}

/* EXE-12: 1.1.0 -> 0.4.0 drops the 1.1.0 interface fields mtu, socketPath and pciID. */
static void test_exe12_110_to_040_drops_new_fields(void **state)
{
	json_object *out =
	    convert_ok("{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"eth0\",\"mtu\":1400,"
		       "\"socketPath\":\"/s\",\"pciID\":\"0000:00:01.0\"}],\"ips\":[]}",
		       "1.1.0", "0.4.0");
	json_object *ifc = json_object_array_get_idx(ut_get(out, "interfaces"), 0);

	(void)state;
	assert_string_equal(ut_str(ifc, "name"), "eth0");
	assert_false(ut_has(ifc, "mtu"));
	assert_false(ut_has(ifc, "socketPath"));
	assert_false(ut_has(ifc, "pciID"));
	json_object_put(out);
}

/* EXE-12: 1.0.0 <-> 1.1.0 and 0.3.x <-> 0.4.0 change only the version string. */
static void test_exe12_same_family_only_string(void **state)
{
	static const char in[] = "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"eth0\","
				 "\"mtu\":1400}],\"ips\":[{\"address\":\"10.0.0.2/24\"}],"
				 "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":1300}],\"x-extra\":1}";
	json_object *out = convert_ok(in, "1.1.0", "1.0.0");
	json_object *src = ut_json(in);

	(void)state;
	json_object_object_add(src, "cniVersion", json_object_new_string("1.0.0"));
	ut_assert_json_equal(out, src);
	json_object_put(out);
	json_object_put(src);
	out = convert_ok(RESULT_040, "0.4.0", "0.3.0");
	src = ut_json(RESULT_040);
	json_object_object_add(src, "cniVersion", json_object_new_string("0.3.0"));
	ut_assert_json_equal(out, src);
	json_object_put(out);
	json_object_put(src);
}

/* EXE-12: to 0.2.0 keeps only the first IPv4 and first IPv6; routes go with their dst family. */
static void test_exe12_to_020_first_of_each_family(void **state)
{
	json_object *out =
	    convert_ok("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],\"ips\":["
		       "{\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\"},"
		       "{\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\"},"
		       "{\"address\":\"10.0.1.2/24\"},{\"address\":\"fd01::2/64\"}],"
		       "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"},"
		       "{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.0.0.254\"}],"
		       "\"dns\":{\"nameservers\":[\"10.0.0.1\"]}}",
		       "1.0.0", "0.2.0");
	json_object *ip4 = ut_get(out, "ip4"), *ip6 = ut_get(out, "ip6");
	json_object *want;

	(void)state;
	assert_non_null(ip4);
	assert_non_null(ip6);
	assert_string_equal(ut_str(ip4, "ip"), "10.0.0.2/24");
	assert_string_equal(ut_str(ip4, "gateway"), "10.0.0.1");
	assert_string_equal(ut_str(ip6, "ip"), "fd00::2/64");
	assert_string_equal(ut_str(ip6, "gateway"), "fd00::1");
	want =
	    ut_json("[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.0.0.254\"}]");
	ut_assert_json_equal(ut_get(ip4, "routes"), want);
	json_object_put(want);
	want = ut_json("[{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}]");
	ut_assert_json_equal(ut_get(ip6, "routes"), want);
	json_object_put(want);
	/* interfaces and the 0.3+ keys are gone, dns stays */
	assert_false(ut_has(out, "interfaces"));
	assert_false(ut_has(out, "ips"));
	assert_false(ut_has(out, "routes"));
	assert_non_null(ut_get(out, "dns"));
	json_object_put(out);
}

/* EXE-12: v4-only results have no ip6. */
static void test_exe12_to_010_v4_only(void **state)
{
	json_object *out = convert_ok(
	    "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}",
	    "0.4.0", "0.1.0");

	(void)state;
	assert_string_equal(ut_str(ut_get(out, "ip4"), "ip"), "10.0.0.2/24");
	assert_false(ut_has(out, "ip6"));
	json_object_put(out);
}

/* EXE-12: from 0.2.0 up: ip4/ip6 become ips[] (version only for 0.3/0.4), routes merged. */
static void test_exe12_from_020_up(void **state)
{
	static const char in[] =
	    "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\","
	    "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]},\"ip6\":{\"ip\":\"fd00::2/64\","
	    "\"routes\":[{\"dst\":\"::/0\"}]},\"dns\":{\"domain\":\"example\"}}";
	json_object *out = convert_ok(in, "0.2.0", "1.0.0");
	json_object *want;

	(void)state;
	assert_int_equal(json_object_array_length(ut_get(out, "ips")), 2);
	assert_string_equal(ut_str(ip_at(out, 0), "address"), "10.0.0.2/24");
	assert_string_equal(ut_str(ip_at(out, 0), "gateway"), "10.0.0.1");
	assert_false(ut_has(ip_at(out, 0), "version"));
	assert_string_equal(ut_str(ip_at(out, 1), "address"), "fd00::2/64");
	want = ut_json("[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\"}]");
	ut_assert_json_equal(ut_get(out, "routes"), want);
	json_object_put(want);
	assert_string_equal(ut_str(ut_get(out, "dns"), "domain"), "example");
	assert_false(ut_has(out, "ip4"));
	json_object_put(out);

	out = convert_ok(in, "0.2.0", "0.4.0");
	assert_string_equal(ut_str(ip_at(out, 0), "version"), "4");
	assert_string_equal(ut_str(ip_at(out, 1), "version"), "6");
	json_object_put(out);
}

/* EXE-7 / #895: a result without cniVersion is taken as the default (here 0.2.0-shaped). */
static void test_exe7_missing_version_uses_default(void **state)
{
	json_object *out = convert_ok("{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}", "0.2.0", "1.0.0");

	(void)state;
	assert_string_equal(ut_str(ip_at(out, 0), "address"), "10.0.0.2/24");
	json_object_put(out);
	/* ...and as 0.4.0 (so going to 1.0.0 drops version), "" counts as missing */
	out = convert_ok(
	    "{\"cniVersion\":\"\",\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}",
	    "0.4.0", "1.0.0");
	assert_false(ut_has(ip_at(out, 0), "version"));
	json_object_put(out);
}

/* EXE-12 / go-cni#75: any other version (1.0.1, 2.0.0) is an error, naming the version. */
static void test_exe12_unknown_version_errors(void **state)
{
	(void)state;
	convert_fails("{\"cniVersion\":\"1.0.1\",\"ips\":[]}", "1.0.0", "1.0.0", "1.0.1");
	convert_fails("{\"cniVersion\":\"1.0.0\",\"ips\":[]}", "1.0.0", "1.0.1", "1.0.1");
	convert_fails("{\"cniVersion\":\"2.0.0\"}", "1.0.0", "0.4.0", "2.0.0");
	convert_fails("{\"ips\":[]}", "9.9.9", "1.0.0", "9.9.9");
}

/* EXE-7: `null` output counts as an empty result. */
static void test_exe7_null_result_is_empty(void **state)
{
	rci_error_t err = NULL;
	json_object *null_obj = NULL;
	json_object *out = cni_result_convert(null_obj, "1.0.0", "1.0.0", &err);

	(void)state;
	ut_assert_ok(out ? 0 : -1, &err);
	assert_int_equal(json_object_object_length(out), 1);
	assert_string_equal(ut_str(out, "cniVersion"), "1.0.0");
	json_object_put(out);
}

/* Malformed results are refused rather than half-converted. */
static void test_exe11_malformed_rejected(void **state)
{
	(void)state;
	convert_fails("{\"cniVersion\":\"1.0.0\",\"ips\":{\"address\":\"10.0.0.2/24\"}}", "1.0.0",
		      "0.4.0", "ips");
	convert_fails("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"gateway\":\"10.0.0.1\"}]}", "1.0.0",
		      "1.0.0", "address");
	convert_fails("{\"cniVersion\":\"1.0.0\",\"dns\":[]}", "1.0.0", "1.0.0", "dns");
	convert_fails("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"gateway\":\"10.0.0.1\"}}", "0.2.0",
		      "1.0.0", "ip4");
	convert_fails("[1,2]", "1.0.0", "1.0.0", "object");
}

/* EXE-11: Debian's plugins emit "dns":{}; IPAM results have no interfaces. */
static void test_exe11_validate_accepts_common_shapes(void **state)
{
	rci_error_t err = NULL;
	json_object *r =
	    ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}],"
		    "\"dns\":{}}");

	(void)state;
	ut_assert_ok(cni_result_validate(r, &err), &err);
	json_object_put(r);
	r = ut_json("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.0.0.2/24\"}}");
	ut_assert_ok(cni_result_validate(r, &err), &err);
	json_object_put(r);
}

/* The input is not modified (cached results are converted repeatedly). */
static void test_exe12_input_untouched(void **state)
{
	json_object *src = ut_json(RESULT_040), *copy = ut_json(RESULT_040), *out;
	rci_error_t err = NULL;

	(void)state;
	out = cni_result_convert(src, "0.4.0", "1.0.0", &err);
	ut_assert_ok(out ? 0 : -1, &err);
	ut_assert_json_equal(src, copy);
	assert_true(out != src);
	json_object_put(out);
	json_object_put(src);
	json_object_put(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exe12_040_to_100_drops_version),
	    cmocka_unit_test(test_exe12_100_to_040_adds_version),
	    cmocka_unit_test(test_exe12_110_to_040_drops_new_fields),
	    cmocka_unit_test(test_exe12_same_family_only_string),
	    cmocka_unit_test(test_exe12_to_020_first_of_each_family),
	    cmocka_unit_test(test_exe12_to_010_v4_only),
	    cmocka_unit_test(test_exe12_from_020_up),
	    cmocka_unit_test(test_exe7_missing_version_uses_default),
	    cmocka_unit_test(test_exe12_unknown_version_errors),
	    cmocka_unit_test(test_exe7_null_result_is_empty),
	    cmocka_unit_test(test_exe11_malformed_rejected),
	    cmocka_unit_test(test_exe11_validate_accepts_common_shapes),
	    cmocka_unit_test(test_exe12_input_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
