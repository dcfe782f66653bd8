/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/conf.c: config discovery (CFG-1..6) and file limits. What a list's bytes
 * may hold (CFG-7..10): test_conf_parse.c. */
#include "unit.h"

#include <locale.h>

#include "conf_fixture.h"
#include "json.h"

struct fixture {
	char *dir;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = ut_mkdtemp();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct cni_netconf *find_ok(const char *dir, const char *name)
{
	char *dirs[] = {(char *)dir, NULL};

	return find_ok_in(dirs, name);
}

/* Runs cni_conf_find expecting failure; returns the error for the caller to inspect. */
static rci_error_t find_fails(const char *dir, const char *name)
{
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	assert_int_equal(cni_conf_find(dir, name, &c, &err), -1);
	assert_null(c);
	assert_non_null(err);
	return err;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), m = strlen(suffix);

	return l >= m && strcmp(s + l - m, suffix) == 0;
}

/* CFG-1 + CFG-3: a .conflist wins over .conf/.json of the same name, whatever the file order. */
static void test_cfg1_conflist_before_conf(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;

	write_single(f->dir, "00-first.conf", "net", "from-conf");
	write_single(f->dir, "01-first.json", "net", "from-json");
	write_list(f->dir, "99-last.conflist", "net", "from-list");
	c = find_ok(f->dir, "net");
	assert_string_equal(cni_conf_plugin_type(c, 0), "from-list");
	assert_true(ends_with(c->path, "/99-last.conflist"));
	cni_conf_free(c);
}

/* CFG-1: the extension is case-sensitive; directories and other suffixes are not configs. */
static void test_cfg1_other_extensions_ignored(void **state)
{
	struct fixture *f = *state;
	char *sub = ut_path(f->dir, "dir.conflist");
	rci_error_t err;

	write_list(f->dir, "UPPER.CONFLIST", "net", "a");
	write_list(f->dir, "x.conflist.bak", "net", "b");
	write_list(f->dir, "x.conflist~", "net", "c");
	write_single(f->dir, "y.Conf", "net", "d");
	write_single(f->dir, "y.yaml", "net", "e");
	assert_int_equal(mkdir(sub, 0755), 0);
	write_list(sub, "inner.conflist", "net", "f");
	/* None of those counts: "no configurations found" (CFG-4), not "no configuration named". */
	err = find_fails(f->dir, "net");
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	UT_ERR_CONTAINS(err, "no configurations found", f->dir);
	rci_error_release(&err);
	free(sub);
}

/* CFG-1: a directory with a config extension is skipped, the regular file after it is used. */
static void test_cfg1_directory_skipped(void **state)
{
	struct fixture *f = *state;
	char *sub = ut_path(f->dir, "a.conflist");
	struct cni_netconf *c;

	assert_int_equal(mkdir(sub, 0755), 0);
	write_list(f->dir, "b.conflist", "net", "real");
	c = find_ok(f->dir, "net");
	assert_string_equal(cni_conf_plugin_type(c, 0), "real");
	cni_conf_free(c);
	free(sub);
}

/* CFG-2: byte-wise order ('B' 0x42 < '_' 0x5f < 'a' 0x61), first match wins, in any locale. */
static void test_cfg2_bytewise_first_match_wins(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;

	/* A locale-aware sort would put "a" before "B": make such a bug visible. */
	setlocale(LC_ALL, "C.UTF-8");
	write_list(f->dir, "a.conflist", "net", "lower-a");
	write_list(f->dir, "_.conflist", "net", "underscore");
	write_list(f->dir, "B.conflist", "net", "upper-b");
	write_list(f->dir, "A.conflist", "other", "other");
	c = find_ok(f->dir, "net");
	assert_string_equal(cni_conf_plugin_type(c, 0), "upper-b");
	assert_true(ends_with(c->path, "/B.conflist"));
	cni_conf_free(c);
	setlocale(LC_ALL, "C");
}

/* CFG-2/3: among single-plugin files the same order applies (.conf and .json together). */
static void test_cfg3_single_files_sorted_together(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;

	write_single(f->dir, "20.conf", "net", "second");
	write_single(f->dir, "10.json", "net", "first");
	c = find_ok(f->dir, "net");
	assert_string_equal(cni_conf_plugin_type(c, 0), "first");
	cni_conf_free(c);
}

/* CFG-3: a .conf becomes {name, cniVersion, plugins:[the whole file]}; unknown keys kept (CFG-10).
 */
