/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the launcher's port-spec parser (infra/ports.c: lr_port_parse), table-driven. */
#include "unit.h"

#include "ports.h"

static const struct {
	const char *spec;
	int host, ctr;
	const char *proto;
} good[] = {
    {"8080:80", 8080, 80, "tcp"},	  {"1:1", 1, 1, "tcp"},
    {"65535:65535", 65535, 65535, "tcp"}, {"53:5353/udp", 53, 5353, "udp"},
    {"443:8443/tcp", 443, 8443, "tcp"},	  {"00080:80", 80, 80, "tcp"},
};

/* Each must be refused as a usage error (exit 2 in the launcher). */
static const char *const bad[] = {
    "",		  ":",		"80",	      "80:",	       ":80",		"0:80",
    "80:0",	  "65536:80",	"80:65536",   "-1:80",	       "80:-1",		"+80:80",
    " 80:80",	  "80 :80",	"80: 80",     "80:80 ",	       "a:b",		"80:8o",
    "0x50:80",	  "80:80/",	"80:80/sctp", "80:80/TCP",     "80:80/tcp/",	"80:80/udpx",
    "8080:80:90", "1:2:3/tcp",	"/tcp",	      "80/tcp:80",     "999999:80",	"100000:80",
    "80:80\n",	  "80:80/tcp ", "80::80",     "4294967377:80", "80:4294967377",
};

static void test_good_specs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct lr_port p;
		rci_error_t err = NULL;
		memset(&p, 0, sizeof(p));
		if (lr_port_parse(good[i].spec, &p, &err) != 0)
			fail_msg("`%s` refused: %s", good[i].spec, err ? err->msg : "?");
		assert_null(err);
		assert_int_equal(p.host, good[i].host);
		assert_int_equal(p.ctr, good[i].ctr);
		assert_string_equal(p.proto, good[i].proto);
	}
}

static void test_bad_specs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lr_port p;
		rci_error_t err = NULL;
		if (lr_port_parse(bad[i], &p, &err) == 0)
			fail_msg("`%s` accepted as %d:%d/%s", bad[i], p.host, p.ctr, p.proto);
		assert_non_null(err);
		assert_int_equal(err->kind, RCI_ERR_USAGE);
		/* One line, even for a spec holding a newline (it is quoted printable). */
		assert_null(strchr(err->msg, '\n'));
		rci_error_release(&err);
	}
}

static void test_mappings_json(void **state)
{
	(void)state;
	struct lr_port p[2];
	rci_error_t err = NULL;
	assert_int_equal(lr_port_parse("8080:80", &p[0], &err), 0);
	assert_int_equal(lr_port_parse("53:53/udp", &p[1], &err), 0);
	char *s = lr_ports_mappings(p, 2);
	json_object *a = json_tokener_parse(s);
	assert_non_null(a);
	assert_int_equal(json_object_array_length(a), 2);
	json_object *m = json_object_array_get_idx(a, 1), *v;
	assert_true(json_object_object_get_ex(m, "hostPort", &v));
	assert_int_equal(json_object_get_int(v), 53);
	assert_true(json_object_object_get_ex(m, "protocol", &v));
	assert_string_equal(json_object_get_string(v), "udp");
	json_object_put(a);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_specs),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test(test_mappings_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
