/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixture of the plugin execution tests (test_exec.c, test_exec_errors.c): two plugin dirs,
 * the fake plugin as "fake" (its "fake" config key scripts it, and it records every call to
 * <record>/calls.jsonl), and helpers to run it. Static inline: each file uses what it needs.
 */
#ifndef RCI_UNIT_EXEC_FIXTURE_H
#define RCI_UNIT_EXEC_FIXTURE_H

#include "unit.h"

#include "exec.h"
#include "util.h"

struct fixture {
	char *tmp, *d1, *d2, *rec;
	char *fake;	       /* absolute path of the built fake plugin */
	char *dirs[3];	       /* d1, d2, NULL */
	struct cni_runtime rt; /* plugin_dirs = dirs */
};

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *link;

	f->fake = ut_fake_plugin();
	f->tmp = ut_mkdtemp();
	f->d1 = ut_path(f->tmp, "d1");
	f->d2 = ut_path(f->tmp, "d2");
	f->rec = ut_path(f->tmp, "rec");
	assert_int_equal(mkdir(f->d1, 0755), 0);
	assert_int_equal(mkdir(f->d2, 0755), 0);
	assert_int_equal(mkdir(f->rec, 0755), 0);
	link = ut_path(f->d1, "fake");
	assert_int_equal(symlink(f->fake, link), 0);
	free(link);
	f->dirs[0] = f->d1;
	f->dirs[1] = f->d2;
	f->rt.plugin_dirs = f->dirs;
	f->rt.timeout_ms = 10 * 1000;
	f->rt.max_output = CNI_DEFAULT_MAX_OUTPUT;
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f->d1);
	free(f->d2);
	free(f->rec);
	free(f->fake);
	free(f);
	return 0;
}

/* Plugin stdin {cniVersion, name, type:"fake", fake:{record, <extra>}}. */
static inline json_object *fake_conf(struct fixture *f, const char *extra)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"fake\","
		 "\"fake\":{\"record\":\"%s\"%s%s}}",
		 f->rec, extra && *extra ? "," : "", extra ? extra : "");
	return ut_json(buf);
}

static const struct cni_call default_call = {.container_id = "cid1",
					     .netns = "/run/netns/cid1",
					     .ifname = "eth0",
					     .args = "IgnoreUnknown=1"};

/* Runs the fake with @extra in its "fake" object; returns cni_exec_plugin's value. */
static inline int run_fake(struct fixture *f, const char *command, const char *extra,
			   json_object **result, rci_error_t *err)
{
	json_object *conf = fake_conf(f, extra);
	int r = cni_exec_plugin(&f->rt, "fake", command, &default_call, conf, result, err);

	json_object_put(conf);
	return r;
}

/* The single recorded call (asserts there is exactly one); caller puts the array. */
static inline json_object *only_call(struct fixture *f, json_object **calls)
{
	*calls = ut_read_calls(f->rec);
	assert_int_equal(json_object_array_length(*calls), 1);
	return json_object_array_get_idx(*calls, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
