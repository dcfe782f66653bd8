/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/cache.c: libcni-compatible result cache (CCH-1..3, CCH-6), and entries
 * of another attachment under the same name. Base64: test_cache_base64.c. */
#include "unit.h"

#include <dirent.h>

#include "cache.h"
#include "json.h"

struct fixture {
	char *tmp;
	char *cache; /* <tmp>/cache: does not exist until the first write */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tmp = ut_mkdtemp();
	f->cache = ut_path(f->tmp, "cache");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f->cache);
	free(f);
	return 0;
}

static const char config_bytes[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\","
				   "\"plugins\":[{\"type\":\"bridge\"}]}";
static const char result_json[] =
    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}";
static const char caps_json[] = "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,"
				"\"protocol\":\"tcp\"}]}";

/* Fills @e with a full entry; free the JSON members with entry_fini. */
static void entry_init(struct cni_cache_entry *e)
{
	rci_error_t err = NULL;

	memset(e, 0, sizeof(*e));
	e->container_id = "cid1";
	e->ifname = "eth0";
	e->network = "net1";
	e->netns = "/run/netns/cid1";
	e->config = (char *)config_bytes;
	e->config_len = strlen(config_bytes);
	ut_assert_ok(cni_args_add(&e->args, "IgnoreUnknown", "1", &err), &err);
	ut_assert_ok(cni_args_add(&e->args, "IP", "10.0.0.2", &err), &err);
	e->capability_args = ut_json(caps_json);
	e->result = ut_json(result_json);
}

static void entry_fini(struct cni_cache_entry *e)
{
	cni_args_clear(&e->args);
	json_object_put(e->capability_args);
	json_object_put(e->result);
}

static void write_ok(const char *cache, const struct cni_cache_entry *e)
{
	rci_error_t err = NULL;

	ut_assert_ok(cni_cache_write(cache, e, &err), &err);
}

static char *entry_path(struct fixture *f, const char *name)
{
	char *results = ut_path(f->cache, "results");
	char *p = ut_path(results, name);

	free(results);
	return p;
}

/* CCH-1: <cacheDir>/results/<network>-<containerID>-<ifname>, dir 0700, file 0600. */
static void test_cch1_path_and_modes(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e;
	char *results = ut_path(f->cache, "results");
	char *file = entry_path(f, "net1-cid1-eth0");
	struct stat st;

	entry_init(&e);
	write_ok(f->cache, &e);
	assert_int_equal(stat(results, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->cache, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(lstat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	entry_fini(&e);
	free(results);
	free(file);
}

/* CCH-2: one cniCacheV1 object with libcni's field names; config base64-encoded. */
static void test_cch2_content(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e;
	char *file = entry_path(f, "net1-cid1-eth0");
	char *text, *enc;
	json_object *o, *want;

	entry_init(&e);
	write_ok(f->cache, &e);
	text = ut_read_file(file);
	assert_non_null(text);
	o = ut_json(text);
	assert_string_equal(ut_str(o, "kind"), "cniCacheV1");
	assert_string_equal(ut_str(o, "containerId"), "cid1");
	assert_string_equal(ut_str(o, "ifName"), "eth0");
	assert_string_equal(ut_str(o, "networkName"), "net1");
	assert_string_equal(ut_str(o, "netns"), "/run/netns/cid1");
	enc = cni_base64_encode(config_bytes, strlen(config_bytes));
	assert_string_equal(ut_str(o, "config"), enc);
	want = ut_json("[[\"IgnoreUnknown\",\"1\"],[\"IP\",\"10.0.0.2\"]]");
	ut_assert_json_equal(ut_get(o, "cniArgs"), want);
	json_object_put(want);
	want = ut_json(caps_json);
	ut_assert_json_equal(ut_get(o, "capabilityArgs"), want);
	json_object_put(want);
	want = ut_json(result_json);
	ut_assert_json_equal(ut_get(o, "result"), want);
	json_object_put(want);
	json_object_put(o);
	free(enc);
	free(text);
	free(file);
	entry_fini(&e);
}

/* CCH-2: empty values are left out. */
static void test_cch2_empty_values_omitted(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e = {
	    .container_id = "cid1", .ifname = "eth0", .network = "net1", .netns = ""};
	char *file = entry_path(f, "net1-cid1-eth0");
	char *text;
	json_object *o;

	e.capability_args = json_object_new_object();
	write_ok(f->cache, &e);
	text = ut_read_file(file);
	o = ut_json(text);
	assert_string_equal(ut_str(o, "kind"), "cniCacheV1");
	assert_false(ut_has(o, "netns"));
	assert_false(ut_has(o, "cniArgs"));
	assert_false(ut_has(o, "capabilityArgs"));
	assert_false(ut_has(o, "config"));
	assert_false(ut_has(o, "result"));
	json_object_put(o);
	json_object_put(e.capability_args);
	free(text);
	free(file);
}

/* CCH-2/CCH-4: what was written is read back, config bytes exact. */
static void test_cch2_read_round_trip(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;
	char *s1, *s2;

	entry_init(&e);
	write_ok(f->cache, &e);
	ut_assert_ok(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), &err);
	assert_non_null(r);
	assert_string_equal(r->container_id, "cid1");
	assert_string_equal(r->ifname, "eth0");
	assert_string_equal(r->network, "net1");
	assert_string_equal(r->netns, "/run/netns/cid1");
	assert_int_equal(r->config_len, strlen(config_bytes));
	assert_memory_equal(r->config, config_bytes, r->config_len);
	s1 = cni_args_to_string(&e.args);
	s2 = cni_args_to_string(&r->args);
	assert_string_equal(s1, s2);
	ut_assert_json_equal(r->capability_args, e.capability_args);
	ut_assert_json_equal(r->result, e.result);
	free(s1);
	free(s2);
	cni_cache_entry_free(r);
	entry_fini(&e);
}

/* CCH-3: a missing entry is "no cached result" (-2, no error), at every level of absence. */
static void test_cch3_missing_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;
	char *results = ut_path(f->cache, "results");

	/* no cache dir at all */
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), -2);
	assert_null(err);
	/* cache dir without results/ */
	assert_int_equal(mkdir(f->cache, 0700), 0);
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), -2);
	assert_null(err);
	/* results/ with another entry */
	entry_init(&e);
	write_ok(f->cache, &e);
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth1", &r, &err), -2);
	assert_null(err);
	assert_int_equal(cni_cache_read(f->cache, "net2", "cid1", "eth0", &r, &err), -2);
	assert_null(err);
	assert_null(r);
	entry_fini(&e);
	free(results);
}

