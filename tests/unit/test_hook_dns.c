/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the DNS files the OCI hook writes (infra/dnstext.c: their text;
 * infra/hook_dns.c: which files, written in place, undone on failure).
 */
#include "unit.h"

#include "hook_dns.h"
#include "dnstext.h"
#include "util.h"

static json_object *results[2];

static int setup(void **state)
{
	(void)state;
	results[0] = ut_json("{\"ips\":[{\"address\":\"10.88.0.2/16\"}],\"dns\":{\"nameservers\":["
			     "\"10.88.0.1\"],\"search\":[\"dns.podman\"]}}");
	results[1] = ut_json("{\"ips\":[{\"address\":\"10.89.0.2/24\"},{\"address\":"
			     "\"fd00:89::2/64\"}],\"dns\":{\"nameservers\":[\"10.89.0.1\","
			     "\"10.88.0.1\"],\"search\":[\"dns.podman\",\"x.test\"],\"options\":["
			     "\"ndots:2\",\"bad option\"]}}");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_object_put(results[0]);
	json_object_put(results[1]);
	return 0;
}

static void test_resolv(void **state)
{
	(void)state;
	char *r = lr_dnstext_resolv(results, 2, NULL);
	/* Each value once, first network first; a value with a blank would be a forged line. */
	assert_string_equal(r, "nameserver 10.88.0.1\nnameserver 10.89.0.1\nsearch dns.podman "
			       "x.test\noptions ndots:2\n");
	free(r);
	json_object *none = ut_json("{\"ips\":[]}");
	assert_null(lr_dnstext_resolv(&none, 1, NULL));
	r = lr_dnstext_resolv(&none, 1, "10.0.2.3");
	assert_string_equal(r, "nameserver 10.0.2.3\n");
	free(r);
	json_object_put(none);
	/* A `domain` comes first among the search domains. */
	json_object *d = ut_json("{\"dns\":{\"domain\":\"a.test\",\"search\":[\"b.test\"],"
				 "\"nameservers\":[\"10.0.0.1\"]}}");
	r = lr_dnstext_resolv(&d, 1, NULL);
	assert_string_equal(r, "nameserver 10.0.0.1\nsearch a.test b.test\n");
	free(r);
	json_object_put(d);
}

static void test_hosts(void **state)
{
	(void)state;
	const char *names[] = {"web", "4127c2d31856", "web", "", NULL};
	const char *old = "127.0.0.1\tlocalhost\n10.88.0.9\tstale " LR_HOSTS_MARK "\n::1 ip6";
	char *h = lr_dnstext_hosts(old, results, 2, names);
	assert_string_equal(h,
			    "127.0.0.1\tlocalhost\n::1 ip6\n"
			    "10.88.0.2\tweb 4127c2d31856 web.dns.podman 4127c2d31856.dns.podman "
			    "# rootless-cni-infra\n"
			    "10.89.0.2\tweb 4127c2d31856 web.dns.podman 4127c2d31856.dns.podman "
			    "# rootless-cni-infra\n"
			    "fd00:89::2\tweb 4127c2d31856 web.dns.podman 4127c2d31856.dns.podman "
			    "# rootless-cni-infra\n");
	/* A second createRuntime (a restart) replaces our lines, never adds to them. */
	char *again = lr_dnstext_hosts(h, results, 1, names);
	assert_non_null(strstr(again, "10.88.0.2\t"));
	assert_null(strstr(again, "10.89.0.2"));
	assert_null(strstr(again, "stale"));
	free(again);
	free(h);
	h = lr_dnstext_hosts(NULL, results, 1, (const char *[]){"a", NULL});
	assert_string_equal(h, "10.88.0.2\ta a.dns.podman " LR_HOSTS_MARK "\n");
	free(h);
}

