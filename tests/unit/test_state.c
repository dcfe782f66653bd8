/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/state.c: the state directory and per-container attachment records. */
#include "unit.h"

#include "state.h"
#include "util.h"

struct fixture {
	char *tmp, *dir; /* dir = <tmp>/state, created by rci_state_open */
	struct rci_state st;
	bool open;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->tmp = ut_mkdtemp();
	f->dir = ut_path(f->tmp, "state");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->open)
		rci_state_close(&f->st);
	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f->dir);
	free(f);
	return 0;
}

static void open_ok(struct fixture *f)
{
	rci_error_t err = NULL;

	ut_assert_ok(rci_state_open(&f->st, f->dir, &err), &err);
	f->open = true;
}

static struct rci_attachment_rec *add_att(struct rci_container_rec *rec, const char *net,
					  const char *ifname)
{
	struct rci_attachment_rec *a = rci_container_rec_add(rec);

	a->network = xstrdup(net);
	a->ifname = xstrdup(ifname);
	a->phase = xstrdup(RCI_PHASE_READY);
	return a;
}

/* Creates a private (0700) dir with containers/, netns/ and locks/. */
static void test_state_open_creates_layout(void **state)
{
	static const char *const subs[] = {"containers", "netns", "locks"};
	struct fixture *f = *state;
	struct stat st;

	open_ok(f);
	assert_int_equal(lstat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	for (size_t i = 0; i < 3; i++) {
		char *p = ut_path(f->dir, subs[i]);

		assert_int_equal(lstat(p, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 077, 0);
		free(p);
	}
	assert_true(f->st.dirfd >= 0 && f->st.containers_fd >= 0 && f->st.netns_fd >= 0 &&
		    f->st.locks_fd >= 0);
	/* opening again is fine */
	rci_state_close(&f->st);
	f->open = false;
	open_ok(f);
}

/* A symlinked state dir is refused (it could point anywhere). */
static void test_state_open_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char *real = ut_path(f->tmp, "real");
	rci_error_t err = NULL;

	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, f->dir), 0);
	assert_int_equal(rci_state_open(&f->st, f->dir, &err), -1);
	UT_ERR_CONTAINS(err, "symlink");
	rci_error_release(&err);
	assert_int_equal(f->st.dirfd, -1);
	free(real);
}

/* A state dir others can read is refused. */
static void test_state_open_refuses_loose_mode(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(rci_state_open(&f->st, f->dir, &err), -1);
	UT_ERR_CONTAINS(err, "0755", f->dir);
	rci_error_release(&err);
}

/* A state dir owned by someone else is refused (root can test this with chown). */
static void test_state_open_refuses_foreign_owner(void **state)
{
	struct fixture *f = *state;
	rci_error_t err = NULL;

	if (geteuid() != 0) {
		fprintf(stderr, "# not root: cannot create a foreign-owned dir, skipped\n");
		skip();
	}
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(chown(f->dir, 12345, 12345), 0);
	assert_int_equal(rci_state_open(&f->st, f->dir, &err), -1);
	UT_ERR_CONTAINS(err, "owned by uid 12345");
	rci_error_release(&err);
}

/* save/load round trip of every field; a missing record is -2. */
static void test_state_save_load_round_trip(void **state)
{
	struct fixture *f = *state;
	struct rci_container_rec *rec = rci_container_rec_new("cid1"), *got = NULL;
	struct rci_attachment_rec *a;
	rci_error_t err = NULL;
	char *file;
	struct stat st;

	open_ok(f);
	assert_int_equal(rci_state_load(&f->st, "cid1", &got, &err), -2);
	assert_null(err);
	a = add_att(rec, "net1", "eth0");
	a->pod_name = xstrdup("web");
	a->ip = xstrdup("10.0.0.5");
	a->mac = xstrdup("02:42:ac:11:00:02");
	a = add_att(rec, "net2", "eth1");
	free(a->phase);
	a->phase = xstrdup(RCI_PHASE_ADDING);
	ut_assert_ok(rci_state_save(&f->st, rec, &err), &err);
	file = xasprintf("%s/containers/cid1.json", f->dir);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	ut_assert_ok(rci_state_load(&f->st, "cid1", &got, &err), &err);
	assert_string_equal(got->id, "cid1");
	assert_int_equal(got->n, 2);
	assert_string_equal(got->att[0].network, "net1");
	assert_string_equal(got->att[0].ifname, "eth0");
	assert_string_equal(got->att[0].pod_name, "web");
	assert_string_equal(got->att[0].ip, "10.0.0.5");
	assert_string_equal(got->att[0].mac, "02:42:ac:11:00:02");
	assert_string_equal(got->att[0].phase, RCI_PHASE_READY);
	assert_string_equal(got->att[1].network, "net2");
	assert_string_equal(got->att[1].ifname, "eth1");
	assert_string_equal(got->att[1].pod_name, "");
	assert_string_equal(got->att[1].phase, RCI_PHASE_ADDING);
	assert_int_equal(rci_container_rec_find(got, "net2"), 1);
	assert_int_equal(rci_container_rec_find(got, "net3"), -1);
	rci_container_rec_free(got);
	rci_container_rec_free(rec);
	free(file);
}

