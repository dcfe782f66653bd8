/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the forwarder's address helpers (infra/forwarder/addr.c): which clients keep
 * their address, and of the launcher's host-port binding (infra/forwarder_client.c: lr_fwd_bind).
 */
#include "unit.h"

#include "forwarder/addr.h"
#include "forwarder_client.h"

#include <sys/socket.h>

static union fwd_addr addr(const char *ip, int port)
{
	union fwd_addr a;
	rci_error_t err = NULL;
	ut_assert_ok(fwd_addr_parse("test", ip, port, &a, &err), &err);
	return a;
}

static void test_can_keep(void **state)
{
	(void)state;
	static const struct {
		const char *client;
		int target_family;
		bool keep;
	} cases[] = {
	    {"198.51.100.7", AF_INET, true},
	    {"192.168.1.2", AF_INET, true},
	    {"10.0.2.2", AF_INET, true},
	    {"169.254.1.1", AF_INET, true},
	    {"127.0.0.1", AF_INET, false},
	    {"127.9.9.9", AF_INET, false},
	    {"0.0.0.0", AF_INET, false},
	    {"255.255.255.255", AF_INET, false},
	    {"224.0.0.1", AF_INET, false},
	    {"198.51.100.7", AF_INET6, false},
	    {"2001:db8::2", AF_INET6, true},
	    {"fd00::1", AF_INET6, true},
	    {"::1", AF_INET6, false},
	    {"::", AF_INET6, false},
	    {"fe80::1", AF_INET6, false},
	    {"ff02::1", AF_INET6, false},
	    {"2001:db8::2", AF_INET, false},
	    {"::ffff:198.51.100.7", AF_INET, true},
	    {"::ffff:127.0.0.1", AF_INET, false},
	    {"::ffff:198.51.100.7", AF_INET6, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		union fwd_addr a = addr(cases[i].client, 1234);
		if (fwd_addr_can_keep(&a, cases[i].target_family) != cases[i].keep)
			fail_msg("%s towards %s: expected %s", cases[i].client,
				 cases[i].target_family == AF_INET ? "IPv4" : "IPv6",
				 cases[i].keep ? "kept" : "not kept");
	}
}

static void test_format_unmap_equal(void **state)
{
	(void)state;
	char buf[FWD_ADDR_STRLEN];
	union fwd_addr a = addr("::ffff:198.51.100.7", 80), b = addr("198.51.100.7", 80);
	assert_string_equal(fwd_addr_str(&a, buf), "[::ffff:198.51.100.7]:80");
	assert_false(fwd_addr_equal(&a, &b));
	fwd_addr_unmap(&a);
	assert_int_equal(a.sa.sa_family, AF_INET);
	assert_true(fwd_addr_equal(&a, &b));
	assert_int_equal(fwd_addr_hash(&a), fwd_addr_hash(&b));
	assert_string_equal(fwd_addr_str(&b, buf), "198.51.100.7:80");
	b = addr("2001:db8::1", 65535);
	assert_string_equal(fwd_addr_str(&b, buf), "[2001:db8::1]:65535");
	assert_int_equal(fwd_addr_port(&b), 65535);
	assert_int_equal(fwd_addr_len(&b), sizeof(struct sockaddr_in6));
	union fwd_addr c = addr("2001:db8::1", 65534);
	assert_false(fwd_addr_equal(&b, &c));

	rci_error_t err = NULL;
	assert_int_equal(fwd_addr_parse("host", "1.2.3", 1, &c, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_USAGE);
	assert_string_equal(err->msg, "host IP `1.2.3` is not an IPv4 or IPv6 address");
	rci_error_release(&err);
	assert_int_equal(fwd_addr_parse("host", "::1", 65536, &c, &err), -1);
	rci_error_release(&err);
}

/* A port the kernel picks for us, free right now. */
static int free_port(int family, int type)
{
	int fd = socket(family, type, 0);
	union fwd_addr a;
	socklen_t len = sizeof(a);
	memset(&a, 0, sizeof(a));
	a.sa.sa_family = (sa_family_t)family;
	assert_int_equal(bind(fd, &a.sa, family == AF_INET ? sizeof(a.in) : sizeof(a.in6)), 0);
	assert_int_equal(getsockname(fd, &a.sa, &len), 0);
	close(fd);
	return fwd_addr_port(&a);
}

static void test_bind(void **state)
{
	(void)state;
	rci_error_t err = NULL;
	int port = free_port(AF_INET, SOCK_STREAM);
	int fd = lr_fwd_bind("127.0.0.1", port, "tcp", &err);
	ut_assert_ok(fd, &err);
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len), 0);
	assert_int_equal(v, 1);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	/* Taken: a conflict that names the port. */
	char *want = NULL;
	assert_true(asprintf(&want, "host port 127.0.0.1:%d/tcp is already in use", port) > 0);
	assert_int_equal(lr_fwd_bind("0.0.0.0", port, "tcp", &err), -1);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	UT_ERR_CONTAINS(err, "host port 0.0.0.0:", "/tcp is already in use");
	rci_error_release(&err);
	assert_int_equal(lr_fwd_bind("127.0.0.1", port, "tcp", &err), -1);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	assert_string_equal(err->msg, want);
	rci_error_release(&err);
	free(want);
	close(fd);

	/* IPv6 binds IPv6 only: "::" and "0.0.0.0" side by side. */
	port = free_port(AF_INET6, SOCK_DGRAM);
	int u6 = lr_fwd_bind("::", port, "udp", &err);
	ut_assert_ok(u6, &err);
	int u4 = lr_fwd_bind("0.0.0.0", port, "udp", &err);
	ut_assert_ok(u4, &err);
	assert_int_equal(lr_fwd_bind("::1", port, "udp", &err), -1);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	assert_non_null(strstr(err->msg, "host port [::1]:"));
	assert_non_null(strstr(err->msg, "/udp is already in use"));
	rci_error_release(&err);
	close(u6);
	close(u4);

	static const struct {
		const char *ip;
		int port;
		const char *proto;
		int kind;
		const char *why;
	} bad[] = {
	    {"198.51.100.77", 8080, "tcp", RCI_ERR_USAGE,
	     "host IP `198.51.100.77` is not an address of this host"},
	    {"localhost", 8080, "tcp", RCI_ERR_USAGE, "host IP `localhost` is not an IPv4"},
	    {"[::1]", 8080, "tcp", RCI_ERR_USAGE, "host IP `[::1]`"},
	    {"::1", 0, "tcp", RCI_ERR_USAGE, "host port 0 is not from 1 to 65535"},
	    {"::1", 8080, "sctp", RCI_ERR_USAGE, "protocol `sctp` is not tcp or udp"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lr_fwd_bind(bad[i].ip, bad[i].port, bad[i].proto, &err), -1);
		assert_int_equal(err->kind, bad[i].kind);
		if (!strstr(err->msg, bad[i].why))
			fail_msg("`%s`: `%s` lacks `%s`", bad[i].ip, err->msg, bad[i].why);
		rci_error_release(&err);
	}
}

static void test_connect_not_running(void **state)
{
	(void)state;
	rci_error_t err = NULL;
	char *dir = ut_mkdtemp();
	char *path = ut_path(dir, "ctl.sock");
	assert_int_equal(lr_fwd_connect(path, &err), -1);
	UT_ERR_CONTAINS(err, "the forwarder is not running", path);
	rci_error_release(&err);
	ut_rm_rf(dir);
	free(path);
	free(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_can_keep), cmocka_unit_test(test_format_unmap_equal),
    cmocka_unit_test(test_bind), cmocka_unit_test(test_connect_not_running)};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
