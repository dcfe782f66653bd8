/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the launcher's infra record (infra/record.c) as far as the data-path drivers go
 * (issue 10), and of the drivers' names (infra/drivers.c): what is written is read back, older
 * records read as slirp4netns for both, a damaged driver name is a dead infra.
 */
#include "unit.h"

#include "context.h"
#include "record.h"
#include "util.h"

struct fixture {
	char *tmp;
	struct lr_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	rci_error_t err = NULL;
	f->tmp = ut_mkdtemp();
	lr_ctx_init(&f->ctx);
	f->ctx.state.dir = ut_path(f->tmp, "state");
	ut_assert_ok(lr_state_open(&f->ctx.state, &err), &err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	lr_ctx_free(&f->ctx);
	ut_rm_rf(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

static struct lr_infra *load(struct fixture *f)
{
	struct lr_infra *inf = NULL;
	rci_error_t err = NULL;
	ut_assert_ok(lr_infra_load(&f->ctx, &inf, &err), &err);
	assert_non_null(inf);
	return inf;
}

static void write_record(struct fixture *f, const char *json)
{
	ut_write_file(f->ctx.state.dir, "infra.json", json);
}

static void test_drivers_round_trip(void **state)
{
	struct fixture *f = *state;
	struct lr_infra w = {.rt = {"runc", "/usr/bin/runc", false},
			     .runtime_root = "/r",
			     .bundle = "/b",
			     .api_socket = "/s",
			     .cni_path = "/c",
			     .pid = 42,
			     .pid_start = 7,
			     .net_pid = 43,
			     .net_start = 8,
			     .fwd_pid = 44,
			     .fwd_start = 9,
			     .fwd_restarts = 2,
			     .port_driver = LR_PORT_FORWARDER,
			     .net_driver = LR_NET_PASTA,
			     .ready = true};
	rci_error_t err = NULL;
	ut_assert_ok(lr_infra_save(&f->ctx, &w, &err), &err);
	/* pasta's process under its own name, not slirp4netns'. */
	char *p = ut_path(f->ctx.state.dir, "infra.json");
	char *text = ut_read_file(p);
	json_object *o = ut_json(text);
	assert_string_equal(ut_str(o, "netDriver"), "pasta");
	assert_string_equal(ut_str(o, "portDriver"), "forwarder");
	assert_true(ut_has(o, "pastaPid") && !ut_has(o, "slirpPid"));
	json_object_put(o);
	free(text);
	free(p);
	struct lr_infra *r = load(f);
	assert_int_equal(r->net_driver, LR_NET_PASTA);
	assert_int_equal(r->port_driver, LR_PORT_FORWARDER);
	assert_int_equal(r->net_pid, 43);
	assert_int_equal(r->net_start, 8);
	assert_int_equal(r->fwd_pid, 44);
	assert_int_equal(r->fwd_start, 9);
	assert_int_equal(r->fwd_restarts, 2);
	assert_true(r->ready);
	lr_infra_free(r);
}

/* A record of a launcher before the drivers: slirp4netns did both jobs. */
static void test_older_record(void **state)
{
	struct fixture *f = *state;
	write_record(f, "{\"runtime\":\"runc\",\"pid\":42,\"pidStart\":7,\"slirpPid\":43,"
			"\"slirpStart\":8,\"ready\":true}");
	struct lr_infra *r = load(f);
	assert_int_equal(r->net_driver, LR_NET_SLIRP);
	assert_int_equal(r->port_driver, LR_PORT_SLIRP);
	assert_int_equal(r->net_pid, 43);
	assert_int_equal(r->fwd_pid, 0);
	assert_true(r->ready);
	lr_infra_free(r);
}

/* An unknown driver: a damaged record, which reads as a dead infra. */
static void test_damaged_driver(void **state)
{
	struct fixture *f = *state;
	write_record(f, "{\"runtime\":\"runc\",\"pid\":42,\"ready\":true,\"netDriver\":\"vde\"}");
	struct lr_infra *r = load(f);
	assert_false(r->ready);
	lr_infra_free(r);
	write_record(f, "{\"runtime\":\"runc\",\"pid\":42,\"ready\":true,\"portDriver\":7}");
	r = load(f);
	assert_int_equal(r->port_driver, LR_PORT_SLIRP); /* not a string: absent */
	lr_infra_free(r);
}

static void test_driver_names(void **state)
{
	(void)state;
	enum lr_port_driver p;
	enum lr_net_driver n;
	rci_error_t err = NULL;
	assert_int_equal(lr_port_driver_parse("slirp4netns", &p, &err), 0);
	assert_int_equal(p, LR_PORT_SLIRP);
	assert_string_equal(lr_port_driver_name(p), "slirp4netns");
	assert_int_equal(lr_net_driver_parse("pasta", &n, &err), 0);
	assert_string_equal(lr_net_driver_name(n), "pasta");
	assert_int_equal(lr_port_driver_parse("Forwarder", &p, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_USAGE);
	assert_string_equal(err->msg,
			    "--port-driver `Forwarder`: must be `forwarder` or `slirp4netns`");
	rci_error_release(&err);
	assert_int_equal(lr_net_driver_parse("", &n, &err), -1);
	rci_error_release(&err);
	/* pasta publishes through the forwarder only. */
	struct lr_ctx ctx;
	lr_ctx_init(&ctx);
	ctx.net_driver = LR_NET_PASTA;
	assert_int_equal(lr_ctx_check_drivers(&ctx, &err), 0);
	ctx.port_driver = LR_PORT_SLIRP;
	assert_int_equal(lr_ctx_check_drivers(&ctx, &err), -1);
	assert_int_equal(err->kind, RCI_ERR_USAGE);
	rci_error_release(&err);
	lr_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_drivers_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_older_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_driver, setup, teardown),
	    cmocka_unit_test(test_driver_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