/* Removing attachments; a record with none left is deleted by save. */
static void test_state_remove_and_empty_record(void **state)
{
	struct fixture *f = *state;
	struct rci_container_rec *rec = rci_container_rec_new("cid1"), *got = NULL;
	rci_error_t err = NULL;
	char *file;

	open_ok(f);
	add_att(rec, "net1", "eth0");
	add_att(rec, "net2", "eth1");
	add_att(rec, "net3", "eth2");
	rci_container_rec_remove(rec, 1);
	assert_int_equal(rec->n, 2);
	assert_string_equal(rec->att[0].network, "net1");
	assert_string_equal(rec->att[1].network, "net3");
	ut_assert_ok(rci_state_save(&f->st, rec, &err), &err);
	ut_assert_ok(rci_state_load(&f->st, "cid1", &got, &err), &err);
	assert_int_equal(got->n, 2);
	assert_string_equal(got->att[1].ifname, "eth2");
	rci_container_rec_free(got);
	rci_container_rec_remove(rec, 1);
	rci_container_rec_remove(rec, 0);
	assert_int_equal(rec->n, 0);
	ut_assert_ok(rci_state_save(&f->st, rec, &err), &err);
	file = xasprintf("%s/containers/cid1.json", f->dir);
	assert_false(ut_exists(file));
	assert_int_equal(rci_state_load(&f->st, "cid1", &got, &err), -2);
	rci_container_rec_free(rec);
	free(file);
}

/* Corrupt records are errors, not empty records. */
static void test_state_load_corrupt(void **state)
{
	struct fixture *f = *state;
	struct rci_container_rec *got = NULL;
	rci_error_t err = NULL;
	char *cdir;

	open_ok(f);
	cdir = ut_path(f->dir, "containers");
	ut_write_file_mode(cdir, "a.json", "", 0600);
	ut_write_file_mode(cdir, "b.json", "{\"id\":\"b\"}", 0600);
	ut_write_file_mode(cdir, "c.json", "{\"attachments\":[{\"network\":\"n\"}]}", 0600);
	assert_int_equal(rci_state_load(&f->st, "a", &got, &err), -1);
	rci_error_release(&err);
	assert_int_equal(rci_state_load(&f->st, "b", &got, &err), -1);
	rci_error_release(&err);
	assert_int_equal(rci_state_load(&f->st, "c", &got, &err), -1);
	UT_ERR_CONTAINS(err, "attachment 0");
	rci_error_release(&err);
	assert_null(got);
	free(cdir);
}

/* IDs that have a record, sorted. */
static void test_state_list_ids(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = {"zeta", "alpha", "Mid"};
	rci_error_t err = NULL;
	char **v = NULL;
	char *cdir;

	open_ok(f);
	for (size_t i = 0; i < 3; i++) {
		struct rci_container_rec *rec = rci_container_rec_new(ids[i]);

		add_att(rec, "net", "eth0");
		ut_assert_ok(rci_state_save(&f->st, rec, &err), &err);
		rci_container_rec_free(rec);
	}
	cdir = ut_path(f->dir, "containers");
	ut_write_file(cdir, "notes.txt", "x");
	ut_assert_ok(rci_state_list_ids(&f->st, &v, &err), &err);
	assert_int_equal(rci_strv_len(v), 3);
	assert_string_equal(v[0], "Mid");
	assert_string_equal(v[1], "alpha");
	assert_string_equal(v[2], "zeta");
	rci_strv_free(v);
	/* listing twice works (the dir fd is rewound) */
	ut_assert_ok(rci_state_list_ids(&f->st, &v, &err), &err);
	assert_int_equal(rci_strv_len(v), 3);
	rci_strv_free(v);
	free(cdir);
}

static void assert_next_ifname(const struct rci_container_rec *rec, const char *want)
{
	char *s = rci_container_rec_next_ifname(rec);

	assert_string_equal(s, want);
	free(s);
}

/* eth<N> with N = attachments present; when that is taken, the lowest free N. */
static void test_state_next_ifname(void **state)
{
	struct rci_container_rec *rec = rci_container_rec_new("cid1");

	(void)state;
	assert_next_ifname(NULL, "eth0");
	assert_next_ifname(rec, "eth0");
	add_att(rec, "net1", "eth0");
	assert_next_ifname(rec, "eth1");
	add_att(rec, "net2", "eth1");
	assert_next_ifname(rec, "eth2");
	/* {eth0, eth1} minus eth0 = {eth1}: N=1 is taken, lowest free is eth0 */
	rci_container_rec_remove(rec, 0);
	assert_next_ifname(rec, "eth0");
	add_att(rec, "net3", "eth0");
	assert_next_ifname(rec, "eth2");
	/* {eth0, eth1, eth2} minus eth1 = {eth0, eth2}: N=2 taken, eth1 free */
	add_att(rec, "net4", "eth2");
	assert_next_ifname(rec, "eth3");
	rci_container_rec_remove(rec, 0); /* removes eth1 (att order: eth1, eth0, eth2) */
	assert_next_ifname(rec, "eth1");
	/* {eth0, eth1, eth2} minus eth2 = {eth0, eth1}: N=2 is free */
	rci_container_rec_free(rec);
	rec = rci_container_rec_new("cid2");
	add_att(rec, "a", "eth0");
	add_att(rec, "b", "eth1");
	add_att(rec, "c", "eth2");
	rci_container_rec_remove(rec, 2);
	assert_next_ifname(rec, "eth2");
	rci_container_rec_free(rec);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_state_open_creates_layout),
	    T(test_state_open_refuses_symlink),
	    T(test_state_open_refuses_loose_mode),
	    T(test_state_open_refuses_foreign_owner),
	    T(test_state_save_load_round_trip),
	    T(test_state_remove_and_empty_record),
	    T(test_state_load_corrupt),
	    T(test_state_list_ids),
	    cmocka_unit_test(test_state_next_ifname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