static void test_cfg3_conf_upconverted(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;
	rci_error_t err = NULL;
	json_object *p, *want, *bytes;

	ut_write_file(
	    f->dir, "10-net.conf",
	    "{\"cniVersion\":\"0.4.0\",\"name\":\"net\",\"type\":\"bridge\","
	    "\"bridge\":\"cni0\",\"ipam\":{\"type\":\"host-local\"},\"x\":[1,{\"y\":null}]}");
	c = find_ok(f->dir, "net");
	assert_string_equal(c->cni_version, "0.4.0");
	assert_int_equal(cni_conf_plugin_count(c), 1);
	p = cni_conf_plugin(c, 0);
	want = ut_json(
	    "{\"cniVersion\":\"0.4.0\",\"name\":\"net\",\"type\":\"bridge\","
	    "\"bridge\":\"cni0\",\"ipam\":{\"type\":\"host-local\"},\"x\":[1,{\"y\":null}]}");
	ut_assert_json_equal(p, want);
	/* The bytes (what the cache stores) are a list too. */
	bytes = rci_json_parse(c->bytes, c->len, "bytes", &err);
	ut_assert_ok(bytes ? 0 : -1, &err);
	assert_string_equal(ut_str(bytes, "name"), "net");
	assert_string_equal(ut_str(bytes, "cniVersion"), "0.4.0");
	assert_int_equal(json_object_array_length(ut_get(bytes, "plugins")), 1);
	json_object_put(bytes);
	json_object_put(want);
	cni_conf_free(c);
}

/* CFG-1: a missing directory means "no files": RCI_ERR_NOT_FOUND "no configurations found". */
static void test_cfg4_missing_dir(void **state)
{
	struct fixture *f = *state;
	char *missing = ut_path(f->dir, "does-not-exist");
	rci_error_t err = find_fails(missing, "net");

	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	UT_ERR_CONTAINS(err, "no configurations found", missing, "net");
	rci_error_release(&err);
	free(missing);
}

static void test_cfg4_empty_dir(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = find_fails(f->dir, "net");

	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	UT_ERR_CONTAINS(err, "no configurations found");
	rci_error_release(&err);
}

/* CFG-4: the other error names the network, the dir, and (ours) the networks that exist. */
static void test_cfg4_name_not_found_lists_networks(void **state)
{
	struct fixture *f = *state;
	rci_error_t err;

	write_list(f->dir, "a.conflist", "alpha", "p");
	write_single(f->dir, "b.conf", "beta", "p");
	write_single(f->dir, "c.json", "gamma", "p");
	err = find_fails(f->dir, "delta");
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	UT_ERR_CONTAINS(err, "no configuration named `delta`", f->dir, "alpha", "beta", "gamma");
	rci_error_release(&err);
	/* A name defined in two files is listed once. */
	write_list(f->dir, "d.conflist", "alpha", "p");
	err = find_fails(f->dir, "delta");
	assert_non_null(strstr(err->msg, "alpha"));
	assert_null(strstr(strstr(err->msg, "alpha") + 1, "alpha"));
	rci_error_release(&err);
}

/* CFG-5 (our choice, as ocicni): an unparsable file before the match is skipped, not fatal. */
static void test_cfg5_unparsable_skipped(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;

	ut_write_file(f->dir, "00-broken.conflist", "{\"name\": \"net\", \"plugins\": [");
	ut_write_file(f->dir, "01-empty.conflist", "");
	write_list(f->dir, "02-good.conflist", "net", "good");
	c = find_ok(f->dir, "net");
	assert_string_equal(cni_conf_plugin_type(c, 0), "good");
	cni_conf_free(c);
}

/* CFG-5: ...and a skipped file is named in the not-found error, so the admin finds it. */
static void test_cfg5_unparsable_named_in_not_found(void **state)
{
	struct fixture *f = *state;
	rci_error_t err;

	ut_write_file(f->dir, "00-broken.conflist", "{\"name\": \"net\", ");
	write_list(f->dir, "01-other.conflist", "other", "p");
	err = find_fails(f->dir, "net");
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	UT_ERR_CONTAINS(err, "no configuration named `net`", "00-broken.conflist", "other");
	rci_error_release(&err);
}

/* CFG-5: a file that matches the name but is invalid is an error naming file and reason; the
 * lookup does not fall through to a later file of the same name. */
