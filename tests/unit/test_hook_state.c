/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of what the OCI hook is given (infra/hook_state.c): the stage from the argument or
 * the state's status, the OCI state, the annotations; and the state keys (infra/statekey.c).
 */
#include "unit.h"

#include "hook_state.h"
#include "statekey.h"
#include "util.h"

static void test_stage(void **state)
{
	(void)state;
	static const struct {
		const char *arg, *status;
		enum lr_hook_stage want;
	} good[] = {
	    {"createRuntime", NULL, LR_HOOK_CREATE}, {"CREATERUNTIME", "stopped", LR_HOOK_CREATE},
	    {"prestart", NULL, LR_HOOK_CREATE},	     {"poststop", "creating", LR_HOOK_POSTSTOP},
	    {"PostStop", NULL, LR_HOOK_POSTSTOP},    {NULL, "creating", LR_HOOK_CREATE},
	    {NULL, "created", LR_HOOK_CREATE},	     {NULL, "stopped", LR_HOOK_POSTSTOP},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum lr_hook_stage s = 0;
		rci_error_t err = NULL;
		assert_int_equal(lr_hook_stage_parse(good[i].arg, good[i].status, &s, &err), 0);
		assert_int_equal(s, good[i].want);
	}
	static const struct {
		const char *arg, *status;
	} bad[] = {{"poststart", NULL}, {"", NULL},   {"create", "creating"},
		   {NULL, "running"},	{NULL, NULL}, {NULL, ""}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum lr_hook_stage s;
		rci_error_t err = NULL;
		assert_int_equal(lr_hook_stage_parse(bad[i].arg, bad[i].status, &s, &err), -1);
		assert_int_equal(err->kind, RCI_ERR_USAGE);
		rci_error_release(&err);
	}
}

static int parse(const char *text, struct lr_hook_state *st, rci_error_t *err)
{
	return lr_hook_state_parse(text, strlen(text), st, err);
}

static void test_state_good(void **state)
{
	(void)state;
	struct lr_hook_state st;
	rci_error_t err = NULL;
	/* podman 4.3.1's createRuntime state, as the lead recorded it (shortened). */
	assert_int_equal(parse("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"a7189\",\"status\":"
			       "\"creating\",\"pid\":1325,\"bundle\":\"/b/userdata\","
			       "\"annotations\":{\"io.rootless-cni-infra.networks\":\"default\"}}",
			       &st, &err),
			 0);
	assert_string_equal(st.id, "a7189");
	assert_string_equal(st.status, "creating");
	assert_int_equal(st.pid, 1325);
	assert_string_equal(st.bundle, "/b/userdata");
	assert_true(lr_hook_wanted(&st));
	lr_hook_state_clear(&st);
	/* Its poststop: no pid. No annotations at all: nothing wanted. */
	assert_int_equal(parse("{\"id\":\"c1\",\"status\":\"stopped\"}", &st, &err), 0);
	assert_int_equal(st.pid, 0);
	assert_null(st.bundle);
	assert_false(lr_hook_wanted(&st));
	lr_hook_state_clear(&st);
}

static void test_state_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"id\":5}",
	    "{\"id\":\"../x\"}",
	    "{\"id\":\"a/b\"}",
	    "{\"id\":\"\"}",
	    "{\"id\":\".hidden\"}",
	    "{\"id\":\"c1\",\"pid\":-1}",
	    "{\"id\":\"c1\",\"pid\":0}",
	    "{\"id\":\"c1\",\"pid\":\"12\"}",
	    "{\"id\":\"c1\",\"pid\":99999999}",
	    "{\"id\":\"c1\",\"bundle\":\"relative\"}",
	    "{\"id\":\"c1\",\"annotations\":[]}",
	    "{\"id\":\"c1\"} trailing",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lr_hook_state st;
		rci_error_t err = NULL;
		if (parse(bad[i], &st, &err) == 0)
			fail_msg("accepted `%s`", bad[i]);
		assert_int_equal(err->kind, RCI_ERR_USAGE);
		assert_null(strchr(err->msg, '\n'));
		rci_error_release(&err);
	}
}

/* The request of a state whose annotations are @ann (a JSON object's members). */
static int req_of(const char *ann, struct lr_hook_req *req, rci_error_t *err)
{
	char *text = xasprintf("{\"id\":\"c1\",\"pid\":42,\"annotations\":{%s}}", ann);
	struct lr_hook_state st;
	assert_int_equal(parse(text, &st, err), 0);
	int r = lr_hook_req_parse(&st, req, err);
	lr_hook_state_clear(&st);
	free(text);
	return r;
}

