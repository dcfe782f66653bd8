/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fixture of the CNI runtime tests (test_api.c, test_api_del.c): a plugin dir holding the
 * fake plugin as "fake" and "old" (VERSION stops at 1.0.0, like Debian's plugins), a record dir,
 * a cache dir, and an attachment cid1/eth0 with CNI_ARGS and capability args; lists of fake
 * plugins whose records tell what each received. Included by those files only; static inline,
 * so each uses what it needs.
 */
#ifndef RCI_UNIT_API_FIXTURE_H
#define RCI_UNIT_API_FIXTURE_H

#include "unit.h"

#include "api.h"
#include "cache.h"
#include "json.h"
#include "util.h"

struct fixture {
	char *tmp, *plugins, *rec, *cache;
	char *dirs[2];
	struct cni_runtime rt;
	struct cni_args args; /* IgnoreUnknown=1;IP=10.0.0.5 */
	json_object *caps;    /* portMappings + bandwidth */
	struct cni_attachment att;
};

static const char caps_json[] =
    "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}],"
    "\"bandwidth\":{\"ingressRate\":1000,\"ingressBurst\":100},"
    "\"dns\":{\"servers\":[\"10.0.0.1\"]}}";

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *fake = ut_fake_plugin(), *link, *body = NULL;
	rci_error_t err = NULL;

	f->tmp = ut_mkdtemp();
	f->plugins = ut_path(f->tmp, "plugins");
	f->rec = ut_path(f->tmp, "rec");
	f->cache = ut_path(f->tmp, "cache");
	assert_int_equal(mkdir(f->plugins, 0755), 0);
	assert_int_equal(mkdir(f->rec, 0755), 0);
	link = ut_path(f->plugins, "fake");
	assert_int_equal(symlink(fake, link), 0);
	free(link);
	/* "old": the fake plugin, but VERSION says it stops at 1.0.0 (like Debian's plugins). */
	if (asprintf(
		&body,
		"if [ \"$CNI_COMMAND\" = VERSION ]; then\n"
		"  cat >/dev/null\n"
		"  echo '{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}'\n"
		"  exit 0\n"
		"fi\n"
		"exec '%s'\n",
		fake) < 0)
		abort();
	ut_write_script(f->plugins, "old", body);
	free(body);
	free(fake);
	f->dirs[0] = f->plugins;
	f->rt.plugin_dirs = f->dirs;
	f->rt.cache_dir = f->cache;
	f->rt.timeout_ms = 10 * 1000;
	ut_assert_ok(cni_args_add(&f->args, "IgnoreUnknown", "1", &err), &err);
	ut_assert_ok(cni_args_add(&f->args, "IP", "10.0.0.5", &err), &err);
	f->caps = ut_json(caps_json);
	f->att.container_id = "cid1";
	f->att.netns = "/run/netns/cid1";
	f->att.ifname = "eth0";
	f->att.args = &f->args;
	f->att.capability_args = f->caps;
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f->plugins);
	free(f->rec);
	free(f->cache);
	cni_args_clear(&f->args);
	json_object_put(f->caps);
	free(f);
	return 0;
}

/*
 * A list "net" with the given top-level keys (@head, e.g. "\"cniVersion\":\"1.0.0\"") and one
 * fake plugin per non-NULL entry of @fake (extra keys of its "fake" object, tag p<i+1>).
 * Plugin 1 declares portMappings, plugin 3 bandwidth and mac (only bandwidth is supplied).
 */
static inline struct cni_netconf *make_conf(struct fixture *f, const char *head, const char *type,
					    const char *const *fake, size_t n)
{
	static const char *const caps[] = {
	    ",\"capabilities\":{\"portMappings\":true,\"bandwidth\":false}", "",
	    ",\"capabilities\":{\"bandwidth\":true,\"mac\":true}"};
	char *buf = NULL, *tmp;
	struct cni_netconf *c = NULL;
	rci_error_t err = NULL;

	if (asprintf(&buf, "{%s,\"name\":\"net\",\"plugins\":[", head) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (asprintf(
			&tmp,
			"%s%s{\"type\":\"%s\"%s,\"fake\":{\"record\":\"%s\",\"tag\":\"p%zu\"%s%s}}",
			buf, i ? "," : "", type, i < 3 ? caps[i] : "", f->rec, i + 1,
			fake[i] && *fake[i] ? "," : "", fake[i] ? fake[i] : "") < 0)
			abort();
		free(buf);
		buf = tmp;
	}
	if (asprintf(&tmp, "%s]}", buf) < 0)
		abort();
	free(buf);
	ut_assert_ok(cni_conf_from_bytes(tmp, strlen(tmp), "test.conflist", &c, &err), &err);
	free(tmp);
	return c;
}

static inline struct cni_netconf *conf3(struct fixture *f, const char *f1, const char *f2,
					const char *f3)
{
	const char *fk[] = {f1, f2, f3};

	return make_conf(f, "\"cniVersion\":\"1.0.0\"", "fake", fk, 3);
}

/* "ADD:p1 ADD:p2 DEL:p2" from the records. */
static inline char *call_seq(json_object *calls)
{
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		json_object *c = json_object_array_get_idx(calls, i);

		t = xasprintf("%s%s%s:%s", s, i ? " " : "", ut_str(c, "command"), ut_str(c, "tag"));
		free(s);
		s = t;
	}
	return s;
}

static inline void assert_seq(json_object *calls, const char *want)
{
	char *s = call_seq(calls);

	if (strcmp(s, want) != 0) {
		fprintf(stderr, "calls `%s`, want `%s`\n", s, want);
		free(s);
		fail();
	}
	free(s);
}

static inline json_object *call_stdin(json_object *calls, size_t i)
{
	return ut_get(json_object_array_get_idx(calls, i), "stdin");
}

static inline char *cache_file(struct fixture *f)
{
	return xasprintf("%s/results/net-cid1-eth0", f->cache);
}

static inline json_object *add_ok(struct fixture *f, struct cni_netconf *c)
{
	rci_error_t err = NULL;
	json_object *result = NULL;

	ut_assert_ok(cni_add_network_list(&f->rt, c, &f->att, &result, NULL, &err), &err);
	assert_non_null(result);
	return result;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