static void test_cfg5_matching_invalid_is_error(void **state)
{
	struct fixture *f = *state;
	rci_error_t err;

	ut_write_file(f->dir, "00-bad.conflist",
		      "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[]}");
	write_list(f->dir, "01-good.conflist", "net", "good");
	err = find_fails(f->dir, "net");
	assert_int_equal(err->kind, RCI_ERR_FAILED);
	UT_ERR_CONTAINS(err, "00-bad.conflist", "plugins");
	rci_error_release(&err);
}

/* CFG-6: the .conf files of DIR/<name>/ are appended after the inlined plugins, in filename order.
 */
static void test_cfg6_fragments_appended(void **state)
{
	struct fixture *f = *state;
	char *frag = ut_path(f->dir, "net");
	struct cni_netconf *c;
	rci_error_t err = NULL;
	json_object *eff;

	write_list(f->dir, "net.conflist", "net", "inlined");
	assert_int_equal(mkdir(frag, 0755), 0);
	ut_write_file(frag, "20-b.conf", "{\"type\":\"frag-b\",\"k\":2}");
	ut_write_file(frag, "10-a.conf", "{\"type\":\"frag-a\",\"k\":1}");
	ut_write_file(frag, "30-c.json", "{\"type\":\"not-a-fragment\"}");
	ut_write_file(frag, "40-d.conflist", "{\"type\":\"not-a-fragment\"}");
	c = find_ok(f->dir, "net");
	assert_int_equal(cni_conf_plugin_count(c), 3);
	assert_string_equal(cni_conf_plugin_type(c, 0), "inlined");
	assert_string_equal(cni_conf_plugin_type(c, 1), "frag-a");
	assert_string_equal(cni_conf_plugin_type(c, 2), "frag-b");
	assert_int_equal(json_object_get_int(ut_get(cni_conf_plugin(c, 1), "k")), 1);
	/* The bytes (cached for DEL) hold the effective list, so a DEL replays what ran. */
	eff = rci_json_parse(c->bytes, c->len, "bytes", &err);
	ut_assert_ok(eff ? 0 : -1, &err);
	assert_int_equal(json_object_array_length(ut_get(eff, "plugins")), 3);
	json_object_put(eff);
	cni_conf_free(c);
	free(frag);
}

/* CFG-6: a list without `plugins` takes all its plugins from the fragments. */
static void test_cfg6_fragments_only(void **state)
{
	struct fixture *f = *state;
	char *frag = ut_path(f->dir, "net");
	struct cni_netconf *c;

	ut_write_file(f->dir, "net.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"net\"}");
	assert_int_equal(mkdir(frag, 0755), 0);
	ut_write_file(frag, "a.conf", "{\"type\":\"frag-a\"}");
	c = find_ok(f->dir, "net");
	assert_int_equal(cni_conf_plugin_count(c), 1);
	assert_string_equal(cni_conf_plugin_type(c, 0), "frag-a");
	cni_conf_free(c);
	free(frag);
}

/* CFG-6: loadOnlyInlinedPlugins (boolean or string) ignores the fragment folder. */
static void test_cfg6_load_only_inlined(void **state)
{
	struct fixture *f = *state;
	char *frag = ut_path(f->dir, "net");
	struct cni_netconf *c;

	ut_write_file(f->dir, "net.conflist",
		      "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"loadOnlyInlinedPlugins\":true,"
		      "\"plugins\":[{\"type\":\"inlined\"}]}");
	ut_write_file(
	    f->dir, "other.conflist",
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"loadOnlyInlinedPlugins\":\"True\","
	    "\"plugins\":[{\"type\":\"inlined\"}]}");
	assert_int_equal(mkdir(frag, 0755), 0);
	ut_write_file(frag, "a.conf", "{\"type\":\"frag-a\"}");
	free(frag);
	frag = ut_path(f->dir, "other");
	assert_int_equal(mkdir(frag, 0755), 0);
	ut_write_file(frag, "a.conf", "{\"type\":\"frag-a\"}");
	c = find_ok(f->dir, "net");
	assert_int_equal(cni_conf_plugin_count(c), 1);
	cni_conf_free(c);
	c = find_ok(f->dir, "other");
	assert_int_equal(cni_conf_plugin_count(c), 1);
	cni_conf_free(c);
	free(frag);
}

/* CFG-6: loadOnlyInlinedPlugins:true without `plugins` is an error. */
static void test_cfg6_only_inlined_without_plugins(void **state)
{
	struct fixture *f = *state;
	rci_error_t err;

	ut_write_file(
	    f->dir, "net.conflist",
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"loadOnlyInlinedPlugins\":true}");
	err = find_fails(f->dir, "net");
	UT_ERR_CONTAINS(err, "net.conflist", "loadOnlyInlinedPlugins");
	rci_error_release(&err);
}