/* CCH-3 / #1055: an empty (crash-truncated) file is an error the caller can act on (-1). */
static void test_cch3_corrupt_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;
	char *results = ut_path(f->cache, "results");

	entry_init(&e);
	write_ok(f->cache, &e);
	ut_write_file(results, "net1-cid1-eth0", "");
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), -1);
	assert_non_null(err);
	assert_null(r);
	rci_error_release(&err);
	ut_write_file(results, "net1-cid1-eth0", "{\"kind\":\"cniCacheV1\",\"config\":\"%%%%\"}");
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), -1);
	UT_ERR_CONTAINS(err, "base64");
	rci_error_release(&err);
	entry_fini(&e);
	free(results);
}

/* CCH-3: a file that is not cniCacheV1 is a bare legacy result. */
static void test_cch3_legacy_bare_result(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry *r = NULL;
	rci_error_t err = NULL;
	char *results = ut_path(f->cache, "results");
	json_object *want = ut_json(result_json);

	assert_int_equal(mkdir(f->cache, 0700), 0);
	assert_int_equal(mkdir(results, 0700), 0);
	ut_write_file_mode(results, "net1-cid1-eth0", result_json, 0600);
	ut_assert_ok(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), &err);
	ut_assert_json_equal(r->result, want);
	assert_int_equal(r->config_len, 0);
	assert_int_equal(r->args.n, 0);
	assert_null(r->capability_args);
	cni_cache_entry_free(r);
	json_object_put(want);
	free(results);
}

/* A symlinked entry is not followed (the cache dir may be shared with less trusted parties). */
static void test_cch_symlink_entry_refused(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;
	char *file = entry_path(f, "net1-cid1-eth0");
	char *target = ut_path(f->tmp, "elsewhere");

	entry_init(&e);
	write_ok(f->cache, &e);
	ut_write_file(f->tmp, "elsewhere", result_json);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(symlink(target, file), 0);
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), -1);
	assert_non_null(err);
	assert_null(r);
	rci_error_release(&err);
	entry_fini(&e);
	free(file);
	free(target);
}

/* CCH-6: writes are atomic: rewriting leaves exactly one file, no temporaries. */
static void test_cch6_atomic_write_no_tmp(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;
	char *results = ut_path(f->cache, "results");
	DIR *d;
	struct dirent *de;
	int n = 0;

	entry_init(&e);
	write_ok(f->cache, &e);
	json_object_put(e.result);
	e.result = ut_json("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.9/24\"}]}");
	write_ok(f->cache, &e);
	d = opendir(results);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		assert_string_equal(de->d_name, "net1-cid1-eth0");
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
	ut_assert_ok(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), &err);
	ut_assert_json_equal(r->result, e.result);
	cni_cache_entry_free(r);
	entry_fini(&e);
	free(results);
}

/* Deleting removes the entry; deleting what is not there succeeds. */
static void test_cch_delete(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;
	char *file = entry_path(f, "net1-cid1-eth0");

	ut_assert_ok(cni_cache_delete(f->cache, "net1", "cid1", "eth0", &err), &err);
	entry_init(&e);
	write_ok(f->cache, &e);
	assert_true(ut_exists(file));
	ut_assert_ok(cni_cache_delete(f->cache, "net1", "cid1", "eth0", &err), &err);
	assert_false(ut_exists(file));
	assert_int_equal(cni_cache_read(f->cache, "net1", "cid1", "eth0", &r, &err), -2);
	ut_assert_ok(cni_cache_delete(f->cache, "net1", "cid1", "eth0", &err), &err);
	entry_fini(&e);
	free(file);
}

