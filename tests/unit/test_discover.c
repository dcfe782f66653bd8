/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of helper/cni/discover.c across several config dirs (issue 11: the shipped
 * networks beside the user's, the user's first). One dir's rules (CFG-1..6): test_conf.c.
 */
#include "unit.h"

#include "conf_fixture.h"
#include "ctx.h"
#include "json.h"
#include "util.h"

struct fixture {
	char *root;
	char *user;    /* what podman's CNI backend writes to */
	char *shipped; /* image/net.d */
	char *dirs[3];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->root = ut_mkdtemp();
	f->user = ut_path(f->root, "user");
	f->shipped = ut_path(f->root, "shipped");
	mkdir(f->user, 0700);
	mkdir(f->shipped, 0700);
	f->dirs[0] = f->user;
	f->dirs[1] = f->shipped;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->root);
	free(f->user);
	free(f->shipped);
	free(f->root);
	free(f);
	return 0;
}

/* The shipped pair, as image/net.d holds it. */
static void ship(struct fixture *f)
{
	write_list(f->shipped, "default.conflist", "default", "shipped-bridge");
	write_list(f->shipped, "dualstack.conflist", "dualstack", "shipped-bridge");
}

/* podman's network in the user's dir does not hide the shipped `default` (the bug). */
static void test_shipped_found_beside_user_network(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;
	char *want;

	ship(f);
	write_list(f->user, "gnet.conflist", "gnet", "bridge");
	c = find_ok_in(f->dirs, "default");
	want = ut_path(f->shipped, "default.conflist");
	assert_string_equal(c->path, want);
	assert_string_equal(cni_conf_plugin_type(c, 0), "shipped-bridge");
	free(want);
	cni_conf_free(c);
	c = find_ok_in(f->dirs, "gnet");
	assert_string_equal(cni_conf_plugin_type(c, 0), "bridge");
	cni_conf_free(c);
}

/* A user network of the same name wins, whatever the file names' order across dirs. */
static void test_user_network_shadows_shipped(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c;

	ship(f);
	write_list(f->user, "zz-mine.conflist", "default", "user-bridge");
	c = find_ok_in(f->dirs, "default");
	assert_string_equal(cni_conf_plugin_type(c, 0), "user-bridge");
	cni_conf_free(c);
}

/* A broken user file of that name is an error: it is the user's network, not a reason to fall
 * back to another one silently. */
static void test_invalid_user_network_is_error(void **state)
{
	struct fixture *f = *state;
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	ship(f);
	ut_write_file(f->user, "mine.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"default\"}");
	assert_int_equal(cni_conf_find_dirs(f->dirs, "default", &c, &err), -1);
	assert_null(c);
	assert_int_equal(err->kind, RCI_ERR_FAILED);
	UT_ERR_CONTAINS(err, "mine.conflist");
	rci_error_release(&err);
}

/* Not found: both dirs named, each with its networks; a missing user dir says so. */
static void test_not_found_names_every_dir(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	struct cni_netconf *c = NULL;
	char *missing = ut_path(f->root, "no-such-dir");
	char *dirs[] = {missing, f->shipped, NULL};
	char *want;

	ship(f);
	assert_int_equal(cni_conf_find_dirs(dirs, "nosuch", &c, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	want = NULL;
	assert_true(
	    asprintf(&want,
		     "network `nosuch` not found: no configuration named `nosuch` in `%s` (no "
		     "configurations) or `%s` (networks found: default, dualstack)",
		     missing, f->shipped) > 0);
	assert_string_equal(err->msg, want);
	free(want);
	rci_error_release(&err);

	write_list(f->user, "gnet.conflist", "gnet", "bridge");
	ut_write_file(f->user, "broken.conflist", "{");
	assert_int_equal(cni_conf_find_dirs(f->dirs, "nosuch", &c, &err), -1);
	UT_ERR_CONTAINS(err, f->user,
			"(networks found: gnet; skipped invalid files: ", "broken.conflist",
			f->shipped, "(networks found: default, dualstack)");
	rci_error_release(&err);
	free(missing);
}

/* One dir keeps the single-dir messages engines have seen so far. */
static void test_one_dir_message_unchanged(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;
	struct cni_netconf *c = NULL;
	char *dirs[] = {f->shipped, NULL};
	char *want = NULL;

	ship(f);
	assert_int_equal(cni_conf_find_dirs(dirs, "nosuch", &c, &err), -1);
	assert_true(asprintf(&want,
			     "network `nosuch` not found: no configuration named `nosuch` in `%s` "
			     "(networks found: default, dualstack)",
			     f->shipped) > 0);
	assert_string_equal(err->msg, want);
	free(want);
	rci_error_release(&err);
}

static void test_no_dirs(void **state)
{
	rci_error_t err = NULL;
	struct cni_netconf *c = NULL;
	char *none[] = {NULL};

	(void)state;
	assert_int_equal(cni_conf_find_dirs(none, "default", &c, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_NOT_FOUND);
	UT_ERR_CONTAINS(err, "no CNI configuration directory");
	rci_error_release(&err);
}

/* The listing: the user's first, a name once, with the file a lookup loads. */
static void test_list_in_lookup_order(void **state)
{
	struct fixture *f = *state;
	json_object *list;
	char *mine = ut_path(f->user, "mine.conflist");
	char *ds = ut_path(f->shipped, "dualstack.conflist");

	ship(f);
	write_list(f->user, "gnet.conflist", "gnet", "bridge");
	write_list(f->user, "mine.conflist", "default", "user-bridge");
	ut_write_file(f->user, "broken.conflist", "{");
	list = cni_conf_list(f->dirs);
	assert_int_equal(json_object_array_length(list), 3);
	assert_string_equal(ut_str(json_object_array_get_idx(list, 0), "name"), "gnet");
	assert_string_equal(ut_str(json_object_array_get_idx(list, 1), "name"), "default");
	assert_string_equal(ut_str(json_object_array_get_idx(list, 1), "file"), mine);
	assert_string_equal(ut_str(json_object_array_get_idx(list, 2), "name"), "dualstack");
	assert_string_equal(ut_str(json_object_array_get_idx(list, 2), "file"), ds);
	json_object_put(list);
	free(mine);
	free(ds);
}

/* RCI_CNI_CONFIG_DIR / --config-dir: colon-separated, empty entries dropped. */
static void test_split_dirs(void **state)
{
	char **v = rci_ctx_split_dirs(":/etc/cni/net.d::/usr/local/share/x/net.d:");

	(void)state;
	assert_int_equal(rci_strv_len(v), 2);
	assert_string_equal(v[0], "/etc/cni/net.d");
	assert_string_equal(v[1], "/usr/local/share/x/net.d");
	rci_strv_free(v);
	v = rci_ctx_split_dirs("/one");
	assert_int_equal(rci_strv_len(v), 1);
	rci_strv_free(v);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_shipped_found_beside_user_network),
	    T(test_user_network_shadows_shipped),
	    T(test_invalid_user_network_is_error),
	    T(test_not_found_names_every_dir),
	    T(test_one_dir_message_unchanged),
	    T(test_no_dirs),
	    T(test_list_in_lookup_order),
	    T(test_split_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