static void test_req_good(void **state)
{
	(void)state;
	struct lr_hook_req req;
	rci_error_t err = NULL;
	assert_int_equal(req_of("\"io.rootless-cni-infra.networks\":\" default , dualstack\","
				"\"io.rootless-cni-infra.ports\":\"8080:80,127.0.0.1:53:53/udp\","
				"\"io.rootless-cni-infra.ip\":\"10.88.0.7\","
				"\"io.rootless-cni-infra.mac\":\"02:42:ac:11:00:02\"",
				&req, &err),
			 0);
	assert_int_equal(rci_strv_len(req.networks), 2);
	assert_string_equal(req.networks[0], "default");
	assert_string_equal(req.networks[1], "dualstack");
	assert_int_equal(req.nports, 2);
	assert_int_equal(req.ports[1].host, 53);
	assert_string_equal(req.ports[1].proto, "udp");
	assert_string_equal(req.ip, "10.88.0.7");
	assert_string_equal(req.mac, "02:42:ac:11:00:02");
	/* No name given: the ID. */
	assert_string_equal(req.pod_name, "c1");
	assert_null(req.netns);
	lr_hook_req_clear(&req);
	/* The DNS name: ours first, then CRI's, then nerdctl's. */
	assert_int_equal(
	    req_of("\"io.rootless-cni-infra.networks\":\"n\","
		   "\"nerdctl/name\":\"nn\",\"io.kubernetes.cri.container-name\":\"cri\"",
		   &req, &err),
	    0);
	assert_string_equal(req.pod_name, "cri");
	assert_string_equal(req.ip, "");
	lr_hook_req_clear(&req);
	assert_int_equal(req_of("\"io.rootless-cni-infra.networks\":\"n\",\"nerdctl/name\":\"nn\","
				"\"io.rootless-cni-infra.pod-name\":\"web\","
				"\"io.rootless-cni-infra.ports\":\"\","
				"\"io.rootless-cni-infra.netns\":\"/run/netns/x\"",
				&req, &err),
			 0);
	assert_string_equal(req.pod_name, "web");
	assert_string_equal(req.netns, "/run/netns/x");
	assert_int_equal(req.nports, 0);
	lr_hook_req_clear(&req);
}

static void test_req_bad(void **state)
{
	(void)state;
	static const struct {
		const char *ann, *msg;
	} bad[] = {
	    {"\"io.rootless-cni-infra.networks\":\"\"", "empty network name"},
	    {"\"io.rootless-cni-infra.networks\":\"a,,b\"", "empty network name"},
	    {"\"io.rootless-cni-infra.networks\":\"a,a\"", "given twice"},
	    {"\"io.rootless-cni-infra.networks\":\"../etc\"", "invalid network name"},
	    {"\"io.rootless-cni-infra.networks\":7", "is not a string"},
	    {"\"io.rootless-cni-infra.networks\":\"a\",\"io.rootless-cni-infra.ports\":\"80\"",
	     "annotation `io.rootless-cni-infra.ports`: bad port mapping `80`"},
	    {"\"io.rootless-cni-infra.networks\":\"a\",\"io.rootless-cni-infra.ports\":"
	     "\"80:80,80:81\"",
	     "io.rootless-cni-infra.ports"},
	    {"\"io.rootless-cni-infra.networks\":\"a\",\"io.rootless-cni-infra.ip\":\"10.88.0."
	     "300\"",
	     "annotation `io.rootless-cni-infra.ip`: invalid IP address"},
	    {"\"io.rootless-cni-infra.networks\":\"a\",\"io.rootless-cni-infra.mac\":\"zz\"",
	     "annotation `io.rootless-cni-infra.mac`"},
	    {"\"io.rootless-cni-infra.networks\":\"a\",\"io.rootless-cni-infra.pod-name\":\"a;b\"",
	     "annotation `io.rootless-cni-infra.pod-name`"},
	    {"\"io.rootless-cni-infra.networks\":\"a\",\"io.rootless-cni-infra.netns\":\"rel\"",
	     "not an absolute path"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lr_hook_req req;
		rci_error_t err = NULL;
		if (req_of(bad[i].ann, &req, &err) == 0)
			fail_msg("accepted %s", bad[i].ann);
		assert_int_equal(err->kind, RCI_ERR_USAGE);
		if (!strstr(err->msg, bad[i].msg))
			fail_msg("%s: `%s` lacks `%s`", bad[i].ann, err->msg, bad[i].msg);
		assert_null(strchr(err->msg, '\n'));
		rci_error_release(&err);
	}
	/* More networks than interfaces we hand out. */
	char *many = xstrdup("\"io.rootless-cni-infra.networks\":\"n0");
	for (int i = 1; i <= LR_HOOK_MAX_NETWORKS; i++) {
		char *m = xasprintf("%s,n%d", many, i);
		free(many);
		many = m;
	}
	char *ann = xasprintf("%s\"", many);
	struct lr_hook_req req;
	rci_error_t err = NULL;
	assert_int_equal(req_of(ann, &req, &err), -1);
	assert_non_null(strstr(err->msg, "more than"));
	rci_error_release(&err);
	free(ann);
	free(many);
}

static void test_req_needs_a_netns(void **state)
{
	(void)state;
	struct lr_hook_state st;
	struct lr_hook_req req;
	rci_error_t err = NULL;
	const char *text = "{\"id\":\"c1\",\"annotations\":{\"io.rootless-cni-infra.networks\":"
			   "\"n\"}}";
	assert_int_equal(parse(text, &st, &err), 0);
	assert_int_equal(lr_hook_req_parse(&st, &req, &err), -1);
	assert_non_null(strstr(err->msg, "no `pid`"));
	rci_error_release(&err);
	lr_hook_state_clear(&st);
}

static void test_statekey_names(void **state)
{
	(void)state;
	assert_true(lr_statekey_is_userns("userns-4026532391"));
	assert_true(lr_statekey_is_userns("userns-1"));
	static const char *const bad[] = {
	    "host",	     "userns-",	  "userns-0",
	    "userns-01",     "userns-1a", "userns--1",
	    "userns-1/../x", "xuserns-1", "userns-123456789012345678901",
	    "Userns-1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lr_statekey_is_userns(bad[i]))
			fail_msg("`%s` taken for a key", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stage),	   cmocka_unit_test(test_state_good),
	    cmocka_unit_test(test_state_bad),	   cmocka_unit_test(test_req_good),
	    cmocka_unit_test(test_req_bad),	   cmocka_unit_test(test_req_needs_a_netns),
	    cmocka_unit_test(test_statekey_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
