/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "protocol.h"
#include "json.h"
#include "util.h"
#include "validate.h"

#include <string.h>

#define WHAT "control request"

static const struct {
	const char *name;
	enum fwd_op op;
	const char *const keys[5]; /* the fields the op allows, NULL-terminated */
} ops[] = {
    {"add", FWD_OP_ADD, {"op", "proto", "target", "owner", NULL}},
    {"remove", FWD_OP_REMOVE, {"op", "proto", "host", "owner", NULL}},
    {"list", FWD_OP_LIST, {"op", NULL}},
    {"ping", FWD_OP_PING, {"op", NULL}},
};

const char *fwd_proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Every failure of a request is the client's: RCI_ERR_USAGE. */
#define bad(err, ...) rci_make_error_kind(err, RCI_ERR_USAGE, 0, __VA_ARGS__)

static bool key_allowed(const char *key, const char *const *allowed)
{
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(key, allowed[i]))
			return true;
	return false;
}

static int check_keys(json_object *obj, const char *const *allowed, const char *where,
		      rci_error_t *err)
{
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		if (!key_allowed(key, allowed)) {
			cleanup_free char *shown = rci_printable(key, 32);
			return bad(err, "unknown field `%s` in %s", shown, where);
		}
	}
	return 0;
}

/*
 * @obj[@key] of @type, or an error naming it as `@parent.@key` (@parent may be ""); NULL
 * without an error when it is absent and not @required.
 */
static json_object *get_typed(json_object *obj, const char *parent, const char *key, json_type type,
			      bool required, rci_error_t *err)
{
	json_object *v = NULL;
	const char *dot = *parent ? "." : "";
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (required)
			bad(err, "`%s%s%s` is missing", parent, dot, key);
		return NULL;
	}
	if (!json_object_is_type(v, type)) {
		bad(err, "`%s%s%s` must be %s", parent, dot, key,
		    type == json_type_object ? "an object"
		    : type == json_type_int  ? "an integer"
					     : "a string");
		return NULL;
	}
	return v;
}

static int parse_proto(json_object *req, int *proto, rci_error_t *err)
{
	json_object *v = get_typed(req, "", "proto", json_type_string, true, err);
	if (!v)
		return -1;
	const char *s = json_object_get_string(v);
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return bad(err, "`proto` must be \"tcp\" or \"udp\"");
	return 0;
}

/* {"ip":IP,"port":N} at @key, N from 1 to 65535. */
static int parse_endpoint(json_object *req, const char *key, union fwd_addr *out, rci_error_t *err)
{
	static const char *const keys[] = {"ip", "port", NULL};
	cleanup_free char *where = xasprintf("`%s`", key);
	json_object *o = get_typed(req, "", key, json_type_object, true, err);
	if (!o || check_keys(o, keys, where, err) < 0)
		return -1;
	json_object *ip = get_typed(o, key, "ip", json_type_string, true, err);
	json_object *port = ip ? get_typed(o, key, "port", json_type_int, true, err) : NULL;
	if (!port)
		return -1;
	int64_t p = json_object_get_int64(port);
	if (p < 1 || p > 65535)
		return bad(err, "`%s.port` must be from 1 to 65535", key);
	return fwd_addr_parse(key, json_object_get_string(ip), (int)p, out, err);
}

static int parse_owner(json_object *req, bool required, struct fwd_request *out, rci_error_t *err)
{
	static const char *const keys[] = {"id", "network", NULL};
	json_object *o = get_typed(req, "", "owner", json_type_object, required, err);
	if (!o)
		return required || *err ? -1 : 0;
	if (check_keys(o, keys, "`owner`", err) < 0)
		return -1;
	json_object *id = get_typed(o, "owner", "id", json_type_string, true, err);
	json_object *net =
	    id ? get_typed(o, "owner", "network", json_type_string, true, err) : NULL;
	if (!net)
		return -1;
	if (rci_validate_id(json_object_get_string(id), err) < 0 ||
	    rci_validate_network(json_object_get_string(net), err) < 0)
		return -1;
	out->owner_id = xstrdup(json_object_get_string(id));
	out->owner_net = xstrdup(json_object_get_string(net));
	return 0;
}

static int parse_remove(json_object *req, struct fwd_request *out, rci_error_t *err)
{
	bool by_owner = json_object_object_get_ex(req, "owner", NULL);
	bool by_host = json_object_object_get_ex(req, "host", NULL);
	if (by_owner == by_host)
		return bad(err, "`remove` takes either `owner` or `proto` and `host`");
	if (by_owner) {
		if (json_object_object_get_ex(req, "proto", NULL))
			return bad(err, "`remove` by `owner` takes no `proto`");
		return parse_owner(req, true, out, err);
	}
	out->has_host = true;
	if (parse_proto(req, &out->proto, err) < 0)
		return -1;
	return parse_endpoint(req, "host", &out->host, err);
}

