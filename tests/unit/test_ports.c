/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the launcher's port specs (infra/ports.c): the parser (lr_port_parse) and the
 * duplicate check (lr_ports_check_dups), table-driven.
 */
#include "unit.h"

#include "ports.h"

#include <sys/socket.h>

static const struct {
	const char *spec;
	int host, ctr;
	const char *proto;
	const char *ip; /* canonical HOSTIP, NULL when not given */
	int family;
} good[] = {
    {"8080:80", 8080, 80, "tcp", NULL, AF_UNSPEC},
    {"1:1", 1, 1, "tcp", NULL, AF_UNSPEC},
    {"65535:65535", 65535, 65535, "tcp", NULL, AF_UNSPEC},
    {"53:5353/udp", 53, 5353, "udp", NULL, AF_UNSPEC},
    {"443:8443/tcp", 443, 8443, "tcp", NULL, AF_UNSPEC},
    {"00080:80", 80, 80, "tcp", NULL, AF_UNSPEC},
    {"127.0.0.1:8080:80", 8080, 80, "tcp", "127.0.0.1", AF_INET},
    {"0.0.0.0:8080:80/udp", 8080, 80, "udp", "0.0.0.0", AF_INET},
    {"[::1]:8080:80", 8080, 80, "tcp", "::1", AF_INET6},
    {"[::]:8080:80/udp", 8080, 80, "udp", "::", AF_INET6},
    {"[2001:DB8:0::1]:1:2", 1, 2, "tcp", "2001:db8::1", AF_INET6},
};

/* Each must be refused as a usage error (exit 2 in the launcher). */
static const char *const bad[] = {
    "",
    ":",
    "80",
    "80:",
    ":80",
    "0:80",
    "80:0",
    "65536:80",
    "80:65536",
    "-1:80",
    "80:-1",
    "+80:80",
    " 80:80",
    "80 :80",
    "80: 80",
    "80:80 ",
    "a:b",
    "80:8o",
    "0x50:80",
    "80:80/",
    "80:80/sctp",
    "80:80/TCP",
    "80:80/tcp/",
    "80:80/udpx",
    "8080:80:90",
    "1:2:3/tcp",
    "/tcp",
    "80/tcp:80",
    "999999:80",
    "100000:80",
    "80:80\n",
    "80:80/tcp ",
    "80::80",
    "4294967377:80",
    "80:4294967377",
    /* IPv6 host IPs: brackets, and only around an IPv6 address. */
    "::1:8080:80",
    "[::1]8080:80",
    "[::1:8080:80",
    "[::1]:80",
    "[1.2.3.4]:80:80",
    "[fe80::1%eth0]:80:80",
    "[::1]:1.2.3.4:80:80",
    "[]:80:80",
    "[::1]:8080:80/sctp",
    "1.2.3:8080:80",
    "1.2.3.4.5:8080:80",
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
		assert_int_equal(p.host_ip_given, good[i].ip != NULL);
		assert_string_equal(p.host_ip, good[i].ip ? good[i].ip : "0.0.0.0");
		assert_int_equal(p.family, good[i].family);
		assert_string_equal(p.spec, good[i].spec);
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

/* Pairs of one command: do they take the same host socket? */
static const struct {
	const char *a, *b;
	bool dup;
} pairs[] = {
    {"8080:80", "8080:81", true},
    {"8080:80", "127.0.0.1:8080:81", true}, /* no HOSTIP: every address, both families */
    {"[::1]:8080:80", "8080:81", true},
    {"0.0.0.0:8080:80", "127.0.0.1:8080:81", true},
    {"[::]:8080:80", "[::1]:8080:81", true},
    {"[::1]:8080:80", "[::1]:8080:81", true},
    {"8080:80", "8080:80/udp", false},
    {"127.0.0.1:8080:80", "[::1]:8080:80", false},
    {"0.0.0.0:8080:80", "[::]:8080:80", false},
    {"127.0.0.1:8080:80", "127.0.0.2:8080:80", false},
    {"8080:80", "8081:80", false},
};

static void test_dups(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct lr_port p[2];
		rci_error_t err = NULL;
		assert_int_equal(lr_port_parse(pairs[i].a, &p[0], &err), 0);
		assert_int_equal(lr_port_parse(pairs[i].b, &p[1], &err), 0);
		int r = lr_ports_check_dups(p, 2, &err);
		if ((r < 0) != pairs[i].dup)
			fail_msg("`%s` and `%s`: %s", pairs[i].a, pairs[i].b,
				 r < 0 ? "refused" : "accepted");
		if (r < 0) {
			assert_int_equal(err->kind, RCI_ERR_USAGE);
			rci_error_release(&err);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_specs),
	    cmocka_unit_test(test_bad_specs),
	    cmocka_unit_test(test_mappings_json),
	    cmocka_unit_test(test_dups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
