/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/validate.c: names that become paths or CNI_ARGS (CFG-8, EXE-3). */
#include "unit.h"

#include "util.h"
#include "validate.h"

static void ok(int (*fn)(const char *, rci_error_t *), const char *s)
{
	rci_error_t err = NULL;

	if (fn(s, &err) != 0) {
		char *t = rci_error_text(err);

		fprintf(stderr, "`%s` rejected: %s\n", s, t);
		free(t);
		fail();
	}
	assert_null(err);
}

static void bad(int (*fn)(const char *, rci_error_t *), const char *s)
{
	rci_error_t err = NULL;

	if (fn(s, &err) != -1) {
		fprintf(stderr, "`%s` accepted\n", s);
		fail();
	}
	assert_non_null(err);
	assert_int_equal(err->kind, RCI_ERR_USAGE);
	rci_error_release(&err);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* CFG-8: ^[A-Za-z0-9][A-Za-z0-9_.-]*$, 1..128 bytes for IDs. */
static void test_cfg8_container_ids(void **state)
{
	char *s128 = repeat('a', RCI_ID_MAX), *s129 = repeat('a', RCI_ID_MAX + 1);

	(void)state;
	ok(rci_validate_id, "a");
	ok(rci_validate_id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ok(rci_validate_id, "web_1.pod-A");
	ok(rci_validate_id, "9..x"); /* dots inside are fine: it cannot be `.` or `..` */
	ok(rci_validate_id, s128);
	bad(rci_validate_id, s129);
	bad(rci_validate_id, "");
	bad(rci_validate_id, NULL);
	bad(rci_validate_id, "..");
	bad(rci_validate_id, ".");
	bad(rci_validate_id, ".hidden");
	bad(rci_validate_id, "a/b");
	bad(rci_validate_id, "../etc");
	bad(rci_validate_id, "-rf");
	bad(rci_validate_id, "_x");
	bad(rci_validate_id, "a b");
	bad(rci_validate_id, "a\nb");
	bad(rci_validate_id, "a\tb");
	bad(rci_validate_id, "a\x7f");
	bad(rci_validate_id, "a;b");
	bad(rci_validate_id, "a=b");
	bad(rci_validate_id, "a:b");
	bad(rci_validate_id, "caf\xc3\xa9");
	free(s128);
	free(s129);
}

/* Network names: same rule, at most RCI_NETWORK_MAX (the cache file name must fit NAME_MAX). */
static void test_cfg8_network_names(void **state)
{
	char *max = repeat('n', RCI_NETWORK_MAX), *over = repeat('n', RCI_NETWORK_MAX + 1);

	(void)state;
	ok(rci_validate_network, "podman");
	ok(rci_validate_network, "cni-net.1_x");
	ok(rci_validate_network, max);
	bad(rci_validate_network, over);
	bad(rci_validate_network, "");
	bad(rci_validate_network, "..");
	bad(rci_validate_network, "net/1");
	bad(rci_validate_network, "-net");
	bad(rci_validate_network, "net\x01");
	free(max);
	free(over);
}

/* The message names what is wrong, with control bytes made printable. */
static void test_cfg8_message_printable(void **state)
{
	rci_error_t err = NULL;
	char *t;

	(void)state;
	assert_int_equal(rci_validate_id("bad\nid", &err), -1);
	t = rci_error_text(err);
	assert_non_null(strstr(t, "container ID"));
	assert_non_null(strstr(t, "bad?id"));
	assert_null(strchr(t, '\n'));
	free(t);
	rci_error_release(&err);
}

/* EXE-3: pod names go into CNI_ARGS, which has no escaping. */
static void test_exe3_pod_names(void **state)
{
	char *max = repeat('p', RCI_POD_NAME_MAX), *over = repeat('p', RCI_POD_NAME_MAX + 1);

	(void)state;
	ok(rci_validate_pod_name, "");
	ok(rci_validate_pod_name, "web-0");
	ok(rci_validate_pod_name, max);
	bad(rci_validate_pod_name, over);
	bad(rci_validate_pod_name, "a;IP=1.2.3.4");
	bad(rci_validate_pod_name, "a=b");
	bad(rci_validate_pod_name, "a b");
	bad(rci_validate_pod_name, "a\nb");
	free(max);
	free(over);
}

/* A bare IPv4 or IPv6 address, no prefix; "" for none. */
static void test_ips(void **state)
{
	(void)state;
	ok(rci_validate_ip, "");
	ok(rci_validate_ip, "10.1.2.3");
	ok(rci_validate_ip, "::1");
	ok(rci_validate_ip, "fd00::5");
	ok(rci_validate_ip, "2001:db8::ffff:10.0.0.1");
	bad(rci_validate_ip, "10.1.2");
	bad(rci_validate_ip, "10.1.2.3/24");
	bad(rci_validate_ip, "fd00::5/64");
	bad(rci_validate_ip, "10.1.2.256");
	bad(rci_validate_ip, " 10.1.2.3");
	bad(rci_validate_ip, "10.1.2.3;MAC=x");
	bad(rci_validate_ip, "localhost");
	bad(rci_validate_ip, ":::1");
}

/* Six colon-separated hex octets; "" for none. */
static void test_macs(void **state)
{
	(void)state;
	ok(rci_validate_mac, "");
	ok(rci_validate_mac, "02:42:ac:11:00:02");
	ok(rci_validate_mac, "AA:bb:CC:dd:EE:ff");
	bad(rci_validate_mac, "02:42:ac:11:00");
	bad(rci_validate_mac, "02:42:ac:11:00:02:03");
	bad(rci_validate_mac, "02-42-ac-11-00-02");
	bad(rci_validate_mac, "0242.ac11.0002");
	bad(rci_validate_mac, "02:42:ac:11:00:0g");
	bad(rci_validate_mac, "2:42:ac:11:00:002");
	bad(rci_validate_mac, "02:42:ac:11:00:02;");
}

static void test_printable(void **state)
{
	char *s;

	(void)state;
	s = rci_printable("a\x01z", 40);
	assert_string_equal(s, "a?z");
	free(s);
	s = rci_printable("abcdefgh", 4);
	assert_string_equal(s, "abcd...");
	free(s);
	s = rci_printable("", 4);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cfg8_container_ids),
	    cmocka_unit_test(test_cfg8_network_names),
	    cmocka_unit_test(test_cfg8_message_printable),
	    cmocka_unit_test(test_exe3_pod_names),
	    cmocka_unit_test(test_ips),
	    cmocka_unit_test(test_macs),
	    cmocka_unit_test(test_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
