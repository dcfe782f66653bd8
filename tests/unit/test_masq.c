/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/masq.c's pure parts: which lists ask for masquerading, and the subnet a
 * result's address masquerades (the rule's -s and ! -d). The iptables side runs in
 * tests/integration/31-lean-network.bats, rootless, with real plugins.
 */
#include "unit.h"

#include "masq.h"
#include "util.h"

static void check_subnet(const char *cidr, const char *want)
{
	char *got = rci_masq_subnet(cidr);
	if (!want) {
		if (got)
			fail_msg("`%s` gave `%s`, want nothing", cidr ? cidr : "(null)", got);
		return;
	}
	if (!got || strcmp(got, want) != 0)
		fail_msg("`%s` gave `%s`, want `%s`", cidr, got ? got : "(null)", want);
	free(got);
}

static void test_subnet(void **state)
{
	(void)state;
	check_subnet("10.88.0.5/16", "10.88.0.0/16");
	check_subnet("10.89.0.17/24", "10.89.0.0/24");
	check_subnet("10.90.3.200/20", "10.90.0.0/20");
	check_subnet("192.168.1.1/32", "192.168.1.1/32");
	check_subnet("192.168.1.1/0", "0.0.0.0/0");
	check_subnet("fd00:89::2/64", "fd00:89::/64");
	check_subnet("fd00:89:1:2:3:4:5:6/56", "fd00:89:1::/56");
	check_subnet("2001:db8::1/127", "2001:db8::/127");
	/* No prefix, a bad one, a bad address: nothing (no rule from a malformed result). */
	check_subnet("10.88.0.5", NULL);
	check_subnet("10.88.0.5/33", NULL);
	check_subnet("fd00::1/129", NULL);
	check_subnet("10.88.0.5/", NULL);
	check_subnet("10.88.0.5/1x", NULL);
	check_subnet("10.88.0/16", NULL);
	check_subnet(NULL, NULL);
}

static void check_wanted(const char *list, bool want)
{
	struct cni_netconf conf = {0};
	conf.list = json_tokener_parse(list);
	assert_non_null(conf.list);
	if (rci_masq_wanted(&conf) != want)
		fail_msg("`%s`: wanted is %d", list, !want);
	json_object_put(conf.list);
}

static void test_wanted(void **state)
{
	(void)state;
	check_wanted("{\"name\": \"n\", \"rootless-cni-infra\": {\"masquerade\": true}}", true);
	check_wanted("{\"name\": \"n\", \"rootless-cni-infra\": {\"masquerade\": false}}", false);
	check_wanted("{\"name\": \"n\", \"rootless-cni-infra\": {\"masquerade\": \"true\"}}",
		     false);
	check_wanted("{\"name\": \"n\", \"rootless-cni-infra\": {}}", false);
	check_wanted("{\"name\": \"n\", \"rootless-cni-infra\": true}", false);
	/* A user's list says nothing: it is run exactly as written. */
	check_wanted("{\"name\": \"n\", \"plugins\": [{\"type\": \"bridge\", \"ipMasq\": true}]}",
		     false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subnet),
	    cmocka_unit_test(test_wanted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
