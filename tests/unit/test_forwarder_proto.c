/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the forwarder's control protocol (infra/forwarder/protocol.c), table-driven. */
#include "unit.h"

#include "forwarder/protocol.h"

#define ADD_TCP                                                                                    \
	"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.88.0.2\",\"port\":80},"         \
	"\"owner\":{\"id\":\"c1\",\"network\":\"default\"}}"

static void test_good_requests(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum fwd_op op;
		int proto;
		const char *owner; /* "id@net" or NULL */
		const char *addr;  /* target (add) or host (remove by host) as fwd_addr_str */
	} good[] = {
	    {ADD_TCP, FWD_OP_ADD, IPPROTO_TCP, "c1@default", "10.88.0.2:80"},
	    {"{\"op\":\"add\",\"proto\":\"udp\",\"target\":{\"port\":53,\"ip\":\"fd00::2\"},"
	     "\"owner\":{\"network\":\"n-1\",\"id\":\"a.b_c\"}}\n",
	     FWD_OP_ADD, IPPROTO_UDP, "a.b_c@n-1", "[fd00::2]:53"},
	    {"{\"op\":\"remove\",\"owner\":{\"id\":\"c1\",\"network\":\"default\"}}", FWD_OP_REMOVE,
	     0, "c1@default", NULL},
	    {"{\"op\":\"remove\",\"proto\":\"udp\",\"host\":{\"ip\":\"::1\",\"port\":65535}}",
	     FWD_OP_REMOVE, IPPROTO_UDP, NULL, "[::1]:65535"},
	    {" {\"op\":\"list\"} ", FWD_OP_LIST, 0, NULL, NULL},
	    {"{\"op\":\"ping\"}", FWD_OP_PING, 0, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct fwd_request req;
		rci_error_t err = NULL;
		if (fwd_request_parse(good[i].text, strlen(good[i].text), &req, &err) != 0)
			fail_msg("`%s` refused: %s", good[i].text, err->msg);
		assert_int_equal(req.op, good[i].op);
		if (good[i].proto)
			assert_int_equal(req.proto, good[i].proto);
		if (good[i].owner) {
			char *owner = NULL;
			assert_true(asprintf(&owner, "%s@%s", req.owner_id, req.owner_net) > 0);
			assert_string_equal(owner, good[i].owner);
			free(owner);
		} else {
			assert_null(req.owner_id);
		}
		if (good[i].addr) {
			char buf[FWD_ADDR_STRLEN];
			const union fwd_addr *a = req.op == FWD_OP_ADD ? &req.target : &req.host;
			assert_string_equal(fwd_addr_str(a, buf), good[i].addr);
		}
		fwd_request_free(&req);
	}
}

/* Each must fail as bad input, with this text in its one-line message. */
static const struct {
	const char *text;
	const char *why;
} bad[] = {
    {"", "unexpected end of JSON input"},
    {"{", "unexpected end"},
    {"[1]", "not a JSON object"},
    {"{\"op\":\"list\"} x", "invalid JSON at offset 14"},
    {"{}", "`op` is missing"},
    {"{\"op\":1}", "`op` must be a string"},
    {"{\"op\":\"nop\"}", "unknown op `nop`"},
    {"{\"op\":\"list\",\"x\":1}", "unknown field `x` in `list`"},
    {"{\"op\":\"ping\",\"owner\":{}}", "unknown field `owner` in `ping`"},
    {"{\"op\":\"add\"}", "`proto` is missing"},
    {"{\"op\":\"add\",\"proto\":\"sctp\",\"target\":{}}", "`proto` must be \"tcp\" or \"udp\""},
    {"{\"op\":\"add\",\"proto\":\"tcp\"}", "`target` is missing"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":[]}", "`target` must be an object"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\"}}",
     "`target.port` is missing"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":\"80\"}}",
     "`target.port` must be an integer"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":80.5}}",
     "`target.port` must be an integer"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":0}}",
     "`target.port` must be from 1 to 65535"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":65536}}",
     "`target.port` must be from 1 to 65535"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":"
     "99999999999999999999}}",
     "`target.port` must be from 1 to 65535"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.256\",\"port\":80}}",
     "target IP `10.0.0.256` is not an IPv4 or IPv6 address"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"[::1]\",\"port\":80}}",
     "target IP `[::1]`"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"x\",\"port\":80,\"y\":1}}",
     "unknown field `y` in `target`"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":80}}",
     "`owner` is missing"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":80},"
     "\"owner\":{\"id\":\"c1\"}}",
     "`owner.network` is missing"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":80},"
     "\"owner\":{\"id\":\"../x\",\"network\":\"n\"}}",
     "container ID"},
    {"{\"op\":\"add\",\"proto\":\"tcp\",\"target\":{\"ip\":\"10.0.0.1\",\"port\":80},"
     "\"owner\":{\"id\":\"c1\",\"network\":\"a/b\"}}",
     "network name"},
    {"{\"op\":\"remove\"}", "`remove` takes either `owner` or `proto` and `host`"},
    {"{\"op\":\"remove\",\"owner\":{\"id\":\"c\",\"network\":\"n\"},\"host\":{}}",
     "`remove` takes either"},
    {"{\"op\":\"remove\",\"proto\":\"tcp\",\"owner\":{\"id\":\"c\",\"network\":\"n\"}}",
     "`remove` by `owner` takes no `proto`"},
    {"{\"op\":\"remove\",\"host\":{\"ip\":\"::1\",\"port\":1}}", "`proto` is missing"},
    {"{\"op\":\"remove\",\"proto\":\"udp\",\"host\":{\"ip\":\"::1\",\"port\":-1}}",
     "`host.port` must be from 1 to 65535"},
    {"{\"op\":\"list\",\"op\":\"x\"}", "unknown op `x`"},
    {"{\"op\":\"\\u0001\"}", "unknown op `?`"},
};