/*
 * Issue 13 bug 8: "<network>-<containerID>-<ifname>" is ambiguous, both names allow `-`:
 * network "a", ID "b-c" and network "a-b", ID "c" share "a-b-c-eth0". The entry's own fields
 * say whose it is (CCH-5); nothing reads, overwrites or deletes another attachment's entry.
 */
static void write_b_c_on_a(struct fixture *f, struct cni_cache_entry *e)
{
	entry_init(e);
	e->network = "a";
	e->container_id = "b-c";
	write_ok(f->cache, e);
}

static void assert_held_by_b_c(struct fixture *f)
{
	char *file = entry_path(f, "a-b-c-eth0");
	char *text = ut_read_file(file);
	json_object *o = ut_json(text);

	assert_string_equal(ut_str(o, "containerId"), "b-c");
	assert_string_equal(ut_str(o, "networkName"), "a");
	json_object_put(o);
	free(text);
	free(file);
}

static void test_cch_foreign_entry_not_read(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, *r = NULL;
	rci_error_t err = NULL;

	write_b_c_on_a(f, &e);
	assert_int_equal(cni_cache_read(f->cache, "a-b", "c", "eth0", &r, &err), CNI_CACHE_FOREIGN);
	assert_null(r);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	UT_ERR_CONTAINS(err, "a-b-c-eth0", "`b-c`", "`a`", "`c`", "`a-b`");
	rci_error_release(&err);
	/* The owner still reads it, and the ifname is part of the identity too. */
	ut_assert_ok(cni_cache_read(f->cache, "a", "b-c", "eth0", &r, &err), &err);
	assert_string_equal(r->container_id, "b-c");
	assert_string_equal(r->network, "a");
	cni_cache_entry_free(r);
	r = NULL;
	ut_write_file(f->cache, "results/a-b-c-eth0",
		      "{\"kind\":\"cniCacheV1\",\"containerId\":\"b-c\",\"networkName\":\"a\","
		      "\"ifName\":\"eth9\"}");
	assert_int_equal(cni_cache_read(f->cache, "a", "b-c", "eth0", &r, &err), CNI_CACHE_FOREIGN);
	assert_null(r);
	rci_error_release(&err);
	entry_fini(&e);
}

static void test_cch_write_refuses_foreign_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e, mine;
	rci_error_t err = NULL;

	write_b_c_on_a(f, &e);
	entry_init(&mine);
	mine.network = "a-b";
	mine.container_id = "c";
	assert_int_equal(cni_cache_write(f->cache, &mine, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	UT_ERR_CONTAINS(err, "a-b-c-eth0", "`b-c`");
	rci_error_release(&err);
	assert_held_by_b_c(f);
	/* Its owner rewrites it as before. */
	write_ok(f->cache, &e);
	assert_held_by_b_c(f);
	entry_fini(&mine);
	entry_fini(&e);
}

static void test_cch_delete_keeps_foreign_entry(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e;
	rci_error_t err = NULL;

	write_b_c_on_a(f, &e);
	ut_assert_ok(cni_cache_delete(f->cache, "a-b", "c", "eth0", &err), &err);
	assert_held_by_b_c(f);
	ut_assert_ok(cni_cache_delete(f->cache, "a", "b-c", "eth0", &err), &err);
	char *file = entry_path(f, "a-b-c-eth0");
	assert_false(ut_exists(file));
	free(file);
	entry_fini(&e);
}

/* alloc's check before anything is created: free or ours is fine, another's is a conflict. */
static void test_cch_check_owner(void **state)
{
	struct fixture *f = *state;
	struct cni_cache_entry e;
	rci_error_t err = NULL;

	ut_assert_ok(cni_cache_check_owner(f->cache, "a-b", "c", "eth0", &err), &err);
	write_b_c_on_a(f, &e);
	ut_assert_ok(cni_cache_check_owner(f->cache, "a", "b-c", "eth0", &err), &err);
	assert_int_equal(cni_cache_check_owner(f->cache, "a-b", "c", "eth0", &err), -1);
	assert_int_equal(err->kind, RCI_ERR_CONFLICT);
	UT_ERR_CONTAINS(err, "`b-c`", "`a`");
	rci_error_release(&err);
	/* An entry that says nothing about its owner (legacy, corrupt) is not evidence of one. */
	ut_write_file(f->cache, "results/a-b-c-eth0", "");
	ut_assert_ok(cni_cache_check_owner(f->cache, "a-b", "c", "eth0", &err), &err);
	entry_fini(&e);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_cch1_path_and_modes),
	    T(test_cch2_content),
	    T(test_cch2_empty_values_omitted),
	    T(test_cch2_read_round_trip),
	    T(test_cch3_missing_entry),
	    T(test_cch3_corrupt_entry),
	    T(test_cch3_legacy_bare_result),
	    T(test_cch_symlink_entry_refused),
	    T(test_cch6_atomic_write_no_tmp),
	    T(test_cch_delete),
	    T(test_cch_foreign_entry_not_read),
	    T(test_cch_write_refuses_foreign_entry),
	    T(test_cch_delete_keeps_foreign_entry),
	    T(test_cch_check_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