static int parse_object(json_object *obj, struct fwd_request *req, rci_error_t *err)
{
	if (!json_object_is_type(obj, json_type_object))
		return bad(err, "not a JSON object");
	json_object *opv = get_typed(obj, "", "op", json_type_string, true, err);
	if (!opv)
		return -1;
	const char *name = json_object_get_string(opv);
	size_t i = 0;
	while (i < RCI_ARRAY_SIZE(ops) && strcmp(ops[i].name, name) != 0)
		i++;
	if (i == RCI_ARRAY_SIZE(ops)) {
		cleanup_free char *shown = rci_printable(name, 32);
		return bad(err, "unknown op `%s` (want add, remove, list or ping)", shown);
	}
	req->op = ops[i].op;
	cleanup_free char *where = xasprintf("`%s`", name);
	if (check_keys(obj, ops[i].keys, where, err) < 0)
		return -1;
	switch (req->op) {
	case FWD_OP_ADD:
		if (parse_proto(obj, &req->proto, err) < 0 ||
		    parse_endpoint(obj, "target", &req->target, err) < 0 ||
		    parse_owner(obj, true, req, err) < 0)
			return -1;
		return 0;
	case FWD_OP_REMOVE:
		return parse_remove(obj, req, err);
	default:
		return 0;
	}
}

int fwd_request_parse(const char *text, size_t len, struct fwd_request *req, rci_error_t *err)
{
	memset(req, 0, sizeof(*req));
	/* Its errors name WHAT already ("control request: invalid JSON at offset N"). */
	cleanup_json json_object *obj = rci_json_parse(text, len, WHAT, err);
	if (!obj) {
		(*err)->kind = RCI_ERR_USAGE; /* the client's JSON, not our failure */
		return -1;
	}
	if (parse_object(obj, req, err) < 0) {
		fwd_request_free(req);
		return rci_error_wrap(err, "bad %s", WHAT);
	}
	return 0;
}

void fwd_request_free(struct fwd_request *req)
{
	free(req->owner_id);
	free(req->owner_net);
	req->owner_id = req->owner_net = NULL;
}

json_object *fwd_addr_json(const union fwd_addr *a)
{
	char ip[INET6_ADDRSTRLEN];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ip", json_object_new_string(fwd_addr_ip(a, ip)));
	json_object_object_add(o, "port", json_object_new_int(fwd_addr_port(a)));
	return o;
}

json_object *fwd_request_json(const struct fwd_request *req)
{
	json_object *o = json_object_new_object();
	const char *name = "ping";
	for (size_t i = 0; i < RCI_ARRAY_SIZE(ops); i++)
		if (ops[i].op == req->op)
			name = ops[i].name;
	json_object_object_add(o, "op", json_object_new_string(name));
	if (req->op == FWD_OP_ADD || (req->op == FWD_OP_REMOVE && req->has_host))
		json_object_object_add(o, "proto",
				       json_object_new_string(fwd_proto_name(req->proto)));
	if (req->op == FWD_OP_ADD)
		json_object_object_add(o, "target", fwd_addr_json(&req->target));
	if (req->op == FWD_OP_REMOVE && req->has_host)
		json_object_object_add(o, "host", fwd_addr_json(&req->host));
	if (req->owner_id && (req->op == FWD_OP_ADD || req->op == FWD_OP_REMOVE)) {
		json_object *owner = json_object_new_object();
		json_object_object_add(owner, "id", json_object_new_string(req->owner_id));
		json_object_object_add(
		    owner, "network", json_object_new_string(req->owner_net ? req->owner_net : ""));
		json_object_object_add(o, "owner", owner);
	}
	return o;
}

json_object *fwd_reply_ok(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

json_object *fwd_reply_error(rci_error_t e)
{
	cleanup_free char *text = rci_error_text(e);
	cleanup_free char *line = rci_one_line(text, 0);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(line));
	json_object_object_add(o, "code", json_object_new_int(e ? e->kind : RCI_ERR_FAILED));
	return o;
}

json_object *fwd_reply_parse(const char *text, size_t len, rci_error_t *err)
{
	json_object *obj = rci_json_parse(text, len, "forwarder reply", err);
	if (!obj)
		return NULL;
	json_object *ok = NULL;
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		json_object_put(obj);
		rci_make_error(err, 0, "forwarder reply: not an object with a boolean `ok`");
		return NULL;
	}
	if (json_object_get_boolean(ok))
		return obj;
	const char *msg = rci_json_get_string(obj, "error");
	json_object *code = NULL;
	int kind = RCI_ERR_FAILED;
	if (json_object_object_get_ex(obj, "code", &code) &&
	    json_object_is_type(code, json_type_int) &&
	    json_object_get_int(code) >= RCI_ERR_FAILED &&
	    json_object_get_int(code) <= RCI_ERR_CONFLICT)
		kind = json_object_get_int(code);
	rci_make_error_kind(err, kind, 0, "%s",
			    msg ? msg : "the forwarder failed without a message");
	json_object_put(obj);
	return NULL;
}