static void test_bad_requests(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fwd_request req;
		rci_error_t err = NULL;
		if (fwd_request_parse(bad[i].text, strlen(bad[i].text), &req, &err) == 0)
			fail_msg("`%s` accepted", bad[i].text);
		assert_non_null(err);
		assert_int_equal(err->kind, RCI_ERR_USAGE);
		if (!strstr(err->msg, bad[i].why))
			fail_msg("`%s`: message `%s` lacks `%s`", bad[i].text, err->msg,
				 bad[i].why);
		assert_null(strchr(err->msg, '\n'));
		/* Nothing half-parsed survives a failure. */
		assert_null(req.owner_id);
		rci_error_release(&err);
	}
}

/* What the client builds, the server parses back to the same request. */
static void test_request_roundtrip(void **state)
{
	(void)state;
	struct fwd_request in[4];
	rci_error_t err = NULL;
	memset(in, 0, sizeof(in));
	in[0] = (struct fwd_request){
	    .op = FWD_OP_ADD, .proto = IPPROTO_UDP, .owner_id = "id", .owner_net = "net"};
	assert_int_equal(fwd_addr_parse("target", "fd00::5", 5353, &in[0].target, &err), 0);
	in[1] = (struct fwd_request){.op = FWD_OP_REMOVE, .owner_id = "id", .owner_net = "net"};
	in[2] = (struct fwd_request){.op = FWD_OP_REMOVE, .proto = IPPROTO_TCP, .has_host = true};
	assert_int_equal(fwd_addr_parse("host", "0.0.0.0", 8080, &in[2].host, &err), 0);
	in[3] = (struct fwd_request){.op = FWD_OP_LIST};
	for (size_t i = 0; i < 4; i++) {
		json_object *o = fwd_request_json(&in[i]);
		const char *s = json_object_to_json_string(o);
		struct fwd_request out;
		if (fwd_request_parse(s, strlen(s), &out, &err) != 0)
			fail_msg("`%s` refused: %s", s, err->msg);
		assert_int_equal(out.op, in[i].op);
		assert_int_equal(out.has_host, in[i].has_host);
		if (in[i].owner_id)
			assert_string_equal(out.owner_id, in[i].owner_id);
		if (in[i].op == FWD_OP_ADD)
			assert_true(fwd_addr_equal(&out.target, &in[i].target));
		if (in[i].has_host)
			assert_true(fwd_addr_equal(&out.host, &in[i].host));
		fwd_request_free(&out);
		json_object_put(o);
	}
}

static void test_replies(void **state)
{
	(void)state;
	rci_error_t err = NULL, got = NULL;
	/* An error reply carries the kind as its code and comes back as the same error. */
	rci_make_error_kind(&err, RCI_ERR_CONFLICT, EADDRINUSE, "host port %d is taken", 80);
	json_object *r = fwd_reply_error(err);
	const char *s = json_object_to_json_string(r);
	assert_null(fwd_reply_parse(s, strlen(s), &got));
	assert_int_equal(got->kind, RCI_ERR_CONFLICT);
	assert_string_equal(got->msg, "host port 80 is taken: Address already in use");
	rci_error_release(&got);
	rci_error_release(&err);
	json_object_put(r);

	const char *yes = "{\"ok\":true,\"removed\":2}";
	json_object *ok = fwd_reply_parse(yes, strlen(yes), &got);
	assert_non_null(ok);
	assert_null(got);
	json_object_put(ok);

	static const char *const broken[] = {"",
					     "[]",
					     "{\"ok\":1}",
					     "{}",
					     "{\"ok\":false}",
					     "{\"ok\":false,\"error\":\"x\",\"code\":99}"};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		assert_null(fwd_reply_parse(broken[i], strlen(broken[i]), &got));
		assert_non_null(got);
		assert_int_equal(got->kind, RCI_ERR_FAILED);
		rci_error_release(&got);
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good_requests), cmocka_unit_test(test_bad_requests),
    cmocka_unit_test(test_request_roundtrip), cmocka_unit_test(test_replies)};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