/* CFG-6: ending up with zero plugins (no `plugins`, no fragments) is an error. */
static void test_cfg6_zero_plugins(void **state)
{
	struct fixture *f = *state;
	rci_error_t err;

	ut_write_file(f->dir, "net.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"net\"}");
	err = find_fails(f->dir, "net");
	UT_ERR_CONTAINS(err, "net.conflist", "no plugins");
	rci_error_release(&err);
}

/* CFG-6: each fragment must have a `type`. */
static void test_cfg6_fragment_without_type(void **state)
{
	struct fixture *f = *state;
	char *frag = ut_path(f->dir, "net");
	rci_error_t err;

	write_list(f->dir, "net.conflist", "net", "inlined");
	assert_int_equal(mkdir(frag, 0755), 0);
	ut_write_file(frag, "a.conf", "{\"notype\":true}");
	err = find_fails(f->dir, "net");
	UT_ERR_CONTAINS(err, "a.conf", "type");
	rci_error_release(&err);
	free(frag);
}

/* CNI_CONF_MAX_BYTES: a 2 MiB file is refused (not read), and the not-found error names it. */
static void test_conf_file_too_large(void **state)
{
	struct fixture *f = *state;
	size_t big = 2 * 1024 * 1024;
	char *buf = malloc(big + 1);
	const char *head =
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}],"
	    "\"pad\":\"";
	rci_error_t err;

	memset(buf, 'x', big);
	memcpy(buf, head, strlen(head));
	memcpy(buf + big - 2, "\"}", 2);
	buf[big] = '\0';
	ut_write_file(f->dir, "big.conflist", buf);
	free(buf);
	err = find_fails(f->dir, "net");
	UT_ERR_CONTAINS(err, "big.conflist");
	rci_error_release(&err);
}

/* A file just under the limit is fine. */
static void test_conf_file_under_limit(void **state)
{
	struct fixture *f = *state;
	size_t size = CNI_CONF_MAX_BYTES - 16;
	char *buf = malloc(size + 1);
	const char *head =
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\"}],"
	    "\"pad\":\"";
	struct cni_netconf *c;

	memset(buf, 'x', size);
	memcpy(buf, head, strlen(head));
	memcpy(buf + size - 2, "\"}", 2);
	buf[size] = '\0';
	ut_write_file(f->dir, "big.conflist", buf);
	free(buf);
	c = find_ok(f->dir, "net");
	cni_conf_free(c);
}

/* Configs are admin-provided and often symlinks: a symlinked .conflist is followed. */
static void test_cfg1_symlinked_file_followed(void **state)
{
	struct fixture *f = *state;
	char *sub = ut_path(f->dir, "store");
	char *target = ut_path(sub, "real.json.txt");
	char *link = ut_path(f->dir, "10-net.conflist");
	struct cni_netconf *c;

	assert_int_equal(mkdir(sub, 0755), 0);
	write_list(sub, "real.json.txt", "net", "linked");
	assert_int_equal(symlink(target, link), 0);
	c = find_ok(f->dir, "net");
	assert_string_equal(cni_conf_plugin_type(c, 0), "linked");
	cni_conf_free(c);
	free(sub);
	free(target);
	free(link);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_cfg1_conflist_before_conf),
	    T(test_cfg1_other_extensions_ignored),
	    T(test_cfg1_directory_skipped),
	    T(test_cfg1_symlinked_file_followed),
	    T(test_cfg2_bytewise_first_match_wins),
	    T(test_cfg3_single_files_sorted_together),
	    T(test_cfg3_conf_upconverted),
	    T(test_cfg4_missing_dir),
	    T(test_cfg4_empty_dir),
	    T(test_cfg4_name_not_found_lists_networks),
	    T(test_cfg5_unparsable_skipped),
	    T(test_cfg5_unparsable_named_in_not_found),
	    T(test_cfg5_matching_invalid_is_error),
	    T(test_cfg6_fragments_appended),
	    T(test_cfg6_fragments_only),
	    T(test_cfg6_load_only_inlined),
	    T(test_cfg6_only_inlined_without_plugins),
	    T(test_cfg6_zero_plugins),
	    T(test_cfg6_fragment_without_type),
	    T(test_conf_file_too_large),
	    T(test_conf_file_under_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