/* A bundle in @dir: config.json from @cfg, a rootfs with etc/. */
static void bundle(const char *dir, const char *cfg)
{
	ut_write_file(dir, "config.json", cfg);
	char *etc = ut_path(dir, "rootfs/etc");
	char *rootfs = ut_path(dir, "rootfs");
	assert_int_equal(mkdir(rootfs, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	free(etc);
	free(rootfs);
}

static char *read_at(const char *dir, const char *name)
{
	char *p = ut_path(dir, name);
	char *s = ut_read_file(p);
	free(p);
	return s;
}

static void test_write_mounted_and_rootfs(void **state)
{
	(void)state;
	char *dir = ut_mkdtemp();
	char *cfg = xasprintf("{\"root\":{\"path\":\"rootfs\"},\"hostname\":\"h1\",\"mounts\":["
			      "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":"
			      "\"%s/other\",\"options\":[\"rbind\"]},"
			      "{\"destination\":\"/etc/hosts\",\"type\":\"none\",\"source\":"
			      "\"%s/hosts\",\"options\":[\"bind\",\"rprivate\"]}]}",
			      dir, dir);
	bundle(dir, cfg);
	ut_write_file(dir, "hosts", "127.0.0.1 localhost\n");
	ut_write_file(dir, "other", "untouched\n");
	struct stat before, after;
	char *hosts = ut_path(dir, "hosts");
	assert_int_equal(stat(hosts, &before), 0);
	struct lr_hook_dns undo;
	rci_error_t err = NULL;
	assert_int_equal(lr_hook_dns_write(dir, "web", results, 1, &undo, &err), 0);
	/* The last mount at /etc/hosts wins; written in place (a bind mount holds the inode). */
	char *h = read_at(dir, "hosts");
	assert_string_equal(h, "127.0.0.1 localhost\n10.88.0.2\tweb h1 web.dns.podman "
			       "h1.dns.podman " LR_HOSTS_MARK "\n");
	assert_int_equal(stat(hosts, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	char *o = read_at(dir, "other");
	assert_string_equal(o, "untouched\n");
	/* No mount at /etc/resolv.conf: the rootfs', created. */
	char *r = read_at(dir, "rootfs/etc/resolv.conf");
	assert_string_equal(r, "nameserver 10.88.0.1\nsearch dns.podman\n");
	/* Undone: the old content back, the created file gone. */
	lr_hook_dns_restore(&undo);
	free(h);
	h = read_at(dir, "hosts");
	assert_string_equal(h, "127.0.0.1 localhost\n");
	char *gone = ut_path(dir, "rootfs/etc/resolv.conf");
	assert_false(ut_exists(gone));
	free(gone);
	free(h);
	free(o);
	free(r);
	free(hosts);
	free(cfg);
	ut_rm_rf(dir);
	free(dir);
}

static void test_write_skips(void **state)
{
	(void)state;
	char *dir = ut_mkdtemp();
	/* A read-only root and no mounts: nothing written, no error. */
	bundle(dir, "{\"root\":{\"path\":\"rootfs\",\"readonly\":true}}");
	struct lr_hook_dns undo;
	rci_error_t err = NULL;
	assert_int_equal(lr_hook_dns_write(dir, "web", results, 1, &undo, &err), 0);
	assert_int_equal(undo.n, 0);
	char *p = ut_path(dir, "rootfs/etc/hosts");
	assert_false(ut_exists(p));
	free(p);
	/* A symlink in the rootfs is not followed: the file it names stays as it was. */
	ut_write_file(dir, "config.json", "{\"root\":{\"path\":\"rootfs\"}}");
	ut_write_file(dir, "target", "keep\n");
	char *link = ut_path(dir, "rootfs/etc/resolv.conf");
	char *target = ut_path(dir, "target");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(lr_hook_dns_write(dir, "web", results, 1, &undo, &err), 0);
	char *t = ut_read_file(target);
	assert_string_equal(t, "keep\n");
	lr_hook_dns_done(&undo);
	/* No bundle: skipped. A missing config.json: an error. */
	assert_int_equal(lr_hook_dns_write(NULL, "web", results, 1, &undo, &err), 0);
	char *cfg = ut_path(dir, "config.json");
	unlink(cfg);
	free(cfg);
	assert_int_equal(lr_hook_dns_write(dir, "web", results, 1, &undo, &err), -1);
	rci_error_release(&err);
	free(t);
	free(link);
	free(target);
	ut_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolv),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_write_mounted_and_rootfs),
	    cmocka_unit_test(test_write_skips),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
